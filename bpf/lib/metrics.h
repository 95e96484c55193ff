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
 * Credits a packet to the policy that allowed its flow; `new_flow` on the
 * flow's first packet. Policy id 0 (flows of directions nothing enforces) is
 * nobody's.
 */
static __always_inline void sluice_policy_stats_count(__u32 policy_id, __u8 dir, __u32 bytes, int new_flow)
{
	struct sluice_policy_stats_key key = { .policy_id = policy_id, .direction = dir };
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

#endif /* SLUICE_METRICS_H */
