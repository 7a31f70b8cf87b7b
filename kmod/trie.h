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
 * would cost up to 33 probes for IPv4 and 129 for IPv6.  Only prefixes
 * live here, not rules: the prefix table (prefixtable.h) leads from a
 * prefix to its rules.
 *
 * A node's child array never changes size in place once readers can see
 * it: a writer that adds a child publishes a copy with it (a node and its
 * array are one allocation), so a reader sees an occupancy bitmap and an
 * array that belong together.  Prefix bits, leaves replacing a removed
 * child's entry and a child replaced by a node are single-word stores.
 * Removed entries are NULL until the node's next copy, and a node left
 * with one leaf and no prefix bits gives way to that leaf.
 *
 * Writers hold egress_config_mutex; readers hold rcu_read_lock().
 */
#ifndef _NF_EGRESS_TRIE_H
#define _NF_EGRESS_TRIE_H

#include <linux/bitops.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#define EGRESS_TRIE_ROOT_STRIDE 2
#define EGRESS_TRIE_STRIDE 6
/* Nodes on the way down to a /128: depths 0, 2, 8, ..., 122. */
#define EGRESS_TRIE_MAX_LEVELS (1 + (128 - EGRESS_TRIE_ROOT_STRIDE) / \
				    EGRESS_TRIE_STRIDE)

/* An address as a 128-bit number; an IPv4 address is the top 32 bits. */
struct egress_trie_key {
	u64 hi;
	u64 lo;
};

/* Freed with kvfree_rcu_mightsleep(): no rcu_head, 24 bytes before children. */
struct egress_trie_node {
	/* Bit v: address bits d..d+s-1 equal to v have a child entry. */
	u64 children;
	/*
	 * Bit (1 << l) - 1 + u: the prefix of length d+l whose last l bits
	 * are u.  Only the root uses l = 0.
	 */
	u64 prefixes[2];
	/*
	 * In order of v: a node, a leaf (trie.c), or NULL for
	 * a removed one.
	 */
	void __rcu *child[];
};

/* Embedded in its store, whose records leaves may name (trie.c). */
struct egress_trie {
	struct egress_trie_node __rcu *root;	/* NULL until a first prefix */
	u32 nodes;
	size_t bytes;		/* of nodes, as allocated */
	/*
	 * No reader can reach the trie yet: writers change nodes in place
	 * and free at once.  Cleared before the trie is published.
	 */
	bool unpublished;
};

/* The cursor of egress_trie_next(): one lookup's path down the trie. */
struct egress_trie_walk {
	struct egress_trie_key key;
	const struct egress_trie_node *path[EGRESS_TRIE_MAX_LEVELS];
	int level;		/* the path node being scanned, -1: done */
	int len;		/* the next prefix length to test in it */
	int leaf_len;		/* a covering leaf below the path, or -1 */
};

static inline void egress_trie_key_from_addr(struct egress_trie_key *key,
					     u8 family,
					     const union nf_inet_addr *addr)
{
	if (family == NFPROTO_IPV4) {
		key->hi = (u64)ntohl(addr->ip) << 32;
		key->lo = 0;
	} else {
		key->hi = (u64)ntohl(addr->ip6[0]) << 32 | ntohl(addr->ip6[1]);
		key->lo = (u64)ntohl(addr->ip6[2]) << 32 | ntohl(addr->ip6[3]);
	}
}

/* Readers: start a walk over the prefixes of @trie that cover @key. */
void egress_trie_walk_start(struct egress_trie_walk *walk,
			    const struct egress_trie *trie,
			    const struct egress_trie_key *key);
/* The next longest covering prefix's length, or -1 when there is none. */
int egress_trie_walk_next(struct egress_trie_walk *walk);

/*
 * Writers: add the prefix (@key, @len) with host bits clear, whose record
 * @idx in the trie's store holds it (filled, and in the directory).
 * Returns 1 if it is new, 0 if it was there, or -ENOMEM with the same
 * prefixes as before.
 */
int egress_trie_insert(struct egress_trie *trie,
		       const struct egress_trie_key *key, u8 len, u32 idx);
/*
 * A leaf may name record @from for the prefix (@key, @len): name record
 * @to, another record of the same prefix, instead.  Before @from is retired.
 */
void egress_trie_repoint(struct egress_trie *trie,
			 const struct egress_trie_key *key, u8 len, u32 from,
			 u32 to);
/* Remove a prefix that is in the trie; needs no memory. */
void egress_trie_remove(struct egress_trie *trie,
			const struct egress_trie_key *key, u8 len);
/* Free everything; the caller guarantees no reader remains. */
void egress_trie_destroy(struct egress_trie *trie);

#ifdef DEBUG
/* Self-tests: the nth node allocation from now on fails (0: none does). */
extern unsigned int egress_trie_fail_nth;
#endif

#endif /* _NF_EGRESS_TRIE_H */
