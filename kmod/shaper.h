/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shape mode: packets over a policy's rate wait in the policy's queue and
 * leave when the departure clocks of every shaping level on their path
 * allow (see ratelimit.h for the clocks), each socket's in the order it
 * sent them.  A used-up quota with the rate action is a shaping level of
 * its policy too.
 *
 * A waiting packet is stolen from LOCAL_OUT and later handed to the same
 * continuation (state->okfn, dst_output) from a soft hrtimer.  That is only
 * sound if no hook after ours would have seen it, so the hook runs last on
 * LOCAL_OUT (hook.c).
 */
#ifndef _NF_EGRESS_SHAPER_H
#define _NF_EGRESS_SHAPER_H

#include <linux/hrtimer.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/types.h>

struct nf_hook_state;
struct net_device;
struct sk_buff;
struct egress_policy;
struct egress_rule;
struct egress_wire_size;
struct egress_shaper_flows;

struct egress_shaper {
	/*
	 * Covers the fields below (pending is also read without it, hence
	 * WRITE_ONCE).  Taken before any bucket lock and never together with
	 * another shaper's lock.
	 */
	spinlock_t lock;
	/* The policy is going away: let packets pass instead of queueing. */
	bool closed;
	struct rb_root_cached queue;	/* struct egress_shaped_pkt, by time */
	u32 queued;			/* on the queue */
	/* Queued plus taken off and not yet handed on or dropped. */
	u32 pending;
	/* Those packets per socket (shaper.c), or NULL before the first. */
	struct egress_shaper_flows *flows;
	struct hrtimer timer;		/* armed while the queue is not empty */
};

enum egress_shape_result {
	EGRESS_SHAPE_PASS,	/* may leave now: NF_ACCEPT */
	EGRESS_SHAPE_QUEUED,	/* stolen; will leave later */
	EGRESS_SHAPE_DROP,	/* over the queue's bounds: drop */
};

int egress_shaper_module_init(void);
/* After every policy is freed. */
void egress_shaper_module_exit(void);

void egress_shaper_init(struct egress_shaper *shaper);
/*
 * Hand on every waiting packet at once, and let later packets pass
 * unqueued.  No reader may reach the policy any more.  Sleeps.
 */
void egress_shaper_destroy(struct egress_shaper *shaper);
/*
 * Let every waiting packet go at once (the policy stopped shaping): the
 * timer hands them on.
 */
void egress_shaper_flush(struct egress_shaper *shaper);
/*
 * @dev is being unregistered: drop the waiting packets that hold it.
 * Returns how many.  Process context.
 */
u32 egress_shaper_device_gone(struct egress_shaper *shaper,
			      const struct net_device *dev);

/*
 * Shape an allowed packet sent under policies[0..n) (root first): it waits
 * in the queue of the deepest shaping policy.  A policy also shapes while
 * a quota of it with the rate action counts the packet and is used up at
 * @quota_now; @rules, each level's deciding rule, says which quotas count
 * it, and is NULL when no policy on the path has such a quota.  Returns
 * whether the packet leaves now (always, when nothing on the path
 * shapes), was queued, or must be dropped; a queued packet's wait counts
 * towards every level's longest delay.  Caller holds rcu_read_lock().
 */
enum egress_shape_result egress_shape(struct egress_policy *const *policies,
				      const struct egress_rule *const *rules,
				      unsigned int n, time64_t quota_now,
				      const struct egress_wire_size *size,
				      struct sk_buff *skb,
				      const struct nf_hook_state *state);

#endif /* _NF_EGRESS_SHAPER_H */
