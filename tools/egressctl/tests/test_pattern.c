// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of template patterns (pattern.h): parsing through
 * parse_cgroup_path, matching, precedence and why a template wins a cgroup
 * (pattern_decide), and whether two patterns can match the same cgroup,
 * with the path the check names.  The matcher, pattern_decide and the
 * overlap check are cross-checked against a naive oracle: each pattern
 * turned into a POSIX extended regular expression, run over every path of
 * up to three components of up to three letters of a two-letter alphabet,
 * for thousands of random small patterns.  TAP on stdout.
 */
#include <errno.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "pattern.h"
#include "tap.h"

static void norm_ok(const char *in, const char *want)
{
	char out[NF_EGRESS_CGROUP_PATH_MAX];
	struct parse_error err;
	int ret = parse_cgroup_path(in, out, sizeof(out), &err);

	if (!ok(ret == 0 && !strcmp(out, want), "pattern '%s' -> '%s'", in, want))
		diag("ret %d got '%s' err '%s'", ret, ret ? "" : out, err.msg);
}

static void norm_bad(const char *in, const char *want)
{
	char out[NF_EGRESS_CGROUP_PATH_MAX];
	struct parse_error err;
	int ret = parse_cgroup_path(in, out, sizeof(out), &err);

	if (!ok(ret < 0 && err.kind == PARSE_EVALUE && !strcmp(err.msg, want),
		"pattern '%s' refused: %s", in, want))
		diag("ret %d msg '%s'", ret, err.msg);
}

static void test_parse(void)
{
	char out[NF_EGRESS_CGROUP_PATH_MAX];

	norm_ok("/svc.slice/*.service", "/svc.slice/*.service");
	norm_ok("//svc.slice//*.service/", "/svc.slice/*.service");
	norm_ok("/**", "/**");
	norm_ok("/a/**/b/**", "/a/**/b/**");
	norm_ok("/a*b*c/*/x*", "/a*b*c/*/x*");
	norm_ok("/*", "/*");
	norm_bad("/a/b**", "invalid cgroup path '/a/b**': '**' must be a whole component (as in /a/**/b)");
	norm_bad("/**b", "invalid cgroup path '/**b': '**' must be a whole component (as in /a/**/b)");
	norm_bad("/a/***", "invalid cgroup path '/a/***': '**' must be a whole component (as in /a/**/b)");
	norm_bad("/a/*x**/c", "invalid cgroup path '/a/*x**/c': '**' must be a whole component (as in /a/**/b)");
	norm_bad("/a/**/../b", "invalid cgroup path '/a/**/../b': '.' and '..' components are not allowed");
	norm_ok("/**/a*b*c*d*e*f", "/**/a*b*c*d*e*f");
	norm_bad("/a*b*c*d*e*f*g*h*i*j",
		 "invalid cgroup path '/a*b*c*d*e*f*g*h*i*j': a pattern has at most 8 '*' ('**' counts two)");
	norm_bad("/**/**/**/a*b*c*",
		 "invalid cgroup path '/**/**/**/a*b*c*': a pattern has at most 8 '*' ('**' counts two)");
	ok(parse_cgroup_path_literal("/a**b/**", out, sizeof(out), NULL) == 0 &&
	   !strcmp(out, "/a**b/**"), "a cgroup's own path: '**' is literal");
	ok(parse_cgroup_path_literal("/a/../b", out, sizeof(out), NULL) < 0,
	   "a cgroup's own path: '..' still refused");
	ok(path_is_pattern("/a/*") && !path_is_pattern("/a/b") &&
	   !path_is_pattern("/"), "path_is_pattern");
}

static void cmp_case(const char *a, size_t sa, const char *b, size_t sb,
		     int want, enum pattern_reason want_why)
{
	enum pattern_reason why;
	int c = pattern_cmp(a, sa, b, sb, &why), back;

	back = pattern_cmp(b, sb, a, sa, NULL);
	if (!ok((c < 0) == (want < 0) && (c > 0) == (want > 0) &&
		(back < 0) == (want > 0) && why == want_why,
		"'%s' (#%zu) %s '%s' (#%zu): %s", a, sa,
		want < 0 ? "beats" : "loses to", b, sb,
		pattern_reason_text(want_why)))
		diag("got %d (%s), back %d", c, pattern_reason_text(why), back);
}

static void test_precedence(void)
{
	ok(pattern_wildcards("/a/**/b*") == 3 && pattern_wildcards("/a") == 0,
	   "wildcards: '**' counts two");
	ok(pattern_literal_prefix("/svc.slice/*.service") == 11 &&
	   pattern_literal_prefix("/**") == 1 &&
	   pattern_literal_prefix("/a") == 2, "literal prefix: bytes before the first '*'");
	cmp_case("/svc/*.service", 5, "/svc/**", 0, -1, PATTERN_FEWER_WILDCARDS);
	cmp_case("/**", 3, "/a/*/b/*/c*", 1, -1, PATTERN_FEWER_WILDCARDS);
	cmp_case("/**", 0, "/a/*/b/*", 1, 1, PATTERN_LONGER_PREFIX);
	cmp_case("/svc/web-*", 3, "/svc/*.service", 1, -1, PATTERN_LONGER_PREFIX);
	cmp_case("/svc/*x", 3, "/svc/*y", 1, 1, PATTERN_EARLIER);
	cmp_case("/svc/*x", 3, "/svc/x*", 7, 1, PATTERN_LONGER_PREFIX);
	cmp_case("/a/*", 4, "/b/*", 2, 1, PATTERN_EARLIER);
	ok(!strcmp(pattern_reason_text(PATTERN_FEWER_WILDCARDS), "fewer wildcards") &&
	   !strcmp(pattern_reason_text(PATTERN_LONGER_PREFIX), "longer literal prefix") &&
	   !strcmp(pattern_reason_text(PATTERN_EARLIER), "earlier in the file"),
	   "reason texts");
}

#define NT(t)	(sizeof(t) / sizeof((t)[0]))

/*
 * pattern_decide of winner for path among t: want_ret, and then (for 0)
 * want_matches, the runner-up want_beats (NULL: none) and want_why.
 */
static void decide_case(const char *desc, const char *path, const char *winner,
			const struct pattern_template *t, size_t n,
			int want_ret, size_t want_matches,
			const char *want_beats, enum pattern_reason want_why)
{
	struct pattern_decision d;
	int ret = pattern_decide(path, winner, t, n, &d);
	bool good = ret == want_ret && d.matches == want_matches;

	if (good && want_beats)
		good = d.beats && !strcmp(d.beats, want_beats) &&
		       d.why == want_why;
	else if (good)
		good = !d.beats;
	if (!ok(good, "decide: %s", desc))
		diag("ret %d, %zu match, beats '%s' (%s)", ret, d.matches,
		     d.beats ? d.beats : "-", pattern_reason_live_text(d.why));
}

static void test_decide(void)
{
	static const struct pattern_template one[] = {
		{ "/svc/*.service", 0 }, { "/other/*", 1 },
	};
	/* listed in no particular order; seq is the creation order */
	static const struct pattern_template svc[] = {
		{ "/**", 0 }, { "/svc/w*", 4 }, { "/svc/*", 1 },
		{ "/svc/web-*", 2 }, { "/svc/*.socket", 3 },
	};
	static const struct pattern_template svc_gone[] = {
		{ "/**", 0 }, { "/svc/w*", 4 }, { "/svc/*", 1 },
		{ "/svc/*.socket", 3 },
	};
	static const struct pattern_template star[] = {
		{ "/svc/*y", 5 }, { "/svc/*", 2 }, { "/svc/**", 1 },
	};
	static const struct pattern_template globstar[] = {
		{ "/svc/*.service", 1 }, { "/svc/**", 0 },
	};
	struct pattern_decision d = { 7, "x", PATTERN_EARLIER };

	decide_case("the only template that matches", "/svc/a.service",
		    "/svc/*.service", one, NT(one), 0, 1, NULL, 0);
	decide_case("fewer wildcards", "/svc/a.service", "/svc/*.service",
		    globstar, NT(globstar), 0, 2, "/svc/**",
		    PATTERN_FEWER_WILDCARDS);
	decide_case("the runner-up is the strongest other match, not the first listed",
		    "/svc/web-1", "/svc/web-*", svc, NT(svc), 0, 4, "/svc/w*",
		    PATTERN_LONGER_PREFIX);
	decide_case("without the winner, the next one decides against the rest",
		    "/svc/web-1", "/svc/w*", svc_gone, NT(svc_gone), 0, 3,
		    "/svc/*", PATTERN_LONGER_PREFIX);
	decide_case("same wildcards and prefix: created earlier",
		    "/svc/xy", "/svc/*", star, NT(star), 0, 3, "/svc/*y",
		    PATTERN_EARLIER);
	decide_case("a '**' matching nothing: the only template at /svc",
		    "/svc", "/svc/**", star, NT(star), 0, 1, NULL, 0);
	decide_case("the winner is not listed: -ENOENT", "/svc/web-1",
		    "/svc/web-1*", svc, NT(svc), -ENOENT, 0, NULL, 0);
	decide_case("the winner does not match the path: -ENOENT",
		    "/svc/a.socket", "/svc/web-*", svc, NT(svc), -ENOENT, 0,
		    NULL, 0);
	decide_case("another listed template goes first: -ESTALE",
		    "/svc/web-1", "/svc/*", svc, NT(svc), -ESTALE, 0, NULL, 0);
	decide_case("no templates: -ENOENT", "/svc/web-1", "/svc/*", svc, 0,
		    -ENOENT, 0, NULL, 0);
	ok(pattern_decide("/svc/x", "/svc/*y", star, NT(star), &d) == -ENOENT &&
	   !d.matches && !d.beats && d.why == 0, "decide: *d zeroed on an error");
	ok(!strcmp(pattern_reason_live_text(PATTERN_FEWER_WILDCARDS), "fewer wildcards") &&
	   !strcmp(pattern_reason_live_text(PATTERN_LONGER_PREFIX), "longer literal prefix") &&
	   !strcmp(pattern_reason_live_text(PATTERN_EARLIER), "created earlier") &&
	   !strcmp(pattern_reason_text(PATTERN_EARLIER), "earlier in the file"),
	   "live reason texts: created earlier (the file's text unchanged)");
}

static void match_case(const char *pattern, const char *path, bool want)
{
	ok(pattern_match(pattern, path) == want, "'%s' %s '%s'", pattern,
	   want ? "matches" : "does not match", path);
}

static void test_match(void)
{
	match_case("/svc.slice/*.service", "/svc.slice/a.service", true);
	match_case("/svc.slice/*.service", "/svc.slice/.service", true);
	match_case("/svc.slice/*.service", "/svc.slice/a.service/x", false);
	match_case("/svc.slice/*.service", "/svc.slice", false);
	match_case("/svc.slice/*.service", "/svc.slice/a.socket", false);
	match_case("/*", "/a", true);
	match_case("/*", "/", false);
	match_case("/*", "/a/b", false);
	match_case("/**", "/", true);
	match_case("/**", "/a/b/c", true);
	match_case("/a/**", "/a", true);
	match_case("/a/**", "/ab", false);
	match_case("/a/**/b", "/a/b", true);
	match_case("/a/**/b", "/a/x/y/b", true);
	match_case("/a/**/b", "/a/x/y/b/c", false);
	match_case("/a/**/b/**/c", "/a/b/b/c/c", true);
	match_case("/**/*.scope", "/user.slice/user-1000.slice/session-2.scope", true);
	match_case("/a*b*c", "/abc", true);
	match_case("/a*b*c", "/aXbYbZc", true);
	match_case("/a*b*c", "/acb", false);
	/* no escaping: '*' always matches anything, a literal '*' too */
	match_case("/a*", "/a*", true);
	match_case("/x/*", "/x/*", true);
	match_case("/x", "/x", true);
	match_case("/", "/", true);
}

static void overlap_case(const char *a, const char *b, const char *want)
{
	char *w = NULL, *w2 = NULL;
	int ret = pattern_overlap(a, b, &w), back = pattern_overlap(b, a, &w2);
	bool good;

	if (want)
		good = ret == 1 && back == 1 && !strcmp(w, want) &&
		       pattern_match(a, w2) && pattern_match(b, w2);
	else
		good = ret == 0 && back == 0 && !w && !w2;
	if (!ok(good, "'%s' and '%s': %s%s", a, b, want ? "both match " : "disjoint",
		want ? want : ""))
		diag("got %d '%s', back %d '%s'", ret, w ? w : "-", back,
		     w2 ? w2 : "-");
	free(w);
	free(w2);
}

static void test_overlap(void)
{
	overlap_case("/svc.slice/*.service", "/svc.slice/web-*", "/svc.slice/web-.service");
	overlap_case("/svc.slice/*.service", "/svc.slice/*.socket", NULL);
	overlap_case("/a/*", "/b/*", NULL);
	overlap_case("/a/**", "/*/b", "/a/b");
	overlap_case("/**", "/**", "/");
	overlap_case("/**", "/a/*/c", "/a/x/c");
	overlap_case("/a/**/z", "/**/b/*", "/a/b/z");
	overlap_case("/x*", "/*y", "/xy");
	overlap_case("/ab*", "/a*c", "/abc");
	overlap_case("/a*b", "/b*a", NULL);
	overlap_case("/*", "/*", "/x");
	overlap_case("/.*", "/*", "/.x");
	overlap_case("/*.", "/*", "/x.");
	overlap_case("/..*", "/*", "/..x");
	overlap_case("/*/*", "/**/a", "/x/a");
	overlap_case("/*", "/a/*", NULL);
	overlap_case("/a/**", "/a", "/a");
	overlap_case("/a/*", "/a", NULL);
	overlap_case("/x/a", "/x/*", "/x/a");
	overlap_case("/x/a", "/x/a", "/x/a");
	overlap_case("/x/a", "/x/b", NULL);
}

/* --- the oracle ---------------------------------------------------------- */

/*
 * A path as the oracle writes it: "/" and each component ("" for the
 * root), and a pattern as an extended regular expression over that: "**"
 * as any number of "/component", '*' as any run of bytes but '/'.
 */
static void oracle_text(const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s", strcmp(path, "/") ? path : "");
}

static bool oracle_regex(const char *pattern, regex_t *re)
{
	char rx[1024];
	size_t n = 0;
	const char *p = pattern;

	rx[n++] = '^';
	while (*p) {
		const char *end;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		if (end - p == 2 && p[0] == '*' && p[1] == '*') {
			n += (size_t)snprintf(rx + n, sizeof(rx) - n, "(/[^/]+)*");
		} else {
			rx[n++] = '/';
			for (; p < end; p++)
				n += (size_t)snprintf(rx + n, sizeof(rx) - n,
						      *p == '*' ? "[^/]*" : "[%c]", *p);
		}
		p = end;
	}
	snprintf(rx + n, sizeof(rx) - n, "$");
	return regcomp(re, rx, REG_EXTENDED | REG_NOSUB) == 0;
}

static bool oracle_match(const regex_t *re, const char *path)
{
	char text[512];

	oracle_text(path, text, sizeof(text));
	return regexec(re, text, 0, NULL, 0) == 0;
}

static uint32_t rng = 20261207;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 16) % n;
}

/* A random pattern: 0 to 3 components of a, b and '*' (or "**"). */
static void random_pattern(char *buf)
{
	static const char alpha[] = "ab*";
	size_t n = 0;
	uint32_t comps = rnd(4), c, k, len;

	for (c = 0; c < comps; c++) {
		buf[n++] = '/';
		if (!rnd(5)) {
			buf[n++] = '*';
			buf[n++] = '*';
			continue;
		}
		len = 1 + rnd(3);
		for (k = 0; k < len; k++) {
			buf[n] = alpha[rnd(3)];
			/* no "**" inside a component */
			if (buf[n] == '*' && k && buf[n - 1] == '*')
				buf[n] = 'a';
			n++;
		}
	}
	if (!n)
		buf[n++] = '/';
	buf[n] = '\0';
}

/* Every path of 0 to 3 components of 1 to 3 letters of a and b. */
static char (*all_paths(size_t *n))[16]
{
	static char comps[14][4];
	char (*paths)[16];
	size_t nc = 0, k = 0, len, i, j, l;

	for (len = 1; len <= 3; len++)
		for (i = 0; i < (1u << len); i++) {
			for (j = 0; j < len; j++)
				comps[nc][j] = i & (1u << j) ? 'b' : 'a';
			comps[nc++][len] = '\0';
		}
	paths = malloc((1 + 14 + 14 * 14 + 14 * 14 * 14) * sizeof(*paths));
	strcpy(paths[k++], "/");
	for (i = 0; i < nc; i++) {
		snprintf(paths[k++], 16, "/%.3s", comps[i]);
		for (j = 0; j < nc; j++) {
			snprintf(paths[k++], 16, "/%.3s/%.3s", comps[i],
				 comps[j]);
			for (l = 0; l < nc; l++)
				snprintf(paths[k++], 16, "/%.3s/%.3s/%.3s",
					 comps[i], comps[j], comps[l]);
		}
	}
	*n = k;
	return paths;
}

/* Components of a witness name cgroups: not empty, "." or "..". */
static bool valid_witness(const char *w)
{
	char out[NF_EGRESS_CGROUP_PATH_MAX];

	return parse_cgroup_path_literal(w, out, sizeof(out), NULL) == 0 &&
	       !strcmp(out, w);
}

#define RANDOM_PATTERNS	300
#define DECIDE_TRIALS	20000

/*
 * pattern_decide on random sets of up to 6 distinct patterns (listed out
 * of creation order) and a path, mostly one the first of them matches,
 * against the oracle: the patterns whose regular expression matches,
 * sorted by pattern_cmp.  The first must be decided with the second as
 * runner-up, the second refused (-ESTALE), a pattern that does not match
 * refused (-ENOENT).
 */
static void test_decide_oracle(char (*pats)[16], bool (*hits)[2955],
			       char (*paths)[16], size_t np)
{
	size_t trial, bad = 0, contested = 0;

	for (trial = 0; trial < DECIDE_TRIALS; trial++) {
		struct pattern_template t[6], m[6], tmp;
		size_t nt = 1 + rnd(6), nm = 0, k, j, path = rnd((uint32_t)np);
		const char *miss = NULL, *p;
		enum pattern_reason why = 0;
		struct pattern_decision d;
		uint32_t idx[6], ti;
		bool good = true;

		for (k = 0; k < nt; k++) {
			do {
				idx[k] = rnd(RANDOM_PATTERNS);
				for (j = 0; j < k && strcmp(pats[idx[j]], pats[idx[k]]); j++)
					;
			} while (j < k);
			t[k].pattern = pats[idx[k]];
			t[k].seq = k;
		}
		/* mostly a path the first one matches: more contests */
		for (k = 0; k < 64 && !hits[idx[0]][path]; k++)
			path = rnd((uint32_t)np);
		p = paths[path];
		/* listed in another order than created */
		for (k = nt; k > 1; k--) {
			j = rnd((uint32_t)k);
			tmp = t[k - 1];
			t[k - 1] = t[j];
			t[j] = tmp;
			ti = idx[k - 1];
			idx[k - 1] = idx[j];
			idx[j] = ti;
		}
		for (k = 0; k < nt; k++) {
			if (!hits[idx[k]][path]) {
				miss = t[k].pattern;
				continue;
			}
			for (j = nm++; j && pattern_cmp(t[k].pattern, t[k].seq,
						       m[j - 1].pattern,
						       m[j - 1].seq, NULL) < 0; j--)
				m[j] = m[j - 1];
			m[j] = t[k];
		}
		if (nm > 1) {
			pattern_cmp(m[0].pattern, m[0].seq, m[1].pattern,
				    m[1].seq, &why);
			contested++;
		}
		if (nm)
			good = pattern_decide(p, m[0].pattern, t, nt, &d) == 0 &&
			       d.matches == nm &&
			       (nm == 1 ? !d.beats :
				d.beats == m[1].pattern && d.why == why);
		if (nm > 1)
			good &= pattern_decide(p, m[1].pattern, t, nt, &d) == -ESTALE;
		if (miss)
			good &= pattern_decide(p, miss, t, nt, &d) == -ENOENT;
		if (!good && !bad++)
			diag("'%s' among %zu (%zu match), first '%s'", p, nt, nm,
			     nm ? m[0].pattern : "-");
	}
	ok(!bad && contested > DECIDE_TRIALS / 20,
	   "pattern_decide agrees with the oracle on %d random sets (%zu with a runner-up, %zu differ)",
	   DECIDE_TRIALS, contested, bad);
}

static void test_oracle(void)
{
	static char pats[RANDOM_PATTERNS][16];
	static regex_t res[RANDOM_PATTERNS];
	static bool hits[RANDOM_PATTERNS][2955];
	size_t np, i, j, k, bad_match = 0, bad_no = 0, bad_yes = 0, yes = 0;
	size_t pairs = 0, self_bad = 0;
	char (*paths)[16] = all_paths(&np);

	if (!ok(np == 2955, "oracle: %zu paths to try", np))
		return;
	for (i = 0; i < RANDOM_PATTERNS; i++) {
		char norm[NF_EGRESS_CGROUP_PATH_MAX];

		random_pattern(pats[i]);
		if (parse_cgroup_path(pats[i], norm, sizeof(norm), NULL) ||
		    strcmp(norm, pats[i]) || !oracle_regex(pats[i], &res[i])) {
			ok(0, "random pattern '%s' parses and compiles", pats[i]);
			return;
		}
		for (k = 0; k < np; k++) {
			hits[i][k] = oracle_match(&res[i], paths[k]);
			if (hits[i][k] != pattern_match(pats[i], paths[k])) {
				if (!bad_match++)
					diag("'%s' on '%s': oracle %d", pats[i],
					     paths[k], hits[i][k]);
			}
		}
	}
	ok(!bad_match, "pattern_match agrees with the oracle on %d patterns x %zu paths (%zu differ)",
	   RANDOM_PATTERNS, np, bad_match);

	for (i = 0; i < RANDOM_PATTERNS; i++) {
		for (j = i; j < RANDOM_PATTERNS; j++) {
			bool both = false;
			char *w = NULL;
			int ret;

			for (k = 0; k < np && !both; k++)
				both = hits[i][k] && hits[j][k];
			ret = pattern_overlap(pats[i], pats[j], &w);
			pairs++;
			if (ret == 1) {
				yes++;
				if (!w || !valid_witness(w) ||
				    !oracle_match(&res[i], w) ||
				    !oracle_match(&res[j], w)) {
					if (!bad_yes++)
						diag("'%s' and '%s': witness '%s'",
						     pats[i], pats[j], w ? w : "-");
				}
				if (i == j)
					self_bad += !w;
			} else if (both || ret < 0) {
				if (!bad_no++)
					diag("'%s' and '%s': %d, but the oracle found a path",
					     pats[i], pats[j], ret);
			}
			if (i == j && ret != 1)
				self_bad++;
			free(w);
		}
	}
	diag("%zu pairs, %zu overlap", pairs, yes);
	ok(!bad_no, "pattern_overlap finds every overlap the oracle finds (%zu missed)",
	   bad_no);
	ok(!bad_yes, "every witness is a cgroup path both patterns match (%zu bad)",
	   bad_yes);
	ok(!self_bad, "every pattern overlaps itself");
	ok(yes > pairs / 10 && yes < pairs, "the random pairs both overlap and do not (%zu of %zu)",
	   yes, pairs);
	test_decide_oracle(pats, hits, paths, np);
	for (i = 0; i < RANDOM_PATTERNS; i++)
		regfree(&res[i]);
	free(paths);
}

/* A pattern of 2047 components against itself and another: no blow-up. */
static void test_big(void)
{
	char *a = malloc(4096), *b = malloc(4096), *w = NULL;
	size_t i;
	int ret;

	for (i = 0; i < 2047; i++)
		memcpy(a + 2 * i, i % 2 ? "/*" : "/a", 2);
	a[4094] = '\0';
	strcpy(b, "/**/**/a/**/*/**");
	ret = pattern_overlap(a, b, &w);
	ok(ret == 1 && w && pattern_match(a, w) && pattern_match(b, w),
	   "2047 components against '/**/**/a/**/*/**': overlap");
	free(w);
	ok(pattern_match(b, a) && !pattern_match(a, b), "2047 components: matching");
	free(a);
	free(b);
}

int main(void)
{
	tap_start();
	test_parse();
	test_precedence();
	test_decide();
	test_match();
	test_overlap();
	test_oracle();
	test_big();
	return tap_end();
}
