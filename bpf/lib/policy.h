/* Decides a new flow at an enforcing endpoint from the remote's identity and the policy trie. */
#ifndef SLUICE_POLICY_H
#define SLUICE_POLICY_H

#include "ipcache.h"
#include "maps.h"
#include "parse.h"
#include "verdict.h"

/* Only these protocols have ports in policy keys; ICMP's echo id is for conntrack alone. */
static __always_inline __be16 __sluice_policy_port(const struct sluice_flow *flow)
{
	switch (flow->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		return flow->dport;
	default:
		return 0;
	}
}

/*
 * POLICY_ALLOWED, DROP_POLICY_DENY for an explicit deny, DROP_POLICY when
 * no entry matches. A matching entry sets *policy_id to its policy (the
 * one the verdict is counted against); otherwise *policy_id is left as the
 * caller set it. The trie's longest
 * prefix gives abi.h's precedence: port prefix, then all ports, then all
 * protocols. The remote is the destination of egress traffic and the
 * source of ingress traffic.
 */
static __always_inline __u32 sluice_policy_decide(const struct sluice_flow *flow, __u32 endpoint_id,
						  __u8 dir, __u32 *policy_id)
{
	const __u8 *remote = dir == SLUICE_DIR_EGRESS ? flow->daddr : flow->saddr;
	struct sluice_policy_key key = {
		.prefixlen = SLUICE_POLICY_PREFIX_FULL,
		.endpoint_id = endpoint_id,
		.direction = dir,
		.protocol = flow->protocol,
		.dport = __sluice_policy_port(flow),
	};
	const struct sluice_policy_value *value;

	key.identity = sluice_ipcache_identity(flow->family, remote);
	value = bpf_map_lookup_elem(&sluice_pol_v1, &key);
	if (!value)
		return SLUICE_REASON_DROP_POLICY;
	switch (value->action) {
	case SLUICE_ACTION_ALLOW:
		*policy_id = value->policy_id;
		return SLUICE_REASON_POLICY_ALLOWED;
	case SLUICE_ACTION_DENY:
		*policy_id = value->policy_id;
		return SLUICE_REASON_DROP_POLICY_DENY;
	default:
		/* An action this datapath does not know allows nothing. */
		return SLUICE_REASON_DROP_POLICY;
	}
}

#endif /* SLUICE_POLICY_H */
