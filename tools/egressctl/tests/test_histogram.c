// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of histogram.c: the quantiles of RTT buckets as Prometheus's
 * histogram_quantile() estimates them (known buckets, exact values), the
 * cumulative counts of the metrics' le bounds, the samples of an interval
 * (top) and the RTT as people read it.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "histogram.h"
#include "tap.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* q of b is want exactly (binary fractions and integers only). */
static void quantile_case(const char *what, const struct rtt_bucket *b,
			  size_t n, double q, double want)
{
	double got = -1;
	bool has = rtt_quantile_us(b, n, q, &got);

	if (!ok(has && got == want, "%s: q %g is %g us", what, q, want))
		diag("got %s %.17g", has ? "true" : "false", got);
}

static void no_quantile_case(const char *what, const struct rtt_bucket *b,
			     size_t n, double q)
{
	double got = -1;

	ok(!rtt_quantile_us(b, n, q, &got) && got == -1,
	   "%s: q %g has no value", what, q);
}

static void test_quantiles(void)
{
	static const struct rtt_bucket two[] = {
		{ 100, 200, 10 }, { 200, 300, 10 },
	};
	static const struct rtt_bucket one[] = { { 1000, 1064, 4 } };
	static const struct rtt_bucket open_end[] = {
		{ 16, 17, 1 }, { 1048576, 0, 9 },
	};
	static const struct rtt_bucket empties[] = {
		{ 3, 4, 0 }, { 5, 6, 2 }, { 6, 7, 0 }, { 8, 9, 2 },
	};
	static const struct rtt_bucket none[] = { { 3, 4, 0 }, { 9, 0, 0 } };
	static const struct rtt_bucket fine[] = {
		/* below 16 us 1 us wide, then 16 a power of two */
		{ 3, 4, 2 }, { 5, 6, 2 }, { 16, 17, 4 }, { 1024, 1088, 8 },
	};
	uint64_t us = 0;

	/* rank = q * 20; low + 100 * (rank - below) / 10 */
	quantile_case("two buckets", two, N(two), 0.5, 200);
	quantile_case("two buckets", two, N(two), 0.9, 280);
	quantile_case("two buckets", two, N(two), 0.25, 150);
	quantile_case("two buckets", two, N(two), 0.75, 250);
	quantile_case("two buckets", two, N(two), 0, 100);
	quantile_case("two buckets", two, N(two), 1, 300);
	ok(rtt_quantile_us(two, N(two), 0.99, &(double){ 0 }) &&
	   rtt_quantile_rounded(two, N(two), 0.99, &us) && us == 298,
	   "two buckets: p99 298 us, rounded");

	/* rank = q * 4 in [1000, 1064) */
	quantile_case("one bucket", one, N(one), 0.5, 1032);
	quantile_case("one bucket", one, N(one), 0.25, 1016);
	quantile_case("one bucket", one, N(one), 0, 1000);
	quantile_case("one bucket", one, N(one), 1, 1064);

	/* the unbounded last bucket gives its low bound */
	quantile_case("last bucket unbounded", open_end, N(open_end), 0.5,
		      1048576);
	quantile_case("last bucket unbounded", open_end, N(open_end), 1,
		      1048576);
	quantile_case("last bucket unbounded", open_end, N(open_end), 0.1, 17);
	quantile_case("last bucket unbounded", open_end, N(open_end), 0.05,
		      16.5);

	/* empty buckets hold no rank */
	quantile_case("empty buckets between", empties, N(empties), 0, 5);
	quantile_case("empty buckets between", empties, N(empties), 0.5, 6);
	quantile_case("empty buckets between", empties, N(empties), 0.75, 8.5);

	quantile_case("1 us buckets and a power of two", fine, N(fine), 0.5,
		      17);
	quantile_case("1 us buckets and a power of two", fine, N(fine), 0.75,
		      1056);
	quantile_case("1 us buckets and a power of two", fine, N(fine), 0.125,
		      4);

	no_quantile_case("no bucket", NULL, 0, 0.5);
	no_quantile_case("buckets without samples", none, N(none), 0.5);
	no_quantile_case("two buckets", two, N(two), -0.01);
	no_quantile_case("two buckets", two, N(two), 1.01);
	no_quantile_case("two buckets", two, N(two), NAN);
	ok(!rtt_quantile_rounded(NULL, 0, 0.5, &us) && us == 298,
	   "rounded: no sample, no value, the result untouched");

	/* half up: 1.5 us is 2 us, 0.5 * 3 = 1.5 of [0, 3) is 2.25 */
	ok(rtt_quantile_rounded((const struct rtt_bucket[]){ { 0, 3, 2 } }, 1,
				0.5, &us) && us == 2,
	   "rounded: 1.5 us is 2 us");
	ok(rtt_quantile_rounded((const struct rtt_bucket[]){ { 0, 3, 4 } }, 1,
				0.25, &us) && us == 1,
	   "rounded: 0.75 us is 1 us");
	ok(rtt_quantile_rounded((const struct rtt_bucket[]){ { 0, 3, 4 } }, 1,
				0.125, &us) && us == 0,
	   "rounded: 0.375 us is 0 us");

	ok(rtt_total(two, N(two)) == 20 && rtt_total(NULL, 0) == 0 &&
	   rtt_total((const struct rtt_bucket[]){ { 1, 2, UINT64_MAX },
						  { 3, 4, 5 } }, 2) ==
	   UINT64_MAX,
	   "total: the samples, at most UINT64_MAX");
	/* the total saturates: within the buckets, no wrapped rank */
	quantile_case("counts that add up past 2^64",
		      (const struct rtt_bucket[]){ { 1, 2, UINT64_MAX },
						   { 3, 4, UINT64_MAX } }, 2,
		      0.5, 1.5);
}

static void test_count_le(void)
{
	static const struct rtt_bucket b[] = {
		{ 15, 16, 1 }, { 16, 17, 2 }, { 31, 32, 4 }, { 32, 34, 8 },
		{ 120, 128, 16 }, { 134217728, 142606336, 32 },
		{ 268435456, 0, 64 },
	};

	ok(rtt_count_le(b, N(b), 16) == 1, "le 16 us: the bucket up to 16");
	ok(rtt_count_le(b, N(b), 32) == 7, "le 32 us: the buckets up to 32");
	ok(rtt_count_le(b, N(b), 64) == 15, "le 64 us: cumulative");
	ok(rtt_count_le(b, N(b), 128) == 31, "le 128 us: a bound of the bucket");
	ok(rtt_count_le(b, N(b), 134217728) == 31,
	   "le 2^27 us: a bucket above it left out");
	ok(rtt_count_le(b, N(b), UINT64_MAX) == 63,
	   "the unbounded bucket counts only in +Inf (rtt_total: %" PRIu64 ")",
	   rtt_total(b, N(b)));
	ok(rtt_count_le(b, N(b), 15) == 0 && rtt_count_le(NULL, 0, 16) == 0,
	   "le below every bucket, no buckets: 0");
}

static void test_delta(void)
{
	static const struct rtt_bucket cur[] = {
		{ 10, 11, 5 }, { 20, 21, 3 }, { 30, 31, 1 }, { 40, 0, 7 },
	};
	static const struct rtt_bucket prev[] = {
		{ 5, 6, 9 }, { 10, 11, 2 }, { 20, 21, 4 }, { 40, 0, 7 },
	};
	struct rtt_bucket out[N(cur)];
	size_t n;

	n = rtt_delta(cur, N(cur), prev, N(prev), out);
	ok(n == 3 && out[0].low_us == 10 && out[0].high_us == 11 &&
	   out[0].count == 3 && out[1].low_us == 20 && out[1].count == 3 &&
	   out[2].low_us == 30 && out[2].count == 1,
	   "delta: grown counts; backwards counts whole; unchanged left out (%zu buckets)",
	   n);
	n = rtt_delta(cur, N(cur), NULL, 0, out);
	ok(n == 4 && out[3].count == 7 && out[3].high_us == 0,
	   "delta without a snapshot before: every sample");
	n = rtt_delta(cur, N(cur), cur, N(cur), out);
	ok(n == 0, "delta of the same snapshot: nothing");
}

static void rtt_case(uint64_t us, const char *want)
{
	char buf[32];

	fmt_rtt_human(us, buf, sizeof(buf));
	if (!ok(!strcmp(buf, want), "rtt %" PRIu64 " us: %s", us, want))
		diag("got '%s'", buf);
}

static void test_rtt_human(void)
{
	rtt_case(0, "0us");
	rtt_case(850, "850us");
	rtt_case(999, "999us");
	rtt_case(1000, "1.0ms");
	rtt_case(20149, "20.1ms");
	rtt_case(20150, "20.2ms");
	rtt_case(999949, "999.9ms");
	rtt_case(999950, "1.00s");
	rtt_case(1204999, "1.20s");
	rtt_case(1205000, "1.21s");
	rtt_case(134217728, "134.22s");
	rtt_case(UINT64_MAX, "18446744073709.55s");
}

int main(void)
{
	tap_start();
	test_quantiles();
	test_count_le();
	test_delta();
	test_rtt_human();
	return tap_end();
}
