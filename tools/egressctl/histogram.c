// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>

#include "histogram.h"

/* a + b, at most UINT64_MAX: a sum that wrapped would not be monotonic */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	uint64_t sum;

	return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

uint64_t rtt_total(const struct rtt_bucket *b, size_t n)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		total = add_sat(total, b[i].count);
	return total;
}

bool rtt_quantile_us(const struct rtt_bucket *b, size_t n, double q,
		     double *us)
{
	uint64_t total = rtt_total(b, n), below = 0;
	double rank;
	size_t i;

	/* !(q >= 0) also refuses NaN */
	if (!total || !(q >= 0) || q > 1)
		return false;
	rank = q * (double)total;
	for (i = 0; i < n; i++) {
		uint64_t upto = add_sat(below, b[i].count);

		/* an empty bucket holds no rank, even rank 0 */
		if (b[i].count && (double)upto >= rank)
			break;
		below = upto;
	}
	/* not reached: the last bucket with samples has all of them */
	if (i == n)
		return false;
	/* unbounded (or, from no module, upside down): its low bound */
	if (b[i].high_us <= b[i].low_us) {
		*us = (double)b[i].low_us;
		return true;
	}
	*us = (double)b[i].low_us + (double)(b[i].high_us - b[i].low_us) *
	      ((rank - (double)below) / (double)b[i].count);
	return true;
}

bool rtt_quantile_rounded(const struct rtt_bucket *b, size_t n, double q,
			  uint64_t *us)
{
	double v;

	if (!rtt_quantile_us(b, n, q, &v))
		return false;
	/* at most the highest bound, a u64, but v + 0.5 may round to 2^64 */
	*us = v + 0.5 >= 18446744073709551615.0 ? UINT64_MAX :
	      (uint64_t)(v + 0.5);
	return true;
}

uint64_t rtt_count_le(const struct rtt_bucket *b, size_t n, uint64_t le_us)
{
	uint64_t count = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i].high_us && b[i].high_us <= le_us)
			count = add_sat(count, b[i].count);
	return count;
}

size_t rtt_delta(const struct rtt_bucket *cur, size_t ncur,
		 const struct rtt_bucket *prev, size_t nprev,
		 struct rtt_bucket *out)
{
	size_t i, k = 0, n = 0;

	for (i = 0; i < ncur; i++) {
		uint64_t before = 0;

		while (k < nprev && prev[k].low_us < cur[i].low_us)
			k++;
		if (k < nprev && prev[k].low_us == cur[i].low_us)
			before = prev[k].count;
		out[n] = cur[i];
		if (cur[i].count >= before)
			out[n].count = cur[i].count - before;
		if (out[n].count)
			n++;
	}
	return n;
}

/* v / div rounded half up, exact for every u64 */
static uint64_t scaled_round(uint64_t v, uint64_t div)
{
	return (uint64_t)(((unsigned __int128)v + div / 2) / div);
}

int fmt_rtt_human(uint64_t us, char *buf, size_t len)
{
	uint64_t tenths_ms, hundredths_s;

	if (us < 1000)
		return snprintf(buf, len, "%" PRIu64 "us", us);
	tenths_ms = scaled_round(us, 100);
	if (tenths_ms < 10000)
		return snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "ms",
				tenths_ms / 10, tenths_ms % 10);
	hundredths_s = scaled_round(us, 10000);
	return snprintf(buf, len, "%" PRIu64 ".%02" PRIu64 "s",
			hundredths_s / 100, hundredths_s % 100);
}
