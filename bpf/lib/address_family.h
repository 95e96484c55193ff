/* The socket address families the kernel's structures carry (AF_* are libc's, not UAPI's). */
#ifndef SLUICE_ADDRESS_FAMILY_H
#define SLUICE_ADDRESS_FAMILY_H

#define SLUICE_AF_INET  2
#define SLUICE_AF_INET6 10

#endif /* SLUICE_ADDRESS_FAMILY_H */
