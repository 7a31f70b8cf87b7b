/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Renderers of counter snapshots (dump.h entries): the stats table, the
 * stats JSON array and the Prometheus text exposition format, plus the
 * number and time formatters they use.  Pure functions over data and a
 * FILE, unit-tested in test_parse.
 */
#ifndef EGRESSCTL_REPORT_H
#define EGRESSCTL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dump.h"

/*
 * Bytes for people: exact below 1024 ("812 B"), else one decimal in the
 * largest binary unit that keeps the value below 1024 after rounding
 * ("1.5 KiB", "1.0 MiB" for 1048575, up to EiB).  Returns the
 * snprintf-style length.
 */
int fmt_bytes_human(uint64_t v, char *buf, size_t len);

/*
 * Counts for people: plain below 1000 ("999"), else one decimal with a
 * decimal suffix k, M, G, T, P, E ("12.3k", "4.5M", "1.0M" for 999999).
 */
int fmt_count_human(uint64_t v, char *buf, size_t len);

/*
 * Delays for people: nanoseconds below 1000 ("850ns"), else one decimal in
 * the largest of us, ms, s that keeps it below 1000 ("12.3ms", "1.5s").
 */
int fmt_delay_human(uint64_t ns, char *buf, size_t len);

/* Nanoseconds as exact decimal seconds: "0.0125", "2", "0.000000001". */
int fmt_seconds_ns(uint64_t ns, char *buf, size_t len);

/* "2026-11-27 13:05:00 UTC"; "@SECONDS" when out of the calendar's range. */
int fmt_utc_time(uint64_t secs, char *buf, size_t len);

/*
 * A Prometheus label value, without the quotes: backslash, double quote
 * and newline escaped as the text format wants (\\, \", \n); bytes that
 * are not valid UTF-8 become U+FFFD, as label values must be UTF-8.
 */
void prom_write_label_value(FILE *out, const char *s);

struct report_opts {
	bool exact;	/* exact integers instead of human units */
	bool details;	/* per-rule and per-class sections below the table */
};

/* The stats table (see egressctl(8)).  -ENOMEM or 0. */
int report_stats_text(FILE *out, const struct stats_entry *s, size_t n,
		      const struct report_opts *opts);

/*
 * The health table of stats --health (see egressctl(8)): a row per policy
 * (class "(all)") and one per class of it with a health, the connection
 * counters and the RTT's p50, p90 and p99.  -ENOMEM or 0.
 */
int report_health_text(FILE *out, const struct stats_entry *s, size_t n,
		       const struct report_opts *opts);

/* The stats JSON array, one line. */
void report_stats_json(FILE *out, const struct stats_entry *s, size_t n);

/* Prometheus text format 0.0.4 (families without samples left out). */
void report_metrics(FILE *out, const struct stats_entry *s, size_t n);

#endif /* EGRESSCTL_REPORT_H */
