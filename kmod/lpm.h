/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The longest-prefix-match walk of the packet path over one policy's rules:
 * the prefixes that cover the destination, longest first, as the trie
 * (trie.h) yields them with their heads, then each prefix's rules most
 * specific first.  It runs for every packet of a cgroup with a policy,
 * under RCU; ruleset.c says how what it reads is published.
 */
#ifndef _NF_EGRESS_LPM_H
#define _NF_EGRESS_LPM_H

#include "ruleset.h"
#include "triewalk.h"

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
 * The first rule from @rule on along its prefix's chain that is visible
 * (its id below @visible: a prefix of a batch not yet published has no
 * visible rule) and matches @pkt, or NULL.
 */
static __always_inline const struct egress_rule *
egress_lpm_chain(const struct egress_rule_store *store,
		 const struct egress_rule *rule, const struct egress_pkt *pkt,
		 u32 visible)
{
	u32 idx;

	for (;;) {
		if (rule->id < visible && egress_rule_matches_l4(rule, pkt))
			return rule;
		/* Pairs with the insert's release. */
		idx = smp_load_acquire(&rule->next);
		if (idx == EGRESS_RULE_NONE)
			return NULL;
		rule = egress_rule_at(store, idx);
	}
}

/* The walk of one family's trie, inlined for each (triewalk.h). */
static __always_inline const struct egress_rule *
egress_lpm(const struct egress_ruleset *rs, const struct egress_rule_store *store,
	   const struct egress_pkt *pkt, bool v6)
{
	/*
	 * What the walk reads, egress_trie_walk_start() sets (the path and
	 * its chunks down to the deepest node): no zeroing per lookup.  The
	 * key is built in it, not in a local of its own: GCC would spill a
	 * 16-byte struct to a 16-byte aligned slot, and the caller would
	 * realign its stack for it (struct egress_pkt in ruleset.h).
	 */
	struct egress_trie_walk walk __uninitialized;
	const struct egress_rule *rule;
	u32 visible, idx;

	/*
	 * Pairs with the release in egress_ruleset_insert().  First, so that
	 * a lookup that sees a batch's rules also sees their prefixes in the
	 * trie, which were there before.
	 */
	visible = smp_load_acquire(&rs->published_id);
	egress_trie_key_from_addr(&walk.key, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4,
				  &pkt->daddr);
	egress_trie_walk_start(&walk, &store->trie, &walk.key, v6);
	/*
	 * An IPv6 walk hands over the record of the leaf it ended in, which
	 * it read to see whether the leaf covers the address.  An IPv4 one
	 * does not: the IPv4 lookup is inlined into the hook, and the hook's
	 * registers went worse for it (37 instructions on every path).
	 */
	if (v6 && walk.leaf_len >= 0) {
		walk.leaf_len = -1;
		rule = egress_lpm_chain(store, walk.leaf_rule, pkt, visible);
		if (rule)
			return rule;
	}
	/* As egress_lpm_chain(), in the form measured for the hook. */
	while (egress_trie_walk_next(&walk, &idx, NULL, v6)) {
		rule = egress_rule_at(store, idx);
		for (;;) {
			if (rule->id < visible && egress_rule_matches_l4(rule, pkt))
				return rule;
			/* Pairs with the insert's release. */
			idx = smp_load_acquire(&rule->next);
			if (idx == EGRESS_RULE_NONE)
				break;
			rule = egress_rule_at(store, idx);
		}
	}
	return NULL;
}

const struct egress_rule *egress_ruleset_match_v6(struct egress_ruleset *rs,
						  const struct egress_pkt *pkt);

/*
 * The most specific rule matching @pkt, or NULL.  Caller holds RCU.  The
 * IPv4 walk is inlined: a call cost the packet path about 25
 * instructions (saved registers, stack canary, return thunk, arguments).
 */
static __always_inline const struct egress_rule *
egress_ruleset_match(struct egress_ruleset *rs, const struct egress_pkt *pkt)
{
	if (pkt->family == NFPROTO_IPV4)
		return egress_lpm(rs, &rs->v4, pkt, false);
	return egress_ruleset_match_v6(rs, pkt);
}

#endif /* _NF_EGRESS_LPM_H */
