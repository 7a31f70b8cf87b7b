// SPDX-License-Identifier: GPL-2.0
/*
 * The prefix trie against a naive model: random prefixes of every length
 * from 0 to the family's width are added and removed, and every walk must
 * yield exactly the lengths of the model's prefixes that cover the
 * address, longest first.  Addresses share a random number of leading
 * bits with one of a few bases, so prefixes nest and leaves split and
 * merge at every depth.  When all prefixes are gone the trie must be back
 * to its root, with no leaf object left.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../trie.h"
#include "selftest.h"

#define EGRESS_TRIE_TEST_OPS 30000
#define EGRESS_TRIE_TEST_MAX 600

struct egress_trie_model {
	struct egress_trie_key key[EGRESS_TRIE_TEST_MAX];
	u8 len[EGRESS_TRIE_TEST_MAX];
	unsigned int count;
	struct egress_trie_key bases[4];
	unsigned int bits;
};

static bool egress_trie_model_bit(const struct egress_trie_key *key,
				  unsigned int i)
{
	return i < 64 ? (key->hi >> (63 - i)) & 1 : (key->lo >> (127 - i)) & 1;
}

/* Bit by bit, independent of the trie's shifts. */
static bool egress_trie_model_covers(const struct egress_trie_key *prefix,
				     unsigned int len,
				     const struct egress_trie_key *addr)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (egress_trie_model_bit(prefix, i) !=
		    egress_trie_model_bit(addr, i))
			return false;
	return true;
}

static void egress_trie_model_clear_from(struct egress_trie_key *key,
					 unsigned int from)
{
	unsigned int i;

	for (i = from; i < 128; i++) {
		if (i < 64)
			key->hi &= ~BIT_ULL(63 - i);
		else
			key->lo &= ~BIT_ULL(127 - i);
	}
}

/* An address that agrees with a base on a random number of bits. */
static void egress_trie_model_addr(const struct egress_trie_model *model,
				   struct egress_trie_key *addr)
{
	unsigned int shared = get_random_u32() % (model->bits + 1), i;

	*addr = model->bases[get_random_u32() % ARRAY_SIZE(model->bases)];
	for (i = shared; i < model->bits; i++) {
		if (!(get_random_u32() & 1))
			continue;
		if (i < 64)
			addr->hi ^= BIT_ULL(63 - i);
		else
			addr->lo ^= BIT_ULL(127 - i);
	}
	egress_trie_model_clear_from(addr, model->bits);
}

static int egress_trie_model_find(const struct egress_trie_model *model,
				  const struct egress_trie_key *key,
				  unsigned int len)
{
	unsigned int i;

	for (i = 0; i < model->count; i++)
		if (model->len[i] == len && model->key[i].hi == key->hi &&
		    model->key[i].lo == key->lo)
			return i;
	return -1;
}

static int egress_trie_check_walk(const struct egress_trie *trie,
				  const struct egress_trie_model *model,
				  const struct egress_trie_key *addr)
{
	DECLARE_BITMAP(covering, 129);
	struct egress_trie_walk walk;
	int len, want = 129, err = 0;
	unsigned int i;

	bitmap_zero(covering, 129);
	for (i = 0; i < model->count; i++)
		if (egress_trie_model_covers(&model->key[i], model->len[i], addr))
			__set_bit(model->len[i], covering);

	rcu_read_lock();
	egress_trie_walk_start(&walk, trie, addr);
	do {
		/* The longest covering length below the last one, or -1. */
		while (--want >= 0 && !test_bit(want, covering))
			;
		len = egress_trie_walk_next(&walk);
		if (len != want) {
			pr_err("trie walk (/%u) to %016llx%016llx: got /%d, model says /%d\n",
			       model->bits, addr->hi, addr->lo, len, want);
			err = -EINVAL;
		}
	} while (!err && want >= 0);
	rcu_read_unlock();
	return err;
}

/*
 * @unpublished: as a trie of a set being applied, whose nodes grow in
 * place; the walks then check the same answers.
 */
static int egress_selftest_trie_family(unsigned int bits, bool unpublished)
{
	struct egress_trie trie = { .unpublished = unpublished };
	struct egress_trie_model *model;
	unsigned int op, walks = 0;
	int err = 0;

	model = kzalloc(sizeof(*model), GFP_KERNEL);
	if (!model)
		return -ENOMEM;
	model->bits = bits;
	get_random_bytes(model->bases, sizeof(model->bases));

	for (op = 0; op < EGRESS_TRIE_TEST_OPS && !err; op++) {
		u32 dice = get_random_u32() % 100;
		struct egress_trie_key key;
		unsigned int len;
		int ret, at;
		bool fresh;

		if (dice < 45 && model->count < EGRESS_TRIE_TEST_MAX) {
			egress_trie_model_addr(model, &key);
			len = get_random_u32() % (bits + 1);
			egress_trie_model_clear_from(&key, len);
			fresh = egress_trie_model_find(model, &key, len) < 0;
			ret = egress_trie_insert(&trie, &key, len);
			if (ret != fresh) {
				pr_err("trie insert /%u of /%u: got %d, want %d\n",
				       len, bits, ret, fresh);
				err = -EINVAL;
			} else if (fresh) {
				model->key[model->count] = key;
				model->len[model->count++] = len;
			}
		} else if (dice < 70 && model->count) {
			at = get_random_u32() % model->count;
			egress_trie_remove(&trie, &model->key[at], model->len[at]);
			model->count--;
			model->key[at] = model->key[model->count];
			model->len[at] = model->len[model->count];
		} else {
			egress_trie_model_addr(model, &key);
			err = egress_trie_check_walk(&trie, model, &key);
			walks++;
		}
		cond_resched();
	}

	while (!err && model->count) {
		model->count--;
		egress_trie_remove(&trie, &model->key[model->count],
				   model->len[model->count]);
	}
	if (!err && (trie.nodes > 1 || trie.leaf_objects)) {
		pr_err("trie of /%u left %u nodes and %u leaf objects\n", bits,
		       trie.nodes, trie.leaf_objects);
		err = -EINVAL;
	}
	egress_trie_destroy(&trie);
	if (!err && (trie.nodes || trie.bytes)) {
		pr_err("trie of /%u destroyed, %u nodes and %zu bytes still counted\n",
		       bits, trie.nodes, trie.bytes);
		err = -EINVAL;
	}
	if (!err)
		pr_info("trie /%u%s: %u operations, %u walks: ok\n", bits,
			unpublished ? " (unpublished)" : "",
			EGRESS_TRIE_TEST_OPS, walks);
	kfree(model);
	return err;
}

int egress_selftest_trie(void)
{
	return egress_selftest_trie_family(32, false) ?:
	       egress_selftest_trie_family(128, false) ?:
	       egress_selftest_trie_family(32, true) ?:
	       egress_selftest_trie_family(128, true);
}
