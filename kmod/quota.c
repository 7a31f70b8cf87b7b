// SPDX-License-Identifier: GPL-2.0
/*
 * Byte quotas per period (quota.h).
 */

#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/netlink.h>

#include <linux/nf_egress.h>

#include "class.h"
#include "events.h"
#include "netlink-gen.h"
#include "quota.h"

/*
 * Where periods start when the request names no anchor, in local time:
 * hours on the hour, days at midnight, weeks on Mondays (1970-01-05 was
 * one) and months on the 1st at midnight.
 */
static time64_t egress_quota_default_anchor(u8 unit, s32 utc_offset)
{
	return (unit == EGRESS_QUOTA_MONTH ? 0 : 4 * 24 * 60 * 60) - utc_offset;
}

static const u8 egress_quota_unit_of[] = {
	[NF_EGRESS_QUOTA_PERIOD_HOUR] = EGRESS_QUOTA_HOUR,
	[NF_EGRESS_QUOTA_PERIOD_DAY] = EGRESS_QUOTA_DAY,
	[NF_EGRESS_QUOTA_PERIOD_WEEK] = EGRESS_QUOTA_WEEK,
	[NF_EGRESS_QUOTA_PERIOD_MONTH] = EGRESS_QUOTA_MONTH,
};

u8 egress_quota_unit_from_nl(u8 period)
{
	return egress_quota_unit_of[period];
}

static const u8 egress_quota_action_of[] = {
	[NF_EGRESS_QUOTA_ACTION_NOTIFY] = EGRESS_QUOTA_NOTIFY,
	[NF_EGRESS_QUOTA_ACTION_RATE] = EGRESS_QUOTA_RATE,
	[NF_EGRESS_QUOTA_ACTION_DENY] = EGRESS_QUOTA_DENY,
};

/* The attributes only replies and events carry. */
static const int egress_quota_reply_only[] = {
	NF_EGRESS_QUOTA_A_USED, NF_EGRESS_QUOTA_A_PERIOD_START,
	NF_EGRESS_QUOTA_A_PERIOD_END, NF_EGRESS_QUOTA_A_LAST_USED,
	NF_EGRESS_QUOTA_A_CROSSED, NF_EGRESS_QUOTA_A_INSTANCE,
};

/* @reason: a string that outlives the request (a literal). */
static int egress_quota_reject(struct netlink_ext_ack *extack,
			       const struct nlattr *attr, const char *reason)
{
	if (extack)
		extack->_msg = reason;
	NL_SET_BAD_ATTR(extack, attr);
	return -EINVAL;
}

static int egress_quota_class(const struct nlattr *attr, u8 *id,
			      struct netlink_ext_ack *extack)
{
	const char *reason = NULL;
	int ret;

	if (!attr)
		return 0;
	/* As a rule's class (egress_nl_parse_rule()). */
	if (!egress_class_name_valid(nla_data(attr)))
		return egress_quota_reject(extack, attr, KBUILD_MODNAME
					   ": class names are A-Z a-z 0-9 _ . -");
	ret = egress_class_id(nla_data(attr), &reason);
	if (ret < 0) {
		egress_quota_reject(extack, attr, reason);
		return ret;
	}
	*id = ret;
	return 0;
}

int egress_quota_from_nlattr(const struct nlattr *nest,
			     struct egress_quota_config *cfg,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NF_EGRESS_QUOTA_A_MAX + 1];
	const struct nlattr *attr;
	unsigned int i;
	int err, rem;

	err = nla_parse_nested(tb, NF_EGRESS_QUOTA_A_MAX, nest,
			       nf_egress_quota_nl_policy, extack);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(egress_quota_reply_only); i++) {
		attr = tb[egress_quota_reply_only[i]];
		if (attr)
			return egress_quota_reject(extack, attr, KBUILD_MODNAME
						   ": a quota's usage is not set this way");
	}
	if (tb[NF_EGRESS_QUOTA_A_NONE]) {
		for (i = NF_EGRESS_QUOTA_A_NONE + 1; i <= NF_EGRESS_QUOTA_A_MAX; i++) {
			if (tb[i])
				return egress_quota_reject(extack, tb[i], KBUILD_MODNAME
							   ": quota none takes nothing else");
		}
		return 1;
	}
	if (!tb[NF_EGRESS_QUOTA_A_LIMIT] || !tb[NF_EGRESS_QUOTA_A_PERIOD]) {
		NL_SET_ERR_MSG_MOD(extack, "a quota needs a limit and a period");
		NL_SET_ERR_ATTR_MISS(extack, nest, tb[NF_EGRESS_QUOTA_A_LIMIT] ?
				     NF_EGRESS_QUOTA_A_PERIOD : NF_EGRESS_QUOTA_A_LIMIT);
		return -EINVAL;
	}

	memset(cfg, 0, sizeof(*cfg));
	cfg->limit = nla_get_u64(tb[NF_EGRESS_QUOTA_A_LIMIT]);
	cfg->cal.unit = egress_quota_unit_of[nla_get_u8(tb[NF_EGRESS_QUOTA_A_PERIOD])];
	if (tb[NF_EGRESS_QUOTA_A_UTC_OFFSET]) {
		cfg->cal.utc_offset = nla_get_s32(tb[NF_EGRESS_QUOTA_A_UTC_OFFSET]);
		/*
		 * Not in the policy: the spec's schema has no negative bounds.
		 * No abs(): it is negative for S32_MIN.
		 */
		if (cfg->cal.utc_offset > EGRESS_QUOTA_OFFSET_MAX ||
		    cfg->cal.utc_offset < -EGRESS_QUOTA_OFFSET_MAX)
			return egress_quota_reject(extack,
						   tb[NF_EGRESS_QUOTA_A_UTC_OFFSET],
						   KBUILD_MODNAME
						   ": a UTC offset is less than a day");
	}
	cfg->cal.anchor = tb[NF_EGRESS_QUOTA_A_ANCHOR] ?
		nla_get_s64(tb[NF_EGRESS_QUOTA_A_ANCHOR]) :
		egress_quota_default_anchor(cfg->cal.unit, cfg->cal.utc_offset);
	/* Far from the s64 edges that period arithmetic would overflow. */
	if (cfg->cal.anchor > EGRESS_QUOTA_ANCHOR_MAX ||
	    cfg->cal.anchor < -EGRESS_QUOTA_ANCHOR_MAX)
		return egress_quota_reject(extack, tb[NF_EGRESS_QUOTA_A_ANCHOR],
					   KBUILD_MODNAME
					   ": an anchor is within 3000 years of 1970");
	/* Repeated: the parse above kept only the last. */
	nla_for_each_nested(attr, nest, rem) {
		if (nla_type(attr) != NF_EGRESS_QUOTA_A_WARN)
			continue;
		if (cfg->nwarn == EGRESS_QUOTA_WARN_MAX)
			return egress_quota_reject(extack, attr, KBUILD_MODNAME
						   ": at most 4 warning percentages");
		cfg->warn[cfg->nwarn] = nla_get_u8(attr);
		if (cfg->nwarn && cfg->warn[cfg->nwarn] <= cfg->warn[cfg->nwarn - 1])
			return egress_quota_reject(extack, attr, KBUILD_MODNAME
						   ": warning percentages go up");
		cfg->nwarn++;
	}
	cfg->action = tb[NF_EGRESS_QUOTA_A_ACTION] ?
		egress_quota_action_of[nla_get_u8(tb[NF_EGRESS_QUOTA_A_ACTION])] :
		EGRESS_QUOTA_NOTIFY;
	if (cfg->action == EGRESS_QUOTA_RATE) {
		if (!tb[NF_EGRESS_QUOTA_A_RATE]) {
			NL_SET_ERR_MSG_MOD(extack, "a quota's rate action needs a rate");
			NL_SET_ERR_ATTR_MISS(extack, nest, NF_EGRESS_QUOTA_A_RATE);
			return -EINVAL;
		}
		cfg->rate = nla_get_u64(tb[NF_EGRESS_QUOTA_A_RATE]);
		if (!egress_rate_bytes_ok(cfg->rate)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_QUOTA_A_RATE],
					    KBUILD_MODNAME ": byte rate too high");
			return -ERANGE;
		}
	} else if (tb[NF_EGRESS_QUOTA_A_RATE]) {
		return egress_quota_reject(extack, tb[NF_EGRESS_QUOTA_A_RATE],
					   KBUILD_MODNAME ": a rate needs the rate action");
	}
	if (tb[NF_EGRESS_QUOTA_A_EXEMPT_CLASS] && cfg->action != EGRESS_QUOTA_DENY)
		return egress_quota_reject(extack,
					   tb[NF_EGRESS_QUOTA_A_EXEMPT_CLASS],
					   KBUILD_MODNAME
					   ": an exempt class needs the deny action");
	err = egress_quota_class(tb[NF_EGRESS_QUOTA_A_CLASS], &cfg->class_id, extack);
	if (!err)
		err = egress_quota_class(tb[NF_EGRESS_QUOTA_A_EXEMPT_CLASS],
					 &cfg->exempt_class_id, extack);
	if (err)
		return err;
	if (cfg->exempt_class_id && cfg->exempt_class_id == cfg->class_id)
		return egress_quota_reject(extack, tb[NF_EGRESS_QUOTA_A_EXEMPT_CLASS],
					   KBUILD_MODNAME
					   ": the exempt class is the one the quota counts");
	return egress_quota_config_check(cfg) ?
		egress_quota_reject(extack, nest, KBUILD_MODNAME ": invalid quota") : 0;
}

size_t egress_quota_nlattr_size(void)
{
	return nla_total_size(0) +				/* QUOTA */
	       nla_total_size_64bit(sizeof(u64)) * 6 +		/* LIMIT, ANCHOR, RATE, USED, */
								/* PERIOD_START, PERIOD_END */
	       nla_total_size_64bit(sizeof(u64)) * 2 +		/* LAST_USED, INSTANCE */
	       nla_total_size(sizeof(u8)) * 3 +			/* PERIOD, ACTION, CROSSED */
	       nla_total_size(sizeof(s32)) +			/* UTC_OFFSET */
	       nla_total_size(NF_EGRESS_CLASS_NAME_MAX) * 2 +	/* CLASS, EXEMPT_CLASS */
	       nla_total_size(sizeof(u8)) * EGRESS_QUOTA_WARN_MAX;	/* WARN */
}

int egress_quota_to_nlattr(struct sk_buff *skb, const struct egress_quota *quota,
			   int crossed, int attrtype)
{
	const struct egress_quota_config *cfg = &quota->cfg;
	struct nlattr *nest;
	unsigned int i;
	u8 period = 0, action = 0;

	for (i = 0; i < ARRAY_SIZE(egress_quota_unit_of); i++) {
		if (egress_quota_unit_of[i] == cfg->cal.unit)
			period = i;
	}
	for (i = 0; i < ARRAY_SIZE(egress_quota_action_of); i++) {
		if (egress_quota_action_of[i] == cfg->action)
			action = i;
	}
	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NF_EGRESS_QUOTA_A_LIMIT, cfg->limit,
			      NF_EGRESS_QUOTA_A_PAD) ||
	    nla_put_u8(skb, NF_EGRESS_QUOTA_A_PERIOD, period) ||
	    nla_put_s64(skb, NF_EGRESS_QUOTA_A_ANCHOR, cfg->cal.anchor,
			NF_EGRESS_QUOTA_A_PAD) ||
	    nla_put_s32(skb, NF_EGRESS_QUOTA_A_UTC_OFFSET, cfg->cal.utc_offset) ||
	    nla_put_u8(skb, NF_EGRESS_QUOTA_A_ACTION, action) ||
	    (cfg->rate && nla_put_u64_64bit(skb, NF_EGRESS_QUOTA_A_RATE, cfg->rate,
					    NF_EGRESS_QUOTA_A_PAD)) ||
	    (cfg->class_id && nla_put_string(skb, NF_EGRESS_QUOTA_A_CLASS,
					     egress_class_name(cfg->class_id))) ||
	    (cfg->exempt_class_id &&
	     nla_put_string(skb, NF_EGRESS_QUOTA_A_EXEMPT_CLASS,
			    egress_class_name(cfg->exempt_class_id))) ||
	    nla_put_u64_64bit(skb, NF_EGRESS_QUOTA_A_USED,
			      crossed < 0 ? atomic64_read(&quota->used) :
					    quota->crossed_used[crossed],
			      NF_EGRESS_QUOTA_A_PAD) ||
	    (crossed >= 0 &&
	     nla_put_u8(skb, NF_EGRESS_QUOTA_A_CROSSED,
			crossed < cfg->nwarn ? cfg->warn[crossed] : 100)) ||
	    nla_put_s64(skb, NF_EGRESS_QUOTA_A_PERIOD_START,
			READ_ONCE(quota->period_start), NF_EGRESS_QUOTA_A_PAD) ||
	    nla_put_s64(skb, NF_EGRESS_QUOTA_A_PERIOD_END,
			READ_ONCE(quota->period_end), NF_EGRESS_QUOTA_A_PAD) ||
	    nla_put_u64_64bit(skb, NF_EGRESS_QUOTA_A_LAST_USED,
			      READ_ONCE(quota->last_used), NF_EGRESS_QUOTA_A_PAD) ||
	    nla_put_u64_64bit(skb, NF_EGRESS_QUOTA_A_INSTANCE, quota->instance,
			      NF_EGRESS_QUOTA_A_PAD))
		goto cancel;
	for (i = 0; i < cfg->nwarn; i++) {
		if (nla_put_u8(skb, NF_EGRESS_QUOTA_A_WARN, cfg->warn[i]))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * A debug build can move the quotas' clock (quota_clock_offset, seconds)
 * so that a test crosses a period's end.
 */
#ifdef DEBUG
static long egress_quota_clock_offset;
module_param_named(quota_clock_offset, egress_quota_clock_offset, long, 0644);
MODULE_PARM_DESC(quota_clock_offset, "Seconds added to the quotas' clock (debug builds)");
#endif

time64_t egress_quota_now(void)
{
#ifdef DEBUG
	return ktime_get_real_seconds() + READ_ONCE(egress_quota_clock_offset);
#else
	return ktime_get_real_seconds();
#endif
}

int egress_quota_config_check(const struct egress_quota_config *cfg)
{
	bool rate_action = cfg->action == EGRESS_QUOTA_RATE;
	unsigned int i;

	if (!cfg->limit || cfg->cal.unit > EGRESS_QUOTA_MONTH ||
	    cfg->cal.utc_offset > EGRESS_QUOTA_OFFSET_MAX ||
	    cfg->cal.utc_offset < -EGRESS_QUOTA_OFFSET_MAX ||
	    cfg->nwarn > EGRESS_QUOTA_WARN_MAX || cfg->action > EGRESS_QUOTA_DENY ||
	    !cfg->rate == rate_action ||
	    (cfg->rate && !egress_rate_bytes_ok(cfg->rate)))
		return -EINVAL;
	for (i = 0; i < cfg->nwarn; i++) {
		if (!cfg->warn[i] || cfg->warn[i] > 99 ||
		    (i && cfg->warn[i] <= cfg->warn[i - 1]))
			return -EINVAL;
	}
	return 0;
}

void egress_quota_init(struct egress_quota *quota,
		       const struct egress_quota_config *cfg, time64_t now)
{
	unsigned int i;

	memset(quota, 0, sizeof(*quota));
	quota->cfg = *cfg;
	/*
	 * A threshold of p% is the first byte count at or over it:
	 * limit * p / 100 rounded up, without overflow.
	 */
	for (i = 0; i < cfg->nwarn; i++)
		quota->threshold[i] = cfg->limit -
			mul_u64_u32_div(cfg->limit, 100 - cfg->warn[i], 100);
	quota->threshold[cfg->nwarn] = cfg->limit;
	spin_lock_init(&quota->lock);
	quota->instance = get_random_u64();
	if (cfg->action == EGRESS_QUOTA_RATE)
		egress_rate_init_shape(&quota->rate, cfg->rate);
	egress_bucket_init(&quota->bucket);
	egress_quota_period(&cfg->cal, now, &quota->period_start,
			    &quota->period_end);
	quota->last_start = quota->period_start;
}

void egress_quota_set_carry(struct egress_quota_set *qs,
			    struct egress_quota_set *old, bool late)
{
	unsigned int i, j;

	for (i = 0; qs && old && i < qs->n; i++) {
		for (j = 0; j < old->n; j++) {
			if (late)
				egress_quota_carry_late(&qs->quota[i], &old->quota[j]);
			else
				egress_quota_carry(&qs->quota[i], &old->quota[j]);
		}
	}
}

bool egress_quota_same(const struct egress_quota *a, const struct egress_quota *b)
{
	return a->cfg.class_id == b->cfg.class_id &&
	       a->cfg.cal.unit == b->cfg.cal.unit &&
	       a->cfg.cal.anchor == b->cfg.cal.anchor &&
	       a->cfg.cal.utc_offset == b->cfg.cal.utc_offset;
}

/*
 * The threshold of @old that means what threshold @i of @quota does (the
 * same percentage, or the limit), or -1.
 */
static int egress_quota_same_threshold(const struct egress_quota *quota,
				       unsigned int i,
				       const struct egress_quota *old)
{
	unsigned int j;

	if (i == quota->cfg.nwarn)
		return old->cfg.nwarn;
	for (j = 0; j < old->cfg.nwarn; j++) {
		if (old->cfg.warn[j] == quota->cfg.warn[i])
			return j;
	}
	return -1;
}

/*
 * Events of @old still to be sent become @quota's, for the thresholds
 * that mean the same there; returns them as @quota's bits.
 */
static unsigned long egress_quota_take_pending(struct egress_quota *quota,
					       struct egress_quota *old)
{
	unsigned long old_bits = xchg(&old->pending, 0), crossed = 0;
	unsigned int i;
	int j;

	for (i = 0; old_bits && i <= quota->cfg.nwarn; i++) {
		j = egress_quota_same_threshold(quota, i, old);
		if (j < 0 || !(old_bits & BIT(j)))
			continue;
		/* A raised limit: the new threshold is not reached yet. */
		if (READ_ONCE(old->crossed_used[j]) < quota->threshold[i])
			continue;
		crossed |= BIT(i);
		quota->crossed_used[i] = READ_ONCE(old->crossed_used[j]);
	}
	return crossed;
}

void egress_quota_carry(struct egress_quota *quota, struct egress_quota *old)
{
	unsigned long crossed;
	unsigned int i;
	int j;
	u64 used;

	if (!egress_quota_same(quota, old))
		return;
	/*
	 * The old quota's period may be over without a packet having rolled
	 * it: its usage is not this period's, and its thresholds are not news.
	 */
	egress_quota_exhausted(old, egress_quota_now());
	spin_lock_bh(&old->lock);
	/*
	 * Copied, not moved: readers that still see the old quota must find
	 * it as used up as it is.  What it is charged from now on follows in
	 * egress_quota_carry_late().
	 */
	used = atomic64_read(&old->used);
	atomic64_set(&quota->used, used);
	quota->carried = used;
	quota->carried_start = old->period_start;
	quota->instance = old->instance;
	quota->period_start = old->period_start;
	quota->period_end = old->period_end;
	quota->last_start = old->last_start;
	quota->last_used = old->last_used;
	quota->restored = old->restored;
	spin_unlock_bh(&old->lock);
	egress_bucket_carry(&quota->bucket, &old->bucket);

	crossed = egress_quota_take_pending(quota, old);
	/*
	 * A threshold the usage already reaches that the old quota had not
	 * (a lower limit, a new percentage) is crossed now.
	 */
	for (i = 0; i <= quota->cfg.nwarn; i++) {
		if (quota->threshold[i] > used || (crossed & BIT(i)))
			continue;
		j = egress_quota_same_threshold(quota, i, old);
		if (j >= 0 && old->threshold[j] <= used)
			continue;
		crossed |= BIT(i);
		quota->crossed_used[i] = used;
	}
	if (crossed)
		egress_quota_mark_crossed(quota, crossed);
}

void egress_quota_carry_late(struct egress_quota *quota, struct egress_quota *old)
{
	unsigned long crossed;
	u64 now_used, late = 0;

	if (!egress_quota_same(quota, old))
		return;
	spin_lock_bh(&old->lock);
	now_used = atomic64_read(&old->used);
	/*
	 * Not when the old one rolled over meanwhile (its usage is another
	 * period's) or the new one did (the bytes were the last period's).
	 */
	if (old->period_start == quota->carried_start &&
	    quota->period_start == quota->carried_start &&
	    now_used > quota->carried)
		late = now_used - quota->carried;
	spin_unlock_bh(&old->lock);

	crossed = egress_quota_take_pending(quota, old);
	if (late)
		crossed |= egress_quota_charge(quota, late);
	if (crossed)
		egress_quota_mark_crossed(quota, crossed);
}

/*
 * Start the period that holds @now, with nothing used.  A charge racing
 * with this on another CPU may land on either side of the reset: a packet
 * sent as the period ends counts in one period or the next, never both.
 */
void egress_quota_roll(struct egress_quota *quota, time64_t now)
{
	time64_t start, end, last_end;
	u64 used;

	spin_lock_bh(&quota->lock);
	/*
	 * A moment shortly before the period's start was sampled before
	 * another CPU (or a reader) rolled the period over: it counts in the
	 * period that holds it now.  Rolling back would drop the usage of both
	 * periods and cross the old one's thresholds a second time.  Only a
	 * clock set further back starts an earlier period.
	 */
	if (now < quota->period_end &&
	    now >= quota->period_start - EGRESS_QUOTA_STALE_MAX)
		goto out;
	egress_quota_period(&quota->cfg.cal, now, &start, &end);
	used = atomic64_xchg(&quota->used, 0);
	if (start == quota->period_end) {
		quota->last_start = quota->period_start;
		quota->last_used = used;
	} else {
		/* Whole periods went by without a packet: the last one is empty. */
		egress_quota_period(&quota->cfg.cal, start - 1,
				    &quota->last_start, &last_end);
		quota->last_used = 0;
	}
	quota->restored = false;
	WRITE_ONCE(quota->period_start, start);
	/* The reset is seen by whoever sees the new end. */
	smp_store_release(&quota->period_end, end);
out:
	spin_unlock_bh(&quota->lock);
}

void egress_quota_reset(struct egress_quota *quota, time64_t now)
{
	egress_quota_exhausted(quota, now);
	/*
	 * A charge racing with this lands before or after it: the bytes of a
	 * packet sent at the moment of a reset count or not, nothing else.
	 */
	atomic64_set(&quota->used, 0);
}

long egress_quota_restore(struct egress_quota *quota, time64_t now,
			  time64_t period_start, u64 bytes)
{
	unsigned long crossed = 0;
	u64 after, before;
	unsigned int i;

	egress_quota_exhausted(quota, now);
	spin_lock_bh(&quota->lock);
	if (period_start != quota->period_start) {
		spin_unlock_bh(&quota->lock);
		return -ESTALE;
	}
	if (quota->restored) {
		spin_unlock_bh(&quota->lock);
		return -EALREADY;
	}
	/* A usage no period can reach would wrap the counter. */
	if (bytes >= U64_MAX / 2 ||
	    (u64)atomic64_read(&quota->used) >= U64_MAX / 2 - bytes) {
		spin_unlock_bh(&quota->lock);
		return -ERANGE;
	}
	quota->restored = true;
	/* Under the lock: a rollover cannot move it into the next period. */
	after = atomic64_add_return(bytes, &quota->used);
	spin_unlock_bh(&quota->lock);
	before = after - bytes;
	/*
	 * A warning @bytes reaches was announced before the usage was saved,
	 * one the usage since reached was announced since: only the sum's own
	 * crossings are news.  The limit's is sent whenever the sum reaches
	 * it: the saved quota's limit may have been higher, and a quota that
	 * denies without a word is worse than a second event.
	 */
	for (i = 0; i <= quota->cfg.nwarn; i++) {
		u64 t = quota->threshold[i];

		if (before < t && after >= t &&
		    (bytes < t || i == quota->cfg.nwarn)) {
			crossed |= BIT(i);
			WRITE_ONCE(quota->crossed_used[i], after);
		}
	}
	return crossed;
}
