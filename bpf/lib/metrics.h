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

#endif /* SLUICE_METRICS_H */
