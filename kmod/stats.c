// SPDX-License-Identifier: GPL-2.0
/*
 * A policy's counters (stats.h).
 */

#include <linux/bitops.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include <linux/nf_egress.h>

#include "stats.h"

const struct egress_counter_info egress_counter_info[EGRESS_CTR_MAX] = {
	[EGRESS_CTR_ALLOWED]	 = { "allowed",	    NF_EGRESS_A_STATS_ALLOWED },
	[EGRESS_CTR_DENIED]	 = { "denied",	    NF_EGRESS_A_STATS_DENIED },
	[EGRESS_CTR_WOULD_DENY]	 = { "would_deny",  NF_EGRESS_A_STATS_WOULD_DENY },
	[EGRESS_CTR_RATELIMITED] = { "ratelimited", NF_EGRESS_A_STATS_RATELIMITED },
	[EGRESS_CTR_SHAPED]	 = { "shaped",	    NF_EGRESS_A_STATS_SHAPED },
	[EGRESS_CTR_CONNLIMIT]	 = { "connlimit",   NF_EGRESS_A_STATS_CONNLIMIT },
};

static void egress_counters_sum_raw(const struct egress_stats *stats,
				    struct egress_counters_sum *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct egress_counters *c = per_cpu_ptr(stats->pcpu, cpu);
		struct egress_counters_sum one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			for (i = 0; i < EGRESS_CTR_MAX; i++) {
				one.count[i].packets =
					u64_stats_read(&c->count[i].packets);
				one.count[i].bytes =
					u64_stats_read(&c->count[i].bytes);
			}
		} while (u64_stats_fetch_retry(&c->syncp, start));
		for (i = 0; i < EGRESS_CTR_MAX; i++) {
			sum->count[i].packets += one.count[i].packets;
			sum->count[i].bytes += one.count[i].bytes;
		}
	}
}

void egress_counters_sum(const struct egress_stats *stats,
			 struct egress_counters_sum *sum)
{
	int i;

	egress_counters_sum_raw(stats, sum);
	for (i = 0; i < EGRESS_CTR_MAX; i++) {
		sum->count[i].packets -= stats->base.count[i].packets;
		sum->count[i].bytes -= stats->base.count[i].bytes;
	}
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

void egress_stats_reset(struct egress_stats *stats)
{
	struct egress_class_stats *cs;
	struct egress_health *h;
	unsigned long id;

	egress_counters_sum_raw(stats, &stats->base);
	h = egress_health_peek(&stats->health);
	if (h)
		egress_health_reset(h);
	xa_for_each(&stats->classes, id, cs) {
		egress_class_sum_raw(cs, &cs->base_packets, &cs->base_bytes);
		h = egress_health_peek(&cs->health);
		if (h)
			egress_health_reset(h);
	}
	WRITE_ONCE(stats->max_delay_ns, 0);
	stats->reset_time = ktime_get_real_seconds();
}

struct egress_stats *egress_stats_alloc_gfp(gfp_t gfp)
{
	struct egress_stats *stats;
	int cpu;

	stats = kzalloc(sizeof(*stats), gfp);
	if (!stats)
		return NULL;
	stats->pcpu = alloc_percpu_gfp(struct egress_counters, gfp);
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
	egress_bucket_init(&stats->conn.bucket);
	refcount_set(&stats->ref, 1);
	return stats;
}

/* Class counters nothing reads or writes any more. */
static void egress_class_stats_free(struct egress_class_stats *cs)
{
	kfree(cs->health);
	free_percpu(cs->pcpu);
	kfree(cs);
}

static void egress_stats_free_rcu(struct rcu_head *head)
{
	struct egress_stats *stats = container_of(head, struct egress_stats, rcu);
	struct egress_class_stats *cs;
	unsigned long id;

	xa_for_each(&stats->classes, id, cs)
		egress_class_stats_free(cs);
	xa_destroy(&stats->classes);
	kfree(stats->health);
	free_percpu(stats->pcpu);
	kfree(stats);
}

void egress_stats_put(struct egress_stats *stats)
{
	if (refcount_dec_and_test(&stats->ref))
		call_rcu(&stats->rcu, egress_stats_free_rcu);
}

static struct egress_class_stats *egress_class_stats_alloc(gfp_t gfp)
{
	struct egress_class_stats *cs;
	int cpu;

	cs = kzalloc(sizeof(*cs), gfp);
	if (!cs)
		return NULL;
	cs->pcpu = alloc_percpu_gfp(struct egress_class_counters, gfp);
	if (!cs->pcpu) {
		kfree(cs);
		return NULL;
	}
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(cs->pcpu, cpu)->syncp);
	egress_bucket_init(&cs->conn.bucket);
	return cs;
}

int egress_stats_add_class(struct egress_stats *stats, u8 id)
{
	struct egress_class_stats *cs;
	int err;

	if (xa_load(&stats->classes, id))
		return 0;
	cs = egress_class_stats_alloc(GFP_KERNEL_ACCOUNT);
	if (!cs)
		return -ENOMEM;
	err = xa_err(xa_store_bh(&stats->classes, id, cs, GFP_KERNEL_ACCOUNT));
	if (err) {
		free_percpu(cs->pcpu);
		kfree(cs);
	}
	return err;
}

struct egress_class_stats *egress_stats_add_class_atomic(struct egress_stats *stats,
							 u8 id)
{
	struct egress_class_stats *cs, *old;

	cs = egress_class_stats_alloc(GFP_ATOMIC);
	if (!cs)
		return NULL;
	/* Another CPU may have added it meanwhile: keep the first. */
	old = xa_cmpxchg_bh(&stats->classes, id, NULL, cs, GFP_ATOMIC);
	if (old) {
		free_percpu(cs->pcpu);
		kfree(cs);
		return xa_is_err(old) ? NULL : old;
	}
	return cs;
}

int egress_stats_add_classes(struct egress_stats *stats,
			     const unsigned long *ids)
{
	unsigned int id;
	int err;

	for_each_set_bit(id, ids, EGRESS_CLASSES_MAX + 1) {
		err = egress_stats_add_class(stats, id);
		if (err)
			return err;
	}
	return 0;
}

void egress_stats_drop_classes(struct egress_stats *stats,
			       const unsigned long *ids)
{
	struct egress_class_stats *cs;
	unsigned int id;

	for_each_set_bit(id, ids, EGRESS_CLASSES_MAX + 1) {
		cs = xa_erase_bh(&stats->classes, id);
		if (cs)
			egress_class_stats_free(cs);
	}
}
