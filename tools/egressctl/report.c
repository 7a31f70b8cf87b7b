// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "health.h"
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

/*
 * v units of 10^-digits seconds as exact decimal seconds, no trailing
 * zeros: "0.000016", "134.217728", "2".
 */
static int fmt_seconds_exact(uint64_t v, unsigned int digits, char *buf,
			     size_t len)
{
	uint64_t unit = 1;
	char frac[24];
	unsigned int i;
	int n;

	for (i = 0; i < digits; i++)
		unit *= 10;
	if (!(v % unit))
		return snprintf(buf, len, "%" PRIu64, v / unit);
	n = snprintf(frac, sizeof(frac), "%0*" PRIu64, (int)digits, v % unit);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	return snprintf(buf, len, "%" PRIu64 ".%s", v / unit, frac);
}

int fmt_seconds_ns(uint64_t ns, char *buf, size_t len)
{
	return fmt_seconds_exact(ns, 9, buf, len);
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
	static const char *const class_hdr[] = {
		"CLASS", "PKTS", "BYTES", "CONNS_ACTIVE",
	};
	static const bool class_num[] = { false, true, true, true };
	bool conn = false;
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
	/* CONNS_ACTIVE when a class has a connection limit ("-": none) */
	for (i = 0; i < s->nclasses && !conn; i++)
		conn = s->classes[i].has_conn_active;
	if (table_init(&t, conn ? 4 : 3, class_hdr, class_num))
		return -ENOMEM;
	for (i = 0; i < s->nclasses; i++) {
		char pk[NUM_LEN], by[NUM_LEN], act[NUM_LEN] = "-";
		const char *row[4] = { s->classes[i].name, pk, by, act };

		fmt_pkts(o, s->classes[i].ctr.packets, pk);
		fmt_bytes(o, s->classes[i].ctr.bytes, by);
		/* a count of sockets: always exact */
		if (s->classes[i].has_conn_active)
			snprintf(act, sizeof(act), "%" PRIu32,
				 s->classes[i].conn_active);
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

/* --- health table --------------------------------------------------------- */

/* CGROUP, CLASS, 8 counters, 3 quantiles from HEALTH_P50_COL, TEMPLATE */
#define HEALTH_COLS	14
#define HEALTH_P50_COL	10

/*
 * The cells of one health row from column c on: the eight counters and
 * the three quantiles, "-" for each when the kernel sent no health (none
 * counted yet, or health off) and for the quantiles without a sample.
 */
static int row_health(const struct report_opts *o, const struct health_entry *e,
		      char num[][NUM_LEN], const char **row, int c)
{
	static const struct egress_health none;
	const struct egress_health *h = e ? &e->h : &none;
	const uint64_t v[] = {
		h->attempts, h->established, h->refused, h->timed_out,
		h->unreachable, h->reset, h->syn_retrans, h->data_retrans,
	};
	uint64_t us;
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++, c++) {
		row[c] = "-";
		if (!e)
			continue;
		fmt_pkts(o, v[i], num[c]);
		row[c] = num[c];
	}
	for (i = 0; i < HEALTH_QUANTILES; i++, c++) {
		row[c] = "-";
		if (!e || !rtt_quantile_rounded(e->buckets, e->nbuckets,
						health_quantiles[i], &us))
			continue;
		if (o->exact)
			snprintf(num[c], NUM_LEN, "%" PRIu64, us);
		else
			fmt_rtt_human(us, num[c], NUM_LEN);
		row[c] = num[c];
	}
	return c;
}

/* One row: path, class ("(all)" for the policy's own), health, template. */
static int add_health_row(struct table *t, const struct report_opts *o,
			  const struct stats_entry *s, const char *class_name,
			  const struct health_entry *e, bool templates)
{
	char num[HEALTH_COLS][NUM_LEN];
	const char *row[HEALTH_COLS];
	int c = 0;

	row[c++] = s->path;
	row[c++] = class_name;
	c = row_health(o, e, num, row, c);
	if (templates)
		row[c++] = s->template ? s->template : "-";
	return table_add_row(t, row);
}

int report_health_text(FILE *out, const struct stats_entry *st, size_t n,
		       const struct report_opts *o)
{
	static const char *const headers[HEALTH_COLS] = {
		"CGROUP", "CLASS", "ATTEMPTS", "ESTAB", "REFUSED", "TIMEOUT",
		"UNREACH", "RESET", "SYN-RTX", "DATA-RTX", "P50", "P90", "P99",
		"TEMPLATE",
	};
	static const bool numeric[HEALTH_COLS] = {
		false, false, true, true, true, true, true, true, true, true,
		true, true, true, false,
	};
	const char *hdr[HEALTH_COLS];
	bool templates = want_templates(st, n);
	struct table t;
	size_t i, k;
	int err = 0;

	memcpy(hdr, headers, sizeof(hdr));
	if (o->exact) {
		hdr[HEALTH_P50_COL] = "P50_US";
		hdr[HEALTH_P50_COL + 1] = "P90_US";
		hdr[HEALTH_P50_COL + 2] = "P99_US";
	}
	if (table_init(&t, templates ? HEALTH_COLS : HEALTH_COLS - 1, hdr,
		       numeric))
		return -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		const struct stats_entry *s = &st[i];

		/* "(all)": no class name has parentheses */
		err = add_health_row(&t, o, s, "(all)",
				     s->has_health ? &s->health : NULL,
				     templates);
		for (k = 0; k < s->nclasses && !err; k++)
			if (s->classes[k].has_health)
				err = add_health_row(&t, o, s,
						     s->classes[k].name,
						     &s->classes[k].health,
						     templates);
	}
	if (!err)
		table_print(&t, out);
	table_free(&t);
	return err ? -ENOMEM : 0;
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

static void json_health_entry(struct json *j, const struct health_entry *h)
{
	json_key(j, "health");
	health_json(j, &h->h, h->buckets, h->nbuckets);
}

/*
 * NAME:{"packets":P,"bytes":B}, its "conn_active" when the class has a
 * connection limit and its "health" when it has one
 */
static void json_class(struct json *j, const struct class_entry *c)
{
	json_key(j, c->name);
	json_begin_object(j);
	json_kv_u64(j, "packets", c->ctr.packets);
	json_kv_u64(j, "bytes", c->ctr.bytes);
	if (c->has_conn_active)
		json_kv_u64(j, "conn_active", c->conn_active);
	if (c->has_health)
		json_health_entry(j, &c->health);
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
			json_class(&j, &s->classes[k]);
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
		/* absent as the nest: nothing counted yet, or health is off */
		if (s->has_health)
			json_health_entry(&j, &s->health);
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
	/* of the classes with a connection limit */
	PROM_CLASS_CONN_ACTIVE,	/* {cgroup,class} */
	/* {cgroup,class,period}: one per quota, each a value of it */
	PROM_QUOTA_USED,
	PROM_QUOTA_LIMIT,
	PROM_QUOTA_USED_UP,
	PROM_QUOTA_PERIOD_END,
	PROM_QUOTA_LAST_USED,
	/* of the policies and classes with a health (has_health) */
	PROM_TCP,		/* {cgroup}: the counter at health_field */
	PROM_TCP_RTT,		/* {cgroup}: a histogram */
	PROM_CLASS_TCP,		/* {cgroup,class} */
	PROM_CLASS_TCP_RTT,	/* {cgroup,class} */
};

struct prom_family {
	const char *name;
	const char *type;
	const char *help;
	enum prom_kind kind;
	bool bytes;
	size_t health_field;	/* PROM_TCP, PROM_CLASS_TCP: its offset */
};

#define HEALTH_FIELD(f)	offsetof(struct egress_health, f)

static const struct prom_family prom_families[] = {
	{ "nf_egress_packets_total", "counter",
	  "Packets seen by an nf_egress policy, by verdict (would_deny packets are also allowed).",
	  PROM_VERDICT, false, 0 },
	{ "nf_egress_bytes_total", "counter",
	  "Bytes at the IP layer seen by an nf_egress policy, by verdict (would_deny bytes are also allowed).",
	  PROM_VERDICT, true, 0 },
	{ "nf_egress_class_packets_total", "counter",
	  "Packets that left under a rule of the class, per nf_egress policy.",
	  PROM_CLASS, false, 0 },
	{ "nf_egress_class_bytes_total", "counter",
	  "Bytes at the IP layer that left under a rule of the class, per nf_egress policy.",
	  PROM_CLASS, true, 0 },
	{ "nf_egress_rule_packets_total", "counter",
	  "Packets an nf_egress rule decided (allowed or denied).",
	  PROM_RULE, false, 0 },
	{ "nf_egress_rule_bytes_total", "counter",
	  "Bytes at the IP layer an nf_egress rule decided (allowed or denied).",
	  PROM_RULE, true, 0 },
	{ "nf_egress_policy_reset_time_seconds", "gauge",
	  "Unix time of the last counter reset of an nf_egress policy, 0 if never reset.",
	  PROM_RESET, false, 0 },
	{ "nf_egress_shaped_packets_total", "counter",
	  "Packets an nf_egress shaping rate limit delayed (they left later and are also allowed).",
	  PROM_SHAPED, false, 0 },
	{ "nf_egress_shaped_bytes_total", "counter",
	  "Bytes at the IP layer an nf_egress shaping rate limit delayed (they left later and are also allowed).",
	  PROM_SHAPED, true, 0 },
	{ "nf_egress_queue_packets", "gauge",
	  "Packets waiting in an nf_egress policy's shaping queue.",
	  PROM_QUEUE, false, 0 },
	{ "nf_egress_max_delay_seconds", "gauge",
	  "Longest delay a packet was given in an nf_egress policy's shaping queue since the last counter reset.",
	  PROM_MAX_DELAY, false, 0 },
	{ "nf_egress_connlimit_packets_total", "counter",
	  "First SYNs of TCP connections an nf_egress connection limit refused (in audit mode: would have refused).",
	  PROM_CONNLIMIT, false, 0 },
	{ "nf_egress_connlimit_bytes_total", "counter",
	  "Bytes at the IP layer of the first SYNs an nf_egress connection limit refused (in audit mode: would have refused).",
	  PROM_CONNLIMIT, true, 0 },
	{ "nf_egress_conn_active", "gauge",
	  "TCP connections charged to an nf_egress policy's connection limits now.",
	  PROM_CONN_ACTIVE, false, 0 },
	{ "nf_egress_class_conn_active", "gauge",
	  "TCP connections charged to the connection limit of the class now, per nf_egress policy.",
	  PROM_CLASS_CONN_ACTIVE, false, 0 },
	{ "nf_egress_quota_used_bytes", "gauge",
	  "Bytes at the IP layer an nf_egress quota counted in its current period (class empty: all the policy's bytes).",
	  PROM_QUOTA_USED, true, 0 },
	{ "nf_egress_quota_limit_bytes", "gauge",
	  "Bytes an nf_egress quota allows per period.",
	  PROM_QUOTA_LIMIT, true, 0 },
	{ "nf_egress_quota_used_up", "gauge",
	  "1 when an nf_egress quota is used up in its current period, else 0.",
	  PROM_QUOTA_USED_UP, false, 0 },
	{ "nf_egress_quota_period_end_seconds", "gauge",
	  "Unix time at which the current period of an nf_egress quota ends.",
	  PROM_QUOTA_PERIOD_END, false, 0 },
	{ "nf_egress_quota_last_period_used_bytes", "gauge",
	  "Bytes an nf_egress quota counted in the period before the current one.",
	  PROM_QUOTA_LAST_USED, true, 0 },
	{ "nf_egress_tcp_attempts_total", "counter",
	  "TCP connections the cgroup subtree of an nf_egress policy opened (their first SYN left).",
	  PROM_TCP, false, HEALTH_FIELD(attempts) },
	{ "nf_egress_tcp_established_total", "counter",
	  "TCP connections of an nf_egress policy's cgroup subtree that were established.",
	  PROM_TCP, false, HEALTH_FIELD(established) },
	{ "nf_egress_tcp_refused_total", "counter",
	  "TCP connections of an nf_egress policy's cgroup subtree that the peer refused (a RST answered the SYN).",
	  PROM_TCP, false, HEALTH_FIELD(refused) },
	{ "nf_egress_tcp_timed_out_total", "counter",
	  "TCP connections of an nf_egress policy's cgroup subtree that closed with ETIMEDOUT (no answer to the SYN, or given up after retransmissions or keepalives).",
	  PROM_TCP, false, HEALTH_FIELD(timed_out) },
	{ "nf_egress_tcp_unreachable_total", "counter",
	  "TCP connections of an nf_egress policy's cgroup subtree that were not established and closed with another error (ICMP unreachable, prohibited).",
	  PROM_TCP, false, HEALTH_FIELD(unreachable) },
	{ "nf_egress_tcp_reset_total", "counter",
	  "Established TCP connections of an nf_egress policy's cgroup subtree that the peer reset (ECONNRESET, EPIPE).",
	  PROM_TCP, false, HEALTH_FIELD(reset) },
	{ "nf_egress_tcp_syn_retransmits_total", "counter",
	  "SYNs that TCP sent again for connections of an nf_egress policy's cgroup subtree.",
	  PROM_TCP, false, HEALTH_FIELD(syn_retrans) },
	{ "nf_egress_tcp_data_retransmits_total", "counter",
	  "Segments that TCP retransmitted after the SYN for connections of an nf_egress policy's cgroup subtree.",
	  PROM_TCP, false, HEALTH_FIELD(data_retrans) },
	{ "nf_egress_tcp_rtt_seconds", "histogram",
	  "Smoothed round-trip times of the TCP connections of an nf_egress policy's cgroup subtree, sampled when established and every 64 segments sent.",
	  PROM_TCP_RTT, false, 0 },
	{ "nf_egress_class_tcp_attempts_total", "counter",
	  "TCP connections opened under a rule of the class (that allowed the first SYN), per nf_egress policy.",
	  PROM_CLASS_TCP, false, HEALTH_FIELD(attempts) },
	{ "nf_egress_class_tcp_established_total", "counter",
	  "TCP connections of the class that were established, per nf_egress policy.",
	  PROM_CLASS_TCP, false, HEALTH_FIELD(established) },
	{ "nf_egress_class_tcp_refused_total", "counter",
	  "TCP connections of the class that the peer refused (a RST answered the SYN), per nf_egress policy.",
	  PROM_CLASS_TCP, false, HEALTH_FIELD(refused) },
	{ "nf_egress_class_tcp_timed_out_total", "counter",
	  "TCP connections of the class that closed with ETIMEDOUT, per nf_egress policy.",
	  PROM_CLASS_TCP, false, HEALTH_FIELD(timed_out) },
	{ "nf_egress_class_tcp_unreachable_total", "counter",
	  "TCP connections of the class that were not established and closed with another error, per nf_egress policy.",
	  PROM_CLASS_TCP, false, HEALTH_FIELD(unreachable) },
	{ "nf_egress_class_tcp_reset_total", "counter",
	  "Established TCP connections of the class that the peer reset, per nf_egress policy.",
	  PROM_CLASS_TCP, false, HEALTH_FIELD(reset) },
	{ "nf_egress_class_tcp_syn_retransmits_total", "counter",
	  "SYNs that TCP sent again for connections of the class, per nf_egress policy.",
	  PROM_CLASS_TCP, false, HEALTH_FIELD(syn_retrans) },
	{ "nf_egress_class_tcp_data_retransmits_total", "counter",
	  "Segments that TCP retransmitted after the SYN for connections of the class, per nf_egress policy.",
	  PROM_CLASS_TCP, false, HEALTH_FIELD(data_retrans) },
	{ "nf_egress_class_tcp_rtt_seconds", "histogram",
	  "Smoothed round-trip times of the TCP connections of the class, per nf_egress policy.",
	  PROM_CLASS_TCP_RTT, false, 0 },
};

/*
 * The le bounds of the RTT histograms: powers of two microseconds from
 * 16 us to 2^26 us (67 s).  The module cuts each power of two into
 * buckets of its own, so every bound is one of theirs and the cumulative
 * counts are exact (its last bucket, from 130 s up, is +Inf's alone); the
 * range spans loopback to the longest SYN timeout.
 */
#define PROM_RTT_LE_MIN_SHIFT	4
#define PROM_RTT_LE_MAX_SHIFT	26

static void prom_label(FILE *out, bool first, const char *name,
		       const char *value)
{
	fprintf(out, "%s%s=\"", first ? "" : ",", name);
	prom_write_label_value(out, value);
	fputc('"', out);
}

/*
 * A sample's start, "NAMESUFFIX{cgroup="PATH"" (and an instance's
 * template), for the series of a histogram (suffix "_bucket", "_sum",
 * "_count") and the others ("").
 */
static void prom_begin_series(FILE *out, const struct prom_family *f,
			      const char *suffix, const struct stats_entry *s)
{
	fprintf(out, "%s%s{", f->name, suffix);
	prom_label(out, true, "cgroup", s->path);
	if (s->template)
		prom_label(out, false, "template", s->template);
}

/*
 * A sample's start, "NAME{cgroup="PATH"" (and an instance's template, and
 * its mode when with_mode).
 */
static void prom_begin(FILE *out, const struct prom_family *f,
		       const struct stats_entry *s, bool with_mode)
{
	prom_begin_series(out, f, "", s);
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

static bool prom_has_class_conn(const struct stats_entry *s)
{
	size_t k;

	for (k = 0; k < s->nclasses; k++)
		if (s->classes[k].has_conn_active)
			return true;
	return false;
}

static bool prom_has_class_health(const struct stats_entry *s)
{
	size_t k;

	for (k = 0; k < s->nclasses; k++)
		if (s->classes[k].has_health)
			return true;
	return false;
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
		case PROM_CLASS_CONN_ACTIVE:
			if (prom_has_class_conn(&st[i]))
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
		case PROM_TCP:
		case PROM_TCP_RTT:
			if (st[i].has_health)
				return true;
			break;
		case PROM_CLASS_TCP:
		case PROM_CLASS_TCP_RTT:
			if (prom_has_class_health(&st[i]))
				return true;
			break;
		}
	}
	return false;
}

/* The counter of a health that the family counts. */
static uint64_t prom_health_value(const struct prom_family *f,
				  const struct egress_health *h)
{
	return *(const uint64_t *)((const char *)h + f->health_field);
}

/* The labels after cgroup and template: the class's, if any. */
static void prom_class_label(FILE *out, const char *class_name)
{
	if (class_name)
		prom_label(out, false, "class", class_name);
}

/*
 * An RTT histogram: its cumulative buckets up to +Inf, which is _count,
 * and _sum, in seconds.  _count is the samples in the buckets rather
 * than RTT_COUNT, read apart from them, so the two always agree.
 */
static void prom_histogram(FILE *out, const struct prom_family *f,
			   const struct stats_entry *s, const char *class_name,
			   const struct health_entry *h)
{
	uint64_t total = rtt_total(h->buckets, h->nbuckets);
	char num[32];
	int shift;

	for (shift = PROM_RTT_LE_MIN_SHIFT; shift <= PROM_RTT_LE_MAX_SHIFT;
	     shift++) {
		uint64_t le = 1ull << shift;

		fmt_seconds_exact(le, 6, num, sizeof(num));
		prom_begin_series(out, f, "_bucket", s);
		prom_class_label(out, class_name);
		prom_label(out, false, "le", num);
		prom_end(out, rtt_count_le(h->buckets, h->nbuckets, le));
	}
	prom_begin_series(out, f, "_bucket", s);
	prom_class_label(out, class_name);
	prom_label(out, false, "le", "+Inf");
	prom_end(out, total);
	fmt_seconds_exact(h->h.rtt_sum_us, 6, num, sizeof(num));
	prom_begin_series(out, f, "_sum", s);
	prom_class_label(out, class_name);
	fprintf(out, "} %s\n", num);
	prom_begin_series(out, f, "_count", s);
	prom_class_label(out, class_name);
	prom_end(out, total);
}

/* The health samples of a policy or, with class_name, of its class. */
static void prom_health(FILE *out, const struct prom_family *f,
			const struct stats_entry *s, const char *class_name,
			const struct health_entry *h)
{
	if (f->kind == PROM_TCP_RTT || f->kind == PROM_CLASS_TCP_RTT) {
		prom_histogram(out, f, s, class_name, h);
		return;
	}
	prom_begin_series(out, f, "", s);
	prom_class_label(out, class_name);
	prom_end(out, prom_health_value(f, &h->h));
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
	case PROM_CLASS_CONN_ACTIVE:
		for (k = 0; k < s->nclasses; k++) {
			if (!s->classes[k].has_conn_active)
				continue;
			prom_begin(out, f, s, false);
			prom_label(out, false, "class", s->classes[k].name);
			prom_end(out, s->classes[k].conn_active);
		}
		break;
	case PROM_QUOTA_USED:
	case PROM_QUOTA_LIMIT:
	case PROM_QUOTA_USED_UP:
	case PROM_QUOTA_PERIOD_END:
	case PROM_QUOTA_LAST_USED:
		for (k = 0; k < s->nquotas; k++)
			prom_quota(out, f, s, &s->quotas[k]);
		break;
	case PROM_TCP:
	case PROM_TCP_RTT:
		if (s->has_health)
			prom_health(out, f, s, NULL, &s->health);
		break;
	case PROM_CLASS_TCP:
	case PROM_CLASS_TCP_RTT:
		for (k = 0; k < s->nclasses; k++)
			if (s->classes[k].has_health)
				prom_health(out, f, s, s->classes[k].name,
					    &s->classes[k].health);
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
