/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Byte quotas as the user writes them (policy files, show --config):
 *
 *   quota SIZE per PERIOD [class NAME] [start TIME | day N] [offset ZONE]
 *         [warn P%[,P%]...] [then notify | then rate RATE |
 *                            then deny [allow class NAME]]
 *
 *   SIZE    N[.D] with a unit b, k, m, g, t (or kb, mb, gb, tb), powers of
 *           1024, case-insensitive: "500G", "1.5t", "4096".  Up to 2^64 - 1.
 *   PERIOD  hour, day, week or month.
 *   TIME    YYYY-MM-DD[THH:MM[:SS]] then Z or +HH:MM / -HH:MM, or nothing
 *           (the time is then local time of the offset, UTC by default):
 *           a moment a period starts.  Hours, days and weeks repeat from
 *           it; months start on its day of the month and time of day (the
 *           month's last day when the month is shorter).
 *   day N   months only: periods start at 00:00 on day N (1-31).
 *   ZONE    +HH:MM or -HH:MM east of UTC, less than a day: the local time
 *           months, days and the default start are counted in.  A zone in
 *           TIME sets it too; the two must agree.
 *   default start, in local time: 00:00 of 1970-01-01 for months (the
 *           1st), 00:00 of 1970-01-05 (a Monday) for the others, so days
 *           start at midnight and weeks on Mondays.
 *
 * Pure parser and formatter (no netlink, no I/O): unit-tested and fuzzed.
 */
#ifndef EGRESSCTL_QUOTASPEC_H
#define EGRESSCTL_QUOTASPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/nf_egress.h>

#include "parse.h"

/* The module's bounds. */
#define EGRESS_QUOTA_WARN_MAX		4
#define EGRESS_QUOTAS_MAX		8
#define EGRESS_QUOTA_OFFSET_MAX		86399
/* 00:00 UTC of 1970-01-05, a Monday: the module's default start but for months. */
#define EGRESS_QUOTA_ANCHOR_DEFAULT	(4 * 24 * 60 * 60)

/* Longest canonical quota text. */
#define EGRESS_QUOTA_STRLEN		256

struct egress_quota_spec {
	uint64_t limit;			/* bytes a period, > 0 */
	uint8_t period;			/* enum nf_egress_quota_period */
	/*
	 * The anchor: a moment a period starts, seconds since the epoch.
	 * Without has_anchor the module takes the default start in the
	 * offset's local time (and reports it back as the anchor).
	 */
	bool has_anchor;
	int64_t anchor;
	int32_t utc_offset;		/* seconds east of UTC */
	uint8_t warn[EGRESS_QUOTA_WARN_MAX];	/* ascending, 1..99 */
	uint8_t nwarn;
	uint8_t action;			/* enum nf_egress_quota_action */
	uint64_t rate;			/* bytes/s, NF_EGRESS_QUOTA_ACTION_RATE */
	char class_name[NF_EGRESS_CLASS_NAME_MAX];	/* "": all bytes */
	char exempt_class[NF_EGRESS_CLASS_NAME_MAX];	/* deny: "" or kept */
};

/*
 * A quota from words; argv[0] must be "quota".  All words must be used.
 * Returns 0, or -1 with err (err->word: the word the error is about, argc
 * when something is missing at the end).
 */
int parse_quota_spec(int argc, char **argv, struct egress_quota_spec *q,
		     struct parse_error *err);

/* SIZE as above. */
int parse_quota_size(const char *in, uint64_t *bytes, struct parse_error *err);
/* The largest of t, g, m, k that divides bytes ("500g"), else bytes. */
int format_quota_size(uint64_t bytes, char *buf, size_t len);

/* "hour" ... "month" and back. */
int parse_quota_period(const char *in, uint8_t *period);
const char *quota_period_name(uint8_t period);
/* "notify", "rate", "deny", "?" */
const char *quota_action_name(uint8_t action);

/*
 * The canonical text, which parses back to the same quota: the start is
 * left out when it is the default, written "day N" for a month that starts
 * at 00:00 of day N, else as a TIME with its zone; the offset only when it
 * is not UTC and no TIME carries it; "then notify" is left out.  A quota
 * from the module (has_anchor set to what it reports) gives the same text
 * as the one written.  Returns the snprintf-style length.
 */
int format_quota_spec(const struct egress_quota_spec *q, char *buf,
		      size_t len);

/*
 * A moment as "YYYY-MM-DDTHH:MM[:SS]" in the local time utc_offset seconds
 * east of UTC, then "Z" or "+HH:MM"; NULL-free, snprintf-style length.
 */
int format_quota_time(int64_t t, int32_t utc_offset, char *buf, size_t len);

/* Do two quotas count the same bytes (the same class)? */
bool quota_spec_same_class(const struct egress_quota_spec *a,
			   const struct egress_quota_spec *b);

#endif /* EGRESSCTL_QUOTASPEC_H */
