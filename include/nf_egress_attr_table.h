/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/* Generated from Documentation/netlink/specs/nf_egress.yaml by scripts/nl-gen: do not edit. */
/*
 * Every attribute of the nf_egress family as the spec describes it:
 * its name, type and payload length bounds, for the userspace
 * clients (egressctl, the selftests' libnl client) to check what the
 * kernel sends and to name attributes in messages.
 */
#ifndef NF_EGRESS_ATTR_TABLE_H
#define NF_EGRESS_ATTR_TABLE_H

#include <linux/nf_egress.h>

enum nf_egress_attr_kind {
	NF_EGRESS_KIND_NONE,
	NF_EGRESS_KIND_PAD,
	NF_EGRESS_KIND_U8,
	NF_EGRESS_KIND_U16,
	NF_EGRESS_KIND_U32,
	NF_EGRESS_KIND_U64,
	NF_EGRESS_KIND_STRING,
	NF_EGRESS_KIND_FLAG,
	NF_EGRESS_KIND_BINARY,
	NF_EGRESS_KIND_NEST,
	NF_EGRESS_KIND_S32,
	NF_EGRESS_KIND_S64,
};

/* The attribute sets (a nest's attributes are one of them). */
enum nf_egress_attr_set {
	NF_EGRESS_SET_TOP,
	NF_EGRESS_SET_RULE,
	NF_EGRESS_SET_COUNTER,
	NF_EGRESS_SET_EXPLAIN,
	NF_EGRESS_SET_RATE,
	NF_EGRESS_SET_CONN,
	NF_EGRESS_SET_HEALTH,
	NF_EGRESS_SET_RTT_BUCKET,
	NF_EGRESS_SET_QUOTA,
	NF_EGRESS_SET_EVENT,
};

struct nf_egress_attr_desc {
	/* the spec's name; NULL: no such attribute, or an unused value */
	const char *name;
	const char *c_name;		/* its enum constant's name (of unused ones too) */
	enum nf_egress_attr_kind kind;
	enum nf_egress_attr_set nest;	/* KIND_NEST: of its attributes */
	unsigned char multi;		/* may be repeated */
	/*
	 * Payload length bounds: scalars their size, flags 0, strings
	 * 1 up to their longest with the NUL (0: no bound), binary as the
	 * spec says (0: no bound).
	 */
	unsigned int min_len;
	unsigned int max_len;
};

struct nf_egress_attr_set_desc {
	const char *name;
	const struct nf_egress_attr_desc *attrs;
	unsigned int max;
};

static const struct nf_egress_attr_desc nf_egress_top_attr_table[NF_EGRESS_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_A_UNSPEC] = { NULL, "NF_EGRESS_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_A_PAD] = { "pad", "NF_EGRESS_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_A_VERSION] = { "version", "NF_EGRESS_A_VERSION",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 64 },
	[NF_EGRESS_A_GENERATION] = { "generation", "NF_EGRESS_A_GENERATION",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_POLICY_COUNT] = { "policy-count", "NF_EGRESS_A_POLICY_COUNT",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_CGROUP_PATH] = { "cgroup-path", "NF_EGRESS_A_CGROUP_PATH",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 4096 },
	[NF_EGRESS_A_DEFAULT] = { "default", "NF_EGRESS_A_DEFAULT",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_A_RULE_COUNT] = { "rule-count", "NF_EGRESS_A_RULE_COUNT",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_RULE] = { "rule", "NF_EGRESS_A_RULE",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_RULE, 1, 0, 0 },
	[NF_EGRESS_A_STATS_ALLOWED] = { "stats-allowed", "NF_EGRESS_A_STATS_ALLOWED",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_COUNTER, 0, 0, 0 },
	[NF_EGRESS_A_STATS_DENIED] = { "stats-denied", "NF_EGRESS_A_STATS_DENIED",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_COUNTER, 0, 0, 0 },
	[NF_EGRESS_A_MODE] = { "mode", "NF_EGRESS_A_MODE",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_A_STATS_WOULD_DENY] = { "stats-would-deny", "NF_EGRESS_A_STATS_WOULD_DENY",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_COUNTER, 0, 0, 0 },
	[NF_EGRESS_A_STAGED] = { "staged", "NF_EGRESS_A_STAGED",
		NF_EGRESS_KIND_FLAG, 0, 0, 0, 0 },
	[NF_EGRESS_A_RULES_ADDED] = { "rules-added", "NF_EGRESS_A_RULES_ADDED",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_EXPLAIN_PACKET] = { "explain-packet", "NF_EGRESS_A_EXPLAIN_PACKET",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_EXPLAIN, 0, 0, 0 },
	[NF_EGRESS_A_EXPLAIN_LEVEL] = { "explain-level", "NF_EGRESS_A_EXPLAIN_LEVEL",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_EXPLAIN, 1, 0, 0 },
	[NF_EGRESS_A_VERDICT] = { "verdict", "NF_EGRESS_A_VERDICT",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_A_STATS_RATELIMITED] = { "stats-ratelimited", "NF_EGRESS_A_STATS_RATELIMITED",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_COUNTER, 0, 0, 0 },
	[NF_EGRESS_A_STATS_RESET_TIME] = { "stats-reset-time", "NF_EGRESS_A_STATS_RESET_TIME",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_A_STATS_CLASS] = { "stats-class", "NF_EGRESS_A_STATS_CLASS",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_COUNTER, 1, 0, 0 },
	[NF_EGRESS_A_RATE] = { "rate", "NF_EGRESS_A_RATE",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_RATE, 0, 0, 0 },
	[NF_EGRESS_A_STATS_SHAPED] = { "stats-shaped", "NF_EGRESS_A_STATS_SHAPED",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_COUNTER, 0, 0, 0 },
	[NF_EGRESS_A_STATS_QUEUE_LEN] = { "stats-queue-len", "NF_EGRESS_A_STATS_QUEUE_LEN",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_STATS_MAX_DELAY_NS] = { "stats-max-delay-ns", "NF_EGRESS_A_STATS_MAX_DELAY_NS",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_A_EVENT] = { "event", "NF_EGRESS_A_EVENT",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_EVENT, 0, 0, 0 },
	[NF_EGRESS_A_CACHED_CGROUPS] = { "cached-cgroups", "NF_EGRESS_A_CACHED_CGROUPS",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_QUOTA] = { "quota", "NF_EGRESS_A_QUOTA",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_QUOTA, 1, 0, 0 },
	[NF_EGRESS_A_TEMPLATE] = { "template", "NF_EGRESS_A_TEMPLATE",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 4096 },
	[NF_EGRESS_A_INSTANCES_MAX] = { "instances-max", "NF_EGRESS_A_INSTANCES_MAX",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_INSTANCE_COUNT] = { "instance-count", "NF_EGRESS_A_INSTANCE_COUNT",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_INSTANCES_KEEP] = { "instances-keep", "NF_EGRESS_A_INSTANCES_KEEP",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_HIT_RULES] = { "hit-rules", "NF_EGRESS_A_HIT_RULES",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_HIT_RULES_OMITTED] = { "hit-rules-omitted", "NF_EGRESS_A_HIT_RULES_OMITTED",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_RULE_OFFSET] = { "rule-offset", "NF_EGRESS_A_RULE_OFFSET",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_CONN] = { "conn", "NF_EGRESS_A_CONN",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_CONN, 1, 0, 0 },
	[NF_EGRESS_A_STATS_CONNLIMIT] = { "stats-connlimit", "NF_EGRESS_A_STATS_CONNLIMIT",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_COUNTER, 0, 0, 0 },
	[NF_EGRESS_A_STATS_CONN_ACTIVE] = { "stats-conn-active", "NF_EGRESS_A_STATS_CONN_ACTIVE",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_CONN_SOCKETS] = { "conn-sockets", "NF_EGRESS_A_CONN_SOCKETS",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_CONN_TABLE_FULL] = { "conn-table-full", "NF_EGRESS_A_CONN_TABLE_FULL",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_A_STATS_HEALTH] = { "stats-health", "NF_EGRESS_A_STATS_HEALTH",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_HEALTH, 0, 0, 0 },
	[NF_EGRESS_A_HEALTH_UNTRACKED] = { "health-untracked", "NF_EGRESS_A_HEALTH_UNTRACKED",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_A_HEALTH_SOCKETS] = { "health-sockets", "NF_EGRESS_A_HEALTH_SOCKETS",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_A_HEALTH_CLASS] = { "health-class", "NF_EGRESS_A_HEALTH_CLASS",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 32 },
};

static const struct nf_egress_attr_desc nf_egress_rule_attr_table[NF_EGRESS_RULE_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_RULE_A_UNSPEC] = { NULL, "NF_EGRESS_RULE_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_RULE_A_PAD] = { "pad", "NF_EGRESS_RULE_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_RULE_A_ID] = { "id", "NF_EGRESS_RULE_A_ID",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_RULE_A_ACTION] = { "action", "NF_EGRESS_RULE_A_ACTION",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_RULE_A_FAMILY] = { "family", "NF_EGRESS_RULE_A_FAMILY",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_RULE_A_ADDR] = { "addr", "NF_EGRESS_RULE_A_ADDR",
		NF_EGRESS_KIND_BINARY, 0, 0, 4, 16 },
	[NF_EGRESS_RULE_A_PREFIX_LEN] = { "prefix-len", "NF_EGRESS_RULE_A_PREFIX_LEN",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_RULE_A_PROTO] = { "proto", "NF_EGRESS_RULE_A_PROTO",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_RULE_A_PORT_MIN] = { "port-min", "NF_EGRESS_RULE_A_PORT_MIN",
		NF_EGRESS_KIND_U16, 0, 0, 2, 2 },
	[NF_EGRESS_RULE_A_PORT_MAX] = { "port-max", "NF_EGRESS_RULE_A_PORT_MAX",
		NF_EGRESS_KIND_U16, 0, 0, 2, 2 },
	[NF_EGRESS_RULE_A_CLASS] = { "class", "NF_EGRESS_RULE_A_CLASS",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 32 },
	[NF_EGRESS_RULE_A_STATS] = { "stats", "NF_EGRESS_RULE_A_STATS",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_COUNTER, 0, 0, 0 },
};

static const struct nf_egress_attr_desc nf_egress_counter_attr_table[NF_EGRESS_CTR_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_CTR_A_UNSPEC] = { NULL, "NF_EGRESS_CTR_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_CTR_A_PAD] = { "pad", "NF_EGRESS_CTR_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_CTR_A_PACKETS] = { "packets", "NF_EGRESS_CTR_A_PACKETS",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_CTR_A_BYTES] = { "bytes", "NF_EGRESS_CTR_A_BYTES",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_CTR_A_CLASS] = { "class", "NF_EGRESS_CTR_A_CLASS",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 32 },
	[NF_EGRESS_CTR_A_CONN_ACTIVE] = { "conn-active", "NF_EGRESS_CTR_A_CONN_ACTIVE",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
};

static const struct nf_egress_attr_desc nf_egress_explain_attr_table[NF_EGRESS_EXPLAIN_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_EXPLAIN_A_UNSPEC] = { NULL, "NF_EGRESS_EXPLAIN_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_EXPLAIN_A_PAD] = { "pad", "NF_EGRESS_EXPLAIN_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_EXPLAIN_A_FAMILY] = { "family", "NF_EGRESS_EXPLAIN_A_FAMILY",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_EXPLAIN_A_ADDR] = { "addr", "NF_EGRESS_EXPLAIN_A_ADDR",
		NF_EGRESS_KIND_BINARY, 0, 0, 4, 16 },
	[NF_EGRESS_EXPLAIN_A_PROTO] = { "proto", "NF_EGRESS_EXPLAIN_A_PROTO",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_EXPLAIN_A_PORT] = { "port", "NF_EGRESS_EXPLAIN_A_PORT",
		NF_EGRESS_KIND_U16, 0, 0, 2, 2 },
	[NF_EGRESS_EXPLAIN_A_CGROUP_PATH] = { "cgroup-path", "NF_EGRESS_EXPLAIN_A_CGROUP_PATH",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 4096 },
	[NF_EGRESS_EXPLAIN_A_MODE] = { "mode", "NF_EGRESS_EXPLAIN_A_MODE",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_EXPLAIN_A_RULE_ID] = { "rule-id", "NF_EGRESS_EXPLAIN_A_RULE_ID",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_EXPLAIN_A_VERDICT] = { "verdict", "NF_EGRESS_EXPLAIN_A_VERDICT",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_EXPLAIN_A_RULE] = { "rule", "NF_EGRESS_EXPLAIN_A_RULE",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_RULE, 0, 0, 0 },
	[NF_EGRESS_EXPLAIN_A_DEFAULT] = { "default", "NF_EGRESS_EXPLAIN_A_DEFAULT",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_EXPLAIN_A_QUOTA] = { "quota", "NF_EGRESS_EXPLAIN_A_QUOTA",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_QUOTA, 0, 0, 0 },
	[NF_EGRESS_EXPLAIN_A_TEMPLATE] = { "template", "NF_EGRESS_EXPLAIN_A_TEMPLATE",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 0 },
};

static const struct nf_egress_attr_desc nf_egress_rate_attr_table[NF_EGRESS_RATE_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_RATE_A_UNSPEC] = { NULL, "NF_EGRESS_RATE_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_RATE_A_PAD] = { "pad", "NF_EGRESS_RATE_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_RATE_A_NONE] = { "none", "NF_EGRESS_RATE_A_NONE",
		NF_EGRESS_KIND_FLAG, 0, 0, 0, 0 },
	[NF_EGRESS_RATE_A_BYTES_PER_SEC] = { "bytes-per-sec", "NF_EGRESS_RATE_A_BYTES_PER_SEC",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_RATE_A_BURST] = { "burst", "NF_EGRESS_RATE_A_BURST",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_RATE_A_PPS] = { "pps", "NF_EGRESS_RATE_A_PPS",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_RATE_A_MODE] = { "mode", "NF_EGRESS_RATE_A_MODE",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_RATE_A_QUEUE_LIMIT] = { "queue-limit", "NF_EGRESS_RATE_A_QUEUE_LIMIT",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_RATE_A_LATENCY_US] = { "latency-us", "NF_EGRESS_RATE_A_LATENCY_US",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
};

static const struct nf_egress_attr_desc nf_egress_conn_attr_table[NF_EGRESS_CONN_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_CONN_A_UNSPEC] = { NULL, "NF_EGRESS_CONN_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_CONN_A_PAD] = { "pad", "NF_EGRESS_CONN_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_CONN_A_NONE] = { "none", "NF_EGRESS_CONN_A_NONE",
		NF_EGRESS_KIND_FLAG, 0, 0, 0, 0 },
	[NF_EGRESS_CONN_A_MAX_ACTIVE] = { "max-active", "NF_EGRESS_CONN_A_MAX_ACTIVE",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_CONN_A_RATE] = { "rate", "NF_EGRESS_CONN_A_RATE",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_CONN_A_BURST] = { "burst", "NF_EGRESS_CONN_A_BURST",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_CONN_A_CLASS] = { "class", "NF_EGRESS_CONN_A_CLASS",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 32 },
};

static const struct nf_egress_attr_desc nf_egress_health_attr_table[NF_EGRESS_HEALTH_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_HEALTH_A_UNSPEC] = { NULL, "NF_EGRESS_HEALTH_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_HEALTH_A_PAD] = { "pad", "NF_EGRESS_HEALTH_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_HEALTH_A_ATTEMPTS] = { "attempts", "NF_EGRESS_HEALTH_A_ATTEMPTS",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_ESTABLISHED] = { "established", "NF_EGRESS_HEALTH_A_ESTABLISHED",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_REFUSED] = { "refused", "NF_EGRESS_HEALTH_A_REFUSED",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_TIMED_OUT] = { "timed-out", "NF_EGRESS_HEALTH_A_TIMED_OUT",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_UNREACHABLE] = { "unreachable", "NF_EGRESS_HEALTH_A_UNREACHABLE",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_RESET] = { "reset", "NF_EGRESS_HEALTH_A_RESET",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_SYN_RETRANS] = { "syn-retrans", "NF_EGRESS_HEALTH_A_SYN_RETRANS",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_DATA_RETRANS] = { "data-retrans", "NF_EGRESS_HEALTH_A_DATA_RETRANS",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_RTT_COUNT] = { "rtt-count", "NF_EGRESS_HEALTH_A_RTT_COUNT",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_RTT_SUM_US] = { "rtt-sum-us", "NF_EGRESS_HEALTH_A_RTT_SUM_US",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_HEALTH_A_RTT_BUCKET] = { "rtt-bucket", "NF_EGRESS_HEALTH_A_RTT_BUCKET",
		NF_EGRESS_KIND_NEST, NF_EGRESS_SET_RTT_BUCKET, 1, 0, 0 },
};

static const struct nf_egress_attr_desc nf_egress_rtt_bucket_attr_table[NF_EGRESS_RTT_BUCKET_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_RTT_BUCKET_A_UNSPEC] = { NULL, "NF_EGRESS_RTT_BUCKET_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_RTT_BUCKET_A_PAD] = { "pad", "NF_EGRESS_RTT_BUCKET_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_RTT_BUCKET_A_LOW_US] = { "low-us", "NF_EGRESS_RTT_BUCKET_A_LOW_US",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_RTT_BUCKET_A_HIGH_US] = { "high-us", "NF_EGRESS_RTT_BUCKET_A_HIGH_US",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_RTT_BUCKET_A_COUNT] = { "count", "NF_EGRESS_RTT_BUCKET_A_COUNT",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
};

static const struct nf_egress_attr_desc nf_egress_quota_attr_table[NF_EGRESS_QUOTA_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_QUOTA_A_UNSPEC] = { NULL, "NF_EGRESS_QUOTA_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_QUOTA_A_PAD] = { "pad", "NF_EGRESS_QUOTA_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_QUOTA_A_NONE] = { "none", "NF_EGRESS_QUOTA_A_NONE",
		NF_EGRESS_KIND_FLAG, 0, 0, 0, 0 },
	[NF_EGRESS_QUOTA_A_LIMIT] = { "limit", "NF_EGRESS_QUOTA_A_LIMIT",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_QUOTA_A_PERIOD] = { "period", "NF_EGRESS_QUOTA_A_PERIOD",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_QUOTA_A_ANCHOR] = { "anchor", "NF_EGRESS_QUOTA_A_ANCHOR",
		NF_EGRESS_KIND_S64, 0, 0, 8, 8 },
	[NF_EGRESS_QUOTA_A_UTC_OFFSET] = { "utc-offset", "NF_EGRESS_QUOTA_A_UTC_OFFSET",
		NF_EGRESS_KIND_S32, 0, 0, 4, 4 },
	[NF_EGRESS_QUOTA_A_WARN] = { "warn", "NF_EGRESS_QUOTA_A_WARN",
		NF_EGRESS_KIND_U8, 0, 1, 1, 1 },
	[NF_EGRESS_QUOTA_A_ACTION] = { "action", "NF_EGRESS_QUOTA_A_ACTION",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_QUOTA_A_RATE] = { "rate", "NF_EGRESS_QUOTA_A_RATE",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_QUOTA_A_CLASS] = { "class", "NF_EGRESS_QUOTA_A_CLASS",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 32 },
	[NF_EGRESS_QUOTA_A_EXEMPT_CLASS] = { "exempt-class", "NF_EGRESS_QUOTA_A_EXEMPT_CLASS",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 32 },
	[NF_EGRESS_QUOTA_A_USED] = { "used", "NF_EGRESS_QUOTA_A_USED",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_QUOTA_A_PERIOD_START] = { "period-start", "NF_EGRESS_QUOTA_A_PERIOD_START",
		NF_EGRESS_KIND_S64, 0, 0, 8, 8 },
	[NF_EGRESS_QUOTA_A_PERIOD_END] = { "period-end", "NF_EGRESS_QUOTA_A_PERIOD_END",
		NF_EGRESS_KIND_S64, 0, 0, 8, 8 },
	[NF_EGRESS_QUOTA_A_LAST_USED] = { "last-used", "NF_EGRESS_QUOTA_A_LAST_USED",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_QUOTA_A_CROSSED] = { "crossed", "NF_EGRESS_QUOTA_A_CROSSED",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_QUOTA_A_INSTANCE] = { "instance", "NF_EGRESS_QUOTA_A_INSTANCE",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
};

static const struct nf_egress_attr_desc nf_egress_event_attr_table[NF_EGRESS_EVENT_A_MAX + 1]
	__attribute__((unused)) = {
	[NF_EGRESS_EVENT_A_UNSPEC] = { NULL, "NF_EGRESS_EVENT_A_UNSPEC",
		NF_EGRESS_KIND_NONE, 0, 0, 0, 0 },
	[NF_EGRESS_EVENT_A_PAD] = { "pad", "NF_EGRESS_EVENT_A_PAD",
		NF_EGRESS_KIND_PAD, 0, 0, 0, 0 },
	[NF_EGRESS_EVENT_A_TIME_NS] = { "time-ns", "NF_EGRESS_EVENT_A_TIME_NS",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_EVENT_A_VERDICT] = { "verdict", "NF_EGRESS_EVENT_A_VERDICT",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_EVENT_A_CGROUP_PATH] = { "cgroup-path", "NF_EGRESS_EVENT_A_CGROUP_PATH",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 4096 },
	[NF_EGRESS_EVENT_A_POLICY_PATH] = { "policy-path", "NF_EGRESS_EVENT_A_POLICY_PATH",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 4096 },
	[NF_EGRESS_EVENT_A_RULE_ID] = { "rule-id", "NF_EGRESS_EVENT_A_RULE_ID",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_EVENT_A_DEFAULT] = { "default", "NF_EGRESS_EVENT_A_DEFAULT",
		NF_EGRESS_KIND_FLAG, 0, 0, 0, 0 },
	[NF_EGRESS_EVENT_A_FAMILY] = { "family", "NF_EGRESS_EVENT_A_FAMILY",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_EVENT_A_PROTO] = { "proto", "NF_EGRESS_EVENT_A_PROTO",
		NF_EGRESS_KIND_U8, 0, 0, 1, 1 },
	[NF_EGRESS_EVENT_A_SADDR] = { "saddr", "NF_EGRESS_EVENT_A_SADDR",
		NF_EGRESS_KIND_BINARY, 0, 0, 4, 16 },
	[NF_EGRESS_EVENT_A_DADDR] = { "daddr", "NF_EGRESS_EVENT_A_DADDR",
		NF_EGRESS_KIND_BINARY, 0, 0, 4, 16 },
	[NF_EGRESS_EVENT_A_SPORT] = { "sport", "NF_EGRESS_EVENT_A_SPORT",
		NF_EGRESS_KIND_U16, 0, 0, 2, 2 },
	[NF_EGRESS_EVENT_A_DPORT] = { "dport", "NF_EGRESS_EVENT_A_DPORT",
		NF_EGRESS_KIND_U16, 0, 0, 2, 2 },
	[NF_EGRESS_EVENT_A_PID] = { "pid", "NF_EGRESS_EVENT_A_PID",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_EVENT_A_COMM] = { "comm", "NF_EGRESS_EVENT_A_COMM",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 0 },
	[NF_EGRESS_EVENT_A_SUPPRESSED] = { "suppressed", "NF_EGRESS_EVENT_A_SUPPRESSED",
		NF_EGRESS_KIND_U64, 0, 0, 8, 8 },
	[NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED] = { "cgroup-path-truncated", "NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED",
		NF_EGRESS_KIND_FLAG, 0, 0, 0, 0 },
	[NF_EGRESS_EVENT_A_QUOTA] = { "quota", "NF_EGRESS_EVENT_A_QUOTA",
		NF_EGRESS_KIND_FLAG, 0, 0, 0, 0 },
	[NF_EGRESS_EVENT_A_TEMPLATE] = { "template", "NF_EGRESS_EVENT_A_TEMPLATE",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 0 },
	[NF_EGRESS_EVENT_A_CONN_MAX] = { "conn-max", "NF_EGRESS_EVENT_A_CONN_MAX",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_EVENT_A_CONN_RATE] = { "conn-rate", "NF_EGRESS_EVENT_A_CONN_RATE",
		NF_EGRESS_KIND_U32, 0, 0, 4, 4 },
	[NF_EGRESS_EVENT_A_CONN_TABLE_FULL] = { "conn-table-full", "NF_EGRESS_EVENT_A_CONN_TABLE_FULL",
		NF_EGRESS_KIND_FLAG, 0, 0, 0, 0 },
	[NF_EGRESS_EVENT_A_CONN_CLASS] = { "conn-class", "NF_EGRESS_EVENT_A_CONN_CLASS",
		NF_EGRESS_KIND_STRING, 0, 0, 1, 0 },
};

/* The commands a client sends, as the spec describes them. */
struct nf_egress_op_desc {
	const char *name;		/* the spec's name */
	unsigned char cmd;
	unsigned char has_do;
	unsigned char has_dump;
	unsigned char admin;		/* needs CAP_NET_ADMIN */
	/* bit N: top-level attribute N may be in a request */
	unsigned long long request;
};

static const struct nf_egress_op_desc nf_egress_ops[]
	__attribute__((unused)) = {
	{ "get-info", NF_EGRESS_CMD_GET_INFO, 1, 0, 0,
	  0 },
	{ "policy-new", NF_EGRESS_CMD_POLICY_NEW, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) |
	  (1ULL << NF_EGRESS_A_DEFAULT) |
	  (1ULL << NF_EGRESS_A_MODE) |
	  (1ULL << NF_EGRESS_A_STAGED) |
	  (1ULL << NF_EGRESS_A_RATE) |
	  (1ULL << NF_EGRESS_A_QUOTA) |
	  (1ULL << NF_EGRESS_A_INSTANCES_MAX) |
	  (1ULL << NF_EGRESS_A_INSTANCES_KEEP) |
	  (1ULL << NF_EGRESS_A_CONN) },
	{ "policy-del", NF_EGRESS_CMD_POLICY_DEL, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) |
	  (1ULL << NF_EGRESS_A_STAGED) },
	{ "policy-get", NF_EGRESS_CMD_POLICY_GET, 1, 1, 0,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) },
	{ "rule-new", NF_EGRESS_CMD_RULE_NEW, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) |
	  (1ULL << NF_EGRESS_A_RULE) |
	  (1ULL << NF_EGRESS_A_STAGED) },
	{ "rule-del", NF_EGRESS_CMD_RULE_DEL, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) |
	  (1ULL << NF_EGRESS_A_RULE) |
	  (1ULL << NF_EGRESS_A_STAGED) },
	{ "rule-get", NF_EGRESS_CMD_RULE_GET, 0, 1, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) },
	{ "stats-get", NF_EGRESS_CMD_STATS_GET, 0, 1, 0,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) },
	{ "policy-set", NF_EGRESS_CMD_POLICY_SET, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) |
	  (1ULL << NF_EGRESS_A_DEFAULT) |
	  (1ULL << NF_EGRESS_A_MODE) |
	  (1ULL << NF_EGRESS_A_STAGED) |
	  (1ULL << NF_EGRESS_A_RATE) |
	  (1ULL << NF_EGRESS_A_QUOTA) |
	  (1ULL << NF_EGRESS_A_INSTANCES_MAX) |
	  (1ULL << NF_EGRESS_A_INSTANCES_KEEP) |
	  (1ULL << NF_EGRESS_A_CONN) },
	{ "apply-begin", NF_EGRESS_CMD_APPLY_BEGIN, 1, 0, 1,
	  0 },
	{ "apply-commit", NF_EGRESS_CMD_APPLY_COMMIT, 1, 0, 1,
	  0 },
	{ "apply-abort", NF_EGRESS_CMD_APPLY_ABORT, 1, 0, 1,
	  0 },
	{ "explain", NF_EGRESS_CMD_EXPLAIN, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) |
	  (1ULL << NF_EGRESS_A_EXPLAIN_PACKET) },
	{ "stats-reset", NF_EGRESS_CMD_STATS_RESET, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) },
	{ "quota-reset", NF_EGRESS_CMD_QUOTA_RESET, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) |
	  (1ULL << NF_EGRESS_A_QUOTA) },
	{ "quota-restore", NF_EGRESS_CMD_QUOTA_RESTORE, 1, 0, 1,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) |
	  (1ULL << NF_EGRESS_A_QUOTA) },
	{ "health-get", NF_EGRESS_CMD_HEALTH_GET, 0, 1, 0,
	  (1ULL << NF_EGRESS_A_CGROUP_PATH) },
};

static const struct nf_egress_attr_set_desc nf_egress_attr_sets[]
	__attribute__((unused)) = {
	[NF_EGRESS_SET_TOP] = { "top", nf_egress_top_attr_table, NF_EGRESS_A_MAX },
	[NF_EGRESS_SET_RULE] = { "rule", nf_egress_rule_attr_table, NF_EGRESS_RULE_A_MAX },
	[NF_EGRESS_SET_COUNTER] = { "counter", nf_egress_counter_attr_table, NF_EGRESS_CTR_A_MAX },
	[NF_EGRESS_SET_EXPLAIN] = { "explain", nf_egress_explain_attr_table, NF_EGRESS_EXPLAIN_A_MAX },
	[NF_EGRESS_SET_RATE] = { "rate", nf_egress_rate_attr_table, NF_EGRESS_RATE_A_MAX },
	[NF_EGRESS_SET_CONN] = { "conn", nf_egress_conn_attr_table, NF_EGRESS_CONN_A_MAX },
	[NF_EGRESS_SET_HEALTH] = { "health", nf_egress_health_attr_table, NF_EGRESS_HEALTH_A_MAX },
	[NF_EGRESS_SET_RTT_BUCKET] = { "rtt_bucket", nf_egress_rtt_bucket_attr_table, NF_EGRESS_RTT_BUCKET_A_MAX },
	[NF_EGRESS_SET_QUOTA] = { "quota", nf_egress_quota_attr_table, NF_EGRESS_QUOTA_A_MAX },
	[NF_EGRESS_SET_EVENT] = { "event", nf_egress_event_attr_table, NF_EGRESS_EVENT_A_MAX },
};

#endif /* NF_EGRESS_ATTR_TABLE_H */
