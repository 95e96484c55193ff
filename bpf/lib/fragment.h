/* Fragments after a datagram's first carry no transport header: they take the ports the first one had. */
#ifndef SLUICE_FRAGMENT_H
#define SLUICE_FRAGMENT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "maps.h"
#include "parse.h"

/* The key of a datagram's fragments as one check sees them (an endpoint's direction, or tc_node's). */
static __always_inline void sluice_fragment_key_of(const __u8 *saddr, const __u8 *daddr, __u32 id, __u8 protocol,
						   __u8 family, __u32 endpoint_id, __u8 dir,
						   struct sluice_fragment_key *key)
{
	__builtin_memcpy(key->saddr, saddr, sizeof(key->saddr));
	__builtin_memcpy(key->daddr, daddr, sizeof(key->daddr));
	key->id = id;
	key->endpoint_id = endpoint_id;
	key->protocol = protocol;
	key->family = family;
	key->direction = dir;
}

/* Keeps a first fragment's ports for the fragments after it, in `map` (sluice_frg_v1 or tc_node's). */
static __always_inline void sluice_fragment_store(void *map, const struct sluice_fragment_key *key, __be16 sport,
						  __be16 dport)
{
	struct sluice_fragment_ports first = {};

	first.first_ns = bpf_ktime_get_ns();
	first.sport = sport;
	first.dport = dport;
	bpf_map_update_elem(map, key, &first, BPF_ANY);
}

/*
 * The ports of a later fragment's datagram, when its first fragment was kept
 * within the reassembly timeout: true with *sport and *dport set. The last
 * fragment (`last`) takes the entry with it, as does a stale one.
 */
static __always_inline int sluice_fragment_take(void *map, const struct sluice_fragment_key *key, int last,
						__be16 *sport, __be16 *dport)
{
	const struct sluice_fragment_ports *first = bpf_map_lookup_elem(map, key);
	__u64 timeout;
	int fresh;

	if (!first)
		return 0;
	timeout = key->family == SLUICE_FAMILY_IPV4 ? SLUICE_FRAGMENT_TIMEOUT_IPV4_NS : SLUICE_FRAGMENT_TIMEOUT_IPV6_NS;
	fresh = bpf_ktime_get_ns() - first->first_ns <= timeout;
	if (fresh) {
		*sport = first->sport;
		*dport = first->dport;
	}
	if (last || !fresh)
		bpf_map_delete_elem(map, key);
	return fresh;
}

static __always_inline void __sluice_fragment_key(const struct sluice_flow *flow, __u32 endpoint_id, __u8 dir,
						  struct sluice_fragment_key *key)
{
	sluice_fragment_key_of(flow->saddr, flow->daddr, flow->fragment_id, flow->fragment_protocol, flow->family,
			       endpoint_id, dir, key);
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

	if (flow->is_fragment || !flow->more_fragments || flow->protocol == IPPROTO_TCP || flow->is_icmp_error ||
	    flow->fragment_protocol != flow->protocol)
		return;
	__sluice_fragment_key(flow, endpoint_id, dir, &key);
	sluice_fragment_store(&sluice_frg_v1, &key, flow->sport, flow->dport);
}

/*
 * Gives a later fragment the ports of its datagram's first fragment, when
 * this check forwarded that one within the reassembly timeout, so it meets
 * the same flow and verdict. Otherwise it stays portless.
 */
static __always_inline void sluice_fragment_ports(struct sluice_flow *flow, __u32 endpoint_id, __u8 dir)
{
	struct sluice_fragment_key key = {};

	if (!flow->is_fragment)
		return;
	__sluice_fragment_key(flow, endpoint_id, dir, &key);
	if (sluice_fragment_take(&sluice_frg_v1, &key, !flow->more_fragments, &flow->sport, &flow->dport))
		flow->is_fragment = 0;
}

#endif /* SLUICE_FRAGMENT_H */
