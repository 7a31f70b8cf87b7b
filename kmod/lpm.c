// SPDX-License-Identifier: GPL-2.0
/*
 * The longest-prefix-match walk (lpm.h).  It runs for every packet of a
 * cgroup with a policy, under RCU; ruleset.c says how what it reads is
 * published.
 */

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

const struct egress_rule *egress_ruleset_match(struct egress_ruleset *rs,
					       const struct egress_pkt *pkt)
{
	const struct egress_rule_store *store;
	const struct egress_rule_table *tab;
	/* Set in full by egress_trie_walk_start(): no zeroing per lookup. */
	struct egress_trie_walk walk __uninitialized;
	struct egress_trie_key key;
	union nf_inet_addr masked;
	u32 visible;
	int len;

	store = pkt->family == NFPROTO_IPV4 ? &rs->v4 : &rs->v6;
	/*
	 * Pairs with the release in egress_ruleset_insert().  First, so that
	 * a lookup that sees a batch's rules also sees the table and trie
	 * entries of their prefixes, which were in place before it.
	 */
	visible = smp_load_acquire(&rs->published_id);
	tab = rcu_dereference(store->table);
	if (!tab)
		return NULL;

	egress_trie_key_from_addr(&key, pkt->family, &pkt->daddr);
	egress_trie_walk_start(&walk, &store->trie, &key);
	while ((len = egress_trie_walk_next(&walk)) >= 0) {
		const struct egress_rule *rule;

		if (pkt->family == NFPROTO_IPV4)
			masked.ip = egress_ipv4_mask(pkt->daddr.ip, len);
		else
			ipv6_addr_prefix(&masked.in6, &pkt->daddr.in6, len);
		/*
		 * A prefix of a batch not yet published, or one being
		 * removed, may be in the trie and not the table: no rule.
		 */
		rule = egress_prefix_lookup(store, tab, pkt->family, &masked,
					    len);
		while (rule) {
			u32 next;

			if (rule->id < visible &&
			    egress_rule_matches_l4(rule, pkt))
				return rule;
			/* Pairs with the insert's release. */
			next = smp_load_acquire(&rule->next);
			rule = next == EGRESS_RULE_NONE ? NULL :
			       egress_rule_at(store, next);
		}
	}
	return NULL;
}
