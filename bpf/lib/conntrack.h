/* Per-endpoint connection tracking: packets, replies and ICMP errors of flows an endpoint already let through. */
#ifndef SLUICE_CONNTRACK_H
#define SLUICE_CONNTRACK_H

#include "maps.h"
#include "parse.h"
#include "verdict.h"

/* The key of a tuple at `endpoint_id`, as seen or with both ends swapped. */
static __always_inline void __sluice_ct_key(struct sluice_ct_key *key, const __u8 *saddr, const __u8 *daddr,
					    __be16 sport, __be16 dport, __u8 protocol, __u8 family,
					    __u32 endpoint_id, int reversed)
{
	if (reversed) {
		__builtin_memcpy(key->saddr, daddr, sizeof(key->saddr));
		__builtin_memcpy(key->daddr, saddr, sizeof(key->daddr));
		key->sport = dport;
		key->dport = sport;
	} else {
		__builtin_memcpy(key->saddr, saddr, sizeof(key->saddr));
		__builtin_memcpy(key->daddr, daddr, sizeof(key->daddr));
		key->sport = sport;
		key->dport = dport;
	}
	key->endpoint_id = endpoint_id;
	key->protocol = protocol;
	key->family = family;
	key->pad[0] = 0;
	key->pad[1] = 0;
}

static __always_inline void __sluice_ct_flow_key(struct sluice_ct_key *key, const struct sluice_flow *flow,
						 __u32 endpoint_id, int reversed)
{
	__sluice_ct_key(key, flow->saddr, flow->daddr, flow->sport, flow->dport, flow->protocol, flow->family,
			endpoint_id, reversed);
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

/* abi.h's timeout, with the agent's settings when it wrote any. */
static __always_inline __u64 __sluice_ct_timeout(const struct sluice_ct_value *ct, __u8 protocol)
{
	__u32 zero = 0;
	const struct sluice_config *cfg = bpf_map_lookup_elem(&sluice_cfg_v1, &zero);
	struct sluice_config none = {};

	return sluice_ct_timeout_ns(cfg ? cfg : &none, ct, protocol);
}

/*
 * An expired entry counts as absent even before the agent's collector removes
 * it. Another CPU may have stamped the entry after `now` was read: such an
 * entry is fresh, not (by unsigned wrap-around) ancient.
 */
static __always_inline struct sluice_ct_value *__sluice_ct_lookup(const struct sluice_ct_key *key, __u64 now)
{
	struct sluice_ct_value *ct = key->protocol == IPPROTO_TCP ? bpf_map_lookup_elem(&sluice_ct_v1, key)
								 : bpf_map_lookup_elem(&sluice_cto_v1, key);

	if (ct && now > ct->last_seen_ns && now - ct->last_seen_ns > __sluice_ct_timeout(ct, key->protocol))
		return NULL;
	return ct;
}

/* Only writes what changed, so an established flow does not dirty the entry's flags. */
static __always_inline void __sluice_ct_touch(struct sluice_ct_value *ct, const struct sluice_flow *flow,
					      __u8 flags, __u64 now)
{
	flags |= __sluice_ct_tcp_flags(flow);
	ct->last_seen_ns = now;
	if ((ct->flags & flags) != flags)
		ct->flags |= flags;
}

/* What a conntrack hit tells the caller: the policy that allowed the flow, in its direction. */
struct sluice_ct_hit {
	__u32 policy_id;
	__u8  direction;
};

static __always_inline __u32 __sluice_ct_hit(struct sluice_ct_hit *hit, const struct sluice_ct_value *ct,
					     __u32 reason)
{
	hit->policy_id = ct->policy_id;
	hit->direction = ct->direction;
	return reason;
}

/*
 * An ICMP error passes where the flow it quotes passed: the quoted packet
 * went the other way through this endpoint (its original or its reply).
 */
static __always_inline __u32 __sluice_ct_related(const struct sluice_flow *flow, __u32 endpoint_id, __u8 dir,
						 __u64 now, struct sluice_ct_hit *hit)
{
	const struct sluice_quote *q = &flow->quote;
	struct sluice_ct_key key;
	struct sluice_ct_value *ct;

	__sluice_ct_key(&key, q->saddr, q->daddr, q->sport, q->dport, q->protocol, flow->family, endpoint_id, 0);
	ct = __sluice_ct_lookup(&key, now);
	if (ct && ct->direction != dir)
		return __sluice_ct_hit(hit, ct, SLUICE_REASON_CT_RELATED);
	__sluice_ct_key(&key, q->saddr, q->daddr, q->sport, q->dport, q->protocol, flow->family, endpoint_id, 1);
	ct = __sluice_ct_lookup(&key, now);
	if (ct && ct->direction == dir)
		return __sluice_ct_hit(hit, ct, SLUICE_REASON_CT_RELATED);
	return SLUICE_KEEP_GOING;
}

/*
 * CT_ESTABLISHED for the next packet of a flow this endpoint let through in
 * this direction, CT_REPLY for a packet coming back the other way,
 * CT_RELATED for an ICMP error about either, else keep going.
 */
static __always_inline __u32 sluice_ct_check(const struct sluice_flow *flow, __u32 endpoint_id, __u8 dir,
					     struct sluice_ct_hit *hit)
{
	__u64 now = bpf_ktime_get_ns();
	struct sluice_ct_key key;
	struct sluice_ct_value *ct;

	if (flow->is_icmp_error)
		return __sluice_ct_related(flow, endpoint_id, dir, now, hit);

	__sluice_ct_flow_key(&key, flow, endpoint_id, 0);
	ct = __sluice_ct_lookup(&key, now);
	if (ct && ct->direction == dir) {
		__sluice_ct_touch(ct, flow, 0, now);
		return __sluice_ct_hit(hit, ct, SLUICE_REASON_CT_ESTABLISHED);
	}
	__sluice_ct_flow_key(&key, flow, endpoint_id, 1);
	ct = __sluice_ct_lookup(&key, now);
	if (ct && ct->direction != dir) {
		__sluice_ct_touch(ct, flow, SLUICE_CT_SEEN_REPLY, now);
		return __sluice_ct_hit(hit, ct, SLUICE_REASON_CT_REPLY);
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
	__sluice_ct_flow_key(&key, flow, endpoint_id, 0);
	if (key.protocol == IPPROTO_TCP)
		bpf_map_update_elem(&sluice_ct_v1, &key, &ct, BPF_ANY);
	else
		bpf_map_update_elem(&sluice_cto_v1, &key, &ct, BPF_ANY);
}

#endif /* SLUICE_CONNTRACK_H */
