// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * NodePort and ClusterIP traffic from outside the node, on the interfaces
 * given to --nodeport-interfaces. sluice_from_network runs at tc ingress
 * and DNATs packets to a service frontend onto a backend before routing, so
 * the backend pod's tc_pod sees (and its policy judges) the real client
 * address. sluice_to_network runs at tc egress and gives replies the
 * address and port the client sent to.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "nodeport.h"
#include "nodeport_layout.h"

/* A later fragment follows its datagram's translation, made at its first fragment. */
static __always_inline int __sluice_follow_first_fragment(struct __sk_buff *skb, struct sluice_np_packet *pkt)
{
	struct sluice_nat_value *flow;

	pkt->tuple.direction = SLUICE_NAT_FORWARD;
	flow = bpf_map_lookup_elem(&sluice_nat_v1, &pkt->tuple);
	if (!flow)
		return TC_ACT_OK;
	return sluice_np_rewrite(skb, pkt, 0, flow->addr, flow->port) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int sluice_from_network(struct __sk_buff *skb)
{
	struct sluice_nat_value backend = {};
	struct sluice_np_packet pkt;
	int action;

	if (!sluice_np_parse(skb, &pkt) || !sluice_np_fragment_ports(&pkt, SLUICE_NAT_FORWARD))
		return TC_ACT_OK;
	if (pkt.fragment == SLUICE_NP_LATER_FRAGMENT)
		return __sluice_follow_first_fragment(skb, &pkt);
	action = sluice_np_pick(skb, &pkt, &backend);
	if (action != TC_ACT_OK || !backend.family)
		return action;
	if (sluice_np_rewrite(skb, &pkt, 0, backend.addr, backend.port))
		return TC_ACT_SHOT;
	sluice_np_fragment_remember(&pkt, SLUICE_NAT_FORWARD);
	return TC_ACT_OK;
}

SEC("tc")
int sluice_to_network(struct __sk_buff *skb)
{
	struct sluice_nat_value *frontend;
	struct sluice_np_packet pkt;

	if (!sluice_np_parse(skb, &pkt) || !sluice_np_fragment_ports(&pkt, SLUICE_NAT_REVERSE))
		return TC_ACT_OK;
	pkt.tuple.direction = SLUICE_NAT_REVERSE;
	frontend = bpf_map_lookup_elem(&sluice_nat_v1, &pkt.tuple);
	if (!frontend)
		return TC_ACT_OK;
	frontend->last_seen_ns = bpf_ktime_get_ns();
	if (sluice_np_rewrite(skb, &pkt, 1, frontend->addr, frontend->port))
		return TC_ACT_SHOT;
	sluice_np_fragment_remember(&pkt, SLUICE_NAT_REVERSE);
	return TC_ACT_OK;
}

_Static_assert(__builtin_strcmp(SLUICE_PROG_FROM_NETWORK, "sluice_from_network") == 0, "program name");
_Static_assert(__builtin_strcmp(SLUICE_PROG_TO_NETWORK, "sluice_to_network") == 0, "program name");

char LICENSE[] SEC("license") = "Dual BSD/GPL";
