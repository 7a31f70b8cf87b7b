// SPDX-License-Identifier: GPL-2.0
/*
 * Cgroup v2 paths (path.h).
 */

#include <linux/errno.h>
#include <linux/string.h>
#include <linux/stringify.h>

#include "path.h"

/* The longest name a cgroup directory can have (kernfs limits to NAME_MAX). */
#define EGRESS_CGROUP_NAME_MAX 255

/*
 * Accept only the canonical form userspace sends: "/" or "/a/b" with no
 * empty, "." or ".." component and no trailing slash.  Normalising here
 * instead would let two spellings of one path name two policies.
 */
int egress_cgroup_path_validate(const char *path, const char **reason)
{
	const char *component = path + 1;
	unsigned int depth = 0;

	if (path[0] != '/') {
		*reason = KBUILD_MODNAME ": cgroup path must start with '/'";
		return -EINVAL;
	}
	if (!path[1])
		return 0;

	for (;;) {
		const char *end = strchrnul(component, '/');
		size_t len = end - component;

		if (len == 0) {
			*reason = KBUILD_MODNAME
				  ": cgroup path has an empty component or a trailing '/'";
			return -EINVAL;
		}
		if ((len == 1 && component[0] == '.') ||
		    (len == 2 && component[0] == '.' && component[1] == '.')) {
			*reason = KBUILD_MODNAME ": cgroup path must not contain '.' or '..'";
			return -EINVAL;
		}
		if (len != 2 && strnstr(component, "**", len)) {
			*reason = KBUILD_MODNAME ": '**' must be a whole path component";
			return -EINVAL;
		}
		if (len > EGRESS_CGROUP_NAME_MAX) {
			*reason = KBUILD_MODNAME ": cgroup path component longer than 255 bytes";
			return -ENAMETOOLONG;
		}
		if (++depth > EGRESS_POLICY_DEPTH_MAX) {
			*reason = KBUILD_MODNAME ": cgroup path deeper than "
				  __stringify(EGRESS_POLICY_DEPTH_MAX) " levels";
			return -EINVAL;
		}
		if (!*end)
			return 0;
		component = end + 1;
	}
}

/* @path must have passed egress_cgroup_path_validate(). */
void egress_path_names_from_path(struct egress_path_names *names,
				 const char *path)
{
	const char *component = path + 1;

	names->name[0] = "";
	names->len[0] = 0;
	names->levels = 1;
	while (*component) {
		const char *end = strchrnul(component, '/');

		names->name[names->levels] = component;
		names->len[names->levels] = end - component;
		names->levels++;
		component = *end ? end + 1 : end;
	}
}

u32 egress_path_names_hash(const struct egress_path_names *names)
{
	u32 hash = EGRESS_PATH_HASH_ROOT;
	unsigned int level;

	for (level = 1; level < names->levels; level++)
		hash = egress_path_hash_step(hash, names->name[level],
					     names->len[level]);
	return hash;
}

bool egress_path_names_match(const char *path, unsigned int depth,
			     const struct egress_path_names *names)
{
	const char *component = path + 1;
	unsigned int level;

	for (level = 1; level <= depth; level++) {
		const char *end = strchrnul(component, '/');
		size_t len = end - component;

		if (len != names->len[level] ||
		    memcmp(component, names->name[level], len))
			return false;
		component = *end ? end + 1 : end;
	}
	return true;
}

/*
 * Does the component pattern @pat (@plen bytes, '*' any run of bytes)
 * match the name @name?  Greedy with one backtrack point, the last '*':
 * linear in practice, at most plen * len steps.
 */
static bool egress_component_match(const char *pat, size_t plen,
				   const char *name, size_t len)
{
	size_t p = 0, n = 0, star_p = SIZE_MAX, star_n = 0;

	while (n < len) {
		if (p < plen && pat[p] == '*') {
			star_p = ++p;
			star_n = n;
		} else if (p < plen && pat[p] == name[n]) {
			p++;
			n++;
		} else if (star_p != SIZE_MAX) {
			p = star_p;
			n = ++star_n;
		} else {
			return false;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

/* The component of a path at @p ("" at its end) and where the next starts. */
static const char *egress_path_component(const char *p, size_t *len)
{
	const char *end = strchrnul(p, '/');

	*len = end - p;
	return *end ? end + 1 : end;
}

static bool egress_component_is_any(const char *p, size_t len)
{
	return len == 2 && p[0] == '*' && p[1] == '*';
}

bool egress_path_pattern_match(const char *pattern, unsigned int depth,
			       const struct egress_path_names *names)
{
	const char *p = pattern + 1, *star_p = NULL;
	unsigned int level = 1, star_level = 0;
	const char *next;
	size_t len;

	while (level <= depth) {
		if (*p) {
			next = egress_path_component(p, &len);
			if (egress_component_is_any(p, len)) {
				/* Zero components first; more on a mismatch. */
				star_p = next;
				star_level = level;
				p = next;
				continue;
			}
			if (egress_component_match(p, len, names->name[level],
						   names->len[level])) {
				p = next;
				level++;
				continue;
			}
		}
		if (!star_p)
			return false;
		p = star_p;
		level = ++star_level;
	}
	/* The names are used up: what is left must match nothing. */
	while (*p) {
		next = egress_path_component(p, &len);
		if (!egress_component_is_any(p, len))
			return false;
		p = next;
	}
	return true;
}

void egress_path_pattern_shape(const char *pattern,
			       struct egress_pattern_shape *shape)
{
	const char *p = pattern + 1, *next;
	size_t len;

	shape->wildcards = 0;
	shape->literal_len = strcspn(pattern, "*");
	shape->min_depth = 0;
	shape->any_depth = false;
	for (; *p; p = next) {
		next = egress_path_component(p, &len);
		if (egress_component_is_any(p, len))
			shape->any_depth = true;
		else
			shape->min_depth++;
	}
	for (p = pattern; *p; p++)
		shape->wildcards += *p == '*';
}
