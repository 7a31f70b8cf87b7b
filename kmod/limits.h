/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Caps on the configuration a policy set may hold: module parameters
 * max_policies, max_rules and max_memory (0: no cap).  Each set, the live
 * one and a staged one being built by `egressctl apply`, must stay within
 * them; requests that would go beyond fail with -ENOSPC and an extended ACK
 * before anything changes.
 */
#ifndef _NF_EGRESS_LIMITS_H
#define _NF_EGRESS_LIMITS_H

#include <linux/types.h>

struct egress_set;

/*
 * What limits.c counts against max_memory for a policy with a path of
 * @path_len bytes (NUL included), and for one rule.  An estimate: see
 * limits.c.
 */
size_t egress_policy_mem_cost(size_t path_len);
size_t egress_rule_mem_cost(void);

/*
 * May @set take @policies more policies and @rules more rules, costing
 * @mem bytes?  0, or -ENOSPC with a static @reason.  Under
 * egress_config_mutex.
 */
int egress_limits_check(const struct egress_set *set, u32 policies, u32 rules,
			size_t mem, const char **reason);

#endif /* _NF_EGRESS_LIMITS_H */
