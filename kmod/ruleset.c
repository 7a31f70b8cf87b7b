// SPDX-License-Identifier: GPL-2.0
/*
 * Longest-prefix match over one policy's rules.  See ruleset.h for the
 * structure.  Everything a reader can reach is published with RCU and
 * retired with kfree_rcu(): a prefix's rule vector is copied on change,
 * since it is short.  Almost every prefix has a single rule, and holds it
 * without a vector (see struct egress_prefix).
 */

#include <linux/bitops.h>
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include <linux/nf_egress.h>

#include "ruleset.h"

struct egress_prefix_key {
	union nf_inet_addr addr;
	u8 family;
	u8 prefix_len;
	u8 pad[2];	/* part of the hashed key: always zero */
};

struct egress_rule_vec {
	struct rcu_head rcu;
	u32 count;
	struct egress_rule *rules[];	/* most specific first */
};

/*
 * A prefix's rules: its only rule, tagged with EGRESS_PREFIX_ONE in the
 * pointer's low bit (rules are kmalloc()ed, so the bit is free), or a
 * vector of two or more (overlapping port or protocol rules).  A vector of
 * one would cost 32 bytes per rule.  One pointer for both keeps every
 * change a single rcu_assign_pointer().
 */
#define EGRESS_PREFIX_ONE 1UL

struct egress_prefix {
	struct rhash_head node;
	struct egress_prefix_key key;
	void __rcu *rules;
	struct rcu_head rcu;
};

/*
 * @held (the value of a prefix's ->rules) as an array: sets *@rules and
 * returns its length.  @one is the storage for the single-rule case.
 */
static u32 egress_prefix_rules(void *held, struct egress_rule **one,
			       struct egress_rule *const **rules)
{
	unsigned long tagged = (unsigned long)held;
	struct egress_rule_vec *vec = held;

	if (tagged & EGRESS_PREFIX_ONE) {
		*one = (struct egress_rule *)(tagged & ~EGRESS_PREFIX_ONE);
		*rules = one;
		return 1;
	}
	*rules = vec->rules;
	return vec->count;
}

static void *egress_prefix_one(struct egress_rule *rule)
{
	return (void *)((unsigned long)rule | EGRESS_PREFIX_ONE);
}

/* kfree_rcu() what egress_prefix_rules() took @held for, if a vector. */
static void egress_prefix_rules_retire(void *held)
{
	struct egress_rule_vec *vec = held;

	if (!((unsigned long)held & EGRESS_PREFIX_ONE))
		kfree_rcu(vec, rcu);
}

/*
 * A lookup hashes a probe key for every prefix length in use, so hashing
 * and comparing only what a key holds matters: for IPv4 that is one word of
 * address and one of family and length, not the whole padded key that
 * rhashtable's jhash2() and memcmp() would go through.
 */
static __always_inline u32 egress_prefix_hash(const void *data, u32 len,
					      u32 seed)
{
	const struct egress_prefix_key *key = data;
	u32 meta = (u32)key->family << 8 | key->prefix_len;

	if (key->family == NFPROTO_IPV4)
		return jhash_2words((__force u32)key->addr.ip, meta, seed);
	return jhash2(key->addr.all, ARRAY_SIZE(key->addr.all), seed ^ meta);
}

static __always_inline int
egress_prefix_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct egress_prefix_key *key = arg->key;
	const struct egress_prefix *prefix = obj;

	if (key->family != prefix->key.family ||
	    key->prefix_len != prefix->key.prefix_len)
		return 1;
	if (key->family == NFPROTO_IPV4)
		return key->addr.ip != prefix->key.addr.ip;
	return !ipv6_addr_equal(&key->addr.in6, &prefix->key.addr.in6);
}

static const struct rhashtable_params egress_prefix_params = {
	.key_len		= sizeof(struct egress_prefix_key),
	.key_offset		= offsetof(struct egress_prefix, key),
	.head_offset		= offsetof(struct egress_prefix, node),
	.automatic_shrinking	= true,
	.hashfn			= egress_prefix_hash,
	.obj_cmpfn		= egress_prefix_cmp,
};

/* How long an insert waits for a table resize that makes it busy. */
#define EGRESS_INSERT_BUSY_RETRIES 1000

static unsigned int egress_family_bits(u8 family)
{
	return family == NFPROTO_IPV4 ? 32 : 128;
}

static __be32 egress_ipv4_mask(__be32 addr, unsigned int prefix_len)
{
	return prefix_len ? addr & htonl(~0U << (32 - prefix_len)) : 0;
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

static void egress_prefix_key_make(struct egress_prefix_key *key, u8 family,
				   const union nf_inet_addr *addr,
				   unsigned int prefix_len)
{
	memset(key, 0, sizeof(*key));
	egress_addr_mask(&key->addr, addr, family, prefix_len);
	key->family = family;
	key->prefix_len = prefix_len;
}

static bool egress_rule_matches_l4(const struct egress_rule *rule,
				   const struct egress_pkt *pkt)
{
	if (rule->proto && rule->proto != pkt->proto)
		return false;
	if (rule->has_ports)
		return pkt->has_port && pkt->dport >= rule->port_min &&
		       pkt->dport <= rule->port_max;
	return true;
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

/* Equally specific rules keep the order they were added in. */
static int egress_rule_order_cmp(const struct egress_rule *a,
				 const struct egress_rule *b)
{
	int cmp = egress_rule_specificity_cmp(a, b);

	if (cmp)
		return cmp;
	return a->id < b->id ? -1 : a->id > b->id;
}

static bool egress_rule_same(const struct egress_rule *a,
			     const struct egress_rule *b)
{
	return a->family == b->family && a->prefix_len == b->prefix_len &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr)) &&
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
	if (rule->action > NF_EGRESS_VERDICT_MAX) {
		*reason = KBUILD_MODNAME ": unknown rule action";
		return -EINVAL;
	}
	return 0;
}

static struct egress_prefix *egress_prefix_find(struct egress_ruleset *rs,
						const struct egress_rule *rule)
{
	struct egress_prefix_key key;

	egress_prefix_key_make(&key, rule->family, &rule->addr,
			       rule->prefix_len);
	return rhashtable_lookup_fast(&rs->prefixes, &key,
				      egress_prefix_params);
}

static void *egress_prefix_held(struct egress_prefix *prefix)
{
	/* Only writers, under egress_config_mutex, look at it this way. */
	return rcu_dereference_protected(prefix->rules, true);
}

struct egress_rule *egress_ruleset_find_same(struct egress_ruleset *rs,
					     const struct egress_rule *spec)
{
	struct egress_prefix *prefix = egress_prefix_find(rs, spec);
	struct egress_rule *const *rules;
	struct egress_rule *one;
	u32 i, count;

	if (!prefix)
		return NULL;
	count = egress_prefix_rules(egress_prefix_held(prefix), &one, &rules);
	for (i = 0; i < count; i++)
		if (egress_rule_same(rules[i], spec))
			return rules[i];
	return NULL;
}

static struct egress_rule_vec *egress_rule_vec_alloc(u32 count)
{
	struct egress_rule_vec *vec;

	vec = kmalloc(struct_size(vec, rules, count), GFP_KERNEL_ACCOUNT);
	if (vec)
		vec->count = count;
	return vec;
}

static void egress_len_add(struct egress_ruleset *rs, u8 family, u8 len)
{
	if (family == NFPROTO_IPV4) {
		if (!rs->v4_len_users[len]++)
			set_bit(len, rs->v4_lens);
	} else {
		if (!rs->v6_len_users[len]++)
			set_bit(len, rs->v6_lens);
	}
}

static void egress_len_del(struct egress_ruleset *rs, u8 family, u8 len)
{
	if (family == NFPROTO_IPV4) {
		if (!--rs->v4_len_users[len])
			clear_bit(len, rs->v4_lens);
	} else {
		if (!--rs->v6_len_users[len])
			clear_bit(len, rs->v6_lens);
	}
}

static int egress_prefix_insert(struct egress_ruleset *rs,
				struct egress_prefix *prefix)
{
	int tries = 0;
	int err;

	/*
	 * A burst of inserts can outrun the table's deferred resize; the
	 * insert then fails with -EBUSY until the resize worker catches up.
	 */
	for (;;) {
		err = rhashtable_lookup_insert_fast(&rs->prefixes, &prefix->node,
						    egress_prefix_params);
		if (err != -EBUSY || ++tries > EGRESS_INSERT_BUSY_RETRIES)
			return err;
		usleep_range(500, 1000);
	}
}

static int egress_ruleset_insert_one(struct egress_ruleset *rs,
				     const struct egress_rule *tmpl,
				     const char **reason)
{
	struct egress_rule *const *old_rules = NULL;
	struct egress_rule_vec *vec = NULL;
	struct egress_prefix *prefix;
	struct egress_rule *rule, *one;
	void *old = NULL, *held;
	u32 i, j, old_count = 0;
	bool inserted;
	int err;

	if (rs->next_id == U32_MAX) {
		*reason = KBUILD_MODNAME ": rule ids of this policy are exhausted";
		return -ENOSPC;
	}
	prefix = egress_prefix_find(rs, tmpl);
	if (prefix) {
		old = egress_prefix_held(prefix);
		old_count = egress_prefix_rules(old, &one, &old_rules);
		for (i = 0; i < old_count; i++) {
			if (egress_rule_same(old_rules[i], tmpl)) {
				*reason = KBUILD_MODNAME
					  ": a rule for this destination and ports exists";
				return -EEXIST;
			}
		}
	}

	rule = kmemdup(tmpl, sizeof(*rule), GFP_KERNEL_ACCOUNT);
	if (!rule)
		return -ENOMEM;
	rule->id = rs->next_id;
	atomic64_set(&rule->packets, 0);
	atomic64_set(&rule->bytes, 0);
	err = xa_insert(&rs->by_id, rule->id, rule, GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_free_rule;

	if (!old_count) {
		held = egress_prefix_one(rule);
	} else {
		vec = egress_rule_vec_alloc(old_count + 1);
		if (!vec) {
			err = -ENOMEM;
			goto err_erase;
		}
		inserted = false;
		for (i = 0, j = 0; i < old_count; i++) {
			if (!inserted &&
			    egress_rule_order_cmp(rule, old_rules[i]) < 0) {
				vec->rules[j++] = rule;
				inserted = true;
			}
			vec->rules[j++] = old_rules[i];
		}
		if (!inserted)
			vec->rules[j] = rule;
		held = vec;
	}

	if (prefix) {
		rcu_assign_pointer(prefix->rules, held);
		egress_prefix_rules_retire(old);
	} else {
		prefix = kzalloc(sizeof(*prefix), GFP_KERNEL_ACCOUNT);
		if (!prefix) {
			err = -ENOMEM;
			goto err_free_vec;
		}
		egress_prefix_key_make(&prefix->key, rule->family, &rule->addr,
				       rule->prefix_len);
		RCU_INIT_POINTER(prefix->rules, held);
		err = egress_prefix_insert(rs, prefix);
		if (err) {
			kfree(prefix);
			goto err_free_vec;
		}
	}

	egress_len_add(rs, rule->family, rule->prefix_len);
	rs->next_id++;
	rs->count++;
	return 0;

err_free_vec:
	kfree(vec);
err_erase:
	xa_erase(&rs->by_id, rule->id);
err_free_rule:
	kfree(rule);
	return err;
}

int egress_ruleset_delete(struct egress_ruleset *rs, u32 id)
{
	struct egress_rule *const *old_rules;
	struct egress_rule_vec *vec;
	struct egress_prefix *prefix;
	struct egress_rule *rule, *one;
	u32 i, j, count;
	void *old;

	rule = xa_load(&rs->by_id, id);
	if (!rule)
		return -ENOENT;
	prefix = egress_prefix_find(rs, rule);
	if (WARN_ON_ONCE(!prefix))
		return -ENOENT;
	old = egress_prefix_held(prefix);
	count = egress_prefix_rules(old, &one, &old_rules);

	if (count > 2) {
		vec = egress_rule_vec_alloc(count - 1);
		if (!vec)
			return -ENOMEM;
		for (i = 0, j = 0; i < count; i++)
			if (old_rules[i] != rule)
				vec->rules[j++] = old_rules[i];
		rcu_assign_pointer(prefix->rules, vec);
	} else if (count == 2) {
		/* Back to holding a single rule: no allocation, cannot fail. */
		rcu_assign_pointer(prefix->rules,
				   egress_prefix_one(old_rules[old_rules[0] == rule]));
	} else {
		rhashtable_remove_fast(&rs->prefixes, &prefix->node,
				       egress_prefix_params);
		kfree_rcu(prefix, rcu);
	}
	egress_prefix_rules_retire(old);

	xa_erase(&rs->by_id, id);
	egress_len_del(rs, rule->family, rule->prefix_len);
	rs->count--;
	kfree_rcu(rule, rcu);
	return 0;
}

int egress_ruleset_insert(struct egress_ruleset *rs,
			  const struct egress_rule *rules, u32 n, u32 *bad,
			  const char **reason)
{
	u32 first_id = rs->next_id;
	u32 i;
	int err;

	for (i = 0; i < n; i++) {
		err = egress_ruleset_insert_one(rs, &rules[i], reason);
		if (err)
			goto err_rollback;
	}
	return 0;

err_rollback:
	*bad = i;
	/*
	 * Ids are handed out in order, so this batch's rules are exactly
	 * those from first_id on.  Deleting a rule only allocates when its
	 * prefix holds several rules; retry rather than leave half a batch.
	 */
	while (rs->next_id > first_id) {
		u32 id = --rs->next_id;

		while (egress_ruleset_delete(rs, id) == -ENOMEM)
			cond_resched();
	}
	return err;
}

const struct egress_rule *egress_ruleset_match(struct egress_ruleset *rs,
					       const struct egress_pkt *pkt)
{
	const unsigned long *lens;
	struct egress_prefix_key key;
	int word;

	if (pkt->family == NFPROTO_IPV4) {
		lens = rs->v4_lens;
		word = ARRAY_SIZE(rs->v4_lens) - 1;
	} else {
		lens = rs->v6_lens;
		word = ARRAY_SIZE(rs->v6_lens) - 1;
	}

	/* Only the address and the length change from one probe to the next. */
	memset(&key, 0, sizeof(key));
	key.family = pkt->family;
	for (; word >= 0; word--) {
		unsigned long bits = READ_ONCE(lens[word]);

		while (bits) {
			unsigned int bit = __fls(bits);
			struct egress_rule *const *rules;
			struct egress_prefix *prefix;
			struct egress_rule *one;
			u32 i, count;

			bits &= ~BIT(bit);
			key.prefix_len = word * BITS_PER_LONG + bit;
			if (pkt->family == NFPROTO_IPV4)
				key.addr.ip = egress_ipv4_mask(pkt->daddr.ip,
							       key.prefix_len);
			else
				ipv6_addr_prefix(&key.addr.in6,
						 &pkt->daddr.in6,
						 key.prefix_len);
			prefix = rhashtable_lookup(&rs->prefixes, &key,
						   egress_prefix_params);
			if (!prefix)
				continue;
			count = egress_prefix_rules(rcu_dereference(prefix->rules),
						    &one, &rules);
			for (i = 0; i < count; i++)
				if (egress_rule_matches_l4(rules[i], pkt))
					return rules[i];
		}
	}
	return NULL;
}

int egress_ruleset_init(struct egress_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->next_id = 1;
	xa_init(&rs->by_id);
	return rhashtable_init(&rs->prefixes, &egress_prefix_params);
}

static void egress_prefix_free(void *ptr, void *arg)
{
	struct egress_prefix *prefix = ptr;
	void *held = rcu_dereference_protected(prefix->rules, true);

	if (!((unsigned long)held & EGRESS_PREFIX_ONE))
		kfree(held);
	kfree(prefix);
}

void egress_ruleset_destroy(struct egress_ruleset *rs)
{
	struct egress_rule *rule;
	unsigned long id;

	rhashtable_free_and_destroy(&rs->prefixes, egress_prefix_free, NULL);
	xa_for_each(&rs->by_id, id, rule)
		kfree(rule);
	xa_destroy(&rs->by_id);
}
