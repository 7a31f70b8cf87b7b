/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cgroup v2 paths: their canonical form, their components, and the rolling
 * hash a policy set is keyed by.
 *
 * A policy is found from a packet's cgroup without building the cgroup's
 * path string: a set hashes its policies by a rolling hash over the path's
 * components, and the packet path computes the same rolling hash over the
 * names of the cgroup's ancestors (cgroup v2 has no rename, so a cgroup's
 * kernfs name is stable for its lifetime).
 */
#ifndef _NF_EGRESS_PATH_H
#define _NF_EGRESS_PATH_H

#include <linux/build_bug.h>
#include <linux/jhash.h>
#include <linux/string.h>
#include <linux/types.h>

/*
 * Deepest policy path accepted, in components below the root.  It bounds the
 * number of policies one packet can meet, so the packet path can keep them
 * on the stack.  systemd's and Kubernetes' paths are at most about five
 * levels deep.
 */
#define EGRESS_POLICY_DEPTH_MAX 16
static_assert(EGRESS_POLICY_DEPTH_MAX < 64);	/* egress_decide()'s bitmap */

/* The hash of "/", which every path's hash starts from. */
#define EGRESS_PATH_HASH_ROOT 0x6e666567U

/* The names of a cgroup path's components, root (level 0, no name) first. */
struct egress_path_names {
	const char *name[EGRESS_POLICY_DEPTH_MAX + 1];
	u16 len[EGRESS_POLICY_DEPTH_MAX + 1];
	unsigned int levels;	/* levels present: 1 + depth */
};

/* The hash one level down, below a level hashed @hash, at component @name. */
static inline u32 egress_path_hash_step(u32 hash, const char *name, size_t len)
{
	return jhash(name, len, hash);
}

int egress_cgroup_path_validate(const char *path, const char **reason);
/* @path must have passed egress_cgroup_path_validate(). */
void egress_path_names_from_path(struct egress_path_names *names,
				 const char *path);
/* The hash of the whole of @names. */
u32 egress_path_names_hash(const struct egress_path_names *names);
/* Whether the first @depth components of @names are those of @path. */
bool egress_path_names_match(const char *path, unsigned int depth,
			     const struct egress_path_names *names);

/*
 * Patterns.  A policy path with a '*' is a template's pattern: '*' matches
 * any run of bytes within one component, a component that is just "**"
 * any number of whole components, none included.  Nothing else is special
 * and nothing escapes a '*': a cgroup whose name has one is matched by a
 * '*' like any other byte.
 */
static inline bool egress_path_is_pattern(const char *path)
{
	return strchr(path, '*');
}

/*
 * The most '*' bytes a template's pattern may have: the matcher's work on
 * a cgroup's names grows with them.
 */
#define EGRESS_PATTERN_WILDCARDS_MAX 8

/* Whether the first @depth components of @names match @pattern. */
bool egress_path_pattern_match(const char *pattern, unsigned int depth,
			       const struct egress_path_names *names);

/*
 * What orders templates (template.h): the more specific first.  And the
 * depths at which a pattern can match at all.
 */
struct egress_pattern_shape {
	u16 wildcards;		/* '*' bytes: a "**" counts two */
	u16 literal_len;	/* bytes before the first '*' */
	u8 min_depth;		/* components that are not "**" */
	bool any_depth;		/* it has a "**" */
};

void egress_path_pattern_shape(const char *pattern,
			       struct egress_pattern_shape *shape);

#endif /* _NF_EGRESS_PATH_H */
