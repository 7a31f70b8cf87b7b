/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The prefix index of one address family in one policy: which of the
 * policy's prefixes cover an address, longest first, in one visit per six
 * address bits of the deepest one, however many prefix lengths are in use.
 *
 * A multibit trie: the root takes the first 2 address bits, every node
 * below it the next 6, so nodes start at depths 0, 2, 8, 14, ..., 122, and
 * /32 and /128 prefixes end a node: a run of host routes fills the prefix
 * bitmap of one node instead of needing a child each.  A node at depth d
 * holds a bitmap of the prefixes of length d+1 to d+s below it, s its
 * stride (the root also length 0), in the tree-bitmap layout of Eatherton
 * et al., and an array of children, one per value of address bits d to
 * d+s-1 in use, compressed by a 64-bit occupancy bitmap and popcount as in
 * Poptrie.  A child whose subtree would hold one prefix is that prefix, a
 * leaf, until a second one arrives: sparse long prefixes cost a child
 * entry, not a chain of nodes.  The cost of a lookup is the depth of its
 * longest match, where probing a hash table per prefix length in use
 * would cost up to 33 probes for IPv4 and 129 for IPv6.
 *
 * Each prefix leads to its rules: a node holds, after its children, the
 * store index of the first rule (the head) of each of its prefix bits, in
 * bit order and found by popcount as its children are; a leaf is the
 * index of its prefix's head, whose record also tells the leaf's prefix.
 * The rules of a prefix are chained from the head (ruleset.c), so a walk
 * needs no other table.
 *
 * A node's bitmaps never change once readers can see it: a writer that
 * adds a child or a prefix bit publishes a copy with it (a node and its
 * arrays are one allocation), so a reader sees bitmaps and arrays that
 * belong together.  Heads, leaves replacing a removed child's entry and a
 * child replaced by a node are single-word stores.  A removed child is an
 * empty node (trie.c) and a removed prefix's head EGRESS_RULE_NONE until
 * the node's next copy, and a node left with one leaf and no prefixes
 * gives way to that leaf.
 *
 * A trie of EGRESS_TRIE_JUMP_MIN prefixes or more also has a jump table
 * (made when a published trie reaches that many, dropped below half):
 * for each value of the first 14 address bits, the child entry a walk
 * would reach at depth 14 (through the root and the nodes at depths 2 and
 * 8; the empty node where that node has no child there) if none of those
 * three nodes has a prefix that covers the 14 bits, else NULL (and NULL
 * where the walk would not get to depth 8).  A walk starts
 * from a non-NULL entry and skips three nodes, whose place on its path
 * the empty node takes: they have nothing for its climb.  After every
 * change to a prefix a writer recomputes the entries under it (a prefix
 * of 8 bits or fewer), or those of the depth-8 node on its way (64; a
 * longer prefix is below or in that node, and whatever moves at depth 14,
 * a leaf pushed down by a split or pulled up when nodes give way, stays
 * under that node); nodes that a change replaced are retired only after.
 * 128 KiB, 4 bytes a prefix at most.
 *
 * Writers hold egress_config_mutex; readers hold rcu_read_lock().
 */
#ifndef _NF_EGRESS_TRIE_H
#define _NF_EGRESS_TRIE_H

#include <linux/bitops.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/string.h>
#include <linux/types.h>

#define EGRESS_TRIE_ROOT_STRIDE 2
#define EGRESS_TRIE_STRIDE 6
/* The jump table's first node: level 3, at depth 14. */
#define EGRESS_TRIE_JUMP_LEVEL 3
#define EGRESS_TRIE_JUMP_BITS (EGRESS_TRIE_ROOT_STRIDE + \
			       (EGRESS_TRIE_JUMP_LEVEL - 1) * EGRESS_TRIE_STRIDE)
/* Prefixes from which a trie has a jump table; below half, it goes. */
#define EGRESS_TRIE_JUMP_MIN 65536
/* Nodes on the way down to a /128: depths 0, 2, 8, ..., 122. */
#define EGRESS_TRIE_MAX_LEVELS (1 + (128 - EGRESS_TRIE_ROOT_STRIDE) / \
				    EGRESS_TRIE_STRIDE)

/* An address as a 128-bit number; an IPv4 address is the top 32 bits. */
struct egress_trie_key {
	u64 hi;
	u64 lo;
};

/*
 * Freed with kvfree_rcu_mightsleep(): no rcu_head, 24 bytes before the
 * children, and after them a u32 head per prefix bit (trie.c).
 */
struct egress_trie_node {
	/* Bit v: address bits d..d+s-1 equal to v have a child entry. */
	u64 children;
	/*
	 * Bit (1 << l) - 1 + u: the prefix of length d+l whose last l bits
	 * are u.  Only the root uses l = 0.
	 */
	u64 prefixes[2];
	/*
	 * In order of v: a node, a leaf, or an empty node for a
	 * removed one (trie.c).
	 */
	void __rcu *child[];
};

/* Freed with kvfree_rcu_mightsleep(). */
struct egress_trie_jump {
	/* A node, a leaf or NULL, by the first EGRESS_TRIE_JUMP_BITS bits. */
	void __rcu *entry[BIT(EGRESS_TRIE_JUMP_BITS)];
};

/* Embedded in its store, whose records leaves may name (trie.c). */
struct egress_trie {
	struct egress_trie_node __rcu *root;	/* NULL until a first prefix */
	/* NULL for a small trie, or one whose table could not be allocated. */
	struct egress_trie_jump __rcu *jump;
	u32 prefixes;
	u32 nodes;
	size_t bytes;		/* of nodes and the jump table, as allocated */
	/*
	 * No reader can reach the trie yet: writers change nodes in place
	 * and free at once.  Cleared before the trie is published.
	 */
	bool unpublished;
};

static inline void egress_trie_key_from_addr(struct egress_trie_key *key,
					     u8 family,
					     const union nf_inet_addr *addr)
{
	if (family == NFPROTO_IPV4) {
		key->hi = (u64)ntohl(addr->ip) << 32;
		key->lo = 0;
	} else {
		__be64 hi, lo;

		/*
		 * Two 64-bit loads and byte swaps, not four of 32 bits
		 * joined by shifts: about ten instructions fewer for every
		 * IPv6 packet.  The address is only 4-byte aligned.
		 */
		memcpy(&hi, &addr->ip6[0], sizeof(hi));
		memcpy(&lo, &addr->ip6[2], sizeof(lo));
		key->hi = be64_to_cpu(hi);
		key->lo = be64_to_cpu(lo);
	}
}

/*
 * Writers: add the prefix (@key, @len) with host bits clear, whose head
 * is record @idx of the trie's store (filled, and in the directory).
 * Returns 1 if it is new, 0 if it was there (its head unchanged), or
 * -ENOMEM with the same prefixes and heads as before (in nodes that may
 * have been copied meanwhile).
 */
int egress_trie_insert(struct egress_trie *trie,
		       const struct egress_trie_key *key, u8 len, u32 idx);
/* The head of the prefix (@key, @len), or EGRESS_RULE_NONE. */
u32 egress_trie_head(struct egress_trie *trie,
		     const struct egress_trie_key *key, u8 len);
/*
 * Make record @idx, whole and in the directory, the head of the prefix
 * (@key, @len), which is in the trie (release semantics).
 */
void egress_trie_set_head(struct egress_trie *trie,
			  const struct egress_trie_key *key, u8 len, u32 idx);
/* Remove a prefix that is in the trie; needs no memory. */
void egress_trie_remove(struct egress_trie *trie,
			const struct egress_trie_key *key, u8 len);
/* Readers may see the trie from now on (it may get its jump table). */
void egress_trie_publish(struct egress_trie *trie);
/* Free everything; the caller guarantees no reader remains. */
void egress_trie_destroy(struct egress_trie *trie);

/* At module load: the walk's table of covering prefix bits. */
void egress_trie_init(void);

#ifdef DEBUG
/* Self-tests: the nth node allocation from now on fails (0: none does). */
extern unsigned int egress_trie_fail_nth;
/* Self-tests: prefixes from which a trie has a jump table. */
extern unsigned int egress_trie_jump_min;
/* Self-tests: does every entry of @trie's jump table hold what it should. */
bool egress_trie_jump_valid(struct egress_trie *trie);
#endif

#endif /* _NF_EGRESS_TRIE_H */
