/* The socket address families the kernel's structures carry (AF_* are libc's, not UAPI's). */
#ifndef SLUICE_ADDRESS_FAMILY_H
#define SLUICE_ADDRESS_FAMILY_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>

#include <sluice/abi.h>

#define SLUICE_AF_INET  2
#define SLUICE_AF_INET6 10

/*
 * An IPv6 socket address (four network-order words) as the datapath keys it:
 * `::ffff:a.b.c.d`, a dual-stack socket talking IPv4, is the IPv4 address it
 * carries. Writes the first 4 or all 16 bytes of `addr` and `family`; true
 * when the address was IPv4-mapped.
 */
static __always_inline int sluice_unmap6(const __u32 *words, __u8 *addr, __u8 *family)
{
	int mapped = words[0] == 0 && words[1] == 0 && words[2] == bpf_htonl(0xffff);

	if (mapped) {
		__builtin_memcpy(addr, &words[3], 4);
		*family = SLUICE_FAMILY_IPV4;
	} else {
		__builtin_memcpy(addr, words, 16);
		*family = SLUICE_FAMILY_IPV6;
	}
	return mapped;
}

#endif /* SLUICE_ADDRESS_FAMILY_H */
