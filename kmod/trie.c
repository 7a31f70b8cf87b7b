// SPDX-License-Identifier: GPL-2.0
/*
 * The prefix index (trie.h).
 *
 * A child entry is a node pointer (low bits 00), a leaf held in the entry
 * itself (01: a prefix with no bits set below its top 32, the address in
 * the entry's top 32 bits and the length in bits 2-9, on 64-bit kernels),
 * the index of a record of the prefix in the trie's store shifted left by
 * 2 (11: any other prefix), or NULL (removed).  A record leaf costs no
 * memory of its own: the prefix is the record's, which the store keeps
 * until a grace period after no entry names it (ruleset.c points the leaf
 * at another record of the prefix before it retires the named one).
 */

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "ruleset.h"
#include "rulestore.h"
#include "trie.h"

#define EGRESS_TRIE_TAG_MASK 3UL
#define EGRESS_TRIE_TAG_INLINE 1UL
#define EGRESS_TRIE_TAG_RECORD 3UL

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
	return READ_ONCE(prefixes[bit / 64]) & BIT_ULL(bit % 64);
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

/* The leaf @entry's prefix; readers and writers both. */
static __always_inline void egress_trie_leaf_prefix(const struct egress_trie *trie,
						    const void *entry,
						    struct egress_trie_key *key,
						    unsigned int *len)
{
	unsigned long bits = (unsigned long)entry;
	const struct egress_rule_store *store;
	const struct egress_rule_dir *dir;
	const struct egress_rule *rule;

	if ((bits & EGRESS_TRIE_TAG_MASK) == EGRESS_TRIE_TAG_INLINE) {
		key->hi = (u64)bits & ~(u64)U32_MAX;
		key->lo = 0;
		*len = (bits >> 2) & 0xff;
		return;
	}
	/*
	 * The writer put the record's chunk in the directory and filled the
	 * record before it published the entry: load the directory only
	 * after the entry, or an older one may lack the chunk.
	 */
	smp_rmb();
	store = container_of(trie, struct egress_rule_store, trie);
	dir = rcu_dereference_check(store->dir,
				    lockdep_is_held(&egress_config_mutex));
	rule = egress_rule_in(store, dir, bits >> 2);
	egress_trie_key_from_addr(key, rule->family, &rule->addr);
	*len = rule->prefix_len;
}

/* The leaf entry of the prefix (@key, @len), whose record is @idx. */
static void *egress_trie_leaf_make(const struct egress_trie_key *key, u8 len,
				   u32 idx)
{
	if (IS_ENABLED(CONFIG_64BIT) && !key->lo && !(key->hi & U32_MAX))
		return (void *)(unsigned long)(key->hi | (u64)len << 2 |
					       EGRESS_TRIE_TAG_INLINE);
	return (void *)((unsigned long)idx << 2 | EGRESS_TRIE_TAG_RECORD);
}

/*
 * A node for @children entries has room for as many as its slab bucket
 * holds: the same for every count up to that room, so the count alone
 * tells the room.
 */
static size_t egress_trie_node_size(unsigned int children)
{
	struct egress_trie_node *node;

	return kmalloc_size_roundup(struct_size(node, child, children));
}

static unsigned int egress_trie_node_room(unsigned int children)
{
	return min_t(size_t, 64, (egress_trie_node_size(children) -
				  offsetof(struct egress_trie_node, child)) /
				 sizeof(void *));
}

#ifdef DEBUG
unsigned int egress_trie_fail_nth;
#endif

static struct egress_trie_node *egress_trie_node_alloc(struct egress_trie *trie,
						       unsigned int children)
{
	struct egress_trie_node *node;

#ifdef DEBUG
	if (egress_trie_fail_nth && !--egress_trie_fail_nth)
		return NULL;
#endif
	node = kzalloc(egress_trie_node_size(children), GFP_KERNEL_ACCOUNT);
	if (node) {
		trie->nodes++;
		trie->bytes += egress_trie_node_size(children);
	}
	return node;
}

/*
 * A node's children are as many as it was allocated for, or more within
 * the same bucket (in-place growth): its size follows from their number.
 */
static void egress_trie_node_forget(struct egress_trie *trie,
				    const struct egress_trie_node *node)
{
	trie->nodes--;
	trie->bytes -= egress_trie_node_size(hweight64(node->children));
}

static void egress_trie_node_drop(struct egress_trie *trie,
				  struct egress_trie_node *node)
{
	egress_trie_node_forget(trie, node);
	kfree(node);
}

static void egress_trie_node_retire(struct egress_trie *trie,
				    struct egress_trie_node *node)
{
	egress_trie_node_forget(trie, node);
	if (trie->unpublished)
		kfree(node);
	else
		kvfree_rcu_mightsleep(node);
}

static struct egress_trie_node *egress_trie_root_locked(struct egress_trie *trie)
{
	return rcu_dereference_protected(trie->root,
					 lockdep_is_held(&egress_config_mutex));
}

static void *egress_trie_child_locked(struct egress_trie_node *node,
				      unsigned int i)
{
	return rcu_dereference_protected(node->child[i],
					 lockdep_is_held(&egress_config_mutex));
}

/* Where the child entry of @v is in @node's array. */
static __always_inline unsigned int
egress_trie_child_index(const struct egress_trie_node *node, u32 v)
{
	return hweight64(node->children & (BIT_ULL(v) - 1));
}

void egress_trie_walk_start(struct egress_trie_walk *walk,
			    const struct egress_trie *trie,
			    const struct egress_trie_key *key)
{
	const struct egress_trie_node *node = rcu_dereference(trie->root);
	unsigned int depth = 0;
	int level = -1;

	walk->key = *key;
	walk->leaf_len = -1;
	while (node) {
		u32 v = egress_trie_chunk(key, depth);
		const void *entry;

		walk->path[++level] = node;
		if (!(node->children & BIT_ULL(v)))
			break;
		entry = rcu_dereference(node->child[egress_trie_child_index(node, v)]);
		if (!entry)
			break;
		if (egress_trie_is_leaf(entry)) {
			struct egress_trie_key prefix;
			unsigned int len;

			egress_trie_leaf_prefix(trie, entry, &prefix, &len);
			if (egress_trie_covers(prefix.hi, prefix.lo, len, key))
				walk->leaf_len = len;
			break;
		}
		node = entry;
		depth += egress_trie_stride(depth);
	}
	walk->level = level;
	walk->len = depth + egress_trie_stride(depth);
}

int egress_trie_walk_next(struct egress_trie_walk *walk)
{
	if (walk->leaf_len >= 0) {
		int len = walk->leaf_len;

		walk->leaf_len = -1;
		return len;
	}
	for (; walk->level >= 0; walk->level--) {
		const struct egress_trie_node *node = walk->path[walk->level];
		int depth = egress_trie_level_depth(walk->level);
		u32 v = egress_trie_chunk(&walk->key, depth);
		/* Length @depth belongs to the node above, but for /0. */
		int shortest = walk->level ? depth + 1 : 0;

		for (; walk->len >= shortest; walk->len--) {
			unsigned int bit = egress_trie_prefix_bit(v, depth,
								  walk->len - depth);

			if (egress_trie_test_prefix(node->prefixes, bit))
				return walk->len--;
		}
		/* walk->len is now the deepest length of the node above. */
	}
	return -1;
}

/*
 * Give @node a child entry @entry for @v.  Readers must see the occupancy
 * bitmap and the array change together, so a published trie gets a copy
 * of @node, without the removed entries, in @node's place (@parent's entry
 * @pidx, or the root).  A trie no reader sees yet (a policy being applied)
 * grows the node in place while its bucket has room.
 */
static int egress_trie_add_child(struct egress_trie *trie,
				 struct egress_trie_node *parent,
				 unsigned int pidx,
				 struct egress_trie_node *node, u32 v,
				 void *entry)
{
	unsigned int i, k = 0, live = 1, n = hweight64(node->children);
	struct egress_trie_node *copy;
	u64 children = node->children;

	if (trie->unpublished && n < egress_trie_node_room(n)) {
		i = egress_trie_child_index(node, v);
		memmove(&node->child[i + 1], &node->child[i],
			(n - i) * sizeof(node->child[0]));
		RCU_INIT_POINTER(node->child[i], entry);
		node->children |= BIT_ULL(v);
		return 0;
	}

	for (i = 0; i < n; i++)
		live += !!rcu_access_pointer(node->child[i]);
	copy = egress_trie_node_alloc(trie, live);
	if (!copy)
		return -ENOMEM;
	copy->prefixes[0] = node->prefixes[0];
	copy->prefixes[1] = node->prefixes[1];
	for (i = 0; i < n; i++) {
		u32 c = __ffs64(children);
		void *old = egress_trie_child_locked(node, i);

		children &= children - 1;
		if (c > v && !(copy->children & BIT_ULL(v))) {
			copy->children |= BIT_ULL(v);
			RCU_INIT_POINTER(copy->child[k++], entry);
		}
		if (!old)
			continue;
		copy->children |= BIT_ULL(c);
		RCU_INIT_POINTER(copy->child[k++], old);
	}
	if (!(copy->children & BIT_ULL(v))) {
		copy->children |= BIT_ULL(v);
		RCU_INIT_POINTER(copy->child[k++], entry);
	}

	if (parent)
		rcu_assign_pointer(parent->child[pidx], copy);
	else
		rcu_assign_pointer(trie->root, copy);
	egress_trie_node_retire(trie, node);
	return 0;
}

/*
 * A new node at @depth holding the leaf @old (the prefix @okey/@olen) and
 * the prefix @key/@len of record @idx, which both lie below it, with more
 * nodes below if they share the next six bits.
 */
static struct egress_trie_node *
egress_trie_split(struct egress_trie *trie, unsigned int depth, void *old,
		  const struct egress_trie_key *okey, unsigned int olen,
		  const struct egress_trie_key *key, unsigned int len, u32 idx)
{
	unsigned int next = depth + egress_trie_stride(depth);
	bool old_bit = olen <= next, new_bit = len <= next;
	u32 oc = egress_trie_chunk(okey, depth), c = egress_trie_chunk(key, depth);
	struct egress_trie_node *node, *below;
	void *leaf;

	if (!old_bit && !new_bit && oc == c) {
		node = egress_trie_node_alloc(trie, 1);
		if (!node)
			return ERR_PTR(-ENOMEM);
		node->children = BIT_ULL(c);
		below = egress_trie_split(trie, next, old, okey, olen, key, len,
					  idx);
		if (IS_ERR(below)) {
			egress_trie_node_drop(trie, node);
			return below;
		}
		RCU_INIT_POINTER(node->child[0], below);
		return node;
	}

	leaf = new_bit ? NULL : egress_trie_leaf_make(key, len, idx);
	node = egress_trie_node_alloc(trie, !old_bit + !new_bit);
	if (!node)
		return ERR_PTR(-ENOMEM);
	if (old_bit) {
		unsigned int bit = egress_trie_prefix_bit(oc, depth, olen - depth);

		node->prefixes[bit / 64] |= BIT_ULL(bit % 64);
	} else {
		node->children |= BIT_ULL(oc);
	}
	if (new_bit) {
		unsigned int bit = egress_trie_prefix_bit(c, depth, len - depth);

		node->prefixes[bit / 64] |= BIT_ULL(bit % 64);
		if (!old_bit)
			RCU_INIT_POINTER(node->child[0], old);
		return node;
	}

	node->children |= BIT_ULL(c);
	if (old_bit) {
		RCU_INIT_POINTER(node->child[0], leaf);
	} else {
		RCU_INIT_POINTER(node->child[oc < c ? 0 : 1], old);
		RCU_INIT_POINTER(node->child[oc < c ? 1 : 0], leaf);
	}
	return node;
}

int egress_trie_insert(struct egress_trie *trie,
		       const struct egress_trie_key *key, u8 len, u32 idx)
{
	struct egress_trie_node *node = egress_trie_root_locked(trie);
	struct egress_trie_node *parent = NULL;
	unsigned int depth, pidx = 0;

	if (!node) {
		node = egress_trie_node_alloc(trie, 0);
		if (!node)
			return -ENOMEM;
		rcu_assign_pointer(trie->root, node);
	}
	for (depth = 0;; depth += egress_trie_stride(depth)) {
		unsigned int i, olen, next = depth + egress_trie_stride(depth);
		u32 v = egress_trie_chunk(key, depth);
		struct egress_trie_node *below;
		struct egress_trie_key okey;
		void *entry;

		if (len <= next) {
			unsigned int bit = egress_trie_prefix_bit(v, depth, len - depth);
			u64 *word = &node->prefixes[bit / 64];

			if (*word & BIT_ULL(bit % 64))
				return 0;
			WRITE_ONCE(*word, *word | BIT_ULL(bit % 64));
			return 1;
		}
		if (!(node->children & BIT_ULL(v))) {
			int err;

			entry = egress_trie_leaf_make(key, len, idx);
			err = egress_trie_add_child(trie, parent, pidx, node, v,
						    entry);
			return err ?: 1;
		}
		i = egress_trie_child_index(node, v);
		entry = egress_trie_child_locked(node, i);
		if (!entry) {
			rcu_assign_pointer(node->child[i],
					   egress_trie_leaf_make(key, len, idx));
			return 1;
		}
		if (!egress_trie_is_leaf(entry)) {
			parent = node;
			pidx = i;
			node = entry;
			continue;
		}
		egress_trie_leaf_prefix(trie, entry, &okey, &olen);
		if (olen == len && okey.hi == key->hi && okey.lo == key->lo)
			return 0;
		below = egress_trie_split(trie, next, entry, &okey, olen, key,
					  len, idx);
		if (IS_ERR(below))
			return PTR_ERR(below);
		rcu_assign_pointer(node->child[i], below);
		return 1;
	}
}

/*
 * What may stand in for @node in its parent: NULL if it holds nothing, its
 * one leaf if that is all it holds, else @node itself.
 */
static void *egress_trie_shrunk(struct egress_trie_node *node)
{
	unsigned int i, n = hweight64(node->children);
	void *only = NULL;

	if (node->prefixes[0] || node->prefixes[1])
		return node;
	for (i = 0; i < n; i++) {
		void *entry = egress_trie_child_locked(node, i);

		if (!entry)
			continue;
		if (only || !egress_trie_is_leaf(entry))
			return node;
		only = entry;
	}
	return only;
}

void egress_trie_remove(struct egress_trie *trie,
			const struct egress_trie_key *key, u8 len)
{
	struct egress_trie_node *path[EGRESS_TRIE_MAX_LEVELS];
	unsigned int index[EGRESS_TRIE_MAX_LEVELS];
	struct egress_trie_node *node = egress_trie_root_locked(trie);
	unsigned int depth = 0;
	int level = 0;

	if (WARN_ON_ONCE(!node))
		return;
	for (;;) {
		u32 v = egress_trie_chunk(key, depth);
		struct egress_trie_key okey;
		unsigned int i, olen;
		void *entry;

		path[level] = node;
		if (len <= depth + egress_trie_stride(depth)) {
			unsigned int bit = egress_trie_prefix_bit(v, depth, len - depth);
			u64 *word = &node->prefixes[bit / 64];

			if (WARN_ON_ONCE(!(*word & BIT_ULL(bit % 64))))
				return;
			WRITE_ONCE(*word, *word & ~BIT_ULL(bit % 64));
			break;
		}
		if (WARN_ON_ONCE(!(node->children & BIT_ULL(v))))
			return;
		i = egress_trie_child_index(node, v);
		entry = egress_trie_child_locked(node, i);
		if (WARN_ON_ONCE(!entry))
			return;
		if (egress_trie_is_leaf(entry)) {
			egress_trie_leaf_prefix(trie, entry, &okey, &olen);
			if (WARN_ON_ONCE(olen != len || okey.hi != key->hi ||
					 okey.lo != key->lo))
				return;
			RCU_INIT_POINTER(node->child[i], NULL);
			break;
		}
		index[++level] = i;
		node = entry;
		depth += egress_trie_stride(depth);
	}

	/* The root stays; a node below it may give way to what it holds. */
	for (; level > 0; level--) {
		void *instead = egress_trie_shrunk(path[level]);

		if (instead == path[level])
			break;
		rcu_assign_pointer(path[level - 1]->child[index[level]], instead);
		egress_trie_node_retire(trie, path[level]);
	}
}

void egress_trie_repoint(struct egress_trie *trie,
			 const struct egress_trie_key *key, u8 len, u32 from,
			 u32 to)
{
	void *named = egress_trie_leaf_make(key, len, from);
	struct egress_trie_node *node = egress_trie_root_locked(trie);
	unsigned int depth = 0;

	/* An inline leaf names no record. */
	if (((unsigned long)named & EGRESS_TRIE_TAG_MASK) != EGRESS_TRIE_TAG_RECORD)
		return;
	while (node && len > depth + egress_trie_stride(depth)) {
		u32 v = egress_trie_chunk(key, depth);
		unsigned int i;
		void *entry;

		if (!(node->children & BIT_ULL(v)))
			return;
		i = egress_trie_child_index(node, v);
		entry = egress_trie_child_locked(node, i);
		if (egress_trie_is_leaf(entry)) {
			/* Record @to is whole and in the directory: release. */
			if (entry == named)
				rcu_assign_pointer(node->child[i],
						   egress_trie_leaf_make(key, len, to));
			return;
		}
		node = entry;
		depth += egress_trie_stride(depth);
	}
}

static void egress_trie_free(struct egress_trie *trie, void *entry)
{
	struct egress_trie_node *node = entry;
	unsigned int i;

	if (!entry || egress_trie_is_leaf(entry))
		return;
	for (i = 0; i < hweight64(node->children); i++)
		egress_trie_free(trie, rcu_dereference_raw(node->child[i]));
	egress_trie_node_drop(trie, node);
}

void egress_trie_destroy(struct egress_trie *trie)
{
	egress_trie_free(trie, rcu_dereference_raw(trie->root));
	RCU_INIT_POINTER(trie->root, NULL);
}
