// SPDX-License-Identifier: GPL-2.0
/*
 * Token buckets for police mode and departure clocks for shape mode (see
 * ratelimit.h).
 *
 * A packet passes a hierarchy of police limits only if every level has
 * tokens for it.  Levels are taken one at a time, root first; when a deeper
 * level is short, what the levels above gave is handed back, so a dropped
 * packet costs no level anything and no lock is ever held across levels.
 * Shaping levels are charged the same way, one bucket lock at a time.
 */

#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include <linux/nf_egress.h>

#include "conn.h"
#include "netlink-gen.h"
#include "policy.h"
#include "ratelimit.h"
#include "selftest/selftest.h"

/*
 * Default depth: this much of the rate, but never below one GSO packet.
 * Police mode keeps more: a TCP sender whose packet a rate limit dropped
 * locally (-ENOBUFS) is not told of any loss and sends again when its
 * probe timer fires, after the minimum RTO (200 ms) when nothing else is
 * in flight.  A bucket that holds at least that long a wait's tokens
 * loses none of them meanwhile, and TCP keeps its average at the rate.
 */
#define EGRESS_BURST_DEFAULT_MS 10U
#define EGRESS_POLICE_BURST_DEFAULT_MS 250U
#define EGRESS_BURST_MIN 65536U
#define EGRESS_PPS_MAX NSEC_PER_SEC
/* Room in an s64 bucket for its depth, a depth of idle time and a debt. */
#define EGRESS_DEPTH_NS_MAX BIT_ULL(62)
/*
 * Shape mode's queue defaults (see the UAPI header); the spec's checks
 * bound them (kmod/netlink-gen.c).
 */
#define EGRESS_QUEUE_LIMIT_DEFAULT 1000U
#define EGRESS_LATENCY_US_DEFAULT 100000U

static u32 egress_burst_default_ms(u8 mode)
{
	return mode == NF_EGRESS_RATE_POLICE ? EGRESS_POLICE_BURST_DEFAULT_MS :
					       EGRESS_BURST_DEFAULT_MS;
}

static u32 egress_burst_default(u64 bytes_per_sec, u8 mode)
{
	u64 burst = mul_u64_u32_div(bytes_per_sec, egress_burst_default_ms(mode),
				    MSEC_PER_SEC);

	return clamp_t(u64, burst, EGRESS_BURST_MIN, U32_MAX);
}

/*
 * (2^32 bytes * 2^64 fixed-point) >> 32 fits in 64 bits.  At least 1 ns: a
 * bucket that can never hold a token (10gbit burst 1) would pass nothing.
 */
static u64 egress_byte_depth_ns(const struct egress_rate *rate)
{
	return max_t(u64, mul_u64_u64_shr(rate->burst, rate->ns_per_byte_fp32, 32),
		     1);
}

void egress_rate_init_shape(struct egress_rate *rate, u64 bytes_per_sec)
{
	memset(rate, 0, sizeof(*rate));
	rate->mode = NF_EGRESS_RATE_SHAPE;
	rate->queue_limit = EGRESS_QUEUE_LIMIT_DEFAULT;
	rate->latency_ns = (u64)EGRESS_LATENCY_US_DEFAULT * NSEC_PER_USEC;
	rate->bytes_per_sec = bytes_per_sec;
	rate->ns_per_byte_fp32 = div64_u64((u64)NSEC_PER_SEC << 32, bytes_per_sec);
	rate->burst = egress_burst_default(bytes_per_sec, rate->mode);
	/*
	 * No check against EGRESS_DEPTH_NS_MAX: the default burst lasts
	 * 65536 s at the most (64 KiB at 1 byte/s).
	 */
	rate->byte_depth_ns = egress_byte_depth_ns(rate);
}

void egress_bucket_init(struct egress_bucket *bucket)
{
	spin_lock_init(&bucket->lock);
	/* A new bucket starts full: the burst is there from the start. */
	bucket->last_ns = ktime_get_ns();
	bucket->byte_tokens_ns = S64_MAX;
	bucket->packet_tokens_ns = S64_MAX;
	/* A clock at zero lags any present by more than the burst: full. */
	bucket->byte_edt_ns = 0;
	bucket->packet_edt_ns = 0;
}

void egress_bucket_carry(struct egress_bucket *to, struct egress_bucket *from)
{
	spin_lock_bh(&from->lock);
	to->last_ns = from->last_ns;
	to->byte_tokens_ns = from->byte_tokens_ns;
	to->packet_tokens_ns = from->packet_tokens_ns;
	to->byte_edt_ns = from->byte_edt_ns;
	to->packet_edt_ns = from->packet_edt_ns;
	spin_unlock_bh(&from->lock);
}

int egress_rate_from_nlattr(const struct nlattr *nest, struct egress_rate **out,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NF_EGRESS_RATE_A_MAX + 1];
	const struct nlattr *bad;
	struct egress_rate *rate;
	unsigned int i;
	u8 mode;
	int err;

	err = nla_parse_nested(tb, NF_EGRESS_RATE_A_MAX, nest,
			       nf_egress_rate_nl_policy, extack);
	if (err)
		return err;

	*out = NULL;
	if (tb[NF_EGRESS_RATE_A_NONE]) {
		for (i = NF_EGRESS_RATE_A_NONE + 1; i <= NF_EGRESS_RATE_A_MAX; i++) {
			if (tb[i]) {
				NL_SET_ERR_MSG_ATTR(extack, tb[i], KBUILD_MODNAME
						    ": rate none takes nothing else");
				return -EINVAL;
			}
		}
		return 0;
	}
	if (!tb[NF_EGRESS_RATE_A_BYTES_PER_SEC] && !tb[NF_EGRESS_RATE_A_PPS]) {
		NL_SET_ERR_MSG_MOD(extack, "a rate limit needs a byte rate or a packet rate");
		NL_SET_ERR_ATTR_MISS(extack, nest, NF_EGRESS_RATE_A_BYTES_PER_SEC);
		return -EINVAL;
	}
	mode = tb[NF_EGRESS_RATE_A_MODE] ?
		nla_get_u8(tb[NF_EGRESS_RATE_A_MODE]) : NF_EGRESS_RATE_SHAPE;
	if (mode != NF_EGRESS_RATE_SHAPE) {
		bad = tb[NF_EGRESS_RATE_A_QUEUE_LIMIT] ?: tb[NF_EGRESS_RATE_A_LATENCY_US];
		if (bad) {
			NL_SET_ERR_MSG_ATTR(extack, bad, KBUILD_MODNAME
					    ": queue and latency apply to shape mode only");
			return -EINVAL;
		}
	}
	if (tb[NF_EGRESS_RATE_A_BURST] && !tb[NF_EGRESS_RATE_A_BYTES_PER_SEC]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RATE_A_BURST],
				    KBUILD_MODNAME ": a burst needs a byte rate");
		return -EINVAL;
	}

	rate = kzalloc(sizeof(*rate), GFP_KERNEL_ACCOUNT);
	if (!rate)
		return -ENOMEM;
	rate->mode = mode;
	if (mode == NF_EGRESS_RATE_SHAPE) {
		rate->queue_limit = tb[NF_EGRESS_RATE_A_QUEUE_LIMIT] ?
			nla_get_u32(tb[NF_EGRESS_RATE_A_QUEUE_LIMIT]) :
			EGRESS_QUEUE_LIMIT_DEFAULT;
		rate->latency_ns = (u64)(tb[NF_EGRESS_RATE_A_LATENCY_US] ?
					 nla_get_u32(tb[NF_EGRESS_RATE_A_LATENCY_US]) :
					 EGRESS_LATENCY_US_DEFAULT) * NSEC_PER_USEC;
	}

	if (tb[NF_EGRESS_RATE_A_BYTES_PER_SEC]) {
		rate->bytes_per_sec = nla_get_u64(tb[NF_EGRESS_RATE_A_BYTES_PER_SEC]);
		rate->ns_per_byte_fp32 = div64_u64((u64)NSEC_PER_SEC << 32,
						   rate->bytes_per_sec);
		/* Under a 2^-32 ns per byte, a byte would cost nothing. */
		if (!rate->ns_per_byte_fp32) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RATE_A_BYTES_PER_SEC],
					    KBUILD_MODNAME ": byte rate too high");
			err = -ERANGE;
			goto err_free;
		}
		rate->burst = tb[NF_EGRESS_RATE_A_BURST] ?
			nla_get_u32(tb[NF_EGRESS_RATE_A_BURST]) :
			egress_burst_default(rate->bytes_per_sec, mode);
		/*
		 * Below 2^62 at any rate down to 1 byte/s: a bucket holds its
		 * depth plus up to one depth of elapsed time, and a debt of at
		 * most one packet, within s64.
		 */
		rate->byte_depth_ns = egress_byte_depth_ns(rate);
		if (rate->byte_depth_ns > EGRESS_DEPTH_NS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RATE_A_BURST],
					    KBUILD_MODNAME ": burst too large for the rate");
			err = -ERANGE;
			goto err_free;
		}
	}
	if (tb[NF_EGRESS_RATE_A_PPS]) {
		rate->pps = nla_get_u32(tb[NF_EGRESS_RATE_A_PPS]);
		if (rate->pps > EGRESS_PPS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RATE_A_PPS],
					    KBUILD_MODNAME ": packet rate above 10^9 per second");
			err = -ERANGE;
			goto err_free;
		}
		rate->ns_per_packet = div_u64(NSEC_PER_SEC, rate->pps);
		/* The default burst's worth of packets, but at least one. */
		rate->packet_depth_ns = max_t(u64, egress_burst_default_ms(mode) *
						   NSEC_PER_MSEC,
					      rate->ns_per_packet);
	}
	*out = rate;
	return 0;

err_free:
	kfree(rate);
	return err;
}

int egress_rate_to_nlattr(struct sk_buff *skb, const struct egress_rate *rate)
{
	struct nlattr *nest = nla_nest_start(skb, NF_EGRESS_A_RATE);

	if (!nest)
		return -EMSGSIZE;
	if ((rate->bytes_per_sec &&
	     (nla_put_u64_64bit(skb, NF_EGRESS_RATE_A_BYTES_PER_SEC,
				rate->bytes_per_sec, NF_EGRESS_RATE_A_PAD) ||
	      nla_put_u32(skb, NF_EGRESS_RATE_A_BURST, rate->burst))) ||
	    (rate->pps && nla_put_u32(skb, NF_EGRESS_RATE_A_PPS, rate->pps)) ||
	    nla_put_u8(skb, NF_EGRESS_RATE_A_MODE, rate->mode) ||
	    (rate->mode == NF_EGRESS_RATE_SHAPE &&
	     (nla_put_u32(skb, NF_EGRESS_RATE_A_QUEUE_LIMIT, rate->queue_limit) ||
	      nla_put_u32(skb, NF_EGRESS_RATE_A_LATENCY_US,
			  div_u64(rate->latency_ns, NSEC_PER_USEC))))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * A level passes a packet while its bucket is not empty, and the packet
 * may take the bucket below empty by its own cost: the debt is paid back
 * before the next packet passes.  So a packet that costs more than the
 * whole depth (a GSO packet larger than the burst) can leave, where a
 * strict bucket would refuse it forever and TCP would resend it in vain,
 * and over any time T at most rate * T + burst + one packet leaves.
 */
static bool egress_tokens_enough(s64 tokens)
{
	return tokens > 0;
}

/*
 * Time earns tokens up to the depth, and first pays back a debt in full:
 * a packet that cost more than the depth (burst 1) must not need one
 * refill per depth of its cost.  depth - tokens fits in u64: the depth is
 * at most 2^62 and a debt at most one packet (see above).
 */
static s64 egress_tokens_refill(s64 tokens, u64 elapsed, u64 depth)
{
	if (tokens >= (s64)depth || elapsed >= (u64)((s64)depth - tokens))
		return depth;
	return tokens + elapsed;
}

#ifdef DEBUG
static int egress_selftest_edt(void);

/*
 * The refill's edges: a debt of many depths is repaid by enough idle time
 * at once, partly by less, and the bucket never holds more than its depth.
 */
int egress_selftest_ratelimit(void)
{
	static const struct {
		s64 tokens;
		u64 elapsed, depth;
		s64 want;
	} cases[] = {
		{ -29600, NSEC_PER_SEC, 400, 400 },	/* burst 1, a SYN's debt */
		{ -29600, 29600, 400, 0 },
		{ -29600, 100, 400, -29500 },
		{ 100, 100, 400, 200 },
		{ 500, 0, 400, 400 },			/* the depth shrank */
		{ 0, U64_MAX, 400, 400 },
		{ -(1LL << 62), U64_MAX, 1ULL << 62, 1LL << 62 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		s64 got = egress_tokens_refill(cases[i].tokens, cases[i].elapsed,
					       cases[i].depth);

		if (got != cases[i].want) {
			pr_err(KBUILD_MODNAME ": selftest: rate refill case %u: %lld, want %lld\n",
			       i, got, cases[i].want);
			return -EINVAL;
		}
	}
	pr_info(KBUILD_MODNAME ": selftest: rate bucket refill: %zu cases: ok\n",
		ARRAY_SIZE(cases));
	return egress_selftest_edt();
}
#endif

static bool egress_bucket_take(struct egress_bucket *bucket,
			       const struct egress_rate *rate,
			       const struct egress_rate_cost *cost, u64 now)
{
	u64 elapsed;
	bool ok;

	spin_lock_bh(&bucket->lock);
	elapsed = now > bucket->last_ns ? now - bucket->last_ns : 0;
	bucket->last_ns = max(now, bucket->last_ns);
	bucket->byte_tokens_ns = egress_tokens_refill(bucket->byte_tokens_ns,
						      elapsed,
						      rate->byte_depth_ns);
	bucket->packet_tokens_ns = egress_tokens_refill(bucket->packet_tokens_ns,
							elapsed,
							rate->packet_depth_ns);
	ok = (!cost->byte_ns || egress_tokens_enough(bucket->byte_tokens_ns)) &&
	     (!cost->packet_ns || egress_tokens_enough(bucket->packet_tokens_ns));
	if (ok) {
		bucket->byte_tokens_ns -= cost->byte_ns;
		bucket->packet_tokens_ns -= cost->packet_ns;
	}
	spin_unlock_bh(&bucket->lock);
	return ok;
}

bool egress_conn_bucket_take(struct egress_bucket *bucket, u64 cost_ns,
			     u64 depth_ns, u64 now)
{
	u64 elapsed;
	bool ok;

	spin_lock_bh(&bucket->lock);
	elapsed = now > bucket->last_ns ? now - bucket->last_ns : 0;
	bucket->last_ns = max(now, bucket->last_ns);
	bucket->packet_tokens_ns = egress_tokens_refill(bucket->packet_tokens_ns,
							elapsed, depth_ns);
	ok = bucket->packet_tokens_ns >= (s64)cost_ns;
	if (ok)
		bucket->packet_tokens_ns -= cost_ns;
	spin_unlock_bh(&bucket->lock);
	return ok;
}

void egress_conn_bucket_refund(struct egress_bucket *bucket, u64 cost_ns)
{
	spin_lock_bh(&bucket->lock);
	bucket->packet_tokens_ns += cost_ns;
	spin_unlock_bh(&bucket->lock);
}

static void egress_bucket_refund(struct egress_bucket *bucket,
				 const struct egress_rate_cost *cost)
{
	spin_lock_bh(&bucket->lock);
	bucket->byte_tokens_ns += cost->byte_ns;
	bucket->packet_tokens_ns += cost->packet_ns;
	spin_unlock_bh(&bucket->lock);
}

static void egress_rate_cost(const struct egress_rate *rate,
			     const struct egress_wire_size *size,
			     struct egress_rate_cost *cost)
{
	cost->byte_ns = rate->bytes_per_sec ?
		mul_u64_u64_shr(size->bytes, rate->ns_per_byte_fp32, 32) : 0;
	cost->packet_ns = (u64)size->packets * rate->ns_per_packet;
}

u32 egress_rate_path_flags(struct egress_policy *const *policies,
			   unsigned int n)
{
	u32 flags = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct egress_rate *rate = egress_policy_rate(policies[i]);
		const struct egress_quota_set *qs = rcu_dereference(policies[i]->quotas);

		if (qs)
			flags |= EGRESS_PATH_QUOTA;
		if (qs && qs->rated)
			flags |= EGRESS_PATH_QUOTA_RATE;
		if (egress_policy_conn(policies[i]))
			flags |= EGRESS_PATH_CONN;
		if (!rate)
			continue;
		flags |= rate->mode == NF_EGRESS_RATE_SHAPE ?
			 EGRESS_PATH_SHAPE : EGRESS_PATH_POLICE;
	}
	/*
	 * Connection health counts a first SYN when it leaves: where a limit
	 * or a queue may still stop or delay it, egress_conn_admit() (of a
	 * path with the flag) sees it first; on other paths the hook's end.
	 */
	if (flags && egress_health_on())
		flags |= EGRESS_PATH_CONN;
	return flags;
}

bool egress_rate_admit(struct egress_policy *const *policies, unsigned int n,
		       const struct egress_wire_size *size,
		       struct egress_rate_cost *costs)
{
	u64 now = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct egress_rate *rate = egress_policy_rate(policies[i]);

		costs[i].byte_ns = 0;
		costs[i].packet_ns = 0;
		if (!rate || rate->mode != NF_EGRESS_RATE_POLICE)
			continue;
		if (!now)
			now = ktime_get_ns();
		egress_rate_cost(rate, size, &costs[i]);
		if (!egress_bucket_take(&policies[i]->bucket, rate, &costs[i],
					now)) {
			egress_rate_refund(policies, i, costs);
			return false;
		}
	}
	return true;
}

void egress_rate_refund(struct egress_policy *const *policies, unsigned int n,
			const struct egress_rate_cost *costs)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (costs[i].byte_ns || costs[i].packet_ns)
			egress_bucket_refund(&policies[i]->bucket, &costs[i]);
	}
}

/*
 * Move one departure clock on by @cost and return when the packet may
 * leave.  A clock further behind @now than the burst allows is brought up
 * to that point first, which is the same clamp as the police bucket's:
 * idle time earns at most one burst.  A packet may leave once its tokens
 * exist, and one that costs more than the whole burst once the bucket is
 * full, leaving the clock in debt, as in police mode.
 *
 * Nor does a packet wait for more of its own tokens than @wait, the
 * latency bound: one that costs more (a 64 KiB TCP packet at 1mbit costs
 * 524 ms) could wait in no queue and would be dropped unless the bucket
 * were that full.  TCP takes such a drop for no loss; its round trip
 * stays short, so it goes on building packets that large, and sends well
 * under the rate, from a limit that came down on it at full speed.  So
 * that packet may wait once the clock has caught up with @now, and leaves
 * the clock in debt; the long-run rate stays exact.
 */
static u64 egress_edt_advance(u64 *edt, u64 cost, u64 depth, u64 wait,
			      u64 now)
{
	u64 floor = now > depth ? now - depth : 0;
	u64 start = max(*edt, floor);

	*edt = start + cost;
	return start + min3(cost, depth, wait);
}

#ifdef DEBUG
static int egress_selftest_edt(void)
{
	static const struct {
		u64 edt, cost, depth, wait, now;
		u64 want_release, want_edt;
	} cases[] = {
		{ 1000, 10, 500, 100, 1000, 1010, 1010 },	/* current */
		{ 1050, 10, 500, 100, 1000, 1060, 1060 },	/* ahead */
		{ 0, 10, 500, 100, 1000, 510, 510 },		/* full */
		{ 1000, 524, 524, 100, 1000, 1100, 1524 },	/* over the bound */
		{ 1010, 524, 524, 100, 1000, 1110, 1534 },
		{ 0, 524, 524, 100, 1000, 576, 1000 },
		{ 1000, 600, 524, 1000, 1000, 1524, 1600 },	/* over the burst */
		{ 0, 600, 524, 1000, 1000, 1000, 1076 },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 edt = cases[i].edt;
		u64 got = egress_edt_advance(&edt, cases[i].cost, cases[i].depth,
					     cases[i].wait, cases[i].now);

		if (got != cases[i].want_release || edt != cases[i].want_edt) {
			pr_err(KBUILD_MODNAME ": selftest: departure clock case %u: %llu, clock %llu; want %llu, %llu\n",
			       i, got, edt, cases[i].want_release,
			       cases[i].want_edt);
			return -EINVAL;
		}
	}
	pr_info(KBUILD_MODNAME ": selftest: rate departure clock: %zu cases: ok\n",
		ARRAY_SIZE(cases));
	return 0;
}
#endif

/* Move @bucket's clocks on by @cost; returns when they let the packet go. */
static u64 egress_bucket_reserve(struct egress_bucket *bucket,
				 const struct egress_rate *rate,
				 const struct egress_rate_cost *cost, u64 now,
				 u64 queue_latency_ns)
{
	/*
	 * The packet waits in one queue, which takes it only within that
	 * queue's bound: a level's own bound may be longer.
	 */
	u64 wait = min(rate->latency_ns, queue_latency_ns);
	u64 release = 0, edt;

	spin_lock_bh(&bucket->lock);
	if (rate->bytes_per_sec)
		/* The clock is when the tokens for this packet exist. */
		release = egress_edt_advance(&bucket->byte_edt_ns, cost->byte_ns,
					     rate->byte_depth_ns, wait, now);
	if (rate->pps) {
		edt = egress_edt_advance(&bucket->packet_edt_ns, cost->packet_ns,
					 rate->packet_depth_ns, wait, now);
		release = max(release, edt);
	}
	spin_unlock_bh(&bucket->lock);
	return release;
}

static void egress_bucket_unreserve(struct egress_bucket *bucket,
				    const struct egress_rate_cost *cost)
{
	spin_lock_bh(&bucket->lock);
	bucket->byte_edt_ns -= cost->byte_ns;
	bucket->packet_edt_ns -= cost->packet_ns;
	spin_unlock_bh(&bucket->lock);
}

u64 egress_rate_reserve(struct egress_policy *const *policies, unsigned int n,
			const struct egress_quota_rates *qr,
			const struct egress_wire_size *size, u64 now,
			u64 queue_latency_ns, struct egress_rate_cost *costs)
{
	struct egress_rate_cost cost;
	struct egress_quota *quota;
	u64 release = now;
	unsigned long active;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		const struct egress_rate *rate = egress_policy_rate(policies[i]);

		costs[i].byte_ns = 0;
		costs[i].packet_ns = 0;
		if (rate && rate->mode == NF_EGRESS_RATE_SHAPE) {
			egress_rate_cost(rate, size, &costs[i]);
			release = max(release,
				      egress_bucket_reserve(&policies[i]->bucket,
							    rate, &costs[i], now,
							    queue_latency_ns));
		}
		/*
		 * The quotas' limits are further levels: a packet waits for
		 * the latest clock, so the lowest rate wins.  Their costs are
		 * not kept: @qr and their limits stay as they are for
		 * egress_rate_unreserve() to work them out again.
		 */
		active = qr ? qr->active[i] : 0;
		for_each_set_bit(j, &active, EGRESS_QUOTAS_MAX) {
			quota = &qr->set[i]->quota[j];
			egress_rate_cost(&quota->rate, size, &cost);
			release = max(release,
				      egress_bucket_reserve(&quota->bucket,
							    &quota->rate, &cost,
							    now, queue_latency_ns));
		}
	}
	return release;
}

void egress_rate_unreserve(struct egress_policy *const *policies,
			   unsigned int n, const struct egress_quota_rates *qr,
			   const struct egress_wire_size *size,
			   const struct egress_rate_cost *costs)
{
	struct egress_rate_cost cost;
	struct egress_quota *quota;
	unsigned long active;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (costs[i].byte_ns || costs[i].packet_ns)
			egress_bucket_unreserve(&policies[i]->bucket, &costs[i]);
		active = qr ? qr->active[i] : 0;
		for_each_set_bit(j, &active, EGRESS_QUOTAS_MAX) {
			quota = &qr->set[i]->quota[j];
			egress_rate_cost(&quota->rate, size, &cost);
			egress_bucket_unreserve(&quota->bucket, &cost);
		}
	}
}
