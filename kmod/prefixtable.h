/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The prefix table of one address family's rules in one policy: an
 * open-addressing hash table from a prefix (length, masked address) to the
 * index of its most specific rule in the family's store (rulestore.h).
 * Writers replace a table to grow or shrink it; readers on the old one
 * finish there, and it is freed after a grace period.
 *
 * Writers hold egress_config_mutex; readers hold rcu_read_lock().
 */
#ifndef _NF_EGRESS_PREFIXTABLE_H
#define _NF_EGRESS_PREFIXTABLE_H

#include <linux/bits.h>
#include <linux/hash.h>
#include <linux/jhash.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <net/ipv6.h>

#include "ruleset.h"
#include "rulestore.h"

/*
 * A table slot: 0 empty, 1 a deleted entry (probes go on past it), else
 * the prefix's first rule as (index + 2) in the low 24 bits and 8 bits of
 * the key's hash above them (the tag), so most probes that miss end without
 * reading a record.  A key's home slot comes from the hash's top bits, the
 * tag from its low byte.
 */
#define EGRESS_SLOT_EMPTY 0U
#define EGRESS_SLOT_GONE 1U
#define EGRESS_SLOT_IDX_BITS EGRESS_RULE_IDX_BITS
/* Every index + 2 fits the slot (EGRESS_RULE_IDX_LIMIT). */
#define EGRESS_SLOT_IDX_MASK (BIT(EGRESS_SLOT_IDX_BITS) - 1)

/*
 * The slots are an allocation of their own: a power of two of them is a
 * power of two of bytes, which kmalloc() and the page allocator serve
 * exactly, where a header in front would double a large table's pages.
 */
struct egress_rule_table {
	struct rcu_head rcu;
	u32 mask;		/* slots - 1 */
	u32 shift;		/* 32 - log2(slots): hash >> shift is a home slot */
	u32 used;		/* slots not empty: prefixes and deleted */
	u32 prefixes;
	u32 seed;
	u32 *slot;
};

static __always_inline u32 egress_slot_make(u32 hash, u32 idx)
{
	return (hash & 0xff) << EGRESS_SLOT_IDX_BITS | (idx + 2);
}

static __always_inline bool egress_slot_live(u32 slot)
{
	return slot > EGRESS_SLOT_GONE;
}

static __always_inline u32 egress_slot_idx(u32 slot)
{
	return (slot & EGRESS_SLOT_IDX_MASK) - 2;
}

static __always_inline bool egress_slot_tagged(u32 slot, u32 hash)
{
	return slot >> EGRESS_SLOT_IDX_BITS == (hash & 0xff) &&
	       egress_slot_live(slot);
}

static inline __be32 egress_ipv4_mask(__be32 addr, unsigned int prefix_len)
{
	return prefix_len ? addr & htonl(~0U << (32 - prefix_len)) : 0;
}

/* Only as many address bytes as the family has: see egress_rule_size(). */
static __always_inline bool egress_addr_equal(u8 family,
					      const union nf_inet_addr *a,
					      const union nf_inet_addr *b)
{
	if (family == NFPROTO_IPV4)
		return a->ip == b->ip;
	return ipv6_addr_equal(&a->in6, &b->in6);
}

static __always_inline u32 egress_prefix_hash(u8 family,
					      const union nf_inet_addr *addr,
					      u8 prefix_len, u32 seed)
{
	/*
	 * A lookup hashes once per prefix length in use, so for IPv4 one
	 * multiply rather than jhash: the product's top bits (the home slot)
	 * depend on every bit of the key, and bits 32-39 (the tag) on every
	 * bit of the address.  Keys are the administrator's, not a sender's.
	 */
	if (family == NFPROTO_IPV4)
		return ((u64)(seed ^ prefix_len) << 32 |
			(__force u32)addr->ip) * GOLDEN_RATIO_64 >> 32;
	return jhash2(addr->all, ARRAY_SIZE(addr->all), seed ^ prefix_len);
}

static inline struct egress_rule_table *
egress_table_locked(struct egress_rule_store *store)
{
	return rcu_dereference_protected(store->table,
					 lockdep_is_held(&egress_config_mutex));
}

/* Readers: the first rule of the prefix (@addr, @prefix_len), or NULL. */
static __always_inline const struct egress_rule *
egress_prefix_lookup(const struct egress_rule_store *store,
		     const struct egress_rule_table *tab, u8 family,
		     const union nf_inet_addr *addr, u8 prefix_len)
{
	u32 hash = egress_prefix_hash(family, addr, prefix_len, tab->seed);
	u32 i = hash >> tab->shift;

	for (;; i = (i + 1) & tab->mask) {
		/* Before the directory: see the top of ruleset.c. */
		u32 slot = smp_load_acquire(&tab->slot[i]);
		const struct egress_rule *head;

		if (slot == EGRESS_SLOT_EMPTY)
			return NULL;
		if (!egress_slot_tagged(slot, hash))
			continue;
		head = egress_rule_at(store, egress_slot_idx(slot));
		if (head->prefix_len == prefix_len &&
		    egress_addr_equal(family, &head->addr, addr))
			return head;
	}
}

/*
 * Writers: the slot of the prefix (@addr, @prefix_len) in @tab, true if it
 * is there; else false, with *@pos where it would go (the first deleted
 * slot on the way, or the empty one that ended the probe).
 */
bool egress_table_find(struct egress_rule_store *store,
		       const struct egress_rule_table *tab, u8 family,
		       const union nf_inet_addr *addr, u8 prefix_len, u32 *pos);
/*
 * Replace @store's table with one of @slots slots holding the same
 * prefixes and no deleted entries.  Readers on the old table finish there.
 */
int egress_table_rebuild(struct egress_rule_store *store, u8 family, u32 slots);
/* A table size for @prefixes: at most half full, so probes stay short. */
u32 egress_table_slots_for(u32 prefixes);
/* Give back table memory after many deletes; failing to is harmless. */
void egress_table_trim(struct egress_rule_store *store, u8 family);
/* Free the table; the caller guarantees no reader remains. */
void egress_table_destroy(struct egress_rule_store *store);

#endif /* _NF_EGRESS_PREFIXTABLE_H */
