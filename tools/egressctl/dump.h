/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Consistent snapshots of the live policy set for show, stats and metrics:
 * the POLICY_GET, RULE_GET and STATS_GET dumps a command needs, taken from
 * one generation of the set.  An attempt whose dumps saw NLM_F_DUMP_INTR
 * or more than one generation is thrown away and taken again.
 *
 * The entry types are plain data, shared with the renderers (report.h),
 * which are pure and unit-tested without netlink.
 */
#ifndef EGRESSCTL_DUMP_H
#define EGRESSCTL_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"
#include "parse.h"

struct egctl;

/*
 * The kernel lists rules (RULE_GET, and EXPLAIN, which shows the deciding
 * rules) only to callers with CAP_NET_ADMIN in the initial user namespace:
 * rules tell any local user which destinations a confined service may
 * reach.  What egressctl says when it was refused.
 */
#define RULES_NEED_CAP	"listing rules needs CAP_NET_ADMIN"

struct rule_entry {
	char *path;
	uint32_t id;
	struct egress_rule_spec spec;
	bool has_stats;			/* the kernel sent RULE_A_STATS */
	struct egress_counter stats;
};

/*
 * Dumps list policies, templates (their path is a pattern, pattern.h) and
 * the instances of templates (template set: the pattern; path: the
 * concrete path of the instance's cgroup).  Entries are sorted by path,
 * but each instance right after its template, by its own path.
 */
struct policy_entry {
	char *path;
	size_t seq;			/* its place in the POLICY_GET dump */
	char *template;			/* an instance's pattern, else NULL */
	bool has_instances_max, has_instance_count;	/* a template's */
	uint32_t instances_max, instance_count;
	bool has_instances_keep;	/* a template's */
	uint32_t instances_keep;	/* seconds */
	bool has_default, has_mode;
	uint8_t default_verdict;
	uint8_t mode;
	bool has_rate;			/* a rate limit is set */
	struct egress_rate rate;
	/*
	 * its connection limits, owned: the one of all its connections
	 * first, then by class (egress_conn_cmp)
	 */
	struct egress_conn *conns;
	size_t nconns;
	struct egress_quota_msg *quotas;	/* owned, with their usage */
	size_t nquotas;
	struct rule_entry *rules;	/* slice of dump_state.rules */
	size_t nrules;
};

/* The TCP health of a policy or a class, with its RTT buckets. */
struct health_entry {
	struct egress_health h;
	struct rtt_bucket *buckets;	/* lowest first, owned */
	size_t nbuckets;
};

struct class_entry {
	char name[NF_EGRESS_CLASS_NAME_MAX];
	struct egress_counter ctr;
	/* the kernel sent it: the class has a connection limit */
	bool has_conn_active;
	uint32_t conn_active;		/* connections charged to it now */
	bool has_health;		/* with_health, and the kernel had one */
	struct health_entry health;
};

/*
 * A HEALTH_GET reply until dump_stats hangs its health on its stats
 * entry: of the policy or instance (path, and whether it is an instance),
 * or of one class of it.
 */
struct health_reply {
	char *path;
	bool instance;
	bool has_class;
	char class_name[NF_EGRESS_CLASS_NAME_MAX];
	struct health_entry health;	/* moved to the entry when merged */
};

struct stats_entry {
	char *path;
	char *template;			/* an instance's pattern, else NULL */
	struct egress_counter allowed, denied, would_deny, ratelimited;
	/* shape mode: zero when the kernel does not report them */
	bool has_shaping;		/* the kernel reported them */
	struct egress_counter shaped;	/* delayed packets, also allowed */
	uint32_t queue_len;		/* packets waiting now */
	uint64_t max_delay_ns;		/* longest delay since the reset */
	bool shape_rate;		/* with_rates: a shape-mode limit is set */
	bool conn_limit;		/* with_rates: a connection limit is set */
	/* connection limits: zero when the kernel does not report them */
	bool has_conn;
	struct egress_counter connlimit;	/* refused first SYNs */
	uint32_t conn_active;		/* connections charged now */
	bool has_mode;
	uint8_t mode;
	bool has_reset_time;
	uint64_t reset_time;		/* unix seconds */
	/*
	 * with_health, and the kernel had one: none until a connection was
	 * counted (or when the module parameter health is off)
	 */
	bool has_health;
	struct health_entry health;
	struct class_entry *classes;	/* sorted by name, owned */
	size_t nclasses;
	struct egress_quota_msg *quotas;	/* owned, with their usage */
	size_t nquotas;
	struct rule_entry *rules;	/* slice of dump_state.rules */
	size_t nrules;
	/* the rules are unknown: RULE_GET was refused (dump_state.rules_denied) */
	bool rules_hidden;
	/*
	 * An instance whose rules were not listed: a RULE_GET without a path
	 * lists those of policies and templates, and an instance's own rule
	 * counters come only for its own path (stats PATH).
	 */
	bool rules_unlisted;
	/*
	 * An instance whose path has a policy of its own (made after the
	 * instance), which a request for the path means: the instance's rule
	 * counters cannot be listed at all.
	 */
	bool path_has_policy;
};

struct dump_state {
	struct egctl *ctl;
	const char *filter;		/* normalised PATH or NULL */
	/*
	 * dump_stats: also take POLICY_GET and set each stats entry's
	 * shape_rate and conn_limit (the stats table shows its shaping and
	 * connection columns then, metrics the connection families).
	 */
	bool with_rates;
	/*
	 * dump_stats: also take HEALTH_GET and hang the health of each
	 * policy and class on its entry (stats -j, stats --health, metrics,
	 * top).  A module without HEALTH_GET: entries without health.
	 */
	bool with_health;
	/*
	 * dump_policies: POLICY_GET alone, every policy without its rules.
	 * The policy dump, quotas and their usage included, is open to every
	 * user; the rules are not, and quota show and save have no use for
	 * them, so they need no CAP_NET_ADMIN (nf-egress-quota-save.service
	 * runs without any capability).
	 */
	bool no_rules;
	/*
	 * dump_policies with a filter that names a template: also the
	 * template's instances (show --instances).
	 */
	bool with_instances;

	/*
	 * The template of the instance that filter names, once a dump said
	 * so: the RULE_GET of the instance's path lists the template's rules
	 * with the instance's counters, whichever path they carry.  Not when
	 * a policy has the path too (filter_exact): the rules are its own.
	 */
	char filter_template[NF_EGRESS_CGROUP_PATH_MAX];
	bool filter_exact;

	bool have_generation;
	uint32_t generation;
	bool generation_changed;
	/*
	 * The kernel refused RULE_GET with EPERM: listing rules needs
	 * CAP_NET_ADMIN (the policy and counter dumps do not).
	 */
	bool rules_denied;

	struct policy_entry *policies;
	size_t npolicies, policies_cap;
	struct rule_entry *rules;
	size_t nrules, rules_cap;
	struct stats_entry *stats;
	size_t nstats, stats_cap;
	struct health_reply *healths;
	size_t nhealths, healths_cap;
};

void dump_state_free(struct dump_state *st);

/*
 * show: POLICY_GET + RULE_GET (POLICY_GET alone with st->no_rules).
 * Policies sorted by path (instances after their template), each with its
 * rules by id.  -ENOENT when st->filter names no policy; -EPERM with
 * st->rules_denied when the caller may not list rules; other negative
 * errnos as the kernel reported them (ctl->nl->ext has the details).
 */
int dump_policies(struct dump_state *st);

/*
 * stats, metrics: STATS_GET and, with rules, RULE_GET (and POLICY_GET with
 * st->with_rates, HEALTH_GET with st->with_health).  Stats entries sorted
 * by path (instances after their template), each with its classes by name
 * and its rules by id (of an instance, only when st->filter is its path:
 * rules_unlisted), and its health and its classes' (the health of a
 * policy or class the STATS_GET dump did not list is left out: it came
 * between the two dumps).  A RULE_GET
 * refused with EPERM is no error here: the entries come without rules,
 * with rules_hidden set, and so is st->rules_denied.  Every other error,
 * of any of the dumps, is returned.
 */
int dump_stats(struct dump_state *st, bool rules);

#endif /* EGRESSCTL_DUMP_H */
