// SPDX-License-Identifier: GPL-2.0
/* The quota usage file (see usagefile.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "policyfile.h"
#include "quotaspec.h"
#include "usagefile.h"

struct usage_parser {
	const char *name;
	const char *p, *end;
	uint32_t line;
	char *err;
	size_t errlen;
};

static int ufail(struct usage_parser *up, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int ufail(struct usage_parser *up, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(up->err, up->errlen, "%s:%u: ",
		     strcmp(up->name, "-") ? up->name : "<stdin>", up->line);
	if (n < 0 || (size_t)n >= up->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(up->err + n, up->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void skip_blanks(struct usage_parser *up)
{
	while (up->p < up->end && (*up->p == ' ' || *up->p == '\t'))
		up->p++;
}

/* A word up to a blank or the end of the line into buf. */
static int next_word(struct usage_parser *up, char *buf, size_t len,
		     const char *what)
{
	size_t n = 0;

	skip_blanks(up);
	while (up->p < up->end && *up->p != ' ' && *up->p != '\t' &&
	       *up->p != '\n') {
		if (n + 1 >= len)
			return ufail(up, "%s too long", what);
		buf[n++] = *up->p++;
	}
	buf[n] = '\0';
	if (!n)
		return ufail(up, "missing %s", what);
	return 0;
}

static int next_string(struct usage_parser *up, char *buf, size_t len)
{
	size_t n = 0;

	skip_blanks(up);
	if (up->p >= up->end || *up->p != '"')
		return ufail(up, "expected a quoted cgroup path");
	up->p++;
	for (;;) {
		char c;

		if (up->p >= up->end || *up->p == '\n')
			return ufail(up, "unterminated string");
		c = *up->p++;
		if (c == '"')
			break;
		if (c == '\\') {
			if (up->p >= up->end || (*up->p != '"' && *up->p != '\\'))
				return ufail(up, "invalid escape in string");
			c = *up->p++;
		}
		if (c == '\0')
			return ufail(up, "NUL byte in string");
		if (n + 1 >= len)
			return ufail(up, "cgroup path too long");
		buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

static int word_s64(const char *w, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(w, &end, 10);
	if (errno || end == w || *end || (*w != '-' && (*w < '0' || *w > '9')))
		return -1;
	*v = x;
	return 0;
}

static int word_u64(const char *w, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (*w < '0' || *w > '9')
		return -1;
	x = strtoull(w, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static int word_hex64(const char *w, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (!((*w >= '0' && *w <= '9') || (*w >= 'a' && *w <= 'f')) || strlen(w) > 16)
		return -1;
	x = strtoull(w, &end, 16);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static int parse_entry(struct usage_parser *up, struct quota_usage *u)
{
	struct parse_error perr;
	char word[64], path[NF_EGRESS_CGROUP_PATH_MAX];
	int64_t v;

	memset(u, 0, sizeof(*u));
	u->line = up->line;
	if (next_string(up, path, sizeof(path)))
		return -1;
	if (parse_cgroup_path(path, u->path, sizeof(u->path), &perr))
		return ufail(up, "%s", perr.msg);
	if (next_word(up, word, sizeof(word), "class"))
		return -1;
	if (strcmp(word, "-")) {
		if (!valid_class_name(word))
			return ufail(up, "invalid class name '%.32s'", word);
		strcpy(u->class_name, word);
	}
	if (next_word(up, word, sizeof(word), "period"))
		return -1;
	if (parse_quota_period(word, &u->period))
		return ufail(up, "invalid period '%.32s'", word);
	if (next_word(up, word, sizeof(word), "anchor"))
		return -1;
	if (word_s64(word, &u->anchor))
		return ufail(up, "invalid anchor '%.32s'", word);
	if (next_word(up, word, sizeof(word), "UTC offset"))
		return -1;
	if (word_s64(word, &v) || v > EGRESS_QUOTA_OFFSET_MAX ||
	    v < -EGRESS_QUOTA_OFFSET_MAX)
		return ufail(up, "invalid UTC offset '%.32s'", word);
	u->utc_offset = (int32_t)v;
	if (next_word(up, word, sizeof(word), "period start"))
		return -1;
	if (word_s64(word, &u->period_start))
		return ufail(up, "invalid period start '%.32s'", word);
	if (next_word(up, word, sizeof(word), "usage"))
		return -1;
	if (word_u64(word, &u->used))
		return ufail(up, "invalid usage '%.32s'", word);
	if (next_word(up, word, sizeof(word), "quota instance"))
		return -1;
	if (word_hex64(word, &u->instance))
		return ufail(up, "invalid quota instance '%.32s'", word);
	skip_blanks(up);
	if (up->p < up->end && *up->p != '\n')
		return ufail(up, "unexpected text after the quota instance");
	return 0;
}

int usage_file_parse(const char *name, const char *buf, size_t len,
		     struct quota_usage **out, size_t *n, char *err,
		     size_t errlen)
{
	struct usage_parser up = { name ? name : "-", buf, buf + len, 0, err,
				   errlen };
	struct quota_usage *arr = NULL;
	size_t cap = 0, count = 0;
	bool header = false;

	*out = NULL;
	*n = 0;
	while (up.p < up.end) {
		const char *eol = memchr(up.p, '\n', (size_t)(up.end - up.p));
		const char *line_end = eol ? eol : up.end;

		up.line++;
		skip_blanks(&up);
		if (up.p == line_end || *up.p == '#') {
			up.p = eol ? eol + 1 : up.end;
			continue;
		}
		if (!header) {
			char word[32];
			int64_t version;

			if (next_word(&up, word, sizeof(word), "header") ||
			    strcmp(word, USAGE_FILE_MAGIC))
				goto not_ours;
			if (next_word(&up, word, sizeof(word), "version") ||
			    word_s64(word, &version))
				goto not_ours;
			if (version != USAGE_FILE_VERSION) {
				ufail(&up, "version %lld of the file format; this egressctl reads version %d",
				      (long long)version, USAGE_FILE_VERSION);
				goto fail;
			}
			header = true;
		} else {
			if (count == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				void *m = realloc(arr, ncap * sizeof(*arr));

				if (!m) {
					ufail(&up, "out of memory");
					goto fail;
				}
				arr = m;
				cap = ncap;
			}
			if (parse_entry(&up, &arr[count]))
				goto fail;
			count++;
		}
		up.p = eol ? eol + 1 : up.end;
	}
	if (!header) {
		up.line = up.line ? up.line : 1;
		goto not_ours;
	}
	*out = arr;
	*n = count;
	return 0;

not_ours:
	ufail(&up, "not a quota usage file (its first line must be '" USAGE_FILE_MAGIC " %d')",
	      USAGE_FILE_VERSION);
fail:
	free(arr);
	return -1;
}

void usage_file_write_header(FILE *out)
{
	fputs("# The usage of nf_egress quotas, for egressctl quota restore.\n", out);
	fprintf(out, "%s %d\n", USAGE_FILE_MAGIC, USAGE_FILE_VERSION);
}

void usage_file_write_entry(FILE *out, const struct quota_usage *u)
{
	pf_write_string(out, u->path);
	fprintf(out, " %s %s %" PRId64 " %" PRId32 " %" PRId64 " %" PRIu64 " %" PRIx64 "\n",
		u->class_name[0] ? u->class_name : "-",
		quota_period_name(u->period), u->anchor, u->utc_offset,
		u->period_start, u->used, u->instance);
}
