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
 * chunk value v; lengths 1 to 6 of the node, as two words of its bitmap.
 * Indexed by 63 - v, the complemented chunk a walk has at hand
 * (egress_trie_walk_start()).  Filled by egress_trie_init().
 */
extern u64 egress_trie_cover[BIT(EGRESS_TRIE_STRIDE)][2];

/*
 * A node with no children and no prefixes: a removed child's entry, and
 * the path above a walk that began at the jump table (trie.h).
 */
extern const struct egress_trie_node egress_trie_gone;

/* The cursor of egress_trie_walk_next(): one lookup's path down the trie. */
struct egress_trie_walk {
	const struct egress_trie_node *path[EGRESS_TRIE_MAX_LEVELS];
	/*
	 * IPv4: each path node's chunk of the key, complemented, in the low
	 * six bits (the root's two), for its covering bits.  An IPv6 walk
	 * computes them again instead: its walks end in a leaf more often
	 * than they climb, and a store per node costs more there.
	 */
	u8 chunk[EGRESS_TRIE_MAX_LEVELS];
	/* Not first: see struct egress_pkt (ruleset.h). */
	struct egress_trie_key key;
	/* The path node whose covering prefix bits @cover has not yielded. */
	int level;
	u64 cover[2];
	int leaf_len;		/* a covering leaf below the path, or -1 */
	u32 leaf_head;		/* its head */
	const struct egress_rule *leaf_rule;	/* and its record: IPv6 only */
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
 * (@hi, @lo) rotated left by @bits as one number, which brings the top
 * @bits down to the bottom of @lo, where the walk's shift reads its count
 * (hence %rcx): two double shifts, where GCC makes eight instructions of
 * the words' shifts and ors.
 */
static __always_inline void egress_trie_rol128(u64 *hi, u64 *lo,
					       unsigned int bits)
{
	u64 top = *hi;

#ifdef CONFIG_X86_64
	asm("shldq %3, %1, %0\n\tshldq %3, %2, %1"
	    : "+&r" (*hi), "+&c" (*lo) : "r" (top), "J" (bits));
#else
	*hi = *hi << bits | *lo >> (64 - bits);
	*lo = *lo << bits | top >> (64 - bits);
#endif
}

/* The walk met the leaf @entry: it is the longest match if it covers. */
static __always_inline void egress_trie_walk_leaf(struct egress_trie_walk *walk,
						  const struct egress_trie *trie,
						  const void *entry,
						  const struct egress_trie_key *key,
						  bool v6)
{
	const struct egress_rule *rule = egress_trie_leaf_rule(trie, entry);

	if (egress_trie_rule_covers(rule, key, v6)) {
		walk->leaf_len = rule->prefix_len;
		walk->leaf_head = egress_trie_leaf_head(entry);
		if (v6)
			walk->leaf_rule = rule;
	}
}

/*
 * Readers: start a walk over the prefixes of @trie that cover @key, which
 * may be walk->key.
 *
 * The walk keeps the complement of the key and moves the bits a node
 * consumed out of the top of it, so that the next chunk v is always on
 * top: the complement's top six bits are then 63 - v, the shift that puts
 * bit v of the children bitmap on top (its sign says whether v has a
 * child entry, and the popcount less one is where it is,
 * egress_trie_child_index()), with no subtraction per node.  An IPv4 key
 * fits one word and rotates, which leaves the chunk in the low six bits,
 * where a shift count is read; an IPv6 one is shifted as one 128-bit
 * number (a double shift).  The chunks an IPv4 walk keeps for the climb
 * back up are these complements too.  With a jump table (trie.h) and an
 * entry for the first 14 bits, the descent begins at depth 14.
 */
static __always_inline void egress_trie_walk_start(struct egress_trie_walk *walk,
						   const struct egress_trie *trie,
						   const struct egress_trie_key *key,
						   bool v6)
{
	const struct egress_trie_jump *jump = rcu_dereference(trie->jump);
	const struct egress_trie_node *node;
	u64 nhi = ~key->hi, nlo = ~key->lo;
	unsigned long level = 0;
	unsigned int shift;

	walk->key = *key;
	walk->leaf_len = -1;
	walk->cover[0] = 0;
	walk->cover[1] = 0;
	walk->level = 0;
	if (jump) {
		const void *entry = rcu_dereference(jump->entry[key->hi >>
						     (64 - EGRESS_TRIE_JUMP_BITS)]);

		/*
		 * NULL: the long way.  Else the nodes above hold no prefix
		 * that covers the address: a climb finds nothing there.
		 */
		if (entry) {
			/*
			 * An IPv4 climb over them reads their chunk[] unset:
			 * masked to a chunk, an index of egress_trie_cover,
			 * whose mask meets the empty node's empty bitmaps.
			 * Zeroing it cost 15 instructions (GCC's registers).
			 */
			walk->path[0] = &egress_trie_gone;
			walk->path[1] = &egress_trie_gone;
			walk->path[2] = &egress_trie_gone;
			level = EGRESS_TRIE_JUMP_LEVEL;
			if (egress_trie_is_leaf(entry)) {
				egress_trie_walk_leaf(walk, trie, entry, key, v6);
				walk->level = level;
				return;
			}
			node = entry;
			/* The node's chunk: bits 14 to 19, complemented. */
			if (v6) {
				egress_trie_rol128(&nhi, &nlo, EGRESS_TRIE_JUMP_BITS +
						   EGRESS_TRIE_STRIDE);
				shift = nlo;
			} else {
				nhi = rol64(nhi, EGRESS_TRIE_JUMP_BITS +
					    EGRESS_TRIE_STRIDE);
				shift = nhi;
			}
			goto descend;
		}
	}
	node = rcu_dereference(trie->root);
	if (!node)
		return;
	/*
	 * The root's chunk v has two bits: 63 - v is 60 with the complement
	 * of v in the low two bits.
	 */
	if (v6) {
		egress_trie_rol128(&nhi, &nlo, EGRESS_TRIE_ROOT_STRIDE);
		shift = (nlo & (BIT(EGRESS_TRIE_ROOT_STRIDE) - 1)) |
			(64 - BIT(EGRESS_TRIE_ROOT_STRIDE));
	} else {
		nhi = rol64(nhi, EGRESS_TRIE_ROOT_STRIDE);
		shift = (nhi & (BIT(EGRESS_TRIE_ROOT_STRIDE) - 1)) |
			(64 - BIT(EGRESS_TRIE_ROOT_STRIDE));
	}
descend:
	for (;;) {
		u64 from_v = node->children << (shift & 63);
		const void *entry;

		walk->path[level] = node;
		if (!v6)
			walk->chunk[level] = shift;
		level++;
		if ((s64)from_v >= 0)
			break;
		/* child[popcount - 1], the 1 folded into the displacement. */
		entry = rcu_dereference(*(void __rcu *const *)
					((const char *)node +
					 offsetof(struct egress_trie_node, child) -
					 sizeof(node->child[0]) +
					 hweight64(from_v) * sizeof(node->child[0])));
		if (egress_trie_is_leaf(entry)) {
			egress_trie_walk_leaf(walk, trie, entry, key, v6);
			break;
		}
		/* A removed child is egress_trie_gone, a node with nothing. */
		node = entry;
		/* The shift reads its count's low six bits only. */
		if (v6) {
			egress_trie_rol128(&nhi, &nlo, EGRESS_TRIE_STRIDE);
			shift = nlo;
		} else {
			nhi = rol64(nhi, EGRESS_TRIE_STRIDE);
			shift = nhi;
		}
	}
	/* egress_trie_walk_next() starts with the deepest node. */
	walk->level = level;
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
	u32 nv;

	if (!walk->level) {
		/*
		 * The masks of the four chunks packed eight bits each, a
		 * constant, by complemented chunk: one shift picks the mask,
		 * which GCC would otherwise compute before every walk (it is
		 * loop-invariant) whether the walk gets here or not.
		 */
		const u32 root_cover = egress_trie_root_cover(3) |
				       egress_trie_root_cover(2) << 8 |
				       egress_trie_root_cover(1) << 16 |
				       egress_trie_root_cover(0) << 24;

		nv = v6 ? ~walk->key.hi >> (64 - EGRESS_TRIE_ROOT_STRIDE) :
			  walk->chunk[0] & (BIT(EGRESS_TRIE_ROOT_STRIDE) - 1);
		walk->cover[0] = node->prefixes[0] & (u8)(root_cover >> (8 * nv));
		walk->cover[1] = 0;
		return;
	}
	nv = v6 ? egress_trie_chunk(&walk->key,
				    egress_trie_level_depth(walk->level)) ^
		  (BIT(EGRESS_TRIE_STRIDE) - 1) :
		  walk->chunk[walk->level] & (BIT(EGRESS_TRIE_STRIDE) - 1);
	walk->cover[0] = node->prefixes[0] & egress_trie_cover[nv][0];
	walk->cover[1] = node->prefixes[1] & egress_trie_cover[nv][1];
}

/*
 * The next longest covering prefix, with its head in *@head and its length
 * in *@len unless @len is NULL; false when there is none.  The head was
 * loaded with acquire semantics.
 */
static __always_inline bool egress_trie_walk_next(struct egress_trie_walk *walk,
						  u32 *head, int *len, bool v6)
{
	if (walk->leaf_len >= 0) {
		if (len)
			*len = walk->leaf_len;
		walk->leaf_len = -1;
		*head = walk->leaf_head;
		return true;
	}
	for (;;) {
		const struct egress_trie_node *node;
		unsigned long k;
		unsigned int bit;
		u32 h;

		if (walk->cover[1]) {
			bit = __fls(walk->cover[1]);
			walk->cover[1] ^= BIT_ULL(bit);
			bit += 64;
		} else if (walk->cover[0]) {
			bit = __fls(walk->cover[0]);
			walk->cover[0] ^= BIT_ULL(bit);
		} else {
			if (--walk->level < 0)
				return false;
			egress_trie_walk_cover(walk, v6);
			continue;
		}
		node = walk->path[walk->level];
		/*
		 * The place of the head of @bit, which is set, among the
		 * node's heads is the popcount of the node's prefix bits up
		 * to @bit, brought to the top of its word, less one: the
		 * shift's count, 63 - @bit % 64, is @bit's complement modulo
		 * 64.  The 1 folds into the load's displacement.
		 */
		k = hweight64(node->prefixes[bit / 64] << (~bit & 63));
		if (bit >= 64)
			k += hweight64(node->prefixes[0]);
		/* Pairs with the release that set the head. */
		h = smp_load_acquire((const u32 *)((const char *)egress_trie_heads(node) -
						   sizeof(u32) + k * sizeof(u32)));
		if (h != EGRESS_RULE_NONE) {
			*head = h;
			/* Bits (1 << l) - 1 to (1 << (l + 1)) - 2: length l. */
			if (len)
				*len = egress_trie_level_depth(walk->level) +
				       __fls(bit + 1);
			return true;
		}
	}
}

#endif /* _NF_EGRESS_TRIEWALK_H */
