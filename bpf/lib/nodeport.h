/* NodePort and external ClusterIP traffic: per-packet DNAT at tc ingress, reverse SNAT at tc egress. */
#ifndef SLUICE_NODEPORT_H
#define SLUICE_NODEPORT_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "address_family.h"
#include "fragment.h"
#include "maps.h"
#include "service.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_NAT_MAX);
	__type(key, struct sluice_nat_key);
	__type(value, struct sluice_nat_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_nat_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_nat_v1, SLUICE_MAP_NAT);

/*
 * The first fragments tc_node translated, apart from the pods' (sluice_frg_v1):
 * a sender outside the node must not push those out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, SLUICE_FRAGMENTS_MAX);
	__type(key, struct sluice_fragment_key);
	__type(value, struct sluice_fragment_ports);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_npf_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_npf_v1, SLUICE_MAP_NODEPORT_FRAGMENTS);

/* Written by the agent, read by teardown; no program reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SLUICE_NODEPORT_INTERFACES_MAX);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sluice_npi_v1 SEC(".maps");
__SLUICE_SAME_NAME(sluice_npi_v1, SLUICE_MAP_NODEPORT_INTERFACES);

/* Which part of a datagram a packet is. */
enum sluice_np_fragment {
	SLUICE_NP_WHOLE = 0,
	SLUICE_NP_FIRST_FRAGMENT = 1, /* carries the UDP header */
	SLUICE_NP_LATER_FRAGMENT = 2, /* addresses only: ports from the first (sluice_npf_v1) */
};

/* Where a TCP or UDP packet's fields are, and its tuple as a NAT key. */
struct sluice_np_packet {
	struct sluice_nat_key tuple; /* direction left 0; a later fragment's ports are its first's */
	__u32 l4_off;
	__u32 csum_off;              /* the TCP or UDP checksum */
	__u64 csum_flags;            /* UDP: a zero IPv4 checksum stays zero */
	__u8 tcp_syn;                /* a SYN without ACK: a connection starts */
	__u8 fragment;               /* enum sluice_np_fragment */
	__u8 last_fragment;          /* with `fragment`: no more follow */
	__u32 fragment_id;           /* with `fragment`: the IP identification */
};

#define SLUICE_NP_TCP_FLAGS_OFF 13
#define SLUICE_NP_TCP_SYN 0x02
#define SLUICE_NP_TCP_ACK 0x10

static __always_inline int __sluice_np_l4(struct sluice_np_packet *pkt, __u8 protocol, __u32 l4_off)
{
	pkt->tuple.protocol = protocol;
	pkt->l4_off = l4_off;
	if (protocol == IPPROTO_TCP) {
		pkt->csum_off = l4_off + __builtin_offsetof(struct tcphdr, check);
		return 1;
	}
	if (protocol == IPPROTO_UDP) {
		pkt->csum_off = l4_off + __builtin_offsetof(struct udphdr, check);
		pkt->csum_flags = BPF_F_MARK_MANGLED_0;
		return 1;
	}
	return 0;
}

/* The tuple's protocol and addresses (`size` bytes each), and where the transport header is. */
static __always_inline int __sluice_np_tuple(struct sluice_np_packet *pkt, __u8 protocol, __u32 l4_off,
					     const void *saddr, const void *daddr, __u32 size, __u8 family)
{
	if (!__sluice_np_l4(pkt, protocol, l4_off))
		return 0;
	__builtin_memcpy(pkt->tuple.saddr, saddr, size);
	__builtin_memcpy(pkt->tuple.daddr, daddr, size);
	pkt->tuple.family = family;
	return 1;
}

/* A UDP datagram's fragment: which one, and its identification. False for a fragment of anything else. */
static __always_inline int __sluice_np_fragment(struct sluice_np_packet *pkt, __u8 protocol, int later, int last,
						__u32 id)
{
	if (protocol != IPPROTO_UDP)
		return 0;
	pkt->fragment = later ? SLUICE_NP_LATER_FRAGMENT : SLUICE_NP_FIRST_FRAGMENT;
	pkt->last_fragment = last;
	pkt->fragment_id = id;
	return 1;
}

static __always_inline int __sluice_np_parse_ipv4(struct __sk_buff *skb, struct sluice_np_packet *pkt)
{
	struct iphdr ip;
	__u16 frag_off;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.ihl < 5)
		return 0;
	frag_off = bpf_ntohs(ip.frag_off);
	if ((frag_off & (SLUICE_IPV4_MORE_FRAGMENTS | SLUICE_IPV4_FRAG_OFFSET)) &&
	    !__sluice_np_fragment(pkt, ip.protocol, frag_off & SLUICE_IPV4_FRAG_OFFSET,
				  !(frag_off & SLUICE_IPV4_MORE_FRAGMENTS), bpf_ntohs(ip.id)))
		return 0;
	return __sluice_np_tuple(pkt, ip.protocol, ETH_HLEN + ip.ihl * 4, &ip.saddr, &ip.daddr, 4, SLUICE_FAMILY_IPV4);
}

/* A fragment header right after the fixed header is read; other extension headers are not. */
static __always_inline int __sluice_np_parse_ipv6(struct __sk_buff *skb, struct sluice_np_packet *pkt)
{
	__u32 l4_off = ETH_HLEN + sizeof(struct ipv6hdr);
	struct __sluice_ipv6_frag frag;
	struct ipv6hdr ip6;
	__u8 nexthdr;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)))
		return 0;
	nexthdr = ip6.nexthdr;
	if (nexthdr == IPPROTO_FRAGMENT) {
		if (bpf_skb_load_bytes(skb, l4_off, &frag, sizeof(frag)) ||
		    !__sluice_np_fragment(pkt, frag.nexthdr, frag.frag_off & bpf_htons(SLUICE_IPV6_FRAG_OFFSET),
					  !(frag.frag_off & bpf_htons(SLUICE_IPV6_MORE_FRAGMENTS)),
					  bpf_ntohl(frag.identification)))
			return 0;
		nexthdr = frag.nexthdr;
		l4_off += sizeof(frag);
	}
	return __sluice_np_tuple(pkt, nexthdr, l4_off, &ip6.saddr, &ip6.daddr, 16, SLUICE_FAMILY_IPV6);
}

/*
 * Reads an Ethernet frame's TCP or UDP tuple, or a UDP fragment's (a later
 * fragment's without ports: sluice_np_fragment_ports gives them). False for
 * anything else, including fragments of other protocols and IPv6 packets
 * with extension headers other than one fragment header: those pass
 * untranslated (documented limit).
 */
static __always_inline int sluice_np_parse(struct __sk_buff *skb, struct sluice_np_packet *pkt)
{
	__be16 ports[2];

	__builtin_memset(pkt, 0, sizeof(*pkt));
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		if (!__sluice_np_parse_ipv4(skb, pkt))
			return 0;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		if (!__sluice_np_parse_ipv6(skb, pkt))
			return 0;
	} else {
		return 0;
	}
	if (pkt->fragment == SLUICE_NP_LATER_FRAGMENT)
		return 1;
	if (bpf_skb_load_bytes(skb, pkt->l4_off, ports, sizeof(ports)))
		return 0;
	pkt->tuple.sport = ports[0];
	pkt->tuple.dport = ports[1];
	if (pkt->tuple.protocol == IPPROTO_TCP) {
		__u8 flags;

		if (bpf_skb_load_bytes(skb, pkt->l4_off + SLUICE_NP_TCP_FLAGS_OFF, &flags, sizeof(flags)))
			return 0;
		pkt->tcp_syn = (flags & (SLUICE_NP_TCP_SYN | SLUICE_NP_TCP_ACK)) == SLUICE_NP_TCP_SYN;
	}
	return 1;
}

/*
 * Rewrites the source (`source` true) or destination address and port,
 * fixing the IPv4 header checksum and the TCP/UDP checksum (whose
 * pseudo-header covers the addresses). A later fragment has no transport
 * header: its address alone changes. Zero on success.
 */
static __always_inline int sluice_np_rewrite(struct __sk_buff *skb, const struct sluice_np_packet *pkt,
					     int source, const __u8 *addr, __be16 port)
{
	const __u8 *old_addr = source ? pkt->tuple.saddr : pkt->tuple.daddr;
	__be16 old_port = source ? pkt->tuple.sport : pkt->tuple.dport;
	__u32 port_off = pkt->l4_off + (source ? 0 : sizeof(__be16));
	int transport = pkt->fragment != SLUICE_NP_LATER_FRAGMENT;
	__u32 addr_off;

	if (pkt->tuple.family == SLUICE_FAMILY_IPV4) {
		__be32 from, to;

		__builtin_memcpy(&from, old_addr, 4);
		__builtin_memcpy(&to, addr, 4);
		addr_off = ETH_HLEN + (source ? __builtin_offsetof(struct iphdr, saddr)
					      : __builtin_offsetof(struct iphdr, daddr));
		if (transport && bpf_l4_csum_replace(skb, pkt->csum_off, from, to,
						     pkt->csum_flags | BPF_F_PSEUDO_HDR | sizeof(to)))
			return -1;
		if (bpf_l3_csum_replace(skb, ETH_HLEN + __builtin_offsetof(struct iphdr, check), from, to, sizeof(to)))
			return -1;
		if (bpf_skb_store_bytes(skb, addr_off, &to, sizeof(to), 0))
			return -1;
	} else {
		__u8 from[16], to[16];
		__s64 diff;

		__builtin_memcpy(from, old_addr, 16);
		__builtin_memcpy(to, addr, 16);
		addr_off = ETH_HLEN + (source ? __builtin_offsetof(struct ipv6hdr, saddr)
					      : __builtin_offsetof(struct ipv6hdr, daddr));
		if (transport) {
			diff = bpf_csum_diff((__be32 *)from, sizeof(from), (__be32 *)to, sizeof(to), 0);
			if (diff < 0)
				return -1;
			if (bpf_l4_csum_replace(skb, pkt->csum_off, 0, diff, pkt->csum_flags | BPF_F_PSEUDO_HDR))
				return -1;
		}
		if (bpf_skb_store_bytes(skb, addr_off, to, sizeof(to), 0))
			return -1;
	}
	if (!transport)
		return 0;
	if (bpf_l4_csum_replace(skb, pkt->csum_off, old_port, port, pkt->csum_flags | sizeof(port)))
		return -1;
	return bpf_skb_store_bytes(skb, port_off, &port, sizeof(port), 0) ? -1 : 0;
}

/*
 * Fragments: the first one is translated like a whole datagram (the UDP
 * checksum it carries covers the whole datagram and changes by the same
 * difference); the ones after it carry no ports, so they take the first
 * one's (sluice_npf_v1, endpoint 0, the NAT direction) and follow its
 * translation: the NAT entry it made or used, never a new pick.
 */
static __always_inline void __sluice_np_fragment_key(const struct sluice_np_packet *pkt, __u8 dir,
						     struct sluice_fragment_key *key)
{
	sluice_fragment_key_of(pkt->tuple.saddr, pkt->tuple.daddr, pkt->fragment_id, pkt->tuple.protocol,
			       pkt->tuple.family, 0, dir, key);
}

/* After a first fragment was translated: the fragments after it follow it. */
static __always_inline void sluice_np_fragment_remember(const struct sluice_np_packet *pkt, __u8 dir)
{
	struct sluice_fragment_key key = {};

	if (pkt->fragment != SLUICE_NP_FIRST_FRAGMENT || pkt->last_fragment)
		return;
	__sluice_np_fragment_key(pkt, dir, &key);
	sluice_fragment_store(&sluice_npf_v1, &key, pkt->tuple.sport, pkt->tuple.dport);
}

/* Gives a later fragment its first's ports; false when that one was not translated here. */
static __always_inline int sluice_np_fragment_ports(struct sluice_np_packet *pkt, __u8 dir)
{
	struct sluice_fragment_key key = {};

	if (pkt->fragment != SLUICE_NP_LATER_FRAGMENT)
		return 1;
	__sluice_np_fragment_key(pkt, dir, &key);
	return sluice_fragment_take(&sluice_npf_v1, &key, pkt->last_fragment, &pkt->tuple.sport, &pkt->tuple.dport);
}

/* A hash of the whole 5-tuple, so flows of one client spread over the table. */
static __always_inline __u32 sluice_np_hash(const struct sluice_nat_key *tuple)
{
	__u32 hash = ((__u32)tuple->sport << 16 | tuple->dport) ^ tuple->protocol;
	__u32 words[8];
	int i;

	__builtin_memcpy(words, tuple->saddr, 16);
	__builtin_memcpy(&words[4], tuple->daddr, 16);
#pragma unroll
	for (i = 0; i < 8; i++)
		hash = sluice_hash64((__u64)hash << 32 | words[i]);
	return hash;
}

/*
 * Whether the node itself is the packet's destination, as the kernel's
 * routing says for a packet arriving where this one did: a node port is
 * served on the node's own addresses only, as kube-proxy serves it (addrtype
 * LOCAL), not on a pod's address routed through the node. Where the lookup
 * cannot tell (forwarding off on the interface, no interface in a test run),
 * the port is served.
 */
static __always_inline int __sluice_np_to_node(struct __sk_buff *skb, const struct sluice_nat_key *tuple)
{
	struct bpf_fib_lookup fib = {
		.l4_protocol = tuple->protocol,
		.sport = tuple->sport,
		.dport = tuple->dport,
		.ifindex = skb->ingress_ifindex,
	};

	if (tuple->family == SLUICE_FAMILY_IPV4) {
		fib.family = SLUICE_AF_INET;
		__builtin_memcpy(&fib.ipv4_src, tuple->saddr, 4);
		__builtin_memcpy(&fib.ipv4_dst, tuple->daddr, 4);
	} else {
		fib.family = SLUICE_AF_INET6;
		__builtin_memcpy(fib.ipv6_src, tuple->saddr, 16);
		__builtin_memcpy(fib.ipv6_dst, tuple->daddr, 16);
	}
	switch (bpf_fib_lookup(skb, &fib, sizeof(fib), 0)) {
	case BPF_FIB_LKUP_RET_SUCCESS:
	case BPF_FIB_LKUP_RET_BLACKHOLE:
	case BPF_FIB_LKUP_RET_UNREACHABLE:
	case BPF_FIB_LKUP_RET_PROHIBIT:
	case BPF_FIB_LKUP_RET_NO_NEIGH:
	case BPF_FIB_LKUP_RET_FRAG_NEEDED:
		return 0; /* routed on, or nowhere: not the node's */
	default:
		return 1;
	}
}

/* The frontend of a packet: its own address (ClusterIP) first, else a node port of the node's addresses. */
static __always_inline const struct sluice_service_value *sluice_np_frontend(struct __sk_buff *skb,
									  const struct sluice_nat_key *tuple)
{
	struct sluice_sockaddr dst = { .port = tuple->dport, .family = tuple->family };
	const struct sluice_service_value *svc;

	__builtin_memcpy(dst.addr, tuple->daddr, sizeof(dst.addr));
	svc = sluice_service_lookup(&dst, tuple->protocol);
	if (svc)
		return svc;
	__builtin_memset(dst.addr, 0, sizeof(dst.addr));
	svc = sluice_service_lookup(&dst, tuple->protocol);
	if (!svc || !__sluice_np_to_node(skb, tuple))
		return 0;
	return svc;
}

/*
 * Whether a remembered flow keeps its backend: while the backend still
 * serves the service in any state, established flows stay on it; a SYN on
 * the flow's tuple starts a new connection (a client reusing its port), which
 * stays only on a backend that takes new flows.
 */
static __always_inline int __sluice_np_keeps(const struct sluice_nat_value *flow, __u8 tcp_syn)
{
	struct sluice_service_member_key key = { .service_id = flow->service_id, .backend_id = flow->backend_id };
	const struct sluice_service_member_value *member = bpf_map_lookup_elem(&sluice_sbe_v1, &key);

	if (!member)
		return 0;
	return !tcp_syn || member->state == SLUICE_MEMBER_ACTIVE;
}

/* Records both directions of a new translated flow. */
static __always_inline void __sluice_np_remember(const struct sluice_nat_key *forward,
						 const struct sluice_backend_value *backend,
						 __u32 service_id, __u32 backend_id)
{
	struct sluice_nat_key reverse = {
		.sport = backend->port,
		.dport = forward->sport,
		.protocol = forward->protocol,
		.family = forward->family,
		.direction = SLUICE_NAT_REVERSE,
	};
	struct sluice_nat_value to_backend = {
		.port = backend->port,
		.family = backend->family,
		.backend_id = backend_id,
		.service_id = service_id,
		.last_seen_ns = bpf_ktime_get_ns(),
	};
	struct sluice_nat_value to_frontend = to_backend;

	__builtin_memcpy(reverse.saddr, backend->addr, 16);
	__builtin_memcpy(reverse.daddr, forward->saddr, 16);
	__builtin_memcpy(to_backend.addr, backend->addr, 16);
	__builtin_memcpy(to_frontend.addr, forward->daddr, 16);
	to_frontend.port = forward->dport;
	to_frontend.family = forward->family;
	bpf_map_update_elem(&sluice_nat_v1, &reverse, &to_frontend, BPF_ANY);
	bpf_map_update_elem(&sluice_nat_v1, forward, &to_backend, BPF_ANY);
}

/*
 * The backend a packet arriving from the network goes to: its flow's
 * backend while that still serves the service, else a new pick (client
 * affinity by source address, or the Maglev slot of the 5-tuple hash).
 * TC_ACT_OK with *backend set to translate, TC_ACT_OK with it NULL to pass
 * untouched (no service), TC_ACT_SHOT when the service has no backend.
 */
static __always_inline int sluice_np_pick(struct __sk_buff *skb, struct sluice_np_packet *pkt,
					  struct sluice_nat_value *backend)
{
	struct sluice_affinity_key client = { .kind = SLUICE_AFFINITY_ADDRESS };
	const struct sluice_service_value *svc;
	const struct sluice_backend_value *be = 0;
	struct sluice_nat_value *flow;
	__u32 backend_id;

	pkt->tuple.direction = SLUICE_NAT_FORWARD;
	flow = bpf_map_lookup_elem(&sluice_nat_v1, &pkt->tuple);
	if (flow && __sluice_np_keeps(flow, pkt->tcp_syn)) {
		flow->last_seen_ns = bpf_ktime_get_ns();
		*backend = *flow;
		return TC_ACT_OK;
	}

	svc = sluice_np_frontend(skb, &pkt->tuple);
	if (!svc)
		return TC_ACT_OK;
	__builtin_memcpy(client.client, pkt->tuple.saddr, sizeof(client.client));
	client.service_id = svc->service_id;
	backend_id = sluice_service_pick(svc, sluice_np_hash(&pkt->tuple), &client);
	if (backend_id)
		be = sluice_backend_of(backend_id);
	if (!be || be->family != pkt->tuple.family) {
		sluice_service_count(svc->service_id, 0);
		return TC_ACT_SHOT;
	}
	sluice_service_count(svc->service_id, backend_id);
	__sluice_np_remember(&pkt->tuple, be, svc->service_id, backend_id);
	__builtin_memcpy(backend->addr, be->addr, sizeof(backend->addr));
	backend->port = be->port;
	backend->family = be->family;
	backend->backend_id = backend_id;
	return TC_ACT_OK;
}

#endif /* SLUICE_NODEPORT_H */
