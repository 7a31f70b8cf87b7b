// SPDX-License-Identifier: GPL-2.0
/*
 * Policy file parser and formatter (see policyfile.h).
 *
 * Grammar:
 *   file      = { block }
 *   block     = "cgroup" STRING "{" { statement } "}"
 *   statement = "mode" ( "enforce" | "audit" ) ";"
 *             | "default" ( "allow" | "deny" ) ";"
 *             | ( "rate" | "pps" ) { WORD } ";"       (a rate limit, parse.h)
 *             | "quota" { WORD } ";"                 (a quota, quotaspec.h)
 *             | "conn" "max" WORD [ "class" WORD ] ";"   (concurrent TCP connections)
 *             | "conn" "rate" WORD [ "burst" WORD ] [ "class" WORD ] ";"
 *                                                    (new ones, N/s)
 *             | "instances" ( "max" | "keep" ) WORD ";"  (templates only)
 *             | ( "allow" | "deny" ) { WORD } ";"      (a rule, see parse.h)
 *   STRING    = '"' { any byte but '"', '\', newline | '\"' | '\\' } '"'
 *   WORD      = bytes up to whitespace, '{', '}', ';', '"' or '#'
 * '#' starts a comment that runs to the end of the line.
 *
 * A block whose path has a '*' is a template (pattern.h): it may say how
 * many instances it makes and how long it keeps one whose cgroup is gone,
 * and takes no quota.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "policyfile.h"

enum tok_type {
	T_EOF,
	T_WORD,
	T_STRING,
	T_LBRACE,
	T_RBRACE,
	T_SEMI,
};

/* Longest word we accept; no valid word comes close. */
#define WORD_MAX	255
/* Longest string: a cgroup path (escapes make the raw text longer). */
#define STRING_MAX	(NF_EGRESS_CGROUP_PATH_MAX - 1)
/* More words than any rule or quota can have. */
#define RULE_WORDS_MAX	24

struct token {
	enum tok_type type;
	struct pf_loc loc;
	const char *start;	/* T_WORD: in the input */
	size_t len;
};

/* Open addressing hash set of (a, b) pairs; a == 0 marks a free slot. */
struct hent {
	uint64_t hash;
	uint32_t a, b;
};

struct hset {
	struct hent *e;
	size_t cap, n;		/* cap is a power of two */
};

struct pf_parser {
	const char *name;
	const char *buf;
	size_t len, pos;
	uint32_t line;
	size_t line_start;
	struct pf_set *set;
	struct pf_error *err;
	struct hset paths;	/* a = policy index + 1 */
	struct hset rules;	/* a = policy index + 1, b = rule index */
	struct hset conns;	/* a = policy index + 1, b = limit index */
	char string[STRING_MAX + 1];	/* the last T_STRING, unescaped */
	size_t string_len;
	char words[RULE_WORDS_MAX][WORD_MAX + 1];
};

static int pf_fail(struct pf_parser *p, struct pf_loc loc, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

static int pf_fail(struct pf_parser *p, struct pf_loc loc, const char *fmt,
		   ...)
{
	struct pf_error *err = p->err;
	va_list ap;

	if (!err)
		return -1;
	err->loc = loc;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	snprintf(err->text, sizeof(err->text), "%s:%u:%u: %s",
		 strcmp(p->name, "-") ? p->name : "<stdin>", loc.line,
		 loc.col, err->msg);
	return -1;
}

/* --- hash sets --------------------------------------------------------- */

static int hset_grow(struct hset *h)
{
	size_t ncap = h->cap ? h->cap * 2 : 64, i;
	struct hent *ne = calloc(ncap, sizeof(*ne));

	if (!ne)
		return -1;
	for (i = 0; i < h->cap; i++) {
		size_t j;

		if (!h->e[i].a)
			continue;
		for (j = h->e[i].hash & (ncap - 1); ne[j].a; j = (j + 1) & (ncap - 1))
			;
		ne[j] = h->e[i];
	}
	free(h->e);
	h->e = ne;
	h->cap = ncap;
	return 0;
}

/*
 * Find an entry equal to (a, b) per eq, or insert it.  Returns the existing
 * entry, NULL when inserted, and sets *oom on allocation failure.
 */
static struct hent *hset_find_or_add(struct hset *h, uint64_t hash,
				     uint32_t a, uint32_t b,
				     bool (*eq)(struct pf_parser *, const struct hent *,
						uint32_t, uint32_t),
				     struct pf_parser *p, bool *oom)
{
	size_t j;

	*oom = false;
	if ((h->n + 1) * 2 > h->cap && hset_grow(h)) {
		*oom = true;
		return NULL;
	}
	for (j = hash & (h->cap - 1); h->e[j].a; j = (j + 1) & (h->cap - 1))
		if (h->e[j].hash == hash && eq(p, &h->e[j], a, b))
			return &h->e[j];
	h->e[j].hash = hash;
	h->e[j].a = a;
	h->e[j].b = b;
	h->n++;
	return NULL;
}

static uint64_t str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

static bool path_eq(struct pf_parser *p, const struct hent *e, uint32_t a,
		    uint32_t b)
{
	(void)b;
	return !strcmp(p->set->policies[e->a - 1].path,
		       p->set->policies[a - 1].path);
}

static bool rule_eq(struct pf_parser *p, const struct hent *e, uint32_t a,
		    uint32_t b)
{
	const struct pf_policy *pol = &p->set->policies[a - 1];

	return e->a == a &&
	       rule_spec_same_match(&pol->rules[e->b], &pol->rules[b]);
}

/* The same class (or none) in one policy's connection limits. */
static bool conn_eq(struct pf_parser *p, const struct hent *e, uint32_t a,
		    uint32_t b)
{
	const struct pf_policy *pol = &p->set->policies[a - 1];

	return e->a == a && !strcmp(pol->conns[e->b].conn.class_name,
				    pol->conns[b].conn.class_name);
}

/* --- set building -------------------------------------------------------- */

void pf_set_init(struct pf_set *set)
{
	memset(set, 0, sizeof(*set));
}

void pf_set_free(struct pf_set *set)
{
	size_t i;

	for (i = 0; i < set->npolicies; i++) {
		free(set->policies[i].path);
		free(set->policies[i].rules);
		free(set->policies[i].rule_locs);
		free(set->policies[i].quotas);
		free(set->policies[i].quota_locs);
		free(set->policies[i].conns);
	}
	free(set->policies);
	pf_set_init(set);
}

struct pf_policy *pf_set_add_policy(struct pf_set *set, const char *path,
				    uint8_t mode, uint8_t default_verdict)
{
	struct pf_policy *pol;

	if (set->npolicies == set->policies_cap) {
		size_t ncap = set->policies_cap ? set->policies_cap * 2 : 8;
		void *n = realloc(set->policies, ncap * sizeof(*pol));

		if (!n)
			return NULL;
		set->policies = n;
		set->policies_cap = ncap;
	}
	pol = &set->policies[set->npolicies];
	memset(pol, 0, sizeof(*pol));
	pol->path = strdup(path);
	if (!pol->path)
		return NULL;
	pol->seq = set->npolicies;
	pol->mode = mode;
	pol->default_verdict = default_verdict;
	set->npolicies++;
	if (path_is_pattern(path))
		set->ntemplates++;
	return pol;
}

/* Append a rule; with loc, keep its location too. */
static int add_rule(struct pf_set *set, struct pf_policy *pol,
		    const struct egress_rule_spec *spec,
		    const struct pf_loc *loc)
{
	if (pol->nrules == pol->rules_cap) {
		size_t ncap = pol->rules_cap ? pol->rules_cap * 2 : 8;
		void *n = realloc(pol->rules, ncap * sizeof(*pol->rules));

		if (!n)
			return -1;
		pol->rules = n;
		if (loc || pol->rule_locs) {
			n = realloc(pol->rule_locs, ncap * sizeof(*pol->rule_locs));
			if (!n)
				return -1;
			pol->rule_locs = n;
		}
		pol->rules_cap = ncap;
	}
	pol->rules[pol->nrules] = *spec;
	if (pol->rule_locs)
		pol->rule_locs[pol->nrules] = loc ? *loc : (struct pf_loc){ 0, 0 };
	pol->nrules++;
	set->nrules++;
	return 0;
}

int pf_policy_add_rule(struct pf_set *set, struct pf_policy *pol,
		       const struct egress_rule_spec *spec)
{
	return add_rule(set, pol, spec, NULL);
}

/* Append a quota; with loc, keep its location too. */
static int add_quota(struct pf_policy *pol,
		     const struct egress_quota_spec *quota,
		     const struct pf_loc *loc)
{
	void *n = realloc(pol->quotas, (pol->nquotas + 1) * sizeof(*quota));

	if (!n)
		return -1;
	pol->quotas = n;
	if (loc || pol->quota_locs) {
		n = realloc(pol->quota_locs,
			    (pol->nquotas + 1) * sizeof(*pol->quota_locs));
		if (!n)
			return -1;
		pol->quota_locs = n;
		pol->quota_locs[pol->nquotas] = loc ? *loc : (struct pf_loc){ 0, 0 };
	}
	pol->quotas[pol->nquotas++] = *quota;
	return 0;
}

int pf_policy_add_quota(struct pf_policy *pol,
			const struct egress_quota_spec *quota)
{
	return add_quota(pol, quota, NULL);
}

/* Append a connection limit, its statements not located yet. */
static struct pf_conn *add_conn(struct pf_policy *pol,
				const struct egress_conn *conn)
{
	struct pf_conn *n;

	if (pol->nconns == pol->conns_cap) {
		size_t ncap = pol->conns_cap ? pol->conns_cap * 2 : 4;

		n = realloc(pol->conns, ncap * sizeof(*pol->conns));
		if (!n)
			return NULL;
		pol->conns = n;
		pol->conns_cap = ncap;
	}
	n = &pol->conns[pol->nconns++];
	memset(n, 0, sizeof(*n));
	n->conn = *conn;
	return n;
}

int pf_policy_add_conn(struct pf_policy *pol, const struct egress_conn *conn)
{
	return add_conn(pol, conn) ? 0 : -1;
}

static int cmp_conn(const void *a, const void *b)
{
	return egress_conn_cmp(&((const struct pf_conn *)a)->conn,
			       &((const struct pf_conn *)b)->conn);
}

/* Exact paths by path, then templates by precedence. */
static int cmp_policy_path(const void *a, const void *b)
{
	const struct pf_policy *x = a, *y = b;
	bool tx = path_is_pattern(x->path), ty = path_is_pattern(y->path);

	if (tx != ty)
		return tx ? 1 : -1;
	if (!tx)
		return strcmp(x->path, y->path);
	return pattern_cmp(x->path, x->seq, y->path, y->seq, NULL);
}

void pf_set_sort(struct pf_set *set)
{
	size_t i;

	if (set->npolicies > 1)
		qsort(set->policies, set->npolicies, sizeof(*set->policies),
		      cmp_policy_path);
	for (i = 0; i < set->npolicies; i++)
		if (set->policies[i].nconns > 1)
			qsort(set->policies[i].conns, set->policies[i].nconns,
			      sizeof(*set->policies[i].conns), cmp_conn);
}

/* --- tokenizer ----------------------------------------------------------- */

static struct pf_loc here(const struct pf_parser *p)
{
	return (struct pf_loc){ p->line, (uint32_t)(p->pos - p->line_start + 1) };
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static bool ends_word(char c)
{
	return is_space(c) || c == '{' || c == '}' || c == ';' || c == '"' ||
	       c == '#' || c == '\0';
}

static void newline(struct pf_parser *p)
{
	p->line++;
	p->line_start = p->pos;
}

/* Skip blanks and comments. */
static void skip_space(struct pf_parser *p)
{
	while (p->pos < p->len) {
		char c = p->buf[p->pos];

		if (c == '#') {
			const char *nl = memchr(p->buf + p->pos, '\n',
						p->len - p->pos);

			p->pos = nl ? (size_t)(nl - p->buf) : p->len;
			continue;
		}
		if (!is_space(c))
			return;
		p->pos++;
		if (c == '\n')
			newline(p);
	}
}

static int lex_string(struct pf_parser *p, struct token *t)
{
	size_t n = 0;

	p->pos++;	/* the opening quote */
	while (p->pos < p->len) {
		char c = p->buf[p->pos];

		if (c == '"') {
			p->pos++;
			p->string[n] = '\0';
			p->string_len = n;
			return 0;
		}
		if (c == '\n' || c == '\0')
			break;
		if (c == '\\') {
			char e = p->pos + 1 < p->len ? p->buf[p->pos + 1] : '\0';

			if (e != '"' && e != '\\') {
				if (e == '\n' || e == '\0')
					break;
				return pf_fail(p, here(p),
					       "invalid escape '\\%c' in string (only \\\" and \\\\)",
					       e);
			}
			c = e;
			p->pos++;
		}
		if (n >= STRING_MAX)
			return pf_fail(p, t->loc, "string longer than %d bytes",
				       STRING_MAX);
		p->string[n++] = c;
		p->pos++;
	}
	return pf_fail(p, t->loc, "unterminated string");
}

static int next_token(struct pf_parser *p, struct token *t)
{
	char c;

	skip_space(p);
	t->loc = here(p);
	t->start = p->buf + p->pos;
	t->len = 0;
	if (p->pos >= p->len) {
		t->type = T_EOF;
		return 0;
	}
	c = p->buf[p->pos];
	switch (c) {
	case '{':
		t->type = T_LBRACE;
		p->pos++;
		t->len = 1;
		return 0;
	case '}':
		t->type = T_RBRACE;
		p->pos++;
		t->len = 1;
		return 0;
	case ';':
		t->type = T_SEMI;
		p->pos++;
		t->len = 1;
		return 0;
	case '"':
		t->type = T_STRING;
		return lex_string(p, t);
	case '\0':
		return pf_fail(p, t->loc, "unexpected NUL byte");
	}
	t->type = T_WORD;
	while (p->pos < p->len && !ends_word(p->buf[p->pos]))
		p->pos++;
	t->len = (size_t)(p->buf + p->pos - t->start);
	if (t->len > WORD_MAX)
		return pf_fail(p, t->loc, "word longer than %d bytes", WORD_MAX);
	return 0;
}

static bool word_is(const struct token *t, const char *s)
{
	return t->type == T_WORD && strlen(s) == t->len &&
	       !memcmp(t->start, s, t->len);
}

/* "'}'", "end of file", "'word'" for messages */
static const char *describe(const struct token *t, char *buf, size_t len)
{
	switch (t->type) {
	case T_EOF:
		return "end of file";
	case T_STRING:
		return "a string";
	case T_LBRACE:
		return "'{'";
	case T_RBRACE:
		return "'}'";
	case T_SEMI:
		return "';'";
	case T_WORD:
		break;
	}
	snprintf(buf, len, "'%.*s'", t->len > 64 ? 64 : (int)t->len, t->start);
	return buf;
}

/* --- grammar ------------------------------------------------------------- */

static int expect_semi(struct pf_parser *p)
{
	struct token t;
	char d[80];

	if (next_token(p, &t))
		return -1;
	if (t.type != T_SEMI)
		return pf_fail(p, t.loc, "missing ';' before %s",
			       describe(&t, d, sizeof(d)));
	return 0;
}

/* "mode X;" or "default X;" after the keyword */
static int parse_setting(struct pf_parser *p, struct pf_policy *pol,
			 const struct token *kw)
{
	bool is_mode = word_is(kw, "mode");
	bool *has = is_mode ? &pol->has_mode : &pol->has_default;
	struct pf_loc *first = is_mode ? &pol->mode_loc : &pol->default_loc;
	char value[WORD_MAX + 1], d[80];
	struct token t;
	int bad;

	if (*has)
		return pf_fail(p, kw->loc,
			       "duplicate '%s' statement (first at %u:%u)",
			       is_mode ? "mode" : "default", first->line,
			       first->col);
	if (next_token(p, &t))
		return -1;
	if (t.type == T_WORD) {
		memcpy(value, t.start, t.len);
		value[t.len] = '\0';
	}
	bad = t.type != T_WORD ||
	      (is_mode ? parse_mode(value, &pol->mode)
		       : parse_verdict(value, &pol->default_verdict));
	if (bad)
		return pf_fail(p, t.loc, "expected %s after '%s', got %s",
			       is_mode ? "'enforce' or 'audit'" : "'allow' or 'deny'",
			       is_mode ? "mode" : "default",
			       describe(&t, d, sizeof(d)));
	*has = true;
	*first = kw->loc;
	return expect_semi(p);
}

static bool is_statement_word(const char *w)
{
	return !strcmp(w, "allow") || !strcmp(w, "deny") ||
	       !strcmp(w, "rate") || !strcmp(w, "pps") ||
	       !strcmp(w, "quota") || !strcmp(w, "instances") ||
	       !strcmp(w, "conn") || !strcmp(w, "mode") || !strcmp(w, "default") ||
	       !strcmp(w, "cgroup");
}

/*
 * Words up to the ';' into p->words/argv, with their locations; locs[n]
 * is the ';'.  Returns the count or -1.
 */
static int collect_words(struct pf_parser *p, const struct token *first,
			 char **argv, struct pf_loc *locs, const char *what)
{
	struct token t = *first;
	char d[80];
	int n = 0;

	for (;;) {
		if (t.type == T_SEMI)
			break;
		if (t.type != T_WORD)
			return pf_fail(p, t.loc, "missing ';' before %s",
				       describe(&t, d, sizeof(d)));
		if (n == RULE_WORDS_MAX)
			return pf_fail(p, t.loc, "unexpected %s in %s",
				       describe(&t, d, sizeof(d)), what);
		memcpy(p->words[n], t.start, t.len);
		p->words[n][t.len] = '\0';
		argv[n] = p->words[n];
		locs[n] = t.loc;
		n++;
		if (next_token(p, &t))
			return -1;
	}
	locs[n] = t.loc;	/* the ';' */
	return n;
}

/* "rate ...;" or "pps ...;"; first is its keyword.  At most one a block. */
static int parse_rate_stmt(struct pf_parser *p, struct pf_policy *pol,
			   const struct token *first)
{
	struct pf_loc locs[RULE_WORDS_MAX + 1];
	char *argv[RULE_WORDS_MAX];
	struct parse_error perr;
	struct egress_rate r;
	int n, used, w;

	if (pol->has_rate)
		return pf_fail(p, first->loc,
			       "duplicate rate statement (first at %u:%u)",
			       pol->rate_loc.line, pol->rate_loc.col);
	n = collect_words(p, first, argv, locs, "rate statement");
	if (n < 0)
		return -1;
	used = parse_rate_spec(n, argv, &r, &perr);
	if (used < 0) {
		w = perr.word >= 0 && perr.word <= n ? perr.word : 0;
		return pf_fail(p, locs[w], "%s", perr.msg);
	}
	if (used < n) {
		if (is_statement_word(argv[used]))
			return pf_fail(p, locs[used], "missing ';' before '%s'",
				       argv[used]);
		return pf_fail(p, locs[used],
			       "unexpected '%.64s' in rate statement",
			       argv[used]);
	}
	pol->has_rate = true;
	pol->rate = r;
	pol->rate_loc = first->loc;
	return 0;
}

/*
 * The words after "conn max N" or "conn rate N/s": rate's "burst N", then
 * "class NAME", into c from argv[3] on.  Returns how many words it used,
 * or -1.
 */
static int parse_conn_tail(struct pf_parser *p, int n, char **argv,
			   const struct pf_loc *locs, bool rate,
			   struct egress_conn *c)
{
	struct parse_error perr;
	const char *hint;
	int w = 3;

	if (rate && w < n && !strcmp(argv[w], "burst")) {
		if (w + 1 >= n || !strcmp(argv[w + 1], "class"))
			return pf_fail(p, locs[w + 1], "missing N after 'burst'");
		if (parse_conn_burst(argv[w + 1], &c->burst, &perr))
			return pf_fail(p, locs[w + 1], "%s", perr.msg);
		c->has_burst = true;
		w += 2;
	}
	if (w < n && !strcmp(argv[w], "class")) {
		if (w + 1 >= n)
			return pf_fail(p, locs[w + 1], "missing NAME after 'class'");
		if (parse_class_name(argv[w + 1], c->class_name, &perr))
			return pf_fail(p, locs[w + 1], "%s", perr.msg);
		w += 2;
	}
	if (w == n)
		return w;
	if (is_statement_word(argv[w]))
		return pf_fail(p, locs[w], "missing ';' before '%s'", argv[w]);
	/* "burst" after the class, say: tell where the words go */
	if (c->class_name[0])
		hint = "'class NAME' comes last";
	else if (rate && !c->has_burst)
		hint = "expected 'burst' or 'class'";
	else
		hint = "expected 'class'";
	return pf_fail(p, locs[w], "unexpected '%.64s' in conn statement (%s)",
		       argv[w], hint);
}

/*
 * "conn max N [class NAME];" or "conn rate N/s [burst N] [class NAME];":
 * one of each a block for all the policy's connections and one of each
 * for each class; the two of one class make one limit (one CONN nest).
 */
static int parse_conn_stmt(struct pf_parser *p, size_t pol_index,
			   const struct token *first)
{
	struct pf_policy *pol = &p->set->policies[pol_index];
	struct pf_loc locs[RULE_WORDS_MAX + 1];
	char *argv[RULE_WORDS_MAX];
	struct egress_conn c = { 0 }, blank = { 0 };
	struct parse_error perr;
	struct pf_conn *lim;
	struct pf_loc *seen;
	struct hent *dup;
	bool rate, oom;
	int n;

	n = collect_words(p, first, argv, locs, "conn statement");
	if (n < 0)
		return -1;
	if (n < 2 || (strcmp(argv[1], "max") && strcmp(argv[1], "rate")))
		return pf_fail(p, locs[n < 2 ? n : 1],
			       "expected 'max N' or 'rate N/s [burst N]' after 'conn'%s",
			       n >= 2 && !strcmp(argv[1], "class") ?
			       " ('class NAME' comes last)" : "");
	rate = !strcmp(argv[1], "rate");
	/* "conn max class x": the number left out, not a bad number */
	if (n < 3 || !strcmp(argv[2], "class"))
		return pf_fail(p, locs[2], "missing %s after 'conn %s'",
			       rate ? "N/s" : "N", argv[1]);
	if (rate ? parse_conn_rate(argv[2], &c.rate, &perr) :
		   parse_conn_max(argv[2], &c.max_active, &perr))
		return pf_fail(p, locs[2], "%s", perr.msg);
	if (parse_conn_tail(p, n, argv, locs, rate, &c) < 0)
		return -1;

	/* the limit of the class: the one given before, or a new one */
	strcpy(blank.class_name, c.class_name);
	lim = add_conn(pol, &blank);
	if (!lim)
		return pf_fail(p, first->loc, "out of memory");
	dup = hset_find_or_add(&p->conns,
			       str_hash(c.class_name) ^
			       ((uint64_t)pol_index * 0x9e3779b97f4a7c15ull),
			       (uint32_t)pol_index + 1,
			       (uint32_t)(pol->nconns - 1), conn_eq, p, &oom);
	if (oom)
		return pf_fail(p, first->loc, "out of memory");
	if (dup) {
		pol->nconns--;
		lim = &pol->conns[dup->b];
	} else if (pol->nconns > EGRESS_CONN_LIMITS_MAX) {
		pol->nconns--;
		return pf_fail(p, first->loc,
			       "more than %d connection limits in one policy",
			       EGRESS_CONN_LIMITS_MAX);
	}
	seen = rate ? &lim->rate_loc : &lim->max_loc;
	if (seen->line) {
		if (c.class_name[0])
			return pf_fail(p, first->loc,
				       "duplicate conn %s statement for class %s (first at %u:%u)",
				       argv[1], c.class_name, seen->line,
				       seen->col);
		return pf_fail(p, first->loc,
			       "duplicate conn %s statement (first at %u:%u)",
			       argv[1], seen->line, seen->col);
	}
	if (rate) {
		lim->conn.has_rate = true;
		lim->conn.rate = c.rate;
		lim->conn.has_burst = c.has_burst;
		lim->conn.burst = c.burst;
	} else {
		lim->conn.has_max = true;
		lim->conn.max_active = c.max_active;
	}
	*seen = first->loc;
	return 0;
}

/*
 * "quota ...;": at most one for all the policy's bytes and one a class, 8
 * in all, as the module takes them.
 */
static int parse_quota_stmt(struct pf_parser *p, struct pf_policy *pol,
			    const struct token *first)
{
	struct pf_loc locs[RULE_WORDS_MAX + 1];
	char *argv[RULE_WORDS_MAX];
	struct egress_quota_spec q;
	struct parse_error perr;
	size_t i;
	int n, w;

	n = collect_words(p, first, argv, locs, "quota");
	if (n < 0)
		return -1;
	if (parse_quota_spec(n, argv, &q, &perr)) {
		w = perr.word >= 0 && perr.word <= n ? perr.word : 0;
		if (w < n && is_statement_word(argv[w]) && w > 1 &&
		    !strncmp(perr.msg, "unexpected", 10))
			return pf_fail(p, locs[w], "missing ';' before '%s'",
				       argv[w]);
		return pf_fail(p, locs[w], "%s", perr.msg);
	}
	for (i = 0; i < pol->nquotas; i++) {
		struct pf_loc at = pol->quota_locs[i];

		if (!quota_spec_same_class(&pol->quotas[i], &q))
			continue;
		if (q.class_name[0])
			return pf_fail(p, first->loc,
				       "duplicate quota for class %s (first at %u:%u)",
				       q.class_name, at.line, at.col);
		return pf_fail(p, first->loc,
			       "duplicate quota for all bytes (first at %u:%u); a second one needs a class",
			       at.line, at.col);
	}
	if (pol->nquotas == EGRESS_QUOTAS_MAX)
		return pf_fail(p, first->loc, "more than %d quotas in one policy",
			       EGRESS_QUOTAS_MAX);
	if (add_quota(pol, &q, &first->loc))
		return pf_fail(p, first->loc, "out of memory");
	return 0;
}

/*
 * "instances max N;" or "instances keep TIME;" after the keyword:
 * templates only, each at most once.
 */
static int parse_instances_stmt(struct pf_parser *p, struct pf_policy *pol,
				const struct token *kw)
{
	char value[WORD_MAX + 1], d[80];
	const struct pf_loc *first;
	struct parse_error perr;
	struct token t;
	bool keep, given;
	uint32_t n;
	int ret;

	if (next_token(p, &t))
		return -1;
	if (!word_is(&t, "max") && !word_is(&t, "keep"))
		return pf_fail(p, t.loc,
			       "expected 'max' or 'keep' after 'instances', got %s",
			       describe(&t, d, sizeof(d)));
	keep = word_is(&t, "keep");
	if (!path_is_pattern(pol->path))
		return pf_fail(p, kw->loc,
			       "'instances %s' is for templates only (a cgroup path with '*')",
			       keep ? "keep" : "max");
	given = keep ? pol->has_instances_keep : pol->instances_max != 0;
	first = keep ? &pol->keep_loc : &pol->instances_loc;
	if (given)
		return pf_fail(p, kw->loc,
			       "duplicate 'instances %s' statement (first at %u:%u)",
			       keep ? "keep" : "max", first->line, first->col);
	if (next_token(p, &t))
		return -1;
	if (t.type != T_WORD)
		return pf_fail(p, t.loc, "missing %s after 'instances %s'",
			       keep ? "TIME" : "N", keep ? "keep" : "max");
	memcpy(value, t.start, t.len);
	value[t.len] = '\0';
	ret = keep ? parse_instances_keep(value, &n, &perr) :
		     parse_instances_max(value, &n, &perr);
	if (ret)
		return pf_fail(p, t.loc, "%s", perr.msg);
	if (keep) {
		pol->has_instances_keep = true;
		pol->instances_keep = n;
		pol->keep_loc = kw->loc;
	} else {
		pol->instances_max = n;
		pol->instances_loc = kw->loc;
	}
	return expect_semi(p);
}

/* A rule statement; first is its 'allow' or 'deny'. */
static int parse_rule_stmt(struct pf_parser *p, size_t pol_index,
			   const struct token *first)
{
	struct pf_policy *pol = &p->set->policies[pol_index];
	struct pf_loc locs[RULE_WORDS_MAX + 1];
	char *argv[RULE_WORDS_MAX];
	struct egress_rule_spec spec;
	struct parse_error perr;
	struct hent *dup;
	bool oom;
	int n;

	n = collect_words(p, first, argv, locs, "rule");
	if (n < 0)
		return -1;

	if (parse_rule_spec(n, argv, &spec, &perr)) {
		int w = perr.word >= 0 && perr.word <= n ? perr.word : 0;

		if (w < n && perr.kind == PARSE_ESYNTAX &&
		    !strncmp(perr.msg, "unexpected argument", 19)) {
			if (is_statement_word(argv[w]))
				return pf_fail(p, locs[w],
					       "missing ';' before '%s'",
					       argv[w]);
			return pf_fail(p, locs[w], "unexpected '%.64s' in rule",
				       argv[w]);
		}
		return pf_fail(p, locs[w], "%s", perr.msg);
	}

	if (add_rule(p->set, pol, &spec, &first->loc))
		return pf_fail(p, first->loc, "out of memory");
	dup = hset_find_or_add(&p->rules,
			       rule_spec_match_hash(&spec) ^
			       ((uint64_t)pol_index * 0x9e3779b97f4a7c15ull),
			       (uint32_t)pol_index + 1,
			       (uint32_t)(pol->nrules - 1), rule_eq, p, &oom);
	if (oom)
		return pf_fail(p, first->loc, "out of memory");
	if (dup) {
		char text[EGRESS_RULE_STRLEN];
		struct pf_loc at = pol->rule_locs[dup->b];

		format_rule_spec(&spec, text, sizeof(text));
		return pf_fail(p, first->loc,
			       "duplicate rule '%s': same destination, protocol and ports as the rule at %u:%u",
			       text, at.line, at.col);
	}
	return 0;
}

static int parse_block(struct pf_parser *p, const struct token *kw)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], d[80];
	struct parse_error perr;
	struct pf_policy *pol;
	struct token t, open;
	struct hent *dup;
	size_t index;
	bool oom;

	if (next_token(p, &t))
		return -1;
	if (t.type != T_STRING)
		return pf_fail(p, t.loc,
			       "expected a quoted cgroup path after 'cgroup', got %s",
			       describe(&t, d, sizeof(d)));
	if (p->string_len == 0)
		return pf_fail(p, t.loc, "empty cgroup path");
	if (memchr(p->string, '\0', p->string_len))
		return pf_fail(p, t.loc, "NUL byte in cgroup path");
	if (parse_cgroup_path(p->string, path, sizeof(path), &perr))
		return pf_fail(p, t.loc, "%s", perr.msg);

	pol = pf_set_add_policy(p->set, path, NF_EGRESS_MODE_ENFORCE,
				NF_EGRESS_VERDICT_DENY);
	if (!pol)
		return pf_fail(p, t.loc, "out of memory");
	pol->loc = kw->loc;
	index = p->set->npolicies - 1;
	dup = hset_find_or_add(&p->paths, str_hash(path), (uint32_t)index + 1,
			       0, path_eq, p, &oom);
	if (oom)
		return pf_fail(p, t.loc, "out of memory");
	if (dup) {
		struct pf_loc at = p->set->policies[dup->a - 1].loc;

		return pf_fail(p, kw->loc,
			       "duplicate cgroup \"%.64s\" (first at %u:%u)",
			       path, at.line, at.col);
	}

	if (next_token(p, &open))
		return -1;
	if (open.type != T_LBRACE)
		return pf_fail(p, open.loc,
			       "expected '{' after the cgroup path, got %s",
			       describe(&open, d, sizeof(d)));

	for (;;) {
		if (next_token(p, &t))
			return -1;
		/* the policy array may have moved: look it up afresh */
		pol = &p->set->policies[index];
		switch (t.type) {
		case T_RBRACE:
			return 0;
		case T_EOF:
			return pf_fail(p, t.loc,
				       "missing '}' at end of file (block opened at %u:%u)",
				       open.loc.line, open.loc.col);
		case T_WORD:
			if (word_is(&t, "mode") || word_is(&t, "default")) {
				if (parse_setting(p, pol, &t))
					return -1;
				continue;
			}
			if (word_is(&t, "rate") || word_is(&t, "pps")) {
				if (parse_rate_stmt(p, pol, &t))
					return -1;
				continue;
			}
			if (word_is(&t, "quota")) {
				if (parse_quota_stmt(p, pol, &t))
					return -1;
				continue;
			}
			if (word_is(&t, "conn")) {
				if (parse_conn_stmt(p, index, &t))
					return -1;
				continue;
			}
			if (word_is(&t, "instances")) {
				if (parse_instances_stmt(p, pol, &t))
					return -1;
				continue;
			}
			if (word_is(&t, "allow") || word_is(&t, "deny")) {
				if (parse_rule_stmt(p, index, &t))
					return -1;
				continue;
			}
			if (word_is(&t, "cgroup"))
				return pf_fail(p, t.loc,
					       "missing '}' before 'cgroup' (block opened at %u:%u)",
					       open.loc.line, open.loc.col);
			return pf_fail(p, t.loc,
				       "unknown keyword %s (expected mode, default, rate, pps, quota, conn, instances, allow or deny)",
				       describe(&t, d, sizeof(d)));
		default:
			return pf_fail(p, t.loc, "unexpected %s",
				       describe(&t, d, sizeof(d)));
		}
	}
}

int pf_parse(const char *name, const char *buf, size_t len,
	     struct pf_set *set, struct pf_error *err)
{
	struct pf_parser *p = calloc(1, sizeof(*p));
	struct token t;
	char d[80];
	int ret = -1;

	pf_set_init(set);
	if (err)
		memset(err, 0, sizeof(*err));
	if (!p) {
		if (err)
			snprintf(err->text, sizeof(err->text), "out of memory");
		return -1;
	}
	p->name = name ? name : "-";
	p->buf = buf;
	p->len = len;
	p->line = 1;
	p->set = set;
	p->err = err;

	for (;;) {
		if (next_token(p, &t))
			break;
		if (t.type == T_EOF) {
			ret = 0;
			break;
		}
		if (word_is(&t, "cgroup")) {
			if (parse_block(p, &t))
				break;
			continue;
		}
		if (t.type == T_WORD)
			pf_fail(p, t.loc, "unknown keyword %s (expected 'cgroup')",
				describe(&t, d, sizeof(d)));
		else
			pf_fail(p, t.loc, "unexpected %s (expected 'cgroup')",
				describe(&t, d, sizeof(d)));
		break;
	}
	free(p->paths.e);
	free(p->rules.e);
	free(p->conns.e);
	free(p);
	if (ret)
		pf_set_free(set);
	return ret;
}

/* --- template warnings ---------------------------------------------------- */

struct pf_warning {
	struct pf_loc loc;
	size_t order;
	char *text;
};

struct pf_warnings {
	struct pf_warning *w;
	size_t n, cap;
};

static int add_warning(struct pf_warnings *ws, struct pf_loc loc,
		       const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int add_warning(struct pf_warnings *ws, struct pf_loc loc,
		       const char *fmt, ...)
{
	va_list ap;
	char *text;
	int n;

	if (ws->n == ws->cap) {
		size_t ncap = ws->cap ? ws->cap * 2 : 8;
		void *nw = realloc(ws->w, ncap * sizeof(*ws->w));

		if (!nw)
			return -ENOMEM;
		ws->w = nw;
		ws->cap = ncap;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	text = n < 0 ? NULL : malloc((size_t)n + 1);
	if (!text)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(text, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ws->w[ws->n].loc = loc;
	ws->w[ws->n].order = ws->n;
	ws->w[ws->n].text = text;
	ws->n++;
	return 0;
}

static int cmp_warning(const void *a, const void *b)
{
	const struct pf_warning *x = a, *y = b;

	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	if (x->loc.col != y->loc.col)
		return x->loc.col < y->loc.col ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The warnings about template t: its overlaps with earlier templates. */
static int template_warnings(struct pf_warnings *ws, const char *shown,
			     const struct pf_set *set,
			     const struct pf_policy *t)
{
	size_t i;

	for (i = 0; i < set->npolicies; i++) {
		const struct pf_policy *o = &set->policies[i];
		const struct pf_policy *win;
		enum pattern_reason why;
		char *witness;
		int ret;

		if (o == t)
			continue;
		if (!path_is_pattern(o->path)) {
			if (pattern_match(t->path, o->path) &&
			    add_warning(ws, o->loc,
					"%s:%u:%u: warning: template \"%s\" (at %u:%u) also matches \"%s\": this exact path wins for that cgroup",
					shown, o->loc.line, o->loc.col, t->path,
					t->loc.line, t->loc.col, o->path))
				return -ENOMEM;
			continue;
		}
		/* each pair once, at the later block */
		if (o->seq > t->seq)
			continue;
		ret = pattern_overlap(t->path, o->path, &witness);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		win = pattern_cmp(o->path, o->seq, t->path, t->seq, &why) < 0 ?
		      o : t;
		ret = add_warning(ws, t->loc,
				  "%s:%u:%u: warning: templates \"%s\" and \"%s\" (at %u:%u) can both match the same cgroup, such as \"%s\": \"%s\" wins (%s)",
				  shown, t->loc.line, t->loc.col, t->path,
				  o->path, o->loc.line, o->loc.col, witness,
				  win->path, pattern_reason_text(why));
		free(witness);
		if (ret)
			return ret;
	}
	return 0;
}

int pf_template_warnings(const char *name, const struct pf_set *set,
			 void (*fn)(const char *text, void *arg), void *arg)
{
	const char *shown = name && strcmp(name, "-") ? name : "<stdin>";
	struct pf_warnings ws = { 0 };
	size_t i;
	int ret = 0;

	for (i = 0; i < set->npolicies && !ret; i++)
		if (path_is_pattern(set->policies[i].path))
			ret = template_warnings(&ws, shown, set,
						&set->policies[i]);
	if (!ret && ws.n > 1)
		qsort(ws.w, ws.n, sizeof(*ws.w), cmp_warning);
	for (i = 0; i < ws.n; i++) {
		if (!ret)
			fn(ws.w[i].text, arg);
		free(ws.w[i].text);
	}
	free(ws.w);
	return ret ? ret : (int)ws.n;
}

/* --- formatter ----------------------------------------------------------- */

void pf_write_string(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putc('\\', out);
		putc(*s, out);
	}
	putc('"', out);
}

/* " class NAME;" of a class's limit, ";" of the policy's */
static void write_conn_end(FILE *out, const struct egress_conn *c)
{
	if (c->class_name[0])
		fprintf(out, " class %s", c->class_name);
	fputs(";\n", out);
}

/* A limit as its statements: "conn max" first, then "conn rate". */
static void write_conn(FILE *out, const struct egress_conn *c)
{
	if (c->has_max) {
		fprintf(out, "\tconn max %u", c->max_active);
		write_conn_end(out, c);
	}
	if (c->has_rate) {
		fprintf(out, "\tconn rate %u/s", c->rate);
		/* the default: one second's worth */
		if (c->has_burst && c->burst != c->rate)
			fprintf(out, " burst %u", c->burst);
		write_conn_end(out, c);
	}
}

int pf_format(FILE *out, const struct pf_set *set)
{
	char text[EGRESS_RULE_STRLEN];
	size_t i, r;
	int ret = 0;

	for (i = 0; i < set->npolicies; i++) {
		const struct pf_policy *pol = &set->policies[i];

		if (i)
			putc('\n', out);
		fputs("cgroup ", out);
		pf_write_string(out, pol->path);
		fprintf(out, " {\n\tmode %s;\n\tdefault %s;\n",
			mode_name(pol->mode), verdict_name(pol->default_verdict));
		if (pol->instances_max &&
		    pol->instances_max != EGRESS_INSTANCES_MAX_DEFAULT &&
		    path_is_pattern(pol->path))
			fprintf(out, "\tinstances max %u;\n", pol->instances_max);
		if (pol->has_instances_keep &&
		    pol->instances_keep != EGRESS_INSTANCES_KEEP_DEFAULT &&
		    path_is_pattern(pol->path)) {
			char keep[32];

			format_duration(pol->instances_keep, keep, sizeof(keep));
			fprintf(out, "\tinstances keep %s;\n", keep);
		}
		if (pol->has_rate && !pol->rate.none) {
			char rate[EGRESS_RATE_STRLEN];

			format_rate_spec(&pol->rate, rate, sizeof(rate));
			fprintf(out, "\t%s;\n", rate);
		}
		for (r = 0; r < pol->nconns; r++)
			write_conn(out, &pol->conns[r].conn);
		for (r = 0; r < pol->nquotas; r++) {
			char quota[EGRESS_QUOTA_STRLEN];

			format_quota_spec(&pol->quotas[r], quota, sizeof(quota));
			fprintf(out, "\t%s;\n", quota);
		}
		for (r = 0; r < pol->nrules; r++) {
			if (format_rule_spec(&pol->rules[r], text, sizeof(text)) < 0) {
				ret = -1;
				continue;
			}
			fprintf(out, "\t%s;\n", text);
		}
		fputs("}\n", out);
	}
	return ret;
}
