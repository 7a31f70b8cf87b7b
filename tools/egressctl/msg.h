/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Encoding and decoding of nf_egress generic netlink messages.  Pure
 * functions over message buffers (no socket), so they are unit-tested with
 * handcrafted messages, including malformed ones.
 *
 * Decoders validate the type and length of every attribute they know and
 * ignore attributes they do not (newer kernels may add some).  Strings in
 * the decoded structs point into the message buffer.
 */
#ifndef EGRESSCTL_MSG_H
#define EGRESSCTL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "histogram.h"
#include "parse.h"
#include "quotaspec.h"

struct egress_info_msg {
	/* A copy: the reply's buffer is gone once the request returns. */
	char version[64];		/* "" if absent */
	bool has_generation, has_policy_count, has_cached_cgroups;
	uint32_t generation;
	uint32_t policy_count;
	uint32_t cached_cgroups;
	/* sockets charged to connection limits, first SYNs the table refused */
	bool has_conn_sockets, has_conn_table_full;
	uint32_t conn_sockets;
	uint64_t conn_table_full;
	/*
	 * sockets followed for connection health alone, and SYNs not
	 * followed for want of room
	 */
	bool has_health_sockets, has_health_untracked;
	uint32_t health_sockets;
	uint64_t health_untracked;
};

/* One NF_EGRESS_A_QUOTA nest of a reply or a QUOTA_EVENT. */
struct egress_quota_msg {
	struct egress_quota_spec spec;	/* has_anchor set: the module's */
	bool has_usage;			/* USED, PERIOD_START and _END */
	uint64_t used;			/* bytes this period */
	int64_t period_start, period_end;
	uint64_t last_used;		/* bytes the period before */
	bool has_crossed;		/* events: the percentage crossed */
	uint8_t crossed;
	bool has_instance;		/* names this quota's count */
	uint64_t instance;
};

struct egress_quota_event_msg {
	uint64_t time_ns;		/* when it was received (CLOCK_REALTIME) */
	const char *path;		/* the policy's cgroup */
	const char *template;		/* an instance's pattern, else NULL */
	struct egress_quota_msg quota;
	char why[128];			/* after -EBADMSG */
};

struct egress_policy_msg {
	const char *path;		/* an instance's: its cgroup's */
	const char *template;		/* an instance's pattern, else NULL */
	bool has_instances_max, has_instance_count;	/* a template's */
	uint32_t instances_max, instance_count;
	bool has_instances_keep;	/* a template's */
	uint32_t instances_keep;	/* seconds */
	bool has_generation, has_default, has_rule_count, has_mode;
	uint32_t generation;
	uint8_t default_verdict;
	uint8_t mode;
	uint32_t rule_count;
	bool has_rate;			/* NF_EGRESS_A_RATE: a limit is set */
	struct egress_rate rate;
	/*
	 * NF_EGRESS_A_CONN nests, one a connection limit (validated: valid
	 * class names, at most one without a class and one per class); walk
	 * them with egress_policy_for_each_conn.
	 */
	size_t nconns;
	size_t nquotas;
	struct egress_quota_msg quotas[EGRESS_QUOTAS_MAX];
};

struct egress_counter {
	uint64_t packets;
	uint64_t bytes;
};

/*
 * The TCP health of a policy or of a class (NF_EGRESS_HEALTH_A_*): how
 * its connections ended, the retransmissions, and the count and sum of
 * the round-trip time samples; zero when absent.
 */
struct egress_health {
	uint64_t attempts, established;
	uint64_t refused, timed_out, unreachable, reset;	/* failures */
	uint64_t syn_retrans, data_retrans;
	uint64_t rtt_count, rtt_sum_us;
};

/*
 * A health nest, validated: its counters, and how many RTT buckets it has
 * (each with its three bounds, lowest first, none overlapping, nothing
 * after an unbounded one), which egress_health_buckets copies out.
 */
struct egress_health_msg {
	struct egress_health h;
	size_t nbuckets;
	const struct nlattr *nest;	/* in the message's buffer */
};

struct egress_rule_msg {
	const char *path;
	bool has_generation;
	uint32_t generation;
	uint32_t id;
	struct egress_rule_spec spec;
	bool has_stats;			/* NF_EGRESS_RULE_A_STATS was there */
	struct egress_counter stats;	/* packets/bytes the rule decided */
};

/*
 * The counters of a policy or an instance, as a STATS_GET reply and an
 * INSTANCE_GONE carry them alike.
 */
struct egress_policy_counters {
	struct egress_counter allowed;
	struct egress_counter denied;
	struct egress_counter would_deny;
	struct egress_counter ratelimited;	/* zero when absent */
	/* shape mode (zero when absent) */
	bool has_shaping;		/* any of the three was there */
	struct egress_counter shaped;	/* delayed, also in allowed */
	uint32_t queue_len;		/* packets waiting now */
	uint64_t max_delay_ns;		/* longest delay since the reset */
	/* connection limits (zero when absent) */
	bool has_conn;			/* either was there */
	struct egress_counter connlimit;	/* refused first SYNs */
	uint32_t conn_active;		/* connections charged now */
	bool has_reset_time;
	uint64_t reset_time;		/* unix seconds of the last STATS_RESET */
	/* NF_EGRESS_A_STATS_HEALTH of an INSTANCE_GONE; false: none counted */
	bool has_health;
	struct egress_health_msg health;
	/*
	 * NF_EGRESS_A_STATS_CLASS nests (validated, each class once); walk
	 * them with egress_stats_for_each_class.
	 */
	size_t nclasses;
};

struct egress_stats_msg {
	const char *path;
	const char *template;		/* an instance's pattern, else NULL */
	bool has_generation;
	uint32_t generation;
	struct egress_policy_counters counters;
	bool has_mode;
	uint8_t mode;
	size_t nquotas;
	struct egress_quota_msg quotas[EGRESS_QUOTAS_MAX];
};

/* One NF_EGRESS_A_STATS_CLASS nest of a STATS_GET or INSTANCE_GONE. */
struct egress_class_msg {
	const char *name;
	struct egress_counter ctr;
	/* CTR_A_CONN_ACTIVE: the class has a connection limit of its own */
	bool has_conn_active;
	uint32_t conn_active;		/* connections charged to it now */
};

/* Called for each class counter of a STATS_GET message, in order. */
typedef int (*egress_class_cb)(const struct egress_class_msg *c, void *data);

/* Called for each connection limit of a POLICY_GET reply, in order. */
typedef int (*egress_conn_cb)(const struct egress_conn *c, void *data);

/*
 * One HEALTH_GET reply: the health of all the connections of a policy (or
 * an instance), or, with class_name, of those to one class of it.
 */
struct egress_health_reply_msg {
	const char *path;
	const char *template;		/* an instance's pattern, else NULL */
	const char *class_name;		/* NULL: all the policy's */
	bool has_generation;
	uint32_t generation;
	struct egress_health_msg health;
};

/* One policy level of an EXPLAIN reply. */
struct egress_explain_level {
	const char *path;
	const char *template;		/* a template's instance: its pattern */
	bool has_mode, has_default, has_rule;
	uint8_t mode;
	uint8_t verdict;		/* this policy's own verdict */
	uint8_t default_verdict;
	uint32_t rule_id;
	struct egress_rule_spec rule;	/* valid with has_rule */
	/* a used-up deny quota turned what the rule allowed into a deny */
	bool has_quota;
	struct egress_quota_msg quota;
};

#define EGRESS_EXPLAIN_MAX_LEVELS	256

struct egress_explain_msg {
	uint8_t verdict;		/* final */
	bool has_generation;		/* of the set that answered */
	uint32_t generation;
	size_t nlevels;
	struct egress_explain_level levels[EGRESS_EXPLAIN_MAX_LEVELS];
};

/* One NF_EGRESS_CMD_EVENT notification. */
struct egress_event_msg {
	uint64_t time_ns;		/* CLOCK_REALTIME */
	uint8_t verdict;		/* enum nf_egress_event_verdict */
	/*
	 * The sending socket's cgroup, a copy: at most
	 * NF_EGRESS_CGROUP_PATH_MAX - 1 bytes, cut to its leading whole
	 * components (cgroup_truncated) when the kernel sent a longer one.
	 */
	char cgroup[NF_EGRESS_CGROUP_PATH_MAX];
	bool cgroup_truncated;		/* the path lacks trailing components */
	const char *policy;		/* the policy that decided */
	const char *template;		/* policy is its instance, or NULL */
	bool has_rule_id;		/* else the policy's default decided */
	uint32_t rule_id;
	bool quota;			/* a used-up quota denied what it allowed */
	uint8_t family;			/* AF_INET or AF_INET6 */
	uint8_t proto;
	bool has_saddr, has_daddr;
	unsigned char saddr[16];
	unsigned char daddr[16];
	bool has_ports;
	uint16_t sport, dport;
	bool has_pid;			/* sent from task context */
	uint32_t pid;
	const char *comm;		/* NULL if absent */
	uint64_t suppressed;		/* 0 when absent */
	/* CONNLIMIT, WOULD_CONNLIMIT: which limit (0 when absent) */
	uint32_t conn_max, conn_rate;
	const char *conn_class;		/* the limit's class; NULL: the policy's */
	bool conn_table_full;
	/* after -EBADMSG: what was wrong with the message, for a warning */
	char why[128];
};

/* One NF_EGRESS_CMD_INSTANCE_EVENT notification. */
struct egress_instance_event_msg {
	uint64_t time_ns;		/* when it was received (CLOCK_REALTIME) */
	const char *path;		/* the cgroup that got no instance */
	const char *template;		/* the pattern it matches */
	bool has_instances_max;
	uint32_t instances_max;
	char why[128];			/* after -EBADMSG */
};

/*
 * One NF_EGRESS_CMD_INSTANCE_GONE notification of an instance that went.
 * The module sends a series: first the counters message, the instance's
 * last counters laid out as a STATS_GET reply and how many rules' hits
 * follow; then, when some do, rules messages, each with the place of its
 * first rule in the series (RULE_OFFSET, which only they have) and RULE
 * nests as a RULE_GET reply has them, whose STATS are the instance's hits
 * of the template's rule.  Each message is decoded on its own: a listener
 * that lost some (ENOBUFS) sees a gap in the places.
 */
struct egress_instance_gone_msg {
	uint64_t time_ns;		/* when it was received (CLOCK_REALTIME) */
	const char *path;		/* the instance's cgroup */
	const char *template;		/* the pattern of its template */
	bool has_generation;
	uint32_t generation;
	/* the message, for the walkers of its class and rule nests */
	const struct nlmsghdr *nlh;
	bool has_rule_offset;		/* a rules message, else the counters */
	/* the counters message */
	struct egress_policy_counters counters;
	/*
	 * The RULE nests the rules messages after it carry; an older module
	 * sends no HIT_RULES and no rules messages: 0.
	 */
	uint32_t hit_rules;
	bool has_hit_rules_omitted;
	uint32_t hit_rules_omitted;	/* rules hit beyond the series' bound */
	/* a rules message */
	uint32_t rule_offset;		/* the place of its first RULE nest */
	/* its RULE nests (validated); egress_instance_gone_for_each_rule */
	size_t nrules;
	char why[128];			/* after -EBADMSG */
};

/*
 * Called for each rule of an INSTANCE_GONE rules message, in order: index
 * is its place in the instance's series, r->stats the instance's hits.
 */
typedef int (*egress_gone_rule_cb)(uint64_t index,
				   const struct egress_rule_msg *r, void *data);

/* Decoders: 0, or -EBADMSG when malformed or a required attr is missing. */
int egress_decode_info(const struct nlmsghdr *nlh, struct egress_info_msg *m);
int egress_decode_policy(const struct nlmsghdr *nlh,
			 struct egress_policy_msg *m);
/*
 * Run cb for every connection limit of a POLICY_GET reply that
 * egress_decode_policy accepted, in the order of its nests.  Stops at and
 * returns the first non-zero value cb returns, or -EBADMSG.
 */
int egress_policy_for_each_conn(const struct nlmsghdr *nlh,
				egress_conn_cb cb, void *data);
int egress_decode_rule(const struct nlmsghdr *nlh, struct egress_rule_msg *m);
/*
 * Its counter and class nests as strictly as an INSTANCE_GONE's (see
 * egress_decode_instance_gone).
 */
int egress_decode_stats(const struct nlmsghdr *nlh,
			struct egress_stats_msg *m);
/*
 * A HEALTH_GET reply: its path, a valid class name when it has one, and
 * its STATS_HEALTH nest, checked as strictly as an INSTANCE_GONE's (see
 * egress_decode_instance_gone).  0 or -EBADMSG.
 */
int egress_decode_health(const struct nlmsghdr *nlh,
			 struct egress_health_reply_msg *m);
/*
 * Run cb for every class counter of a STATS_GET message that
 * egress_decode_stats accepted.  Stops at and returns the first non-zero
 * value cb returns, or -EBADMSG.
 */
int egress_stats_for_each_class(const struct nlmsghdr *nlh,
				egress_class_cb cb, void *data);
/*
 * An event, checked as coming from an untrusted source: every attribute
 * must fill its nest exactly (a nest length that wrapped past 64 KiB
 * leaves a torn attribute behind), known ones at most once, with their
 * type and length; strings NUL-terminated within their payload.  Needs
 * time, verdict, both paths (not empty; the policy's at most
 * NF_EGRESS_CGROUP_PATH_MAX - 1 bytes) and the family; addresses must
 * match it.  Unknown attributes are ignored, missing optional ones
 * tolerated.  -EBADMSG with m->why set otherwise.
 */
int egress_decode_event(const struct nlmsghdr *nlh, struct egress_event_msg *m);
/*
 * A NF_EGRESS_CMD_QUOTA_EVENT: the policy's path and one quota with the
 * usage its crossing left and CROSSED.  -EBADMSG with m->why otherwise.
 */
int egress_decode_quota_event(const struct nlmsghdr *nlh,
			      struct egress_quota_event_msg *m);
/*
 * A NF_EGRESS_CMD_INSTANCE_EVENT, as untrusted as an event: attributes
 * filling the message exactly, known ones with their type and length, at
 * most once unless the spec lets them repeat; the cgroup's path and the
 * template's pattern required, not empty, at most
 * NF_EGRESS_CGROUP_PATH_MAX - 1 bytes; INSTANCES_MAX optional.  -EBADMSG
 * with m->why set otherwise.
 */
int egress_decode_instance_event(const struct nlmsghdr *nlh,
				 struct egress_instance_event_msg *m);
/*
 * A NF_EGRESS_CMD_INSTANCE_GONE, as untrusted: as an instance event, the
 * cgroup's path and the template's pattern required.  A counters message:
 * the nests of the counters, classes and health filled exactly by their
 * attributes, each at most once with its type and length; every class
 * nest with a valid class name, no name twice; counters left out are
 * zero, HIT_RULES too (an older module); each RTT bucket of the health
 * with its bounds and count, lowest first, none overlapping the one
 * before, none after an unbounded one.  A rules message (RULE_OFFSET):
 * one RULE nest or more, each as strictly, with its STATS, and a rule as
 * a RULE_GET reply has it (an id, an action, a valid class name).  RULE
 * nests without RULE_OFFSET are refused.  -EBADMSG with m->why set
 * otherwise.
 */
int egress_decode_instance_gone(const struct nlmsghdr *nlh,
				struct egress_instance_gone_msg *m);
/*
 * Run cb for every rule of a rules message that egress_decode_instance_gone
 * accepted.  Stops at and returns the first non-zero value cb returns.
 */
int egress_instance_gone_for_each_rule(const struct egress_instance_gone_msg *m,
				       egress_gone_rule_cb cb, void *data);
/*
 * The RTT buckets of a health nest the decoders accepted, lowest first,
 * into out (room for h->nbuckets).
 */
void egress_health_buckets(const struct egress_health_msg *h,
			   struct rtt_bucket *out);
/* Levels beyond EGRESS_EXPLAIN_MAX_LEVELS make it -EBADMSG. */
int egress_decode_explain(const struct nlmsghdr *nlh,
			  struct egress_explain_msg *m);

/* Encoders: 0, or -EMSGSIZE when buflen (the whole buffer) is too small. */
int egress_put_path(struct nlmsghdr *nlh, size_t buflen, const char *path);
int egress_put_default(struct nlmsghdr *nlh, size_t buflen, uint8_t verdict);
int egress_put_rule_spec(struct nlmsghdr *nlh, size_t buflen,
			 const struct egress_rule_spec *spec);
int egress_put_rule_id(struct nlmsghdr *nlh, size_t buflen, uint32_t id);
int egress_put_mode(struct nlmsghdr *nlh, size_t buflen, uint8_t mode);
int egress_put_staged(struct nlmsghdr *nlh, size_t buflen);
int egress_put_instances_max(struct nlmsghdr *nlh, size_t buflen, uint32_t n);
int egress_put_instances_keep(struct nlmsghdr *nlh, size_t buflen,
			      uint32_t secs);
/*
 * The NF_EGRESS_A_RATE nest: NONE alone, or the parts given and MODE (and
 * QUEUE_LIMIT, LATENCY_US when given).
 */
int egress_put_rate(struct nlmsghdr *nlh, size_t buflen,
		    const struct egress_rate *r);
/*
 * A NF_EGRESS_A_CONN nest: one limit (MAX_ACTIVE, RATE, BURST as given,
 * CLASS with a class name), or with none CONN_A_NONE alone.  A request's
 * nests replace all of the policy's limits: put one for each.
 */
int egress_put_conn(struct nlmsghdr *nlh, size_t buflen,
		    const struct egress_conn *c);
/* A NF_EGRESS_A_QUOTA nest: the quota's configuration. */
int egress_put_quota(struct nlmsghdr *nlh, size_t buflen,
		     const struct egress_quota_spec *q);
/* The NF_EGRESS_A_QUOTA nest that removes every quota of a policy. */
int egress_put_quota_none(struct nlmsghdr *nlh, size_t buflen);
int egress_put_packet(struct nlmsghdr *nlh, size_t buflen,
		      const struct egress_packet *pkt);

/*
 * Name the attribute of request req at byte offset offs (from the start of
 * the netlink header), as the kernel reports it in NLMSGERR_ATTR_OFFS:
 * e.g. "NF_EGRESS_A_RULE/NF_EGRESS_RULE_A_PREFIX_LEN".  Returns false when
 * no attribute starts there.
 */
bool egress_describe_offset(const struct nlmsghdr *req, uint32_t offs,
			    char *buf, size_t len);

const char *egress_attr_name(uint16_t type);

#endif /* EGRESSCTL_MSG_H */
