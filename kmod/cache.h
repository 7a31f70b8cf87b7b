/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cgroup resolution cache: cgroup id -> the policies on its path.
 *
 * Resolving a cgroup walks its ancestors' names (policy.c).  The packet path
 * does that once per cgroup and set generation and remembers the answer by
 * cgroup id, which the kernel never reuses.  Creating or deleting a policy
 * bumps the set's resolve generation, which makes every entry stale, and so
 * does a rate limit change (an entry says whether its path has any); rule
 * changes do not, since they do not change which policies apply.
 */
#ifndef _NF_EGRESS_CACHE_H
#define _NF_EGRESS_CACHE_H

#include <linux/types.h>

struct cgroup;
struct egress_set;
struct egress_policy;

int egress_cache_init(struct egress_set *set);
/* No reader may hold the set any more. */
void egress_cache_destroy(struct egress_set *set);

/*
 * The policies on @cgrp's path in @set, root first, into @out; returns how
 * many.  *@path_flags gets egress_rate_path_flags() of them.  Caller holds
 * rcu_read_lock(); may run in softirq context.
 */
unsigned int egress_cache_policies(struct egress_set *set,
				   const struct cgroup *cgrp, int max_depth,
				   struct egress_policy **out, u32 *path_flags);

#endif /* _NF_EGRESS_CACHE_H */
