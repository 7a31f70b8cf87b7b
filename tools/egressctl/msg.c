// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "msg.h"
#include "nf_egress_attr_table.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Each attribute's type as the spec says (include/nf_egress_attr_table.h,
 * generated from Documentation/netlink/specs/nf_egress.yaml), as libmnl
 * validates it.  MNL_TYPE_UNSPEC: never read (padding, unused values).
 */
static const enum mnl_attr_data_type mnl_type_of[] = {
	[NF_EGRESS_KIND_NONE]	= MNL_TYPE_UNSPEC,
	[NF_EGRESS_KIND_PAD]	= MNL_TYPE_UNSPEC,
	[NF_EGRESS_KIND_U8]	= MNL_TYPE_U8,
	[NF_EGRESS_KIND_U16]	= MNL_TYPE_U16,
	[NF_EGRESS_KIND_U32]	= MNL_TYPE_U32,
	[NF_EGRESS_KIND_U64]	= MNL_TYPE_U64,
	[NF_EGRESS_KIND_STRING]	= MNL_TYPE_NUL_STRING,
	[NF_EGRESS_KIND_FLAG]	= MNL_TYPE_FLAG,
	[NF_EGRESS_KIND_BINARY]	= MNL_TYPE_BINARY,
	[NF_EGRESS_KIND_NEST]	= MNL_TYPE_NESTED,
	/* libmnl checks lengths only: a signed scalar is its unsigned twin. */
	[NF_EGRESS_KIND_S32]	= MNL_TYPE_U32,
	[NF_EGRESS_KIND_S64]	= MNL_TYPE_U64,
};

static enum mnl_attr_data_type attr_mnl_type(const struct nf_egress_attr_desc *d)
{
	return mnl_type_of[d->kind];
}

struct attr_table {
	const struct nlattr **tb;
	const struct nf_egress_attr_desc *policy;
	unsigned int max;
};

static int attr_collect_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	uint16_t type = mnl_attr_get_type(attr);
	enum mnl_attr_data_type want;

	if (type > t->max)
		return MNL_CB_OK;	/* from a newer kernel: ignore */
	want = attr_mnl_type(&t->policy[type]);
	if (want == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, want) < 0)
		return MNL_CB_ERROR;
	t->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_top(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	struct attr_table t = { tb, nf_egress_top_attr_table, NF_EGRESS_A_MAX };

	memset(tb, 0, sizeof(*tb) * (NF_EGRESS_A_MAX + 1));
	/*
	 * The kernel's messages end aligned.  libmnl walks attributes up to
	 * the length rounded up to 4 bytes: of another length it would read
	 * up to 3 bytes beyond the message, and so would the walkers of a
	 * last nest that claims them.
	 */
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN ||
	    nlh->nlmsg_len != MNL_ALIGN(nlh->nlmsg_len))
		return -EBADMSG;
	if (mnl_attr_parse(nlh, GENL_HDRLEN, attr_collect_cb, &t) < 0)
		return -EBADMSG;
	return 0;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			const struct nf_egress_attr_desc *policy, unsigned int max)
{
	struct attr_table t = { tb, policy, max };

	memset(tb, 0, sizeof(*tb) * (max + 1));
	if (mnl_attr_parse_nested(nest, attr_collect_cb, &t) < 0)
		return -EBADMSG;
	return 0;
}

/* An optional attribute: *has says whether it is there, *v holds its value. */
static void opt_u8(const struct nlattr *attr, bool *has, uint8_t *v)
{
	if (attr) {
		*has = true;
		*v = mnl_attr_get_u8(attr);
	}
}

static void opt_u32(const struct nlattr *attr, bool *has, uint32_t *v)
{
	if (attr) {
		*has = true;
		*v = mnl_attr_get_u32(attr);
	}
}

static void opt_u64(const struct nlattr *attr, bool *has, uint64_t *v)
{
	if (attr) {
		*has = true;
		*v = mnl_attr_get_u64(attr);
	}
}

/*
 * The top-level attributes of a message about one policy: tb, and the
 * policy's path (required) and the set's generation (optional).
 */
static int parse_policy_top(const struct nlmsghdr *nlh,
			    const struct nlattr **tb, const char **path,
			    bool *has_generation, uint32_t *generation)
{
	if (parse_top(nlh, tb) || !tb[NF_EGRESS_A_CGROUP_PATH])
		return -EBADMSG;
	*path = mnl_attr_get_str(tb[NF_EGRESS_A_CGROUP_PATH]);
	opt_u32(tb[NF_EGRESS_A_GENERATION], has_generation, generation);
	return 0;
}

int egress_decode_info(const struct nlmsghdr *nlh, struct egress_info_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (parse_top(nlh, tb))
		return -EBADMSG;
	if (tb[NF_EGRESS_A_VERSION])
		snprintf(m->version, sizeof(m->version), "%s",
			 mnl_attr_get_str(tb[NF_EGRESS_A_VERSION]));
	opt_u32(tb[NF_EGRESS_A_GENERATION], &m->has_generation,
		&m->generation);
	opt_u32(tb[NF_EGRESS_A_POLICY_COUNT], &m->has_policy_count,
		&m->policy_count);
	opt_u32(tb[NF_EGRESS_A_CACHED_CGROUPS], &m->has_cached_cgroups,
		&m->cached_cgroups);
	opt_u32(tb[NF_EGRESS_A_CONN_SOCKETS], &m->has_conn_sockets,
		&m->conn_sockets);
	opt_u64(tb[NF_EGRESS_A_CONN_TABLE_FULL], &m->has_conn_table_full,
		&m->conn_table_full);
	opt_u32(tb[NF_EGRESS_A_HEALTH_SOCKETS], &m->has_health_sockets,
		&m->health_sockets);
	opt_u64(tb[NF_EGRESS_A_HEALTH_UNTRACKED], &m->has_health_untracked,
		&m->health_untracked);
	return 0;
}

/*
 * A policy's rate limit as the kernel reports it: a byte rate and/or a
 * packet rate, each > 0; no MODE means the UAPI default, shape.  A nest
 * with NONE or without any rate means no limit.  QUEUE_LIMIT and
 * LATENCY_US (> 0) are kept only for a shape-mode limit.
 */
static int decode_rate(const struct nlattr *nest, struct egress_policy_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_RATE_A_MAX + 1];
	struct egress_rate *r = &m->rate;

	if (parse_nested(nest, tb, nf_egress_rate_attr_table, NF_EGRESS_RATE_A_MAX))
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	r->mode = NF_EGRESS_RATE_SHAPE;
	if (tb[NF_EGRESS_RATE_A_NONE])
		return 0;
	opt_u64(tb[NF_EGRESS_RATE_A_BYTES_PER_SEC], &r->has_bytes,
		&r->bytes_per_sec);
	if (r->has_bytes)
		opt_u32(tb[NF_EGRESS_RATE_A_BURST], &r->has_burst, &r->burst);
	opt_u32(tb[NF_EGRESS_RATE_A_PPS], &r->has_pps, &r->pps);
	if (tb[NF_EGRESS_RATE_A_MODE])
		r->mode = mnl_attr_get_u8(tb[NF_EGRESS_RATE_A_MODE]);
	if (r->mode == NF_EGRESS_RATE_SHAPE) {
		opt_u32(tb[NF_EGRESS_RATE_A_QUEUE_LIMIT], &r->has_queue,
			&r->queue_limit);
		opt_u32(tb[NF_EGRESS_RATE_A_LATENCY_US], &r->has_latency,
			&r->latency_us);
	}
	if ((r->has_bytes && !r->bytes_per_sec) ||
	    (r->has_burst && !r->burst) || (r->has_pps && !r->pps) ||
	    (r->has_queue && !r->queue_limit) ||
	    (r->has_latency && !r->latency_us))
		return -EBADMSG;
	m->has_rate = r->has_bytes || r->has_pps;
	return 0;
}

/*
 * One NF_EGRESS_A_QUOTA nest: limit and period required, the rest as the
 * module sends them; class names must be valid, warnings ascending.
 */
static int decode_quota(const struct nlattr *nest, struct egress_quota_msg *q)
{
	const struct nlattr *tb[NF_EGRESS_QUOTA_A_MAX + 1];
	struct egress_quota_spec *s = &q->spec;
	const struct nlattr *attr;

	memset(q, 0, sizeof(*q));
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0 ||
	    parse_nested(nest, tb, nf_egress_quota_attr_table,
			 NF_EGRESS_QUOTA_A_MAX))
		return -EBADMSG;
	if (!tb[NF_EGRESS_QUOTA_A_LIMIT] || !tb[NF_EGRESS_QUOTA_A_PERIOD])
		return -EBADMSG;
	s->limit = mnl_attr_get_u64(tb[NF_EGRESS_QUOTA_A_LIMIT]);
	s->period = mnl_attr_get_u8(tb[NF_EGRESS_QUOTA_A_PERIOD]);
	if (!s->limit || s->period > NF_EGRESS_QUOTA_PERIOD_MAX)
		return -EBADMSG;
	if (tb[NF_EGRESS_QUOTA_A_ANCHOR]) {
		s->has_anchor = true;
		s->anchor = (int64_t)mnl_attr_get_u64(tb[NF_EGRESS_QUOTA_A_ANCHOR]);
	}
	if (tb[NF_EGRESS_QUOTA_A_UTC_OFFSET])
		s->utc_offset = (int32_t)mnl_attr_get_u32(tb[NF_EGRESS_QUOTA_A_UTC_OFFSET]);
	if (s->utc_offset > EGRESS_QUOTA_OFFSET_MAX ||
	    s->utc_offset < -EGRESS_QUOTA_OFFSET_MAX)
		return -EBADMSG;
	if (tb[NF_EGRESS_QUOTA_A_ACTION])
		s->action = mnl_attr_get_u8(tb[NF_EGRESS_QUOTA_A_ACTION]);
	if (s->action > NF_EGRESS_QUOTA_ACTION_MAX)
		return -EBADMSG;
	if (tb[NF_EGRESS_QUOTA_A_RATE])
		s->rate = mnl_attr_get_u64(tb[NF_EGRESS_QUOTA_A_RATE]);
	if ((s->action == NF_EGRESS_QUOTA_ACTION_RATE) != !!s->rate)
		return -EBADMSG;
	attr = tb[NF_EGRESS_QUOTA_A_CLASS];
	if (attr) {
		if (mnl_attr_get_payload_len(attr) > NF_EGRESS_CLASS_NAME_MAX ||
		    !valid_class_name(mnl_attr_get_str(attr)))
			return -EBADMSG;
		strcpy(s->class_name, mnl_attr_get_str(attr));
	}
	attr = tb[NF_EGRESS_QUOTA_A_EXEMPT_CLASS];
	if (attr) {
		if (mnl_attr_get_payload_len(attr) > NF_EGRESS_CLASS_NAME_MAX ||
		    !valid_class_name(mnl_attr_get_str(attr)))
			return -EBADMSG;
		strcpy(s->exempt_class, mnl_attr_get_str(attr));
	}
	/* Repeated: parse_nested kept the last. */
	mnl_attr_for_each_nested(attr, nest) {
		uint8_t p;

		if (mnl_attr_get_type(attr) != NF_EGRESS_QUOTA_A_WARN)
			continue;
		p = mnl_attr_get_u8(attr);
		if (s->nwarn == EGRESS_QUOTA_WARN_MAX || !p || p > 99 ||
		    (s->nwarn && p <= s->warn[s->nwarn - 1]))
			return -EBADMSG;
		s->warn[s->nwarn++] = p;
	}
	q->has_usage = tb[NF_EGRESS_QUOTA_A_USED] &&
		       tb[NF_EGRESS_QUOTA_A_PERIOD_START] &&
		       tb[NF_EGRESS_QUOTA_A_PERIOD_END];
	if (q->has_usage) {
		q->used = mnl_attr_get_u64(tb[NF_EGRESS_QUOTA_A_USED]);
		q->period_start = (int64_t)mnl_attr_get_u64(tb[NF_EGRESS_QUOTA_A_PERIOD_START]);
		q->period_end = (int64_t)mnl_attr_get_u64(tb[NF_EGRESS_QUOTA_A_PERIOD_END]);
	}
	if (tb[NF_EGRESS_QUOTA_A_LAST_USED])
		q->last_used = mnl_attr_get_u64(tb[NF_EGRESS_QUOTA_A_LAST_USED]);
	opt_u8(tb[NF_EGRESS_QUOTA_A_CROSSED], &q->has_crossed, &q->crossed);
	opt_u64(tb[NF_EGRESS_QUOTA_A_INSTANCE], &q->has_instance, &q->instance);
	return 0;
}

/* Every NF_EGRESS_A_QUOTA of a message, at most EGRESS_QUOTAS_MAX. */
static int decode_quotas(const struct nlmsghdr *nlh,
			 struct egress_quota_msg *quotas, size_t *n)
{
	const struct nlattr *attr;

	*n = 0;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != NF_EGRESS_A_QUOTA)
			continue;
		if (*n == EGRESS_QUOTAS_MAX || decode_quota(attr, &quotas[*n]))
			return -EBADMSG;
		(*n)++;
	}
	return 0;
}

int egress_decode_quota_event(const struct nlmsghdr *nlh,
			      struct egress_quota_event_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];
	size_t n;

	memset(m, 0, sizeof(*m));
	if (parse_top(nlh, tb) || !tb[NF_EGRESS_A_CGROUP_PATH]) {
		snprintf(m->why, sizeof(m->why), "no policy path");
		return -EBADMSG;
	}
	m->path = mnl_attr_get_str(tb[NF_EGRESS_A_CGROUP_PATH]);
	if (!m->path[0]) {
		snprintf(m->why, sizeof(m->why), "an empty policy path");
		return -EBADMSG;
	}
	if (tb[NF_EGRESS_A_TEMPLATE]) {
		m->template = mnl_attr_get_str(tb[NF_EGRESS_A_TEMPLATE]);
		if (!m->template[0]) {
			snprintf(m->why, sizeof(m->why), "an empty template");
			return -EBADMSG;
		}
	}
	if (decode_quotas(nlh, &m->quota, &n) || n != 1 ||
	    !m->quota.has_usage || !m->quota.has_crossed) {
		snprintf(m->why, sizeof(m->why),
			 "not one quota with its usage and the percentage crossed");
		return -EBADMSG;
	}
	return 0;
}

/* One NF_EGRESS_A_CONN nest: its limits, and a valid class name if any. */
static int decode_conn(const struct nlattr *nest, struct egress_conn *c)
{
	const struct nlattr *tb[NF_EGRESS_CONN_A_MAX + 1];
	const struct nlattr *cls;

	memset(c, 0, sizeof(*c));
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0 ||
	    parse_nested(nest, tb, nf_egress_conn_attr_table, NF_EGRESS_CONN_A_MAX))
		return -EBADMSG;
	opt_u32(tb[NF_EGRESS_CONN_A_MAX_ACTIVE], &c->has_max, &c->max_active);
	opt_u32(tb[NF_EGRESS_CONN_A_RATE], &c->has_rate, &c->rate);
	opt_u32(tb[NF_EGRESS_CONN_A_BURST], &c->has_burst, &c->burst);
	cls = tb[NF_EGRESS_CONN_A_CLASS];
	if (cls) {
		if (mnl_attr_get_payload_len(cls) > NF_EGRESS_CLASS_NAME_MAX ||
		    !valid_class_name(mnl_attr_get_str(cls)))
			return -EBADMSG;
		strcpy(c->class_name, mnl_attr_get_str(cls));
	}
	return 0;
}

/*
 * Every NF_EGRESS_A_CONN nest of a message, decoded, to cb (NULL: only
 * checked); *n is how many.  Two limits of one class (or two without one)
 * make it -EBADMSG: show and show --config could not tell which is set.
 */
static int conns_walk(const struct nlmsghdr *nlh, egress_conn_cb cb,
		      void *data, size_t *n)
{
	const struct nlattr *attr, *prev;
	struct egress_conn c, o;
	int ret;

	*n = 0;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != NF_EGRESS_A_CONN)
			continue;
		if (decode_conn(attr, &c))
			return -EBADMSG;
		/* quadratic, but a policy has few classes */
		mnl_attr_for_each(prev, nlh, GENL_HDRLEN) {
			if (prev == attr)
				break;
			if (mnl_attr_get_type(prev) == NF_EGRESS_A_CONN &&
			    !decode_conn(prev, &o) &&
			    !strcmp(o.class_name, c.class_name))
				return -EBADMSG;
		}
		if (cb && (ret = cb(&c, data)))
			return ret;
		(*n)++;
	}
	return 0;
}

int egress_policy_for_each_conn(const struct nlmsghdr *nlh,
				egress_conn_cb cb, void *data)
{
	size_t n;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	return conns_walk(nlh, cb, data, &n);
}

int egress_decode_policy(const struct nlmsghdr *nlh,
			 struct egress_policy_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (parse_policy_top(nlh, tb, &m->path, &m->has_generation,
			     &m->generation))
		return -EBADMSG;
	opt_u8(tb[NF_EGRESS_A_DEFAULT], &m->has_default, &m->default_verdict);
	opt_u32(tb[NF_EGRESS_A_RULE_COUNT], &m->has_rule_count,
		&m->rule_count);
	if (tb[NF_EGRESS_A_TEMPLATE])
		m->template = mnl_attr_get_str(tb[NF_EGRESS_A_TEMPLATE]);
	opt_u32(tb[NF_EGRESS_A_INSTANCES_MAX], &m->has_instances_max,
		&m->instances_max);
	opt_u32(tb[NF_EGRESS_A_INSTANCE_COUNT], &m->has_instance_count,
		&m->instance_count);
	opt_u32(tb[NF_EGRESS_A_INSTANCES_KEEP], &m->has_instances_keep,
		&m->instances_keep);
	opt_u8(tb[NF_EGRESS_A_MODE], &m->has_mode, &m->mode);
	if (tb[NF_EGRESS_A_RATE] && decode_rate(tb[NF_EGRESS_A_RATE], m))
		return -EBADMSG;
	if (tb[NF_EGRESS_A_CONN] && conns_walk(nlh, NULL, NULL, &m->nconns))
		return -EBADMSG;
	if (tb[NF_EGRESS_A_QUOTA] && decode_quotas(nlh, m->quotas, &m->nquotas))
		return -EBADMSG;
	return 0;
}

/* The packets and bytes of a counter nest's attributes: zero when absent. */
static void counter_of(const struct nlattr **tb, struct egress_counter *c)
{
	memset(c, 0, sizeof(*c));
	if (tb[NF_EGRESS_CTR_A_PACKETS])
		c->packets = mnl_attr_get_u64(tb[NF_EGRESS_CTR_A_PACKETS]);
	if (tb[NF_EGRESS_CTR_A_BYTES])
		c->bytes = mnl_attr_get_u64(tb[NF_EGRESS_CTR_A_BYTES]);
}

static int decode_counter(const struct nlattr *nest, struct egress_counter *c)
{
	const struct nlattr *tb[NF_EGRESS_CTR_A_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (!nest)
		return 0;
	if (parse_nested(nest, tb, nf_egress_counter_attr_table, NF_EGRESS_CTR_A_MAX))
		return -EBADMSG;
	counter_of(tb, c);
	return 0;
}

/* The class of a counter nest's attributes, or NULL: none, or not valid. */
static const char *class_name_of(const struct nlattr **tb)
{
	const struct nlattr *cls = tb[NF_EGRESS_CTR_A_CLASS];

	if (!cls || mnl_attr_get_payload_len(cls) > NF_EGRESS_CLASS_NAME_MAX ||
	    !valid_class_name(mnl_attr_get_str(cls)))
		return NULL;
	return mnl_attr_get_str(cls);
}

/*
 * id may be NULL: the rule of an EXPLAIN level need not carry one.
 * m may be NULL; else it gets the rule's counters (RULE_GET).
 */
static int decode_rule_nest(const struct nlattr *nest, uint32_t *id,
			    struct egress_rule_spec *spec,
			    struct egress_rule_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_RULE_A_MAX + 1];
	const struct nlattr *fam, *addr, *plen, *pmin, *pmax, *cls;

	memset(spec, 0, sizeof(*spec));
	if (parse_nested(nest, tb, nf_egress_rule_attr_table, NF_EGRESS_RULE_A_MAX))
		return -EBADMSG;
	if (m && tb[NF_EGRESS_RULE_A_STATS]) {
		if (decode_counter(tb[NF_EGRESS_RULE_A_STATS], &m->stats))
			return -EBADMSG;
		m->has_stats = true;
	}
	if ((id && !tb[NF_EGRESS_RULE_A_ID]) || !tb[NF_EGRESS_RULE_A_ACTION])
		return -EBADMSG;
	if (id)
		*id = mnl_attr_get_u32(tb[NF_EGRESS_RULE_A_ID]);
	spec->action = mnl_attr_get_u8(tb[NF_EGRESS_RULE_A_ACTION]);

	if (tb[NF_EGRESS_RULE_A_PROTO]) {
		spec->proto = mnl_attr_get_u8(tb[NF_EGRESS_RULE_A_PROTO]);
		if (spec->proto)
			spec->fields |= EGRESS_SPEC_PROTO;
	}
	pmin = tb[NF_EGRESS_RULE_A_PORT_MIN];
	pmax = tb[NF_EGRESS_RULE_A_PORT_MAX];
	if (!pmin != !pmax)
		return -EBADMSG;
	if (pmin) {
		spec->port_min = mnl_attr_get_u16(pmin);
		spec->port_max = mnl_attr_get_u16(pmax);
		if (spec->port_min > spec->port_max)
			return -EBADMSG;
		spec->fields |= EGRESS_SPEC_PORT;
	}
	cls = tb[NF_EGRESS_RULE_A_CLASS];
	if (cls && mnl_attr_get_str(cls)[0]) {
		/* printed as it is, with the rule's canonical text */
		if (mnl_attr_get_payload_len(cls) > NF_EGRESS_CLASS_NAME_MAX ||
		    !valid_class_name(mnl_attr_get_str(cls)))
			return -EBADMSG;
		snprintf(spec->class_name, sizeof(spec->class_name), "%s",
			 mnl_attr_get_str(cls));
		spec->fields |= EGRESS_SPEC_CLASS;
	}

	/*
	 * The destination is all-or-nothing: later rule kinds (protocol or
	 * port only) may come without one.
	 */
	fam = tb[NF_EGRESS_RULE_A_FAMILY];
	addr = tb[NF_EGRESS_RULE_A_ADDR];
	plen = tb[NF_EGRESS_RULE_A_PREFIX_LEN];
	if (!fam && !addr && !plen)
		return 0;
	if (!fam || !addr || !plen)
		return -EBADMSG;

	spec->to.family = mnl_attr_get_u8(fam);
	spec->to.prefix_len = mnl_attr_get_u8(plen);
	switch (spec->to.family) {
	case AF_INET:
		if (mnl_attr_get_payload_len(addr) != 4 ||
		    spec->to.prefix_len > 32)
			return -EBADMSG;
		break;
	case AF_INET6:
		if (mnl_attr_get_payload_len(addr) != 16 ||
		    spec->to.prefix_len > 128)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	memcpy(&spec->to.addr, mnl_attr_get_payload(addr),
	       mnl_attr_get_payload_len(addr));
	spec->fields |= EGRESS_SPEC_TO;
	return 0;
}

int egress_decode_rule(const struct nlmsghdr *nlh, struct egress_rule_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (parse_policy_top(nlh, tb, &m->path, &m->has_generation,
			     &m->generation) || !tb[NF_EGRESS_A_RULE])
		return -EBADMSG;
	return decode_rule_nest(tb[NF_EGRESS_A_RULE], &m->id, &m->spec, m);
}

static int decode_policy_counters(const struct nlmsghdr *nlh,
				  const struct nlattr **tb,
				  struct egress_policy_counters *c,
				  char *why, size_t why_len);

int egress_decode_stats(const struct nlmsghdr *nlh,
			struct egress_stats_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];
	char why[128];			/* a reply's refusal says no more */

	memset(m, 0, sizeof(*m));
	if (parse_policy_top(nlh, tb, &m->path, &m->has_generation,
			     &m->generation) ||
	    decode_policy_counters(nlh, tb, &m->counters, why, sizeof(why)))
		return -EBADMSG;
	opt_u8(tb[NF_EGRESS_A_MODE], &m->has_mode, &m->mode);
	if (tb[NF_EGRESS_A_TEMPLATE])
		m->template = mnl_attr_get_str(tb[NF_EGRESS_A_TEMPLATE]);
	if (tb[NF_EGRESS_A_QUOTA] && decode_quotas(nlh, m->quotas, &m->nquotas))
		return -EBADMSG;
	return 0;
}

/*
 * One NF_EGRESS_A_STATS_CLASS nest: a valid class name, its counter and
 * the connections charged to the class's limit when it has one.
 */
static int decode_class(const struct nlattr *nest, struct egress_class_msg *c)
{
	const struct nlattr *tb[NF_EGRESS_CTR_A_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0 ||
	    parse_nested(nest, tb, nf_egress_counter_attr_table, NF_EGRESS_CTR_A_MAX))
		return -EBADMSG;
	c->name = class_name_of(tb);
	if (!c->name)
		return -EBADMSG;
	counter_of(tb, &c->ctr);
	opt_u32(tb[NF_EGRESS_CTR_A_CONN_ACTIVE], &c->has_conn_active,
		&c->conn_active);
	return 0;
}

/* With cb NULL: validate every class nest and return how many there are. */
int egress_stats_for_each_class(const struct nlmsghdr *nlh,
				egress_class_cb cb, void *data)
{
	const struct nlattr *attr;
	int n = 0;

	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		struct egress_class_msg c;
		int ret;

		if (mnl_attr_get_type(attr) != NF_EGRESS_A_STATS_CLASS)
			continue;
		if (decode_class(attr, &c))
			return -EBADMSG;
		n++;
		if (cb && (ret = cb(&c, data)))
			return ret;
	}
	return cb ? 0 : n;
}

static int decode_explain_level(const struct nlattr *nest,
				struct egress_explain_level *l)
{
	const struct nlattr *tb[NF_EGRESS_EXPLAIN_A_MAX + 1];

	memset(l, 0, sizeof(*l));
	if (parse_nested(nest, tb, nf_egress_explain_attr_table, NF_EGRESS_EXPLAIN_A_MAX) ||
	    !tb[NF_EGRESS_EXPLAIN_A_CGROUP_PATH] ||
	    !tb[NF_EGRESS_EXPLAIN_A_VERDICT])
		return -EBADMSG;
	l->path = mnl_attr_get_str(tb[NF_EGRESS_EXPLAIN_A_CGROUP_PATH]);
	l->verdict = mnl_attr_get_u8(tb[NF_EGRESS_EXPLAIN_A_VERDICT]);
	if (tb[NF_EGRESS_EXPLAIN_A_TEMPLATE])
		l->template = mnl_attr_get_str(tb[NF_EGRESS_EXPLAIN_A_TEMPLATE]);
	opt_u8(tb[NF_EGRESS_EXPLAIN_A_MODE], &l->has_mode, &l->mode);
	opt_u8(tb[NF_EGRESS_EXPLAIN_A_DEFAULT], &l->has_default,
	       &l->default_verdict);
	if (tb[NF_EGRESS_EXPLAIN_A_RULE_ID]) {
		l->has_rule = true;
		l->rule_id = mnl_attr_get_u32(tb[NF_EGRESS_EXPLAIN_A_RULE_ID]);
		/* the nest is optional: the id alone still says which rule */
		if (tb[NF_EGRESS_EXPLAIN_A_RULE] &&
		    decode_rule_nest(tb[NF_EGRESS_EXPLAIN_A_RULE], NULL,
				     &l->rule, NULL))
			return -EBADMSG;
		if (!tb[NF_EGRESS_EXPLAIN_A_RULE])
			l->rule.action = l->verdict;
	}
	if (tb[NF_EGRESS_EXPLAIN_A_QUOTA]) {
		if (decode_quota(tb[NF_EGRESS_EXPLAIN_A_QUOTA], &l->quota))
			return -EBADMSG;
		l->has_quota = true;
	}
	return 0;
}

int egress_decode_explain(const struct nlmsghdr *nlh,
			  struct egress_explain_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];
	const struct nlattr *attr;

	m->nlevels = 0;
	m->verdict = 0;
	m->has_generation = false;
	if (parse_top(nlh, tb) || !tb[NF_EGRESS_A_VERDICT])
		return -EBADMSG;
	m->verdict = mnl_attr_get_u8(tb[NF_EGRESS_A_VERDICT]);
	opt_u32(tb[NF_EGRESS_A_GENERATION], &m->has_generation,
		&m->generation);
	/* repeated attribute: walk them all, in order (root first) */
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != NF_EGRESS_A_EXPLAIN_LEVEL)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 ||
		    m->nlevels >= EGRESS_EXPLAIN_MAX_LEVELS ||
		    decode_explain_level(attr, &m->levels[m->nlevels]))
			return -EBADMSG;
		m->nlevels++;
	}
	return 0;
}

int egress_put_path(struct nlmsghdr *nlh, size_t buflen, const char *path)
{
	return mnl_attr_put_strz_check(nlh, buflen, NF_EGRESS_A_CGROUP_PATH,
				       path) ? 0 : -EMSGSIZE;
}

int egress_put_default(struct nlmsghdr *nlh, size_t buflen, uint8_t verdict)
{
	return mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_A_DEFAULT,
				     verdict) ? 0 : -EMSGSIZE;
}

int egress_put_rule_spec(struct nlmsghdr *nlh, size_t buflen,
			 const struct egress_rule_spec *spec)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, NF_EGRESS_A_RULE);
	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_RULE_A_ACTION,
				   spec->action))
		goto cancel;
	if (spec->fields & EGRESS_SPEC_TO) {
		size_t alen = spec->to.family == AF_INET ? 4 : 16;

		if (!mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_RULE_A_FAMILY,
					   spec->to.family) ||
		    !mnl_attr_put_check(nlh, buflen, NF_EGRESS_RULE_A_ADDR,
					alen, &spec->to.addr) ||
		    !mnl_attr_put_u8_check(nlh, buflen,
					   NF_EGRESS_RULE_A_PREFIX_LEN,
					   spec->to.prefix_len))
			goto cancel;
	}
	/* any protocol: no attribute */
	if (spec->proto &&
	    !mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_RULE_A_PROTO,
				   spec->proto))
		goto cancel;
	if ((spec->fields & EGRESS_SPEC_PORT) &&
	    (!mnl_attr_put_u16_check(nlh, buflen, NF_EGRESS_RULE_A_PORT_MIN,
				     spec->port_min) ||
	     !mnl_attr_put_u16_check(nlh, buflen, NF_EGRESS_RULE_A_PORT_MAX,
				     spec->port_max)))
		goto cancel;
	if ((spec->fields & EGRESS_SPEC_CLASS) && spec->class_name[0] &&
	    !mnl_attr_put_strz_check(nlh, buflen, NF_EGRESS_RULE_A_CLASS,
				     spec->class_name))
		goto cancel;
	mnl_attr_nest_end(nlh, nest);
	return 0;

cancel:
	mnl_attr_nest_cancel(nlh, nest);
	return -EMSGSIZE;
}

int egress_put_rule_id(struct nlmsghdr *nlh, size_t buflen, uint32_t id)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, NF_EGRESS_A_RULE);
	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_u32_check(nlh, buflen, NF_EGRESS_RULE_A_ID, id)) {
		mnl_attr_nest_cancel(nlh, nest);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int egress_put_mode(struct nlmsghdr *nlh, size_t buflen, uint8_t mode)
{
	return mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_A_MODE, mode) ?
	       0 : -EMSGSIZE;
}

int egress_put_staged(struct nlmsghdr *nlh, size_t buflen)
{
	return mnl_attr_put_check(nlh, buflen, NF_EGRESS_A_STAGED, 0, NULL) ?
	       0 : -EMSGSIZE;
}

int egress_put_instances_max(struct nlmsghdr *nlh, size_t buflen, uint32_t n)
{
	return mnl_attr_put_u32_check(nlh, buflen, NF_EGRESS_A_INSTANCES_MAX,
				      n) ? 0 : -EMSGSIZE;
}

int egress_put_instances_keep(struct nlmsghdr *nlh, size_t buflen,
			      uint32_t secs)
{
	return mnl_attr_put_u32_check(nlh, buflen, NF_EGRESS_A_INSTANCES_KEEP,
				      secs) ? 0 : -EMSGSIZE;
}

int egress_put_conn(struct nlmsghdr *nlh, size_t buflen,
		    const struct egress_conn *c)
{
	struct nlattr *nest;
	bool fits;

	nest = mnl_attr_nest_start_check(nlh, buflen, NF_EGRESS_A_CONN);
	if (!nest)
		return -EMSGSIZE;
	/* NONE alone: the kernel takes nothing with it */
	if (c->none)
		fits = mnl_attr_put_check(nlh, buflen, NF_EGRESS_CONN_A_NONE, 0,
					  NULL);
	else
		fits = (!c->has_max ||
			mnl_attr_put_u32_check(nlh, buflen,
					       NF_EGRESS_CONN_A_MAX_ACTIVE,
					       c->max_active)) &&
		       (!c->has_rate ||
			mnl_attr_put_u32_check(nlh, buflen,
					       NF_EGRESS_CONN_A_RATE, c->rate)) &&
		       (!c->has_burst ||
			mnl_attr_put_u32_check(nlh, buflen,
					       NF_EGRESS_CONN_A_BURST, c->burst)) &&
		       (!c->class_name[0] ||
			mnl_attr_put_strz_check(nlh, buflen,
						NF_EGRESS_CONN_A_CLASS,
						c->class_name));
	if (!fits) {
		mnl_attr_nest_cancel(nlh, nest);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int egress_put_rate(struct nlmsghdr *nlh, size_t buflen,
		    const struct egress_rate *r)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, NF_EGRESS_A_RATE);
	if (!nest)
		return -EMSGSIZE;
	if (r->none) {
		if (!mnl_attr_put_check(nlh, buflen, NF_EGRESS_RATE_A_NONE, 0,
					NULL))
			goto cancel;
		mnl_attr_nest_end(nlh, nest);
		return 0;
	}
	if ((r->has_bytes &&
	     !mnl_attr_put_u64_check(nlh, buflen, NF_EGRESS_RATE_A_BYTES_PER_SEC,
				     r->bytes_per_sec)) ||
	    (r->has_burst &&
	     !mnl_attr_put_u32_check(nlh, buflen, NF_EGRESS_RATE_A_BURST,
				     r->burst)) ||
	    (r->has_pps &&
	     !mnl_attr_put_u32_check(nlh, buflen, NF_EGRESS_RATE_A_PPS,
				     r->pps)) ||
	    !mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_RATE_A_MODE, r->mode) ||
	    (r->has_queue &&
	     !mnl_attr_put_u32_check(nlh, buflen, NF_EGRESS_RATE_A_QUEUE_LIMIT,
				     r->queue_limit)) ||
	    (r->has_latency &&
	     !mnl_attr_put_u32_check(nlh, buflen, NF_EGRESS_RATE_A_LATENCY_US,
				     r->latency_us)))
		goto cancel;
	mnl_attr_nest_end(nlh, nest);
	return 0;

cancel:
	mnl_attr_nest_cancel(nlh, nest);
	return -EMSGSIZE;
}

int egress_put_quota(struct nlmsghdr *nlh, size_t buflen,
		     const struct egress_quota_spec *q)
{
	struct nlattr *nest;
	uint8_t i;

	nest = mnl_attr_nest_start_check(nlh, buflen, NF_EGRESS_A_QUOTA);
	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_u64_check(nlh, buflen, NF_EGRESS_QUOTA_A_LIMIT,
				    q->limit) ||
	    !mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_QUOTA_A_PERIOD,
				   q->period) ||
	    (q->has_anchor &&
	     !mnl_attr_put_u64_check(nlh, buflen, NF_EGRESS_QUOTA_A_ANCHOR,
				     (uint64_t)q->anchor)) ||
	    (q->utc_offset &&
	     !mnl_attr_put_u32_check(nlh, buflen, NF_EGRESS_QUOTA_A_UTC_OFFSET,
				     (uint32_t)q->utc_offset)) ||
	    !mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_QUOTA_A_ACTION,
				   q->action) ||
	    (q->action == NF_EGRESS_QUOTA_ACTION_RATE &&
	     !mnl_attr_put_u64_check(nlh, buflen, NF_EGRESS_QUOTA_A_RATE,
				     q->rate)) ||
	    (q->class_name[0] &&
	     !mnl_attr_put_strz_check(nlh, buflen, NF_EGRESS_QUOTA_A_CLASS,
				      q->class_name)) ||
	    (q->exempt_class[0] &&
	     !mnl_attr_put_strz_check(nlh, buflen,
				      NF_EGRESS_QUOTA_A_EXEMPT_CLASS,
				      q->exempt_class)))
		goto cancel;
	for (i = 0; i < q->nwarn; i++) {
		if (!mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_QUOTA_A_WARN,
					   q->warn[i]))
			goto cancel;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;

cancel:
	mnl_attr_nest_cancel(nlh, nest);
	return -EMSGSIZE;
}

int egress_put_quota_none(struct nlmsghdr *nlh, size_t buflen)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen, NF_EGRESS_A_QUOTA);
	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_check(nlh, buflen, NF_EGRESS_QUOTA_A_NONE, 0, NULL)) {
		mnl_attr_nest_cancel(nlh, nest);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

int egress_put_packet(struct nlmsghdr *nlh, size_t buflen,
		      const struct egress_packet *pkt)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start_check(nlh, buflen,
					 NF_EGRESS_A_EXPLAIN_PACKET);
	if (!nest)
		return -EMSGSIZE;
	if (!mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_EXPLAIN_A_FAMILY,
				   pkt->family) ||
	    !mnl_attr_put_check(nlh, buflen, NF_EGRESS_EXPLAIN_A_ADDR,
				pkt->family == AF_INET ? 4 : 16, &pkt->addr) ||
	    (pkt->has_proto &&
	     !mnl_attr_put_u8_check(nlh, buflen, NF_EGRESS_EXPLAIN_A_PROTO,
				    pkt->proto)) ||
	    (pkt->has_port &&
	     !mnl_attr_put_u16_check(nlh, buflen, NF_EGRESS_EXPLAIN_A_PORT,
				     pkt->port))) {
		mnl_attr_nest_cancel(nlh, nest);
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static const char *mnl_type_name(enum mnl_attr_data_type type)
{
	switch (type) {
	case MNL_TYPE_U8:
		return "u8";
	case MNL_TYPE_U16:
		return "u16";
	case MNL_TYPE_U32:
		return "u32";
	case MNL_TYPE_U64:
		return "u64";
	case MNL_TYPE_FLAG:
		return "flag";
	case MNL_TYPE_NUL_STRING:
		return "NUL-terminated string";
	default:
		return "attribute";
	}
}

/*
 * The attributes in [start, start + len) fill it exactly.  A nest whose
 * length wrapped past 64 KiB ends inside its last attribute, and what
 * follows it is read as attributes of the enclosing level: either way
 * some bytes are left that are no whole attribute.  The last attribute's
 * alignment padding may be missing.
 */
static bool attrs_fill(const void *start, size_t len)
{
	const char *p = start;

	while (len >= sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step = MNL_ALIGN(a->nla_len);

		if (a->nla_len < sizeof(*a) || a->nla_len > len)
			return false;
		if (step >= len)
			return true;
		p += step;
		len -= step;
	}
	return len == 0;
}

struct event_attrs {
	const struct nlattr *tb[NF_EGRESS_EVENT_A_MAX + 1];
	struct egress_event_msg *m;
};

static int event_attr_cb(const struct nlattr *attr, void *data)
{
	struct event_attrs *ea = data;
	uint16_t type = mnl_attr_get_type(attr);
	enum mnl_attr_data_type want;

	if (type > NF_EGRESS_EVENT_A_MAX)
		return MNL_CB_OK;	/* from a newer kernel: ignore */
	want = attr_mnl_type(&nf_egress_event_attr_table[type]);
	if (want == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;	/* padding */
	if (ea->tb[type]) {
		snprintf(ea->m->why, sizeof(ea->m->why), "%s given twice",
			 nf_egress_event_attr_table[type].c_name);
		return MNL_CB_ERROR;
	}
	if (mnl_attr_validate(attr, want) < 0) {
		snprintf(ea->m->why, sizeof(ea->m->why),
			 "%s is no valid %s (%u bytes)", nf_egress_event_attr_table[type].c_name,
			 mnl_type_name(want), mnl_attr_get_payload_len(attr));
		return MNL_CB_ERROR;
	}
	ea->tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * How much of path, longer than max bytes, to keep: its leading whole
 * components that fit in max bytes, as the kernel cuts (the root "/" when
 * not even the first fits); max bytes of a path that is no path.
 */
static size_t path_prefix_len(const char *path, size_t max)
{
	size_t i;

	for (i = max; i > 0; i--)
		if (path[i] == '/')
			return i;
	return path[0] == '/' ? 1 : max;
}

static int bad_event(struct egress_event_msg *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad_event(struct egress_event_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* An event address: as long as the family says. */
static int event_addr(struct egress_event_msg *m, const struct nlattr *attr,
		      uint16_t type, size_t alen, unsigned char *addr,
		      bool *has)
{
	if (!attr)
		return 0;
	if (mnl_attr_get_payload_len(attr) != alen)
		return bad_event(m, "%s: %u bytes in an %s event",
				 nf_egress_event_attr_table[type].c_name,
				 mnl_attr_get_payload_len(attr),
				 alen == 4 ? "IPv4" : "IPv6");
	memcpy(addr, mnl_attr_get_payload(attr), alen);
	*has = true;
	return 0;
}

int egress_decode_event(const struct nlmsghdr *nlh, struct egress_event_msg *m)
{
	struct event_attrs ea = { .m = m };
	const struct nlattr **tb = ea.tb;
	const struct nlattr *attr, *nest = NULL;
	static const uint16_t required[] = {
		NF_EGRESS_EVENT_A_TIME_NS, NF_EGRESS_EVENT_A_VERDICT,
		NF_EGRESS_EVENT_A_CGROUP_PATH, NF_EGRESS_EVENT_A_POLICY_PATH,
		NF_EGRESS_EVENT_A_FAMILY,
	};
	const char *cgroup;
	size_t i, len, alen;

	memset(m, 0, sizeof(*m));
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return bad_event(m, "no generic netlink header");
	if (!attrs_fill(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN))
		return bad_event(m, "torn attributes (a nest length wrapped?)");
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != NF_EGRESS_A_EVENT)
			continue;
		if (nest)
			return bad_event(m, "NF_EGRESS_A_EVENT given twice");
		nest = attr;
	}
	if (!nest)
		return bad_event(m, "no NF_EGRESS_A_EVENT nest");
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0 ||
	    !attrs_fill(mnl_attr_get_payload(nest),
			mnl_attr_get_payload_len(nest)))
		return bad_event(m, "torn attributes in NF_EGRESS_A_EVENT (its length wrapped?)");
	if (mnl_attr_parse_nested(nest, event_attr_cb, &ea) < 0)
		return -EBADMSG;	/* m->why says why */
	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (!tb[required[i]])
			return bad_event(m, "no %s",
					 nf_egress_event_attr_table[required[i]].c_name);

	m->time_ns = mnl_attr_get_u64(tb[NF_EGRESS_EVENT_A_TIME_NS]);
	m->verdict = mnl_attr_get_u8(tb[NF_EGRESS_EVENT_A_VERDICT]);
	/* NUL-terminated within the payload: validated */
	cgroup = mnl_attr_get_str(tb[NF_EGRESS_EVENT_A_CGROUP_PATH]);
	len = strlen(cgroup);
	if (!len)
		return bad_event(m, "NF_EGRESS_EVENT_A_CGROUP_PATH is empty");
	m->cgroup_truncated = tb[NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED] != NULL;
	m->quota = tb[NF_EGRESS_EVENT_A_QUOTA] != NULL;
	/* an older module sent whole paths: cut them as a newer one does */
	if (len > NF_EGRESS_CGROUP_PATH_MAX - 1) {
		len = path_prefix_len(cgroup, NF_EGRESS_CGROUP_PATH_MAX - 1);
		m->cgroup_truncated = true;
	}
	memcpy(m->cgroup, cgroup, len);
	m->cgroup[len] = '\0';
	m->policy = mnl_attr_get_str(tb[NF_EGRESS_EVENT_A_POLICY_PATH]);
	len = strlen(m->policy);
	if (!len || len > NF_EGRESS_CGROUP_PATH_MAX - 1)
		return bad_event(m, "NF_EGRESS_EVENT_A_POLICY_PATH is %s",
				 len ? "longer than a cgroup path can be"
				     : "empty");
	if (tb[NF_EGRESS_EVENT_A_TEMPLATE]) {
		m->template = mnl_attr_get_str(tb[NF_EGRESS_EVENT_A_TEMPLATE]);
		len = strlen(m->template);
		if (!len || len > NF_EGRESS_CGROUP_PATH_MAX - 1)
			return bad_event(m, "NF_EGRESS_EVENT_A_TEMPLATE is %s",
					 len ? "longer than a cgroup path can be"
					     : "empty");
	}
	opt_u32(tb[NF_EGRESS_EVENT_A_RULE_ID], &m->has_rule_id, &m->rule_id);
	m->family = mnl_attr_get_u8(tb[NF_EGRESS_EVENT_A_FAMILY]);
	if (m->family == AF_INET)
		alen = 4;
	else if (m->family == AF_INET6)
		alen = 16;
	else
		return bad_event(m, "NF_EGRESS_EVENT_A_FAMILY: unknown address family %u",
				 m->family);
	if (tb[NF_EGRESS_EVENT_A_PROTO])
		m->proto = mnl_attr_get_u8(tb[NF_EGRESS_EVENT_A_PROTO]);
	if (event_addr(m, tb[NF_EGRESS_EVENT_A_SADDR], NF_EGRESS_EVENT_A_SADDR,
		       alen, m->saddr, &m->has_saddr) ||
	    event_addr(m, tb[NF_EGRESS_EVENT_A_DADDR], NF_EGRESS_EVENT_A_DADDR,
		       alen, m->daddr, &m->has_daddr))
		return -EBADMSG;
	/* one port alone says nothing useful: both or neither */
	if (tb[NF_EGRESS_EVENT_A_SPORT] && tb[NF_EGRESS_EVENT_A_DPORT]) {
		m->has_ports = true;
		m->sport = mnl_attr_get_u16(tb[NF_EGRESS_EVENT_A_SPORT]);
		m->dport = mnl_attr_get_u16(tb[NF_EGRESS_EVENT_A_DPORT]);
	}
	opt_u32(tb[NF_EGRESS_EVENT_A_PID], &m->has_pid, &m->pid);
	if (tb[NF_EGRESS_EVENT_A_CONN_MAX])
		m->conn_max = mnl_attr_get_u32(tb[NF_EGRESS_EVENT_A_CONN_MAX]);
	if (tb[NF_EGRESS_EVENT_A_CONN_RATE])
		m->conn_rate = mnl_attr_get_u32(tb[NF_EGRESS_EVENT_A_CONN_RATE]);
	m->conn_table_full = tb[NF_EGRESS_EVENT_A_CONN_TABLE_FULL] != NULL;
	if (tb[NF_EGRESS_EVENT_A_CONN_CLASS]) {
		/* a word of the text line as it is: a class name or nothing */
		m->conn_class = mnl_attr_get_str(tb[NF_EGRESS_EVENT_A_CONN_CLASS]);
		if (!valid_class_name(m->conn_class))
			return bad_event(m, "NF_EGRESS_EVENT_A_CONN_CLASS is no valid class name");
	}
	if (m->has_pid && tb[NF_EGRESS_EVENT_A_COMM])
		m->comm = mnl_attr_get_str(tb[NF_EGRESS_EVENT_A_COMM]);
	if (tb[NF_EGRESS_EVENT_A_SUPPRESSED])
		m->suppressed = mnl_attr_get_u64(tb[NF_EGRESS_EVENT_A_SUPPRESSED]);
	return 0;
}

/*
 * The attributes of one level of a notification, as untrusted as an
 * event's: each known one with its type and length, and at most once
 * unless the spec lets it repeat (tb then holds the last).  where names
 * the enclosing nest in the reason (NULL at the top level).
 */
struct strict_attrs {
	const struct nlattr **tb;
	const struct nf_egress_attr_desc *table;
	unsigned int max;
	const char *where;
	char *why;
	size_t why_len;
};

static int strict_attr_cb(const struct nlattr *attr, void *data)
{
	struct strict_attrs *sa = data;
	uint16_t type = mnl_attr_get_type(attr);
	const struct nf_egress_attr_desc *d;
	enum mnl_attr_data_type want;

	if (type > sa->max)
		return MNL_CB_OK;	/* from a newer kernel: ignore */
	d = &sa->table[type];
	want = attr_mnl_type(d);
	if (want == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (sa->tb[type] && !d->multi) {
		snprintf(sa->why, sa->why_len, "%s%s%s given twice",
			 sa->where ? sa->where : "", sa->where ? ": " : "",
			 d->c_name);
		return MNL_CB_ERROR;
	}
	if (mnl_attr_validate(attr, want) < 0) {
		snprintf(sa->why, sa->why_len, "%s%s%s is no valid %s (%u bytes)",
			 sa->where ? sa->where : "", sa->where ? ": " : "",
			 d->c_name, mnl_type_name(want),
			 mnl_attr_get_payload_len(attr));
		return MNL_CB_ERROR;
	}
	sa->tb[type] = attr;
	return MNL_CB_OK;
}

/* The top-level attributes of a notification into tb, strictly. */
static int strict_top(const struct nlmsghdr *nlh, const struct nlattr **tb,
		      char *why, size_t why_len)
{
	struct strict_attrs sa = {
		tb, nf_egress_top_attr_table, NF_EGRESS_A_MAX, NULL, why, why_len
	};

	memset(tb, 0, sizeof(*tb) * (NF_EGRESS_A_MAX + 1));
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN) {
		snprintf(why, why_len, "no generic netlink header");
		return -EBADMSG;
	}
	if (!attrs_fill(mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN),
			mnl_nlmsg_get_payload_len(nlh) - GENL_HDRLEN)) {
		snprintf(why, why_len, "torn attributes");
		return -EBADMSG;
	}
	if (mnl_attr_parse(nlh, GENL_HDRLEN, strict_attr_cb, &sa) < 0)
		return -EBADMSG;	/* why says why */
	return 0;
}

/*
 * A nest of a notification whose attributes are of the set sa->table
 * into sa->tb, strictly; sa->where names it in the reason.
 */
static int strict_nest(const struct nlattr *nest, struct strict_attrs *sa)
{
	memset(sa->tb, 0, sizeof(*sa->tb) * (sa->max + 1));
	if (!attrs_fill(mnl_attr_get_payload(nest),
			mnl_attr_get_payload_len(nest))) {
		snprintf(sa->why, sa->why_len, "torn attributes in %s", sa->where);
		return -EBADMSG;
	}
	if (mnl_attr_parse_nested(nest, strict_attr_cb, sa) < 0)
		return -EBADMSG;	/* why says why */
	return 0;
}

/* A counter nest of a notification into tb, strictly; where names it. */
static int strict_counter(const struct nlattr *nest, const char *where,
			  const struct nlattr **tb, char *why, size_t why_len)
{
	struct strict_attrs sa = {
		tb, nf_egress_counter_attr_table, NF_EGRESS_CTR_A_MAX, where,
		why, why_len
	};

	return strict_nest(nest, &sa);
}

/* The u64 of an attribute that may be absent: zero then. */
static uint64_t u64_or_zero(const struct nlattr *attr)
{
	return attr ? mnl_attr_get_u64(attr) : 0;
}

/* One RTT_BUCKET nest into b, strictly: its three bounds required. */
static int decode_rtt_bucket(const struct nlattr *nest, struct rtt_bucket *b,
			     char *why, size_t why_len)
{
	const char *where = "NF_EGRESS_HEALTH_A_RTT_BUCKET";
	const struct nlattr *tb[NF_EGRESS_RTT_BUCKET_A_MAX + 1];
	struct strict_attrs sa = {
		tb, nf_egress_rtt_bucket_attr_table, NF_EGRESS_RTT_BUCKET_A_MAX,
		where, why, why_len
	};

	if (strict_nest(nest, &sa))
		return -EBADMSG;
	if (!tb[NF_EGRESS_RTT_BUCKET_A_LOW_US] ||
	    !tb[NF_EGRESS_RTT_BUCKET_A_HIGH_US] ||
	    !tb[NF_EGRESS_RTT_BUCKET_A_COUNT]) {
		snprintf(why, why_len, "%s: not LOW_US, HIGH_US and COUNT",
			 where);
		return -EBADMSG;
	}
	b->low_us = mnl_attr_get_u32(tb[NF_EGRESS_RTT_BUCKET_A_LOW_US]);
	b->high_us = mnl_attr_get_u32(tb[NF_EGRESS_RTT_BUCKET_A_HIGH_US]);
	b->count = mnl_attr_get_u64(tb[NF_EGRESS_RTT_BUCKET_A_COUNT]);
	if (b->high_us && b->high_us <= b->low_us) {
		snprintf(why, why_len, "%s: HIGH_US not above LOW_US", where);
		return -EBADMSG;
	}
	return 0;
}

/*
 * A health nest into h, strictly: its counters (zero when absent), its
 * RTT buckets lowest first, none overlapping the one before, none after
 * an unbounded one.  The quantiles and Prometheus's cumulative buckets
 * count on that order.  where names the nest in the reason.
 */
static int decode_health(const struct nlattr *nest, const char *where,
			 struct egress_health_msg *h, char *why,
			 size_t why_len)
{
	const struct nlattr *tb[NF_EGRESS_HEALTH_A_MAX + 1];
	struct strict_attrs sa = {
		tb, nf_egress_health_attr_table, NF_EGRESS_HEALTH_A_MAX, where,
		why, why_len
	};
	struct rtt_bucket b, prev = { 0 };
	const struct nlattr *attr;

	memset(h, 0, sizeof(*h));
	if (strict_nest(nest, &sa))
		return -EBADMSG;
	h->h.attempts = u64_or_zero(tb[NF_EGRESS_HEALTH_A_ATTEMPTS]);
	h->h.established = u64_or_zero(tb[NF_EGRESS_HEALTH_A_ESTABLISHED]);
	h->h.refused = u64_or_zero(tb[NF_EGRESS_HEALTH_A_REFUSED]);
	h->h.timed_out = u64_or_zero(tb[NF_EGRESS_HEALTH_A_TIMED_OUT]);
	h->h.unreachable = u64_or_zero(tb[NF_EGRESS_HEALTH_A_UNREACHABLE]);
	h->h.reset = u64_or_zero(tb[NF_EGRESS_HEALTH_A_RESET]);
	h->h.syn_retrans = u64_or_zero(tb[NF_EGRESS_HEALTH_A_SYN_RETRANS]);
	h->h.data_retrans = u64_or_zero(tb[NF_EGRESS_HEALTH_A_DATA_RETRANS]);
	h->h.rtt_count = u64_or_zero(tb[NF_EGRESS_HEALTH_A_RTT_COUNT]);
	h->h.rtt_sum_us = u64_or_zero(tb[NF_EGRESS_HEALTH_A_RTT_SUM_US]);
	h->nest = nest;
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) != NF_EGRESS_HEALTH_A_RTT_BUCKET)
			continue;
		if (decode_rtt_bucket(attr, &b, why, why_len))
			return -EBADMSG;
		if (h->nbuckets && (!prev.high_us || b.low_us < prev.high_us)) {
			snprintf(why, why_len,
				 "%s: RTT buckets not lowest first or overlapping",
				 where);
			return -EBADMSG;
		}
		prev = b;
		h->nbuckets++;
	}
	return 0;
}

void egress_health_buckets(const struct egress_health_msg *h,
			   struct rtt_bucket *out)
{
	const struct nlattr *attr;
	char why[128];		/* the decoder said it already */
	size_t n = 0;

	if (!h->nest)
		return;
	mnl_attr_for_each_nested(attr, h->nest) {
		if (mnl_attr_get_type(attr) != NF_EGRESS_HEALTH_A_RTT_BUCKET ||
		    n == h->nbuckets)
			continue;
		if (!decode_rtt_bucket(attr, &out[n], why, sizeof(why)))
			n++;
	}
}

int egress_decode_health(const struct nlmsghdr *nlh,
			 struct egress_health_reply_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];
	const struct nlattr *cls;
	char why[128];			/* a reply's refusal says no more */

	memset(m, 0, sizeof(*m));
	if (parse_policy_top(nlh, tb, &m->path, &m->has_generation,
			     &m->generation) ||
	    !tb[NF_EGRESS_A_STATS_HEALTH] ||
	    decode_health(tb[NF_EGRESS_A_STATS_HEALTH],
			  "NF_EGRESS_A_STATS_HEALTH", &m->health, why,
			  sizeof(why)))
		return -EBADMSG;
	if (tb[NF_EGRESS_A_TEMPLATE])
		m->template = mnl_attr_get_str(tb[NF_EGRESS_A_TEMPLATE]);
	cls = tb[NF_EGRESS_A_HEALTH_CLASS];
	if (cls) {
		if (mnl_attr_get_payload_len(cls) > NF_EGRESS_CLASS_NAME_MAX ||
		    !valid_class_name(mnl_attr_get_str(cls)))
			return -EBADMSG;
		m->class_name = mnl_attr_get_str(cls);
	}
	return 0;
}

/* A path of an instance event: there, not empty, not too long. */
static int instance_event_path(char *why, size_t why_len,
			       const struct nlattr *attr, uint16_t type,
			       const char **path)
{
	const char *name = nf_egress_top_attr_table[type].c_name;
	size_t len;

	if (!attr) {
		snprintf(why, why_len, "no %s", name);
		return -EBADMSG;
	}
	*path = mnl_attr_get_str(attr);
	len = strlen(*path);
	if (!len || len > NF_EGRESS_CGROUP_PATH_MAX - 1) {
		snprintf(why, why_len, "%s is %s", name,
			 len ? "longer than a cgroup path can be" : "empty");
		return -EBADMSG;
	}
	return 0;
}

int egress_decode_instance_event(const struct nlmsghdr *nlh,
				 struct egress_instance_event_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];

	memset(m, 0, sizeof(*m));
	if (strict_top(nlh, tb, m->why, sizeof(m->why)) ||
	    instance_event_path(m->why, sizeof(m->why),
				tb[NF_EGRESS_A_CGROUP_PATH],
				NF_EGRESS_A_CGROUP_PATH, &m->path) ||
	    instance_event_path(m->why, sizeof(m->why),
				tb[NF_EGRESS_A_TEMPLATE],
				NF_EGRESS_A_TEMPLATE, &m->template))
		return -EBADMSG;
	opt_u32(tb[NF_EGRESS_A_INSTANCES_MAX], &m->has_instances_max,
		&m->instances_max);
	return 0;
}

/* A counter NF_EGRESS_A_STATS_* of tb, strictly: zero when absent. */
static int policy_counter(const struct nlattr **top, uint16_t type,
			  struct egress_counter *c, char *why, size_t why_len)
{
	const struct nlattr *tb[NF_EGRESS_CTR_A_MAX + 1];

	memset(c, 0, sizeof(*c));
	if (!top[type])
		return 0;
	if (strict_counter(top[type], nf_egress_top_attr_table[type].c_name,
			   tb, why, why_len))
		return -EBADMSG;
	counter_of(tb, c);
	return 0;
}

/* The class of a class nest (checked already by count_classes). */
static const char *class_of(const struct nlattr *nest)
{
	const struct nlattr *attr;

	mnl_attr_for_each_nested(attr, nest)
		if (mnl_attr_get_type(attr) == NF_EGRESS_CTR_A_CLASS)
			return mnl_attr_get_str(attr);
	return "";
}

/*
 * Every NF_EGRESS_A_STATS_CLASS nest of nlh, counted: strictly, each with
 * a valid class name, no name twice.
 */
static int count_classes(const struct nlmsghdr *nlh, size_t *n, char *why,
			 size_t why_len)
{
	const char *c_name = nf_egress_top_attr_table[NF_EGRESS_A_STATS_CLASS].c_name;
	const struct nlattr *attr, *prev;

	*n = 0;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		const struct nlattr *tb[NF_EGRESS_CTR_A_MAX + 1];
		const char *name;

		if (mnl_attr_get_type(attr) != NF_EGRESS_A_STATS_CLASS)
			continue;
		if (strict_counter(attr, c_name, tb, why, why_len))
			return -EBADMSG;
		name = class_name_of(tb);
		if (!name) {
			snprintf(why, why_len, "%s: %s", c_name,
				 tb[NF_EGRESS_CTR_A_CLASS] ? "an invalid class name"
							   : "no class name");
			return -EBADMSG;
		}
		/* quadratic, but a module has few classes */
		mnl_attr_for_each(prev, nlh, GENL_HDRLEN) {
			if (prev == attr)
				break;
			if (mnl_attr_get_type(prev) == NF_EGRESS_A_STATS_CLASS &&
			    !strcmp(class_of(prev), name)) {
				snprintf(why, why_len, "%s: class %s given twice",
					 c_name, name);
				return -EBADMSG;
			}
		}
		(*n)++;
	}
	return 0;
}

/*
 * The counters of a STATS_GET reply or an INSTANCE_GONE whose top-level
 * attributes are tb: its counter nests (zero when absent), the shaping
 * ones, the reset time, the health (an INSTANCE_GONE's) and the class
 * nests.
 */
static int decode_policy_counters(const struct nlmsghdr *nlh,
				  const struct nlattr **tb,
				  struct egress_policy_counters *c,
				  char *why, size_t why_len)
{
	memset(c, 0, sizeof(*c));
	if (policy_counter(tb, NF_EGRESS_A_STATS_ALLOWED, &c->allowed, why,
			   why_len) ||
	    policy_counter(tb, NF_EGRESS_A_STATS_DENIED, &c->denied, why,
			   why_len) ||
	    policy_counter(tb, NF_EGRESS_A_STATS_WOULD_DENY, &c->would_deny,
			   why, why_len) ||
	    policy_counter(tb, NF_EGRESS_A_STATS_RATELIMITED, &c->ratelimited,
			   why, why_len) ||
	    policy_counter(tb, NF_EGRESS_A_STATS_SHAPED, &c->shaped, why,
			   why_len) ||
	    policy_counter(tb, NF_EGRESS_A_STATS_CONNLIMIT, &c->connlimit, why,
			   why_len))
		return -EBADMSG;
	c->has_conn = tb[NF_EGRESS_A_STATS_CONNLIMIT] ||
		      tb[NF_EGRESS_A_STATS_CONN_ACTIVE];
	if (tb[NF_EGRESS_A_STATS_CONN_ACTIVE])
		c->conn_active =
			mnl_attr_get_u32(tb[NF_EGRESS_A_STATS_CONN_ACTIVE]);
	c->has_shaping = tb[NF_EGRESS_A_STATS_SHAPED] ||
			 tb[NF_EGRESS_A_STATS_QUEUE_LEN] ||
			 tb[NF_EGRESS_A_STATS_MAX_DELAY_NS];
	if (tb[NF_EGRESS_A_STATS_QUEUE_LEN])
		c->queue_len = mnl_attr_get_u32(tb[NF_EGRESS_A_STATS_QUEUE_LEN]);
	if (tb[NF_EGRESS_A_STATS_MAX_DELAY_NS])
		c->max_delay_ns =
			mnl_attr_get_u64(tb[NF_EGRESS_A_STATS_MAX_DELAY_NS]);
	opt_u64(tb[NF_EGRESS_A_STATS_RESET_TIME], &c->has_reset_time,
		&c->reset_time);
	c->has_health = tb[NF_EGRESS_A_STATS_HEALTH] != NULL;
	if (c->has_health &&
	    decode_health(tb[NF_EGRESS_A_STATS_HEALTH],
			  "NF_EGRESS_A_STATS_HEALTH", &c->health, why, why_len))
		return -EBADMSG;
	return count_classes(nlh, &c->nclasses, why, why_len);
}

/*
 * One RULE nest of an INSTANCE_GONE rules message into r: strictly, with
 * its STATS, and a rule as decode_rule_nest takes a RULE_GET reply's.
 */
static int decode_gone_rule(const struct nlattr *nest,
			    struct egress_rule_msg *r, char *why,
			    size_t why_len)
{
	const char *where = nf_egress_top_attr_table[NF_EGRESS_A_RULE].c_name;
	const struct nlattr *tb[NF_EGRESS_RULE_A_MAX + 1];
	const struct nlattr *ctr[NF_EGRESS_CTR_A_MAX + 1];
	struct strict_attrs sa = {
		tb, nf_egress_rule_attr_table, NF_EGRESS_RULE_A_MAX, where,
		why, why_len
	};

	if (strict_nest(nest, &sa))
		return -EBADMSG;
	if (!tb[NF_EGRESS_RULE_A_STATS]) {
		snprintf(why, why_len, "%s: no NF_EGRESS_RULE_A_STATS", where);
		return -EBADMSG;
	}
	if (strict_counter(tb[NF_EGRESS_RULE_A_STATS],
			   "NF_EGRESS_A_RULE/NF_EGRESS_RULE_A_STATS", ctr, why,
			   why_len))
		return -EBADMSG;
	memset(r, 0, sizeof(*r));
	if (decode_rule_nest(nest, &r->id, &r->spec, r)) {
		snprintf(why, why_len,
			 "%s: no valid rule (its id, action, destination, ports or class)",
			 where);
		return -EBADMSG;
	}
	return 0;
}

/*
 * Every RULE nest of a rules message, decoded, to cb (NULL: only checked);
 * *n is how many.
 */
static int gone_rules_walk(const struct egress_instance_gone_msg *m,
			   egress_gone_rule_cb cb, void *data, size_t *n,
			   char *why, size_t why_len)
{
	const struct nlattr *attr;
	struct egress_rule_msg r;
	int ret;

	*n = 0;
	mnl_attr_for_each(attr, m->nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) != NF_EGRESS_A_RULE)
			continue;
		if (decode_gone_rule(attr, &r, why, why_len))
			return -EBADMSG;
		r.path = m->path;
		r.has_generation = m->has_generation;
		r.generation = m->generation;
		if (cb && (ret = cb((uint64_t)m->rule_offset + *n, &r, data)))
			return ret;
		(*n)++;
	}
	return 0;
}

int egress_instance_gone_for_each_rule(const struct egress_instance_gone_msg *m,
				       egress_gone_rule_cb cb, void *data)
{
	char why[128];		/* the decoder said it already */
	size_t n;

	return gone_rules_walk(m, cb, data, &n, why, sizeof(why));
}

int egress_decode_instance_gone(const struct nlmsghdr *nlh,
				struct egress_instance_gone_msg *m)
{
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];

	memset(m, 0, sizeof(*m));
	m->nlh = nlh;
	if (strict_top(nlh, tb, m->why, sizeof(m->why)) ||
	    instance_event_path(m->why, sizeof(m->why),
				tb[NF_EGRESS_A_CGROUP_PATH],
				NF_EGRESS_A_CGROUP_PATH, &m->path) ||
	    instance_event_path(m->why, sizeof(m->why),
				tb[NF_EGRESS_A_TEMPLATE],
				NF_EGRESS_A_TEMPLATE, &m->template))
		return -EBADMSG;
	opt_u32(tb[NF_EGRESS_A_GENERATION], &m->has_generation,
		&m->generation);
	if (tb[NF_EGRESS_A_RULE_OFFSET]) {
		m->has_rule_offset = true;
		m->rule_offset = mnl_attr_get_u32(tb[NF_EGRESS_A_RULE_OFFSET]);
		if (gone_rules_walk(m, NULL, NULL, &m->nrules, m->why,
				    sizeof(m->why)))
			return -EBADMSG;
		if (!m->nrules) {
			snprintf(m->why, sizeof(m->why),
				 "NF_EGRESS_A_RULE_OFFSET without NF_EGRESS_A_RULE");
			return -EBADMSG;
		}
		return 0;
	}
	/* rules whose place in the series is not known */
	if (tb[NF_EGRESS_A_RULE]) {
		snprintf(m->why, sizeof(m->why),
			 "NF_EGRESS_A_RULE without NF_EGRESS_A_RULE_OFFSET");
		return -EBADMSG;
	}
	if (decode_policy_counters(nlh, tb, &m->counters, m->why,
				   sizeof(m->why)))
		return -EBADMSG;
	if (tb[NF_EGRESS_A_HIT_RULES])
		m->hit_rules = mnl_attr_get_u32(tb[NF_EGRESS_A_HIT_RULES]);
	opt_u32(tb[NF_EGRESS_A_HIT_RULES_OMITTED], &m->has_hit_rules_omitted,
		&m->hit_rules_omitted);
	return 0;
}

/* Attribute type of set as its enum constant names it (the generated table). */
static const char *attr_c_name(enum nf_egress_attr_set set, uint16_t type)
{
	const struct nf_egress_attr_set_desc *s = &nf_egress_attr_sets[set];

	return type <= s->max && s->attrs[type].c_name ?
	       s->attrs[type].c_name : "unknown attribute";
}

const char *egress_attr_name(uint16_t type)
{
	return attr_c_name(NF_EGRESS_SET_TOP, type);
}

bool egress_describe_offset(const struct nlmsghdr *req, uint32_t offs,
			    char *buf, size_t len)
{
	const char *base = (const char *)req;
	const struct nlattr *attr, *inner;

	if (offs >= req->nlmsg_len ||
	    mnl_nlmsg_get_payload_len(req) < GENL_HDRLEN)
		return false;

	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		uint32_t start = (uint32_t)((const char *)attr - base);
		uint16_t type = mnl_attr_get_type(attr);

		if (offs == start) {
			snprintf(buf, len, "%s", egress_attr_name(type));
			return true;
		}
		/* inside a RULE, RATE or CONN nest: "NEST/ATTRIBUTE" */
		if ((type != NF_EGRESS_A_RULE && type != NF_EGRESS_A_RATE &&
		     type != NF_EGRESS_A_CONN) ||
		    offs < start || offs >= start + attr->nla_len)
			continue;
		mnl_attr_for_each_nested(inner, attr) {
			if (offs == (uint32_t)((const char *)inner - base)) {
				snprintf(buf, len, "%s/%s",
					 egress_attr_name(type),
					 attr_c_name(nf_egress_top_attr_table[type].nest,
						     mnl_attr_get_type(inner)));
				return true;
			}
		}
	}
	return false;
}
