// SPDX-License-Identifier: GPL-2.0
/*
 * nl_client PATH [DST]: an nf_egress client on libnl-3 instead of
 * egressctl's libmnl, proving the UAPI usable from a second netlink
 * implementation.  It resolves the family, creates a policy at PATH (which
 * must not exist) with a rate limit and rules, reads it back with
 * POLICY_GET (do and dump), RULE_GET, STATS_GET and EXPLAIN, changes it
 * with POLICY_SET and RULE_DEL and reads the changes back, sends UDP to DST
 * to make its counters move, stages a policy set and aborts it (the live
 * set stays byte for byte the same), stages another and commits it (the
 * live set becomes that, PATH keeping its counters), zeroes the counters
 * with STATS_RESET, joins the events multicast group, checks every
 * attribute of every reply against include/uapi/linux/nf_egress.h (known
 * type, exact length, strings NUL-terminated, nests) and the values against
 * what it sent, then deletes PATH and PATH.staged, the other policy of the
 * commit.  TAP 13 on stdout; exit 0 iff every check passed.
 *
 * NB: like `egressctl apply`, the commit replaces every policy of the host.
 *
 * DST is an IPv4 address reached through a device that is not loopback
 * (loopback traffic is not judged), and nl_client must run in the cgroup
 * PATH names; nl_client.sh sets both up.  Without DST nothing is sent, the
 * send checks are skipped and the counters must stay 0.
 *
 * nl_client --join-events only joins the events multicast group, which
 * needs CAP_NET_ADMIN in the initial user namespace, and says whether the
 * kernel let it: exit 0 joined, 1 refused (with the errno), 2 no family or
 * group.  privilege.sh runs it as the root of a user namespace.
 *
 * nl_client --hold-apply begins an apply (APPLY_BEGIN), prints "begun" and
 * holds the staged set until its stdin closes (egressctl_cli.sh: another
 * apply gets -EBUSY meanwhile).
 */
#define _GNU_SOURCE	/* strerrorname_np() */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "nl_common.h"

static int tap_num, tap_failed;

__attribute__((format(printf, 2, 3)))
static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	tap_num++;
	if (!ok)
		tap_failed++;
	printf("%sok %d - ", ok ? "" : "not ", tap_num);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void skip(const char *desc, const char *reason)
{
	tap_num++;
	printf("ok %d - %s # SKIP %s\n", tap_num, desc, reason);
	fflush(stdout);
}

/* One reply message's attributes, indexed by type (last one wins). */
struct parsed {
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];
	char why[256];
	int bad;		/* the UAPI check failed */
	int cmd;
};

static void parse_into(const struct nlattr *attrs, int len, const struct nlattr **tb, int max)
{
	const struct nlattr *a;
	int rem = len;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (a = attrs; nla_ok(a, rem); a = nla_next(a, &rem))
		if (nla_type(a) <= max)
			tb[nla_type(a)] = a;
}

/* Collects the messages of a reply, checking each against the header. */
struct collect {
	struct parsed msg[64];
	unsigned char copy[64][8192];
	int n;
	int all_checked;	/* every message passed nlc_check_attrs */
	char why[256];
};

static int collect_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct collect *c = arg;
	struct parsed *p;
	struct nlattr *attrs;
	int len;

	if (c->n >= 64 || nlh->nlmsg_len > sizeof(c->copy[0]))
		return 0;
	memcpy(c->copy[c->n], nlh, nlh->nlmsg_len);
	nlh = (struct nlmsghdr *)c->copy[c->n];
	p = &c->msg[c->n++];
	p->cmd = ((struct genlmsghdr *)nlmsg_data(nlh))->cmd;
	attrs = nlc_attrs(nlh, &len);
	if (len < 0 || nlc_check_attrs(NLC_SPACE_TOP, attrs, len, p->why, sizeof(p->why))) {
		p->bad = 1;
		if (c->all_checked)
			snprintf(c->why, sizeof(c->why), "%s", len < 0 ? "short message" : p->why);
		c->all_checked = 0;
	}
	if (len > 0)
		parse_into(attrs, len, p->tb, NF_EGRESS_A_MAX);
	return 0;
}

static void collect_init(struct collect *c)
{
	c->n = 0;
	c->all_checked = 1;
	c->why[0] = '\0';
}

/*
 * The request being built and the messages of its answer: one exchange at
 * a time, and both too big for the stack.
 */
static struct nlc_buf req;
static struct collect col;

static uint8_t get_u8(const struct nlattr *a) { return a ? *(uint8_t *)nla_data(a) : 0xff; }
static uint16_t get_u16(const struct nlattr *a) { return a ? *(uint16_t *)nla_data(a) : 0; }
static uint32_t get_u32(const struct nlattr *a) { return a ? *(uint32_t *)nla_data(a) : 0; }
static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v = 0;

	if (a)
		memcpy(&v, nla_data(a), 8);
	return v;
}
static const char *get_str(const struct nlattr *a) { return a ? nla_data(a) : ""; }

/* A rule as the client sends it, and as RULE_GET must give it back. */
struct rule_spec {
	uint8_t action, family, prefix_len, proto;
	const char *addr;
	uint16_t port_min, port_max;
	const char *class_name;
};

/* The rules the client adds. */
static const struct rule_spec rules[] = {
	{ NF_EGRESS_VERDICT_ALLOW, AF_INET, 24, IPPROTO_TCP, "192.0.2.0", 1000, 2000, "nlclient" },
	{ NF_EGRESS_VERDICT_DENY, AF_INET6, 48, 0, "2001:db8:77::", 0, 0, NULL },
};

/*
 * The rule the apply stages for PATH: it allows the datagrams to DST (its
 * address, when DST is given) under a class of its own.
 */
static struct rule_spec staged_rule = {
	NF_EGRESS_VERDICT_ALLOW, AF_INET, 32, IPPROTO_UDP, "198.51.100.9", 9, 9, "nlstaged"
};

static int addr_len(const struct rule_spec *rs)
{
	return rs->family == AF_INET ? 4 : 16;
}

/* RS as one NF_EGRESS_A_RULE nest. */
static void put_rule(struct nlc_buf *b, const struct rule_spec *rs)
{
	unsigned char addr[16];

	inet_pton(rs->family, rs->addr, addr);
	nlc_nest_start(b, NF_EGRESS_A_RULE);
	nlc_put_u8(b, NF_EGRESS_RULE_A_ACTION, rs->action);
	nlc_put_u8(b, NF_EGRESS_RULE_A_FAMILY, rs->family);
	nlc_put(b, NF_EGRESS_RULE_A_ADDR, addr, addr_len(rs));
	nlc_put_u8(b, NF_EGRESS_RULE_A_PREFIX_LEN, rs->prefix_len);
	if (rs->proto)
		nlc_put_u8(b, NF_EGRESS_RULE_A_PROTO, rs->proto);
	if (rs->port_min) {
		nlc_put_u16(b, NF_EGRESS_RULE_A_PORT_MIN, rs->port_min);
		nlc_put_u16(b, NF_EGRESS_RULE_A_PORT_MAX, rs->port_max);
	}
	if (rs->class_name)
		nlc_put_str(b, NF_EGRESS_RULE_A_CLASS, rs->class_name);
	nlc_nest_end(b);
}

/*
 * Is the NF_EGRESS_A_RULE nest of a RULE_GET message RS, with an id and
 * hit counters of PACKETS and BYTES?  Its id goes to *ID (0 if it has none).
 */
static int rule_as_sent(const struct nlattr *nest, const struct rule_spec *rs,
			uint64_t packets, uint64_t bytes, uint32_t *id)
{
	const struct nlattr *rt[NF_EGRESS_RULE_A_MAX + 1], *ct[NF_EGRESS_CTR_A_MAX + 1];
	unsigned char addr[16];
	int alen = addr_len(rs);

	memset(rt, 0, sizeof(rt));
	memset(ct, 0, sizeof(ct));
	inet_pton(rs->family, rs->addr, addr);
	if (nest)
		parse_into(nla_data(nest), nla_len(nest), rt, NF_EGRESS_RULE_A_MAX);
	if (rt[NF_EGRESS_RULE_A_STATS])
		parse_into(nla_data(rt[NF_EGRESS_RULE_A_STATS]),
			   nla_len(rt[NF_EGRESS_RULE_A_STATS]), ct, NF_EGRESS_CTR_A_MAX);
	*id = get_u32(rt[NF_EGRESS_RULE_A_ID]);
	return *id >= 1 &&
	       get_u8(rt[NF_EGRESS_RULE_A_ACTION]) == rs->action &&
	       get_u8(rt[NF_EGRESS_RULE_A_FAMILY]) == rs->family &&
	       rt[NF_EGRESS_RULE_A_ADDR] && nla_len(rt[NF_EGRESS_RULE_A_ADDR]) == alen &&
	       !memcmp(nla_data(rt[NF_EGRESS_RULE_A_ADDR]), addr, alen) &&
	       get_u8(rt[NF_EGRESS_RULE_A_PREFIX_LEN]) == rs->prefix_len &&
	       (rs->proto ? get_u8(rt[NF_EGRESS_RULE_A_PROTO]) == rs->proto :
		(!rt[NF_EGRESS_RULE_A_PROTO] || get_u8(rt[NF_EGRESS_RULE_A_PROTO]) == 0)) &&
	       (rs->port_min ? get_u16(rt[NF_EGRESS_RULE_A_PORT_MIN]) == rs->port_min &&
		get_u16(rt[NF_EGRESS_RULE_A_PORT_MAX]) == rs->port_max :
		!rt[NF_EGRESS_RULE_A_PORT_MIN] && !rt[NF_EGRESS_RULE_A_PORT_MAX]) &&
	       (rs->class_name ? !strcmp(get_str(rt[NF_EGRESS_RULE_A_CLASS]), rs->class_name) :
		!rt[NF_EGRESS_RULE_A_CLASS]) &&
	       ct[NF_EGRESS_CTR_A_PACKETS] && ct[NF_EGRESS_CTR_A_BYTES] &&
	       get_u64(ct[NF_EGRESS_CTR_A_PACKETS]) == packets &&
	       get_u64(ct[NF_EGRESS_CTR_A_BYTES]) == bytes;
}

#define RATE_BPS	1250000ULL	/* 10 Mbit/s */
#define RATE_BURST	131072U

/* What POLICY_SET changes the policy to. */
#define SET_BPS		2500000ULL	/* 20 Mbit/s */
#define SET_BURST	65536U
#define SET_PPS		5000U
#define SET_QUEUE_LIMIT	500U
#define SET_LATENCY_US	20000U

/* Every check main() and its helpers make, for the TAP plan. */
#define TESTS_PLANNED	52

/* Send req and wait for the answer: did the kernel ack it? */
static int acked(struct nlc *c, struct nlc_reply *r)
{
	return !nlc_request(c, &req, NULL, NULL, r) && r->error == 0;
}

/* Send req: did the kernel refuse it with ERR and an extack saying TEXT? */
static int refused(struct nlc *c, struct nlc_reply *r, int err, const char *text)
{
	return !nlc_request(c, &req, NULL, NULL, r) && r->error == err &&
	       strstr(r->extack, text);
}

/*
 * POLICY_GET do of PATH: the attributes of its one reply, which passed the
 * header check, or NULL (col.why may say why).
 */
static const struct nlattr **policy_get(struct nlc *c, const char *path)
{
	struct nlc_reply r;

	collect_init(&col);
	nlc_begin(c, &req, NF_EGRESS_CMD_POLICY_GET, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	if (nlc_request(c, &req, collect_cb, &col, &r) || r.error || col.n != 1 ||
	    !col.all_checked)
		return NULL;
	return col.msg[0].tb;
}

/* The NF_EGRESS_A_RATE nest of a POLICY_GET reply, parsed into rtb. */
static void rate_attrs(const struct nlattr **tb, const struct nlattr **rtb)
{
	memset(rtb, 0, sizeof(*rtb) * (NF_EGRESS_RATE_A_MAX + 1));
	if (tb && tb[NF_EGRESS_A_RATE])
		parse_into(nla_data(tb[NF_EGRESS_A_RATE]), nla_len(tb[NF_EGRESS_A_RATE]),
			   rtb, NF_EGRESS_RATE_A_MAX);
}

static int policy_settings_are(const struct nlattr **tb, uint8_t mode, uint8_t verdict,
			       uint32_t rule_count)
{
	return tb && get_u8(tb[NF_EGRESS_A_MODE]) == mode &&
	       get_u8(tb[NF_EGRESS_A_DEFAULT]) == verdict &&
	       tb[NF_EGRESS_A_RULE_COUNT] && get_u32(tb[NF_EGRESS_A_RULE_COUNT]) == rule_count;
}

/*
 * POLICY_SET on the audit, default-allow, policed policy of main(): mode,
 * default and rate change at once and its 2 rules stay; "rate none" takes
 * the rate away and leaves the rest; a request that sets nothing is refused.
 */
static void check_policy_set(struct nlc *c, const char *path)
{
	const struct nlattr *rtb[NF_EGRESS_RATE_A_MAX + 1];
	const struct nlattr **tb;
	struct nlc_reply r;
	int ok;

	nlc_begin(c, &req, NF_EGRESS_CMD_POLICY_SET, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	nlc_put_u8(&req, NF_EGRESS_A_MODE, NF_EGRESS_MODE_ENFORCE);
	nlc_put_u8(&req, NF_EGRESS_A_DEFAULT, NF_EGRESS_VERDICT_DENY);
	nlc_nest_start(&req, NF_EGRESS_A_RATE);
	nlc_put_u64(&req, NF_EGRESS_RATE_A_BYTES_PER_SEC, SET_BPS);
	nlc_put_u32(&req, NF_EGRESS_RATE_A_BURST, SET_BURST);
	nlc_put_u32(&req, NF_EGRESS_RATE_A_PPS, SET_PPS);
	nlc_put_u8(&req, NF_EGRESS_RATE_A_MODE, NF_EGRESS_RATE_SHAPE);
	nlc_put_u32(&req, NF_EGRESS_RATE_A_QUEUE_LIMIT, SET_QUEUE_LIMIT);
	nlc_put_u32(&req, NF_EGRESS_RATE_A_LATENCY_US, SET_LATENCY_US);
	nlc_nest_end(&req);
	ok = acked(c, &r);
	check(ok, "POLICY_SET mode enforce default deny rate 20mbit 5000pps shape: acked (%d %s)",
	      r.error, r.extack);

	tb = policy_get(c, path);
	rate_attrs(tb, rtb);
	check(policy_settings_are(tb, NF_EGRESS_MODE_ENFORCE, NF_EGRESS_VERDICT_DENY, 2) &&
	      get_u64(rtb[NF_EGRESS_RATE_A_BYTES_PER_SEC]) == SET_BPS &&
	      get_u32(rtb[NF_EGRESS_RATE_A_BURST]) == SET_BURST &&
	      get_u32(rtb[NF_EGRESS_RATE_A_PPS]) == SET_PPS &&
	      get_u8(rtb[NF_EGRESS_RATE_A_MODE]) == NF_EGRESS_RATE_SHAPE &&
	      get_u32(rtb[NF_EGRESS_RATE_A_QUEUE_LIMIT]) == SET_QUEUE_LIMIT &&
	      get_u32(rtb[NF_EGRESS_RATE_A_LATENCY_US]) == SET_LATENCY_US &&
	      !rtb[NF_EGRESS_RATE_A_NONE],
	      "POLICY_GET after POLICY_SET: mode enforce, default deny, 2 rules kept; rate %llu bytes/s, burst %u, %u pps, shape, queue %u, latency %u us%s%s",
	      (unsigned long long)get_u64(rtb[NF_EGRESS_RATE_A_BYTES_PER_SEC]),
	      get_u32(rtb[NF_EGRESS_RATE_A_BURST]), get_u32(rtb[NF_EGRESS_RATE_A_PPS]),
	      get_u32(rtb[NF_EGRESS_RATE_A_QUEUE_LIMIT]),
	      get_u32(rtb[NF_EGRESS_RATE_A_LATENCY_US]), col.why[0] ? ": " : "", col.why);

	nlc_begin(c, &req, NF_EGRESS_CMD_POLICY_SET, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	nlc_nest_start(&req, NF_EGRESS_A_RATE);
	nlc_put(&req, NF_EGRESS_RATE_A_NONE, NULL, 0);
	nlc_nest_end(&req);
	ok = acked(c, &r);
	check(ok, "POLICY_SET rate none: acked (%d %s)", r.error, r.extack);

	tb = policy_get(c, path);
	check(policy_settings_are(tb, NF_EGRESS_MODE_ENFORCE, NF_EGRESS_VERDICT_DENY, 2) &&
	      !tb[NF_EGRESS_A_RATE],
	      "POLICY_GET after rate none: no rate nest; mode enforce, default deny, 2 rules as before%s%s",
	      col.why[0] ? ": " : "", col.why);

	nlc_begin(c, &req, NF_EGRESS_CMD_POLICY_SET, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	ok = refused(c, &r, -EINVAL, "nothing to set");
	check(ok, "POLICY_SET with a path only: -EINVAL with extack \"%s\"", r.extack);
}

/* req := RULE_DEL of rule ID of PATH, named by its id alone. */
static void rule_del_request(struct nlc *c, const char *path, uint32_t id)
{
	nlc_begin(c, &req, NF_EGRESS_CMD_RULE_DEL, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	nlc_nest_start(&req, NF_EGRESS_A_RULE);
	nlc_put_u32(&req, NF_EGRESS_RULE_A_ID, id);
	nlc_nest_end(&req);
}

/*
 * RULE_DEL by id removes that rule and no other: the RULE_GET dump lists
 * rules[0] alone, with its id KEEP_ID.  Deleting DEL_ID again is refused.
 */
static void check_rule_del(struct nlc *c, const char *path, uint32_t keep_id, uint32_t del_id)
{
	struct nlc_reply r;
	uint32_t id = 0;
	int err, ok;

	rule_del_request(c, path, del_id);
	ok = acked(c, &r);
	check(ok, "RULE_DEL id %u: acked (%d %s)", del_id, r.error, r.extack);

	collect_init(&col);
	nlc_begin(c, &req, NF_EGRESS_CMD_RULE_GET, NLM_F_DUMP);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	err = nlc_request(c, &req, collect_cb, &col, &r);
	ok = !err && !r.error && col.n == 1 && col.all_checked &&
	     rule_as_sent(col.msg[0].tb[NF_EGRESS_A_RULE], &rules[0], 0, 0, &id) && id == keep_id;
	check(ok, "RULE_GET dump after RULE_DEL: %d message(s), rule %u as sent (want %u), %u gone%s%s",
	      col.n, id, keep_id, del_id, col.why[0] ? ": " : "", col.why);

	rule_del_request(c, path, del_id);
	ok = refused(c, &r, -ENOENT, "no such rule in the policy");
	check(ok, "RULE_DEL id %u again: -ENOENT with extack \"%s\"", del_id, r.extack);
}

/* The traffic that makes the counters move: UDP datagrams to DST port 9. */
#define UDP_DATAGRAMS	3
#define UDP_PAYLOAD	100
#define UDP_IP_BYTES	(UDP_PAYLOAD + 28)	/* each, at the IP layer */

struct send_result {
	int sent;		/* sendto() succeeded */
	int eperm;		/* sendto() failed with EPERM: a policy dropped it */
	int first_errno;	/* of the first other failure, 0 if none */
};

/*
 * UDP_DATAGRAMS datagrams to DST port 9 from a socket of this process,
 * which therefore judges them by the policy of the cgroup nl_client runs
 * in.
 */
static void send_udp(const char *dst, struct send_result *res)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	char payload[UDP_PAYLOAD];
	int fd, i;

	memset(res, 0, sizeof(*res));
	memset(payload, 'n', sizeof(payload));
	if (inet_pton(AF_INET, dst, &sin.sin_addr) != 1) {
		res->first_errno = EINVAL;
		return;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		res->first_errno = errno;
		return;
	}
	for (i = 0; i < UDP_DATAGRAMS; i++) {
		if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&sin,
			   sizeof(sin)) == sizeof(payload))
			res->sent++;
		else if (errno == EPERM)
			res->eperm++;
		else if (!res->first_errno)
			res->first_errno = errno;
	}
	close(fd);
}

/* What the policy of nl_client's cgroup is to do with its datagrams. */
enum udp_expect { UDP_ALL_DENIED, UDP_ALL_SENT };

/*
 * send_udp() to DST and check, as DESC, that every datagram met EXPECT:
 * refused with EPERM, or sent.  Without DST nothing is sent and the check
 * is skipped: its TAP line stays, for the plan.  Returns how many met
 * EXPECT, which is what the counters must then show.
 */
static int send_udp_expecting(const char *dst, enum udp_expect expect, const char *desc)
{
	struct send_result res;
	int met;

	if (!dst) {
		skip(desc, "no destination given");
		return 0;
	}
	send_udp(dst, &res);
	met = expect == UDP_ALL_DENIED ? res.eperm : res.sent;
	check(met == UDP_DATAGRAMS, "%s (%d to %s: %d sent, %d EPERM, other errors: %s)",
	      desc, UDP_DATAGRAMS, dst, res.sent, res.eperm,
	      res.first_errno ? strerror(res.first_errno) : "none");
	return met;
}

/*
 * STATS_GET dump of PATH: the attributes of its one message, which passed
 * the header check, or NULL (col.why may say why).
 */
static const struct nlattr **stats_get(struct nlc *c, const char *path)
{
	struct nlc_reply r;

	collect_init(&col);
	nlc_begin(c, &req, NF_EGRESS_CMD_STATS_GET, NLM_F_DUMP);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	if (nlc_request(c, &req, collect_cb, &col, &r) || r.error || col.n != 1 ||
	    !col.all_checked)
		return NULL;
	return col.msg[0].tb;
}

/* Does counter nest A (NF_EGRESS_CTR_A_*) say PACKETS and BYTES? */
static int counter_is(const struct nlattr *a, uint64_t packets, uint64_t bytes)
{
	const struct nlattr *ct[NF_EGRESS_CTR_A_MAX + 1];

	if (!a)
		return 0;
	parse_into(nla_data(a), nla_len(a), ct, NF_EGRESS_CTR_A_MAX);
	return ct[NF_EGRESS_CTR_A_PACKETS] && ct[NF_EGRESS_CTR_A_BYTES] &&
	       get_u64(ct[NF_EGRESS_CTR_A_PACKETS]) == packets &&
	       get_u64(ct[NF_EGRESS_CTR_A_BYTES]) == bytes;
}

/* The packet count of counter nest A, for a check's message; 0 if absent. */
static uint64_t counter_packets(const struct nlattr *a)
{
	const struct nlattr *ct[NF_EGRESS_CTR_A_MAX + 1];

	if (!a)
		return 0;
	parse_into(nla_data(a), nla_len(a), ct, NF_EGRESS_CTR_A_MAX);
	return get_u64(ct[NF_EGRESS_CTR_A_PACKETS]);
}

/*
 * Do the counters of a STATS_GET message say ALLOWED and DENIED of our
 * datagrams, and nothing else: no would-deny, rate-limited or shaped
 * packet, an empty queue, no delay?
 */
static int stats_are(const struct nlattr **tb, int allowed, int denied)
{
	return tb &&
	       counter_is(tb[NF_EGRESS_A_STATS_ALLOWED], allowed, allowed * UDP_IP_BYTES) &&
	       counter_is(tb[NF_EGRESS_A_STATS_DENIED], denied, denied * UDP_IP_BYTES) &&
	       counter_is(tb[NF_EGRESS_A_STATS_WOULD_DENY], 0, 0) &&
	       counter_is(tb[NF_EGRESS_A_STATS_RATELIMITED], 0, 0) &&
	       counter_is(tb[NF_EGRESS_A_STATS_SHAPED], 0, 0) &&
	       tb[NF_EGRESS_A_STATS_QUEUE_LEN] && get_u32(tb[NF_EGRESS_A_STATS_QUEUE_LEN]) == 0 &&
	       tb[NF_EGRESS_A_STATS_MAX_DELAY_NS] &&
	       get_u64(tb[NF_EGRESS_A_STATS_MAX_DELAY_NS]) == 0;
}

/*
 * Datagrams to DST from PATH's cgroup, which the policy (enforce, default
 * deny, its one rule for TCP) drops: each sendto() fails with EPERM, and
 * STATS_GET counts them as denied, to the byte.  Without DST nothing is
 * sent.  Returns the number denied.
 */
static int check_traffic_denied(struct nlc *c, const char *path, const char *dst)
{
	const struct nlattr **tb;
	int denied;

	denied = send_udp_expecting(dst, UDP_ALL_DENIED,
				    "UDP from this process, in the policy's cgroup: every datagram EPERM");
	tb = stats_get(c, path);
	check(stats_are(tb, 0, denied),
	      "STATS_GET: %d datagrams denied, %d bytes; nothing else (denied %llu packets)%s%s",
	      denied, denied * UDP_IP_BYTES,
	      tb ? (unsigned long long)counter_packets(tb[NF_EGRESS_A_STATS_DENIED]) : 0ULL,
	      col.why[0] ? ": " : "", col.why);
	return denied;
}

/*
 * Do the NF_EGRESS_A_STATS_CLASS nests of collected message I count
 * DATAGRAMS of ours for class NAME, and nothing for any other class?
 */
static int classes_are(int i, const char *name, int datagrams)
{
	const struct nlattr *ct[NF_EGRESS_CTR_A_MAX + 1];
	const struct nlattr *a;
	int rem, found = 0;

	for (a = nlc_attrs((const struct nlmsghdr *)col.copy[i], &rem); nla_ok(a, rem);
	     a = nla_next(a, &rem)) {
		int ours;

		if (nla_type(a) != NF_EGRESS_A_STATS_CLASS)
			continue;
		parse_into(nla_data(a), nla_len(a), ct, NF_EGRESS_CTR_A_MAX);
		ours = !strcmp(get_str(ct[NF_EGRESS_CTR_A_CLASS]), name);
		found += ours;
		if (!counter_is(a, ours ? datagrams : 0, ours ? datagrams * UDP_IP_BYTES : 0))
			return 0;
	}
	return found == 1;
}

/* RULE_GET dump of PATH into col: the number of messages, or -1. */
static int rules_dump(struct nlc *c, const char *path)
{
	struct nlc_reply r;

	collect_init(&col);
	nlc_begin(c, &req, NF_EGRESS_CMD_RULE_GET, NLM_F_DUMP);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	if (nlc_request(c, &req, collect_cb, &col, &r) || r.error)
		return -1;
	return col.n;
}

/* req := POLICY_NEW of PATH, into the caller's staged set if STAGED. */
static void policy_new_request(struct nlc *c, const char *path, uint8_t verdict, uint8_t mode,
			       int staged)
{
	nlc_begin(c, &req, NF_EGRESS_CMD_POLICY_NEW, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	nlc_put_u8(&req, NF_EGRESS_A_DEFAULT, verdict);
	nlc_put_u8(&req, NF_EGRESS_A_MODE, mode);
	if (staged)
		nlc_put(&req, NF_EGRESS_A_STAGED, NULL, 0);
}

/* req := RULE_NEW of RS in PATH, into the caller's staged set if STAGED. */
static void rule_new_request(struct nlc *c, const char *path, const struct rule_spec *rs,
			     int staged)
{
	nlc_begin(c, &req, NF_EGRESS_CMD_RULE_NEW, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	put_rule(&req, rs);
	if (staged)
		nlc_put(&req, NF_EGRESS_A_STAGED, NULL, 0);
}

/* APPLY_BEGIN, _COMMIT or _ABORT: it carries nothing but the command. */
static int apply_step(struct nlc *c, uint8_t cmd, struct nlc_reply *r)
{
	nlc_begin(c, &req, cmd, 0);
	return acked(c, r);
}

/*
 * Another socket of this process: APPLY_BEGIN is refused while ours has
 * one going, and a staged request finds no staged set, because the staged
 * set belongs to the netlink socket (portid) that began it.
 */
static void check_apply_other_socket(const char *staged_path)
{
	struct nlc other;
	struct nlc_reply r;
	int ok;

	if (nlc_open(&other)) {
		check(0, "a second socket: APPLY_BEGIN -EBUSY (cannot open it)");
		check(0, "a second socket: staged POLICY_NEW -ENOENT (cannot open it)");
		return;
	}
	nlc_begin(&other, &req, NF_EGRESS_CMD_APPLY_BEGIN, 0);
	ok = refused(&other, &r, -EBUSY, "another apply is in progress");
	check(ok, "a second socket: APPLY_BEGIN: -EBUSY with extack \"%s\"", r.extack);
	policy_new_request(&other, staged_path, NF_EGRESS_VERDICT_DENY, NF_EGRESS_MODE_AUDIT, 1);
	ok = refused(&other, &r, -ENOENT, "this socket has no apply in progress");
	check(ok, "a second socket: POLICY_NEW into the staged set: -ENOENT with extack \"%s\"",
	      r.extack);
	nlc_close(&other);
}

/*
 * APPLY_BEGIN, a policy STAGED_PATH with a rule in the staged set, then
 * APPLY_ABORT: the live set never sees the staged policy, and the
 * POLICY_GET and RULE_GET dumps afterwards are byte for byte what they
 * were before APPLY_BEGIN, generation included.  After the abort there is
 * no staged set to add to.
 */
static void check_apply_abort(struct nlc *c, const char *staged_path)
{
	struct nlc_set_dump before, after = { NULL, 0 };
	struct nlc_reply r;
	int ok, dumped;

	/* interrupted counts as failed: nothing else changes the set here */
	dumped = !nlc_dump_set(c, &before, true);
	ok = apply_step(c, NF_EGRESS_CMD_APPLY_BEGIN, &r);
	check(ok, "APPLY_BEGIN: acked (%d %s)", r.error, r.extack);

	check_apply_other_socket(staged_path);
	nlc_begin(c, &req, NF_EGRESS_CMD_APPLY_BEGIN, 0);
	ok = refused(c, &r, -EBUSY, "this socket already has an apply in progress");
	check(ok, "APPLY_BEGIN again: -EBUSY with extack \"%s\"", r.extack);

	policy_new_request(c, staged_path, NF_EGRESS_VERDICT_DENY, NF_EGRESS_MODE_AUDIT, 1);
	ok = acked(c, &r);
	if (ok) {
		rule_new_request(c, staged_path, &staged_rule, 1);
		ok = acked(c, &r);
	}
	check(ok, "POLICY_NEW %s and RULE_NEW into the staged set: acked (%d %s)",
	      staged_path, r.error, r.extack);

	nlc_begin(c, &req, NF_EGRESS_CMD_POLICY_GET, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, staged_path);
	ok = refused(c, &r, -ENOENT, "no policy for this cgroup path");
	check(ok, "POLICY_GET %s meanwhile: not live, -ENOENT with extack \"%s\"",
	      staged_path, r.extack);

	ok = apply_step(c, NF_EGRESS_CMD_APPLY_ABORT, &r);
	check(ok, "APPLY_ABORT: acked (%d %s)", r.error, r.extack);

	dumped = dumped && !nlc_dump_set(c, &after, true);
	check(dumped && before.len == after.len && !memcmp(before.data, after.data, before.len),
	      "POLICY_GET and RULE_GET dumps after APPLY_ABORT: byte for byte as before APPLY_BEGIN (%zu and %zu bytes)",
	      before.len, after.len);
	free(before.data);
	free(after.data);

	rule_new_request(c, staged_path, &staged_rule, 1);
	ok = refused(c, &r, -ENOENT, "this socket has no apply in progress");
	check(ok, "RULE_NEW into the staged set after APPLY_ABORT: -ENOENT with extack \"%s\"",
	      r.extack);
}

/*
 * APPLY_BEGIN, a new set staged: PATH in enforce mode with default allow
 * and staged_rule, and STAGED_PATH in audit mode with default deny;
 * APPLY_COMMIT.  The POLICY_GET dump then lists those two policies as
 * staged and nothing else, PATH's rules are the staged one, and PATH, in
 * both sets, kept its counters: DENIED datagrams.
 *
 * NB: like `egressctl apply`, the commit replaces every policy of the host.
 */
static void check_apply_commit(struct nlc *c, const char *path, const char *staged_path,
			       int denied)
{
	const struct nlattr **tb, **staged_tb;
	struct nlc_reply r;
	uint32_t id = 0;
	int ok, i;

	ok = apply_step(c, NF_EGRESS_CMD_APPLY_BEGIN, &r);
	if (ok) {
		policy_new_request(c, path, NF_EGRESS_VERDICT_ALLOW, NF_EGRESS_MODE_ENFORCE, 1);
		ok = acked(c, &r);
	}
	if (ok) {
		rule_new_request(c, path, &staged_rule, 1);
		ok = acked(c, &r);
	}
	if (ok) {
		policy_new_request(c, staged_path, NF_EGRESS_VERDICT_DENY, NF_EGRESS_MODE_AUDIT, 1);
		ok = acked(c, &r);
	}
	check(ok, "APPLY_BEGIN; staged: POLICY_NEW %s default allow, its RULE_NEW, POLICY_NEW %s audit: acked (%d %s)",
	      path, staged_path, r.error, r.extack);

	ok = apply_step(c, NF_EGRESS_CMD_APPLY_COMMIT, &r);
	check(ok, "APPLY_COMMIT: acked (%d %s)", r.error, r.extack);

	collect_init(&col);
	nlc_begin(c, &req, NF_EGRESS_CMD_POLICY_GET, NLM_F_DUMP);
	ok = !nlc_request(c, &req, collect_cb, &col, &r) && !r.error && col.all_checked;
	tb = staged_tb = NULL;
	for (i = 0; i < col.n; i++) {
		const char *p = get_str(col.msg[i].tb[NF_EGRESS_A_CGROUP_PATH]);

		if (!strcmp(p, path))
			tb = col.msg[i].tb;
		else if (!strcmp(p, staged_path))
			staged_tb = col.msg[i].tb;
	}
	check(ok && col.n == 2 &&
	      policy_settings_are(tb, NF_EGRESS_MODE_ENFORCE, NF_EGRESS_VERDICT_ALLOW, 1) &&
	      !tb[NF_EGRESS_A_RATE] &&
	      policy_settings_are(staged_tb, NF_EGRESS_MODE_AUDIT, NF_EGRESS_VERDICT_DENY, 0) &&
	      !staged_tb[NF_EGRESS_A_RATE],
	      "POLICY_GET dump after APPLY_COMMIT: the staged set, no more: %s enforce, default allow, 1 rule; %s audit, default deny, no rule (%d message(s))%s%s",
	      path, staged_path, col.n, col.why[0] ? ": " : "", col.why);

	ok = rules_dump(c, path) == 1 && col.all_checked &&
	     rule_as_sent(col.msg[0].tb[NF_EGRESS_A_RULE], &staged_rule, 0, 0, &id);
	check(ok, "RULE_GET dump of %s: the staged rule alone (id %u), as sent; hits 0/0%s%s",
	      path, id, col.why[0] ? ": " : "", col.why);

	tb = stats_get(c, path);
	check(stats_are(tb, 0, denied),
	      "STATS_GET of %s: its counters survived the commit: %d datagrams denied, nothing else%s%s",
	      path, denied, col.why[0] ? ": " : "", col.why);
}

/*
 * After the commit, datagrams to DST leave under the staged rule: each
 * sendto() succeeds, and the policy counts them as allowed (beside the
 * DENIED from before), in the rule's class, and as the rule's hits.
 * Without DST nothing is sent.  Returns the number sent.
 */
static int check_traffic_allowed(struct nlc *c, const char *path, const char *dst, int denied)
{
	const struct nlattr **tb;
	uint32_t id = 0;
	int ok, sent;

	sent = send_udp_expecting(dst, UDP_ALL_SENT,
				  "UDP after the commit: every datagram sent (the staged rule allows it)");

	tb = stats_get(c, path);
	check(stats_are(tb, sent, denied) && classes_are(0, staged_rule.class_name, sent),
	      "STATS_GET: %d datagrams allowed, %d denied, class %s %d, %d bytes each%s%s",
	      sent, denied, staged_rule.class_name, sent, UDP_IP_BYTES,
	      col.why[0] ? ": " : "", col.why);

	ok = rules_dump(c, path) == 1 &&
	     rule_as_sent(col.msg[0].tb[NF_EGRESS_A_RULE], &staged_rule, sent,
			  sent * UDP_IP_BYTES, &id);
	check(ok, "RULE_GET: rule %u hit %d times, %d bytes", id, sent, sent * UDP_IP_BYTES);
	return sent;
}

/*
 * STATS_RESET of PATH zeroes its counters, which ALLOWED and DENIED
 * datagrams made non-zero: the policy's, its classes' and its rule's; and
 * stamps the reset time.
 */
static void check_stats_reset(struct nlc *c, const char *path, int allowed, int denied)
{
	const struct nlattr **tb;
	struct nlc_reply r;
	time_t before, after;
	uint64_t reset_time;
	uint32_t id = 0;
	int ok;

	before = time(NULL);
	nlc_begin(c, &req, NF_EGRESS_CMD_STATS_RESET, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	ok = acked(c, &r);
	check(ok, "STATS_RESET %s: acked (%d %s)", path, r.error, r.extack);
	after = time(NULL);

	tb = stats_get(c, path);
	reset_time = tb ? get_u64(tb[NF_EGRESS_A_STATS_RESET_TIME]) : 0;
	/* a second of slack either side: the clocks may round differently */
	check(stats_are(tb, 0, 0) && classes_are(0, staged_rule.class_name, 0) &&
	      tb[NF_EGRESS_A_STATS_RESET_TIME] &&
	      reset_time + 1 >= (uint64_t)before && reset_time <= (uint64_t)after + 1,
	      "STATS_GET after STATS_RESET: every counter 0, class %s too (were: %d allowed, %d denied), reset time %llu within [%lld, %lld]%s%s",
	      staged_rule.class_name, allowed, denied, (unsigned long long)reset_time,
	      (long long)before, (long long)after, col.why[0] ? ": " : "", col.why);

	ok = rules_dump(c, path) == 1 &&
	     rule_as_sent(col.msg[0].tb[NF_EGRESS_A_RULE], &staged_rule, 0, 0, &id);
	check(ok, "RULE_GET after STATS_RESET: rule %u hits 0/0 (was %d)", id, allowed);
}

/*
 * Join the events group on a socket of its own, so that no event mixes
 * with the answers on the main one.  0 or -errno, as nlc_join_group(); *ID
 * is -1 if the family or the group was not found.
 */
static int join_events(int *id)
{
	struct nlc ev;
	int err;

	*id = -1;
	err = nlc_open(&ev);
	if (err)
		return err;
	err = nlc_join_group(&ev, NF_EGRESS_MCGRP_EVENTS, id);
	nlc_close(&ev);
	return err;
}

/* This test runs as root, with CAP_NET_ADMIN: the join must work. */
static void check_join_events(void)
{
	int id, err;

	err = join_events(&id);
	check(!err, "join the \"%s\" multicast group (id %d) as root: %s",
	      NF_EGRESS_MCGRP_EVENTS, id, err ? strerror(-err) : "joined");
}

/* nl_client --join-events: see the top of the file. */
static int join_events_only(void)
{
	int id, err;

	err = join_events(&id);
	if (err && id < 0) {
		fprintf(stderr, "nl_client: no \"%s\" group to join: %s\n",
			NF_EGRESS_MCGRP_EVENTS, strerror(-err));
		return 2;
	}
	if (err) {
		fprintf(stderr, "nl_client: join \"%s\" group: %s (%s)\n", NF_EGRESS_MCGRP_EVENTS,
			strerrorname_np(-err), strerror(-err));
		return 1;
	}
	printf("nl_client: joined \"%s\" group (id %d)\n", NF_EGRESS_MCGRP_EVENTS, id);
	return 0;
}

/*
 * --hold-apply: APPLY_BEGIN on a socket, print "begun", then wait until
 * stdin closes; closing the socket aborts the staged set.  Meanwhile
 * every other APPLY_BEGIN is refused with -EBUSY (egressctl_cli.sh).
 */
static int hold_apply(void)
{
	struct nlc_reply r;
	struct nlc c;
	char buf[64];
	int err;

	err = nlc_open(&c);
	if (err) {
		fprintf(stderr, "nl_client: %s\n", strerror(-err));
		return 1;
	}
	if (!apply_step(&c, NF_EGRESS_CMD_APPLY_BEGIN, &r)) {
		fprintf(stderr, "nl_client: APPLY_BEGIN: %d %s\n", r.error, r.extack);
		return 1;
	}
	printf("begun\n");
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	nlc_close(&c);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/nl_client.test";
	const char *dst = argc > 2 ? argv[2] : NULL;
	char staged_path[NF_EGRESS_CGROUP_PATH_MAX];
	struct nlc_reply r;
	struct nlc c;
	int err, i, found, denied, allowed;
	uint32_t ids[2] = { 0, 0 };

	if (argc > 1 && !strcmp(argv[1], "--join-events"))
		return join_events_only();
	if (argc > 1 && !strcmp(argv[1], "--hold-apply"))
		return hold_apply();

	/* The second policy of the apply checks, and the address of its rule. */
	snprintf(staged_path, sizeof(staged_path), "%s.staged", path);
	if (dst)
		staged_rule.addr = dst;

	printf("TAP version 13\n1..%d\n", TESTS_PLANNED);
	err = nlc_open(&c);
	check(!err, "libnl-genl resolves family \"%s\" (id %d)", NF_EGRESS_GENL_NAME, c.family);
	if (err) {
		printf("Bail out! cannot resolve the family: %s\n", strerror(-err));
		return 1;
	}

	/* GET_INFO */
	collect_init(&col);
	nlc_begin(&c, &req, NF_EGRESS_CMD_GET_INFO, 0);
	err = nlc_request(&c, &req, collect_cb, &col, &r);
	check(!err && !r.error && col.n == 1 && col.all_checked &&
	      col.msg[0].tb[NF_EGRESS_A_VERSION] && col.msg[0].tb[NF_EGRESS_A_GENERATION] &&
	      col.msg[0].tb[NF_EGRESS_A_POLICY_COUNT] &&
	      col.msg[0].tb[NF_EGRESS_A_CACHED_CGROUPS] &&
	      col.msg[0].cmd == NF_EGRESS_CMD_GET_INFO,
	      "GET_INFO: version \"%s\", generation, policy count, cached cgroups, all as the header says%s%s",
	      col.n ? get_str(col.msg[0].tb[NF_EGRESS_A_VERSION]) : "?",
	      col.why[0] ? ": " : "", col.why);

	/* POLICY_NEW with a rate limit */
	nlc_begin(&c, &req, NF_EGRESS_CMD_POLICY_NEW, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	nlc_put_u8(&req, NF_EGRESS_A_DEFAULT, NF_EGRESS_VERDICT_ALLOW);
	nlc_put_u8(&req, NF_EGRESS_A_MODE, NF_EGRESS_MODE_AUDIT);
	nlc_nest_start(&req, NF_EGRESS_A_RATE);
	nlc_put_u64(&req, NF_EGRESS_RATE_A_BYTES_PER_SEC, RATE_BPS);
	nlc_put_u32(&req, NF_EGRESS_RATE_A_BURST, RATE_BURST);
	nlc_put_u8(&req, NF_EGRESS_RATE_A_MODE, NF_EGRESS_RATE_POLICE);
	nlc_nest_end(&req);
	err = nlc_request(&c, &req, NULL, NULL, &r);
	check(!err && r.error == 0, "POLICY_NEW %s default allow mode audit rate 10mbit police: acked (%d %s)",
	      path, r.error, r.extack);

	/* The same again: -EEXIST with an extack message */
	err = nlc_request(&c, &req, NULL, NULL, &r);
	check(!err && r.error == -EEXIST && strstr(r.extack, "policy already exists"),
	      "POLICY_NEW again: -EEXIST with extack \"%s\"", r.extack);

	/* RULE_NEW with two rules at once */
	nlc_begin(&c, &req, NF_EGRESS_CMD_RULE_NEW, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	for (i = 0; i < 2; i++)
		put_rule(&req, &rules[i]);
	err = nlc_request(&c, &req, NULL, NULL, &r);
	check(!err && r.error == 0, "RULE_NEW with 2 rule nests: acked (%d %s)", r.error, r.extack);

	/* POLICY_GET do */
	collect_init(&col);
	nlc_begin(&c, &req, NF_EGRESS_CMD_POLICY_GET, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	err = nlc_request(&c, &req, collect_cb, &col, &r);
	check(!err && !r.error && col.n == 1 && col.all_checked,
	      "POLICY_GET do: one reply, attributes as the header says%s%s",
	      col.why[0] ? ": " : "", col.why);
	if (col.n == 1) {
		const struct nlattr **tb = col.msg[0].tb;
		const struct nlattr *rtb[NF_EGRESS_RATE_A_MAX + 1];

		check(!strcmp(get_str(tb[NF_EGRESS_A_CGROUP_PATH]), path) &&
		      get_u8(tb[NF_EGRESS_A_DEFAULT]) == NF_EGRESS_VERDICT_ALLOW &&
		      get_u8(tb[NF_EGRESS_A_MODE]) == NF_EGRESS_MODE_AUDIT &&
		      tb[NF_EGRESS_A_RULE_COUNT] && get_u32(tb[NF_EGRESS_A_RULE_COUNT]) == 2 &&
		      tb[NF_EGRESS_A_GENERATION],
		      "POLICY_GET: path, default allow, mode audit, 2 rules, a generation");
		memset(rtb, 0, sizeof(rtb));
		if (tb[NF_EGRESS_A_RATE])
			parse_into(nla_data(tb[NF_EGRESS_A_RATE]), nla_len(tb[NF_EGRESS_A_RATE]),
				   rtb, NF_EGRESS_RATE_A_MAX);
		check(tb[NF_EGRESS_A_RATE] && get_u64(rtb[NF_EGRESS_RATE_A_BYTES_PER_SEC]) == RATE_BPS &&
		      get_u32(rtb[NF_EGRESS_RATE_A_BURST]) == RATE_BURST &&
		      get_u8(rtb[NF_EGRESS_RATE_A_MODE]) == NF_EGRESS_RATE_POLICE &&
		      !rtb[NF_EGRESS_RATE_A_NONE],
		      "POLICY_GET: rate nest %llu bytes/s, burst %u, police",
		      (unsigned long long)get_u64(rtb[NF_EGRESS_RATE_A_BYTES_PER_SEC]),
		      get_u32(rtb[NF_EGRESS_RATE_A_BURST]));
	} else {
		check(0, "POLICY_GET: path, default allow, mode audit, 2 rules, a generation");
		check(0, "POLICY_GET: rate nest");
	}

	/* POLICY_GET dump: ours among them */
	collect_init(&col);
	nlc_begin(&c, &req, NF_EGRESS_CMD_POLICY_GET, NLM_F_DUMP);
	err = nlc_request(&c, &req, collect_cb, &col, &r);
	found = 0;
	for (i = 0; i < col.n; i++)
		found += !strcmp(get_str(col.msg[i].tb[NF_EGRESS_A_CGROUP_PATH]), path);
	check(!err && !r.error && col.all_checked && found == 1 && col.n >= 1,
	      "POLICY_GET dump: %d message(s), all as the header says, ours once%s%s",
	      col.n, col.why[0] ? ": " : "", col.why);

	/* RULE_GET dump of the policy */
	collect_init(&col);
	nlc_begin(&c, &req, NF_EGRESS_CMD_RULE_GET, NLM_F_DUMP);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	err = nlc_request(&c, &req, collect_cb, &col, &r);
	check(!err && !r.error && col.n == 2 && col.all_checked,
	      "RULE_GET dump: 2 messages, attributes as the header says%s%s",
	      col.why[0] ? ": " : "", col.why);
	for (i = 0; i < 2; i++) {
		const struct parsed *m = &col.msg[i];
		int ok = i < col.n && rule_as_sent(m->tb[NF_EGRESS_A_RULE], &rules[i], 0, 0,
						     &ids[i]);

		check(ok && !strcmp(get_str(m->tb[NF_EGRESS_A_CGROUP_PATH]), path) &&
		      m->tb[NF_EGRESS_A_GENERATION],
		      "RULE_GET rule %d (id %u): action, family, %d-byte address, prefix, protocol, ports, class as sent; hits 0/0",
		      i, ids[i], addr_len(&rules[i]));
	}
	check(ids[0] != ids[1], "rule ids are distinct (%u, %u)", ids[0], ids[1]);

	/* STATS_GET dump of the policy */
	collect_init(&col);
	nlc_begin(&c, &req, NF_EGRESS_CMD_STATS_GET, NLM_F_DUMP);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	err = nlc_request(&c, &req, collect_cb, &col, &r);
	check(!err && !r.error && col.n == 1 && col.all_checked,
	      "STATS_GET dump: 1 message, attributes as the header says%s%s",
	      col.why[0] ? ": " : "", col.why);
	if (col.n == 1) {
		static const int ctrs[] = { NF_EGRESS_A_STATS_ALLOWED, NF_EGRESS_A_STATS_DENIED,
					    NF_EGRESS_A_STATS_WOULD_DENY, NF_EGRESS_A_STATS_RATELIMITED };
		int ok = get_u8(col.msg[0].tb[NF_EGRESS_A_MODE]) == NF_EGRESS_MODE_AUDIT &&
			 !col.msg[0].tb[NF_EGRESS_A_STATS_RESET_TIME];

		for (i = 0; i < 4; i++) {
			const struct nlattr *ct[NF_EGRESS_CTR_A_MAX + 1], *a = col.msg[0].tb[ctrs[i]];

			memset(ct, 0, sizeof(ct));
			if (!a) {
				ok = 0;
				continue;
			}
			parse_into(nla_data(a), nla_len(a), ct, NF_EGRESS_CTR_A_MAX);
			ok &= ct[NF_EGRESS_CTR_A_PACKETS] && ct[NF_EGRESS_CTR_A_BYTES] &&
			      get_u64(ct[NF_EGRESS_CTR_A_PACKETS]) == 0 &&
			      get_u64(ct[NF_EGRESS_CTR_A_BYTES]) == 0;
		}
		check(ok, "STATS_GET: mode audit, allowed/denied/would-deny/rate-limited nests of 0 packets 0 bytes, no reset time");
	} else {
		check(0, "STATS_GET: counters");
	}

	/* EXPLAIN a packet the first rule allows */
	collect_init(&col);
	nlc_begin(&c, &req, NF_EGRESS_CMD_EXPLAIN, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	{
		unsigned char addr[4] = { 192, 0, 2, 9 };

		nlc_nest_start(&req, NF_EGRESS_A_EXPLAIN_PACKET);
		nlc_put_u8(&req, NF_EGRESS_EXPLAIN_A_FAMILY, AF_INET);
		nlc_put(&req, NF_EGRESS_EXPLAIN_A_ADDR, addr, 4);
		nlc_put_u8(&req, NF_EGRESS_EXPLAIN_A_PROTO, IPPROTO_TCP);
		nlc_put_u16(&req, NF_EGRESS_EXPLAIN_A_PORT, 1500);
		nlc_nest_end(&req);
	}
	err = nlc_request(&c, &req, collect_cb, &col, &r);
	check(!err && !r.error && col.n == 1 && col.all_checked,
	      "EXPLAIN: one reply, attributes as the header says%s%s (%d %s)",
	      col.why[0] ? ": " : "", col.why, r.error, r.extack);
	if (col.n == 1) {
		const struct nlattr *et[NF_EGRESS_EXPLAIN_A_MAX + 1];
		const struct nlattr *lvl = col.msg[0].tb[NF_EGRESS_A_EXPLAIN_LEVEL];

		memset(et, 0, sizeof(et));
		if (lvl)
			parse_into(nla_data(lvl), nla_len(lvl), et, NF_EGRESS_EXPLAIN_A_MAX);
		check(get_u8(col.msg[0].tb[NF_EGRESS_A_VERDICT]) == NF_EGRESS_VERDICT_ALLOW && lvl &&
		      !strcmp(get_str(et[NF_EGRESS_EXPLAIN_A_CGROUP_PATH]), path) &&
		      get_u32(et[NF_EGRESS_EXPLAIN_A_RULE_ID]) == ids[0] &&
		      get_u8(et[NF_EGRESS_EXPLAIN_A_VERDICT]) == NF_EGRESS_VERDICT_ALLOW &&
		      get_u8(et[NF_EGRESS_EXPLAIN_A_MODE]) == NF_EGRESS_MODE_AUDIT &&
		      et[NF_EGRESS_EXPLAIN_A_RULE],
		      "EXPLAIN tcp 192.0.2.9:1500: allow by rule %u at our level", ids[0]);
	} else {
		check(0, "EXPLAIN verdict");
	}

	check_policy_set(&c, path);
	check_rule_del(&c, path, ids[0], ids[1]);
	denied = check_traffic_denied(&c, path, dst);
	check_apply_abort(&c, staged_path);
	check_apply_commit(&c, path, staged_path, denied);
	allowed = check_traffic_allowed(&c, path, dst, denied);
	check_stats_reset(&c, path, allowed, denied);
	check_join_events();

	/* The other policy the apply made live */
	nlc_begin(&c, &req, NF_EGRESS_CMD_POLICY_DEL, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, staged_path);
	err = nlc_request(&c, &req, NULL, NULL, &r);
	check(!err && r.error == 0, "POLICY_DEL %s: acked (%d %s)", staged_path, r.error, r.extack);

	/* POLICY_DEL, then the policy is gone */
	nlc_begin(&c, &req, NF_EGRESS_CMD_POLICY_DEL, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	err = nlc_request(&c, &req, NULL, NULL, &r);
	check(!err && r.error == 0, "POLICY_DEL: acked (%d %s)", r.error, r.extack);
	nlc_begin(&c, &req, NF_EGRESS_CMD_POLICY_GET, 0);
	nlc_put_str(&req, NF_EGRESS_A_CGROUP_PATH, path);
	err = nlc_request(&c, &req, NULL, NULL, &r);
	check(!err && r.error == -ENOENT && r.extack[0],
	      "POLICY_GET after delete: -ENOENT with extack \"%s\"", r.extack);

	/*
	 * A u32 where the path string goes: netlink has no types on the wire,
	 * so it passes as the string "\x07" and the path check refuses it.
	 */
	nlc_begin(&c, &req, NF_EGRESS_CMD_POLICY_GET, 0);
	nlc_put_u32(&req, NF_EGRESS_A_CGROUP_PATH, 7);
	err = nlc_request(&c, &req, NULL, NULL, &r);
	check(!err && r.error == -EINVAL && strstr(r.extack, "must start with '/'"),
	      "POLICY_GET with a u32 for the path: -EINVAL (\"%s\")", r.extack);

	nlc_close(&c);
	printf("# %d of %d failed\n", tap_failed, tap_num);
	return tap_failed || tap_num != TESTS_PLANNED;
}
