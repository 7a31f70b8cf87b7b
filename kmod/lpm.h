/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The longest-prefix-match walk of the packet path over one policy's rules:
 * the prefixes that cover the destination, longest first, as the trie
 * (trie.h) yields them with their heads, then each prefix's rules most
 * specific first.
 */
#ifndef _NF_EGRESS_LPM_H
#define _NF_EGRESS_LPM_H

#include "ruleset.h"

/* The most specific rule matching @pkt, or NULL.  Caller holds RCU. */
const struct egress_rule *egress_ruleset_match(struct egress_ruleset *rs,
					       const struct egress_pkt *pkt);

#endif /* _NF_EGRESS_LPM_H */
