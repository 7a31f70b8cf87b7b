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
 * Entries hold no pointer into the module from any socket (unlike a
 * chained sk_destruct), so unload is always possible: the hooks go first
 * (nothing is charged any more), then the probe, then the table, each
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
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include <linux/nf_egress.h>

#include "conn.h"
#include "netlink-gen.h"
#include "policy.h"

/*
 * Bounds the table's memory (an entry is 48 bytes plus 8 per level it
 * charged).  A first SYN that needs a slot when this many sockets are
 * counted is refused: a limit that could be escaped by opening enough
 * connections would be no limit.
 */
static unsigned int egress_conn_sockets_max = 1U << 20;
module_param_named(conn_sockets_max, egress_conn_sockets_max, uint, 0644);
MODULE_PARM_DESC(conn_sockets_max,
		 "TCP sockets counted against connection limits at most; beyond, their first SYN is refused (default 1048576)");

/* Room in an s64 bucket for its depth and a depth of idle time. */
#define EGRESS_CONN_DEPTH_NS_MAX BIT_ULL(62)

/* One counted socket. */
struct egress_conn_entry {
	struct rhash_head node;
	const struct sock *sk;		/* the key */
	/* The socket's cookie: the same address may be another socket later. */
	u64 cookie;
	struct rcu_head rcu;
	u8 n;
	/* The counters of each level charged, root first; a reference each. */
	struct egress_stats *stats[];
};

static const struct rhashtable_params egress_conn_params = {
	.head_offset = offsetof(struct egress_conn_entry, node),
	.key_offset = offsetof(struct egress_conn_entry, sk),
	.key_len = sizeof(const struct sock *),
	.automatic_shrinking = true,
};

static struct rhashtable egress_conn_table;
static atomic_t egress_conn_count = ATOMIC_INIT(0);
static atomic64_t egress_conn_full = ATOMIC64_INIT(0);
static struct tracepoint *egress_conn_tp;

u32 egress_conn_sockets(void)
{
	return atomic_read(&egress_conn_count);
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

int egress_conn_from_nlattr(const struct nlattr *nest,
			    struct egress_conn_limit **out,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NF_EGRESS_CONN_A_MAX + 1];
	struct egress_conn_limit *conn;
	unsigned int i;
	u64 depth;
	int err;

	err = nla_parse_nested(tb, NF_EGRESS_CONN_A_MAX, nest,
			       nf_egress_conn_nl_policy, extack);
	if (err)
		return err;

	*out = NULL;
	if (tb[NF_EGRESS_CONN_A_NONE]) {
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

	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		return -ENOMEM;
	if (tb[NF_EGRESS_CONN_A_MAX_ACTIVE])
		conn->max_active = nla_get_u32(tb[NF_EGRESS_CONN_A_MAX_ACTIVE]);
	if (tb[NF_EGRESS_CONN_A_RATE]) {
		/* The policy bounds the rate to 1..10^9: at least 1 ns each. */
		conn->rate = nla_get_u32(tb[NF_EGRESS_CONN_A_RATE]);
		conn->burst = tb[NF_EGRESS_CONN_A_BURST] ?
			nla_get_u32(tb[NF_EGRESS_CONN_A_BURST]) : conn->rate;
		conn->ns_per_conn = div_u64(NSEC_PER_SEC, conn->rate);
		/*
		 * Checked here so that the packet path never overflows: the
		 * bucket holds its depth and a depth of idle time in an s64.
		 */
		if (check_mul_overflow((u64)conn->burst, conn->ns_per_conn,
				       &depth) ||
		    depth > EGRESS_CONN_DEPTH_NS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_CONN_A_BURST] ?:
					    tb[NF_EGRESS_CONN_A_RATE],
					    KBUILD_MODNAME ": conn burst too large for the rate");
			err = -ERANGE;
			goto err_free;
		}
		conn->depth_ns = depth;
	}
	*out = conn;
	return 0;

err_free:
	kfree(conn);
	return err;
}

int egress_conn_to_nlattr(struct sk_buff *skb,
			  const struct egress_conn_limit *conn)
{
	struct nlattr *nest = nla_nest_start(skb, NF_EGRESS_A_CONN);

	if (!nest)
		return -EMSGSIZE;
	if ((conn->max_active &&
	     nla_put_u32(skb, NF_EGRESS_CONN_A_MAX_ACTIVE, conn->max_active)) ||
	    (conn->rate &&
	     (nla_put_u32(skb, NF_EGRESS_CONN_A_RATE, conn->rate) ||
	      nla_put_u32(skb, NF_EGRESS_CONN_A_BURST, conn->burst)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Give back what one connection was charged, and free its entry. */
static void egress_conn_entry_free(struct egress_conn_entry *e)
{
	unsigned int i;

	for (i = 0; i < e->n; i++) {
		atomic_dec(&e->stats[i]->conn.active);
		egress_stats_put(e->stats[i]);
	}
	atomic_dec(&egress_conn_count);
	kfree_rcu(e, rcu);
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

	if (newstate != TCP_CLOSE || sk->sk_protocol != IPPROTO_TCP ||
	    !atomic_read(&egress_conn_count))
		return;
	/* 7.x runs probes under SRCU only: the entry is freed after RCU. */
	rcu_read_lock();
	e = rhashtable_lookup(&egress_conn_table, &sk, egress_conn_params);
	if (e)
		egress_conn_release(e);
	rcu_read_unlock();
}

/* Take back levels [0, upto) of a connection being charged. */
static void egress_conn_uncharge(struct egress_policy *const *policies,
				 const u8 *level,
				 const struct egress_conn_limit *const *lim,
				 unsigned int upto, u32 took_rate)
{
	unsigned int j;

	for (j = 0; j < upto; j++) {
		struct egress_conn_state *st = &policies[level[j]]->stats->conn;

		atomic_dec(&st->active);
		if (took_rate & BIT(j))
			egress_conn_bucket_refund(&st->bucket, lim[j]->ns_per_conn);
	}
}

/*
 * Remember in @v that level @i's limit refused; the event names the first
 * enforcing level that refused, else the first that would have.
 */
static bool egress_conn_note(struct egress_policy *const *policies,
			     unsigned int i, enum egress_conn_kind kind,
			     u32 value, bool refused, struct egress_conn_verdict *v)
{
	bool enforces = egress_policy_enforces(policies[i]);

	if (!v->refused_by || (enforces && !refused)) {
		v->level = i;
		v->kind = kind;
		v->value = value;
	}
	v->refused_by |= BIT_ULL(i);
	return enforces;
}

/* No room to count the socket: every level with a limit refuses. */
static bool egress_conn_refuse_all(struct egress_policy *const *policies,
				   const u8 *level, unsigned int k,
				   struct egress_conn_verdict *v)
{
	bool refused = false;
	unsigned int j;

	atomic64_inc(&egress_conn_full);
	for (j = 0; j < k; j++)
		refused |= egress_conn_note(policies, level[j],
					    EGRESS_CONN_KIND_TABLE_FULL, 0,
					    refused, v);
	return !refused;
}

bool egress_conn_admit(struct sock *sk, struct egress_policy *const *policies,
		       unsigned int n, struct egress_conn_verdict *v)
{
	/* The first k entries are filled before they are read. */
	const struct egress_conn_limit *lim[EGRESS_POLICY_DEPTH_MAX + 1] __uninitialized;
	u8 level[EGRESS_POLICY_DEPTH_MAX + 1] __uninitialized;
	struct egress_conn_entry *e;
	bool refused = false;
	unsigned int i, j, k = 0;
	u32 took_rate = 0;
	u32 cookie[2];
	u64 now = 0;
	int err;

	v->refused_by = 0;
	e = rhashtable_lookup(&egress_conn_table, &sk, egress_conn_params);
	if (e) {
		/* A retransmitted SYN: charged already, costs nothing. */
		if (e->cookie == atomic64_read(&sk->sk_cookie))
			return true;
		/* Another socket's at this address, which closed unseen. */
		egress_conn_release(e);
	}
	for (i = 0; i < n; i++) {
		const struct egress_conn_limit *c = egress_policy_conn(policies[i]);

		if (c) {
			lim[k] = c;
			level[k++] = i;
		}
	}
	/* The limits went since the path was cached. */
	if (!k)
		return true;

	if (atomic_inc_return(&egress_conn_count) >
	    READ_ONCE(egress_conn_sockets_max))
		goto err_full;
	e = kmalloc(struct_size(e, stats, k), GFP_ATOMIC);
	if (!e)
		goto err_full;

	/* Root first; an enforcing level that refuses ends the charge. */
	for (j = 0; j < k; j++) {
		struct egress_conn_state *st = &policies[level[j]]->stats->conn;
		int kind = -1;
		u32 value = 0;

		if (lim[j]->rate) {
			if (!now)
				now = ktime_get_ns();
			if (egress_conn_bucket_take(&st->bucket,
						    lim[j]->ns_per_conn,
						    lim[j]->depth_ns, now)) {
				took_rate |= BIT(j);
			} else {
				kind = EGRESS_CONN_KIND_RATE;
				value = lim[j]->rate;
			}
		}
		/* Audit levels count what they would refuse, too. */
		if (atomic_inc_return(&st->active) > lim[j]->max_active &&
		    lim[j]->max_active && kind < 0) {
			kind = EGRESS_CONN_KIND_MAX;
			value = lim[j]->max_active;
		}
		if (kind < 0)
			continue;
		if (egress_conn_note(policies, level[j], kind, value, refused, v)) {
			refused = true;
			j++;
			break;
		}
	}
	if (refused) {
		egress_conn_uncharge(policies, level, lim, j, took_rate);
		goto err_free;
	}

	e->sk = sk;
	e->n = k;
	/* Generates the cookie if nobody asked for it yet (exported GPL). */
	sock_diag_save_cookie(sk, cookie);
	e->cookie = (u64)cookie[1] << 32 | cookie[0];
	for (j = 0; j < k; j++) {
		e->stats[j] = policies[level[j]]->stats;
		/* Alive: the policy holds it until a grace period after it went. */
		refcount_inc(&e->stats[j]->ref);
	}
	err = rhashtable_lookup_insert_fast(&egress_conn_table, &e->node,
					    egress_conn_params);
	if (err) {
		for (j = 0; j < k; j++)
			egress_stats_put(e->stats[j]);
		egress_conn_uncharge(policies, level, lim, k, took_rate);
		kfree(e);
		atomic_dec(&egress_conn_count);
		/* Another pass of the same SYN counted it meanwhile. */
		if (err == -EEXIST)
			return true;
		v->refused_by = 0;
		return egress_conn_refuse_all(policies, level, k, v);
	}
	return true;

err_free:
	kfree(e);
	atomic_dec(&egress_conn_count);
	return false;

err_full:
	atomic_dec(&egress_conn_count);
	return egress_conn_refuse_all(policies, level, k, v);
}

static void egress_conn_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "inet_sock_set_state"))
		egress_conn_tp = tp;
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
	err = tracepoint_probe_register(egress_conn_tp, egress_conn_probe, NULL);
	if (err)
		goto err_table;
	return 0;

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
	tracepoint_probe_unregister(egress_conn_tp, egress_conn_probe, NULL);
	/* No probe runs any more, and none will: the entries are ours. */
	tracepoint_synchronize_unregister();
	rhashtable_free_and_destroy(&egress_conn_table, egress_conn_free_entry,
				    NULL);
}
