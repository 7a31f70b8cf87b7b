/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record allocator of a policy's rules: fixed-size records in page-sized
 * chunks (the first one smaller), addressed by a 32-bit index, one store
 * per address family.  A record leaves the store's hands unreachable
 * (egress_store_alloc()) and comes back either at once, if no reader ever
 * saw it, or after an RCU grace period (egress_store_retire()).
 *
 * Writers hold egress_config_mutex, the self-tests' rulesets included
 * (egress_selftest_run() takes it), so lockdep checks every writer;
 * readers hold rcu_read_lock().
 */
#ifndef _NF_EGRESS_RULESTORE_H
#define _NF_EGRESS_RULESTORE_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "trie.h"

struct egress_rule;

/* policy.h; declared here too so that the store's lockdep checks name it. */
extern struct mutex egress_config_mutex;

/*
 * A chunk is one page of records, but for a store's first, which is small
 * so that a policy of a few rules does not take a page; an index is its
 * chunk number shifted by EGRESS_CHUNK_SHIFT plus the record's position
 * (below 2^7, since no record is smaller than 32 bytes).
 */
#define EGRESS_CHUNK_BYTES 4096
#define EGRESS_FIRST_CHUNK_BYTES 512
#define EGRESS_CHUNK_SHIFT 7
#define EGRESS_CHUNK_POS_MASK (BIT(EGRESS_CHUNK_SHIFT) - 1)
static_assert(EGRESS_CHUNK_BYTES / 32 <= BIT(EGRESS_CHUNK_SHIFT));

/*
 * Indexes fit in EGRESS_RULE_IDX_BITS bits, far from EGRESS_RULE_NONE, and
 * a trie leaf holds one shifted left by 2 in a pointer, on 32-bit kernels
 * too (trie.c).
 */
#define EGRESS_RULE_IDX_BITS 24
#define EGRESS_RULE_IDX_LIMIT (BIT(EGRESS_RULE_IDX_BITS) - 2)

/* No record: the end of a chain, an empty free list. */
#define EGRESS_RULE_NONE U32_MAX

struct egress_rule_dir {
	struct rcu_head rcu;
	u32 cap;
	void *chunk[];
};

/*
 * The rules of one address family in one policy.
 *
 * Rules live in chunks of fixed-size records (a page, but for a small
 * first one), addressed by a 32-bit index (chunk << EGRESS_CHUNK_SHIFT |
 * position); the directory of chunks only grows while the store exists.
 * A trie of the prefixes holds the index of each prefix's most specific
 * rule, and the rules of a prefix are chained through ->next; it tells a
 * lookup which prefixes cover an address (trie.h).  A deleted rule's record
 * is reused only after an RCU grace period, since a reader may still be on
 * it; until then its index waits in @retired.
 */
struct egress_rule_store {
	struct egress_trie trie;		/* the prefixes and their heads */
	struct egress_rule_dir __rcu *dir;
	u32 nr_chunks;
	u32 top;		/* the first index never handed out */
	u32 free;		/* reusable records, chained by ->next */
	u32 *retired;
	u32 nr_retired;
	u32 retired_cap;
	unsigned long retire_cookie;	/* start_poll_synchronize_rcu() */
	u16 rec_size;
	u16 per_chunk;
	u16 per_first_chunk;
};

static __always_inline struct egress_rule *
egress_rule_in(const struct egress_rule_store *store,
	       const struct egress_rule_dir *dir, u32 idx)
{
	return dir->chunk[idx >> EGRESS_CHUNK_SHIFT] +
	       (idx & EGRESS_CHUNK_POS_MASK) * store->rec_size;
}

/* Readers: after the acquire load that produced @idx. */
static __always_inline struct egress_rule *
egress_rule_at(const struct egress_rule_store *store, u32 idx)
{
	return egress_rule_in(store, rcu_dereference(store->dir), idx);
}

/* Writers. */
static inline struct egress_rule_dir *egress_dir_locked(struct egress_rule_store *store)
{
	return rcu_dereference_protected(store->dir,
					 lockdep_is_held(&egress_config_mutex));
}

static inline struct egress_rule *egress_rule_at_locked(struct egress_rule_store *store,
							u32 idx)
{
	return egress_rule_in(store, egress_dir_locked(store), idx);
}

/* An empty store for rules of @family. */
void egress_store_init(struct egress_rule_store *store, u8 family);
/* Frees the records; the caller guarantees no reader remains. */
void egress_store_destroy(struct egress_rule_store *store);
/* A record for a new rule, not yet reachable by readers. */
int egress_store_alloc(struct egress_rule_store *store, u32 *idx,
		       const char **reason);
/* A record no reader can be on (never seen, or past a grace period). */
void egress_store_unalloc(struct egress_rule_store *store, u32 idx);
/*
 * A record unlinked from the trie and chains, of a store with @live rules
 * left: reusable once every reader that may be on it has left.
 */
void egress_store_retire(struct egress_rule_store *store, u32 live, u32 idx);

#endif /* _NF_EGRESS_RULESTORE_H */
