// SPDX-License-Identifier: GPL-2.0
/*
 * Built-in self-tests, run at load time with `insmod nf_egress.ko selftest=1`
 * (the module refuses to load if one fails).  Only a debug build has them
 * (`make module NF_EGRESS_DEBUG=1`, which defines DEBUG); `make check`
 * builds that.
 *
 * The main test drives one rule table through thousands of random inserts,
 * deletes and lookups and checks every answer against a naive model: a
 * plain array of rules, scanned in full, with its own prefix comparison.
 * Addresses are drawn from a few small ranges and prefix lengths from the
 * whole range, so rules overlap and nest the way real allowlists do, with
 * many lengths at once.  selftest/trie.c checks the prefix trie alone.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/completion.h>
#include <linux/in.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>

#include <linux/nf_egress.h>

#include "../policy.h"
#include "../trie.h"
#include "selftest.h"

static bool egress_selftest_enabled;
module_param_named(selftest, egress_selftest_enabled, bool, 0444);
MODULE_PARM_DESC(selftest, "Run the built-in self-tests at load time");

#define EGRESS_SELFTEST_OPS 4000
#define EGRESS_SELFTEST_MODEL_MAX 384

struct egress_model {
	struct egress_rule rules[EGRESS_SELFTEST_MODEL_MAX];
	unsigned int count;
	/* Four prefix lengths only: many prefixes share a node's bits. */
	bool few_lengths;
	union nf_inet_addr bases[4];
};

static u32 egress_rand(u32 bound)
{
	return get_random_u32() % bound;
}

/* Bit-by-bit, independent of the masking code under test. */
static bool egress_model_prefix_match(const struct egress_rule *rule,
				      const union nf_inet_addr *addr)
{
	const u8 *a = (const u8 *)&rule->addr, *b = (const u8 *)addr;
	unsigned int bit;

	for (bit = 0; bit < rule->prefix_len; bit++) {
		u8 mask = 0x80 >> (bit % 8);

		if ((a[bit / 8] & mask) != (b[bit / 8] & mask))
			return false;
	}
	return true;
}

static bool egress_model_l4_match(const struct egress_rule *rule,
				  const struct egress_pkt *pkt)
{
	if (rule->proto && rule->proto != pkt->proto)
		return false;
	if (!rule->has_ports)
		return true;
	return pkt->has_port && pkt->dport >= rule->port_min &&
	       pkt->dport <= rule->port_max;
}

/* Is @a a better (more specific, then older) match than @b? */
static bool egress_model_better(const struct egress_rule *a,
				const struct egress_rule *b)
{
	u32 wa = a->has_ports ? a->port_max - a->port_min : 65536;
	u32 wb = b->has_ports ? b->port_max - b->port_min : 65536;

	if (a->prefix_len != b->prefix_len)
		return a->prefix_len > b->prefix_len;
	if (!!a->proto != !!b->proto)
		return a->proto;
	if (wa != wb)
		return wa < wb;
	return a->id < b->id;
}

static const struct egress_rule *
egress_model_lookup(const struct egress_model *model,
		    const struct egress_pkt *pkt)
{
	const struct egress_rule *best = NULL;
	unsigned int i;

	for (i = 0; i < model->count; i++) {
		const struct egress_rule *r = &model->rules[i];

		if (r->family != pkt->family ||
		    !egress_model_prefix_match(r, &pkt->daddr) ||
		    !egress_model_l4_match(r, pkt))
			continue;
		if (!best || egress_model_better(r, best))
			best = r;
	}
	return best;
}

static bool egress_model_has_same(const struct egress_model *model,
				  const struct egress_rule *rule)
{
	unsigned int i;

	for (i = 0; i < model->count; i++) {
		const struct egress_rule *r = &model->rules[i];

		if (r->family == rule->family &&
		    r->prefix_len == rule->prefix_len &&
		    !memcmp(&r->addr, &rule->addr, sizeof(r->addr)) &&
		    r->proto == rule->proto && r->has_ports == rule->has_ports &&
		    (!r->has_ports || (r->port_min == rule->port_min &&
				       r->port_max == rule->port_max)))
			return true;
	}
	return false;
}

static void egress_random_addr(const struct egress_model *model, u8 family,
			       union nf_inet_addr *addr)
{
	unsigned int bytes = family == NFPROTO_IPV4 ? 4 : 16;
	u8 *p = (u8 *)addr;
	unsigned int i;

	*addr = model->bases[egress_rand(ARRAY_SIZE(model->bases))];
	/* Vary the low bits only, so prefixes of all lengths overlap. */
	for (i = bytes - 3; i < bytes; i++)
		p[i] = get_random_u32();
	if (egress_rand(4) == 0)
		p[bytes - 3] &= 0x0f;
}

static void egress_mask_naive(union nf_inet_addr *addr, unsigned int bits)
{
	u8 *p = (u8 *)addr;
	unsigned int bit;

	for (bit = bits; bit < 128; bit++)
		p[bit / 8] &= ~(0x80 >> (bit % 8));
}

static void egress_random_rule(const struct egress_model *model, u8 family,
			       struct egress_rule *rule)
{
	static const u8 v4_few[] = { 8, 20, 26, 32 };
	static const u8 v6_few[] = { 64, 108, 120, 128 };
	u8 icmp = family == NFPROTO_IPV4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	const u8 protos[] = { 0, 0, IPPROTO_TCP, IPPROTO_UDP, icmp };

	memset(rule, 0, sizeof(*rule));
	rule->family = family;
	/*
	 * Any length (the trie finds the prefixes): the varied low bits make
	 * the long ones overlap, and the short ones nest over the bases.
	 * IPv6 leans to the lengths past 100, where its addresses differ.
	 * Or four lengths, as a list of one kind of prefix would be.
	 */
	if (model->few_lengths)
		rule->prefix_len = family == NFPROTO_IPV4 ?
			v4_few[egress_rand(ARRAY_SIZE(v4_few))] :
			v6_few[egress_rand(ARRAY_SIZE(v6_few))];
	else if (family == NFPROTO_IPV4)
		rule->prefix_len = egress_rand(33);
	else if (egress_rand(2))
		rule->prefix_len = egress_rand(129);
	else
		rule->prefix_len = 100 + egress_rand(29);
	egress_random_addr(model, family, &rule->addr);
	egress_mask_naive(&rule->addr, rule->prefix_len);
	rule->action = egress_rand(2);
	rule->proto = protos[egress_rand(ARRAY_SIZE(protos))];
	if (rule->proto != icmp && egress_rand(2)) {
		rule->has_ports = 1;
		rule->port_min = 5200 + egress_rand(16);
		rule->port_max = rule->port_min + egress_rand(3) * egress_rand(8);
	}
}

static void egress_random_pkt(const struct egress_model *model, u8 family,
			      struct egress_pkt *pkt)
{
	u8 icmp = family == NFPROTO_IPV4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	const u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, icmp, IPPROTO_SCTP };

	memset(pkt, 0, sizeof(*pkt));
	pkt->family = family;
	egress_random_addr(model, family, &pkt->daddr);
	pkt->proto = protos[egress_rand(ARRAY_SIZE(protos))];
	if (pkt->proto != icmp) {
		pkt->has_port = true;
		pkt->dport = 5195 + egress_rand(40);
	}
}

static int egress_selftest_ruleset_family(u8 family, bool few_lengths)
{
	struct egress_ruleset *rs;
	struct egress_model *model;
	unsigned int op, lookups = 0, hits = 0;
	const char *reason;
	int err;

	rs = kmalloc(sizeof(*rs), GFP_KERNEL);
	model = kzalloc(sizeof(*model), GFP_KERNEL);
	if (!rs || !model) {
		err = -ENOMEM;
		goto out_free;
	}
	model->few_lengths = few_lengths;
	for (op = 0; op < ARRAY_SIZE(model->bases); op++)
		get_random_bytes(&model->bases[op], sizeof(model->bases[op]));
	err = egress_ruleset_init(rs);
	if (err)
		goto out_free;

	for (op = 0; op < EGRESS_SELFTEST_OPS; op++) {
		u32 dice = egress_rand(100);
		struct egress_rule rule;
		struct egress_pkt pkt;
		u32 bad;

		if (dice < 40 && model->count < EGRESS_SELFTEST_MODEL_MAX) {
			bool dup;

			egress_random_rule(model, family, &rule);
			dup = egress_model_has_same(model, &rule);
			rule.id = rs->next_id;
			err = egress_ruleset_insert(rs, &rule, 1, &bad, &reason);
			if (err != (dup ? -EEXIST : 0)) {
				pr_err("insert: got %d, want %d (family %u)\n",
				       err, dup ? -EEXIST : 0, family);
				err = -EINVAL;
				goto out_destroy;
			}
			if (!dup)
				model->rules[model->count++] = rule;
		} else if (dice < 55 && model->count) {
			unsigned int victim = egress_rand(model->count);

			err = egress_ruleset_delete(rs, model->rules[victim].id);
			if (err) {
				pr_err("delete of rule %u failed: %d\n",
				       model->rules[victim].id, err);
				goto out_destroy;
			}
			model->rules[victim] = model->rules[--model->count];
		} else {
			const struct egress_rule *got, *want;

			egress_random_pkt(model, family, &pkt);
			rcu_read_lock();
			got = egress_ruleset_match(rs, &pkt);
			want = egress_model_lookup(model, &pkt);
			if ((got ? got->id : 0) != (want ? want->id : 0)) {
				pr_err("lookup (family %u, proto %u, port %u): rule %u, model says %u\n",
				       family, pkt.proto, pkt.dport,
				       got ? got->id : 0, want ? want->id : 0);
				rcu_read_unlock();
				err = -EINVAL;
				goto out_destroy;
			}
			rcu_read_unlock();
			lookups++;
			hits += !!want;
		}
		if (rs->count != model->count) {
			pr_err("table holds %u rules, model %u\n", rs->count,
			       model->count);
			err = -EINVAL;
			goto out_destroy;
		}
		cond_resched();
	}

	/* A batch with a duplicate inside is refused whole. */
	if (model->count + 2 <= EGRESS_SELFTEST_MODEL_MAX) {
		struct egress_rule batch[3];
		u32 before = rs->count, bad = 0;

		do {
			egress_random_rule(model, family, &batch[0]);
		} while (egress_model_has_same(model, &batch[0]));
		do {
			egress_random_rule(model, family, &batch[1]);
		} while (egress_model_has_same(model, &batch[1]) ||
			 !memcmp(&batch[1], &batch[0], sizeof(batch[0])));
		batch[2] = batch[0];
		err = egress_ruleset_insert(rs, batch, 3, &bad, &reason);
		if (err != -EEXIST || bad != 2 || rs->count != before) {
			pr_err("duplicate in batch: err %d, bad %u, %u rules (want %u)\n",
			       err, bad, rs->count, before);
			err = -EINVAL;
			goto out_destroy;
		}
	}
	pr_info("family %u%s: %u operations, %u lookups (%u matched), %u rules left: ok\n",
		family, few_lengths ? " (4 lengths)" : "", EGRESS_SELFTEST_OPS,
		lookups, hits, model->count);
	err = 0;

out_destroy:
	egress_ruleset_destroy(rs);
out_free:
	kfree(model);
	kfree(rs);
	return err;
}

/*
 * The storage at scale: tables grow and shrink, chains hold several rules
 * of one prefix in order, and deleted rules' records are reused once a
 * grace period has passed instead of growing the store.
 */
#define EGRESS_SELFTEST_BULK 20000
#define EGRESS_SELFTEST_BATCH 500

static void egress_bulk_rule(struct egress_rule *rule, u32 i, bool with_port)
{
	memset(rule, 0, sizeof(*rule));
	rule->family = NFPROTO_IPV4;
	rule->prefix_len = 32;
	rule->addr.ip = htonl(0x0a000000 | i);
	rule->action = NF_EGRESS_VERDICT_ALLOW;
	if (with_port) {
		rule->action = NF_EGRESS_VERDICT_DENY;
		rule->proto = IPPROTO_TCP;
		rule->has_ports = 1;
		rule->port_min = 443;
		rule->port_max = 443;
	}
}

/* Every rule of the bulk set answers for its own address and port. */
static int egress_bulk_check(struct egress_ruleset *rs, u32 first_id)
{
	struct egress_pkt pkt = { .family = NFPROTO_IPV4, .has_port = true };
	u32 i, want_plain, want_port;

	for (i = 0; i < EGRESS_SELFTEST_BULK; i++) {
		const struct egress_rule *plain, *port;

		/* Inserted in order: each plain rule, after it every tenth a port rule. */
		want_plain = first_id + i + DIV_ROUND_UP(i, 10);
		want_port = i % 10 ? want_plain : want_plain + 1;
		pkt.daddr.ip = htonl(0x0a000000 | i);
		rcu_read_lock();
		pkt.proto = IPPROTO_UDP;
		pkt.dport = 443;
		plain = egress_ruleset_match(rs, &pkt);
		pkt.proto = IPPROTO_TCP;
		port = egress_ruleset_match(rs, &pkt);
		if (!plain || plain->id != want_plain ||
		    !port || port->id != want_port) {
			pr_err("bulk: address %u: rules %u and %u, want %u and %u\n",
			       i, plain ? plain->id : 0, port ? port->id : 0,
			       want_plain, want_port);
			rcu_read_unlock();
			return -EINVAL;
		}
		rcu_read_unlock();
	}
	return 0;
}

static int egress_bulk_insert(struct egress_ruleset *rs,
			      struct egress_rule *batch)
{
	const char *reason = NULL;
	u32 i, n = 0, bad;
	int err;

	for (i = 0; i < EGRESS_SELFTEST_BULK; i++) {
		egress_bulk_rule(&batch[n++], i, false);
		if (!(i % 10))
			egress_bulk_rule(&batch[n++], i, true);
		if (n >= EGRESS_SELFTEST_BATCH || i == EGRESS_SELFTEST_BULK - 1) {
			err = egress_ruleset_insert(rs, batch, n, &bad, &reason);
			if (err) {
				pr_err("bulk insert: %d (%s)\n", err, reason);
				return err;
			}
			n = 0;
			cond_resched();
		}
	}
	return 0;
}

/* Insert the bulk set, check every answer, and report the storage used. */
static int egress_bulk_fill(struct egress_ruleset *rs,
			    struct egress_rule *batch,
			    struct egress_ruleset_usage *usage)
{
	u32 first_id = rs->next_id;
	int err;

	err = egress_bulk_insert(rs, batch);
	if (!err)
		err = egress_bulk_check(rs, first_id);
	if (!err)
		egress_ruleset_usage(rs, usage);
	return err;
}

static int egress_selftest_ruleset_bulk(void)
{
	const u32 total = EGRESS_SELFTEST_BULK + EGRESS_SELFTEST_BULK / 10;
	struct egress_ruleset_usage full, empty, again;
	struct egress_rule *batch;
	struct egress_ruleset *rs;
	u32 id, first_id;
	int err;

	rs = kmalloc(sizeof(*rs), GFP_KERNEL);
	batch = kmalloc_array(EGRESS_SELFTEST_BATCH + 1, sizeof(*batch),
			      GFP_KERNEL);
	if (!rs || !batch) {
		err = -ENOMEM;
		goto out_free;
	}
	egress_ruleset_init(rs);

	first_id = rs->next_id;
	err = egress_bulk_fill(rs, batch, &full);
	if (err)
		goto out_destroy;
	/* The first chunk holds 12 records, the others 102. */
	if (rs->count != total || full.prefixes != EGRESS_SELFTEST_BULK ||
	    full.chunks != 1 + DIV_ROUND_UP(total - EGRESS_FIRST_CHUNK_BYTES /
					    egress_rule_size(NFPROTO_IPV4),
					    EGRESS_CHUNK_BYTES /
					    egress_rule_size(NFPROTO_IPV4))) {
		pr_err("bulk: %u rules, %u prefixes, %u chunks\n",
		       rs->count, full.prefixes, full.chunks);
		err = -EINVAL;
		goto out_destroy;
	}

	for (id = first_id; id < first_id + total; id++) {
		err = egress_ruleset_delete(rs, id);
		if (err) {
			pr_err("bulk: delete of rule %u: %d\n", id, err);
			goto out_destroy;
		}
		cond_resched();
	}
	egress_ruleset_usage(rs, &empty);
	/* Each family's trie back to its root. */
	if (rs->count || empty.prefixes || empty.trie_nodes > 2 ||
	    egress_ruleset_delete(rs, first_id) != -ENOENT) {
		pr_err("bulk: after deleting all: %u rules, %u prefixes, %u trie nodes\n",
		       rs->count, empty.prefixes, empty.trie_nodes);
		err = -EINVAL;
		goto out_destroy;
	}

	/* Past a grace period, the same rules fit in the same chunks. */
	synchronize_rcu();
	err = egress_bulk_fill(rs, batch, &again);
	if (err)
		goto out_destroy;
	if (again.chunks != full.chunks) {
		pr_err("bulk: reinserted rules take %u chunks, first %u\n",
		       again.chunks, full.chunks);
		err = -EINVAL;
		goto out_destroy;
	}
	pr_info("bulk: %u rules in %u chunks and %u trie nodes, deleted, reinserted: ok\n",
		total, full.chunks, full.trie_nodes);

out_destroy:
	egress_ruleset_destroy(rs);
out_free:
	kfree(batch);
	kfree(rs);
	return err;
}

/*
 * Readers against a writer, on another CPU where there is one: a kthread
 * looks up addresses whose /32 rules never change while this thread
 * inserts and deletes other rules, among them more specific port rules on
 * those same /32s (so the prefix's head in the trie changes under the
 * reader), until trie nodes have been copied and retired and records
 * reused.  Every lookup must find its stable rule.
 */
#define EGRESS_SELFTEST_STABLE 512
#define EGRESS_SELFTEST_CHURN_MAX 3000
#define EGRESS_SELFTEST_CHURN_OPS 60000

struct egress_race {
	struct egress_ruleset rs;
	u32 stable_id[EGRESS_SELFTEST_STABLE];
	u32 churn_id[EGRESS_SELFTEST_CHURN_MAX];
	struct completion reader_started;
	unsigned long lookups;
	u32 bad_addr, bad_got;	/* the first wrong answer, bad_addr + 1 */
};

static int egress_race_reader(void *data)
{
	struct egress_race *race = data;
	struct egress_pkt pkt = {
		.family = NFPROTO_IPV4,
		.proto = IPPROTO_UDP,
		.has_port = true,
		.dport = 53,
	};

	complete(&race->reader_started);
	while (!kthread_should_stop()) {
		u32 i = get_random_u32() % EGRESS_SELFTEST_STABLE;
		const struct egress_rule *rule;

		pkt.daddr.ip = htonl(0x0a000000 | i);
		rcu_read_lock();
		rule = egress_ruleset_match(&race->rs, &pkt);
		if ((!rule || rule->id != race->stable_id[i]) && !race->bad_addr) {
			race->bad_got = rule ? rule->id : 0;
			race->bad_addr = i + 1;
		}
		rcu_read_unlock();
		race->lookups++;
		cond_resched();
	}
	return 0;
}

/* A churn rule: a /32 or /24 elsewhere, or tcp/443 on a stable /32. */
static void egress_race_churn_rule(const void *unused, struct egress_rule *rule)
{
	u32 dice = egress_rand(4);

	memset(rule, 0, sizeof(*rule));
	rule->family = NFPROTO_IPV4;
	rule->action = NF_EGRESS_VERDICT_DENY;
	if (dice == 0) {
		rule->prefix_len = 32;
		rule->addr.ip = htonl(0x0a000000 |
				      egress_rand(EGRESS_SELFTEST_STABLE));
		rule->proto = IPPROTO_TCP;
		rule->has_ports = 1;
		rule->port_min = 443;
		rule->port_max = 443;
	} else if (dice == 1) {
		rule->prefix_len = 24;
		rule->addr.ip = htonl(0x0b000000 | egress_rand(4096) << 8);
	} else {
		rule->prefix_len = 32;
		rule->addr.ip = htonl(0x0c000000 | egress_rand(8192));
	}
}

/*
 * The writer of a race: @ops inserts of @make_rule()'s rules and deletes
 * of random ones among them, filling up to @max live rules, then
 * draining, twice over.  @ids holds the live ones' ids.
 */
static int egress_race_churn(struct egress_ruleset *rs, u32 *ids, u32 max,
			     u32 ops,
			     void (*make_rule)(const void *ctx,
					       struct egress_rule *rule),
			     const void *ctx, const char *name)
{
	const char *reason = NULL;
	struct egress_rule rule;
	u32 op, bad, nr = 0;
	int err;

	for (op = 0; op < ops; op++) {
		bool filling = (op / (ops / 4)) % 2 == 0;
		bool insert = egress_rand(100) < (filling ? 75 : 25);

		if (insert && nr < max) {
			make_rule(ctx, &rule);
			err = egress_ruleset_insert(rs, &rule, 1, &bad, &reason);
			if (err == -EEXIST)
				continue;
			if (err) {
				pr_err("%s: insert: %d (%s)\n", name, err, reason);
				return err;
			}
			ids[nr++] = rs->next_id - 1;
		} else if (nr) {
			u32 victim = egress_rand(nr);

			err = egress_ruleset_delete(rs, ids[victim]);
			if (err) {
				pr_err("%s: delete of rule %u: %d\n", name,
				       ids[victim], err);
				return err;
			}
			ids[victim] = ids[--nr];
		}
		if (!(op % 64))
			cond_resched();
	}
	return 0;
}

/*
 * Run the reader @fn(@data) on a kthread of its own and return once it
 * has signalled @started, so that the writer that follows races it.
 */
static struct task_struct *egress_race_reader_start(int (*fn)(void *),
						    void *data,
						    struct completion *started)
{
	struct task_struct *reader;

	init_completion(started);
	reader = kthread_run(fn, data, "nf_egress_selftest");
	if (!IS_ERR(reader))
		wait_for_completion(started);
	return reader;
}

static int egress_selftest_ruleset_race(void)
{
	struct egress_rule stable[16];
	struct task_struct *reader;
	struct egress_race *race;
	const char *reason = NULL;
	u32 i, j, bad;
	int err;

	race = kzalloc(sizeof(*race), GFP_KERNEL);
	if (!race)
		return -ENOMEM;
	egress_ruleset_init(&race->rs);
	for (i = 0; i < EGRESS_SELFTEST_STABLE; i += ARRAY_SIZE(stable)) {
		for (j = 0; j < ARRAY_SIZE(stable); j++) {
			egress_bulk_rule(&stable[j], i + j, false);
			race->stable_id[i + j] = race->rs.next_id + j;
		}
		err = egress_ruleset_insert(&race->rs, stable,
					    ARRAY_SIZE(stable), &bad, &reason);
		if (err) {
			pr_err("race: stable rules: %d (%s)\n", err, reason);
			goto out_destroy;
		}
	}

	reader = egress_race_reader_start(egress_race_reader, race,
					  &race->reader_started);
	if (IS_ERR(reader)) {
		err = PTR_ERR(reader);
		goto out_destroy;
	}
	err = egress_race_churn(&race->rs, race->churn_id,
				EGRESS_SELFTEST_CHURN_MAX, EGRESS_SELFTEST_CHURN_OPS,
				egress_race_churn_rule, NULL, "race");
	kthread_stop(reader);
	if (err)
		goto out_destroy;
	if (race->bad_addr) {
		pr_err("race: lookup of stable address %u found rule %u, want %u\n",
		       race->bad_addr - 1, race->bad_got,
		       race->stable_id[race->bad_addr - 1]);
		err = -EINVAL;
		goto out_destroy;
	}
	pr_info("race: %u writer operations against %lu lookups: ok\n",
		EGRESS_SELFTEST_CHURN_OPS, race->lookups);

out_destroy:
	/* The reader has stopped: no RCU reader can hold the ruleset. */
	synchronize_rcu();
	egress_ruleset_destroy(&race->rs);
	kfree(race);
	return err;
}

/*
 * The same race with nested prefixes of every length, in each family.
 * The stable rules have random lengths below one base prefix (10.0.0.0/9,
 * 2001:db8::/33), half of them nested in an earlier one; the writer
 * inserts and deletes rules that never decide a lookup of a stable
 * address: prefixes in the other half of the base's parent, prefixes as
 * short as the base or shorter that cover it, and TCP rules on stable
 * prefixes and on longer prefixes inside them, past which the reader's
 * UDP lookups must fall back.  The reader looks up one address inside
 * each stable prefix, whose answer the naive model gave before the race,
 * and now and then a fresh one, which it asks the model about.  Run
 * again with a jump table from the first prefix (trie.h), the IPv4 base
 * a /15 and no covering prefix of 14 bits or fewer, so that walks start
 * from the table while the writer copies and retires nodes under it.
 */
#define EGRESS_SELFTEST_MIXED_STABLE 256
#define EGRESS_SELFTEST_MIXED_CHURN_MAX 1500
#define EGRESS_SELFTEST_MIXED_OPS 20000

struct egress_mixed_race {
	struct egress_ruleset rs;
	struct egress_model model;	/* the stable rules */
	union nf_inet_addr hot[EGRESS_SELFTEST_MIXED_STABLE];
	u32 hot_want[EGRESS_SELFTEST_MIXED_STABLE];
	u32 churn_id[EGRESS_SELFTEST_MIXED_CHURN_MAX];
	union nf_inet_addr base, outside;
	/* The writer's prefixes covering the base are this long or longer. */
	u8 family, bits, base_len, cover_min;
	struct completion reader_started;
	unsigned long lookups, modelled, jumped;
	bool bad;
	union nf_inet_addr bad_addr;
	u32 bad_got, bad_want;
};

/* Random bits in @addr from bit @from on, up to @race's address width. */
static void egress_mixed_random_bits(const struct egress_mixed_race *race,
				     union nf_inet_addr *addr,
				     unsigned int from)
{
	u8 *p = (u8 *)addr;
	unsigned int bit;

	for (bit = from; bit < race->bits; bit++) {
		u8 mask = 0x80 >> (bit % 8);

		if (get_random_u32() & 1)
			p[bit / 8] |= mask;
		else
			p[bit / 8] &= ~mask;
	}
}

/* An address inside stable rule @i, random below its prefix. */
static void egress_mixed_addr_in(const struct egress_mixed_race *race, u32 i,
				 union nf_inet_addr *addr)
{
	const struct egress_rule *r = &race->model.rules[i];

	*addr = r->addr;
	egress_mixed_random_bits(race, addr, r->prefix_len);
}

static u32 egress_mixed_model_id(const struct egress_mixed_race *race,
				 const struct egress_pkt *pkt)
{
	const struct egress_rule *want = egress_model_lookup(&race->model, pkt);

	return want ? want->id : 0;
}

/* Does a walk to @addr start from the jump table?  Under rcu_read_lock(). */
static bool egress_mixed_jumps(const struct egress_mixed_race *race,
			       const union nf_inet_addr *addr)
{
	const struct egress_trie *trie = race->family == NFPROTO_IPV4 ?
					 &race->rs.v4.trie : &race->rs.v6.trie;
	const struct egress_trie_jump *jump = rcu_dereference(trie->jump);
	struct egress_trie_key key;

	if (!jump)
		return false;
	egress_trie_key_from_addr(&key, race->family, addr);
	return rcu_dereference(jump->entry[key.hi >> (64 - EGRESS_TRIE_JUMP_BITS)]);
}

static int egress_mixed_race_reader(void *data)
{
	struct egress_mixed_race *race = data;
	struct egress_pkt pkt = {
		.family = race->family,
		.proto = IPPROTO_UDP,
		.has_port = true,
		.dport = 53,
	};

	complete(&race->reader_started);
	while (!kthread_should_stop()) {
		u32 i = get_random_u32() % EGRESS_SELFTEST_MIXED_STABLE;
		const struct egress_rule *rule;
		u32 got, want;

		if (get_random_u32() % 8) {
			pkt.daddr = race->hot[i];
			want = race->hot_want[i];
		} else {
			egress_mixed_addr_in(race, i, &pkt.daddr);
			want = egress_mixed_model_id(race, &pkt);
			race->modelled++;
		}
		rcu_read_lock();
		race->jumped += egress_mixed_jumps(race, &pkt.daddr);
		rule = egress_ruleset_match(&race->rs, &pkt);
		got = rule ? rule->id : 0;
		rcu_read_unlock();
		if (got != want && !race->bad) {
			race->bad_addr = pkt.daddr;
			race->bad_got = got;
			race->bad_want = want;
			race->bad = true;
		}
		race->lookups++;
		cond_resched();
	}
	return 0;
}

/* A rule of the writer's: one that decides no lookup of the reader's. */
static void egress_mixed_churn_rule(const void *ctx, struct egress_rule *rule)
{
	const struct egress_mixed_race *race = ctx;
	u32 i = egress_rand(EGRESS_SELFTEST_MIXED_STABLE);
	const struct egress_rule *stable = &race->model.rules[i];
	u32 dice = egress_rand(4);
	unsigned int len;

	memset(rule, 0, sizeof(*rule));
	rule->family = race->family;
	rule->action = egress_rand(2);
	if (dice == 0) {
		/* Elsewhere: the other half of the base's parent. */
		len = race->base_len + egress_rand(race->bits - race->base_len + 1);
		rule->addr = race->outside;
		egress_mixed_random_bits(race, &rule->addr, race->base_len);
		rule->proto = egress_rand(2) ? IPPROTO_UDP : 0;
	} else if (dice == 1) {
		/* Covering the base, any protocol: shorter than any stable. */
		len = race->cover_min +
		      egress_rand(race->base_len - race->cover_min + 1);
		rule->addr = race->base;
		rule->proto = egress_rand(2) ? IPPROTO_UDP : 0;
	} else if (dice == 2 || stable->prefix_len == race->bits) {
		/* A stable prefix's TCP rule: its first rule changes. */
		len = stable->prefix_len;
		rule->addr = stable->addr;
		rule->proto = IPPROTO_TCP;
	} else {
		/* Longer, on the reader's address, for TCP only. */
		len = stable->prefix_len + 1 +
		      egress_rand(race->bits - stable->prefix_len);
		rule->addr = race->hot[i];
		rule->proto = IPPROTO_TCP;
	}
	rule->prefix_len = len;
	egress_mask_naive(&rule->addr, len);
	if (rule->proto && egress_rand(2)) {
		rule->has_ports = 1;
		rule->port_min = egress_rand(2) ? 53 : 443;
		rule->port_max = rule->port_min;
	}
}

/* The stable rules, in the model and in the ruleset, and their answers. */
static int egress_mixed_race_stable(struct egress_mixed_race *race)
{
	struct egress_pkt pkt = {
		.family = race->family,
		.proto = IPPROTO_UDP,
		.has_port = true,
		.dport = 53,
	};
	struct egress_model *model = &race->model;
	const char *reason = NULL;
	u32 i, bad;
	int err;

	while (model->count < EGRESS_SELFTEST_MIXED_STABLE) {
		struct egress_rule *r = &model->rules[model->count];
		const struct egress_rule *parent = NULL;
		unsigned int from = race->base_len;

		memset(r, 0, sizeof(*r));
		r->family = race->family;
		r->action = egress_rand(2);
		r->addr = race->base;
		if (model->count && egress_rand(2)) {
			parent = &model->rules[egress_rand(model->count)];
			if (parent->prefix_len == race->bits)
				continue;
			r->addr = parent->addr;
			from = parent->prefix_len;
		}
		r->prefix_len = from + 1 + egress_rand(race->bits - from);
		egress_mixed_random_bits(race, &r->addr, from);
		egress_mask_naive(&r->addr, r->prefix_len);
		if (egress_model_has_same(model, r))
			continue;
		err = egress_ruleset_insert(&race->rs, r, 1, &bad, &reason);
		if (err) {
			pr_err("mixed race: stable rule: %d (%s)\n", err, reason);
			return err;
		}
		r->id = race->rs.next_id - 1;
		model->count++;
	}
	for (i = 0; i < EGRESS_SELFTEST_MIXED_STABLE; i++) {
		egress_mixed_addr_in(race, i, &race->hot[i]);
		pkt.daddr = race->hot[i];
		race->hot_want[i] = egress_mixed_model_id(race, &pkt);
	}
	return 0;
}

/* @jump_min: prefixes from which a trie has a jump table (trie.h). */
static int egress_selftest_ruleset_race_mixed(u8 family, unsigned int jump_min)
{
	struct task_struct *reader;
	struct egress_mixed_race *race;
	int err;

	egress_trie_jump_min = jump_min;

	/* About 32 KB: the model's rules. */
	race = kvzalloc(sizeof(*race), GFP_KERNEL);
	if (!race)
		return -ENOMEM;
	egress_ruleset_init(&race->rs);
	race->family = family;
	/*
	 * With a jump table, no prefix of 14 bits or fewer: one would send
	 * every walk below it the long way (the model test has them).
	 */
	if (jump_min < EGRESS_TRIE_JUMP_MIN)
		race->cover_min = EGRESS_TRIE_JUMP_BITS + 1;
	if (family == NFPROTO_IPV4 && jump_min < EGRESS_TRIE_JUMP_MIN) {
		race->bits = 32;
		race->base_len = 15;
		race->base.ip = htonl(0x0a000000);
		race->outside.ip = htonl(0x0a020000);
	} else if (family == NFPROTO_IPV4) {
		race->bits = 32;
		race->base_len = 9;
		race->base.ip = htonl(0x0a000000);
		race->outside.ip = htonl(0x0a800000);
	} else {
		race->bits = 128;
		race->base_len = 33;
		race->base.ip6[0] = htonl(0x20010db8);
		race->outside.ip6[0] = htonl(0x20010db8);
		race->outside.ip6[1] = htonl(0x80000000);
	}
	err = egress_mixed_race_stable(race);
	if (err)
		goto out_destroy;

	reader = egress_race_reader_start(egress_mixed_race_reader, race,
					  &race->reader_started);
	if (IS_ERR(reader)) {
		err = PTR_ERR(reader);
		goto out_destroy;
	}
	err = egress_race_churn(&race->rs, race->churn_id,
				EGRESS_SELFTEST_MIXED_CHURN_MAX,
				EGRESS_SELFTEST_MIXED_OPS, egress_mixed_churn_rule,
				race, "mixed race");
	kthread_stop(reader);
	if (err)
		goto out_destroy;
	if (race->bad) {
		if (family == NFPROTO_IPV4)
			pr_err("mixed race: lookup of %pI4 found rule %u, want %u\n",
			       &race->bad_addr.ip, race->bad_got,
			       race->bad_want);
		else
			pr_err("mixed race: lookup of %pI6c found rule %u, want %u\n",
			       &race->bad_addr.in6, race->bad_got,
			       race->bad_want);
		err = -EINVAL;
		goto out_destroy;
	}
	pr_info("mixed race, family %u, jump table from %u prefixes: %u writer operations against %lu lookups (%lu asked of the model, %lu from the table): ok\n",
		family, jump_min, EGRESS_SELFTEST_MIXED_OPS, race->lookups,
		race->modelled, race->jumped);

out_destroy:
	/* The reader has stopped: no RCU reader can hold the ruleset. */
	synchronize_rcu();
	egress_ruleset_destroy(&race->rs);
	egress_trie_jump_min = EGRESS_TRIE_JUMP_MIN;
	kvfree(race);
	return err;
}

/*
 * A batch of rules becomes reachable most specific first, and a refused
 * batch never: a reader that looks up 10.1.2.3 while a writer adds and
 * removes {allow 10.0.0.0/8, allow 10.1.0.0/16, deny 10.1.2.3/32} (least
 * specific first in the request, the worst order), or fails to add a
 * batch that starts with the allow and repeats the deny, must see no rule
 * or the deny, never one of the allows.  Ids follow the request's order.
 */
#define EGRESS_SELFTEST_BATCH_ROUNDS 20000

struct egress_batch_race {
	struct egress_ruleset rs;
	struct completion reader_started;
	unsigned long lookups;
	u32 allowed;		/* lookups that met an allow */
};

static void egress_v4_rule(struct egress_rule *rule, u32 addr, u8 len,
			   u8 action)
{
	memset(rule, 0, sizeof(*rule));
	rule->family = NFPROTO_IPV4;
	rule->prefix_len = len;
	rule->addr.ip = htonl(addr);
	rule->action = action;
}

static int egress_batch_race_reader(void *data)
{
	struct egress_batch_race *race = data;
	struct egress_pkt pkt = {
		.family = NFPROTO_IPV4,
		.proto = IPPROTO_UDP,
		.has_port = true,
		.dport = 53,
		.daddr.ip = htonl(0x0a010203),
	};
	const struct egress_rule *rule;

	complete(&race->reader_started);
	while (!kthread_should_stop()) {
		rcu_read_lock();
		rule = egress_ruleset_match(&race->rs, &pkt);
		if (rule && rule->action == NF_EGRESS_VERDICT_ALLOW)
			race->allowed++;
		rcu_read_unlock();
		race->lookups++;
		cond_resched();
	}
	return 0;
}

static int egress_batch_race_writer(struct egress_batch_race *race)
{
	struct egress_rule batch[3], refused[3];
	const char *reason = NULL;
	u32 round, first, i, bad;
	int err;

	egress_v4_rule(&batch[0], 0x0a000000, 8, NF_EGRESS_VERDICT_ALLOW);
	egress_v4_rule(&batch[1], 0x0a010000, 16, NF_EGRESS_VERDICT_ALLOW);
	egress_v4_rule(&batch[2], 0x0a010203, 32, NF_EGRESS_VERDICT_DENY);
	refused[0] = batch[0];
	refused[1] = batch[2];
	refused[2] = batch[2];
	for (round = 0; round < EGRESS_SELFTEST_BATCH_ROUNDS; round++) {
		if (round % 2) {
			err = egress_ruleset_insert(&race->rs, refused, 3, &bad,
						    &reason);
			if (err != -EEXIST || bad != 2 || race->rs.count) {
				pr_err("batch race: refused batch: %d, bad %u, %u rules\n",
				       err, bad, race->rs.count);
				return -EINVAL;
			}
			continue;
		}
		first = race->rs.next_id;
		err = egress_ruleset_insert(&race->rs, batch, 3, &bad, &reason);
		if (err) {
			pr_err("batch race: insert: %d (%s)\n", err, reason);
			return err;
		}
		for (i = 0; i < 3; i++) {
			if (egress_ruleset_find_same(&race->rs, &batch[i])->id !=
			    first + i) {
				pr_err("batch race: rule %u of the request has id %u, want %u\n",
				       i, egress_ruleset_find_same(&race->rs,
								   &batch[i])->id,
				       first + i);
				return -EINVAL;
			}
		}
		/* The allows go first, so that removing is atomic too. */
		for (i = 0; i < 3; i++) {
			err = egress_ruleset_delete(&race->rs, first + i);
			if (err)
				return err;
		}
		if (!(round % 64))
			cond_resched();
	}
	return 0;
}

static int egress_selftest_batch_race(void)
{
	struct egress_batch_race *race;
	struct task_struct *reader;
	int err;

	race = kzalloc(sizeof(*race), GFP_KERNEL);
	if (!race)
		return -ENOMEM;
	egress_ruleset_init(&race->rs);
	reader = egress_race_reader_start(egress_batch_race_reader, race,
					  &race->reader_started);
	if (IS_ERR(reader)) {
		err = PTR_ERR(reader);
		goto out_destroy;
	}
	err = egress_batch_race_writer(race);
	kthread_stop(reader);
	if (!err && race->allowed) {
		pr_err("batch race: %u of %lu lookups met an allow of a batch that denies the address\n",
		       race->allowed, race->lookups);
		err = -EINVAL;
	}
	if (!err)
		pr_info("batch race: %u batches against %lu lookups: ok\n",
			EGRESS_SELFTEST_BATCH_ROUNDS, race->lookups);

out_destroy:
	synchronize_rcu();
	egress_ruleset_destroy(&race->rs);
	kfree(race);
	return err;
}

/*
 * A batch whose trie inserts run out of memory leaves nothing behind:
 * the batch is tried with the first, second, ... node allocation failing
 * until one succeeds, and after each refusal the ruleset must be as before
 * (no id of the batch's, the same trie nodes, every record back for
 * reuse, and the prefixes the batch shares with the policy still leading
 * to the policy's rules) and none of the batch's.  The batch mixes IPv4
 * and IPv6 prefixes (leaves and node prefixes headed by the batch's
 * records), prefixes new to the policy, ones it has (for TCP only) and
 * one twice (the second for UDP only).
 */
#define EGRESS_SELFTEST_ENOMEM_NEW 24
#define EGRESS_SELFTEST_ENOMEM_BATCH (EGRESS_SELFTEST_ENOMEM_NEW + 3)
/* The policy's rules before the batch: ids 1 to 4. */
#define EGRESS_ENOMEM_V4_8 1
#define EGRESS_ENOMEM_V6_32 2
#define EGRESS_ENOMEM_V4_16 3
#define EGRESS_ENOMEM_V6_48 4
#define EGRESS_ENOMEM_FIRST_ID 5

static void egress_enomem_v6(struct egress_rule *rule, u8 len, u32 word1,
			     u32 word2)
{
	memset(rule, 0, sizeof(*rule));
	rule->family = NFPROTO_IPV6;
	rule->prefix_len = len;
	rule->addr.ip6[0] = htonl(0x20010db8);
	rule->addr.ip6[1] = htonl(word1);
	rule->addr.ip6[2] = htonl(word2);
}

static void egress_enomem_rule(struct egress_rule *rule, u32 i)
{
	if (i == EGRESS_SELFTEST_ENOMEM_NEW) {
		/* the policy's 10.1.0.0/16, for TCP */
		egress_v4_rule(rule, 0x0a010000, 16, NF_EGRESS_VERDICT_DENY);
		rule->proto = IPPROTO_TCP;
	} else if (i == EGRESS_SELFTEST_ENOMEM_NEW + 1) {
		/* the policy's 2001:db8:ffff::/48, for TCP */
		egress_enomem_v6(rule, 48, 0xffff0000, 0);
		rule->proto = IPPROTO_TCP;
	} else if (i == EGRESS_SELFTEST_ENOMEM_NEW + 2) {
		/* rule 3's 10.200.3.0/24 again, for UDP */
		egress_enomem_rule(rule, 3);
		rule->proto = IPPROTO_UDP;
	} else if (i % 3 == 0) {
		/* 10.200.i.0/24 */
		egress_v4_rule(rule, 0x0ac80000 | i << 8, 24,
			       NF_EGRESS_VERDICT_DENY);
	} else {
		/* 2001:db8:1:i::/64, and every fourth one /100 below it */
		egress_enomem_v6(rule, i % 4 ? 64 : 100, 0x00010000 | i,
				 i % 4 ? 0 : 0xabc00000);
	}
	rule->action = NF_EGRESS_VERDICT_DENY;
}

/* The packet to an address inside @rule's prefix: UDP, port 53. */
static void egress_enomem_pkt(const struct egress_rule *rule,
			      struct egress_pkt *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	pkt->family = rule->family;
	pkt->proto = IPPROTO_UDP;
	pkt->has_port = true;
	pkt->dport = 53;
	pkt->daddr = rule->addr;
	if (rule->family == NFPROTO_IPV4)
		pkt->daddr.ip |= htonl(7);
	else
		pkt->daddr.ip6[3] |= htonl(7);
}

/* The rule batch rule @i's packet must meet: without the batch, or with. */
static u32 egress_enomem_want(const struct egress_rule *batch, u32 i, bool in)
{
	if (i == EGRESS_SELFTEST_ENOMEM_NEW)
		return EGRESS_ENOMEM_V4_16;	/* its TCP rule misses UDP */
	if (i == EGRESS_SELFTEST_ENOMEM_NEW + 1)
		return EGRESS_ENOMEM_V6_48;
	if (!in)
		return batch[i].family == NFPROTO_IPV4 ? EGRESS_ENOMEM_V4_8 :
							 EGRESS_ENOMEM_V6_32;
	if (i == 3)	/* the UDP rule of the same prefix is more specific */
		i = EGRESS_SELFTEST_ENOMEM_NEW + 2;
	return EGRESS_ENOMEM_FIRST_ID + i;
}

static int egress_enomem_check(struct egress_ruleset *rs,
			       const struct egress_rule *batch, bool in,
			       unsigned int nth)
{
	const struct egress_rule *found;
	struct egress_pkt pkt;
	u32 i, want;

	for (i = 0; i < EGRESS_SELFTEST_ENOMEM_BATCH; i++) {
		egress_enomem_pkt(&batch[i], &pkt);
		want = egress_enomem_want(batch, i, in);
		rcu_read_lock();
		found = egress_ruleset_match(rs, &pkt);
		rcu_read_unlock();
		if (!found || found->id != want) {
			pr_err("batch ENOMEM (allocation %u denied, batch %s): rule %u's address met rule %d, want %u\n",
			       nth, in ? "in" : "refused", i,
			       found ? (int)found->id : -1, want);
			return -EINVAL;
		}
	}
	return 0;
}

static int egress_selftest_batch_enomem(void)
{
	struct egress_rule base[4], *batch;
	unsigned int nth, nodes4, nodes6;
	struct egress_ruleset *rs;
	const char *reason = NULL;
	u32 i, bad, top4 = 0, top6 = 0;
	unsigned long id;
	int err, ret = 0;

	rs = kzalloc(sizeof(*rs), GFP_KERNEL);
	batch = kcalloc(EGRESS_SELFTEST_ENOMEM_BATCH, sizeof(*batch), GFP_KERNEL);
	if (!rs || !batch) {
		kfree(rs);
		kfree(batch);
		return -ENOMEM;
	}
	/*
	 * 10.0.0.0/8 and 2001:db8::/32 cover the batch; 10.1.0.0/16 and
	 * 2001:db8:ffff::/48 beside them make the /8 and the /32 prefix bits
	 * of nodes already, so that taking the batch back out restores the
	 * trie node for node (a prefix bit never becomes a leaf again).
	 */
	egress_ruleset_init(rs);
	egress_v4_rule(&base[0], 0x0a000000, 8, NF_EGRESS_VERDICT_ALLOW);
	egress_enomem_v6(&base[1], 32, 0, 0);
	base[1].action = NF_EGRESS_VERDICT_ALLOW;
	egress_v4_rule(&base[2], 0x0a010000, 16, NF_EGRESS_VERDICT_ALLOW);
	egress_enomem_v6(&base[3], 48, 0xffff0000, 0);
	base[3].action = NF_EGRESS_VERDICT_ALLOW;
	ret = egress_ruleset_insert(rs, base, ARRAY_SIZE(base), &bad, &reason);
	if (ret)
		goto out;
	for (i = 0; i < EGRESS_SELFTEST_ENOMEM_BATCH; i++)
		egress_enomem_rule(&batch[i], i);
	nodes4 = rs->v4.trie.nodes;
	nodes6 = rs->v6.trie.nodes;

	for (nth = 1;; nth++) {
		egress_trie_fail_nth = nth;
		err = egress_ruleset_insert(rs, batch, EGRESS_SELFTEST_ENOMEM_BATCH,
					    &bad, &reason);
		egress_trie_fail_nth = 0;
		/*
		 * The first attempt takes the records; every later one, and
		 * the batch that goes in, must find them all free again.
		 */
		if (nth == 1) {
			top4 = rs->v4.top;
			top6 = rs->v6.top;
		}
		if (rs->v4.top != top4 || rs->v6.top != top6) {
			pr_err("batch ENOMEM (allocation %u denied): records up to %u and %u handed out, %u and %u before\n",
			       nth, rs->v4.top, rs->v6.top, top4, top6);
			ret = -EINVAL;
			goto out;
		}
		if (!err)
			break;
		id = rs->next_id;
		if (err != -ENOMEM || rs->next_id != EGRESS_ENOMEM_FIRST_ID ||
		    egress_ruleset_next(rs, &id) ||
		    rs->v4.trie.nodes != nodes4 || rs->v6.trie.nodes != nodes6) {
			pr_err("batch ENOMEM (allocation %u denied): error %d, next id %u, trie nodes %u and %u (want -ENOMEM, %u, %u and %u)\n",
			       nth, err, rs->next_id, rs->v4.trie.nodes,
			       rs->v6.trie.nodes, EGRESS_ENOMEM_FIRST_ID, nodes4,
			       nodes6);
			ret = -EINVAL;
			goto out;
		}
		ret = egress_enomem_check(rs, batch, false, nth);
		if (ret)
			goto out;
		if (nth > 1000) {
			pr_err("batch ENOMEM: the batch still fails with allocation %u denied\n",
			       nth);
			ret = -EINVAL;
			goto out;
		}
	}
	ret = egress_enomem_check(rs, batch, true, nth);
	if (ret)
		goto out;
	if (nth < 2) {
		pr_err("batch ENOMEM: the batch needed no trie node\n");
		ret = -EINVAL;
		goto out;
	}
	pr_info("batch ENOMEM: refused with each of its %u node allocations denied in turn, nothing left behind: ok\n",
		nth - 1);
out:
	egress_trie_fail_nth = 0;
	synchronize_rcu();
	egress_ruleset_destroy(rs);
	kfree(rs);
	kfree(batch);
	return ret;
}

static int egress_selftest_paths(void)
{
	static const char *const good[] = {
		"/", "/a", "/system.slice/nginx.service", "/a b/c",
	};
	static const char *const bad[] = {
		"", "a", "//", "/a/", "/a//b", "/.", "/a/..", "/./a",
	};
	struct egress_path_names names;
	const char *reason;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		if (egress_cgroup_path_validate(good[i], &reason)) {
			pr_err("path '%s' refused: %s\n", good[i], reason);
			return -EINVAL;
		}
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (!egress_cgroup_path_validate(bad[i], &reason)) {
			pr_err("path '%s' accepted\n", bad[i]);
			return -EINVAL;
		}
	}
	egress_path_names_from_path(&names, "/system.slice/nginx.service");
	if (names.levels != 3 || names.len[1] != 12 ||
	    memcmp(names.name[2], "nginx.service", 13)) {
		pr_err("path split wrong\n");
		return -EINVAL;
	}
	return 0;
}

int egress_selftest_run(void)
{
	int err;

	if (!egress_selftest_enabled)
		return 0;
	/*
	 * Ruleset writers hold the config mutex (lockdep checks it), these
	 * rulesets' too, though nobody else sees them.
	 */
	mutex_lock(&egress_config_mutex);
	err = egress_selftest_paths();
	if (!err)
		err = egress_selftest_pattern();
	if (!err)
		err = egress_selftest_trie();
	if (!err)
		err = egress_selftest_ratelimit();
	if (!err)
		err = egress_selftest_quota();
	if (!err)
		err = egress_selftest_ruleset_family(NFPROTO_IPV4, false);
	if (!err)
		err = egress_selftest_ruleset_family(NFPROTO_IPV6, false);
	if (!err)
		err = egress_selftest_ruleset_family(NFPROTO_IPV4, true);
	if (!err)
		err = egress_selftest_ruleset_family(NFPROTO_IPV6, true);
	if (!err)
		err = egress_selftest_ruleset_bulk();
	if (!err)
		err = egress_selftest_ruleset_race();
	if (!err)
		err = egress_selftest_ruleset_race_mixed(NFPROTO_IPV4,
							 EGRESS_TRIE_JUMP_MIN);
	if (!err)
		err = egress_selftest_ruleset_race_mixed(NFPROTO_IPV6,
							 EGRESS_TRIE_JUMP_MIN);
	if (!err)
		err = egress_selftest_ruleset_race_mixed(NFPROTO_IPV4, 1);
	if (!err)
		err = egress_selftest_ruleset_race_mixed(NFPROTO_IPV6, 1);
	if (!err)
		err = egress_selftest_batch_race();
	if (!err)
		err = egress_selftest_batch_enomem();
	mutex_unlock(&egress_config_mutex);
	if (err) {
		pr_err("FAILED (%d)\n", err);
		return err;
	}
	pr_info("all passed\n");
	return 0;
}
