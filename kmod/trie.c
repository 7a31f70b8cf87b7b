// SPDX-License-Identifier: GPL-2.0
/*
 * The prefix index (trie.h).
 *
 * A child entry is a node pointer (low bits 00), a leaf (11: the index of
 * its prefix's head record in the trie's store, shifted left by 2), or
 * EGRESS_TRIE_GONE (removed): a node with no children and no prefixes,
 * which a walk goes into and finds nothing in, so that it tests no entry
 * for NULL on the way down.  A leaf costs no memory of its own: its
 * prefix is its head's, which the store keeps until a grace period after
 * no entry names it (ruleset.c makes the next rule of the prefix its head
 * before it retires the old head).  A node's heads follow its child
 * entries: u32 store indexes, one per prefix bit in bit order,
 * EGRESS_RULE_NONE for a removed prefix.
 */

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "ruleset.h"
#include "rulestore.h"
#include "trie.h"
#include "triewalk.h"

/* Never written: readers only go into it. */
const struct egress_trie_node egress_trie_gone;
#define EGRESS_TRIE_GONE ((void *)&egress_trie_gone)

/* No prefix bit for egress_trie_node_grow() to add. */
#define EGRESS_TRIE_NO_BIT (-1)

u64 egress_trie_cover[BIT(EGRESS_TRIE_STRIDE)][2] __ro_after_init;

void __init egress_trie_init(void)
{
	unsigned int v, l, bit;

	for (v = 0; v < ARRAY_SIZE(egress_trie_cover); v++) {
		for (l = 1; l <= EGRESS_TRIE_STRIDE; l++) {
			bit = egress_trie_prefix_bit(v, EGRESS_TRIE_ROOT_STRIDE, l);
			egress_trie_cover[ARRAY_SIZE(egress_trie_cover) - 1 - v][bit / 64] |=
				BIT_ULL(bit % 64);
		}
	}
}

static __always_inline unsigned int
egress_trie_prefix_count(const struct egress_trie_node *node)
{
	return hweight64(node->prefixes[0]) + hweight64(node->prefixes[1]);
}

static void *egress_trie_leaf_make(u32 head)
{
	return (void *)((unsigned long)head << 2 | EGRESS_TRIE_TAG_LEAF);
}

/* The leaf @entry's prefix. */
static void egress_trie_leaf_prefix(const struct egress_trie *trie,
				    const void *entry,
				    struct egress_trie_key *key,
				    unsigned int *len)
{
	const struct egress_rule *rule = egress_trie_leaf_rule(trie, entry);

	egress_trie_key_from_addr(key, rule->family, &rule->addr);
	*len = rule->prefix_len;
}

/*
 * A node for @children entries and @prefixes heads has room for as much as
 * its slab bucket holds: the same for every count up to that room, so the
 * counts alone tell the room.
 */
static size_t egress_trie_node_size(unsigned int children,
				    unsigned int prefixes)
{
	return kmalloc_size_roundup(offsetof(struct egress_trie_node, child) +
				    children * sizeof(void *) +
				    prefixes * sizeof(u32));
}

static size_t egress_trie_node_bytes(const struct egress_trie_node *node)
{
	return egress_trie_node_size(hweight64(node->children),
				     egress_trie_prefix_count(node));
}

#ifdef DEBUG
unsigned int egress_trie_fail_nth;
unsigned int egress_trie_jump_min = EGRESS_TRIE_JUMP_MIN;
#define egress_trie_jump_threshold() READ_ONCE(egress_trie_jump_min)
#else
#define egress_trie_jump_threshold() EGRESS_TRIE_JUMP_MIN
#endif

static struct egress_trie_node *egress_trie_node_alloc(struct egress_trie *trie,
						       unsigned int children,
						       unsigned int prefixes)
{
	size_t size = egress_trie_node_size(children, prefixes);
	struct egress_trie_node *node;

#ifdef DEBUG
	if (egress_trie_fail_nth && !--egress_trie_fail_nth)
		return NULL;
#endif
	node = kzalloc(size, GFP_KERNEL_ACCOUNT);
	if (node) {
		trie->nodes++;
		trie->bytes += size;
	}
	return node;
}

/*
 * A node's children and prefixes are as many as it was allocated for, or
 * more within the same bucket (in-place growth): its size follows from
 * their number.
 */
static void egress_trie_node_forget(struct egress_trie *trie,
				    const struct egress_trie_node *node)
{
	trie->nodes--;
	trie->bytes -= egress_trie_node_bytes(node);
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

static struct egress_trie_jump *egress_trie_jump_locked(struct egress_trie *trie)
{
	return rcu_dereference_protected(trie->jump,
					 lockdep_is_held(&egress_config_mutex));
}

/* The first address bits whose node holds the jump table's entries. */
#define EGRESS_TRIE_JUMP_TOP_BITS (EGRESS_TRIE_JUMP_BITS - EGRESS_TRIE_STRIDE)

/* Has @node a prefix among its bits @mask, not removed? */
static bool egress_trie_live_prefix(const struct egress_trie_node *node,
				    const u64 *mask)
{
	u32 *heads = egress_trie_heads(node);
	unsigned int w;

	for (w = 0; w < 2; w++) {
		u64 bits = node->prefixes[w] & mask[w];

		while (bits) {
			unsigned int bit = w * 64 + __ffs64(bits);

			if (heads[egress_trie_head_index(node, bit)] !=
			    EGRESS_RULE_NONE)
				return true;
			bits &= bits - 1;
		}
	}
	return false;
}

/* Bits of a node below the root that cover its chunk @v (lengths 1 to 6). */
static const u64 *egress_trie_cover_of(u32 v)
{
	return egress_trie_cover[BIT(EGRESS_TRIE_STRIDE) - 1 - v];
}

/*
 * The node a walk reaches after the first EGRESS_TRIE_JUMP_TOP_BITS
 * address bits, equal to @top, or NULL if it meets no node there or a
 * node on the way has a prefix that covers them.
 */
static struct egress_trie_node *egress_trie_jump_parent(struct egress_trie *trie,
							u32 top)
{
	struct egress_trie_node *node = egress_trie_root_locked(trie);
	unsigned int level, depth = 0;

	for (level = 0; node && level < EGRESS_TRIE_JUMP_LEVEL - 1; level++) {
		unsigned int stride = egress_trie_stride(depth);
		u64 root_mask[2] = { 0, 0 };
		void *entry;
		u32 v;

		depth += stride;
		v = top >> (EGRESS_TRIE_JUMP_TOP_BITS - depth) &
		    (BIT(stride) - 1);
		if (!level)
			root_mask[0] = egress_trie_root_cover(v);
		if (egress_trie_live_prefix(node, level ? egress_trie_cover_of(v) :
					    root_mask))
			return NULL;
		if (!(node->children & BIT_ULL(v)))
			return NULL;
		entry = egress_trie_child_locked(node,
						 egress_trie_child_index(node, v));
		if (entry == EGRESS_TRIE_GONE || egress_trie_is_leaf(entry))
			return NULL;
		node = entry;
	}
	return node;
}

/*
 * Set the jump table's entries under the first bits @top to what a walk
 * may start from (trie.h), or, with @check, tell whether they are.
 */
static bool egress_trie_jump_block(struct egress_trie *trie,
				   struct egress_trie_jump *jump, u32 top,
				   bool check)
{
	struct egress_trie_node *node = egress_trie_jump_parent(trie, top);
	bool same = true;
	u32 v;

	for (v = 0; v < BIT(EGRESS_TRIE_STRIDE); v++) {
		void __rcu **slot = &jump->entry[top << EGRESS_TRIE_STRIDE | v];
		void *entry = NULL;

		/*
		 * With no child there, nothing covers the address but what
		 * the three nodes above hold: the empty node says so at once.
		 */
		if (node && !egress_trie_live_prefix(node, egress_trie_cover_of(v)))
			entry = node->children & BIT_ULL(v) ?
				egress_trie_child_locked(node,
							 egress_trie_child_index(node, v)) :
				EGRESS_TRIE_GONE;
		if (rcu_access_pointer(*slot) == entry)
			continue;
		same = false;
		if (!check)
			/* Pairs with the walk's load: the node is whole. */
			rcu_assign_pointer(*slot, entry);
	}
	return same;
}

/*
 * After any change to the prefix (@key, @len), host bits clear: the
 * entries below it, or below its node at depth 8 if it is longer.
 */
static void egress_trie_jump_update(struct egress_trie *trie,
				    const struct egress_trie_key *key,
				    unsigned int len)
{
	struct egress_trie_jump *jump = egress_trie_jump_locked(trie);
	u32 top, first, count;

	if (!jump)
		return;
	count = len >= EGRESS_TRIE_JUMP_TOP_BITS ? 1 :
		BIT(EGRESS_TRIE_JUMP_TOP_BITS - len);
	first = key->hi >> (64 - EGRESS_TRIE_JUMP_TOP_BITS) & ~(count - 1);
	for (top = first; top < first + count; top++)
		egress_trie_jump_block(trie, jump, top, false);
}

/*
 * A jump table from EGRESS_TRIE_JUMP_MIN prefixes on, none below half.
 * An apply builds an unpublished trie with none, then makes it whole at
 * once (egress_trie_publish()), not a block per insert.
 */
static void egress_trie_jump_resize(struct egress_trie *trie)
{
	struct egress_trie_jump *jump = egress_trie_jump_locked(trie);
	u32 min = egress_trie_jump_threshold(), top;

	if (!jump && trie->prefixes >= min && !trie->unpublished) {
		/* Without one, walks take longer: the next insert tries again. */
		jump = kvzalloc(sizeof(*jump), GFP_KERNEL_ACCOUNT);
		if (!jump)
			return;
		for (top = 0; top < BIT(EGRESS_TRIE_JUMP_TOP_BITS); top++)
			egress_trie_jump_block(trie, jump, top, false);
		rcu_assign_pointer(trie->jump, jump);
		trie->bytes += sizeof(*jump);
	} else if (jump && trie->prefixes < min / 2) {
		RCU_INIT_POINTER(trie->jump, NULL);
		trie->bytes -= sizeof(*jump);
		kvfree_rcu_mightsleep(jump);
	}
}

void egress_trie_publish(struct egress_trie *trie)
{
	trie->unpublished = false;
	egress_trie_jump_resize(trie);
}

#ifdef DEBUG
bool egress_trie_jump_valid(struct egress_trie *trie)
{
	struct egress_trie_jump *jump = egress_trie_jump_locked(trie);
	u32 top;

	if (!jump)
		return trie->unpublished ||
		       trie->prefixes < egress_trie_jump_threshold();
	for (top = 0; top < BIT(EGRESS_TRIE_JUMP_TOP_BITS); top++)
		if (!egress_trie_jump_block(trie, jump, top, true))
			return false;
	return true;
}
#endif

/*
 * Give @node either a child entry @entry for @v (@bit is
 * EGRESS_TRIE_NO_BIT) or the prefix bit @bit with head @head (@entry is
 * NULL).  Readers must see the bitmaps and the arrays change together, so
 * a published trie gets a copy of @node, without removed entries and
 * prefixes, in @node's place (@parent's entry @pidx, or the root), and
 * @node in *@replaced for the caller to retire after the jump table stops
 * naming it.  A trie no reader sees yet (a policy being applied) grows
 * the node in place while its bucket has room.
 */
static int egress_trie_node_grow(struct egress_trie *trie,
				 struct egress_trie_node *parent,
				 unsigned int pidx,
				 struct egress_trie_node *node, u32 v,
				 void *entry, int bit, u32 head,
				 struct egress_trie_node **replaced)
{
	unsigned int nc = hweight64(node->children);
	unsigned int np = egress_trie_prefix_count(node);
	unsigned int i, k, b, live_c = !!entry, live_p = !entry;
	u32 *heads = egress_trie_heads(node), *copy_heads;
	struct egress_trie_node *copy;
	u64 children = node->children;

	if (trie->unpublished &&
	    egress_trie_node_size(nc + !!entry, np + !entry) ==
	    egress_trie_node_size(nc, np)) {
		if (entry) {
			i = egress_trie_child_index(node, v);
			memmove((char *)heads + sizeof(node->child[0]), heads,
				np * sizeof(*heads));
			memmove(&node->child[i + 1], &node->child[i],
				(nc - i) * sizeof(node->child[0]));
			RCU_INIT_POINTER(node->child[i], entry);
			node->children |= BIT_ULL(v);
		} else {
			k = egress_trie_head_index(node, bit);
			memmove(&heads[k + 1], &heads[k],
				(np - k) * sizeof(*heads));
			heads[k] = head;
			node->prefixes[bit / 64] |= BIT_ULL(bit % 64);
		}
		return 0;
	}

	for (i = 0; i < nc; i++)
		live_c += rcu_access_pointer(node->child[i]) != EGRESS_TRIE_GONE;
	for (i = 0; i < np; i++)
		live_p += heads[i] != EGRESS_RULE_NONE;
	copy = egress_trie_node_alloc(trie, live_c, live_p);
	if (!copy)
		return -ENOMEM;
	for (i = 0, k = 0; i < nc; i++) {
		u32 c = __ffs64(children);
		void *old = egress_trie_child_locked(node, i);

		children &= children - 1;
		if (entry && c > v && !(copy->children & BIT_ULL(v))) {
			copy->children |= BIT_ULL(v);
			RCU_INIT_POINTER(copy->child[k++], entry);
		}
		if (old == EGRESS_TRIE_GONE)
			continue;
		copy->children |= BIT_ULL(c);
		RCU_INIT_POINTER(copy->child[k++], old);
	}
	if (entry && !(copy->children & BIT_ULL(v))) {
		copy->children |= BIT_ULL(v);
		RCU_INIT_POINTER(copy->child[k++], entry);
	}
	/* The heads go after the children, all of which are in place. */
	copy_heads = egress_trie_heads(copy);
	for (b = 0, i = 0, k = 0; b < 128; b++) {
		u32 h;

		if (egress_trie_test_prefix(node->prefixes, b))
			h = heads[i++];
		else if (!entry && b == bit)
			h = head;
		else
			continue;
		if (h == EGRESS_RULE_NONE)
			continue;
		copy->prefixes[b / 64] |= BIT_ULL(b % 64);
		copy_heads[k++] = h;
	}

	if (parent)
		rcu_assign_pointer(parent->child[pidx], copy);
	else
		rcu_assign_pointer(trie->root, copy);
	/* Retired by the caller once no jump entry names it. */
	*replaced = node;
	return 0;
}

/*
 * A new node at @depth holding the leaf @old (the prefix @okey/@olen) and
 * the prefix @key/@len with head @idx, which both lie below it, with more
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
	unsigned int ob = 0, nb = 0;
	struct egress_trie_node *node, *below;
	u32 *heads;

	if (!old_bit && !new_bit && oc == c) {
		node = egress_trie_node_alloc(trie, 1, 0);
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

	node = egress_trie_node_alloc(trie, !old_bit + !new_bit,
				      old_bit + new_bit);
	if (!node)
		return ERR_PTR(-ENOMEM);
	if (old_bit) {
		ob = egress_trie_prefix_bit(oc, depth, olen - depth);
		node->prefixes[ob / 64] |= BIT_ULL(ob % 64);
	} else {
		node->children |= BIT_ULL(oc);
	}
	if (new_bit) {
		nb = egress_trie_prefix_bit(c, depth, len - depth);
		node->prefixes[nb / 64] |= BIT_ULL(nb % 64);
	} else {
		node->children |= BIT_ULL(c);
	}
	heads = egress_trie_heads(node);

	if (old_bit && new_bit) {
		heads[ob < nb ? 0 : 1] = egress_trie_leaf_head(old);
		heads[ob < nb ? 1 : 0] = idx;
	} else if (old_bit) {
		heads[0] = egress_trie_leaf_head(old);
		RCU_INIT_POINTER(node->child[0], egress_trie_leaf_make(idx));
	} else if (new_bit) {
		heads[0] = idx;
		RCU_INIT_POINTER(node->child[0], old);
	} else {
		RCU_INIT_POINTER(node->child[oc < c ? 0 : 1], old);
		RCU_INIT_POINTER(node->child[oc < c ? 1 : 0],
				 egress_trie_leaf_make(idx));
	}
	return node;
}

static int egress_trie_insert_at(struct egress_trie *trie,
				 struct egress_trie_node *node,
				 const struct egress_trie_key *key, u8 len,
				 u32 idx, struct egress_trie_node **replaced)
{
	struct egress_trie_node *parent = NULL;
	unsigned int depth, pidx = 0;

	for (depth = 0;; depth += egress_trie_stride(depth)) {
		unsigned int i, olen, next = depth + egress_trie_stride(depth);
		u32 v = egress_trie_chunk(key, depth);
		struct egress_trie_node *below;
		struct egress_trie_key okey;
		void *entry;

		if (len <= next) {
			unsigned int bit = egress_trie_prefix_bit(v, depth, len - depth);
			u32 *head;

			if (!egress_trie_test_prefix(node->prefixes, bit))
				return egress_trie_node_grow(trie, parent, pidx,
							     node, 0, NULL,
							     bit, idx,
							     replaced) ?: 1;
			head = &egress_trie_heads(node)[egress_trie_head_index(node, bit)];
			if (*head != EGRESS_RULE_NONE)
				return 0;
			/* Record @idx is whole and in the directory. */
			smp_store_release(head, idx);
			return 1;
		}
		if (!(node->children & BIT_ULL(v)))
			return egress_trie_node_grow(trie, parent, pidx, node, v,
						     egress_trie_leaf_make(idx),
						     EGRESS_TRIE_NO_BIT, 0,
						     replaced) ?: 1;
		i = egress_trie_child_index(node, v);
		entry = egress_trie_child_locked(node, i);
		if (entry == EGRESS_TRIE_GONE) {
			rcu_assign_pointer(node->child[i],
					   egress_trie_leaf_make(idx));
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

int egress_trie_insert(struct egress_trie *trie,
		       const struct egress_trie_key *key, u8 len, u32 idx)
{
	struct egress_trie_node *root = egress_trie_root_locked(trie);
	struct egress_trie_node *replaced = NULL;
	bool fresh = !root;
	int ret;

	if (fresh) {
		root = egress_trie_node_alloc(trie, 0, 0);
		if (!root)
			return -ENOMEM;
		rcu_assign_pointer(trie->root, root);
	}
	ret = egress_trie_insert_at(trie, root, key, len, idx, &replaced);
	if (ret > 0) {
		trie->prefixes++;
		/* A failed or idle insert changed nothing. */
		egress_trie_jump_update(trie, key, len);
		if (replaced)
			egress_trie_node_retire(trie, replaced);
		egress_trie_jump_resize(trie);
	} else if (ret < 0 && fresh) {
		/* As before: no root. */
		RCU_INIT_POINTER(trie->root, NULL);
		egress_trie_node_retire(trie, root);
	}
	return ret;
}

/* Where a writer finds a prefix that is in the trie. */
struct egress_trie_spot {
	struct egress_trie_node *node;
	u32 *head;		/* its head among @node's, */
	unsigned int child;	/* or, when NULL, its leaf's entry in @node */
};

static bool egress_trie_locate(struct egress_trie *trie,
			       const struct egress_trie_key *key, u8 len,
			       struct egress_trie_spot *spot)
{
	struct egress_trie_node *node = egress_trie_root_locked(trie);
	unsigned int depth = 0;

	while (node) {
		u32 v = egress_trie_chunk(key, depth);
		struct egress_trie_key okey;
		unsigned int i, olen;
		void *entry;

		spot->node = node;
		if (len <= depth + egress_trie_stride(depth)) {
			unsigned int bit = egress_trie_prefix_bit(v, depth, len - depth);

			if (!egress_trie_test_prefix(node->prefixes, bit))
				return false;
			spot->head = &egress_trie_heads(node)[egress_trie_head_index(node, bit)];
			return *spot->head != EGRESS_RULE_NONE;
		}
		if (!(node->children & BIT_ULL(v)))
			return false;
		i = egress_trie_child_index(node, v);
		entry = egress_trie_child_locked(node, i);
		if (entry == EGRESS_TRIE_GONE)
			return false;
		if (egress_trie_is_leaf(entry)) {
			egress_trie_leaf_prefix(trie, entry, &okey, &olen);
			spot->head = NULL;
			spot->child = i;
			return olen == len && okey.hi == key->hi &&
			       okey.lo == key->lo;
		}
		node = entry;
		depth += egress_trie_stride(depth);
	}
	return false;
}

u32 egress_trie_head(struct egress_trie *trie,
		     const struct egress_trie_key *key, u8 len)
{
	struct egress_trie_spot spot;

	if (!egress_trie_locate(trie, key, len, &spot))
		return EGRESS_RULE_NONE;
	if (spot.head)
		return *spot.head;
	return egress_trie_leaf_head(egress_trie_child_locked(spot.node,
							      spot.child));
}

void egress_trie_set_head(struct egress_trie *trie,
			  const struct egress_trie_key *key, u8 len, u32 idx)
{
	struct egress_trie_spot spot;

	if (WARN_ON_ONCE(!egress_trie_locate(trie, key, len, &spot)))
		return;
	if (spot.head) {
		/* Record @idx is whole and in the directory: release. */
		smp_store_release(spot.head, idx);
		return;
	}
	rcu_assign_pointer(spot.node->child[spot.child],
			   egress_trie_leaf_make(idx));
	/* A leaf at depth 14 may be in the jump table. */
	egress_trie_jump_update(trie, key, len);
}

/*
 * What may stand in for @node in its parent: EGRESS_TRIE_GONE if it holds
 * nothing, its
 * one leaf if that is all it holds, else @node itself.
 */
static void *egress_trie_shrunk(struct egress_trie_node *node)
{
	unsigned int i, n = hweight64(node->children);
	u32 *heads = egress_trie_heads(node);
	void *only = EGRESS_TRIE_GONE;

	for (i = 0; i < egress_trie_prefix_count(node); i++)
		if (heads[i] != EGRESS_RULE_NONE)
			return node;
	for (i = 0; i < n; i++) {
		void *entry = egress_trie_child_locked(node, i);

		if (entry == EGRESS_TRIE_GONE)
			continue;
		if (only != EGRESS_TRIE_GONE || !egress_trie_is_leaf(entry))
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
	int level = 0, gone;

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
			u32 *head;

			if (WARN_ON_ONCE(!egress_trie_test_prefix(node->prefixes, bit)))
				return;
			head = &egress_trie_heads(node)[egress_trie_head_index(node, bit)];
			if (WARN_ON_ONCE(*head == EGRESS_RULE_NONE))
				return;
			WRITE_ONCE(*head, EGRESS_RULE_NONE);
			break;
		}
		if (WARN_ON_ONCE(!(node->children & BIT_ULL(v))))
			return;
		i = egress_trie_child_index(node, v);
		entry = egress_trie_child_locked(node, i);
		if (WARN_ON_ONCE(entry == EGRESS_TRIE_GONE))
			return;
		if (egress_trie_is_leaf(entry)) {
			egress_trie_leaf_prefix(trie, entry, &okey, &olen);
			if (WARN_ON_ONCE(olen != len || okey.hi != key->hi ||
					 okey.lo != key->lo))
				return;
			RCU_INIT_POINTER(node->child[i], EGRESS_TRIE_GONE);
			break;
		}
		index[++level] = i;
		node = entry;
		depth += egress_trie_stride(depth);
	}
	trie->prefixes--;

	/* The root stays; a node below it may give way to what it holds. */
	for (gone = level; level > 0; level--) {
		void *instead = egress_trie_shrunk(path[level]);

		if (instead == path[level])
			break;
		rcu_assign_pointer(path[level - 1]->child[index[level]], instead);
	}
	egress_trie_jump_update(trie, key, len);
	/* Retired once no jump entry names them. */
	for (; gone > level; gone--)
		egress_trie_node_retire(trie, path[gone]);
	egress_trie_jump_resize(trie);
}

static void egress_trie_free(struct egress_trie *trie, void *entry)
{
	struct egress_trie_node *node = entry;
	unsigned int i;

	if (!entry || entry == EGRESS_TRIE_GONE || egress_trie_is_leaf(entry))
		return;
	for (i = 0; i < hweight64(node->children); i++)
		egress_trie_free(trie, rcu_dereference_raw(node->child[i]));
	egress_trie_node_drop(trie, node);
}

void egress_trie_destroy(struct egress_trie *trie)
{
	struct egress_trie_jump *jump = rcu_dereference_raw(trie->jump);

	if (jump) {
		RCU_INIT_POINTER(trie->jump, NULL);
		trie->bytes -= sizeof(*jump);
		kvfree(jump);
	}
	egress_trie_free(trie, rcu_dereference_raw(trie->root));
	RCU_INIT_POINTER(trie->root, NULL);
	trie->prefixes = 0;
}
