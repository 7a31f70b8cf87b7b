/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy sets: policies bound to cgroup v2 paths (path.h), their rules
 * (ruleset.h) and counters (stats.h).
 *
 * The live set is what the packet path consults, through one RCU pointer.
 * One-shot commands change the live set in place, one atomic step each.
 * `egressctl apply` builds a whole staged set off to the side and swaps it
 * in with one pointer assignment, so every packet sees either the old set
 * or the new one, never a mix.
 *
 * Writers hold egress_config_mutex; the packet path reads under RCU only.
 */
#ifndef _NF_EGRESS_POLICY_H
#define _NF_EGRESS_POLICY_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <linux/nf_egress.h>

#include "lpm.h"
#include "path.h"
#include "quota.h"
#include "ratelimit.h"
#include "ruleset.h"
#include "shaper.h"
#include "stats.h"
#include "template.h"

/* Rules per policy. */
#define EGRESS_POLICY_RULES_MAX BIT(22)

#define EGRESS_SET_HASH_BITS 12

struct egress_policy {
	/* set->buckets; an instance's: its template's buckets.  RCU */
	struct hlist_node hash_node;
	/* set->policies, mutex; an instance's: its template's list, RCU */
	struct list_head list_node;
	/*
	 * Where the packet path reads the rules, the default verdict, the
	 * mode and the rate: the policy itself, or an instance's template
	 * (template.h), of the same set.  Set once, before it is reachable.
	 */
	struct egress_policy *config;
	/* A template's: its instances; NULL for a policy or an instance. */
	struct egress_template *tmpl;
	/* A template's: set->templates, most specific first.  RCU */
	struct list_head template_node;
	/* An instance's: its hits of its template's rules, by rule id. */
	struct xarray hits;
	struct egress_ruleset rules;
	struct egress_stats *stats;
	struct egress_rate __rcu *rate;	/* NULL: no rate limit */
	struct egress_quota_set __rcu *quotas;	/* NULL: no quota */
	struct egress_conn_limit __rcu *conn;	/* NULL: no connection limit */
	struct egress_bucket bucket;
	struct egress_shaper shaper;
	/*
	 * Creation order, across sets; the dump cursor.  An instance's is its
	 * index in its template, which an apply keeps.
	 */
	u64 seq;
	/* An instance's: jiffies | 1 since its cgroup was seen gone, or 0. */
	unsigned long gone_since;
	/* An instance's: its packets when the collector last looked. */
	u64 gc_packets;
	u32 path_hash;
	u8 depth;		/* components below the root; "/" is 0 */
	u8 default_verdict;	/* enum nf_egress_verdict, READ_ONCE */
	u8 mode;		/* enum nf_egress_mode, READ_ONCE */
	/* Class ids some rule of this policy has used; mutex. */
	DECLARE_BITMAP(classes_used, EGRESS_CLASSES_MAX + 1);
	char path[];		/* normalised, NUL-terminated */
};

struct egress_set {
	struct hlist_head buckets[1 << EGRESS_SET_HASH_BITS];
	struct list_head policies;	/* creation order, templates included */
	struct list_head templates;	/* most specific first; RCU */
	u32 nr_policies;
	/* Rules of all its policies, and limits.c's memory estimate. */
	u32 nr_rules;
	size_t mem;
	/* Deepest level with a policy, -1 for none; the packet path stops there. */
	int max_depth;
	/*
	 * Bumped when policies come or go or rate limits change, after
	 * max_depth and the policies; smp_load_acquire() to read, and only
	 * then max_depth.  64 bits: never wraps.
	 */
	u64 resolve_gen;
	struct rhashtable cache;	/* cache.c */
	struct work_struct cache_prune;
	/* The entry count at which an insert schedules cache_prune. */
	unsigned int cache_prune_at;
	/* jiffies at the start and at the end of the last prune. */
	unsigned long cache_pruned;
	/* Numbers the prunes, so that a walk looks at an entry once. */
	u8 cache_prune_seq;
};

/* The size of a packet on the wire: a GSO packet counts as its segments. */
struct egress_wire_size {
	u32 packets;
	u32 bytes;
};

extern struct mutex egress_config_mutex;
extern struct egress_set __rcu *egress_live_set;

int egress_policy_init(void);
void egress_policy_exit(void);

static inline struct egress_set *egress_live_set_locked(void)
{
	return rcu_dereference_protected(egress_live_set,
					 lockdep_is_held(&egress_config_mutex));
}

u32 egress_generation(void);
/* Called after every change of @set; only changes to the live set count. */
void egress_set_changed(struct egress_set *set);

struct egress_set *egress_set_alloc(void);
/* Free @set and everything in it; no reader may hold any of it. */
void egress_set_free(struct egress_set *set);

struct egress_policy *egress_policy_find(struct egress_set *set,
					 const char *path);
/* The instance whose concrete path is @path, of any template, or NULL. */
struct egress_policy *egress_instance_lookup(struct egress_set *set,
					     const char *path);
/*
 * The instance at @path of the template that wins that path, made if need
 * be (as the cgroup's first packet would, the template's cap included),
 * or NULL: no template matches, no room, no memory.  Mutex.
 */
struct egress_policy *egress_instance_make(struct egress_set *set,
					   const char *path);
/* @instances_max and @instances_keep: a template's (template.h). */
int egress_policy_create(struct egress_set *set, const char *path,
			 u8 default_verdict, u8 mode, u32 instances_max,
			 u32 instances_keep, struct egress_policy **created);
void egress_policy_delete(struct egress_set *set,
			  struct egress_policy *policy);
void egress_policy_set_mode(struct egress_set *set,
			    struct egress_policy *policy, u8 mode);
/*
 * Which policies apply to which cgroup changed (or which of them limit
 * rates): cached resolutions are stale.  Mutex.
 */
void egress_set_paths_changed(struct egress_set *set);

/* @template's instance cap, and how long it keeps gone ones (template.h). */
void egress_policy_set_instances_keep(struct egress_set *set,
				      struct egress_policy *template, u32 keep);
void egress_policy_set_instances_max(struct egress_set *set,
				     struct egress_policy *template, u32 max);
void egress_policy_set_default(struct egress_set *set,
			       struct egress_policy *policy, u8 verdict);
/*
 * Replace the quotas (NULL: none); each keeps the usage of the old quota
 * that counts the same bytes over the same periods.
 */
void egress_policy_set_quotas(struct egress_set *set,
			      struct egress_policy *policy,
			      struct egress_quota_set *quotas);

/* Replace the rate limit (NULL: none); the bucket keeps its tokens. */
void egress_policy_set_rate(struct egress_set *set,
			    struct egress_policy *policy,
			    struct egress_rate *rate);

/* Replace the connection limits (NULL: none); live counts stay. */
void egress_policy_set_conn(struct egress_set *set,
			    struct egress_policy *policy,
			    struct egress_conn_limit *conn);

int egress_policy_add_rules(struct egress_set *set,
			    struct egress_policy *policy,
			    const struct egress_rule *rules, u32 n, u32 *bad,
			    const char **reason);
int egress_policy_delete_rule(struct egress_set *set,
			      struct egress_policy *policy, u32 id);

/* Zero the counters of @policy (its own, its classes' and its rules'). */
void egress_policy_reset_counters(struct egress_policy *policy);

/* Whether the packet path reads @policy's settings from a template. */
static inline bool egress_policy_is_instance(const struct egress_policy *policy)
{
	return policy->config != policy;
}

/* Whether @policy (its template, for an instance) enforces. */
static inline bool egress_policy_enforces(const struct egress_policy *policy)
{
	return READ_ONCE(policy->config->mode) ==
	       NF_EGRESS_MODE_ENFORCE;
}

/* @policy's rate limit (its template's, for an instance).  RCU held. */
static inline const struct egress_rate *
egress_policy_rate(const struct egress_policy *policy)
{
	return rcu_dereference(policy->config->rate);
}

/* How egress_resolve() treats a level a template matches. */
enum egress_resolve_mode {
	/* Its instance, made now if need be (the packet path). */
	EGRESS_RESOLVE_INSTANCE,
	/* Its instance if there is one, else the template (EXPLAIN). */
	EGRESS_RESOLVE_LOOK,
};

/* What egress_resolve() says of its answer beyond the policies. */
struct egress_resolve_info {
	/* A level got no instance for want of memory: ask again next time. */
	bool retry;
	/* The level (of the names) a template had no room for, or -1. */
	int refused_level;
	struct egress_policy *refused_by;
	/* The level of the names each policy found is at. */
	u8 level[EGRESS_POLICY_DEPTH_MAX + 1];
};

/*
 * The policies on the path @names, root first, into @out (room for
 * EGRESS_POLICY_DEPTH_MAX + 1); returns how many.  At each level an exact
 * path's policy, else the most specific template that matches (its
 * instance, see @mode).  RCU or mutex held.
 */
unsigned int egress_resolve(struct egress_set *set,
			    const struct egress_path_names *names,
			    struct egress_policy **out,
			    enum egress_resolve_mode mode,
			    struct egress_resolve_info *info);

/*
 * Judge @pkt against @policies (from egress_resolve()) and return true if
 * the packet may leave.  rules[i] gets the rule that decided at
 * policies[i] (NULL: its default), and bit i of *denied_by is set if
 * policies[i] itself says deny (an audit policy says so without dropping).
 * @size, if not NULL, is charged to each deciding rule's hit counters (an
 * instance's hits of its template's rules to the instance).  The hook and
 * EXPLAIN both decide here.  Caller holds rcu_read_lock().  Always
 * inline, as it runs for every packet: GCC's estimate of its size, with
 * the IPv4 lookup inlined in it, is near its limit for inlining.
 */
static __always_inline bool
egress_decide(struct egress_policy *const *policies, unsigned int n,
	      const struct egress_pkt *pkt, const struct egress_wire_size *size,
	      const struct egress_rule **rules, u64 *denied_by)
{
	bool allowed = true;
	unsigned int i;

	*denied_by = 0;
	for (i = 0; i < n; i++) {
		struct egress_policy *policy = policies[i];
		struct egress_policy *config = policy->config;
		const struct egress_rule *rule;
		bool allow;

		rule = egress_ruleset_match(&config->rules, pkt);
		rules[i] = rule;
		if (rule) {
			allow = rule->action == NF_EGRESS_VERDICT_ALLOW;
			if (size && unlikely(config != policy)) {
				egress_instance_hit(policy, rule, size);
			} else if (size) {
				/* The rule is RCU-protected, not constant. */
				struct egress_rule *hit = (struct egress_rule *)rule;

				atomic64_add(size->packets, &hit->packets);
				atomic64_add(size->bytes, &hit->bytes);
			}
		} else {
			allow = READ_ONCE(config->default_verdict) ==
				NF_EGRESS_VERDICT_ALLOW;
		}
		if (!allow) {
			*denied_by |= BIT_ULL(i);
			if (READ_ONCE(config->mode) == NF_EGRESS_MODE_ENFORCE)
				allowed = false;
		}
	}
	return allowed;
}

#endif /* _NF_EGRESS_POLICY_H */
