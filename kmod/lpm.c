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
	const unsigned long *lens;
	union nf_inet_addr key;
	u32 visible;
	int word;

	if (pkt->family == NFPROTO_IPV4) {
		store = &rs->v4;
		lens = rs->v4_lens;
		word = ARRAY_SIZE(rs->v4_lens) - 1;
	} else {
		store = &rs->v6;
		lens = rs->v6_lens;
		word = ARRAY_SIZE(rs->v6_lens) - 1;
	}
	tab = rcu_dereference(store->table);
	if (!tab)
		return NULL;
	/* Pairs with the release in egress_ruleset_insert(). */
	visible = smp_load_acquire(&rs->published_id);

	for (; word >= 0; word--) {
		unsigned long bits = READ_ONCE(lens[word]);

		while (bits) {
			unsigned int bit = __fls(bits);
			unsigned int len = word * BITS_PER_LONG + bit;
			const struct egress_rule *rule;

			bits &= ~BIT(bit);
			if (pkt->family == NFPROTO_IPV4)
				key.ip = egress_ipv4_mask(pkt->daddr.ip, len);
			else
				ipv6_addr_prefix(&key.in6, &pkt->daddr.in6, len);
			rule = egress_prefix_lookup(store, tab, pkt->family,
						    &key, len);
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
	}
	return NULL;
}
