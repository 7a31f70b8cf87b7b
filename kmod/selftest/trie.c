// SPDX-License-Identifier: GPL-2.0
/*
 * The prefix trie against a naive model: random prefixes of every length
 * from 0 to the family's width are added and removed, and every walk must
 * yield exactly the lengths of the model's prefixes that cover the
 * address, longest first, each with its head.  Addresses share a random
 * number of leading bits with one of a few bases, so prefixes nest and
 * leaves split and merge at every depth.  Each prefix has a head record
 * in a store, as a rule does, which a leaf names; some operations give
 * the prefix a fresh head (egress_trie_set_head()) and scribble over the
 * old one, so that a leaf or node left naming it gives wrong walks.  When
 * all prefixes are gone the trie must be back to its root.  Runs with a
 * low jump table threshold walk from the table (and climb above it), see
 * it made and dropped as the count of prefixes crosses the threshold, and
 * check every entry of the table now and then.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../ruleset.h"
#include "../rulestore.h"
#include "../trie.h"
#include "../triewalk.h"
#include "selftest.h"

#define EGRESS_TRIE_TEST_OPS 30000
#define EGRESS_TRIE_TEST_MAX 600

struct egress_trie_model {
	struct egress_trie_key key[EGRESS_TRIE_TEST_MAX];
	u8 len[EGRESS_TRIE_TEST_MAX];
	u32 idx[EGRESS_TRIE_TEST_MAX];	/* the prefix's head */
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

/* A record holding the prefix (@key, @len), as a rule of it would. */
static int egress_trie_test_record(struct egress_rule_store *store,
				   unsigned int bits,
				   const struct egress_trie_key *key,
				   unsigned int len, u32 *idx)
{
	const char *reason;
	struct egress_rule *rule;
	int err;

	err = egress_store_alloc(store, idx, &reason);
	if (err)
		return err;
	rule = egress_rule_at_locked(store, *idx);
	memset(rule, 0, store->rec_size);
	rule->family = bits == 32 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	rule->prefix_len = len;
	if (bits == 32) {
		rule->addr.ip = htonl(key->hi >> 32);
	} else {
		rule->addr.ip6[0] = htonl(key->hi >> 32);
		rule->addr.ip6[1] = htonl((u32)key->hi);
		rule->addr.ip6[2] = htonl(key->lo >> 32);
		rule->addr.ip6[3] = htonl((u32)key->lo);
	}
	return 0;
}

/* Give a record back, made unlike any prefix first. */
static void egress_trie_test_unrecord(struct egress_rule_store *store, u32 idx)
{
	struct egress_rule *rule = egress_rule_at_locked(store, idx);

	memset(&rule->addr, 0xa5, store->rec_size - offsetof(struct egress_rule, addr));
	rule->prefix_len = 1;
	egress_store_unalloc(store, idx);
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
	u32 heads[129], head = EGRESS_RULE_NONE;
	struct egress_trie_walk walk;
	int len, want = 129, err = 0;
	unsigned int i;

	bitmap_zero(covering, 129);
	for (i = 0; i < model->count; i++) {
		if (egress_trie_model_covers(&model->key[i], model->len[i], addr)) {
			__set_bit(model->len[i], covering);
			heads[model->len[i]] = model->idx[i];
		}
	}

	rcu_read_lock();
	egress_trie_walk_start(&walk, trie, addr, model->bits == 128);
	do {
		/* The longest covering length below the last one, or -1. */
		while (--want >= 0 && !test_bit(want, covering))
			;
		if (!egress_trie_walk_next(&walk, &head, &len,
					   model->bits == 128))
			len = -1;
		if (len != want) {
			pr_err("trie walk (/%u) to %016llx%016llx: got /%d, model says /%d\n",
			       model->bits, addr->hi, addr->lo, len, want);
			err = -EINVAL;
		} else if (len >= 0 && head != heads[len]) {
			pr_err("trie walk (/%u) to %016llx%016llx: /%d has head %u, model says %u\n",
			       model->bits, addr->hi, addr->lo, len, head,
			       heads[len]);
			err = -EINVAL;
		}
	} while (!err && want >= 0);
	rcu_read_unlock();
	return err;
}

/*
 * @unpublished: as a trie of a set being applied, whose nodes grow in
 * place, published halfway as the apply's commit does (when a jump table
 * may come); the walks check the same answers.  @jump_min: prefixes from
 * which the trie has a jump table.
 */
static int egress_selftest_trie_family(unsigned int bits, bool unpublished,
				       unsigned int jump_min)
{
	struct egress_trie_model *model;
	struct egress_rule_store *store;
	unsigned int op, walks = 0, jumped = 0;
	struct egress_trie *trie;
	int err = 0;

	model = kzalloc(sizeof(*model), GFP_KERNEL);
	store = kzalloc(sizeof(*store), GFP_KERNEL);
	if (!model || !store) {
		kfree(model);
		kfree(store);
		return -ENOMEM;
	}
	egress_store_init(store, bits == 32 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	trie = &store->trie;
	trie->unpublished = unpublished;
	egress_trie_jump_min = jump_min;
	model->bits = bits;
	get_random_bytes(model->bases, sizeof(model->bases));

	for (op = 0; op < EGRESS_TRIE_TEST_OPS && !err; op++) {
		u32 dice = get_random_u32() % 100;
		struct egress_trie_key key;
		unsigned int len;
		int ret, at;
		bool fresh;
		u32 idx;

		/* As an apply does: the jump table comes with publishing. */
		if (unpublished && op == EGRESS_TRIE_TEST_OPS / 2)
			egress_trie_publish(trie);

		if (dice < 45 && model->count < EGRESS_TRIE_TEST_MAX) {
			egress_trie_model_addr(model, &key);
			/*
			 * With a jump table, few prefixes cover a node above
			 * it (each makes the walks under it go the long way).
			 */
			if (jump_min < EGRESS_TRIE_JUMP_MIN &&
			    get_random_u32() % 64)
				len = EGRESS_TRIE_JUMP_BITS + 1 +
				      get_random_u32() % (bits - EGRESS_TRIE_JUMP_BITS);
			else
				len = get_random_u32() % (bits + 1);
			egress_trie_model_clear_from(&key, len);
			fresh = egress_trie_model_find(model, &key, len) < 0;
			err = egress_trie_test_record(store, bits, &key, len, &idx);
			if (err)
				break;
			ret = egress_trie_insert(trie, &key, len, idx);
			if (ret != fresh) {
				pr_err("trie insert /%u of /%u: got %d, want %d\n",
				       len, bits, ret, fresh);
				err = -EINVAL;
			}
			if (ret == 1) {
				if (egress_trie_head(trie, &key, len) != idx) {
					pr_err("trie insert /%u of /%u: head is not the new record\n",
					       len, bits);
					err = -EINVAL;
				}
				model->key[model->count] = key;
				model->idx[model->count] = idx;
				model->len[model->count++] = len;
			} else {
				egress_trie_test_unrecord(store, idx);
			}
		} else if (dice < 60 && model->count) {
			at = get_random_u32() % model->count;
			egress_trie_remove(trie, &model->key[at], model->len[at]);
			if (egress_trie_head(trie, &model->key[at], model->len[at]) !=
			    EGRESS_RULE_NONE) {
				pr_err("trie remove /%u of /%u: still has a head\n",
				       model->len[at], bits);
				err = -EINVAL;
			}
			egress_trie_test_unrecord(store, model->idx[at]);
			key = model->key[at];
			model->count--;
			model->key[at] = model->key[model->count];
			model->idx[at] = model->idx[model->count];
			model->len[at] = model->len[model->count];
			/* Its entry may now be the empty node: walk into it. */
			if (!err)
				err = egress_trie_check_walk(trie, model, &key);
		} else if (dice < 70 && model->count) {
			/* As a new first rule, or a delete of the old one, does. */
			at = get_random_u32() % model->count;
			err = egress_trie_test_record(store, bits, &model->key[at],
						      model->len[at], &idx);
			if (err)
				break;
			egress_trie_set_head(trie, &model->key[at], model->len[at],
					     idx);
			egress_trie_test_unrecord(store, model->idx[at]);
			model->idx[at] = idx;
		} else {
			const struct egress_trie_jump *jump;

			egress_trie_model_addr(model, &key);
			jump = rcu_access_pointer(trie->jump);
			if (jump && rcu_access_pointer(jump->entry[key.hi >>
							(64 - EGRESS_TRIE_JUMP_BITS)]))
				jumped++;
			err = egress_trie_check_walk(trie, model, &key);
			walks++;
			if (!err && trie->prefixes != model->count) {
				pr_err("trie of /%u counts %u prefixes, model %u\n",
				       bits, trie->prefixes, model->count);
				err = -EINVAL;
			}
		}
		if (!err && op % 256 == 255 && !egress_trie_jump_valid(trie)) {
			pr_err("trie of /%u, %u prefixes: its jump table is stale\n",
			       bits, trie->prefixes);
			err = -EINVAL;
		}
		cond_resched();
	}

	while (!err && model->count) {
		model->count--;
		egress_trie_remove(trie, &model->key[model->count],
				   model->len[model->count]);
	}
	if (!err && !egress_trie_jump_valid(trie)) {
		pr_err("trie of /%u emptied: its jump table is stale\n", bits);
		err = -EINVAL;
	}
	egress_trie_jump_min = EGRESS_TRIE_JUMP_MIN;
	if (!err && (trie->nodes > 1 || trie->prefixes)) {
		pr_err("trie of /%u left %u nodes, %u prefixes\n", bits,
		       trie->nodes, trie->prefixes);
		err = -EINVAL;
	}
	egress_trie_destroy(trie);
	if (!err && (trie->nodes || trie->bytes)) {
		pr_err("trie of /%u destroyed, %u nodes and %zu bytes still counted\n",
		       bits, trie->nodes, trie->bytes);
		err = -EINVAL;
	}
	/* Readers of a published trie's nodes are gone: none but us. */
	synchronize_rcu();
	egress_store_destroy(store);
	kfree(store);
	if (!err)
		pr_info("trie /%u%s, jump table from %u prefixes: %u operations, %u walks (%u from the table): ok\n",
			bits, unpublished ? " (unpublished)" : "", jump_min,
			EGRESS_TRIE_TEST_OPS, walks, jumped);
	kfree(model);
	return err;
}

int egress_selftest_trie(void)
{
	return egress_selftest_trie_family(32, false, EGRESS_TRIE_JUMP_MIN) ?:
	       egress_selftest_trie_family(128, false, EGRESS_TRIE_JUMP_MIN) ?:
	       egress_selftest_trie_family(32, true, EGRESS_TRIE_JUMP_MIN) ?:
	       egress_selftest_trie_family(128, true, EGRESS_TRIE_JUMP_MIN) ?:
	       egress_selftest_trie_family(32, false, 1) ?:
	       egress_selftest_trie_family(128, false, 300) ?:
	       egress_selftest_trie_family(32, true, 300);
}
