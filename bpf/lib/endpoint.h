/* The local pod behind an interface, and which of its directions Sluice enforces. */
#ifndef SLUICE_ENDPOINT_H
#define SLUICE_ENDPOINT_H

#include "maps.h"
#include "parse.h"
#include "verdict.h"

static __always_inline const struct sluice_endpoint_value *sluice_endpoint_of(__u32 ifindex)
{
	struct sluice_endpoint_key key = { .ifindex = ifindex };

	return bpf_map_lookup_elem(&sluice_ep_v1, &key);
}

static __always_inline int sluice_endpoint_enforces(const struct sluice_endpoint_value *ep, __u8 dir)
{
	__u32 flag = dir == SLUICE_DIR_INGRESS ? SLUICE_EP_ENFORCE_INGRESS : SLUICE_EP_ENFORCE_EGRESS;

	return (ep->flags & flag) != 0;
}

/*
 * Whether a packet the pod sent comes from one of its own addresses, for an
 * endpoint whose addresses the agent listed. The unspecified address and
 * fe80::/10 pass: duplicate address detection and neighbour discovery send
 * from them before (and beside) the pod's own.
 */
static __always_inline int sluice_endpoint_owns_source(const struct sluice_endpoint_value *ep, __u32 ifindex,
						       const struct sluice_flow *flow)
{
	struct sluice_endpoint_address_key key = { .ifindex = ifindex, .family = flow->family };

	if (!(ep->flags & SLUICE_EP_VERIFY_SOURCE))
		return 1;
	/* 0.0.0.0 too: an IPv4 address sits in the first four bytes, the rest zero. */
	if (__sluice_unspecified6(flow->saddr))
		return 1;
	if (flow->family == SLUICE_FAMILY_IPV6 && __sluice_link_local6(flow->saddr))
		return 1;
	__builtin_memcpy(key.addr, flow->saddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&sluice_epa_v1, &key) != 0;
}

/* The policy a packet no entry decided is counted against (abi.h). */
static __always_inline __u32 sluice_endpoint_policy(const struct sluice_endpoint_value *ep, __u8 dir)
{
	return dir == SLUICE_DIR_INGRESS ? ep->ingress_policy_id : ep->egress_policy_id;
}

/*
 * Audit mode turns the drops that enforcement causes into counted forwards;
 * drops of broken packets stay drops, as they would without any policy.
 */
static __always_inline __u32 sluice_endpoint_audit(const struct sluice_endpoint_value *ep, __u32 reason)
{
	if (!(ep->flags & SLUICE_EP_AUDIT))
		return reason;
	switch (reason) {
	case SLUICE_REASON_DROP_POLICY:
	case SLUICE_REASON_DROP_POLICY_DENY:
	case SLUICE_REASON_DROP_FRAGMENT:
		return SLUICE_REASON_AUDIT;
	default:
		return reason;
	}
}

#endif /* SLUICE_ENDPOINT_H */
