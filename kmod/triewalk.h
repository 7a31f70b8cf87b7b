/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reader's half of the prefix trie (trie.h): the walk that yields the
 * prefixes covering an address, longest first, with their heads.  It is
 * inlined into the packet path's lookup (lpm.c), once per address family,
 * so that an IPv4 walk does 64-bit arithmetic on the top half of the key
 * only.  The layout helpers here are shared with the writers (trie.c).
 *
 * A walk goes down from the root one node per six address bits, keeping
 * the path, until no child matches or it meets a leaf.  Then it yields the
 * leaf if it covers the address, and the prefix bits of each node on the
 * path from the deepest up: the bits of a node that cover the address are
 * its prefix bitmap ANDed with a mask per six-bit chunk
 * (egress_trie_cover), and its longest is the highest of them.
 */
#ifndef _NF_EGRESS_TRIEWALK_H
#define _NF_EGRESS_TRIEWALK_H

#include <linux/bitops.h>
#include <linux/rcupdate.h>

#include "ruleset.h"
#include "rulestore.h"
#include "trie.h"

#define EGRESS_TRIE_TAG_MASK 3UL
#define EGRESS_TRIE_TAG_LEAF 3UL

/*
 * Bit set: the prefix bit of a node below the root (stride 6) covers the
 * chunk value; lengths 1 to 6 of the node, as two words of its bitmap.
 * Filled by egress_trie_init().
 */
extern u64 egress_trie_cover[BIT(EGRESS_TRIE_STRIDE)][2];

/* The cursor of egress_trie_walk_next(): one lookup's path down the trie. */
struct egress_trie_walk {
	const struct egress_trie_node *path[EGRESS_TRIE_MAX_LEVELS];
	/*
	 * IPv4: each path node's chunk of the key, for its covering bits.
	 * An IPv6 walk computes them again instead: its walks end in a leaf
	 * more often than they climb, and a store per node costs more there.
	 */
	u8 chunk[EGRESS_TRIE_MAX_LEVELS];
	/* Not first: see struct egress_pkt (ruleset.h). */
	struct egress_trie_key key;
	/* The path node whose covering prefix bits @cover has not yielded. */
	int level;
	u64 cover[2];
	int leaf_len;		/* a covering leaf below the path, or -1 */
	u32 leaf_head;		/* its head */
};

static __always_inline unsigned int egress_trie_stride(unsigned int depth)
{
	return depth ? EGRESS_TRIE_STRIDE : EGRESS_TRIE_ROOT_STRIDE;
}

static __always_inline unsigned int egress_trie_level_depth(int level)
{
	return level ? EGRESS_TRIE_ROOT_STRIDE +
		       (level - 1) * EGRESS_TRIE_STRIDE : 0;
}

/*
 * The node at @depth's share of the address: bits @depth onwards, as many
 * as its stride; bits past 127 are 0.
 */
static __always_inline u32 egress_trie_chunk(const struct egress_trie_key *key,
					     unsigned int depth)
{
	u64 window;

	if (depth >= 64)
		window = key->lo << (depth - 64);
	else if (depth)
		window = key->hi << depth | key->lo >> (64 - depth);
	else
		window = key->hi;
	return window >> (64 - egress_trie_stride(depth));
}

/* The prefix bit of length @depth + @l over @chunk, in the node at @depth. */
static __always_inline unsigned int egress_trie_prefix_bit(u32 chunk,
							   unsigned int depth,
							   unsigned int l)
{
	return (1U << l) - 1 + (chunk >> (egress_trie_stride(depth) - l));
}

static __always_inline bool egress_trie_test_prefix(const u64 *prefixes,
						    unsigned int bit)
{
	return prefixes[bit / 64] & BIT_ULL(bit % 64);
}

/* Where the child entry of @v is in @node's array. */
static __always_inline unsigned int
egress_trie_child_index(const struct egress_trie_node *node, u32 v)
{
	return hweight64(node->children & (BIT_ULL(v) - 1));
}

/* The heads of @node's prefix bits, after its child entries. */
static __always_inline u32 *egress_trie_heads(const struct egress_trie_node *node)
{
	return (u32 *)((char *)node + offsetof(struct egress_trie_node, child) +
		       hweight64(node->children) * sizeof(node->child[0]));
}

/* Where the head of prefix bit @bit, which is set, is among @node's heads. */
static __always_inline unsigned int
egress_trie_head_index(const struct egress_trie_node *node, unsigned int bit)
{
	u64 below = BIT_ULL(bit % 64) - 1;

	if (bit < 64)
		return hweight64(node->prefixes[0] & below);
	return hweight64(node->prefixes[0]) +
	       hweight64(node->prefixes[1] & below);
}

/* Do the first @len bits of @prefix and @key agree? */
static __always_inline bool egress_trie_covers(u64 hi, u64 lo, unsigned int len,
					       const struct egress_trie_key *key)
{
	if (len <= 64)
		return !len || !((hi ^ key->hi) >> (64 - len));
	return hi == key->hi && !((lo ^ key->lo) >> (128 - len));
}

static __always_inline bool egress_trie_is_leaf(const void *entry)
{
	return (unsigned long)entry & EGRESS_TRIE_TAG_MASK;
}

static __always_inline u32 egress_trie_leaf_head(const void *entry)
{
	return (unsigned long)entry >> 2;
}

/* The leaf @entry's head record, which holds its prefix; readers and writers. */
static __always_inline const struct egress_rule *
egress_trie_leaf_rule(const struct egress_trie *trie, const void *entry)
{
	const struct egress_rule_store *store;
	const struct egress_rule_dir *dir;

	/*
	 * The writer put the record's chunk in the directory and filled the
	 * record before it published the entry: load the directory only
	 * after the entry, or an older one may lack the chunk.
	 */
	smp_rmb();
	store = container_of(trie, struct egress_rule_store, trie);
	dir = rcu_dereference_check(store->dir,
				    lockdep_is_held(&egress_config_mutex));
	return egress_rule_in(store, dir, egress_trie_leaf_head(entry));
}

/* Does the prefix of @rule, a record of a trie of @v6 keys, cover @key? */
static __always_inline bool egress_trie_rule_covers(const struct egress_rule *rule,
						    const struct egress_trie_key *key,
						    bool v6)
{
	struct egress_trie_key prefix;
	unsigned int len = rule->prefix_len;

	if (!v6)
		return !len || !((ntohl(rule->addr.ip) ^ (u32)(key->hi >> 32)) >>
				 (32 - len));
	egress_trie_key_from_addr(&prefix, NFPROTO_IPV6, &rule->addr);
	return egress_trie_covers(prefix.hi, prefix.lo, len, key);
}

/*
 * Shift the address bits a node consumed out of the top of (@hi, @lo): the
 * next node's chunk is then always the top six bits.  Cheaper per node than
 * a window at an offset (egress_trie_chunk()); an IPv4 key has no low word
 * to carry.
 */
static __always_inline void egress_trie_walk_consume(u64 *hi, u64 *lo,
						     unsigned int bits, bool v6)
{
	if (v6) {
		*hi = *hi << bits | *lo >> (64 - bits);
		*lo <<= bits;
	} else {
		*hi <<= bits;
	}
}

/*
 * Readers: start a walk over the prefixes of @trie that cover @key, which
 * may be walk->key.
 */
static __always_inline void egress_trie_walk_start(struct egress_trie_walk *walk,
						   const struct egress_trie *trie,
						   const struct egress_trie_key *key,
						   bool v6)
{
	const struct egress_trie_node *node = rcu_dereference(trie->root);
	u64 hi = key->hi, lo = v6 ? key->lo : 0;
	u32 v = hi >> (64 - EGRESS_TRIE_ROOT_STRIDE);
	int level = -1;

	walk->key = *key;
	walk->leaf_len = -1;
	walk->cover[0] = 0;
	walk->cover[1] = 0;
	egress_trie_walk_consume(&hi, &lo, EGRESS_TRIE_ROOT_STRIDE, v6);
	while (node) {
		/*
		 * Bit v of the children on top, the bits below it after: the
		 * sign says whether v has a child entry, and the popcount
		 * less one is where it is (egress_trie_child_index()).
		 */
		u64 from_v = node->children << (63 - v);
		const void *entry;

		walk->path[++level] = node;
		if (!v6)
			walk->chunk[level] = v;
		if ((s64)from_v >= 0)
			break;
		entry = rcu_dereference(node->child[hweight64(from_v) - 1]);
		if (!entry)
			break;
		if (egress_trie_is_leaf(entry)) {
			const struct egress_rule *rule = egress_trie_leaf_rule(trie, entry);

			if (egress_trie_rule_covers(rule, key, v6)) {
				walk->leaf_len = rule->prefix_len;
				walk->leaf_head = egress_trie_leaf_head(entry);
			}
			break;
		}
		node = entry;
		v = hi >> (64 - EGRESS_TRIE_STRIDE);
		egress_trie_walk_consume(&hi, &lo, EGRESS_TRIE_STRIDE, v6);
	}
	/* egress_trie_walk_next() starts with the deepest node. */
	walk->level = level + 1;
}

/* The root's prefix bits of lengths 0, 1 and 2 that cover chunk @v. */
static __always_inline u32 egress_trie_root_cover(u32 v)
{
	return BIT(0) | BIT(1 + v / 2) | BIT(3 + v);
}

/* The covering prefix bits of the path node at walk->level. */
static __always_inline void egress_trie_walk_cover(struct egress_trie_walk *walk,
						   bool v6)
{
	const struct egress_trie_node *node = walk->path[walk->level];
	u32 v;

	if (!walk->level) {
		/*
		 * The masks of the four chunks packed eight bits each, a
		 * constant: one shift picks the mask, which GCC would
		 * otherwise compute before every walk (it is loop-invariant)
		 * whether the walk gets here or not.
		 */
		const u32 root_cover = egress_trie_root_cover(0) |
				       egress_trie_root_cover(1) << 8 |
				       egress_trie_root_cover(2) << 16 |
				       egress_trie_root_cover(3) << 24;

		v = v6 ? walk->key.hi >> (64 - EGRESS_TRIE_ROOT_STRIDE) :
			 walk->chunk[0];
		walk->cover[0] = node->prefixes[0] & (u8)(root_cover >> (8 * v));
		walk->cover[1] = 0;
		return;
	}
	v = v6 ? egress_trie_chunk(&walk->key,
				   egress_trie_level_depth(walk->level)) :
		 walk->chunk[walk->level];
	walk->cover[0] = node->prefixes[0] & egress_trie_cover[v][0];
	walk->cover[1] = node->prefixes[1] & egress_trie_cover[v][1];
}

/*
 * The next longest covering prefix's length, with its head in *@head, or
 * -1 when there is none.  The head was loaded with acquire semantics.
 */
static __always_inline int egress_trie_walk_next(struct egress_trie_walk *walk,
						 u32 *head, bool v6)
{
	if (walk->leaf_len >= 0) {
		int len = walk->leaf_len;

		walk->leaf_len = -1;
		*head = walk->leaf_head;
		return len;
	}
	for (;;) {
		const struct egress_trie_node *node;
		unsigned int bit;
		u32 h;

		if (walk->cover[1]) {
			bit = __fls(walk->cover[1]);
			walk->cover[1] &= ~BIT_ULL(bit);
			bit += 64;
		} else if (walk->cover[0]) {
			bit = __fls(walk->cover[0]);
			walk->cover[0] &= ~BIT_ULL(bit);
		} else {
			if (--walk->level < 0)
				return -1;
			egress_trie_walk_cover(walk, v6);
			continue;
		}
		node = walk->path[walk->level];
		/* Pairs with the release that set the head. */
		h = smp_load_acquire(&egress_trie_heads(node)[egress_trie_head_index(node, bit)]);
		if (h != EGRESS_RULE_NONE) {
			*head = h;
			/* Bits (1 << l) - 1 to (1 << (l + 1)) - 2: length l. */
			return egress_trie_level_depth(walk->level) + __fls(bit + 1);
		}
	}
}

#endif /* _NF_EGRESS_TRIEWALK_H */
