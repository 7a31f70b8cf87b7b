/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deny events: one generic netlink notification per packet that a policy
 * denied, that a rate limit dropped, or that an audit policy would have
 * denied and that left, multicast to the family's "events" group.  One
 * packet gives at most one event.
 *
 * The packet path pays for events only when somebody listens: with no
 * member in the group, it looks no further than egress_events_listened().
 * Events are rate-limited per policy (module parameter event_rate) so that a
 * flood of denied packets cannot turn into a flood of notifications; the
 * number suppressed goes out with the next event of the same policy.
 */
#ifndef _NF_EGRESS_EVENTS_H
#define _NF_EGRESS_EVENTS_H

#include <linux/netfilter.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <net/net_namespace.h>

#include <linux/nf_egress.h>

#include "netlink.h"

struct cgroup;
struct sk_buff;
struct egress_pkt;
struct egress_policy;
struct egress_rule;
struct egress_conn_verdict;

/*
 * A policy's event budget: at most event_rate events per one-second window.
 * It lives with the policy's counters (struct egress_stats), so an apply that
 * keeps the path keeps the window and the suppressed count too.
 */
struct egress_event_limit {
	spinlock_t lock;	/* the fields below */
	u64 window_start_ns;	/* ktime_get_ns() at the window's first event */
	u32 sent;		/* events sent in the window */
	u64 suppressed;		/* since the last event sent */
};

void egress_event_limit_init(struct egress_event_limit *limit);

/*
 * What an event says of the packet beyond struct egress_pkt; the address
 * last, as there (ruleset.h).
 */
struct egress_event_pkt {
	bool has_ports;
	u16 sport;
	u16 dport;
	union nf_inet_addr saddr;
};

/*
 * Is anybody listening?  The packet path pays for an event only then: one
 * bitmap test.  Caller holds rcu_read_lock().
 */
static inline bool egress_events_listened(void)
{
	return genl_has_listeners(&egress_genl_family, &init_net,
				  EGRESS_MCGRP_EVENTS);
}

/*
 * Read the rest of what an event says of @skb.  Before the packet may be
 * queued for shaping: a queued packet can leave and be freed at any time.
 */
void egress_event_pkt_read(const struct sk_buff *skb,
			   const struct egress_pkt *pkt,
			   struct egress_event_pkt *ev);

/*
 * Report one packet sent by a socket of @cgrp and judged by
 * @policies[0..n) with @rules and @denied_by as egress_decide() left them;
 * @quota_denied_by: the levels of those whose used-up quota denied it.
 * @verdict says what happened to it.  Caller holds rcu_read_lock().
 */
void egress_event_report(const struct egress_event_pkt *ev,
			 struct cgroup *cgrp, const struct egress_pkt *pkt,
			 struct egress_policy *const *policies,
			 const struct egress_rule *const *rules, unsigned int n,
			 u64 denied_by, u64 quota_denied_by,
			 enum nf_egress_event_verdict verdict);

/*
 * Report the first SYN of a connection that @conn says a connection limit
 * refused (NF_EGRESS_EVENT_CONNLIMIT) or would have (WOULD_CONNLIMIT),
 * naming the policy of that level and the limit.  Caller holds
 * rcu_read_lock().
 */
void egress_conn_event_report(const struct egress_event_pkt *ev,
			      struct cgroup *cgrp, const struct egress_pkt *pkt,
			      struct egress_policy *const *policies,
			      const struct egress_rule *const *rules,
			      const struct egress_conn_verdict *conn,
			      enum nf_egress_event_verdict verdict);

/*
 * The cgroup @cgrp matches @template at the level @level of its path, and
 * the template has no room for another instance: NF_EGRESS_CMD_INSTANCE_EVENT,
 * within the template's event budget.  Caller holds rcu_read_lock().
 */
void egress_instance_event_report(const struct cgroup *cgrp, int level,
				  struct egress_policy *template);

/*
 * Quota events: the packet path marks crossed thresholds on the quota
 * (egress_quota_mark_crossed()) and a work item sends one QUOTA_EVENT per
 * crossing to the events group, outside the events' rate limit.
 */
struct egress_quota;
void egress_quota_mark_crossed(struct egress_quota *quota, unsigned long crossed);
/* After the hooks are gone (no crossing is marked any more): send the rest. */
void egress_quota_events_flush(void);
/*
 * Send the events @policy's quotas still have to send, now (one that
 * goes: its last word comes before it is freed).  False when one could
 * not be built and waits for the next try.  Config mutex.
 */
bool egress_quota_events_flush_policy(struct egress_policy *policy);

#endif /* _NF_EGRESS_EVENTS_H */
