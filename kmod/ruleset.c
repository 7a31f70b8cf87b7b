// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of one policy: validation, batches inserted all or none,
 * deletes, and the order of a prefix's rules.  See ruleset.h for the
 * structure; the record allocator is rulestore.c, the prefix table
 * prefixtable.c, the trie of prefixes trie.c and the packet path's walk
 * lpm.c.
 * The layout is what keeps an IPv4 rule near 60 bytes of memory in all (a
 * 40-byte record, 5 to 11 bytes of table, 4 of id index, some of trie):
 * no per-rule allocation and no rcu_head; a trie leaf is an entry of its
 * parent node, naming a record of its prefix where the prefix does not
 * fit the entry (trie.c).
 *
 * RCU: readers find a record by loading a table slot or a ->next with
 * acquire semantics, or a trie leaf followed by smp_rmb(), and only then
 * the directory, so a record published with a release store is seen whole
 * and its chunk is in the directory they load.  A table is never changed
 * once replaced (writers only touch the current one), and replaced tables
 * and directories are freed after a grace period.  Records are reused only
 * after a grace period.
 */

#include <linux/bitops.h>
#include <linux/in.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/ipv6.h>

#include <linux/nf_egress.h>

#include "prefixtable.h"
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

/* The first rule of @spec's prefix, and the slot it is in. */
static struct egress_rule *egress_prefix_head(struct egress_rule_store *store,
					      const struct egress_rule *spec,
					      u32 *pos)
{
	struct egress_rule_table *tab = egress_table_locked(store);

	if (!tab || !egress_table_find(store, tab, spec->family, &spec->addr,
				       spec->prefix_len, pos))
		return NULL;
	return egress_rule_at_locked(store, egress_slot_idx(tab->slot[*pos]));
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
	struct egress_rule *rule;
	u32 pos;

	for (rule = egress_prefix_head(store, spec, &pos); rule;
	     rule = egress_rule_next_locked(store, rule))
		if (egress_rule_same(rule, spec))
			return rule;
	return NULL;
}

#define EGRESS_LEN_USERS (33 + 129)

static u32 *egress_len_users(struct egress_ruleset *rs, u8 family, u8 len)
{
	return &rs->len_users[family == NFPROTO_IPV4 ? len : 33 + len];
}

static void egress_len_add(struct egress_ruleset *rs, u8 family, u8 len)
{
	if ((*egress_len_users(rs, family, len))++)
		return;
	if (family == NFPROTO_IPV4) {
		set_bit(len, rs->v4_lens);
		WRITE_ONCE(rs->v4_nr_lens, rs->v4_nr_lens + 1);
	} else {
		set_bit(len, rs->v6_lens);
		WRITE_ONCE(rs->v6_nr_lens, rs->v6_nr_lens + 1);
	}
}

static void egress_len_del(struct egress_ruleset *rs, u8 family, u8 len)
{
	if (--(*egress_len_users(rs, family, len)))
		return;
	if (family == NFPROTO_IPV4) {
		clear_bit(len, rs->v4_lens);
		WRITE_ONCE(rs->v4_nr_lens, rs->v4_nr_lens - 1);
	} else {
		clear_bit(len, rs->v6_lens);
		WRITE_ONCE(rs->v6_nr_lens, rs->v6_nr_lens - 1);
	}
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
 * index, reachable by readers: link it into its prefix's chain, in order,
 * or give the prefix a table slot.  Cannot fail: the table has room
 * (egress_table_reserve()).
 */
static void egress_ruleset_link(struct egress_ruleset *rs,
				const struct egress_rule *tmpl, u32 id, u32 idx)
{
	struct egress_rule_store *store = egress_store_of(rs, tmpl->family);
	struct egress_rule_table *tab = egress_table_locked(store);
	struct egress_rule *rule, *head, *prev = NULL, *cur;
	u32 pos;

	head = egress_table_find(store, tab, tmpl->family, &tmpl->addr,
				 tmpl->prefix_len, &pos) ?
	       egress_rule_at_locked(store, egress_slot_idx(tab->slot[pos])) :
	       NULL;
	for (cur = head; cur && egress_rule_precedes(cur, cur->id, tmpl, id);
	     cur = egress_rule_next_locked(store, cur))
		prev = cur;

	rule = egress_rule_at_locked(store, idx);
	if (prev) {
		rule->next = prev->next;
		/* The record is whole before readers can reach it. */
		smp_store_release(&prev->next, idx);
	} else {
		u32 hash = egress_prefix_hash(tmpl->family, &tmpl->addr,
					      tmpl->prefix_len, tab->seed);

		if (head) {
			rule->next = egress_slot_idx(tab->slot[pos]);
		} else {
			rule->next = EGRESS_RULE_NONE;
			if (tab->slot[pos] == EGRESS_SLOT_EMPTY)
				tab->used++;
			tab->prefixes++;
		}
		/* As above: pairs with egress_prefix_lookup()'s acquire. */
		smp_store_release(&tab->slot[pos], egress_slot_make(hash, idx));
	}
	egress_len_add(rs, rule->family, rule->prefix_len);
	rs->count++;
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
 * Undo the first @done record and id allocations of a batch.  @seen: trie
 * leaves may have named the records, so readers may be on them: one grace
 * period for the whole batch, under the mutex but not one per record.
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
 * Fill the batch's records, still unreachable: a new prefix's trie leaf
 * may name its record (egress_batch_index()), and readers may then read
 * the prefix from it.  Its id stays beyond published_id until the batch
 * is published, so no lookup takes the rule before.
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

static void egress_rule_trie_key(const struct egress_rule *rule,
				 struct egress_trie_key *key)
{
	egress_trie_key_from_addr(key, rule->family, &rule->addr);
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
 * linked: a prefix in a trie whose rules are not yet reachable only costs
 * a lookup a probe of the table.
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

/*
 * Table room for the new prefixes of @rules[0..n) of @family (at most one
 * per rule), keeping it at most three quarters used.  A rebuild publishes
 * a table with the same content.
 */
static int egress_batch_reserve_table(struct egress_ruleset *rs, u8 family,
				      const struct egress_rule *rules, u32 n)
{
	struct egress_rule_store *store = egress_store_of(rs, family);
	struct egress_rule_table *tab = egress_table_locked(store);
	u32 i, new = 0;

	for (i = 0; i < n; i++)
		new += rules[i].family == family;
	if (!new || (tab && (u64)(tab->used + new) * 4 <=
			    (u64)(tab->mask + 1) * 3))
		return 0;
	return egress_table_rebuild(store, family,
				    egress_table_slots_for((tab ? tab->prefixes : 0) +
							   new));
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
	if (!rs->len_users) {
		rs->len_users = kcalloc(EGRESS_LEN_USERS, sizeof(*rs->len_users),
					GFP_KERNEL_ACCOUNT);
		if (!rs->len_users)
			return -ENOMEM;
	}
	batch = kvmalloc_array(n, sizeof(*batch), GFP_KERNEL);
	if (!batch)
		return -ENOMEM;

	/*
	 * Everything that can fail happens before any rule is reachable, so
	 * a refused request leaves nothing behind that a packet could have
	 * met: duplicates, records, ids, table room.
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
	err = egress_batch_reserve_table(rs, NFPROTO_IPV4, rules, n) ?:
	      egress_batch_reserve_table(rs, NFPROTO_IPV6, rules, n);
	if (err) {
		egress_batch_unwind(rs, rules, batch, n, true, false);
		goto out_free;
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
				    rs->next_id + batch[i].req, batch[i].idx);
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
	struct egress_rule *rule, *head, *prev;
	struct egress_rule_store *store;
	struct egress_rule_table *tab;
	struct egress_trie_key key;
	u32 entry, idx, pos;

	if (!egress_idmap_get(&rs->by_id, id, &entry))
		return -ENOENT;
	store = entry & 1 ? &rs->v6 : &rs->v4;
	idx = entry >> 1;
	rule = egress_rule_at_locked(store, idx);
	head = egress_prefix_head(store, rule, &pos);
	if (WARN_ON_ONCE(!head))
		return -ENOENT;
	tab = egress_table_locked(store);

	egress_rule_trie_key(rule, &key);
	if (head == rule) {
		if (rule->next != EGRESS_RULE_NONE) {
			/* Republishes a record: see the top of this file. */
			smp_store_release(&tab->slot[pos],
					  (tab->slot[pos] & ~EGRESS_SLOT_IDX_MASK) |
					  (rule->next + 2));
			egress_trie_repoint(&store->trie, &key, rule->prefix_len,
					    idx, rule->next);
		} else {
			if (tab->slot[(pos + 1) & tab->mask] == EGRESS_SLOT_EMPTY) {
				/*
				 * No probe goes past an empty slot, so the
				 * one before it need not stay a deleted entry.
				 */
				WRITE_ONCE(tab->slot[pos], EGRESS_SLOT_EMPTY);
				tab->used--;
			} else {
				WRITE_ONCE(tab->slot[pos], EGRESS_SLOT_GONE);
			}
			tab->prefixes--;
			egress_trie_remove(&store->trie, &key, rule->prefix_len);
		}
	} else {
		for (prev = head; prev->next != idx;
		     prev = egress_rule_next_locked(store, prev))
			;
		/* Republishes a record, as the slot above does. */
		smp_store_release(&prev->next, rule->next);
		egress_trie_repoint(&store->trie, &key, rule->prefix_len, idx,
				    egress_slot_idx(tab->slot[pos]));
	}

	egress_idmap_clear(&rs->by_id, id);
	egress_len_del(rs, rule->family, rule->prefix_len);
	rs->count--;
	egress_store_retire(store, rs->count, idx);
	egress_table_trim(store, rule->family);
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
		struct egress_rule_table *tab = egress_table_locked(stores[i]);

		usage->chunks += stores[i]->nr_chunks;
		if (tab) {
			usage->table_slots += tab->mask + 1;
			usage->prefixes += tab->prefixes;
		}
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
	rs->v4.trie.unpublished = false;
	rs->v6.trie.unpublished = false;
}

void egress_ruleset_destroy(struct egress_ruleset *rs)
{
	egress_trie_destroy(&rs->v4.trie);
	egress_table_destroy(&rs->v4);
	egress_store_destroy(&rs->v4);
	egress_trie_destroy(&rs->v6.trie);
	egress_table_destroy(&rs->v6);
	egress_store_destroy(&rs->v6);
	egress_idmap_destroy(&rs->by_id);
	kfree(rs->len_users);
}
