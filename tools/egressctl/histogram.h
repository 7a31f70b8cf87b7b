/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Round-trip time histograms as the module reports them
 * (NF_EGRESS_HEALTH_A_RTT_BUCKET): buckets [low, high) in microseconds,
 * lowest first, only those with samples, the last one possibly unbounded
 * (high 0).  How wide the buckets are is the module's choice: nothing here
 * assumes a scheme, everything works from each bucket's own bounds.  Pure
 * functions, unit-tested in test_histogram.
 */
#ifndef EGRESSCTL_HISTOGRAM_H
#define EGRESSCTL_HISTOGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rtt_bucket {
	uint64_t low_us;	/* the lowest RTT it holds */
	uint64_t high_us;	/* the lowest RTT above it; 0: unbounded */
	uint64_t count;		/* samples in it */
};

/* The samples in the n buckets, at most UINT64_MAX. */
uint64_t rtt_total(const struct rtt_bucket *b, size_t n);

/*
 * Quantile q (0 to 1) of the samples, estimated as Prometheus's
 * histogram_quantile() does: rank = q * total; in the first bucket whose
 * cumulative count reaches rank, the value interpolated linearly,
 * low + (high - low) * (rank - count below it) / its count; the unbounded
 * bucket gives its low bound.  *us is in microseconds, a double the
 * callers round.  false, *us untouched, when there is no sample or q is
 * not within [0, 1].
 */
bool rtt_quantile_us(const struct rtt_bucket *b, size_t n, double q,
		     double *us);

/* rtt_quantile_us rounded to whole microseconds (half up). */
bool rtt_quantile_rounded(const struct rtt_bucket *b, size_t n, double q,
			  uint64_t *us);

/*
 * The samples in the bounded buckets whose high bound is at most le_us:
 * Prometheus's cumulative bucket {le="le_us"}, exact when le_us is a
 * bound of the module's buckets (powers of two are).
 */
uint64_t rtt_count_le(const struct rtt_bucket *b, size_t n, uint64_t le_us);

/*
 * The samples of cur that were not in prev (both lowest first), bucket by
 * bucket matched by their low bound: cur's count less prev's, or all of
 * cur's when it went backwards (the counters were reset).  out has room
 * for ncur buckets; returns how many it holds, those without new samples
 * left out.
 */
size_t rtt_delta(const struct rtt_bucket *cur, size_t ncur,
		 const struct rtt_bucket *prev, size_t nprev,
		 struct rtt_bucket *out);

/*
 * An RTT for people: whole microseconds below 1 ms ("850us"), one decimal
 * in milliseconds below 1 s ("20.1ms"), two decimals in seconds above
 * ("1.20s"), each rounded half up and moving to the next unit when the
 * rounding reaches it (999.96 ms is "1.00s").  Returns the snprintf-style
 * length.
 */
int fmt_rtt_human(uint64_t us, char *buf, size_t len);

#endif /* EGRESSCTL_HISTOGRAM_H */
