/* Per-CPU packet and byte counters, one slot per (direction, reason). */
#ifndef SLUICE_METRICS_H
#define SLUICE_METRICS_H

#include "maps.h"

static __always_inline void sluice_metrics_count(__u8 dir, __u32 reason, __u32 bytes)
{
	__u32 index = sluice_metrics_index(dir, reason);
	struct sluice_metrics_value *slot;

	slot = bpf_map_lookup_elem(&sluice_met_v1, &index);
	if (!slot)
		return;
	/* Per-CPU slot: no other CPU writes it, plain adds are enough. */
	slot->packets += 1;
	slot->bytes += bytes;
}

/*
 * Credits a packet to a policy's verdict; `new_flow` on the first packet of
 * a flow it allowed. Policy id 0 (flows of directions nothing enforces,
 * host traffic) is nobody's.
 */
static __always_inline void sluice_policy_stats_count(__u32 policy_id, __u8 dir, __u8 action, __u32 bytes,
						      int new_flow)
{
	struct sluice_policy_stats_key key = { .policy_id = policy_id, .direction = dir, .action = action };
	struct sluice_policy_stats_value *stats, fresh = {};

	if (!policy_id)
		return;
	stats = bpf_map_lookup_elem(&sluice_pst_v1, &key);
	if (!stats) {
		bpf_map_update_elem(&sluice_pst_v1, &key, &fresh, BPF_NOEXIST);
		stats = bpf_map_lookup_elem(&sluice_pst_v1, &key);
		if (!stats)
			return;
	}
	stats->flows += new_flow ? 1 : 0;
	stats->packets += 1;
	stats->bytes += bytes;
}

/*
 * Counts the verdict enforcement gave a packet (its final reason, after
 * audit) against `policy_id`: the allowing policy, or the one a drop is
 * attributed to. Other reasons took no policy verdict.
 */
static __always_inline void sluice_policy_verdict_count(__u32 policy_id, __u8 dir, __u32 reason, __u32 bytes)
{
	switch (reason) {
	case SLUICE_REASON_POLICY_ALLOWED:
		sluice_policy_stats_count(policy_id, dir, SLUICE_VERDICT_ALLOWED, bytes, 1);
		break;
	case SLUICE_REASON_DROP_POLICY:
	case SLUICE_REASON_DROP_POLICY_DENY:
	case SLUICE_REASON_DROP_FRAGMENT:
		sluice_policy_stats_count(policy_id, dir, SLUICE_VERDICT_DENIED, bytes, 0);
		break;
	case SLUICE_REASON_AUDIT:
		sluice_policy_stats_count(policy_id, dir, SLUICE_VERDICT_AUDIT, bytes, 0);
		break;
	}
}

#endif /* SLUICE_METRICS_H */
