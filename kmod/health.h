/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP connection health: how the connections a policy's cgroup subtree
 * opens end, how often they send again, and a histogram of their smoothed
 * round-trip times; for the policy and for each class (the class of the
 * rule that allowed the connection's first SYN).
 *
 * Nothing here runs per packet but the RTT sampling test (hook.c): the
 * outcomes come from the connection table and the tracepoints of conn.c,
 * once per connection or per retransmission.  So the counters are plain
 * atomics, allocated the first time a policy or class has something to
 * count, and a reset subtracts what it read rather than zeroing, so that
 * no concurrent count is lost.
 */
#ifndef _NF_EGRESS_HEALTH_H
#define _NF_EGRESS_HEALTH_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/types.h>

struct sk_buff;

enum egress_health_counter {
	EGRESS_HEALTH_ATTEMPTS,
	EGRESS_HEALTH_ESTABLISHED,
	EGRESS_HEALTH_REFUSED,
	EGRESS_HEALTH_TIMED_OUT,
	EGRESS_HEALTH_UNREACHABLE,
	EGRESS_HEALTH_RESET,
	EGRESS_HEALTH_SYN_RETRANS,
	EGRESS_HEALTH_DATA_RETRANS,
	EGRESS_HEALTH_MAX
};

/*
 * The RTT histogram, in microseconds: below 2^EGRESS_RTT_SUB_BITS one
 * bucket per microsecond, above it every power of two cut into
 * 2^EGRESS_RTT_SUB_BITS buckets of equal width, so a bucket is at most
 * 6.25% of its lower bound wide, up to 2^EGRESS_RTT_TOP_BIT us (134 s,
 * more than TCP's largest RTO).  The last bucket takes everything from its
 * lower bound (31 * 2^22 us, 130 s) up.
 */
#define EGRESS_RTT_SUB_BITS	4
#define EGRESS_RTT_SUB		BIT(EGRESS_RTT_SUB_BITS)
#define EGRESS_RTT_TOP_BIT	27
#define EGRESS_RTT_BUCKETS \
	(EGRESS_RTT_SUB + (EGRESS_RTT_TOP_BIT - EGRESS_RTT_SUB_BITS) * EGRESS_RTT_SUB)

/*
 * About one RTT sample for every 2^EGRESS_RTT_SAMPLE_SHIFT packets a
 * connection sends (hook.c), besides the one taken when it is established.
 */
#define EGRESS_RTT_SAMPLE_SHIFT	6

struct egress_health {
	atomic64_t ctr[EGRESS_HEALTH_MAX];
	atomic64_t rtt_count;
	atomic64_t rtt_sum_us;
	atomic64_t rtt[EGRESS_RTT_BUCKETS];
};

/* The bucket of an RTT of @us microseconds. */
static inline unsigned int egress_rtt_bucket(u64 us)
{
	unsigned int bit;

	if (us < EGRESS_RTT_SUB)
		return us;
	bit = fls64(us) - 1;
	if (bit >= EGRESS_RTT_TOP_BIT)
		return EGRESS_RTT_BUCKETS - 1;
	return EGRESS_RTT_SUB + (bit - EGRESS_RTT_SUB_BITS) * EGRESS_RTT_SUB +
	       ((us >> (bit - EGRESS_RTT_SUB_BITS)) & (EGRESS_RTT_SUB - 1));
}

/* A counter's name (/proc's "tcp_NAME" columns). */
extern const char *const egress_health_name[EGRESS_HEALTH_MAX];

/* The bounds of bucket @i: [*low, *high), *high 0 for the last one. */
void egress_rtt_bucket_bounds(unsigned int i, u64 *low, u64 *high);

/*
 * The health counters behind @slot (a policy's or a class's), made now if
 * there are none yet, or NULL for want of memory.  Any context.
 */
struct egress_health *egress_health_get(struct egress_health **slot);

/* The counters behind @slot if there are any.  RCU or mutex held. */
static inline struct egress_health *egress_health_peek(struct egress_health *const *slot)
{
	/* Pairs with the cmpxchg that published them, filled. */
	return smp_load_acquire(slot);
}

static inline void egress_health_add(struct egress_health *h,
				     enum egress_health_counter c, u64 n)
{
	atomic64_add(n, &h->ctr[c]);
}

static inline void egress_health_rtt(struct egress_health *h, u64 us)
{
	atomic64_inc(&h->rtt[egress_rtt_bucket(us)]);
	atomic64_inc(&h->rtt_count);
	atomic64_add(us, &h->rtt_sum_us);
}

/* Start every counter from 0 again, keeping what is counted meanwhile. */
void egress_health_reset(struct egress_health *h);

/* The largest nest egress_health_to_nlattr() makes. */
size_t egress_health_nlattr_size_max(void);

/* A NF_EGRESS_HEALTH_A_* nest of type @attrtype; -EMSGSIZE if no room. */
int egress_health_to_nlattr(struct sk_buff *skb, int attrtype,
			    const struct egress_health *h);

#endif /* _NF_EGRESS_HEALTH_H */
