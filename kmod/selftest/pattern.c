// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the cgroup path patterns of templates (path.h): known
 * cases, then random patterns and paths over a tiny alphabet, where every
 * answer is checked against a naive recursive matcher that tries every way
 * a '*' or a "**" can split the input.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/random.h>
#include <linux/string.h>

#include "../path.h"
#include "selftest.h"

#define EGRESS_SELFTEST_PATTERN_ROUNDS 20000

struct egress_pattern_case {
	const char *pattern;
	const char *path;
	bool match;
};

static const struct egress_pattern_case egress_pattern_cases[] = {
	{ "/svc.slice/*.service", "/svc.slice/a.service", true },
	{ "/svc.slice/*.service", "/svc.slice/.service", true },
	{ "/svc.slice/*.service", "/svc.slice/a.socket", false },
	{ "/svc.slice/*.service", "/svc.slice/a.service/x", false },
	{ "/svc.slice/*.service", "/svc.slice", false },
	{ "/svc.slice/*.service", "/other.slice/a.service", false },
	{ "/*", "/", false },
	{ "/*", "/a", true },
	{ "/**", "/", true },
	{ "/**", "/a/b/c", true },
	{ "/k/**/c-*.scope", "/k/c-1.scope", true },
	{ "/k/**/c-*.scope", "/k/a/b/c-1.scope", true },
	{ "/k/**/c-*.scope", "/k/a/b/c-1.scope/x", false },
	{ "/k/**/c-*.scope", "/c-1.scope", false },
	{ "/k/**/**/x", "/k/x", true },
	{ "/k/**/x/**", "/k/a/x", true },
	{ "/k/**/x/**", "/k/a/x/b/c", true },
	{ "/k/**/x/**", "/k/a/y", false },
	{ "/a*b*c", "/abc", true },
	{ "/a*b*c", "/aXbYbZc", true },
	{ "/a*b*c", "/aXbYc-", false },
	{ "/user-*.slice", "/user-1000.slice", true },
	/* A '*' in a cgroup's name is a byte like any other. */
	{ "/*", "/*", true },
	{ "/a*", "/a*b", true },
};

static const char *const egress_pattern_invalid[] = {
	"/a/**b", "/**a", "/a**", "/a/***", "/a/*/b**c",
};

static const char *const egress_pattern_valid[] = {
	"/**", "/a/**", "/**/b", "/*", "/a*b*c", "/a/*/b",
};

/* Any run of bytes for each '*', by trying them all. */
static bool egress_naive_component(const char *p, size_t plen, const char *n,
				   size_t nlen)
{
	size_t i;

	if (!plen)
		return !nlen;
	if (*p == '*') {
		for (i = 0; i <= nlen; i++) {
			if (egress_naive_component(p + 1, plen - 1, n + i,
						   nlen - i))
				return true;
		}
		return false;
	}
	return nlen && *p == *n &&
	       egress_naive_component(p + 1, plen - 1, n + 1, nlen - 1);
}

#define EGRESS_NAIVE_MAX 8

struct egress_naive_pattern {
	const char *comp[EGRESS_NAIVE_MAX];
	size_t len[EGRESS_NAIVE_MAX];
	unsigned int n;
};

static bool egress_naive_match(const struct egress_naive_pattern *pat,
			       unsigned int pi,
			       const struct egress_path_names *names,
			       unsigned int level, unsigned int depth)
{
	unsigned int l;

	if (pi == pat->n)
		return level > depth;
	if (pat->len[pi] == 2 && !memcmp(pat->comp[pi], "**", 2)) {
		for (l = level; l <= depth + 1; l++) {
			if (egress_naive_match(pat, pi + 1, names, l, depth))
				return true;
		}
		return false;
	}
	return level <= depth &&
	       egress_naive_component(pat->comp[pi], pat->len[pi],
				      names->name[level], names->len[level]) &&
	       egress_naive_match(pat, pi + 1, names, level + 1, depth);
}

static int egress_selftest_pattern_known(void)
{
	struct egress_path_names names;
	const char *reason;
	unsigned int i;
	bool got;

	for (i = 0; i < ARRAY_SIZE(egress_pattern_cases); i++) {
		const struct egress_pattern_case *c = &egress_pattern_cases[i];

		egress_path_names_from_path(&names, c->path);
		got = egress_path_pattern_match(c->pattern, names.levels - 1,
						&names);
		if (got != c->match) {
			pr_err("pattern %s on %s: %d, expected %d\n",
			       c->pattern, c->path, got, c->match);
			return -EINVAL;
		}
	}
	for (i = 0; i < ARRAY_SIZE(egress_pattern_invalid); i++) {
		if (!egress_cgroup_path_validate(egress_pattern_invalid[i],
						 &reason)) {
			pr_err("pattern %s accepted\n", egress_pattern_invalid[i]);
			return -EINVAL;
		}
	}
	for (i = 0; i < ARRAY_SIZE(egress_pattern_valid); i++) {
		if (egress_cgroup_path_validate(egress_pattern_valid[i],
						&reason)) {
			pr_err("pattern %s refused: %s\n",
			       egress_pattern_valid[i], reason);
			return -EINVAL;
		}
	}
	return 0;
}

/* A random component of 1..3 bytes of @alphabet, into @p. */
static size_t egress_random_component(char *p, const char *alphabet)
{
	size_t len = 1 + get_random_u32() % 3, i;

	for (i = 0; i < len; i++)
		p[i] = alphabet[get_random_u32() % strlen(alphabet)];
	return len;
}

static int egress_selftest_pattern_random(void)
{
	char pattern[64], path[64], *p;
	struct egress_naive_pattern pat;
	struct egress_path_names names;
	unsigned int round, i, n;
	bool got, want;

	for (round = 0; round < EGRESS_SELFTEST_PATTERN_ROUNDS; round++) {
		/* The pattern: components of a, b and '*', or "**". */
		p = pattern;
		pat.n = get_random_u32() % 5;
		for (i = 0; i < pat.n; i++) {
			*p++ = '/';
			pat.comp[i] = p;
			if (!(get_random_u32() % 4)) {
				memcpy(p, "**", 2);
				pat.len[i] = 2;
			} else {
				pat.len[i] = egress_random_component(p, "ab*");
				/* "**" inside a longer component is invalid. */
				if (strnstr(p, "**", pat.len[i]) && pat.len[i] != 2)
					p[1] = 'a';
				/* As a whole, it is the "**" of the other branch. */
				if (pat.len[i] == 2 && !memcmp(p, "**", 2))
					p[1] = 'b';
			}
			p += pat.len[i];
		}
		if (p == pattern)
			*p++ = '/';
		*p = '\0';

		/* The path: 0..5 components of a and b. */
		p = path;
		n = get_random_u32() % 6;
		for (i = 0; i < n; i++) {
			*p++ = '/';
			p += egress_random_component(p, "ab");
		}
		if (p == path)
			*p++ = '/';
		*p = '\0';

		egress_path_names_from_path(&names, path);
		got = egress_path_pattern_match(pattern, names.levels - 1,
						&names);
		want = egress_naive_match(&pat, 0, &names, 1, names.levels - 1);
		if (got != want) {
			pr_err("pattern %s on %s: %d, the naive matcher says %d\n",
			       pattern, path, got, want);
			return -EINVAL;
		}
	}
	return 0;
}

int egress_selftest_pattern(void)
{
	int err;

	err = egress_selftest_pattern_known();
	if (!err)
		err = egress_selftest_pattern_random();
	if (!err)
		pr_info("patterns: %zu known cases and %u random ones passed\n",
			ARRAY_SIZE(egress_pattern_cases),
			EGRESS_SELFTEST_PATTERN_ROUNDS);
	return err;
}
