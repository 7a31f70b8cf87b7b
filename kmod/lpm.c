// SPDX-License-Identifier: GPL-2.0
/*
 * The longest-prefix-match walk (lpm.h).  It runs for every packet of a
 * cgroup with a policy, under RCU; ruleset.c says how what it reads is
 * published.
 */

#include <linux/bitops.h>
#include <net/ipv6.h>

#include "lpm.h"
#include "prefixtable.h"
#include "trie.h"

static __always_inline bool
egress_rule_matches_l4(const struct egress_rule *rule,
		       const struct egress_pkt *pkt)
{
	if (rule->proto && rule->proto != pkt->proto)
		return false;
	if (rule->has_ports)
		return pkt->has_port && pkt->dport >= rule->port_min &&
		       pkt->dport <= rule->port_max;
	return true;
}

/*
 * The rules of the prefix (@masked, @len), most specific first: the first
 * visible one that matches @pkt's protocol and port, or NULL.
 */
static __always_inline const struct egress_rule *
egress_prefix_match(const struct egress_rule_store *store,
		    const struct egress_rule_table *tab,
		    const struct egress_pkt *pkt,
		    const union nf_inet_addr *masked, unsigned int len,
		    u32 visible)
{
	const struct egress_rule *rule;

	rule = egress_prefix_lookup(store, tab, pkt->family, masked, len);
	while (rule) {
		u32 next;

		if (rule->id < visible && egress_rule_matches_l4(rule, pkt))
			return rule;
		/* Pairs with the insert's release. */
		next = smp_load_acquire(&rule->next);
		rule = next == EGRESS_RULE_NONE ? NULL :
		       egress_rule_at(store, next);
	}
	return NULL;
}

static __always_inline void egress_mask(union nf_inet_addr *masked,
					const struct egress_pkt *pkt,
					unsigned int len)
{
	if (pkt->family == NFPROTO_IPV4)
		masked->ip = egress_ipv4_mask(pkt->daddr.ip, len);
	else
		ipv6_addr_prefix(&masked->in6, &pkt->daddr.in6, len);
}

/*
 * A trie walk costs about as much as EGRESS_LPM_DIRECT_LENS table probes,
 * so a family with no more prefix lengths than that in use probes the
 * table at each of them, longest first, instead.  Either way a lookup
 * costs at most that many probes, or one walk.
 */
#define EGRESS_LPM_DIRECT_LENS 4

const struct egress_rule *egress_ruleset_match(struct egress_ruleset *rs,
					       const struct egress_pkt *pkt)
{
	/* Set in full by egress_trie_walk_start(): no zeroing per lookup. */
	struct egress_trie_walk walk __uninitialized;
	const struct egress_rule_store *store;
	const struct egress_rule_table *tab;
	const struct egress_rule *rule;
	struct egress_trie_key key;
	union nf_inet_addr masked;
	const unsigned long *lens;
	unsigned int nr_lens;
	u32 visible;
	int len;

	if (pkt->family == NFPROTO_IPV4) {
		store = &rs->v4;
		lens = rs->v4_lens;
		nr_lens = READ_ONCE(rs->v4_nr_lens);
		len = 32;
	} else {
		store = &rs->v6;
		lens = rs->v6_lens;
		nr_lens = READ_ONCE(rs->v6_nr_lens);
		len = 128;
	}
	/*
	 * Pairs with the release in egress_ruleset_insert().  First, so that
	 * a lookup that sees a batch's rules also sees their prefixes in the
	 * table, the trie and the length bitmap, which were there before.
	 */
	visible = smp_load_acquire(&rs->published_id);
	tab = rcu_dereference(store->table);
	if (!tab)
		return NULL;

	if (nr_lens <= EGRESS_LPM_DIRECT_LENS) {
		int word;

		/*
		 * Every set bit, whatever nr_lens said: a length a writer
		 * adds meanwhile is tried too, which costs a probe.
		 */
		for (word = BIT_WORD(len); word >= 0; word--) {
			unsigned long bits = READ_ONCE(lens[word]);

			while (bits) {
				unsigned int bit = __fls(bits);

				bits &= ~BIT(bit);
				len = word * BITS_PER_LONG + bit;
				egress_mask(&masked, pkt, len);
				rule = egress_prefix_match(store, tab, pkt,
							   &masked, len, visible);
				if (rule)
					return rule;
			}
		}
		return NULL;
	}

	egress_trie_key_from_addr(&key, pkt->family, &pkt->daddr);
	egress_trie_walk_start(&walk, &store->trie, &key);
	while ((len = egress_trie_walk_next(&walk)) >= 0) {
		egress_mask(&masked, pkt, len);
		/*
		 * A prefix of a batch not yet published, or one being
		 * removed, may be in the trie and not the table: no rule.
		 */
		rule = egress_prefix_match(store, tab, pkt, &masked, len,
					   visible);
		if (rule)
			return rule;
	}
	return NULL;
}
