// SPDX-License-Identifier: GPL-2.0
/*
 * Template patterns (see pattern.h): matching, precedence and whether two
 * patterns can match the same cgroup.
 *
 * A pattern is a sequence of components, each either "**" (zero or more
 * whole components) or a glob over one component, where '*' is the only
 * wildcard.  Two such globs have a string in common exactly when
 *
 *   - neither has a '*': they are equal;
 *   - one has: it matches the other;
 *   - both have: their literal prefixes (before the first '*') agree, one
 *     being a prefix of the other, and so do their literal suffixes (after
 *     the last '*'); then the longer prefix, the literal pieces of both
 *     middles and the longer suffix, one after the other, are matched by
 *     both, each glob's stars taking up the other's pieces.
 *
 * Two patterns overlap when the component sequences can be walked side by
 * side to their ends: a state (i, j) says the first i components of a and
 * j of b matched the same leading components of a path.  From it, a "**"
 * may match nothing (i + 1 or j + 1), or one more component is matched by
 * a[i] and b[j] (two globs with a string in common: both advance; a "**"
 * and a glob: only the glob's side does).  Every move advances i or j, so
 * one pass in (i, j) order decides every state, remembering the move that
 * reached it to spell out a path both match.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

unsigned int pattern_wildcards(const char *pattern)
{
	unsigned int n = 0;

	for (; *pattern; pattern++)
		n += *pattern == '*';
	return n;
}

size_t pattern_literal_prefix(const char *pattern)
{
	return strcspn(pattern, "*");
}

const char *pattern_reason_text(enum pattern_reason why)
{
	switch (why) {
	case PATTERN_FEWER_WILDCARDS:
		return "fewer wildcards";
	case PATTERN_LONGER_PREFIX:
		return "longer literal prefix";
	case PATTERN_EARLIER:
		break;
	}
	return "earlier in the file";
}

const char *pattern_reason_live_text(enum pattern_reason why)
{
	return why == PATTERN_EARLIER ? "created earlier" :
					pattern_reason_text(why);
}

int pattern_cmp(const char *a, size_t seq_a, const char *b, size_t seq_b,
		enum pattern_reason *why)
{
	unsigned int wa = pattern_wildcards(a), wb = pattern_wildcards(b);
	size_t pa = pattern_literal_prefix(a), pb = pattern_literal_prefix(b);
	enum pattern_reason r;
	int c;

	if (wa != wb) {
		r = PATTERN_FEWER_WILDCARDS;
		c = wa < wb ? -1 : 1;
	} else if (pa != pb) {
		r = PATTERN_LONGER_PREFIX;
		c = pa > pb ? -1 : 1;
	} else {
		r = PATTERN_EARLIER;
		c = seq_a < seq_b ? -1 : seq_a > seq_b;
	}
	if (why)
		*why = r;
	return c;
}

/* --- components ------------------------------------------------------------ */

struct comp {
	const char *s;
	size_t len;
};

static bool comp_is_globstar(const struct comp *c)
{
	return c->len == 2 && c->s[0] == '*' && c->s[1] == '*';
}

static bool comp_has_star(const struct comp *c)
{
	return memchr(c->s, '*', c->len) != NULL;
}

/*
 * The components of a normalised path ("/" has none), in a malloc'ed
 * array (*n of them; NULL and 0 for "/").  -ENOMEM or 0.
 */
static int split(const char *path, struct comp **out, size_t *n)
{
	const char *p;
	struct comp *c;
	size_t k = 0, max = 0;

	for (p = path; *p; p++)
		max += *p == '/';
	*out = NULL;
	*n = 0;
	if (!path[0] || !path[1])
		return 0;
	c = malloc(max * sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (p = path; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		c[k].s = p;
		while (*p && *p != '/')
			p++;
		c[k].len = (size_t)(p - c[k].s);
		k++;
	}
	*out = c;
	*n = k;
	return 0;
}

/*
 * Does the glob g ('*' its only wildcard) match s?  Greedy, going back to
 * the last '*' on a mismatch: linear space, at most len(g) * len(s) steps.
 */
static bool glob_match(const struct comp *g, const char *s, size_t slen)
{
	size_t i = 0, j = 0, star_i = 0, star_j = 0;
	bool star = false;

	while (j < slen) {
		if (i < g->len && g->s[i] == '*') {
			star = true;
			star_i = ++i;
			star_j = j;
		} else if (i < g->len && g->s[i] == s[j]) {
			i++;
			j++;
		} else if (star) {
			i = star_i;
			j = ++star_j;
		} else {
			return false;
		}
	}
	while (i < g->len && g->s[i] == '*')
		i++;
	return i == g->len;
}

/* pattern_match, telling no memory from no match: 1, 0 or -ENOMEM. */
static int match(const char *pattern, const char *path)
{
	struct comp *p = NULL, *c = NULL;
	size_t np, nc, i = 0, j = 0, star_i = 0, star_j = 0;
	bool star = false;
	int ret = -ENOMEM;

	if (split(pattern, &p, &np) || split(path, &c, &nc))
		goto out;
	ret = 0;
	/* the same walk as glob_match, "**" for '*', a glob for a byte */
	while (j < nc) {
		if (i < np && comp_is_globstar(&p[i])) {
			star = true;
			star_i = ++i;
			star_j = j;
		} else if (i < np && glob_match(&p[i], c[j].s, c[j].len)) {
			i++;
			j++;
		} else if (star) {
			i = star_i;
			j = ++star_j;
		} else {
			goto out;
		}
	}
	while (i < np && comp_is_globstar(&p[i]))
		i++;
	ret = i == np;
out:
	free(p);
	free(c);
	return ret;
}

bool pattern_match(const char *pattern, const char *path)
{
	return match(pattern, path) == 1;
}

int pattern_decide(const char *path, const char *winner,
		   const struct pattern_template *t, size_t n,
		   struct pattern_decision *d)
{
	const struct pattern_template *win = NULL, *next = NULL;
	int ret = 0;
	size_t i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < n && ret >= 0; i++) {
		ret = match(t[i].pattern, path);
		if (ret <= 0)
			continue;
		d->matches++;
		if (!win && !strcmp(t[i].pattern, winner))
			win = &t[i];
		else if (!next || pattern_cmp(t[i].pattern, t[i].seq,
					      next->pattern, next->seq,
					      NULL) < 0)
			next = &t[i];
	}
	if (ret >= 0 && !win)
		ret = -ENOENT;
	/* the strongest of the others must come after the winner */
	if (ret >= 0 && next &&
	    pattern_cmp(win->pattern, win->seq, next->pattern, next->seq,
			&d->why) >= 0)
		ret = -ESTALE;
	if (ret < 0) {
		memset(d, 0, sizeof(*d));
		return ret;
	}
	d->beats = next ? next->pattern : NULL;
	return 0;
}

/* A growing string. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);

		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* The literal bytes of g (its '*'s left out) from start to end. */
static void sb_add_literals(struct sbuf *b, const struct comp *g,
			    size_t start, size_t end)
{
	size_t i;

	for (i = start; i < end; i++)
		if (g->s[i] != '*')
			sb_add(b, &g->s[i], 1);
}

/*
 * The component added last (from `from` on) must name a cgroup: not
 * empty, ".", or "..".  Only a glob's '*' can have made it so, and a
 * star takes an 'x' as well as nothing: put one at insert.
 */
static void sb_fix_name(struct sbuf *b, size_t from, size_t insert)
{
	size_t n = b->len - from;
	const char *c = b->s ? b->s + from : "";

	if (b->oom || !(n == 0 || (n == 1 && c[0] == '.') ||
			(n == 2 && c[0] == '.' && c[1] == '.')))
		return;
	sb_add(b, "x", 1);
	if (!b->oom)
		memmove(b->s + insert + 1, b->s + insert, b->len - insert - 1);
	if (!b->oom)
		b->s[insert] = 'x';
}

/*
 * A component that glob g matches, appended to b: its first '*' takes an
 * 'x' (a readable name: "x.service" for "*.service"), the others nothing.
 */
static void sb_add_instance(struct sbuf *b, const struct comp *g)
{
	const char *p = memchr(g->s, '*', g->len);
	size_t star = p ? (size_t)(p - g->s) : g->len;

	sb_add(b, g->s, star);
	if (p)
		sb_add(b, "x", 1);
	sb_add_literals(b, g, star, g->len);
}

/*
 * Do globs a and b match a common component?  Then append one such
 * component to out, unless out is NULL.
 */
static bool glob_overlap(const struct comp *a, const struct comp *b,
			 struct sbuf *out)
{
	bool sa = comp_has_star(a), sb = comp_has_star(b);
	size_t pa, pb, ea, eb, from, insert;
	const struct comp *lp, *ls;

	if (!sa || !sb) {
		const struct comp *lit = sa ? b : a, *glob = sa ? a : b;

		if (sa || sb ? !glob_match(glob, lit->s, lit->len) :
			       a->len != b->len || memcmp(a->s, b->s, a->len))
			return false;
		if (out)
			sb_add(out, lit->s, lit->len);
		return true;
	}
	/* the literal prefixes and suffixes */
	pa = (size_t)((const char *)memchr(a->s, '*', a->len) - a->s);
	pb = (size_t)((const char *)memchr(b->s, '*', b->len) - b->s);
	for (ea = a->len; a->s[ea - 1] != '*'; ea--)
		;
	for (eb = b->len; b->s[eb - 1] != '*'; eb--)
		;
	if (memcmp(a->s, b->s, pa < pb ? pa : pb))
		return false;
	if (a->len - ea < b->len - eb ?
	    memcmp(a->s + ea, b->s + b->len - (a->len - ea), a->len - ea) :
	    memcmp(b->s + eb, a->s + a->len - (b->len - eb), b->len - eb))
		return false;
	if (!out)
		return true;
	lp = pa >= pb ? a : b;
	ls = a->len - ea >= b->len - eb ? a : b;
	from = out->len;
	sb_add(out, lp->s, lp == a ? pa : pb);
	sb_add_literals(out, a, pa, ea);
	sb_add_literals(out, b, pb, eb);
	insert = out->len;
	sb_add(out, ls->s + (ls == a ? ea : eb), ls->len - (ls == a ? ea : eb));
	sb_fix_name(out, from, insert);
	return true;
}

/* How a state of the walk was reached. */
enum move {
	M_NONE,		/* not reachable */
	M_START,
	M_SKIP_A,	/* a's "**" matched nothing: from (i - 1, j) */
	M_SKIP_B,	/* b's "**" matched nothing: from (i, j - 1) */
	M_BOTH,		/* two globs matched one component: (i - 1, j - 1) */
	M_A_STAR,	/* a's "**" took b[j - 1]'s component: (i, j - 1) */
	M_B_STAR,	/* b's "**" took a[i - 1]'s component: (i - 1, j) */
};

/* Spell out the path of the walk that reached (na, nb). */
static int witness_path(const unsigned char *moves, size_t nb,
			const struct comp *a, size_t na, const struct comp *b,
			char **witness)
{
	size_t i = na, j = nb, k = 0, steps = 0, *ci, *cj;
	unsigned char *kind;
	struct sbuf out = { 0 };
	int ret = -ENOMEM;

	ci = malloc((na + nb + 1) * sizeof(*ci));
	cj = malloc((na + nb + 1) * sizeof(*cj));
	kind = malloc(na + nb + 1);
	if (!ci || !cj || !kind)
		goto out;
	/* back from the end, noting the moves that matched a component */
	while (moves[i * (nb + 1) + j] != M_START) {
		unsigned char m = moves[i * (nb + 1) + j];

		if (m == M_BOTH || m == M_A_STAR || m == M_B_STAR) {
			ci[steps] = i - 1;
			cj[steps] = j - 1;
			kind[steps++] = m;
		}
		if (m == M_SKIP_A || m == M_BOTH || m == M_B_STAR)
			i--;
		if (m == M_SKIP_B || m == M_BOTH || m == M_A_STAR)
			j--;
	}
	while (steps--) {
		sb_add(&out, "/", 1);
		if (kind[steps] == M_BOTH)
			glob_overlap(&a[ci[steps]], &b[cj[steps]], &out);
		else if (kind[steps] == M_A_STAR)
			sb_add_instance(&out, &b[cj[steps]]);
		else
			sb_add_instance(&out, &a[ci[steps]]);
		k++;
	}
	if (!k)
		sb_add(&out, "/", 1);
	if (out.oom)
		goto out;
	*witness = out.s;
	out.s = NULL;
	ret = 1;
out:
	free(out.s);
	free(ci);
	free(cj);
	free(kind);
	return ret;
}

int pattern_overlap(const char *pa, const char *pb, char **witness)
{
	struct comp *a = NULL, *b = NULL;
	size_t na, nb, i, j, w;
	unsigned char *moves = NULL;
	int ret = -ENOMEM;

	if (witness)
		*witness = NULL;
	if (split(pa, &a, &na) || split(pb, &b, &nb))
		goto out;
	w = nb + 1;
	moves = calloc((na + 1) * w, 1);
	if (!moves)
		goto out;
	moves[0] = M_START;
	for (i = 0; i <= na; i++) {
		for (j = 0; j <= nb; j++) {
			bool ga = i < na && comp_is_globstar(&a[i]);
			bool gb = j < nb && comp_is_globstar(&b[j]);

			if (moves[i * w + j] == M_NONE)
				continue;
			if (ga && !moves[(i + 1) * w + j])
				moves[(i + 1) * w + j] = M_SKIP_A;
			if (gb && !moves[i * w + j + 1])
				moves[i * w + j + 1] = M_SKIP_B;
			/* one component more; two "**" would stay put */
			if (i == na || j == nb || (ga && gb))
				continue;
			if (ga) {
				if (!moves[i * w + j + 1])
					moves[i * w + j + 1] = M_A_STAR;
			} else if (gb) {
				if (!moves[(i + 1) * w + j])
					moves[(i + 1) * w + j] = M_B_STAR;
			} else if (!moves[(i + 1) * w + j + 1] &&
				   glob_overlap(&a[i], &b[j], NULL)) {
				moves[(i + 1) * w + j + 1] = M_BOTH;
			}
		}
	}
	ret = moves[na * w + nb] != M_NONE;
	if (ret && witness)
		ret = witness_path(moves, nb, a, na, b, witness);
out:
	free(moves);
	free(a);
	free(b);
	return ret;
}
