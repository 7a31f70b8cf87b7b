/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/* Generated from Documentation/netlink/specs/nf_egress.yaml by scripts/nl-gen: do not edit. */

/*
 * nf_egress: per-cgroup v2 egress control for Linux.
 *
 * A *policy* is bound to a cgroup v2 path as it appears in /proc/PID/cgroup
 * ("/system.slice/nginx.service", "/" for the root). The path need not exist
 * when the policy is created. A policy has a default verdict and a set of
 * *rules*; each rule matches a destination prefix (IPv4 or IPv6), optionally a
 * protocol and a destination port range, and carries an action (allow or
 * deny). The most specific matching rule decides: longest prefix first; at
 * equal prefix a rule naming a protocol beats "any", and a narrower port range
 * beats a wider one. When none matches, the policy's default verdict decides.
 * A policy in audit mode drops nothing.
 *
 * A packet sent by a socket whose cgroup is at or below a policy's path is
 * checked by every policy on the path from the root down to the socket's
 * cgroup, and passes only if all of them allow it.
 *
 * Commands that change the policy set need CAP_NET_ADMIN in the initial user
 * namespace (GENL_ADMIN_PERM): the policy table is host-wide. So do the
 * commands that show rules (RULE_GET, EXPLAIN): they tell any local user where
 * a confined service may send. The others (settings, counters) are open to
 * everyone.
 *
 * Every dump message carries NF_EGRESS_A_GENERATION, the generation of the
 * policy set it was taken from. The generation changes on every change of the
 * set; a dump that spans a change has NLM_F_DUMP_INTR set on the message where
 * the change was noticed, and the client should retry the dump.
 *
 * Strict validation applies to every command: unknown attributes, wrong types
 * and wrong lengths are rejected with an extended ACK naming the offending
 * attribute, and requests may carry only the NLM_F_REQUEST, NLM_F_ACK and
 * NLM_F_ECHO flags (and NLM_F_DUMP for dumps).
 */
#ifndef _UAPI_LINUX_NF_EGRESS_H
#define _UAPI_LINUX_NF_EGRESS_H

#include <linux/types.h>

#define NF_EGRESS_GENL_NAME	"nf_egress"
#define NF_EGRESS_GENL_VERSION	1

/* Multicast group "events" */
#define NF_EGRESS_MCGRP_EVENTS	"events"

/* Longest cgroup path accepted, including the terminating NUL (PATH_MAX). */
#define NF_EGRESS_CGROUP_PATH_MAX	4096

/* Longest rule class name accepted, including the terminating NUL. */
#define NF_EGRESS_CLASS_NAME_MAX	32

/*
 * Most rules whose hits an INSTANCE_GONE series carries: it bounds the
 * messages one instance sends (and the time the collector holds the
 * configuration lock); the rules beyond are counted in HIT_RULES_OMITTED.
 */
#define NF_EGRESS_GONE_RULES_MAX	4096

/* Verdict of a rule or a policy default (u8). */
enum nf_egress_verdict {
	/* deny (rule action, policy default) */
	NF_EGRESS_VERDICT_DENY,
	/* allow */
	NF_EGRESS_VERDICT_ALLOW,

	__NF_EGRESS_VERDICT_MAX,
	NF_EGRESS_VERDICT_MAX = __NF_EGRESS_VERDICT_MAX - 1
};

/* Mode of a policy (u8). */
enum nf_egress_mode {
	/* denied packets are dropped */
	NF_EGRESS_MODE_ENFORCE,
	/*
	 * nothing is dropped; what enforce would deny is counted as would-deny
	 */
	NF_EGRESS_MODE_AUDIT,

	__NF_EGRESS_MODE_MAX,
	NF_EGRESS_MODE_MAX = __NF_EGRESS_MODE_MAX - 1
};

/* How a policy's rate limit is enforced (u8). */
enum nf_egress_rate_mode {
	/*
	 * packets over the limit wait in the policy's queue, bounded in
	 * packets (NF_EGRESS_RATE_A_QUEUE_LIMIT) and in delay
	 * (NF_EGRESS_RATE_A_LATENCY_US), and leave when the rate allows;
	 * beyond either bound they are dropped and counted as rate-limited
	 */
	NF_EGRESS_RATE_SHAPE,
	/* packets over the limit are dropped and counted as rate-limited */
	NF_EGRESS_RATE_POLICE,

	__NF_EGRESS_RATE_MAX,
	NF_EGRESS_RATE_MAX = __NF_EGRESS_RATE_MAX - 1
};

/* What happened to the packet an event reports (u8). */
enum nf_egress_event_verdict {
	/* dropped: an enforce-mode policy denied it */
	NF_EGRESS_EVENT_DENY,
	/* sent: an audit-mode policy would have denied it */
	NF_EGRESS_EVENT_WOULD_DENY,
	/* dropped by a police-mode rate limit */
	NF_EGRESS_EVENT_RATELIMITED,
	/*
	 * dropped: a connection limit of an enforce-mode policy refused the
	 * first SYN of a TCP connection (connect() fails with ECONNREFUSED);
	 * EVENT_A_CONN_MAX or EVENT_A_CONN_RATE names the limit
	 */
	NF_EGRESS_EVENT_CONNLIMIT,
	/*
	 * sent: a connection limit of an audit-mode policy would have refused
	 * the first SYN of a TCP connection
	 */
	NF_EGRESS_EVENT_WOULD_CONNLIMIT,

	__NF_EGRESS_EVENT_MAX,
	NF_EGRESS_EVENT_MAX = __NF_EGRESS_EVENT_MAX - 1
};

/* The length of a quota's periods (u8). */
enum nf_egress_quota_period {
	/* an hour, repeated from the anchor */
	NF_EGRESS_QUOTA_PERIOD_HOUR,
	/* 24 hours, repeated from the anchor */
	NF_EGRESS_QUOTA_PERIOD_DAY,
	/* 7 days, repeated from the anchor */
	NF_EGRESS_QUOTA_PERIOD_WEEK,
	/*
	 * a calendar month of the local time NF_EGRESS_QUOTA_A_UTC_OFFSET
	 * seconds east of UTC, from the anchor's day of the month and time of
	 * day (the month's last day when it is shorter)
	 */
	NF_EGRESS_QUOTA_PERIOD_MONTH,

	__NF_EGRESS_QUOTA_PERIOD_MAX,
	NF_EGRESS_QUOTA_PERIOD_MAX = __NF_EGRESS_QUOTA_PERIOD_MAX - 1
};

/* What a policy does once a quota is used up, until its period ends (u8). */
enum nf_egress_quota_action {
	/* nothing but the events */
	NF_EGRESS_QUOTA_ACTION_NOTIFY,
	/*
	 * what the quota counts is shaped to NF_EGRESS_QUOTA_A_RATE (the
	 * default burst; the queue bounds of the policy's own shape-mode
	 * limit, else the defaults); with the other limits on the path, the
	 * lowest rate wins
	 */
	NF_EGRESS_QUOTA_ACTION_RATE,
	/*
	 * the policy denies what it would allow, but for destinations of
	 * NF_EGRESS_QUOTA_A_EXEMPT_CLASS
	 */
	NF_EGRESS_QUOTA_ACTION_DENY,

	__NF_EGRESS_QUOTA_ACTION_MAX,
	NF_EGRESS_QUOTA_ACTION_MAX = __NF_EGRESS_QUOTA_ACTION_MAX - 1
};

/* Top-level attributes. */
enum nf_egress_attr {
	NF_EGRESS_A_UNSPEC,
	NF_EGRESS_A_PAD,
	/* NUL-terminated string: module version (GET_INFO reply) */
	NF_EGRESS_A_VERSION,
	/* u32: policy-set generation (GET_INFO reply, every dump message) */
	NF_EGRESS_A_GENERATION,
	/* u32: number of policies (GET_INFO reply) */
	NF_EGRESS_A_POLICY_COUNT,
	/* NUL-terminated string: cgroup v2 path, absolute, normalised */
	NF_EGRESS_A_CGROUP_PATH,
	/* u8, enum nf_egress_verdict: the policy's default verdict */
	NF_EGRESS_A_DEFAULT,
	/* u32: number of rules of a policy (POLICY_GET reply) */
	NF_EGRESS_A_RULE_COUNT,
	/* nest, NF_EGRESS_RULE_A_*: one rule */
	NF_EGRESS_A_RULE,
	/* nest, NF_EGRESS_CTR_A_*: packets/bytes allowed by a policy */
	NF_EGRESS_A_STATS_ALLOWED,
	/* nest, NF_EGRESS_CTR_A_*: packets/bytes denied by a policy */
	NF_EGRESS_A_STATS_DENIED,
	/* u8, enum nf_egress_mode: the policy's mode */
	NF_EGRESS_A_MODE,
	/*
	 * nest, NF_EGRESS_CTR_A_*: packets/bytes an audit-mode policy let
	 * through that enforce mode would have denied (also in ALLOWED)
	 */
	NF_EGRESS_A_STATS_WOULD_DENY,
	/* flag: the request works on the caller's staged set (APPLY_BEGIN) */
	NF_EGRESS_A_STAGED,
	/* u32: number of rules a request added (RULE_NEW reply with ECHO) */
	NF_EGRESS_A_RULES_ADDED,
	/* nest, NF_EGRESS_EXPLAIN_A_*: the packet EXPLAIN asks about */
	NF_EGRESS_A_EXPLAIN_PACKET,
	/*
	 * nest, NF_EGRESS_EXPLAIN_A_*: one policy level EXPLAIN consulted;
	 * repeated, root first
	 */
	NF_EGRESS_A_EXPLAIN_LEVEL,
	/* u8, enum nf_egress_verdict: EXPLAIN's final verdict */
	NF_EGRESS_A_VERDICT,
	/* nest, NF_EGRESS_CTR_A_*: packets/bytes dropped by rate limits */
	NF_EGRESS_A_STATS_RATELIMITED,
	/*
	 * u64: CLOCK_REALTIME seconds of the policy's last STATS_RESET; absent
	 * if its counters were never reset
	 */
	NF_EGRESS_A_STATS_RESET_TIME,
	/*
	 * nest, NF_EGRESS_CTR_A_*: packets/bytes that left under a rule of the
	 * class NF_EGRESS_CTR_A_CLASS names; repeated, one per class
	 */
	NF_EGRESS_A_STATS_CLASS,
	/*
	 * nest, NF_EGRESS_RATE_A_*: the policy's rate limit (POLICY_NEW,
	 * POLICY_SET, POLICY_GET replies; absent in a reply: no limit)
	 */
	NF_EGRESS_A_RATE,
	/*
	 * nest, NF_EGRESS_CTR_A_*: packets/bytes a shaping limit delayed (they
	 * left later and are also in ALLOWED)
	 */
	NF_EGRESS_A_STATS_SHAPED,
	/* u32: packets waiting in the policy's shaping queue now */
	NF_EGRESS_A_STATS_QUEUE_LEN,
	/*
	 * u64: the longest delay, in nanoseconds, a packet was given in the
	 * policy's shaping queue since the last reset
	 */
	NF_EGRESS_A_STATS_MAX_DELAY_NS,
	/* nest, NF_EGRESS_EVENT_A_*: one event (NF_EGRESS_CMD_EVENT) */
	NF_EGRESS_A_EVENT,
	/*
	 * u32: cgroups the live policy set's resolution cache holds an answer
	 * for (GET_INFO reply, to a caller with CAP_NET_ADMIN); entries of
	 * removed cgroups are pruned
	 */
	NF_EGRESS_A_CACHED_CGROUPS,
	/*
	 * nest, NF_EGRESS_QUOTA_A_*: a byte quota of the policy (POLICY_NEW,
	 * POLICY_SET, POLICY_GET and STATS_GET replies, QUOTA_EVENT);
	 * repeated, at most one for the whole policy and one per class. In
	 * POLICY_SET, the quotas given replace all of the policy's, and
	 * QUOTA_A_NONE alone removes them
	 */
	NF_EGRESS_A_QUOTA,
	/*
	 * NUL-terminated string: the pattern of the template a policy instance
	 * belongs to (POLICY_GET and STATS_GET replies of an instance, whose
	 * CGROUP_PATH is the concrete path of its cgroup)
	 */
	NF_EGRESS_A_TEMPLATE,
	/*
	 * u32: the most instances a template makes (POLICY_NEW, POLICY_SET and
	 * POLICY_GET replies of a template, whose CGROUP_PATH is a pattern;
	 * default 1024); a matching cgroup beyond it is judged by the
	 * template's own rules and counted on the template itself
	 */
	NF_EGRESS_A_INSTANCES_MAX,
	/* u32: the instances a template has now (POLICY_GET replies) */
	NF_EGRESS_A_INSTANCE_COUNT,
	/*
	 * u32: seconds a template keeps an instance whose cgroup is gone
	 * (POLICY_NEW, POLICY_SET and POLICY_GET replies of a template;
	 * default 3600), counters and all, so that a cgroup made again at its
	 * path (a service restart) counts on; then the instance goes, with an
	 * INSTANCE_GONE event that carries its final counters
	 */
	NF_EGRESS_A_INSTANCES_KEEP,
	/*
	 * u32: the number of RULE nests that the INSTANCE_GONE messages after
	 * this one carry, one for each rule of the template the instance hit,
	 * lowest rule id first, at most NF_EGRESS_GONE_RULES_MAX
	 * (INSTANCE_GONE with the final counters; 0: none follow)
	 */
	NF_EGRESS_A_HIT_RULES,
	/*
	 * u32: rules the instance hit beyond NF_EGRESS_GONE_RULES_MAX, whose
	 * hits no message carries; they are in the policy and class counters
	 * (INSTANCE_GONE with the final counters; absent: none)
	 */
	NF_EGRESS_A_HIT_RULES_OMITTED,
	/*
	 * u32: the place of the message's first RULE nest in its instance's
	 * series of HIT_RULES nests, from 0 (an INSTANCE_GONE message with
	 * rule hits: CGROUP_PATH, GENERATION, TEMPLATE, RULE_OFFSET and RULE
	 * nests whose STATS are the instance's hits of the rule)
	 */
	NF_EGRESS_A_RULE_OFFSET,
	/*
	 * nest, NF_EGRESS_CONN_A_*: a connection limit of the policy
	 * (POLICY_NEW, POLICY_SET, POLICY_GET replies; absent in a reply:
	 * none); repeated, at most one without CONN_A_CLASS (of all the
	 * policy's connections) and one per class, 16 in all (E2BIG beyond).
	 * In POLICY_SET the nests replace the limits as a whole, and
	 * CONN_A_NONE alone removes them
	 */
	NF_EGRESS_A_CONN,
	/*
	 * nest, NF_EGRESS_CTR_A_*: packets/bytes of the first SYNs of TCP
	 * connections a connection limit refused; in audit mode, those a limit
	 * of this policy would have refused, which left (and are also in
	 * ALLOWED)
	 */
	NF_EGRESS_A_STATS_CONNLIMIT,
	/*
	 * u32: TCP connections charged to the policy's connection limit now:
	 * those whose first SYN left while it had one, until they close
	 */
	NF_EGRESS_A_STATS_CONN_ACTIVE,
	/*
	 * u32: TCP sockets the module counts against connection limits now
	 * (GET_INFO reply, to a caller with CAP_NET_ADMIN)
	 */
	NF_EGRESS_A_CONN_SOCKETS,
	/*
	 * u64: first SYNs refused because the module already counted
	 * conn_sockets_max sockets (module parameter), or found no memory to
	 * count one, since the module was loaded (GET_INFO reply, to a caller
	 * with CAP_NET_ADMIN)
	 */
	NF_EGRESS_A_CONN_TABLE_FULL,
	/*
	 * nest, NF_EGRESS_HEALTH_A_*: the health of the TCP connections the
	 * policy's cgroup subtree opened, or of those to the class
	 * HEALTH_CLASS (HEALTH_GET replies; INSTANCE_GONE: the whole
	 * instance's)
	 */
	NF_EGRESS_A_STATS_HEALTH,
	/*
	 * u64: first SYNs (or SYNs sent again) of TCP connections whose health
	 * nothing counts because the module already followed
	 * health_sockets_max sockets for health alone (module parameter) since
	 * it was loaded (GET_INFO reply, to a caller with CAP_NET_ADMIN)
	 */
	NF_EGRESS_A_HEALTH_UNTRACKED,
	/*
	 * u32: TCP sockets the module follows for connection health alone now
	 * (GET_INFO reply, to a caller with CAP_NET_ADMIN)
	 */
	NF_EGRESS_A_HEALTH_SOCKETS,
	/*
	 * NUL-terminated string: the class whose connections a HEALTH_GET
	 * reply's STATS_HEALTH counts (absent: all the policy's connections)
	 */
	NF_EGRESS_A_HEALTH_CLASS,

	__NF_EGRESS_A_MAX,
	NF_EGRESS_A_MAX = __NF_EGRESS_A_MAX - 1
};

/* Attributes nested in NF_EGRESS_A_RULE. */
enum nf_egress_rule_attr {
	NF_EGRESS_RULE_A_UNSPEC,
	NF_EGRESS_RULE_A_PAD,
	/* u32: rule id, unique within its policy, assigned by the kernel */
	NF_EGRESS_RULE_A_ID,
	/* u8, enum nf_egress_verdict: the rule's verdict */
	NF_EGRESS_RULE_A_ACTION,
	/* u8: AF_INET or AF_INET6 */
	NF_EGRESS_RULE_A_FAMILY,
	/*
	 * binary: destination address, 4 bytes (AF_INET) or 16 (AF_INET6), in
	 * network byte order; host bits beyond the prefix must be zero
	 */
	NF_EGRESS_RULE_A_ADDR,
	/* u8: destination prefix length, 0..32 or 0..128 */
	NF_EGRESS_RULE_A_PREFIX_LEN,
	/*
	 * u8: IP protocol: IPPROTO_TCP, _UDP, _SCTP, _ICMP (AF_INET only),
	 * _ICMPV6 (AF_INET6 only); absent or 0 means any protocol
	 */
	NF_EGRESS_RULE_A_PROTO,
	/*
	 * u16: first destination port, host byte order; with PORT_MAX or not
	 * at all. A rule with ports matches only TCP, UDP and SCTP.
	 */
	NF_EGRESS_RULE_A_PORT_MIN,
	/* u16: last destination port (inclusive), host byte order */
	NF_EGRESS_RULE_A_PORT_MAX,
	/*
	 * NUL-terminated string: accounting class: ASCII letters, digits, '.',
	 * '-' and '_', at most NF_EGRESS_CLASS_NAME_MAX - 1 bytes
	 */
	NF_EGRESS_RULE_A_CLASS,
	/*
	 * nest, NF_EGRESS_CTR_A_*: (RULE_GET only) packets/bytes this rule
	 * decided, allowed or denied
	 */
	NF_EGRESS_RULE_A_STATS,

	__NF_EGRESS_RULE_A_MAX,
	NF_EGRESS_RULE_A_MAX = __NF_EGRESS_RULE_A_MAX - 1
};

/* Attributes nested in the NF_EGRESS_A_STATS_* counters. */
enum nf_egress_counter_attr {
	NF_EGRESS_CTR_A_UNSPEC,
	NF_EGRESS_CTR_A_PAD,
	/* u64: packets; a GSO packet counts as its segments */
	NF_EGRESS_CTR_A_PACKETS,
	/*
	 * u64: bytes at the IP layer (IP header included); a GSO packet counts
	 * as its segments, each with its own headers
	 */
	NF_EGRESS_CTR_A_BYTES,
	/*
	 * NUL-terminated string: the class a NF_EGRESS_A_STATS_CLASS nest
	 * counts
	 */
	NF_EGRESS_CTR_A_CLASS,
	/*
	 * u32: in a NF_EGRESS_A_STATS_CLASS nest of a policy with a connection
	 * limit of the class: its connections charged to it now
	 */
	NF_EGRESS_CTR_A_CONN_ACTIVE,

	__NF_EGRESS_CTR_A_MAX,
	NF_EGRESS_CTR_A_MAX = __NF_EGRESS_CTR_A_MAX - 1
};

/*
 * Attributes nested in NF_EGRESS_A_EXPLAIN_PACKET (request) and
 * NF_EGRESS_A_EXPLAIN_LEVEL (reply).
 */
enum nf_egress_explain_attr {
	NF_EGRESS_EXPLAIN_A_UNSPEC,
	NF_EGRESS_EXPLAIN_A_PAD,
	/* u8: packet: AF_INET or AF_INET6 */
	NF_EGRESS_EXPLAIN_A_FAMILY,
	/* binary: packet: 4 or 16 bytes, network byte order */
	NF_EGRESS_EXPLAIN_A_ADDR,
	/* u8: packet: IP protocol (0: none given; matches only "any" rules) */
	NF_EGRESS_EXPLAIN_A_PROTO,
	/* u16: packet: destination port, host byte order */
	NF_EGRESS_EXPLAIN_A_PORT,
	/* NUL-terminated string: level: the policy's cgroup path */
	NF_EGRESS_EXPLAIN_A_CGROUP_PATH,
	/* u8, enum nf_egress_mode: level: the policy's mode */
	NF_EGRESS_EXPLAIN_A_MODE,
	/*
	 * u32: level: id of the deciding rule; absent when the default decided
	 */
	NF_EGRESS_EXPLAIN_A_RULE_ID,
	/* u8, enum nf_egress_verdict: level: this policy's own verdict */
	NF_EGRESS_EXPLAIN_A_VERDICT,
	/* nest, NF_EGRESS_RULE_A_*: level: the deciding rule in full */
	NF_EGRESS_EXPLAIN_A_RULE,
	/* u8, enum nf_egress_verdict: level: the policy's default verdict */
	NF_EGRESS_EXPLAIN_A_DEFAULT,
	/*
	 * nest, NF_EGRESS_QUOTA_A_*: level: the used-up quota with the deny
	 * action that denies what the rule or the default allowed, with its
	 * usage
	 */
	NF_EGRESS_EXPLAIN_A_QUOTA,
	/*
	 * NUL-terminated string: level: the pattern of the template whose
	 * instance this level is (CGROUP_PATH is then the level's concrete
	 * path)
	 */
	NF_EGRESS_EXPLAIN_A_TEMPLATE,

	__NF_EGRESS_EXPLAIN_A_MAX,
	NF_EGRESS_EXPLAIN_A_MAX = __NF_EGRESS_EXPLAIN_A_MAX - 1
};

/* Attributes nested in NF_EGRESS_A_RATE. */
enum nf_egress_rate_attr {
	NF_EGRESS_RATE_A_UNSPEC,
	NF_EGRESS_RATE_A_PAD,
	/*
	 * flag: remove the policy's rate limit ("rate none"); nothing else may
	 * be given with it
	 */
	NF_EGRESS_RATE_A_NONE,
	/* u64: bytes per second at the IP layer, > 0 */
	NF_EGRESS_RATE_A_BYTES_PER_SEC,
	/*
	 * u32: bucket depth in bytes; default: 10 ms worth of the rate (250 ms
	 * in police mode), at least 64 KiB
	 */
	NF_EGRESS_RATE_A_BURST,
	/* u32: packets per second, > 0; optional, alone or with a byte rate */
	NF_EGRESS_RATE_A_PPS,
	/*
	 * u8, enum nf_egress_rate_mode: the limit's mode; default
	 * NF_EGRESS_RATE_SHAPE
	 */
	NF_EGRESS_RATE_A_MODE,
	/*
	 * u32: shape mode only: most packets waiting in the queue, 1..65536;
	 * default 1000
	 */
	NF_EGRESS_RATE_A_QUEUE_LIMIT,
	/*
	 * u32: shape mode only: longest a packet may wait, in microseconds,
	 * 100..10000000; default 100000 (100 ms)
	 */
	NF_EGRESS_RATE_A_LATENCY_US,

	__NF_EGRESS_RATE_A_MAX,
	NF_EGRESS_RATE_A_MAX = __NF_EGRESS_RATE_A_MAX - 1
};

/*
 * Attributes nested in NF_EGRESS_A_CONN: limits on the TCP connections a
 * policy's cgroup subtree opens. A connection counts from its first SYN until
 * its socket closes (TCP_CLOSE: a close, a reset, a timeout). A first SYN over
 * a limit is dropped and connect() fails at once with ECONNREFUSED. Every
 * level of the hierarchy with a limit is charged; each instance of a template
 * has limits of its own.
 */
enum nf_egress_conn_attr {
	NF_EGRESS_CONN_A_UNSPEC,
	NF_EGRESS_CONN_A_PAD,
	/*
	 * flag: remove the policy's connection limits ("conn none"); nothing
	 * else may be given with it
	 */
	NF_EGRESS_CONN_A_NONE,
	/*
	 * u32: most concurrent TCP connections, > 0 (not "max": the header's
	 * NF_EGRESS_CONN_A_MAX is the highest attribute)
	 */
	NF_EGRESS_CONN_A_MAX_ACTIVE,
	/*
	 * u32: most new TCP connections per second (a token bucket), 1..10^9
	 */
	NF_EGRESS_CONN_A_RATE,
	/*
	 * u32: new connections the rate's bucket holds, > 0; with RATE only;
	 * default RATE (one second's worth)
	 */
	NF_EGRESS_CONN_A_BURST,
	/*
	 * NUL-terminated string: the class whose connections the limit counts:
	 * those whose first SYN a rule of the class allowed (absent: all the
	 * policy's)
	 */
	NF_EGRESS_CONN_A_CLASS,

	__NF_EGRESS_CONN_A_MAX,
	NF_EGRESS_CONN_A_MAX = __NF_EGRESS_CONN_A_MAX - 1
};

/*
 * Attributes nested in NF_EGRESS_A_STATS_HEALTH: the outcome of the TCP
 * connections a policy's cgroup subtree opened (a connection's class is that
 * of the rule that allowed its first SYN), and a histogram of their smoothed
 * round-trip times. Counted from the kernel's own view of each socket, with no
 * conntrack: a connection counts from its first SYN that left, its end from
 * the error its socket closed with.
 */
enum nf_egress_health_attr {
	NF_EGRESS_HEALTH_A_UNSPEC,
	NF_EGRESS_HEALTH_A_PAD,
	/* u64: connections whose first SYN left */
	NF_EGRESS_HEALTH_A_ATTEMPTS,
	/* u64: connections that reached ESTABLISHED */
	NF_EGRESS_HEALTH_A_ESTABLISHED,
	/*
	 * u64: connections the peer refused (a RST answered the SYN, or an
	 * ICMP port unreachable)
	 */
	NF_EGRESS_HEALTH_A_REFUSED,
	/*
	 * u64: connections that closed with ETIMEDOUT: no answer to the SYN
	 * and its retransmissions, or an established connection given up after
	 * its retransmissions or keepalives
	 */
	NF_EGRESS_HEALTH_A_TIMED_OUT,
	/*
	 * u64: connections not established that closed with another error an
	 * ICMP error gives (destination unreachable, host or network
	 * prohibited...); not a local abort (ECONNABORTED: ss -K)
	 */
	NF_EGRESS_HEALTH_A_UNREACHABLE,
	/*
	 * u64: established connections that closed with ECONNRESET or EPIPE
	 * (the peer reset them)
	 */
	NF_EGRESS_HEALTH_A_RESET,
	/* u64: SYNs sent again (tcp:tcp_retransmit_skb in SYN_SENT) */
	NF_EGRESS_HEALTH_A_SYN_RETRANS,
	/*
	 * u64: segments retransmitted after the SYN (tcp:tcp_retransmit_skb in
	 * any other state), a GSO packet counting as its segments
	 */
	NF_EGRESS_HEALTH_A_DATA_RETRANS,
	/* u64: round-trip time samples in the histogram */
	NF_EGRESS_HEALTH_A_RTT_COUNT,
	/* u64: the sum of the samples, in microseconds */
	NF_EGRESS_HEALTH_A_RTT_SUM_US,
	/*
	 * nest, NF_EGRESS_RTT_BUCKET_A_*: one bucket of the round-trip time
	 * histogram with samples in it, lowest first; buckets without samples
	 * are left out
	 */
	NF_EGRESS_HEALTH_A_RTT_BUCKET,

	__NF_EGRESS_HEALTH_A_MAX,
	NF_EGRESS_HEALTH_A_MAX = __NF_EGRESS_HEALTH_A_MAX - 1
};

/*
 * Attributes nested in NF_EGRESS_HEALTH_A_RTT_BUCKET. A sample is the socket's
 * smoothed RTT (srtt) in microseconds, taken when the connection is
 * established and when one of every 64 segments it sends leaves. Below 16 us a
 * bucket is 1 us wide; above, each power of two is cut into 16 buckets of
 * equal width (6.25% of its lower bound).
 */
enum nf_egress_rtt_bucket_attr {
	NF_EGRESS_RTT_BUCKET_A_UNSPEC,
	NF_EGRESS_RTT_BUCKET_A_PAD,
	/* u32: the lowest RTT the bucket holds, in microseconds */
	NF_EGRESS_RTT_BUCKET_A_LOW_US,
	/*
	 * u32: the lowest RTT above the bucket, in microseconds; 0 for the
	 * last bucket, which holds everything from LOW_US up
	 */
	NF_EGRESS_RTT_BUCKET_A_HIGH_US,
	/* u64: samples in the bucket */
	NF_EGRESS_RTT_BUCKET_A_COUNT,

	__NF_EGRESS_RTT_BUCKET_A_MAX,
	NF_EGRESS_RTT_BUCKET_A_MAX = __NF_EGRESS_RTT_BUCKET_A_MAX - 1
};

/*
 * Attributes nested in NF_EGRESS_A_QUOTA. A request sets LIMIT, PERIOD and the
 * optional rest; replies and events also carry the usage.
 */
enum nf_egress_quota_attr {
	NF_EGRESS_QUOTA_A_UNSPEC,
	NF_EGRESS_QUOTA_A_PAD,
	/*
	 * flag: remove the policy's quotas; nothing else may be given with it
	 */
	NF_EGRESS_QUOTA_A_NONE,
	/* u64: bytes a period, at the IP layer as the counters count them */
	NF_EGRESS_QUOTA_A_LIMIT,
	/* u8, enum nf_egress_quota_period: the length of the periods */
	NF_EGRESS_QUOTA_A_PERIOD,
	/*
	 * s64: a moment a period starts, in seconds since the epoch; default,
	 * in the local time of UTC_OFFSET: 00:00 of 1970-01-01 for months,
	 * 00:00 of 1970-01-05 (a Monday) for the others
	 */
	NF_EGRESS_QUOTA_A_ANCHOR,
	/*
	 * s32: seconds east of UTC of the local time months and the default
	 * anchor are counted in, -86399 to 86399; default 0 (UTC)
	 */
	NF_EGRESS_QUOTA_A_UTC_OFFSET,
	/*
	 * u8: a percentage of the limit whose crossing sends an event;
	 * repeated, ascending, at most 4
	 */
	NF_EGRESS_QUOTA_A_WARN,
	/*
	 * u8, enum nf_egress_quota_action: what the policy does once the quota
	 * is used up; default notify
	 */
	NF_EGRESS_QUOTA_A_ACTION,
	/*
	 * u64: the byte rate of NF_EGRESS_QUOTA_ACTION_RATE, bytes per second,
	 * at most 2^32 * 10^9
	 */
	NF_EGRESS_QUOTA_A_RATE,
	/*
	 * NUL-terminated string: count only bytes that leave under rules of
	 * this class; absent: every byte the policy allows
	 */
	NF_EGRESS_QUOTA_A_CLASS,
	/*
	 * NUL-terminated string: with NF_EGRESS_QUOTA_ACTION_DENY:
	 * destinations of this class stay allowed once the quota is used up
	 */
	NF_EGRESS_QUOTA_A_EXEMPT_CLASS,
	/* u64: bytes used in the current period (replies, events) */
	NF_EGRESS_QUOTA_A_USED,
	/*
	 * s64: start of the current period, seconds since the epoch (replies,
	 * events)
	 */
	NF_EGRESS_QUOTA_A_PERIOD_START,
	/* s64: end of the current period (replies, events) */
	NF_EGRESS_QUOTA_A_PERIOD_END,
	/* u64: bytes used in the period before the current one (replies) */
	NF_EGRESS_QUOTA_A_LAST_USED,
	/*
	 * u8: events: the percentage whose crossing sent the event, 100 when
	 * the quota was used up
	 */
	NF_EGRESS_QUOTA_A_CROSSED,
	/*
	 * u64: replies: names this quota's count, new when the quota is
	 * created (a module load creates all of them), kept by an apply or
	 * POLICY_SET that keeps the quota; QUOTA_RESTORE: the count the usage
	 * was saved from (refused with EALREADY when it is this quota's own,
	 * which holds the bytes already)
	 */
	NF_EGRESS_QUOTA_A_INSTANCE,

	__NF_EGRESS_QUOTA_A_MAX,
	NF_EGRESS_QUOTA_A_MAX = __NF_EGRESS_QUOTA_A_MAX - 1
};

/*
 * Attributes nested in NF_EGRESS_A_EVENT. Events are rate-limited per policy
 * (module parameter event_rate, per second); the first event sent for a policy
 * after some were suppressed says how many in NF_EGRESS_EVENT_A_SUPPRESSED.
 */
enum nf_egress_event_attr {
	NF_EGRESS_EVENT_A_UNSPEC,
	NF_EGRESS_EVENT_A_PAD,
	/* u64: when the packet was judged, CLOCK_REALTIME nanoseconds */
	NF_EGRESS_EVENT_A_TIME_NS,
	/* u8, enum nf_egress_event_verdict: what happened to the packet */
	NF_EGRESS_EVENT_A_VERDICT,
	/* NUL-terminated string: the cgroup v2 path of the sending socket */
	NF_EGRESS_EVENT_A_CGROUP_PATH,
	/* NUL-terminated string: the path of the policy that decided */
	NF_EGRESS_EVENT_A_POLICY_PATH,
	/*
	 * u32: id of the deciding rule in that policy; absent when the
	 * policy's default decided
	 */
	NF_EGRESS_EVENT_A_RULE_ID,
	/* flag: the policy's default decided (no rule matched) */
	NF_EGRESS_EVENT_A_DEFAULT,
	/* u8: AF_INET or AF_INET6 */
	NF_EGRESS_EVENT_A_FAMILY,
	/* u8: IP protocol (IPPROTO_*) */
	NF_EGRESS_EVENT_A_PROTO,
	/* binary: source address, 4 or 16 bytes, network byte order */
	NF_EGRESS_EVENT_A_SADDR,
	/* binary: destination address, 4 or 16 bytes, network byte order */
	NF_EGRESS_EVENT_A_DADDR,
	/* u16: source port, host byte order: TCP, UDP and SCTP only */
	NF_EGRESS_EVENT_A_SPORT,
	/* u16: destination port, host byte order: TCP, UDP and SCTP only */
	NF_EGRESS_EVENT_A_DPORT,
	/*
	 * u32: thread group id (in the initial pid namespace) of the task that
	 * sent the packet; absent when it was not sent from task context
	 */
	NF_EGRESS_EVENT_A_PID,
	/* NUL-terminated string: that task's command name; with PID only */
	NF_EGRESS_EVENT_A_COMM,
	/*
	 * u64: events of the same policy suppressed by the rate limit since
	 * the previous event sent for it; absent when none
	 */
	NF_EGRESS_EVENT_A_SUPPRESSED,
	/*
	 * flag: NF_EGRESS_EVENT_A_CGROUP_PATH holds only the leading
	 * components of a path longer than NF_EGRESS_CGROUP_PATH_MAX - 1 bytes
	 * (as many whole components as fit)
	 */
	NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED,
	/*
	 * flag: a used-up quota of the policy with the deny action denied (or
	 * would deny) the packet, which RULE_ID or DEFAULT allowed
	 */
	NF_EGRESS_EVENT_A_QUOTA,
	/*
	 * NUL-terminated string: the pattern of the template whose instance
	 * POLICY_PATH is
	 */
	NF_EGRESS_EVENT_A_TEMPLATE,
	/*
	 * u32: CONNLIMIT, WOULD_CONNLIMIT: the concurrent connection limit
	 * (CONN_A_MAX_ACTIVE) of the policy, or of its class CONN_CLASS,
	 * refused the connection
	 */
	NF_EGRESS_EVENT_A_CONN_MAX,
	/*
	 * u32: CONNLIMIT, WOULD_CONNLIMIT: the new connection rate
	 * (CONN_A_RATE, per second) of the policy, or of its class CONN_CLASS,
	 * refused the connection
	 */
	NF_EGRESS_EVENT_A_CONN_RATE,
	/*
	 * flag: CONNLIMIT, WOULD_CONNLIMIT: the module counts as many sockets
	 * as it may (module parameter conn_sockets_max), or found no memory to
	 * count this one (its entry, or a class limit's live count), and could
	 * not count it
	 */
	NF_EGRESS_EVENT_A_CONN_TABLE_FULL,
	/*
	 * NUL-terminated string: CONNLIMIT, WOULD_CONNLIMIT: the class of the
	 * limit that refused (absent: the limit of all the policy's
	 * connections)
	 */
	NF_EGRESS_EVENT_A_CONN_CLASS,

	__NF_EGRESS_EVENT_A_MAX,
	NF_EGRESS_EVENT_A_MAX = __NF_EGRESS_EVENT_A_MAX - 1
};

/* Commands. "admin": needs CAP_NET_ADMIN in the initial user namespace. */
enum nf_egress_cmd {
	/* Not used. */
	NF_EGRESS_CMD_UNSPEC,
	/*
	 * do: The module's version, the generation and the number of policies.
	 */
	NF_EGRESS_CMD_GET_INFO,
	/*
	 * do, admin: Create a policy; an existing path fails with -EEXIST.
	 * With STAGED, in the caller's staged set.
	 */
	NF_EGRESS_CMD_POLICY_NEW,
	/* do, admin: Delete a policy, its rules and its counters. */
	NF_EGRESS_CMD_POLICY_DEL,
	/*
	 * do, dump: Do: one policy by path. Dump: every policy, or only the
	 * one CGROUP_PATH names.
	 */
	NF_EGRESS_CMD_POLICY_GET,
	/*
	 * do, admin: Add one or more rules (RULE nests) to a policy, all or
	 * none. RULE_ID must not be given: the kernel assigns ids.
	 */
	NF_EGRESS_CMD_RULE_NEW,
	/*
	 * do, admin: Delete one rule, named by its id alone or by its full
	 * specification (action, family, address, prefix length...).
	 */
	NF_EGRESS_CMD_RULE_DEL,
	/*
	 * dump, admin: Every rule, or those of the policy CGROUP_PATH names;
	 * one message per rule, in id order, with its counters.
	 */
	NF_EGRESS_CMD_RULE_GET,
	/* dump: Counters of every policy, or of the one CGROUP_PATH names. */
	NF_EGRESS_CMD_STATS_GET,
	/*
	 * do, admin: Change a policy's mode, default verdict and/or rate
	 * limit; rules and counters are kept.
	 */
	NF_EGRESS_CMD_POLICY_SET,
	/*
	 * do, admin: Start building a staged policy set owned by the calling
	 * netlink socket (-EBUSY while any socket holds one).
	 */
	NF_EGRESS_CMD_APPLY_BEGIN,
	/*
	 * do, admin: Replace the live set with the staged one in one step.
	 * Counters of policies whose path exists in both sets are kept.
	 */
	NF_EGRESS_CMD_APPLY_COMMIT,
	/* do, admin: Drop the staged set. Closing the socket does the same. */
	NF_EGRESS_CMD_APPLY_ABORT,
	/*
	 * do, admin: What the live set decides for a packet from the cgroup
	 * CGROUP_PATH described by EXPLAIN_PACKET, level by level, root first;
	 * the same code decides for real packets.
	 */
	NF_EGRESS_CMD_EXPLAIN,
	/*
	 * do, admin: Zero the counters (policy, class and rule counters) of
	 * the policy CGROUP_PATH names, or of every policy. Nothing else
	 * zeroes them.
	 */
	NF_EGRESS_CMD_STATS_RESET,
	/*
	 * notification of the "events" group: One packet denied, dropped by a
	 * rate limit, or sent but would-denied (audit), as one EVENT nest;
	 * never a request.
	 */
	NF_EGRESS_CMD_EVENT,
	/*
	 * notification of the "events" group: A quota of the policy
	 * CGROUP_PATH crossed a warning percentage or was used up
	 * (QUOTA_A_CROSSED says which), once a period each; never dropped by
	 * the events' rate limit, never a request. An instance's quota (each
	 * instance of a template with quotas counts its own usage) names its
	 * TEMPLATE too.
	 */
	NF_EGRESS_CMD_QUOTA_EVENT,
	/*
	 * do, admin: Zero the usage of the current period of the quotas of the
	 * policy CGROUP_PATH names (or of the template instance of that
	 * cgroup): of all of them, or with a QUOTA nest of the one that counts
	 * its QUOTA_A_CLASS (without a class: the quota of all the policy's
	 * bytes). A used-up quota's action is lifted.
	 */
	NF_EGRESS_CMD_QUOTA_RESET,
	/*
	 * do, admin: Add usage saved earlier (before a reboot or a module
	 * reload) to a quota of the policy CGROUP_PATH (or of the template
	 * instance of that cgroup, made as the cgroup's first packet would
	 * make it when there is none yet): one QUOTA nest with the quota's
	 * CLASS (if it has one), its calendar (PERIOD, ANCHOR, UTC_OFFSET),
	 * the PERIOD_START the usage was saved in and the bytes USED, and the
	 * INSTANCE it was saved from. Refused when the policy has no such
	 * quota (ENOENT), when its calendar differs (EINVAL), when the current
	 * period is another one (ESTALE), when the period was restored already
	 * or the usage is this quota's own (EALREADY), or when the sum would
	 * not fit (ERANGE). Warnings that only the sum crosses send their
	 * events, and the limit's when the sum reaches it.
	 */
	NF_EGRESS_CMD_QUOTA_RESTORE,
	/*
	 * notification of the "events" group: A cgroup CGROUP_PATH that
	 * matches the template TEMPLATE got no instance of it: the template
	 * has INSTANCES_MAX instances already (or the path is longer than
	 * NF_EGRESS_CGROUP_PATH_MAX - 1 bytes). Its packets are judged by the
	 * template's own rules and verdicts and counted on the template, never
	 * let through unjudged. At most once for each cgroup while the answer
	 * stays cached (the policy set does not change), within the template's
	 * event budget; never a request.
	 */
	NF_EGRESS_CMD_INSTANCE_EVENT,
	/*
	 * notification of the "events" group: The instance CGROUP_PATH of the
	 * template TEMPLATE went: its cgroup was gone for the template's
	 * INSTANCES_KEEP seconds, or the template was deleted or replaced by
	 * an apply without it. Its final counters, as a STATS_GET reply has
	 * them, and HIT_RULES (and HIT_RULES_OMITTED), so that a collector
	 * loses nothing. When HIT_RULES is not 0, more INSTANCE_GONE messages
	 * follow at once, each with the same CGROUP_PATH, GENERATION and
	 * TEMPLATE, a RULE_OFFSET and RULE nests (the rule and the instance's
	 * hits of it), until HIT_RULES nests have come; a listener that misses
	 * one (ENOBUFS) sees a gap in the offsets. Never a request.
	 */
	NF_EGRESS_CMD_INSTANCE_GONE,
	/*
	 * dump: The health of the TCP connections of every policy (instances
	 * included), or of the one CGROUP_PATH names: one message for all of a
	 * policy's connections, then one for each class its connections went
	 * to (HEALTH_CLASS), each with STATS_HEALTH. A policy's first message
	 * comes once it has counted a connection (the module parameter health
	 * on). Apart from STATS_GET because a histogram is up to a few
	 * kilobytes. Like STATS_GET, open to every process of the initial
	 * network namespace.
	 */
	NF_EGRESS_CMD_HEALTH_GET,

	__NF_EGRESS_CMD_MAX,
	NF_EGRESS_CMD_MAX = __NF_EGRESS_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_NF_EGRESS_H */
