/* Per-endpoint connection tracking: packets and replies of flows an endpoint already let through. */
#ifndef SLUICE_CONNTRACK_H
#define SLUICE_CONNTRACK_H

#include "maps.h"
#include "parse.h"
#include "verdict.h"

/* The key of `flow` at `endpoint_id`, as seen or with both ends swapped. */
static __always_inline void __sluice_ct_key(struct sluice_ct_key *key, const struct sluice_flow *flow,
					    __u32 endpoint_id, int reversed)
{
	if (reversed) {
		__builtin_memcpy(key->saddr, flow->daddr, sizeof(key->saddr));
		__builtin_memcpy(key->daddr, flow->saddr, sizeof(key->daddr));
		key->sport = flow->dport;
		key->dport = flow->sport;
	} else {
		__builtin_memcpy(key->saddr, flow->saddr, sizeof(key->saddr));
		__builtin_memcpy(key->daddr, flow->daddr, sizeof(key->daddr));
		key->sport = flow->sport;
		key->dport = flow->dport;
	}
	key->endpoint_id = endpoint_id;
	key->protocol = flow->protocol;
	key->family = flow->family;
	key->pad[0] = 0;
	key->pad[1] = 0;
}

static __always_inline __u8 __sluice_ct_tcp_flags(const struct sluice_flow *flow)
{
	__u8 flags = 0;

	if (flow->protocol != IPPROTO_TCP)
		return 0;
	if (flow->tcp_flags & SLUICE_TCP_FIN)
		flags |= SLUICE_CT_TCP_FIN;
	if (flow->tcp_flags & SLUICE_TCP_RST)
		flags |= SLUICE_CT_TCP_RST;
	return flags;
}

/* Only writes what changed, so an established flow does not dirty the entry's flags. */
static __always_inline void __sluice_ct_touch(struct sluice_ct_value *ct, const struct sluice_flow *flow,
					      __u8 flags)
{
	flags |= __sluice_ct_tcp_flags(flow);
	ct->last_seen_ns = bpf_ktime_get_ns();
	if ((ct->flags & flags) != flags)
		ct->flags |= flags;
}

/*
 * CT_ESTABLISHED for the next packet of a flow this endpoint let through in
 * this direction, CT_REPLY for a packet coming back the other way, else
 * keep going.
 */
static __always_inline __u32 sluice_ct_check(const struct sluice_flow *flow, __u32 endpoint_id, __u8 dir)
{
	struct sluice_ct_key key;
	struct sluice_ct_value *ct;

	__sluice_ct_key(&key, flow, endpoint_id, 0);
	ct = bpf_map_lookup_elem(&sluice_ct_v1, &key);
	if (ct && ct->direction == dir) {
		__sluice_ct_touch(ct, flow, 0);
		return SLUICE_REASON_CT_ESTABLISHED;
	}
	__sluice_ct_key(&key, flow, endpoint_id, 1);
	ct = bpf_map_lookup_elem(&sluice_ct_v1, &key);
	if (ct && ct->direction != dir) {
		__sluice_ct_touch(ct, flow, SLUICE_CT_SEEN_REPLY);
		return SLUICE_REASON_CT_REPLY;
	}
	return SLUICE_KEEP_GOING;
}

/* Remembers a flow `endpoint_id` let through in `dir`; the LRU evicts the oldest when full. */
static __always_inline void sluice_ct_create(const struct sluice_flow *flow, __u32 endpoint_id, __u8 dir,
					     __u32 policy_id)
{
	struct sluice_ct_key key;
	struct sluice_ct_value ct = {
		.policy_id = policy_id,
		.direction = dir,
		.flags = __sluice_ct_tcp_flags(flow),
	};

	ct.created_ns = bpf_ktime_get_ns();
	ct.last_seen_ns = ct.created_ns;
	__sluice_ct_key(&key, flow, endpoint_id, 0);
	bpf_map_update_elem(&sluice_ct_v1, &key, &ct, BPF_ANY);
}

#endif /* SLUICE_CONNTRACK_H */
