// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>

#include "health.h"

const double health_quantiles[HEALTH_QUANTILES] = { 0.5, 0.9, 0.99 };
static const char *const quantile_keys[HEALTH_QUANTILES] = {
	"p50_us", "p90_us", "p99_us",
};
static const char *const quantile_words[HEALTH_QUANTILES] = {
	"rtt-p50", "rtt-p90", "rtt-p99",
};

/* The counters in the order of the object and the line. */
struct health_counter {
	const char *key, *word;
	uint64_t v;
};

#define HEALTH_COUNTERS	8

static void health_counters(const struct egress_health *h,
			    struct health_counter *c)
{
	const struct health_counter all[HEALTH_COUNTERS] = {
		{ "attempts", "attempts", h->attempts },
		{ "established", "established", h->established },
		{ "refused", "refused", h->refused },
		{ "timed_out", "timed-out", h->timed_out },
		{ "unreachable", "unreachable", h->unreachable },
		{ "reset", "reset", h->reset },
		{ "syn_retrans", "syn-retrans", h->syn_retrans },
		{ "data_retrans", "data-retrans", h->data_retrans },
	};
	size_t i;

	for (i = 0; i < HEALTH_COUNTERS; i++)
		c[i] = all[i];
}

void health_json(struct json *j, const struct egress_health *h,
		 const struct rtt_bucket *b, size_t n)
{
	struct health_counter c[HEALTH_COUNTERS];
	uint64_t us;
	size_t i;

	health_counters(h, c);
	json_begin_object(j);
	for (i = 0; i < HEALTH_COUNTERS; i++)
		json_kv_u64(j, c[i].key, c[i].v);
	json_key(j, "rtt");
	json_begin_object(j);
	json_kv_u64(j, "count", h->rtt_count);
	json_kv_u64(j, "sum_us", h->rtt_sum_us);
	for (i = 0; i < HEALTH_QUANTILES; i++) {
		bool has = rtt_quantile_rounded(b, n, health_quantiles[i], &us);

		json_kv_u64_or_null(j, quantile_keys[i], has, us);
	}
	json_key(j, "buckets");
	json_begin_array(j);
	for (i = 0; i < n; i++) {
		json_begin_object(j);
		json_kv_u64(j, "low_us", b[i].low_us);
		/* the kernel's 0 says "unbounded": null, not a bound */
		json_kv_u64_or_null(j, "high_us", b[i].high_us != 0,
				    b[i].high_us);
		json_kv_u64(j, "count", b[i].count);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
	json_end_object(j);
}

void health_text(FILE *out, const struct egress_health *h,
		 const struct rtt_bucket *b, size_t n)
{
	struct health_counter c[HEALTH_COUNTERS];
	char rtt[32];
	uint64_t us;
	size_t i;

	health_counters(h, c);
	for (i = 0; i < HEALTH_COUNTERS; i++)
		fprintf(out, " %s %" PRIu64, c[i].word, c[i].v);
	for (i = 0; i < HEALTH_QUANTILES; i++) {
		if (!rtt_quantile_rounded(b, n, health_quantiles[i], &us))
			break;
		fmt_rtt_human(us, rtt, sizeof(rtt));
		fprintf(out, " %s %s", quantile_words[i], rtt);
	}
}
