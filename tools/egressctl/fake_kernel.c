// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the nf_egress kernel side, for testing egressctl end to
 * end on a host without the module.  Built as an LD_PRELOAD library that
 * replaces libmnl's socket calls: requests egressctl sends are answered
 * from a small policy table kept in the file $FAKE_NF_EGRESS_STATE, the
 * way the UAPI header and the contract describe the kernel's behaviour
 * (strict flags, staged sets for apply, multi-rule RULE_NEW, EXPLAIN).
 *
 * Knobs (environment):
 *   FAKE_NF_EGRESS_STATE  state file (required)
 *   FAKE_ABSENT=1         the family does not exist
 *   FAKE_EPERM=1          admin commands fail with bare EPERM
 *   FAKE_UNPRIV=1         a caller without CAP_NET_ADMIN: as FAKE_EPERM,
 *                         and EXPLAIN and the RULE_GET dump fail with bare
 *                         EPERM too (an NLMSG_ERROR, as GENL_ADMIN_PERM
 *                         answers); =2: the RULE_GET dump ends in an
 *                         NLMSG_DONE carrying EPERM instead (a check in the
 *                         dump callback).  GET_INFO, POLICY_GET and the
 *                         STATS_GET dump still work.
 *   FAKE_DUMP_EPERM=CMD   the dump of command number CMD fails with bare
 *                         EPERM (which egressctl must not take for the
 *                         RULE_GET refusal)
 *   FAKE_INTR=N           the first N dumps are flagged NLM_F_DUMP_INTR
 *   FAKE_GEN_BUMP=N       the first N RULE_GET dumps report a newer generation
 *   FAKE_BUSY=1           APPLY_BEGIN fails with EBUSY (another apply runs)
 *   FAKE_MAX_RULES=N      a policy holds at most N rules (ENOSPC, extack
 *                         message and offset of the first rule over)
 *   FAKE_LOG=FILE         append one line per sendto and per request
 *   FAKE_NO_DUPCHECK=1    skip the (quadratic) duplicate rule check, for
 *                         timing big applies
 *   FAKE_NOW=N            the clock STATS_RESET stamps (unix seconds)
 *
 * This is test scaffolding only; it is never linked into egressctl.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "parse.h"

#define FAKE_FAMILY	0x2a
#define FAKE_PORTID	4242

#define FAKE_MAX_CLASSES	16

struct fclass {
	char name[NF_EGRESS_CLASS_NAME_MAX];
	uint64_t p, b;
};

/* the counters of a policy: kept together so apply can carry them over */
struct fctrs {
	uint64_t ap, ab, dp, db, wp, wb, rp, rb;
	uint64_t sp, sb;		/* shaped (delayed) */
	uint64_t maxdelay;		/* ns, since the reset */
	uint32_t qlen;			/* packets queued now (not reset) */
	uint64_t reset;			/* 0: never reset */
	struct fclass cls[FAKE_MAX_CLASSES];
	int ncls;
};

struct fpolicy {
	char *path;
	uint8_t def, mode;
	bool has_rate;
	struct egress_rate rate;
	struct fctrs c;
};

struct frule {
	char *path;
	uint32_t id;
	struct egress_rule_spec spec;
	uint64_t p, b;			/* rule hits */
};

struct fset {
	struct fpolicy *pol;
	int npol, polcap;
	struct frule *rul;
	int nrul, rulcap;
};

static struct fset live, staged;
static bool have_staged;
static uint32_t generation = 1;
static int intr_left = -1, bump_left = -1;

/* replies waiting to be received */
static char queue[1 << 22] __attribute__((aligned(8)));
static size_t qhead, qtail;

static const char *state_file(void)
{
	const char *f = getenv("FAKE_NF_EGRESS_STATE");

	if (!f) {
		fprintf(stderr, "fake_kernel: FAKE_NF_EGRESS_STATE not set\n");
		exit(99);
	}
	return f;
}

static int env_int(const char *name)
{
	const char *v = getenv(name);

	return v ? atoi(v) : 0;
}

static void flog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void flog(const char *fmt, ...)
{
	const char *name = getenv("FAKE_LOG");
	va_list ap;
	FILE *f;

	if (!name || !(f = fopen(name, "a")))
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void set_clear(struct fset *s)
{
	int i;

	for (i = 0; i < s->npol; i++)
		free(s->pol[i].path);
	for (i = 0; i < s->nrul; i++)
		free(s->rul[i].path);
	free(s->pol);
	free(s->rul);
	memset(s, 0, sizeof(*s));
}

static struct fpolicy *add_policy(struct fset *s, const char *path)
{
	struct fpolicy *p;

	if (s->npol == s->polcap) {
		s->polcap = s->polcap ? s->polcap * 2 : 16;
		s->pol = realloc(s->pol, (size_t)s->polcap * sizeof(*p));
	}
	p = &s->pol[s->npol++];
	memset(p, 0, sizeof(*p));
	p->path = strdup(path);
	return p;
}

static struct frule *add_rule(struct fset *s, const char *path, uint32_t id,
			      const struct egress_rule_spec *spec)
{
	struct frule *r;

	if (s->nrul == s->rulcap) {
		s->rulcap = s->rulcap ? s->rulcap * 2 : 64;
		s->rul = realloc(s->rul, (size_t)s->rulcap * sizeof(*r));
	}
	r = &s->rul[s->nrul++];
	r->path = strdup(path);
	r->id = id;
	r->spec = *spec;
	r->p = r->b = 0;
	return r;
}

static int find_policy(const struct fset *s, const char *path);

static struct frule *find_rule(const struct fset *s, const char *path,
			       uint32_t id)
{
	int i;

	for (i = 0; i < s->nrul; i++)
		if (s->rul[i].id == id && !strcmp(s->rul[i].path, path))
			return &s->rul[i];
	return NULL;
}

/*
 * State file lines:
 *   G generation
 *   P path default mode ap ab dp db wp wb [rp rb [reset-time]]
 *   C path class packets bytes        (class counters of a policy)
 *   R path id RULE-TEXT
 *   S path id packets bytes           (hits of a rule)
 *   L path bytes/s burst pps mode [queue latency-us]
 *                                     (rate limit; 0 = not set)
 *   Q path shaped-packets shaped-bytes queue-len max-delay-ns
 *                                     (shaping counters of a policy)
 */
static void load(void)
{
	static char line[16384];
	char path[4096];
	FILE *f = fopen(state_file(), "r");

	set_clear(&live);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct fpolicy *p;
		struct egress_rule_spec spec;
		unsigned int d, m, id;
		char *argv[20], *tok;
		int n = 0, off = 0;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == 'G') {
			sscanf(line, "G %u", &generation);
		} else if (line[0] == 'P') {
			uint64_t c[9] = { 0 };

			if (sscanf(line, "P %4095s %u %u %lu %lu %lu %lu %lu %lu %lu %lu %lu",
				   path, &d, &m, &c[0], &c[1], &c[2], &c[3],
				   &c[4], &c[5], &c[6], &c[7], &c[8]) >= 3) {
				p = add_policy(&live, path);
				p->def = (uint8_t)d;
				p->mode = (uint8_t)m;
				p->c.ap = c[0]; p->c.ab = c[1]; p->c.dp = c[2];
				p->c.db = c[3]; p->c.wp = c[4]; p->c.wb = c[5];
				p->c.rp = c[6]; p->c.rb = c[7]; p->c.reset = c[8];
			}
		} else if (line[0] == 'C') {
			char name[NF_EGRESS_CLASS_NAME_MAX];
			uint64_t pk, by;
			int i;

			if (sscanf(line, "C %4095s %31s %lu %lu", path, name, &pk,
				   &by) == 4 && (i = find_policy(&live, path)) >= 0 &&
			    live.pol[i].c.ncls < FAKE_MAX_CLASSES) {
				struct fclass *fc = &live.pol[i].c.cls[live.pol[i].c.ncls++];

				snprintf(fc->name, sizeof(fc->name), "%s", name);
				fc->p = pk;
				fc->b = by;
			}
		} else if (line[0] == 'L') {
			unsigned long bps, burst, pps, ql = 0, lat = 0;
			unsigned int rm;
			int i;

			if (sscanf(line, "L %4095s %lu %lu %lu %u %lu %lu", path,
				   &bps, &burst, &pps, &rm, &ql, &lat) >= 5 &&
			    (i = find_policy(&live, path)) >= 0) {
				struct egress_rate *r = &live.pol[i].rate;

				live.pol[i].has_rate = true;
				r->has_bytes = bps != 0;
				r->bytes_per_sec = bps;
				r->has_burst = burst != 0;
				r->burst = (uint32_t)burst;
				r->has_pps = pps != 0;
				r->pps = (uint32_t)pps;
				r->mode = (uint8_t)rm;
				r->has_queue = ql != 0;
				r->queue_limit = (uint32_t)ql;
				r->has_latency = lat != 0;
				r->latency_us = (uint32_t)lat;
			}
		} else if (line[0] == 'Q') {
			uint64_t sp, sb, md;
			unsigned int ql;
			int i;

			if (sscanf(line, "Q %4095s %lu %lu %u %lu", path, &sp, &sb,
				   &ql, &md) == 5 &&
			    (i = find_policy(&live, path)) >= 0) {
				live.pol[i].c.sp = sp;
				live.pol[i].c.sb = sb;
				live.pol[i].c.qlen = ql;
				live.pol[i].c.maxdelay = md;
			}
		} else if (line[0] == 'S') {
			struct frule *r;
			uint64_t pk, by;

			if (sscanf(line, "S %4095s %u %lu %lu", path, &id, &pk, &by) == 4 &&
			    (r = find_rule(&live, path, id))) {
				r->p = pk;
				r->b = by;
			}
		} else if (line[0] == 'R' &&
			   sscanf(line, "R %4095s %u %n", path, &id, &off) >= 2 &&
			   off > 0) {
			for (tok = strtok(line + off, " "); tok && n < 20;
			     tok = strtok(NULL, " "))
				argv[n++] = tok;
			if (parse_rule_spec(n, argv, &spec, NULL) == 0)
				add_rule(&live, path, id, &spec);
		}
	}
	fclose(f);
}

static void save(void)
{
	char text[EGRESS_RULE_STRLEN];
	FILE *f = fopen(state_file(), "w");
	int i;

	if (!f)
		exit(98);
	fprintf(f, "G %u\n", generation);
	for (i = 0; i < live.npol; i++) {
		struct fpolicy *p = &live.pol[i];

		int k;

		fprintf(f, "P %s %u %u %lu %lu %lu %lu %lu %lu %lu %lu %lu\n",
			p->path, p->def, p->mode, p->c.ap, p->c.ab, p->c.dp,
			p->c.db, p->c.wp, p->c.wb, p->c.rp, p->c.rb, p->c.reset);
		if (p->has_rate)
			fprintf(f, "L %s %lu %u %u %u %u %u\n", p->path,
				(unsigned long)p->rate.bytes_per_sec, p->rate.burst,
				p->rate.pps, p->rate.mode,
				p->rate.has_queue ? p->rate.queue_limit : 0,
				p->rate.has_latency ? p->rate.latency_us : 0);
		if (p->c.sp || p->c.sb || p->c.qlen || p->c.maxdelay)
			fprintf(f, "Q %s %lu %lu %u %lu\n", p->path, p->c.sp,
				p->c.sb, p->c.qlen, p->c.maxdelay);
		for (k = 0; k < p->c.ncls; k++)
			fprintf(f, "C %s %s %lu %lu\n", p->path, p->c.cls[k].name,
				p->c.cls[k].p, p->c.cls[k].b);
	}
	for (i = 0; i < live.nrul; i++) {
		format_rule_spec(&live.rul[i].spec, text, sizeof(text));
		fprintf(f, "R %s %u %s\n", live.rul[i].path, live.rul[i].id, text);
		if (live.rul[i].p || live.rul[i].b)
			fprintf(f, "S %s %u %lu %lu\n", live.rul[i].path,
				live.rul[i].id, live.rul[i].p, live.rul[i].b);
	}
	fclose(f);
}

static int find_policy(const struct fset *s, const char *path)
{
	int i;

	for (i = 0; i < s->npol; i++)
		if (!strcmp(s->pol[i].path, path))
			return i;
	return -1;
}

static int rule_count(const struct fset *s, const char *path)
{
	int i, n = 0;

	for (i = 0; i < s->nrul; i++)
		n += !strcmp(s->rul[i].path, path);
	return n;
}

static uint32_t next_rule_id(const struct fset *s, const char *path)
{
	uint32_t max = 0;
	int i;

	for (i = 0; i < s->nrul; i++)
		if (!strcmp(s->rul[i].path, path) && s->rul[i].id > max)
			max = s->rul[i].id;
	return max + 1;
}

static struct nlmsghdr *qmsg(uint16_t type, uint32_t seq, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(queue + qtail);

	nlh->nlmsg_type = type;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = FAKE_PORTID;
	nlh->nlmsg_flags = flags;
	return nlh;
}

static void qcommit(struct nlmsghdr *nlh)
{
	qtail += MNL_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *qgenl(uint32_t seq, uint16_t type, uint16_t flags,
			      uint8_t cmd)
{
	struct nlmsghdr *nlh = qmsg(type, seq, flags);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = 1;
	return nlh;
}

/* ACK (err 0) or error, capped, with optional extack message and offset. */
static void qack_offs(const struct nlmsghdr *req, int err, const char *msg,
		      int offs)
{
	bool tlvs = msg || offs >= 0;
	struct nlmsghdr *nlh = qmsg(NLMSG_ERROR, req->nlmsg_seq,
				    NLM_F_CAPPED | (tlvs ? NLM_F_ACK_TLVS : 0));
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = err;
	e->msg = *req;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (offs >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offs);
	qcommit(nlh);
}

static void qack(const struct nlmsghdr *req, int err, const char *msg)
{
	qack_offs(req, err, msg, -1);
}

static void qdone(const struct nlmsghdr *req, int err, const char *msg)
{
	struct nlmsghdr *nlh = qmsg(NLMSG_DONE, req->nlmsg_seq,
				    NLM_F_MULTI | (msg ? NLM_F_ACK_TLVS : 0));
	int *e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));

	*e = err;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	qcommit(nlh);
}

struct req_attrs {
	const struct nlattr *tb[NF_EGRESS_A_MAX + 1];
	bool bad;
};

static int top_cb(const struct nlattr *a, void *data)
{
	struct req_attrs *ra = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t > NF_EGRESS_A_MAX) {
		ra->bad = true;	/* strict validation */
		return MNL_CB_OK;
	}
	ra->tb[t] = a;
	return MNL_CB_OK;
}

static int nest_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t > NF_EGRESS_RULE_A_MAX)
		return MNL_CB_ERROR;
	tb[t] = a;
	return MNL_CB_OK;
}

/*
 * A rule nest as a spec; NULL on success, else the error message.  With
 * need_match false only an id is required (RULE_DEL by id: *id set).
 */
static const char *nest_spec(const struct nlattr *nest,
			     struct egress_rule_spec *s, uint32_t *id)
{
	const struct nlattr *tb[NF_EGRESS_RULE_A_MAX + 1] = { 0 };
	const struct nlattr *addr;

	memset(s, 0, sizeof(*s));
	if (mnl_attr_parse_nested(nest, nest_cb, tb) < 0)
		return "nf_egress: bad rule attribute";
	if (id && tb[NF_EGRESS_RULE_A_ID]) {
		*id = mnl_attr_get_u32(tb[NF_EGRESS_RULE_A_ID]);
		return NULL;
	}
	if (id)
		*id = 0;
	addr = tb[NF_EGRESS_RULE_A_ADDR];
	if (!tb[NF_EGRESS_RULE_A_ACTION] || !tb[NF_EGRESS_RULE_A_FAMILY] ||
	    !addr || !tb[NF_EGRESS_RULE_A_PREFIX_LEN])
		return "nf_egress: incomplete rule";
	s->action = mnl_attr_get_u8(tb[NF_EGRESS_RULE_A_ACTION]);
	s->to.family = mnl_attr_get_u8(tb[NF_EGRESS_RULE_A_FAMILY]);
	s->to.prefix_len = mnl_attr_get_u8(tb[NF_EGRESS_RULE_A_PREFIX_LEN]);
	if (mnl_attr_get_payload_len(addr) != (s->to.family == AF_INET ? 4u : 16u))
		return "nf_egress: bad address length";
	memcpy(&s->to.addr, mnl_attr_get_payload(addr), mnl_attr_get_payload_len(addr));
	s->fields = EGRESS_SPEC_TO;
	if (tb[NF_EGRESS_RULE_A_PROTO]) {
		s->proto = mnl_attr_get_u8(tb[NF_EGRESS_RULE_A_PROTO]);
		if (!s->proto)
			return "nf_egress: proto 0 must be left out";
		s->fields |= EGRESS_SPEC_PROTO;
	}
	if (!tb[NF_EGRESS_RULE_A_PORT_MIN] != !tb[NF_EGRESS_RULE_A_PORT_MAX])
		return "nf_egress: port range needs both ends";
	if (tb[NF_EGRESS_RULE_A_PORT_MIN]) {
		s->port_min = mnl_attr_get_u16(tb[NF_EGRESS_RULE_A_PORT_MIN]);
		s->port_max = mnl_attr_get_u16(tb[NF_EGRESS_RULE_A_PORT_MAX]);
		s->fields |= EGRESS_SPEC_PORT;
		if (s->port_min > s->port_max)
			return "nf_egress: bad port range";
	}
	if (tb[NF_EGRESS_RULE_A_CLASS]) {
		const char *c = mnl_attr_get_str(tb[NF_EGRESS_RULE_A_CLASS]);

		if (!valid_class_name(c))
			return "nf_egress: bad class name";
		strcpy(s->class_name, c);
		s->fields |= EGRESS_SPEC_CLASS;
	}
	if (s->proto == IPPROTO_ICMP && s->to.family != AF_INET)
		return "nf_egress: icmp needs an IPv4 prefix";
	if (s->proto == IPPROTO_ICMPV6 && s->to.family != AF_INET6)
		return "nf_egress: icmpv6 needs an IPv6 prefix";
	return NULL;
}

static void put_ctr(struct nlmsghdr *nlh, uint16_t type, uint64_t p, uint64_t b);
static void put_rate(struct nlmsghdr *nlh, const struct egress_rate *r);

/* with_stats: the RULE_GET form, with the rule's hits */
static void put_rule(struct nlmsghdr *nlh, uint16_t type, const struct frule *r,
		     bool with_stats)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);
	const struct egress_rule_spec *s = &r->spec;

	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, r->id);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, s->action);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY, s->to.family);
	mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR,
		     s->to.family == AF_INET ? 4 : 16, &s->to.addr);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN, s->to.prefix_len);
	if (s->proto)
		mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PROTO, s->proto);
	if (s->fields & EGRESS_SPEC_PORT) {
		mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MIN, s->port_min);
		mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MAX, s->port_max);
	}
	if (s->fields & EGRESS_SPEC_CLASS)
		mnl_attr_put_strz(nlh, NF_EGRESS_RULE_A_CLASS, s->class_name);
	if (with_stats)
		put_ctr(nlh, NF_EGRESS_RULE_A_STATS, r->p, r->b);
	mnl_attr_nest_end(nlh, n);
}

static void put_ctr(struct nlmsghdr *nlh, uint16_t type, uint64_t p, uint64_t b)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	/* as nla_put_u64_64bit does on some architectures */
	mnl_attr_put(nlh, NF_EGRESS_CTR_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, p);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, b);
	mnl_attr_nest_end(nlh, n);
}

static void handle_dump(const struct nlmsghdr *req, uint8_t cmd,
			struct req_attrs *ra)
{
	const char *filter = ra->tb[NF_EGRESS_A_CGROUP_PATH] ?
			     mnl_attr_get_str(ra->tb[NF_EGRESS_A_CGROUP_PATH]) : NULL;
	uint16_t intr = 0;
	uint32_t gen = generation;
	int i, k;

	/* before anything else, as the genetlink core checks permissions */
	if (cmd == NF_EGRESS_CMD_RULE_GET && env_int("FAKE_UNPRIV") == 2) {
		qdone(req, -EPERM, NULL);
		return;
	}
	if ((cmd == NF_EGRESS_CMD_RULE_GET && env_int("FAKE_UNPRIV")) ||
	    env_int("FAKE_DUMP_EPERM") == cmd) {
		qack(req, -EPERM, NULL);
		return;
	}
	if (intr_left < 0)
		intr_left = env_int("FAKE_INTR");
	if (bump_left < 0)
		bump_left = env_int("FAKE_GEN_BUMP");
	if (intr_left > 0) {
		intr_left--;
		intr = NLM_F_DUMP_INTR;
	}
	if (filter && find_policy(&live, filter) < 0 && cmd != NF_EGRESS_CMD_POLICY_GET) {
		qdone(req, -ENOENT, "nf_egress: no policy for this cgroup path");
		return;
	}
	if (cmd == NF_EGRESS_CMD_RULE_GET && bump_left > 0) {
		bump_left--;
		gen++;
	}
	switch (cmd) {
	case NF_EGRESS_CMD_POLICY_GET:
		/* reverse order: the client must sort */
		for (i = live.npol - 1; i >= 0; i--) {
			struct nlmsghdr *nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY,
						     NLM_F_MULTI | intr, cmd);

			intr = 0;
			mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, live.pol[i].path);
			mnl_attr_put_u8(nlh, NF_EGRESS_A_DEFAULT, live.pol[i].def);
			mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, live.pol[i].mode);
			mnl_attr_put_u32(nlh, NF_EGRESS_A_RULE_COUNT,
					 (uint32_t)rule_count(&live, live.pol[i].path));
			if (live.pol[i].has_rate)
				put_rate(nlh, &live.pol[i].rate);
			mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, gen);
			mnl_attr_put_u32(nlh, 250, 1);	/* from the future */
			qcommit(nlh);
		}
		break;
	case NF_EGRESS_CMD_RULE_GET:
		for (i = live.nrul - 1; i >= 0; i--) {
			struct nlmsghdr *nlh;

			if (filter && strcmp(filter, live.rul[i].path))
				continue;
			/* keep the queue bounded: the client reads as we go */
			nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY, NLM_F_MULTI | intr, cmd);
			intr = 0;
			mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, live.rul[i].path);
			mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, gen);
			put_rule(nlh, NF_EGRESS_A_RULE, &live.rul[i], true);
			qcommit(nlh);
		}
		break;
	case NF_EGRESS_CMD_STATS_GET:
		for (i = 0; i < live.npol; i++) {
			struct fpolicy *p = &live.pol[i];
			struct nlmsghdr *nlh;

			if (filter && strcmp(filter, p->path))
				continue;
			nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY, NLM_F_MULTI | intr, cmd);
			intr = 0;
			mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, p->path);
			mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, gen);
			mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, p->mode);
			put_ctr(nlh, NF_EGRESS_A_STATS_ALLOWED, p->c.ap, p->c.ab);
			put_ctr(nlh, NF_EGRESS_A_STATS_DENIED, p->c.dp, p->c.db);
			put_ctr(nlh, NF_EGRESS_A_STATS_WOULD_DENY, p->c.wp, p->c.wb);
			put_ctr(nlh, NF_EGRESS_A_STATS_RATELIMITED, p->c.rp, p->c.rb);
			/* like the module: for every policy, shaping or not */
			put_ctr(nlh, NF_EGRESS_A_STATS_SHAPED, p->c.sp, p->c.sb);
			mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_QUEUE_LEN, p->c.qlen);
			mnl_attr_put(nlh, NF_EGRESS_A_PAD, 0, NULL);
			mnl_attr_put_u64(nlh, NF_EGRESS_A_STATS_MAX_DELAY_NS,
					 p->c.maxdelay);
			if (p->c.reset) {
				mnl_attr_put(nlh, NF_EGRESS_A_PAD, 0, NULL);
				mnl_attr_put_u64(nlh, NF_EGRESS_A_STATS_RESET_TIME,
						 p->c.reset);
			}
			/* in the kernel's order, not sorted: the client sorts */
			for (k = p->c.ncls - 1; k >= 0; k--) {
				struct nlattr *cn = mnl_attr_nest_start(nlh,
							NF_EGRESS_A_STATS_CLASS);

				mnl_attr_put_strz(nlh, NF_EGRESS_CTR_A_CLASS,
						  p->c.cls[k].name);
				mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS,
						 p->c.cls[k].p);
				mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES,
						 p->c.cls[k].b);
				mnl_attr_nest_end(nlh, cn);
			}
			qcommit(nlh);
		}
		break;
	default:
		qack(req, -EOPNOTSUPP, NULL);
		return;
	}
	qdone(req, 0, NULL);
}

/* Is policy path pp on the way from the root to cgroup path cg? */
static bool on_path(const char *pp, const char *cg)
{
	size_t n = strlen(pp);

	if (!strcmp(pp, "/"))
		return true;
	return !strncmp(pp, cg, n) && (cg[n] == '\0' || cg[n] == '/');
}

static bool prefix_has(const struct egress_prefix *p, uint8_t family,
		       const uint8_t *addr)
{
	struct egress_prefix a = *p;

	if (p->family != family)
		return false;
	memcpy(a.addr.bytes, addr, family == AF_INET ? 4 : 16);
	prefix_mask(&a);
	return !memcmp(a.addr.bytes, p->addr.bytes, 16);
}

/* The deciding rule of policy path for the packet, by linear search. */
static const struct frule *lookup(const char *path, uint8_t family,
				  const uint8_t *addr, uint8_t proto,
				  bool has_port, uint16_t port)
{
	const struct frule *best = NULL;
	int i;

	for (i = 0; i < live.nrul; i++) {
		const struct frule *r = &live.rul[i];
		const struct egress_rule_spec *s = &r->spec;
		bool ports = s->fields & EGRESS_SPEC_PORT;

		if (strcmp(r->path, path) || !prefix_has(&s->to, family, addr))
			continue;
		if (s->proto && s->proto != proto)
			continue;
		if (ports && (!has_port || port < s->port_min || port > s->port_max ||
			      !(proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
				proto == IPPROTO_SCTP)))
			continue;
		if (best) {
			const struct egress_rule_spec *b = &best->spec;
			unsigned int bw = b->fields & EGRESS_SPEC_PORT ?
					  b->port_max - b->port_min : 65536;
			unsigned int sw = ports ? s->port_max - s->port_min : 65536;

			if (s->to.prefix_len != b->to.prefix_len) {
				if (s->to.prefix_len < b->to.prefix_len)
					continue;
			} else if (!!s->proto != !!b->proto) {
				if (!s->proto)
					continue;
			} else if (sw >= bw) {
				continue;
			}
		}
		best = r;
	}
	return best;
}

static int cmp_depth(const void *a, const void *b)
{
	const struct fpolicy *const *x = a, *const *y = b;

	return (int)strlen((*x)->path) - (int)strlen((*y)->path);
}

static void handle_explain(const struct nlmsghdr *req, const char *path,
			   struct req_attrs *ra)
{
	const struct nlattr *tb[NF_EGRESS_EXPLAIN_A_MAX + 1] = { 0 };
	const struct nlattr *pkt = ra->tb[NF_EGRESS_A_EXPLAIN_PACKET], *a;
	struct fpolicy *levels[64];
	uint8_t family, proto = 0, addr[16] = { 0 };
	bool has_port = false, deny = false;
	uint16_t port = 0;
	struct nlmsghdr *nlh;
	int i, n = 0;

	if (!pkt) {
		qack(req, -EINVAL, "nf_egress: missing packet");
		return;
	}
	mnl_attr_for_each_nested(a, pkt)
		if (mnl_attr_get_type(a) <= NF_EGRESS_EXPLAIN_A_MAX)
			tb[mnl_attr_get_type(a)] = a;
	if (!tb[NF_EGRESS_EXPLAIN_A_FAMILY] || !tb[NF_EGRESS_EXPLAIN_A_ADDR]) {
		qack(req, -EINVAL, "nf_egress: packet needs family and address");
		return;
	}
	family = mnl_attr_get_u8(tb[NF_EGRESS_EXPLAIN_A_FAMILY]);
	if (mnl_attr_get_payload_len(tb[NF_EGRESS_EXPLAIN_A_ADDR]) !=
	    (family == AF_INET ? 4u : 16u)) {
		qack(req, -EINVAL, "nf_egress: bad packet address");
		return;
	}
	memcpy(addr, mnl_attr_get_payload(tb[NF_EGRESS_EXPLAIN_A_ADDR]),
	       family == AF_INET ? 4 : 16);
	if (tb[NF_EGRESS_EXPLAIN_A_PROTO])
		proto = mnl_attr_get_u8(tb[NF_EGRESS_EXPLAIN_A_PROTO]);
	if (tb[NF_EGRESS_EXPLAIN_A_PORT]) {
		has_port = true;
		port = mnl_attr_get_u16(tb[NF_EGRESS_EXPLAIN_A_PORT]);
	}

	for (i = 0; i < live.npol && n < 64; i++)
		if (on_path(live.pol[i].path, path))
			levels[n++] = &live.pol[i];
	qsort(levels, (size_t)n, sizeof(levels[0]), cmp_depth);

	nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY, 0, NF_EGRESS_CMD_EXPLAIN);
	for (i = 0; i < n; i++) {
		const struct frule *r = lookup(levels[i]->path, family, addr,
					       proto, has_port, port);
		uint8_t v = r ? r->spec.action : levels[i]->def;
		struct nlattr *l = mnl_attr_nest_start(nlh, NF_EGRESS_A_EXPLAIN_LEVEL);

		mnl_attr_put_strz(nlh, NF_EGRESS_EXPLAIN_A_CGROUP_PATH, levels[i]->path);
		mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_MODE, levels[i]->mode);
		mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_VERDICT, v);
		mnl_attr_put_u8(nlh, NF_EGRESS_EXPLAIN_A_DEFAULT, levels[i]->def);
		if (r) {
			mnl_attr_put_u32(nlh, NF_EGRESS_EXPLAIN_A_RULE_ID, r->id);
			put_rule(nlh, NF_EGRESS_EXPLAIN_A_RULE, r, false);
		}
		mnl_attr_nest_end(nlh, l);
		if (v == NF_EGRESS_VERDICT_DENY &&
		    levels[i]->mode == NF_EGRESS_MODE_ENFORCE)
			deny = true;
	}
	mnl_attr_put_u8(nlh, NF_EGRESS_A_VERDICT,
			deny ? NF_EGRESS_VERDICT_DENY : NF_EGRESS_VERDICT_ALLOW);
	qcommit(nlh);
	qack(req, 0, NULL);
}

/* RULE_NEW: every NF_EGRESS_A_RULE nest, all or nothing. */
static int handle_rule_new(const struct nlmsghdr *req, struct fset *s,
			   const char *path)
{
	int max = env_int("FAKE_MAX_RULES");
	bool dupcheck = !env_int("FAKE_NO_DUPCHECK");
	int first = s->nrul, have = rule_count(s, path), added = 0, i;
	uint32_t id = next_rule_id(s, path);
	const struct nlattr *a;

	mnl_attr_for_each(a, req, GENL_HDRLEN) {
		int offs = (int)((const char *)a - (const char *)req);
		struct egress_rule_spec spec;
		const char *msg;

		if (mnl_attr_get_type(a) != NF_EGRESS_A_RULE)
			continue;
		msg = nest_spec(a, &spec, NULL);
		if (!msg && max && have + added >= max)
			msg = "nf_egress: too many rules in this policy";
		if (!msg && dupcheck)
			for (i = 0; i < s->nrul; i++)
				if (!strcmp(s->rul[i].path, path) &&
				    rule_spec_same_match(&s->rul[i].spec, &spec)) {
					msg = "nf_egress: rule already exists";
					break;
				}
		if (msg) {
			int err = strstr(msg, "exists") ? -EEXIST :
				  strstr(msg, "too many") ? -ENOSPC : -EINVAL;

			/* all or nothing */
			while (s->nrul > first)
				free(s->rul[--s->nrul].path);
			qack_offs(req, err, msg, offs);
			return err;
		}
		add_rule(s, path, id++, &spec);
		added++;
	}
	if (!added) {
		qack(req, -EINVAL, "nf_egress: no rule given");
		return -EINVAL;
	}
	qack(req, 0, NULL);
	return 0;
}

static int rate_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t > NF_EGRESS_RATE_A_MAX)
		return MNL_CB_ERROR;	/* strict validation */
	tb[t] = a;
	return MNL_CB_OK;
}

/*
 * An NF_EGRESS_A_RATE nest, validated as the kernel does it: NULL with *r
 * filled in (r->none for "rate none"), or the error with *errp set.
 * The default burst is the kernel's: max(10 ms of the rate, 64 KiB); in
 * shape mode the queue limit (1000 packets) and latency (100 ms) default
 * too, and police mode refuses them.
 */
static const char *rate_nest(const struct nlattr *nest, struct egress_rate *r,
			     int *errp)
{
	const struct nlattr *tb[NF_EGRESS_RATE_A_MAX + 1] = { 0 };
	static const struct { uint16_t type; size_t len; } lens[] = {
		{ NF_EGRESS_RATE_A_NONE, 0 },
		{ NF_EGRESS_RATE_A_BYTES_PER_SEC, 8 },
		{ NF_EGRESS_RATE_A_BURST, 4 },
		{ NF_EGRESS_RATE_A_PPS, 4 },
		{ NF_EGRESS_RATE_A_MODE, 1 },
		{ NF_EGRESS_RATE_A_QUEUE_LIMIT, 4 },
		{ NF_EGRESS_RATE_A_LATENCY_US, 4 },
	};
	size_t i;

	memset(r, 0, sizeof(*r));
	*errp = -EINVAL;
	if (mnl_attr_parse_nested(nest, rate_cb, tb) < 0)
		return "nf_egress: bad rate attribute";
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		if (tb[lens[i].type] &&
		    mnl_attr_get_payload_len(tb[lens[i].type]) != lens[i].len)
			return "nf_egress: bad rate attribute length";
	if (tb[NF_EGRESS_RATE_A_NONE]) {
		if (tb[NF_EGRESS_RATE_A_BYTES_PER_SEC] || tb[NF_EGRESS_RATE_A_BURST] ||
		    tb[NF_EGRESS_RATE_A_PPS] || tb[NF_EGRESS_RATE_A_MODE] ||
		    tb[NF_EGRESS_RATE_A_QUEUE_LIMIT] ||
		    tb[NF_EGRESS_RATE_A_LATENCY_US])
			return "nf_egress: 'none' must come alone";
		r->none = true;
		return NULL;
	}
	if (!tb[NF_EGRESS_RATE_A_BYTES_PER_SEC] && !tb[NF_EGRESS_RATE_A_PPS])
		return "nf_egress: a rate needs bytes per second or packets per second";
	if (tb[NF_EGRESS_RATE_A_BURST] && !tb[NF_EGRESS_RATE_A_BYTES_PER_SEC])
		return "nf_egress: burst needs bytes per second";
	if (tb[NF_EGRESS_RATE_A_BYTES_PER_SEC]) {
		r->has_bytes = true;
		r->bytes_per_sec = mnl_attr_get_u64(tb[NF_EGRESS_RATE_A_BYTES_PER_SEC]);
		if (!r->bytes_per_sec)
			return "nf_egress: rate must be greater than zero";
		r->has_burst = true;
		if (tb[NF_EGRESS_RATE_A_BURST]) {
			r->burst = mnl_attr_get_u32(tb[NF_EGRESS_RATE_A_BURST]);
			if (!r->burst)
				return "nf_egress: burst must be greater than zero";
		} else {
			uint64_t b = r->bytes_per_sec / 100;

			r->burst = b < 65536 ? 65536 : b > UINT32_MAX ? UINT32_MAX
								      : (uint32_t)b;
		}
	}
	if (tb[NF_EGRESS_RATE_A_PPS]) {
		r->has_pps = true;
		r->pps = mnl_attr_get_u32(tb[NF_EGRESS_RATE_A_PPS]);
		if (!r->pps)
			return "nf_egress: pps must be greater than zero";
	}
	r->mode = tb[NF_EGRESS_RATE_A_MODE] ?
		  mnl_attr_get_u8(tb[NF_EGRESS_RATE_A_MODE]) : NF_EGRESS_RATE_SHAPE;
	if (r->mode > NF_EGRESS_RATE_MAX)
		return "nf_egress: unknown rate mode";
	if (r->mode != NF_EGRESS_RATE_SHAPE) {
		if (tb[NF_EGRESS_RATE_A_QUEUE_LIMIT] ||
		    tb[NF_EGRESS_RATE_A_LATENCY_US])
			return "nf_egress: queue and latency apply to shape mode only";
		return NULL;
	}
	r->has_queue = r->has_latency = true;
	r->queue_limit = 1000;
	r->latency_us = 100000;
	if (tb[NF_EGRESS_RATE_A_QUEUE_LIMIT]) {
		r->queue_limit = mnl_attr_get_u32(tb[NF_EGRESS_RATE_A_QUEUE_LIMIT]);
		if (r->queue_limit < 1 || r->queue_limit > 65536)
			return "nf_egress: queue limit must be 1 to 65536 packets";
	}
	if (tb[NF_EGRESS_RATE_A_LATENCY_US]) {
		r->latency_us = mnl_attr_get_u32(tb[NF_EGRESS_RATE_A_LATENCY_US]);
		if (r->latency_us < 100 || r->latency_us > 10000000)
			return "nf_egress: latency must be 100 to 10000000 microseconds";
	}
	return NULL;
}

static void put_rate(struct nlmsghdr *nlh, const struct egress_rate *r)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, NF_EGRESS_A_RATE);

	if (r->has_bytes) {
		/* as nla_put_u64_64bit does on some architectures */
		mnl_attr_put(nlh, NF_EGRESS_RATE_A_PAD, 0, NULL);
		mnl_attr_put_u64(nlh, NF_EGRESS_RATE_A_BYTES_PER_SEC,
				 r->bytes_per_sec);
		mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_BURST, r->burst);
	}
	if (r->has_pps)
		mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_PPS, r->pps);
	mnl_attr_put_u8(nlh, NF_EGRESS_RATE_A_MODE, r->mode);
	if (r->mode == NF_EGRESS_RATE_SHAPE) {
		mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_QUEUE_LIMIT, r->queue_limit);
		mnl_attr_put_u32(nlh, NF_EGRESS_RATE_A_LATENCY_US, r->latency_us);
	}
	mnl_attr_put_u32(nlh, 200, 1);	/* from the future */
	mnl_attr_nest_end(nlh, n);
}

static void handle_do(const struct nlmsghdr *req, uint8_t cmd,
		      struct req_attrs *ra)
{
	const struct nlattr *pa = ra->tb[NF_EGRESS_A_CGROUP_PATH];
	const char *path = pa ? mnl_attr_get_str(pa) : NULL;
	bool is_staged = ra->tb[NF_EGRESS_A_STAGED] != NULL;
	struct fset *s = is_staged ? &staged : &live;
	struct egress_rule_spec spec;
	struct egress_rate rate;
	bool admin, changed = true;
	struct fpolicy *pol;
	struct nlmsghdr *nlh;
	uint32_t id;
	int p, i;

	admin = cmd != NF_EGRESS_CMD_GET_INFO && cmd != NF_EGRESS_CMD_POLICY_GET &&
		cmd != NF_EGRESS_CMD_EXPLAIN;
	if ((admin && (env_int("FAKE_EPERM") || env_int("FAKE_UNPRIV"))) ||
	    (cmd == NF_EGRESS_CMD_EXPLAIN && env_int("FAKE_UNPRIV"))) {
		qack(req, -EPERM, NULL);
		return;
	}
	if (cmd != NF_EGRESS_CMD_GET_INFO && cmd != NF_EGRESS_CMD_APPLY_BEGIN &&
	    cmd != NF_EGRESS_CMD_APPLY_COMMIT && cmd != NF_EGRESS_CMD_APPLY_ABORT &&
	    !(cmd == NF_EGRESS_CMD_STATS_RESET && !pa) &&
	    (!pa || mnl_attr_validate(pa, MNL_TYPE_NUL_STRING))) {
		qack(req, -EINVAL, "nf_egress: missing cgroup path");
		return;
	}
	if (is_staged && !have_staged) {
		qack(req, -ENOENT, "nf_egress: no staged set (APPLY_BEGIN first)");
		return;
	}
	p = path ? find_policy(s, path) : -1;

	switch (cmd) {
	case NF_EGRESS_CMD_GET_INFO:
		nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY, 0, cmd);
		mnl_attr_put_strz(nlh, NF_EGRESS_A_VERSION, "0.1.0-fake");
		mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, generation);
		mnl_attr_put_u32(nlh, NF_EGRESS_A_POLICY_COUNT, (uint32_t)live.npol);
		qcommit(nlh);
		changed = false;
		break;
	case NF_EGRESS_CMD_POLICY_NEW:
	case NF_EGRESS_CMD_POLICY_SET:
		if (ra->tb[NF_EGRESS_A_RATE]) {
			const char *msg;
			int e;

			msg = rate_nest(ra->tb[NF_EGRESS_A_RATE], &rate, &e);
			if (msg) {
				qack(req, e, msg);
				return;
			}
		}
		if (cmd == NF_EGRESS_CMD_POLICY_SET)
			goto policy_set;
		if (p >= 0) {
			qack(req, -EEXIST, "nf_egress: policy already exists");
			return;
		}
		pol = add_policy(s, path);
		pol->def = ra->tb[NF_EGRESS_A_DEFAULT] ?
			   mnl_attr_get_u8(ra->tb[NF_EGRESS_A_DEFAULT]) : 0;
		pol->mode = ra->tb[NF_EGRESS_A_MODE] ?
			    mnl_attr_get_u8(ra->tb[NF_EGRESS_A_MODE]) : 0;
		if (ra->tb[NF_EGRESS_A_RATE] && !rate.none) {
			pol->has_rate = true;
			pol->rate = rate;
		}
		changed = !is_staged;
		break;
	policy_set:
		if (p < 0) {
			qack(req, -ENOENT, "nf_egress: no such policy");
			return;
		}
		if (!ra->tb[NF_EGRESS_A_DEFAULT] && !ra->tb[NF_EGRESS_A_MODE] &&
		    !ra->tb[NF_EGRESS_A_RATE]) {
			qack(req, -EINVAL, "nf_egress: nothing to set");
			return;
		}
		if (ra->tb[NF_EGRESS_A_DEFAULT])
			s->pol[p].def = mnl_attr_get_u8(ra->tb[NF_EGRESS_A_DEFAULT]);
		if (ra->tb[NF_EGRESS_A_MODE])
			s->pol[p].mode = mnl_attr_get_u8(ra->tb[NF_EGRESS_A_MODE]);
		if (ra->tb[NF_EGRESS_A_RATE]) {
			s->pol[p].has_rate = !rate.none;
			s->pol[p].rate = rate;
		}
		break;
	case NF_EGRESS_CMD_POLICY_DEL:
		if (p < 0) {
			qack(req, -ENOENT, "nf_egress: no such policy");
			return;
		}
		free(s->pol[p].path);
		s->pol[p] = s->pol[--s->npol];
		for (i = 0; i < s->nrul; i++)
			if (!strcmp(s->rul[i].path, path)) {
				free(s->rul[i].path);
				s->rul[i--] = s->rul[--s->nrul];
			}
		break;
	case NF_EGRESS_CMD_RULE_NEW:
		if (p < 0) {
			qack(req, -ENOENT, "nf_egress: no such policy");
			return;
		}
		if (handle_rule_new(req, s, path) == 0 && !is_staged) {
			generation++;
			save();
		}
		return;
	case NF_EGRESS_CMD_RULE_DEL: {
		const struct nlattr *nest = ra->tb[NF_EGRESS_A_RULE];
		const char *msg;

		if (p < 0) {
			qack(req, -ENOENT, "nf_egress: no such policy");
			return;
		}
		if (!nest || (msg = nest_spec(nest, &spec, &id))) {
			qack(req, -EINVAL, nest ? msg : "nf_egress: missing rule");
			return;
		}
		for (i = 0; i < s->nrul; i++)
			if (!strcmp(s->rul[i].path, path) &&
			    (id ? s->rul[i].id == id
				: rule_spec_same_match(&s->rul[i].spec, &spec)))
				break;
		if (i == s->nrul) {
			qack(req, -ENOENT, "nf_egress: no such rule");
			return;
		}
		free(s->rul[i].path);
		/* keep id order: shift down */
		memmove(&s->rul[i], &s->rul[i + 1],
			(size_t)(s->nrul - i - 1) * sizeof(s->rul[0]));
		s->nrul--;
		break;
	}
	case NF_EGRESS_CMD_APPLY_BEGIN:
		if (env_int("FAKE_BUSY") || have_staged) {
			qack(req, -EBUSY, "nf_egress: another apply is in progress");
			return;
		}
		set_clear(&staged);
		have_staged = true;
		changed = false;
		break;
	case NF_EGRESS_CMD_APPLY_ABORT:
		if (!have_staged) {
			qack(req, -ENOENT, "nf_egress: no staged set");
			return;
		}
		set_clear(&staged);
		have_staged = false;
		changed = false;
		break;
	case NF_EGRESS_CMD_APPLY_COMMIT:
		if (!have_staged) {
			qack(req, -ENOENT, "nf_egress: no staged set");
			return;
		}
		/*
		 * counters of paths in both sets are kept, and those of rules
		 * whose path and canonical rule are in both
		 */
		for (i = 0; i < staged.npol; i++) {
			int old = find_policy(&live, staged.pol[i].path);

			if (old >= 0)
				staged.pol[i].c = live.pol[old].c;
		}
		for (i = 0; i < staged.nrul; i++) {
			struct frule *n = &staged.rul[i];
			char a[EGRESS_RULE_STRLEN], b[EGRESS_RULE_STRLEN];
			int k;

			format_rule_spec(&n->spec, a, sizeof(a));
			for (k = 0; k < live.nrul; k++) {
				format_rule_spec(&live.rul[k].spec, b, sizeof(b));
				if (!strcmp(live.rul[k].path, n->path) && !strcmp(a, b)) {
					n->p = live.rul[k].p;
					n->b = live.rul[k].b;
					break;
				}
			}
		}
		set_clear(&live);
		live = staged;
		memset(&staged, 0, sizeof(staged));
		have_staged = false;
		break;
	case NF_EGRESS_CMD_EXPLAIN:
		handle_explain(req, path, ra);
		return;
	case NF_EGRESS_CMD_STATS_RESET: {
		uint64_t now = env_int("FAKE_NOW") ? (uint64_t)env_int("FAKE_NOW")
						   : (uint64_t)time(NULL);

		if (path && p < 0) {
			qack(req, -ENOENT, "nf_egress: no such policy");
			return;
		}
		for (i = 0; i < live.npol; i++) {
			struct fctrs *c = &live.pol[i].c;
			int k;

			if (path && i != p)
				continue;
			c->ap = c->ab = c->dp = c->db = 0;
			c->wp = c->wb = c->rp = c->rb = 0;
			c->sp = c->sb = c->maxdelay = 0;
			for (k = 0; k < c->ncls; k++)
				c->cls[k].p = c->cls[k].b = 0;
			c->reset = now;
		}
		for (i = 0; i < live.nrul; i++)
			if (!path || !strcmp(live.rul[i].path, path))
				live.rul[i].p = live.rul[i].b = 0;
		/* counters are not the policy set: no new generation */
		save();
		qack(req, 0, NULL);
		return;
	}
	default:
		qack(req, -EOPNOTSUPP, NULL);
		return;
	}
	if (changed) {
		generation++;
		save();
	}
	qack(req, 0, NULL);
}

static void handle(const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	struct req_attrs ra;
	uint16_t flags;

	memset(&ra, 0, sizeof(ra));
	mnl_attr_parse(req, GENL_HDRLEN, top_cb, &ra);

	if (req->nlmsg_type == GENL_ID_CTRL) {
		const struct nlattr *name = ra.tb[CTRL_ATTR_FAMILY_NAME];
		struct nlmsghdr *nlh;

		if (!name || strcmp(mnl_attr_get_str(name), NF_EGRESS_GENL_NAME) ||
		    env_int("FAKE_ABSENT")) {
			qack(req, -ENOENT, NULL);
			return;
		}
		nlh = qgenl(req->nlmsg_seq, GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY);
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NF_EGRESS_GENL_NAME);
		mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, FAKE_FAMILY);
		qcommit(nlh);
		qack(req, 0, NULL);
		return;
	}
	if (req->nlmsg_type != FAKE_FAMILY) {
		qack(req, -EINVAL, NULL);
		return;
	}
	flog("cmd=%u flags=%#x len=%u\n", g->cmd, req->nlmsg_flags,
	     req->nlmsg_len);
	/* As genetlink does for strictly validated families (resv_start_op 0). */
	flags = req->nlmsg_flags;
	if ((flags & NLM_F_DUMP) == NLM_F_DUMP)
		flags &= ~NLM_F_DUMP;
	if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
		qack(req, -EINVAL, "ambiguous or reserved bits set in nlmsg_flags");
		return;
	}
	if (ra.bad) {
		qack(req, -EINVAL, "Unknown attribute type");
		return;
	}
	load();
	if ((req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
		handle_dump(req, g->cmd, &ra);
	else
		handle_do(req, g->cmd, &ra);
}

/* --- the libmnl calls egressctl makes ---------------------------------- */

struct mnl_socket *mnl_socket_open(int bus)
{
	(void)bus;
	return malloc(1);
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl; (void)groups; (void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FAKE_PORTID;
}

int mnl_socket_get_fd(const struct mnl_socket *nl)
{
	(void)nl;
	return -1;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	(void)nl; (void)type; (void)buf; (void)len;
	return 0;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	free(nl);
	/* closing the socket drops its staged set */
	set_clear(&staged);
	have_staged = false;
	return 0;
}

/* Several requests per sendto are handled in order, as genetlink does. */
ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;
	int remaining = (int)len, n = 0;

	(void)nl;
	if (len > 212992 - 32) {	/* the default sk_sndbuf */
		errno = EMSGSIZE;
		return -1;
	}
	for (; mnl_nlmsg_ok(req, remaining); req = mnl_nlmsg_next(req, &remaining))
		if (!(req->nlmsg_flags & NLM_F_REQUEST) ||
		    mnl_nlmsg_get_payload_len(req) < GENL_HDRLEN) {
			errno = EINVAL;
			return -1;
		}
	if (remaining) {
		errno = EINVAL;
		return -1;
	}
	remaining = (int)len;
	for (req = buf; mnl_nlmsg_ok(req, remaining);
	     req = mnl_nlmsg_next(req, &remaining)) {
		handle(req);
		n++;
	}
	flog("sendto msgs=%d bytes=%zu\n", n, len);
	return (ssize_t)len;
}

/* Deliver at most two messages per read to exercise multi-read dumps. */
ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t size)
{
	size_t n = 0;
	int msgs = 0;

	(void)nl;
	if (qhead == qtail) {
		errno = EAGAIN;
		return -1;
	}
	while (qhead + n < qtail && msgs < 2) {
		const struct nlmsghdr *m = (const void *)(queue + qhead + n);
		size_t l = MNL_ALIGN(m->nlmsg_len);

		if (n + l > size)
			break;
		n += l;
		msgs++;
	}
	if (n == 0) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, queue + qhead, n);
	qhead += n;
	if (qhead == qtail)
		qhead = qtail = 0;
	return (ssize_t)n;
}
