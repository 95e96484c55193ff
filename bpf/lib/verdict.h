/* How a step says "decided" or "keep going", and how a final reason becomes a tc action. */
#ifndef SLUICE_VERDICT_H
#define SLUICE_VERDICT_H

#include <linux/pkt_cls.h>

#include <sluice/abi.h>

/*
 * Every step returns the reason that decides the packet, or
 * SLUICE_KEEP_GOING to hand it to the next step. UNKNOWN is never a final
 * reason, so it can double as the marker.
 */
#define SLUICE_KEEP_GOING SLUICE_REASON_UNKNOWN

static __always_inline int sluice_reason_forwards(__u32 reason)
{
	return reason < SLUICE_REASON_DROP_FIRST;
}

static __always_inline int sluice_tc_action(__u32 reason)
{
	return sluice_reason_forwards(reason) ? TC_ACT_OK : TC_ACT_SHOT;
}

#endif /* SLUICE_VERDICT_H */
