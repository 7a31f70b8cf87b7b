// SPDX-License-Identifier: GPL-2.0
/*
 * Class names (class.h).
 */

#include <linux/bitmap.h>
#include <linux/string.h>

#include <linux/nf_egress.h>

#include "apply.h"
#include "class.h"
#include "policy.h"

/*
 * Class names, by id; "" is a free id.  An id stays taken while some policy
 * of the live or the staged set uses it, or keeps counters for it (counters
 * by class survive an apply, so ids do too).  Mutex.
 */
static char egress_class_names[EGRESS_CLASSES_MAX + 1][NF_EGRESS_CLASS_NAME_MAX];
static unsigned int egress_nr_classes;	/* highest id ever taken */

bool egress_class_name_valid(const char *name)
{
	return *name &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       strlen(name);
}

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
		const struct egress_conn_limit *conn;
		struct egress_quota_set *qs;
		unsigned int i;

		bitmap_or(used, used, policy->classes_used,
			  EGRESS_CLASSES_MAX + 1);
		xa_for_each(&policy->stats->classes, id, cs)
			__set_bit(id, used);
		/* A quota names its class by id: the name must stay. */
		qs = rcu_dereference_protected(policy->quotas,
					       lockdep_is_held(&egress_config_mutex));
		for (i = 0; qs && i < qs->n; i++) {
			__set_bit(qs->quota[i].cfg.class_id, used);
			__set_bit(qs->quota[i].cfg.exempt_class_id, used);
		}
		/* So does a connection limit. */
		conn = rcu_dereference_protected(policy->conn,
						 lockdep_is_held(&egress_config_mutex));
		for (i = 0; conn && i < conn->n; i++)
			__set_bit(conn->rule[i].class_id, used);
		/* What instances counted stays theirs when the rules go. */
		if (policy->tmpl) {
			struct egress_policy *instance;

			list_for_each_entry_rcu(instance,
						&policy->tmpl->instances,
						list_node,
						lockdep_is_held(&egress_config_mutex)) {
				xa_for_each(&instance->stats->classes, id, cs)
					__set_bit(id, used);
			}
		}
		cond_resched();
	}
}

void egress_classes_forget_unused(void)
{
	DECLARE_BITMAP(used, EGRESS_CLASSES_MAX + 1);
	struct egress_set *staged;
	unsigned int id;

	lockdep_assert_held(&egress_config_mutex);
	bitmap_zero(used, EGRESS_CLASSES_MAX + 1);
	egress_set_classes(egress_live_set_locked(), used);
	staged = egress_apply_staged();
	if (staged)
		egress_set_classes(staged, used);
	for (id = 1; id <= egress_nr_classes; id++) {
		if (!test_bit(id, used))
			egress_class_names[id][0] = '\0';
	}
	while (egress_nr_classes && !egress_class_names[egress_nr_classes][0])
		egress_nr_classes--;
}
