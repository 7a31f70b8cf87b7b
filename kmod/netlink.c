// SPDX-License-Identifier: GPL-2.0
/*
 * The "nf_egress" generic netlink family (include/uapi/linux/nf_egress.h).
 *
 * Every command has its own attribute policy and the family validates
 * strictly (resv_start_op is 0), so an attribute a command does not take is
 * an error, not something silently ignored.  Commands that change the
 * policy set need CAP_NET_ADMIN in the initial user namespace, because the
 * set is host-wide.  The family is only visible from the initial network
 * namespace: a container's netns cannot even see it.
 *
 * Dumps walk the policy list under egress_config_mutex, one skb at a time,
 * and resume from the creation sequence number of the last policy they
 * emitted.  Each message carries the generation of the policy set, and the
 * message where a change is noticed gets NLM_F_DUMP_INTR.
 */

#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include <linux/nf_egress.h>

#include "netlink.h"
#include "policy.h"
#include "version.h"

static struct genl_family egress_genl_family;

static const struct nla_policy egress_rule_nl_policy[NF_EGRESS_RULE_A_MAX + 1] = {
	[NF_EGRESS_RULE_A_ID]		= NLA_POLICY_MIN(NLA_U32, 1),
	[NF_EGRESS_RULE_A_ACTION]	= NLA_POLICY_MAX(NLA_U8, NF_EGRESS_VERDICT_MAX),
	[NF_EGRESS_RULE_A_FAMILY]	= { .type = NLA_U8 },
	[NF_EGRESS_RULE_A_ADDR]		= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[NF_EGRESS_RULE_A_PREFIX_LEN]	= NLA_POLICY_MAX(NLA_U8, 128),
};

#define EGRESS_NL_PATH_POLICY \
	{ .type = NLA_NUL_STRING, .len = NF_EGRESS_CGROUP_PATH_MAX - 1 }

/* Commands that take no attributes at all. */
static const struct nla_policy egress_nl_none_policy[NF_EGRESS_A_MAX + 1] = {
};

/* Commands that take a cgroup path only: POLICY_DEL, POLICY_GET and dumps. */
static const struct nla_policy egress_nl_path_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH]	= EGRESS_NL_PATH_POLICY,
};

static const struct nla_policy egress_nl_policy_new_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH]	= EGRESS_NL_PATH_POLICY,
	[NF_EGRESS_A_DEFAULT]		= NLA_POLICY_MAX(NLA_U8, NF_EGRESS_VERDICT_MAX),
};

static const struct nla_policy egress_nl_rule_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH]	= EGRESS_NL_PATH_POLICY,
	[NF_EGRESS_A_RULE]		= NLA_POLICY_NESTED(egress_rule_nl_policy),
};

/* The state of a dump, kept in netlink_callback::ctx between calls. */
struct egress_dump_ctx {
	char *path_filter;	/* kmalloc'ed; NULL dumps every policy */
	u64 policy_seq;		/* resume after (or, for rules, at) this */
	u32 rule_index;		/* next rule of policy_seq to emit */
};

static struct egress_dump_ctx *egress_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct egress_dump_ctx) > sizeof(cb->ctx));
	return (struct egress_dump_ctx *)cb->ctx;
}

/*
 * NL_SET_ERR_MSG_ATTR() takes only string literals; the policy table
 * explains its own refusals with static strings, which are set here.
 */
static void egress_nl_reject(struct netlink_ext_ack *extack,
			     const struct nlattr *attr, const char *reason)
{
	if (extack)
		extack->_msg = reason;
	NL_SET_BAD_ATTR(extack, attr);
}

/*
 * Find the policy a request names, or explain in the extended ACK why
 * there is none.
 */
static struct egress_policy *egress_nl_policy_from_attrs(struct nlattr **attrs,
							 struct netlink_ext_ack *extack)
{
	struct nlattr *attr = attrs[NF_EGRESS_A_CGROUP_PATH];
	struct egress_policy *policy;
	const char *reason;
	int err;

	if (!attr) {
		NL_SET_ERR_MSG_MOD(extack, "missing cgroup path");
		NL_SET_ERR_ATTR_MISS(extack, NULL, NF_EGRESS_A_CGROUP_PATH);
		return ERR_PTR(-EINVAL);
	}
	err = egress_cgroup_path_validate(nla_data(attr), &reason);
	if (err) {
		egress_nl_reject(extack, attr, reason);
		return ERR_PTR(err);
	}
	policy = egress_policy_find(nla_data(attr));
	if (!policy) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    KBUILD_MODNAME ": no policy for this cgroup path");
		return ERR_PTR(-ENOENT);
	}
	return policy;
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

static int egress_nl_put_rule(struct sk_buff *skb,
			      const struct egress_rule *rule)
{
	struct nlattr *nest = nla_nest_start(skb, NF_EGRESS_A_RULE);
	int addr_len = rule->family == NFPROTO_IPV4 ? 4 : 16;

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NF_EGRESS_RULE_A_ID, rule->id) ||
	    nla_put_u8(skb, NF_EGRESS_RULE_A_ACTION, rule->action) ||
	    nla_put_u8(skb, NF_EGRESS_RULE_A_FAMILY, rule->family) ||
	    nla_put(skb, NF_EGRESS_RULE_A_ADDR, addr_len, &rule->addr) ||
	    nla_put_u8(skb, NF_EGRESS_RULE_A_PREFIX_LEN, rule->prefix_len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

enum egress_nl_msg_kind {
	EGRESS_NL_MSG_POLICY,
	EGRESS_NL_MSG_STATS,
	EGRESS_NL_MSG_RULE,
};

/*
 * One message about @policy: its settings (POLICY), its counters (STATS), or
 * one of its rules (RULE).  Every kind names the policy by path and carries
 * the generation, so a dump's messages stand on their own.
 */
static int egress_nl_fill(struct sk_buff *skb, u32 portid, u32 seq, int flags,
			  u8 cmd, enum egress_nl_msg_kind kind,
			  const struct egress_policy *policy,
			  const struct egress_rule *rule,
			  struct netlink_callback *cb)
{
	const struct egress_ruleset *rs = egress_policy_ruleset_locked(policy);
	struct egress_counters_sum sum;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &egress_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_string(skb, NF_EGRESS_A_CGROUP_PATH, policy->path) ||
	    nla_put_u32(skb, NF_EGRESS_A_GENERATION, egress_policy_generation()))
		goto nla_put_failure;

	switch (kind) {
	case EGRESS_NL_MSG_POLICY:
		if (nla_put_u8(skb, NF_EGRESS_A_DEFAULT, policy->default_verdict) ||
		    nla_put_u32(skb, NF_EGRESS_A_RULE_COUNT, rs ? rs->count : 0))
			goto nla_put_failure;
		break;
	case EGRESS_NL_MSG_STATS:
		egress_counters_sum(policy, &sum);
		if (egress_nl_put_counter(skb, NF_EGRESS_A_STATS_ALLOWED,
					  sum.allowed_packets,
					  sum.allowed_bytes) ||
		    egress_nl_put_counter(skb, NF_EGRESS_A_STATS_DENIED,
					  sum.denied_packets, sum.denied_bytes))
			goto nla_put_failure;
		break;
	case EGRESS_NL_MSG_RULE:
		if (egress_nl_put_rule(skb, rule))
			goto nla_put_failure;
		break;
	}

	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int egress_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &egress_genl_family, 0,
				NF_EGRESS_CMD_GET_INFO);
	if (!hdr)
		goto nla_put_failure;

	mutex_lock(&egress_config_mutex);
	if (nla_put_string(msg, NF_EGRESS_A_VERSION, NF_EGRESS_VERSION) ||
	    nla_put_u32(msg, NF_EGRESS_A_GENERATION,
			egress_policy_generation()) ||
	    nla_put_u32(msg, NF_EGRESS_A_POLICY_COUNT, egress_policy_count())) {
		mutex_unlock(&egress_config_mutex);
		goto nla_put_failure;
	}
	mutex_unlock(&egress_config_mutex);

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int egress_nl_policy_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *path_attr = info->attrs[NF_EGRESS_A_CGROUP_PATH];
	u8 default_verdict = NF_EGRESS_VERDICT_DENY;
	struct egress_policy *policy;
	const char *reason;
	int err;

	if (!path_attr) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing cgroup path");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NF_EGRESS_A_CGROUP_PATH);
		return -EINVAL;
	}
	err = egress_cgroup_path_validate(nla_data(path_attr), &reason);
	if (err) {
		egress_nl_reject(info->extack, path_attr, reason);
		return err;
	}
	if (info->attrs[NF_EGRESS_A_DEFAULT])
		default_verdict = nla_get_u8(info->attrs[NF_EGRESS_A_DEFAULT]);

	mutex_lock(&egress_config_mutex);
	err = egress_policy_create(nla_data(path_attr), default_verdict,
				   &policy);
	mutex_unlock(&egress_config_mutex);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, path_attr,
				    KBUILD_MODNAME ": policy already exists");
	return err;
}

static int egress_nl_policy_del(struct sk_buff *skb, struct genl_info *info)
{
	struct egress_policy *policy;

	mutex_lock(&egress_config_mutex);
	policy = egress_nl_policy_from_attrs(info->attrs, info->extack);
	if (!IS_ERR(policy))
		egress_policy_delete(policy);
	mutex_unlock(&egress_config_mutex);
	return PTR_ERR_OR_ZERO(policy);
}

static int egress_nl_policy_get(struct sk_buff *skb, struct genl_info *info)
{
	struct egress_policy *policy;
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NF_EGRESS_CGROUP_PATH_MAX + NLMSG_GOODSIZE,
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&egress_config_mutex);
	policy = egress_nl_policy_from_attrs(info->attrs, info->extack);
	if (IS_ERR(policy))
		err = PTR_ERR(policy);
	else
		err = egress_nl_fill(msg, info->snd_portid, info->snd_seq, 0,
				     NF_EGRESS_CMD_POLICY_GET,
				     EGRESS_NL_MSG_POLICY, policy, NULL, NULL);
	mutex_unlock(&egress_config_mutex);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * Turn a NF_EGRESS_A_RULE nest into a rule.  The nest has been validated
 * against egress_rule_nl_policy; what is left is the cross-attribute checks.
 */
static int egress_nl_parse_rule_spec(struct nlattr **tb, struct nlattr *nest,
				     struct egress_rule *rule,
				     struct netlink_ext_ack *extack)
{
	static const int required[] = {
		NF_EGRESS_RULE_A_ACTION, NF_EGRESS_RULE_A_FAMILY,
		NF_EGRESS_RULE_A_ADDR, NF_EGRESS_RULE_A_PREFIX_LEN,
	};
	unsigned int addr_len, max_prefix, i;
	union nf_inet_addr masked;

	for (i = 0; i < ARRAY_SIZE(required); i++) {
		if (!tb[required[i]]) {
			NL_SET_ERR_MSG_MOD(extack,
					   "rule lacks action, family, address or prefix");
			NL_SET_ERR_ATTR_MISS(extack, nest, required[i]);
			return -EINVAL;
		}
	}

	memset(rule, 0, sizeof(*rule));
	rule->action = nla_get_u8(tb[NF_EGRESS_RULE_A_ACTION]);
	rule->family = nla_get_u8(tb[NF_EGRESS_RULE_A_FAMILY]);
	rule->prefix_len = nla_get_u8(tb[NF_EGRESS_RULE_A_PREFIX_LEN]);

	switch (rule->family) {
	case NFPROTO_IPV4:
		addr_len = 4;
		max_prefix = 32;
		break;
	case NFPROTO_IPV6:
		addr_len = 16;
		max_prefix = 128;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_FAMILY],
				    KBUILD_MODNAME ": rule family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (nla_len(tb[NF_EGRESS_RULE_A_ADDR]) != addr_len) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_ADDR],
				    KBUILD_MODNAME ": address length does not fit the family");
		return -EINVAL;
	}
	if (rule->prefix_len > max_prefix) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_PREFIX_LEN],
				    KBUILD_MODNAME ": prefix length too long for the rule family");
		return -EINVAL;
	}
	memcpy(&rule->addr, nla_data(tb[NF_EGRESS_RULE_A_ADDR]), addr_len);

	/*
	 * "10.0.0.1/8" is almost certainly a typo; refuse it rather than
	 * guess which of the two the user meant.
	 */
	masked = rule->addr;
	if (rule->family == NFPROTO_IPV4) {
		masked.ip &= rule->prefix_len ?
			htonl(~0U << (32 - rule->prefix_len)) : 0;
	} else {
		ipv6_addr_prefix(&masked.in6, &rule->addr.in6, rule->prefix_len);
	}
	if (memcmp(&masked, &rule->addr, sizeof(masked))) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NF_EGRESS_RULE_A_ADDR],
				    KBUILD_MODNAME ": address has host bits set beyond the prefix");
		return -EINVAL;
	}
	return 0;
}

static int egress_nl_rule_attrs(struct genl_info *info,
				struct nlattr **tb)
{
	struct nlattr *nest = info->attrs[NF_EGRESS_A_RULE];

	if (!nest) {
		NL_SET_ERR_MSG_MOD(info->extack, "missing rule");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, NF_EGRESS_A_RULE);
		return -EINVAL;
	}
	return nla_parse_nested(tb, NF_EGRESS_RULE_A_MAX, nest,
				egress_rule_nl_policy, info->extack);
}

static int egress_nl_rule_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NF_EGRESS_RULE_A_MAX + 1];
	struct egress_policy *policy;
	struct egress_rule rule;
	const char *reason;
	u32 id;
	int err;

	err = egress_nl_rule_attrs(info, tb);
	if (err)
		return err;
	if (tb[NF_EGRESS_RULE_A_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[NF_EGRESS_RULE_A_ID],
				    KBUILD_MODNAME ": rule ids are assigned by the kernel");
		return -EINVAL;
	}
	err = egress_nl_parse_rule_spec(tb, info->attrs[NF_EGRESS_A_RULE],
					&rule, info->extack);
	if (err)
		return err;

	mutex_lock(&egress_config_mutex);
	policy = egress_nl_policy_from_attrs(info->attrs, info->extack);
	if (IS_ERR(policy)) {
		err = PTR_ERR(policy);
	} else {
		err = egress_rule_add(policy, &rule, &id, &reason);
		if (err && err != -ENOMEM)
			egress_nl_reject(info->extack,
					 info->attrs[NF_EGRESS_A_RULE], reason);
	}
	mutex_unlock(&egress_config_mutex);
	return err;
}

static int egress_nl_rule_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[NF_EGRESS_RULE_A_MAX + 1];
	struct nlattr *nest = info->attrs[NF_EGRESS_A_RULE];
	struct egress_policy *policy;
	struct egress_rule spec;
	bool by_id;
	u32 id = 0;
	int err;

	err = egress_nl_rule_attrs(info, tb);
	if (err)
		return err;

	by_id = tb[NF_EGRESS_RULE_A_ID];
	if (by_id) {
		if (tb[NF_EGRESS_RULE_A_ACTION] || tb[NF_EGRESS_RULE_A_FAMILY] ||
		    tb[NF_EGRESS_RULE_A_ADDR] || tb[NF_EGRESS_RULE_A_PREFIX_LEN]) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[NF_EGRESS_RULE_A_ID],
					    KBUILD_MODNAME ": give a rule id or a rule, not both");
			return -EINVAL;
		}
		id = nla_get_u32(tb[NF_EGRESS_RULE_A_ID]);
	} else {
		err = egress_nl_parse_rule_spec(tb, nest, &spec, info->extack);
		if (err)
			return err;
	}

	mutex_lock(&egress_config_mutex);
	policy = egress_nl_policy_from_attrs(info->attrs, info->extack);
	if (IS_ERR(policy)) {
		err = PTR_ERR(policy);
		goto out_unlock;
	}
	if (!by_id) {
		const struct egress_rule *found;

		found = egress_rule_find_spec(egress_policy_ruleset_locked(policy),
					      &spec);
		if (found && found->action == spec.action)
			id = found->id;
	}
	err = id ? egress_rule_delete(policy, id) : -ENOENT;
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, nest,
				    KBUILD_MODNAME ": no such rule in the policy");
out_unlock:
	mutex_unlock(&egress_config_mutex);
	return err;
}

static int egress_nl_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *dump_info = genl_dumpit_info(cb);
	struct egress_dump_ctx *ctx = egress_dump_ctx(cb);
	struct nlattr *attr = dump_info->attrs[NF_EGRESS_A_CGROUP_PATH];
	const char *reason;
	int err;

	memset(ctx, 0, sizeof(*ctx));
	/* A policy's message holds its path, which may be up to PATH_MAX. */
	cb->min_dump_alloc = NF_EGRESS_CGROUP_PATH_MAX + NLMSG_GOODSIZE;
	if (!attr)
		return 0;

	err = egress_cgroup_path_validate(nla_data(attr), &reason);
	if (err) {
		egress_nl_reject(cb->extack, attr, reason);
		return err;
	}
	mutex_lock(&egress_config_mutex);
	err = egress_policy_find(nla_data(attr)) ? 0 : -ENOENT;
	mutex_unlock(&egress_config_mutex);
	if (err) {
		NL_SET_ERR_MSG_ATTR(cb->extack, attr,
				    KBUILD_MODNAME ": no policy for this cgroup path");
		return err;
	}
	ctx->path_filter = kstrdup(nla_data(attr), GFP_KERNEL);
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

/* POLICY_GET and STATS_GET dumps: one message per policy. */
static int egress_nl_dump_policies(struct sk_buff *skb,
				   struct netlink_callback *cb, u8 cmd,
				   enum egress_nl_msg_kind kind)
{
	struct egress_dump_ctx *ctx = egress_dump_ctx(cb);
	struct egress_policy *policy;
	int err = 0;

	mutex_lock(&egress_config_mutex);
	cb->seq = egress_policy_generation();
	list_for_each_entry(policy, &egress_policy_list, list_node) {
		if (policy->seq <= ctx->policy_seq ||
		    !egress_dump_wants(ctx, policy))
			continue;
		err = egress_nl_fill(skb, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI, cmd, kind,
				     policy, NULL, cb);
		if (err)
			break;
		ctx->policy_seq = policy->seq;
	}
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

/*
 * RULE_GET dump: one message per rule.  The cursor is (policy, index in its
 * rule array); a rule array replaced mid-dump changes the generation, which
 * flags the dump as interrupted.
 */
static int egress_nl_rule_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct egress_dump_ctx *ctx = egress_dump_ctx(cb);
	struct egress_policy *policy;
	int err = 0;

	mutex_lock(&egress_config_mutex);
	cb->seq = egress_policy_generation();
	list_for_each_entry(policy, &egress_policy_list, list_node) {
		const struct egress_ruleset *rs;

		if (policy->seq < ctx->policy_seq ||
		    !egress_dump_wants(ctx, policy))
			continue;
		if (policy->seq != ctx->policy_seq) {
			ctx->policy_seq = policy->seq;
			ctx->rule_index = 0;
		}
		rs = egress_policy_ruleset_locked(policy);
		while (rs && ctx->rule_index < rs->count) {
			err = egress_nl_fill(skb, NETLINK_CB(cb->skb).portid,
					     cb->nlh->nlmsg_seq, NLM_F_MULTI,
					     NF_EGRESS_CMD_RULE_GET,
					     EGRESS_NL_MSG_RULE, policy,
					     &rs->rules[ctx->rule_index], cb);
			if (err)
				goto out_unlock;
			ctx->rule_index++;
		}
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
		.policy	= egress_nl_none_policy,
		.maxattr = NF_EGRESS_A_MAX,
	},
	{
		.cmd	= NF_EGRESS_CMD_POLICY_NEW,
		.doit	= egress_nl_policy_new,
		.policy	= egress_nl_policy_new_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_POLICY_DEL,
		.doit	= egress_nl_policy_del,
		.policy	= egress_nl_path_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_POLICY_GET,
		.doit	= egress_nl_policy_get,
		.start	= egress_nl_dump_start,
		.dumpit	= egress_nl_policy_dump,
		.done	= egress_nl_dump_done,
		.policy	= egress_nl_path_policy,
		.maxattr = NF_EGRESS_A_MAX,
	},
	{
		.cmd	= NF_EGRESS_CMD_RULE_NEW,
		.doit	= egress_nl_rule_new,
		.policy	= egress_nl_rule_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_RULE_DEL,
		.doit	= egress_nl_rule_del,
		.policy	= egress_nl_rule_policy,
		.maxattr = NF_EGRESS_A_MAX,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= NF_EGRESS_CMD_RULE_GET,
		.start	= egress_nl_dump_start,
		.dumpit	= egress_nl_rule_dump,
		.done	= egress_nl_dump_done,
		.policy	= egress_nl_path_policy,
		.maxattr = NF_EGRESS_A_MAX,
	},
	{
		.cmd	= NF_EGRESS_CMD_STATS_GET,
		.start	= egress_nl_dump_start,
		.dumpit	= egress_nl_stats_dump,
		.done	= egress_nl_dump_done,
		.policy	= egress_nl_path_policy,
		.maxattr = NF_EGRESS_A_MAX,
	},
};

static struct genl_family egress_genl_family __ro_after_init = {
	.name		= NF_EGRESS_GENL_NAME,
	.version	= NF_EGRESS_GENL_VERSION,
	.maxattr	= NF_EGRESS_A_MAX,
	.module		= THIS_MODULE,
	.ops		= egress_genl_ops,
	.n_ops		= ARRAY_SIZE(egress_genl_ops),
	/* resv_start_op stays 0: every command validates strictly. */
	.parallel_ops	= true,
	.netnsok	= false,
};

int __init egress_netlink_init(void)
{
	return genl_register_family(&egress_genl_family);
}

void egress_netlink_exit(void)
{
	genl_unregister_family(&egress_genl_family);
}
