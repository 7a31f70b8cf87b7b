// SPDX-License-Identifier: GPL-2.0
/*
 * Shaping queues (see shaper.h).
 *
 * Each shaping policy has one queue.  A packet waits in the queue of the
 * deepest shaping policy on its path, and its departure time is worked out
 * under that queue's lock.  The queue is a tree by departure time, so the
 * timer only ever looks at its first packet: packets held back by the same
 * clocks come due in the order they came, but a class quota's rate action
 * holds back only its class, and the others must not wait behind it.  A
 * packet never overtakes one of its own socket.
 *
 * What keeps a waiting packet valid (what nf_queue keeps for a queued one):
 * - the skb's route: skb_dst_force() turns the packet path's borrowed
 *   reference into a counted one;
 * - its socket: a reference taken here, dropped after it is handed on (the
 *   skb's own wmem charge keeps TCP small queues and the send buffer
 *   pushing back on the sender meanwhile);
 * - the devices it names: its route's output device and skb->dev (a VRF
 *   re-injecting it), each held here.  A device that is
 *   unregistered takes the packets that name it along: they are dropped
 *   (egress_shaper_device_gone()), as a qdisc purges its queue;
 * - its network namespace: only sockets that hold a reference to their
 *   namespace (every socket a task opens, MPTCP subflows) are queued, so a
 *   namespace cannot go away with packets of its own waiting here.
 * - the continuation (state->okfn): a function of the core kernel, except
 *   on the pass a VRF device hands towards the real device, where
 *   vrf_ip_local_out() and vrf_ip6_local_out() pass vrf.ko's own copy of
 *   the inline dst_output().  That packet names the VRF device in
 *   skb->dev, held here, and vrf.ko cannot be unloaded before its devices
 *   are unregistered, which drops the packet first.
 * Every wait is bounded by the policy's latency, and a policy that goes
 * away (delete, apply, unload) hands its packets on at once.
 */

#include <linux/bits.h>
#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rbtree.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/dst.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "policy.h"
#include "shaper.h"

struct egress_shaped_pkt {
	union {
		struct rb_node rb;		/* in the queue, by release_ns */
		struct list_head list;		/* taken off, to hand on */
	};
	struct sk_buff *skb;
	struct sock *sk;	/* referenced */
	struct net *net;	/* kept alive by sk */
	int (*okfn)(struct net *net, struct sock *sk, struct sk_buff *skb);
	struct net_device *out;	/* held, or NULL */
	struct net_device *dev;	/* skb->dev when not @out: held, or NULL */
	netdevice_tracker out_tracker;
	netdevice_tracker dev_tracker;
	u64 release_ns;
	struct egress_shaper_flow *flow;	/* counts it */
};

/*
 * The packets of one socket in a queue, waiting or taken off and not yet
 * gone.  Order is owed within a socket only: a due packet of a socket
 * without any leaves at once, whatever else waits (others may be held back
 * by clocks it is not charged to: another class than a used-up class
 * quota's), and a packet that waits leaves no earlier than its socket's
 * latest.
 */
struct egress_shaper_flow {
	struct hlist_node node;
	const struct sock *sk;	/* compared only; its packets hold it */
	u64 last_release_ns;
	u32 count;
};

/*
 * A queue's flows by hash_ptr() of the socket, allocated with its first
 * packet that waits and freed with the queue: a policy that never queues
 * pays nothing for them.  Taken with GFP_ATOMIC on the packet path, so not
 * counted towards max_memory, like the waiting packets themselves.
 */
#define EGRESS_SHAPER_FLOW_BITS		5
#define EGRESS_SHAPER_FLOW_BUCKETS	BIT(EGRESS_SHAPER_FLOW_BITS)

struct egress_shaper_flows {
	struct hlist_head bucket[EGRESS_SHAPER_FLOW_BUCKETS];
};

/*
 * How early the timer may hand a packet on.  Waking up once per packet at
 * small-packet rates costs more than the packets (under emulation the
 * timer alone caps the rate), so one run sends everything due within this
 * much of now, and the timer may fire this much late to share a wake-up.
 * Departure clocks are not moved by it: the long-run rate stays exact, and
 * the wire sees at most this much of the rate ahead of time.
 */
#define EGRESS_SHAPER_SLACK_NS (2 * NSEC_PER_MSEC)

static struct kmem_cache *egress_shaped_cache;
static struct kmem_cache *egress_shaper_flow_cache;

int egress_shaper_module_init(void)
{
	egress_shaped_cache = KMEM_CACHE(egress_shaped_pkt, 0);
	if (!egress_shaped_cache)
		return -ENOMEM;
	egress_shaper_flow_cache = KMEM_CACHE(egress_shaper_flow, 0);
	if (!egress_shaper_flow_cache) {
		kmem_cache_destroy(egress_shaped_cache);
		return -ENOMEM;
	}
	return 0;
}

void egress_shaper_module_exit(void)
{
	kmem_cache_destroy(egress_shaper_flow_cache);
	kmem_cache_destroy(egress_shaped_cache);
}

static struct hlist_head *egress_shaper_bucket(struct egress_shaper *shaper,
					       const struct sock *sk)
{
	return &shaper->flows->bucket[hash_ptr(sk, EGRESS_SHAPER_FLOW_BITS)];
}

/* The flow of @sk's packets in the queue, or NULL.  Queue lock. */
static struct egress_shaper_flow *
egress_shaper_flow_find(struct egress_shaper *shaper, const struct sock *sk)
{
	struct egress_shaper_flow *flow;

	if (!shaper->flows)
		return NULL;
	hlist_for_each_entry(flow, egress_shaper_bucket(shaper, sk), node) {
		if (flow->sk == sk)
			return flow;
	}
	return NULL;
}

/* A new, empty flow for @sk's packets; NULL without memory.  Queue lock. */
static struct egress_shaper_flow *
egress_shaper_flow_add(struct egress_shaper *shaper, const struct sock *sk)
{
	struct egress_shaper_flow *flow;

	if (!shaper->flows) {
		shaper->flows = kzalloc(sizeof(*shaper->flows), GFP_ATOMIC);
		if (!shaper->flows)
			return NULL;
	}
	flow = kmem_cache_zalloc(egress_shaper_flow_cache, GFP_ATOMIC);
	if (!flow)
		return NULL;
	flow->sk = sk;
	hlist_add_head(&flow->node, egress_shaper_bucket(shaper, sk));
	return flow;
}

/* What a waiting packet held, once its skb is handed on or freed. */
static void egress_shaped_pkt_free(struct egress_shaped_pkt *pkt)
{
	netdev_put(pkt->dev, &pkt->dev_tracker);
	netdev_put(pkt->out, &pkt->out_tracker);
	sock_put(pkt->sk);
	kmem_cache_free(egress_shaped_cache, pkt);
}

/*
 * Send the skbs of the packets on @list (taken off a queue) on their way,
 * in order; the records stay on @list for egress_shaper_forget().
 * Softirqs off, as in the timer, so the output path runs as it would from
 * any softirq transmit.
 */
static void egress_shaper_send(struct list_head *list)
{
	struct egress_shaped_pkt *pkt;

	list_for_each_entry(pkt, list, list) {
		local_bh_disable();
		rcu_read_lock();
		pkt->okfn(pkt->net, pkt->sk, pkt->skb);
		rcu_read_unlock();
		local_bh_enable();
		pkt->skb = NULL;
	}
}

/* The same for packets to drop. */
static void egress_shaper_drop(struct list_head *list)
{
	struct egress_shaped_pkt *pkt;

	list_for_each_entry(pkt, list, list) {
		kfree_skb(pkt->skb);
		pkt->skb = NULL;
	}
}

/*
 * The packets on @list, taken off the queue earlier, are gone: they no
 * longer hold back later packets of their sockets.  Returns how many.
 */
static u32 egress_shaper_forget(struct egress_shaper *shaper,
				struct list_head *list)
{
	struct egress_shaped_pkt *pkt, *tmp;
	u32 n = 0;

	if (list_empty(list))
		return 0;
	spin_lock_bh(&shaper->lock);
	list_for_each_entry(pkt, list, list) {
		if (!--pkt->flow->count) {
			hlist_del(&pkt->flow->node);
			kmem_cache_free(egress_shaper_flow_cache, pkt->flow);
		}
		n++;
	}
	WRITE_ONCE(shaper->pending, shaper->pending - n);
	spin_unlock_bh(&shaper->lock);

	list_for_each_entry_safe(pkt, tmp, list, list) {
		list_del(&pkt->list);
		egress_shaped_pkt_free(pkt);
	}
	return n;
}

static bool egress_shaped_pkt_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct egress_shaped_pkt, rb)->release_ns <
	       rb_entry(b, struct egress_shaped_pkt, rb)->release_ns;
}

static enum hrtimer_restart egress_shaper_timer(struct hrtimer *timer)
{
	struct egress_shaper *shaper = container_of(timer, struct egress_shaper,
						    timer);
	u64 horizon = ktime_get_ns() + EGRESS_SHAPER_SLACK_NS;
	struct egress_shaped_pkt *pkt;
	struct rb_node *node;
	LIST_HEAD(due);

	spin_lock_bh(&shaper->lock);
	while ((node = rb_first_cached(&shaper->queue))) {
		pkt = rb_entry(node, struct egress_shaped_pkt, rb);
		if (pkt->release_ns > horizon)
			break;
		rb_erase_cached(node, &shaper->queue);
		list_add_tail(&pkt->list, &due);
		shaper->queued--;
	}
	pkt = rb_entry_safe(node, struct egress_shaped_pkt, rb);
	/*
	 * Armed again through hrtimer_start_range_ns(), not by returning
	 * HRTIMER_RESTART: between this callback's start and the lock, a flush
	 * may have moved the queue's times and a new packet started the timer,
	 * which is then queued, and only hrtimer_start_range_ns() may move a
	 * queued timer's expiry.
	 */
	if (pkt)
		hrtimer_start_range_ns(timer, ns_to_ktime(pkt->release_ns),
				       EGRESS_SHAPER_SLACK_NS,
				       HRTIMER_MODE_ABS_SOFT);
	spin_unlock_bh(&shaper->lock);

	/*
	 * Packets taken off stay in ->pending and in their flows until they
	 * are handed on, so a later packet of their socket does not overtake
	 * them: it waits for the next run of this timer, which cannot start
	 * before this one ends, and only this timer hands packets on while
	 * the policy lives.
	 */
	egress_shaper_send(&due);
	egress_shaper_forget(shaper, &due);
	return HRTIMER_NORESTART;
}

void egress_shaper_init(struct egress_shaper *shaper)
{
	spin_lock_init(&shaper->lock);
	shaper->queue = RB_ROOT_CACHED;
	hrtimer_setup(&shaper->timer, egress_shaper_timer, CLOCK_MONOTONIC,
		      HRTIMER_MODE_ABS_SOFT);
}

/*
 * Take the waiting packets off the queue, in order, onto @list: every one,
 * or (@dev) those that hold @dev.  Queue lock.
 */
static void egress_shaper_take(struct egress_shaper *shaper,
			       struct list_head *list,
			       const struct net_device *dev)
{
	struct egress_shaped_pkt *pkt;
	struct rb_node *node, *next;

	for (node = rb_first_cached(&shaper->queue); node; node = next) {
		next = rb_next(node);
		pkt = rb_entry(node, struct egress_shaped_pkt, rb);
		if (dev && pkt->out != dev && pkt->dev != dev)
			continue;
		rb_erase_cached(node, &shaper->queue);
		list_add_tail(&pkt->list, list);
		shaper->queued--;
	}
}

void egress_shaper_flush(struct egress_shaper *shaper)
{
	struct egress_shaper_flow *flow;
	struct egress_shaped_pkt *pkt;
	struct rb_node *node;
	u64 now;
	int i;

	/*
	 * The timer hands them on, as it does every packet while the policy
	 * lives: were this sending them too, a socket's packets could leave
	 * out of order between the two.  Bringing every time forward to now
	 * keeps the tree's order.
	 */
	spin_lock_bh(&shaper->lock);
	now = ktime_get_ns();
	for (node = rb_first_cached(&shaper->queue); node; node = rb_next(node)) {
		pkt = rb_entry(node, struct egress_shaped_pkt, rb);
		pkt->release_ns = min(pkt->release_ns, now);
	}
	for (i = 0; shaper->flows && i < EGRESS_SHAPER_FLOW_BUCKETS; i++) {
		hlist_for_each_entry(flow, &shaper->flows->bucket[i], node)
			flow->last_release_ns = min(flow->last_release_ns, now);
	}
	if (shaper->queued)
		hrtimer_start_range_ns(&shaper->timer, ns_to_ktime(now), 0,
				       HRTIMER_MODE_ABS_SOFT);
	spin_unlock_bh(&shaper->lock);
}

void egress_shaper_destroy(struct egress_shaper *shaper)
{
	struct egress_shaper_flow *flow;
	struct hlist_node *tmp;
	LIST_HEAD(list);
	int i;

	/* Closed first, so nothing re-arms the timer once it is cancelled. */
	spin_lock_bh(&shaper->lock);
	shaper->closed = true;
	egress_shaper_take(shaper, &list, NULL);
	spin_unlock_bh(&shaper->lock);
	hrtimer_cancel(&shaper->timer);
	/* The timer may have queued nothing since; it was closed. */
	spin_lock_bh(&shaper->lock);
	egress_shaper_take(shaper, &list, NULL);
	spin_unlock_bh(&shaper->lock);
	egress_shaper_send(&list);
	egress_shaper_forget(shaper, &list);
	/* Every flow went with its last packet. */
	for (i = 0; shaper->flows && i < EGRESS_SHAPER_FLOW_BUCKETS; i++) {
		hlist_for_each_entry_safe(flow, tmp, &shaper->flows->bucket[i], node) {
			WARN_ON_ONCE(1);
			hlist_del(&flow->node);
			kmem_cache_free(egress_shaper_flow_cache, flow);
		}
	}
	kfree(shaper->flows);
}

/*
 * Only a socket that pins its network namespace can wait here (see the top
 * of this file).  The others leave at once when the clocks allow it, and
 * are dropped when they do not, except a SYN-ACK's request socket, which
 * always leaves at once: answering a connection request is the peer's
 * doing, and costs the listener's clocks all the same.
 */
enum egress_shaper_hold {
	EGRESS_HOLD_QUEUE,	/* may wait in the queue */
	EGRESS_HOLD_PASS,	/* leaves at once, whatever the clocks say */
	EGRESS_HOLD_POLICE,	/* leaves at once if it may, else dropped */
};

/*
 * The device the packet leaves by: its route's (NAT or mangle at OUTPUT
 * may have routed it again since the hook's state was made).
 */
static struct net_device *egress_shaped_out(const struct sk_buff *skb,
					    const struct nf_hook_state *state)
{
	return skb_dst(skb) ? skb_dst(skb)->dev : state->out;
}

static bool egress_dev_going(const struct net_device *dev)
{
	return dev && READ_ONCE(dev->reg_state) != NETREG_REGISTERED;
}

static enum egress_shaper_hold egress_shaper_hold(const struct sk_buff *skb,
						  const struct nf_hook_state *state)
{
	struct sock *sk = state->sk;

	if (sk && !sk_fullsock(sk))
		return sk->sk_state == TCP_NEW_SYN_RECV ? EGRESS_HOLD_PASS :
							  EGRESS_HOLD_POLICE;
	if (!sk || !sk->sk_net_refcnt)
		return EGRESS_HOLD_POLICE;
	/*
	 * Nor may it wait for a device being unregistered: the kernel marks
	 * it so, waits for a grace period (which this hook is inside of),
	 * then tells egress_shaper_device_gone() to drop what waits for it.
	 * Queued after that, a packet would keep the device until it left.
	 */
	if (egress_dev_going(egress_shaped_out(skb, state)) ||
	    egress_dev_going(skb->dev))
		return EGRESS_HOLD_POLICE;
	return EGRESS_HOLD_QUEUE;
}

static void egress_shaper_note_delay(struct egress_policy *const *policies,
				     unsigned int n, u64 delay)
{
	unsigned int i;

	/* A racy maximum: two CPUs raising it at once may keep the lower. */
	for (i = 0; i < n; i++) {
		struct egress_stats *stats = policies[i]->stats;

		if (delay > READ_ONCE(stats->max_delay_ns))
			WRITE_ONCE(stats->max_delay_ns, delay);
	}
}

/*
 * Which rate-action quotas on the path hold the packet back now.  Rolling
 * a period over takes the quota's lock, so this runs before any queue's.
 */
static void egress_quota_rates_read(struct egress_policy *const *policies,
				    const struct egress_rule *const *rules,
				    unsigned int n, time64_t now,
				    struct egress_quota_rates *qr)
{
	struct egress_quota_set *qs;
	struct egress_quota *quota;
	unsigned long rated;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		qs = rcu_dereference(policies[i]->quotas);
		qr->used_up[i] = 0;
		qr->active[i] = 0;
		qr->set[i] = qs && qs->rated ? qs : NULL;
		if (!qr->set[i])
			continue;
		rated = qs->rated;
		for_each_set_bit(j, &rated, EGRESS_QUOTAS_MAX) {
			quota = &qs->quota[j];
			if (!egress_quota_exhausted(quota, now))
				continue;
			qr->used_up[i] |= BIT(j);
			if (egress_quota_counts(quota, rules[i]))
				qr->active[i] |= BIT(j);
		}
	}
}

/*
 * Whether the packet may have to wait in the queue of @policy, level @i,
 * and if so the limit whose queue bounds apply: the policy's own shaping
 * limit, else a used-up rate-action quota's.  A used-up class quota makes
 * its level shape every packet, of its class or not, so that a socket's
 * packets keep to one queue through the period (in two they could
 * overtake each other).  Once the period is over, packets that it held
 * back may still wait there: later packets come to the same queue, where
 * they do not overtake their sockets' packets.
 */
static const struct egress_rate *
egress_shape_level(struct egress_policy *policy,
		   const struct egress_quota_rates *qr, unsigned int i)
{
	const struct egress_rate *rate = egress_policy_rate(policy);
	const struct egress_quota_set *qs;

	if (rate && rate->mode == NF_EGRESS_RATE_SHAPE)
		return rate;
	qs = qr ? qr->set[i] : NULL;
	if (!qs)
		return NULL;
	if (qr->active[i])
		return &qs->quota[__ffs(qr->active[i])].rate;
	if (qr->used_up[i])
		return &qs->quota[__ffs(qr->used_up[i])].rate;
	if (READ_ONCE(policy->shaper.pending))
		return &qs->quota[__ffs(qs->rated)].rate;
	return NULL;
}

enum egress_shape_result egress_shape(struct egress_policy *const *policies,
				      const struct egress_rule *const *rules,
				      unsigned int n, time64_t quota_now,
				      const struct egress_wire_size *size,
				      struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	/* Written by egress_rate_reserve() before use; no zeroing needed. */
	struct egress_rate_costs costs __uninitialized;
	/* The first n entries are filled before use. */
	struct egress_quota_rates quota_rates __uninitialized;
	const struct egress_quota_rates *qr = NULL;
	const struct egress_rate *rate = NULL;
	enum egress_shaper_hold hold;
	struct egress_shaper_flow *flow;
	struct egress_shaped_pkt *pkt;
	struct egress_shaper *shaper;
	u64 now, release, delay;
	int owner;

	if (rules) {
		egress_quota_rates_read(policies, rules, n, quota_now,
					&quota_rates);
		qr = &quota_rates;
	}
	for (owner = n - 1; owner >= 0; owner--) {
		rate = egress_shape_level(policies[owner], qr, owner);
		if (rate)
			break;
	}
	if (owner < 0)
		return EGRESS_SHAPE_PASS;
	shaper = &policies[owner]->shaper;
	hold = egress_shaper_hold(skb, state);

	spin_lock_bh(&shaper->lock);
	if (shaper->closed)
		goto pass;
	now = ktime_get_ns();
	release = egress_rate_reserve(policies, n, qr, size, now,
				      rate->latency_ns, costs.level);
	if (hold == EGRESS_HOLD_PASS)
		goto pass;
	/*
	 * Not ordered after its socket's waiting packets: those that hold a
	 * device being unregistered are dropped with it.
	 */
	if (hold == EGRESS_HOLD_POLICE) {
		if (release <= now)
			goto pass;
		goto unreserve;
	}
	flow = egress_shaper_flow_find(shaper, state->sk);
	if (release <= now && !flow)
		goto pass;
	if (shaper->queued >= rate->queue_limit)
		goto unreserve;
	if (flow)
		release = max(release, flow->last_release_ns);
	if (release - now > rate->latency_ns)
		goto unreserve;
	/* The packet path's route reference is only good under RCU. */
	if (!skb_dst_force(skb))
		goto unreserve;
	pkt = kmem_cache_alloc(egress_shaped_cache, GFP_ATOMIC);
	if (!pkt)
		goto unreserve;
	if (!flow) {
		flow = egress_shaper_flow_add(shaper, state->sk);
		if (!flow) {
			kmem_cache_free(egress_shaped_cache, pkt);
			goto unreserve;
		}
	}
	sock_hold(state->sk);
	pkt->skb = skb;
	pkt->sk = state->sk;
	pkt->net = state->net;
	pkt->okfn = state->okfn;
	pkt->out = egress_shaped_out(skb, state);
	netdev_hold(pkt->out, &pkt->out_tracker, GFP_ATOMIC);
	pkt->dev = skb->dev != pkt->out ? skb->dev : NULL;
	netdev_hold(pkt->dev, &pkt->dev_tracker, GFP_ATOMIC);
	pkt->release_ns = release;
	/* Once the lock is dropped the timer may send and free @pkt. */
	delay = release - now;
	pkt->flow = flow;
	flow->last_release_ns = max(flow->last_release_ns, release);
	flow->count++;
	shaper->queued++;
	WRITE_ONCE(shaper->pending, shaper->pending + 1);
	/* A new head: the timer may be armed for a later time, or not at all. */
	if (rb_add_cached(&pkt->rb, &shaper->queue, egress_shaped_pkt_less))
		hrtimer_start_range_ns(&shaper->timer,
				       ns_to_ktime(pkt->release_ns),
				       EGRESS_SHAPER_SLACK_NS,
				       HRTIMER_MODE_ABS_SOFT);
	spin_unlock_bh(&shaper->lock);
	egress_shaper_note_delay(policies, n, delay);
	return EGRESS_SHAPE_QUEUED;

unreserve:
	egress_rate_unreserve(policies, n, qr, size, costs.level);
	spin_unlock_bh(&shaper->lock);
	return EGRESS_SHAPE_DROP;
pass:
	spin_unlock_bh(&shaper->lock);
	return EGRESS_SHAPE_PASS;
}

u32 egress_shaper_device_gone(struct egress_shaper *shaper,
			      const struct net_device *dev)
{
	LIST_HEAD(gone);

	spin_lock_bh(&shaper->lock);
	egress_shaper_take(shaper, &gone, dev);
	spin_unlock_bh(&shaper->lock);

	egress_shaper_drop(&gone);
	return egress_shaper_forget(shaper, &gone);
}
