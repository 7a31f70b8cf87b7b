// SPDX-License-Identifier: GPL-2.0
/*
 * The policy table.
 *
 * A policy is found from a packet's cgroup without building the cgroup's
 * path string: the table is hashed by a rolling hash over the path's
 * components, and the packet path computes the same rolling hash over the
 * names of the cgroup's ancestors (cgroup v2 has no rename, so a cgroup's
 * kernfs name is stable for its lifetime).  One walk from the root down to
 * the socket's cgroup therefore finds every policy on the way, whether or not
 * the cgroup existed when the policy was made, and a cgroup that is removed
 * and created again under the same path is governed by the same policy.
 */

#include <linux/cgroup.h>
#include <linux/hashtable.h>
#include <linux/jhash.h>
#include <linux/kernfs.h>
#include <linux/interrupt.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>

#include <linux/nf_egress.h>

#include "policy.h"

#define EGRESS_POLICY_HASH_BITS 12
#define EGRESS_PATH_HASH_ROOT 0x6e666567U

/* The longest name a cgroup directory can have (kernfs limits to NAME_MAX). */
#define EGRESS_CGROUP_NAME_MAX 255

/* Serialises every change of the policy set and the readers of lists. */
DEFINE_MUTEX(egress_config_mutex);
LIST_HEAD(egress_policy_list);

static DEFINE_HASHTABLE(egress_policy_hash, EGRESS_POLICY_HASH_BITS);

/* Changes on every change of the policy set; dumps use it to detect races. */
static u32 egress_generation = 1;
static u32 egress_policy_nr;
static u64 egress_policy_next_seq;

/*
 * The deepest level at which any policy exists, or -1 for none.  The packet
 * path walks no deeper, and does nothing at all while no policy exists.
 */
static int egress_policy_max_depth = -1;

u32 egress_policy_generation(void)
{
	lockdep_assert_held(&egress_config_mutex);
	return egress_generation;
}

u32 egress_policy_count(void)
{
	lockdep_assert_held(&egress_config_mutex);
	return egress_policy_nr;
}

static void egress_generation_bump(void)
{
	/* Zero is never a generation, so a dump's cb->seq of 0 means "unset". */
	if (++egress_generation == 0)
		egress_generation = 1;
}

static u32 egress_path_hash_step(u32 hash, const char *name, size_t len)
{
	return jhash(name, len, hash);
}

/*
 * Accept only the canonical form userspace sends: "/" or "/a/b" with no
 * empty, "." or ".." component and no trailing slash.  Normalising here
 * instead would let two spellings of one path name two policies.
 */
int egress_cgroup_path_validate(const char *path, const char **reason)
{
	const char *component = path + 1;
	unsigned int depth = 0;

	if (path[0] != '/') {
		*reason = KBUILD_MODNAME ": cgroup path must start with '/'";
		return -EINVAL;
	}
	if (!path[1])
		return 0;

	for (;;) {
		const char *end = strchrnul(component, '/');
		size_t len = end - component;

		if (len == 0) {
			*reason = KBUILD_MODNAME
				  ": cgroup path has an empty component or a trailing '/'";
			return -EINVAL;
		}
		if ((len == 1 && component[0] == '.') ||
		    (len == 2 && component[0] == '.' && component[1] == '.')) {
			*reason = KBUILD_MODNAME ": cgroup path must not contain '.' or '..'";
			return -EINVAL;
		}
		if (len > EGRESS_CGROUP_NAME_MAX) {
			*reason = KBUILD_MODNAME ": cgroup path component longer than 255 bytes";
			return -ENAMETOOLONG;
		}
		if (++depth > EGRESS_POLICY_DEPTH_MAX) {
			*reason = KBUILD_MODNAME ": cgroup path deeper than 32 levels";
			return -EINVAL;
		}
		if (!*end)
			return 0;
		component = end + 1;
	}
}

static u32 egress_path_hash(const char *path, u8 *depth)
{
	const char *component = path + 1;
	u32 hash = EGRESS_PATH_HASH_ROOT;

	*depth = 0;
	while (*component) {
		const char *end = strchrnul(component, '/');

		hash = egress_path_hash_step(hash, component, end - component);
		(*depth)++;
		component = *end ? end + 1 : end;
	}
	return hash;
}

/* Does @policy's path name exactly @cgrp's ancestor at the policy's depth? */
static bool egress_policy_names_cgroup(const struct egress_policy *policy,
				       const struct cgroup *cgrp)
{
	const char *component = policy->path + 1;
	unsigned int level;

	for (level = 1; level <= policy->depth; level++) {
		const char *name = cgrp->ancestors[level]->kn->name;
		const char *end = strchrnul(component, '/');
		size_t len = end - component;

		if (strncmp(component, name, len) || name[len])
			return false;
		component = *end ? end + 1 : end;
	}
	return true;
}

static struct egress_policy *
egress_policy_lookup_level(const struct cgroup *cgrp, unsigned int level,
			   u32 hash)
{
	struct egress_policy *policy;

	hash_for_each_possible_rcu(egress_policy_hash, policy, hash_node, hash) {
		if (policy->path_hash == hash && policy->depth == level &&
		    egress_policy_names_cgroup(policy, cgrp))
			return policy;
	}
	return NULL;
}

static bool egress_rule_matches(const struct egress_rule *rule,
				const union nf_inet_addr *daddr)
{
	if (rule->family == NFPROTO_IPV4) {
		__be32 mask = rule->prefix_len ?
			htonl(~0U << (32 - rule->prefix_len)) : 0;

		return !((daddr->ip ^ rule->addr.ip) & mask);
	}
	return ipv6_prefix_equal(&daddr->in6, &rule->addr.in6,
				 rule->prefix_len);
}

static bool egress_policy_allows(const struct egress_policy *policy, u8 family,
				 const union nf_inet_addr *daddr)
{
	const struct egress_ruleset *rs = rcu_dereference(policy->ruleset);

	if (rs) {
		u32 first = family == NFPROTO_IPV4 ? 0 : rs->count_v4;
		u32 last = family == NFPROTO_IPV4 ? rs->count_v4 : rs->count;
		u32 i;

		/* Sorted longest prefix first: the first match is the answer. */
		for (i = first; i < last; i++) {
			if (egress_rule_matches(&rs->rules[i], daddr))
				return rs->rules[i].action ==
				       NF_EGRESS_VERDICT_ALLOW;
		}
	}
	return READ_ONCE(policy->default_verdict) == NF_EGRESS_VERDICT_ALLOW;
}

static void egress_policy_charge(struct egress_policy *policy, bool allowed,
				 unsigned int len)
{
	struct egress_counters *c = this_cpu_ptr(policy->counters);

	u64_stats_update_begin(&c->syncp);
	if (allowed) {
		u64_stats_inc(&c->allowed_packets);
		u64_stats_add(&c->allowed_bytes, len);
	} else {
		u64_stats_inc(&c->denied_packets);
		u64_stats_add(&c->denied_bytes, len);
	}
	u64_stats_update_end(&c->syncp);
}

bool egress_policy_check(const struct cgroup *cgrp, u8 family,
			 const union nf_inet_addr *daddr, unsigned int len)
{
	struct egress_policy *on_path[EGRESS_POLICY_DEPTH_MAX + 1];
	int max_level = min(cgrp->level, READ_ONCE(egress_policy_max_depth));
	u32 hash = EGRESS_PATH_HASH_ROOT;
	unsigned int n = 0, i;
	bool allowed = true;
	int level;

	for (level = 0; level <= max_level; level++) {
		struct egress_policy *policy;

		if (level) {
			const char *name = cgrp->ancestors[level]->kn->name;

			hash = egress_path_hash_step(hash, name, strlen(name));
		}
		policy = egress_policy_lookup_level(cgrp, level, hash);
		if (!policy)
			continue;
		on_path[n++] = policy;
		if (allowed && !egress_policy_allows(policy, family, daddr))
			allowed = false;
	}

	/*
	 * Every policy on the path sees the packet's final fate, so a parent's
	 * counters include everything its subtree sent or tried to send.
	 * LOCAL_OUT runs in process context with softirqs enabled as well as
	 * in softirq context; keep both off this CPU's counters while we
	 * update them.
	 */
	if (n) {
		local_bh_disable();
		for (i = 0; i < n; i++)
			egress_policy_charge(on_path[i], allowed, len);
		local_bh_enable();
	}
	return allowed;
}

void egress_counters_sum(const struct egress_policy *policy,
			 struct egress_counters_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct egress_counters *c = per_cpu_ptr(policy->counters, cpu);
		u64 ap, ab, dp, db;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			ap = u64_stats_read(&c->allowed_packets);
			ab = u64_stats_read(&c->allowed_bytes);
			dp = u64_stats_read(&c->denied_packets);
			db = u64_stats_read(&c->denied_bytes);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		sum->allowed_packets += ap;
		sum->allowed_bytes += ab;
		sum->denied_packets += dp;
		sum->denied_bytes += db;
	}
}

struct egress_policy *egress_policy_find(const char *path)
{
	struct egress_policy *policy;
	u8 depth;
	u32 hash;

	lockdep_assert_held(&egress_config_mutex);
	hash = egress_path_hash(path, &depth);
	hash_for_each_possible(egress_policy_hash, policy, hash_node, hash) {
		if (policy->path_hash == hash && !strcmp(policy->path, path))
			return policy;
	}
	return NULL;
}

static void egress_policy_max_depth_update(void)
{
	struct egress_policy *policy;
	int max_depth = -1;

	list_for_each_entry(policy, &egress_policy_list, list_node)
		max_depth = max_t(int, max_depth, policy->depth);
	WRITE_ONCE(egress_policy_max_depth, max_depth);
}

int egress_policy_create(const char *path, u8 default_verdict,
			 struct egress_policy **created)
{
	size_t path_len = strlen(path) + 1;
	struct egress_policy *policy;
	int cpu;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_policy_find(path))
		return -EEXIST;

	policy = kzalloc(struct_size(policy, path, path_len), GFP_KERNEL);
	if (!policy)
		return -ENOMEM;
	policy->counters = alloc_percpu(struct egress_counters);
	if (!policy->counters) {
		kfree(policy);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(policy->counters, cpu)->syncp);

	memcpy(policy->path, path, path_len);
	policy->path_hash = egress_path_hash(path, &policy->depth);
	policy->default_verdict = default_verdict;
	policy->next_rule_id = 1;
	policy->seq = ++egress_policy_next_seq;

	list_add_tail(&policy->list_node, &egress_policy_list);
	hash_add_rcu(egress_policy_hash, &policy->hash_node, policy->path_hash);
	egress_policy_nr++;
	if (policy->depth > egress_policy_max_depth)
		WRITE_ONCE(egress_policy_max_depth, policy->depth);
	egress_generation_bump();
	*created = policy;
	return 0;
}

static void egress_policy_free_rcu(struct rcu_head *head)
{
	struct egress_policy *policy =
		container_of(head, struct egress_policy, rcu);

	/* A grace period has passed: no reader holds the policy or its rules. */
	kvfree(rcu_dereference_raw(policy->ruleset));
	free_percpu(policy->counters);
	kfree(policy);
}

void egress_policy_delete(struct egress_policy *policy)
{
	lockdep_assert_held(&egress_config_mutex);
	hash_del_rcu(&policy->hash_node);
	list_del(&policy->list_node);
	egress_policy_nr--;
	egress_policy_max_depth_update();
	egress_generation_bump();
	call_rcu(&policy->rcu, egress_policy_free_rcu);
}

static int egress_rule_cmp(const struct egress_rule *a,
			   const struct egress_rule *b)
{
	if (a->family != b->family)
		return a->family == NFPROTO_IPV4 ? -1 : 1;
	if (a->prefix_len != b->prefix_len)
		return a->prefix_len > b->prefix_len ? -1 : 1;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static bool egress_rule_same_destination(const struct egress_rule *a,
					 const struct egress_rule *b)
{
	return a->family == b->family && a->prefix_len == b->prefix_len &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

const struct egress_rule *egress_rule_find_spec(const struct egress_ruleset *rs,
						const struct egress_rule *spec)
{
	u32 i;

	for (i = 0; rs && i < rs->count; i++) {
		if (egress_rule_same_destination(&rs->rules[i], spec))
			return &rs->rules[i];
	}
	return NULL;
}

static struct egress_ruleset *egress_ruleset_alloc(u32 count)
{
	struct egress_ruleset *rs;

	rs = kvmalloc(struct_size(rs, rules, count), GFP_KERNEL);
	if (rs)
		rs->count = count;
	return rs;
}

static void egress_ruleset_publish(struct egress_policy *policy,
				   struct egress_ruleset *rs)
{
	struct egress_ruleset *old = egress_policy_ruleset_locked(policy);
	u32 i;

	if (rs) {
		rs->count_v4 = 0;
		for (i = 0; i < rs->count; i++)
			if (rs->rules[i].family == NFPROTO_IPV4)
				rs->count_v4++;
	}
	rcu_assign_pointer(policy->ruleset, rs);
	egress_generation_bump();
	if (old)
		kvfree_rcu(old, rcu);
}

int egress_rule_add(struct egress_policy *policy,
		    const struct egress_rule *rule, u32 *id,
		    const char **reason)
{
	struct egress_ruleset *old = egress_policy_ruleset_locked(policy);
	u32 old_count = old ? old->count : 0;
	struct egress_ruleset *rs;
	u32 pos;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_rule_find_spec(old, rule)) {
		*reason = KBUILD_MODNAME
			  ": a rule for this destination already exists in the policy";
		return -EEXIST;
	}
	if (old_count >= EGRESS_POLICY_RULES_MAX) {
		*reason = KBUILD_MODNAME ": too many rules in the policy";
		return -ENOSPC;
	}
	if (policy->next_rule_id == U32_MAX) {
		*reason = KBUILD_MODNAME ": rule ids of this policy are exhausted";
		return -ENOSPC;
	}

	rs = egress_ruleset_alloc(old_count + 1);
	if (!rs)
		return -ENOMEM;

	/* Keep the array sorted so the packet path stops at the first match. */
	for (pos = 0; pos < old_count; pos++)
		if (egress_rule_cmp(rule, &old->rules[pos]) < 0)
			break;
	if (pos)
		memcpy(rs->rules, old->rules, pos * sizeof(*rule));
	rs->rules[pos] = *rule;
	rs->rules[pos].id = policy->next_rule_id++;
	if (old_count > pos)
		memcpy(&rs->rules[pos + 1], &old->rules[pos],
		       (old_count - pos) * sizeof(*rule));

	*id = rs->rules[pos].id;
	egress_ruleset_publish(policy, rs);
	return 0;
}

int egress_rule_delete(struct egress_policy *policy, u32 id)
{
	struct egress_ruleset *old = egress_policy_ruleset_locked(policy);
	struct egress_ruleset *rs = NULL;
	u32 pos;

	lockdep_assert_held(&egress_config_mutex);
	for (pos = 0; old && pos < old->count; pos++)
		if (old->rules[pos].id == id)
			break;
	if (!old || pos == old->count)
		return -ENOENT;

	if (old->count > 1) {
		rs = egress_ruleset_alloc(old->count - 1);
		if (!rs)
			return -ENOMEM;
		memcpy(rs->rules, old->rules, pos * sizeof(old->rules[0]));
		memcpy(&rs->rules[pos], &old->rules[pos + 1],
		       (old->count - pos - 1) * sizeof(old->rules[0]));
	}
	egress_ruleset_publish(policy, rs);
	return 0;
}

void egress_policy_table_exit(void)
{
	struct egress_policy *policy, *tmp;

	mutex_lock(&egress_config_mutex);
	list_for_each_entry_safe(policy, tmp, &egress_policy_list, list_node)
		egress_policy_delete(policy);
	mutex_unlock(&egress_config_mutex);

	/* The callbacks free memory with this module's code: wait for them. */
	rcu_barrier();
}
