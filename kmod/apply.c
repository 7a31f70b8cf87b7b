// SPDX-License-Identifier: GPL-2.0
/*
 * The apply transaction (apply.h).
 */

#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>

#include "apply.h"
#include "class.h"
#include "policy.h"

/* An apply in progress: the set it builds and the netlink port building it. */
static struct egress_set *egress_staged;
static u32 egress_staged_portid;

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
 * afterwards (@late), so no hit is lost.
 */
static void egress_apply_carry_rules(struct egress_policy *policy,
				     struct egress_policy *prev, bool late)
{
	struct egress_rule *rule, *old;
	unsigned long id;

	for (id = 0; (rule = egress_ruleset_next(&policy->rules, &id)); id++) {
		old = egress_ruleset_find_same(&prev->rules, rule);
		if (!old || old->action != rule->action ||
		    old->class_id != rule->class_id)
			continue;
		if (late) {
			atomic64_add(atomic64_read(&old->packets), &rule->packets);
			atomic64_add(atomic64_read(&old->bytes), &rule->bytes);
		} else {
			atomic64_set(&rule->packets, atomic64_xchg(&old->packets, 0));
			atomic64_set(&rule->bytes, atomic64_xchg(&old->bytes, 0));
		}
		cond_resched();
	}
}

/*
 * Quotas kept by an apply (same class and calendar) keep their usage, as
 * counters do: before the swap it is copied; after it, once no reader
 * charges the old quotas, what they were charged meanwhile follows.
 */
static void egress_apply_carry_quotas(struct egress_policy *policy,
				      struct egress_policy *prev, bool late)
{
	egress_quota_set_carry(rcu_dereference_protected(policy->quotas,
							 lockdep_is_held(&egress_config_mutex)),
			       rcu_dereference_protected(prev->quotas,
							 lockdep_is_held(&egress_config_mutex)),
			       late);
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
	 * added to the shared ones first, and kept templates' instances are
	 * copied: the only steps that can fail, and before anything a packet
	 * sees has changed (class counters nobody uses yet stay harmless).
	 */
	list_for_each_entry(policy, &new->policies, list_node) {
		prev = egress_policy_find(old, policy->path);
		if (!prev)
			continue;
		err = egress_stats_add_classes(prev->stats,
					       policy->classes_used);
		if (err) {
			*reason = KBUILD_MODNAME ": no memory for class counters";
			return err;
		}
	}
	/* A kept template keeps its instances. */
	list_for_each_entry(policy, &new->policies, list_node) {
		prev = policy->tmpl ? egress_policy_find(old, policy->path) : NULL;
		if (!prev)
			continue;
		err = egress_template_copy_instances(policy, prev);
		if (err) {
			*reason = KBUILD_MODNAME ": no memory for the templates' instances";
			goto err_uncopy;
		}
	}
	list_for_each_entry(policy, &new->policies, list_node) {
		prev = egress_policy_find(old, policy->path);
		if (!prev)
			continue;
		egress_stats_put(policy->stats);
		refcount_inc(&prev->stats->ref);
		policy->stats = prev->stats;
		egress_apply_carry_rules(policy, prev, false);
		egress_apply_carry_quotas(policy, prev, false);
		if (policy->tmpl)
			egress_template_carry(policy, prev, false);
		/* A kept limit hands out no new burst. */
		egress_bucket_carry(&policy->bucket, &prev->bucket);
	}

	list_for_each_entry(policy, &new->policies, list_node) {
		size_t index_bytes = egress_ruleset_index_bytes(&policy->rules);

		/*
		 * A big trie gets its jump table now: counted as the set's
		 * (past max_memory by the tables, if it was that close), so
		 * that taking the policy or its rules out later balances.
		 */
		egress_ruleset_publish(&policy->rules);
		new->mem += egress_ruleset_index_bytes(&policy->rules) -
			    index_bytes;
	}
	rcu_assign_pointer(egress_live_set, new);
	WRITE_ONCE(egress_staged, NULL);
	egress_set_changed(new);

	synchronize_rcu();
	list_for_each_entry(policy, &new->policies, list_node) {
		prev = egress_policy_find(old, policy->path);
		if (prev) {
			egress_apply_carry_rules(policy, prev, true);
			egress_apply_carry_quotas(policy, prev, true);
			if (policy->tmpl)
				egress_template_carry(policy, prev, true);
		}
	}
	/* Templates that did not stay: their instances' final counts. */
	list_for_each_entry(prev, &old->policies, list_node) {
		if (prev->tmpl && !egress_policy_find(new, prev->path))
			egress_template_announce_gone(prev);
	}
	egress_set_free(old);
	if (!list_empty(&new->templates))
		egress_template_gc_schedule();
	/* Classes only the old set used, counters and all, are gone. */
	egress_classes_forget_unused();
	return 0;

err_uncopy:
	list_for_each_entry_continue_reverse(policy, &new->policies, list_node) {
		prev = policy->tmpl ? egress_policy_find(old, policy->path) : NULL;
		if (prev)
			egress_template_uncopy(policy, prev);
	}
	return err;
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

struct egress_set *egress_apply_staged(void)
{
	lockdep_assert_held(&egress_config_mutex);
	return egress_staged;
}

void egress_apply_exit(void)
{
	lockdep_assert_held(&egress_config_mutex);
	if (egress_staged) {
		egress_set_free(egress_staged);
		WRITE_ONCE(egress_staged, NULL);
	}
}
