/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TCP health of a policy or a class as stats -j and monitor -j write
 * it, and as monitor's text line has it.  Pure functions over a JSON
 * writer or a FILE, unit-tested in test_parse and test_netlink.
 */
#ifndef EGRESSCTL_HEALTH_H
#define EGRESSCTL_HEALTH_H

#include <stddef.h>
#include <stdio.h>

#include "histogram.h"
#include "json.h"
#include "msg.h"

/* The quantiles egressctl shows: p50, p90 and p99. */
#define HEALTH_QUANTILES	3
extern const double health_quantiles[HEALTH_QUANTILES];

/*
 * The health object, the value of the member whose key the caller wrote:
 * {"attempts":N,"established":N,"refused":N,"timed_out":N,
 * "unreachable":N,"reset":N,"syn_retrans":N,"data_retrans":N,
 * "rtt":{"count":N,"sum_us":N,"p50_us":N,"p90_us":N,"p99_us":N,
 * "buckets":[{"low_us":N,"high_us":N,"count":N},...]}}.  The quantiles
 * are whole microseconds, null without a sample in the buckets; the
 * unbounded bucket's high_us is null.
 */
void health_json(struct json *j, const struct egress_health *h,
		 const struct rtt_bucket *b, size_t n);

/*
 * The words of monitor's text line: " attempts N established N refused N
 * timed-out N unreachable N reset N syn-retrans N data-retrans N", then
 * with samples in the buckets " rtt-p50 850us rtt-p90 20.1ms rtt-p99
 * 1.20s" (fmt_rtt_human).
 */
void health_text(FILE *out, const struct egress_health *h,
		 const struct rtt_bucket *b, size_t n);

#endif /* EGRESSCTL_HEALTH_H */
