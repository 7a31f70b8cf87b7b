// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup resolution cache (see cache.h).
 *
 * Entries are immutable: a stale entry is replaced by a new one, never
 * edited, so a reader sees a whole answer.  The table is bounded; when it
 * is full, packets resolve without caching and a work item empties it (most
 * entries of a full cache belong to cgroups that no longer exist, and there
 * is no cheap way to learn which).
 */

#include <linux/kernfs.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cache.h"
#include "compat.h"
#include "ratelimit.h"

static void egress_cache_entry_free(void *ptr, void *arg)
{
	kfree(ptr);
}

static void egress_cache_flush(struct work_struct *work)
{
	struct egress_set *set = container_of(work, struct egress_set,
					      cache_flush);
	struct egress_cache_entry *entry;
	struct rhashtable_iter iter;

	rhashtable_walk_enter(&set->cache, &iter);
	rhashtable_walk_start(&iter);
	while ((entry = rhashtable_walk_next(&iter))) {
		if (IS_ERR(entry))
			continue;	/* -EAGAIN: a resize; keep walking */
		if (!rhashtable_remove_fast(&set->cache, &entry->node,
					    egress_cache_params))
			kfree_rcu(entry, rcu);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

int egress_cache_init(struct egress_set *set)
{
	INIT_WORK(&set->cache_flush, egress_cache_flush);
	return rhashtable_init(&set->cache, &egress_cache_params);
}

void egress_cache_destroy(struct egress_set *set)
{
	cancel_work_sync(&set->cache_flush);
	rhashtable_free_and_destroy(&set->cache, egress_cache_entry_free, NULL);
}

static void egress_names_from_cgroup(struct egress_path_names *names,
				     const struct cgroup *cgrp, int max_depth)
{
	unsigned int level;

	names->name[0] = "";
	names->len[0] = 0;
	names->levels = min(cgrp->level, max_depth) + 1;
	for (level = 1; level < names->levels; level++) {
		const char *name = egress_kernfs_name(cgrp->ancestors[level]->kn);

		names->name[level] = name;
		names->len[level] = strlen(name);
	}
}

unsigned int egress_cache_fill(struct egress_set *set,
			       const struct cgroup *cgrp, int max_depth, u64 id,
			       u64 resolve_gen, struct egress_cache_entry *old,
			       struct egress_policy **out, u32 *path_flags)
{
	struct egress_cache_entry *entry;
	struct egress_path_names names;
	unsigned int count;
	int err;

	egress_names_from_cgroup(&names, cgrp, max_depth);
	count = egress_resolve(set, &names, out);
	*path_flags = egress_rate_path_flags(out, count);

	entry = kmalloc(struct_size(entry, policies, count), GFP_ATOMIC);
	if (!entry)
		return count;
	entry->cgroup_id = id;
	entry->resolve_gen = resolve_gen;
	entry->count = count;
	entry->path_flags = *path_flags;
	egress_policies_copy(entry->policies, out, count);

	if (old) {
		err = rhashtable_replace_fast(&set->cache, &old->node,
					      &entry->node, egress_cache_params);
		if (!err)
			kfree_rcu(old, rcu);
	} else {
		err = rhashtable_lookup_insert_fast(&set->cache, &entry->node,
						    egress_cache_params);
		if (err == -E2BIG)
			schedule_work(&set->cache_flush);
	}
	/* Another CPU got there first, or the table is full: not cached. */
	if (err)
		kfree(entry);
	return count;
}
