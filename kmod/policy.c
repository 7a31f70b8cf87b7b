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

#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "apply.h"
#include "cache.h"
#include "class.h"
#include "limits.h"
#include "policy.h"

/* Serialises every change of the policy sets and the readers of lists. */
DEFINE_MUTEX(egress_config_mutex);

struct egress_set __rcu *egress_live_set;

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
void egress_set_paths_changed(struct egress_set *set)
{
	/* Pairs with smp_load_acquire() in egress_cache_policies(). */
	smp_store_release(&set->resolve_gen, set->resolve_gen + 1);
	egress_set_changed(set);
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
		    egress_path_names_match(policy->path, level, names))
			return policy;
	}
	return NULL;
}

/*
 * The most specific template that matches the first @level components of
 * @names, as its instance or itself (egress_resolve()), or NULL.
 */
static struct egress_policy *
egress_set_match_template(struct egress_set *set,
			  const struct egress_path_names *names,
			  unsigned int level, u32 hash,
			  enum egress_resolve_mode mode,
			  struct egress_resolve_info *info)
{
	struct egress_policy *template, *instance;
	bool refused = false;

	list_for_each_entry_rcu(template, &set->templates, template_node,
				lockdep_is_held(&egress_config_mutex)) {
		const struct egress_pattern_shape *shape = &template->tmpl->shape;

		if (level < shape->min_depth ||
		    (!shape->any_depth && level != shape->min_depth) ||
		    !egress_path_pattern_match(template->path, level, names))
			continue;
		instance = egress_instance_get(template, names, level, hash,
					       mode == EGRESS_RESOLVE_INSTANCE,
					       &refused);
		if (instance || mode != EGRESS_RESOLVE_INSTANCE)
			return instance ?: template;
		/* Judged by the template itself: never let through unjudged. */
		if (!refused) {
			info->retry = true;
		} else if (info->refused_level < 0) {
			info->refused_level = level;
			info->refused_by = template;
		}
		return template;
	}
	return NULL;
}

unsigned int egress_resolve(struct egress_set *set,
			    const struct egress_path_names *names,
			    struct egress_policy **out,
			    enum egress_resolve_mode mode,
			    struct egress_resolve_info *info)
{
	int max_level = min_t(int, names->levels - 1, READ_ONCE(set->max_depth));
	u32 hash = EGRESS_PATH_HASH_ROOT;
	unsigned int n = 0;
	int level;

	info->retry = false;
	info->refused_level = -1;
	info->refused_by = NULL;
	for (level = 0; level <= max_level; level++) {
		struct egress_policy *policy;

		if (level)
			hash = egress_path_hash_step(hash, names->name[level],
						     names->len[level]);
		policy = egress_set_lookup_level(set, names, level, hash);
		/* An exact path beats every pattern. */
		if (!policy)
			policy = egress_set_match_template(set, names, level,
							   hash, mode, info);
		if (policy) {
			info->level[n] = level;
			out[n++] = policy;
		}
	}
	return n;
}

void egress_policy_reset_counters(struct egress_policy *policy)
{
	struct egress_rule *rule;
	unsigned long id;
	u32 n = 0;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_policy_is_instance(policy)) {
		egress_instance_reset_counters(policy);
		return;
	}
	egress_stats_reset(policy->stats);
	for (id = 0; (rule = egress_ruleset_next(&policy->rules, &id)); id++) {
		atomic64_set(&rule->packets, 0);
		atomic64_set(&rule->bytes, 0);
		/* Up to 4M rules: let others run. */
		if (!(++n % 4096))
			cond_resched();
	}
}

struct egress_policy *egress_policy_find(struct egress_set *set,
					 const char *path)
{
	struct egress_path_names names;
	struct egress_policy *policy;
	u32 hash;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_path_is_pattern(path)) {
		list_for_each_entry(policy, &set->templates, template_node) {
			if (!strcmp(policy->path, path))
				return policy;
		}
		return NULL;
	}
	egress_path_names_from_path(&names, path);
	hash = egress_path_names_hash(&names);
	hlist_for_each_entry(policy, egress_set_bucket(set, hash), hash_node) {
		if (policy->path_hash == hash && !strcmp(policy->path, path))
			return policy;
	}
	return NULL;
}

struct egress_policy *egress_instance_lookup(struct egress_set *set,
					     const char *path)
{
	struct egress_path_names names;
	struct egress_policy *template, *instance;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_path_is_pattern(path))
		return NULL;
	egress_path_names_from_path(&names, path);
	list_for_each_entry(template, &set->templates, template_node) {
		if (!egress_path_pattern_match(template->path, names.levels - 1,
					       &names))
			continue;
		instance = egress_instance_find(template, path);
		if (instance)
			return instance;
	}
	return NULL;
}

struct egress_policy *egress_instance_make(struct egress_set *set,
					   const char *path)
{
	struct egress_resolve_info info = { .refused_level = -1 };
	struct egress_path_names names;
	struct egress_policy *policy;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_path_is_pattern(path))
		return NULL;
	egress_path_names_from_path(&names, path);
	/* What the packet path does, under RCU as it is. */
	rcu_read_lock();
	policy = egress_set_match_template(set, &names, names.levels - 1,
					   egress_path_names_hash(&names),
					   EGRESS_RESOLVE_INSTANCE, &info);
	rcu_read_unlock();
	return policy && policy->config != policy ? policy : NULL;
}

static void egress_set_max_depth_update(struct egress_set *set)
{
	struct egress_policy *policy;
	int max_depth = -1;

	list_for_each_entry(policy, &set->policies, list_node)
		max_depth = max_t(int, max_depth, policy->depth);
	WRITE_ONCE(set->max_depth, max_depth);
}

/* Templates in the order egress_set_match_template() tries them. */
static void egress_set_add_template(struct egress_set *set,
				    struct egress_policy *template)
{
	struct egress_policy *pos;

	list_for_each_entry(pos, &set->templates, template_node) {
		if (egress_template_precedes(template, pos)) {
			list_add_tail_rcu(&template->template_node,
					  &pos->template_node);
			return;
		}
	}
	list_add_tail_rcu(&template->template_node, &set->templates);
}

int egress_policy_create(struct egress_set *set, const char *path,
			 u8 default_verdict, u8 mode, u32 instances_max,
			 u32 instances_keep, struct egress_policy **created)
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
	if (set != egress_live_set_locked())
		egress_ruleset_unpublished(&policy->rules);
	policy->stats = egress_stats_alloc();
	if (!policy->stats) {
		err = -ENOMEM;
		goto err_destroy_rules;
	}

	memcpy(policy->path, path, path_len);
	policy->config = policy;
	policy->default_verdict = default_verdict;
	policy->mode = mode;
	egress_bucket_init(&policy->bucket);
	egress_shaper_init(&policy->shaper);
	policy->seq = ++egress_policy_seq;
	if (egress_path_is_pattern(path)) {
		err = egress_template_init(policy, instances_max,
					   instances_keep);
		if (err)
			goto err_destroy_shaper;
		/* The deepest level it can match. */
		policy->depth = policy->tmpl->shape.any_depth ?
				EGRESS_POLICY_DEPTH_MAX :
				policy->tmpl->shape.min_depth;
		egress_set_add_template(set, policy);
		if (set == egress_live_set_locked())
			egress_template_gc_schedule();
	} else {
		egress_path_names_from_path(&names, path);
		policy->path_hash = egress_path_names_hash(&names);
		policy->depth = names.levels - 1;
		hlist_add_head_rcu(&policy->hash_node,
				   egress_set_bucket(set, policy->path_hash));
	}

	list_add_tail(&policy->list_node, &set->policies);
	set->nr_policies++;
	set->mem += egress_policy_mem_cost(path_len);
	if (policy->depth > set->max_depth)
		WRITE_ONCE(set->max_depth, policy->depth);
	egress_set_paths_changed(set);
	*created = policy;
	return 0;

err_destroy_shaper:
	egress_shaper_destroy(&policy->shaper);
	egress_stats_put(policy->stats);
err_destroy_rules:
	egress_ruleset_destroy(&policy->rules);
err_free_policy:
	kfree(policy);
	return err;
}

/*
 * The policy is unreachable and no reader holds it any more.  Every caller
 * holds the mutex, the module's exit included, except the error path of
 * egress_policy_init(), whose set is still empty and unpublished.
 */
static void egress_policy_free(struct egress_policy *policy)
{
	if (policy->tmpl)
		egress_template_destroy(policy);
	egress_shaper_destroy(&policy->shaper);
	kfree(rcu_dereference_protected(policy->rate,
					lockdep_is_held(&egress_config_mutex)));
	kfree(rcu_dereference_protected(policy->quotas,
					lockdep_is_held(&egress_config_mutex)));
	kfree(rcu_dereference_protected(policy->conn,
					lockdep_is_held(&egress_config_mutex)));
	egress_ruleset_destroy(&policy->rules);
	egress_stats_put(policy->stats);
	kfree(policy);
}

static void egress_policy_unlink(struct egress_set *set,
				 struct egress_policy *policy)
{
	struct egress_quota_set *quotas;

	if (policy->tmpl)
		list_del_rcu(&policy->template_node);
	else
		hlist_del_rcu(&policy->hash_node);
	list_del(&policy->list_node);
	set->nr_policies--;
	set->nr_rules -= policy->rules.count;
	quotas = rcu_dereference_protected(policy->quotas,
					   lockdep_is_held(&egress_config_mutex));
	set->mem -= egress_policy_mem_cost(strlen(policy->path) + 1) +
		    policy->rules.count * egress_rule_mem_cost() +
		    egress_ruleset_index_bytes(&policy->rules) +
		    egress_quota_set_mem(quotas);
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
	/* The instances' final counts, now that nothing adds to them. */
	if (policy->tmpl)
		egress_template_announce_gone(policy);
	egress_policy_free(policy);
}

void egress_policy_set_mode(struct egress_set *set,
			    struct egress_policy *policy, u8 mode)
{
	WRITE_ONCE(policy->mode, mode);
	egress_set_changed(set);
}

void egress_policy_set_instances_max(struct egress_set *set,
				     struct egress_policy *template, u32 max)
{
	egress_template_set_max(template, max);
	/* Cgroups refused for the old cap ask again. */
	egress_set_paths_changed(set);
}

void egress_policy_set_instances_keep(struct egress_set *set,
				      struct egress_policy *template, u32 keep)
{
	WRITE_ONCE(template->tmpl->keep, keep);
	egress_set_changed(set);
	if (set == egress_live_set_locked())
		egress_template_gc_schedule();
}

void egress_policy_set_default(struct egress_set *set,
			       struct egress_policy *policy, u8 verdict)
{
	WRITE_ONCE(policy->default_verdict, verdict);
	egress_set_changed(set);
}

void egress_policy_set_quotas(struct egress_set *set,
			      struct egress_policy *policy,
			      struct egress_quota_set *quotas)
{
	struct egress_quota_set *old;
	const struct egress_rate *rate;

	old = rcu_dereference_protected(policy->quotas,
					lockdep_is_held(&egress_config_mutex));
	rate = rcu_dereference_protected(policy->rate,
					 lockdep_is_held(&egress_config_mutex));
	egress_quota_set_carry(quotas, old, false);
	rcu_assign_pointer(policy->quotas, quotas);
	set->mem += egress_quota_set_mem(quotas) - egress_quota_set_mem(old);
	/*
	 * As when a shaping rate goes (egress_policy_set_rate()): what the
	 * rate action of the old quotas held back leaves now.
	 */
	if (old && old->rated && !(quotas && quotas->rated) &&
	    !(rate && rate->mode == NF_EGRESS_RATE_SHAPE))
		egress_shaper_flush(&policy->shaper);
	if (old) {
		/* What packets judged meanwhile charged the old quotas follows. */
		synchronize_rcu();
		egress_quota_set_carry(quotas, old, true);
		kfree(old);
	}
	/* The cache remembers which paths have quotas at all. */
	egress_set_paths_changed(set);
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
	    (!rate || rate->mode != NF_EGRESS_RATE_SHAPE)) {
		egress_shaper_flush(&policy->shaper);
		if (policy->tmpl)
			egress_template_flush_shapers(policy);
	}
	if (old)
		kfree_rcu(old, rcu);
	/* The cache remembers which paths have a rate limit at all. */
	egress_set_paths_changed(set);
}

void egress_policy_set_conn(struct egress_set *set,
			    struct egress_policy *policy,
			    struct egress_conn_limit *conn)
{
	struct egress_conn_limit *old;

	old = rcu_replace_pointer(policy->conn, conn,
				  lockdep_is_held(&egress_config_mutex));
	if (old)
		kfree_rcu(old, rcu);
	/* The cache remembers which paths limit connections at all. */
	egress_set_paths_changed(set);
}

int egress_policy_add_rules(struct egress_set *set,
			    struct egress_policy *policy,
			    const struct egress_rule *rules, u32 n, u32 *bad,
			    const char **reason)
{
	DECLARE_BITMAP(used, EGRESS_CLASSES_MAX + 1);
	DECLARE_BITMAP(added, EGRESS_CLASSES_MAX + 1);
	size_t index_bytes;
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
	index_bytes = egress_ruleset_index_bytes(&policy->rules);
	err = egress_ruleset_insert(&policy->rules, rules, n, bad, reason);
	/* Even a refused request may leave the trie's nodes shaped anew. */
	set->mem += egress_ruleset_index_bytes(&policy->rules) - index_bytes;
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
	size_t index_bytes;
	int err;

	lockdep_assert_held(&egress_config_mutex);
	index_bytes = egress_ruleset_index_bytes(&policy->rules);
	err = egress_ruleset_delete(&policy->rules, id);
	if (!err && policy->tmpl)
		egress_template_rule_deleted(policy, id);
	if (!err) {
		set->nr_rules--;
		set->mem -= egress_rule_mem_cost() + index_bytes -
			    egress_ruleset_index_bytes(&policy->rules);
		egress_set_changed(set);
	}
	return err;
}

struct egress_set *egress_set_alloc(void)
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
	INIT_LIST_HEAD(&set->templates);
	set->max_depth = -1;
	return set;
}

/* Free @set and everything in it; no reader may hold any of it. */
void egress_set_free(struct egress_set *set)
{
	struct egress_policy *policy, *tmp;

	egress_cache_destroy(set);
	list_for_each_entry_safe(policy, tmp, &set->policies, list_node) {
		egress_policy_free(policy);
		cond_resched();
	}
	kvfree(set);
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
	if (set) {
		struct egress_policy *instance;

		list_for_each_entry_rcu(policy, &set->templates, template_node) {
			if (READ_ONCE(policy->shaper.queued))
				egress_shaper_device_gone(&policy->shaper, dev);
			list_for_each_entry_rcu(instance,
						&policy->tmpl->instances,
						list_node) {
				if (READ_ONCE(instance->shaper.queued))
					egress_shaper_device_gone(&instance->shaper,
								  dev);
			}
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
	egress_apply_exit();
	synchronize_rcu();
	egress_set_free(live);
	mutex_unlock(&egress_config_mutex);

	/*
	 * Last: unregistering replays NETDEV_UNREGISTER for every device,
	 * which must find no waiting packet to drop (they were handed on).
	 */
	unregister_netdevice_notifier(&egress_netdev_notifier);
	/* Counters are freed by RCU callbacks in this module: wait for them. */
	rcu_barrier();
}
