/* Fragments after a datagram's first carry no transport header: they take the ports the first one had. */
#ifndef SLUICE_FRAGMENT_H
#define SLUICE_FRAGMENT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "maps.h"
#include "parse.h"

static __always_inline void __sluice_fragment_key(const struct sluice_flow *flow, __u32 endpoint_id, __u8 dir,
						  struct sluice_fragment_key *key)
{
	__builtin_memcpy(key->saddr, flow->saddr, sizeof(key->saddr));
	__builtin_memcpy(key->daddr, flow->daddr, sizeof(key->daddr));
	key->id = flow->fragment_id;
	key->endpoint_id = endpoint_id;
	key->protocol = flow->fragment_protocol;
	key->family = flow->family;
	key->direction = dir;
}

/*
 * Remembers the ports of a first fragment this check forwarded (a dropped
 * one must not displace a real datagram's entry). Only where the transport
 * header opens the fragmented part: it then lies in the first 8 bytes, which
 * no later fragment can overlap. TCP is left out: its state tracking reads
 * flags a later fragment does not have, and TCP sets DF not to be fragmented.
 */
static __always_inline void sluice_fragment_remember(const struct sluice_flow *flow, __u32 endpoint_id, __u8 dir)
{
	struct sluice_fragment_key key = {};
	struct sluice_fragment_ports first = {};

	if (flow->is_fragment || !flow->more_fragments || flow->protocol == IPPROTO_TCP || flow->is_icmp_error ||
	    flow->fragment_protocol != flow->protocol)
		return;
	__sluice_fragment_key(flow, endpoint_id, dir, &key);
	first.first_ns = bpf_ktime_get_ns();
	first.sport = flow->sport;
	first.dport = flow->dport;
	bpf_map_update_elem(&sluice_frg_v1, &key, &first, BPF_ANY);
}

/*
 * Gives a later fragment the ports of its datagram's first fragment, when
 * this check forwarded that one within the reassembly timeout, so it meets
 * the same flow and verdict. Otherwise it stays portless. The last fragment
 * takes the entry with it.
 */
static __always_inline void sluice_fragment_ports(struct sluice_flow *flow, __u32 endpoint_id, __u8 dir)
{
	struct sluice_fragment_key key = {};
	const struct sluice_fragment_ports *first;
	__u64 timeout;

	if (!flow->is_fragment)
		return;
	__sluice_fragment_key(flow, endpoint_id, dir, &key);
	first = bpf_map_lookup_elem(&sluice_frg_v1, &key);
	if (!first)
		return;
	timeout = flow->family == SLUICE_FAMILY_IPV4 ? SLUICE_FRAGMENT_TIMEOUT_IPV4_NS : SLUICE_FRAGMENT_TIMEOUT_IPV6_NS;
	if (bpf_ktime_get_ns() - first->first_ns <= timeout) {
		flow->sport = first->sport;
		flow->dport = first->dport;
		flow->is_fragment = 0;
	}
	if (!flow->more_fragments || flow->is_fragment)
		bpf_map_delete_elem(&sluice_frg_v1, &key);
}

#endif /* SLUICE_FRAGMENT_H */
