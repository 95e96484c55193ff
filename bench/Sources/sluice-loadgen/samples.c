// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Latency samples kept whole, so percentiles are exact rather than bucketed. */
#include <stdlib.h>

#include "loadgen.h"

/* A run stores at most this many samples (64 MiB); later ones still count in rates. */
#define LG_SAMPLES_MAX (8u << 20)

int lg_samples_add(struct lg_samples *samples, uint64_t value)
{
	if (samples->count == samples->capacity) {
		size_t capacity = samples->capacity ? samples->capacity * 2 : 65536;
		uint64_t *grown;

		if (capacity > LG_SAMPLES_MAX)
			return 0;
		grown = realloc(samples->values, capacity * sizeof(*grown));
		if (!grown)
			return -1;
		samples->values = grown;
		samples->capacity = capacity;
	}
	samples->values[samples->count++] = value;
	return 0;
}

static int lg_compare(const void *a, const void *b)
{
	uint64_t left = *(const uint64_t *)a;
	uint64_t right = *(const uint64_t *)b;

	return left < right ? -1 : left > right;
}

/* Nearest-rank percentile; sorts the samples in place. 0 when there are none. */
uint64_t lg_samples_percentile(struct lg_samples *samples, double fraction)
{
	size_t rank;

	if (samples->count == 0)
		return 0;
	qsort(samples->values, samples->count, sizeof(*samples->values), lg_compare);
	rank = (size_t)(fraction * (double)samples->count + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > samples->count)
		rank = samples->count;
	return samples->values[rank - 1];
}

double lg_samples_mean(const struct lg_samples *samples)
{
	double sum = 0;

	for (size_t i = 0; i < samples->count; i++)
		sum += (double)samples->values[i];
	return samples->count ? sum / (double)samples->count : 0;
}

void lg_samples_free(struct lg_samples *samples)
{
	free(samples->values);
	samples->values = NULL;
	samples->count = samples->capacity = 0;
}
