/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A byte quota per period: its usage, the thresholds a charge crosses,
 * and the period's rollover.
 */

#ifndef _NF_EGRESS_QUOTA_H
#define _NF_EGRESS_QUOTA_H

#include <linux/atomic.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>

#include "path.h"
#include "quotaperiod.h"
#include "ratelimit.h"
#include "ruleset.h"

/*
 * How far before a period's start a clock sample may be and still count
 * in that period (sampled before the period was rolled over), seconds.
 */
#define EGRESS_QUOTA_STALE_MAX	60

/* The farthest from the epoch a quota's anchor may be: 3000 years. */
#define EGRESS_QUOTA_ANCHOR_MAX	(3000LL * 366 * 24 * 60 * 60)

/* Warning thresholds a quota may have, below its limit. */
#define EGRESS_QUOTA_WARN_MAX	4

enum egress_quota_action {
	EGRESS_QUOTA_NOTIFY,
	EGRESS_QUOTA_RATE,
	EGRESS_QUOTA_DENY,
};

struct egress_quota_config {
	u64 limit;			/* bytes a period, > 0 */
	struct egress_quota_calendar cal;
	u8 warn[EGRESS_QUOTA_WARN_MAX];	/* percent of the limit, ascending, 1 to 99 */
	u8 nwarn;
	u8 action;			/* enum egress_quota_action */
	u8 class_id;			/* 0: every byte the policy allows */
	u8 exempt_class_id;		/* EGRESS_QUOTA_DENY: 0 or a class kept allowed */
	u64 rate;			/* bytes a second, for EGRESS_QUOTA_RATE */
};

/*
 * Usage is one atomic counter: every CPU charges it, so that the packet
 * that uses the quota up is known at once (exactly one charge crosses each
 * threshold).  The period's end is read without the lock on every check;
 * the lock is taken only to roll the period over.
 */
struct egress_quota {
	struct egress_quota_config cfg;
	/* Bytes: the warning thresholds, then the limit (index nwarn). */
	u64 threshold[EGRESS_QUOTA_WARN_MAX + 1];
	atomic64_t used;
	time64_t period_start, period_end;
	/* The period before, for a report of it. */
	time64_t last_start;
	u64 last_used;
	/* Taken to roll the period over, softirqs off. */
	spinlock_t lock;
	/* Usage saved earlier was added to this period (under the lock). */
	bool restored;
	/* The usage egress_quota_carry() copied, and its period (mutex). */
	u64 carried;
	time64_t carried_start;
	/* Names this count: random at creation, kept by a carry. */
	u64 instance;
	/*
	 * Thresholds crossed whose event is still to be sent (bit i for
	 * threshold[i]), and the usage each crossing left: written before the
	 * bit is set, read after it is cleared.
	 */
	unsigned long pending;
	u64 crossed_used[EGRESS_QUOTA_WARN_MAX + 1];
	/*
	 * EGRESS_QUOTA_RATE: the limit of cfg.rate, built once, and its
	 * clocks, which shape what the quota counts while it is used up.
	 */
	struct egress_rate rate;
	struct egress_bucket bucket;
};

/* Most quotas a policy has: one for all its bytes, the others per class. */
#define EGRESS_QUOTAS_MAX	8

/* A policy's quotas, replaced whole (one allocation, freed after RCU). */
struct egress_quota_set {
	struct rcu_head rcu;
	unsigned int n;
	u8 rated;	/* bit j: quota[j] has the rate action */
	struct egress_quota quota[];
};

/* What a quota set counts towards max_memory (0 for none). */
static inline size_t egress_quota_set_mem(const struct egress_quota_set *qs)
{
	return qs ? struct_size(qs, quota, qs->n) : 0;
}

static_assert(EGRESS_QUOTAS_MAX <= 8);	/* ->rated, egress_quota_rates */

/*
 * The rate-action quotas on a packet's path, read once for the packet so
 * that the clocks it is charged to are the ones it is refunded to: set[i]
 * is level i's quota set if it has any, else NULL, bit j of used_up[i]
 * says that set[i]->quota[j] is used up, and of active[i] that it also
 * counts the packet.
 */
struct egress_quota_rates {
	struct egress_quota_set *set[EGRESS_POLICY_DEPTH_MAX + 1];
	u8 used_up[EGRESS_POLICY_DEPTH_MAX + 1];
	u8 active[EGRESS_POLICY_DEPTH_MAX + 1];
};

struct nlattr;
struct netlink_ext_ack;
struct sk_buff;

/* enum egress_quota_unit of a validated enum nf_egress_quota_period. */
u8 egress_quota_unit_from_nl(u8 period);
/* The wall clock, in seconds, that quota periods are counted by. */
time64_t egress_quota_now(void);
int egress_quota_config_check(const struct egress_quota_config *cfg);
/*
 * One NF_EGRESS_A_QUOTA nest of a request into @cfg; 1 when it is
 * QUOTA_A_NONE (remove the quotas), 0 when @cfg is set, or -errno with
 * the reason in @extack.  Holds egress_config_mutex (class names).
 */
int egress_quota_from_nlattr(const struct nlattr *nest,
			     struct egress_quota_config *cfg,
			     struct netlink_ext_ack *extack);
/*
 * @quota as a nest of type @attrtype (NF_EGRESS_QUOTA_A_*), with its usage;
 * for an event, @crossed is the threshold's index and USED the usage its
 * crossing left (-1 otherwise).  -EMSGSIZE.
 */
int egress_quota_to_nlattr(struct sk_buff *skb, const struct egress_quota *quota,
			   int crossed, int attrtype);
/* The most egress_quota_to_nlattr() puts. */
size_t egress_quota_nlattr_size(void);
void egress_quota_init(struct egress_quota *quota,
		       const struct egress_quota_config *cfg, time64_t now);
/* Do @a and @b count the same bytes over the same periods? */
bool egress_quota_same(const struct egress_quota *a, const struct egress_quota *b);
/*
 * Give @quota, which no reader sees yet, @old's usage and period when both
 * count the same bytes over the same periods (same class and calendar): a
 * changed limit, warning or action leaves what was used.  @old's events
 * still to be sent move over; thresholds the usage already reaches that
 * @old had not crossed (a lower limit) send theirs.  The clocks of the
 * rate action move over too: they hand out no new burst.  Config mutex.
 */
void egress_quota_carry(struct egress_quota *quota, struct egress_quota *old);
/*
 * Once no reader sees @old: what it was charged since egress_quota_carry(),
 * and events it had to send since, go to @quota.  Config mutex.
 */
void egress_quota_carry_late(struct egress_quota *quota, struct egress_quota *old);
/*
 * egress_quota_carry() (or, @late, egress_quota_carry_late()) for each
 * quota of @qs from the one of @old that counts the same bytes over the
 * same periods, if any.  Either may be NULL.  Config mutex.
 */
void egress_quota_set_carry(struct egress_quota_set *qs,
			    struct egress_quota_set *old, bool late);
void egress_quota_roll(struct egress_quota *quota, time64_t now);
/* Zero the usage of the period holding @now. */
void egress_quota_reset(struct egress_quota *quota, time64_t now);
/*
 * Add @bytes used in the period that started at @period_start, which must
 * be the one holding @now, once a period.  Returns the thresholds crossed
 * that neither @bytes alone nor the usage before reached (the ones whose
 * events went out already), or -ESTALE or -EALREADY.
 */
long egress_quota_restore(struct egress_quota *quota, time64_t now,
			  time64_t period_start, u64 bytes);

/* Does @quota count a packet that the level's rule @rule decided? */
static inline bool egress_quota_counts(const struct egress_quota *quota,
				       const struct egress_rule *rule)
{
	return !quota->cfg.class_id ||
	       (rule && rule->class_id == quota->cfg.class_id);
}

/*
 * Has the period holding @now used the quota up?  Rolls it over first,
 * also when the wall clock was set back before the period's start.
 */
static inline bool egress_quota_exhausted(struct egress_quota *quota,
					  time64_t now)
{
	/* Pairs with the release in egress_quota_roll(). */
	if (unlikely(now >= smp_load_acquire(&quota->period_end) ||
		     now < READ_ONCE(quota->period_start) - EGRESS_QUOTA_STALE_MAX))
		egress_quota_roll(quota, now);
	return atomic64_read(&quota->used) >= quota->cfg.limit;
}

/*
 * Charge @bytes.  Returns the thresholds this charge crossed, bit i for
 * threshold[i] (the limit is bit nwarn): each is crossed by exactly one
 * charge a period.
 */
static inline unsigned long egress_quota_charge(struct egress_quota *quota,
						u64 bytes)
{
	u64 now_used = atomic64_add_return(bytes, &quota->used);
	u64 before = now_used - bytes;
	unsigned long crossed = 0;
	unsigned int i;

	for (i = 0; i <= quota->cfg.nwarn; i++) {
		if (before < quota->threshold[i] && now_used >= quota->threshold[i]) {
			crossed |= BIT(i);
			WRITE_ONCE(quota->crossed_used[i], now_used);
		}
	}
	return crossed;
}

/*
 * Of @qs, the used-up quota with the deny action that denies a packet the
 * level decided with a rule of class @rule_class (0: no class, or the
 * default): one that counts the packet (all bytes, or its class) unless
 * the class is the quota's exempt one.  NULL when none does.  Rolls the
 * quotas it looks at over.
 */
static inline struct egress_quota *
egress_quota_denying(struct egress_quota_set *qs, u8 rule_class, time64_t now)
{
	unsigned int j;

	for (j = 0; qs && j < qs->n; j++) {
		struct egress_quota *quota = &qs->quota[j];
		const struct egress_quota_config *cfg = &quota->cfg;

		if (cfg->action != EGRESS_QUOTA_DENY ||
		    (cfg->class_id && rule_class != cfg->class_id) ||
		    (cfg->exempt_class_id && rule_class == cfg->exempt_class_id))
			continue;
		if (egress_quota_exhausted(quota, now))
			return quota;
	}
	return NULL;
}

#endif /* _NF_EGRESS_QUOTA_H */
