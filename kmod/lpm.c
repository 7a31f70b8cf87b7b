// SPDX-License-Identifier: GPL-2.0
/*
 * The IPv6 longest-prefix-match walk (lpm.h), out of line: the IPv4 one
 * is inlined into its callers.
 */

#include "lpm.h"

const struct egress_rule *egress_ruleset_match_v6(struct egress_ruleset *rs,
						  const struct egress_pkt *pkt)
{
	return egress_lpm(rs, &rs->v6, pkt, true);
}
