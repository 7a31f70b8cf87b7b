// SPDX-License-Identifier: GPL-2.0
/*
 * The record allocator of a policy's rules (rulestore.h).
 *
 * The directory of chunks only grows while the store exists; a bigger one
 * replaces it, and the old one is freed with kvfree_rcu().  Readers reach
 * a record only through an index published with a release store (ruleset.c).
 */

#include <linux/slab.h>
#include <linux/string.h>

#include "ruleset.h"
#include "rulestore.h"

/* Retired records waiting for a grace period, beyond which one is waited for. */
#define EGRESS_RETIRED_MIN 1024

void egress_store_unalloc(struct egress_rule_store *store, u32 idx)
{
	egress_rule_at_locked(store, idx)->next = store->free;
	store->free = idx;
}

static void egress_store_drain_retired(struct egress_rule_store *store)
{
	u32 i;

	for (i = 0; i < store->nr_retired; i++)
		egress_store_unalloc(store, store->retired[i]);
	store->nr_retired = 0;
}

/* The next chunk of records, and room for it in the directory. */
static int egress_store_add_chunk(struct egress_rule_store *store)
{
	struct egress_rule_dir *dir = egress_dir_locked(store);
	void *chunk;

	if (!dir || store->nr_chunks == dir->cap) {
		struct egress_rule_dir *bigger;
		/*
		 * A power of two of bytes, header included, which the slab
		 * and the page allocator serve without rounding up.
		 */
		size_t bytes = dir ? 2 * struct_size(dir, chunk, dir->cap) : 64;

		bigger = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
		if (!bigger)
			return -ENOMEM;
		bigger->cap = (bytes - offsetof(struct egress_rule_dir, chunk)) /
			      sizeof(bigger->chunk[0]);
		if (dir)
			memcpy(bigger->chunk, dir->chunk,
			       store->nr_chunks * sizeof(dir->chunk[0]));
		rcu_assign_pointer(store->dir, bigger);
		if (dir)
			kvfree_rcu(dir, rcu);
		dir = bigger;
	}
	chunk = kmalloc(store->nr_chunks ? EGRESS_CHUNK_BYTES :
				      EGRESS_FIRST_CHUNK_BYTES, GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return -ENOMEM;
	/*
	 * Published to readers by the release store of a trie head, a
	 * ->next or a trie leaf.
	 */
	dir->chunk[store->nr_chunks++] = chunk;
	return 0;
}

int egress_store_alloc(struct egress_rule_store *store, u32 *idx,
		       const char **reason)
{
	int err;

	if (store->free == EGRESS_RULE_NONE && store->nr_retired &&
	    poll_state_synchronize_rcu(store->retire_cookie))
		egress_store_drain_retired(store);
	if (store->free != EGRESS_RULE_NONE) {
		*idx = store->free;
		store->free = egress_rule_at_locked(store, *idx)->next;
		return 0;
	}
	if ((store->top >> EGRESS_CHUNK_SHIFT) == store->nr_chunks) {
		if (store->top + store->per_chunk > EGRESS_RULE_IDX_LIMIT) {
			*reason = KBUILD_MODNAME ": rule storage of this policy is full";
			return -ENOSPC;
		}
		err = egress_store_add_chunk(store);
		if (err)
			return err;
	}
	*idx = store->top++;
	if ((store->top & EGRESS_CHUNK_POS_MASK) ==
	    ((store->top >> EGRESS_CHUNK_SHIFT) ? store->per_chunk :
						  store->per_first_chunk))
		store->top = (store->top | EGRESS_CHUNK_POS_MASK) + 1;
	return 0;
}

/*
 * A record unlinked from the trie and chains: reusable once every reader
 * that may be on it has left.  When many wait (a large batch deleted or
 * rolled back), wait for the grace period rather than grow the store.
 */
void egress_store_retire(struct egress_rule_store *store, u32 live,
			 u32 idx)
{
	if (store->nr_retired == store->retired_cap) {
		u32 cap = max_t(u32, 64, store->retired_cap * 2);
		u32 *bigger = kvmalloc_array(cap, sizeof(*bigger),
					     GFP_KERNEL_ACCOUNT);

		if (!bigger) {
			synchronize_rcu();
			egress_store_drain_retired(store);
			egress_store_unalloc(store, idx);
			return;
		}
		if (store->retired)
			memcpy(bigger, store->retired,
			       store->nr_retired * sizeof(*bigger));
		kvfree(store->retired);
		store->retired = bigger;
		store->retired_cap = cap;
	}
	store->retired[store->nr_retired++] = idx;
	store->retire_cookie = start_poll_synchronize_rcu();
	if (store->nr_retired > max_t(u32, EGRESS_RETIRED_MIN, live / 4)) {
		cond_synchronize_rcu(store->retire_cookie);
		egress_store_drain_retired(store);
	}
}

void egress_store_init(struct egress_rule_store *store, u8 family)
{
	memset(store, 0, sizeof(*store));
	store->free = EGRESS_RULE_NONE;
	store->rec_size = egress_rule_size(family);
	store->per_chunk = EGRESS_CHUNK_BYTES / store->rec_size;
	store->per_first_chunk = EGRESS_FIRST_CHUNK_BYTES / store->rec_size;
}

void egress_store_destroy(struct egress_rule_store *store)
{
	struct egress_rule_dir *dir = egress_dir_locked(store);
	u32 i;

	for (i = 0; i < store->nr_chunks; i++)
		kfree(dir->chunk[i]);
	kvfree(dir);
	kvfree(store->retired);
}
