// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "health.h"
#include "json.h"
#include "report.h"
#include "table.h"
#include "top.h"

/* --- rates ---------------------------------------------------------------- */

/* What a counter grew by; all of it when it went backwards (a reset). */
static uint64_t grown(uint64_t cur, uint64_t prev)
{
	return cur >= prev ? cur - prev : cur;
}

/* By path, then template (a policy before an instance of the same path). */
static int cmp_key(const struct stats_entry *a, const struct stats_entry *b)
{
	int c = strcmp(a->path, b->path);

	if (c || !a->template != !b->template)
		return c ? c : (a->template ? 1 : -1);
	return a->template ? strcmp(a->template, b->template) : 0;
}

static int cmp_index(const void *a, const void *b)
{
	return cmp_key(*(const struct stats_entry *const *)a,
		       *(const struct stats_entry *const *)b);
}

static int cmp_find(const void *key, const void *elem)
{
	return cmp_key(key, *(const struct stats_entry *const *)elem);
}

/*
 * The failures of a health: refused, timed out, unreachable, reset; in a
 * double, as the rates are, so that no sum of bogus values wraps.
 */
static double failures_grown(const struct egress_health *cur,
			     const struct egress_health *prev)
{
	return (double)grown(cur->refused, prev->refused) +
	       (double)grown(cur->timed_out, prev->timed_out) +
	       (double)grown(cur->unreachable, prev->unreachable) +
	       (double)grown(cur->reset, prev->reset);
}

/* A rate rounded for a u64 cell, saturated (a cast beyond 2^64 is undefined). */
static uint64_t rate_u64(double v)
{
	return v >= 0x1p64 ? UINT64_MAX : (uint64_t)(v + 0.5);
}

/*
 * The rates of row from p to c, secs apart; scratch has room for c's
 * buckets: the interval's RTT samples go there.
 */
static void row_rates(struct top_row *row, const struct stats_entry *p,
		      const struct stats_entry *c, double secs,
		      struct rtt_bucket *scratch)
{
	static const struct health_entry none;
	const struct health_entry *hp = p->has_health ? &p->health : &none;
	const struct health_entry *hc = c->has_health ? &c->health : &none;
	size_t n;

	row->has_rates = true;
	row->bytes_per_s = (double)grown(c->allowed.bytes, p->allowed.bytes) /
			   secs;
	row->packets_per_s = (double)grown(c->allowed.packets,
					   p->allowed.packets) / secs;
	row->denied_per_s = (double)grown(c->denied.packets,
					  p->denied.packets) / secs;
	row->attempts_per_s = (double)grown(hc->h.attempts, hp->h.attempts) /
			      secs;
	row->failures_per_s = failures_grown(&hc->h, &hp->h) / secs;
	n = rtt_delta(hc->buckets, hc->nbuckets, hp->buckets, hp->nbuckets,
		      scratch);
	row->has_rtt_p50 = rtt_quantile_rounded(scratch, n, 0.5,
						&row->rtt_p50_us);
}

/* Rows with rates first, by bytes/s, most first; then the listing's order. */
static int cmp_rows(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->has_rates != y->has_rates)
		return x->has_rates ? -1 : 1;
	if (x->has_rates && x->bytes_per_s != y->bytes_per_s)
		return x->bytes_per_s > y->bytes_per_s ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

int top_rates(const struct stats_entry *prev, size_t nprev,
	      const struct stats_entry *cur, size_t n, double secs,
	      struct top_row *rows)
{
	const struct stats_entry **index = NULL;
	struct rtt_bucket *scratch = NULL;
	size_t i, most = 1;

	if (nprev) {
		index = malloc(nprev * sizeof(*index));
		if (!index)
			return -ENOMEM;
		for (i = 0; i < nprev; i++)
			index[i] = &prev[i];
		qsort(index, nprev, sizeof(*index), cmp_index);
	}
	for (i = 0; i < n; i++)
		if (cur[i].health.nbuckets > most)
			most = cur[i].health.nbuckets;
	scratch = calloc(most, sizeof(*scratch));
	if (!scratch) {
		free(index);
		return -ENOMEM;
	}
	/* a clock that did not move would make every rate infinite */
	if (!(secs > 1e-9))
		secs = 1e-9;
	for (i = 0; i < n; i++) {
		struct top_row *row = &rows[i];
		const struct stats_entry *const *p = NULL;

		memset(row, 0, sizeof(*row));
		row->path = cur[i].path;
		row->template = cur[i].template;
		row->order = i;
		if (nprev)
			p = bsearch(&cur[i], index, nprev, sizeof(*index),
				    cmp_find);
		if (p)
			row_rates(row, *p, &cur[i], secs, scratch);
	}
	free(scratch);
	free(index);
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_rows);
	return 0;
}

/* --- JSON ----------------------------------------------------------------- */

/* "2026-11-27T13:05:00.123456789Z", as monitor's "time" */
static void format_utc_ns(char *buf, size_t len, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000u);
	char date[32];
	struct tm tm;

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(date, sizeof(date), "@%lld", (long long)secs);
	snprintf(buf, len, "%s.%09" PRIu64 "Z", date, ns % 1000000000u);
}

static void json_rate(struct json *j, const char *key, bool has, double v)
{
	if (has)
		json_kv_fixed(j, key, v, 3);
	else
		json_kv_u64_or_null(j, key, false, 0);
}

void top_print_json(FILE *out, uint64_t time_ns, uint64_t interval_ns,
		    const struct top_row *rows, size_t n)
{
	char when[64];
	struct json j;
	size_t i;

	format_utc_ns(when, sizeof(when), time_ns);
	json_init(&j, out);
	json_begin_object(&j);
	json_kv_u64(&j, "time_ns", time_ns);
	json_kv_string(&j, "time", when);
	json_kv_fixed(&j, "interval_s", (double)interval_ns / 1e9, 6);
	json_key(&j, "policies");
	json_begin_array(&j);
	for (i = 0; i < n; i++) {
		const struct top_row *r = &rows[i];

		json_begin_object(&j);
		json_kv_string(&j, "cgroup", r->path);
		if (r->template)
			json_kv_string(&j, "template", r->template);
		json_rate(&j, "bytes_per_s", r->has_rates, r->bytes_per_s);
		json_rate(&j, "packets_per_s", r->has_rates, r->packets_per_s);
		json_rate(&j, "denied_per_s", r->has_rates, r->denied_per_s);
		json_rate(&j, "attempts_per_s", r->has_rates,
			  r->attempts_per_s);
		json_rate(&j, "failures_per_s", r->has_rates,
			  r->failures_per_s);
		json_kv_u64_or_null(&j, "rtt_p50_us", r->has_rtt_p50,
				    r->rtt_p50_us);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	fputc('\n', out);
}

/* --- screen --------------------------------------------------------------- */

#define TOP_COLS	8
#define CELL_LEN	32

/* s as one word of monitor's line (event_write_word), to free; or NULL. */
static char *escaped_word(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	event_write_word(f, s);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A rate for people: one decimal below 100 ("0.5"), else 12.3k style. */
static void fmt_rate(double v, char *buf)
{
	if (v < 99.95)
		snprintf(buf, CELL_LEN, "%.1f", v);
	else
		fmt_count_human(rate_u64(v), buf, CELL_LEN);
}

/* The cells of a row; paths[] holds the escaped words to free. */
static void row_cells(const struct top_row *r, char cells[][CELL_LEN],
		      const char **row, char **paths)
{
	const double rates[] = {
		r->packets_per_s, r->denied_per_s, r->attempts_per_s,
		r->failures_per_s,
	};
	int c;

	paths[0] = escaped_word(r->path);
	paths[1] = r->template ? escaped_word(r->template) : NULL;
	row[0] = paths[0] ? paths[0] : "?";
	for (c = 1; c < TOP_COLS - 1; c++)
		row[c] = "-";
	row[TOP_COLS - 1] = r->template ? (paths[1] ? paths[1] : "?") : "-";
	if (!r->has_rates)
		return;
	fmt_bytes_human(rate_u64(r->bytes_per_s), cells[1], CELL_LEN);
	row[1] = cells[1];
	for (c = 0; c < 4; c++) {
		fmt_rate(rates[c], cells[2 + c]);
		row[2 + c] = cells[2 + c];
	}
	if (r->has_rtt_p50) {
		fmt_rtt_human(r->rtt_p50_us, cells[6], CELL_LEN);
		row[6] = cells[6];
	}
}

/* The table of the rows (the first n), as text to free; NULL without memory. */
static char *table_text(const struct top_row *rows, size_t n)
{
	static const char *const headers[TOP_COLS] = {
		"CGROUP", "BYTES/S", "PKTS/S", "DENIED/S", "CONN/S", "FAIL/S",
		"RTT-P50", "TEMPLATE",
	};
	static const bool numeric[TOP_COLS] = {
		false, true, true, true, true, true, true, false,
	};
	bool templates = false;
	char *buf = NULL;
	struct table t;
	size_t i, len = 0;
	FILE *f;
	int err = 0;

	for (i = 0; i < n; i++)
		templates |= rows[i].template != NULL;
	if (table_init(&t, templates ? TOP_COLS : TOP_COLS - 1, headers,
		       numeric))
		return NULL;
	for (i = 0; i < n && !err; i++) {
		char cells[TOP_COLS][CELL_LEN];
		const char *row[TOP_COLS];
		char *paths[2];

		row_cells(&rows[i], cells, row, paths);
		err = table_add_row(&t, row);
		free(paths[0]);
		free(paths[1]);
	}
	f = err ? NULL : open_memstream(&buf, &len);
	if (f) {
		table_print(&t, f);
		if (fclose(f)) {
			free(buf);
			buf = NULL;
		}
	}
	table_free(&t);
	return buf;
}

/*
 * One line of the screen, cut to width characters (0: whole) and, on a
 * terminal, erasing what an earlier screen left to its right.
 */
static void put_line(FILE *out, const struct top_screen *scr,
		     const char *line, size_t len)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t i = 0;
	int cols = 0;

	while (i < len && (!scr->width || cols < scr->width)) {
		int k = utf8_seq_len(p + i);

		/* the words are escaped: only a torn sequence lands here */
		if (k <= 0 || i + (size_t)k > len)
			break;
		i += (size_t)k;
		cols++;
	}
	fwrite(line, 1, i, out);
	fputs(scr->tty ? "\033[K\n" : "\n", out);
}

void top_print_screen(FILE *out, const struct top_screen *scr,
		      uint64_t time_ns, const struct top_row *rows, size_t n)
{
	char when[64], secs[32], head[256];
	time_t t = (time_t)(time_ns / 1000000000u);
	size_t shown = n, rest;
	const char *line;
	struct tm tm;
	char *text;

	if (!localtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(when, sizeof(when), "@%lld", (long long)t);
	fmt_seconds_ns(scr->interval_ns, secs, sizeof(secs));
	/* header, blank, column titles, rows, "more": all above the cursor */
	if (scr->tty && scr->height > 0 && n + 4 > (size_t)scr->height)
		shown = scr->height > 5 ? (size_t)scr->height - 5 : 0;
	if (scr->tty)
		fputs("\033[H", out);
	snprintf(head, sizeof(head), "egressctl top - %s - every %ss - %zu %s",
		 when, secs, n, n == 1 ? "policy" : "policies");
	put_line(out, scr, head, strlen(head));
	put_line(out, scr, "", 0);
	text = table_text(rows, shown);
	for (line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		put_line(out, scr, line, len);
		line += len + (nl != NULL);
	}
	if (!text)
		put_line(out, scr, "(out of memory)", 15);
	free(text);
	rest = n - shown;
	if (rest) {
		snprintf(head, sizeof(head), "... %zu more", rest);
		put_line(out, scr, head, strlen(head));
	}
	if (scr->tty)
		fputs("\033[J", out);
	else
		fputc('\n', out);
}

/* --- the loop ------------------------------------------------------------- */

/* Show the rows of one refresh (or, without prev, the screen before it). */
static int show(FILE *out, const struct top_opts *o, const struct top_env *env,
		const struct dump_state *prev, const struct dump_state *cur,
		uint64_t time_ns, uint64_t elapsed_ns)
{
	struct top_row *rows = NULL;
	struct top_screen scr = { o->tty, 0, 0, o->interval_ns };
	int err;

	if (cur->nstats) {
		rows = calloc(cur->nstats, sizeof(*rows));
		if (!rows)
			return -ENOMEM;
	}
	err = top_rates(prev ? prev->stats : NULL, prev ? prev->nstats : 0,
			cur->stats, cur->nstats, (double)elapsed_ns / 1e9, rows);
	if (!err && o->json) {
		top_print_json(out, time_ns, elapsed_ns, rows, cur->nstats);
	} else if (!err) {
		if (o->tty && env->screen_size)
			env->screen_size(env->arg, &scr.width, &scr.height);
		top_print_screen(out, &scr, time_ns, rows, cur->nstats);
	}
	free(rows);
	fflush(out);
	return err;
}

int top_run(struct dump_state st[2], const struct top_opts *o,
	    const struct top_env *env, FILE *out)
{
	struct dump_state *prev = &st[0], *cur = &st[1], *swap;
	uint64_t then, now, deadline;
	uint32_t shown;
	int err;

	then = env->monotonic_ns(env->arg);
	err = dump_stats(prev, false);
	if (err)
		return err;
	/* something to look at during the first interval */
	if (!o->json && o->tty) {
		err = show(out, o, env, NULL, prev,
			   env->realtime_ns(env->arg), 0);
		if (err)
			return err;
	}
	deadline = then;
	for (shown = 0; !o->count || shown < o->count; shown++) {
		deadline += o->interval_ns;
		now = env->monotonic_ns(env->arg);
		/* a slow dump: the next one at once, not a burst of them */
		if (deadline < now)
			deadline = now;
		if (!env->wait_until(env->arg, deadline))
			break;
		now = env->monotonic_ns(env->arg);
		err = dump_stats(cur, false);
		/* the filtered policy went (an instance): nothing to list */
		if (err == -ENOENT && cur->filter) {
			dump_state_free(cur);
			err = 0;
		}
		if (err)
			return err;
		err = show(out, o, env, prev, cur, env->realtime_ns(env->arg),
			   now - then);
		if (err)
			return err;
		if (ferror(out))
			break;
		swap = prev;
		prev = cur;
		cur = swap;
		then = now;
	}
	return 0;
}
