/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cgroup resolution cache: cgroup id -> the policies on its path.
 *
 * Resolving a cgroup walks its ancestors' names (policy.c).  The packet path
 * does that once per cgroup and set generation and remembers the answer by
 * cgroup id, which the kernel never reuses.  Creating or deleting a policy
 * bumps the set's resolve generation, which makes every entry stale, and so
 * does a rate limit change (an entry says whether its path has any); rule
 * changes do not, since they do not change which policies apply.  The
 * generation is 64 bits wide, so it never comes round again to the value
 * of an entry that went stale (with pointers to freed policies) long ago.
 */
#ifndef _NF_EGRESS_CACHE_H
#define _NF_EGRESS_CACHE_H

#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/rhashtable.h>
#include <linux/types.h>

#include "policy.h"

#define EGRESS_CACHE_MAX_SIZE 32768	/* buckets */
/* rhashtable refuses inserts (-E2BIG) from this many entries on. */
#define EGRESS_CACHE_MAX_ENTRIES (2 * EGRESS_CACHE_MAX_SIZE)

struct egress_cache_entry {
	struct rhash_head node;
	u64 cgroup_id;
	struct rcu_head rcu;
	u64 resolve_gen;
	u16 count;
	u16 path_flags;		/* EGRESS_PATH_* */
	/*
	 * Set by a hit, cleared by a prune (cache.c): an entry of a removed
	 * cgroup whose sockets still send stays.  The one field a reader
	 * writes, and only when it is clear, so the line is written once per
	 * prune, not once per packet.
	 */
	u8 used;
	/* The prune that last looked at the entry (set->cache_prune_seq). */
	u8 prune_seq;
	struct egress_policy *policies[];
};

/*
 * Every packet looks its cgroup up here.  Ids are 64-bit counters the
 * kernel hands out in order, so one multiplication spreads them well, and
 * the table's seed (new on every rehash) moves them between tables.  Both
 * are much cheaper than the generic jhash2() and memcmp().  Ids are the
 * kernel's, not a sender's choice: nobody picks them to collide.
 */
static __always_inline u32 egress_cache_hash(const void *data, u32 len,
					     u32 seed)
{
	return hash_64(*(const u64 *)data ^ seed, 32);
}

static __always_inline int
egress_cache_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct egress_cache_entry *entry = obj;

	return entry->cgroup_id != *(const u64 *)arg->key;
}

static const struct rhashtable_params egress_cache_params = {
	.key_len		= sizeof(u64),
	.key_offset		= offsetof(struct egress_cache_entry, cgroup_id),
	.head_offset		= offsetof(struct egress_cache_entry, node),
	.max_size		= EGRESS_CACHE_MAX_SIZE,
	.automatic_shrinking	= true,
	.hashfn			= egress_cache_hash,
	.obj_cmpfn		= egress_cache_cmp,
};

int egress_cache_init(struct egress_set *set);
/* No reader may hold the set any more. */
void egress_cache_destroy(struct egress_set *set);
/* How many cgroups the cache holds an answer for (GET_INFO). */
unsigned int egress_cache_count(struct egress_set *set);

/*
 * The miss path of egress_cache_policies(): resolve by names and remember
 * the answer, replacing @old (a stale entry) if there is one.  Out of line,
 * so that the hit path does not set up (and, with INIT_STACK_ALL_ZERO,
 * zero) the names on its stack.
 */
unsigned int egress_cache_fill(struct egress_set *set,
			       const struct cgroup *cgrp, int max_depth, u64 id,
			       u64 resolve_gen, struct egress_cache_entry *old,
			       struct egress_policy **out, u32 *path_flags);

/*
 * The policies on @cgrp's path in @set, root first; returns how many, and
 * points *@policies at them: at the cache entry's array, valid until the
 * caller's rcu_read_unlock(), or on a miss at @buf, which they are written
 * into.  *@path_flags gets egress_rate_path_flags() of them.  Caller holds
 * rcu_read_lock(); may run in softirq context.  Inline: every packet comes
 * here.
 */
static inline unsigned int
egress_cache_policies(struct egress_set *set, const struct cgroup *cgrp,
		      struct egress_policy **buf,
		      struct egress_policy *const **policies, u32 *path_flags)
{
	/*
	 * Pairs with smp_store_release() in egress_set_paths_changed(): what
	 * is read after it (the depth, the policies) is at least as new as
	 * the generation an answer is cached under.
	 */
	u64 resolve_gen = smp_load_acquire(&set->resolve_gen);
	struct egress_cache_entry *entry;
	u64 id = cgroup_id(cgrp);

	entry = rhashtable_lookup(&set->cache, &id, egress_cache_params);
	if (unlikely(!entry || entry->resolve_gen != resolve_gen)) {
		*policies = buf;
		return egress_cache_fill(set, cgrp, READ_ONCE(set->max_depth),
					 id, resolve_gen, entry, buf,
					 path_flags);
	}
	if (unlikely(!READ_ONCE(entry->used)))
		WRITE_ONCE(entry->used, 1);
	/*
	 * Not copied: the entry is freed only after a grace period
	 * (kfree_rcu() when it is replaced or pruned).
	 */
	*policies = entry->policies;
	*path_flags = entry->path_flags;
	return entry->count;
}

#endif /* _NF_EGRESS_CACHE_H */
