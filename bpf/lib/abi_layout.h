/* Field offsets of the abi.h structs, pinned here and in Tests/DatapathTests/ABILayoutTests.swift. */
#ifndef SLUICE_ABI_LAYOUT_H
#define SLUICE_ABI_LAYOUT_H

#include <sluice/abi.h>

/*
 * abi.h asserts the sizes; these assert where each field sits, so a
 * reordered field fails the BPF build as well as the Swift layout test.
 */
#define __SLUICE_AT(type, field, offset) \
	_Static_assert(__builtin_offsetof(struct type, field) == (offset), #type "." #field)

__SLUICE_AT(sluice_endpoint_key, ifindex, 0);
__SLUICE_AT(sluice_endpoint_value, endpoint_id, 0);
__SLUICE_AT(sluice_endpoint_value, flags, 4);
__SLUICE_AT(sluice_endpoint_value, ingress_policy_id, 8);
__SLUICE_AT(sluice_endpoint_value, egress_policy_id, 12);

__SLUICE_AT(sluice_endpoint_address_key, ifindex, 0);
__SLUICE_AT(sluice_endpoint_address_key, family, 4);
__SLUICE_AT(sluice_endpoint_address_key, pad, 5);
__SLUICE_AT(sluice_endpoint_address_key, addr, 8);

__SLUICE_AT(sluice_ipcache_key, prefixlen, 0);
__SLUICE_AT(sluice_ipcache_key, family, 4);
__SLUICE_AT(sluice_ipcache_key, pad, 5);
__SLUICE_AT(sluice_ipcache_key, addr, 8);
__SLUICE_AT(sluice_ipcache_value, identity, 0);
__SLUICE_AT(sluice_ipcache_value, flags, 4);

__SLUICE_AT(sluice_policy_key, prefixlen, 0);
__SLUICE_AT(sluice_policy_key, endpoint_id, 4);
__SLUICE_AT(sluice_policy_key, identity, 8);
__SLUICE_AT(sluice_policy_key, direction, 12);
__SLUICE_AT(sluice_policy_key, protocol, 13);
__SLUICE_AT(sluice_policy_key, dport, 14);
__SLUICE_AT(sluice_policy_value, action, 0);
__SLUICE_AT(sluice_policy_value, flags, 2);
__SLUICE_AT(sluice_policy_value, policy_id, 4);

__SLUICE_AT(sluice_ct_key, saddr, 0);
__SLUICE_AT(sluice_ct_key, daddr, 16);
__SLUICE_AT(sluice_ct_key, sport, 32);
__SLUICE_AT(sluice_ct_key, dport, 34);
__SLUICE_AT(sluice_ct_key, endpoint_id, 36);
__SLUICE_AT(sluice_ct_key, protocol, 40);
__SLUICE_AT(sluice_ct_key, family, 41);
__SLUICE_AT(sluice_ct_key, pad, 42);
__SLUICE_AT(sluice_fragment_key, saddr, 0);
__SLUICE_AT(sluice_fragment_key, daddr, 16);
__SLUICE_AT(sluice_fragment_key, id, 32);
__SLUICE_AT(sluice_fragment_key, endpoint_id, 36);
__SLUICE_AT(sluice_fragment_key, protocol, 40);
__SLUICE_AT(sluice_fragment_key, family, 41);
__SLUICE_AT(sluice_fragment_key, direction, 42);
__SLUICE_AT(sluice_fragment_key, pad, 43);
__SLUICE_AT(sluice_fragment_ports, first_ns, 0);
__SLUICE_AT(sluice_fragment_ports, sport, 8);
__SLUICE_AT(sluice_fragment_ports, dport, 10);
__SLUICE_AT(sluice_fragment_ports, pad, 12);
__SLUICE_AT(sluice_ct_value, created_ns, 0);
__SLUICE_AT(sluice_ct_value, last_seen_ns, 8);
__SLUICE_AT(sluice_ct_value, policy_id, 16);
__SLUICE_AT(sluice_ct_value, direction, 20);
__SLUICE_AT(sluice_ct_value, flags, 21);
__SLUICE_AT(sluice_ct_value, pad, 22);

__SLUICE_AT(sluice_metrics_value, packets, 0);
__SLUICE_AT(sluice_metrics_value, bytes, 8);

__SLUICE_AT(sluice_config, ct_tcp_syn_ns, 0);
__SLUICE_AT(sluice_config, ct_tcp_established_ns, 8);
__SLUICE_AT(sluice_config, ct_tcp_closing_ns, 16);
__SLUICE_AT(sluice_config, ct_other_ns, 24);

__SLUICE_AT(sluice_policy_stats_key, policy_id, 0);
__SLUICE_AT(sluice_policy_stats_key, direction, 4);
__SLUICE_AT(sluice_policy_stats_key, action, 5);
__SLUICE_AT(sluice_policy_stats_key, pad, 6);
__SLUICE_AT(sluice_policy_stats_value, flows, 0);
__SLUICE_AT(sluice_policy_stats_value, packets, 8);
__SLUICE_AT(sluice_policy_stats_value, bytes, 16);

/* LPM prefixes count bits from the field after prefixlen. */
_Static_assert(SLUICE_POLICY_PREFIX_ALL_PROTOCOLS == 8 * (__builtin_offsetof(struct sluice_policy_key, protocol) - 4),
	       "all-protocols prefix ends before protocol");
_Static_assert(SLUICE_POLICY_PREFIX_ALL_PORTS == 8 * (__builtin_offsetof(struct sluice_policy_key, dport) - 4),
	       "all-ports prefix ends before dport");
_Static_assert(SLUICE_POLICY_PREFIX_FULL == 8 * (sizeof(struct sluice_policy_key) - 4), "full policy prefix");
_Static_assert(SLUICE_IPCACHE_PREFIX_BASE == 8 * (__builtin_offsetof(struct sluice_ipcache_key, addr) - 4),
	       "ipcache prefix base ends before addr");

#endif /* SLUICE_ABI_LAYOUT_H */
