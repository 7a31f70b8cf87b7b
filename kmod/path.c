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
