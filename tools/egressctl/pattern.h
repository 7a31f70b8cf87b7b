/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Templates: policies whose cgroup path is a pattern (it has a '*').  As
 * the module matches them:
 *
 *   - '*' matches any run of characters, possibly none, within one path
 *     component;
 *   - a component that is exactly "**" matches zero or more whole
 *     components ("**" anywhere else in a component is refused by
 *     parse_cgroup_path);
 *   - every other byte is literal, and there is no escaping: a '*' is
 *     always a wildcard.
 *
 * Among the templates that match the same cgroup, the one with fewer '*'
 * characters wins ("**" counts two), then the one with the longer literal
 * prefix (the bytes before its first '*'), then the one created first.
 *
 * Pure functions over normalised paths (parse_cgroup_path), no I/O, so
 * they are unit-tested against a brute-force oracle and fuzzed.
 */
#ifndef EGRESSCTL_PATTERN_H
#define EGRESSCTL_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Instances of a template unless it says otherwise (NF_EGRESS_A_INSTANCES_MAX). */
#define EGRESS_INSTANCES_MAX_DEFAULT	1024u

/*
 * Seconds a template keeps an instance whose cgroup is gone unless it says
 * otherwise (NF_EGRESS_A_INSTANCES_KEEP).
 */
#define EGRESS_INSTANCES_KEEP_DEFAULT	3600u

/*
 * The most '*' characters a pattern may have ("**" counts two), as the
 * module's EGRESS_PATTERN_WILDCARDS_MAX: it bounds the module's matching.
 */
#define PATTERN_WILDCARDS_MAX	8

/* Is path a pattern: does it have a '*'? */
static inline bool path_is_pattern(const char *path)
{
	return strchr(path, '*') != NULL;
}

/* The '*' characters of a pattern: "**" counts two. */
unsigned int pattern_wildcards(const char *pattern);

/* The bytes before the pattern's first '*' (all of it without one). */
size_t pattern_literal_prefix(const char *pattern);

/* Why one template takes precedence over another. */
enum pattern_reason {
	PATTERN_FEWER_WILDCARDS,
	PATTERN_LONGER_PREFIX,
	PATTERN_EARLIER,
};

/* "fewer wildcards", "longer literal prefix", "earlier in the file" */
const char *pattern_reason_text(enum pattern_reason why);

/*
 * The same for the live set's templates, whose order is that of their
 * creation: "created earlier" for PATTERN_EARLIER.
 */
const char *pattern_reason_live_text(enum pattern_reason why);

/*
 * The module's order of templates a and b, created as the seq_a-th and
 * seq_b-th: < 0 when a wins a cgroup both match, > 0 when b does, 0 only
 * for the same pattern and seq.  *why (may be NULL) says which rule
 * decided.
 */
int pattern_cmp(const char *a, size_t seq_a, const char *b, size_t seq_b,
		enum pattern_reason *why);

/* Does pattern match the cgroup path (both normalised)? */
bool pattern_match(const char *pattern, const char *path);

/* A template: its pattern and its place in creation order (pattern_cmp). */
struct pattern_template {
	const char *pattern;
	size_t seq;
};

/* Why a template won a cgroup over the other templates that match it. */
struct pattern_decision {
	size_t matches;		/* templates that match, the winner included */
	/*
	 * The runner-up, which would win without the winner (a pattern of
	 * the templates given), or NULL when no other template matches.
	 */
	const char *beats;
	enum pattern_reason why;	/* with beats: what put the winner first */
};

/*
 * Why the template winner takes the cgroup path among the n templates t
 * (in any order): 0 and *d.  -ENOENT when winner is not one of them or
 * does not match path, -ESTALE when another of them that matches path
 * goes first (t is not the set that chose winner), -ENOMEM; *d is zeroed
 * then.
 */
int pattern_decide(const char *path, const char *winner,
		   const struct pattern_template *t, size_t n,
		   struct pattern_decision *d);

/*
 * Is there a cgroup path that both patterns match?  1 if so, and then
 * *witness (when witness is not NULL) is one such path, malloc'ed: a
 * normalised path whose components are never empty, "." or "..".  0 if
 * not; -ENOMEM.
 */
int pattern_overlap(const char *a, const char *b, char **witness);

#endif /* EGRESSCTL_PATTERN_H */
