/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one description of everything the BPF datapath and the Swift agent
 * share: pinned map names, key/value layouts, verdict and reason codes.
 * Included by the BPF C and imported into Swift through CSluiceBPF, so a
 * layout is never written twice. Any layout change bumps SLUICE_ABI_VERSION
 * and the _vN suffix of the affected map names, so a new agent never reuses
 * an incompatible pinned map.
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#include <linux/types.h>

#define SLUICE_ABI_VERSION 1

/* Pinned map names (also the names in the BPF objects; <= 15 chars). */
#define SLUICE_MAP_ENDPOINTS "sluice_ep_v1"
#define SLUICE_MAP_IPCACHE   "sluice_ipc_v1"
#define SLUICE_MAP_POLICY    "sluice_pol_v1"
#define SLUICE_MAP_CT        "sluice_ct_v1"
#define SLUICE_MAP_METRICS   "sluice_met_v1"

/* Default capacities (entries); the loader may resize before load. */
#ifndef SLUICE_ENDPOINTS_MAX
#define SLUICE_ENDPOINTS_MAX 4096
#endif
#ifndef SLUICE_IPCACHE_MAX
#define SLUICE_IPCACHE_MAX 65536
#endif
#ifndef SLUICE_POLICY_MAX
#define SLUICE_POLICY_MAX 65536
#endif
#ifndef SLUICE_CT_MAX
#define SLUICE_CT_MAX 262144
#endif

/* Address families as stored in keys (not AF_* so the values are fixed). */
enum sluice_family {
	SLUICE_FAMILY_IPV4 = 4,
	SLUICE_FAMILY_IPV6 = 6,
};

/* Traffic direction, seen from the local pod (the endpoint). */
enum sluice_direction {
	SLUICE_DIR_INGRESS = 0, /* into the pod: tc egress on the host veth */
	SLUICE_DIR_EGRESS  = 1, /* out of the pod: tc ingress on the host veth */
	SLUICE_DIR_MAX     = 2,
};

/*
 * Why a packet was forwarded or dropped. One table, append-only: a retired
 * number is never reused, because dashboards and alerts key on it.
 * Values below SLUICE_REASON_DROP_FIRST forward the packet.
 */
enum sluice_reason {
	SLUICE_REASON_UNKNOWN          = 0,
	SLUICE_REASON_NOT_ENFORCED     = 1,  /* no policy selects the pod in this direction */
	SLUICE_REASON_POLICY_ALLOWED   = 2,  /* a policy entry allowed a new flow */
	SLUICE_REASON_CT_ESTABLISHED   = 3,  /* packet of a flow already allowed */
	SLUICE_REASON_CT_REPLY         = 4,  /* reply of a flow already allowed */
	SLUICE_REASON_NOT_IP           = 5,  /* ARP and other non-IP frames pass */
	SLUICE_REASON_NO_ENDPOINT      = 6,  /* interface not (yet) known to the agent */
	SLUICE_REASON_AUDIT            = 7,  /* would be dropped; audit mode forwarded it */
	SLUICE_REASON_ICMPV6_LINK      = 8,  /* ICMPv6 neighbor discovery and MLD: IPv6's ARP/IGMP */
	SLUICE_REASON_DROP_FIRST       = 64,
	SLUICE_REASON_DROP_POLICY      = 64, /* no policy rule allowed the flow */
	SLUICE_REASON_DROP_MALFORMED   = 65, /* truncated or inconsistent headers */
	SLUICE_REASON_DROP_FRAGMENT    = 66, /* non-first fragment, ports unknown */
	SLUICE_REASON_DROP_EXT_HEADERS = 67, /* IPv6 extension chain too long to parse */
	SLUICE_REASON_DROP_POLICY_DENY = 68, /* an explicit deny entry matched */
	SLUICE_REASON_MAX              = 128,
};

/* Reserved identities; the planner allocates the rest from SLUICE_IDENTITY_FIRST. */
enum sluice_identity {
	SLUICE_IDENTITY_UNKNOWN = 0, /* never stored: "no ipcache entry" */
	SLUICE_IDENTITY_WORLD   = 1, /* matched by no peer of any policy */
	SLUICE_IDENTITY_FIRST   = 256,
};

/*
 * sluice_ep_v1: hash, host-side ifindex -> endpoint.
 * Programs on an interface without an entry forward (NO_ENDPOINT), so a
 * veth is never cut off between attach and registration.
 */
struct sluice_endpoint_key {
	__u32 ifindex;
};

enum sluice_endpoint_flags {
	SLUICE_EP_ENFORCE_INGRESS = 1 << 0,
	SLUICE_EP_ENFORCE_EGRESS  = 1 << 1,
	SLUICE_EP_AUDIT           = 1 << 2, /* forward would-be drops, count as AUDIT */
};

struct sluice_endpoint_value {
	__u32 endpoint_id; /* planner's id, used in policy and conntrack keys */
	__u32 flags;       /* enum sluice_endpoint_flags */
};

/*
 * sluice_ipc_v1: LPM trie, remote address -> identity.
 * prefixlen counts bits from `family`: 32 + the address prefix length.
 * IPv4 addresses occupy addr[0..3], the rest is zero.
 */
struct sluice_ipcache_key {
	__u32 prefixlen;
	__u8  family;   /* enum sluice_family */
	__u8  pad[3];
	__u8  addr[16]; /* network byte order */
};

#define SLUICE_IPCACHE_PREFIX_BASE 32

struct sluice_ipcache_value {
	__u32 identity;
	__u32 flags; /* reserved, zero */
};

/*
 * sluice_pol_v1: LPM trie, what an endpoint allows.
 * Match precedence follows from the longest prefix:
 *   1. endpoint, identity, direction, protocol and a port prefix (ranges are
 *      split into power-of-two blocks by the planner);
 *   2. endpoint, identity, direction, protocol: all ports of that protocol;
 *   3. endpoint, identity, direction: every protocol and port.
 * prefixlen counts bits from `endpoint`: 72 for (3), 80 for (2),
 * 80 + port prefix bits for (1). dport is in network byte order so that its
 * high bits come first. ICMP and other port-less protocols use dport 0.
 */
struct sluice_policy_key {
	__u32 prefixlen;
	__u32 endpoint_id;
	__u32 identity;
	__u8  direction; /* enum sluice_direction */
	__u8  protocol;  /* IPPROTO_* */
	__be16 dport;
};

#define SLUICE_POLICY_PREFIX_ALL_PROTOCOLS 72
#define SLUICE_POLICY_PREFIX_ALL_PORTS     80
#define SLUICE_POLICY_PREFIX_FULL          96

enum sluice_policy_action {
	SLUICE_ACTION_ALLOW = 1,
	SLUICE_ACTION_DENY  = 2,
};

struct sluice_policy_value {
	__u16 action;    /* enum sluice_policy_action */
	__u16 flags;     /* reserved, zero */
	__u32 policy_id; /* planner's id of the first policy allowing it (counters) */
};

/*
 * sluice_ct_v1: LRU hash, connection tracking per enforcing endpoint.
 * The key is the tuple as seen at `endpoint_id` in the flow's original
 * direction; a reply is found by looking up the reversed tuple. Keying on
 * the endpoint keeps two local pods' checks apart: an entry made by the
 * client's egress check never lets a packet skip the server's ingress check.
 * ICMP echo uses the identifier as both ports.
 */
struct sluice_ct_key {
	__u8  saddr[16];
	__u8  daddr[16];
	__be16 sport;
	__be16 dport;
	__u32 endpoint_id;
	__u8  protocol;
	__u8  family;   /* enum sluice_family */
	__u8  pad[2];
};

enum sluice_ct_flags {
	SLUICE_CT_SEEN_REPLY = 1 << 0,
	SLUICE_CT_TCP_FIN    = 1 << 1,
	SLUICE_CT_TCP_RST    = 1 << 2,
};

struct sluice_ct_value {
	__u64 created_ns;   /* bpf_ktime_get_ns() */
	__u64 last_seen_ns;
	__u32 policy_id;    /* policy that allowed the flow, 0 if not enforced */
	__u8  direction;    /* enum sluice_direction of the original packet */
	__u8  flags;        /* enum sluice_ct_flags */
	__u16 pad;
};

/*
 * sluice_met_v1: per-CPU array of packet and byte counters, indexed by
 * sluice_metrics_index(direction, reason). The agent sums over CPUs.
 */
struct sluice_metrics_value {
	__u64 packets;
	__u64 bytes;
};

#define SLUICE_METRICS_SLOTS (SLUICE_DIR_MAX * SLUICE_REASON_MAX)

static inline __u32 sluice_metrics_index(__u32 direction, __u32 reason)
{
	return direction * SLUICE_REASON_MAX + reason;
}

/* tc attachment identity: what the agent replaces and teardown removes. */
#define SLUICE_TC_HANDLE   0x5c1
#define SLUICE_TC_PRIORITY 0x5c1

/* Program (section function) names in tc_pod.bpf.o. */
#define SLUICE_PROG_FROM_POD "sluice_from_pod"
#define SLUICE_PROG_TO_POD   "sluice_to_pod"

_Static_assert(sizeof(struct sluice_endpoint_key) == 4, "endpoint key");
_Static_assert(sizeof(struct sluice_endpoint_value) == 8, "endpoint value");
_Static_assert(sizeof(struct sluice_ipcache_key) == 24, "ipcache key");
_Static_assert(sizeof(struct sluice_ipcache_value) == 8, "ipcache value");
_Static_assert(sizeof(struct sluice_policy_key) == 16, "policy key");
_Static_assert(sizeof(struct sluice_policy_value) == 8, "policy value");
_Static_assert(sizeof(struct sluice_ct_key) == 44, "ct key");
_Static_assert(sizeof(struct sluice_ct_value) == 24, "ct value");
_Static_assert(sizeof(struct sluice_metrics_value) == 16, "metrics value");

#endif /* SLUICE_ABI_H */
