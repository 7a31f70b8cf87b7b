/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Templates: a policy whose path is a pattern (path.h), and its instances,
 * one per cgroup level that matches it.
 *
 * An instance is a struct egress_policy of its own, with the concrete path
 * of its cgroup, its own counters (policy, class, and its hits of the
 * template's rules), its own rate bucket and shaping queue, and its own
 * quotas: the template's, each with a usage of its own.  It has no rules
 * and no settings: its ->config is the template, where the packet path
 * reads the rules, the default verdict, the mode and the rate.  The packet
 * path makes instances itself, when it first resolves a cgroup that
 * matches (cache.c's miss path, in softirq or with the config mutex nowhere
 * in reach), so they take GFP_ATOMIC memory and the template's own
 * spinlock; writers, under the config mutex, only ever remove them.
 *
 * A cgroup that matches a template that has no room for another instance
 * (or when memory is short) is judged at that level by the template
 * itself: its rules and verdicts, its own counters and bucket.  Never let
 * through unjudged.
 *
 * Every set has its own instances, as it has its own policies, so that a
 * packet judged by a set sees its templates' settings and none other.  An
 * apply that keeps a template's pattern keeps its instances as it keeps
 * exact paths' counters: the new template gets an instance for each of the
 * old one's, sharing its counters and taking its bucket over
 * (egress_template_carry()).
 */
#ifndef _NF_EGRESS_TEMPLATE_H
#define _NF_EGRESS_TEMPLATE_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "path.h"

struct egress_instance_quotas;
struct egress_policy;
struct egress_quota_set;
struct egress_rule;
struct egress_set;
struct egress_wire_size;

#define EGRESS_INSTANCES_MAX_DEFAULT 1024
#define EGRESS_INSTANCES_KEEP_DEFAULT 3600	/* seconds */
#define EGRESS_INSTANCE_HASH_BITS 10

/* A template's instances; moves from template to template across applies. */
struct egress_template {
	spinlock_t lock;		/* creation; taken with BHs off */
	/*
	 * An apply is copying the instances, or their quotas are being
	 * replaced: make no more (lock).
	 */
	bool frozen;
	struct list_head instances;	/* by index; RCU, added under lock */
	struct hlist_head buckets[1 << EGRESS_INSTANCE_HASH_BITS]; /* RCU */
	u32 count;			/* lock */
	u32 next_index;			/* lock */
	u32 max;			/* READ_ONCE */
	u32 keep;			/* seconds; READ_ONCE */
	struct egress_pattern_shape shape;
};

/* An instance's hits of one of its template's rules (its ->hits, by id). */
struct egress_hit {
	atomic64_t packets;
	atomic64_t bytes;
	struct rcu_head rcu;
};

int egress_template_init(struct egress_policy *template, u32 max, u32 keep);
/* The template is unreachable and no reader holds it. */
void egress_template_destroy(struct egress_policy *template);

u32 egress_template_instance_count(const struct egress_policy *template);
/* Change the cap; instances beyond a lower one stay.  Mutex. */
void egress_template_set_max(struct egress_policy *template, u32 max);

/* Whether @a goes before @b: the more specific pattern first. */
bool egress_template_precedes(const struct egress_policy *a,
			      const struct egress_policy *b);

/*
 * The instance of @template for the first @level components of @names
 * (hashed @hash), made now if @create and there is none, or NULL: then
 * *@refused says whether that was for want of room (the cap, which stays
 * until the template changes) rather than of memory.  RCU held.
 */
struct egress_policy *egress_instance_get(struct egress_policy *template,
					  const struct egress_path_names *names,
					  unsigned int level, u32 hash,
					  bool create, bool *refused);

/* The instance of @template at @path, or NULL.  Mutex. */
struct egress_policy *egress_instance_find(struct egress_policy *template,
					   const char *path);

/* Count a hit of @rule of its template by @instance. */
void egress_instance_hit(struct egress_policy *instance,
			 const struct egress_rule *rule,
			 const struct egress_wire_size *size);

/* @instance's hits of the rule @rule_id (mutex or RCU held). */
void egress_instance_hits(struct egress_policy *instance, u32 rule_id,
			  u64 *packets, u64 *bytes);

/*
 * The next rule of @instance's template, with the lowest id >= *@id, that
 * @instance hit, or NULL; sets *@id to its id.  Mutex.
 */
const struct egress_rule *egress_instance_next_hit(struct egress_policy *instance,
						   unsigned long *id);

/* Zero @instance's counters, its rule hits included.  Mutex. */
void egress_instance_reset_counters(struct egress_policy *instance);

/*
 * New quotas for @template's instances, when @template gets @quotas (NULL:
 * none): one set each, made before anything changes so that
 * egress_template_set_quotas() cannot fail.  @template makes no instance
 * until then, or until egress_template_quotas_abort().  ERR_PTR(-ENOMEM).
 * Mutex.
 */
struct egress_instance_quotas *
egress_template_quotas_prepare(struct egress_policy *template,
			       const struct egress_quota_set *quotas);
void egress_template_quotas_abort(struct egress_policy *template,
				  struct egress_instance_quotas *prep);
/*
 * After egress_policy_set_quotas() gave @template its new quotas: every
 * instance gets its set from @prep, with the usage of its old quotas that
 * count the same bytes over the same periods.  Sleeps.  Mutex.
 */
void egress_template_set_quotas(struct egress_set *set,
				struct egress_policy *template,
				struct egress_instance_quotas *prep);

/* A rule of @template is gone: so are its instances' hits of it.  Mutex. */
void egress_template_rule_deleted(struct egress_policy *template, u32 rule_id);

/*
 * An apply keeps @prev's pattern as @template (not live yet): @template
 * gets an instance for each of @prev's, with the same path and index, the
 * same counters and @prev's bucket, and @prev makes no more instances (a
 * cgroup new meanwhile is judged by @prev itself until the swap).  Fails
 * with -ENOMEM having changed nothing.  Mutex.
 */
int egress_template_copy_instances(struct egress_policy *template,
				   struct egress_policy *prev);
/* Undo egress_template_copy_instances() (the apply fails).  Mutex. */
void egress_template_uncopy(struct egress_policy *template,
			    struct egress_policy *prev);
/*
 * The counts of @prev's instances go to the copies @template has of them
 * (same paths).  Before the swap, once every copy of the apply succeeded
 * (egress_template_copy_instances() for each kept template): the quotas'
 * usage; not at copy time, so that a failed apply leaves the old quotas
 * (and the events they have to send) as they were.  @late, once no reader
 * holds @prev any more: the hits of @prev's rules move to the same rules
 * of @template, and what the quotas were charged since follows.  Mutex.
 */
void egress_template_carry(struct egress_policy *template,
			   struct egress_policy *prev, bool late);

/*
 * The template and its instances are unreachable, no reader holds them
 * any more, and no new set keeps them: send each instance's final counts
 * (INSTANCE_GONE).  Mutex.
 */
void egress_template_announce_gone(struct egress_policy *template);

/*
 * Garbage collection: a work item looks at the live set's instances every
 * so often (at least once a minute, or twice per the shortest keep) and
 * removes those whose cgroup has been gone for their template's keep
 * time.  Schedule it when the live set gets a template.  Mutex.
 */
void egress_template_gc_schedule(void);
/* Stop it for good (module exit), before the sets go. */
void egress_template_gc_stop(void);

/* The template stopped shaping: its instances' queues leave now.  Mutex. */
void egress_template_flush_shapers(struct egress_policy *template);

#endif /* _NF_EGRESS_TEMPLATE_H */
