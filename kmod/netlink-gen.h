/* SPDX-License-Identifier: GPL-2.0 */
/* Generated from Documentation/netlink/specs/nf_egress.yaml by scripts/nl-gen: do not edit. */
#ifndef _NF_EGRESS_NETLINK_GEN_H
#define _NF_EGRESS_NETLINK_GEN_H

#include <net/netlink.h>

#include <linux/nf_egress.h>

/* The policies of nested attributes, for nla_parse_nested(). */
extern const struct nla_policy nf_egress_rule_input_nl_policy[NF_EGRESS_RULE_A_MAX + 1];
extern const struct nla_policy nf_egress_explain_packet_nl_policy[NF_EGRESS_EXPLAIN_A_MAX + 1];
extern const struct nla_policy nf_egress_rate_nl_policy[NF_EGRESS_RATE_A_MAX + 1];
extern const struct nla_policy nf_egress_conn_nl_policy[NF_EGRESS_CONN_A_MAX + 1];
extern const struct nla_policy nf_egress_quota_nl_policy[NF_EGRESS_QUOTA_A_MAX + 1];

/*
 * The policy of each command, for its genl_ops entry with
 * .maxattr = NF_EGRESS_A_MAX.
 */
extern const struct nla_policy nf_egress_get_info_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_policy_new_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_policy_del_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_policy_get_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_rule_new_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_rule_del_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_rule_get_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_stats_get_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_policy_set_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_apply_begin_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_apply_commit_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_apply_abort_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_explain_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_stats_reset_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_quota_reset_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_quota_restore_nl_policy[NF_EGRESS_A_MAX + 1];
extern const struct nla_policy nf_egress_health_get_nl_policy[NF_EGRESS_A_MAX + 1];

#endif /* _NF_EGRESS_NETLINK_GEN_H */
