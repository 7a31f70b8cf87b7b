// SPDX-License-Identifier: GPL-2.0
/*
 * Templates and their instances (template.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cgroup.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "events.h"
#include "netlink.h"
#include "policy.h"
#include "template.h"

int egress_template_init(struct egress_policy *template, u32 max, u32 keep)
{
	struct egress_template *tmpl;

	tmpl = kzalloc(sizeof(*tmpl), GFP_KERNEL_ACCOUNT);
	if (!tmpl)
		return -ENOMEM;
	spin_lock_init(&tmpl->lock);
	INIT_LIST_HEAD(&tmpl->instances);
	tmpl->max = max;
	tmpl->keep = keep;
	egress_path_pattern_shape(template->path, &tmpl->shape);
	template->tmpl = tmpl;
	return 0;
}

static void egress_hits_destroy(struct xarray *hits)
{
	struct egress_hit *hit;
	unsigned long id;

	xa_for_each(hits, id, hit)
		kfree(hit);
	xa_destroy(hits);
}

static void egress_instance_free(struct egress_policy *instance)
{
	/* Unreachable, and no reader remains. */
	kfree(rcu_dereference_protected(instance->quotas, true));
	egress_shaper_destroy(&instance->shaper);
	egress_hits_destroy(&instance->hits);
	egress_stats_put(instance->stats);
	kfree(instance);
}

static struct egress_quota_set *egress_quotas_locked(struct egress_policy *policy)
{
	return rcu_dereference_protected(policy->quotas,
					 lockdep_is_held(&egress_config_mutex));
}

/*
 * The quotas of a new instance of a template whose quotas are @tqs: the
 * same, each with a usage of its own from zero.  NULL when @tqs is.
 */
static struct egress_quota_set *
egress_instance_quotas_new(const struct egress_quota_set *tqs, gfp_t gfp)
{
	struct egress_quota_set *qs;
	time64_t now;
	unsigned int j;

	if (!tqs)
		return NULL;
	qs = kzalloc(struct_size(qs, quota, tqs->n), gfp);
	if (!qs)
		return ERR_PTR(-ENOMEM);
	now = egress_quota_now();
	qs->n = tqs->n;
	qs->rated = tqs->rated;
	for (j = 0; j < qs->n; j++)
		egress_quota_init(&qs->quota[j], &tqs->quota[j].cfg, now);
	return qs;
}

void egress_template_destroy(struct egress_policy *template)
{
	struct egress_template *tmpl = template->tmpl;
	struct egress_policy *instance, *tmp;

	list_for_each_entry_safe(instance, tmp, &tmpl->instances, list_node) {
		egress_instance_free(instance);
		cond_resched();
	}
	kfree(tmpl);
}

u32 egress_template_instance_count(const struct egress_policy *template)
{
	return READ_ONCE(template->tmpl->count);
}

void egress_template_set_max(struct egress_policy *template, u32 max)
{
	lockdep_assert_held(&egress_config_mutex);
	WRITE_ONCE(template->tmpl->max, max);
}

/* Each instance's new quotas, in the order of the template's list. */
struct egress_instance_quotas {
	unsigned int n;
	struct egress_quota_set *qs[];
};

/* Let the packet path make instances of @tmpl again. */
static void egress_template_thaw(struct egress_template *tmpl)
{
	spin_lock_bh(&tmpl->lock);
	tmpl->frozen = false;
	spin_unlock_bh(&tmpl->lock);
}

void egress_template_quotas_abort(struct egress_policy *template,
				  struct egress_instance_quotas *prep)
{
	unsigned int i;

	lockdep_assert_held(&egress_config_mutex);
	for (i = 0; i < prep->n; i++)
		kfree(prep->qs[i]);
	kvfree(prep);
	egress_template_thaw(template->tmpl);
}

struct egress_instance_quotas *
egress_template_quotas_prepare(struct egress_policy *template,
			       const struct egress_quota_set *quotas)
{
	struct egress_template *tmpl = template->tmpl;
	struct egress_instance_quotas *prep;
	struct egress_policy *instance;
	struct egress_quota_set *qs;
	unsigned int n;

	lockdep_assert_held(&egress_config_mutex);
	/* From here on the list only shrinks, and only under the mutex. */
	spin_lock_bh(&tmpl->lock);
	tmpl->frozen = true;
	n = tmpl->count;
	spin_unlock_bh(&tmpl->lock);
	prep = kvzalloc(struct_size(prep, qs, n), GFP_KERNEL_ACCOUNT);
	if (!prep) {
		egress_template_thaw(tmpl);
		return ERR_PTR(-ENOMEM);
	}
	list_for_each_entry(instance, &tmpl->instances, list_node) {
		if (WARN_ON_ONCE(prep->n == n))
			break;
		qs = egress_instance_quotas_new(quotas, GFP_KERNEL_ACCOUNT);
		if (IS_ERR(qs)) {
			egress_template_quotas_abort(template, prep);
			return ERR_CAST(qs);
		}
		prep->qs[prep->n++] = qs;
		cond_resched();
	}
	return prep;
}

void egress_template_set_quotas(struct egress_set *set,
				struct egress_policy *template,
				struct egress_instance_quotas *prep)
{
	struct egress_template *tmpl = template->tmpl;
	struct egress_quota_set *qs, *old;
	struct egress_policy *instance;
	const struct egress_rate *rate;
	unsigned int i = 0;

	lockdep_assert_held(&egress_config_mutex);
	rate = rcu_dereference_protected(template->rate,
					 lockdep_is_held(&egress_config_mutex));
	list_for_each_entry(instance, &tmpl->instances, list_node) {
		if (i == prep->n)
			break;
		old = egress_quotas_locked(instance);
		egress_quota_set_carry(prep->qs[i], old, false);
		rcu_assign_pointer(instance->quotas, prep->qs[i]);
		/* The old set, freed once no reader charges it. */
		prep->qs[i++] = old;
	}
	/*
	 * Packets charging the old sets are done, and so is the making of
	 * any instance that read the template's old quotas (the template
	 * is frozen: such an instance was never linked).
	 */
	synchronize_rcu();
	i = 0;
	list_for_each_entry(instance, &tmpl->instances, list_node) {
		if (i == prep->n)
			break;
		old = prep->qs[i++];
		qs = egress_quotas_locked(instance);
		egress_quota_set_carry(qs, old, true);
		/* As egress_policy_set_quotas(): held back by no rate now. */
		if (old && old->rated && !(qs && qs->rated) &&
		    !(rate && rate->mode == NF_EGRESS_RATE_SHAPE))
			egress_shaper_flush(&instance->shaper);
		kfree(old);
		cond_resched();
	}
	kvfree(prep);
	egress_template_thaw(tmpl);
	/* The cache remembers which paths have quotas at all. */
	egress_set_paths_changed(set);
}

bool egress_template_precedes(const struct egress_policy *a,
			      const struct egress_policy *b)
{
	const struct egress_pattern_shape *sa = &a->tmpl->shape;
	const struct egress_pattern_shape *sb = &b->tmpl->shape;

	if (sa->wildcards != sb->wildcards)
		return sa->wildcards < sb->wildcards;
	if (sa->literal_len != sb->literal_len)
		return sa->literal_len > sb->literal_len;
	return a->seq < b->seq;
}

static struct hlist_head *egress_instance_bucket(struct egress_template *tmpl,
						 u32 hash)
{
	return &tmpl->buckets[hash_32(hash, EGRESS_INSTANCE_HASH_BITS)];
}

static struct egress_policy *
egress_instance_lookup_level(struct egress_template *tmpl,
			     const struct egress_path_names *names,
			     unsigned int level, u32 hash)
{
	struct egress_policy *instance;

	hlist_for_each_entry_rcu(instance, egress_instance_bucket(tmpl, hash),
				 hash_node,
				 lockdep_is_held(&egress_config_mutex) ||
				 lockdep_is_held(&tmpl->lock)) {
		if (instance->path_hash == hash && instance->depth == level &&
		    egress_path_names_match(instance->path, level, names))
			return instance;
	}
	return NULL;
}

/* The concrete path of the first @level components of @names. */
static size_t egress_names_path_len(const struct egress_path_names *names,
				    unsigned int level)
{
	size_t len = 0;
	unsigned int i;

	for (i = 1; i <= level; i++)
		len += 1 + names->len[i];
	return len ?: 1;
}

static void egress_names_path_copy(char *p,
				   const struct egress_path_names *names,
				   unsigned int level)
{
	unsigned int i;

	if (!level)
		*p++ = '/';
	for (i = 1; i <= level; i++) {
		*p++ = '/';
		memcpy(p, names->name[i], names->len[i]);
		p += names->len[i];
	}
	*p = '\0';
}

/*
 * A new instance, not yet reachable, or NULL for want of memory.  Made
 * before the template's lock is taken, and without waiting: the packet path
 * makes it.  Not __GFP_ACCOUNT: the task this runs in is not the sender.
 */
static struct egress_policy *
egress_instance_new(struct egress_policy *template,
		    const struct egress_path_names *names, unsigned int level,
		    u32 hash)
{
	size_t path_len = egress_names_path_len(names, level) + 1;
	const gfp_t gfp = GFP_NOWAIT | __GFP_NOWARN;
	struct egress_quota_set *qs;
	struct egress_policy *instance;

	/*
	 * Quotas read before the template's lock: a change of them freezes
	 * the template (egress_template_quotas_prepare()) and waits for a
	 * grace period before it lets instances be made again
	 * (egress_template_set_quotas()), so a set read here that is no
	 * longer the template's never gets linked.
	 */
	qs = egress_instance_quotas_new(rcu_dereference(template->quotas), gfp);
	if (IS_ERR(qs))
		return NULL;
	instance = kzalloc(struct_size(instance, path, path_len), gfp);
	if (!instance)
		goto err_quotas;
	instance->stats = egress_stats_alloc_gfp(gfp);
	if (!instance->stats)
		goto err_instance;
	RCU_INIT_POINTER(instance->quotas, qs);
	egress_names_path_copy(instance->path, names, level);
	xa_init_flags(&instance->hits, XA_FLAGS_LOCK_BH);
	instance->config = template;
	instance->path_hash = hash;
	instance->depth = level;
	egress_bucket_init(&instance->bucket);
	egress_shaper_init(&instance->shaper);
	return instance;

err_instance:
	kfree(instance);
err_quotas:
	kfree(qs);
	return NULL;
}

/* Whether @tmpl takes no instance now (its cap), read without its lock. */
static bool egress_template_full(const struct egress_template *tmpl)
{
	return READ_ONCE(tmpl->count) >= READ_ONCE(tmpl->max);
}

struct egress_policy *egress_instance_get(struct egress_policy *template,
					  const struct egress_path_names *names,
					  unsigned int level, u32 hash,
					  bool create, bool *refused)
{
	struct egress_template *tmpl = template->tmpl;
	struct egress_policy *instance, *made;

	*refused = false;
	instance = egress_instance_lookup_level(tmpl, names, level, hash);
	if (instance || !create)
		return instance;
	/*
	 * No room: the cap, or a path the cgroup core could not look up
	 * again (the garbage collector would take it for gone).
	 */
	if (egress_template_full(tmpl) ||
	    egress_names_path_len(names, level) >= NF_EGRESS_CGROUP_PATH_MAX) {
		*refused = true;
		return NULL;
	}
	made = egress_instance_new(template, names, level, hash);
	if (!made)
		return NULL;

	spin_lock_bh(&tmpl->lock);
	/* Another CPU may have made it meanwhile. */
	instance = egress_instance_lookup_level(tmpl, names, level, hash);
	if (instance)
		goto out_unlock;
	/* An apply is copying them: the template judges until the swap. */
	if (tmpl->frozen)
		goto out_unlock;
	if (tmpl->count >= READ_ONCE(tmpl->max)) {
		*refused = true;
		goto out_unlock;
	}
	instance = made;
	made = NULL;
	instance->seq = tmpl->next_index++;
	list_add_tail_rcu(&instance->list_node, &tmpl->instances);
	hlist_add_head_rcu(&instance->hash_node,
			   egress_instance_bucket(tmpl, hash));
	WRITE_ONCE(tmpl->count, tmpl->count + 1);
out_unlock:
	spin_unlock_bh(&tmpl->lock);
	/* Never reachable: no grace period to wait for. */
	if (made)
		egress_instance_free(made);
	return instance;
}

struct egress_policy *egress_instance_find(struct egress_policy *template,
					   const char *path)
{
	struct egress_path_names names;

	lockdep_assert_held(&egress_config_mutex);
	egress_path_names_from_path(&names, path);
	return egress_instance_lookup_level(template->tmpl, &names,
					    names.levels - 1,
					    egress_path_names_hash(&names));
}

void egress_instance_hit(struct egress_policy *instance,
			 const struct egress_rule *rule,
			 const struct egress_wire_size *size)
{
	struct egress_hit *hit, *old;

	/*
	 * Its class counters, if it has none yet for the rule's class: here,
	 * before egress_charge() keeps preemption off to count into them.
	 */
	if (rule->class_id &&
	    unlikely(!xa_load(&instance->stats->classes, rule->class_id)))
		egress_stats_add_class_atomic(instance->stats, rule->class_id);
	hit = xa_load(&instance->hits, rule->id);
	if (unlikely(!hit)) {
		hit = kzalloc(sizeof(*hit), GFP_ATOMIC);
		if (!hit)
			return;
		/* Another CPU may have counted the first hit meanwhile. */
		old = xa_cmpxchg_bh(&instance->hits, rule->id, NULL, hit,
				    GFP_ATOMIC);
		if (old) {
			kfree(hit);
			if (xa_is_err(old))
				return;
			hit = old;
		}
	}
	atomic64_add(size->packets, &hit->packets);
	atomic64_add(size->bytes, &hit->bytes);
}

void egress_instance_hits(struct egress_policy *instance, u32 rule_id,
			  u64 *packets, u64 *bytes)
{
	struct egress_hit *hit = xa_load(&instance->hits, rule_id);

	*packets = hit ? atomic64_read(&hit->packets) : 0;
	*bytes = hit ? atomic64_read(&hit->bytes) : 0;
}

const struct egress_rule *egress_instance_next_hit(struct egress_policy *instance,
						   unsigned long *id)
{
	const struct egress_rule *rule;
	unsigned long rule_id;

	lockdep_assert_held(&egress_config_mutex);
	/*
	 * A packet that still held a rule as it was deleted may have made
	 * an entry after the rule's were erased: only live rules count.
	 */
	while (xa_find(&instance->hits, id, ULONG_MAX, XA_PRESENT)) {
		rule_id = *id;
		rule = egress_ruleset_next(&instance->config->rules, &rule_id);
		if (rule && rule_id == *id)
			return rule;
		if (!rule)
			return NULL;
		*id = rule_id;
	}
	return NULL;
}

void egress_instance_reset_counters(struct egress_policy *instance)
{
	struct egress_hit *hit;
	unsigned long id;

	lockdep_assert_held(&egress_config_mutex);
	egress_stats_reset(instance->stats);
	xa_for_each(&instance->hits, id, hit) {
		atomic64_set(&hit->packets, 0);
		atomic64_set(&hit->bytes, 0);
	}
}

void egress_template_rule_deleted(struct egress_policy *template, u32 rule_id)
{
	struct egress_policy *instance;
	struct egress_hit *hit;

	lockdep_assert_held(&egress_config_mutex);
	/*
	 * The ids of a ruleset are never used again, so a reader still
	 * counting a hit of the deleted rule can only make an entry nobody
	 * reads; it goes with the instance.
	 */
	list_for_each_entry_rcu(instance, &template->tmpl->instances, list_node,
				lockdep_is_held(&egress_config_mutex)) {
		hit = xa_erase_bh(&instance->hits, rule_id);
		if (hit)
			kfree_rcu(hit, rcu);
		cond_resched();
	}
}

/*
 * @instance's hit counters of the rule @id, made if need be; the packet
 * path may make them at the same time (the new set is live).
 */
static struct egress_hit *egress_hit_get(struct egress_policy *instance,
					 unsigned long id)
{
	struct egress_hit *hit = xa_load(&instance->hits, id), *old;

	if (hit)
		return hit;
	hit = kzalloc(sizeof(*hit), GFP_KERNEL_ACCOUNT);
	if (!hit)
		return NULL;
	old = xa_cmpxchg_bh(&instance->hits, id, NULL, hit, GFP_KERNEL_ACCOUNT);
	if (!old)
		return hit;
	kfree(hit);
	return xa_is_err(old) ? NULL : old;
}

/*
 * Move the hits of @prev's rules by the instance @from to the same rules
 * of @template by @to.  Read and zeroed at once: what @from counted is
 * moved once, whenever it is called.
 */
static void egress_hits_carry(struct egress_policy *template,
			      struct egress_policy *to,
			      struct egress_policy *prev,
			      struct egress_policy *from)
{
	struct egress_rule *old, *rule;
	struct egress_hit *hit, *dst;
	unsigned long id, next;
	u64 packets, bytes;

	xa_for_each(&from->hits, id, hit) {
		next = id;
		old = egress_ruleset_next(&prev->rules, &next);
		if (!old || next != id)
			continue;
		rule = egress_ruleset_find_same(&template->rules, old);
		if (!rule || rule->action != old->action ||
		    rule->class_id != old->class_id)
			continue;
		packets = atomic64_xchg(&hit->packets, 0);
		bytes = atomic64_xchg(&hit->bytes, 0);
		if (!packets && !bytes)
			continue;
		dst = egress_hit_get(to, rule->id);
		if (!dst) {
			pr_warn_ratelimited("no memory to keep the rule hits of %s\n",
					    to->path);
			continue;
		}
		atomic64_add(packets, &dst->packets);
		atomic64_add(bytes, &dst->bytes);
	}
}

void egress_template_carry(struct egress_policy *template,
			   struct egress_policy *prev, bool late)
{
	struct egress_policy *from, *to;

	lockdep_assert_held(&egress_config_mutex);
	list_for_each_entry(from, &prev->tmpl->instances, list_node) {
		to = egress_instance_find(template, from->path);
		if (to) {
			if (late)
				egress_hits_carry(template, to, prev, from);
			egress_quota_set_carry(egress_quotas_locked(to),
					       egress_quotas_locked(from), late);
		}
		cond_resched();
	}
}

/* A copy of @prev for the new set's @template, not yet reachable. */
static struct egress_policy *egress_instance_copy(struct egress_policy *template,
						  struct egress_policy *prev)
{
	size_t path_len = strlen(prev->path) + 1;
	struct egress_policy *instance;
	struct egress_quota_set *qs;

	qs = egress_instance_quotas_new(egress_quotas_locked(template),
					GFP_KERNEL_ACCOUNT);
	if (IS_ERR(qs))
		return NULL;
	instance = kzalloc(struct_size(instance, path, path_len),
			   GFP_KERNEL_ACCOUNT);
	if (!instance) {
		kfree(qs);
		return NULL;
	}
	/* Their usage comes with egress_template_carry(). */
	RCU_INIT_POINTER(instance->quotas, qs);
	memcpy(instance->path, prev->path, path_len);
	xa_init_flags(&instance->hits, XA_FLAGS_LOCK_BH);
	instance->config = template;
	/* The counters are shared, as an apply shares a kept path's. */
	refcount_inc(&prev->stats->ref);
	instance->stats = prev->stats;
	instance->path_hash = prev->path_hash;
	instance->depth = prev->depth;
	instance->seq = prev->seq;
	instance->gone_since = prev->gone_since;
	egress_bucket_init(&instance->bucket);
	/* A kept limit hands out no new burst. */
	egress_bucket_carry(&instance->bucket, &prev->bucket);
	egress_shaper_init(&instance->shaper);
	return instance;
}

int egress_template_copy_instances(struct egress_policy *template,
				   struct egress_policy *prev)
{
	struct egress_template *tmpl = template->tmpl, *old = prev->tmpl;
	struct egress_policy *instance, *copy;

	lockdep_assert_held(&egress_config_mutex);
	/* From here on the old list only shrinks, and only under the mutex. */
	spin_lock_bh(&old->lock);
	old->frozen = true;
	spin_unlock_bh(&old->lock);
	list_for_each_entry(instance, &old->instances, list_node) {
		copy = egress_instance_copy(template, instance);
		if (!copy)
			goto err_unwind;
		list_add_tail_rcu(&copy->list_node, &tmpl->instances);
		hlist_add_head_rcu(&copy->hash_node,
				   egress_instance_bucket(tmpl, copy->path_hash));
		tmpl->count++;
		cond_resched();
	}
	tmpl->next_index = old->next_index;
	return 0;

err_unwind:
	egress_template_uncopy(template, prev);
	return -ENOMEM;
}

void egress_template_uncopy(struct egress_policy *template,
			    struct egress_policy *prev)
{
	struct egress_template *tmpl = template->tmpl;
	struct egress_policy *copy, *tmp;

	lockdep_assert_held(&egress_config_mutex);
	/* The new set was never live: no reader holds the copies. */
	list_for_each_entry_safe(copy, tmp, &tmpl->instances, list_node) {
		hlist_del(&copy->hash_node);
		list_del(&copy->list_node);
		egress_instance_free(copy);
	}
	tmpl->count = 0;
	egress_template_thaw(prev->tmpl);
}

void egress_template_flush_shapers(struct egress_policy *template)
{
	struct egress_policy *instance;

	lockdep_assert_held(&egress_config_mutex);
	list_for_each_entry_rcu(instance, &template->tmpl->instances, list_node,
				lockdep_is_held(&egress_config_mutex))
		egress_shaper_flush(&instance->shaper);
}

void egress_template_announce_gone(struct egress_policy *template)
{
	struct egress_template *tmpl = template->tmpl;
	struct egress_policy *instance;

	lockdep_assert_held(&egress_config_mutex);
	list_for_each_entry(instance, &tmpl->instances, list_node) {
		egress_quota_events_flush_policy(instance);
		egress_nl_instance_gone(instance);
		cond_resched();
	}
}

/* The work item, and whether module exit stopped it for good (mutex). */
static void egress_template_gc(struct work_struct *work);
static DECLARE_DELAYED_WORK(egress_template_gc_work, egress_template_gc);
static bool egress_template_gc_stopped;

/* How long until the next look: half the shortest keep, 1 s to 60 s. */
static unsigned long egress_template_gc_period(struct egress_set *set)
{
	unsigned long period = 60 * HZ;
	struct egress_policy *template;

	list_for_each_entry(template, &set->templates, template_node)
		period = min(period,
			     (unsigned long)READ_ONCE(template->tmpl->keep) * HZ / 2);
	return max_t(unsigned long, period, HZ);
}

void egress_template_gc_schedule(void)
{
	unsigned long period;

	lockdep_assert_held(&egress_config_mutex);
	if (egress_template_gc_stopped)
		return;
	period = egress_template_gc_period(egress_live_set_locked());
	/*
	 * Sooner if a keep got shorter, never later: a controller that
	 * changes the set more often than the period must not hold it off.
	 */
	if (!queue_delayed_work(system_dfl_wq, &egress_template_gc_work, period) &&
	    time_before(jiffies + period, egress_template_gc_work.timer.expires))
		mod_delayed_work(system_dfl_wq, &egress_template_gc_work, period);
}

void egress_template_gc_stop(void)
{
	mutex_lock(&egress_config_mutex);
	egress_template_gc_stopped = true;
	mutex_unlock(&egress_config_mutex);
	cancel_delayed_work_sync(&egress_template_gc_work);
}

/*
 * Has @instance counted packets since the collector last looked?  Its
 * counters only grow (a reset moves their base), so their sum tells.
 */
static bool egress_instance_counted_more(struct egress_policy *instance)
{
	struct egress_counters_sum sum;
	u64 packets = 0;
	int i;

	egress_counters_sum(instance->stats, &sum);
	for (i = 0; i < EGRESS_CTR_MAX; i++)
		packets += sum.count[i].packets;
	if (packets == instance->gc_packets)
		return false;
	instance->gc_packets = packets;
	return true;
}

/* Is there a cgroup at @path now (in the cgroup namespace of init)? */
static bool egress_cgroup_path_exists(const char *path)
{
	struct cgroup *cgrp = cgroup_get_from_path(path);

	if (IS_ERR(cgrp))
		return false;
	cgroup_put(cgrp);
	return true;
}

/*
 * Unlink the instances of @template whose cgroup has been gone for its
 * keep time onto @gone (through their template_node, which instances do
 * not otherwise use): readers may still walk them until a grace period
 * ends.  Returns how many.
 */
static unsigned int egress_template_collect(struct egress_policy *template,
					    struct list_head *gone)
{
	struct egress_template *tmpl = template->tmpl;
	unsigned long keep = (unsigned long)READ_ONCE(tmpl->keep) * HZ;
	struct egress_policy *instance;
	unsigned int n = 0;

	/* list_del_rcu() leaves ->next as it was: the walk goes on. */
	list_for_each_entry_rcu(instance, &tmpl->instances, list_node,
				lockdep_is_held(&egress_config_mutex)) {
		cond_resched();
		/*
		 * In use: its cgroup is there, or a socket that outlived
		 * the cgroup still sends (a new instance would hand it a
		 * fresh bucket).
		 */
		if (egress_cgroup_path_exists(instance->path) ||
		    egress_instance_counted_more(instance)) {
			instance->gone_since = 0;
			continue;
		}
		/* 0 is "there": the first look that misses it sets the time. */
		if (!instance->gone_since) {
			instance->gone_since = jiffies | 1;
			if (keep)
				continue;
		}
		if (time_before(jiffies, instance->gone_since + keep))
			continue;
		spin_lock_bh(&tmpl->lock);
		hlist_del_rcu(&instance->hash_node);
		list_del_rcu(&instance->list_node);
		WRITE_ONCE(tmpl->count, tmpl->count - 1);
		spin_unlock_bh(&tmpl->lock);
		list_add_tail(&instance->template_node, gone);
		n++;
	}
	return n;
}

static void egress_template_gc(struct work_struct *work)
{
	struct egress_policy *template, *instance, *tmp;
	struct egress_set *set;
	LIST_HEAD(gone);
	unsigned int n = 0;

	mutex_lock(&egress_config_mutex);
	set = egress_live_set_locked();
	list_for_each_entry(template, &set->templates, template_node)
		n += egress_template_collect(template, &gone);
	if (n) {
		/* Cached answers may point at them. */
		egress_set_paths_changed(set);
		synchronize_rcu();
		list_for_each_entry_safe(instance, tmp, &gone, template_node) {
			/* Its quotas' last events, before its final counts. */
			egress_quota_events_flush_policy(instance);
			egress_nl_instance_gone(instance);
			egress_instance_free(instance);
		}
	}
	if (!list_empty(&set->templates) && !egress_template_gc_stopped)
		queue_delayed_work(system_dfl_wq, &egress_template_gc_work,
				   egress_template_gc_period(set));
	mutex_unlock(&egress_config_mutex);
}
