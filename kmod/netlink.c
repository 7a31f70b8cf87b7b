// SPDX-License-Identifier: GPL-2.0
/*
 * The "nf_egress" generic netlink family (include/uapi/linux/nf_egress.h).
 *
 * Every command has its own attribute policy and the family validates
 * strictly (resv_start_op stays 0), so an attribute a command does not take
 * is an error, not something silently ignored.  Commands that change policy
 * need CAP_NET_ADMIN in the initial user namespace, because the policy set
 * is host-wide, and so do those that show rules (RULE_GET, EXPLAIN): the
 * rules tell any local user where a confined service may send, as
 * nftables' rule listings would.  Policies' settings and counters stay
 * open to everyone.  The family is only visible from the initial network
 * namespace: a container's netns cannot even see it.
 *
 * Dumps walk the live set under egress_config_mutex, one skb at a time,
 * and resume from a cursor.  Each message carries the generation of the
 * live set, and the message where a change is noticed gets NLM_F_DUMP_INTR.
 */

#include <linux/in.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include <linux/nf_egress.h>

#include "apply.h"
#include "cache.h"
#include "class.h"
#include "compat.h"
#include "events.h"
#include "netlink.h"
#include "netlink-gen.h"
#include "limits.h"
#include "policy.h"
#include "version.h"

/* The state of a dump, kept in netlink_callback::ctx between calls. */
struct egress_dump_ctx {
	char *path_filter;	/* kmalloc'ed; NULL dumps every policy */
	u64 policy_seq;		/* resume after (or, for rules, at) this */
	unsigned long rule_id;	/* next rule id of policy_seq to look at */
	/* After the policies, their instances: the template's, from this one. */
	u64 template_seq;
	u64 instance_seq;	/* the next instance index to look at */
	/*
	 * HEALTH_GET: the next message of the policy being sent, 0 for the
	 * policy's own, else the class id to look from.
	 */
	unsigned long health_next;
};

static struct egress_dump_ctx *egress_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct egress_dump_ctx) > sizeof(cb->ctx));
	return (struct egress_dump_ctx *)cb->ctx;
}

/*
 * NL_SET_ERR_MSG_ATTR() takes only string literals; the policy code
 * explains its own refusals with static strings, which are set here.
 */
static void egress_nl_reject(struct netlink_ext_ack *extack,
			     const struct nlattr *attr, const char *reason)
{
	if (extack)
		extack->_msg = reason;
	NL_SET_BAD_ATTR(extack, attr);
}

/* The validated cgroup path of a request, or NULL with extack set. */
static const char *egress_nl_path(struct nlattr **attrs,
				  struct netlink_ext_ack *extack, int *err)
{
	struct nlattr *attr = attrs[NF_EGRESS_A_CGROUP_PATH];
	const char *reason;

	if (!attr) {
		NL_SET_ERR_MSG_MOD(extack, "missing cgroup path");
		NL_SET_ERR_ATTR_MISS(extack, NULL, NF_EGRESS_A_CGROUP_PATH);
		*err = -EINVAL;
		return NULL;
	}
	*err = egress_cgroup_path_validate(nla_data(attr), &reason);
	if (*err) {
		egress_nl_reject(extack, attr, reason);
		return NULL;
	}
	return nla_data(attr);
}

/*
 * The set a request works on: the caller's staged set when it says
 * NF_EGRESS_A_STAGED, the live set otherwise.
 */
static struct egress_set *egress_nl_target_set(struct genl_info *info)
{
	const char *reason;
	struct egress_set *set;

	lockdep_assert_held(&egress_config_mutex);
	if (!info->attrs[NF_EGRESS_A_STAGED])
		return egress_live_set_locked();
	set = egress_staged_set(info->snd_portid, &reason);
	if (IS_ERR(set))
		egress_nl_reject(info->extack, info->attrs[NF_EGRESS_A_STAGED],
				 reason);
	return set;
}

static struct egress_policy *egress_nl_policy_lookup(struct egress_set *set,
						     struct nlattr **attrs,
						     struct netlink_ext_ack *extack,
						     bool instance)
{
	struct egress_policy *policy;
	const char *path;
	int err;

	path = egress_nl_path(attrs, extack, &err);
	if (!path)
		return ERR_PTR(err);
	policy = egress_policy_find(set, path);
	if (!policy && instance)
		policy = egress_instance_lookup(set, path);
	if (!policy) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[NF_EGRESS_A_CGROUP_PATH],
				    KBUILD_MODNAME ": no policy for this cgroup path");
		return ERR_PTR(-ENOENT);
	}
	return policy;
}

/*
 * What egress_nl_pre_doit() does before a doit handler runs, by the
 * command's genl_ops.internal_flags.  egress_nl_post_doit() releases the
 * mutex after it, whatever the handler returned.
 */
#define EGRESS_NL_LOCK		BIT(0)	/* hold egress_config_mutex */
/* info->user_ptr[0]: with NF_EGRESS_A_STAGED the caller's staged set, else the live one */
#define EGRESS_NL_TARGET_SET	BIT(1)
#define EGRESS_NL_LIVE_SET	BIT(2)	/* info->user_ptr[0]: the live set */
/* info->user_ptr[1]: that set's policy at NF_EGRESS_A_CGROUP_PATH */
#define EGRESS_NL_POLICY	BIT(3)
/* ... or a template's instance there: the command only reads it */
#define EGRESS_NL_INSTANCE	BIT(4)

static int egress_nl_pre_doit(const struct egress_genl_doit_ops *ops,
			      struct sk_buff *skb, struct genl_info *info)
{
	struct egress_policy *policy;
	struct egress_set *set = NULL;

	if (!(ops->internal_flags & EGRESS_NL_LOCK))
		return 0;
	mutex_lock(&egress_config_mutex);
	if (ops->internal_flags & EGRESS_NL_TARGET_SET) {
		set = egress_nl_target_set(info);
		if (IS_ERR(set)) {
			mutex_unlock(&egress_config_mutex);
			return PTR_ERR(set);
		}
	} else if (ops->internal_flags & EGRESS_NL_LIVE_SET) {
		set = egress_live_set_locked();
	}
	info->user_ptr[0] = set;
	info->user_ptr[1] = NULL;
	if (ops->internal_flags & EGRESS_NL_POLICY) {
		policy = egress_nl_policy_lookup(set, info->attrs, info->extack,
						 ops->internal_flags &
						 EGRESS_NL_INSTANCE);
		if (IS_ERR(policy)) {
			mutex_unlock(&egress_config_mutex);
			return PTR_ERR(policy);
		}
		info->user_ptr[1] = policy;
	}
	return 0;
}

static void egress_nl_post_doit(const struct egress_genl_doit_ops *ops,
				struct sk_buff *skb, struct genl_info *info)
{
	if (ops->internal_flags & EGRESS_NL_LOCK)
		mutex_unlock(&egress_config_mutex);
}

static int egress_nl_put_counter(struct sk_buff *skb, int type, u64 packets,
				 u64 bytes)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NF_EGRESS_CTR_A_PACKETS, packets,
			      NF_EGRESS_CTR_A_PAD) ||
	    nla_put_u64_64bit(skb, NF_EGRESS_CTR_A_BYTES, bytes,
			      NF_EGRESS_CTR_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * @instance: the counters are this instance's hits of the rule (of its
 * template), not the rule's own.
 */
static int egress_nl_put_rule(struct sk_buff *skb, int type,
			      const struct egress_rule *rule, bool with_stats,
			      struct egress_policy *instance)
{
	u64 packets, bytes;

	struct nlattr *nest = nla_nest_start(skb, type);
	int addr_len = rule->family == NFPROTO_IPV4 ? 4 : 16;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NF_EGRESS_RULE_A_ID, rule->id) ||
	    nla_put_u8(skb, NF_EGRESS_RULE_A_ACTION, rule->action) ||
	    nla_put_u8(skb, NF_EGRESS_RULE_A_FAMILY, rule->family) ||
	    nla_put(skb, NF_EGRESS_RULE_A_ADDR, addr_len, &rule->addr) ||
	    nla_put_u8(skb, NF_EGRESS_RULE_A_PREFIX_LEN, rule->prefix_len))
		goto cancel;
	if (rule->proto && nla_put_u8(skb, NF_EGRESS_RULE_A_PROTO, rule->proto))
		goto cancel;
	if (rule->has_ports &&
	    (nla_put_u16(skb, NF_EGRESS_RULE_A_PORT_MIN, rule->port_min) ||
	     nla_put_u16(skb, NF_EGRESS_RULE_A_PORT_MAX, rule->port_max)))
		goto cancel;
	if (rule->class_id &&
	    nla_put_string(skb, NF_EGRESS_RULE_A_CLASS,
			   egress_class_name(rule->class_id)))
		goto cancel;
	if (with_stats) {
		if (instance)
			egress_instance_hits(instance, rule->id, &packets, &bytes);
		else
			egress_rule_counters(rule, &packets, &bytes);
		if (egress_nl_put_counter(skb, NF_EGRESS_RULE_A_STATS, packets,
					  bytes))
			goto cancel;
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int egress_nl_put_classes(struct sk_buff *skb,
				 struct egress_stats *stats,
				 const struct egress_conn_limit *conn)
{
	struct egress_class_stats *cs;
	struct nlattr *nest;
	unsigned long id;
	u64 packets, bytes;

	xa_for_each(&stats->classes, id, cs) {
		egress_class_sum(cs, &packets, &bytes);
		nest = nla_nest_start(skb, NF_EGRESS_A_STATS_CLASS);
		if (!nest)
			return -EMSGSIZE;
		if (nla_put_string(skb, NF_EGRESS_CTR_A_CLASS,
				   egress_class_name(id)) ||
		    nla_put_u64_64bit(skb, NF_EGRESS_CTR_A_PACKETS, packets,
				      NF_EGRESS_CTR_A_PAD) ||
		    nla_put_u64_64bit(skb, NF_EGRESS_CTR_A_BYTES, bytes,
				      NF_EGRESS_CTR_A_PAD) ||
		    (egress_conn_limits_class(conn, id) &&
		     nla_put_u32(skb, NF_EGRESS_CTR_A_CONN_ACTIVE,
				 atomic_read(&cs->conn.active)))) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
		nla_nest_end(skb, nest);
	}
	return 0;
}

/*
 * The largest message egress_nl_fill() makes: a STATS (or GONE) message of
 * a policy with a path of NF_EGRESS_CGROUP_PATH_MAX bytes and every class
 * there can be, or a POLICY or RULE message, both smaller.
 */
static size_t egress_nl_policy_msg_size_max(void)
{
	size_t counter = nla_total_size(0) + 2 * nla_total_size_64bit(sizeof(u64));
	size_t class = nla_total_size(0) +
		       nla_total_size(NF_EGRESS_CLASS_NAME_MAX) +
		       2 * nla_total_size_64bit(sizeof(u64)) +
		       nla_total_size(sizeof(u32));		/* CONN_ACTIVE */

	return NLMSG_HDRLEN + GENL_HDRLEN +
	       2 * nla_total_size(NF_EGRESS_CGROUP_PATH_MAX) + /* PATH, TEMPLATE */
	       nla_total_size(sizeof(u32)) +			/* GENERATION */
	       nla_total_size(sizeof(u8)) +			/* MODE */
	       EGRESS_CTR_MAX * counter +			/* STATS_* */
	       2 * nla_total_size(sizeof(u32)) +		/* QUEUE_LEN, CONN_ACTIVE */
	       2 * nla_total_size(sizeof(u32)) +		/* HIT_RULES* */
	       2 * nla_total_size_64bit(sizeof(u64)) +	/* MAX_DELAY, RESET_TIME */
	       EGRESS_CLASSES_MAX * class +
	       EGRESS_QUOTAS_MAX * egress_quota_nlattr_size();	/* QUOTA */
}

/* The largest HEALTH_GET message. */
static size_t egress_nl_health_msg_size_max(void)
{
	return NLMSG_HDRLEN + GENL_HDRLEN +
	       2 * nla_total_size(NF_EGRESS_CGROUP_PATH_MAX) + /* PATH, TEMPLATE */
	       nla_total_size(sizeof(u32)) +			/* GENERATION */
	       nla_total_size(NF_EGRESS_CLASS_NAME_MAX) +	/* HEALTH_CLASS */
	       egress_health_nlattr_size_max();
}

enum egress_nl_msg_kind {
	EGRESS_NL_MSG_POLICY,
	EGRESS_NL_MSG_STATS,
	EGRESS_NL_MSG_RULE,
	EGRESS_NL_MSG_GONE,	/* STATS and how many rule hits follow */
	EGRESS_NL_MSG_HEALTH,	/* the policy's HEALTH_GET messages */
};

/* How many of its template's rules @instance hit. */
static u32 egress_nl_instance_hit_rules(struct egress_policy *instance)
{
	unsigned long id;
	u32 n = 0;

	for (id = 0; egress_instance_next_hit(instance, &id); id++)
		n++;
	return n;
}

/* The policy's quotas, each with its usage, rolled over first. */
static int egress_nl_put_quotas(struct sk_buff *skb,
				const struct egress_policy *policy)
{
	time64_t now = egress_quota_now();
	struct egress_quota_set *qs;
	unsigned int i;

	qs = rcu_dereference_protected(policy->quotas,
				       lockdep_is_held(&egress_config_mutex));
	for (i = 0; qs && i < qs->n; i++) {
		egress_quota_exhausted(&qs->quota[i], now);
		if (egress_quota_to_nlattr(skb, &qs->quota[i], -1, NF_EGRESS_A_QUOTA))
			return -EMSGSIZE;
	}
	return 0;
}

/*
 * One message about @policy: its settings (POLICY), its counters (STATS), or
 * one of its rules (RULE).  Every kind names the policy by path and carries
 * the generation, so a dump's messages stand on their own.
 */
static int egress_nl_fill(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			  u8 cmd, enum egress_nl_msg_kind kind,
			  const struct egress_set *set,
			  struct egress_policy *policy,
			  const struct egress_rule *rule,
			  struct netlink_callback *cb)
{
	const struct egress_policy *config = policy->config;
	const struct egress_conn_limit *conn;
	const struct egress_rate *rate;
	struct egress_counters_sum sum;
	struct egress_health *health;
	void *hdr;
	int i;

	hdr = genlmsg_put(skb, portid, seq, &egress_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_string(skb, NF_EGRESS_A_CGROUP_PATH, policy->path) ||
	    nla_put_u32(skb, NF_EGRESS_A_GENERATION, egress_generation()) ||
	    (config != policy &&
	     nla_put_string(skb, NF_EGRESS_A_TEMPLATE, config->path)))
		goto nla_put_failure;

	switch (kind) {
	case EGRESS_NL_MSG_POLICY:
		rate = rcu_dereference_protected(config->rate,
						 lockdep_is_held(&egress_config_mutex));
		conn = rcu_dereference_protected(config->conn,
						 lockdep_is_held(&egress_config_mutex));
		if (nla_put_u8(skb, NF_EGRESS_A_DEFAULT, config->default_verdict) ||
		    nla_put_u8(skb, NF_EGRESS_A_MODE, config->mode) ||
		    nla_put_u32(skb, NF_EGRESS_A_RULE_COUNT, config->rules.count) ||
		    (rate && egress_rate_to_nlattr(skb, rate)) ||
		    (conn && egress_conn_to_nlattr(skb, conn)) ||
		    egress_nl_put_quotas(skb, policy))
			goto nla_put_failure;
		if (policy->tmpl &&
		    (nla_put_u32(skb, NF_EGRESS_A_INSTANCES_MAX,
				 READ_ONCE(policy->tmpl->max)) ||
		     nla_put_u32(skb, NF_EGRESS_A_INSTANCE_COUNT,
				 egress_template_instance_count(policy)) ||
		     nla_put_u32(skb, NF_EGRESS_A_INSTANCES_KEEP,
				 READ_ONCE(policy->tmpl->keep))))
			goto nla_put_failure;
		break;
	case EGRESS_NL_MSG_GONE:
		i = egress_nl_instance_hit_rules(policy);
		if (nla_put_u32(skb, NF_EGRESS_A_HIT_RULES,
				min_t(u32, i, NF_EGRESS_GONE_RULES_MAX)) ||
		    (i > NF_EGRESS_GONE_RULES_MAX &&
		     nla_put_u32(skb, NF_EGRESS_A_HIT_RULES_OMITTED,
				 i - NF_EGRESS_GONE_RULES_MAX)))
			goto nla_put_failure;
		fallthrough;
	case EGRESS_NL_MSG_STATS:
		conn = rcu_dereference_protected(config->conn,
						 lockdep_is_held(&egress_config_mutex));
		egress_counters_sum(policy->stats, &sum);
		if (nla_put_u8(skb, NF_EGRESS_A_MODE, config->mode))
			goto nla_put_failure;
		for (i = 0; i < EGRESS_CTR_MAX; i++) {
			if (egress_nl_put_counter(skb, egress_counter_info[i].attr,
						  sum.count[i].packets,
						  sum.count[i].bytes))
				goto nla_put_failure;
		}
		if (egress_nl_put_quotas(skb, policy))
			goto nla_put_failure;
		if (nla_put_u32(skb, NF_EGRESS_A_STATS_QUEUE_LEN,
				READ_ONCE(policy->shaper.queued)) ||
		    nla_put_u32(skb, NF_EGRESS_A_STATS_CONN_ACTIVE,
				atomic_read(&policy->stats->conn.active)) ||
		    nla_put_u64_64bit(skb, NF_EGRESS_A_STATS_MAX_DELAY_NS,
				      READ_ONCE(policy->stats->max_delay_ns),
				      NF_EGRESS_A_PAD) ||
		    egress_nl_put_classes(skb, policy->stats, conn))
			goto nla_put_failure;
		if (policy->stats->reset_time &&
		    nla_put_u64_64bit(skb, NF_EGRESS_A_STATS_RESET_TIME,
				      policy->stats->reset_time,
				      NF_EGRESS_A_PAD))
			goto nla_put_failure;
		/* The bill of a gone instance: its connections' health too. */
		health = egress_health_peek(&policy->stats->health);
		if (kind == EGRESS_NL_MSG_GONE && health &&
		    egress_health_to_nlattr(skb, NF_EGRESS_A_STATS_HEALTH, health))
			goto nla_put_failure;
		break;
	case EGRESS_NL_MSG_HEALTH:
		/* egress_nl_health_msgs() sends these. */
		WARN_ON_ONCE(1);
		goto nla_put_failure;
	case EGRESS_NL_MSG_RULE:
		if (egress_nl_put_rule(skb, NF_EGRESS_A_RULE, rule, true,
				       config != policy ? policy : NULL))
			goto nla_put_failure;
		break;
	}

	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * One INSTANCE_GONE message with @instance's hits of the rules from *@id
 * on, as many as fit, the first of them the series' @offset'th; moves
 * *@id past the last one sent.  Returns how many it carried (0: none was
 * left), or -errno.
 */
static int egress_nl_gone_rules_msg(struct egress_policy *instance,
				    unsigned long *id, u32 offset, u32 total)
{
	const struct egress_rule *rule;
	struct sk_buff *msg;
	unsigned long next;
	u32 n = 0;
	void *hdr;

	/* Both paths as long as they can be, and a page of rules. */
	msg = genlmsg_new(2 * nla_total_size(NF_EGRESS_CGROUP_PATH_MAX) +
			  NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &egress_genl_family, 0,
			  NF_EGRESS_CMD_INSTANCE_GONE);
	if (!hdr ||
	    nla_put_string(msg, NF_EGRESS_A_CGROUP_PATH, instance->path) ||
	    nla_put_u32(msg, NF_EGRESS_A_GENERATION, egress_generation()) ||
	    nla_put_string(msg, NF_EGRESS_A_TEMPLATE, instance->config->path) ||
	    nla_put_u32(msg, NF_EGRESS_A_RULE_OFFSET, offset))
		goto err_free;
	for (next = *id; offset + n < total; next++, n++) {
		rule = egress_instance_next_hit(instance, &next);
		if (!rule)
			break;
		/* The paths and one rule always fit. */
		if (egress_nl_put_rule(msg, NF_EGRESS_A_RULE, rule, true,
				       instance)) {
			if (WARN_ON_ONCE(!n))
				goto err_free;
			break;
		}
		*id = next + 1;
	}
	if (!n) {
		nlmsg_free(msg);
		return 0;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&egress_genl_family, msg, 0, EGRESS_MCGRP_EVENTS,
			  GFP_KERNEL);
	return n;

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

void egress_nl_instance_gone(struct egress_policy *instance)
{
	unsigned long id = 0;
	struct sk_buff *msg;
	u32 offset, total;
	int n;

	lockdep_assert_held(&egress_config_mutex);
	if (!genl_has_listeners(&egress_genl_family, &init_net,
				EGRESS_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(egress_nl_policy_msg_size_max() +
			  egress_health_nlattr_size_max(), GFP_KERNEL);
	if (!msg)
		return;
	if (egress_nl_fill(msg, 0, 0, 0, NF_EGRESS_CMD_INSTANCE_GONE,
			   EGRESS_NL_MSG_GONE, NULL, instance, NULL, NULL)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_multicast(&egress_genl_family, msg, 0, EGRESS_MCGRP_EVENTS,
			  GFP_KERNEL);
	/*
	 * The rules it hit follow, bounded: the collector runs under the
	 * configuration mutex, and a listener's buffer holds only so much.
	 */
	total = min_t(u32, egress_nl_instance_hit_rules(instance),
		      NF_EGRESS_GONE_RULES_MAX);
	for (offset = 0; offset < total; offset += n) {
		n = egress_nl_gone_rules_msg(instance, &id, offset, total);
		if (n <= 0)
			return;
		cond_resched();
	}
}

static int egress_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &egress_genl_family, 0,
				NF_EGRESS_CMD_GET_INFO);
	if (!hdr)
		goto nla_put_failure;

	err = nla_put_string(msg, NF_EGRESS_A_VERSION, NF_EGRESS_VERSION) ||
	      nla_put_u32(msg, NF_EGRESS_A_GENERATION, egress_generation()) ||
	      nla_put_u32(msg, NF_EGRESS_A_POLICY_COUNT,
			  egress_live_set_locked()->nr_policies);
	/*
	 * The count moves when any cgroup of the host sends its first
	 * packet: for the administrator, as the rules are.
	 */
	if (!err && netlink_capable(skb, CAP_NET_ADMIN))
		err = nla_put_u32(msg, NF_EGRESS_A_CACHED_CGROUPS,
				  egress_cache_count(egress_live_set_locked())) ||
		      nla_put_u32(msg, NF_EGRESS_A_CONN_SOCKETS,
				  egress_conn_sockets()) ||
		      nla_put_u64_64bit(msg, NF_EGRESS_A_CONN_TABLE_FULL,
					egress_conn_table_full(),
					NF_EGRESS_A_PAD) ||
		      nla_put_u32(msg, NF_EGRESS_A_HEALTH_SOCKETS,
				  egress_conn_health_sockets()) ||
		      nla_put_u64_64bit(msg, NF_EGRESS_A_HEALTH_UNTRACKED,
					egress_conn_health_untracked(),
					NF_EGRESS_A_PAD);
	if (err)
		goto nla_put_failure;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * The QUOTA nests of a request, as a quota set in *@out; *@given says
 * whether there were any (QUOTA_A_NONE alone: given, and *@out NULL).
 */
static int egress_nl_quotas(const struct genl_info *info,
			    struct egress_quota_set **out, bool *given)
{
	time64_t now = egress_quota_now();
	struct egress_quota_config cfg;
	struct egress_quota_set *qs;
	const struct nlattr *attr;
	unsigned int n = 0, i;
	int rem, ret, err;

	*out = NULL;
	*given = false;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != NF_EGRESS_A_QUOTA)
			continue;
		if (++n > EGRESS_QUOTAS_MAX) {
			egress_nl_reject(info->extack, attr, KBUILD_MODNAME
					 ": at most 8 quotas a policy");
			return -EINVAL;
		}
	}
	if (!n)
		return 0;
	*given = true;
	qs = kzalloc(struct_size(qs, quota, n), GFP_KERNEL_ACCOUNT);
	if (!qs)
		return -ENOMEM;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != NF_EGRESS_A_QUOTA)
			continue;
		ret = egress_quota_from_nlattr(attr, &cfg, info->extack);
		err = ret < 0 ? ret : -EINVAL;
		if (ret < 0)
			goto err_free;
		if (ret == 1) {
			if (n == 1) {
				kfree(qs);
				return 0;
			}
			egress_nl_reject(info->extack, attr, KBUILD_MODNAME
					 ": quota none takes no other quota");
			goto err_free;
		}
		if (qs->n == EGRESS_QUOTAS_MAX) {
			egress_nl_reject(info->extack, attr, KBUILD_MODNAME
					 ": at most 8 quotas a policy");
			goto err_free;
		}
		for (i = 0; i < qs->n; i++) {
			if (qs->quota[i].cfg.class_id == cfg.class_id) {
				egress_nl_reject(info->extack, attr, KBUILD_MODNAME
						 ": one quota a class, and one for all");
				goto err_free;
			}
		}
		if (cfg.action == EGRESS_QUOTA_RATE)
			qs->rated |= BIT(qs->n);
		egress_quota_init(&qs->quota[qs->n++], &cfg, now);
	}
	*out = qs;
	return 0;

err_free:
	kfree(qs);
	/* Names this request registered go again. */
	egress_classes_forget_unused();
	return err;
}

/* What only a template has (INSTANCES_MAX, INSTANCES_KEEP). */
static int egress_nl_template_attrs(struct genl_info *info, const char *path)
{
	bool template = egress_path_is_pattern(path);

	struct nlattr *only = info->attrs[NF_EGRESS_A_INSTANCES_MAX] ?:
			      info->attrs[NF_EGRESS_A_INSTANCES_KEEP];
	struct egress_pattern_shape shape;

	if (!template && only) {
		egress_nl_reject(info->extack, only, KBUILD_MODNAME
				 ": only a template (a path with '*') has instances");
		return -EINVAL;
	}
	/* Bounds the matcher's work on the cache's miss path. */
	if (template) {
		egress_path_pattern_shape(path, &shape);
		if (shape.wildcards > EGRESS_PATTERN_WILDCARDS_MAX) {
			egress_nl_reject(info->extack,
					 info->attrs[NF_EGRESS_A_CGROUP_PATH],
					 KBUILD_MODNAME ": a pattern has at most "
					 __stringify(EGRESS_PATTERN_WILDCARDS_MAX)
					 " '*' ('**' counts two)");
			return -EINVAL;
		}
	}
	return 0;
}

static int egress_nl_policy_new(struct sk_buff *skb, struct genl_info *info)
{
	u8 default_verdict = NF_EGRESS_VERDICT_DENY;
	struct egress_quota_set *quotas = NULL;
	struct egress_conn_limit *conn = NULL;
	struct egress_rate *rate = NULL;
	bool quotas_given;
	struct egress_set *set = info->user_ptr[0];
	u8 mode = NF_EGRESS_MODE_ENFORCE;
	u32 instances_max = EGRESS_INSTANCES_MAX_DEFAULT;
	u32 instances_keep = EGRESS_INSTANCES_KEEP_DEFAULT;
	struct egress_policy *policy;
	const char *path, *reason;
	int err;

	path = egress_nl_path(info->attrs, info->extack, &err);
	if (!path)
		return err;
	/* In place before the template is reachable. */
	if (info->attrs[NF_EGRESS_A_INSTANCES_MAX])
		instances_max = nla_get_u32(info->attrs[NF_EGRESS_A_INSTANCES_MAX]);
	if (info->attrs[NF_EGRESS_A_INSTANCES_KEEP])
		instances_keep = nla_get_u32(info->attrs[NF_EGRESS_A_INSTANCES_KEEP]);
	if (info->attrs[NF_EGRESS_A_DEFAULT])
		default_verdict = nla_get_u8(info->attrs[NF_EGRESS_A_DEFAULT]);
	if (info->attrs[NF_EGRESS_A_MODE])
		mode = nla_get_u8(info->attrs[NF_EGRESS_A_MODE]);
	if (info->attrs[NF_EGRESS_A_RATE]) {
		err = egress_rate_from_nlattr(info->attrs[NF_EGRESS_A_RATE],
					      &rate, info->extack);
		if (err)
			return err;
	}
	if (info->attrs[NF_EGRESS_A_CONN]) {
		err = egress_conn_from_msg(info->nlhdr, &conn, info->extack);
		if (err)
			goto out;
	}
	err = egress_nl_quotas(info, &quotas, &quotas_given);
	if (err)
		goto out;
	err = egress_nl_template_attrs(info, path);
	if (err)
		goto out;

	err = egress_limits_check(set, 1, 0, egress_policy_mem_cost(strlen(path) + 1) +
				  egress_quota_set_mem(quotas), &reason);
	if (err) {
		egress_nl_reject(info->extack, info->attrs[NF_EGRESS_A_CGROUP_PATH], reason);
		goto out;
	}
	err = egress_policy_create(set, path, default_verdict, mode,
				   instances_max, instances_keep, &policy);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack,
				    info->attrs[NF_EGRESS_A_CGROUP_PATH],
				    KBUILD_MODNAME ": policy already exists");
	if (!err && rate) {
		egress_policy_set_rate(set, policy, rate);
		rate = NULL;
	}
	if (!err && quotas) {
		egress_policy_set_quotas(set, policy, quotas);
		quotas = NULL;
	}
	if (!err && conn) {
		egress_policy_set_conn(set, policy, conn);
		conn = NULL;
	}
out:
	/* Names the refused quotas or connection limits registered go again. */
	if (quotas || (err && info->attrs[NF_EGRESS_A_CONN]))
		egress_classes_forget_unused();
	kfree(quotas);
	kfree(conn);
	kfree(rate);
	return err;
}

static int egress_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	egress_policy_delete(info->user_ptr[0], info->user_ptr[1]);
	return 0;
}

static int egress_nl_policy_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *mode = info->attrs[NF_EGRESS_A_MODE];
	struct nlattr *verdict = info->attrs[NF_EGRESS_A_DEFAULT];
	struct nlattr *rate_attr = info->attrs[NF_EGRESS_A_RATE];
	struct nlattr *max_attr = info->attrs[NF_EGRESS_A_INSTANCES_MAX];
	struct nlattr *keep_attr = info->attrs[NF_EGRESS_A_INSTANCES_KEEP];
	struct nlattr *conn_attr = info->attrs[NF_EGRESS_A_CONN];
	struct egress_policy *policy = info->user_ptr[1];
	struct egress_instance_quotas *instance_quotas = NULL;
	struct egress_set *set = info->user_ptr[0];
	struct egress_conn_limit *conn = NULL;
	struct egress_quota_set *quotas;
	struct egress_rate *rate = NULL;
	bool quotas_given;
	int err;

	err = egress_nl_quotas(info, &quotas, &quotas_given);
	if (err)
		return err;
	err = egress_nl_template_attrs(info, policy->path);
	if (err)
		goto err_quotas;
	if (!mode && !verdict && !rate_attr && !quotas_given && !max_attr &&
	    !keep_attr && !conn_attr) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "nothing to set: give a mode, a default verdict, a rate, quotas, connection limits or an instance setting");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NF_EGRESS_A_MODE);
		return -EINVAL;
	}
	if (conn_attr) {
		err = egress_conn_from_msg(info->nlhdr, &conn, info->extack);
		if (err)
			goto err_quotas;
	}
	if (rate_attr) {
		err = egress_rate_from_nlattr(rate_attr, &rate, info->extack);
		if (err)
			goto err_conn;
	}
	if (quotas) {
		const char *reason;
		size_t more = egress_quota_set_mem(quotas), less;
		struct egress_quota_set *old;

		old = rcu_dereference_protected(policy->quotas,
						lockdep_is_held(&egress_config_mutex));
		less = egress_quota_set_mem(old);
		err = egress_limits_check(set, 0, 0, more > less ? more - less : 0,
					  &reason);
		if (err) {
			egress_nl_reject(info->extack, info->attrs[NF_EGRESS_A_CGROUP_PATH],
					 reason);
			kfree(rate);
			goto err_conn;
		}
	}
	/* Each instance gets quotas of its own: made first, as nothing else fails. */
	if (quotas_given && policy->tmpl) {
		instance_quotas = egress_template_quotas_prepare(policy, quotas);
		if (IS_ERR(instance_quotas)) {
			err = PTR_ERR(instance_quotas);
			egress_nl_reject(info->extack, info->attrs[NF_EGRESS_A_QUOTA],
					 KBUILD_MODNAME ": no memory for the instances' quotas");
			kfree(rate);
			goto err_conn;
		}
	}

	if (mode)
		egress_policy_set_mode(set, policy, nla_get_u8(mode));
	if (verdict)
		egress_policy_set_default(set, policy, nla_get_u8(verdict));
	if (rate_attr)
		egress_policy_set_rate(set, policy, rate);
	if (quotas_given)
		egress_policy_set_quotas(set, policy, quotas);
	if (instance_quotas)
		egress_template_set_quotas(set, policy, instance_quotas);
	if (max_attr)
		egress_policy_set_instances_max(set, policy, nla_get_u32(max_attr));
	if (keep_attr)
		egress_policy_set_instances_keep(set, policy,
						 nla_get_u32(keep_attr));
	if (conn_attr)
		egress_policy_set_conn(set, policy, conn);
	return 0;

err_conn:
	kfree(conn);
err_quotas:
	if (quotas || conn_attr)
		egress_classes_forget_unused();
	kfree(quotas);
	return err;
}

static int egress_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NF_EGRESS_CGROUP_PATH_MAX + NLMSG_GOODSIZE,
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = egress_nl_fill(msg, info->snd_portid, info->snd_seq, 0,
			     NF_EGRESS_CMD_POLICY_GET, EGRESS_NL_MSG_POLICY,
			     info->user_ptr[0], info->user_ptr[1], NULL, NULL);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * A rule as a request gives it: the validated fields, and the class name
 * still to be resolved against the target set.
 */
struct egress_nl_rule {
	struct egress_rule rule;
	const struct nlattr *nest;
	const char *class_name;
};

/* A rule named by its id carries nothing else. */
static int egress_nl_rule_id_only(struct nlattr **tb,
				  struct netlink_ext_ack *extack)
{
	unsigned int i;

	for (i = NF_EGRESS_RULE_A_ID + 1; i <= NF_EGRESS_RULE_A_MAX; i++) {
		if (tb[i]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    KBUILD_MODNAME ": give a rule id or a rule, not both");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * Turn a NF_EGRESS_A_RULE nest into a rule.  The nest has been validated
 * against nf_egress_rule_input_nl_policy; what is left is the checks across
 * attributes.  @by_id: the nest names an existing rule by id instead.
 */
static int egress_nl_parse_rule(struct nlattr *nest, struct egress_nl_rule *out,
				bool *by_id, struct netlink_ext_ack *extack)
{
	static const int required[] = {
		NF_EGRESS_RULE_A_ACTION, NF_EGRESS_RULE_A_FAMILY,
		NF_EGRESS_RULE_A_ADDR, NF_EGRESS_RULE_A_PREFIX_LEN,
	};
	struct nlattr *tb[NF_EGRESS_RULE_A_MAX + 1];
	struct egress_rule *rule = &out->rule;
	unsigned int addr_len, i;
	u8 family;
	const char *reason;
	int err;

	err = nla_parse_nested(tb, NF_EGRESS_RULE_A_MAX, nest,
			       nf_egress_rule_input_nl_policy, extack);
	if (err)
		return err;

	memset(out, 0, sizeof(*out));
	out->nest = nest;
	if (by_id) {
		*by_id = tb[NF_EGRESS_RULE_A_ID];
		if (*by_id) {
			rule->id = nla_get_u32(tb[NF_EGRESS_RULE_A_ID]);
			return egress_nl_rule_id_only(tb, extack);
		}
	} else if (tb[NF_EGRESS_RULE_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_ID],
				    KBUILD_MODNAME ": rule ids are assigned by the kernel");
		return -EINVAL;
	}

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!tb[required[i]]) {
			NL_SET_ERR_MSG_MOD(extack,
					   "rule lacks action, family, address or prefix");
			NL_SET_ERR_ATTR_MISS(extack, nest, required[i]);
			return -EINVAL;
		}
	}
	if (!tb[NF_EGRESS_RULE_A_PORT_MIN] != !tb[NF_EGRESS_RULE_A_PORT_MAX]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_PORT_MIN] ?:
				    tb[NF_EGRESS_RULE_A_PORT_MAX],
				    KBUILD_MODNAME ": give both ends of the port range");
		return -EINVAL;
	}

	/* The policy bounds the action; the family is checked before it
	 * goes into its 4-bit field.
	 */
	family = nla_get_u8(tb[NF_EGRESS_RULE_A_FAMILY]);
	if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_FAMILY],
				    KBUILD_MODNAME ": rule family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	rule->family = family;
	rule->action = nla_get_u8(tb[NF_EGRESS_RULE_A_ACTION]);
	rule->prefix_len = nla_get_u8(tb[NF_EGRESS_RULE_A_PREFIX_LEN]);
	if (tb[NF_EGRESS_RULE_A_PROTO])
		rule->proto = nla_get_u8(tb[NF_EGRESS_RULE_A_PROTO]);
	if (tb[NF_EGRESS_RULE_A_PORT_MIN]) {
		rule->has_ports = 1;
		rule->port_min = nla_get_u16(tb[NF_EGRESS_RULE_A_PORT_MIN]);
		rule->port_max = nla_get_u16(tb[NF_EGRESS_RULE_A_PORT_MAX]);
	}
	if (tb[NF_EGRESS_RULE_A_CLASS]) {
		out->class_name = nla_data(tb[NF_EGRESS_RULE_A_CLASS]);
		if (!egress_class_name_valid(out->class_name)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_CLASS],
					    KBUILD_MODNAME ": class names are A-Z a-z 0-9 _ . -");
			return -EINVAL;
		}
	}

	addr_len = rule->family == NFPROTO_IPV4 ? 4 : 16;
	if ((rule->family == NFPROTO_IPV4 || rule->family == NFPROTO_IPV6) &&
	    nla_len(tb[NF_EGRESS_RULE_A_ADDR]) != addr_len) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_ADDR],
				    KBUILD_MODNAME ": address length does not fit the family");
		return -EINVAL;
	}
	memcpy(&rule->addr, nla_data(tb[NF_EGRESS_RULE_A_ADDR]),
	       min_t(int, addr_len, nla_len(tb[NF_EGRESS_RULE_A_ADDR])));

	err = egress_rule_validate(rule, &reason);
	if (err)
		egress_nl_reject(extack, nest, reason);
	return err;
}

static int egress_nl_rule_new(struct sk_buff *skb, struct genl_info *info)
{
	struct egress_policy *policy = info->user_ptr[1];
	struct egress_set *set = info->user_ptr[0];
	struct egress_rule *rules = NULL;
	struct egress_nl_rule *parsed;
	const char *reason;
	struct nlattr *attr;
	u32 n = 0, i, bad;
	int err, rem;

	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem)
		if (nla_type(attr) == NF_EGRESS_A_RULE)
			n++;
	if (!n) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing rule");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NF_EGRESS_A_RULE);
		return -EINVAL;
	}

	parsed = kvmalloc_array(n, sizeof(*parsed), GFP_KERNEL);
	rules = kvmalloc_array(n, sizeof(*rules), GFP_KERNEL);
	if (!parsed || !rules) {
		err = -ENOMEM;
		goto out_free;
	}
	i = 0;
	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(attr) != NF_EGRESS_A_RULE)
			continue;
		err = egress_nl_parse_rule(attr, &parsed[i], NULL, info->extack);
		if (err)
			goto out_free;
		i++;
	}

	/* The whole request or nothing: the first rule nest takes the blame. */
	err = egress_limits_check(set, 0, n, n * egress_rule_mem_cost(), &reason);
	if (err) {
		egress_nl_reject(info->extack, parsed[0].nest, reason);
		goto out_free;
	}
	for (i = 0; i < n; i++) {
		rules[i] = parsed[i].rule;
		if (!parsed[i].class_name)
			continue;
		err = egress_class_id(parsed[i].class_name, &reason);
		if (err < 0) {
			egress_nl_reject(info->extack, parsed[i].nest, reason);
			goto out_forget_classes;
		}
		rules[i].class_id = err;
	}
	err = egress_policy_add_rules(set, policy, rules, n, &bad, &reason);
	if (err && err != -ENOMEM)
		egress_nl_reject(info->extack, parsed[bad].nest, reason);
out_forget_classes:
	/* Names this request registered go again if it failed. */
	if (err)
		egress_classes_forget_unused();
out_free:
	kvfree(rules);
	kvfree(parsed);
	return err;
}

static int egress_nl_rule_del(struct sk_buff *skb, struct genl_info *info)
{
	struct egress_policy *policy = info->user_ptr[1];
	struct nlattr *nest = info->attrs[NF_EGRESS_A_RULE];
	struct egress_set *set = info->user_ptr[0];
	struct egress_nl_rule parsed;
	bool by_id;
	u32 id = 0;
	int err;

	if (!nest) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing rule");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NF_EGRESS_A_RULE);
		return -EINVAL;
	}
	err = egress_nl_parse_rule(nest, &parsed, &by_id, info->extack);
	if (err)
		return err;

	if (by_id) {
		id = parsed.rule.id;
	} else {
		const struct egress_rule *found;

		found = egress_ruleset_find_same(&policy->rules, &parsed.rule);
		if (found && found->action == parsed.rule.action)
			id = found->id;
	}
	err = id ? egress_policy_delete_rule(set, policy, id) : -ENOENT;
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    KBUILD_MODNAME ": no such rule in the policy");
	return err;
}

typedef int (*egress_apply_op_t)(u32 portid, const char **reason);

static int egress_nl_apply_op(struct genl_info *info, egress_apply_op_t op)
{
	const char *reason;
	int err;

	err = op(info->snd_portid, &reason);
	if (err && err != -ENOMEM)
		egress_nl_reject(info->extack, NULL, reason);
	return err;
}

static int egress_nl_apply_begin(struct sk_buff *skb, struct genl_info *info)
{
	return egress_nl_apply_op(info, egress_apply_begin);
}

static int egress_nl_apply_commit(struct sk_buff *skb, struct genl_info *info)
{
	return egress_nl_apply_op(info, egress_apply_commit);
}

static int egress_nl_apply_abort(struct sk_buff *skb, struct genl_info *info)
{
	return egress_nl_apply_op(info, egress_apply_abort);
}

static int egress_nl_parse_explain_packet(struct genl_info *info,
					  struct egress_pkt *pkt)
{
	struct nlattr *nest = info->attrs[NF_EGRESS_A_EXPLAIN_PACKET];
	struct nlattr *tb[NF_EGRESS_EXPLAIN_A_MAX + 1];
	unsigned int addr_len;
	int err;

	if (!nest) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing packet to explain");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL,
				     NF_EGRESS_A_EXPLAIN_PACKET);
		return -EINVAL;
	}
	err = nla_parse_nested(tb, NF_EGRESS_EXPLAIN_A_MAX, nest,
			       nf_egress_explain_packet_nl_policy, info->extack);
	if (err)
		return err;
	if (!tb[NF_EGRESS_EXPLAIN_A_FAMILY] || !tb[NF_EGRESS_EXPLAIN_A_ADDR]) {
		NL_SET_ERR_MSG_MOD(info->extack, "packet needs a family and an address");
		NL_SET_ERR_ATTR_MISS(info->extack, nest,
				     tb[NF_EGRESS_EXPLAIN_A_FAMILY] ?
				     NF_EGRESS_EXPLAIN_A_ADDR :
				     NF_EGRESS_EXPLAIN_A_FAMILY);
		return -EINVAL;
	}

	memset(pkt, 0, sizeof(*pkt));
	pkt->family = nla_get_u8(tb[NF_EGRESS_EXPLAIN_A_FAMILY]);
	if (pkt->family != NFPROTO_IPV4 && pkt->family != NFPROTO_IPV6) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NF_EGRESS_EXPLAIN_A_FAMILY],
				    KBUILD_MODNAME ": family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	addr_len = pkt->family == NFPROTO_IPV4 ? 4 : 16;
	if (nla_len(tb[NF_EGRESS_EXPLAIN_A_ADDR]) != addr_len) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NF_EGRESS_EXPLAIN_A_ADDR],
				    KBUILD_MODNAME ": address length does not fit the family");
		return -EINVAL;
	}
	memcpy(&pkt->daddr, nla_data(tb[NF_EGRESS_EXPLAIN_A_ADDR]), addr_len);
	if (tb[NF_EGRESS_EXPLAIN_A_PROTO])
		pkt->proto = nla_get_u8(tb[NF_EGRESS_EXPLAIN_A_PROTO]);
	if (tb[NF_EGRESS_EXPLAIN_A_PORT]) {
		if (pkt->proto != IPPROTO_TCP && pkt->proto != IPPROTO_UDP &&
		    pkt->proto != IPPROTO_SCTP) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[NF_EGRESS_EXPLAIN_A_PORT],
					    KBUILD_MODNAME ": a port needs tcp, udp or sctp");
			return -EINVAL;
		}
		pkt->has_port = true;
		pkt->dport = nla_get_u16(tb[NF_EGRESS_EXPLAIN_A_PORT]);
	}
	return 0;
}

/* The first @level components of the valid path @path, as @type. */
static int egress_nl_put_path_prefix(struct sk_buff *msg, int type,
				     const char *path, unsigned int level)
{
	const char *end = path;
	struct nlattr *attr;
	unsigned int i;
	size_t len;

	for (i = 0; i < level; i++)
		end = strchrnul(end + 1, '/');
	len = end - path ?: 1;
	attr = nla_reserve(msg, type, len + 1);
	if (!attr)
		return -EMSGSIZE;
	memcpy(nla_data(attr), path, len);
	((char *)nla_data(attr))[len] = '\0';
	return 0;
}

static int egress_nl_put_level(struct sk_buff *msg, const char *path,
			       unsigned int level,
			       const struct egress_policy *policy,
			       const struct egress_rule *rule, bool allow,
			       const struct egress_quota *quota)
{
	const struct egress_policy *config = policy->config;
	struct nlattr *nest;

	nest = nla_nest_start(msg, NF_EGRESS_A_EXPLAIN_LEVEL);
	if (!nest)
		return -EMSGSIZE;
	/* A template's level, with or without its instance yet. */
	if (config->tmpl &&
	    (egress_nl_put_path_prefix(msg, NF_EGRESS_EXPLAIN_A_CGROUP_PATH,
				       path, level) ||
	     nla_put_string(msg, NF_EGRESS_EXPLAIN_A_TEMPLATE, config->path)))
		goto cancel;
	if ((!config->tmpl &&
	     nla_put_string(msg, NF_EGRESS_EXPLAIN_A_CGROUP_PATH, policy->path)) ||
	    nla_put_u8(msg, NF_EGRESS_EXPLAIN_A_MODE, READ_ONCE(config->mode)) ||
	    nla_put_u8(msg, NF_EGRESS_EXPLAIN_A_VERDICT,
		       allow ? NF_EGRESS_VERDICT_ALLOW : NF_EGRESS_VERDICT_DENY))
		goto cancel;
	if (rule) {
		if (nla_put_u32(msg, NF_EGRESS_EXPLAIN_A_RULE_ID, rule->id) ||
		    egress_nl_put_rule(msg, NF_EGRESS_EXPLAIN_A_RULE, rule, false,
				       NULL))
			goto cancel;
	} else if (nla_put_u8(msg, NF_EGRESS_EXPLAIN_A_DEFAULT,
			      READ_ONCE(config->default_verdict))) {
		goto cancel;
	}
	if (quota &&
	    egress_quota_to_nlattr(msg, quota, -1, NF_EGRESS_EXPLAIN_A_QUOTA))
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;

cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

/*
 * EXPLAIN runs the packet path's own decision (egress_decide()) on a
 * described packet, so its answer cannot differ from enforcement.
 */
static int egress_nl_explain(struct sk_buff *skb, struct genl_info *info)
{
	const struct egress_quota *quotas[EGRESS_POLICY_DEPTH_MAX + 1];
	const struct egress_rule *rules[EGRESS_POLICY_DEPTH_MAX + 1];
	struct egress_quota_set *qs;
	struct egress_policy *policies[EGRESS_POLICY_DEPTH_MAX + 1];
	struct egress_set *set = info->user_ptr[0];
	time64_t now = egress_quota_now();
	struct egress_resolve_info levels;
	struct egress_path_names names;
	struct egress_pkt pkt;
	struct sk_buff *msg;
	const char *path;
	unsigned int n, i;
	u64 denied_by;
	bool allowed;
	void *hdr;
	int err;

	path = egress_nl_path(info->attrs, info->extack, &err);
	if (!path)
		return err;
	err = egress_nl_parse_explain_packet(info, &pkt);
	if (err)
		return err;
	egress_path_names_from_path(&names, path);

	msg = genlmsg_new(NLMSG_GOODSIZE + (NF_EGRESS_CGROUP_PATH_MAX +
					    egress_quota_nlattr_size()) *
			  (EGRESS_POLICY_DEPTH_MAX + 2), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &egress_genl_family, 0,
				NF_EGRESS_CMD_EXPLAIN);
	if (!hdr)
		goto nla_put_failure;

	rcu_read_lock();
	n = egress_resolve(set, &names, policies, EGRESS_RESOLVE_LOOK, &levels);
	allowed = egress_decide(policies, n, &pkt, NULL, rules, &denied_by);
	rcu_read_unlock();
	/*
	 * What the hook does next: a level that allowed may still deny with
	 * a used-up quota (the policies cannot go away, the mutex is held).
	 */
	for (i = 0; i < n; i++) {
		quotas[i] = NULL;
		if (denied_by & BIT_ULL(i))
			continue;
		qs = rcu_dereference_protected(policies[i]->quotas,
					       lockdep_is_held(&egress_config_mutex));
		quotas[i] = egress_quota_denying(qs, rules[i] ? rules[i]->class_id : 0,
						 now);
		if (!quotas[i])
			continue;
		denied_by |= BIT_ULL(i);
		if (egress_policy_enforces(policies[i]))
			allowed = false;
	}
	err = nla_put_string(msg, NF_EGRESS_A_CGROUP_PATH, path) ||
	      nla_put_u32(msg, NF_EGRESS_A_GENERATION, egress_generation());
	for (i = 0; !err && i < n; i++)
		err = egress_nl_put_level(msg, path, levels.level[i],
					  policies[i], rules[i],
					  !(denied_by & BIT_ULL(i)), quotas[i]);
	if (!err)
		err = nla_put_u8(msg, NF_EGRESS_A_VERDICT,
				 allowed ? NF_EGRESS_VERDICT_ALLOW :
				 NF_EGRESS_VERDICT_DENY);
	if (err)
		goto nla_put_failure;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int egress_nl_stats_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct egress_set *set = info->user_ptr[0];
	struct egress_policy *policy;
	int err = 0;

	if (info->attrs[NF_EGRESS_A_CGROUP_PATH]) {
		policy = egress_nl_policy_lookup(set, info->attrs, info->extack,
						 true);
		if (IS_ERR(policy))
			err = PTR_ERR(policy);
		else
			egress_policy_reset_counters(policy);
	} else {
		list_for_each_entry(policy, &set->policies, list_node) {
			struct egress_policy *instance;

			egress_policy_reset_counters(policy);
			if (!policy->tmpl)
				continue;
			list_for_each_entry_rcu(instance,
						&policy->tmpl->instances,
						list_node,
						lockdep_is_held(&egress_config_mutex))
				egress_policy_reset_counters(instance);
		}
	}
	if (!err)
		egress_set_changed(set);
	return err;
}

/*
 * The quota of @policy a QUOTA nest of a request names by its CLASS (none:
 * the quota of all the policy's bytes); the nest's attributes in @tb.
 */
static struct egress_quota *egress_nl_quota_lookup(struct egress_policy *policy,
						   const struct nlattr *nest,
						   struct nlattr **tb,
						   struct netlink_ext_ack *extack)
{
	const struct nlattr *cls;
	struct egress_quota_set *qs;
	unsigned int i;
	int err;

	err = nla_parse_nested(tb, NF_EGRESS_QUOTA_A_MAX, nest,
			       nf_egress_quota_nl_policy, extack);
	if (err)
		return ERR_PTR(err);
	cls = tb[NF_EGRESS_QUOTA_A_CLASS];
	qs = rcu_dereference_protected(policy->quotas,
				       lockdep_is_held(&egress_config_mutex));
	for (i = 0; qs && i < qs->n; i++) {
		u8 id = qs->quota[i].cfg.class_id;

		if (cls ? id && !strcmp(egress_class_name(id), nla_data(cls)) : !id)
			return &qs->quota[i];
	}
	egress_nl_reject(extack, cls ? cls : nest,
			 KBUILD_MODNAME ": the policy has no such quota");
	return ERR_PTR(-ENOENT);
}

/* The one QUOTA nest of a request, or NULL. */
static const struct nlattr *egress_nl_one_quota(const struct genl_info *info,
						int *err)
{
	const struct nlattr *attr, *found = NULL;
	int rem;

	*err = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != NF_EGRESS_A_QUOTA)
			continue;
		if (found) {
			egress_nl_reject(info->extack, attr,
					 KBUILD_MODNAME ": one quota at a time");
			*err = -EINVAL;
			return NULL;
		}
		found = attr;
	}
	return found;
}

static int egress_nl_quota_reset(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NF_EGRESS_QUOTA_A_MAX + 1];
	struct egress_set *set = info->user_ptr[0];
	time64_t now = egress_quota_now();
	const struct nlattr *nest;
	struct egress_policy *policy;
	struct egress_quota_set *qs;
	struct egress_quota *quota;
	unsigned int i;
	int err;

	/* An instance's quotas have a usage of their own. */
	policy = egress_nl_policy_lookup(set, info->attrs, info->extack, true);
	if (IS_ERR(policy))
		return PTR_ERR(policy);
	nest = egress_nl_one_quota(info, &err);
	if (err)
		return err;
	if (nest) {
		quota = egress_nl_quota_lookup(policy, nest, tb, info->extack);
		if (IS_ERR(quota))
			return PTR_ERR(quota);
		egress_quota_reset(quota, now);
		return 0;
	}
	qs = rcu_dereference_protected(policy->quotas,
				       lockdep_is_held(&egress_config_mutex));
	if (!qs) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NF_EGRESS_A_CGROUP_PATH],
				    KBUILD_MODNAME ": the policy has no quota");
		return -ENOENT;
	}
	for (i = 0; i < qs->n; i++)
		egress_quota_reset(&qs->quota[i], now);
	return 0;
}

static int egress_nl_quota_restore(struct sk_buff *skb, struct genl_info *info)
{
	static const int required[] = {
		NF_EGRESS_QUOTA_A_PERIOD, NF_EGRESS_QUOTA_A_ANCHOR,
		NF_EGRESS_QUOTA_A_UTC_OFFSET, NF_EGRESS_QUOTA_A_PERIOD_START,
		NF_EGRESS_QUOTA_A_USED,
	};
	struct nlattr *tb[NF_EGRESS_QUOTA_A_MAX + 1];
	struct egress_set *set = info->user_ptr[0];
	struct egress_quota_calendar cal;
	const struct nlattr *nest;
	struct egress_policy *policy;
	struct egress_quota *quota;
	const char *path;
	unsigned int i;
	long crossed;
	int err;

	/*
	 * An instance's quotas have a usage of their own.  After a reboot
	 * its cgroup may not have sent yet: the instance is made now, as
	 * its first packet would make it, so that the usage is not lost.
	 */
	path = egress_nl_path(info->attrs, info->extack, &err);
	if (!path)
		return err;
	policy = egress_policy_find(set, path) ?:
		 egress_instance_lookup(set, path) ?:
		 egress_instance_make(set, path);
	if (!policy) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NF_EGRESS_A_CGROUP_PATH],
				    KBUILD_MODNAME ": no policy for this cgroup path");
		return -ENOENT;
	}
	nest = egress_nl_one_quota(info, &err);
	if (err)
		return err;
	if (!nest) {
		NL_SET_ERR_MSG_MOD(info->extack, "a restore needs the quota");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NF_EGRESS_A_QUOTA);
		return -EINVAL;
	}
	quota = egress_nl_quota_lookup(policy, nest, tb, info->extack);
	if (IS_ERR(quota))
		return PTR_ERR(quota);
	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!tb[required[i]]) {
			NL_SET_ERR_MSG_MOD(info->extack,
					   "a restore needs the quota's calendar, period start and usage");
			NL_SET_ERR_ATTR_MISS(info->extack, nest, required[i]);
			return -EINVAL;
		}
	}
	cal = quota->cfg.cal;
	if (egress_quota_unit_from_nl(nla_get_u8(tb[NF_EGRESS_QUOTA_A_PERIOD])) != cal.unit ||
	    nla_get_s64(tb[NF_EGRESS_QUOTA_A_ANCHOR]) != cal.anchor ||
	    nla_get_s32(tb[NF_EGRESS_QUOTA_A_UTC_OFFSET]) != cal.utc_offset) {
		egress_nl_reject(info->extack, nest, KBUILD_MODNAME
				 ": the quota's periods are not the ones the usage was saved for");
		return -EINVAL;
	}
	if (tb[NF_EGRESS_QUOTA_A_INSTANCE] &&
	    nla_get_u64(tb[NF_EGRESS_QUOTA_A_INSTANCE]) == quota->instance) {
		egress_nl_reject(info->extack, tb[NF_EGRESS_QUOTA_A_INSTANCE],
				 KBUILD_MODNAME
				 ": the usage is this quota's own: it holds the bytes already");
		return -EALREADY;
	}
	crossed = egress_quota_restore(quota, egress_quota_now(),
				       nla_get_s64(tb[NF_EGRESS_QUOTA_A_PERIOD_START]),
				       nla_get_u64(tb[NF_EGRESS_QUOTA_A_USED]));
	if (crossed == -ESTALE) {
		egress_nl_reject(info->extack, tb[NF_EGRESS_QUOTA_A_PERIOD_START],
				 KBUILD_MODNAME ": the usage was saved in another period");
		return -ESTALE;
	}
	if (crossed == -ERANGE) {
		egress_nl_reject(info->extack, tb[NF_EGRESS_QUOTA_A_USED], KBUILD_MODNAME
				 ": the usage is out of range");
		return -ERANGE;
	}
	if (crossed == -EALREADY) {
		egress_nl_reject(info->extack, nest, KBUILD_MODNAME
				 ": this period's usage was restored already");
		return -EALREADY;
	}
	if (crossed)
		egress_quota_mark_crossed(quota, crossed);
	return 0;
}

static int egress_nl_dump_start(struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct egress_dump_ctx *ctx = egress_dump_ctx(cb);
	struct nlattr *attr = info->attrs[NF_EGRESS_A_CGROUP_PATH];
	const char *path;
	int err;

	memset(ctx, 0, sizeof(*ctx));
	/*
	 * A message about a policy must fit in an empty dump skb, or the dump
	 * fails: it holds the policy's path, up to PATH_MAX, and a STATS
	 * message its counters per class too, a HEALTH message a histogram.
	 */
	cb->min_dump_alloc = max(egress_nl_policy_msg_size_max(),
				 egress_nl_health_msg_size_max());
	if (!attr)
		return 0;

	path = egress_nl_path(info->attrs, cb->extack, &err);
	if (!path)
		return err;
	mutex_lock(&egress_config_mutex);
	err = egress_policy_find(egress_live_set_locked(), path) ||
	      egress_instance_lookup(egress_live_set_locked(), path) ?
	      0 : -ENOENT;
	mutex_unlock(&egress_config_mutex);
	if (err) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attr,
				    KBUILD_MODNAME ": no policy for this cgroup path");
		return err;
	}
	ctx->path_filter = kstrdup(path, GFP_KERNEL);
	return ctx->path_filter ? 0 : -ENOMEM;
}

static int egress_nl_dump_done(struct netlink_callback *cb)
{
	kfree(egress_dump_ctx(cb)->path_filter);
	return 0;
}

static bool egress_dump_wants(const struct egress_dump_ctx *ctx,
			      const struct egress_policy *policy)
{
	return !ctx->path_filter || !strcmp(ctx->path_filter, policy->path);
}

/* One HEALTH_GET message: @policy's, or its class @class_id's. */
static int egress_nl_health_msg(struct sk_buff *skb,
				struct netlink_callback *cb,
				struct egress_policy *policy, unsigned long class_id,
				const struct egress_health *health)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &egress_genl_family, NLM_F_MULTI,
			  NF_EGRESS_CMD_HEALTH_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(skb, NF_EGRESS_A_CGROUP_PATH, policy->path) ||
	    nla_put_u32(skb, NF_EGRESS_A_GENERATION, egress_generation()) ||
	    (egress_policy_is_instance(policy) &&
	     nla_put_string(skb, NF_EGRESS_A_TEMPLATE, policy->config->path)) ||
	    (class_id && nla_put_string(skb, NF_EGRESS_A_HEALTH_CLASS,
					egress_class_name(class_id))) ||
	    egress_health_to_nlattr(skb, NF_EGRESS_A_STATS_HEALTH, health)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * @policy's HEALTH_GET messages, from the one the dump's cursor names: its
 * own, then its classes', each once it has counted a connection.
 */
static int egress_nl_health_msgs(struct sk_buff *skb,
				 struct netlink_callback *cb,
				 struct egress_policy *policy)
{
	struct egress_dump_ctx *ctx = egress_dump_ctx(cb);
	struct egress_stats *stats = policy->stats;
	struct egress_class_stats *cs;
	struct egress_health *health;
	unsigned long id;
	int err;

	if (!ctx->health_next) {
		/* None if it failed to allocate; a class's may not have. */
		health = egress_health_peek(&stats->health);
		err = health ? egress_nl_health_msg(skb, cb, policy, 0, health) : 0;
		if (err)
			return err;
		ctx->health_next = 1;
	}
	id = ctx->health_next;
	xa_for_each_start(&stats->classes, id, cs, ctx->health_next) {
		health = egress_health_peek(&cs->health);
		if (!health)
			continue;
		err = egress_nl_health_msg(skb, cb, policy, id, health);
		if (err)
			return err;
		ctx->health_next = id + 1;
	}
	ctx->health_next = 0;
	return 0;
}

/* A dump's message(s) about @policy. */
static int egress_nl_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			      u8 cmd, enum egress_nl_msg_kind kind,
			      struct egress_set *set, struct egress_policy *policy)
{
	if (kind == EGRESS_NL_MSG_HEALTH)
		return egress_nl_health_msgs(skb, cb, policy);
	return egress_nl_fill(skb, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI, cmd, kind, set,
			      policy, NULL, cb);
}

/*
 * The instances part of a POLICY_GET or STATS_GET dump: every template's,
 * in the templates' creation order and then their own.  The packet path
 * adds instances at the end of a template's list without changing the
 * generation, and only the mutex holder removes them.
 */
static int egress_nl_dump_instances(struct sk_buff *skb,
				    struct netlink_callback *cb, u8 cmd,
				    enum egress_nl_msg_kind kind,
				    struct egress_set *set)
{
	struct egress_dump_ctx *ctx = egress_dump_ctx(cb);
	struct egress_policy *template, *instance;
	int err;

	list_for_each_entry(template, &set->policies, list_node) {
		if (!template->tmpl || template->seq < ctx->template_seq)
			continue;
		if (template->seq != ctx->template_seq) {
			ctx->template_seq = template->seq;
			ctx->instance_seq = 0;
		}
		list_for_each_entry_rcu(instance, &template->tmpl->instances,
					list_node,
					lockdep_is_held(&egress_config_mutex)) {
			if (instance->seq < ctx->instance_seq ||
			    !egress_dump_wants(ctx, instance))
				continue;
			err = egress_nl_dump_one(skb, cb, cmd, kind, set,
						 instance);
			if (err)
				return err;
			ctx->instance_seq = instance->seq + 1;
		}
		ctx->instance_seq = U64_MAX;
	}
	return 0;
}

/*
 * POLICY_GET and STATS_GET dumps: one message per policy (templates
 * included), then one per instance.
 */
static int egress_nl_dump_policies(struct sk_buff *skb,
				   struct netlink_callback *cb, u8 cmd,
				   enum egress_nl_msg_kind kind)
{
	struct egress_dump_ctx *ctx = egress_dump_ctx(cb);
	struct egress_policy *policy;
	struct egress_set *set;
	int err = 0;

	mutex_lock(&egress_config_mutex);
	set = egress_live_set_locked();
	cb->seq = egress_generation();
	if (ctx->policy_seq != U64_MAX) {
		list_for_each_entry(policy, &set->policies, list_node) {
			if (policy->seq <= ctx->policy_seq ||
			    !egress_dump_wants(ctx, policy))
				continue;
			err = egress_nl_dump_one(skb, cb, cmd, kind, set, policy);
			if (err)
				break;
			ctx->policy_seq = policy->seq;
		}
		if (!err)
			ctx->policy_seq = U64_MAX;
	}
	if (!err)
		err = egress_nl_dump_instances(skb, cb, cmd, kind, set);
	mutex_unlock(&egress_config_mutex);

	/* Nothing fitted into an empty skb: stop rather than loop forever. */
	if (err && !skb->len)
		return err;
	return skb->len;
}

static int egress_nl_policy_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	return egress_nl_dump_policies(skb, cb, NF_EGRESS_CMD_POLICY_GET,
				       EGRESS_NL_MSG_POLICY);
}

static int egress_nl_stats_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	return egress_nl_dump_policies(skb, cb, NF_EGRESS_CMD_STATS_GET,
				       EGRESS_NL_MSG_STATS);
}

static int egress_nl_health_dump(struct sk_buff *skb,
				 struct netlink_callback *cb)
{
	return egress_nl_dump_policies(skb, cb, NF_EGRESS_CMD_HEALTH_GET,
				       EGRESS_NL_MSG_HEALTH);
}

/*
 * RULE_GET dump: one message per rule, in id order.  The cursor is (policy,
 * next rule id); a change in between changes the generation, which flags
 * the dump as interrupted.
 */
static int egress_nl_rule_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct egress_dump_ctx *ctx = egress_dump_ctx(cb);
	struct egress_policy *policy, *instance;
	struct egress_set *set;
	int err = 0;

	mutex_lock(&egress_config_mutex);
	set = egress_live_set_locked();
	cb->seq = egress_generation();
	/* An instance's: its template's rules, with the instance's hits. */
	instance = ctx->path_filter && !egress_policy_find(set, ctx->path_filter) ?
		   egress_instance_lookup(set, ctx->path_filter) : NULL;
	if (instance) {
		struct egress_rule *rule;

		for (; (rule = egress_ruleset_next(&instance->config->rules,
						   &ctx->rule_id));
		     ctx->rule_id++) {
			err = egress_nl_fill(skb, NETLINK_CB(cb->skb).portid,
					     cb->nlh->nlmsg_seq, NLM_F_MULTI,
					     NF_EGRESS_CMD_RULE_GET,
					     EGRESS_NL_MSG_RULE, set, instance,
					     rule, cb);
			if (err)
				goto out_unlock;
		}
		goto out_unlock;
	}
	list_for_each_entry(policy, &set->policies, list_node) {
		struct egress_rule *rule;

		if (policy->seq < ctx->policy_seq ||
		    !egress_dump_wants(ctx, policy))
			continue;
		if (policy->seq != ctx->policy_seq) {
			ctx->policy_seq = policy->seq;
			ctx->rule_id = 0;
		}
		for (; (rule = egress_ruleset_next(&policy->rules,
						   &ctx->rule_id));
		     ctx->rule_id++) {
			err = egress_nl_fill(skb, NETLINK_CB(cb->skb).portid,
					     cb->nlh->nlmsg_seq, NLM_F_MULTI,
					     NF_EGRESS_CMD_RULE_GET,
					     EGRESS_NL_MSG_RULE, set, policy,
					     rule, cb);
			if (err)
				goto out_unlock;
		}
		/* Past the last id: the next call starts at the next policy. */
		ctx->rule_id = ULONG_MAX;
	}
out_unlock:
	mutex_unlock(&egress_config_mutex);
	if (err && !skb->len)
		return err;
	return skb->len;
}

static const struct genl_ops egress_genl_ops[] = {
	{
		.cmd	= NF_EGRESS_CMD_GET_INFO,
		.doit	= egress_nl_get_info,
		.internal_flags = EGRESS_NL_LOCK,
		.policy	= nf_egress_get_info_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
	},
	{
		.cmd	= NF_EGRESS_CMD_POLICY_NEW,
		.doit	= egress_nl_policy_new,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_TARGET_SET,
		.policy	= nf_egress_policy_new_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_POLICY_DEL,
		.doit	= egress_nl_policy_del,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_TARGET_SET | EGRESS_NL_POLICY,
		.policy	= nf_egress_policy_del_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_POLICY_GET,
		.doit	= egress_nl_policy_get,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_LIVE_SET | EGRESS_NL_POLICY |
				  EGRESS_NL_INSTANCE,
		.start	= egress_nl_dump_start,
		.dumpit	= egress_nl_policy_dump,
		.done	= egress_nl_dump_done,
		.policy	= nf_egress_policy_get_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
	},
	{
		.cmd	= NF_EGRESS_CMD_RULE_NEW,
		.doit	= egress_nl_rule_new,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_TARGET_SET | EGRESS_NL_POLICY,
		.policy	= nf_egress_rule_new_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_RULE_DEL,
		.doit	= egress_nl_rule_del,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_TARGET_SET | EGRESS_NL_POLICY,
		.policy	= nf_egress_rule_del_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_RULE_GET,
		.start	= egress_nl_dump_start,
		.dumpit	= egress_nl_rule_dump,
		.done	= egress_nl_dump_done,
		.policy	= nf_egress_rule_get_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_STATS_GET,
		.start	= egress_nl_dump_start,
		.dumpit	= egress_nl_stats_dump,
		.done	= egress_nl_dump_done,
		.policy	= nf_egress_stats_get_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
	},
	{
		.cmd	= NF_EGRESS_CMD_HEALTH_GET,
		.start	= egress_nl_dump_start,
		.dumpit	= egress_nl_health_dump,
		.done	= egress_nl_dump_done,
		.policy	= nf_egress_health_get_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
	},
	{
		.cmd	= NF_EGRESS_CMD_POLICY_SET,
		.doit	= egress_nl_policy_set,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_TARGET_SET | EGRESS_NL_POLICY,
		.policy	= nf_egress_policy_set_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_APPLY_BEGIN,
		.doit	= egress_nl_apply_begin,
		.internal_flags = EGRESS_NL_LOCK,
		.policy	= nf_egress_apply_begin_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_APPLY_COMMIT,
		.doit	= egress_nl_apply_commit,
		.internal_flags = EGRESS_NL_LOCK,
		.policy	= nf_egress_apply_commit_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_APPLY_ABORT,
		.doit	= egress_nl_apply_abort,
		.internal_flags = EGRESS_NL_LOCK,
		.policy	= nf_egress_apply_abort_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_EXPLAIN,
		.doit	= egress_nl_explain,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_LIVE_SET,
		.policy	= nf_egress_explain_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_STATS_RESET,
		.doit	= egress_nl_stats_reset,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_LIVE_SET,
		.policy	= nf_egress_stats_reset_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_QUOTA_RESET,
		.doit	= egress_nl_quota_reset,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_LIVE_SET,
		.policy	= nf_egress_quota_reset_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_QUOTA_RESTORE,
		.doit	= egress_nl_quota_restore,
		.internal_flags = EGRESS_NL_LOCK | EGRESS_NL_LIVE_SET,
		.policy	= nf_egress_quota_restore_nl_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
};

/*
 * Joining needs CAP_NET_ADMIN over the socket's netns' user namespace
 * (genl_bind() checks GENL_MCAST_CAP_NET_ADMIN).  The family is not
 * netnsok and events are only multicast in init_net, so the only members
 * that ever receive one joined in init_net, with CAP_NET_ADMIN in the
 * initial user namespace: events name cgroups and tasks host-wide.
 */
static const struct genl_multicast_group egress_genl_mcgrps[] = {
	[EGRESS_MCGRP_EVENTS] = {
		.name	= NF_EGRESS_MCGRP_EVENTS,
		.flags	= GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family egress_genl_family __ro_after_init = {
	.name		= NF_EGRESS_GENL_NAME,
	.version	= NF_EGRESS_GENL_VERSION,
	.maxattr	= NF_EGRESS_A_MAX,
	.module		= THIS_MODULE,
	.ops		= egress_genl_ops,
	.n_ops		= ARRAY_SIZE(egress_genl_ops),
	.pre_doit	= egress_nl_pre_doit,
	.post_doit	= egress_nl_post_doit,
	.mcgrps		= egress_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(egress_genl_mcgrps),
	/* resv_start_op stays 0: every command validates strictly. */
	.parallel_ops	= true,
	.netnsok	= false,
};

/* A socket that started an apply and went away takes its staged set along. */
static int egress_netlink_notify(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    net_eq(n->net, &init_net))
		egress_apply_release(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block egress_netlink_notifier = {
	.notifier_call = egress_netlink_notify,
};

int __init egress_netlink_init(void)
{
	int err;

	err = netlink_register_notifier(&egress_netlink_notifier);
	if (err)
		return err;
	err = genl_register_family(&egress_genl_family);
	if (err)
		netlink_unregister_notifier(&egress_netlink_notifier);
	return err;
}

void egress_netlink_exit(void)
{
	genl_unregister_family(&egress_genl_family);
	netlink_unregister_notifier(&egress_netlink_notifier);
}
