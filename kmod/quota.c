// SPDX-License-Identifier: GPL-2.0
/*
 * Byte quotas per period (quota.h).
 */

#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/slab.h>

#include "quota.h"

int egress_quota_config_check(const struct egress_quota_config *cfg)
{
	unsigned int i;

	if (!cfg->limit || cfg->cal.unit > EGRESS_QUOTA_MONTH ||
	    cfg->cal.utc_offset > EGRESS_QUOTA_OFFSET_MAX ||
	    cfg->cal.utc_offset < -EGRESS_QUOTA_OFFSET_MAX ||
	    cfg->nwarn > EGRESS_QUOTA_WARN_MAX || cfg->action > EGRESS_QUOTA_DENY ||
	    !!cfg->rate != (cfg->action == EGRESS_QUOTA_RATE))
		return -EINVAL;
	for (i = 0; i < cfg->nwarn; i++) {
		if (!cfg->warn[i] || cfg->warn[i] > 99 ||
		    (i && cfg->warn[i] <= cfg->warn[i - 1]))
			return -EINVAL;
	}
	return 0;
}

struct egress_quota *egress_quota_create(const struct egress_quota_config *cfg,
					 time64_t now, gfp_t gfp)
{
	struct egress_quota *quota;
	unsigned int i;

	if (egress_quota_config_check(cfg))
		return ERR_PTR(-EINVAL);
	quota = kzalloc(sizeof(*quota), gfp);
	if (!quota)
		return ERR_PTR(-ENOMEM);
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
	egress_quota_period(&cfg->cal, now, &quota->period_start,
			    &quota->period_end);
	quota->last_start = quota->period_start;
	return quota;
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
	if (now < quota->period_end)
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
	WRITE_ONCE(quota->period_start, start);
	/* The reset is seen by whoever sees the new end. */
	smp_store_release(&quota->period_end, end);
out:
	spin_unlock_bh(&quota->lock);
}
