/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one description of everything the BPF datapath and the Swift agent
 * share: pinned map names, key/value layouts, verdict and reason codes.
 * Included by the BPF C and imported into Swift through CSluiceBPF, so a
 * layout is never written twice. Any layout change bumps SLUICE_ABI_VERSION
 * and the _vN suffix of the affected map names, so a new agent never reuses
 * an incompatible pinned map. The one exception is a value that only grew
 * at its end, whose new fields mean "not set" when zero: the agent copies
 * the old pin's entries zero-extended (PinMigration.grownValues), so the
 * new programs know every endpoint before the first sync. ABI 2:
 * sluice_endpoint_value grew from 8 to 16 bytes (drop attribution), and
 * sluice_policy_stats_key took an action byte from its padding.
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#include <linux/types.h>

#define SLUICE_ABI_VERSION 3

/* Pinned map names (also the names in the BPF objects; <= 15 chars). */
#define SLUICE_MAP_ENDPOINTS "sluice_ep_v1"
#define SLUICE_MAP_ENDPOINT_ADDRESSES "sluice_epa_v1"
#define SLUICE_MAP_IPCACHE   "sluice_ipc_v1"
#define SLUICE_MAP_POLICY    "sluice_pol_v1"
#define SLUICE_MAP_CT        "sluice_ct_v1"  /* TCP flows */
#define SLUICE_MAP_CT_OTHER  "sluice_cto_v1" /* UDP, ICMP and every other protocol */
#define SLUICE_MAP_METRICS   "sluice_met_v1"
#define SLUICE_MAP_CONFIG    "sluice_cfg_v1"
#define SLUICE_MAP_POLICY_STATS "sluice_pst_v1"
#define SLUICE_MAP_FRAGMENTS "sluice_frg_v1"

/* Default capacities (entries); the loader may resize before load. */
#ifndef SLUICE_ENDPOINTS_MAX
#define SLUICE_ENDPOINTS_MAX 4096
#endif
#ifndef SLUICE_ENDPOINT_ADDRESSES_MAX
#define SLUICE_ENDPOINT_ADDRESSES_MAX (2 * SLUICE_ENDPOINTS_MAX) /* one per family */
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
#ifndef SLUICE_CT_OTHER_MAX
#define SLUICE_CT_OTHER_MAX 65536
#endif
#ifndef SLUICE_POLICY_STATS_MAX
#define SLUICE_POLICY_STATS_MAX 16384
#endif
#ifndef SLUICE_FRAGMENTS_MAX
#define SLUICE_FRAGMENTS_MAX 8192
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
	SLUICE_REASON_CT_RELATED       = 9,  /* ICMP error about a flow already allowed */
	SLUICE_REASON_DROP_FIRST       = 64,
	SLUICE_REASON_DROP_POLICY      = 64, /* no policy rule allowed the flow */
	SLUICE_REASON_DROP_MALFORMED   = 65, /* truncated or inconsistent headers */
	SLUICE_REASON_DROP_FRAGMENT    = 66, /* non-first fragment whose first was not seen: ports unknown */
	SLUICE_REASON_DROP_EXT_HEADERS = 67, /* IPv6 extension chain too long to parse */
	SLUICE_REASON_DROP_POLICY_DENY = 68, /* an explicit deny entry matched */
	SLUICE_REASON_DROP_SPOOFED     = 69, /* the pod sent from an address that is not its own */
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
	SLUICE_EP_VERIFY_SOURCE   = 1 << 3, /* its addresses are in sluice_epa_v1: drop others it sends from */
};

/*
 * A packet no policy entry allowed is counted (sluice_pst_v1, DENIED or
 * AUDIT) against <dir>_policy_id: the first policy, by namespace/name, of
 * those that isolate the pod in that direction; 0 when none does.
 */
struct sluice_endpoint_value {
	__u32 endpoint_id;       /* planner's id, used in policy and conntrack keys */
	__u32 flags;             /* enum sluice_endpoint_flags */
	__u32 ingress_policy_id; /* counts this endpoint's ingress drops */
	__u32 egress_policy_id;  /* counts this endpoint's egress drops */
};

/*
 * sluice_epa_v1: hash, the addresses each endpoint may send from, so that a
 * pod cannot take another's address and with it that pod's identity at the
 * receiver's ingress policy. Checked for endpoints with
 * SLUICE_EP_VERIFY_SOURCE; the unspecified and link-local addresses that
 * address configuration and neighbour discovery use always pass.
 */
struct sluice_endpoint_address_key {
	__u32 ifindex;   /* host side, as in sluice_ep_v1 */
	__u8  family;    /* enum sluice_family */
	__u8  pad[3];
	__u8  addr[16];  /* network byte order; IPv4 in [0..3], rest zero */
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
	__u32 policy_id; /* planner's id of the first policy allowing (or denying) it (counters) */
};

/*
 * sluice_ct_v1 (TCP) and sluice_cto_v1 (everything else): LRU hashes of the
 * same layout, connection tracking per enforcing endpoint. Split so that a
 * flood of UDP or ICMP can only evict its own kind, never TCP connections.
 * The key is the tuple as seen at `endpoint_id` in the flow's original
 * direction; a reply is found by looking up the reversed tuple. Keying on
 * the endpoint keeps two local pods' checks apart: an entry made by the
 * client's egress check never lets a packet skip the server's ingress check.
 * ICMP echo puts the identifier in sport of a request and in dport of a
 * reply, so a reply reverses its request's key and a request never does.
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
 * sluice_frg_v1: LRU hash, the ports of a fragmented datagram, taken from its
 * first fragment, once a check forwarded it, for the fragments after it,
 * which carry no transport header. Keyed as the receiver reassembles
 * (addresses, protocol, IP identification: 16 bits in IPv4, 32 in the IPv6
 * fragment header) and by the check: a datagram crosses the sender's egress
 * and the receiver's ingress, each with its own verdict. The last fragment
 * removes the entry; an entry older than the reassembly timeout is ignored.
 * tc_node keeps the first fragments it translated in sluice_npf_v1, keyed
 * the same way (endpoint 0, the NAT direction): a sender outside the node
 * cannot push the pods' entries out.
 */
struct sluice_fragment_key {
	__u8  saddr[16];
	__u8  daddr[16];
	__u32 id;
	__u32 endpoint_id; /* 0 in sluice_npf_v1 */
	__u8  protocol;  /* IPv4's protocol; the next header of the IPv6 fragment header */
	__u8  family;    /* enum sluice_family */
	__u8  direction; /* enum sluice_direction; in sluice_npf_v1, enum sluice_nat_direction */
	__u8  pad;
};

struct sluice_fragment_ports {
	__u64  first_ns; /* bpf_ktime_get_ns() of the first fragment */
	__be16 sport;
	__be16 dport;
	__u32  pad;
};

/* Linux's own reassembly timeouts (ipfrag_time): a datagram older is gone. */
#define SLUICE_FRAGMENT_TIMEOUT_IPV4_NS (30ULL * 1000000000ULL)
#define SLUICE_FRAGMENT_TIMEOUT_IPV6_NS (60ULL * 1000000000ULL)

/*
 * Conntrack timeouts, in ns of CLOCK_MONOTONIC (bpf_ktime_get_ns) since an
 * entry's last packet. A TCP flow is SYN until a reply is seen, CLOSING once
 * a FIN or RST is seen, else ESTABLISHED. The datapath treats an expired
 * entry as absent; the agent's garbage collector deletes it.
 */
#define SLUICE_CT_TIMEOUT_TCP_SYN_NS         (60ULL * 1000000000ULL)
#define SLUICE_CT_TIMEOUT_TCP_ESTABLISHED_NS (6ULL * 3600ULL * 1000000000ULL)
#define SLUICE_CT_TIMEOUT_TCP_CLOSING_NS     (10ULL * 1000000000ULL)
#define SLUICE_CT_TIMEOUT_OTHER_NS           (60ULL * 1000000000ULL)

/*
 * sluice_cfg_v1: array of one, settings the agent may change at run time.
 * A zero field means the default above.
 */
struct sluice_config {
	__u64 ct_tcp_syn_ns;
	__u64 ct_tcp_established_ns;
	__u64 ct_tcp_closing_ns;
	__u64 ct_other_ns;
};

/*
 * How long `ct` lives after its last packet: the one definition, used by
 * the datapath (an expired entry counts as absent) and by the agent's
 * garbage collector. `protocol` is the key's IPPROTO_* number.
 */
static inline __u64 sluice_ct_timeout_ns(const struct sluice_config *cfg, const struct sluice_ct_value *ct,
					 __u8 protocol)
{
	if (protocol != 6 /* IPPROTO_TCP */)
		return cfg->ct_other_ns ? cfg->ct_other_ns : SLUICE_CT_TIMEOUT_OTHER_NS;
	if (ct->flags & (SLUICE_CT_TCP_FIN | SLUICE_CT_TCP_RST))
		return cfg->ct_tcp_closing_ns ? cfg->ct_tcp_closing_ns : SLUICE_CT_TIMEOUT_TCP_CLOSING_NS;
	if (!(ct->flags & SLUICE_CT_SEEN_REPLY))
		return cfg->ct_tcp_syn_ns ? cfg->ct_tcp_syn_ns : SLUICE_CT_TIMEOUT_TCP_SYN_NS;
	return cfg->ct_tcp_established_ns ? cfg->ct_tcp_established_ns : SLUICE_CT_TIMEOUT_TCP_ESTABLISHED_NS;
}

/*
 * sluice_pst_v1: per-CPU hash, the verdicts each policy gave, per direction
 * of the policy (the direction of the flow's first packet at the endpoint).
 * ALLOWED: flows counts new flows the policy allowed; packets and bytes
 * count every packet of those flows, replies included. DENIED and AUDIT:
 * every packet takes a verdict (none creates a flow), so packets and bytes
 * count them and flows stays 0. A packet an explicit deny entry matched is
 * counted against that entry's policy, any other drop against the
 * endpoint's <dir>_policy_id.
 */
enum sluice_verdict_action {
	SLUICE_VERDICT_ALLOWED = 0,
	SLUICE_VERDICT_DENIED  = 1,
	SLUICE_VERDICT_AUDIT   = 2, /* would have been denied; audit mode forwarded it */
};

struct sluice_policy_stats_key {
	__u32 policy_id;
	__u8  direction; /* enum sluice_direction */
	__u8  action;    /* enum sluice_verdict_action */
	__u8  pad[2];
};

struct sluice_policy_stats_value {
	__u64 flows;
	__u64 packets;
	__u64 bytes;
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
_Static_assert(sizeof(struct sluice_endpoint_value) == 16, "endpoint value");
_Static_assert(sizeof(struct sluice_endpoint_address_key) == 24, "endpoint address key");
_Static_assert(sizeof(struct sluice_ipcache_key) == 24, "ipcache key");
_Static_assert(sizeof(struct sluice_ipcache_value) == 8, "ipcache value");
_Static_assert(sizeof(struct sluice_policy_key) == 16, "policy key");
_Static_assert(sizeof(struct sluice_policy_value) == 8, "policy value");
_Static_assert(sizeof(struct sluice_ct_key) == 44, "ct key");
_Static_assert(sizeof(struct sluice_ct_value) == 24, "ct value");
_Static_assert(sizeof(struct sluice_fragment_key) == 44, "fragment key");
_Static_assert(sizeof(struct sluice_fragment_ports) == 16, "fragment ports");
_Static_assert(sizeof(struct sluice_metrics_value) == 16, "metrics value");
_Static_assert(sizeof(struct sluice_config) == 32, "config");
_Static_assert(sizeof(struct sluice_policy_stats_key) == 8, "policy stats key");
_Static_assert(sizeof(struct sluice_policy_stats_value) == 24, "policy stats value");

/* ==== Events ============================================================
 *
 * What the datapath tells the agent about single flows: drops, the verdict
 * on the first packet of a new flow, and service translations. Events are a
 * view for people, sent through a ring buffer and rate-limited per CPU; the
 * exact counts stay in the counter maps above and never depend on events.
 */
#define SLUICE_MAP_EVENTS      "sluice_evt_v1"
#define SLUICE_MAP_EVENT_STATE "sluice_evs_v1"

/* Bytes of the ring buffer (a power of two, a multiple of the page size). */
#ifndef SLUICE_EVENTS_RINGBUF_BYTES
#define SLUICE_EVENTS_RINGBUF_BYTES (1 << 20)
#endif
/* Events each CPU may send per second; as many may come in one burst. */
#ifndef SLUICE_EVENTS_PER_SECOND
#define SLUICE_EVENTS_PER_SECOND 5000
#endif

enum sluice_event_type {
	SLUICE_EVENT_DROP        = 1, /* a packet was dropped; reason says why */
	SLUICE_EVENT_VERDICT     = 2, /* first packet of a new flow forwarded: allowed, not enforced or audit */
	SLUICE_EVENT_TRANSLATION = 3, /* a socket's connect/sendmsg to a service went to a backend */
};

/*
 * sluice_evt_v1: ring buffer of these records. Addresses and ports are the
 * packet's (network byte order, IPv4 in [0..3]); for a translation, daddr
 * and dport are the service frontend and nat_addr and nat_port the backend.
 * identity is the remote's (the destination of egress traffic, the source
 * of ingress traffic); endpoint_id, ifindex and identity are 0 for
 * translations, service_id is 0 for the rest.
 */
struct sluice_event {
	__u64  timestamp_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u8   type;         /* enum sluice_event_type */
	__u8   direction;    /* enum sluice_direction */
	__u8   family;       /* enum sluice_family */
	__u8   protocol;     /* IPPROTO_* */
	__u16  reason;       /* enum sluice_reason */
	__u8   tcp_flags;    /* TCP header byte 13 */
	__u8   pad;
	__u32  ifindex;
	__u32  endpoint_id;
	__u32  policy_id;    /* the allowing policy, 0 when none */
	__u32  identity;
	__u8   saddr[16];
	__u8   daddr[16];
	__be16 sport;
	__be16 dport;
	__u32  service_id;
	__u8   nat_addr[16];
	__be16 nat_port;
	__u16  pad2;
	__u32  pad3;
};

/*
 * sluice_evs_v1: per-CPU array of one, the token bucket and what it lost.
 * The bucket holds time: each event costs 1 s / SLUICE_EVENTS_PER_SECOND of
 * credit, credit grows with elapsed time up to one second's worth.
 */
struct sluice_event_state {
	__u64 credit_ns;
	__u64 last_ns;       /* bpf_ktime_get_ns() of the last refill */
	__u64 lost_ringbuf;  /* the ring buffer was full: the agent reads too slowly */
	__u64 lost_ratelimit; /* over the rate: not sent */
};

_Static_assert(sizeof(struct sluice_event) == 96, "event");
_Static_assert(sizeof(struct sluice_event_state) == 32, "event state");
/* ==== end of Events ==================================================== */

/* ==== Services ==========================================================
 *
 * Socket-level load balancing (sock_lb.bpf.c on cgroup connect, sendmsg,
 * recvmsg and getpeername). A frontend is one (service, port, family): its
 * VIPs map to a service id, the id to a Maglev table of backend ids, each
 * backend id to an address and port. The agent builds a new table as a
 * fresh inner map and swaps it into the outer array in one update, so a
 * lookup sees the old table or the new one, never half of each.
 */
#define SLUICE_MAP_SERVICES        "sluice_svc_v1"
#define SLUICE_MAP_BACKENDS        "sluice_be_v1"
#define SLUICE_MAP_MAGLEV          "sluice_mgl_v2"
#define SLUICE_MAP_SERVICE_MEMBERS "sluice_sbe_v1"
#define SLUICE_MAP_AFFINITY        "sluice_aff_v1"
#define SLUICE_MAP_REVERSE_SOCK    "sluice_rsk_v1"
#define SLUICE_MAP_SERVICE_METRICS "sluice_svm_v1"
#define SLUICE_MAP_BACKEND_METRICS "sluice_bem_v1"
#define SLUICE_MAP_TABLE_STAMPS    "sluice_mgs_v1"

/* Service ids and backend ids are array indexes: 1 ... MAX - 1 (0 is never used). */
#ifndef SLUICE_SERVICES_MAX
#define SLUICE_SERVICES_MAX 65536
#endif
#ifndef SLUICE_BACKENDS_MAX
#define SLUICE_BACKENDS_MAX 65536
#endif
#ifndef SLUICE_SERVICE_MEMBERS_MAX
#define SLUICE_SERVICE_MEMBERS_MAX 262144
#endif
#ifndef SLUICE_AFFINITY_MAX
#define SLUICE_AFFINITY_MAX 65536
#endif
#ifndef SLUICE_REVERSE_SOCK_MAX
#define SLUICE_REVERSE_SOCK_MAX 262144
#endif
/* Slots of a Maglev table unless the agent is told otherwise; a prime. */
#define SLUICE_MAGLEV_DEFAULT_SIZE 16381
/* Largest table the datapath indexes. */
#define SLUICE_MAGLEV_MAX_SIZE 131071
/* The inner map template's size: a table of N slots has (N + 1) / 2 pairs. */
#define SLUICE_MAGLEV_MAX_PAIRS ((SLUICE_MAGLEV_MAX_SIZE + 1) / 2)

/*
 * sluice_svc_v1: hash, frontend -> service. One entry per VIP, port and
 * protocol. IPv4 VIPs occupy addr[0..3], the rest is zero.
 */
struct sluice_service_key {
	__u8   addr[16]; /* network byte order */
	__be16 port;
	__u8   protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	__u8   family;   /* enum sluice_family */
};

enum sluice_service_flags {
	SLUICE_SVC_AFFINITY = 1 << 0, /* ClientIP session affinity */
};

struct sluice_service_value {
	__u32 service_id;         /* Maglev slot, counters index */
	__u32 flags;              /* enum sluice_service_flags */
	__u32 affinity_timeout_s; /* with SLUICE_SVC_AFFINITY: idle seconds an affinity lasts */
	__u32 table_size;         /* slots of its Maglev table, a prime; 0: no backend takes new flows */
};

/* sluice_be_v1: array, backend id -> where connections go. */
struct sluice_backend_value {
	__u8   addr[16]; /* network byte order; IPv4 in addr[0..3] */
	__be16 port;     /* the resolved targetPort */
	__u8   family;   /* enum sluice_family; 0 for an unused id */
	__u8   pad;
};

/*
 * sluice_mgl_v2: array of maps, service id -> that service's Maglev table,
 * table_size backend ids, slot i in pair i / 2 at backend_id[i % 2]: array
 * elements are 8-byte aligned, so two ids to an element halve the table's
 * kernel memory (64 KiB at the default size). Inner maps may hold fewer
 * pairs than SLUICE_MAGLEV_MAX_PAIRS; BPF_F_INNER_MAP lets sizes differ.
 * sluice_mgl_v1 (ABI 2) held one id per element.
 *
 * sluice_sbe_v1: hash, which backends serve which service now. An affinity
 * is honoured only while its backend is ACTIVE for the service, so a
 * removed, unhealthy or terminating backend takes no new flows.
 */
struct sluice_maglev_pair {
	__u32 backend_id[2];
};

struct sluice_service_member_key {
	__u32 service_id;
	__u32 backend_id;
};

enum sluice_member_state {
	SLUICE_MEMBER_ACTIVE      = 1, /* in the Maglev table */
	SLUICE_MEMBER_TERMINATING = 2, /* draining: established flows only */
	SLUICE_MEMBER_UNHEALTHY   = 3, /* failed its health checks */
};

struct sluice_service_member_value {
	__u32 state;  /* enum sluice_member_state */
	__u32 weight; /* its weight in the table */
};

/*
 * sluice_mgs_v1: hash, service id -> what the agent last put in that slot of
 * sluice_mgl_v2. No program reads it: it lets a restarted agent keep a table
 * that is still the one it would build (same inner map, same digest)
 * instead of computing and swapping all of them again.
 */
struct sluice_table_stamp {
	__u64 digest; /* of the table's members, size and fill (MaglevTable.digest) */
	__u32 map_id; /* the inner map's kernel id */
	__u32 pad;
};

/*
 * sluice_aff_v1: LRU hash, ClientIP affinity. Local clients are told apart
 * by their network namespace (a socket has no source address yet when it
 * connects, and a pod is one namespace), remote ones by address.
 */
enum sluice_affinity_client {
	SLUICE_AFFINITY_NETNS   = 1, /* client[0..7]: bpf_get_netns_cookie() */
	SLUICE_AFFINITY_ADDRESS = 2, /* client: the source address */
};

struct sluice_affinity_key {
	__u8  client[16];
	__u32 service_id;
	__u8  kind; /* enum sluice_affinity_client */
	__u8  pad[3];
};

struct sluice_affinity_value {
	__u64 last_used_ns; /* bpf_ktime_get_ns() of the last connection */
	__u32 backend_id;
	__u32 pad;
};

/*
 * sluice_rsk_v1: LRU hash, what a socket was translated from, so replies
 * (recvmsg) and getpeername show the VIP the application used.
 */
struct sluice_reverse_sock_key {
	__u64  cookie;   /* bpf_get_socket_cookie() */
	__u8   addr[16]; /* the backend */
	__be16 port;
	__u8   family;
	__u8   pad[5];
};

struct sluice_reverse_sock_value {
	__u8   addr[16]; /* the VIP */
	__be16 port;
	__u8   family;
	__u8   pad;
	__u32  service_id;
};

/* sluice_svm_v1: per-CPU array by service id. */
struct sluice_service_metrics {
	__u64 connections; /* connect()s and unconnected datagrams translated */
	__u64 no_backend;  /* refused: no backend takes new flows */
};

/* sluice_bem_v1: per-CPU array by backend id. */
struct sluice_backend_metrics {
	__u64 connections;
};

/* Program (section function) names in sock_lb.bpf.o. */
#define SLUICE_PROG_CONNECT4     "sluice_connect4"
#define SLUICE_PROG_CONNECT6     "sluice_connect6"
#define SLUICE_PROG_SENDMSG4     "sluice_sendmsg4"
#define SLUICE_PROG_SENDMSG6     "sluice_sendmsg6"
#define SLUICE_PROG_RECVMSG4     "sluice_recvmsg4"
#define SLUICE_PROG_RECVMSG6     "sluice_recvmsg6"
#define SLUICE_PROG_GETPEERNAME4 "sluice_getpeername4"
#define SLUICE_PROG_GETPEERNAME6 "sluice_getpeername6"

_Static_assert(sizeof(struct sluice_service_key) == 20, "service key");
_Static_assert(sizeof(struct sluice_service_value) == 16, "service value");
_Static_assert(sizeof(struct sluice_backend_value) == 20, "backend value");
_Static_assert(sizeof(struct sluice_service_member_key) == 8, "service member key");
_Static_assert(sizeof(struct sluice_service_member_value) == 8, "service member value");
_Static_assert(sizeof(struct sluice_table_stamp) == 16, "table stamp");
_Static_assert(sizeof(struct sluice_affinity_key) == 24, "affinity key");
_Static_assert(sizeof(struct sluice_affinity_value) == 16, "affinity value");
_Static_assert(sizeof(struct sluice_reverse_sock_key) == 32, "reverse sock key");
_Static_assert(sizeof(struct sluice_reverse_sock_value) == 24, "reverse sock value");
_Static_assert(sizeof(struct sluice_service_metrics) == 16, "service metrics");
_Static_assert(sizeof(struct sluice_backend_metrics) == 8, "backend metrics");
/* ==== end of Services ================================================== */

/* ==== NodePort ==========================================================
 *
 * Per-packet load balancing of traffic from outside the node (tc_node.bpf.c
 * at tc ingress and egress of the interfaces named by --nodeport-interfaces).
 * Frontends live in sluice_svc_v1: a ClusterIP frontend as above, a NodePort
 * frontend with an all-zero address ("any address of this node") and the
 * nodePort as port. Arriving packets are DNATed to a backend; replies leaving
 * through such an interface get the address and port the client used back.
 */
#define SLUICE_MAP_NAT "sluice_nat_v1"
/* LRU hash of struct sluice_fragment_key -> struct sluice_fragment_ports (SLUICE_FRAGMENTS_MAX). */
#define SLUICE_MAP_NODEPORT_FRAGMENTS "sluice_npf_v1"

#ifndef SLUICE_NAT_MAX
#define SLUICE_NAT_MAX 262144
#endif

enum sluice_nat_direction {
	SLUICE_NAT_FORWARD = 1, /* client -> frontend, as it arrives: value is the backend */
	SLUICE_NAT_REVERSE = 2, /* backend -> client, as it leaves: value is the frontend */
};

/* sluice_nat_v1: LRU hash, one FORWARD and one REVERSE entry per translated flow. */
struct sluice_nat_key {
	__u8   saddr[16]; /* network byte order; IPv4 in [0..3], rest zero */
	__u8   daddr[16];
	__be16 sport;
	__be16 dport;
	__u8   protocol;  /* IPPROTO_TCP or IPPROTO_UDP */
	__u8   family;    /* enum sluice_family */
	__u8   direction; /* enum sluice_nat_direction */
	__u8   pad;
};

struct sluice_nat_value {
	__u8   addr[16];     /* FORWARD: the backend; REVERSE: the frontend address the client used */
	__be16 port;
	__u8   family;
	__u8   pad;
	__u32  backend_id;
	__u32  service_id;
	__u32  pad2;
	__u64  last_seen_ns; /* bpf_ktime_get_ns() of the last packet */
};

/*
 * sluice_npi_v1: array, slot -> ifindex of an interface tc_node is attached
 * to (0: unused), so `sluicectl teardown` finds them after the agent is gone.
 */
#define SLUICE_MAP_NODEPORT_INTERFACES "sluice_npi_v1"
#define SLUICE_NODEPORT_INTERFACES_MAX 64

/* Program (section function) names in tc_node.bpf.o. */
#define SLUICE_PROG_FROM_NETWORK "sluice_from_network"
#define SLUICE_PROG_TO_NETWORK   "sluice_to_network"

_Static_assert(sizeof(struct sluice_nat_key) == 40, "nat key");
_Static_assert(sizeof(struct sluice_nat_value) == 40, "nat value");
/* ==== end of NodePort ================================================== */

/* ==== Connected UDP sockets of departed backends ==========================
 *
 * A connected UDP socket keeps the backend address its connect() was
 * translated to, so it would go on sending to a backend that has left its
 * service. When one leaves (its drain over, or no longer a backend at all),
 * the agent lists it with the service here and runs sock_reap.bpf.c as a UDP
 * socket iterator in every network namespace of the cgroup's processes: the
 * sockets sluice_rsk_v1 says were translated to it for that service are
 * closed (bpf_sock_destroy): their owner's next call fails (ECONNABORTED, or
 * EDESTADDRREQ for a send, the socket being no longer connected), and a new
 * connect() reaches a backend that is there.
 */
#define SLUICE_MAP_REAP "sluice_rpk_v1"
#define SLUICE_REAP_MAX 1024

/* sluice_rpk_v1: hash, filled by the agent for one pass and emptied after it. */
struct sluice_reap_key {
	__u8   addr[16];   /* the backend, laid out as in sluice_rsk_v1 */
	__be16 port;
	__u8   family;
	__u8   pad;
	__u32  service_id; /* the service it left */
};

/* Program (section function) name in sock_reap.bpf.o. */
#define SLUICE_PROG_REAP_UDP "sluice_reap_udp"

_Static_assert(sizeof(struct sluice_reap_key) == 24, "reap key");
/* ==== end of connected UDP sockets ===================================== */

#endif /* SLUICE_ABI_H */
