// SPDX-License-Identifier: GPL-2.0
/* egressctl cost: price table, rows and their output (see cost.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "json.h"
#include "parse.h"
#include "quotaspec.h"
#include "table.h"

static int pfail(char *err, size_t errlen, const char *name, unsigned int line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int pfail(char *err, size_t errlen, const char *name, unsigned int line,
		 const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s:%u: ", strcmp(name, "-") ? name : "<stdin>",
		     line);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* "0.09" -> 90000 millionths; up to 6 decimals, at most the maximum. */
static int parse_price(const char *s, uint64_t *micro)
{
	uint64_t whole = 0, frac = 0;
	unsigned int digits = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > COST_PRICE_MAX_MICRO / 1000000)
			return -1;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (++digits > 6)
				return -1;
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
	}
	if (*p)
		return -1;
	while (digits++ < 6)
		frac *= 10;
	*micro = whole * 1000000 + frac;
	return *micro > COST_PRICE_MAX_MICRO ? -1 : 0;
}

void price_table_free(struct price_table *t)
{
	free(t->entries);
	memset(t, 0, sizeof(*t));
}

int price_table_parse(const char *name, const char *buf, size_t len,
		      struct price_table *t, char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len;
	bool has_unit = false;
	unsigned int line = 0;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->unit_bytes = 1000000000ull;
	name = name ? name : "-";
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)((eol ? eol : end) - p);
		char text[256], key[64], value[64], extra[8];
		char *hash;
		int n;

		line++;
		if (l >= sizeof(text)) {
			pfail(err, errlen, name, line, "line too long");
			goto fail;
		}
		memcpy(text, p, l);
		text[l] = '\0';
		p = eol ? eol + 1 : end;
		if (memchr(text, '\0', l)) {
			pfail(err, errlen, name, line, "NUL byte");
			goto fail;
		}
		hash = strchr(text, '#');
		if (hash)
			*hash = '\0';
		n = sscanf(text, "%63s %63s %7s", key, value, extra);
		if (n <= 0)
			continue;
		if (n != 2) {
			pfail(err, errlen, name, line,
			      "expected 'CLASS PRICE', 'default PRICE' or 'unit GB|GiB'");
			goto fail;
		}
		if (!strcmp(key, "unit")) {
			if (has_unit) {
				pfail(err, errlen, name, line, "'unit' given more than once");
				goto fail;
			}
			if (!strcmp(value, "GB")) {
				t->unit_bytes = 1000000000ull;
			} else if (!strcmp(value, "GiB")) {
				t->unit_bytes = 1ull << 30;
			} else {
				pfail(err, errlen, name, line,
				      "invalid unit '%s' (GB or GiB)", value);
				goto fail;
			}
			has_unit = true;
			continue;
		}
		if (strcmp(key, "default") && !valid_class_name(key)) {
			pfail(err, errlen, name, line, "invalid class name '%.31s'", key);
			goto fail;
		}
		{
			uint64_t micro;
			void *m;

			if (parse_price(value, &micro)) {
				pfail(err, errlen, name, line,
				      "invalid price '%s' (a decimal with up to 6 places, at most 1000000)",
				      value);
				goto fail;
			}
			if (!strcmp(key, "default")) {
				if (t->has_default) {
					pfail(err, errlen, name, line,
					      "'default' given more than once");
					goto fail;
				}
				t->has_default = true;
				t->default_micro = micro;
				continue;
			}
			for (i = 0; i < t->n; i++) {
				if (!strcmp(t->entries[i].class_name, key)) {
					pfail(err, errlen, name, line,
					      "class %s given more than once", key);
					goto fail;
				}
			}
			m = realloc(t->entries, (t->n + 1) * sizeof(*t->entries));
			if (!m) {
				pfail(err, errlen, name, line, "out of memory");
				goto fail;
			}
			t->entries = m;
			strcpy(t->entries[t->n].class_name, key);
			t->entries[t->n].micro = micro;
			t->n++;
		}
	}
	return 0;

fail:
	price_table_free(t);
	return -1;
}

uint64_t price_of(const struct price_table *t, const char *class_name)
{
	size_t i;

	if (!t)
		return 0;
	for (i = 0; class_name[0] && i < t->n; i++) {
		if (!strcmp(t->entries[i].class_name, class_name))
			return t->entries[i].micro;
	}
	return t->default_micro;
}

static uint64_t cost_of(uint64_t bytes, uint64_t micro, uint64_t unit)
{
	unsigned __int128 c = (unsigned __int128)bytes * micro + unit / 2;

	c /= unit;
	return c > UINT64_MAX ? UINT64_MAX : (uint64_t)c;
}

int cost_rows(const struct dump_state *st, bool last,
	      const struct price_table *t, struct cost_row **rows, size_t *n)
{
	uint64_t unit = t ? t->unit_bytes : 1000000000ull;
	struct cost_row *r = NULL;
	size_t cap = 0, i, q, k;

	*rows = NULL;
	*n = 0;
	for (i = 0; i < st->npolicies; i++) {
		const struct policy_entry *pol = &st->policies[i];

		for (q = 0; q < pol->nquotas; q++) {
			const struct egress_quota_msg *m = &pol->quotas[q];
			struct cost_row *row;
			uint64_t bytes = last ? m->last_used : m->used;

			if (!m->spec.class_name[0]) {
				/* What the class quotas of its period did not count. */
				for (k = 0; k < pol->nquotas; k++) {
					const struct egress_quota_msg *c = &pol->quotas[k];
					uint64_t cb = last ? c->last_used : c->used;

					if (!c->spec.class_name[0] ||
					    c->period_start != m->period_start ||
					    c->period_end != m->period_end)
						continue;
					bytes = bytes > cb ? bytes - cb : 0;
				}
			}
			if (*n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				void *nr = realloc(r, ncap * sizeof(*r));

				if (!nr) {
					free(r);
					return -ENOMEM;
				}
				r = nr;
				cap = ncap;
			}
			row = &r[(*n)++];
			row->path = pol->path;
			row->class_name = m->spec.class_name;
			row->period = m->spec.period;
			row->bytes = bytes;
			row->price_micro = price_of(t, m->spec.class_name);
			row->cost_micro = cost_of(bytes, row->price_micro, unit);
		}
	}
	*rows = r;
	return 0;
}

void cost_total(const struct cost_row *rows, size_t n, struct cost_total *tot)
{
	size_t i;

	memset(tot, 0, sizeof(*tot));
	for (i = 0; i < n; i++) {
		tot->bytes_overflow |= __builtin_add_overflow(tot->bytes, rows[i].bytes,
							      &tot->bytes);
		tot->cost_overflow |= __builtin_add_overflow(tot->cost_micro,
							     rows[i].cost_micro,
							     &tot->cost_micro);
	}
}

int format_micro(uint64_t micro, char *buf, size_t len)
{
	return snprintf(buf, len, "%" PRIu64 ".%06" PRIu64, micro / 1000000,
			micro % 1000000);
}

int cost_print_text(FILE *out, const struct cost_row *rows, size_t n,
		    bool with_prices, const char *unit)
{
	static const char *const headers[] = {
		"POLICY", "CLASS", "PERIOD", "BYTES", "PRICE", "COST",
	};
	static const bool right[] = { false, false, false, true, true, true };
	char price_head[32];
	const char *heads[6];
	struct cost_total tot;
	struct table t;
	size_t i;

	memcpy(heads, headers, sizeof(heads));
	snprintf(price_head, sizeof(price_head), "PRICE/%s", unit);
	heads[4] = price_head;
	if (table_init(&t, with_prices ? 6 : 4, heads, right))
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		char bytes[32], price[32], cost[32];
		const char *cells[6];

		snprintf(bytes, sizeof(bytes), "%" PRIu64, rows[i].bytes);
		format_micro(rows[i].price_micro, price, sizeof(price));
		format_micro(rows[i].cost_micro, cost, sizeof(cost));
		cells[0] = rows[i].path;
		cells[1] = rows[i].class_name[0] ? rows[i].class_name : "-";
		cells[2] = quota_period_name(rows[i].period);
		cells[3] = bytes;
		cells[4] = price;
		cells[5] = cost;
		if (table_add_row(&t, cells))
			goto nomem;
	}
	cost_total(rows, n, &tot);
	{
		char bytes[32] = "overflow", cost[32] = "overflow";
		const char *cells[6] = { "total", "", "", bytes, "", cost };

		if (!tot.bytes_overflow)
			snprintf(bytes, sizeof(bytes), "%" PRIu64, tot.bytes);
		if (!tot.cost_overflow)
			format_micro(tot.cost_micro, cost, sizeof(cost));
		if (table_add_row(&t, cells))
			goto nomem;
	}
	table_print(&t, out);
	table_free(&t);
	return 0;

nomem:
	table_free(&t);
	return -ENOMEM;
}

void cost_print_json(FILE *out, const struct cost_row *rows, size_t n,
		     bool last, const char *unit)
{
	struct cost_total tot;
	char text[32];
	struct json j;
	size_t i;

	json_init(&j, out);
	json_begin_object(&j);
	json_kv_string(&j, "period", last ? "last" : "this");
	json_kv_string(&j, "unit", unit);
	json_key(&j, "rows");
	json_begin_array(&j);
	for (i = 0; i < n; i++) {
		json_begin_object(&j);
		json_kv_string(&j, "cgroup", rows[i].path);
		json_kv_string_or_null(&j, "class", rows[i].class_name[0] ?
				       rows[i].class_name : NULL);
		json_kv_string(&j, "quota_period", quota_period_name(rows[i].period));
		json_kv_u64(&j, "bytes", rows[i].bytes);
		format_micro(rows[i].price_micro, text, sizeof(text));
		json_kv_string(&j, "price", text);
		json_kv_u64(&j, "cost_micro", rows[i].cost_micro);
		format_micro(rows[i].cost_micro, text, sizeof(text));
		json_kv_string(&j, "cost", text);
		json_end_object(&j);
	}
	json_end_array(&j);
	cost_total(rows, n, &tot);
	json_kv_u64_or_null(&j, "total_bytes", !tot.bytes_overflow, tot.bytes);
	json_kv_u64_or_null(&j, "total_cost_micro", !tot.cost_overflow,
			    tot.cost_micro);
	format_micro(tot.cost_micro, text, sizeof(text));
	json_kv_string_or_null(&j, "total_cost", tot.cost_overflow ? NULL : text);
	json_end_object(&j);
	fputc('\n', out);
}
