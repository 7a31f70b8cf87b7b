/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-policy rate limits: token buckets (police mode) and departure clocks
 * (shape mode).
 *
 * Tokens are nanoseconds of sending time, as in nft_limit: a packet costs
 * its bytes times the nanoseconds one byte takes at the configured rate
 * (a 32.32 fixed-point reciprocal worked out at configuration time, so the
 * packet path multiplies and never divides).  Elapsed time is clamped to
 * the bucket depth before it is added.  A packet passes while the bucket is
 * not empty and may leave it in debt, which later packets wait out: the
 * long-run rate stays exact, and a packet that costs more than the whole
 * depth (a 64 KB GSO packet under a small burst) is not refused forever.
 * Each policy has its own lock, held only around its bucket.
 *
 * Shape mode keeps the same costs on an earliest-departure-time clock per
 * level instead: the clock is when the level's last packet may leave, and
 * it never lags the present by more than the burst.  A packet's departure
 * time is the latest over the shaping levels on its path (shaper.c).
 */
#ifndef _NF_EGRESS_RATELIMIT_H
#define _NF_EGRESS_RATELIMIT_H

#include <linux/bits.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/types.h>

#include "path.h"

struct nlattr;
struct netlink_ext_ack;
struct sk_buff;
struct egress_policy;
struct egress_quota_rates;
struct egress_wire_size;

/* A policy's configured limit; immutable, replaced as a whole under RCU. */
struct egress_rate {
	struct rcu_head rcu;
	u64 bytes_per_sec;	/* 0: no byte limit */
	u32 burst;		/* bytes */
	u32 pps;		/* 0: no packet limit */
	u8 mode;		/* enum nf_egress_rate_mode */
	u64 ns_per_byte_fp32;	/* NSEC_PER_SEC / bytes_per_sec, 32.32 */
	u64 byte_depth_ns;	/* burst as tokens */
	u64 ns_per_packet;
	u64 packet_depth_ns;
	u32 queue_limit;	/* shape: packets */
	u64 latency_ns;		/* shape: longest wait */
};

struct egress_bucket {
	spinlock_t lock;	/* the fields below, and nothing else */
	u64 last_ns;
	/* Below zero after a full bucket let one oversize packet through. */
	s64 byte_tokens_ns;
	s64 packet_tokens_ns;
	/* Shape mode: when the last packet charged here may leave. */
	u64 byte_edt_ns;
	u64 packet_edt_ns;
};

/* What one packet costs at one level, in nanoseconds of sending time. */
struct egress_rate_cost {
	u64 byte_ns;
	u64 packet_ns;
};

/*
 * What it costs at each level of a path.  A struct, not a bare array: GCC
 * aligns a local array of 16-byte elements to 16 bytes, and the kernel's
 * 8-byte stack alignment then costs the function holding it a stack
 * realignment on every call (struct egress_pkt in ruleset.h).
 */
struct egress_rate_costs {
	struct egress_rate_cost level[EGRESS_POLICY_DEPTH_MAX + 1];
};

/*
 * Does a byte cost some time at @bytes_per_sec?  Its cost is a 32.32
 * number of nanoseconds.
 */
static inline bool egress_rate_bytes_ok(u64 bytes_per_sec)
{
	return bytes_per_sec && bytes_per_sec <= (u64)NSEC_PER_SEC << 32;
}

/*
 * A shape-mode limit of @bytes_per_sec (egress_rate_bytes_ok()) with the
 * defaults a policy's limit gets when given only a byte rate: the burst,
 * the queue and the latency.
 */
void egress_rate_init_shape(struct egress_rate *rate, u64 bytes_per_sec);

void egress_bucket_init(struct egress_bucket *bucket);
/*
 * @to, a bucket no reader sees yet, takes over @from's state: an apply that
 * keeps a path's limit hands out no new burst.
 */
void egress_bucket_carry(struct egress_bucket *to, struct egress_bucket *from);

/*
 * Parse a NF_EGRESS_A_RATE nest.  *rate is NULL for "rate none".  Returns
 * 0 or -errno with extack set.
 */
int egress_rate_from_nlattr(const struct nlattr *nest, struct egress_rate **rate,
			    struct netlink_ext_ack *extack);
int egress_rate_to_nlattr(struct sk_buff *skb, const struct egress_rate *rate);

/* What the rate limits on a cgroup's path ask of the packet path. */
#define EGRESS_PATH_POLICE	BIT(0)	/* some policy on it polices */
#define EGRESS_PATH_SHAPE	BIT(1)	/* some policy on it shapes */
#define EGRESS_PATH_QUOTA	BIT(2)	/* some policy on it has quotas */
/* Some policy on it has a quota with the rate action. */
#define EGRESS_PATH_QUOTA_RATE	BIT(3)
/* Some policy on it limits connections (conn.h). */
#define EGRESS_PATH_CONN	BIT(4)

/*
 * EGRESS_PATH_* of @policies[0..n).  The cgroup cache keeps the answer with
 * the path, so paths without rate limits skip both rate walks; a rate change
 * makes cached answers stale.  Caller holds rcu_read_lock().
 */
u32 egress_rate_path_flags(struct egress_policy *const *policies,
			   unsigned int n);

/*
 * Take tokens for a packet of @size from every police-mode policy among
 * @policies[0..n), root first; all or none.  Returns false if some bucket
 * is short, having taken nothing; true with what each level gave in
 * @costs.  Caller holds rcu_read_lock().
 */
bool egress_rate_admit(struct egress_policy *const *policies, unsigned int n,
		       const struct egress_wire_size *size,
		       struct egress_rate_cost *costs);
/* Give back what egress_rate_admit() took for a packet that did not leave. */
void egress_rate_refund(struct egress_policy *const *policies, unsigned int n,
			const struct egress_rate_cost *costs);

/*
 * Shape mode: advance the departure clock of every shaping policy among
 * @policies[0..n) by the packet's cost (kept in @costs, 0 for the other
 * levels), and of every quota limit that @qr (may be NULL) says holds the
 * packet back, and return the time, in ktime_get_ns() terms, at which the
 * packet may leave; @now or earlier means at once.  @queue_latency_ns is
 * the bound of the queue the packet would wait in.  Caller holds
 * rcu_read_lock() and the lock of that queue.
 */
u64 egress_rate_reserve(struct egress_policy *const *policies, unsigned int n,
			const struct egress_quota_rates *qr,
			const struct egress_wire_size *size, u64 now,
			u64 queue_latency_ns, struct egress_rate_cost *costs);
/*
 * Undo egress_rate_reserve() for a packet that will not be sent; the same
 * @qr and @size, in the same RCU read-side section.
 */
void egress_rate_unreserve(struct egress_policy *const *policies,
			   unsigned int n, const struct egress_quota_rates *qr,
			   const struct egress_wire_size *size,
			   const struct egress_rate_cost *costs);

/*
 * A bucket of connections (conn.h): @bucket's packet tokens, of @depth_ns
 * nanoseconds, pay @cost_ns a connection.  Unlike a packet, a connection
 * is never let into debt: a bucket that holds less than one refuses, so
 * at most the burst plus the rate times the time passes.
 */
bool egress_conn_bucket_take(struct egress_bucket *bucket, u64 cost_ns,
			     u64 depth_ns, u64 now);
void egress_conn_bucket_refund(struct egress_bucket *bucket, u64 cost_ns);

#endif /* _NF_EGRESS_RATELIMIT_H */
