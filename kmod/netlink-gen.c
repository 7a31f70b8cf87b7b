// SPDX-License-Identifier: GPL-2.0
/* Generated from Documentation/netlink/specs/nf_egress.yaml by scripts/nl-gen: do not edit. */

#include <net/netlink.h>

#include <linux/nf_egress.h>

#include "netlink-gen.h"

static struct netlink_range_validation nf_egress_rate_a_queue_limit_range = {
	.min = 1,
	.max = 65536,
};

static struct netlink_range_validation nf_egress_rate_a_latency_us_range = {
	.min = 100,
	.max = 10000000,
};

static struct netlink_range_validation nf_egress_conn_a_rate_range = {
	.min = 1,
	.max = 1000000000,
};

static struct netlink_range_validation nf_egress_a_instances_max_range = {
	.min = 1,
	.max = 65536,
};

static struct netlink_range_validation nf_egress_a_instances_keep_range = {
	.min = 0,
	.max = 31536000,
};

const struct nla_policy nf_egress_rule_input_nl_policy[NF_EGRESS_RULE_A_MAX + 1] = {
	[NF_EGRESS_RULE_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NF_EGRESS_RULE_A_ACTION] = NLA_POLICY_MAX(NLA_U8, NF_EGRESS_VERDICT_MAX),
	[NF_EGRESS_RULE_A_FAMILY] = { .type = NLA_U8, },
	[NF_EGRESS_RULE_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[NF_EGRESS_RULE_A_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[NF_EGRESS_RULE_A_PROTO] = { .type = NLA_U8, },
	[NF_EGRESS_RULE_A_PORT_MIN] = { .type = NLA_U16, },
	[NF_EGRESS_RULE_A_PORT_MAX] = { .type = NLA_U16, },
	[NF_EGRESS_RULE_A_CLASS] = { .type = NLA_NUL_STRING, .len = NF_EGRESS_CLASS_NAME_MAX - 1, },
};

const struct nla_policy nf_egress_explain_packet_nl_policy[NF_EGRESS_EXPLAIN_A_MAX + 1] = {
	[NF_EGRESS_EXPLAIN_A_FAMILY] = { .type = NLA_U8, },
	[NF_EGRESS_EXPLAIN_A_ADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[NF_EGRESS_EXPLAIN_A_PROTO] = { .type = NLA_U8, },
	[NF_EGRESS_EXPLAIN_A_PORT] = { .type = NLA_U16, },
};

const struct nla_policy nf_egress_rate_nl_policy[NF_EGRESS_RATE_A_MAX + 1] = {
	[NF_EGRESS_RATE_A_NONE] = { .type = NLA_FLAG, },
	[NF_EGRESS_RATE_A_BYTES_PER_SEC] = NLA_POLICY_MIN(NLA_U64, 1),
	[NF_EGRESS_RATE_A_BURST] = NLA_POLICY_MIN(NLA_U32, 1),
	[NF_EGRESS_RATE_A_PPS] = NLA_POLICY_MIN(NLA_U32, 1),
	[NF_EGRESS_RATE_A_MODE] = NLA_POLICY_MAX(NLA_U8, NF_EGRESS_RATE_MAX),
	[NF_EGRESS_RATE_A_QUEUE_LIMIT] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nf_egress_rate_a_queue_limit_range),
	[NF_EGRESS_RATE_A_LATENCY_US] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nf_egress_rate_a_latency_us_range),
};

const struct nla_policy nf_egress_conn_nl_policy[NF_EGRESS_CONN_A_MAX + 1] = {
	[NF_EGRESS_CONN_A_NONE] = { .type = NLA_FLAG, },
	[NF_EGRESS_CONN_A_MAX_ACTIVE] = NLA_POLICY_MIN(NLA_U32, 1),
	[NF_EGRESS_CONN_A_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &nf_egress_conn_a_rate_range),
	[NF_EGRESS_CONN_A_BURST] = NLA_POLICY_MIN(NLA_U32, 1),
	[NF_EGRESS_CONN_A_CLASS] = { .type = NLA_NUL_STRING, .len = NF_EGRESS_CLASS_NAME_MAX - 1, },
};

const struct nla_policy nf_egress_quota_nl_policy[NF_EGRESS_QUOTA_A_MAX + 1] = {
	[NF_EGRESS_QUOTA_A_NONE] = { .type = NLA_FLAG, },
	[NF_EGRESS_QUOTA_A_LIMIT] = NLA_POLICY_MIN(NLA_U64, 1),
	[NF_EGRESS_QUOTA_A_PERIOD] = NLA_POLICY_MAX(NLA_U8, NF_EGRESS_QUOTA_PERIOD_MAX),
	[NF_EGRESS_QUOTA_A_ANCHOR] = { .type = NLA_S64, },
	[NF_EGRESS_QUOTA_A_UTC_OFFSET] = { .type = NLA_S32, },
	[NF_EGRESS_QUOTA_A_WARN] = NLA_POLICY_RANGE(NLA_U8, 1, 99),
	[NF_EGRESS_QUOTA_A_ACTION] = NLA_POLICY_MAX(NLA_U8, NF_EGRESS_QUOTA_ACTION_MAX),
	[NF_EGRESS_QUOTA_A_RATE] = NLA_POLICY_MIN(NLA_U64, 1),
	[NF_EGRESS_QUOTA_A_CLASS] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CLASS_NAME_MAX - 1,
	},
	[NF_EGRESS_QUOTA_A_EXEMPT_CLASS] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CLASS_NAME_MAX - 1,
	},
	[NF_EGRESS_QUOTA_A_USED] = { .type = NLA_U64, },
	[NF_EGRESS_QUOTA_A_PERIOD_START] = { .type = NLA_S64, },
	[NF_EGRESS_QUOTA_A_PERIOD_END] = { .type = NLA_S64, },
	[NF_EGRESS_QUOTA_A_LAST_USED] = { .type = NLA_U64, },
	[NF_EGRESS_QUOTA_A_CROSSED] = { .type = NLA_U8, },
	[NF_EGRESS_QUOTA_A_INSTANCE] = { .type = NLA_U64, },
};

const struct nla_policy nf_egress_get_info_nl_policy[NF_EGRESS_A_MAX + 1] = {
};

const struct nla_policy nf_egress_policy_new_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
	[NF_EGRESS_A_DEFAULT] = NLA_POLICY_MAX(NLA_U8, NF_EGRESS_VERDICT_MAX),
	[NF_EGRESS_A_MODE] = NLA_POLICY_MAX(NLA_U8, NF_EGRESS_MODE_MAX),
	[NF_EGRESS_A_STAGED] = { .type = NLA_FLAG, },
	[NF_EGRESS_A_RATE] = NLA_POLICY_NESTED(nf_egress_rate_nl_policy),
	[NF_EGRESS_A_QUOTA] = NLA_POLICY_NESTED(nf_egress_quota_nl_policy),
	[NF_EGRESS_A_INSTANCES_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nf_egress_a_instances_max_range),
	[NF_EGRESS_A_INSTANCES_KEEP] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nf_egress_a_instances_keep_range),
	[NF_EGRESS_A_CONN] = NLA_POLICY_NESTED(nf_egress_conn_nl_policy),
};

const struct nla_policy nf_egress_policy_del_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
	[NF_EGRESS_A_STAGED] = { .type = NLA_FLAG, },
};

const struct nla_policy nf_egress_policy_get_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
};

const struct nla_policy nf_egress_rule_new_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
	[NF_EGRESS_A_RULE] = NLA_POLICY_NESTED(nf_egress_rule_input_nl_policy),
	[NF_EGRESS_A_STAGED] = { .type = NLA_FLAG, },
};

const struct nla_policy nf_egress_rule_del_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
	[NF_EGRESS_A_RULE] = NLA_POLICY_NESTED(nf_egress_rule_input_nl_policy),
	[NF_EGRESS_A_STAGED] = { .type = NLA_FLAG, },
};

const struct nla_policy nf_egress_rule_get_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
};

const struct nla_policy nf_egress_stats_get_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
};

const struct nla_policy nf_egress_policy_set_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
	[NF_EGRESS_A_DEFAULT] = NLA_POLICY_MAX(NLA_U8, NF_EGRESS_VERDICT_MAX),
	[NF_EGRESS_A_MODE] = NLA_POLICY_MAX(NLA_U8, NF_EGRESS_MODE_MAX),
	[NF_EGRESS_A_STAGED] = { .type = NLA_FLAG, },
	[NF_EGRESS_A_RATE] = NLA_POLICY_NESTED(nf_egress_rate_nl_policy),
	[NF_EGRESS_A_QUOTA] = NLA_POLICY_NESTED(nf_egress_quota_nl_policy),
	[NF_EGRESS_A_INSTANCES_MAX] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nf_egress_a_instances_max_range),
	[NF_EGRESS_A_INSTANCES_KEEP] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &nf_egress_a_instances_keep_range),
	[NF_EGRESS_A_CONN] = NLA_POLICY_NESTED(nf_egress_conn_nl_policy),
};

const struct nla_policy nf_egress_apply_begin_nl_policy[NF_EGRESS_A_MAX + 1] = {
};

const struct nla_policy nf_egress_apply_commit_nl_policy[NF_EGRESS_A_MAX + 1] = {
};

const struct nla_policy nf_egress_apply_abort_nl_policy[NF_EGRESS_A_MAX + 1] = {
};

const struct nla_policy nf_egress_explain_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
	[NF_EGRESS_A_EXPLAIN_PACKET] = NLA_POLICY_NESTED(nf_egress_explain_packet_nl_policy),
};

const struct nla_policy nf_egress_stats_reset_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
};

const struct nla_policy nf_egress_quota_reset_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
	[NF_EGRESS_A_QUOTA] = NLA_POLICY_NESTED(nf_egress_quota_nl_policy),
};

const struct nla_policy nf_egress_quota_restore_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
	[NF_EGRESS_A_QUOTA] = NLA_POLICY_NESTED(nf_egress_quota_nl_policy),
};

const struct nla_policy nf_egress_health_get_nl_policy[NF_EGRESS_A_MAX + 1] = {
	[NF_EGRESS_A_CGROUP_PATH] = {
		.type = NLA_NUL_STRING,
		.len = NF_EGRESS_CGROUP_PATH_MAX - 1,
	},
};
