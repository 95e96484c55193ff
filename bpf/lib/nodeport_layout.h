/* Field offsets of abi.h's NodePort structs, pinned here and in Tests/ServiceDatapathTests/NodePortABILayoutTests.swift. */
#ifndef SLUICE_NODEPORT_LAYOUT_H
#define SLUICE_NODEPORT_LAYOUT_H

#include <sluice/abi.h>

#define __SLUICE_NAT_AT(type, field, offset) \
	_Static_assert(__builtin_offsetof(struct type, field) == (offset), #type "." #field)

__SLUICE_NAT_AT(sluice_nat_key, saddr, 0);
__SLUICE_NAT_AT(sluice_nat_key, daddr, 16);
__SLUICE_NAT_AT(sluice_nat_key, sport, 32);
__SLUICE_NAT_AT(sluice_nat_key, dport, 34);
__SLUICE_NAT_AT(sluice_nat_key, protocol, 36);
__SLUICE_NAT_AT(sluice_nat_key, family, 37);
__SLUICE_NAT_AT(sluice_nat_key, direction, 38);
__SLUICE_NAT_AT(sluice_nat_key, pad, 39);

__SLUICE_NAT_AT(sluice_nat_value, addr, 0);
__SLUICE_NAT_AT(sluice_nat_value, port, 16);
__SLUICE_NAT_AT(sluice_nat_value, family, 18);
__SLUICE_NAT_AT(sluice_nat_value, pad, 19);
__SLUICE_NAT_AT(sluice_nat_value, backend_id, 20);
__SLUICE_NAT_AT(sluice_nat_value, service_id, 24);
__SLUICE_NAT_AT(sluice_nat_value, pad2, 28);
__SLUICE_NAT_AT(sluice_nat_value, last_seen_ns, 32);

#endif /* SLUICE_NODEPORT_LAYOUT_H */
