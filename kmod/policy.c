// SPDX-License-Identifier: GPL-2.0
/*
 * Policy sets.
 *
 * A policy is found from a packet's cgroup without building the cgroup's
 * path string: a set hashes its policies by a rolling hash over the path's
 * components, and the packet path computes the same rolling hash over the
 * names of the cgroup's ancestors (cgroup v2 has no rename, so a cgroup's
 * kernfs name is stable for its lifetime).  One walk from the root down to
 * the socket's cgroup therefore finds every policy on the way, whether or not
 * the cgroup existed when the policy was made, and a cgroup that is removed
 * and created again under the same path is governed by the same policy from
 * its first packet on.
 */

#include <linux/interrupt.h>
#include <linux/jhash.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>

#include "cache.h"
#include "limits.h"
#include "policy.h"

#define EGRESS_PATH_HASH_ROOT 0x6e666567U

/* The longest name a cgroup directory can have (kernfs limits to NAME_MAX). */
#define EGRESS_CGROUP_NAME_MAX 255

/* Serialises every change of the policy sets and the readers of lists. */
DEFINE_MUTEX(egress_config_mutex);

struct egress_set __rcu *egress_live_set;

/* An apply in progress: the set it builds and the netlink port building it. */
static struct egress_set *egress_staged;
static u32 egress_staged_portid;

/*
 * Creation order of policies, across sets: a dump or /proc read that spans
 * an apply goes on with every policy of the new set (a path in both may
 * show twice, none is left out; dumps flag it NLM_F_DUMP_INTR).
 */
static u64 egress_policy_seq;

/* Changes on every change of the live set; dumps use it to detect races. */
static u32 egress_generation_counter = 1;

u32 egress_generation(void)
{
	lockdep_assert_held(&egress_config_mutex);
	return egress_generation_counter;
}

void egress_set_changed(struct egress_set *set)
{
	if (set != egress_live_set_locked())
		return;
	/* Zero is never a generation, so a dump's cb->seq of 0 means "unset". */
	if (++egress_generation_counter == 0)
		egress_generation_counter = 1;
}

/*
 * Which policies apply to which cgroup, or which of them limit rates,
 * changed: cached resolutions (cache.c) are stale.  Release order: a reader
 * that sees the new generation sees the new policies and rates too.
 */
static void egress_set_paths_changed(struct egress_set *set)
{
	/* Pairs with smp_load_acquire() in egress_cache_policies(). */
	smp_store_release(&set->resolve_gen, set->resolve_gen + 1);
	egress_set_changed(set);
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

/* @path must have passed egress_cgroup_path_validate(). */
void egress_path_names_from_path(struct egress_path_names *names,
				 const char *path)
{
	const char *component = path + 1;

	names->name[0] = "";
	names->len[0] = 0;
	names->levels = 1;
	while (*component) {
		const char *end = strchrnul(component, '/');

		names->name[names->levels] = component;
		names->len[names->levels] = end - component;
		names->levels++;
		component = *end ? end + 1 : end;
	}
}

static u32 egress_names_hash(const struct egress_path_names *names)
{
	u32 hash = EGRESS_PATH_HASH_ROOT;
	unsigned int level;

	for (level = 1; level < names->levels; level++)
		hash = egress_path_hash_step(hash, names->name[level],
					     names->len[level]);
	return hash;
}

static bool egress_policy_names_match(const struct egress_policy *policy,
				      const struct egress_path_names *names)
{
	const char *component = policy->path + 1;
	unsigned int level;

	for (level = 1; level <= policy->depth; level++) {
		const char *end = strchrnul(component, '/');
		size_t len = end - component;

		if (len != names->len[level] ||
		    memcmp(component, names->name[level], len))
			return false;
		component = *end ? end + 1 : end;
	}
	return true;
}

static struct hlist_head *egress_set_bucket(struct egress_set *set, u32 hash)
{
	return &set->buckets[hash_32(hash, EGRESS_SET_HASH_BITS)];
}

/* The policy at exactly @level of @names, or NULL.  RCU or mutex held. */
static struct egress_policy *
egress_set_lookup_level(struct egress_set *set,
			const struct egress_path_names *names,
			unsigned int level, u32 hash)
{
	struct egress_policy *policy;

	hlist_for_each_entry_rcu(policy, egress_set_bucket(set, hash), hash_node,
				 lockdep_is_held(&egress_config_mutex)) {
		if (policy->path_hash == hash && policy->depth == level &&
		    egress_policy_names_match(policy, names))
			return policy;
	}
	return NULL;
}

unsigned int egress_resolve(struct egress_set *set,
			    const struct egress_path_names *names,
			    struct egress_policy **out)
{
	int max_level = min_t(int, names->levels - 1, READ_ONCE(set->max_depth));
	u32 hash = EGRESS_PATH_HASH_ROOT;
	unsigned int n = 0;
	int level;

	for (level = 0; level <= max_level; level++) {
		struct egress_policy *policy;

		if (level)
			hash = egress_path_hash_step(hash, names->name[level],
						     names->len[level]);
		policy = egress_set_lookup_level(set, names, level, hash);
		if (policy)
			out[n++] = policy;
	}
	return n;
}

static void egress_counters_sum_raw(const struct egress_stats *stats,
				    struct egress_counters_sum *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct egress_counters *c = per_cpu_ptr(stats->pcpu, cpu);
		struct egress_counters_sum one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			one.allowed_packets = u64_stats_read(&c->allowed_packets);
			one.allowed_bytes = u64_stats_read(&c->allowed_bytes);
			one.denied_packets = u64_stats_read(&c->denied_packets);
			one.denied_bytes = u64_stats_read(&c->denied_bytes);
			one.would_deny_packets =
				u64_stats_read(&c->would_deny_packets);
			one.would_deny_bytes = u64_stats_read(&c->would_deny_bytes);
			one.ratelimited_packets =
				u64_stats_read(&c->ratelimited_packets);
			one.ratelimited_bytes =
				u64_stats_read(&c->ratelimited_bytes);
			one.shaped_packets = u64_stats_read(&c->shaped_packets);
			one.shaped_bytes = u64_stats_read(&c->shaped_bytes);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		sum->allowed_packets += one.allowed_packets;
		sum->allowed_bytes += one.allowed_bytes;
		sum->denied_packets += one.denied_packets;
		sum->denied_bytes += one.denied_bytes;
		sum->would_deny_packets += one.would_deny_packets;
		sum->would_deny_bytes += one.would_deny_bytes;
		sum->ratelimited_packets += one.ratelimited_packets;
		sum->ratelimited_bytes += one.ratelimited_bytes;
		sum->shaped_packets += one.shaped_packets;
		sum->shaped_bytes += one.shaped_bytes;
	}
}

void egress_counters_sum(const struct egress_policy *policy,
			 struct egress_counters_sum *sum)
{
	const struct egress_counters_sum *base = &policy->stats->base;

	egress_counters_sum_raw(policy->stats, sum);
	sum->allowed_packets -= base->allowed_packets;
	sum->allowed_bytes -= base->allowed_bytes;
	sum->denied_packets -= base->denied_packets;
	sum->denied_bytes -= base->denied_bytes;
	sum->would_deny_packets -= base->would_deny_packets;
	sum->would_deny_bytes -= base->would_deny_bytes;
	sum->ratelimited_packets -= base->ratelimited_packets;
	sum->ratelimited_bytes -= base->ratelimited_bytes;
	sum->shaped_packets -= base->shaped_packets;
	sum->shaped_bytes -= base->shaped_bytes;
}

static void egress_class_sum_raw(const struct egress_class_stats *cs,
				 u64 *packets, u64 *bytes)
{
	int cpu;

	*packets = 0;
	*bytes = 0;
	for_each_possible_cpu(cpu) {
		const struct egress_class_counters *c = per_cpu_ptr(cs->pcpu, cpu);
		unsigned int start;
		u64 p, b;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			p = u64_stats_read(&c->packets);
			b = u64_stats_read(&c->bytes);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		*packets += p;
		*bytes += b;
	}
}

void egress_class_sum(const struct egress_class_stats *cs, u64 *packets,
		      u64 *bytes)
{
	egress_class_sum_raw(cs, packets, bytes);
	*packets -= cs->base_packets;
	*bytes -= cs->base_bytes;
}

void egress_rule_counters(const struct egress_rule *rule, u64 *packets,
			  u64 *bytes)
{
	*packets = atomic64_read(&rule->packets);
	*bytes = atomic64_read(&rule->bytes);
}

void egress_policy_reset_counters(struct egress_policy *policy)
{
	struct egress_stats *stats = policy->stats;
	struct egress_class_stats *cs;
	struct egress_rule *rule;
	unsigned long id;
	u32 n = 0;

	lockdep_assert_held(&egress_config_mutex);
	egress_counters_sum_raw(stats, &stats->base);
	xa_for_each(&stats->classes, id, cs)
		egress_class_sum_raw(cs, &cs->base_packets, &cs->base_bytes);
	for (id = 0; (rule = egress_ruleset_next(&policy->rules, &id)); id++) {
		atomic64_set(&rule->packets, 0);
		atomic64_set(&rule->bytes, 0);
		/* Up to 4M rules: let others run. */
		if (!(++n % 4096))
			cond_resched();
	}
	WRITE_ONCE(stats->max_delay_ns, 0);
	stats->reset_time = ktime_get_real_seconds();
}

static struct egress_stats *egress_stats_alloc(void)
{
	struct egress_stats *stats;
	int cpu;

	stats = kzalloc(sizeof(*stats), GFP_KERNEL_ACCOUNT);
	if (!stats)
		return NULL;
	stats->pcpu = alloc_percpu_gfp(struct egress_counters, GFP_KERNEL_ACCOUNT);
	if (!stats->pcpu) {
		kfree(stats);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats->pcpu, cpu)->syncp);
	/*
	 * The last reference goes in an RCU callback (softirq), which destroys
	 * the array under its lock; writers must keep softirqs off meanwhile.
	 */
	xa_init_flags(&stats->classes, XA_FLAGS_LOCK_BH);
	egress_event_limit_init(&stats->events);
	refcount_set(&stats->ref, 1);
	return stats;
}

static void egress_stats_free_rcu(struct rcu_head *head)
{
	struct egress_stats *stats = container_of(head, struct egress_stats, rcu);
	struct egress_class_stats *cs;
	unsigned long id;

	xa_for_each(&stats->classes, id, cs) {
		free_percpu(cs->pcpu);
		kfree(cs);
	}
	xa_destroy(&stats->classes);
	free_percpu(stats->pcpu);
	kfree(stats);
}

static void egress_stats_put(struct egress_stats *stats)
{
	if (refcount_dec_and_test(&stats->ref))
		call_rcu(&stats->rcu, egress_stats_free_rcu);
}

struct egress_policy *egress_policy_find(struct egress_set *set,
					 const char *path)
{
	struct egress_path_names names;
	struct egress_policy *policy;
	u32 hash;

	lockdep_assert_held(&egress_config_mutex);
	egress_path_names_from_path(&names, path);
	hash = egress_names_hash(&names);
	hlist_for_each_entry(policy, egress_set_bucket(set, hash), hash_node) {
		if (policy->path_hash == hash && !strcmp(policy->path, path))
			return policy;
	}
	return NULL;
}

static void egress_set_max_depth_update(struct egress_set *set)
{
	struct egress_policy *policy;
	int max_depth = -1;

	list_for_each_entry(policy, &set->policies, list_node)
		max_depth = max_t(int, max_depth, policy->depth);
	WRITE_ONCE(set->max_depth, max_depth);
}

int egress_policy_create(struct egress_set *set, const char *path,
			 u8 default_verdict, u8 mode,
			 struct egress_policy **created)
{
	size_t path_len = strlen(path) + 1;
	struct egress_path_names names;
	struct egress_policy *policy;
	int err;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_policy_find(set, path))
		return -EEXIST;

	policy = kzalloc(struct_size(policy, path, path_len), GFP_KERNEL_ACCOUNT);
	if (!policy)
		return -ENOMEM;
	err = egress_ruleset_init(&policy->rules);
	if (err)
		goto err_free_policy;
	policy->stats = egress_stats_alloc();
	if (!policy->stats) {
		err = -ENOMEM;
		goto err_destroy_rules;
	}

	memcpy(policy->path, path, path_len);
	egress_path_names_from_path(&names, path);
	policy->path_hash = egress_names_hash(&names);
	policy->depth = names.levels - 1;
	policy->default_verdict = default_verdict;
	policy->mode = mode;
	egress_bucket_init(&policy->bucket);
	egress_shaper_init(&policy->shaper);
	policy->seq = ++egress_policy_seq;

	list_add_tail(&policy->list_node, &set->policies);
	hlist_add_head_rcu(&policy->hash_node,
			   egress_set_bucket(set, policy->path_hash));
	set->nr_policies++;
	set->mem += egress_policy_mem_cost(path_len);
	if (policy->depth > set->max_depth)
		WRITE_ONCE(set->max_depth, policy->depth);
	egress_set_paths_changed(set);
	*created = policy;
	return 0;

err_destroy_rules:
	egress_ruleset_destroy(&policy->rules);
err_free_policy:
	kfree(policy);
	return err;
}

/* The policy is unreachable and no reader holds it any more. */
static void egress_policy_free(struct egress_policy *policy)
{
	egress_shaper_destroy(&policy->shaper);
	kfree(rcu_dereference_protected(policy->rate, true));
	egress_ruleset_destroy(&policy->rules);
	egress_stats_put(policy->stats);
	kfree(policy);
}

static void egress_policy_unlink(struct egress_set *set,
				 struct egress_policy *policy)
{
	hlist_del_rcu(&policy->hash_node);
	list_del(&policy->list_node);
	set->nr_policies--;
	set->nr_rules -= policy->rules.count;
	set->mem -= egress_policy_mem_cost(strlen(policy->path) + 1) +
		    policy->rules.count * egress_rule_mem_cost();
	egress_set_max_depth_update(set);
	egress_set_paths_changed(set);
}

void egress_policy_delete(struct egress_set *set, struct egress_policy *policy)
{
	lockdep_assert_held(&egress_config_mutex);
	egress_policy_unlink(set, policy);
	/*
	 * Freeing the rule table may sleep, so it cannot run from an RCU
	 * callback: wait for the packet path here instead.
	 */
	synchronize_rcu();
	egress_policy_free(policy);
}

void egress_policy_set_mode(struct egress_set *set,
			    struct egress_policy *policy, u8 mode)
{
	WRITE_ONCE(policy->mode, mode);
	egress_set_changed(set);
}

void egress_policy_set_default(struct egress_set *set,
			       struct egress_policy *policy, u8 verdict)
{
	WRITE_ONCE(policy->default_verdict, verdict);
	egress_set_changed(set);
}

void egress_policy_set_rate(struct egress_set *set,
			    struct egress_policy *policy,
			    struct egress_rate *rate)
{
	struct egress_rate *old;

	old = rcu_replace_pointer(policy->rate, rate,
				  lockdep_is_held(&egress_config_mutex));
	/*
	 * Packets waiting for the old shaping rate go now rather than hold up
	 * what no longer waits behind them.  A packet still being judged by
	 * the old rate may queue afterwards; the timer sends it in time.
	 */
	if (old && old->mode == NF_EGRESS_RATE_SHAPE &&
	    (!rate || rate->mode != NF_EGRESS_RATE_SHAPE))
		egress_shaper_flush(&policy->shaper);
	if (old)
		kfree_rcu(old, rcu);
	/* The cache remembers which paths have a rate limit at all. */
	egress_set_paths_changed(set);
}

/*
 * Class names, by id; "" is a free id.  An id stays taken while some policy
 * of the live or the staged set uses it, or keeps counters for it (counters
 * by class survive an apply, so ids do too).  Mutex.
 */
static char egress_class_names[EGRESS_CLASSES_MAX + 1][NF_EGRESS_CLASS_NAME_MAX];
static unsigned int egress_nr_classes;	/* highest id ever taken */

int egress_class_id(const char *name, const char **reason)
{
	unsigned int i, free_id = 0;

	lockdep_assert_held(&egress_config_mutex);
	for (i = 1; i <= egress_nr_classes; i++) {
		if (!strcmp(egress_class_names[i], name))
			return i;
		if (!free_id && !egress_class_names[i][0])
			free_id = i;
	}
	if (!free_id) {
		if (egress_nr_classes == EGRESS_CLASSES_MAX) {
			*reason = KBUILD_MODNAME ": too many distinct class names (255)";
			return -ENOSPC;
		}
		free_id = ++egress_nr_classes;
	}
	strscpy(egress_class_names[free_id], name,
		sizeof(egress_class_names[free_id]));
	return free_id;
}

const char *egress_class_name(u8 id)
{
	return egress_class_names[id];
}

/* The class ids @set's policies use or keep counters for, into @used. */
static void egress_set_classes(struct egress_set *set, unsigned long *used)
{
	struct egress_policy *policy;
	struct egress_class_stats *cs;
	unsigned long id;

	list_for_each_entry(policy, &set->policies, list_node) {
		bitmap_or(used, used, policy->classes_used,
			  EGRESS_CLASSES_MAX + 1);
		xa_for_each(&policy->stats->classes, id, cs)
			__set_bit(id, used);
		cond_resched();
	}
}

void egress_classes_forget_unused(void)
{
	DECLARE_BITMAP(used, EGRESS_CLASSES_MAX + 1);
	unsigned int id;

	lockdep_assert_held(&egress_config_mutex);
	bitmap_zero(used, EGRESS_CLASSES_MAX + 1);
	egress_set_classes(egress_live_set_locked(), used);
	if (egress_staged)
		egress_set_classes(egress_staged, used);
	for (id = 1; id <= egress_nr_classes; id++) {
		if (!test_bit(id, used))
			egress_class_names[id][0] = '\0';
	}
	while (egress_nr_classes && !egress_class_names[egress_nr_classes][0])
		egress_nr_classes--;
}

static struct egress_class_stats *egress_class_stats_alloc(void)
{
	struct egress_class_stats *cs;
	int cpu;

	cs = kzalloc(sizeof(*cs), GFP_KERNEL_ACCOUNT);
	if (!cs)
		return NULL;
	cs->pcpu = alloc_percpu_gfp(struct egress_class_counters, GFP_KERNEL_ACCOUNT);
	if (!cs->pcpu) {
		kfree(cs);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(cs->pcpu, cpu)->syncp);
	return cs;
}

/* Make sure @stats counts class @id; the packet path only looks it up. */
static int egress_stats_add_class(struct egress_stats *stats, u8 id)
{
	struct egress_class_stats *cs;
	int err;

	if (xa_load(&stats->classes, id))
		return 0;
	cs = egress_class_stats_alloc();
	if (!cs)
		return -ENOMEM;
	err = xa_err(xa_store_bh(&stats->classes, id, cs, GFP_KERNEL_ACCOUNT));
	if (err) {
		free_percpu(cs->pcpu);
		kfree(cs);
	}
	return err;
}

/* Every class @policy's rules use gets counters in @stats. */
static int egress_stats_add_classes(struct egress_stats *stats,
				    const struct egress_policy *policy)
{
	unsigned int id;
	int err;

	for_each_set_bit(id, policy->classes_used, EGRESS_CLASSES_MAX + 1) {
		err = egress_stats_add_class(stats, id);
		if (err)
			return err;
	}
	return 0;
}

/* Class counters @stats got for a request that then failed; nothing used them. */
static void egress_stats_drop_classes(struct egress_stats *stats,
				      const unsigned long *ids)
{
	struct egress_class_stats *cs;
	unsigned int id;

	for_each_set_bit(id, ids, EGRESS_CLASSES_MAX + 1) {
		cs = xa_erase_bh(&stats->classes, id);
		if (cs) {
			free_percpu(cs->pcpu);
			kfree(cs);
		}
	}
}

int egress_policy_add_rules(struct egress_set *set,
			    struct egress_policy *policy,
			    const struct egress_rule *rules, u32 n, u32 *bad,
			    const char **reason)
{
	DECLARE_BITMAP(used, EGRESS_CLASSES_MAX + 1);
	DECLARE_BITMAP(added, EGRESS_CLASSES_MAX + 1);
	u8 id;
	u32 i;
	int err;

	lockdep_assert_held(&egress_config_mutex);
	if (n > EGRESS_POLICY_RULES_MAX - policy->rules.count) {
		*bad = 0;
		*reason = KBUILD_MODNAME ": too many rules in the policy";
		return -ENOSPC;
	}
	/* Class counters first: once a rule is live, packets may use them. */
	bitmap_zero(used, EGRESS_CLASSES_MAX + 1);
	bitmap_zero(added, EGRESS_CLASSES_MAX + 1);
	for (i = 0; i < n; i++) {
		id = rules[i].class_id;
		if (!id || test_bit(id, used))
			continue;
		__set_bit(id, used);
		if (xa_load(&policy->stats->classes, id))
			continue;
		err = egress_stats_add_class(policy->stats, id);
		if (err) {
			*bad = i;
			*reason = KBUILD_MODNAME ": no memory for class counters";
			goto err_classes;
		}
		__set_bit(id, added);
	}
	/* All or none, and none of a refused request was ever reachable. */
	err = egress_ruleset_insert(&policy->rules, rules, n, bad, reason);
	if (err)
		goto err_classes;
	bitmap_or(policy->classes_used, policy->classes_used, used,
		  EGRESS_CLASSES_MAX + 1);
	set->nr_rules += n;
	set->mem += n * egress_rule_mem_cost();
	egress_set_changed(set);
	return 0;

err_classes:
	egress_stats_drop_classes(policy->stats, added);
	return err;
}

int egress_policy_delete_rule(struct egress_set *set,
			      struct egress_policy *policy, u32 id)
{
	int err;

	lockdep_assert_held(&egress_config_mutex);
	err = egress_ruleset_delete(&policy->rules, id);
	if (!err) {
		set->nr_rules--;
		set->mem -= egress_rule_mem_cost();
		egress_set_changed(set);
	}
	return err;
}

static struct egress_set *egress_set_alloc(void)
{
	struct egress_set *set;

	set = kvzalloc(sizeof(*set), GFP_KERNEL_ACCOUNT);
	if (!set)
		return NULL;
	if (egress_cache_init(set)) {
		kvfree(set);
		return NULL;
	}
	INIT_LIST_HEAD(&set->policies);
	set->max_depth = -1;
	return set;
}

/* Free @set and everything in it; no reader may hold any of it. */
static void egress_set_free(struct egress_set *set)
{
	struct egress_policy *policy, *tmp;

	egress_cache_destroy(set);
	list_for_each_entry_safe(policy, tmp, &set->policies, list_node) {
		egress_policy_free(policy);
		cond_resched();
	}
	kvfree(set);
}

struct egress_set *egress_staged_set(u32 portid, const char **reason)
{
	lockdep_assert_held(&egress_config_mutex);
	if (!egress_staged || egress_staged_portid != portid) {
		*reason = KBUILD_MODNAME ": this socket has no apply in progress";
		return ERR_PTR(-ENOENT);
	}
	return egress_staged;
}

int egress_apply_begin(u32 portid, const char **reason)
{
	struct egress_set *staged;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_staged) {
		*reason = egress_staged_portid == portid ?
			KBUILD_MODNAME ": this socket already has an apply in progress" :
			KBUILD_MODNAME ": another apply is in progress";
		return -EBUSY;
	}
	staged = egress_set_alloc();
	if (!staged)
		return -ENOMEM;
	/* egress_apply_release() reads both without the mutex. */
	WRITE_ONCE(egress_staged_portid, portid);
	WRITE_ONCE(egress_staged, staged);
	return 0;
}

/*
 * Rules kept by an apply keep their hit counters.  Before the swap the old
 * rule's count moves to the new rule and the old one restarts from zero;
 * whatever the old set still counts until no reader holds it is added
 * afterwards (egress_apply_carry_rules_late()), so no hit is lost.
 */
static void egress_apply_carry_rules(struct egress_policy *policy,
				     struct egress_policy *prev)
{
	struct egress_rule *rule, *old;
	unsigned long id;

	for (id = 0; (rule = egress_ruleset_next(&policy->rules, &id)); id++) {
		old = egress_ruleset_find_same(&prev->rules, rule);
		if (!old || old->action != rule->action ||
		    old->class_id != rule->class_id)
			continue;
		atomic64_set(&rule->packets, atomic64_xchg(&old->packets, 0));
		atomic64_set(&rule->bytes, atomic64_xchg(&old->bytes, 0));
		cond_resched();
	}
}

static void egress_apply_carry_rules_late(struct egress_policy *policy,
					  struct egress_policy *prev)
{
	struct egress_rule *rule, *old;
	unsigned long id;

	for (id = 0; (rule = egress_ruleset_next(&policy->rules, &id)); id++) {
		old = egress_ruleset_find_same(&prev->rules, rule);
		if (!old || old->action != rule->action ||
		    old->class_id != rule->class_id)
			continue;
		atomic64_add(atomic64_read(&old->packets), &rule->packets);
		atomic64_add(atomic64_read(&old->bytes), &rule->bytes);
		cond_resched();
	}
}

int egress_apply_commit(u32 portid, const char **reason)
{
	struct egress_set *old, *new;
	struct egress_policy *policy, *prev;
	int err;

	lockdep_assert_held(&egress_config_mutex);
	new = egress_staged_set(portid, reason);
	if (IS_ERR(new))
		return PTR_ERR(new);
	old = egress_live_set_locked();

	/*
	 * A path in both sets keeps its counters: the new policy shares the
	 * old one's.  The staged set has never been live, so its own counters
	 * are still zero and can go.  Class counters the new rules need are
	 * added to the shared ones first, the only step that can fail.
	 */
	list_for_each_entry(policy, &new->policies, list_node) {
		prev = egress_policy_find(old, policy->path);
		if (!prev)
			continue;
		err = egress_stats_add_classes(prev->stats, policy);
		if (err) {
			*reason = KBUILD_MODNAME ": no memory for class counters";
			return err;
		}
	}
	list_for_each_entry(policy, &new->policies, list_node) {
		prev = egress_policy_find(old, policy->path);
		if (!prev)
			continue;
		egress_stats_put(policy->stats);
		refcount_inc(&prev->stats->ref);
		policy->stats = prev->stats;
		egress_apply_carry_rules(policy, prev);
		/* A kept limit hands out no new burst. */
		spin_lock_bh(&prev->bucket.lock);
		policy->bucket.last_ns = prev->bucket.last_ns;
		policy->bucket.byte_tokens_ns = prev->bucket.byte_tokens_ns;
		policy->bucket.packet_tokens_ns = prev->bucket.packet_tokens_ns;
		policy->bucket.byte_edt_ns = prev->bucket.byte_edt_ns;
		policy->bucket.packet_edt_ns = prev->bucket.packet_edt_ns;
		spin_unlock_bh(&prev->bucket.lock);
	}

	rcu_assign_pointer(egress_live_set, new);
	WRITE_ONCE(egress_staged, NULL);
	egress_set_changed(new);

	synchronize_rcu();
	list_for_each_entry(policy, &new->policies, list_node) {
		prev = egress_policy_find(old, policy->path);
		if (prev)
			egress_apply_carry_rules_late(policy, prev);
	}
	egress_set_free(old);
	/* Classes only the old set used, counters and all, are gone. */
	egress_classes_forget_unused();
	return 0;
}

int egress_apply_abort(u32 portid, const char **reason)
{
	struct egress_set *staged;

	lockdep_assert_held(&egress_config_mutex);
	staged = egress_staged_set(portid, reason);
	if (IS_ERR(staged))
		return PTR_ERR(staged);
	WRITE_ONCE(egress_staged, NULL);
	/* Never live: no reader can hold it. */
	egress_set_free(staged);
	/* A failed apply leaves no class name behind. */
	egress_classes_forget_unused();
	return 0;
}

void egress_apply_release(u32 portid)
{
	const char *reason;

	/*
	 * Every generic netlink socket on the host that closes comes here:
	 * leave the mutex alone unless this port may own the staged set.  A
	 * port that is closing cannot start an apply any more, so a set that
	 * is not its now will not be later.
	 */
	if (!READ_ONCE(egress_staged) ||
	    READ_ONCE(egress_staged_portid) != portid)
		return;
	mutex_lock(&egress_config_mutex);
	if (egress_staged && egress_staged_portid == portid)
		egress_apply_abort(portid, &reason);
	mutex_unlock(&egress_config_mutex);
}

/*
 * A device is going away: packets waiting in shaping queues that hold it
 * go with it.  Only the live set has waiting packets (a staged set was
 * never live, and an old one is freed, its packets handed on, before the
 * mutex is released).
 */
static int egress_netdev_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct egress_policy *policy;
	struct egress_set *set;
	unsigned int i;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	/*
	 * Under RCU, not the config mutex, so that RTNL never waits for a
	 * long configuration change: a policy cannot be freed, nor its
	 * shaper destroyed, before a grace period.
	 */
	rcu_read_lock();
	set = rcu_dereference(egress_live_set);
	for (i = 0; set && i < ARRAY_SIZE(set->buckets); i++) {
		hlist_for_each_entry_rcu(policy, &set->buckets[i], hash_node) {
			if (READ_ONCE(policy->shaper.queued))
				egress_shaper_device_gone(&policy->shaper, dev);
		}
	}
	rcu_read_unlock();
	return NOTIFY_DONE;
}

static struct notifier_block egress_netdev_notifier = {
	.notifier_call = egress_netdev_event,
};

int egress_policy_init(void)
{
	struct egress_set *set = egress_set_alloc();
	int err;

	if (!set)
		return -ENOMEM;
	RCU_INIT_POINTER(egress_live_set, set);
	err = register_netdevice_notifier(&egress_netdev_notifier);
	if (err) {
		RCU_INIT_POINTER(egress_live_set, NULL);
		egress_set_free(set);
	}
	return err;
}

void egress_policy_exit(void)
{
	struct egress_set *live;

	mutex_lock(&egress_config_mutex);
	live = egress_live_set_locked();
	RCU_INIT_POINTER(egress_live_set, NULL);
	if (egress_staged) {
		egress_set_free(egress_staged);
		WRITE_ONCE(egress_staged, NULL);
	}
	mutex_unlock(&egress_config_mutex);

	synchronize_rcu();
	egress_set_free(live);
	/*
	 * Last: unregistering replays NETDEV_UNREGISTER for every device,
	 * which must find no waiting packet to drop (they were handed on).
	 */
	unregister_netdevice_notifier(&egress_netdev_notifier);
	/* Counters are freed by RCU callbacks in this module: wait for them. */
	rcu_barrier();
}
