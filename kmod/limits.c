// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration caps (see limits.h).
 *
 * The caps bound what one administrator request can make the kernel hold:
 * the policy set lives in kernel memory for as long as the module is
 * loaded, and a runaway generator of policy files should get an error, not
 * an out-of-memory host.  They are writable at run time (0644), so a lower
 * cap applies to the next request; what a set holds already is never
 * taken away.
 *
 * max_memory counts an estimate, not the allocator's truth: per policy its
 * object with the path, its counters (the per-CPU ones for every possible
 * CPU) and its empty rule index; per rule a whole struct egress_rule (an
 * IPv6 rule's record; an IPv4 one takes 40 of its 48 bytes).  It errs high
 * for IPv4 and grows linearly, which is what a cap needs.  The prefix tries
 * and the id index's pages are counted as allocated
 * (egress_ruleset_index_bytes()), since their size depends on how the
 * prefixes share address bits and on which rules were deleted; a request
 * is checked with the per-rule estimate only, and its trie and pages count
 * once it is in.
 */
#include <linux/cpumask.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "limits.h"
#include "policy.h"

static unsigned int max_policies;
module_param(max_policies, uint, 0644);
MODULE_PARM_DESC(max_policies, "Most policies a policy set may hold (0: no limit)");

static unsigned int max_rules;
module_param(max_rules, uint, 0644);
MODULE_PARM_DESC(max_rules, "Most rules a policy set may hold, all policies together (0: no limit)");

static unsigned long max_memory;
module_param(max_memory, ulong, 0644);
MODULE_PARM_DESC(max_memory,
		 "Most bytes of configuration a policy set may hold, as estimated (0: no limit)");

size_t egress_policy_mem_cost(size_t path_len)
{
	return sizeof(struct egress_policy) + path_len +
	       sizeof(struct egress_stats) +
	       (size_t)nr_cpu_ids * sizeof(struct egress_counters);
}

size_t egress_rule_mem_cost(void)
{
	return sizeof(struct egress_rule);
}

int egress_limits_check(const struct egress_set *set, u32 policies, u32 rules,
			size_t mem, const char **reason)
{
	unsigned long mem_cap = READ_ONCE(max_memory);
	unsigned int policy_cap = READ_ONCE(max_policies);
	unsigned int rule_cap = READ_ONCE(max_rules);

	lockdep_assert_held(&egress_config_mutex);
	/* In u64, so that neither sum can wrap. */
	if (policy_cap && (u64)set->nr_policies + policies > policy_cap) {
		*reason = KBUILD_MODNAME ": too many policies (module parameter max_policies)";
		return -ENOSPC;
	}
	if (rule_cap && (u64)set->nr_rules + rules > rule_cap) {
		*reason = KBUILD_MODNAME ": too many rules (module parameter max_rules)";
		return -ENOSPC;
	}
	if (mem_cap && (u64)set->mem + mem > mem_cap) {
		*reason = KBUILD_MODNAME ": too much policy memory (module parameter max_memory)";
		return -ENOSPC;
	}
	return 0;
}
