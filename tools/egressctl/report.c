// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "pattern.h"
#include "quotaspec.h"
#include "report.h"
#include "table.h"

/*
 * v in units of base^k with one decimal, rounded half up, moving to the
 * next unit when the rounding reaches base (so 1048575 B is "1.0 MiB",
 * not "1024.0 KiB").  The integer arithmetic is exact for every u64.
 */
static int fmt_scaled(uint64_t v, unsigned int base, const char *const *units,
		      size_t nunits, const char *sep, char *buf, size_t len)
{
	unsigned __int128 div = 1;
	uint64_t tenths = 0;
	size_t k;

	for (k = 0; k < nunits; k++) {
		div *= base;
		tenths = (uint64_t)(((unsigned __int128)v * 10 + div / 2) / div);
		if (tenths < (uint64_t)base * 10 || k == nunits - 1)
			break;
	}
	return snprintf(buf, len, "%" PRIu64 ".%u%s%s", tenths / 10,
			(unsigned int)(tenths % 10), sep, units[k]);
}

int fmt_bytes_human(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};

	if (v < 1024)
		return snprintf(buf, len, "%" PRIu64 " B", v);
	return fmt_scaled(v, 1024, units, sizeof(units) / sizeof(units[0]),
			  " ", buf, len);
}

int fmt_count_human(uint64_t v, char *buf, size_t len)
{
	static const char *const units[] = { "k", "M", "G", "T", "P", "E" };

	if (v < 1000)
		return snprintf(buf, len, "%" PRIu64, v);
	return fmt_scaled(v, 1000, units, sizeof(units) / sizeof(units[0]),
			  "", buf, len);
}

int fmt_delay_human(uint64_t ns, char *buf, size_t len)
{
	static const char *const units[] = { "us", "ms", "s" };

	if (ns < 1000)
		return snprintf(buf, len, "%" PRIu64 "ns", ns);
	return fmt_scaled(ns, 1000, units, sizeof(units) / sizeof(units[0]),
			  "", buf, len);
}

int fmt_seconds_ns(uint64_t ns, char *buf, size_t len)
{
	char frac[16];
	int n;

	if (!(ns % 1000000000u))
		return snprintf(buf, len, "%" PRIu64, ns / 1000000000u);
	n = snprintf(frac, sizeof(frac), "%09" PRIu64, ns % 1000000000u);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	return snprintf(buf, len, "%" PRIu64 ".%s", ns / 1000000000u, frac);
}

int fmt_utc_time(uint64_t secs, char *buf, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (secs > (uint64_t)INT64_MAX || (uint64_t)t != secs ||
	    !gmtime_r(&t, &tm) || tm.tm_year > 9999 - 1900 ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		return snprintf(buf, len, "@%" PRIu64, secs);
	return (int)strlen(buf);
}

void prom_write_label_value(FILE *out, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		int n;

		switch (*s) {
		case '\\':
			fputs("\\\\", out);
			s++;
			continue;
		case '"':
			fputs("\\\"", out);
			s++;
			continue;
		case '\n':
			fputs("\\n", out);
			s++;
			continue;
		}
		n = utf8_seq_len(s);
		if (n == 0) {
			fputs("\xef\xbf\xbd", out);	/* U+FFFD */
			s++;
			continue;
		}
		fwrite(s, 1, (size_t)n, out);
		s += n;
	}
}

/* --- stats table -------------------------------------------------------- */

#define NUM_LEN	32

static void fmt_pkts(const struct report_opts *o, uint64_t v, char *buf)
{
	if (o->exact)
		snprintf(buf, NUM_LEN, "%" PRIu64, v);
	else
		fmt_count_human(v, buf, NUM_LEN);
}

static void fmt_bytes(const struct report_opts *o, uint64_t v, char *buf)
{
	if (o->exact)
		snprintf(buf, NUM_LEN, "%" PRIu64, v);
	else
		fmt_bytes_human(v, buf, NUM_LEN);
}

/*
 *                    ALLOWED       DENIED   WOULD_DENY  RATELIMITED
 *   CGROUP  MODE     PKTS  BYTES  PKTS  BYTES ...
 * The group line names the verdict over each PKTS/BYTES pair; with
 * shaping, SHAPED follows and the single columns QUEUE and MAX_DELAY.
 */
/*
 * The line above the headers: each group's name over its columns (groups[c]
 * names the group that starts at column c, a group spans span[c] columns),
 * nothing over the others.
 */
static void print_group_line(FILE *out, const struct table *t,
			     const char *const *groups, const int *span,
			     int ncols)
{
	int c, last = 0, k;

	for (c = 0; c < ncols; c++)
		if (groups[c])
			last = c + span[c];
	fprintf(out, "%*s", (int)(table_col_width(t, 0) + 2 +
				  table_col_width(t, 1)), "");
	for (c = 2; c < last; c++) {
		size_t width = table_col_width(t, c);

		for (k = 1; groups[c] && k < span[c]; k++)
			width += 2 + table_col_width(t, c + k);
		fprintf(out, "  %*s", (int)width, groups[c] ? groups[c] : "");
		if (groups[c])
			c += span[c] - 1;
	}
	fputc('\n', out);
}

/*
 * The shaping columns (SHAPED, QUEUE, MAX_DELAY) are shown when a policy
 * in the table has a shape-mode rate limit or anything was shaped.
 */
static bool want_shaping(const struct stats_entry *st, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (st[i].shape_rate || st[i].shaped.packets ||
		    st[i].queue_len || st[i].max_delay_ns)
			return true;
	return false;
}

/*
 * The connection columns (CONNLIMIT, CONNS ACTIVE) likewise: a policy in
 * the table has a connection limit, or something was refused or is still
 * charged (a limit removed while its connections are open).
 */
static bool want_conn(const struct stats_entry *st, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (st[i].conn_limit || st[i].connlimit.packets ||
		    st[i].conn_active)
			return true;
	return false;
}

/* Does the table list an instance of a template? */
static bool want_templates(const struct stats_entry *st, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (st[i].template)
			return true;
	return false;
}

/* Every column: the shaping ones, the connection ones and TEMPLATE. */
#define MAIN_COLS	18

struct main_table {
	const char *headers[MAIN_COLS];
	bool numeric[MAIN_COLS];
	const char *groups[MAIN_COLS];	/* the group starting at a column */
	int span[MAIN_COLS];
	int ncols;
};

static void main_col(struct main_table *m, const char *header, bool numeric)
{
	m->headers[m->ncols] = header;
	m->numeric[m->ncols++] = numeric;
}

/* PKTS and BYTES under the group's name */
static void main_counter_cols(struct main_table *m, const char *group)
{
	m->groups[m->ncols] = group;
	m->span[m->ncols] = 2;
	main_col(m, "PKTS", true);
	main_col(m, "BYTES", true);
}

/* A counter's PKTS and BYTES cells at column c; returns the next column. */
static int row_counter(const struct report_opts *o,
		       const struct egress_counter *v, char num[][NUM_LEN],
		       const char **row, int c)
{
	fmt_pkts(o, v->packets, num[c]);
	row[c] = num[c];
	fmt_bytes(o, v->bytes, num[c + 1]);
	row[c + 1] = num[c + 1];
	return c + 2;
}

static int print_main_table(FILE *out, const struct stats_entry *st, size_t n,
			    const struct report_opts *o)
{
	static const char *const verdicts[] = {
		"ALLOWED", "DENIED", "WOULD_DENY", "RATELIMITED",
	};
	bool shaping = want_shaping(st, n), conn = want_conn(st, n);
	bool templates = want_templates(st, n);
	struct main_table m = { .ncols = 0 };
	struct table t;
	size_t i, g;

	main_col(&m, "CGROUP", false);
	main_col(&m, "MODE", false);
	for (g = 0; g < sizeof(verdicts) / sizeof(verdicts[0]); g++)
		main_counter_cols(&m, verdicts[g]);
	if (shaping) {
		main_counter_cols(&m, "SHAPED");
		main_col(&m, "QUEUE", true);
		main_col(&m, o->exact ? "MAX_DELAY_NS" : "MAX_DELAY", true);
	}
	if (conn) {
		main_counter_cols(&m, "CONNLIMIT");
		m.groups[m.ncols] = "CONNS";
		m.span[m.ncols] = 1;
		main_col(&m, "ACTIVE", true);
	}
	if (templates)
		main_col(&m, "TEMPLATE", false);
	if (table_init(&t, m.ncols, m.headers, m.numeric))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct stats_entry *s = &st[i];
		char num[MAIN_COLS][NUM_LEN];
		const char *row[MAIN_COLS];
		int c = 0;

		row[c++] = s->path;
		row[c++] = s->has_mode ? mode_name(s->mode) : "-";
		c = row_counter(o, &s->allowed, num, row, c);
		c = row_counter(o, &s->denied, num, row, c);
		c = row_counter(o, &s->would_deny, num, row, c);
		c = row_counter(o, &s->ratelimited, num, row, c);
		if (shaping) {
			c = row_counter(o, &s->shaped, num, row, c);
			/* at most 65536: always exact */
			snprintf(num[c], NUM_LEN, "%" PRIu32, s->queue_len);
			row[c] = num[c];
			c++;
			if (o->exact)
				snprintf(num[c], NUM_LEN, "%" PRIu64,
					 s->max_delay_ns);
			else
				fmt_delay_human(s->max_delay_ns, num[c],
						NUM_LEN);
			row[c] = num[c];
			c++;
		}
		if (conn) {
			c = row_counter(o, &s->connlimit, num, row, c);
			/* a count of sockets: always exact */
			snprintf(num[c], NUM_LEN, "%" PRIu32, s->conn_active);
			row[c] = num[c];
			c++;
		}
		if (templates)
			row[c++] = s->template ? s->template : "-";
		if (table_add_row(&t, row)) {
			table_free(&t);
			return -ENOMEM;
		}
	}
	print_group_line(out, &t, m.groups, m.span, m.ncols);
	table_print(&t, out);
	table_free(&t);
	return 0;
}

/*
 * "policy /t1: counters since reset at ..." or "... never reset"; a
 * template's "template /svc/x-*: ...", an instance's
 * "instance /svc/x-a (template /svc/x-*): ...".
 */
static void print_reset_line(FILE *out, const struct stats_entry *s)
{
	char when[64];

	if (s->template)
		fprintf(out, "instance %s (template %s): ", s->path,
			s->template);
	else
		fprintf(out, "%s %s: ", path_is_pattern(s->path) ?
			"template" : "policy", s->path);
	if (!s->has_reset_time) {
		fputs("counters never reset\n", out);
		return;
	}
	fmt_utc_time(s->reset_time, when, sizeof(when));
	fprintf(out, "counters since reset at %s\n", when);
}

static int print_details(FILE *out, const struct stats_entry *s,
			 const struct report_opts *o)
{
	static const char *const rule_hdr[] = { "ID", "PKTS", "BYTES", "RULE" };
	static const bool rule_num[] = { true, true, true, false };
	static const char *const class_hdr[] = { "CLASS", "PKTS", "BYTES" };
	static const bool class_num[] = { false, true, true };
	struct table t;
	size_t i;

	print_reset_line(out, s);
	if (s->rules_hidden) {
		/* not known: nothing to say (the caller notes it once) */
	} else if (s->rules_unlisted && s->path_has_policy) {
		fprintf(out, "  rules of template %s: their counters for this cgroup are not listed (a policy has its path)\n",
			s->template);
	} else if (s->rules_unlisted) {
		fprintf(out, "  rules of template %s: egressctl stats %s lists their counters for this cgroup\n",
			s->template, s->path);
	} else if (!s->nrules) {
		fputs("  no rules\n", out);
	} else {
		if (table_init(&t, 4, rule_hdr, rule_num))
			return -ENOMEM;
		for (i = 0; i < s->nrules; i++) {
			const struct rule_entry *r = &s->rules[i];
			char id[16], pk[NUM_LEN], by[NUM_LEN];
			char text[EGRESS_RULE_STRLEN];
			const char *row[4] = { id, pk, by, text };

			snprintf(id, sizeof(id), "%" PRIu32, r->id);
			if (r->has_stats) {
				fmt_pkts(o, r->stats.packets, pk);
				fmt_bytes(o, r->stats.bytes, by);
			} else {
				strcpy(pk, "-");
				strcpy(by, "-");
			}
			format_rule_spec(&r->spec, text, sizeof(text));
			if (table_add_row(&t, row)) {
				table_free(&t);
				return -ENOMEM;
			}
		}
		table_print_indented(&t, out, 2);
		table_free(&t);
	}
	if (!s->nclasses)
		return 0;
	if (table_init(&t, 3, class_hdr, class_num))
		return -ENOMEM;
	for (i = 0; i < s->nclasses; i++) {
		char pk[NUM_LEN], by[NUM_LEN];
		const char *row[3] = { s->classes[i].name, pk, by };

		fmt_pkts(o, s->classes[i].ctr.packets, pk);
		fmt_bytes(o, s->classes[i].ctr.bytes, by);
		if (table_add_row(&t, row)) {
			table_free(&t);
			return -ENOMEM;
		}
	}
	table_print_indented(&t, out, 2);
	table_free(&t);
	return 0;
}

int report_stats_text(FILE *out, const struct stats_entry *s, size_t n,
		      const struct report_opts *o)
{
	bool blank = false;
	size_t i;
	int err;

	err = print_main_table(out, s, n, o);
	for (i = 0; i < n && !err; i++) {
		if (!o->details && !s[i].has_reset_time)
			continue;
		/* one blank line after the table; between detail sections */
		if (!blank || o->details)
			fputc('\n', out);
		blank = true;
		if (o->details)
			err = print_details(out, &s[i], o);
		else
			print_reset_line(out, &s[i]);
	}
	return err;
}

/* --- JSON ----------------------------------------------------------------- */

static void json_counter(struct json *j, const char *key,
			 const struct egress_counter *c)
{
	json_key(j, key);
	json_begin_object(j);
	json_kv_u64(j, "packets", c->packets);
	json_kv_u64(j, "bytes", c->bytes);
	json_end_object(j);
}

void report_stats_json(FILE *out, const struct stats_entry *st, size_t n)
{
	char text[EGRESS_RULE_STRLEN];
	struct json j;
	size_t i, k;

	json_init(&j, out);
	json_begin_array(&j);
	for (i = 0; i < n; i++) {
		const struct stats_entry *s = &st[i];

		json_begin_object(&j);
		json_kv_string(&j, "cgroup", s->path);
		/* an instance's only: a policy's object is as it always was */
		if (s->template)
			json_kv_string(&j, "template", s->template);
		if (s->has_mode)
			json_kv_string(&j, "mode", mode_name(s->mode));
		json_counter(&j, "allowed", &s->allowed);
		json_counter(&j, "denied", &s->denied);
		json_counter(&j, "would_deny", &s->would_deny);
		json_counter(&j, "ratelimited", &s->ratelimited);
		json_counter(&j, "shaped", &s->shaped);
		json_kv_u64(&j, "queue_len", s->queue_len);
		json_kv_u64(&j, "max_delay_ns", s->max_delay_ns);
		json_counter(&j, "connlimit", &s->connlimit);
		json_kv_u64(&j, "conn_active", s->conn_active);
		json_key(&j, "classes");
		json_begin_object(&j);
		for (k = 0; k < s->nclasses; k++)
			json_counter(&j, s->classes[k].name, &s->classes[k].ctr);
		json_end_object(&j);
		json_key(&j, "rules");
		if (s->rules_hidden || s->rules_unlisted) {
			/* not [], which says "no rules" */
			json_null(&j);
		} else {
			json_begin_array(&j);
			for (k = 0; k < s->nrules; k++) {
				const struct rule_entry *r = &s->rules[k];

				json_begin_object(&j);
				json_kv_u64(&j, "id", r->id);
				format_rule_spec(&r->spec, text, sizeof(text));
				json_kv_string(&j, "rule", text);
				json_kv_u64(&j, "packets", r->stats.packets);
				json_kv_u64(&j, "bytes", r->stats.bytes);
				json_end_object(&j);
			}
			json_end_array(&j);
		}
		json_kv_u64_or_null(&j, "reset_time", s->has_reset_time,
				    s->reset_time);
		json_end_object(&j);
	}
	json_end_array(&j);
	fputc('\n', out);
}

/* --- Prometheus ------------------------------------------------------------ */

enum prom_kind {
	PROM_VERDICT,	/* {cgroup,mode,verdict}: 4 samples per policy */
	PROM_CLASS,	/* {cgroup,class}: one per class */
	PROM_RULE,	/* {cgroup,rule_id,rule}: one per rule with counters */
	PROM_RESET,	/* {cgroup}: one per policy */
	PROM_SHAPED,	/* {cgroup,mode}: one per policy */
	PROM_QUEUE,	/* {cgroup}: one per policy */
	PROM_MAX_DELAY,	/* {cgroup}: one per policy */
	/* of the policies with a connection limit (prom_conn) */
	PROM_CONNLIMIT,	/* {cgroup,mode} */
	PROM_CONN_ACTIVE,	/* {cgroup} */
	/* {cgroup,class,period}: one per quota, each a value of it */
	PROM_QUOTA_USED,
	PROM_QUOTA_LIMIT,
	PROM_QUOTA_USED_UP,
	PROM_QUOTA_PERIOD_END,
	PROM_QUOTA_LAST_USED,
};

struct prom_family {
	const char *name;
	const char *type;
	const char *help;
	enum prom_kind kind;
	bool bytes;
};

static const struct prom_family prom_families[] = {
	{ "nf_egress_packets_total", "counter",
	  "Packets seen by an nf_egress policy, by verdict (would_deny packets are also allowed).",
	  PROM_VERDICT, false },
	{ "nf_egress_bytes_total", "counter",
	  "Bytes at the IP layer seen by an nf_egress policy, by verdict (would_deny bytes are also allowed).",
	  PROM_VERDICT, true },
	{ "nf_egress_class_packets_total", "counter",
	  "Packets that left under a rule of the class, per nf_egress policy.",
	  PROM_CLASS, false },
	{ "nf_egress_class_bytes_total", "counter",
	  "Bytes at the IP layer that left under a rule of the class, per nf_egress policy.",
	  PROM_CLASS, true },
	{ "nf_egress_rule_packets_total", "counter",
	  "Packets an nf_egress rule decided (allowed or denied).",
	  PROM_RULE, false },
	{ "nf_egress_rule_bytes_total", "counter",
	  "Bytes at the IP layer an nf_egress rule decided (allowed or denied).",
	  PROM_RULE, true },
	{ "nf_egress_policy_reset_time_seconds", "gauge",
	  "Unix time of the last counter reset of an nf_egress policy, 0 if never reset.",
	  PROM_RESET, false },
	{ "nf_egress_shaped_packets_total", "counter",
	  "Packets an nf_egress shaping rate limit delayed (they left later and are also allowed).",
	  PROM_SHAPED, false },
	{ "nf_egress_shaped_bytes_total", "counter",
	  "Bytes at the IP layer an nf_egress shaping rate limit delayed (they left later and are also allowed).",
	  PROM_SHAPED, true },
	{ "nf_egress_queue_packets", "gauge",
	  "Packets waiting in an nf_egress policy's shaping queue.",
	  PROM_QUEUE, false },
	{ "nf_egress_max_delay_seconds", "gauge",
	  "Longest delay a packet was given in an nf_egress policy's shaping queue since the last counter reset.",
	  PROM_MAX_DELAY, false },
	{ "nf_egress_connlimit_packets_total", "counter",
	  "First SYNs of TCP connections an nf_egress connection limit refused (in audit mode: would have refused).",
	  PROM_CONNLIMIT, false },
	{ "nf_egress_connlimit_bytes_total", "counter",
	  "Bytes at the IP layer of the first SYNs an nf_egress connection limit refused (in audit mode: would have refused).",
	  PROM_CONNLIMIT, true },
	{ "nf_egress_conn_active", "gauge",
	  "TCP connections charged to an nf_egress policy's connection limits now.",
	  PROM_CONN_ACTIVE, false },
	{ "nf_egress_quota_used_bytes", "gauge",
	  "Bytes at the IP layer an nf_egress quota counted in its current period (class empty: all the policy's bytes).",
	  PROM_QUOTA_USED, true },
	{ "nf_egress_quota_limit_bytes", "gauge",
	  "Bytes an nf_egress quota allows per period.",
	  PROM_QUOTA_LIMIT, true },
	{ "nf_egress_quota_used_up", "gauge",
	  "1 when an nf_egress quota is used up in its current period, else 0.",
	  PROM_QUOTA_USED_UP, false },
	{ "nf_egress_quota_period_end_seconds", "gauge",
	  "Unix time at which the current period of an nf_egress quota ends.",
	  PROM_QUOTA_PERIOD_END, false },
	{ "nf_egress_quota_last_period_used_bytes", "gauge",
	  "Bytes an nf_egress quota counted in the period before the current one.",
	  PROM_QUOTA_LAST_USED, true },
};

static void prom_label(FILE *out, bool first, const char *name,
		       const char *value)
{
	fprintf(out, "%s%s=\"", first ? "" : ",", name);
	prom_write_label_value(out, value);
	fputc('"', out);
}

/*
 * A sample's start, "NAME{cgroup="PATH"" (and an instance's template, and
 * its mode when with_mode).
 */
static void prom_begin(FILE *out, const struct prom_family *f,
		       const struct stats_entry *s, bool with_mode)
{
	fprintf(out, "%s{", f->name);
	prom_label(out, true, "cgroup", s->path);
	if (s->template)
		prom_label(out, false, "template", s->template);
	if (with_mode && s->has_mode)
		prom_label(out, false, "mode", mode_name(s->mode));
}

/* A sample's end: "} VALUE". */
static void prom_end(FILE *out, uint64_t value)
{
	fprintf(out, "} %" PRIu64 "\n", value);
}

/* The bytes or the packets of c, as the family counts. */
static uint64_t prom_count(const struct prom_family *f,
			   const struct egress_counter *c)
{
	return f->bytes ? c->bytes : c->packets;
}

/*
 * The connection families' samples: a policy with a connection limit, or
 * one whose connection counters are not zero (a limit removed since).
 */
static bool prom_conn(const struct stats_entry *s)
{
	return s->conn_limit || s->connlimit.packets || s->conn_active;
}

static bool prom_has_samples(const struct prom_family *f,
			     const struct stats_entry *st, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		switch (f->kind) {
		case PROM_VERDICT:
		case PROM_RESET:
		case PROM_SHAPED:
		case PROM_QUEUE:
		case PROM_MAX_DELAY:
			return true;
		case PROM_CONNLIMIT:
		case PROM_CONN_ACTIVE:
			if (prom_conn(&st[i]))
				return true;
			break;
		case PROM_CLASS:
			if (st[i].nclasses)
				return true;
			break;
		case PROM_RULE:
			for (k = 0; k < st[i].nrules; k++)
				if (st[i].rules[k].has_stats)
					return true;
			break;
		case PROM_QUOTA_USED:
		case PROM_QUOTA_LIMIT:
		case PROM_QUOTA_USED_UP:
		case PROM_QUOTA_PERIOD_END:
		case PROM_QUOTA_LAST_USED:
			if (st[i].nquotas)
				return true;
			break;
		}
	}
	return false;
}

static void prom_verdicts(FILE *out, const struct prom_family *f,
			  const struct stats_entry *s)
{
	const struct {
		const char *verdict;
		const struct egress_counter *c;
	} v[] = {
		{ "allowed", &s->allowed },
		{ "denied", &s->denied },
		{ "would_deny", &s->would_deny },
		{ "ratelimited", &s->ratelimited },
	};
	size_t k;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		prom_begin(out, f, s, true);
		prom_label(out, false, "verdict", v[k].verdict);
		prom_end(out, prom_count(f, v[k].c));
	}
}

static void prom_quota(FILE *out, const struct prom_family *f,
		       const struct stats_entry *s,
		       const struct egress_quota_msg *q)
{
	uint64_t v = 0;

	switch (f->kind) {
	case PROM_QUOTA_USED:
		v = q->used;
		break;
	case PROM_QUOTA_LIMIT:
		v = q->spec.limit;
		break;
	case PROM_QUOTA_USED_UP:
		v = q->used >= q->spec.limit;
		break;
	case PROM_QUOTA_PERIOD_END:
		v = q->period_end > 0 ? (uint64_t)q->period_end : 0;
		break;
	default:
		v = q->last_used;
		break;
	}
	prom_begin(out, f, s, false);
	prom_label(out, false, "class", q->spec.class_name);
	prom_label(out, false, "period", quota_period_name(q->spec.period));
	prom_end(out, v);
}

static void prom_samples(FILE *out, const struct prom_family *f,
			 const struct stats_entry *s)
{
	char text[EGRESS_RULE_STRLEN], id[16], secs[32];
	size_t k;

	switch (f->kind) {
	case PROM_VERDICT:
		prom_verdicts(out, f, s);
		break;
	case PROM_CLASS:
		for (k = 0; k < s->nclasses; k++) {
			prom_begin(out, f, s, false);
			prom_label(out, false, "class", s->classes[k].name);
			prom_end(out, prom_count(f, &s->classes[k].ctr));
		}
		break;
	case PROM_RULE:
		for (k = 0; k < s->nrules; k++) {
			const struct rule_entry *r = &s->rules[k];

			if (!r->has_stats)
				continue;
			snprintf(id, sizeof(id), "%" PRIu32, r->id);
			format_rule_spec(&r->spec, text, sizeof(text));
			prom_begin(out, f, s, false);
			prom_label(out, false, "rule_id", id);
			prom_label(out, false, "rule", text);
			prom_end(out, prom_count(f, &r->stats));
		}
		break;
	case PROM_RESET:
		prom_begin(out, f, s, false);
		prom_end(out, s->has_reset_time ? s->reset_time : 0);
		break;
	case PROM_SHAPED:
		prom_begin(out, f, s, true);
		prom_end(out, prom_count(f, &s->shaped));
		break;
	case PROM_QUEUE:
		prom_begin(out, f, s, false);
		prom_end(out, s->queue_len);
		break;
	case PROM_MAX_DELAY:
		fmt_seconds_ns(s->max_delay_ns, secs, sizeof(secs));
		prom_begin(out, f, s, false);
		fprintf(out, "} %s\n", secs);
		break;
	case PROM_CONNLIMIT:
		if (!prom_conn(s))
			break;
		prom_begin(out, f, s, true);
		prom_end(out, prom_count(f, &s->connlimit));
		break;
	case PROM_CONN_ACTIVE:
		if (!prom_conn(s))
			break;
		prom_begin(out, f, s, false);
		prom_end(out, s->conn_active);
		break;
	case PROM_QUOTA_USED:
	case PROM_QUOTA_LIMIT:
	case PROM_QUOTA_USED_UP:
	case PROM_QUOTA_PERIOD_END:
	case PROM_QUOTA_LAST_USED:
		for (k = 0; k < s->nquotas; k++)
			prom_quota(out, f, s, &s->quotas[k]);
		break;
	}
}

void report_metrics(FILE *out, const struct stats_entry *st, size_t n)
{
	bool hidden = false, noted = false;
	size_t f, i;

	for (i = 0; i < n; i++)
		hidden |= st[i].rules_hidden;
	for (f = 0; f < sizeof(prom_families) / sizeof(prom_families[0]); f++) {
		const struct prom_family *fam = &prom_families[f];

		/* a comment line where the rule families would be */
		if (fam->kind == PROM_RULE && hidden) {
			if (!noted)
				fputs("# nf_egress_rule_packets_total and nf_egress_rule_bytes_total left out: "
				      RULES_NEED_CAP "\n", out);
			noted = true;
			continue;
		}
		if (!prom_has_samples(fam, st, n))
			continue;
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", fam->name,
			fam->help, fam->name, fam->type);
		for (i = 0; i < n; i++)
			prom_samples(out, fam, &st[i]);
	}
}
