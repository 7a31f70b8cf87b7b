// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup resolution cache (see cache.h).
 *
 * Entries are immutable but for their used mark: a stale entry is replaced
 * by a new one, never edited, so a reader sees a whole answer.
 *
 * Cgroups come and go (a container host creates one per container, a
 * systemd host one per service run), and an entry outlives its cgroup: no
 * notifier says a cgroup id died.  So a work item prunes the table: it
 * asks the cgroup core for each entry's id and drops the entries of
 * cgroups that are gone, unless a packet used them since the last prune (a
 * socket keeps its cgroup after rmdir, and one that goes on sending keeps
 * its entry rather than taking the miss path and refilling it on every
 * prune), and the stale ones, which the next packet would replace anyway.
 *
 * An insert schedules it when the table has grown to twice what the last
 * prune kept, so its walk costs O(1) per insert; and when an insert finds
 * the table full, at most once a second, because a table full of live
 * cgroups stays full: packets of further cgroups then resolve by names
 * without caching, and the cached ones keep their entries, instead of the
 * whole table being emptied and refilled over and over.
 */

#include <linux/jiffies.h>
#include <linux/kernfs.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cache.h"
#include "compat.h"
#include "events.h"
#include "ratelimit.h"

/* Below this many entries the table is not pruned. */
#define EGRESS_CACHE_PRUNE_MIN 64U

static void egress_cache_entry_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/*
 * Whether a prune is due: when the table has grown to twice what the last
 * one kept, or, full (of live cgroups, or a prune would have made room),
 * once a second.
 */
static bool egress_cache_prune_due(struct egress_set *set, unsigned int count)
{
	if (count >= EGRESS_CACHE_MAX_ENTRIES)
		return time_after(jiffies, READ_ONCE(set->cache_pruned) + HZ);
	return count >= READ_ONCE(set->cache_prune_at);
}

/* Whether a prune keeps @entry; clears its used mark. */
static bool egress_cache_entry_keep(struct egress_cache_entry *entry,
				    u64 resolve_gen)
{
	struct cgroup *cgrp;
	bool used;

	/* Generations only grow: an entry filled during the walk is newer. */
	if (entry->resolve_gen < resolve_gen)
		return false;
	used = READ_ONCE(entry->used);
	if (used)
		WRITE_ONCE(entry->used, 0);
	/*
	 * Fails once the cgroup is removed (rmdir deactivates its kernfs
	 * node), even while sockets still hold the struct cgroup.
	 */
	cgrp = cgroup_get_from_id(entry->cgroup_id);
	if (IS_ERR(cgrp))
		return used;
	cgroup_put(cgrp);
	return true;
}

static void egress_cache_prune(struct work_struct *work)
{
	struct egress_set *set = container_of(work, struct egress_set,
					      cache_prune);
	/*
	 * No ordering needed: an entry judged against a generation that has
	 * just moved on is dropped or kept one prune too early or too late.
	 */
	u64 resolve_gen = READ_ONCE(set->resolve_gen);
	unsigned int count = egress_cache_count(set);
	struct egress_cache_entry *entry;
	struct rhashtable_iter iter;
	unsigned int kept = 0;
	u8 seq;

	/* Inserts during the last walk queued this run again. */
	if (!egress_cache_prune_due(set, count))
		return;
	WRITE_ONCE(set->cache_pruned, jiffies);
	seq = set->cache_prune_seq + 1;
	WRITE_ONCE(set->cache_prune_seq, seq);

	rhashtable_walk_enter(&set->cache, &iter);
	rhashtable_walk_start(&iter);
	while ((entry = rhashtable_walk_next(&iter))) {
		if (IS_ERR(entry))
			continue;	/* -EAGAIN: a resize; keep walking */
		/*
		 * A resize (the prune's own removals shrink the table) makes
		 * the walk start again from the first bucket: an entry seen
		 * already is neither counted nor judged again, which would
		 * find its used mark cleared.
		 */
		if (entry->prune_seq != seq) {
			entry->prune_seq = seq;
			if (egress_cache_entry_keep(entry, resolve_gen))
				kept++;
			else if (!rhashtable_remove_fast(&set->cache,
							 &entry->node,
							 egress_cache_params))
				kfree_rcu(entry, rcu);
		}
		/* A host may have tens of thousands of cgroups. */
		if (need_resched()) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	WRITE_ONCE(set->cache_prune_at,
		   max(EGRESS_CACHE_PRUNE_MIN, kept * 2));
	WRITE_ONCE(set->cache_pruned, jiffies);
}

/*
 * Unbound: a walk of a full table takes a while, and would hold up the
 * other work items of a CPU's queue (6.1's workqueue does not move
 * CPU-bound items aside).
 */
static void egress_cache_maybe_prune(struct egress_set *set)
{
	if (egress_cache_prune_due(set, egress_cache_count(set)))
		queue_work(system_dfl_wq, &set->cache_prune);
}

int egress_cache_init(struct egress_set *set)
{
	INIT_WORK(&set->cache_prune, egress_cache_prune);
	set->cache_prune_at = EGRESS_CACHE_PRUNE_MIN;
	set->cache_pruned = jiffies;
	return rhashtable_init(&set->cache, &egress_cache_params);
}

void egress_cache_destroy(struct egress_set *set)
{
	cancel_work_sync(&set->cache_prune);
	rhashtable_free_and_destroy(&set->cache, egress_cache_entry_free, NULL);
}

unsigned int egress_cache_count(struct egress_set *set)
{
	return atomic_read(&set->cache.nelems);
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
	struct egress_resolve_info info;
	struct egress_cache_entry *entry;
	struct egress_path_names names;
	unsigned int count;
	int err;

	egress_names_from_cgroup(&names, cgrp, max_depth);
	count = egress_resolve(set, &names, out, EGRESS_RESOLVE_INSTANCE, &info);
	*path_flags = egress_rate_path_flags(out, count);
	/*
	 * A template had no room for the cgroup's instance: said once, as the
	 * answer is cached (until the set changes).
	 */
	if (unlikely(info.refused_level >= 0))
		egress_instance_event_report(cgrp, info.refused_level,
					     info.refused_by);
	/* Short of memory for an instance: the next packet tries again. */
	if (unlikely(info.retry))
		return count;

	if (!old && egress_cache_count(set) >= EGRESS_CACHE_MAX_ENTRIES) {
		egress_cache_maybe_prune(set);
		return count;
	}
	entry = kmalloc(struct_size(entry, policies, count), GFP_ATOMIC);
	if (!entry)
		return count;
	entry->cgroup_id = id;
	entry->resolve_gen = resolve_gen;
	entry->count = count;
	entry->path_flags = *path_flags;
	entry->used = 0;
	/* A walk under way skips it: it is new, and it stays. */
	entry->prune_seq = READ_ONCE(set->cache_prune_seq);
	memcpy(entry->policies, out, flex_array_size(entry, policies, count));

	if (old) {
		err = rhashtable_replace_fast(&set->cache, &old->node,
					      &entry->node, egress_cache_params);
		if (!err)
			kfree_rcu(old, rcu);
	} else {
		err = rhashtable_lookup_insert_fast(&set->cache, &entry->node,
						    egress_cache_params);
		if (!err || err == -E2BIG)
			egress_cache_maybe_prune(set);
	}
	/* Another CPU got there first, or the table is full: not cached. */
	if (err)
		kfree(entry);
	return count;
}
