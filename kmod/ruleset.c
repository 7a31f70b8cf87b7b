// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of one policy: validation, batches inserted all or none,
 * deletes, and the order of a prefix's rules.  See ruleset.h for the
 * structure; the record allocator is rulestore.c, the trie of prefixes
 * and their heads trie.c and the packet path's walk lpm.c.
 * The layout is what keeps an IPv4 rule under 64 bytes of memory in all
 * (a 40-byte record, 4 of id index, the rest trie): no per-rule
 * allocation and no rcu_head; a trie leaf is an entry of its parent node
 * naming its prefix's head, and a prefix in a node costs its head's 4
 * bytes (trie.c).
 *
 * RCU: readers find a record by loading a node's head or a ->next with
 * acquire semantics, or a trie leaf followed by smp_rmb(), and only then
 * the directory, so a record published with a release store is seen whole
 * and its chunk is in the directory they load.  Replaced directories and
 * trie nodes are freed, and records reused, only after a grace period.
 */

#include <linux/bitops.h>
#include <linux/in.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/ipv6.h>

#include <linux/nf_egress.h>

#include "ruleset.h"
#include "rulestore.h"
#include "trie.h"

static struct egress_rule_store *egress_store_of(struct egress_ruleset *rs,
						 u8 family)
{
	return family == NFPROTO_IPV4 ? &rs->v4 : &rs->v6;
}

static unsigned int egress_family_bits(u8 family)
{
	return family == NFPROTO_IPV4 ? 32 : 128;
}

static __be32 egress_ipv4_mask(__be32 addr, unsigned int prefix_len)
{
	return prefix_len ? addr & htonl(~0U << (32 - prefix_len)) : 0;
}

/* Only as many address bytes as the family has: see egress_rule_size(). */
static bool egress_addr_equal(u8 family, const union nf_inet_addr *a,
			      const union nf_inet_addr *b)
{
	if (family == NFPROTO_IPV4)
		return a->ip == b->ip;
	return ipv6_addr_equal(&a->in6, &b->in6);
}

static void egress_addr_mask(union nf_inet_addr *out,
			     const union nf_inet_addr *in, u8 family,
			     unsigned int prefix_len)
{
	memset(out, 0, sizeof(*out));
	if (family == NFPROTO_IPV4)
		out->ip = egress_ipv4_mask(in->ip, prefix_len);
	else
		ipv6_addr_prefix(&out->in6, &in->in6, prefix_len);
}

/* A rule without ports is wider than any port range, 0-65535 included. */
static u32 egress_rule_port_width(const struct egress_rule *rule)
{
	return rule->has_ports ? rule->port_max - rule->port_min : 65536;
}

/* < 0 if @a is more specific than @b (a longer prefix counts first). */
static int egress_rule_specificity_cmp(const struct egress_rule *a,
				       const struct egress_rule *b)
{
	u32 wa, wb;

	if (a->prefix_len != b->prefix_len)
		return a->prefix_len > b->prefix_len ? -1 : 1;
	if (!a->proto != !b->proto)
		return a->proto ? -1 : 1;
	wa = egress_rule_port_width(a);
	wb = egress_rule_port_width(b);
	if (wa != wb)
		return wa < wb ? -1 : 1;
	return 0;
}

static bool egress_rule_same(const struct egress_rule *a,
			     const struct egress_rule *b)
{
	return a->family == b->family && a->prefix_len == b->prefix_len &&
	       egress_addr_equal(a->family, &a->addr, &b->addr) &&
	       a->proto == b->proto && a->has_ports == b->has_ports &&
	       (!a->has_ports || (a->port_min == b->port_min &&
				  a->port_max == b->port_max));
}

int egress_rule_validate(const struct egress_rule *rule, const char **reason)
{
	union nf_inet_addr masked;

	if (rule->family != NFPROTO_IPV4 && rule->family != NFPROTO_IPV6) {
		*reason = KBUILD_MODNAME ": rule family must be AF_INET or AF_INET6";
		return -EAFNOSUPPORT;
	}
	if (rule->prefix_len > egress_family_bits(rule->family)) {
		*reason = KBUILD_MODNAME ": prefix length too long for the family";
		return -EINVAL;
	}
	/*
	 * "10.0.0.1/8" is almost certainly a typo; refuse it rather than
	 * guess which of the two the user meant.
	 */
	egress_addr_mask(&masked, &rule->addr, rule->family, rule->prefix_len);
	if (memcmp(&masked, &rule->addr, sizeof(masked))) {
		*reason = KBUILD_MODNAME ": address has host bits set beyond the prefix";
		return -EINVAL;
	}
	switch (rule->proto) {
	case 0:
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		break;
	case IPPROTO_ICMP:
		if (rule->family != NFPROTO_IPV4) {
			*reason = KBUILD_MODNAME ": icmp rules need an IPv4 destination";
			return -EINVAL;
		}
		break;
	case IPPROTO_ICMPV6:
		if (rule->family != NFPROTO_IPV6) {
			*reason = KBUILD_MODNAME ": icmpv6 rules need an IPv6 destination";
			return -EINVAL;
		}
		break;
	default:
		*reason = KBUILD_MODNAME ": protocol must be tcp, udp, sctp, icmp or icmpv6";
		return -EPROTONOSUPPORT;
	}
	if (rule->has_ports) {
		if (rule->proto == IPPROTO_ICMP || rule->proto == IPPROTO_ICMPV6) {
			*reason = KBUILD_MODNAME ": ports apply to tcp, udp and sctp only";
			return -EINVAL;
		}
		if (rule->port_min > rule->port_max) {
			*reason = KBUILD_MODNAME ": port range ends before it starts";
			return -EINVAL;
		}
	}
	/* No action check: its 1-bit field holds every verdict (ruleset.h). */
	return 0;
}

static void egress_rule_trie_key(const struct egress_rule *rule,
				 struct egress_trie_key *key)
{
	egress_trie_key_from_addr(key, rule->family, &rule->addr);
}

/* The index of the first rule of @spec's prefix, or EGRESS_RULE_NONE. */
static u32 egress_prefix_head(struct egress_rule_store *store,
			      const struct egress_rule *spec)
{
	struct egress_trie_key key;

	egress_rule_trie_key(spec, &key);
	return egress_trie_head(&store->trie, &key, spec->prefix_len);
}

static struct egress_rule *egress_rule_next_locked(struct egress_rule_store *store,
						   const struct egress_rule *rule)
{
	if (rule->next == EGRESS_RULE_NONE)
		return NULL;
	return egress_rule_at_locked(store, rule->next);
}

struct egress_rule *egress_ruleset_find_same(struct egress_ruleset *rs,
					     const struct egress_rule *spec)
{
	struct egress_rule_store *store = egress_store_of(rs, spec->family);
	u32 head = egress_prefix_head(store, spec);
	struct egress_rule *rule;

	if (head == EGRESS_RULE_NONE)
		return NULL;
	for (rule = egress_rule_at_locked(store, head); rule;
	     rule = egress_rule_next_locked(store, rule))
		if (egress_rule_same(rule, spec))
			return rule;
	return NULL;
}

static u32 egress_id_entry(const struct egress_rule *rule, u32 idx)
{
	return idx << 1 | (rule->family == NFPROTO_IPV6);
}

/*
 * Does @a come before @b among the rules a packet may meet: a longer
 * prefix, then egress_rule_specificity_cmp(), then the lower id.  This is
 * the order in which egress_ruleset_match() would pick them.
 */
static bool egress_rule_precedes(const struct egress_rule *a, u32 a_id,
				 const struct egress_rule *b, u32 b_id)
{
	int cmp = egress_rule_specificity_cmp(a, b);

	return cmp < 0 || (cmp == 0 && a_id < b_id);
}

/*
 * Make @tmpl, already in record @idx (egress_batch_fill()) and the id
 * index, reachable by readers: link it into its prefix's chain, in order.
 * Cannot fail: the prefix is in the trie (egress_batch_index()).  @first:
 * the rule brought its prefix into the trie, so it heads it already, with
 * ->next EGRESS_RULE_NONE; the batch's later rules of that prefix, linked
 * after it, find it as the head.
 */
static void egress_ruleset_link(struct egress_ruleset *rs,
				const struct egress_rule *tmpl, u32 id, u32 idx,
				bool first)
{
	struct egress_rule_store *store = egress_store_of(rs, tmpl->family);
	struct egress_rule *rule, *prev = NULL, *cur = NULL;
	struct egress_trie_key key;
	u32 head;

	rs->count++;
	if (first)
		return;
	egress_rule_trie_key(tmpl, &key);
	head = egress_trie_head(&store->trie, &key, tmpl->prefix_len);
	if (WARN_ON_ONCE(head == EGRESS_RULE_NONE || head == idx))
		return;
	for (cur = egress_rule_at_locked(store, head);
	     cur && egress_rule_precedes(cur, cur->id, tmpl, id);
	     cur = egress_rule_next_locked(store, cur))
		prev = cur;

	rule = egress_rule_at_locked(store, idx);
	if (prev) {
		rule->next = prev->next;
		/* The record is whole before readers can reach it. */
		smp_store_release(&prev->next, idx);
	} else {
		rule->next = head;
		egress_trie_set_head(&store->trie, &key, tmpl->prefix_len, idx);
	}
}

/* A total order on what makes two rules the same (egress_rule_same()). */
static int egress_rule_key_cmp(const struct egress_rule *a,
			       const struct egress_rule *b)
{
	int cmp;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->prefix_len != b->prefix_len)
		return a->prefix_len < b->prefix_len ? -1 : 1;
	cmp = memcmp(&a->addr, &b->addr,
		     a->family == NFPROTO_IPV4 ? sizeof(a->addr.ip) :
						 sizeof(a->addr.in6));
	if (cmp)
		return cmp;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->has_ports != b->has_ports)
		return a->has_ports < b->has_ports ? -1 : 1;
	if (!a->has_ports)
		return 0;
	if (a->port_min != b->port_min)
		return a->port_min < b->port_min ? -1 : 1;
	if (a->port_max != b->port_max)
		return a->port_max < b->port_max ? -1 : 1;
	return 0;
}

/* One rule of a batch being inserted. */
struct egress_batch_entry {
	u32 req;	/* its position in the request: id - first id */
	u32 idx;	/* its record */
	bool new_prefix;	/* it put its prefix in the trie */
};

static int egress_batch_key_cmp(const void *a, const void *b, const void *priv)
{
	const struct egress_batch_entry *x = a, *y = b;
	const struct egress_rule *rules = priv;
	int cmp = egress_rule_key_cmp(&rules[x->req], &rules[y->req]);

	if (cmp)
		return cmp;
	return x->req < y->req ? -1 : 1;
}

/*
 * The first rule of @rules[0..n) (in request order) that is already in @rs
 * or repeats an earlier one of the request, or n.  Sorts @batch by key.
 */
static u32 egress_batch_first_duplicate(struct egress_ruleset *rs,
					const struct egress_rule *rules, u32 n,
					struct egress_batch_entry *batch)
{
	u32 i, bad = n;

	for (i = 0; i < n; i++) {
		if (egress_ruleset_find_same(rs, &rules[i])) {
			bad = i;
			break;
		}
		batch[i].req = i;
	}
	for (; i < n; i++)
		batch[i].req = i;
	sort_r(batch, n, sizeof(*batch), egress_batch_key_cmp, NULL, rules);
	/* Equal keys sort by request order: the second of a pair repeats. */
	for (i = 1; i < n; i++) {
		if (!egress_rule_key_cmp(&rules[batch[i - 1].req],
					 &rules[batch[i].req]))
			bad = min(bad, batch[i].req);
	}
	return bad;
}

/*
 * Undo the first @done record and id allocations of a batch.  @seen: the
 * trie may have named the records as heads, so readers may be on them: one
 * grace period for the whole batch, under the mutex but not one per record.
 */
static void egress_batch_unwind(struct egress_ruleset *rs,
				const struct egress_rule *rules,
				const struct egress_batch_entry *batch,
				u32 done, bool ids_too, bool seen)
{
	u32 i;

	if (seen)
		synchronize_rcu();
	for (i = 0; i < done; i++) {
		const struct egress_rule *rule = &rules[batch[i].req];

		if (ids_too)
			egress_idmap_clear(&rs->by_id, rs->next_id + batch[i].req);
		egress_store_unalloc(egress_store_of(rs, rule->family),
				     batch[i].idx);
	}
}

/*
 * Fill the batch's records, still unreachable: the trie may name one as a
 * new prefix's head (egress_batch_index()), and readers may then read the
 * prefix and the chain from it.  Its id stays beyond published_id until
 * the batch is published, so no lookup takes the rule before.
 */
static void egress_batch_fill(struct egress_ruleset *rs,
			      const struct egress_rule *rules,
			      const struct egress_batch_entry *batch, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		const struct egress_rule *tmpl = &rules[batch[i].req];
		struct egress_rule_store *store = egress_store_of(rs, tmpl->family);
		struct egress_rule *rule = egress_rule_at_locked(store, batch[i].idx);

		memcpy(rule, tmpl, store->rec_size);
		rule->id = rs->next_id + batch[i].req;
		rule->next = EGRESS_RULE_NONE;
		atomic64_set(&rule->packets, 0);
		atomic64_set(&rule->bytes, 0);
	}
}

/* Take the prefixes the batch put in the tries back out. */
static void egress_batch_unindex(struct egress_ruleset *rs,
				 const struct egress_rule *rules,
				 struct egress_batch_entry *batch, u32 done)
{
	struct egress_trie_key key;
	u32 i;

	for (i = done; i-- > 0;) {
		const struct egress_rule *rule = &rules[batch[i].req];

		if (!batch[i].new_prefix)
			continue;
		egress_rule_trie_key(rule, &key);
		egress_trie_remove(&egress_store_of(rs, rule->family)->trie,
				   &key, rule->prefix_len);
	}
}

/*
 * Put the batch's new prefixes in the tries, before any of its rules is
 * linked, each headed by its first rule in the batch: readers that meet
 * it skip it, its id not being published yet.
 */
static int egress_batch_index(struct egress_ruleset *rs,
			      const struct egress_rule *rules,
			      struct egress_batch_entry *batch, u32 n)
{
	struct egress_trie_key key;
	u32 i;
	int ret;

	for (i = 0; i < n; i++) {
		const struct egress_rule *rule = &rules[batch[i].req];

		egress_rule_trie_key(rule, &key);
		ret = egress_trie_insert(&egress_store_of(rs, rule->family)->trie,
					 &key, rule->prefix_len, batch[i].idx);
		if (ret < 0) {
			egress_batch_unindex(rs, rules, batch, i);
			return ret;
		}
		batch[i].new_prefix = ret;
		if (!(i % 4096))
			cond_resched();
	}
	return 0;
}

int egress_ruleset_insert(struct egress_ruleset *rs,
			  const struct egress_rule *rules, u32 n, u32 *bad,
			  const char **reason)
{
	struct egress_batch_entry *batch;
	u32 i;
	int err;

	*bad = 0;
	if (!n)
		return 0;
	if (n > U32_MAX - rs->next_id) {
		*reason = KBUILD_MODNAME ": rule ids of this policy are exhausted";
		return -ENOSPC;
	}
	batch = kvmalloc_array(n, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;

	/*
	 * Everything that can fail happens before any rule is reachable, so
	 * a refused request leaves nothing behind that a packet could have
	 * met: duplicates, records, ids, trie nodes.
	 */
	*bad = egress_batch_first_duplicate(rs, rules, n, batch);
	if (*bad < n) {
		*reason = KBUILD_MODNAME ": a rule for this destination and ports exists";
		err = -EEXIST;
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		const struct egress_rule *rule = &rules[batch[i].req];

		err = egress_store_alloc(egress_store_of(rs, rule->family),
					 &batch[i].idx, reason);
		if (err) {
			*bad = batch[i].req;
			egress_batch_unwind(rs, rules, batch, i, false, false);
			goto out_free;
		}
	}
	for (i = 0; i < n; i++) {
		const struct egress_rule *rule = &rules[batch[i].req];

		err = egress_idmap_set(&rs->by_id, rs->next_id + batch[i].req,
				       egress_id_entry(rule, batch[i].idx));
		if (err) {
			*bad = batch[i].req;
			egress_batch_unwind(rs, rules, batch, i, true, false);
			egress_batch_unwind(rs, rules, batch + i, n - i, false,
					    false);
			goto out_free;
		}
	}
	egress_batch_fill(rs, rules, batch, n);
	err = egress_batch_index(rs, rules, batch, n);
	if (err) {
		egress_batch_unwind(rs, rules, batch, n, true, true);
		goto out_free;
	}

	/*
	 * Linked, the rules are still invisible: lookups skip ids from
	 * published_id on.  One release store then shows the whole request,
	 * so a lookup (which probes several prefix lengths one after the
	 * other) meets either the policy as it was or as the request makes
	 * it, never a mix.
	 */
	for (i = 0; i < n; i++) {
		egress_ruleset_link(rs, &rules[batch[i].req],
				    rs->next_id + batch[i].req, batch[i].idx,
				    batch[i].new_prefix);
		if (!(i % 4096))
			cond_resched();
	}
	rs->next_id += n;
	/* Pairs with the acquire in egress_ruleset_match(). */
	smp_store_release(&rs->published_id, rs->next_id);
	err = 0;

out_free:
	kvfree(batch);
	return err;
}

int egress_ruleset_delete(struct egress_ruleset *rs, u32 id)
{
	struct egress_rule_store *store;
	struct egress_rule *rule, *prev;
	struct egress_trie_key key;
	u32 entry, idx, head;

	if (!egress_idmap_get(&rs->by_id, id, &entry))
		return -ENOENT;
	store = entry & 1 ? &rs->v6 : &rs->v4;
	idx = entry >> 1;
	rule = egress_rule_at_locked(store, idx);
	egress_rule_trie_key(rule, &key);
	head = egress_trie_head(&store->trie, &key, rule->prefix_len);
	if (WARN_ON_ONCE(head == EGRESS_RULE_NONE))
		return -ENOENT;

	if (head == idx) {
		/* Republishes a record: see the top of this file. */
		if (rule->next != EGRESS_RULE_NONE)
			egress_trie_set_head(&store->trie, &key,
					     rule->prefix_len, rule->next);
		else
			egress_trie_remove(&store->trie, &key, rule->prefix_len);
	} else {
		for (prev = egress_rule_at_locked(store, head); prev->next != idx;
		     prev = egress_rule_next_locked(store, prev))
			;
		/* Republishes a record, as a new head does. */
		smp_store_release(&prev->next, rule->next);
	}

	egress_idmap_clear(&rs->by_id, id);
	rs->count--;
	egress_store_retire(store, rs->count, idx);
	return 0;
}

struct egress_rule *egress_ruleset_next(struct egress_ruleset *rs,
					unsigned long *id)
{
	u32 next, entry;

	if (*id > U32_MAX)
		return NULL;
	next = *id;
	if (!egress_idmap_next(&rs->by_id, &next, &entry))
		return NULL;
	*id = next;
	return egress_rule_at_locked(entry & 1 ? &rs->v6 : &rs->v4, entry >> 1);
}

void egress_ruleset_usage(struct egress_ruleset *rs,
			  struct egress_ruleset_usage *usage)
{
	struct egress_rule_store *stores[] = { &rs->v4, &rs->v6 };
	unsigned int i;

	memset(usage, 0, sizeof(*usage));
	for (i = 0; i < ARRAY_SIZE(stores); i++) {
		usage->chunks += stores[i]->nr_chunks;
		usage->prefixes += stores[i]->trie.prefixes;
		usage->trie_nodes += stores[i]->trie.nodes;
	}
}

int egress_ruleset_init(struct egress_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->next_id = 1;
	rs->published_id = 1;
	egress_store_init(&rs->v4, NFPROTO_IPV4);
	egress_store_init(&rs->v6, NFPROTO_IPV6);
	egress_idmap_init(&rs->by_id);
	return 0;
}

size_t egress_ruleset_index_bytes(struct egress_ruleset *rs)
{
	return rs->v4.trie.bytes + rs->v6.trie.bytes +
	       egress_idmap_bytes(&rs->by_id);
}

void egress_ruleset_unpublished(struct egress_ruleset *rs)
{
	rs->v4.trie.unpublished = true;
	rs->v6.trie.unpublished = true;
}

void egress_ruleset_publish(struct egress_ruleset *rs)
{
	egress_trie_publish(&rs->v4.trie);
	egress_trie_publish(&rs->v6.trie);
}

void egress_ruleset_destroy(struct egress_ruleset *rs)
{
	egress_trie_destroy(&rs->v4.trie);
	egress_store_destroy(&rs->v4);
	egress_trie_destroy(&rs->v6.trie);
	egress_store_destroy(&rs->v6);
	egress_idmap_destroy(&rs->by_id);
}
