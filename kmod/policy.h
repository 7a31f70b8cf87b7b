/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The policy table: policies bound to cgroup v2 paths, their rules and
 * their counters.
 *
 * Writers (netlink, module exit) hold egress_config_mutex.  The packet path
 * reads under RCU only: policies are found through an RCU hash table, and a
 * policy's rules are an immutable array that writers replace as a whole.
 */
#ifndef _NF_EGRESS_POLICY_H
#define _NF_EGRESS_POLICY_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>

struct cgroup;

/*
 * Deepest policy path accepted, in components below the root.  It bounds the
 * number of policies one packet can meet, so the packet path can keep them
 * on the stack.  systemd's deepest paths are about five levels.
 */
#define EGRESS_POLICY_DEPTH_MAX 32

/* Rules per policy; the rule array is copied on change, so keep it sane. */
#define EGRESS_POLICY_RULES_MAX BIT(20)

struct egress_counters {
	u64_stats_t allowed_packets;
	u64_stats_t allowed_bytes;
	u64_stats_t denied_packets;
	u64_stats_t denied_bytes;
	struct u64_stats_sync syncp;
};

/* A sum of the per-CPU counters, as readers see it. */
struct egress_counters_sum {
	u64 allowed_packets;
	u64 allowed_bytes;
	u64 denied_packets;
	u64 denied_bytes;
};

struct egress_rule {
	union nf_inet_addr addr;	/* host bits beyond prefix_len are 0 */
	u32 id;
	u8 family;			/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	u8 prefix_len;
	u8 action;			/* enum nf_egress_verdict */
};

/*
 * The rules of one policy, never modified once published.  Rules are sorted
 * IPv4 first, then by descending prefix length, so the first match of a
 * family is the longest-prefix match.
 */
struct egress_ruleset {
	struct rcu_head rcu;
	u32 count;
	u32 count_v4;		/* rules[0 .. count_v4) are IPv4 */
	struct egress_rule rules[];
};

struct egress_policy {
	struct hlist_node hash_node;	/* egress_policy_hash, RCU */
	struct list_head list_node;	/* egress_policy_list, mutex */
	struct rcu_head rcu;
	struct egress_ruleset __rcu *ruleset;
	struct egress_counters __percpu *counters;
	u64 seq;		/* creation order; the dump cursor */
	u32 path_hash;
	u32 next_rule_id;
	u8 depth;		/* components below the root; "/" is 0 */
	u8 default_verdict;	/* enum nf_egress_verdict */
	char path[];		/* normalised, NUL-terminated */
};

extern struct mutex egress_config_mutex;
extern struct list_head egress_policy_list;

void egress_policy_table_exit(void);

u32 egress_policy_generation(void);
u32 egress_policy_count(void);

int egress_cgroup_path_validate(const char *path, const char **reason);

struct egress_policy *egress_policy_find(const char *path);
int egress_policy_create(const char *path, u8 default_verdict,
			 struct egress_policy **created);
void egress_policy_delete(struct egress_policy *policy);

int egress_rule_add(struct egress_policy *policy,
		    const struct egress_rule *rule, u32 *id,
		    const char **reason);
int egress_rule_delete(struct egress_policy *policy, u32 id);
const struct egress_rule *egress_rule_find_spec(const struct egress_ruleset *rs,
						const struct egress_rule *spec);

static inline struct egress_ruleset *
egress_policy_ruleset_locked(const struct egress_policy *policy)
{
	return rcu_dereference_protected(policy->ruleset,
					 lockdep_is_held(&egress_config_mutex));
}

void egress_counters_sum(const struct egress_policy *policy,
			 struct egress_counters_sum *sum);

/*
 * The packet path's entry point: decide whether a packet from @cgrp to
 * @daddr may leave, and charge every policy on the way.  Returns true to
 * allow.  Caller holds rcu_read_lock().
 */
bool egress_policy_check(const struct cgroup *cgrp, u8 family,
			 const union nf_inet_addr *daddr, unsigned int len);

#endif /* _NF_EGRESS_POLICY_H */
