// SPDX-License-Identifier: GPL-2.0
/*
 * Connection limits (see conn.h).
 *
 * The release comes from the sock:inet_sock_set_state tracepoint.  The
 * kernel exports no register_trace_inet_sock_set_state() to modules, but
 * for_each_kernel_tracepoint() and tracepoint_probe_register() are, on
 * every supported kernel: the tracepoint is found by name and the probe
 * attached to it.  The probe runs with preemption disabled up to 6.x and
 * under SRCU, possibly preemptible, on 7.x; it takes its own RCU read
 * lock and touches only atomics, so it needs neither.
 *
 * The same table and probe count connection health (health.h) when the
 * module parameter health is on: then every first SYN of a path with a
 * policy gets an entry, which names every level and the class each level's
 * rule gave the connection; its move to ESTABLISHED and its close tell how
 * the connection went, and tcp:tcp_retransmit_skb (found the same way)
 * counts what it sent again.  A connection that only health counts is
 * never refused for want of room: it is not counted
 * (egress_health_untracked).
 *
 * Entries hold no pointer into the module from any socket (unlike a
 * chained sk_destruct), so unload is always possible: the hooks go first
 * (nothing is charged any more), then the probes, then the table, each
 * entry dropping what it charged.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bits.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sock_diag.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tcp_states.h>

#include <linux/nf_egress.h>

#include "class.h"
#include "compat.h"
#include "conn.h"
#include "health.h"
#include "netlink-gen.h"
#include "policy.h"

/*
 * Bounds the table's memory (an entry is 48 bytes plus 16 per level it
 * names).  A first SYN that needs a slot when this many sockets are
 * counted is refused: a limit that could be escaped by opening enough
 * connections would be no limit.
 */
static unsigned int egress_conn_sockets_max = 1U << 20;
module_param_named(conn_sockets_max, egress_conn_sockets_max, uint, 0644);
MODULE_PARM_DESC(conn_sockets_max,
		 "TCP sockets counted against connection limits at most; beyond, their first SYN is refused (default 1048576)");

/*
 * The same for sockets only health follows, apart: connections a cgroup
 * without limits opens must not use up the room of those that have some
 * (which then fail closed).  Beyond, a connection is not followed.
 */
static unsigned int egress_health_sockets_max = 1U << 18;
module_param_named(health_sockets_max, egress_health_sockets_max, uint, 0644);
MODULE_PARM_DESC(health_sockets_max,
		 "TCP sockets followed for connection health alone at most; beyond, not followed (default 262144)");

/* Room in an s64 bucket for its depth and a depth of idle time. */
#define EGRESS_CONN_DEPTH_NS_MAX BIT_ULL(62)

/* One level a counted socket's connection is charged to or counted at. */
struct egress_conn_level {
	struct egress_stats *stats;	/* a reference */
	u8 class_id;		/* of the rule that allowed its first SYN */
	u8 charged;		/* EGRESS_CONN_CHARGED_*: the slots it holds */
};

/* A level's slots an entry holds: of its own limit, of its class's. */
#define EGRESS_CONN_CHARGED_OWN		BIT(0)
#define EGRESS_CONN_CHARGED_CLASS	BIT(1)

/* One counted socket. */
struct egress_conn_entry {
	struct rhash_head node;
	const struct sock *sk;		/* the key */
	/* The socket's cookie: the same address may be another socket later. */
	u64 cookie;
	struct rcu_head rcu;
	u8 n;
	/* Its health is counted: every level of the path is named. */
	bool health;
	/* Some level holds a slot: it counts in egress_conn_count. */
	bool limited;
	/*
	 * Its first SYN left (counted in attempts), and it was established;
	 * written by the socket's own transmit and state changes, which its
	 * lock orders.
	 */
	bool attempted;
	bool established;
	/* Root first. */
	struct egress_conn_level level[];
};

static const struct rhashtable_params egress_conn_params = {
	.head_offset = offsetof(struct egress_conn_entry, node),
	.key_offset = offsetof(struct egress_conn_entry, sk),
	.key_len = sizeof(const struct sock *),
	.automatic_shrinking = true,
};

static struct rhashtable egress_conn_table;
/* Entries of sockets that hold a slot, and of the others. */
static atomic_t egress_conn_count = ATOMIC_INIT(0);
static atomic_t egress_health_count = ATOMIC_INIT(0);
static atomic64_t egress_conn_full = ATOMIC64_INIT(0);
static atomic64_t egress_health_untracked = ATOMIC64_INIT(0);
static struct tracepoint *egress_conn_tp;
static struct tracepoint *egress_retrans_tp;

/*
 * Count connection health.  Which paths need a connection entry is cached
 * with their policies (EGRESS_PATH_CONN), so a change drops that cache.
 */
bool egress_health_enabled __read_mostly = true;

static int egress_health_param_set(const char *val,
				   const struct kernel_param *kp)
{
	struct egress_set *set;
	bool on;
	int err;

	err = kstrtobool(val, &on);
	if (err)
		return err;
	mutex_lock(&egress_config_mutex);
	WRITE_ONCE(egress_health_enabled, on);
	/* None yet when given at load. */
	set = egress_live_set_locked();
	if (set)
		egress_set_paths_changed(set);
	mutex_unlock(&egress_config_mutex);
	return 0;
}

static const struct kernel_param_ops egress_health_param_ops = {
	.set = egress_health_param_set,
	.get = param_get_bool,
};

module_param_cb(health, &egress_health_param_ops, &egress_health_enabled, 0644);
MODULE_PARM_DESC(health,
		 "Count the health of the TCP connections of every policy: outcomes, retransmissions, RTT (default 1)");

u64 egress_conn_health_untracked(void)
{
	return atomic64_read(&egress_health_untracked);
}

/* Nothing to look up: most sockets of most hosts. */
static bool egress_conn_table_empty(void)
{
	return !atomic_read(&egress_conn_count) &&
	       !atomic_read(&egress_health_count);
}

u32 egress_conn_sockets(void)
{
	return atomic_read(&egress_conn_count);
}

u32 egress_conn_health_sockets(void)
{
	return atomic_read(&egress_health_count);
}

u64 egress_conn_table_full(void)
{
	return atomic64_read(&egress_conn_full);
}

const struct egress_conn_limit *
egress_policy_conn(const struct egress_policy *policy)
{
	return rcu_dereference(policy->config->conn);
}

/* One NF_EGRESS_A_CONN nest into @r; *@none for "conn none". */
static int egress_conn_rule_from_nlattr(const struct nlattr *nest,
					struct egress_conn_rule *r, bool *none,
					struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NF_EGRESS_CONN_A_MAX + 1];
	const char *reason = NULL;
	unsigned int i;
	u64 depth;
	int err;

	err = nla_parse_nested(tb, NF_EGRESS_CONN_A_MAX, nest,
			       nf_egress_conn_nl_policy, extack);
	if (err)
		return err;

	memset(r, 0, sizeof(*r));
	*none = tb[NF_EGRESS_CONN_A_NONE];
	if (*none) {
		for (i = NF_EGRESS_CONN_A_NONE + 1; i <= NF_EGRESS_CONN_A_MAX; i++) {
			if (tb[i]) {
				NL_SET_ERR_MSG_ATTR(extack, tb[i], KBUILD_MODNAME
						    ": conn none takes nothing else");
				return -EINVAL;
			}
		}
		return 0;
	}
	if (!tb[NF_EGRESS_CONN_A_MAX_ACTIVE] && !tb[NF_EGRESS_CONN_A_RATE]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, KBUILD_MODNAME
				    ": a connection limit needs a maximum or a rate");
		NL_SET_ERR_ATTR_MISS(extack, nest, NF_EGRESS_CONN_A_MAX_ACTIVE);
		return -EINVAL;
	}
	if (tb[NF_EGRESS_CONN_A_BURST] && !tb[NF_EGRESS_CONN_A_RATE]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_CONN_A_BURST],
				    KBUILD_MODNAME ": a connection burst needs a rate");
		return -EINVAL;
	}
	if (tb[NF_EGRESS_CONN_A_CLASS]) {
		/* As a rule's class (egress_nl_parse_rule()). */
		if (!egress_class_name_valid(nla_data(tb[NF_EGRESS_CONN_A_CLASS]))) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_CONN_A_CLASS],
					    KBUILD_MODNAME ": class names are A-Z a-z 0-9 _ . -");
			return -EINVAL;
		}
		err = egress_class_id(nla_data(tb[NF_EGRESS_CONN_A_CLASS]), &reason);
		if (err < 0) {
			if (extack)
				extack->_msg = reason;
			NL_SET_BAD_ATTR(extack, tb[NF_EGRESS_CONN_A_CLASS]);
			return err;
		}
		r->class_id = err;
	}
	if (tb[NF_EGRESS_CONN_A_MAX_ACTIVE])
		r->max_active = nla_get_u32(tb[NF_EGRESS_CONN_A_MAX_ACTIVE]);
	if (tb[NF_EGRESS_CONN_A_RATE]) {
		/* The policy bounds the rate to 1..10^9: at least 1 ns each. */
		r->rate = nla_get_u32(tb[NF_EGRESS_CONN_A_RATE]);
		r->burst = tb[NF_EGRESS_CONN_A_BURST] ?
			nla_get_u32(tb[NF_EGRESS_CONN_A_BURST]) : r->rate;
		r->ns_per_conn = div_u64(NSEC_PER_SEC, r->rate);
		/*
		 * Checked here so that the packet path never overflows: the
		 * bucket holds its depth and a depth of idle time in an s64.
		 */
		if (check_mul_overflow((u64)r->burst, r->ns_per_conn, &depth) ||
		    depth > EGRESS_CONN_DEPTH_NS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_CONN_A_BURST] ?:
					    tb[NF_EGRESS_CONN_A_RATE],
					    KBUILD_MODNAME ": conn burst too large for the rate");
			return -ERANGE;
		}
		r->depth_ns = depth;
	}
	return 0;
}

int egress_conn_from_msg(const struct nlmsghdr *nlh,
			 struct egress_conn_limit **out,
			 struct netlink_ext_ack *extack)
{
	const struct nlattr *attr, *none_attr = NULL;
	struct egress_conn_limit *conn;
	struct egress_conn_rule r;
	unsigned int i, n = 0;
	int err, rem;
	bool none;

	nlmsg_for_each_attr(attr, nlh, GENL_HDRLEN, rem)
		n += nla_type(attr) == NF_EGRESS_A_CONN;
	conn = kzalloc(struct_size(conn, rule, min(n, EGRESS_CONN_LIMITS_MAX)),
		       GFP_KERNEL_ACCOUNT);
	if (!conn)
		return -ENOMEM;
	n = 0;
	nlmsg_for_each_attr(attr, nlh, GENL_HDRLEN, rem) {
		if (nla_type(attr) != NF_EGRESS_A_CONN)
			continue;
		err = egress_conn_rule_from_nlattr(attr, &r, &none, extack);
		if (err)
			goto err_free;
		/* "conn none" comes alone. */
		if (none_attr || (none && n)) {
			NL_SET_ERR_MSG_ATTR(extack, attr, KBUILD_MODNAME
					    ": conn none takes nothing else");
			err = -EINVAL;
			goto err_free;
		}
		if (none) {
			none_attr = attr;
			continue;
		}
		if (n == EGRESS_CONN_LIMITS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, attr, KBUILD_MODNAME
					    ": too many connection limits (16 at most)");
			err = -E2BIG;
			goto err_free;
		}
		/* In class order, the policy's own (class 0) first. */
		for (i = n; i && conn->rule[i - 1].class_id >= r.class_id; i--) {
			if (conn->rule[i - 1].class_id == r.class_id) {
				NL_SET_ERR_MSG_ATTR(extack, attr, KBUILD_MODNAME
						    ": two connection limits of one class");
				err = -EINVAL;
				goto err_free;
			}
			conn->rule[i] = conn->rule[i - 1];
		}
		conn->rule[i] = r;
		n++;
	}
	if (none_attr) {
		kfree(conn);
		*out = NULL;
		return 0;
	}
	conn->n = n;
	*out = conn;
	return 0;

err_free:
	kfree(conn);
	return err;
}

static int egress_conn_rule_to_nlattr(struct sk_buff *skb,
				      const struct egress_conn_rule *r)
{
	struct nlattr *nest = nla_nest_start(skb, NF_EGRESS_A_CONN);

	if (!nest)
		return -EMSGSIZE;
	if ((r->class_id &&
	     nla_put_string(skb, NF_EGRESS_CONN_A_CLASS,
			    egress_class_name(r->class_id))) ||
	    (r->max_active &&
	     nla_put_u32(skb, NF_EGRESS_CONN_A_MAX_ACTIVE, r->max_active)) ||
	    (r->rate &&
	     (nla_put_u32(skb, NF_EGRESS_CONN_A_RATE, r->rate) ||
	      nla_put_u32(skb, NF_EGRESS_CONN_A_BURST, r->burst)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int egress_conn_to_nlattr(struct sk_buff *skb,
			  const struct egress_conn_limit *conn)
{
	unsigned int i;

	for (i = 0; i < conn->n; i++) {
		if (egress_conn_rule_to_nlattr(skb, &conn->rule[i]))
			return -EMSGSIZE;
	}
	return 0;
}

/* Give back what one connection was charged, and free its entry. */
static void egress_conn_entry_free(struct egress_conn_entry *e)
{
	unsigned int i;

	for (i = 0; i < e->n; i++) {
		const struct egress_conn_level *l = &e->level[i];
		struct egress_class_stats *cs;

		if (l->charged & EGRESS_CONN_CHARGED_OWN)
			atomic_dec(&l->stats->conn.active);
		/* A class's live count goes only with its policy's counters. */
		cs = l->charged & EGRESS_CONN_CHARGED_CLASS ?
		     xa_load(&l->stats->classes, l->class_id) : NULL;
		if (cs)
			atomic_dec(&cs->conn.active);
		egress_stats_put(l->stats);
	}
	atomic_dec(e->limited ? &egress_conn_count : &egress_health_count);
	kfree_rcu(e, rcu);
}

/*
 * The health counters of @stats and of its class @class_id (none for 0),
 * made if need be; either may be NULL for want of memory.
 */
static void egress_conn_healths(struct egress_stats *stats, u8 class_id,
				struct egress_health **policy,
				struct egress_health **class)
{
	struct egress_class_stats *cs;

	*policy = egress_health_get(&stats->health);
	cs = class_id ? xa_load(&stats->classes, class_id) : NULL;
	*class = cs ? egress_health_get(&cs->health) : NULL;
}

/* Count @n of @c at every level @e names, and for its class there. */
static void egress_conn_health_add(const struct egress_conn_entry *e,
				   enum egress_health_counter c, u64 n)
{
	struct egress_health *hp, *hc;
	unsigned int i;

	for (i = 0; i < e->n; i++) {
		egress_conn_healths(e->level[i].stats, e->level[i].class_id,
				    &hp, &hc);
		if (hp)
			egress_health_add(hp, c, n);
		if (hc)
			egress_health_add(hc, c, n);
	}
}

/* The first SYN of @e's connection left.  Caller holds rcu_read_lock(). */
void egress_conn_attempted(struct egress_conn_entry *e)
{
	WRITE_ONCE(e->attempted, true);
	egress_conn_health_add(e, EGRESS_HEALTH_ATTEMPTS, 1);
}

/*
 * Errors the network gives a connection: an ICMP error (icmp_err_convert[],
 * icmpv6_err_convert()), kept by tcp_write_err() when a connection is
 * given up after it.  Not ECONNABORTED (tcp_abort(): ss -K, SOCK_DESTROY)
 * or an error some local layer set (MPTCP's EBADMSG).
 */
static bool egress_conn_network_error(int err)
{
	switch (err) {
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENONET:
	case ENOPROTOOPT:
	case EOPNOTSUPP:
	case EACCES:
	case EPROTO:
	case EMSGSIZE:
		return true;
	default:
		return false;
	}
}

/* What the error a connection closed with says of it, or -1: nothing. */
static int egress_conn_close_counter(const struct egress_conn_entry *e,
				     int err)
{
	if (!e->established) {
		/* tcp_reset() in SYN_SENT, or an ICMP port unreachable. */
		if (err == ECONNREFUSED)
			return EGRESS_HEALTH_REFUSED;
		if (err == ETIMEDOUT)
			return EGRESS_HEALTH_TIMED_OUT;
		return egress_conn_network_error(err) ?
		       EGRESS_HEALTH_UNREACHABLE : -1;
	}
	/* tcp_reset(): EPIPE in CLOSE_WAIT, ECONNRESET in the others. */
	if (err == ECONNRESET || err == EPIPE)
		return EGRESS_HEALTH_RESET;
	/* tcp_write_err(): given up, with ETIMEDOUT or the last ICMP error. */
	if (err == ETIMEDOUT || egress_conn_network_error(err))
		return EGRESS_HEALTH_TIMED_OUT;
	/* Closed here (0, ECONNABORTED), or by the peer's FIN. */
	return -1;
}

/* The smoothed RTT of @sk in microseconds, 0 before the first sample. */
static u32 egress_conn_srtt_us(const struct sock *sk)
{
	return READ_ONCE(tcp_sk(sk)->srtt_us) >> 3;
}

/* An RTT sample of @us for the policy and class of each level. */
static void egress_conn_rtt_sample(struct egress_stats *stats, u8 class_id,
				   u32 us)
{
	struct egress_health *hp, *hc;

	egress_conn_healths(stats, class_id, &hp, &hc);
	if (hp)
		egress_health_rtt(hp, us);
	if (hc)
		egress_health_rtt(hc, us);
}

void egress_conn_sample_rtt(const struct sock *sk,
			    struct egress_policy *const *policies,
			    const struct egress_rule *const *rules,
			    unsigned int n)
{
	u32 us = egress_conn_srtt_us(sk);
	unsigned int i;

	if (!us)
		return;
	for (i = 0; i < n; i++)
		egress_conn_rtt_sample(policies[i]->stats,
				       rules[i] ? rules[i]->class_id : 0, us);
}

/* @sk's connection was established: count it, with its first RTT. */
static void egress_conn_established(struct egress_conn_entry *e,
				    const struct sock *sk)
{
	u32 us = egress_conn_srtt_us(sk);
	unsigned int i;

	WRITE_ONCE(e->established, true);
	egress_conn_health_add(e, EGRESS_HEALTH_ESTABLISHED, 1);
	for (i = 0; us && i < e->n; i++)
		egress_conn_rtt_sample(e->level[i].stats, e->level[i].class_id,
				       us);
}

/*
 * The socket of @e closed.  Whoever takes the entry out of the table
 * releases it, once.  Caller holds rcu_read_lock().
 */
static void egress_conn_release(struct egress_conn_entry *e)
{
	if (rhashtable_remove_fast(&egress_conn_table, &e->node,
				   egress_conn_params))
		return;
	egress_conn_entry_free(e);
}

/*
 * sock:inet_sock_set_state, for every socket of the host.  Everything but
 * a TCP socket's move to TCP_CLOSE leaves at the first compares.  A
 * socket may pass TCP_CLOSE more than once (tcp_close() after tcp_done(),
 * a disconnect and a new connect()): the second finds no entry, or the
 * entry of its next connection only after it sent that one's SYN.
 */
static void egress_conn_probe(void *data, const struct sock *sk,
			      const int oldstate, const int newstate)
{
	struct egress_conn_entry *e;
	int counter;

	/* Only a connect()'s establishment: not every accepted connection's. */
	if ((newstate != TCP_CLOSE &&
	     (newstate != TCP_ESTABLISHED || oldstate != TCP_SYN_SENT)) ||
	    sk->sk_protocol != IPPROTO_TCP || egress_conn_table_empty())
		return;
	/* 7.x runs probes under SRCU only: the entry is freed after RCU. */
	rcu_read_lock();
	e = rhashtable_lookup(&egress_conn_table, &sk, egress_conn_params);
	if (!e)
		goto out;
	if (newstate == TCP_ESTABLISHED) {
		/* Another socket's entry at this address is for its close. */
		if (e->health && READ_ONCE(e->attempted) &&
		    e->cookie == atomic64_read(&sk->sk_cookie))
			egress_conn_established(e, sk);
		goto out;
	}
	if (e->health && READ_ONCE(e->attempted) &&
	    e->cookie == atomic64_read(&sk->sk_cookie)) {
		/* tcp_done_with_error() and the like set it before the state. */
		counter = egress_conn_close_counter(e, READ_ONCE(sk->sk_err));
		if (counter >= 0)
			egress_conn_health_add(e, counter, 1);
	}
	egress_conn_release(e);
out:
	rcu_read_unlock();
}

/*
 * tcp:tcp_retransmit_skb: a segment of @sk was sent again.  Its
 * prototype gained the transmit's error (also reported, then, for a
 * segment that was not sent).
 */
#ifdef EGRESS_HAVE_TCP_RETRANSMIT_ERR
static void egress_conn_retrans_probe(void *data, const struct sock *sk,
				      const struct sk_buff *skb, int err)
#else
static void egress_conn_retrans_probe(void *data, const struct sock *sk,
				      const struct sk_buff *skb)
#endif
{
	struct egress_conn_entry *e;

#ifdef EGRESS_HAVE_TCP_RETRANSMIT_ERR
	if (err)
		return;
#endif
	if (egress_conn_table_empty())
		return;
	rcu_read_lock();
	e = rhashtable_lookup(&egress_conn_table, &sk, egress_conn_params);
	if (e && e->health && READ_ONCE(e->attempted) &&
	    e->cookie == atomic64_read(&sk->sk_cookie))
		egress_conn_health_add(e, sk->sk_state == TCP_SYN_SENT ?
				       EGRESS_HEALTH_SYN_RETRANS :
				       EGRESS_HEALTH_DATA_RETRANS,
				       tcp_skb_pcount(skb));
	rcu_read_unlock();
}

/* took_rate has a bit for every slot. */
static_assert(2 * (EGRESS_POLICY_DEPTH_MAX + 1) <= 64);

/* A limit a first SYN is charged to: its level's own, or its class's there. */
struct egress_conn_slot {
	const struct egress_conn_rule *lim;
	struct egress_conn_state *st;
	u8 level;		/* in the caller's policies[] */
};

/* Take back slots [0, upto) of a connection being charged. */
static void egress_conn_uncharge(const struct egress_conn_slot *slot,
				 unsigned int upto, u64 took_rate)
{
	unsigned int j;

	for (j = 0; j < upto; j++) {
		atomic_dec(&slot[j].st->active);
		if (took_rate & BIT_ULL(j))
			egress_conn_bucket_refund(&slot[j].st->bucket,
						  slot[j].lim->ns_per_conn);
	}
}

/*
 * Remember in @v that @slot's limit refused; the event names the first
 * enforcing level that refused, else the first that would have.
 */
static bool egress_conn_note(struct egress_policy *const *policies,
			     const struct egress_conn_slot *slot,
			     enum egress_conn_kind kind, u32 value, bool refused,
			     struct egress_conn_verdict *v)
{
	bool enforces = egress_policy_enforces(policies[slot->level]);

	if (!v->refused_by || (enforces && !refused)) {
		v->level = slot->level;
		v->kind = kind;
		v->class_id = slot->lim->class_id;
		v->value = value;
	}
	v->refused_by |= BIT_ULL(slot->level);
	return enforces;
}

/* No room to count the socket: every limit refuses. */
static bool egress_conn_refuse_all(struct egress_policy *const *policies,
				   const struct egress_conn_slot *slot,
				   unsigned int k, struct egress_conn_verdict *v)
{
	bool refused = false;
	unsigned int j;

	atomic64_inc(&egress_conn_full);
	v->refused_by = 0;
	for (j = 0; j < k; j++)
		refused |= egress_conn_note(policies, &slot[j],
					    EGRESS_CONN_KIND_TABLE_FULL, 0,
					    refused, v);
	return !refused;
}

/*
 * The limits of @policies a first SYN is charged to, root first, into
 * @slot; returns how many.  *@no_room: a class's live count could not be
 * made (an instance makes its classes' as it first counts).
 */
static unsigned int egress_conn_slots(struct egress_policy *const *policies,
				      const struct egress_rule *const *rules,
				      unsigned int n, struct egress_conn_slot *slot,
				      bool *no_room)
{
	unsigned int i, r, k = 0;

	for (i = 0; i < n; i++) {
		const struct egress_conn_limit *c = egress_policy_conn(policies[i]);
		struct egress_stats *stats = policies[i]->stats;
		u8 class_id = rules[i] ? rules[i]->class_id : 0;

		for (r = 0; c && r < c->n; r++) {
			const struct egress_conn_rule *lim = &c->rule[r];
			struct egress_class_stats *cs;

			if (lim->class_id && lim->class_id != class_id)
				continue;
			slot[k].lim = lim;
			slot[k].level = i;
			if (!lim->class_id) {
				slot[k++].st = &stats->conn;
				continue;
			}
			cs = xa_load(&stats->classes, class_id) ?:
			     egress_stats_add_class_atomic(stats, class_id);
			/* Refused as for want of room: the limit holds. */
			if (!cs)
				*no_room = true;
			slot[k++].st = cs ? &cs->conn : NULL;
		}
	}
	return k;
}

/*
 * Fill @e for the levels of @policies it names: every level when it counts
 * health, else only those of the @k charged @slot.
 */
static void egress_conn_entry_fill(struct egress_conn_entry *e,
				   struct egress_policy *const *policies,
				   const struct egress_rule *const *rules,
				   unsigned int n, const struct egress_conn_slot *slot,
				   unsigned int k, bool health)
{
	unsigned int i, j;

	e->health = health;
	e->limited = k;
	e->attempted = false;
	e->established = false;
	e->n = 0;
	for (i = 0, j = 0; i < n; i++) {
		struct egress_conn_level *l;
		u8 charged = 0;

		for (; j < k && slot[j].level == i; j++)
			charged |= slot[j].lim->class_id ? EGRESS_CONN_CHARGED_CLASS :
							   EGRESS_CONN_CHARGED_OWN;
		/* Without health, the entry has room for charged levels only. */
		if (!health && !charged)
			continue;
		l = &e->level[e->n];
		l->charged = charged;
		l->stats = policies[i]->stats;
		/* Alive: the policy holds it until a grace period after it went. */
		refcount_inc(&l->stats->ref);
		l->class_id = rules[i] ? rules[i]->class_id : 0;
		e->n++;
	}
}

/* Drop the references egress_conn_entry_fill() took. */
static void egress_conn_entry_unref(struct egress_conn_entry *e)
{
	unsigned int i;

	for (i = 0; i < e->n; i++)
		egress_stats_put(e->level[i].stats);
}

/*
 * egress_conn_admit(), or with @limits false an entry for health alone: no
 * limit is charged, whatever limits the path has now.
 */
static bool egress_conn_admit_sk(struct sock *sk,
				 struct egress_policy *const *policies,
				 const struct egress_rule *const *rules,
				 unsigned int n, struct egress_conn_verdict *v,
				 bool limits)
{
	/* The first k entries are filled before they are read. */
	struct egress_conn_slot slot[2 * (EGRESS_POLICY_DEPTH_MAX + 1)] __uninitialized;
	struct egress_conn_entry *e;
	bool refused = false, no_room = false, health;
	unsigned int j, k, levels;
	u64 took_rate = 0;
	atomic_t *count;
	u32 cookie[2];
	u64 now = 0;
	int err;

	v->refused_by = 0;
	v->entry = NULL;
	e = rhashtable_lookup(&egress_conn_table, &sk, egress_conn_params);
	if (e) {
		/*
		 * A SYN sent again: charged already, costs nothing; it is the
		 * first to leave if a limit after this one dropped the first.
		 */
		if (e->cookie == atomic64_read(&sk->sk_cookie)) {
			if (e->health && !READ_ONCE(e->attempted))
				v->entry = e;
			return true;
		}
		/* Another socket's at this address, which closed unseen. */
		egress_conn_release(e);
	}
	k = limits ? egress_conn_slots(policies, rules, n, slot, &no_room) : 0;
	if (no_room)
		return egress_conn_refuse_all(policies, slot, k, v);
	health = egress_health_on();
	/* The limits went since the path was cached, and health is off. */
	if (!k && !health)
		return true;

	/* An entry names every level for health, else the charged ones. */
	for (j = 0, levels = 0; j < k; j++)
		levels += !j || slot[j].level != slot[j - 1].level;
	count = k ? &egress_conn_count : &egress_health_count;
	if (atomic_inc_return(count) > (k ? READ_ONCE(egress_conn_sockets_max) :
					READ_ONCE(egress_health_sockets_max)))
		goto err_full;
	e = kmalloc(struct_size(e, level, health ? n : levels), GFP_ATOMIC);
	if (!e)
		goto err_full;

	/* Root first; an enforcing level that refuses ends the charge. */
	for (j = 0; j < k; j++) {
		const struct egress_conn_rule *lim = slot[j].lim;
		struct egress_conn_state *st = slot[j].st;
		int kind = -1;
		u32 value = 0;

		if (lim->rate) {
			if (!now)
				now = ktime_get_ns();
			if (egress_conn_bucket_take(&st->bucket, lim->ns_per_conn,
						    lim->depth_ns, now)) {
				took_rate |= BIT_ULL(j);
			} else {
				kind = EGRESS_CONN_KIND_RATE;
				value = lim->rate;
			}
		}
		/* Audit levels count what they would refuse, too. */
		if (atomic_inc_return(&st->active) > lim->max_active &&
		    lim->max_active && kind < 0) {
			kind = EGRESS_CONN_KIND_MAX;
			value = lim->max_active;
		}
		if (kind < 0)
			continue;
		if (egress_conn_note(policies, &slot[j], kind, value, refused, v)) {
			refused = true;
			j++;
			break;
		}
	}
	if (refused) {
		egress_conn_uncharge(slot, j, took_rate);
		goto err_free;
	}

	e->sk = sk;
	/* Generates the cookie if nobody asked for it yet (exported GPL). */
	sock_diag_save_cookie(sk, cookie);
	e->cookie = (u64)cookie[1] << 32 | cookie[0];
	egress_conn_entry_fill(e, policies, rules, n, slot, k, health);
	err = rhashtable_lookup_insert_fast(&egress_conn_table, &e->node,
					    egress_conn_params);
	if (err) {
		egress_conn_entry_unref(e);
		egress_conn_uncharge(slot, k, took_rate);
		kfree(e);
		atomic_dec(count);
		/* Another pass of the same SYN counted it meanwhile. */
		if (err == -EEXIST)
			return true;
		goto err_untracked;
	}
	if (health)
		v->entry = e;
	return true;

err_free:
	kfree(e);
	atomic_dec(count);
	return false;

err_full:
	atomic_dec(count);
err_untracked:
	/* Health alone never refuses: the connection is not counted. */
	if (!k) {
		atomic64_inc(&egress_health_untracked);
		return true;
	}
	return egress_conn_refuse_all(policies, slot, k, v);
}

bool egress_conn_admit(struct sock *sk, struct egress_policy *const *policies,
		       const struct egress_rule *const *rules, unsigned int n,
		       struct egress_conn_verdict *v)
{
	return egress_conn_admit_sk(sk, policies, rules, n, v, true);
}

void egress_conn_count_syn(struct sock *sk, struct egress_policy *const *policies,
			   const struct egress_rule *const *rules,
			   unsigned int n)
{
	struct egress_conn_verdict v;

	/*
	 * It leaves: a limit its path has (set since the path's flags were
	 * cached, or of a tunnel's inner connection) is not charged here.
	 */
	egress_conn_admit_sk(sk, policies, rules, n, &v, false);
	if (v.entry)
		egress_conn_attempted(v.entry);
}

static void egress_conn_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "inet_sock_set_state"))
		egress_conn_tp = tp;
	else if (!strcmp(tp->name, "tcp_retransmit_skb"))
		egress_retrans_tp = tp;
}

int egress_conn_init(void)
{
	int err;

	err = rhashtable_init(&egress_conn_table, &egress_conn_params);
	if (err)
		return err;
	for_each_kernel_tracepoint(egress_conn_find_tp, NULL);
	if (!egress_conn_tp) {
		pr_err("no tracepoint sock:inet_sock_set_state: connection limits cannot work\n");
		err = -ENOENT;
		goto err_table;
	}
	if (!egress_retrans_tp) {
		pr_err("no tracepoint tcp:tcp_retransmit_skb: connection health cannot work\n");
		err = -ENOENT;
		goto err_table;
	}
	err = tracepoint_probe_register(egress_conn_tp, egress_conn_probe, NULL);
	if (err)
		goto err_table;
	err = tracepoint_probe_register(egress_retrans_tp,
					egress_conn_retrans_probe, NULL);
	if (err)
		goto err_state_probe;
	return 0;

err_state_probe:
	tracepoint_probe_unregister(egress_conn_tp, egress_conn_probe, NULL);
	tracepoint_synchronize_unregister();
err_table:
	rhashtable_destroy(&egress_conn_table);
	return err;
}

static void egress_conn_free_entry(void *ptr, void *arg)
{
	egress_conn_entry_free(ptr);
}

void egress_conn_exit(void)
{
	tracepoint_probe_unregister(egress_retrans_tp, egress_conn_retrans_probe,
				    NULL);
	tracepoint_probe_unregister(egress_conn_tp, egress_conn_probe, NULL);
	/* No probe runs any more, and none will: the entries are ours. */
	tracepoint_synchronize_unregister();
	rhashtable_free_and_destroy(&egress_conn_table, egress_conn_free_entry,
				    NULL);
}
