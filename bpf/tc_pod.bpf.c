// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Policy enforcement on the host side of a local pod's veth.
 * sluice_from_pod runs at tc ingress (packets the pod sends: its EGRESS),
 * sluice_to_pod at tc egress (packets the pod receives: its INGRESS).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "conntrack.h"
#include "endpoint.h"
#include "events.h"
#include "fragment.h"
#include "maps.h"
#include "metrics.h"
#include "parse.h"
#include "policy.h"
#include "verdict.h"

/* Counts the packet once under its final reason and turns the reason into a tc action. */
static __always_inline int sluice_finish(struct __sk_buff *skb, __u8 dir, __u32 reason)
{
	sluice_metrics_count(dir, reason, skb->len);
	return sluice_tc_action(reason);
}

static __always_inline int sluice_pod_traffic(struct __sk_buff *skb, const __u8 dir)
{
	const struct sluice_endpoint_value *ep;
	struct sluice_flow flow = {};
	struct sluice_ct_hit hit = {};
	__u32 policy_id = 0;
	__u32 reason;

	ep = sluice_endpoint_of(skb->ifindex);
	if (!ep)
		return sluice_finish(skb, dir, SLUICE_REASON_NO_ENDPOINT);

	reason = sluice_parse(skb, &flow);
	if (reason != SLUICE_KEEP_GOING) {
		if (!sluice_reason_forwards(reason))
			sluice_event_flow(skb->ifindex, ep->endpoint_id, dir, reason, &flow, 0);
		return sluice_finish(skb, dir, reason);
	}

	if (dir == SLUICE_DIR_EGRESS && !sluice_endpoint_owns_source(ep, skb->ifindex, &flow)) {
		sluice_event_flow(skb->ifindex, ep->endpoint_id, dir, SLUICE_REASON_DROP_SPOOFED, &flow, 0);
		return sluice_finish(skb, dir, SLUICE_REASON_DROP_SPOOFED);
	}

	/* Without ports (its first fragment unseen) a fragment matches no flow and no port rule. */
	sluice_fragment_ports(&flow, ep->endpoint_id, dir);
	if (flow.is_fragment) {
		reason = sluice_endpoint_enforces(ep, dir) ? SLUICE_REASON_DROP_FRAGMENT
							   : SLUICE_REASON_NOT_ENFORCED;
		reason = sluice_endpoint_audit(ep, reason);
		sluice_policy_verdict_count(sluice_endpoint_policy(ep, dir), dir, reason, skb->len);
		/* Every fragment is a "first packet": report only what enforcement did to it. */
		if (reason != SLUICE_REASON_NOT_ENFORCED)
			sluice_event_flow(skb->ifindex, ep->endpoint_id, dir, reason, &flow, 0);
		return sluice_finish(skb, dir, reason);
	}

	reason = sluice_ct_check(&flow, ep->endpoint_id, dir, &hit);
	if (reason != SLUICE_KEEP_GOING) {
		sluice_policy_stats_count(hit.policy_id, hit.direction, SLUICE_VERDICT_ALLOWED, skb->len, 0);
		sluice_fragment_remember(&flow, ep->endpoint_id, dir);
		return sluice_finish(skb, dir, reason);
	}

	if (sluice_endpoint_enforces(ep, dir)) {
		policy_id = sluice_endpoint_policy(ep, dir);
		reason = sluice_policy_decide(&flow, ep->endpoint_id, dir, &policy_id);
	} else {
		reason = SLUICE_REASON_NOT_ENFORCED;
	}

	/*
	 * Unenforced flows are tracked too: their replies must pass this
	 * endpoint's other direction even when that one is enforced.
	 */
	if (reason == SLUICE_REASON_POLICY_ALLOWED || reason == SLUICE_REASON_NOT_ENFORCED)
		sluice_ct_create(&flow, ep->endpoint_id, dir, policy_id);

	reason = sluice_endpoint_audit(ep, reason);
	sluice_policy_verdict_count(policy_id, dir, reason, skb->len);
	/* Events name the allowing policy only. */
	if (reason != SLUICE_REASON_POLICY_ALLOWED)
		policy_id = 0;
	sluice_event_flow(skb->ifindex, ep->endpoint_id, dir, reason, &flow, policy_id);
	if (sluice_reason_forwards(reason))
		sluice_fragment_remember(&flow, ep->endpoint_id, dir);
	return sluice_finish(skb, dir, reason);
}

SEC("tc")
int sluice_from_pod(struct __sk_buff *skb)
{
	return sluice_pod_traffic(skb, SLUICE_DIR_EGRESS);
}

SEC("tc")
int sluice_to_pod(struct __sk_buff *skb)
{
	return sluice_pod_traffic(skb, SLUICE_DIR_INGRESS);
}

_Static_assert(__builtin_strcmp(SLUICE_PROG_FROM_POD, "sluice_from_pod") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_TO_POD, "sluice_to_pod") == 0, "program name");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
