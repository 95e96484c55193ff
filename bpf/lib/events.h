/* Flow and drop events to the agent: a per-CPU token bucket, then the ring buffer. */
#ifndef SLUICE_EVENTS_H
#define SLUICE_EVENTS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/abi.h>
#include "ipcache.h"
#include "maps.h"
#include "parse.h"
#include "verdict.h"

#define __SLUICE_EVENT_AT(field, offset) \
	_Static_assert(__builtin_offsetof(struct sluice_event, field) == (offset), "sluice_event." #field)
__SLUICE_EVENT_AT(timestamp_ns, 0);
__SLUICE_EVENT_AT(type, 8);
__SLUICE_EVENT_AT(reason, 12);
__SLUICE_EVENT_AT(ifindex, 16);
__SLUICE_EVENT_AT(identity, 28);
__SLUICE_EVENT_AT(saddr, 32);
__SLUICE_EVENT_AT(daddr, 48);
__SLUICE_EVENT_AT(sport, 64);
__SLUICE_EVENT_AT(service_id, 68);
__SLUICE_EVENT_AT(nat_addr, 72);
__SLUICE_EVENT_AT(nat_port, 88);

/* Credit one event costs, and the most credit a CPU can save up (one second). */
#define SLUICE_EVENT_COST_NS   (1000000000ULL / SLUICE_EVENTS_PER_SECOND)
#define SLUICE_EVENT_CREDIT_NS 1000000000ULL

/*
 * Takes one event's credit from this CPU's bucket; false (and counted) when
 * the rate is spent. Per-CPU state, so no other CPU races these updates.
 */
static __always_inline int __sluice_event_budget(struct sluice_event_state *state, __u64 now)
{
	__u64 credit = state->credit_ns + (now - state->last_ns);

	state->last_ns = now;
	if (credit > SLUICE_EVENT_CREDIT_NS)
		credit = SLUICE_EVENT_CREDIT_NS;
	if (credit < SLUICE_EVENT_COST_NS) {
		state->credit_ns = credit;
		state->lost_ratelimit += 1;
		return 0;
	}
	state->credit_ns = credit - SLUICE_EVENT_COST_NS;
	return 1;
}

/*
 * A zeroed record with the common fields set, or NULL when the budget is
 * spent or the ring buffer is full (both counted). The caller fills the
 * rest and submits it.
 */
static __always_inline struct sluice_event *__sluice_event_reserve(__u8 type, __u8 dir, __u32 reason)
{
	struct sluice_event_state *state;
	struct sluice_event *event;
	__u32 zero = 0;
	__u64 now;

	state = bpf_map_lookup_elem(&sluice_evs_v1, &zero);
	if (!state)
		return NULL;
	now = bpf_ktime_get_ns();
	if (!__sluice_event_budget(state, now))
		return NULL;
	event = bpf_ringbuf_reserve(&sluice_evt_v1, sizeof(*event), 0);
	if (!event) {
		state->lost_ringbuf += 1;
		return NULL;
	}
	__builtin_memset(event, 0, sizeof(*event));
	event->timestamp_ns = now;
	event->type = type;
	event->direction = dir;
	event->reason = reason;
	return event;
}

/*
 * Reports a packet whose final reason is known: a drop, or the first packet
 * of a new flow. Called only off the established-flow path.
 */
static __always_inline void sluice_event_flow(__u32 ifindex, __u32 endpoint_id, __u8 dir, __u32 reason,
					      const struct sluice_flow *flow, __u32 policy_id)
{
	__u8 type = sluice_reason_forwards(reason) ? SLUICE_EVENT_VERDICT : SLUICE_EVENT_DROP;
	const __u8 *remote = dir == SLUICE_DIR_EGRESS ? flow->daddr : flow->saddr;
	struct sluice_event *event;

	event = __sluice_event_reserve(type, dir, reason);
	if (!event)
		return;
	event->family = flow->family;
	event->protocol = flow->protocol;
	event->tcp_flags = flow->tcp_flags;
	event->ifindex = ifindex;
	event->endpoint_id = endpoint_id;
	event->policy_id = policy_id;
	event->identity = flow->family ? sluice_ipcache_identity(flow->family, remote) : SLUICE_IDENTITY_UNKNOWN;
	__builtin_memcpy(event->saddr, flow->saddr, sizeof(event->saddr));
	__builtin_memcpy(event->daddr, flow->daddr, sizeof(event->daddr));
	event->sport = flow->sport;
	event->dport = flow->dport;
	bpf_ringbuf_submit(event, 0);
}

/*
 * Reports a socket's connect() to a service frontend that went to a
 * backend: daddr/dport the frontend, nat_addr/nat_port the backend.
 */
static __always_inline void sluice_event_translation(__u8 family, __u8 protocol, const __u8 *frontend,
						     __be16 frontend_port, const __u8 *backend, __be16 backend_port,
						     __u32 service_id)
{
	struct sluice_event *event;

	event = __sluice_event_reserve(SLUICE_EVENT_TRANSLATION, SLUICE_DIR_EGRESS, SLUICE_REASON_UNKNOWN);
	if (!event)
		return;
	event->family = family;
	event->protocol = protocol;
	event->service_id = service_id;
	__builtin_memcpy(event->daddr, frontend, sizeof(event->daddr));
	event->dport = frontend_port;
	__builtin_memcpy(event->nat_addr, backend, sizeof(event->nat_addr));
	event->nat_port = backend_port;
	bpf_ringbuf_submit(event, 0);
}

#endif /* SLUICE_EVENTS_H */
