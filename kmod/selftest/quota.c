// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the quota calendar (quotaperiod.c) against a naive model:
 * a civil calendar of its own (days from a date, by the era arithmetic
 * that does not use the kernel's mktime64()) and periods found by walking
 * from far before, one period at a time.  Anchors, offsets and moments are
 * random; the moments next to every boundary are checked as well.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": selftest: " fmt

#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "../policy.h"
#include "../quota.h"
#include "selftest.h"

#define EGRESS_QUOTA_TEST_ROUNDS 3000

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static s64 egress_model_days(s64 y, unsigned int m, unsigned int d)
{
	s64 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static unsigned int egress_model_month_days(s64 y, unsigned int m)
{
	static const u8 days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* The local date of @t: the inverse of egress_model_days(), by search. */
static void egress_model_date(s64 t, s64 *y, unsigned int *m, unsigned int *d,
			      u32 *secs)
{
	s64 days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);

	*secs = t - days * 86400;
	*y = 1970 + days / 366 - 1;
	while (egress_model_days(*y + 1, 1, 1) <= days)
		(*y)++;
	*m = 1;
	while (*m < 12 && egress_model_days(*y, *m + 1, 1) <= days)
		(*m)++;
	*d = days - egress_model_days(*y, *m, 1) + 1;
}

static s64 egress_model_month_start(s64 y, unsigned int m, unsigned int mday,
				    u32 secs, s32 offset)
{
	unsigned int d = min(mday, egress_model_month_days(y, m));

	return egress_model_days(y, m, d) * 86400 + secs - offset;
}

static void egress_model_period(const struct egress_quota_calendar *cal,
				s64 now, s64 *start, s64 *end)
{
	static const u32 len[] = { 3600, 86400, 7 * 86400 };
	unsigned int m, d, am, ad;
	u32 secs, asecs;
	s64 y, ay;

	if (cal->unit != EGRESS_QUOTA_MONTH) {
		*start = cal->anchor;
		while (*start > now)
			*start -= len[cal->unit];
		while (*start + len[cal->unit] <= now)
			*start += len[cal->unit];
		*end = *start + len[cal->unit];
		return;
	}
	/* The anchor's day of the month and time of day, in local time. */
	egress_model_date(cal->anchor + cal->utc_offset, &ay, &am, &ad, &asecs);
	/* From two years before @now, one month at a time. */
	egress_model_date(now + cal->utc_offset, &y, &m, &d, &secs);
	y -= 2;
	m = 1;
	for (;;) {
		s64 ny = m == 12 ? y + 1 : y;
		unsigned int nm = m == 12 ? 1 : m + 1;
		s64 next = egress_model_month_start(ny, nm, ad, asecs,
						    cal->utc_offset);

		if (next > now) {
			*start = egress_model_month_start(y, m, ad, asecs,
							  cal->utc_offset);
			*end = next;
			return;
		}
		y = ny;
		m = nm;
	}
}

static int egress_quota_check(const struct egress_quota_calendar *cal, s64 now)
{
	time64_t start, end;
	s64 mstart, mend;

	egress_quota_period(cal, now, &start, &end);
	egress_model_period(cal, now, &mstart, &mend);
	if (start == mstart && end == mend && start <= now && now < end)
		return 0;
	pr_err("quota period: unit %u anchor %lld offset %d now %lld: [%lld, %lld), model [%lld, %lld)\n",
	       cal->unit, cal->anchor, cal->utc_offset, now, start, end,
	       mstart, mend);
	return -EINVAL;
}

/* Known periods, written out by hand. */
static int egress_quota_check_known(void)
{
	static const struct {
		u8 unit;
		s32 offset;
		time64_t anchor, now, start, end;
	} known[] = {
		/* Anchored on the 31st: February's period starts on its last day. */
		{ EGRESS_QUOTA_MONTH, 0, 1769817600 /* 2026-01-31 */,
		  1771113600 /* 2026-02-15 */, 1769817600, 1772236800 /* 02-28 */ },
		{ EGRESS_QUOTA_MONTH, 0, 1769817600, 1772236800, 1772236800,
		  1774915200 /* 2026-03-31 */ },
		/* A leap year's February 29th. */
		{ EGRESS_QUOTA_MONTH, 0, 1769817600, 1835481600 /* 2028-03-01 */,
		  1835395200 /* 2028-02-29 */, 1838073600 /* 2028-03-31 */ },
		/* 00:00 at UTC+05:30 is 18:30 UTC the day before. */
		{ EGRESS_QUOTA_MONTH, 19800, 1767205800 /* 2026-01-01T00:00+05:30 */,
		  1773532800 /* 2026-03-15 */, 1772303400 /* 2026-02-28T18:30Z */,
		  1774981800 /* 2026-03-31T18:30Z */ },
		/* Weeks from a Monday, before and after the anchor. */
		{ EGRESS_QUOTA_WEEK, 0, 1767571200 /* 2026-01-05, a Monday */,
		  1767571199, 1766966400 /* 2025-12-29 */, 1767571200 },
		{ EGRESS_QUOTA_DAY, 0, 0, 1767571200 + 86399, 1767571200,
		  1767571200 + 86400 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(known); i++) {
		struct egress_quota_calendar cal = {
			.anchor = known[i].anchor,
			.utc_offset = known[i].offset,
			.unit = known[i].unit,
		};
		time64_t start, end;

		egress_quota_period(&cal, known[i].now, &start, &end);
		if (start != known[i].start || end != known[i].end) {
			pr_err("quota period: known case %u: [%lld, %lld), want [%lld, %lld)\n",
			       i, start, end, known[i].start, known[i].end);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * A quota driven by a random clock and random charges, against a model
 * that keeps its own usage and period: the exhausted state, the crossed
 * thresholds of every charge, and the report of the period before.
 */
static int egress_quota_check_usage_round(void)
{
	struct egress_quota_config cfg = {
		.limit = 1 + get_random_u32_below(1000000),
		.cal = {
			.anchor = 100000000 + get_random_u32_below(3900000000U),
			.unit = get_random_u32_below(EGRESS_QUOTA_WEEK + 1),
		},
		.nwarn = get_random_u32_below(EGRESS_QUOTA_WARN_MAX + 1),
		.action = EGRESS_QUOTA_DENY,
	};
	time64_t now = cfg.cal.anchor + get_random_u32_below(1000000);
	time64_t m_start, m_end, m_last_start = 0, s, e;
	u64 th[EGRESS_QUOTA_WARN_MAX + 1], m_used = 0, m_last_used = 0;
	struct egress_quota *quota;
	unsigned int i, step, pct = 0;
	int err = 0;

	for (i = 0; i < cfg.nwarn; i++) {
		pct += 1 + get_random_u32_below((99 - pct) / (cfg.nwarn - i));
		cfg.warn[i] = pct;
		th[i] = (cfg.limit * pct + 99) / 100;
	}
	th[cfg.nwarn] = cfg.limit;
	if (egress_quota_config_check(&cfg))
		return -EINVAL;
	quota = kzalloc(sizeof(*quota), GFP_KERNEL);
	if (!quota)
		return -ENOMEM;
	egress_quota_init(quota, &cfg, now);
	egress_quota_period(&cfg.cal, now, &m_start, &m_end);
	m_last_start = m_start;
	for (step = 0; step < 200 && !err; step++) {
		u64 bytes = 1 + get_random_u32_below(cfg.limit / 3 + 1);
		unsigned long crossed, m_crossed = 0;
		bool exhausted, m_exhausted;

		/* Mostly within the period, now and then past its end. */
		if (!get_random_u32_below(8))
			now = m_end - 1 + get_random_u32_below(3) +
			      (get_random_u32_below(4) ? 0 : 3 * (m_end - m_start));
		else
			now += get_random_u32_below(60);
		if (now >= m_end) {
			egress_quota_period(&cfg.cal, now, &s, &e);
			if (s == m_end) {
				m_last_start = m_start;
				m_last_used = m_used;
			} else {
				egress_quota_period(&cfg.cal, s - 1, &m_last_start, &e);
				m_last_used = 0;
			}
			egress_quota_period(&cfg.cal, now, &m_start, &m_end);
			m_used = 0;
		}
		exhausted = egress_quota_exhausted(quota, now);
		m_exhausted = m_used >= cfg.limit;
		if (exhausted != m_exhausted ||
		    quota->period_start != m_start || quota->period_end != m_end ||
		    quota->last_start != m_last_start ||
		    quota->last_used != m_last_used) {
			pr_err("quota usage: step %u: exhausted %d, period [%lld, %lld), last %lld %llu; model %d, [%lld, %lld), %lld %llu\n",
			       step, exhausted, quota->period_start,
			       quota->period_end, quota->last_start,
			       quota->last_used, m_used >= cfg.limit ? 1 : 0, m_start,
			       m_end, m_last_start, m_last_used);
			err = -EINVAL;
			break;
		}
		if (exhausted)
			continue;
		crossed = egress_quota_charge(quota, bytes);
		for (i = 0; i <= cfg.nwarn; i++) {
			if (m_used < th[i] && m_used + bytes >= th[i])
				m_crossed |= BIT(i);
		}
		m_used += bytes;
		if (crossed != m_crossed) {
			pr_err("quota usage: step %u: a charge of %llu to %llu of %llu crossed %#lx, model %#lx\n",
			       step, bytes, m_used, cfg.limit, crossed, m_crossed);
			err = -EINVAL;
		}
	}
	kfree(quota);
	return err;
}

#define EGRESS_QUOTA_RACE_THREADS 4

struct egress_quota_race {
	struct egress_quota *quota;
	atomic_t crossings[EGRESS_QUOTA_WARN_MAX + 1];
	/* Chargers done: a thread stopped before it ran never charges. */
	atomic_t done;
};

static int egress_quota_race_charger(void *data)
{
	struct egress_quota_race *race = data;
	unsigned int i, n;

	for (n = 0; n < 20000; n++) {
		unsigned long crossed = egress_quota_charge(race->quota,
							    1 + get_random_u32_below(64));

		for (i = 0; i <= EGRESS_QUOTA_WARN_MAX; i++) {
			if (crossed & BIT(i))
				atomic_inc(&race->crossings[i]);
		}
		if (!(n % 256))
			cond_resched();
	}
	atomic_inc(&race->done);
	/* kthread_stop() needs the thread alive. */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(1);
	return 0;
}

/* Chargers on every CPU at once: each threshold is crossed by one charge. */
static int egress_quota_check_race(void)
{
	struct egress_quota_config cfg = {
		/* About half of what the chargers send: every threshold is crossed. */
		.limit = EGRESS_QUOTA_RACE_THREADS * 20000 * 16,
		.nwarn = 4,
		.warn = { 10, 50, 80, 99 },
	};
	struct task_struct *tasks[EGRESS_QUOTA_RACE_THREADS];
	struct egress_quota_race *race;
	unsigned int i;
	int err = 0;

	race = kzalloc(sizeof(*race), GFP_KERNEL);
	if (!race)
		return -ENOMEM;
	race->quota = kzalloc(sizeof(*race->quota), GFP_KERNEL);
	if (!race->quota) {
		err = -ENOMEM;
		goto out;
	}
	egress_quota_init(race->quota, &cfg, 0);
	for (i = 0; i < EGRESS_QUOTA_RACE_THREADS; i++) {
		tasks[i] = kthread_run(egress_quota_race_charger, race,
				       "egress_quota/%u", i);
		if (IS_ERR(tasks[i])) {
			err = PTR_ERR(tasks[i]);
			break;
		}
	}
	/* Every started charger has charged all it sends before any stops. */
	while (atomic_read(&race->done) < i)
		schedule_timeout_interruptible(1);
	while (i--)
		kthread_stop(tasks[i]);
	for (i = 0; !err && i <= cfg.nwarn; i++) {
		if (atomic_read(&race->crossings[i]) != 1) {
			pr_err("quota race: threshold %u crossed %d times\n", i,
			       atomic_read(&race->crossings[i]));
			err = -EINVAL;
		}
	}
	kfree(race->quota);
out:
	kfree(race);
	return err;
}

/*
 * A used-up rate-action quota is one more shaping level of its policy:
 * after enough packets at one moment (both bursts, the default 64 KiB,
 * spent) a packet leaves by the lower rate's clock, and taking it back
 * leaves both clocks as they were.  A quota that is not used up moves no
 * clock.  1250-byte packets cost 8000 ns a byte at 1mbit, exactly.
 */
static int egress_quota_check_rate_level(u64 policy_bps, u64 quota_bps,
					 bool active)
{
	struct egress_quota_config cfg = {
		.limit = 1,
		.action = EGRESS_QUOTA_RATE,
		.rate = quota_bps,
	};
	struct egress_wire_size size = { .packets = 1, .bytes = 1250 };
	const u64 now = 100 * NSEC_PER_SEC, k = 200;
	struct egress_rate_cost costs[1];
	struct egress_quota_rates qr = {};
	struct egress_policy *policy;
	struct egress_quota_set *qs;
	struct egress_quota *quota;
	u64 release = 0, want, p_edt, q_edt, low_bps;
	struct egress_rate *rate;
	unsigned int i;
	int err = 0;

	policy = kzalloc(struct_size(policy, path, 1), GFP_KERNEL);
	qs = kzalloc(struct_size(qs, quota, 1), GFP_KERNEL);
	rate = kzalloc(sizeof(*rate), GFP_KERNEL);
	if (!policy || !qs || !rate) {
		err = -ENOMEM;
		goto out;
	}
	egress_rate_init_shape(rate, policy_bps);
	policy->config = policy;
	RCU_INIT_POINTER(policy->rate, rate);
	egress_bucket_init(&policy->bucket);
	quota = &qs->quota[0];
	egress_quota_init(quota, &cfg, 0);
	qs->n = 1;
	qs->rated = BIT(0);
	qr.set[0] = qs;
	qr.active[0] = active ? BIT(0) : 0;

	rcu_read_lock();
	for (i = 0; i < k; i++) {
		p_edt = policy->bucket.byte_edt_ns;
		q_edt = quota->bucket.byte_edt_ns;
		/* The policy's own queue, as egress_shape() would pick. */
		release = egress_rate_reserve(&policy, 1, &qr, &size, now,
					      rate->latency_ns, costs);
	}
	egress_rate_unreserve(&policy, 1, &qr, &size, costs);
	rcu_read_unlock();

	low_bps = active ? min(policy_bps, quota_bps) : policy_bps;
	want = now + (k * size.bytes - 65536) * div64_u64(NSEC_PER_SEC, low_bps);
	if (release != want || policy->bucket.byte_edt_ns != p_edt ||
	    quota->bucket.byte_edt_ns != q_edt || (!active && q_edt)) {
		pr_err("quota rate level: policy %llu B/s, quota %llu B/s%s: release %llu, want %llu; undone clocks %llu %llu, want %llu %llu\n",
		       policy_bps, quota_bps, active ? "" : " (not used up)",
		       release, want, policy->bucket.byte_edt_ns,
		       quota->bucket.byte_edt_ns, p_edt, q_edt);
		err = -EINVAL;
	}
out:
	kfree(rate);
	kfree(qs);
	kfree(policy);
	return err;
}

int egress_selftest_quota(void)
{
	unsigned int round;
	int err;

	err = egress_quota_check_known();
	for (round = 0; !err && round < EGRESS_QUOTA_TEST_ROUNDS; round++) {
		struct egress_quota_calendar cal = {
			/* 1973 to 2096 */
			.anchor = 100000000 + get_random_u32_below(3900000000U),
			.utc_offset = (s32)get_random_u32_below(2 * EGRESS_QUOTA_OFFSET_MAX + 1) -
				      EGRESS_QUOTA_OFFSET_MAX,
			.unit = get_random_u32_below(EGRESS_QUOTA_MONTH + 1),
		};
		s64 span = cal.unit == EGRESS_QUOTA_MONTH ? 300000000 : 3000000;
		s64 now = cal.anchor - span + get_random_u64() % (2 * span);
		time64_t start, end;

		err = egress_quota_check(&cal, now);
		if (err)
			break;
		/* Both sides of both boundaries of that period. */
		egress_quota_period(&cal, now, &start, &end);
		err = egress_quota_check(&cal, start) ?:
		      egress_quota_check(&cal, start - 1) ?:
		      egress_quota_check(&cal, end) ?:
		      egress_quota_check(&cal, end - 1);
	}
	if (!err)
		pr_info("quota periods: %u random calendars and the known cases agree with the model\n",
			EGRESS_QUOTA_TEST_ROUNDS);
	for (round = 0; !err && round < 200; round++)
		err = egress_quota_check_usage_round();
	if (!err)
		err = egress_quota_check_race();
	if (!err)
		pr_info("quota usage: 200 random quotas agree with the model, %u chargers crossed each threshold once\n",
			EGRESS_QUOTA_RACE_THREADS);
	if (!err)
		err = egress_quota_check_rate_level(62500, 125000, true) ?:
		      egress_quota_check_rate_level(500000, 125000, true) ?:
		      egress_quota_check_rate_level(500000, 125000, false);
	if (!err)
		pr_info("quota rate action: the lower of the policy's and the quota's rates wins, and a packet taken back leaves both clocks as they were\n");
	return err;
}
