// SPDX-License-Identifier: GPL-2.0
/*
 * Quota periods (quotaperiod.h).  The packet path asks only when a period
 * it holds has ended, so this runs once a period per quota, not per packet.
 */

#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/time.h>

#include "quotaperiod.h"

static const u32 egress_quota_fixed_len[] = {
	[EGRESS_QUOTA_HOUR] = 60 * 60,
	[EGRESS_QUOTA_DAY] = 24 * 60 * 60,
	[EGRESS_QUOTA_WEEK] = 7 * 24 * 60 * 60,
};

/* Months are counted from year 0: @month / 12 is the year, % 12 + 1 the month. */
static time64_t egress_quota_month_start(s64 month, unsigned int mday,
					 u32 day_secs, s32 utc_offset)
{
	unsigned int year = div_s64(month, 12), mon = month - year * 12LL + 1;
	unsigned int last_day;

	/* The day before the first of the next month. */
	last_day = (mktime64(mon == 12 ? year + 1 : year, mon == 12 ? 1 : mon + 1,
			     1, 0, 0, 0) -
		    mktime64(year, mon, 1, 0, 0, 0)) / (24 * 60 * 60);
	return mktime64(year, mon, min(mday, last_day), 0, 0, 0) + day_secs -
	       utc_offset;
}

void egress_quota_period(const struct egress_quota_calendar *cal, time64_t now,
			 time64_t *start, time64_t *end)
{
	unsigned int mday;
	u32 day_secs, len;
	struct tm tm;
	s64 month, n;
	s32 rem;

	if (cal->unit != EGRESS_QUOTA_MONTH) {
		len = egress_quota_fixed_len[cal->unit];
		n = div_s64_rem(now - cal->anchor, len, &rem);
		/* Rounded towards minus infinity, for a moment before @anchor. */
		if (rem < 0)
			n--;
		*start = cal->anchor + n * len;
		*end = *start + len;
		return;
	}
	time64_to_tm(cal->anchor, cal->utc_offset, &tm);
	mday = tm.tm_mday;
	day_secs = tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
	time64_to_tm(now, cal->utc_offset, &tm);
	month = (tm.tm_year + 1900) * 12LL + tm.tm_mon;
	*start = egress_quota_month_start(month, mday, day_secs, cal->utc_offset);
	if (*start > now) {
		*end = *start;
		*start = egress_quota_month_start(month - 1, mday, day_secs,
						  cal->utc_offset);
	} else {
		*end = egress_quota_month_start(month + 1, mday, day_secs,
						cal->utc_offset);
	}
}
