/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection limits: how many TCP connections a policy's cgroup subtree
 * has open at once (max_active), and how many it opens per second (rate,
 * a token bucket of connections).
 *
 * A connection is counted by its socket's lifetime, with no conntrack: it
 * is charged when its first SYN passes the hook (a full TCP socket in
 * SYN_SENT that the module does not count yet) and released on the first
 * transition of that socket to TCP_CLOSE, which the sock:inet_sock_set_state
 * tracepoint reports (a close, a reset, a SYN or data timeout, an ICMP
 * error, an abort: every TCP socket passes it before it is freed).  A table
 * of the counted sockets, keyed by the socket's address with its cookie as
 * a guard against reuse, tells a first SYN from a retransmitted one and
 * says, at the release, exactly which levels the connection was charged
 * to: each entry holds a reference on the counters (struct egress_stats)
 * of every level it charged, so that a policy change, an apply or a
 * delete in between never releases the wrong count, or a freed one.
 *
 * The limit is a policy's setting (its template's, for an instance); the
 * live count and the bucket belong to its counters, which an apply that
 * keeps the path hands on, and which each instance has of its own.
 */
#ifndef _NF_EGRESS_CONN_H
#define _NF_EGRESS_CONN_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

#include "ratelimit.h"

struct nlattr;
struct nlmsghdr;
struct netlink_ext_ack;
struct sk_buff;
struct sock;
struct egress_conn_entry;
struct egress_policy;
struct egress_rule;

/*
 * One connection limit of a policy: of all its connections, or of those of
 * one class (the class of the rule that allowed the first SYN).
 */
struct egress_conn_rule {
	u8 class_id;		/* 0: all the policy's connections */
	u32 max_active;		/* 0: no limit on concurrent connections */
	u32 rate;		/* new connections per second, 0: none */
	u32 burst;		/* connections the bucket holds */
	u64 ns_per_conn;	/* what one connection costs the bucket */
	u64 depth_ns;		/* burst * ns_per_conn */
};

/* Connection limits a policy has at most: its own and 15 classes'. */
#define EGRESS_CONN_LIMITS_MAX	16

/* A policy's connection limits; immutable, replaced whole under RCU. */
struct egress_conn_limit {
	struct rcu_head rcu;
	u8 n;
	/* The policy's own first (class 0), then by class id. */
	struct egress_conn_rule rule[];
};

/*
 * The live state of one level's limits, in its struct egress_stats, and of
 * a class limit's, in the class's struct egress_class_stats.
 */
struct egress_conn_state {
	/* Connections charged here that have not closed yet. */
	atomic_t active;
	/* The rate's tokens, in packet_tokens_ns (ratelimit.c). */
	struct egress_bucket bucket;
};

/* Which limit refused a connection (an event says so). */
enum egress_conn_kind {
	EGRESS_CONN_KIND_MAX,
	EGRESS_CONN_KIND_RATE,
	EGRESS_CONN_KIND_TABLE_FULL,
};

/* What egress_conn_admit() says beyond yes or no. */
struct egress_conn_verdict {
	/* The levels whose limit refused the connection, or would (audit). */
	u64 refused_by;
	/* The level an event names, and what refused there. */
	u8 level;
	u8 kind;		/* enum egress_conn_kind */
	u8 class_id;		/* of the limit that refused; 0: the policy's */
	u32 value;		/* the max or the rate that refused */
	/*
	 * The entry whose health counts the SYN as its first to leave, if
	 * it does leave (egress_conn_attempted()), or NULL.
	 */
	struct egress_conn_entry *entry;
};

int egress_conn_init(void);
/* After the hooks are gone: no connection is charged any more. */
void egress_conn_exit(void);

/*
 * Parse the NF_EGRESS_A_CONN nests of the request @nlh (a generic netlink
 * message): one limit each.  *conn is NULL for "conn none".  Returns 0 or
 * -errno with extack set.
 */
int egress_conn_from_msg(const struct nlmsghdr *nlh,
			 struct egress_conn_limit **conn,
			 struct netlink_ext_ack *extack);
/* Whether @conn (or NULL) has a limit of the class @class_id. */
static inline bool egress_conn_limits_class(const struct egress_conn_limit *conn,
					    u8 class_id)
{
	unsigned int i;

	for (i = 0; conn && i < conn->n; i++) {
		if (conn->rule[i].class_id == class_id)
			return true;
	}
	return false;
}

/* One NF_EGRESS_A_CONN nest per limit. */
int egress_conn_to_nlattr(struct sk_buff *skb,
			  const struct egress_conn_limit *conn);

/* @policy's connection limits (its template's, for an instance).  RCU. */
const struct egress_conn_limit *
egress_policy_conn(const struct egress_policy *policy);

/*
 * The first SYN of @sk, which @policies[0..n) judge and allowed (rules[i]
 * decided at level i), asks for a slot at every level with a connection
 * limit, and for an entry that counts its health if that is on.  True: it
 * may leave (charged, a retransmission of one charged already, or refused
 * only by audit levels, which @v->refused_by then names).  False: an
 * enforcing level refused it and nothing is charged.  Caller holds
 * rcu_read_lock() and @sk is a full TCP socket in TCP_SYN_SENT.
 */
bool egress_conn_admit(struct sock *sk, struct egress_policy *const *policies,
		       const struct egress_rule *const *rules, unsigned int n,
		       struct egress_conn_verdict *v);

/* The SYN admitted with @v->entry left.  Caller holds rcu_read_lock(). */
void egress_conn_attempted(struct egress_conn_entry *e);

extern bool egress_health_enabled;

/* Whether connection health is counted (the module parameter health). */
static inline bool egress_health_on(void)
{
	return READ_ONCE(egress_health_enabled);
}

/*
 * The first SYN of @sk left a path without connection limits or rates:
 * count its attempt, in a new entry (egress_conn_admit() without limits).
 * Caller holds rcu_read_lock().
 */
void egress_conn_count_syn(struct sock *sk, struct egress_policy *const *policies,
			   const struct egress_rule *const *rules,
			   unsigned int n);

/*
 * An RTT sample of @sk, a full TCP socket whose segment @policies allowed
 * (rules[i] decided at level i), for each level and its class.  RCU held.
 */
void egress_conn_sample_rtt(const struct sock *sk,
			    struct egress_policy *const *policies,
			    const struct egress_rule *const *rules,
			    unsigned int n);

/* Sockets counted now, and first SYNs refused for want of room. */
u32 egress_conn_sockets(void);
u64 egress_conn_table_full(void);
/* Sockets health alone follows now. */
u32 egress_conn_health_sockets(void);
/* First SYNs only health would have followed, for want of room. */
u64 egress_conn_health_untracked(void);

#endif /* _NF_EGRESS_CONN_H */
