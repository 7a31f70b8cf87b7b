/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The longest-prefix-match walk of the packet path over one policy's rules:
 * the prefixes that cover the destination, longest first, each looked up in
 * the prefix table, then each prefix's rules most specific first.  The
 * trie (trie.h) finds those prefixes; while a family has only a few prefix
 * lengths in use, masking the destination to each and probing the table is
 * cheaper, and the lookup does that.
 */
#ifndef _NF_EGRESS_LPM_H
#define _NF_EGRESS_LPM_H

#include "ruleset.h"

/* The most specific rule matching @pkt, or NULL.  Caller holds RCU. */
const struct egress_rule *egress_ruleset_match(struct egress_ruleset *rs,
					       const struct egress_pkt *pkt);

#endif /* _NF_EGRESS_LPM_H */
