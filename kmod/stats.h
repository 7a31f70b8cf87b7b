/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy's counters: packets and bytes per outcome and per class, summed
 * over CPUs for readers and reset by recording a baseline.
 *
 * The packet path adds to this CPU's counters (hook.c); readers sum them
 * under egress_config_mutex.
 */
#ifndef _NF_EGRESS_STATS_H
#define _NF_EGRESS_STATS_H

#include <linux/bits.h>
#include <linux/gfp.h>
#include <linux/refcount.h>
#include <linux/rcupdate.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/xarray.h>

#include "conn.h"
#include "events.h"
#include "health.h"
#include "ruleset.h"

/* Distinct class names in use at a time (class.c). */
#define EGRESS_CLASSES_MAX 255

/*
 * What a policy counts, one pair of packets and bytes each.  In the order of
 * /proc/net/nf_egress/stats' columns; egress_counter_info[] names them.
 */
enum egress_counter {
	EGRESS_CTR_ALLOWED,
	EGRESS_CTR_DENIED,
	/* An audit policy said deny and no enforcing one did. */
	EGRESS_CTR_WOULD_DENY,
	EGRESS_CTR_RATELIMITED,
	/* Allowed, and left later than it came (counted as allowed too). */
	EGRESS_CTR_SHAPED,
	/*
	 * A first SYN a connection limit refused; or, at an audit policy's
	 * level, would have refused (it left, and counts as allowed too).
	 */
	EGRESS_CTR_CONNLIMIT,
	EGRESS_CTR_MAX
};

/* What happened to a packet: the counter its fate goes to. */
enum egress_outcome {
	EGRESS_ALLOWED = EGRESS_CTR_ALLOWED,
	EGRESS_DENIED = EGRESS_CTR_DENIED,
	EGRESS_RATELIMITED = EGRESS_CTR_RATELIMITED,
	EGRESS_SHAPED = EGRESS_CTR_SHAPED,
	EGRESS_CONNLIMITED = EGRESS_CTR_CONNLIMIT,
};

/*
 * A counter's name (/proc's "NAME_packets NAME_bytes" columns) and its
 * netlink attribute (a nest of NF_EGRESS_COUNTER_A_*).
 */
struct egress_counter_info {
	const char *name;
	u16 attr;
};

extern const struct egress_counter_info egress_counter_info[EGRESS_CTR_MAX];

struct egress_count {
	u64_stats_t packets;
	u64_stats_t bytes;
};

struct egress_counters {
	struct egress_count count[EGRESS_CTR_MAX];
	struct u64_stats_sync syncp;
};

/* Packets and bytes of one class in one policy. */
struct egress_class_counters {
	u64_stats_t packets;
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
};

/* One counter summed over CPUs, as readers see it. */
struct egress_count_sum {
	u64 packets;
	u64 bytes;
};

struct egress_class_stats {
	struct egress_class_counters __percpu *pcpu;
	u64 base_packets;	/* values at the last reset; mutex */
	u64 base_bytes;
	/* Its TCP connections' health, once it has any (health.h). */
	struct egress_health *health;
	/* Connections charged to the class's limit and its bucket (conn.c). */
	struct egress_conn_state conn;
};

/* A sum of the per-CPU counters, as readers see it. */
struct egress_counters_sum {
	struct egress_count_sum count[EGRESS_CTR_MAX];
};

/*
 * A policy's counters live apart from the policy so that an apply which
 * keeps a path hands them to the new policy: packets still being judged by
 * the old set count into the same place as those judged by the new one.
 */
struct egress_stats {
	refcount_t ref;
	struct egress_counters __percpu *pcpu;
	/*
	 * A reset records the sums at that moment and readers subtract them,
	 * so the packet path's per-CPU counters are only ever added to.
	 */
	struct egress_counters_sum base;	/* mutex */
	time64_t reset_time;			/* 0: never reset; mutex */
	/* Longest wait in a shaping queue since the last reset; READ_ONCE. */
	u64 max_delay_ns;
	struct xarray classes;	/* class id -> struct egress_class_stats */
	struct egress_event_limit events;	/* deny events' budget */
	/* Connections charged here and the rate's bucket (conn.c). */
	struct egress_conn_state conn;
	/* Its TCP connections' health, once it has any (health.h). */
	struct egress_health *health;
	struct rcu_head rcu;
};

struct egress_stats *egress_stats_alloc_gfp(gfp_t gfp);

static inline struct egress_stats *egress_stats_alloc(void)
{
	return egress_stats_alloc_gfp(GFP_KERNEL_ACCOUNT);
}

/* Drop a reference; the last one frees @stats after a grace period. */
void egress_stats_put(struct egress_stats *stats);

/* Make sure @stats counts every class in @ids; the packet path only looks. */
int egress_stats_add_classes(struct egress_stats *stats,
			     const unsigned long *ids);
int egress_stats_add_class(struct egress_stats *stats, u8 id);
/*
 * The packet path's, outside any section with preemption off: the class
 * counters of @id, added now if @stats has none (an instance's, which get
 * them as they first count), or NULL.
 */
struct egress_class_stats *egress_stats_add_class_atomic(struct egress_stats *stats,
							 u8 id);
/* Class counters @stats got for a request that then failed; nothing used them. */
void egress_stats_drop_classes(struct egress_stats *stats,
			       const unsigned long *ids);

/* Counters since the last reset.  Mutex. */
void egress_counters_sum(const struct egress_stats *stats,
			 struct egress_counters_sum *sum);
void egress_class_sum(const struct egress_class_stats *cs, u64 *packets,
		      u64 *bytes);
void egress_rule_counters(const struct egress_rule *rule, u64 *packets,
			  u64 *bytes);
/* Zero @stats' own and its classes' counters.  Mutex. */
void egress_stats_reset(struct egress_stats *stats);

#endif /* _NF_EGRESS_STATS_H */
