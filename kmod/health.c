// SPDX-License-Identifier: GPL-2.0
/*
 * TCP connection health counters and RTT histograms (health.h).
 */

#include <linux/slab.h>
#include <net/netlink.h>

#include <linux/nf_egress.h>

#include "health.h"

static const u16 egress_health_attr[EGRESS_HEALTH_MAX] = {
	[EGRESS_HEALTH_ATTEMPTS]	= NF_EGRESS_HEALTH_A_ATTEMPTS,
	[EGRESS_HEALTH_ESTABLISHED]	= NF_EGRESS_HEALTH_A_ESTABLISHED,
	[EGRESS_HEALTH_REFUSED]		= NF_EGRESS_HEALTH_A_REFUSED,
	[EGRESS_HEALTH_TIMED_OUT]	= NF_EGRESS_HEALTH_A_TIMED_OUT,
	[EGRESS_HEALTH_UNREACHABLE]	= NF_EGRESS_HEALTH_A_UNREACHABLE,
	[EGRESS_HEALTH_RESET]		= NF_EGRESS_HEALTH_A_RESET,
	[EGRESS_HEALTH_SYN_RETRANS]	= NF_EGRESS_HEALTH_A_SYN_RETRANS,
	[EGRESS_HEALTH_DATA_RETRANS]	= NF_EGRESS_HEALTH_A_DATA_RETRANS,
};

const char *const egress_health_name[EGRESS_HEALTH_MAX] = {
	[EGRESS_HEALTH_ATTEMPTS]	= "attempts",
	[EGRESS_HEALTH_ESTABLISHED]	= "established",
	[EGRESS_HEALTH_REFUSED]		= "refused",
	[EGRESS_HEALTH_TIMED_OUT]	= "timed_out",
	[EGRESS_HEALTH_UNREACHABLE]	= "unreachable",
	[EGRESS_HEALTH_RESET]		= "reset",
	[EGRESS_HEALTH_SYN_RETRANS]	= "syn_retrans",
	[EGRESS_HEALTH_DATA_RETRANS]	= "data_retrans",
};

void egress_rtt_bucket_bounds(unsigned int i, u64 *low, u64 *high)
{
	unsigned int shift, sub;

	if (i < EGRESS_RTT_SUB) {
		*low = i;
		*high = i + 1;
		return;
	}
	shift = (i - EGRESS_RTT_SUB) / EGRESS_RTT_SUB;
	sub = (i - EGRESS_RTT_SUB) % EGRESS_RTT_SUB;
	*low = (u64)(EGRESS_RTT_SUB + sub) << shift;
	*high = i == EGRESS_RTT_BUCKETS - 1 ? 0 :
		(u64)(EGRESS_RTT_SUB + sub + 1) << shift;
}

struct egress_health *egress_health_get(struct egress_health **slot)
{
	struct egress_health *h = egress_health_peek(slot), *old;

	if (likely(h))
		return h;
	/* Allocation failure only costs counts: no warning per packet. */
	h = kzalloc(sizeof(*h), GFP_ATOMIC | __GFP_NOWARN);
	if (!h)
		return NULL;
	/* Another CPU may have made them meanwhile: keep the first. */
	old = cmpxchg_release(slot, NULL, h);
	if (old) {
		kfree(h);
		return old;
	}
	return h;
}

static void egress_health_zero(atomic64_t *v)
{
	atomic64_sub(atomic64_read(v), v);
}

void egress_health_reset(struct egress_health *h)
{
	unsigned int i;

	for (i = 0; i < EGRESS_HEALTH_MAX; i++)
		egress_health_zero(&h->ctr[i]);
	for (i = 0; i < EGRESS_RTT_BUCKETS; i++)
		egress_health_zero(&h->rtt[i]);
	egress_health_zero(&h->rtt_count);
	egress_health_zero(&h->rtt_sum_us);
}

static int egress_rtt_bucket_to_nlattr(struct sk_buff *skb, unsigned int i,
				       u64 count)
{
	struct nlattr *nest = nla_nest_start(skb, NF_EGRESS_HEALTH_A_RTT_BUCKET);
	u64 low, high;

	if (!nest)
		return -EMSGSIZE;
	egress_rtt_bucket_bounds(i, &low, &high);
	if (nla_put_u32(skb, NF_EGRESS_RTT_BUCKET_A_LOW_US, low) ||
	    nla_put_u32(skb, NF_EGRESS_RTT_BUCKET_A_HIGH_US, high) ||
	    nla_put_u64_64bit(skb, NF_EGRESS_RTT_BUCKET_A_COUNT, count,
			      NF_EGRESS_RTT_BUCKET_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

size_t egress_health_nlattr_size_max(void)
{
	size_t u64_attr = nla_total_size_64bit(sizeof(u64));
	size_t bucket = nla_total_size(0) + 2 * nla_total_size(sizeof(u32)) +
			u64_attr;

	return nla_total_size(0) + (EGRESS_HEALTH_MAX + 2) * u64_attr +
	       EGRESS_RTT_BUCKETS * bucket;
}

int egress_health_to_nlattr(struct sk_buff *skb, int attrtype,
			    const struct egress_health *h)
{
	struct nlattr *nest = nla_nest_start(skb, attrtype);
	unsigned int i;
	u64 count;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < EGRESS_HEALTH_MAX; i++) {
		if (nla_put_u64_64bit(skb, egress_health_attr[i],
				      atomic64_read(&h->ctr[i]),
				      NF_EGRESS_HEALTH_A_PAD))
			goto err_cancel;
	}
	if (nla_put_u64_64bit(skb, NF_EGRESS_HEALTH_A_RTT_COUNT,
			      atomic64_read(&h->rtt_count),
			      NF_EGRESS_HEALTH_A_PAD) ||
	    nla_put_u64_64bit(skb, NF_EGRESS_HEALTH_A_RTT_SUM_US,
			      atomic64_read(&h->rtt_sum_us),
			      NF_EGRESS_HEALTH_A_PAD))
		goto err_cancel;
	for (i = 0; i < EGRESS_RTT_BUCKETS; i++) {
		count = atomic64_read(&h->rtt[i]);
		if (count && egress_rtt_bucket_to_nlattr(skb, i, count))
			goto err_cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

err_cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
