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

#include <linux/cgroup.h>
#include <linux/kernfs.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cache.h"
#include "policy.h"

#define EGRESS_CACHE_MAX_SIZE 32768	/* buckets; entries up to twice that */

struct egress_cache_entry {
	struct rhash_head node;
	u64 cgroup_id;
	struct rcu_head rcu;
	u32 resolve_gen;
	u32 count;
	struct egress_policy *policies[];
};

static const struct rhashtable_params egress_cache_params = {
	.key_len		= sizeof(u64),
	.key_offset		= offsetof(struct egress_cache_entry, cgroup_id),
	.head_offset		= offsetof(struct egress_cache_entry, node),
	.max_size		= EGRESS_CACHE_MAX_SIZE,
	.automatic_shrinking	= true,
};

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
		const char *name = cgrp->ancestors[level]->kn->name;

		names->name[level] = name;
		names->len[level] = strlen(name);
	}
}

unsigned int egress_cache_policies(struct egress_set *set,
				   const struct cgroup *cgrp, int max_depth,
				   struct egress_policy **out)
{
	/* Pairs with smp_store_release() in egress_set_membership_changed(). */
	u32 resolve_gen = smp_load_acquire(&set->resolve_gen);
	struct egress_cache_entry *entry, *old;
	struct egress_path_names names;
	u64 id = cgroup_id(cgrp);
	unsigned int count;
	int err;

	old = rhashtable_lookup(&set->cache, &id, egress_cache_params);
	if (old && old->resolve_gen == resolve_gen) {
		memcpy(out, old->policies, old->count * sizeof(*out));
		return old->count;
	}

	egress_names_from_cgroup(&names, cgrp, max_depth);
	count = egress_resolve(set, &names, out);

	entry = kmalloc(struct_size(entry, policies, count), GFP_ATOMIC);
	if (!entry)
		return count;
	entry->cgroup_id = id;
	entry->resolve_gen = resolve_gen;
	entry->count = count;
	memcpy(entry->policies, out, count * sizeof(*out));

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
