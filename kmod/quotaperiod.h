/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The calendar of a quota: which period holds a moment, and when it ends.
 */

#ifndef _NF_EGRESS_QUOTAPERIOD_H
#define _NF_EGRESS_QUOTAPERIOD_H

#include <linux/time64.h>
#include <linux/types.h>

enum egress_quota_unit {
	EGRESS_QUOTA_HOUR,
	EGRESS_QUOTA_DAY,
	EGRESS_QUOTA_WEEK,
	EGRESS_QUOTA_MONTH,
};

/* Seconds east of UTC a quota's calendar may be set to: less than a day. */
#define EGRESS_QUOTA_OFFSET_MAX	(24 * 60 * 60 - 1)

/*
 * Hours, days and weeks are fixed lengths of seconds, repeated from
 * @anchor, a moment when a period starts.  Months are calendar months of
 * the local time @utc_offset seconds east of UTC: each starts on the day
 * of the month and at the time of day of @anchor in that local time, or
 * on the month's last day when it is shorter (an anchor on the 31st
 * starts February's period on the 28th or 29th).
 */
struct egress_quota_calendar {
	time64_t anchor;
	s32 utc_offset;
	u8 unit;
};

void egress_quota_period(const struct egress_quota_calendar *cal, time64_t now,
			 time64_t *start, time64_t *end);

#endif /* _NF_EGRESS_QUOTAPERIOD_H */
