/* Reads Ethernet, IPv4/IPv6 and transport headers into the flow tuple that conntrack and policy key on. */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "verdict.h"

/* IPv6 extension headers walked before a packet is dropped as EXT_HEADERS. */
#ifndef SLUICE_IPV6_EXT_MAX
#define SLUICE_IPV6_EXT_MAX 8
#endif

/* IPv4 fragment offset bits (in 8-byte units); not in the UAPI headers. */
#define SLUICE_IPV4_FRAG_OFFSET 0x1fff
/* IPv6 fragment header: offset in the top 13 bits of frag_off. */
#define SLUICE_IPV6_FRAG_OFFSET 0xfff8
/* More fragments follow: IPv4's MF flag, the IPv6 fragment header's M flag. */
#define SLUICE_IPV4_MORE_FRAGMENTS 0x2000
#define SLUICE_IPV6_MORE_FRAGMENTS 0x0001

struct sluice_flow {
	__u8   saddr[16];   /* IPv4 in [0..3], rest zero */
	__u8   daddr[16];
	__be16 sport;       /* ICMP echo: the identifier (request: sport, reply: dport) */
	__be16 dport;
	__u8   family;      /* enum sluice_family */
	__u8   protocol;    /* IPPROTO_* of the transport header */
	__u8   tcp_flags;   /* TCP header byte 13: FIN, SYN, RST, ... */
	__u8   is_fragment; /* non-first fragment: no transport header, ports unknown */
	__u8   more_fragments; /* IPv4 MF or IPv6 M: a fragment other than the last */
	__u8   fragment_protocol; /* IPv4's protocol; the IPv6 fragment header's next header */
	__u32  fragment_id; /* the IP identification */
	__u8   is_icmp_error; /* ICMP/ICMPv6 error: `quote` holds the quoted packet's tuple */
	struct sluice_quote {
		__u8   saddr[16];
		__u8   daddr[16];
		__be16 sport;
		__be16 dport;
		__u8   protocol;
	} quote;
};

#define SLUICE_TCP_FIN 0x01
#define SLUICE_TCP_RST 0x04

/* The parts of an SCTP common header the datapath reads; UAPI has no struct for it. */
struct __sluice_sctp_common {
	__be16 sport;
	__be16 dport;
	__be32 vtag;
	__be32 checksum;
};

/* ICMP and ICMPv6 share this 8-byte start; linux/icmp.h drags in libc headers. */
struct __sluice_icmp_echo {
	__u8   type;
	__u8   code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

#define SLUICE_ICMP_ECHO_REPLY   0
#define SLUICE_ICMP_ECHO_REQUEST 8

/* The fixed part of an IPv6 fragment header. */
struct __sluice_ipv6_frag {
	__u8   nexthdr;
	__u8   reserved;
	__be16 frag_off;
	__be32 identification;
};

/*
 * Headers are read with bpf_skb_load_bytes rather than direct packet access:
 * on GSO/GRO skbs they may sit past the linear area, and the helper both
 * reaches them there and fails exactly when the packet is too short.
 *
 * l3_end is where the IP packet ends (the rest of the frame is link padding);
 * a transport header must fit before it.
 */
static __always_inline __u32 __sluice_l3_end(struct __sk_buff *skb, __u32 l3_off, __u32 length)
{
	/* Length 0: a BIG TCP GSO packet, whose real length only the skb knows. */
	if (!length)
		return skb->len;
	if (l3_off + length > skb->len)
		return 0;
	return l3_off + length;
}

/* Loads `size` bytes at `off` that must end before `end` (the IP packet's end). */
static __always_inline int __sluice_load_within(struct __sk_buff *skb, __u32 off, __u32 end,
						void *to, __u32 size)
{
	if (off + size > end)
		return -1;
	return bpf_skb_load_bytes(skb, off, to, size);
}

static __always_inline __u32 __sluice_parse_ipv4(struct __sk_buff *skb, struct sluice_flow *flow,
						  __u32 *l4_off, __u32 *l3_end)
{
	struct iphdr ip;
	__u32 hlen;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return SLUICE_REASON_DROP_MALFORMED;
	if (ip.version != 4 || ip.ihl < 5)
		return SLUICE_REASON_DROP_MALFORMED;
	hlen = ip.ihl * 4;
	*l3_end = __sluice_l3_end(skb, ETH_HLEN, bpf_ntohs(ip.tot_len));
	if (ETH_HLEN + hlen > *l3_end)
		return SLUICE_REASON_DROP_MALFORMED;

	flow->family = SLUICE_FAMILY_IPV4;
	__builtin_memcpy(flow->saddr, &ip.saddr, 4);
	__builtin_memcpy(flow->daddr, &ip.daddr, 4);
	flow->protocol = ip.protocol;
	flow->is_fragment = (ip.frag_off & bpf_htons(SLUICE_IPV4_FRAG_OFFSET)) != 0;
	flow->more_fragments = (ip.frag_off & bpf_htons(SLUICE_IPV4_MORE_FRAGMENTS)) != 0;
	flow->fragment_protocol = ip.protocol;
	flow->fragment_id = bpf_ntohs(ip.id);
	*l4_off = ETH_HLEN + hlen;
	return SLUICE_KEEP_GOING;
}

static __always_inline int __sluice_ipv6_is_extension(__u8 nexthdr)
{
	switch (nexthdr) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
		return 1;
	default:
		return 0;
	}
}

/* Steps over one extension header at *off, or marks a non-first fragment. */
static __always_inline __u32 __sluice_ipv6_skip_extension(struct __sk_buff *skb, struct sluice_flow *flow,
							   __u8 *nexthdr, __u32 *off, __u32 l3_end)
{
	struct __sluice_ipv6_frag frag;
	struct ipv6_opt_hdr opt;

	if (*nexthdr == IPPROTO_FRAGMENT) {
		if (__sluice_load_within(skb, *off, l3_end, &frag, sizeof(frag)))
			return SLUICE_REASON_DROP_MALFORMED;
		*nexthdr = frag.nexthdr;
		*off += sizeof(frag);
		flow->is_fragment = (frag.frag_off & bpf_htons(SLUICE_IPV6_FRAG_OFFSET)) != 0;
		flow->more_fragments = (frag.frag_off & bpf_htons(SLUICE_IPV6_MORE_FRAGMENTS)) != 0;
		flow->fragment_protocol = frag.nexthdr;
		flow->fragment_id = bpf_ntohl(frag.identification);
		return SLUICE_KEEP_GOING;
	}
	if (__sluice_load_within(skb, *off, l3_end, &opt, sizeof(opt)))
		return SLUICE_REASON_DROP_MALFORMED;
	/* AH counts its length in 4-byte units minus 2, the others in 8-byte units minus 1. */
	if (*nexthdr == IPPROTO_AH)
		*off += (opt.hdrlen + 2) * 4;
	else
		*off += (opt.hdrlen + 1) * 8;
	*nexthdr = opt.nexthdr;
	return SLUICE_KEEP_GOING;
}

static __always_inline __u32 __sluice_parse_ipv6(struct __sk_buff *skb, struct sluice_flow *flow,
						  __u32 *l4_off, __u32 *l3_end)
{
	struct ipv6hdr ip6;
	__u32 off = ETH_HLEN + sizeof(ip6);
	__u8 nexthdr;
	__u32 reason;
	int i;

	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)))
		return SLUICE_REASON_DROP_MALFORMED;
	if (ip6.version != 6)
		return SLUICE_REASON_DROP_MALFORMED;
	*l3_end = __sluice_l3_end(skb, off, bpf_ntohs(ip6.payload_len));
	if (!*l3_end)
		return SLUICE_REASON_DROP_MALFORMED;

	flow->family = SLUICE_FAMILY_IPV6;
	__builtin_memcpy(flow->saddr, &ip6.saddr, 16);
	__builtin_memcpy(flow->daddr, &ip6.daddr, 16);

	nexthdr = ip6.nexthdr;
	for (i = 0; i < SLUICE_IPV6_EXT_MAX; i++) {
		if (!__sluice_ipv6_is_extension(nexthdr) || flow->is_fragment)
			break;
		reason = __sluice_ipv6_skip_extension(skb, flow, &nexthdr, &off, *l3_end);
		if (reason != SLUICE_KEEP_GOING)
			return reason;
	}
	/* Behind a non-first fragment header come payload bytes, not headers. */
	if (__sluice_ipv6_is_extension(nexthdr) && !flow->is_fragment)
		return SLUICE_REASON_DROP_EXT_HEADERS;
	if (off > *l3_end)
		return SLUICE_REASON_DROP_MALFORMED;
	flow->protocol = nexthdr;
	*l4_off = off;
	return SLUICE_KEEP_GOING;
}

static __always_inline __u32 __sluice_parse_tcp(struct __sk_buff *skb, struct sluice_flow *flow,
						 __u32 l4_off, __u32 l3_end)
{
	struct tcphdr tcp;

	if (__sluice_load_within(skb, l4_off, l3_end, &tcp, sizeof(tcp)))
		return SLUICE_REASON_DROP_MALFORMED;
	if (tcp.doff < 5 || l4_off + tcp.doff * 4 > l3_end)
		return SLUICE_REASON_DROP_MALFORMED;
	flow->sport = tcp.source;
	flow->dport = tcp.dest;
	flow->tcp_flags = ((__u8 *)&tcp)[13];
	return SLUICE_KEEP_GOING;
}

static __always_inline __u32 __sluice_parse_udp(struct __sk_buff *skb, struct sluice_flow *flow,
						 __u32 l4_off, __u32 l3_end)
{
	struct udphdr udp;

	if (__sluice_load_within(skb, l4_off, l3_end, &udp, sizeof(udp)))
		return SLUICE_REASON_DROP_MALFORMED;
	flow->sport = udp.source;
	flow->dport = udp.dest;
	return SLUICE_KEEP_GOING;
}

static __always_inline __u32 __sluice_parse_sctp(struct __sk_buff *skb, struct sluice_flow *flow,
						  __u32 l4_off, __u32 l3_end)
{
	struct __sluice_sctp_common sctp;

	if (__sluice_load_within(skb, l4_off, l3_end, &sctp, sizeof(sctp)))
		return SLUICE_REASON_DROP_MALFORMED;
	flow->sport = sctp.sport;
	flow->dport = sctp.dport;
	return SLUICE_KEEP_GOING;
}

/* fe80::/10. */
static __always_inline int __sluice_link_local6(const __u8 *addr)
{
	return addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80;
}

/* Link-local, or multicast of link-local scope (ff02::/16 and its flagged forms). */
static __always_inline int __sluice_on_link6(const __u8 *addr)
{
	return __sluice_link_local6(addr) || (addr[0] == 0xff && (addr[1] & 0x0f) == 0x02);
}

static __always_inline int __sluice_unspecified6(const __u8 *addr)
{
	__u32 words[4];

	__builtin_memcpy(words, addr, sizeof(words));
	return (words[0] | words[1] | words[2] | words[3]) == 0;
}

/*
 * Multicast listener discovery (types 130-132, 143; RFC 2710, 3810) and
 * neighbor discovery (133-137; RFC 4861) are IPv6's IGMP and ARP: like ARP
 * they pass whatever the policy, or an isolated pod could not even resolve
 * its gateway. Only on the link, though: from a link-local or unspecified
 * source, or to a link-local address or link-scope group. Routers forward
 * neither, so these types carry nothing between isolated pods or from
 * outside; elsewhere they are judged by policy like any ICMPv6.
 */
static __always_inline int __sluice_is_icmpv6_link_control(struct __sk_buff *skb, const struct sluice_flow *flow,
							   __u32 l4_off, __u32 l3_end)
{
	__u8 type;

	if (__sluice_load_within(skb, l4_off, l3_end, &type, sizeof(type)))
		return 0;
	if (!((type >= 130 && type <= 137) || type == 143))
		return 0;
	return __sluice_on_link6(flow->saddr) || __sluice_unspecified6(flow->saddr) || __sluice_on_link6(flow->daddr);
}

/*
 * Echo request and reply carry an identifier that stands in for ports: in
 * sport of a request and dport of a reply, so that the reply's tuple is the
 * request's reversed and a request with the same identifier is not a reply.
 */
static __always_inline void __sluice_echo_ports(const struct __sluice_icmp_echo *icmp, __u8 family,
						__be16 *sport, __be16 *dport)
{
	__u8 request = family == SLUICE_FAMILY_IPV4 ? SLUICE_ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST;
	__u8 reply = family == SLUICE_FAMILY_IPV4 ? SLUICE_ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY;

	if (icmp->type == request)
		*sport = icmp->id;
	else if (icmp->type == reply)
		*dport = icmp->id;
}

/* Destination unreachable, time exceeded, parameter problem (and ICMPv6's packet too big). */
static __always_inline int __sluice_is_icmp_error(__u8 family, __u8 type)
{
	if (family == SLUICE_FAMILY_IPV4)
		return type == 3 || type == 11 || type == 12;
	return type >= 1 && type <= 4;
}

/* The quoted packet's ports: TCP, UDP and SCTP start with them, ICMP echo has its identifier. */
static __always_inline void __sluice_parse_quote_ports(struct __sk_buff *skb, struct sluice_flow *flow,
						       __u32 off, __u32 l3_end)
{
	struct __sluice_icmp_echo echo;
	__be16 ports[2];

	switch (flow->quote.protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		if (__sluice_load_within(skb, off, l3_end, ports, sizeof(ports)))
			return;
		flow->quote.sport = ports[0];
		flow->quote.dport = ports[1];
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (__sluice_load_within(skb, off, l3_end, &echo, sizeof(echo)))
			return;
		__sluice_echo_ports(&echo, flow->family, &flow->quote.sport, &flow->quote.dport);
		break;
	}
	flow->is_icmp_error = 1;
}

/*
 * An ICMP error quotes the IP header and first 8 bytes of the packet that
 * caused it; its tuple finds the flow the error is about. A quote too short
 * to read leaves the packet an ordinary ICMP packet for policy to decide.
 */
static __always_inline void __sluice_parse_quote(struct __sk_buff *skb, struct sluice_flow *flow,
						 __u32 off, __u32 l3_end)
{
	struct ipv6hdr ip6;
	struct iphdr ip;

	if (flow->family == SLUICE_FAMILY_IPV4) {
		if (__sluice_load_within(skb, off, l3_end, &ip, sizeof(ip)) || ip.version != 4 || ip.ihl < 5)
			return;
		__builtin_memcpy(flow->quote.saddr, &ip.saddr, 4);
		__builtin_memcpy(flow->quote.daddr, &ip.daddr, 4);
		flow->quote.protocol = ip.protocol;
		__sluice_parse_quote_ports(skb, flow, off + ip.ihl * 4, l3_end);
		return;
	}
	if (__sluice_load_within(skb, off, l3_end, &ip6, sizeof(ip6)) || ip6.version != 6)
		return;
	__builtin_memcpy(flow->quote.saddr, &ip6.saddr, 16);
	__builtin_memcpy(flow->quote.daddr, &ip6.daddr, 16);
	flow->quote.protocol = ip6.nexthdr;
	__sluice_parse_quote_ports(skb, flow, off + sizeof(ip6), l3_end);
}

static __always_inline __u32 __sluice_parse_icmp(struct __sk_buff *skb, struct sluice_flow *flow,
						  __u32 l4_off, __u32 l3_end)
{
	struct __sluice_icmp_echo icmp;

	if (__sluice_load_within(skb, l4_off, l3_end, &icmp, sizeof(icmp)))
		return SLUICE_REASON_DROP_MALFORMED;
	__sluice_echo_ports(&icmp, flow->family, &flow->sport, &flow->dport);
	if (__sluice_is_icmp_error(flow->family, icmp.type))
		__sluice_parse_quote(skb, flow, l4_off + sizeof(icmp), l3_end);
	return SLUICE_KEEP_GOING;
}

static __always_inline __u32 __sluice_parse_l4(struct __sk_buff *skb, struct sluice_flow *flow,
						__u32 l4_off, __u32 l3_end)
{
	if (flow->is_fragment)
		return SLUICE_KEEP_GOING;
	switch (flow->protocol) {
	case IPPROTO_TCP:
		return __sluice_parse_tcp(skb, flow, l4_off, l3_end);
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
		return __sluice_parse_udp(skb, flow, l4_off, l3_end);
	case IPPROTO_SCTP:
		return __sluice_parse_sctp(skb, flow, l4_off, l3_end);
	case IPPROTO_ICMP:
		if (flow->family != SLUICE_FAMILY_IPV4)
			return SLUICE_KEEP_GOING;
		return __sluice_parse_icmp(skb, flow, l4_off, l3_end);
	case IPPROTO_ICMPV6:
		if (flow->family != SLUICE_FAMILY_IPV6)
			return SLUICE_KEEP_GOING;
		if (__sluice_is_icmpv6_link_control(skb, flow, l4_off, l3_end))
			return SLUICE_REASON_ICMPV6_LINK;
		return __sluice_parse_icmp(skb, flow, l4_off, l3_end);
	default:
		/* Port-less protocols: the tuple is addresses and protocol alone. */
		return SLUICE_KEEP_GOING;
	}
}

/*
 * Fills `flow` from the frame, or says why not: NOT_IP for other ethertypes,
 * MALFORMED for truncated or inconsistent headers, EXT_HEADERS for an IPv6
 * chain longer than the walk. Never reads past the packet.
 */
static __always_inline __u32 sluice_parse(struct __sk_buff *skb, struct sluice_flow *flow)
{
	__u32 l4_off = 0, l3_end = 0;
	struct ethhdr eth;
	__u32 reason;

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return SLUICE_REASON_DROP_MALFORMED;
	switch (eth.h_proto) {
	case bpf_htons(ETH_P_IP):
		reason = __sluice_parse_ipv4(skb, flow, &l4_off, &l3_end);
		break;
	case bpf_htons(ETH_P_IPV6):
		reason = __sluice_parse_ipv6(skb, flow, &l4_off, &l3_end);
		break;
	default:
		return SLUICE_REASON_NOT_IP;
	}
	if (reason != SLUICE_KEEP_GOING)
		return reason;
	return __sluice_parse_l4(skb, flow, l4_off, l3_end);
}

#endif /* SLUICE_PARSE_H */
