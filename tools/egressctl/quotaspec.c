// SPDX-License-Identifier: GPL-2.0
/* Byte quotas: parser and formatter (see quotaspec.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "quotaspec.h"

#define DAY_SECS	(24 * 60 * 60)

static int qfail(struct parse_error *err, int word, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int qfail(struct parse_error *err, int word, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->kind = PARSE_EVALUE;
		err->word = word;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *const period_names[] = {
	[NF_EGRESS_QUOTA_PERIOD_HOUR] = "hour",
	[NF_EGRESS_QUOTA_PERIOD_DAY] = "day",
	[NF_EGRESS_QUOTA_PERIOD_WEEK] = "week",
	[NF_EGRESS_QUOTA_PERIOD_MONTH] = "month",
};

static const char *const action_names[] = {
	[NF_EGRESS_QUOTA_ACTION_NOTIFY] = "notify",
	[NF_EGRESS_QUOTA_ACTION_RATE] = "rate",
	[NF_EGRESS_QUOTA_ACTION_DENY] = "deny",
};

int parse_quota_period(const char *in, uint8_t *period)
{
	uint8_t i;

	for (i = 0; i < sizeof(period_names) / sizeof(period_names[0]); i++) {
		if (!strcmp(in, period_names[i])) {
			*period = i;
			return 0;
		}
	}
	return -1;
}

const char *quota_period_name(uint8_t period)
{
	return period <= NF_EGRESS_QUOTA_PERIOD_MAX ? period_names[period] : "?";
}

const char *quota_action_name(uint8_t action)
{
	return action <= NF_EGRESS_QUOTA_ACTION_MAX ? action_names[action] : "?";
}

static const struct {
	const char *name;
	unsigned int shift;
} quota_units[] = {
	{ "", 0 }, { "b", 0 },
	{ "k", 10 }, { "kb", 10 }, { "m", 20 }, { "mb", 20 },
	{ "g", 30 }, { "gb", 30 }, { "t", 40 }, { "tb", 40 },
};

int parse_quota_size(const char *in, uint64_t *bytes, struct parse_error *err)
{
	uint64_t v = 0, f = 0, fden = 1, add;
	unsigned int shift = 0, i, nfrac = 0;
	const char *p = in, *unit;
	bool found = false;

	if (*p < '0' || *p > '9')
		return qfail(err, -1, "invalid quota '%.64s' (a number of bytes, or with a unit b, k, m, g or t)",
			     in);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			goto too_large;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return qfail(err, -1, "invalid quota '%.64s'", in);
		/* Twelve digits: a trillionth of a TiB is about a byte. */
		for (; *p >= '0' && *p <= '9'; p++, nfrac++) {
			if (nfrac < 12) {
				f = f * 10 + (uint64_t)(*p - '0');
				fden *= 10;
			}
		}
	}
	unit = p;
	for (i = 0; i < sizeof(quota_units) / sizeof(quota_units[0]); i++) {
		if (!strcasecmp(unit, quota_units[i].name)) {
			shift = quota_units[i].shift;
			found = true;
		}
	}
	if (!found)
		return qfail(err, -1, "invalid quota '%.64s': unknown unit '%.16s' (b, k, m, g or t)",
			     in, unit);
	if (shift && v > UINT64_MAX >> shift)
		goto too_large;
	v <<= shift;
	/* f < 10^12 < 2^40, so f << shift fits when shift <= 20; else split. */
	if (shift <= 20) {
		add = ((f << shift) + fden / 2) / fden;
	} else {
		unsigned __int128 w = ((unsigned __int128)f << shift) + fden / 2;

		add = (uint64_t)(w / fden);
	}
	if (__builtin_add_overflow(v, add, &v))
		goto too_large;
	if (!v)
		return qfail(err, -1, "a quota must be greater than zero");
	*bytes = v;
	return 0;

too_large:
	return qfail(err, -1, "quota '%.64s' is too large (max 16 EiB - 1)", in);
}

int format_quota_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "kmgt";
	int i;

	for (i = 3; i >= 0; i--) {
		unsigned int shift = 10 * (i + 1);

		if (bytes && !(bytes & ((1ull << shift) - 1)))
			return snprintf(buf, len, "%llu%c",
					(unsigned long long)(bytes >> shift),
					units[i]);
	}
	return snprintf(buf, len, "%llu", (unsigned long long)bytes);
}

/* "+HH:MM" / "-HH:MM" (or "Z" when z_ok) at in; the rest must be empty. */
static int parse_zone(const char *in, bool z_ok, int32_t *secs)
{
	int h, m, sign;

	if (z_ok && !strcmp(in, "Z")) {
		*secs = 0;
		return 0;
	}
	if ((in[0] != '+' && in[0] != '-') || strlen(in) != 6 || in[3] != ':')
		return -1;
	sign = in[0] == '-' ? -1 : 1;
	if (in[1] < '0' || in[1] > '9' || in[2] < '0' || in[2] > '9' ||
	    in[4] < '0' || in[4] > '9' || in[5] < '0' || in[5] > '9')
		return -1;
	h = (in[1] - '0') * 10 + in[2] - '0';
	m = (in[4] - '0') * 10 + in[5] - '0';
	if (h > 23 || m > 59)
		return -1;
	*secs = sign * (h * 3600 + m * 60);
	return 0;
}

static bool leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * "YYYY-MM-DD[THH:MM[:SS]][ZONE]": the local time in *local (seconds since
 * the epoch as if local time were UTC), *has_zone and *zone.
 */
static int parse_quota_time(const char *in, int64_t *local, bool *has_zone,
			    int32_t *zone)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
				     30, 31 };
	int year, mon, mday, hour = 0, min = 0, sec = 0, n = 0, dim;
	struct tm tm = { 0 };
	const char *rest;

	if (sscanf(in, "%4d-%2d-%2d%n", &year, &mon, &mday, &n) != 3 ||
	    n != 10)
		return -1;
	rest = in + n;
	if (*rest == 'T') {
		int m = 0;

		if (sscanf(rest, "T%2d:%2d%n", &hour, &min, &m) != 2 || m != 6)
			return -1;
		rest += m;
		if (*rest == ':') {
			if (sscanf(rest, ":%2d%n", &sec, &m) != 1 || m != 3)
				return -1;
			rest += m;
		}
	}
	if (year < 1970 || mon < 1 || mon > 12 || mday < 1 || hour > 23 ||
	    min > 59 || sec > 59 || hour < 0 || min < 0 || sec < 0)
		return -1;
	dim = mdays[mon - 1] + (mon == 2 && leap(year));
	if (mday > dim)
		return -1;
	*has_zone = *rest != '\0';
	if (*has_zone && parse_zone(rest, true, zone))
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	*local = (int64_t)timegm(&tm);
	return 0;
}

static int parse_warn_list(const char *in, struct egress_quota_spec *q)
{
	const char *p = in;

	q->nwarn = 0;
	for (;;) {
		unsigned int v = 0;
		const char *d = p;

		while (*p >= '0' && *p <= '9' && p - d < 3)
			v = v * 10 + (unsigned int)(*p++ - '0');
		if (p == d || *p != '%' || v < 1 || v > 99)
			return -1;
		p++;
		if (q->nwarn == EGRESS_QUOTA_WARN_MAX ||
		    (q->nwarn && v <= q->warn[q->nwarn - 1]))
			return -1;
		q->warn[q->nwarn++] = (uint8_t)v;
		if (*p == '\0')
			return 0;
		if (*p++ != ',')
			return -1;
	}
}

int parse_quota_spec(int argc, char **argv, struct egress_quota_spec *q,
		     struct parse_error *err)
{
	bool has_class = false, has_start = false, has_day = false;
	bool has_offset = false, has_warn = false, has_then = false;
	bool start_zone = false;
	int32_t zone = 0, offset = 0;
	int64_t start_local = 0;
	unsigned int day = 0;
	int i;

	memset(q, 0, sizeof(*q));
	if (err) {
		err->kind = PARSE_OK;
		err->word = -1;
		err->msg[0] = '\0';
	}
	if (argc < 1 || strcmp(argv[0], "quota"))
		return qfail(err, 0, "expected 'quota'");
	if (argc < 2)
		return qfail(err, argc, "missing the quota's size after 'quota'");
	if (parse_quota_size(argv[1], &q->limit, err)) {
		if (err)
			err->word = 1;
		return -1;
	}
	if (argc < 3 || strcmp(argv[2], "per"))
		return qfail(err, argc < 3 ? argc : 2,
			     "missing 'per PERIOD' after the quota's size");
	if (argc < 4)
		return qfail(err, argc, "missing hour, day, week or month after 'per'");
	if (parse_quota_period(argv[3], &q->period))
		return qfail(err, 3, "invalid period '%.64s' (hour, day, week or month)",
			     argv[3]);

	for (i = 4; i < argc; i++) {
		const char *kw = argv[i];
		bool last = i + 1 >= argc;

		if (has_then)
			return qfail(err, i, "unexpected '%.64s' after the quota's action",
				     kw);
		if (!strcmp(kw, "class")) {
			if (has_class)
				return qfail(err, i, "'class' given more than once");
			if (last)
				return qfail(err, argc, "missing a class name after 'class'");
			if (!valid_class_name(argv[i + 1]))
				return qfail(err, i + 1,
					     "invalid class name '%.64s' (1 to 31 of A-Z a-z 0-9 _ . -)",
					     argv[i + 1]);
			strcpy(q->class_name, argv[++i]);
			has_class = true;
		} else if (!strcmp(kw, "start")) {
			if (has_start || has_day)
				return qfail(err, i, "'start' or 'day' given more than once");
			if (last)
				return qfail(err, argc, "missing a time after 'start' (YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM])");
			if (parse_quota_time(argv[i + 1], &start_local,
					     &start_zone, &zone))
				return qfail(err, i + 1,
					     "invalid start '%.64s' (YYYY-MM-DD[THH:MM[:SS]] then Z, +HH:MM, -HH:MM or nothing)",
					     argv[i + 1]);
			i++;
			has_start = true;
		} else if (!strcmp(kw, "day")) {
			if (has_start || has_day)
				return qfail(err, i, "'start' or 'day' given more than once");
			if (q->period != NF_EGRESS_QUOTA_PERIOD_MONTH)
				return qfail(err, i, "'day N' is for monthly quotas (use 'start' for the others)");
			if (last)
				return qfail(err, argc, "missing a day of the month after 'day'");
			if (parse_u32(argv[i + 1], &day) || day < 1 || day > 31)
				return qfail(err, i + 1,
					     "invalid day of the month '%.64s' (1 to 31)",
					     argv[i + 1]);
			i++;
			has_day = true;
		} else if (!strcmp(kw, "offset")) {
			if (has_offset)
				return qfail(err, i, "'offset' given more than once");
			if (last)
				return qfail(err, argc, "missing +HH:MM or -HH:MM after 'offset'");
			if (parse_zone(argv[i + 1], false, &offset))
				return qfail(err, i + 1,
					     "invalid offset '%.64s' (+HH:MM or -HH:MM east of UTC, less than a day)",
					     argv[i + 1]);
			i++;
			has_offset = true;
		} else if (!strcmp(kw, "warn")) {
			if (has_warn)
				return qfail(err, i, "'warn' given more than once");
			if (last)
				return qfail(err, argc, "missing percentages after 'warn' (such as 50%%,80%%)");
			if (parse_warn_list(argv[i + 1], q))
				return qfail(err, i + 1,
					     "invalid warn '%.64s' (up to 4 ascending percentages from 1%% to 99%%, such as 50%%,80%%)",
					     argv[i + 1]);
			i++;
			has_warn = true;
		} else if (!strcmp(kw, "then")) {
			if (last)
				return qfail(err, argc, "missing notify, rate RATE or deny after 'then'");
			has_then = true;
			i++;
			if (!strcmp(argv[i], "notify")) {
				q->action = NF_EGRESS_QUOTA_ACTION_NOTIFY;
			} else if (!strcmp(argv[i], "rate")) {
				q->action = NF_EGRESS_QUOTA_ACTION_RATE;
				if (i + 1 >= argc)
					return qfail(err, argc, "missing a rate after 'then rate'");
				if (parse_rate(argv[i + 1], &q->rate, err)) {
					if (err)
						err->word = i + 1;
					return -1;
				}
				i++;
			} else if (!strcmp(argv[i], "deny")) {
				q->action = NF_EGRESS_QUOTA_ACTION_DENY;
				if (i + 1 < argc && !strcmp(argv[i + 1], "allow")) {
					if (i + 2 >= argc || strcmp(argv[i + 2], "class"))
						return qfail(err, i + 2 >= argc ? argc : i + 2,
							     "missing 'class NAME' after 'then deny allow'");
					if (i + 3 >= argc)
						return qfail(err, argc, "missing a class name after 'allow class'");
					if (!valid_class_name(argv[i + 3]))
						return qfail(err, i + 3,
							     "invalid class name '%.64s' (1 to 31 of A-Z a-z 0-9 _ . -)",
							     argv[i + 3]);
					strcpy(q->exempt_class, argv[i + 3]);
					i += 3;
				}
			} else {
				return qfail(err, i,
					     "invalid action '%.64s' (notify, rate RATE or deny)",
					     argv[i]);
			}
		} else {
			return qfail(err, i, "unexpected '%.64s' in quota (expected class, start, day, offset, warn or then)",
				     kw);
		}
	}

	if (q->exempt_class[0] && !strcmp(q->exempt_class, q->class_name))
		return qfail(err, -1, "the exempt class is the one the quota counts");
	if (has_start && start_zone && has_offset && zone != offset)
		return qfail(err, -1, "the start's zone and the offset differ");
	q->utc_offset = has_offset ? offset : start_zone ? zone : 0;
	if (has_start) {
		q->has_anchor = true;
		q->anchor = start_local - q->utc_offset;
	} else if (has_day) {
		q->has_anchor = true;
		q->anchor = (int64_t)(day - 1) * DAY_SECS - q->utc_offset;
	}
	if (err)
		err->kind = PARSE_OK;
	return 0;
}

int format_quota_time(int64_t t, int32_t utc_offset, char *buf, size_t len)
{
	time_t local = (time_t)(t + utc_offset);
	char zone[12] = "Z";
	struct tm tm;
	int n;

	if (!gmtime_r(&local, &tm))
		return snprintf(buf, len, "%lld", (long long)t);
	if (utc_offset) {
		int32_t a = utc_offset < 0 ? -utc_offset : utc_offset;

		snprintf(zone, sizeof(zone), "%c%02d:%02d",
			 utc_offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	}
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	if (tm.tm_sec && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, ":%02d", tm.tm_sec);
	if (n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "%s", zone);
	return n;
}

static void qappend(char *buf, size_t len, int *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void qappend(char *buf, size_t len, int *n, const char *fmt, ...)
{
	va_list ap;
	int m;

	va_start(ap, fmt);
	m = vsnprintf(*n >= 0 && (size_t)*n < len ? buf + *n : NULL,
		      *n >= 0 && (size_t)*n < len ? len - (size_t)*n : 0, fmt,
		      ap);
	va_end(ap);
	*n = m < 0 || *n < 0 ? -1 : *n + m;
}

int format_quota_spec(const struct egress_quota_spec *q, char *buf,
		      size_t len)
{
	int64_t local = q->anchor + q->utc_offset, def;
	bool zone_written = false;
	char size[32], text[64];
	int n = 0;
	uint8_t i;

	if (len)
		buf[0] = '\0';
	format_quota_size(q->limit, size, sizeof(size));
	qappend(buf, len, &n, "quota %s per %s", size,
		quota_period_name(q->period));
	if (q->class_name[0])
		qappend(buf, len, &n, " class %s", q->class_name);
	def = (q->period == NF_EGRESS_QUOTA_PERIOD_MONTH ? 0 :
	       EGRESS_QUOTA_ANCHOR_DEFAULT);
	if (q->has_anchor && local != def) {
		if (q->period == NF_EGRESS_QUOTA_PERIOD_MONTH && local >= 0 &&
		    local < 31 * DAY_SECS && local % DAY_SECS == 0) {
			qappend(buf, len, &n, " day %lld",
				(long long)(local / DAY_SECS + 1));
		} else {
			format_quota_time(q->anchor, q->utc_offset, text,
					  sizeof(text));
			qappend(buf, len, &n, " start %s", text);
			zone_written = true;
		}
	}
	if (q->utc_offset && !zone_written) {
		int32_t a = q->utc_offset < 0 ? -q->utc_offset : q->utc_offset;

		qappend(buf, len, &n, " offset %c%02d:%02d",
			q->utc_offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
	}
	for (i = 0; i < q->nwarn; i++)
		qappend(buf, len, &n, "%s%u%%", i ? "," : " warn ", q->warn[i]);
	switch (q->action) {
	case NF_EGRESS_QUOTA_ACTION_RATE:
		format_rate(q->rate, text, sizeof(text));
		qappend(buf, len, &n, " then rate %s", text);
		break;
	case NF_EGRESS_QUOTA_ACTION_DENY:
		qappend(buf, len, &n, " then deny");
		if (q->exempt_class[0])
			qappend(buf, len, &n, " allow class %s", q->exempt_class);
		break;
	default:
		break;
	}
	return n;
}

bool quota_spec_same_class(const struct egress_quota_spec *a,
			   const struct egress_quota_spec *b)
{
	return !strcmp(a->class_name, b->class_name);
}
