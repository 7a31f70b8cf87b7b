// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the netlink layer: nf_egress message encoding and
 * decoding (well-formed, malformed, from a "newer kernel"), reply processing
 * (ACKs, extended ACKs, dumps, NLM_F_DUMP_INTR, stale messages), the
 * output of monitor and explain (why a template won a level included), and
 * a live exchange with the kernel's own nlctrl family when a netlink socket
 * can be opened.  The nf_egress module itself is not needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "event.h"
#include "explain.h"
#include "msg.h"
#include "netlink.h"
#include "tap.h"

#define BUFSZ	8192

static char buf[BUFSZ] __attribute__((aligned(8)));

static struct nlmsghdr *start_msg(void *where, uint16_t type, uint32_t seq,
				  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(where);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags = flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = 1;
	g->version = 1;
	return nlh;
}

static void put_rule_nest(struct nlmsghdr *nlh, uint32_t id, uint8_t action,
			  uint8_t family, const void *addr, size_t alen,
			  uint8_t plen)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);

	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, id);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, action);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY, family);
	mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR, alen, addr);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN, plen);
	mnl_attr_nest_end(nlh, nest);
}

static const uint8_t v4[4] = { 10, 99, 0, 0 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x99 };

static void test_decode_rule(void)
{
	struct egress_rule_msg m;
	struct nlmsghdr *nlh;
	char text[EGRESS_RULE_STRLEN];
	struct nlattr *nest;

	nlh = start_msg(buf, 30, 1, NLM_F_MULTI);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 7);
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 4, 24);
	ok(egress_decode_rule(nlh, &m) == 0 && !strcmp(m.path, "/t1") &&
	   m.has_generation && m.generation == 7 && m.id == 3 &&
	   format_rule_spec(&m.spec, text, sizeof(text)) > 0 &&
	   !strcmp(text, "allow to 10.99.0.0/24"), "decode IPv4 rule");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/a/b");
	put_rule_nest(nlh, 9, NF_EGRESS_VERDICT_DENY, AF_INET6, v6, 16, 64);
	ok(egress_decode_rule(nlh, &m) == 0 && !m.has_generation &&
	   m.id == 9 && format_rule_spec(&m.spec, text, sizeof(text)) > 0 &&
	   !strcmp(text, "deny to 2001:db8:99::/64"), "decode IPv6 rule");

	/* unknown attributes, top level and nested, are skipped */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_u64(nlh, 200, 1);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, 77, 5);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 4);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_DENY);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR, 4, v4);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN, 16);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_rule(nlh, &m) == 0 && m.id == 4,
	   "decode rule ignores unknown attributes");

	/* a rule without a destination (future rule kinds) decodes */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 4);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_DENY);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_rule(nlh, &m) == 0 && !(m.spec.fields & EGRESS_SPEC_TO) &&
	   format_rule_spec(&m.spec, text, sizeof(text)) > 0 &&
	   !strcmp(text, "deny"), "decode rule without destination");

	/* malformed variants */
	nlh = start_msg(buf, 30, 1, 0);
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 4, 24);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "rule without path refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "rule without nest refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v6, 16, 24);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "AF_INET with 16-byte address refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET6, v4, 4, 24);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "AF_INET6 with 4-byte address refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 4, 33);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "IPv4 prefix 33 refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, 99, v4, 4, 8);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "unknown family refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put(nlh, NF_EGRESS_A_CGROUP_PATH, 3, "/t1");	/* no NUL */
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 4, 8);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "unterminated path refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u16(nlh, NF_EGRESS_A_GENERATION, 1);	/* short */
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 4, 8);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "short u32 refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, 1);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "rule without id refused");

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 30;
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "message without genl header refused");
}

static void test_decode_others(void)
{
	struct egress_policy_msg p;
	struct egress_stats_msg s;
	struct egress_info_msg i;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_A_DEFAULT, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_RULE_COUNT, 2);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 5);
	ok(egress_decode_policy(nlh, &p) == 0 && !strcmp(p.path, "/t1") &&
	   p.has_default && p.default_verdict == NF_EGRESS_VERDICT_ALLOW &&
	   p.has_rule_count && p.rule_count == 2 && p.generation == 5,
	   "decode policy");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_u16(nlh, NF_EGRESS_A_DEFAULT, 1);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_decode_policy(nlh, &p) == -EBADMSG, "policy with u16 default refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 5);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_ALLOWED);
	/* the kernel pads u64s to 8-byte alignment */
	mnl_attr_put(nlh, NF_EGRESS_CTR_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 3);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 0x100000000ull);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_DENIED);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 1);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 128);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_stats(nlh, &s) == 0 && s.counters.allowed.packets == 3 &&
	   s.counters.allowed.bytes == 0x100000000ull && s.counters.denied.packets == 1 &&
	   s.counters.denied.bytes == 128 && s.generation == 5, "decode stats");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_decode_stats(nlh, &s) == 0 && s.counters.allowed.packets == 0 &&
	   s.counters.denied.bytes == 0, "decode stats without counters: zeros");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_DENIED);
	mnl_attr_put_u32(nlh, NF_EGRESS_CTR_A_PACKETS, 1);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG, "stats with u32 counter refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_VERSION, "0.1.0");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 9);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_POLICY_COUNT, 2);
	ok(egress_decode_info(nlh, &i) == 0 && !strcmp(i.version, "0.1.0") &&
	   i.generation == 9 && i.policy_count == 2, "decode info");
}

static void test_encode(void)
{
	struct egress_rule_spec spec;
	struct egress_rule_msg m;
	struct nlmsghdr *nlh;
	struct nlattr *attr;
	char name[128];
	char *rule_argv[] = { "deny", "to", "2001:db8::/32" };
	uint32_t path_off = 0, plen_off = 0;
	char small[64] __attribute__((aligned(8)));

	parse_rule_spec(3, rule_argv, &spec, NULL);
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	ok(egress_put_path(nlh, BUFSZ, "/t1") == 0 &&
	   egress_put_rule_spec(nlh, BUFSZ, &spec) == 0, "encode rule spec");

	/* what we encode must decode to the same spec (plus an id) */
	attr = mnl_nlmsg_get_payload_tail(nlh);
	(void)attr;
	{
		struct nlattr *rule = NULL, *a;

		mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
			if (mnl_attr_get_type(a) == NF_EGRESS_A_RULE)
				rule = a;
			if (mnl_attr_get_type(a) == NF_EGRESS_A_CGROUP_PATH)
				path_off = (uint32_t)((char *)a - (char *)nlh);
		}
		mnl_attr_for_each_nested(a, rule)
			if (mnl_attr_get_type(a) == NF_EGRESS_RULE_A_PREFIX_LEN)
				plen_off = (uint32_t)((char *)a - (char *)nlh);
		/* graft an id so the reply decoder accepts it */
		{
			struct nlattr *nest = rule;
			size_t old = nest->nla_len;

			mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 1);
			nest->nla_len = (uint16_t)(old + MNL_ATTR_HDRLEN + 4);
		}
	}
	ok(egress_decode_rule(nlh, &m) == 0 && m.spec.action == spec.action &&
	   m.spec.to.family == AF_INET6 && m.spec.to.prefix_len == 32 &&
	   !memcmp(&m.spec.to.addr, &spec.to.addr, 16), "encoded spec decodes back");

	ok(egress_describe_offset(nlh, path_off, name, sizeof(name)) &&
	   !strcmp(name, "NF_EGRESS_A_CGROUP_PATH"), "describe offset of path");
	ok(egress_describe_offset(nlh, plen_off, name, sizeof(name)) &&
	   !strcmp(name, "NF_EGRESS_A_RULE/NF_EGRESS_RULE_A_PREFIX_LEN"),
	   "describe offset of nested prefix length");
	ok(!egress_describe_offset(nlh, path_off + 1, name, sizeof(name)),
	   "describe offset inside an attribute: none");
	ok(!egress_describe_offset(nlh, 100000, name, sizeof(name)),
	   "describe offset beyond the message: none");

	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	ok(egress_put_rule_id(nlh, BUFSZ, 42) == 0, "encode rule id");

	/* encoders refuse to overflow their buffer */
	nlh = start_msg(small, 30, 1, NLM_F_REQUEST);
	ok(egress_put_path(nlh, sizeof(small),
			   "/a-path-that-is-too-long-for-the-tiny-buffer-here") == -EMSGSIZE,
	   "encode path: -EMSGSIZE when it does not fit");
	nlh = start_msg(small, 30, 1, NLM_F_REQUEST);
	ok(egress_put_rule_spec(nlh, sizeof(small), &spec) == -EMSGSIZE &&
	   nlh->nlmsg_len == MNL_NLMSG_HDRLEN + GENL_HDRLEN,
	   "encode rule spec: -EMSGSIZE leaves the message unchanged");
}

/* Issue 3 attributes: proto, ports, class, mode, would-deny, explain. */
static void test_v2(void)
{
	static struct egress_explain_msg x;
	char text[EGRESS_RULE_STRLEN];
	struct egress_policy_msg p;
	struct egress_stats_msg s;
	struct egress_rule_spec spec;
	struct egress_rule_msg m;
	struct egress_packet pkt;
	struct nlmsghdr *nlh;
	struct nlattr *nest, *lvl, *a;
	char *argv1[] = { "allow", "tcp", "to", "10.0.0.0/8", "port", "80-90",
			  "class", "web" };
	char *argv2[] = { "deny", "proto", "any", "to", "10.0.0.0/8" };
	char *pargv[] = { "2001:db8::1", "proto", "udp", "port", "53" };
	bool seen_proto = false, seen_min = false, seen_max = false, seen_class = false;

	/* encoding: proto, both ports and class are sent */
	parse_rule_spec(8, argv1, &spec, NULL);
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	ok(egress_put_rule_spec(nlh, BUFSZ, &spec) == 0, "encode v2 rule spec");
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		struct nlattr *in;

		mnl_attr_for_each_nested(in, a) {
			switch (mnl_attr_get_type(in)) {
			case NF_EGRESS_RULE_A_PROTO:
				seen_proto = mnl_attr_get_payload_len(in) == 1 &&
					     mnl_attr_get_u8(in) == IPPROTO_TCP;
				break;
			case NF_EGRESS_RULE_A_PORT_MIN:
				seen_min = mnl_attr_get_payload_len(in) == 2 &&
					   mnl_attr_get_u16(in) == 80;
				break;
			case NF_EGRESS_RULE_A_PORT_MAX:
				seen_max = mnl_attr_get_payload_len(in) == 2 &&
					   mnl_attr_get_u16(in) == 90;
				break;
			case NF_EGRESS_RULE_A_CLASS:
				seen_class = !strcmp(mnl_attr_get_str(in), "web");
				break;
			}
		}
	}
	ok(seen_proto && seen_min && seen_max && seen_class,
	   "v2 rule: PROTO u8, PORT_MIN/MAX u16, CLASS string");

	/* proto any and no port: neither attribute */
	parse_rule_spec(5, argv2, &spec, NULL);
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	egress_put_rule_spec(nlh, BUFSZ, &spec);
	seen_proto = seen_min = seen_class = false;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		struct nlattr *in;

		mnl_attr_for_each_nested(in, a) {
			uint16_t t = mnl_attr_get_type(in);

			seen_proto |= t == NF_EGRESS_RULE_A_PROTO;
			seen_min |= t == NF_EGRESS_RULE_A_PORT_MIN ||
				    t == NF_EGRESS_RULE_A_PORT_MAX;
			seen_class |= t == NF_EGRESS_RULE_A_CLASS;
		}
	}
	ok(!seen_proto && !seen_min && !seen_class,
	   "rule with proto any, no ports, no class: no such attributes");

	/* decoding a full rule */
	nlh = start_msg(buf, 30, 1, NLM_F_MULTI);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 7);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR, 4, v4);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN, 24);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MIN, 53);
	mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MAX, 53);
	mnl_attr_put_strz(nlh, NF_EGRESS_RULE_A_CLASS, "dns");
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_rule(nlh, &m) == 0 && m.id == 7 &&
	   format_rule_spec(&m.spec, text, sizeof(text)) > 0 &&
	   !strcmp(text, "allow udp to 10.99.0.0/24 port 53 class dns"),
	   "decode v2 rule");

	/* one port bound without the other is malformed */
	nlh = start_msg(buf, 30, 1, NLM_F_MULTI);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 7);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MIN, 53);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "rule with PORT_MIN only refused");
	nlh = start_msg(buf, 30, 1, NLM_F_MULTI);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 7);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MIN, 90);
	mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MAX, 80);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_rule(nlh, &m) == -EBADMSG, "rule with min > max refused");

	/* policy mode, stats mode and would-deny */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, NF_EGRESS_MODE_AUDIT);
	ok(egress_decode_policy(nlh, &p) == 0 && p.has_mode &&
	   p.mode == NF_EGRESS_MODE_AUDIT, "decode policy mode");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, NF_EGRESS_MODE_AUDIT);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_WOULD_DENY);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 4);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 512);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_stats(nlh, &s) == 0 && s.has_mode &&
	   s.counters.would_deny.packets == 4 && s.counters.would_deny.bytes == 512,
	   "decode stats mode and would-deny");

	/* the explain packet */
	ok(parse_packet_spec(5, pargv, &pkt, NULL) == 0, "parse explain packet");
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	ok(egress_put_packet(nlh, BUFSZ, &pkt) == 0, "encode explain packet");
	{
		int fam = -1, alen = -1, proto = -1, port = -1;

		mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
			struct nlattr *in;

			if (mnl_attr_get_type(a) != NF_EGRESS_A_EXPLAIN_PACKET)
				continue;
			mnl_attr_for_each_nested(in, a) {
				switch (mnl_attr_get_type(in)) {
				case NF_EGRESS_EXPLAIN_A_FAMILY:
					fam = mnl_attr_get_u8(in);
					break;
				case NF_EGRESS_EXPLAIN_A_ADDR:
					alen = (int)mnl_attr_get_payload_len(in);
					break;
				case NF_EGRESS_EXPLAIN_A_PROTO:
					proto = mnl_attr_get_u8(in);
					break;
				case NF_EGRESS_EXPLAIN_A_PORT:
					port = mnl_attr_get_u16(in);
					break;
				}
			}
		}
		ok(fam == AF_INET6 && alen == 16 && proto == IPPROTO_UDP && port == 53,
		   "explain packet attributes");
	}

	/* an explain reply: two levels, root first */
	nlh = start_msg(buf, 30, 1, 0);
	lvl = mnl_attr_nest_start(nlh, NF_EGRESS_A_EXPLAIN_LEVEL);
	mnl_attr_put_strz(nlh, NF_EGRESS_EXPLAIN_A_CGROUP_PATH, "/");
	mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_MODE, NF_EGRESS_MODE_AUDIT);
	mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_VERDICT, NF_EGRESS_VERDICT_DENY);
	mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_DEFAULT, NF_EGRESS_VERDICT_DENY);
	mnl_attr_nest_end(nlh, lvl);
	mnl_attr_put_u8(nlh, NF_EGRESS_A_VERDICT, NF_EGRESS_VERDICT_ALLOW);
	lvl = mnl_attr_nest_start(nlh, NF_EGRESS_A_EXPLAIN_LEVEL);
	mnl_attr_put_strz(nlh, NF_EGRESS_EXPLAIN_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_MODE, NF_EGRESS_MODE_ENFORCE);
	mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_VERDICT, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_put_u32(nlh, NF_EGRESS_EXPLAIN_A_RULE_ID, 3);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_EXPLAIN_A_RULE);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY, AF_INET6);
	mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR, 16, v6);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN, 64);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_nest_end(nlh, lvl);
	ok(egress_decode_explain(nlh, &x) == 0 && x.nlevels == 2 &&
	   x.verdict == NF_EGRESS_VERDICT_ALLOW &&
	   !strcmp(x.levels[0].path, "/") && !x.levels[0].has_rule &&
	   x.levels[0].has_default && x.levels[0].mode == NF_EGRESS_MODE_AUDIT &&
	   !strcmp(x.levels[1].path, "/t1") && x.levels[1].has_rule &&
	   x.levels[1].rule_id == 3 &&
	   format_rule_spec(&x.levels[1].rule, text, sizeof(text)) > 0 &&
	   !strcmp(text, "allow to 2001:db8:99::/64"), "decode explain reply");

	nlh = start_msg(buf, 30, 1, 0);
	ok(egress_decode_explain(nlh, &x) == -EBADMSG, "explain reply without verdict refused");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_u8(nlh, NF_EGRESS_A_VERDICT, NF_EGRESS_VERDICT_ALLOW);
	ok(egress_decode_explain(nlh, &x) == 0 && x.nlevels == 0, "explain reply, no levels");
	lvl = mnl_attr_nest_start(nlh, NF_EGRESS_A_EXPLAIN_LEVEL);
	mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_VERDICT, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_nest_end(nlh, lvl);
	ok(egress_decode_explain(nlh, &x) == -EBADMSG, "explain level without path refused");
}

/* ratelimited, reset time, class nests, rule stats */
static int count_class(const struct egress_class_msg *c, void *data)
{
	char *seen = data;

	snprintf(seen + strlen(seen), 64, "%s=%llu/%llu", c->name,
		 (unsigned long long)c->ctr.packets,
		 (unsigned long long)c->ctr.bytes);
	if (c->has_conn_active)
		snprintf(seen + strlen(seen), 32, " active %u", c->conn_active);
	strcat(seen, ";");
	return 0;
}

static void put_class(struct nlmsghdr *nlh, const char *name, uint64_t p,
		      uint64_t b)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_CLASS);

	if (name)
		mnl_attr_put_strz(nlh, NF_EGRESS_CTR_A_CLASS, name);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, p);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, b);
	mnl_attr_nest_end(nlh, nest);
}

static void test_accounting(void)
{
	struct egress_stats_msg s;
	struct egress_rule_msg r;
	struct nlmsghdr *nlh;
	struct nlattr *nest, *in;
	char seen[256] = "";

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_class(nlh, "internet", 10, 1000);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_RATELIMITED);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 7);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 700);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put(nlh, NF_EGRESS_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NF_EGRESS_A_STATS_RESET_TIME, 1795784700);
	put_class(nlh, "peering", 2, 200);
	ok(egress_decode_stats(nlh, &s) == 0 && s.counters.ratelimited.packets == 7 &&
	   s.counters.ratelimited.bytes == 700 && s.counters.has_reset_time &&
	   s.counters.reset_time == 1795784700 && s.counters.nclasses == 2,
	   "decode stats: ratelimited, reset time, two classes");
	ok(egress_stats_for_each_class(nlh, count_class, seen) == 0 &&
	   !strcmp(seen, "internet=10/1000;peering=2/200;"),
	   "class nests walked in order");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_decode_stats(nlh, &s) == 0 && !s.counters.has_reset_time &&
	   s.counters.nclasses == 0 && s.counters.ratelimited.packets == 0,
	   "decode stats: no reset time, no classes, zero ratelimited");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_class(nlh, NULL, 1, 1);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG, "class nest without name refused");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_class(nlh, "no spaces", 1, 1);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG, "class nest with invalid name refused");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_RESET_TIME, 5);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG, "u32 reset time refused");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_class(nlh, "web", 1, 1);
	put_class(nlh, "web", 2, 2);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG,
	   "stats with a class twice refused (as an instance gone)");

	nlh = start_msg(buf, 30, 1, NLM_F_MULTI);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 3);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR, 4, v4);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN, 16);
	in = mnl_attr_nest_start(nlh, NF_EGRESS_RULE_A_STATS);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 12);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 0x123456789ull);
	mnl_attr_nest_end(nlh, in);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_rule(nlh, &r) == 0 && r.id == 3 && r.has_stats &&
	   r.stats.packets == 12 && r.stats.bytes == 0x123456789ull,
	   "decode rule stats");
	put_rule_nest(start_msg(buf, 30, 1, 0), 1, 1, AF_INET, v4, 4, 16);
	nlh = (struct nlmsghdr *)buf;
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_decode_rule(nlh, &r) == 0 && !r.has_stats &&
	   r.stats.packets == 0, "rule without stats: has_stats false");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 3);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_ALLOW);
	mnl_attr_put_strz(nlh, NF_EGRESS_RULE_A_CLASS, "a\nb");
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_rule(nlh, &r) == -EBADMSG,
	   "rule with an invalid class name refused (printed as it is)");
}

static int count_any(const struct egress_class_msg *c, void *data)
{
	(void)c; (void)data;
	return 0;
}

/* Random garbage after a genl header must never crash the decoders. */
static void test_fuzz_decoders(void)
{
	struct egress_policy_msg p;
	struct egress_stats_msg s;
	struct egress_rule_msg r;
	struct egress_info_msg i;
	static struct egress_explain_msg x;
	static struct egress_event_msg ev;
	struct egress_health_reply_msg h;
	unsigned int seed = 12345;
	int iter, decoded = 0;

	for (iter = 0; iter < 20000; iter++) {
		struct nlmsghdr *nlh = start_msg(buf, 30, 1, 0);
		size_t len = (size_t)(rand_r(&seed) % 256);
		uint8_t *tail = mnl_nlmsg_get_payload_tail(nlh);
		size_t k;

		for (k = 0; k < len; k++)
			tail[k] = (uint8_t)rand_r(&seed);
		/* bias toward plausible headers: small lengths and types */
		if (len >= 4 && (iter & 1)) {
			tail[0] = (uint8_t)(4 + rand_r(&seed) % (len - 3));
			tail[1] = 0;
			tail[2] = (uint8_t)(rand_r(&seed) % 24);
			tail[3] = (uint8_t)(rand_r(&seed) & 0x80);
		}
		nlh->nlmsg_len += (uint32_t)len;
		if (egress_decode_policy(nlh, &p) == 0) {
			decoded++;
			egress_policy_for_each_conn(nlh, NULL, NULL);
		}
		decoded += egress_decode_rule(nlh, &r) == 0;
		if (egress_decode_stats(nlh, &s) == 0) {
			decoded++;
			egress_stats_for_each_class(nlh, count_any, NULL);
		}
		decoded += egress_decode_info(nlh, &i) == 0;
		decoded += egress_decode_health(nlh, &h) == 0;
		decoded += egress_decode_explain(nlh, &x) == 0;
		decoded += egress_decode_event(nlh, &ev) == 0;
	}
	ok(1, "fuzzed decoders survived 20000 messages (%d decoded)", decoded);
}

/* --- reply processing ------------------------------------------------- */

struct collect {
	int calls;
	int fail_at;		/* return -EIO on this call (1-based), 0 never */
};

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct collect *c = data;

	(void)nlh;
	c->calls++;
	return c->calls == c->fail_at ? -EIO : 0;
}

/* Append a bare netlink message to the stream at *pos. */
static struct nlmsghdr *append(char *stream, size_t *pos, uint16_t type,
			       uint32_t seq, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(stream + *pos);

	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 1234;
	nlh->nlmsg_flags = flags;
	return nlh;
}

static void append_done(size_t *pos, struct nlmsghdr *nlh)
{
	*pos += MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *append_data(char *stream, size_t *pos, uint32_t seq,
				    uint16_t flags)
{
	struct nlmsghdr *nlh = append(stream, pos, 30, seq, flags);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = 1;
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	append_done(pos, nlh);
	return nlh;
}

static void append_dump_done(char *stream, size_t *pos, uint32_t seq,
			     int error, const char *msg)
{
	struct nlmsghdr *nlh = append(stream, pos, NLMSG_DONE, seq,
				      NLM_F_MULTI | (msg ? NLM_F_ACK_TLVS : 0));
	int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*e = error;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	append_done(pos, nlh);
}

/* An NLMSG_ERROR; echo: include the (fake, 24-byte) request as uncapped. */
static void append_error(char *stream, size_t *pos, uint32_t seq, int error,
			 bool echo, const char *msg, int offs)
{
	uint16_t flags = (msg || offs >= 0) ? NLM_F_ACK_TLVS : 0;
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	if (!echo)
		flags |= NLM_F_CAPPED;
	nlh = append(stream, pos, NLMSG_ERROR, seq, flags);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = echo ? sizeof(struct nlmsghdr) + 8 : sizeof(struct nlmsghdr);
	e->msg.nlmsg_seq = seq;
	if (echo) {
		/* the echoed request payload: 8 bytes that look like attrs */
		uint32_t *junk = mnl_nlmsg_put_extra_header(nlh, 8);

		junk[0] = 0x00010008;
		junk[1] = 0xdeadbeef;
	}
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (offs >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offs);
	append_done(pos, nlh);
}

static void run(char *stream, size_t len, struct nl_exchange *x,
		struct nl_ext_err *ext, struct collect *c, uint32_t seq,
		bool dump)
{
	memset(x, 0, sizeof(*x));
	memset(ext, 0, sizeof(*ext));
	x->seq = seq;
	x->portid = 1234;
	x->dump = dump;
	x->cb = collect_cb;
	x->data = c;
	x->ext = ext;
	nl_process_replies(x, stream, len);
}

static void test_replies(void)
{
	static char stream[16384] __attribute__((aligned(8)));
	struct nl_exchange x;
	struct nl_ext_err ext;
	struct collect c;
	size_t pos;

	/* plain dump */
	pos = 0;
	append_data(stream, &pos, 5, NLM_F_MULTI);
	append_data(stream, &pos, 5, NLM_F_MULTI);
	append_dump_done(stream, &pos, 5, 0, NULL);
	memset(&c, 0, sizeof(c));
	run(stream, pos, &x, &ext, &c, 5, true);
	ok(x.done && !x.error && !x.intr && c.calls == 2, "dump: two messages then DONE");

	/* split across two reads */
	memset(&c, 0, sizeof(c));
	run(stream, pos, &x, &ext, &c, 5, true);
	ok(x.done && c.calls == 2, "dump: same again");
	{
		size_t first = MNL_ALIGN(((struct nlmsghdr *)stream)->nlmsg_len);

		memset(&c, 0, sizeof(c));
		run(stream, first, &x, &ext, &c, 5, true);
		ok(!x.done && c.calls == 1, "dump: first read, not done");
		nl_process_replies(&x, stream + first, pos - first);
		ok(x.done && c.calls == 2,
		   "dump: second read completes it");
	}

	/* interrupted dump: every message still read, intr flagged */
	pos = 0;
	append_data(stream, &pos, 6, NLM_F_MULTI);
	append_data(stream, &pos, 6, NLM_F_MULTI | NLM_F_DUMP_INTR);
	append_dump_done(stream, &pos, 6, 0, NULL);
	memset(&c, 0, sizeof(c));
	run(stream, pos, &x, &ext, &c, 6, true);
	ok(x.done && x.intr && !x.error && c.calls == 2, "dump: NLM_F_DUMP_INTR noticed, dump drained");

	/* DONE carrying an error and an extack message */
	pos = 0;
	append_data(stream, &pos, 7, NLM_F_MULTI);
	append_dump_done(stream, &pos, 7, -ENOENT, "nf_egress: no such policy");
	memset(&c, 0, sizeof(c));
	run(stream, pos, &x, &ext, &c, 7, true);
	ok(x.done && x.error == -ENOENT && ext.error == -ENOENT &&
	   !strcmp(ext.msg, "nf_egress: no such policy"), "dump: error in DONE with extack");

	/* stale messages of an earlier exchange are skipped */
	pos = 0;
	append_data(stream, &pos, 3, NLM_F_MULTI);
	append_dump_done(stream, &pos, 3, 0, NULL);
	append_data(stream, &pos, 8, NLM_F_MULTI);
	append_dump_done(stream, &pos, 8, 0, NULL);
	memset(&c, 0, sizeof(c));
	run(stream, pos, &x, &ext, &c, 8, true);
	ok(x.done && !x.error && c.calls == 1, "stale sequence numbers skipped");

	/* messages for another port id are skipped */
	pos = 0;
	{
		struct nlmsghdr *n = append_data(stream, &pos, 8, NLM_F_MULTI);

		n->nlmsg_pid = 999;
	}
	append_dump_done(stream, &pos, 8, 0, NULL);
	memset(&c, 0, sizeof(c));
	run(stream, pos, &x, &ext, &c, 8, true);
	ok(x.done && c.calls == 0, "foreign port id skipped");

	/* callback failure: remembered, rest drained, no more callbacks */
	pos = 0;
	append_data(stream, &pos, 9, NLM_F_MULTI);
	append_data(stream, &pos, 9, NLM_F_MULTI);
	append_data(stream, &pos, 9, NLM_F_MULTI);
	append_dump_done(stream, &pos, 9, 0, NULL);
	memset(&c, 0, sizeof(c));
	c.fail_at = 1;
	run(stream, pos, &x, &ext, &c, 9, true);
	ok(x.done && x.cb_error == -EIO && c.calls == 1, "callback error stops callbacks, dump drained");

	/* request: reply then ACK */
	pos = 0;
	append_data(stream, &pos, 10, 0);
	append_error(stream, &pos, 10, 0, false, NULL, -1);
	memset(&c, 0, sizeof(c));
	run(stream, pos, &x, &ext, &c, 10, false);
	ok(x.done && !x.error && c.calls == 1, "request: reply and ACK");

	/* request: error with capped extack */
	pos = 0;
	append_error(stream, &pos, 11, -EEXIST, false,
		     "nf_egress: policy already exists", -1);
	run(stream, pos, &x, &ext, &c, 11, false);
	ok(x.done && x.error == -EEXIST && !strcmp(ext.msg, "nf_egress: policy already exists") &&
	   !ext.has_offs, "request: EEXIST with capped extack message");

	/* request: error echoing the request, then TLVs */
	pos = 0;
	append_error(stream, &pos, 12, -EINVAL, true, "bad prefix", 36);
	run(stream, pos, &x, &ext, &c, 12, false);
	ok(x.done && x.error == -EINVAL && !strcmp(ext.msg, "bad prefix") &&
	   ext.has_offs && ext.offs == 36, "request: uncapped error, extack after echoed request");

	/* request: bare error without TLVs */
	pos = 0;
	append_error(stream, &pos, 13, -EPERM, false, NULL, -1);
	run(stream, pos, &x, &ext, &c, 13, false);
	ok(x.done && x.error == -EPERM && !ext.msg[0], "request: EPERM without extack");

	/* a truncated NLMSG_ERROR is reported, not read past */
	pos = 0;
	{
		struct nlmsghdr *n = append(stream, &pos, NLMSG_ERROR, 14, 0);

		mnl_nlmsg_put_extra_header(n, 4);
		append_done(&pos, n);
	}
	run(stream, pos, &x, &ext, &c, 14, false);
	ok(x.done && x.error == -EBADMSG, "request: short NLMSG_ERROR is -EBADMSG");

	/* an ACK_TLVS error whose echoed length lies is ignored safely */
	pos = 0;
	{
		struct nlmsghdr *n = append(stream, &pos, NLMSG_ERROR, 15, NLM_F_ACK_TLVS);
		struct nlmsgerr *e = mnl_nlmsg_put_extra_header(n, sizeof(*e));

		e->error = -EINVAL;
		e->msg.nlmsg_len = 60000;
		append_done(&pos, n);
	}
	run(stream, pos, &x, &ext, &c, 15, false);
	ok(x.done && x.error == -EINVAL && !ext.msg[0], "request: lying echo length ignored");

	/* garbage lengths: never read beyond the buffer */
	pos = 0;
	{
		struct nlmsghdr *n = append(stream, &pos, 30, 16, 0);

		n->nlmsg_len = 100000;
	}
	run(stream, 16, &x, &ext, &c, 16, false);
	ok(!x.done, "oversized nlmsg_len: nothing processed");
}

/* --- live kernel, nlctrl family ---------------------------------------- */

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(int *)data)++;
	return 0;
}

static struct nlmsghdr *build_family_dump(struct nl_ctx *ctx, void *data)
{
	(void)data;
	return nl_genl_start(ctx, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
}

static void reset_count(void *data)
{
	*(int *)data = 0;
}

static void test_live(void)
{
	static struct nl_ctx ctx;
	struct nlmsghdr *nlh;
	uint16_t id = 0;
	int err, n = 0;

	err = nl_open(&ctx);
	if (err) {
		skip("live netlink: cannot open a generic netlink socket (%s)",
		     strerror(-err));
		return;
	}
	err = nl_resolve_family(&ctx, "nlctrl", &id);
	ok(err == 0 && id == GENL_ID_CTRL, "live: nlctrl resolves to GENL_ID_CTRL");
	/* family names are at most 15 characters (GENL_NAMSIZ) */
	err = nl_resolve_family(&ctx, "nf_egress_nx", &id);
	ok(err == -ENOENT, "live: unknown family gives -ENOENT (%s)", strerror(-err));
	err = nl_resolve_family(&ctx, "nf_egress_name_too_long", &id);
	ok(err == -EINVAL && ctx.ext.error == -EINVAL,
	   "live: over-long family name refused with extack (%s: %s)",
	   strerror(-err), ctx.ext.msg);

	err = nl_dump(&ctx, build_family_dump, count_cb, reset_count, &n);
	ok(err == 0 && n >= 1, "live: family dump returns %d families", n);

	/* a dump that fails must leave the socket usable */
	nlh = nl_genl_start(&ctx, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0xfffe);
	err = nl_request(&ctx, nlh, NULL, NULL);
	ok(err < 0, "live: lookup of a bogus family id fails (%s%s%s)",
	   strerror(-err), ctx.ext.msg[0] ? ": " : "", ctx.ext.msg);
	err = nl_resolve_family(&ctx, "nlctrl", &id);
	ok(err == 0 && id == GENL_ID_CTRL, "live: socket still usable after an error");

	nl_close(&ctx);
}

/* shape mode: queue limit and latency in the rate nest */
static void test_shaping(void)
{
	struct egress_policy_msg pm;
	struct egress_rate r = { 0 };
	const struct nlattr *a, *in;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t q = 0, lat = 0, qoff = 0;
	char name[96];
	bool has_mode = false;

	/* encoding: QUEUE_LIMIT and LATENCY_US in the rate nest */
	r.has_bytes = true;
	r.bytes_per_sec = 1250000;
	r.mode = NF_EGRESS_RATE_SHAPE;
	r.has_queue = r.has_latency = true;
	r.queue_limit = 64;
	r.latency_us = 20000;
	nlh = start_msg(buf, 30, 1, 0);
	ok(egress_put_rate(nlh, BUFSZ, &r) == 0, "encode shape rate");
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != NF_EGRESS_A_RATE)
			continue;
		mnl_attr_for_each_nested(in, a) {
			switch (mnl_attr_get_type(in)) {
			case NF_EGRESS_RATE_A_QUEUE_LIMIT:
				q = mnl_attr_get_u32(in);
				qoff = (uint32_t)((const char *)in - (const char *)nlh);
				break;
			case NF_EGRESS_RATE_A_LATENCY_US:
				lat = mnl_attr_get_u32(in);
				break;
			case NF_EGRESS_RATE_A_MODE:
				has_mode = mnl_attr_get_u8(in) == NF_EGRESS_RATE_SHAPE;
				break;
			}
		}
	}
	ok(q == 64 && lat == 20000 && has_mode,
	   "rate nest carries QUEUE_LIMIT 64, LATENCY_US 20000 and MODE shape");
	ok(egress_describe_offset(nlh, qoff, name, sizeof(name)) &&
	   !strcmp(name, "NF_EGRESS_A_RATE/NF_EGRESS_RATE_A_QUEUE_LIMIT"),
	   "extack offset names NF_EGRESS_RATE_A_QUEUE_LIMIT (%s)", name);
	r.has_queue = r.has_latency = false;
	q = lat = 0;
	nlh = start_msg(buf, 30, 1, 0);
	egress_put_rate(nlh, BUFSZ, &r);
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		mnl_attr_for_each_nested(in, a) {
			if (mnl_attr_get_type(in) == NF_EGRESS_RATE_A_QUEUE_LIMIT ||
			    mnl_attr_get_type(in) == NF_EGRESS_RATE_A_LATENCY_US)
				q++;
		}
	}
	ok(q == 0, "no queue/latency given: none sent (the kernel's defaults apply)");

	/* decoding a policy's shape-mode limit */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RATE);
	mnl_attr_put(nlh, NF_EGRESS_RATE_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NF_EGRESS_RATE_A_BYTES_PER_SEC, 1250000);
	mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_BURST, 65536);
	mnl_attr_put_u8(nlh, NF_EGRESS_RATE_A_MODE, NF_EGRESS_RATE_SHAPE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_QUEUE_LIMIT, 1000);
	mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_LATENCY_US, 100000);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_policy(nlh, &pm) == 0 && pm.has_rate &&
	   pm.rate.has_queue && pm.rate.queue_limit == 1000 &&
	   pm.rate.has_latency && pm.rate.latency_us == 100000,
	   "decode policy: shape limit with queue 1000, latency 100000 us");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RATE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_PPS, 10);
	mnl_attr_put_u8(nlh, NF_EGRESS_RATE_A_MODE, NF_EGRESS_RATE_POLICE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_QUEUE_LIMIT, 1000);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_policy(nlh, &pm) == 0 && pm.has_rate &&
	   !pm.rate.has_queue && !pm.rate.has_latency,
	   "decode policy: queue of a police limit ignored");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RATE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_PPS, 10);
	mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_QUEUE_LIMIT, 0);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_policy(nlh, &pm) == -EBADMSG, "queue limit 0 refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RATE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_PPS, 10);
	mnl_attr_put_u16(nlh, NF_EGRESS_RATE_A_LATENCY_US, 100);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_policy(nlh, &pm) == -EBADMSG, "latency as u16 refused");
}

/* the shaping counters of STATS_GET */
static void test_shaping_stats(void)
{
	struct egress_stats_msg s;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	/* stats: shaped, queue length, max delay */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_SHAPED);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 40);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 5120);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_QUEUE_LEN, 3);
	mnl_attr_put(nlh, NF_EGRESS_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NF_EGRESS_A_STATS_MAX_DELAY_NS, 12345678901ull);
	ok(egress_decode_stats(nlh, &s) == 0 && s.counters.has_shaping &&
	   s.counters.shaped.packets == 40 && s.counters.shaped.bytes == 5120 &&
	   s.counters.queue_len == 3 && s.counters.max_delay_ns == 12345678901ull,
	   "decode stats: shaped 40/5120, queue 3, max delay 12345678901 ns");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_decode_stats(nlh, &s) == 0 && !s.counters.has_shaping &&
	   s.counters.shaped.packets == 0 && s.counters.queue_len == 0 && s.counters.max_delay_ns == 0,
	   "decode stats: no shaping attributes (older module): zeros");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_MAX_DELAY_NS, 5);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG, "max delay as u32 refused");
	ok(!strcmp(egress_attr_name(NF_EGRESS_A_STATS_MAX_DELAY_NS),
		   "NF_EGRESS_A_STATS_MAX_DELAY_NS"), "attribute names");
}

/* A complete event notification, as events.c builds it. */
static struct nlmsghdr *put_event(uint8_t family, const void *saddr,
				  const void *daddr, size_t alen, bool task)
{
	struct nlmsghdr *nlh = start_msg(buf, 30, 0, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);

	mnl_attr_put_u64(nlh, NF_EGRESS_EVENT_A_TIME_NS, 1795784700123456789ULL);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_VERDICT, NF_EGRESS_EVENT_WOULD_DENY);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH, "/t1/app");
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, "/t1");
	mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_RULE_ID, 7);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, family);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_PROTO, IPPROTO_TCP);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_SADDR, alen, saddr);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_DADDR, alen, daddr);
	mnl_attr_put_u16(nlh, NF_EGRESS_EVENT_A_SPORT, 40000);
	mnl_attr_put_u16(nlh, NF_EGRESS_EVENT_A_DPORT, 443);
	if (task) {
		mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_PID, 4242);
		mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_COMM, "curl");
	}
	mnl_attr_put_u64(nlh, NF_EGRESS_EVENT_A_SUPPRESSED, 99);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

static void test_decode_event(void)
{
	struct egress_event_msg e;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = put_event(AF_INET, v4, v4, 4, true);
	ok(egress_decode_event(nlh, &e) == 0 &&
	   e.time_ns == 1795784700123456789ULL &&
	   e.verdict == NF_EGRESS_EVENT_WOULD_DENY &&
	   !strcmp(e.cgroup, "/t1/app") && !strcmp(e.policy, "/t1") &&
	   e.has_rule_id && e.rule_id == 7 && e.family == AF_INET &&
	   e.proto == IPPROTO_TCP && e.has_saddr && e.has_daddr &&
	   !memcmp(e.daddr, v4, 4) && e.has_ports && e.sport == 40000 &&
	   e.dport == 443 && e.has_pid && e.pid == 4242 &&
	   !strcmp(e.comm, "curl") && e.suppressed == 99,
	   "decode event: every field");
	nlh = put_event(AF_INET6, v6, v6, 16, false);
	ok(egress_decode_event(nlh, &e) == 0 && e.family == AF_INET6 &&
	   !memcmp(e.saddr, v6, 16) && !e.has_pid && !e.comm,
	   "decode event: IPv6, no task");
	nlh = put_event(AF_INET, v6, v6, 16, true);
	ok(egress_decode_event(nlh, &e) == -EBADMSG,
	   "event with AF_INET and 16-byte addresses refused");
	nlh = put_event(AF_INET6, v4, v4, 4, true);
	ok(egress_decode_event(nlh, &e) == -EBADMSG,
	   "event with AF_INET6 and 4-byte addresses refused");

	nlh = start_msg(buf, 30, 0, 0);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_VERDICT, NF_EGRESS_EVENT_DENY);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH, "/t1");
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, AF_INET);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_event(nlh, &e) == -EBADMSG, "event without time refused");
	nlh = start_msg(buf, 30, 0, 0);
	ok(egress_decode_event(nlh, &e) == -EBADMSG, "message without event nest refused");
	nlh = start_msg(buf, 30, 0, 0);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);
	mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_TIME_NS, 1);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_event(nlh, &e) == -EBADMSG, "event with a u32 time refused");
}

/* --- events from an untrusted kernel ------------------------------------ */

static char bigbuf[4 * NF_EGRESS_CGROUP_PATH_MAX] __attribute__((aligned(8)));
static struct nlattr *ev_nest;

/* The text line (json false) or the JSON object of e, malloc'ed. */
static char *event_output(const struct egress_event_msg *e, bool json)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	event_print(f, e, json);
	fclose(f);
	return text;
}

/* nlh decodes, and prints as want_text and want_json (NULL: not compared). */
static void event_case(const struct nlmsghdr *nlh, const char *want_text,
		       const char *want_json, const char *desc)
{
	static struct egress_event_msg e;
	char *text, *json;

	if (egress_decode_event(nlh, &e)) {
		ok(0, "%s", desc);
		diag("refused: %s", e.why);
		return;
	}
	text = event_output(&e, false);
	json = event_output(&e, true);
	if (!ok(!strcmp(text, want_text) && (!want_json || !strcmp(json, want_json)),
		"%s", desc)) {
		diag("text: %s", text);
		diag("json: %s", json);
	}
	free(text);
	free(json);
}

/* nlh is refused with a reason that starts with want_why. */
static void event_refused(const struct nlmsghdr *nlh, const char *want_why,
			  const char *desc)
{
	static struct egress_event_msg e;
	int ret = egress_decode_event(nlh, &e);

	if (!ok(ret == -EBADMSG && !strncmp(e.why, want_why, strlen(want_why)),
		"%s", desc))
		diag("ret %d, why '%s', want '%s'", ret, e.why, want_why);
}

/*
 * An event in bigbuf as the module starts it: time (after a PAD, as
 * nla_put_u64_64bit puts it), verdict, the clen bytes of cg as the cgroup
 * path (with a NUL after them unless unterminated) and, when truncated,
 * the flag.  The nest (ev_nest) stays open.
 */
static struct nlmsghdr *ev_begin(const char *cg, size_t clen,
				 bool unterminated, bool truncated)
{
	struct nlmsghdr *nlh = start_msg(bigbuf, 30, 0, 0);
	struct nlattr *a;

	ev_nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NF_EGRESS_EVENT_A_TIME_NS, 1795784700123456789ULL);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_VERDICT, NF_EGRESS_EVENT_DENY);
	a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH,
		     clen + !unterminated, cg);
	if (!unterminated)
		((char *)mnl_attr_get_payload(a))[clen] = '\0';
	if (truncated)
		mnl_attr_put(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED, 0, NULL);
	return nlh;
}

/* The rest of a TCP/IPv4 event from task context, and the nest's end. */
static struct nlmsghdr *ev_end(struct nlmsghdr *nlh)
{
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, "/t1");
	mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_RULE_ID, 2);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, AF_INET);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_PROTO, IPPROTO_TCP);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_SADDR, 4, v4);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_DADDR, 4, v4);
	mnl_attr_put_u16(nlh, NF_EGRESS_EVENT_A_SPORT, 40312);
	mnl_attr_put_u16(nlh, NF_EGRESS_EVENT_A_DPORT, 443);
	mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_PID, 4242);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_COMM, "curl");
	mnl_attr_nest_end(nlh, ev_nest);
	return nlh;
}

static struct nlmsghdr *ev_path(const char *cg, bool truncated)
{
	return ev_end(ev_begin(cg, strlen(cg), false, truncated));
}

#define EV_TIME		"2026-11-27T13:05:00.123456789Z"
#define EV_TAIL		" policy /t1 rule 2 tcp 10.99.0.0:40312 -> 10.99.0.0:443 pid 4242 comm curl\n"
#define EV_JSON(cg, cut) \
	"{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\",\"verdict\":\"deny\"," \
	"\"cgroup\":\"" cg "\",\"cgroup_truncated\":" cut ",\"policy\":\"/t1\",\"rule_id\":2," \
	"\"default\":false,\"quota\":false,\"family\":\"ipv4\",\"proto\":\"tcp\",\"src\":\"10.99.0.0\"," \
	"\"dst\":\"10.99.0.0\",\"sport\":40312,\"dport\":443,\"pid\":4242,\"comm\":\"curl\"," \
	"\"suppressed\":0}\n"

/* --- connection limits ----------------------------------------------------- */

/*
 * A TCP/IPv4 event of verdict v from task context (ev_end's), with the u32
 * attribute type of value, or the flag when type is CONN_TABLE_FULL, or
 * neither when type is 0.
 */
static struct nlmsghdr *conn_class_event(uint8_t v, uint16_t type,
					 uint32_t value, const char *cls)
{
	struct nlmsghdr *nlh = start_msg(bigbuf, 30, 0, 0);

	ev_nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);
	mnl_attr_put_u64(nlh, NF_EGRESS_EVENT_A_TIME_NS, 1795784700123456789ULL);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_VERDICT, v);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH, "/t1/app");
	if (type == NF_EGRESS_EVENT_A_CONN_TABLE_FULL)
		mnl_attr_put(nlh, type, 0, NULL);
	else if (type)
		mnl_attr_put_u32(nlh, type, value);
	if (cls)
		mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_CONN_CLASS, cls);
	return ev_end(nlh);
}

static struct nlmsghdr *conn_event(uint8_t v, uint16_t type, uint32_t value)
{
	return conn_class_event(v, type, value, NULL);
}

#define CONN_JSON(verdict, conn) \
	"{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\",\"verdict\":\"" verdict "\"," \
	"\"cgroup\":\"/t1/app\",\"cgroup_truncated\":false,\"policy\":\"/t1\",\"rule_id\":2," \
	"\"default\":false,\"quota\":false," conn ",\"family\":\"ipv4\",\"proto\":\"tcp\"," \
	"\"src\":\"10.99.0.0\",\"dst\":\"10.99.0.0\",\"sport\":40312,\"dport\":443," \
	"\"pid\":4242,\"comm\":\"curl\",\"suppressed\":0}\n"
#define CONN_TEXT(verdict, conn) \
	EV_TIME " " verdict " /t1/app policy /t1 rule 2" conn \
	" tcp 10.99.0.0:40312 -> 10.99.0.0:443 pid 4242 comm curl\n"

/* A reply about policy /t1 with the nest type open in *nest. */
static struct nlmsghdr *path_msg_nest(uint16_t type, struct nlattr **nest)
{
	struct nlmsghdr *nlh = start_msg(buf, 30, 1, 0);

	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	*nest = mnl_attr_nest_start(nlh, type);
	return nlh;
}

/* A CONN nest of a reply: the limits given (0: not), and a class. */
static void put_conn_nest(struct nlmsghdr *nlh, uint32_t max, uint32_t rate,
			  uint32_t burst, const char *cls)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_CONN);

	if (max)
		mnl_attr_put_u32(nlh, NF_EGRESS_CONN_A_MAX_ACTIVE, max);
	if (rate)
		mnl_attr_put_u32(nlh, NF_EGRESS_CONN_A_RATE, rate);
	if (burst)
		mnl_attr_put_u32(nlh, NF_EGRESS_CONN_A_BURST, burst);
	if (cls)
		mnl_attr_put_strz(nlh, NF_EGRESS_CONN_A_CLASS, cls);
	mnl_attr_nest_end(nlh, nest);
}

/* "[CLASS:]max M rate R burst B;" for each limit walked, in order */
static int conn_text(const struct egress_conn *c, void *data)
{
	char *seen = data;

	if (c->class_name[0])
		snprintf(seen + strlen(seen), 64, "%s:", c->class_name);
	if (c->has_max)
		snprintf(seen + strlen(seen), 32, "max %u ", c->max_active);
	if (c->has_rate)
		snprintf(seen + strlen(seen), 32, "rate %u ", c->rate);
	if (c->has_burst)
		snprintf(seen + strlen(seen), 32, "burst %u ", c->burst);
	strcat(seen, c->none ? "none;" : ";");
	return 0;
}

/* The limits of a POLICY_GET reply as conn_text writes them, or "bad". */
static const char *policy_conns(const struct nlmsghdr *nlh, size_t *n)
{
	static char seen[512];
	struct egress_policy_msg pm;

	seen[0] = '\0';
	*n = 0;
	if (egress_decode_policy(nlh, &pm))
		return "bad";
	*n = pm.nconns;
	if (egress_policy_for_each_conn(nlh, conn_text, seen))
		return "bad walk";
	return seen;
}

static void test_conn(void)
{
	struct egress_stats_msg s;
	struct egress_info_msg i;
	struct egress_event_msg e;
	struct egress_conn c = { 0 }, all[3] = { { 0 } };
	struct nlmsghdr *nlh;
	struct nlattr *nest, *a, *in;
	char name[128], seen[256] = "";
	const char *got;
	uint32_t off = 0;
	size_t n, k;

	/* the policy's CONN nest */
	nlh = path_msg_nest(NF_EGRESS_A_CONN, &nest);
	mnl_attr_put_u32(nlh, NF_EGRESS_CONN_A_MAX_ACTIVE, 5);
	mnl_attr_put_u32(nlh, NF_EGRESS_CONN_A_RATE, 10);
	mnl_attr_put_u32(nlh, NF_EGRESS_CONN_A_BURST, 20);
	mnl_attr_nest_end(nlh, nest);
	got = policy_conns(nlh, &n);
	ok(n == 1 && !strcmp(got, "max 5 rate 10 burst 20 ;"),
	   "decode policy: conn max 5 rate 10/s burst 20 (%s)", got);

	nlh = path_msg_nest(NF_EGRESS_A_CONN, &nest);
	mnl_attr_put_u32(nlh, NF_EGRESS_CONN_A_MAX_ACTIVE, 3);
	mnl_attr_nest_end(nlh, nest);
	got = policy_conns(nlh, &n);
	ok(n == 1 && !strcmp(got, "max 3 ;"), "decode policy: conn max alone (%s)",
	   got);

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	got = policy_conns(nlh, &n);
	ok(n == 0 && !strcmp(got, ""), "decode policy: no CONN nest, no limits");

	nlh = path_msg_nest(NF_EGRESS_A_CONN, &nest);
	mnl_attr_put_u16(nlh, NF_EGRESS_CONN_A_MAX_ACTIVE, 3);
	mnl_attr_nest_end(nlh, nest);
	got = policy_conns(nlh, &n);
	ok(!strcmp(got, "bad"), "decode policy: a u16 conn max refused");

	/* one nest a limit: the policy's first, then the classes' */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_conn_nest(nlh, 5, 0, 0, NULL);
	mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, NF_EGRESS_MODE_ENFORCE);
	put_conn_nest(nlh, 0, 10, 5, "dns");
	put_conn_nest(nlh, 100, 20, 40, "internet");
	got = policy_conns(nlh, &n);
	ok(n == 3 && !strcmp(got, "max 5 ;dns:rate 10 burst 5 ;internet:max 100 rate 20 burst 40 ;"),
	   "decode policy: three CONN nests, two of classes, walked in order (%s)",
	   got);

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_conn_nest(nlh, 0, 7, 0, "a.b-c_D9");
	got = policy_conns(nlh, &n);
	ok(n == 1 && !strcmp(got, "a.b-c_D9:rate 7 ;"),
	   "decode policy: a class's limit alone (%s)", got);

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_conn_nest(nlh, 5, 0, 0, NULL);
	put_conn_nest(nlh, 0, 10, 0, NULL);
	ok(!strcmp(policy_conns(nlh, &n), "bad"),
	   "decode policy: two limits without a class refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_conn_nest(nlh, 5, 0, 0, "web");
	put_conn_nest(nlh, 6, 0, 0, "dns");
	put_conn_nest(nlh, 0, 10, 0, "web");
	ok(!strcmp(policy_conns(nlh, &n), "bad"),
	   "decode policy: two limits of one class refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_conn_nest(nlh, 5, 0, 0, "a b");
	ok(!strcmp(policy_conns(nlh, &n), "bad"),
	   "decode policy: an invalid class name refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_conn_nest(nlh, 5, 0, 0, "abcdefghijklmnopqrstuvwxyz012345");
	ok(!strcmp(policy_conns(nlh, &n), "bad"),
	   "decode policy: a class name of 32 characters refused");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_CONN);
	mnl_attr_put_u32(nlh, NF_EGRESS_CONN_A_MAX_ACTIVE, 5);
	mnl_attr_put(nlh, NF_EGRESS_CONN_A_CLASS, 3, "web");
	mnl_attr_nest_end(nlh, nest);
	ok(!strcmp(policy_conns(nlh, &n), "bad"),
	   "decode policy: a class name without its NUL refused");

	/* what egress_put_conn encodes decodes back */
	c.has_max = c.has_rate = c.has_burst = true;
	c.max_active = 7;
	c.rate = 100;
	c.burst = 150;
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_put_conn(nlh, BUFSZ, &c) == 0 &&
	   !strcmp(policy_conns(nlh, &n), "max 7 rate 100 burst 150 ;"),
	   "encode conn: decodes back");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_put_conn(nlh, nlh->nlmsg_len + 8, &c) == -EMSGSIZE &&
	   nlh->nlmsg_len == NLMSG_ALIGN(nlh->nlmsg_len),
	   "encode conn: -EMSGSIZE when it does not fit");

	/* a class's limit: CLASS last in the nest, NUL-terminated */
	strcpy(c.class_name, "internet");
	c.has_rate = c.has_burst = false;
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_put_conn(nlh, BUFSZ, &c) == 0, "encode conn: a class's limit");
	seen[0] = '\0';
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != NF_EGRESS_A_CONN)
			continue;
		mnl_attr_for_each_nested(in, a) {
			uint16_t t = mnl_attr_get_type(in);

			if (t == NF_EGRESS_CONN_A_CLASS) {
				off = (uint32_t)((char *)in - (char *)nlh);
				snprintf(seen + strlen(seen), 64, "class=%s(%u);",
					 mnl_attr_get_str(in),
					 mnl_attr_get_payload_len(in));
			} else {
				snprintf(seen + strlen(seen), 64, "%u=%u;", t,
					 mnl_attr_get_u32(in));
			}
		}
	}
	if (!ok(!strcmp(seen, "3=7;class=internet(9);"),
		"encode conn: MAX_ACTIVE 7, CLASS \"internet\" with its NUL"))
		diag("got %s", seen);
	ok(egress_describe_offset(nlh, off, name, sizeof(name)) &&
	   !strcmp(name, "NF_EGRESS_A_CONN/NF_EGRESS_CONN_A_CLASS"),
	   "extack offset names NF_EGRESS_CONN_A_CLASS (%s)", name);
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	n = nlh->nlmsg_len;
	ok(egress_put_conn(nlh, nlh->nlmsg_len + 20, &c) == -EMSGSIZE &&
	   nlh->nlmsg_len == n,
	   "encode conn: no room for the class: -EMSGSIZE, the nest taken back");

	/* every limit of a policy, one nest each, as apply sends them */
	all[0].has_max = true;
	all[0].max_active = 50;
	all[1].has_rate = all[1].has_burst = true;
	all[1].rate = 10;
	all[1].burst = 5;
	strcpy(all[1].class_name, "internet");
	all[2].has_max = all[2].has_rate = true;
	all[2].max_active = 4;
	all[2].rate = 1;
	strcpy(all[2].class_name, "dns");
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	for (k = 0; k < 3; k++)
		egress_put_conn(nlh, BUFSZ, &all[k]);
	got = policy_conns(nlh, &n);
	ok(n == 3 && !strcmp(got, "max 50 ;internet:rate 10 burst 5 ;dns:max 4 rate 1 ;"),
	   "encode conn: three limits, three nests, decode back (%s)", got);

	/* conn none: the flag alone, whatever class the struct holds */
	memset(&c, 0, sizeof(c));
	c.none = true;
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	strcpy(c.class_name, "web");
	ok(egress_put_conn(nlh, BUFSZ, &c) == 0, "encode conn none");
	seen[0] = '\0';
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(a) != NF_EGRESS_A_CONN)
			continue;
		mnl_attr_for_each_nested(in, a) {
			snprintf(seen + strlen(seen), 32, "%u(%u);",
				 mnl_attr_get_type(in),
				 mnl_attr_get_payload_len(in));
		}
	}
	ok(!strcmp(seen, "2(0);"), "encode conn none: the NONE flag alone (%s)",
	   seen);

	/* STATS: CONNLIMIT and CONN_ACTIVE */
	nlh = path_msg_nest(NF_EGRESS_A_STATS_CONNLIMIT, &nest);
	mnl_attr_put(nlh, NF_EGRESS_CTR_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 6);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 360);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_CONN_ACTIVE, 5);
	ok(egress_decode_stats(nlh, &s) == 0 && s.counters.has_conn &&
	   s.counters.connlimit.packets == 6 &&
	   s.counters.connlimit.bytes == 360 && s.counters.conn_active == 5,
	   "decode stats: connlimit 6/360, conn_active 5");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_decode_stats(nlh, &s) == 0 && !s.counters.has_conn &&
	   !s.counters.connlimit.packets && !s.counters.conn_active,
	   "decode stats: no connection attributes (older module): zeros");

	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u64(nlh, NF_EGRESS_A_STATS_CONN_ACTIVE, 5);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG,
	   "decode stats: a u64 conn_active refused");

	nlh = path_msg_nest(NF_EGRESS_A_STATS_CONNLIMIT, &nest);
	mnl_attr_put_u32(nlh, NF_EGRESS_CTR_A_PACKETS, 6);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG,
	   "decode stats: a u32 connlimit counter refused");

	/* a class with a limit of its own: CONN_ACTIVE in its nest */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	put_class(nlh, "dns", 4, 400);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_CLASS);
	mnl_attr_put_strz(nlh, NF_EGRESS_CTR_A_CLASS, "internet");
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 10);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 1000);
	mnl_attr_put_u32(nlh, NF_EGRESS_CTR_A_CONN_ACTIVE, 0);
	mnl_attr_nest_end(nlh, nest);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_CLASS);
	mnl_attr_put_strz(nlh, NF_EGRESS_CTR_A_CLASS, "web");
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 3);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, 300);
	mnl_attr_put_u32(nlh, NF_EGRESS_CTR_A_CONN_ACTIVE, 4294967295u);
	mnl_attr_nest_end(nlh, nest);
	seen[0] = '\0';
	ok(egress_decode_stats(nlh, &s) == 0 && s.counters.nclasses == 3 &&
	   egress_stats_for_each_class(nlh, count_class, seen) == 0 &&
	   !strcmp(seen, "dns=4/400;internet=10/1000 active 0;web=3/300 active 4294967295;"),
	   "decode stats: a class's conn_active, 0 too; none without a limit (%s)",
	   seen);
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_CLASS);
	mnl_attr_put_strz(nlh, NF_EGRESS_CTR_A_CLASS, "web");
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_CONN_ACTIVE, 4);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_stats(nlh, &s) == -EBADMSG &&
	   egress_stats_for_each_class(nlh, count_any, NULL) == -EBADMSG,
	   "decode stats: a u64 class conn_active refused");

	/* GET_INFO: the table's sockets and its refusals */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_VERSION, "0.1.0");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_CACHED_CGROUPS, 4);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_CONN_SOCKETS, 12);
	mnl_attr_put(nlh, NF_EGRESS_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NF_EGRESS_A_CONN_TABLE_FULL, 0x100000001ull);
	ok(egress_decode_info(nlh, &i) == 0 && i.has_conn_sockets &&
	   i.conn_sockets == 12 && i.has_conn_table_full &&
	   i.conn_table_full == 0x100000001ull,
	   "decode info: conn sockets 12, table full 4294967297");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_VERSION, "0.1.0");
	ok(egress_decode_info(nlh, &i) == 0 && !i.has_conn_sockets &&
	   !i.has_conn_table_full,
	   "decode info: no connection attributes (unprivileged, older module)");

	/* events: which limit refused */
	event_case(conn_event(NF_EGRESS_EVENT_CONNLIMIT,
			      NF_EGRESS_EVENT_A_CONN_MAX, 5),
		   CONN_TEXT("connlimit", " conn max 5"),
		   CONN_JSON("connlimit", "\"conn_max\":5,\"conn_rate\":null,\"conn_class\":null,\"conn_table_full\":false"),
		   "connlimit event: conn max 5");
	event_case(conn_event(NF_EGRESS_EVENT_CONNLIMIT,
			      NF_EGRESS_EVENT_A_CONN_RATE, 10),
		   CONN_TEXT("connlimit", " conn rate 10/s"),
		   CONN_JSON("connlimit", "\"conn_max\":null,\"conn_rate\":10,\"conn_class\":null,\"conn_table_full\":false"),
		   "connlimit event: conn rate 10/s");
	event_case(conn_event(NF_EGRESS_EVENT_CONNLIMIT,
			      NF_EGRESS_EVENT_A_CONN_TABLE_FULL, 0),
		   CONN_TEXT("connlimit", " conn table-full"),
		   CONN_JSON("connlimit", "\"conn_max\":null,\"conn_rate\":null,\"conn_class\":null,\"conn_table_full\":true"),
		   "connlimit event: the module's table full");
	event_case(conn_event(NF_EGRESS_EVENT_WOULD_CONNLIMIT,
			      NF_EGRESS_EVENT_A_CONN_MAX, 4294967295u),
		   CONN_TEXT("would-connlimit", " conn max 4294967295"),
		   CONN_JSON("would-connlimit", "\"conn_max\":4294967295,\"conn_rate\":null,\"conn_class\":null,\"conn_table_full\":false"),
		   "would-connlimit event (audit): conn max 4294967295");
	/* the limit of a class: its name after the limit, as the file has it */
	event_case(conn_class_event(NF_EGRESS_EVENT_CONNLIMIT,
				    NF_EGRESS_EVENT_A_CONN_MAX, 100, "internet"),
		   CONN_TEXT("connlimit", " conn max 100 class internet"),
		   CONN_JSON("connlimit", "\"conn_max\":100,\"conn_rate\":null,\"conn_class\":\"internet\",\"conn_table_full\":false"),
		   "connlimit event: conn max 100 class internet");
	event_case(conn_class_event(NF_EGRESS_EVENT_WOULD_CONNLIMIT,
				    NF_EGRESS_EVENT_A_CONN_RATE, 10, "a.b-c_D9"),
		   CONN_TEXT("would-connlimit", " conn rate 10/s class a.b-c_D9"),
		   CONN_JSON("would-connlimit", "\"conn_max\":null,\"conn_rate\":10,\"conn_class\":\"a.b-c_D9\",\"conn_table_full\":false"),
		   "would-connlimit event: conn rate 10/s class a.b-c_D9");
	event_case(conn_class_event(NF_EGRESS_EVENT_CONNLIMIT, 0, 0, "dns"),
		   CONN_TEXT("connlimit", " conn class dns"),
		   CONN_JSON("connlimit", "\"conn_max\":null,\"conn_rate\":null,\"conn_class\":\"dns\",\"conn_table_full\":false"),
		   "connlimit event: a class without its limit still says 'conn'");
	event_refused(conn_class_event(NF_EGRESS_EVENT_CONNLIMIT,
				       NF_EGRESS_EVENT_A_CONN_MAX, 5,
				       "\x1b[2J"),
		      "NF_EGRESS_EVENT_A_CONN_CLASS is no valid class name",
		      "connlimit event: a class of control bytes refused");
	event_refused(conn_class_event(NF_EGRESS_EVENT_CONNLIMIT,
				       NF_EGRESS_EVENT_A_CONN_MAX, 5, ""),
		      "NF_EGRESS_EVENT_A_CONN_CLASS is no valid class name",
		      "connlimit event: an empty class refused");
	/* a deny carries no connection keys, whatever it was sent */
	event_case(conn_event(NF_EGRESS_EVENT_DENY, NF_EGRESS_EVENT_A_CONN_MAX, 5),
		   EV_TIME " deny /t1/app" EV_TAIL, EV_JSON("/t1/app", "false"),
		   "deny event: no conn words or keys");
	event_case(conn_class_event(NF_EGRESS_EVENT_DENY,
				    NF_EGRESS_EVENT_A_CONN_MAX, 5, "web"),
		   EV_TIME " deny /t1/app" EV_TAIL, EV_JSON("/t1/app", "false"),
		   "deny event: no conn class either");
	nlh = conn_event(NF_EGRESS_EVENT_CONNLIMIT, 0, 0);
	ok(egress_decode_event(nlh, &e) == 0 && !e.conn_max && !e.conn_rate &&
	   !e.conn_table_full && !e.conn_class,
	   "connlimit event without its limit: decodes");
	event_case(nlh, CONN_TEXT("connlimit", ""),
		   CONN_JSON("connlimit", "\"conn_max\":null,\"conn_rate\":null,\"conn_class\":null,\"conn_table_full\":false"),
		   "connlimit event without its limit: nulls");
}

/* NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED and the cut mark */
static void test_event_truncated(void)
{
	event_case(ev_path("/t1/app", false), EV_TIME " deny /t1/app" EV_TAIL,
		   EV_JSON("/t1/app", "false"),
		   "event: text line, JSON with cgroup_truncated false");
	event_case(ev_path("/t1/app", true), EV_TIME " deny /t1/app/..." EV_TAIL,
		   EV_JSON("/t1/app", "true"),
		   "truncated path (flag set): '/...' after it, cgroup_truncated true");
	event_case(ev_path("/", true), EV_TIME " deny /..." EV_TAIL,
		   EV_JSON("/", "true"), "path cut to the root: '/...'");
	event_case(ev_path("/t1/...", false), EV_TIME " deny /t1/\\x2e.." EV_TAIL,
		   EV_JSON("/t1/...", "false"),
		   "a last component named '...' does not read as the cut mark");
	event_case(ev_path("/t1/...", true), EV_TIME " deny /t1/\\x2e../..." EV_TAIL,
		   EV_JSON("/t1/...", "true"), "... nor when cut after it");
}

/* strings must be NUL-terminated within their payload */
static void test_event_unterminated(void)
{
	struct nlmsghdr *nlh;

	event_refused(ev_end(ev_begin("/t1/app", 7, true, false)),
		      "NF_EGRESS_EVENT_A_CGROUP_PATH is no valid NUL-terminated string (7 bytes)",
		      "event with an unterminated cgroup path refused");
	event_refused(ev_end(ev_begin("", 0, true, false)),
		      "NF_EGRESS_EVENT_A_CGROUP_PATH is no valid NUL-terminated string (0 bytes)",
		      "event with a cgroup path of no bytes refused");
	event_refused(ev_path("", false), "NF_EGRESS_EVENT_A_CGROUP_PATH is empty",
		      "event with an empty cgroup path refused");
	/* the NUL within the payload, not at its end, is fine */
	event_case(ev_end(ev_begin("/t1\0junk", 8, false, false)),
		   EV_TIME " deny /t1" EV_TAIL, EV_JSON("/t1", "false"),
		   "cgroup path with bytes after its NUL: the string ends at the NUL");

	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_COMM, 4, "curl");
	event_refused(ev_end(nlh), "NF_EGRESS_EVENT_A_COMM is no valid NUL-terminated string",
		      "event with an unterminated comm refused");
	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, 3, "/t1");
	event_refused(ev_end(nlh), "NF_EGRESS_EVENT_A_POLICY_PATH is no valid NUL-terminated string",
		      "event with an unterminated policy path refused");
}

/* names are whatever their owner chose: escaped in the text line */
static void test_event_escapes(void)
{
	struct nlmsghdr *nlh;

	event_case(ev_path("/t1/\x1b[2J\x1b]0;pwned\x07x\n", false),
		   EV_TIME " deny /t1/\\x1b[2J\\x1b]0;pwned\\x07x\\x0a" EV_TAIL,
		   EV_JSON("/t1/\\u001b[2J\\u001b]0;pwned\\u0007x\\n", "false"),
		   "control characters in the cgroup path: \\xHH in the text, \\u in JSON");
	event_case(ev_path("/a b/c\\d/\x7f", false),
		   EV_TIME " deny /a\\x20b/c\\\\d/\\x7f" EV_TAIL,
		   EV_JSON("/a b/c\\\\d/\\u007f", "false"),
		   "space, backslash and DEL: the path stays one word");
	event_case(ev_path("/\xc3\xa9t\xc3\xa9/\xff\xc0\xaf/\xe2\x82", false),
		   EV_TIME " deny /\xc3\xa9t\xc3\xa9/\\xff\\xc0\\xaf/\\xe2\\x82" EV_TAIL,
		   EV_JSON("/\xc3\xa9t\xc3\xa9/\\u00ff\\u00c0\\u00af/\\u00e2\\u0082", "false"),
		   "UTF-8 kept, bytes that are not UTF-8 escaped");
	event_case(ev_path("/evil\xe2\x80\xae" "cod.exe/\xc2\x85/\xe2\x80\x8b", false),
		   EV_TIME " deny /evil\\xe2\\x80\\xaecod.exe/\\xc2\\x85/\\xe2\\x80\\x8b" EV_TAIL,
		   EV_JSON("/evil\\u202ecod.exe/\\u0085/\\u200b", "false"),
		   "bidi override, C1 control, zero-width space escaped");

	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, AF_INET);
	mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_PID, 7);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_COMM, "");
	mnl_attr_nest_end(nlh, ev_nest);
	event_case(nlh, EV_TIME " deny /t1 policy /t1 default proto 0 ? -> ? pid 7 comm \"\"\n",
		   "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\",\"verdict\":\"deny\","
		   "\"cgroup\":\"/t1\",\"cgroup_truncated\":false,\"policy\":\"/t1\",\"rule_id\":null,"
		   "\"default\":true,\"quota\":false,\"family\":\"ipv4\",\"proto\":0,\"src\":null,\"dst\":null,"
		   "\"sport\":null,\"dport\":null,\"pid\":7,\"comm\":\"\",\"suppressed\":0}\n",
		   "missing optional attributes tolerated; an empty comm shows as \"\"");
}

/* a path longer than the UAPI allows (an older module sent whole paths) */
static void test_event_oversized(void)
{
	static char path[2 * NF_EGRESS_CGROUP_PATH_MAX];
	static struct egress_event_msg e;
	struct nlmsghdr *nlh;
	size_t len = 0;
	int ret;

	/* "/c000000/c000008/...": 8 bytes a component, 4088 fit */
	while (len < 5000)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/c%06zu",
					len);
	nlh = ev_path(path, false);
	ret = egress_decode_event(nlh, &e);
	ok(ret == 0 && e.cgroup_truncated && strlen(e.cgroup) == 4088 &&
	   !strncmp(e.cgroup, path, 4088),
	   "oversized (%zu-byte) cgroup path: cut to its leading whole components (%zu bytes), truncated",
	   len, strlen(e.cgroup));
	/* the longest path the UAPI allows is kept whole */
	path[NF_EGRESS_CGROUP_PATH_MAX - 1] = '\0';
	nlh = ev_path(path, false);
	ok(egress_decode_event(nlh, &e) == 0 && !e.cgroup_truncated &&
	   !strcmp(e.cgroup, path), "4095-byte cgroup path kept whole, not truncated");
	/* a component too long for anything: the root */
	memset(path, 'c', 5000);
	path[0] = '/';
	path[5000] = '\0';
	nlh = ev_path(path, false);
	ok(egress_decode_event(nlh, &e) == 0 && e.cgroup_truncated &&
	   !strcmp(e.cgroup, "/"), "oversized single component: cut to the root");
	event_case(nlh, EV_TIME " deny /..." EV_TAIL, EV_JSON("/", "true"),
		   "... and shown as '/...'");

	/* a policy path that long cannot exist */
	nlh = start_msg(bigbuf, 30, 0, 0);
	ev_nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);
	mnl_attr_put_u64(nlh, NF_EGRESS_EVENT_A_TIME_NS, 1);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_VERDICT, NF_EGRESS_EVENT_DENY);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH, "/t1");
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, path);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, AF_INET);
	mnl_attr_nest_end(nlh, ev_nest);
	event_refused(nlh, "NF_EGRESS_EVENT_A_POLICY_PATH is longer than a cgroup path can be",
		      "oversized policy path refused");
}

/*
 * What an older module sent for a cgroup path beyond 64 KiB: the path's
 * and the nest's lengths wrapped (nla_len is 16 bits).
 */
static void test_event_wrapped(void)
{
	static char huge[80 * 1024] __attribute__((aligned(8)));
	const size_t plen = 70000;
	struct nlmsghdr *nlh = start_msg(huge, 30, 0, 0);
	struct nlattr *nest, *a;

	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);
	mnl_attr_put_u64(nlh, NF_EGRESS_EVENT_A_TIME_NS, 1);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_VERDICT, NF_EGRESS_EVENT_DENY);
	a = mnl_nlmsg_get_payload_tail(nlh);
	a->nla_type = NF_EGRESS_EVENT_A_CGROUP_PATH;
	a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + plen + 1);
	memset(mnl_attr_get_payload(a), 'c', plen);
	((char *)mnl_attr_get_payload(a))[0] = '/';
	((char *)mnl_attr_get_payload(a))[plen] = '\0';
	nlh->nlmsg_len += MNL_ALIGN(MNL_ATTR_HDRLEN + plen + 1);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, AF_INET);
	mnl_attr_nest_end(nlh, nest);
	ok(nest->nla_len < nlh->nlmsg_len - MNL_NLMSG_HDRLEN - GENL_HDRLEN,
	   "the nest length wrapped (%u of %u bytes)", nest->nla_len,
	   (unsigned int)(nlh->nlmsg_len - MNL_NLMSG_HDRLEN - GENL_HDRLEN));
	event_refused(nlh, "torn attributes",
		      "event whose nest length wrapped past 64 KiB refused");
}

/* unknown attributes are skipped, torn and repeated ones refused */
static void test_event_attrs(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *a;

	nlh = ev_begin("/t1/app", 7, false, false);
	mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_MAX + 1, 5);
	mnl_attr_put(nlh, 0x3fff, 3, "abc");
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_PAD, 3, "abc");
	ev_end(nlh);
	mnl_attr_put_u64(nlh, 200, 1);
	mnl_attr_put_u16(nlh, NF_EGRESS_A_GENERATION, 1);	/* not ours to read */
	event_case(nlh, EV_TIME " deny /t1/app" EV_TAIL, EV_JSON("/t1/app", "false"),
		   "unknown attributes, nested and top level, are ignored");

	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_VERDICT, NF_EGRESS_EVENT_DENY);
	event_refused(ev_end(nlh), "NF_EGRESS_EVENT_A_VERDICT given twice",
		      "a repeated attribute refused");
	nlh = ev_path("/t1", false);
	a = mnl_nlmsg_get_payload_tail(nlh);
	memcpy(a, ev_nest, MNL_ALIGN(ev_nest->nla_len));
	nlh->nlmsg_len += MNL_ALIGN(ev_nest->nla_len);
	event_refused(nlh, "NF_EGRESS_A_EVENT given twice", "two event nests refused");

	/* a nest that ends inside the cgroup path (after PAD, TIME, VERDICT) */
	nlh = ev_path("/t1/app", false);
	ev_nest->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + 4 + 12 + 8 + 6);
	event_refused(nlh, "torn attributes", "a nest that ends inside an attribute refused");
	nlh = ev_path("/t1/app", false);
	ev_nest->nla_len -= 3;		/* the padding of its last attribute */
	event_case(nlh, EV_TIME " deny /t1/app" EV_TAIL, NULL,
		   "a nest without its last attribute's padding is whole");
	nlh = ev_path("/t1/app", false);
	ev_nest->nla_len -= 6;
	event_refused(nlh, "torn attributes", "a nest 6 bytes short refused");
	nlh = ev_path("/t1/app", false);
	mnl_attr_put_u32(nlh, 200, 1);
	nlh->nlmsg_len -= 2;
	event_refused(nlh, "torn attributes", "a torn attribute after the nest refused");

	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_u16(nlh, NF_EGRESS_EVENT_A_PID, 7);
	event_refused(ev_end(nlh), "NF_EGRESS_EVENT_A_PID is no valid u32 (2 bytes)",
		      "a u16 pid refused");
	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED, 1);
	event_refused(ev_end(nlh), "NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED is no valid flag",
		      "a truncation flag with a payload refused");

	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, AF_INET);
	mnl_attr_nest_end(nlh, ev_nest);
	event_refused(nlh, "no NF_EGRESS_EVENT_A_POLICY_PATH", "missing policy path refused");
	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, AF_UNIX);
	mnl_attr_nest_end(nlh, ev_nest);
	event_refused(nlh, "NF_EGRESS_EVENT_A_FAMILY: unknown address family 1",
		      "unknown address family refused");
	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, "/t1");
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_DADDR, 16, v6);
	mnl_attr_nest_end(nlh, ev_nest);
	event_refused(nlh, "NF_EGRESS_EVENT_A_DADDR: 16 bytes in an IPv4 event",
		      "IPv6 destination address in an IPv4 event refused");
	nlh = start_msg(bigbuf, 30, 0, 0);
	ev_nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);
	mnl_attr_put_u16(nlh, NF_EGRESS_EVENT_A_SPORT, 1);
	mnl_attr_nest_end(nlh, ev_nest);
	event_refused(nlh, "no NF_EGRESS_EVENT_A_TIME_NS", "event without time refused, says so");
	nlh = mnl_nlmsg_put_header(bigbuf);
	event_refused(nlh, "no generic netlink header", "message without genl header refused");
}

/* --- templates ------------------------------------------------------------ */

static char *instance_event_output(const struct egress_instance_event_msg *e,
				   bool json)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	instance_event_print(f, e, json);
	fclose(f);
	return text;
}

static void instance_event_refused(const struct nlmsghdr *nlh,
				   const char *want_why, const char *desc)
{
	static struct egress_instance_event_msg e;
	int ret = egress_decode_instance_event(nlh, &e);

	if (!ok(ret == -EBADMSG && !strcmp(e.why, want_why), "%s", desc))
		diag("ret %d, why '%s', want '%s'", ret, e.why, want_why);
}

static void test_templates(void)
{
	static struct egress_explain_msg x;
	static struct egress_instance_event_msg ie;
	struct egress_policy_msg p;
	struct egress_stats_msg s;
	struct nlmsghdr *nlh;
	struct nlattr *lvl, *a;
	char *text, *json;
	uint32_t got = 0;

	/* POLICY_GET: a template, an instance */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/*.service");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_INSTANCES_MAX, 200);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_INSTANCE_COUNT, 3);
	ok(egress_decode_policy(nlh, &p) == 0 && !p.template &&
	   p.has_instances_max && p.instances_max == 200 &&
	   p.has_instance_count && p.instance_count == 3,
	   "decode template: INSTANCES_MAX, INSTANCE_COUNT");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/a.service");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/svc/*.service");
	mnl_attr_put_u8(nlh, NF_EGRESS_A_DEFAULT, NF_EGRESS_VERDICT_DENY);
	ok(egress_decode_policy(nlh, &p) == 0 && !strcmp(p.path, "/svc/a.service") &&
	   p.template && !strcmp(p.template, "/svc/*.service") &&
	   !p.has_instances_max && p.has_default, "decode instance: TEMPLATE");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/*");
	mnl_attr_put_u16(nlh, NF_EGRESS_A_INSTANCES_MAX, 5);
	ok(egress_decode_policy(nlh, &p) == -EBADMSG, "a u16 INSTANCES_MAX refused");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/a");
	mnl_attr_put(nlh, NF_EGRESS_A_TEMPLATE, 3, "/sv");
	ok(egress_decode_policy(nlh, &p) == -EBADMSG, "an unterminated TEMPLATE refused");

	/* STATS_GET of an instance */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/a.service");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/svc/*.service");
	ok(egress_decode_stats(nlh, &s) == 0 && s.template &&
	   !strcmp(s.template, "/svc/*.service"), "decode instance stats: TEMPLATE");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	ok(egress_decode_stats(nlh, &s) == 0 && !s.template, "policy stats: no template");

	/* POLICY_NEW: INSTANCES_MAX is a u32 */
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	ok(egress_put_instances_max(nlh, BUFSZ, 65536) == 0, "encode instances max");
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == NF_EGRESS_A_INSTANCES_MAX &&
		    mnl_attr_get_payload_len(a) == 4)
			got = mnl_attr_get_u32(a);
	ok(got == 65536, "NF_EGRESS_A_INSTANCES_MAX u32 65536");

	/* EXPLAIN: a level of an instance names its template */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_u8(nlh, NF_EGRESS_A_VERDICT, NF_EGRESS_VERDICT_DENY);
	lvl = mnl_attr_nest_start(nlh, NF_EGRESS_A_EXPLAIN_LEVEL);
	mnl_attr_put_strz(nlh, NF_EGRESS_EXPLAIN_A_CGROUP_PATH, "/svc/a.service");
	mnl_attr_put_strz(nlh, NF_EGRESS_EXPLAIN_A_TEMPLATE, "/svc/*.service");
	mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_VERDICT, NF_EGRESS_VERDICT_DENY);
	mnl_attr_nest_end(nlh, lvl);
	ok(egress_decode_explain(nlh, &x) == 0 && x.nlevels == 1 &&
	   !strcmp(x.levels[0].path, "/svc/a.service") &&
	   x.levels[0].template && !strcmp(x.levels[0].template, "/svc/*.service"),
	   "decode explain level: TEMPLATE");

	/* EVENT of an instance's policy */
	nlh = ev_begin("/svc/a.service/x", 16, false, false);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_TEMPLATE, "/svc/*.service");
	event_case(ev_end(nlh),
		   EV_TIME " deny /svc/a.service/x policy /t1 template /svc/*.service rule 2 tcp 10.99.0.0:40312 -> 10.99.0.0:443 pid 4242 comm curl\n",
		   "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\",\"verdict\":\"deny\","
		   "\"cgroup\":\"/svc/a.service/x\",\"cgroup_truncated\":false,\"policy\":\"/t1\","
		   "\"template\":\"/svc/*.service\",\"rule_id\":2,"
		   "\"default\":false,\"quota\":false,\"family\":\"ipv4\",\"proto\":\"tcp\",\"src\":\"10.99.0.0\","
		   "\"dst\":\"10.99.0.0\",\"sport\":40312,\"dport\":443,\"pid\":4242,\"comm\":\"curl\","
		   "\"suppressed\":0}\n",
		   "event of an instance: 'template PATTERN' after the policy, \"template\" in JSON");
	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_TEMPLATE, "/a b/\x1b*");
	event_case(ev_end(nlh),
		   EV_TIME " deny /t1 policy /t1 template /a\\x20b/\\x1b* rule 2 tcp 10.99.0.0:40312 -> 10.99.0.0:443 pid 4242 comm curl\n",
		   NULL, "an event's template is one escaped word");
	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_TEMPLATE, "");
	event_refused(ev_end(nlh), "NF_EGRESS_EVENT_A_TEMPLATE is empty",
		      "event with an empty template refused");
	nlh = ev_begin("/t1", 3, false, false);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_TEMPLATE, 2, "/*");
	event_refused(ev_end(nlh),
		      "NF_EGRESS_EVENT_A_TEMPLATE is no valid NUL-terminated string (2 bytes)",
		      "event with an unterminated template refused");

	/* INSTANCE_EVENT */
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/z.service");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/svc/*.service");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_INSTANCES_MAX, 1024);
	if (ok(egress_decode_instance_event(nlh, &ie) == 0 &&
	       !strcmp(ie.path, "/svc/z.service") &&
	       !strcmp(ie.template, "/svc/*.service") && ie.has_instances_max &&
	       ie.instances_max == 1024, "decode instance event")) {
		ie.time_ns = 1795784700123456789ULL;
		text = instance_event_output(&ie, false);
		json = instance_event_output(&ie, true);
		if (!ok(!strcmp(text, EV_TIME " no-instance /svc/z.service template /svc/*.service instances-max 1024\n") &&
			!strcmp(json, "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\","
				"\"event\":\"no-instance\",\"cgroup\":\"/svc/z.service\","
				"\"template\":\"/svc/*.service\",\"instances_max\":1024}\n"),
			"instance event: text line and JSON"))
			diag("text %sjson %s", text, json);
		free(text);
		free(json);
	}
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/a b/\xff");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/*");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_MAX + 3, 1);
	if (ok(egress_decode_instance_event(nlh, &ie) == 0 && !ie.has_instances_max,
	       "instance event: INSTANCES_MAX optional, unknown attributes ignored")) {
		ie.time_ns = 1795784700123456789ULL;
		text = instance_event_output(&ie, false);
		json = instance_event_output(&ie, true);
		if (!ok(!strcmp(text, EV_TIME " no-instance /a\\x20b/\\xff template /*\n") &&
			!strcmp(json, "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\","
				"\"event\":\"no-instance\",\"cgroup\":\"/a b/\\u00ff\","
				"\"template\":\"/*\",\"instances_max\":null}\n"),
			"instance event: names escaped, instances_max null"))
			diag("text %sjson %s", text, json);
		free(text);
		free(json);
	}
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/z.service");
	instance_event_refused(nlh, "no NF_EGRESS_A_TEMPLATE", "instance event without a template refused");
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/svc/*");
	instance_event_refused(nlh, "no NF_EGRESS_A_CGROUP_PATH", "instance event without a path refused");
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/svc/*");
	instance_event_refused(nlh, "NF_EGRESS_A_CGROUP_PATH is empty", "instance event with an empty path refused");
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/a");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/*");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/**");
	instance_event_refused(nlh, "NF_EGRESS_A_TEMPLATE given twice", "instance event with two templates refused");
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/a");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/*");
	mnl_attr_put_u8(nlh, NF_EGRESS_A_INSTANCES_MAX, 1);
	instance_event_refused(nlh, "NF_EGRESS_A_INSTANCES_MAX is no valid u32 (1 bytes)",
			       "instance event with a u8 INSTANCES_MAX refused");
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/a");
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/*");
	mnl_attr_put_u32(nlh, 200, 1);
	nlh->nlmsg_len -= 2;
	instance_event_refused(nlh, "torn attributes", "instance event with a torn attribute refused");
	nlh = mnl_nlmsg_put_header(buf);
	instance_event_refused(nlh, "no generic netlink header",
			       "instance event without genl header refused");
}

/* --- instances keep, instance-gone ------------------------------------------ */

/*
 * An instance gone received at EV_TIME prints exactly as want_text and
 * want_json: its counters line, or a line for each rule of a rules
 * message.
 */
static void gone_prints_as(struct egress_instance_gone_msg *g,
			   const char *want_text, const char *want_json,
			   const char *desc)
{
	char *out[2] = { NULL, NULL };
	size_t len;
	int json;

	g->time_ns = 1795784700123456789ULL;
	for (json = 0; json < 2; json++) {
		FILE *f = open_memstream(&out[json], &len);

		if (!f)
			abort();
		if (g->has_rule_offset)
			instance_gone_rules_print(f, g, json);
		else
			instance_gone_print(f, g, json);
		fclose(f);
	}
	if (!ok(!strcmp(out[0], want_text) && !strcmp(out[1], want_json), "%s",
		desc))
		diag("text %sjson %s", out[0], out[1]);
	free(out[0]);
	free(out[1]);
}

static void put_counter(struct nlmsghdr *nlh, uint16_t type, uint64_t packets,
			uint64_t bytes)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, packets);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, bytes);
	mnl_attr_nest_end(nlh, nest);
}

/* The attributes every INSTANCE_GONE message of a series starts with. */
static struct nlmsghdr *gone_head(const char *path, const char *template)
{
	struct nlmsghdr *nlh = start_msg(buf, 30, 0, 0);

	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, path);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 7);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, template);
	return nlh;
}

/* An INSTANCE_GONE as the module sends it: a STATS_GET reply's layout. */
static struct nlmsghdr *gone_begin(const char *path, const char *template)
{
	struct nlmsghdr *nlh = gone_head(path, template);

	mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, NF_EGRESS_MODE_ENFORCE);
	return nlh;
}

static void gone_refused(const struct nlmsghdr *nlh, const char *want_why,
			 const char *desc)
{
	static struct egress_instance_gone_msg g;
	int ret = egress_decode_instance_gone(nlh, &g);

	if (!ok(ret == -EBADMSG && !strcmp(g.why, want_why), "%s", desc))
		diag("ret %d, why '%s', want '%s'", ret, g.why, want_why);
}

/* A rules message of an INSTANCE_GONE series, its RULE nests to follow. */
static struct nlmsghdr *gone_rules_begin(const char *path,
					 const char *template, uint32_t offset)
{
	struct nlmsghdr *nlh = gone_head(path, template);

	mnl_attr_put_u32(nlh, NF_EGRESS_A_RULE_OFFSET, offset);
	return nlh;
}

/*
 * A RULE nest of a rules message, as a RULE_GET reply has it: proto 0 and
 * ports 0-0 are left out, class NULL too; the instance's hits in STATS.
 */
static struct nlattr *put_gone_rule(struct nlmsghdr *nlh, uint32_t id,
				    uint8_t action, uint8_t family,
				    const void *addr, uint8_t plen,
				    uint8_t proto, uint16_t pmin, uint16_t pmax,
				    const char *class_name, uint64_t packets,
				    uint64_t bytes)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);

	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, id);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, action);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY, family);
	mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR, family == AF_INET ? 4 : 16,
		     addr);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN, plen);
	if (proto)
		mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PROTO, proto);
	if (pmax) {
		mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MIN, pmin);
		mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MAX, pmax);
	}
	if (class_name)
		mnl_attr_put_strz(nlh, NF_EGRESS_RULE_A_CLASS, class_name);
	put_counter(nlh, NF_EGRESS_RULE_A_STATS, packets, bytes);
	mnl_attr_nest_end(nlh, nest);
	return nest;
}

/* "INDEX:ID:PACKETS;" for each rule, appended to data. */
static int list_gone_rule(uint64_t index, const struct egress_rule_msg *r,
			  void *data)
{
	char *out = data;

	snprintf(out + strlen(out), 256 - strlen(out), "%llu:%u:%llu:%s;",
		 (unsigned long long)index, r->id,
		 (unsigned long long)r->stats.packets, r->path);
	return 0;
}

/* --- explain's output ------------------------------------------------------ */

/* The text (json false) or the JSON of m for pkt from path, malloc'ed. */
static char *explain_output(const char *path, const char *pkt_words,
			    const struct egress_explain_msg *m,
			    const struct pattern_decision *why, bool json)
{
	char words[128], *argv[8], *text = NULL, *save = NULL, *w;
	struct egress_packet pkt;
	char addr[INET6_ADDRSTRLEN];
	int argc = 0;
	size_t len;
	FILE *f;

	snprintf(words, sizeof(words), "%s", pkt_words);
	for (w = strtok_r(words, " ", &save); w && argc < 8;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (parse_packet_spec(argc, argv, &pkt, NULL))
		abort();
	inet_ntop(pkt.family, &pkt.addr, addr, sizeof(addr));
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	explain_print(f, path, addr, &pkt, m, why, json);
	fclose(f);
	return text;
}

/* A level of m: its rule from words ("" for the default's), audit or not. */
static void explain_level(struct egress_explain_msg *m, const char *path,
			  const char *template, bool audit, uint8_t verdict,
			  uint32_t rule_id, const char *rule)
{
	struct egress_explain_level *l = &m->levels[m->nlevels++];
	char words[128], *argv[16], *save = NULL, *w;
	int argc = 0;

	memset(l, 0, sizeof(*l));
	l->path = path;
	l->template = template;
	l->has_mode = true;
	l->mode = audit ? NF_EGRESS_MODE_AUDIT : NF_EGRESS_MODE_ENFORCE;
	l->verdict = verdict;
	if (!rule_id) {
		l->has_default = true;
		l->default_verdict = verdict;
		return;
	}
	snprintf(words, sizeof(words), "%s", rule);
	for (w = strtok_r(words, " ", &save); w && argc < 16;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	l->has_rule = true;
	l->rule_id = rule_id;
	if (parse_rule_spec(argc, argv, &l->rule, NULL))
		abort();
}

static void explain_case(const char *desc, const char *path,
			 const char *pkt_words,
			 const struct egress_explain_msg *m,
			 const struct pattern_decision *why,
			 const char *want_text, const char *want_json)
{
	char *text = explain_output(path, pkt_words, m, why, false);
	char *json = explain_output(path, pkt_words, m, why, true);

	if (!ok(!strcmp(text, want_text) && !strcmp(json, want_json), "%s", desc)) {
		char *line, *save = NULL;

		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			diag("text: %s", line);
		diag("json: %s", json);
	}
	free(text);
	free(json);
}

static void test_explain_print(void)
{
	static struct egress_explain_msg m, x;
	/* a non-template level's entry is never looked at */
	struct pattern_decision junk[2] = {
		{ 3, "/svc/*", PATTERN_EARLIER }, { 1, NULL, 0 },
	};
	struct pattern_decision why[3];
	struct nlmsghdr *nlh;

	/* selftests/egressctl_cli.sh's, with and without decisions */
	m.nlevels = 0;
	m.verdict = NF_EGRESS_VERDICT_ALLOW;
	explain_level(&m, "/", NULL, true, NF_EGRESS_VERDICT_DENY, 1,
		      "deny to 10.0.5.0/24");
	explain_level(&m, "/system.slice/nginx.service", NULL, false,
		      NF_EGRESS_VERDICT_ALLOW, 1,
		      "allow tcp to 10.0.0.0/8 port 443 class internal");
	explain_case("explain without templates: the text as it always was",
		     "/system.slice/nginx.service/x", "10.0.5.1 proto tcp port 443",
		     &m, junk,
		     "packet from /system.slice/nginx.service/x to 10.0.5.1 proto tcp port 443\n"
		     "  /                            audit    rule 1 deny to 10.0.5.0/24                              -> deny (audit: would deny)\n"
		     "  /system.slice/nginx.service  enforce  rule 1 allow tcp to 10.0.0.0/8 port 443 class internal  -> allow\n"
		     "verdict: allow\n",
		     "{\"cgroup\":\"/system.slice/nginx.service/x\",\"packet\":{\"to\":\"10.0.5.1\",\"proto\":\"tcp\",\"port\":443},"
		     "\"levels\":[{\"cgroup\":\"/\",\"mode\":\"audit\",\"verdict\":\"deny\",\"rule_id\":1,"
		     "\"rule\":\"deny to 10.0.5.0/24\",\"default\":null,\"quota\":null},"
		     "{\"cgroup\":\"/system.slice/nginx.service\",\"mode\":\"enforce\",\"verdict\":\"allow\",\"rule_id\":1,"
		     "\"rule\":\"allow tcp to 10.0.0.0/8 port 443 class internal\",\"default\":null,\"quota\":null}],"
		     "\"verdict\":\"allow\"}\n");
	m.nlevels = 0;
	m.verdict = NF_EGRESS_VERDICT_DENY;
	explain_level(&m, "/", NULL, true, NF_EGRESS_VERDICT_ALLOW, 0, NULL);
	explain_level(&m, "/system.slice/nginx.service", NULL, false,
		      NF_EGRESS_VERDICT_DENY, 3, "deny to 169.254.169.254/32");
	explain_case("explain without templates: the JSON as it always was, no template keys",
		     "/system.slice/nginx.service", "169.254.169.254", &m, NULL,
		     "packet from /system.slice/nginx.service to 169.254.169.254\n"
		     "  /                            audit    default allow                      -> allow\n"
		     "  /system.slice/nginx.service  enforce  rule 3 deny to 169.254.169.254/32  -> deny\n"
		     "verdict: deny\n",
		     "{\"cgroup\":\"/system.slice/nginx.service\",\"packet\":{\"to\":\"169.254.169.254\",\"proto\":null,\"port\":null},"
		     "\"levels\":[{\"cgroup\":\"/\",\"mode\":\"audit\",\"verdict\":\"allow\",\"rule_id\":null,\"rule\":null,"
		     "\"default\":\"allow\",\"quota\":null},{\"cgroup\":\"/system.slice/nginx.service\",\"mode\":\"enforce\","
		     "\"verdict\":\"deny\",\"rule_id\":3,\"rule\":\"deny to 169.254.169.254/32\",\"default\":null,\"quota\":null}],"
		     "\"verdict\":\"deny\"}\n");

	/* a policy, then two template levels */
	m.nlevels = 0;
	m.verdict = NF_EGRESS_VERDICT_ALLOW;
	explain_level(&m, "/svc", NULL, false, NF_EGRESS_VERDICT_ALLOW, 0, NULL);
	explain_level(&m, "/svc/web-1", "/svc/web-*", false,
		      NF_EGRESS_VERDICT_ALLOW, 1, "allow udp to 10.0.0.53 port 53");
	explain_level(&m, "/svc/web-1/x", "/svc/**", true,
		      NF_EGRESS_VERDICT_DENY, 0, NULL);
	why[0] = junk[0];
	why[1] = (struct pattern_decision){ 2, "/svc/**", PATTERN_FEWER_WILDCARDS };
	why[2] = (struct pattern_decision){ 1, NULL, 0 };
	explain_case("explain: why each template won: beats the runner-up (fewer wildcards), the only one",
		     "/svc/web-1/x", "10.0.0.53 proto udp port 53", &m, why,
		     "packet from /svc/web-1/x to 10.0.0.53 proto udp port 53\n"
		     "  /svc                                                               enforce  default allow                             -> allow\n"
		     "  /svc/web-1 (template /svc/web-*; beats /svc/** (fewer wildcards))  enforce  rule 1 allow udp to 10.0.0.53/32 port 53  -> allow\n"
		     "  /svc/web-1/x (template /svc/**; the only template that matches)    audit    default deny                              -> deny (audit: would deny)\n"
		     "verdict: allow\n",
		     "{\"cgroup\":\"/svc/web-1/x\",\"packet\":{\"to\":\"10.0.0.53\",\"proto\":\"udp\",\"port\":53},"
		     "\"levels\":[{\"cgroup\":\"/svc\",\"mode\":\"enforce\",\"verdict\":\"allow\",\"rule_id\":null,\"rule\":null,"
		     "\"default\":\"allow\",\"quota\":null},"
		     "{\"cgroup\":\"/svc/web-1\",\"template\":\"/svc/web-*\",\"template_matches\":2,"
		     "\"template_reason\":{\"beats\":\"/svc/**\",\"by\":\"fewer wildcards\"},\"mode\":\"enforce\","
		     "\"verdict\":\"allow\",\"rule_id\":1,\"rule\":\"allow udp to 10.0.0.53/32 port 53\",\"default\":null,\"quota\":null},"
		     "{\"cgroup\":\"/svc/web-1/x\",\"template\":\"/svc/**\",\"template_matches\":1,\"template_reason\":null,"
		     "\"mode\":\"audit\",\"verdict\":\"deny\",\"rule_id\":null,\"rule\":null,\"default\":\"deny\",\"quota\":null}],"
		     "\"verdict\":\"allow\"}\n");

	why[1] = (struct pattern_decision){ 4, "/svc/*-1", PATTERN_LONGER_PREFIX };
	why[2] = (struct pattern_decision){ 0 };
	explain_case("explain: 'and N more' other matches; a decision not known: the template alone, JSON nulls",
		     "/svc/web-1/x", "10.0.0.53 proto udp port 53", &m, why,
		     "packet from /svc/web-1/x to 10.0.0.53 proto udp port 53\n"
		     "  /svc                                                                                 enforce  default allow                             -> allow\n"
		     "  /svc/web-1 (template /svc/web-*; beats /svc/*-1 (longer literal prefix) and 2 more)  enforce  rule 1 allow udp to 10.0.0.53/32 port 53  -> allow\n"
		     "  /svc/web-1/x (template /svc/**)                                                      audit    default deny                              -> deny (audit: would deny)\n"
		     "verdict: allow\n",
		     "{\"cgroup\":\"/svc/web-1/x\",\"packet\":{\"to\":\"10.0.0.53\",\"proto\":\"udp\",\"port\":53},"
		     "\"levels\":[{\"cgroup\":\"/svc\",\"mode\":\"enforce\",\"verdict\":\"allow\",\"rule_id\":null,\"rule\":null,"
		     "\"default\":\"allow\",\"quota\":null},"
		     "{\"cgroup\":\"/svc/web-1\",\"template\":\"/svc/web-*\",\"template_matches\":4,"
		     "\"template_reason\":{\"beats\":\"/svc/*-1\",\"by\":\"longer literal prefix\"},\"mode\":\"enforce\","
		     "\"verdict\":\"allow\",\"rule_id\":1,\"rule\":\"allow udp to 10.0.0.53/32 port 53\",\"default\":null,\"quota\":null},"
		     "{\"cgroup\":\"/svc/web-1/x\",\"template\":\"/svc/**\",\"template_matches\":null,\"template_reason\":null,"
		     "\"mode\":\"audit\",\"verdict\":\"deny\",\"rule_id\":null,\"rule\":null,\"default\":\"deny\",\"quota\":null}],"
		     "\"verdict\":\"allow\"}\n");

	m.nlevels = 0;
	m.verdict = NF_EGRESS_VERDICT_DENY;
	explain_level(&m, "/jobs/run-1", "/jobs/*-1", false,
		      NF_EGRESS_VERDICT_DENY, 0, NULL);
	why[0] = (struct pattern_decision){ 2, "/jobs/*1", PATTERN_EARLIER };
	explain_case("explain: same wildcards and prefix: created earlier",
		     "/jobs/run-1", "2001:db8::1", &m, why,
		     "packet from /jobs/run-1 to 2001:db8::1\n"
		     "  /jobs/run-1 (template /jobs/*-1; beats /jobs/*1 (created earlier))  enforce  default deny  -> deny\n"
		     "verdict: deny\n",
		     "{\"cgroup\":\"/jobs/run-1\",\"packet\":{\"to\":\"2001:db8::1\",\"proto\":null,\"port\":null},"
		     "\"levels\":[{\"cgroup\":\"/jobs/run-1\",\"template\":\"/jobs/*-1\",\"template_matches\":2,"
		     "\"template_reason\":{\"beats\":\"/jobs/*1\",\"by\":\"created earlier\"},\"mode\":\"enforce\","
		     "\"verdict\":\"deny\",\"rule_id\":null,\"rule\":null,\"default\":\"deny\",\"quota\":null}],"
		     "\"verdict\":\"deny\"}\n");
	explain_case("explain: no decisions at all (the templates not listed): the template alone",
		     "/jobs/run-1", "2001:db8::1", &m, NULL,
		     "packet from /jobs/run-1 to 2001:db8::1\n"
		     "  /jobs/run-1 (template /jobs/*-1)  enforce  default deny  -> deny\n"
		     "verdict: deny\n",
		     "{\"cgroup\":\"/jobs/run-1\",\"packet\":{\"to\":\"2001:db8::1\",\"proto\":null,\"port\":null},"
		     "\"levels\":[{\"cgroup\":\"/jobs/run-1\",\"template\":\"/jobs/*-1\",\"template_matches\":null,"
		     "\"template_reason\":null,\"mode\":\"enforce\",\"verdict\":\"deny\",\"rule_id\":null,\"rule\":null,"
		     "\"default\":\"deny\",\"quota\":null}],\"verdict\":\"deny\"}\n");

	/* the generation of the set that answered, to compare with a dump's */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/jobs/run-1");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 7);
	mnl_attr_put_u8(nlh, NF_EGRESS_A_VERDICT, NF_EGRESS_VERDICT_DENY);
	ok(egress_decode_explain(nlh, &x) == 0 && x.has_generation &&
	   x.generation == 7, "decode explain reply: GENERATION");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_u8(nlh, NF_EGRESS_A_VERDICT, NF_EGRESS_VERDICT_DENY);
	ok(egress_decode_explain(nlh, &x) == 0 && !x.has_generation,
	   "decode explain reply without GENERATION: none");
}

/*
 * explain_decide on a POLICY_GET dump: its templates, neither its exact
 * paths nor its instances, in the order of the dump; nothing when the set
 * changed or the template went.
 */
static void test_explain_decide(void)
{
	static struct egress_explain_msg m;
	/* in the listing order; seq is the place in the dump */
	struct policy_entry pol[] = {
		{ .path = "/svc", .seq = 0 },
		{ .path = "/svc/*", .seq = 1 },
		/* a cgroup named "w*1": as a pattern it would be the runner-up */
		{ .path = "/svc/w*1", .seq = 6, .template = "/svc/*" },
		{ .path = "/svc/**", .seq = 3 },
		{ .path = "/svc/web-*", .seq = 2 },
		{ .path = "/svc/web-*1", .seq = 5 },
		{ .path = "/svc/web-1", .seq = 7, .template = "/svc/web-*" },
	};
	struct dump_state st = {
		.policies = pol, .npolicies = sizeof(pol) / sizeof(pol[0]),
		.have_generation = true, .generation = 9,
	};
	struct pattern_decision why[4];

	m.nlevels = 0;
	m.verdict = NF_EGRESS_VERDICT_ALLOW;
	explain_level(&m, "/svc", NULL, false, NF_EGRESS_VERDICT_ALLOW, 0, NULL);
	ok(!explain_has_templates(&m), "explain: no template level, no decision to look for");
	explain_level(&m, "/svc/web-1", "/svc/web-*", false,
		      NF_EGRESS_VERDICT_ALLOW, 0, NULL);
	explain_level(&m, "/svc/web-1/x", "/svc/**", false,
		      NF_EGRESS_VERDICT_ALLOW, 0, NULL);
	explain_level(&m, "/svc/web-1/x/y", "/svc/*/x/*", false,
		      NF_EGRESS_VERDICT_ALLOW, 0, NULL);
	ok(explain_has_templates(&m), "explain: template levels");

	m.has_generation = true;
	m.generation = 9;
	memset(why, 0xff, sizeof(why));
	explain_decide(&m, &st, why);
	ok(!why[0].matches && !why[0].beats &&
	   why[1].matches == 4 && why[1].beats &&
	   !strcmp(why[1].beats, "/svc/web-*1") && why[1].why == PATTERN_EARLIER &&
	   why[2].matches == 1 && !why[2].beats && !why[3].matches,
	   "explain: decisions among the dump's templates, not its policies or instances, by its order; a template no longer listed: none");

	pol[5].seq = 0;
	explain_decide(&m, &st, why);
	ok(!why[1].matches && why[2].matches == 1,
	   "explain: another template comes first now (the set changed): no decision for that level");
	pol[5].seq = 5;

	m.generation = 10;
	explain_decide(&m, &st, why);
	ok(!why[1].matches && !why[2].matches,
	   "explain: a dump of another generation: no decisions");
	m.has_generation = false;
	explain_decide(&m, &st, why);
	ok(why[1].matches == 4 && why[2].matches == 1,
	   "explain: an answer without a generation: decisions");
	st.npolicies = 0;
	explain_decide(&m, &st, why);
	ok(!why[1].matches && !why[2].matches, "explain: no templates listed: no decisions");
}

static void test_instance_gone(void)
{
	static struct egress_instance_gone_msg g;
	struct egress_policy_msg p;
	struct nlmsghdr *nlh;
	struct nlattr *nest, *a;
	uint32_t got = 0;

	/* POLICY_GET of a template: INSTANCES_KEEP */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/*.service");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_INSTANCES_MAX, 1024);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_INSTANCE_COUNT, 2);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_INSTANCES_KEEP, 0);
	ok(egress_decode_policy(nlh, &p) == 0 && p.has_instances_keep &&
	   p.instances_keep == 0, "decode template: INSTANCES_KEEP 0");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/*.service");
	ok(egress_decode_policy(nlh, &p) == 0 && !p.has_instances_keep,
	   "decode template: no INSTANCES_KEEP (an older module)");
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/*");
	mnl_attr_put_u64(nlh, NF_EGRESS_A_INSTANCES_KEEP, 5);
	ok(egress_decode_policy(nlh, &p) == -EBADMSG, "a u64 INSTANCES_KEEP refused");

	/* POLICY_NEW, POLICY_SET: INSTANCES_KEEP is a u32 */
	nlh = start_msg(buf, 30, 1, NLM_F_REQUEST);
	ok(egress_put_instances_keep(nlh, BUFSZ, 31536000) == 0,
	   "encode instances keep");
	mnl_attr_for_each(a, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(a) == NF_EGRESS_A_INSTANCES_KEEP &&
		    mnl_attr_get_payload_len(a) == 4)
			got = mnl_attr_get_u32(a);
	ok(got == 31536000, "NF_EGRESS_A_INSTANCES_KEEP u32 31536000");

	/* INSTANCE_GONE: every counter, two classes, a reset time */
	nlh = gone_begin("/svc/a.service", "/svc/*.service");
	put_counter(nlh, NF_EGRESS_A_STATS_ALLOWED, 12, 3400);
	put_counter(nlh, NF_EGRESS_A_STATS_DENIED, 1, 60);
	put_counter(nlh, NF_EGRESS_A_STATS_WOULD_DENY, 0, 0);
	put_counter(nlh, NF_EGRESS_A_STATS_RATELIMITED, 2, 120);
	put_counter(nlh, NF_EGRESS_A_STATS_SHAPED, 3, 4500);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_QUEUE_LEN, 0);
	mnl_attr_put_u64(nlh, NF_EGRESS_A_STATS_MAX_DELAY_NS, 1500000);
	put_class(nlh, "web", 5, 600);
	put_class(nlh, "dns", 2, 140);
	mnl_attr_put_u64(nlh, NF_EGRESS_A_STATS_RESET_TIME, 1795784000);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_HIT_RULES, 2);
	if (ok(egress_decode_instance_gone(nlh, &g) == 0 && !g.has_rule_offset &&
	       g.hit_rules == 2 && !g.has_hit_rules_omitted &&
	       !strcmp(g.path, "/svc/a.service") &&
	       !strcmp(g.template, "/svc/*.service") &&
	       g.counters.allowed.packets == 12 && g.counters.allowed.bytes == 3400 &&
	       g.counters.denied.packets == 1 && g.counters.ratelimited.bytes == 120 &&
	       g.counters.shaped.packets == 3 && g.counters.nclasses == 2 &&
	       g.counters.has_reset_time && g.counters.reset_time == 1795784000,
	       "decode instance gone"))
		gone_prints_as(&g, EV_TIME " instance-gone /svc/a.service template /svc/*.service"
			      " allowed 12/3400 denied 1/60 would-deny 0/0 ratelimited 2/120 shaped 3/4500"
			      " class web 5/600 class dns 2/140 hit-rules 2\n",
			      "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\","
			      "\"event\":\"instance-gone\",\"cgroup\":\"/svc/a.service\","
			      "\"template\":\"/svc/*.service\","
			      "\"allowed\":{\"packets\":12,\"bytes\":3400},"
			      "\"denied\":{\"packets\":1,\"bytes\":60},"
			      "\"would_deny\":{\"packets\":0,\"bytes\":0},"
			      "\"ratelimited\":{\"packets\":2,\"bytes\":120},"
			      "\"shaped\":{\"packets\":3,\"bytes\":4500},"
			      "\"classes\":{\"web\":{\"packets\":5,\"bytes\":600},"
			      "\"dns\":{\"packets\":2,\"bytes\":140}},"
			      "\"reset_time\":1795784000,\"hit_rules\":2}\n",
			      "instance gone: text line and JSON, the counters as stats -j has them, hit rules 2");

	/* counters left out are zero; odd names escaped; no reset */
	nlh = gone_begin("/a b/\xff", "/\x1b*");
	put_counter(nlh, NF_EGRESS_A_STATS_ALLOWED, UINT64_MAX, UINT64_MAX);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_MAX + 3, 1);
	mnl_attr_put(nlh, NF_EGRESS_A_QUOTA, 0, NULL);
	mnl_attr_put(nlh, NF_EGRESS_A_QUOTA, 0, NULL);
	if (ok(egress_decode_instance_gone(nlh, &g) == 0 && !g.counters.nclasses &&
	       !g.counters.has_reset_time && !g.counters.denied.packets &&
	       !g.counters.shaped.bytes && !g.hit_rules && !g.has_hit_rules_omitted,
	       "instance gone: counters optional, no HIT_RULES (an older module) is 0, "
	       "unknown attributes ignored, repeated ones allowed"))
		gone_prints_as(&g, EV_TIME " instance-gone /a\\x20b/\\xff template /\\x1b*"
			      " allowed 18446744073709551615/18446744073709551615 denied 0/0"
			      " would-deny 0/0 ratelimited 0/0 shaped 0/0 hit-rules 0\n",
			      "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\","
			      "\"event\":\"instance-gone\",\"cgroup\":\"/a b/\\u00ff\","
			      "\"template\":\"/\\u001b*\","
			      "\"allowed\":{\"packets\":18446744073709551615,\"bytes\":18446744073709551615},"
			      "\"denied\":{\"packets\":0,\"bytes\":0},"
			      "\"would_deny\":{\"packets\":0,\"bytes\":0},"
			      "\"ratelimited\":{\"packets\":0,\"bytes\":0},"
			      "\"shaped\":{\"packets\":0,\"bytes\":0},"
			      "\"classes\":{},\"reset_time\":null,"
			      "\"hit_rules\":0}\n",
			      "instance gone: names escaped, empty classes, reset_time null");

	/* more rules hit than the series carries */
	nlh = gone_begin("/svc/a.service", "/svc/*.service");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_HIT_RULES, NF_EGRESS_GONE_RULES_MAX);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_HIT_RULES_OMITTED, 17);
	if (ok(egress_decode_instance_gone(nlh, &g) == 0 && g.hit_rules == 4096 &&
	       g.has_hit_rules_omitted && g.hit_rules_omitted == 17,
	       "instance gone: HIT_RULES_OMITTED"))
		gone_prints_as(&g, EV_TIME " instance-gone /svc/a.service template /svc/*.service"
			      " allowed 0/0 denied 0/0 would-deny 0/0 ratelimited 0/0 shaped 0/0"
			      " hit-rules 4096 omitted 17\n",
			      "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\","
			      "\"event\":\"instance-gone\",\"cgroup\":\"/svc/a.service\","
			      "\"template\":\"/svc/*.service\","
			      "\"allowed\":{\"packets\":0,\"bytes\":0},"
			      "\"denied\":{\"packets\":0,\"bytes\":0},"
			      "\"would_deny\":{\"packets\":0,\"bytes\":0},"
			      "\"ratelimited\":{\"packets\":0,\"bytes\":0},"
			      "\"shaped\":{\"packets\":0,\"bytes\":0},"
			      "\"classes\":{},\"reset_time\":null,"
			      "\"hit_rules\":4096,\"hit_rules_omitted\":17}\n",
			      "instance gone: omitted in the text line and JSON");

	/* a rules message: an IPv4 rule with all it can have, an IPv6 one */
	nlh = gone_rules_begin("/svc/a.service", "/svc/*.service", 2);
	put_gone_rule(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 24,
		      IPPROTO_TCP, 8000, 8080, "web", 5, 600);
	put_gone_rule(nlh, 7, NF_EGRESS_VERDICT_DENY, AF_INET6, v6, 64, 0, 0, 0,
		      NULL, 1, 80);
	if (ok(egress_decode_instance_gone(nlh, &g) == 0 && g.has_rule_offset &&
	       g.rule_offset == 2 && g.nrules == 2 &&
	       !strcmp(g.path, "/svc/a.service") &&
	       !strcmp(g.template, "/svc/*.service"),
	       "decode instance gone rules")) {
		char seen[256] = "";

		ok(egress_instance_gone_for_each_rule(&g, list_gone_rule, seen) == 0 &&
		   !strcmp(seen, "2:3:5:/svc/a.service;3:7:1:/svc/a.service;"),
		   "instance gone rules walked in order, from their offset");
		gone_prints_as(&g, EV_TIME " instance-gone-rule /svc/a.service template /svc/*.service"
			      " rule 3 allow tcp to 10.99.0.0/24 port 8000-8080 class web packets 5 bytes 600\n"
			      EV_TIME " instance-gone-rule /svc/a.service template /svc/*.service"
			      " rule 7 deny to 2001:db8:99::/64 packets 1 bytes 80\n",
			      "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\","
			      "\"event\":\"instance-gone-rule\",\"cgroup\":\"/svc/a.service\","
			      "\"template\":\"/svc/*.service\",\"index\":2,"
			      "\"rule\":{\"id\":3,\"action\":\"allow\",\"proto\":\"tcp\","
			      "\"to\":\"10.99.0.0/24\",\"ports\":[8000,8080],\"class\":\"web\","
			      "\"rule\":\"allow tcp to 10.99.0.0/24 port 8000-8080 class web\"},"
			      "\"packets\":5,\"bytes\":600}\n"
			      "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\","
			      "\"event\":\"instance-gone-rule\",\"cgroup\":\"/svc/a.service\","
			      "\"template\":\"/svc/*.service\",\"index\":3,"
			      "\"rule\":{\"id\":7,\"action\":\"deny\",\"proto\":\"any\","
			      "\"to\":\"2001:db8:99::/64\",\"rule\":\"deny to 2001:db8:99::/64\"},"
			      "\"packets\":1,\"bytes\":80}\n",
			      "instance gone rules: a line and a JSON object each, the rule as show -j has it");
	}

	/* rules messages refused */
	nlh = gone_rules_begin("/svc/a", "/svc/*", 0);
	gone_refused(nlh, "NF_EGRESS_A_RULE_OFFSET without NF_EGRESS_A_RULE",
		     "instance gone rules without a rule refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	put_gone_rule(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 24, 0, 0, 0,
		      NULL, 1, 1);
	gone_refused(nlh, "NF_EGRESS_A_RULE without NF_EGRESS_A_RULE_OFFSET",
		     "instance gone with a rule but no offset refused");
	nlh = gone_rules_begin("/svc/a", "/svc/*", 0);
	put_rule_nest(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 4, 24);
	gone_refused(nlh, "NF_EGRESS_A_RULE: no NF_EGRESS_RULE_A_STATS",
		     "instance gone rule without its hits refused");
	nlh = gone_rules_begin("/svc/a", "/svc/*", 0);
	put_gone_rule(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 24, 0, 0, 0,
		      NULL, 1, 1);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 4);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 5);
	mnl_attr_nest_end(nlh, nest);
	gone_refused(nlh, "NF_EGRESS_A_RULE: NF_EGRESS_RULE_A_ID given twice",
		     "instance gone: a second rule with its id twice refused");
	nlh = gone_rules_begin("/svc/a", "/svc/*", 0);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 4);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_DENY);
	a = mnl_attr_nest_start(nlh, NF_EGRESS_RULE_A_STATS);
	mnl_attr_put_u32(nlh, NF_EGRESS_CTR_A_PACKETS, 1);
	mnl_attr_nest_end(nlh, a);
	mnl_attr_nest_end(nlh, nest);
	gone_refused(nlh, "NF_EGRESS_A_RULE/NF_EGRESS_RULE_A_STATS: NF_EGRESS_CTR_A_PACKETS is no valid u64 (4 bytes)",
		     "instance gone rule with a u32 packet count refused");
	nlh = gone_rules_begin("/svc/a", "/svc/*", 0);
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_DENY);
	put_counter(nlh, NF_EGRESS_RULE_A_STATS, 1, 1);
	mnl_attr_nest_end(nlh, nest);
	gone_refused(nlh, "NF_EGRESS_A_RULE: no valid rule (its id, action, destination, ports or class)",
		     "instance gone rule without an id refused");
	nlh = gone_rules_begin("/svc/a", "/svc/*", 0);
	put_gone_rule(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 24, 0, 0, 0,
		      "a\x1b[2Jb", 1, 1);
	gone_refused(nlh, "NF_EGRESS_A_RULE: no valid rule (its id, action, destination, ports or class)",
		     "instance gone rule with an invalid class name refused");
	nlh = gone_rules_begin("/svc/a", "/svc/*", 0);
	nest = put_gone_rule(nlh, 3, NF_EGRESS_VERDICT_ALLOW, AF_INET, v4, 24,
			     0, 0, 0, NULL, 1, 1);
	nest->nla_len -= 2;
	gone_refused(nlh, "torn attributes in NF_EGRESS_A_RULE",
		     "instance gone with a torn rule refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	mnl_attr_put_u64(nlh, NF_EGRESS_A_RULE_OFFSET, 0);
	gone_refused(nlh, "NF_EGRESS_A_RULE_OFFSET is no valid u32 (8 bytes)",
		     "instance gone with a u64 rule offset refused");
	nlh = gone_rules_begin("/svc/a", "/svc/*", 0);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_RULE_OFFSET, 1);
	gone_refused(nlh, "NF_EGRESS_A_RULE_OFFSET given twice",
		     "instance gone with two rule offsets refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	mnl_attr_put_u8(nlh, NF_EGRESS_A_HIT_RULES, 2);
	gone_refused(nlh, "NF_EGRESS_A_HIT_RULES is no valid u32 (1 bytes)",
		     "instance gone with a u8 HIT_RULES refused");

	/* refused */
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/svc/a");
	gone_refused(nlh, "no NF_EGRESS_A_TEMPLATE", "instance gone without a template refused");
	nlh = start_msg(buf, 30, 0, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/svc/*");
	gone_refused(nlh, "no NF_EGRESS_A_CGROUP_PATH", "instance gone without a path refused");
	nlh = gone_begin("/svc/a", "");
	gone_refused(nlh, "NF_EGRESS_A_TEMPLATE is empty", "instance gone with an empty template refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	put_counter(nlh, NF_EGRESS_A_STATS_DENIED, 1, 1);
	put_counter(nlh, NF_EGRESS_A_STATS_DENIED, 2, 2);
	gone_refused(nlh, "NF_EGRESS_A_STATS_DENIED given twice",
		     "instance gone with two denied counters refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_SHAPED);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 1);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 2);
	mnl_attr_nest_end(nlh, nest);
	gone_refused(nlh, "NF_EGRESS_A_STATS_SHAPED: NF_EGRESS_CTR_A_PACKETS given twice",
		     "instance gone with a counter's packets twice refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_ALLOWED);
	mnl_attr_put_u32(nlh, NF_EGRESS_CTR_A_BYTES, 1);
	mnl_attr_nest_end(nlh, nest);
	gone_refused(nlh, "NF_EGRESS_A_STATS_ALLOWED: NF_EGRESS_CTR_A_BYTES is no valid u64 (4 bytes)",
		     "instance gone with a u32 byte count refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_RESET_TIME, 1);
	gone_refused(nlh, "NF_EGRESS_A_STATS_RESET_TIME is no valid u64 (4 bytes)",
		     "instance gone with a u32 reset time refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_WOULD_DENY);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, 1);
	mnl_attr_nest_end(nlh, nest);
	nest->nla_len -= 2;
	gone_refused(nlh, "torn attributes in NF_EGRESS_A_STATS_WOULD_DENY",
		     "instance gone with a torn counter refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	put_class(nlh, "dns", 1, 1);
	put_class(nlh, "web", 1, 1);
	put_class(nlh, "dns", 2, 2);
	gone_refused(nlh, "NF_EGRESS_A_STATS_CLASS: class dns given twice",
		     "instance gone with a class twice refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	put_class(nlh, "a b", 1, 1);
	gone_refused(nlh, "NF_EGRESS_A_STATS_CLASS: an invalid class name",
		     "instance gone with an invalid class name refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	put_class(nlh, NULL, 1, 1);
	gone_refused(nlh, "NF_EGRESS_A_STATS_CLASS: no class name",
		     "instance gone with a class nest without a name refused");
	nlh = gone_begin("/svc/a", "/svc/*");
	mnl_attr_put_u32(nlh, 200, 1);
	nlh->nlmsg_len -= 2;
	gone_refused(nlh, "torn attributes", "instance gone with a torn attribute refused");
	nlh = mnl_nlmsg_put_header(buf);
	gone_refused(nlh, "no generic netlink header",
		     "instance gone without genl header refused");
}

/* Every attribute's alignment padding in nlh is zero. */
static bool padding_zero(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		const unsigned char *p = (const unsigned char *)a;
		uint16_t i;

		for (i = a->nla_len; i < MNL_ALIGN(a->nla_len); i++)
			if (p[i])
				return false;
	}
	return true;
}

/*
 * libmnl 1.0.4 does not zero the padding it skips; our message starters
 * must, or the kernel gets stale bytes (valgrind found uninitialised ones
 * in an apply batch).  Fill the buffers with junk first.
 */
static void test_padding(void)
{
	static struct nl_ctx ctx;
	struct nlmsghdr *nlh;
	struct nl_batch b;

	memset(ctx.sendbuf, 0xa5, sizeof(ctx.sendbuf));
	nlh = nl_genl_start(&ctx, 30, 1, 1, 0);
	ok(egress_put_path(nlh, sizeof(ctx.sendbuf), "/t12") == 0 &&
	   egress_put_mode(nlh, sizeof(ctx.sendbuf), 1) == 0 && padding_zero(nlh),
	   "nl_genl_start: attribute padding is zeroed");

	if (nl_batch_init(&b, &ctx)) {
		ok(0, "nl_batch_init");
		return;
	}
	memset(b.buf, 0xa5, NL_BATCH_BUF_SIZE);
	nlh = nl_batch_start(&b, 30, 1, 1);
	ok(nlh && egress_put_path(nlh, NL_BATCH_MSG_MAX, "/t12") == 0 &&
	   egress_put_mode(nlh, NL_BATCH_MSG_MAX, 1) == 0 && padding_zero(nlh),
	   "nl_batch_start: attribute padding is zeroed");
	nl_batch_free(&b);
}

/* --- TCP health ------------------------------------------------------------ */

/* One RTT bucket nest, as the module puts it. */
static void put_bucket(struct nlmsghdr *nlh, uint32_t low, uint32_t high,
		       uint64_t count)
{
	struct nlattr *b = mnl_attr_nest_start(nlh, NF_EGRESS_HEALTH_A_RTT_BUCKET);

	mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_LOW_US, low);
	mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_HIGH_US, high);
	mnl_attr_put_u64(nlh, NF_EGRESS_RTT_BUCKET_A_COUNT, count);
	mnl_attr_nest_end(nlh, b);
}

/* A STATS_HEALTH nest: attempts and its neighbours n, n + 1, ...; open. */
static struct nlattr *health_begin(struct nlmsghdr *nlh, uint64_t n)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_HEALTH);
	uint16_t type;

	for (type = NF_EGRESS_HEALTH_A_ATTEMPTS;
	     type <= NF_EGRESS_HEALTH_A_RTT_SUM_US; type++)
		mnl_attr_put_u64(nlh, type, n++);
	return nest;
}

/* A HEALTH_GET reply of /t1 (class when not NULL), its health open. */
static struct nlmsghdr *health_reply(const char *class_name,
				     struct nlattr **nest)
{
	struct nlmsghdr *nlh = start_msg(buf, 30, 1, NLM_F_MULTI);

	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 9);
	if (class_name)
		mnl_attr_put_strz(nlh, NF_EGRESS_A_HEALTH_CLASS, class_name);
	*nest = health_begin(nlh, 1);
	return nlh;
}

static void health_refused(struct nlmsghdr *nlh, const char *desc)
{
	struct egress_health_reply_msg m;

	ok(egress_decode_health(nlh, &m) == -EBADMSG, "health refused: %s",
	   desc);
}

static void test_health(void)
{
	static struct egress_instance_gone_msg g;
	struct egress_health_reply_msg m;
	struct rtt_bucket b[3];
	struct egress_info_msg i;
	struct nlattr *nest, *in;
	struct nlmsghdr *nlh;

	/* HEALTH_GET: a policy's, then a class's */
	nlh = health_reply(NULL, &nest);
	put_bucket(nlh, 3, 4, 2);
	mnl_attr_put_u32(nlh, NF_EGRESS_HEALTH_A_MAX + 2, 7);
	put_bucket(nlh, 1024, 1088, 5);
	put_bucket(nlh, 1088, 0, 1);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, "/t*");
	if (ok(egress_decode_health(nlh, &m) == 0 && !strcmp(m.path, "/t1") &&
	       m.template && !strcmp(m.template, "/t*") && !m.class_name &&
	       m.has_generation && m.generation == 9 &&
	       m.health.h.attempts == 1 && m.health.h.established == 2 &&
	       m.health.h.refused == 3 && m.health.h.timed_out == 4 &&
	       m.health.h.unreachable == 5 && m.health.h.reset == 6 &&
	       m.health.h.syn_retrans == 7 && m.health.h.data_retrans == 8 &&
	       m.health.h.rtt_count == 9 && m.health.h.rtt_sum_us == 10 &&
	       m.health.nbuckets == 3,
	       "decode health: its counters, three buckets, an unknown attribute ignored")) {
		egress_health_buckets(&m.health, b);
		ok(b[0].low_us == 3 && b[0].high_us == 4 && b[0].count == 2 &&
		   b[1].low_us == 1024 && b[1].high_us == 1088 &&
		   b[1].count == 5 && b[2].low_us == 1088 && !b[2].high_us &&
		   b[2].count == 1, "health buckets copied out in order");
	}
	nlh = health_reply("internal", &nest);
	mnl_attr_nest_end(nlh, nest);
	ok(egress_decode_health(nlh, &m) == 0 && m.class_name &&
	   !strcmp(m.class_name, "internal") && !m.health.nbuckets &&
	   !m.template, "decode health of a class, no buckets");

	nlh = start_msg(buf, 30, 1, NLM_F_MULTI);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/t1");
	health_refused(nlh, "no STATS_HEALTH");
	/*
	 * a message cut 3 bytes short inside its last nest (fuzz_event
	 * found it): libmnl's walk rounds the length up and would take the
	 * nest, whose walker then read beyond the message
	 */
	nlh = health_reply(NULL, &nest);
	put_bucket(nlh, 3, 4, 2);
	mnl_attr_nest_end(nlh, nest);
	nlh->nlmsg_len -= 3;
	health_refused(nlh, "its last nest running past the message's end");
	nlh = health_reply("a b", &nest);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "an invalid class name");
	nlh = health_reply(NULL, &nest);
	put_bucket(nlh, 100, 100, 1);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "a bucket whose HIGH_US is not above LOW_US");
	nlh = health_reply(NULL, &nest);
	put_bucket(nlh, 100, 200, 1);
	put_bucket(nlh, 150, 300, 1);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "overlapping buckets");
	nlh = health_reply(NULL, &nest);
	put_bucket(nlh, 100, 200, 1);
	put_bucket(nlh, 50, 60, 1);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "buckets not lowest first");
	nlh = health_reply(NULL, &nest);
	put_bucket(nlh, 100, 0, 1);
	put_bucket(nlh, 200, 300, 1);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "a bucket after the unbounded one");
	nlh = health_reply(NULL, &nest);
	in = mnl_attr_nest_start(nlh, NF_EGRESS_HEALTH_A_RTT_BUCKET);
	mnl_attr_put_u64(nlh, NF_EGRESS_RTT_BUCKET_A_LOW_US, 1);
	mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_HIGH_US, 2);
	mnl_attr_put_u64(nlh, NF_EGRESS_RTT_BUCKET_A_COUNT, 1);
	mnl_attr_nest_end(nlh, in);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "a u64 LOW_US");
	nlh = health_reply(NULL, &nest);
	in = mnl_attr_nest_start(nlh, NF_EGRESS_HEALTH_A_RTT_BUCKET);
	mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_LOW_US, 1);
	mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_HIGH_US, 2);
	mnl_attr_nest_end(nlh, in);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "a bucket without COUNT");
	nlh = health_reply(NULL, &nest);
	mnl_attr_put_u64(nlh, NF_EGRESS_HEALTH_A_ATTEMPTS, 1);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "ATTEMPTS given twice");
	nlh = health_reply(NULL, &nest);
	mnl_attr_put_u32(nlh, NF_EGRESS_HEALTH_A_RTT_BUCKET, 1);
	mnl_attr_nest_end(nlh, nest);
	health_refused(nlh, "a bucket that is no nest");

	/* GET_INFO: connections nothing counts the health of */
	nlh = start_msg(buf, 30, 1, 0);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_VERSION, "0.1.0");
	mnl_attr_put_u64(nlh, NF_EGRESS_A_HEALTH_UNTRACKED, 5);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_HEALTH_SOCKETS, 7);
	ok(egress_decode_info(nlh, &i) == 0 && i.has_health_untracked &&
	   i.health_untracked == 5 && i.has_health_sockets &&
	   i.health_sockets == 7, "decode info: health untracked 5, sockets 7");
	nlh = start_msg(buf, 30, 1, 0);
	ok(egress_decode_info(nlh, &i) == 0 && !i.has_health_untracked,
	   "decode info: no health untracked (an older module)");

	/* INSTANCE_GONE with the instance's health */
	nlh = gone_begin("/svc/a.service", "/svc/*.service");
	put_counter(nlh, NF_EGRESS_A_STATS_ALLOWED, 12, 3400);
	put_class(nlh, "web", 5, 600);
	nest = health_begin(nlh, 1);
	put_bucket(nlh, 840, 872, 2);
	put_bucket(nlh, 1048576, 0, 1);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_HIT_RULES, 1);
	if (ok(egress_decode_instance_gone(nlh, &g) == 0 &&
	       g.counters.has_health && g.counters.health.nbuckets == 2 &&
	       g.counters.health.h.attempts == 1,
	       "decode instance gone with its health"))
		gone_prints_as(&g, EV_TIME " instance-gone /svc/a.service template /svc/*.service"
			      " allowed 12/3400 denied 0/0 would-deny 0/0 ratelimited 0/0 shaped 0/0"
			      " class web 5/600 attempts 1 established 2 refused 3 timed-out 4"
			      " unreachable 5 reset 6 syn-retrans 7 data-retrans 8"
			      " rtt-p50 864us rtt-p90 1.05s rtt-p99 1.05s hit-rules 1\n",
			      "{\"time_ns\":1795784700123456789,\"time\":\"" EV_TIME "\","
			      "\"event\":\"instance-gone\",\"cgroup\":\"/svc/a.service\","
			      "\"template\":\"/svc/*.service\","
			      "\"allowed\":{\"packets\":12,\"bytes\":3400},"
			      "\"denied\":{\"packets\":0,\"bytes\":0},"
			      "\"would_deny\":{\"packets\":0,\"bytes\":0},"
			      "\"ratelimited\":{\"packets\":0,\"bytes\":0},"
			      "\"shaped\":{\"packets\":0,\"bytes\":0},"
			      "\"classes\":{\"web\":{\"packets\":5,\"bytes\":600}},"
			      "\"reset_time\":null,\"hit_rules\":1,"
			      "\"health\":{\"attempts\":1,\"established\":2,\"refused\":3,"
			      "\"timed_out\":4,\"unreachable\":5,\"reset\":6,\"syn_retrans\":7,"
			      "\"data_retrans\":8,\"rtt\":{\"count\":9,\"sum_us\":10,"
			      "\"p50_us\":864,\"p90_us\":1048576,\"p99_us\":1048576,"
			      "\"buckets\":[{\"low_us\":840,\"high_us\":872,\"count\":2},"
			      "{\"low_us\":1048576,\"high_us\":null,\"count\":1}]}}}\n",
			      "instance gone: the health's words before hit-rules, its object last");
	nlh = gone_begin("/svc/a.service", "/svc/*.service");
	nest = health_begin(nlh, 1);
	put_bucket(nlh, 900, 800, 2);
	mnl_attr_nest_end(nlh, nest);
	gone_refused(nlh, "NF_EGRESS_HEALTH_A_RTT_BUCKET: HIGH_US not above LOW_US",
		     "instance gone: a bucket upside down refused, with why");
	nlh = gone_begin("/svc/a.service", "/svc/*.service");
	nest = health_begin(nlh, 1);
	mnl_attr_put_u32(nlh, NF_EGRESS_HEALTH_A_RESET, 1);
	mnl_attr_nest_end(nlh, nest);
	gone_refused(nlh, "NF_EGRESS_A_STATS_HEALTH: NF_EGRESS_HEALTH_A_RESET given twice",
		     "instance gone: a health counter twice refused, with why");
}

int main(void)
{
	tap_start();
	test_decode_event();
	test_event_truncated();
	test_event_unterminated();
	test_event_escapes();
	test_event_oversized();
	test_event_wrapped();
	test_event_attrs();
	test_conn();
	test_templates();
	test_explain_print();
	test_explain_decide();
	test_instance_gone();
	test_health();
	test_decode_rule();
	test_decode_others();
	test_encode();
	test_v2();
	test_accounting();
	test_shaping();
	test_shaping_stats();
	test_fuzz_decoders();
	test_replies();
	test_padding();
	test_live();
	return tap_end();
}
