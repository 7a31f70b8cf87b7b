// SPDX-License-Identifier: GPL-2.0
/*
 * Deny events (see events.h).
 *
 * An event is built and multicast right in the packet path, in whatever
 * context the packet is sent from (a task, or softirq for TCP's timers and
 * ACK clocking), so everything here is atomic: GFP_ATOMIC allocations and
 * one spinlock per policy, held for a few instructions.  The socket's cgroup
 * path is written straight into the message from the names of the cgroup's
 * ancestors, which cgroup v2 never changes, so neither a path buffer nor a
 * cgroup lock is needed.
 */

#include <linux/bitops.h>
#include <linux/cgroup.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernfs.h>
#include <linux/moduleparam.h>
#include <linux/netfilter.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "class.h"
#include "compat.h"
#include "events.h"
#include "netlink.h"
#include "policy.h"

static unsigned int egress_event_rate = 100;
module_param_named(event_rate, egress_event_rate, uint, 0644);
MODULE_PARM_DESC(event_rate,
		 "Deny events sent per second and policy at most, 0 for no limit (default 100)");

void egress_event_limit_init(struct egress_event_limit *limit)
{
	spin_lock_init(&limit->lock);
}

/*
 * Take one event from @limit's budget: true, with the number of events
 * suppressed since the previous one in *suppressed; or false, and this one
 * is counted as suppressed.  A window starts with the first event after the
 * previous window ended, so no window ever holds more than event_rate
 * events.
 */
static bool egress_event_admit(struct egress_event_limit *limit,
			       u64 *suppressed)
{
	unsigned int rate = READ_ONCE(egress_event_rate);
	u64 now = ktime_get_ns();
	bool ok;

	spin_lock_bh(&limit->lock);
	if (!limit->sent || now - limit->window_start_ns >= NSEC_PER_SEC) {
		limit->window_start_ns = now;
		limit->sent = 0;
	}
	ok = !rate || limit->sent < rate;
	if (ok) {
		limit->sent++;
		*suppressed = limit->suppressed;
		limit->suppressed = 0;
	} else {
		limit->suppressed++;
	}
	spin_unlock_bh(&limit->lock);
	return ok;
}

/*
 * An admitted event could not be built: count it, and the suppressed ones
 * it was to carry, as suppressed, so that events plus suppressed counts
 * still add up to every packet reported.
 */
static void egress_event_unsent(struct egress_event_limit *limit,
				u64 suppressed)
{
	spin_lock_bh(&limit->lock);
	limit->suppressed += suppressed + 1;
	spin_unlock_bh(&limit->lock);
}

/* The index of the policy an event names as the one that decided. */
static unsigned int egress_event_level(struct egress_policy *const *policies,
				       unsigned int n, u64 denied_by,
				       enum nf_egress_event_verdict verdict)
{
	unsigned int i;

	switch (verdict) {
	case NF_EGRESS_EVENT_DENY:
		/*
		 * The first enforcing policy from the root that denied: no
		 * policy below it could have let the packet through.
		 */
		for (i = 0; i < n; i++) {
			if ((denied_by & BIT_ULL(i)) &&
			    egress_policy_enforces(policies[i]))
				return i;
		}
		break;
	case NF_EGRESS_EVENT_RATELIMITED:
		/*
		 * egress_rate_admit() does not say which bucket was short; the
		 * nearest limit on the path is the likeliest, and the one the
		 * sender's own policy sets.  A quota's rate action is a limit
		 * of its policy too.
		 */
		for (i = n; i-- > 0;) {
			const struct egress_quota_set *qs;

			qs = rcu_dereference(policies[i]->quotas);
			if (egress_policy_rate(policies[i]) ||
			    (qs && qs->rated))
				return i;
		}
		return n - 1;
	default:
		break;
	}
	/*
	 * Would-deny: the first policy from the root that said deny.  Also
	 * the fallback for a deny whose policy was switched to audit since
	 * egress_decide() looked at it.
	 */
	return denied_by ? __ffs64(denied_by) : 0;
}

void egress_event_pkt_read(const struct sk_buff *skb,
			   const struct egress_pkt *pkt,
			   struct egress_event_pkt *ev)
{
	unsigned short fragoff = 0;
	unsigned int thoff = 0;
	const __be16 *ports;
	__be16 _ports[2];

	memset(ev, 0, sizeof(*ev));
	if (pkt->family == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		ev->saddr.ip = iph->saddr;
		if (iph->frag_off & htons(IP_OFFSET))
			return;
		thoff = skb_network_offset(skb) + iph->ihl * 4;
	} else {
		ev->saddr.in6 = ipv6_hdr(skb)->saddr;
		if (ipv6_find_hdr(skb, &thoff, -1, &fragoff, NULL) < 0 ||
		    fragoff)
			return;
	}
	if (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP &&
	    pkt->proto != IPPROTO_SCTP)
		return;
	/* Source and destination port lead all three headers. */
	ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
	if (!ports)
		return;
	ev->has_ports = true;
	ev->sport = ntohs(ports[0]);
	ev->dport = ntohs(ports[1]);
}

/*
 * The length of @cgrp's path as in /proc/PID/cgroup, without the NUL, cut
 * to the leading components that fit in NF_EGRESS_CGROUP_PATH_MAX - 1
 * bytes; *@levels gets how many components that is.  Whoever owns a
 * delegated subtree can nest cgroups far deeper than that, and a netlink
 * attribute, like the event's nest around it, holds less than 64 KiB.
 */
static size_t egress_cgroup_path_len(struct cgroup *cgrp, int *levels)
{
	size_t len = 0, name_len;
	struct kernfs_node *kn;
	int level;

	for (level = 1; level <= cgrp->level; level++) {
		kn = cgroup_ancestor(cgrp, level)->kn;
		name_len = strlen(egress_kernfs_name(kn));
		if (len + 1 + name_len > NF_EGRESS_CGROUP_PATH_MAX - 1)
			break;
		len += 1 + name_len;
	}
	*levels = level - 1;
	return len ?: 1;	/* the root is "/" */
}

/* The first @levels components of @cgrp's path, @len bytes long. */
static int egress_put_cgroup_path(struct sk_buff *msg, int attrtype,
				  struct cgroup *cgrp, int levels, size_t len)
{
	struct nlattr *attr = nla_reserve(msg, attrtype, len + 1);
	char *p;
	int level;

	if (!attr)
		return -EMSGSIZE;
	p = nla_data(attr);
	if (!levels)
		*p++ = '/';
	for (level = 1; level <= levels; level++) {
		struct kernfs_node *kn = cgroup_ancestor(cgrp, level)->kn;
		const char *name = egress_kernfs_name(kn);
		size_t name_len = strlen(name);

		*p++ = '/';
		memcpy(p, name, name_len);
		p += name_len;
	}
	*p = '\0';
	return 0;
}

static int egress_event_put_pkt(struct sk_buff *msg,
				const struct egress_pkt *pkt,
				const struct egress_event_pkt *ev)
{
	int err;

	if (pkt->family == NFPROTO_IPV4)
		err = nla_put_u8(msg, NF_EGRESS_EVENT_A_FAMILY, AF_INET) ||
		      nla_put_in_addr(msg, NF_EGRESS_EVENT_A_SADDR,
				      ev->saddr.ip) ||
		      nla_put_in_addr(msg, NF_EGRESS_EVENT_A_DADDR,
				      pkt->daddr.ip);
	else
		err = nla_put_u8(msg, NF_EGRESS_EVENT_A_FAMILY, AF_INET6) ||
		      nla_put_in6_addr(msg, NF_EGRESS_EVENT_A_SADDR,
				       &ev->saddr.in6) ||
		      nla_put_in6_addr(msg, NF_EGRESS_EVENT_A_DADDR,
				       &pkt->daddr.in6);
	if (err || nla_put_u8(msg, NF_EGRESS_EVENT_A_PROTO, pkt->proto))
		return -EMSGSIZE;
	if (ev->has_ports &&
	    (nla_put_u16(msg, NF_EGRESS_EVENT_A_SPORT, ev->sport) ||
	     nla_put_u16(msg, NF_EGRESS_EVENT_A_DPORT, ev->dport)))
		return -EMSGSIZE;
	return 0;
}

static size_t egress_event_size(size_t cgroup_len, size_t policy_len)
{
	return nla_total_size(0) +			/* NF_EGRESS_A_EVENT */
	       nla_total_size_64bit(sizeof(u64)) +	/* TIME_NS */
	       nla_total_size(sizeof(u8)) +		/* VERDICT */
	       nla_total_size(cgroup_len + 1) +		/* CGROUP_PATH */
	       nla_total_size(0) +			/* CGROUP_PATH_TRUNCATED */
	       2 * nla_total_size(policy_len + 1) +	/* POLICY_PATH, TEMPLATE */
	       nla_total_size(sizeof(u32)) +		/* RULE_ID or DEFAULT */
	       nla_total_size(0) +			/* QUOTA */
	       2 * nla_total_size(sizeof(u8)) +		/* FAMILY, PROTO */
	       2 * nla_total_size(sizeof(struct in6_addr)) + /* SADDR, DADDR */
	       2 * nla_total_size(sizeof(u16)) +	/* SPORT, DPORT */
	       nla_total_size(sizeof(u32)) +		/* PID */
	       nla_total_size(TASK_COMM_LEN) +		/* COMM */
	       nla_total_size_64bit(sizeof(u64)) +	/* SUPPRESSED */
	       nla_total_size(sizeof(u32)) +		/* CONN_* */
	       nla_total_size(NF_EGRESS_CLASS_NAME_MAX);	/* CONN_CLASS */
}

/*
 * Both paths are at most NF_EGRESS_CGROUP_PATH_MAX bytes with their NUL
 * (policy paths are validated so), so the event's nest, whose length is 16
 * bits, is far from full.
 */
static_assert(2 * NLA_ALIGN(NLA_HDRLEN + NF_EGRESS_CGROUP_PATH_MAX) + 256 <
	      U16_MAX);

/* What an event of a connection limit says beyond a deny's. */
static int egress_event_put_conn(struct sk_buff *msg,
				 const struct egress_conn_verdict *conn)
{
	if (conn->class_id &&
	    nla_put_string(msg, NF_EGRESS_EVENT_A_CONN_CLASS,
			   egress_class_name(conn->class_id)))
		return -EMSGSIZE;
	switch (conn->kind) {
	case EGRESS_CONN_KIND_MAX:
		return nla_put_u32(msg, NF_EGRESS_EVENT_A_CONN_MAX, conn->value);
	case EGRESS_CONN_KIND_RATE:
		return nla_put_u32(msg, NF_EGRESS_EVENT_A_CONN_RATE, conn->value);
	default:
		return nla_put_flag(msg, NF_EGRESS_EVENT_A_CONN_TABLE_FULL);
	}
}

/* One event about the packet, naming policies[@level]. */
static void egress_event_send(const struct egress_event_pkt *ev,
			      struct cgroup *cgrp, const struct egress_pkt *pkt,
			      struct egress_policy *const *policies,
			      const struct egress_rule *const *rules,
			      unsigned int level, u64 quota_denied_by,
			      const struct egress_conn_verdict *conn,
			      enum nf_egress_event_verdict verdict)
{
	struct egress_policy *policy, *config;
	const struct egress_rule *rule;
	struct egress_event_limit *limit;
	char comm[TASK_COMM_LEN];
	struct sk_buff *msg;
	struct nlattr *nest;
	int cgroup_levels;
	size_t cgroup_len;
	u64 suppressed;
	bool task;
	void *hdr;

	policy = policies[level];
	rule = rules[level];
	limit = &policy->stats->events;
	if (!egress_event_admit(limit, &suppressed))
		return;

	/*
	 * In a task, current is the sender (connect(), sendmsg()).  In softirq
	 * it is whatever task was interrupted, and a kernel thread (a worker
	 * encrypting a tunnel's packets) only sends on somebody's behalf: say
	 * nothing then.
	 */
	task = in_task() && !(current->flags & PF_KTHREAD);
	if (task) {
		/* comm may change meanwhile: copy it once, then terminate. */
		memcpy(comm, current->comm, sizeof(comm));
		comm[sizeof(comm) - 1] = '\0';
	}
	cgroup_len = egress_cgroup_path_len(cgrp, &cgroup_levels);

	config = policy->config;
	msg = genlmsg_new(egress_event_size(cgroup_len,
					    max(strlen(policy->path),
						strlen(config->path))),
			  GFP_ATOMIC);
	if (!msg)
		goto err_unsent;
	hdr = genlmsg_put(msg, 0, 0, &egress_genl_family, 0,
			  NF_EGRESS_CMD_EVENT);
	if (!hdr)
		goto err_free;
	nest = nla_nest_start(msg, NF_EGRESS_A_EVENT);
	if (!nest)
		goto err_free;
	if (nla_put_u64_64bit(msg, NF_EGRESS_EVENT_A_TIME_NS,
			      ktime_get_real_ns(), NF_EGRESS_EVENT_A_PAD) ||
	    nla_put_u8(msg, NF_EGRESS_EVENT_A_VERDICT, verdict) ||
	    egress_put_cgroup_path(msg, NF_EGRESS_EVENT_A_CGROUP_PATH, cgrp,
				   cgroup_levels, cgroup_len) ||
	    (cgroup_levels < cgrp->level &&
	     nla_put_flag(msg, NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED)) ||
	    nla_put_string(msg, NF_EGRESS_EVENT_A_POLICY_PATH, policy->path) ||
	    (config != policy &&
	     nla_put_string(msg, NF_EGRESS_EVENT_A_TEMPLATE, config->path)))
		goto err_free;
	if (rule ? nla_put_u32(msg, NF_EGRESS_EVENT_A_RULE_ID, rule->id) :
		   nla_put_flag(msg, NF_EGRESS_EVENT_A_DEFAULT))
		goto err_free;
	if ((quota_denied_by & BIT_ULL(level)) &&
	    nla_put_flag(msg, NF_EGRESS_EVENT_A_QUOTA))
		goto err_free;
	if (conn && egress_event_put_conn(msg, conn))
		goto err_free;
	if (egress_event_put_pkt(msg, pkt, ev))
		goto err_free;
	if (task && (nla_put_u32(msg, NF_EGRESS_EVENT_A_PID,
				 task_tgid_nr(current)) ||
		     nla_put_string(msg, NF_EGRESS_EVENT_A_COMM, comm)))
		goto err_free;
	if (suppressed &&
	    nla_put_u64_64bit(msg, NF_EGRESS_EVENT_A_SUPPRESSED, suppressed,
			      NF_EGRESS_EVENT_A_PAD))
		goto err_free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);

	/*
	 * This fails only when the last listener left meanwhile, or when a
	 * listener's receive buffer is full; that listener then gets ENOBUFS
	 * from its socket and knows it lost events.
	 */
	genlmsg_multicast(&egress_genl_family, msg, 0, EGRESS_MCGRP_EVENTS,
			  GFP_ATOMIC);
	return;

err_free:
	nlmsg_free(msg);
err_unsent:
	egress_event_unsent(limit, suppressed);
}

void egress_event_report(const struct egress_event_pkt *ev,
			 struct cgroup *cgrp, const struct egress_pkt *pkt,
			 struct egress_policy *const *policies,
			 const struct egress_rule *const *rules, unsigned int n,
			 u64 denied_by, u64 quota_denied_by,
			 enum nf_egress_event_verdict verdict)
{
	egress_event_send(ev, cgrp, pkt, policies, rules,
			  egress_event_level(policies, n, denied_by, verdict),
			  quota_denied_by, NULL, verdict);
}

void egress_conn_event_report(const struct egress_event_pkt *ev,
			      struct cgroup *cgrp, const struct egress_pkt *pkt,
			      struct egress_policy *const *policies,
			      const struct egress_rule *const *rules,
			      const struct egress_conn_verdict *conn,
			      enum nf_egress_event_verdict verdict)
{
	egress_event_send(ev, cgrp, pkt, policies, rules, conn->level, 0, conn,
			  verdict);
}

void egress_instance_event_report(const struct cgroup *cgrp, int level,
				  struct egress_policy *template)
{
	/* cgroup_ancestor() takes no const; nothing here writes to it. */
	struct cgroup *cg = (struct cgroup *)cgrp;
	struct egress_event_limit *limit = &template->stats->events;
	size_t cgroup_len, len;
	struct sk_buff *msg;
	int cgroup_levels;
	u64 suppressed;
	void *hdr;

	if (!egress_events_listened() || !egress_event_admit(limit, &suppressed))
		return;
	cgroup_len = egress_cgroup_path_len(cgroup_ancestor(cg, level),
					    &cgroup_levels);
	len = strlen(template->path);
	msg = genlmsg_new(nla_total_size(cgroup_len + 1) +
			  nla_total_size(len + 1) + nla_total_size(sizeof(u32)),
			  GFP_ATOMIC);
	if (!msg)
		goto err_unsent;
	hdr = genlmsg_put(msg, 0, 0, &egress_genl_family, 0,
			  NF_EGRESS_CMD_INSTANCE_EVENT);
	if (!hdr ||
	    egress_put_cgroup_path(msg, NF_EGRESS_A_CGROUP_PATH,
				   cgroup_ancestor(cg, level), cgroup_levels,
				   cgroup_len) ||
	    nla_put_string(msg, NF_EGRESS_A_TEMPLATE, template->path) ||
	    nla_put_u32(msg, NF_EGRESS_A_INSTANCES_MAX,
			READ_ONCE(template->tmpl->max)))
		goto err_free;
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&egress_genl_family, msg, 0, EGRESS_MCGRP_EVENTS,
			  GFP_ATOMIC);
	return;

err_free:
	nlmsg_free(msg);
err_unsent:
	egress_event_unsent(limit, suppressed);
}

static void egress_quota_events_send(struct work_struct *work);
static DECLARE_DELAYED_WORK(egress_quota_events_work, egress_quota_events_send);
/*
 * Set at unload (config mutex): a request still running then (the family
 * is registered until egress_netlink_exit()) marks no more work.
 */
static bool egress_quota_events_stopped;

void egress_quota_mark_crossed(struct egress_quota *quota, unsigned long crossed)
{
	unsigned long bits = crossed;
	unsigned int i;

	for_each_set_bit(i, &bits, EGRESS_QUOTA_WARN_MAX + 1) {
		/* The usage the crossing left; the work reads it after the bit. */
		smp_mb__before_atomic();
		set_bit(i, &quota->pending);
	}
	if (READ_ONCE(egress_quota_events_stopped))
		return;
	/*
	 * A retry waiting a second must not hold back a new event: its timer
	 * goes (schedule_delayed_work() leaves a pending one as it is).  Not
	 * mod_delayed_work(): it needs the system workqueue by a name that
	 * changes between the kernels supported.
	 */
	cancel_delayed_work(&egress_quota_events_work);
	schedule_delayed_work(&egress_quota_events_work, 0);
}

/* -ENOMEM when the event could not be built (to be sent later). */
static int egress_quota_event_send(const struct egress_policy *policy,
				   const struct egress_quota *quota, int crossed)
{
	const struct egress_policy *template = policy->config;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(nla_total_size(strlen(policy->path) + 1) +
			  nla_total_size(strlen(template->path) + 1) +
			  egress_quota_nlattr_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &egress_genl_family, 0,
			  NF_EGRESS_CMD_QUOTA_EVENT);
	if (!hdr ||
	    nla_put_string(msg, NF_EGRESS_A_CGROUP_PATH, policy->path) ||
	    (template != policy &&
	     nla_put_string(msg, NF_EGRESS_A_TEMPLATE, template->path)) ||
	    egress_quota_to_nlattr(msg, quota, crossed, NF_EGRESS_A_QUOTA)) {
		/* The size above is the most a message needs. */
		WARN_ON_ONCE(1);
		nlmsg_free(msg);
		return 0;
	}
	genlmsg_end(msg, hdr);
	/* No listener (-ESRCH) is no loss. */
	genlmsg_multicast(&egress_genl_family, msg, 0, EGRESS_MCGRP_EVENTS,
			  GFP_KERNEL);
	return 0;
}

/* The events @policy's quotas have to send; false if one must wait. */
bool egress_quota_events_flush_policy(struct egress_policy *policy)
{
	struct egress_quota_set *qs;
	struct egress_quota *quota;
	unsigned long bits;
	bool sent = true;
	unsigned int j;
	int i;

	qs = rcu_dereference_protected(policy->quotas,
				       lockdep_is_held(&egress_config_mutex));
	for (j = 0; qs && j < qs->n; j++) {
		quota = &qs->quota[j];
		/* Read first: the line is the one every charge writes. */
		if (!READ_ONCE(quota->pending))
			continue;
		bits = xchg(&quota->pending, 0);
		/* Pairs with the barrier before set_bit(). */
		smp_mb__after_atomic();
		for_each_set_bit(i, &bits, EGRESS_QUOTA_WARN_MAX + 1) {
			if (egress_quota_event_send(policy, quota, i)) {
				set_bit(i, &quota->pending);
				sent = false;
			}
		}
	}
	return sent;
}

static void egress_quota_events_send(struct work_struct *work)
{
	struct egress_policy *policy, *instance;
	bool retry = false;

	mutex_lock(&egress_config_mutex);
	list_for_each_entry(policy, &egress_live_set_locked()->policies, list_node) {
		retry |= !egress_quota_events_flush_policy(policy);
		if (!policy->tmpl)
			continue;
		list_for_each_entry_rcu(instance, &policy->tmpl->instances,
					list_node,
					lockdep_is_held(&egress_config_mutex)) {
			retry |= !egress_quota_events_flush_policy(instance);
			cond_resched();
		}
	}
	mutex_unlock(&egress_config_mutex);
	/* Out of memory: try again in a second rather than lose the event. */
	if (retry)
		schedule_delayed_work(&egress_quota_events_work, HZ);
}

void egress_quota_events_flush(void)
{
	/* Send what is marked; out of memory, give up rather than wait. */
	flush_delayed_work(&egress_quota_events_work);
	mutex_lock(&egress_config_mutex);
	WRITE_ONCE(egress_quota_events_stopped, true);
	mutex_unlock(&egress_config_mutex);
	cancel_delayed_work_sync(&egress_quota_events_work);
}
