// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the nf_egress kernel side, for testing egressctl end to
 * end on a host without the module.  Built as an LD_PRELOAD library that
 * replaces libmnl's socket calls: requests egressctl sends are answered
 * from a small policy table kept in the file $FAKE_NF_EGRESS_STATE, the
 * way the UAPI header describes the kernel's behaviour.
 *
 * Knobs (environment):
 *   FAKE_NF_EGRESS_STATE  state file (required)
 *   FAKE_ABSENT=1         the family does not exist
 *   FAKE_EPERM=1          admin commands fail with bare EPERM
 *   FAKE_INTR=N           the first N dumps are flagged NLM_F_DUMP_INTR
 *   FAKE_GEN_BUMP=N       the first N RULE_GET dumps report a newer generation
 *
 * This is test scaffolding only; it is never linked into egressctl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "parse.h"

#define FAKE_FAMILY	0x2a
#define FAKE_PORTID	4242
#define MAXP		64
#define MAXR		256

struct fpolicy {
	char path[NF_EGRESS_CGROUP_PATH_MAX];
	uint8_t def;
	uint64_t ap, ab, dp, db;
};

struct frule {
	char path[NF_EGRESS_CGROUP_PATH_MAX];
	uint32_t id;
	struct egress_rule_spec spec;
};

static struct fpolicy pol[MAXP];
static struct frule rul[MAXR];
static int npol, nrul;
static uint32_t generation = 1, next_id = 1;
static int intr_left = -1, bump_left = -1;

/* replies waiting to be received */
static char queue[1 << 20] __attribute__((aligned(8)));
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

/*
 * State file lines:
 *   G generation next_id
 *   P path default ap ab dp db
 *   R path id allow|deny cidr
 */
static void load(void)
{
	char line[8192], path[4096], act[16], cidr[64];
	FILE *f = fopen(state_file(), "r");

	npol = nrul = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		struct fpolicy *p;
		struct frule *r;
		unsigned int d;

		if (line[0] == 'G') {
			sscanf(line, "G %u %u", &generation, &next_id);
		} else if (line[0] == 'P' && npol < MAXP) {
			p = &pol[npol];
			if (sscanf(line, "P %4095s %u %lu %lu %lu %lu", p->path, &d,
				   &p->ap, &p->ab, &p->dp, &p->db) >= 2) {
				p->def = (uint8_t)d;
				npol++;
			}
		} else if (line[0] == 'R' && nrul < MAXR) {
			char *argv[3] = { act, (char *)"to", cidr };

			r = &rul[nrul];
			if (sscanf(line, "R %4095s %u %15s %63s", path, &r->id,
				   act, cidr) == 4 &&
			    parse_rule_spec(3, argv, &r->spec, NULL) == 0) {
				strcpy(r->path, path);
				nrul++;
			}
		}
	}
	fclose(f);
}

static void save(void)
{
	char cidr[EGRESS_CIDR_STRLEN];
	FILE *f = fopen(state_file(), "w");
	int i;

	if (!f)
		exit(98);
	fprintf(f, "G %u %u\n", generation, next_id);
	for (i = 0; i < npol; i++)
		fprintf(f, "P %s %u %lu %lu %lu %lu\n", pol[i].path, pol[i].def,
			pol[i].ap, pol[i].ab, pol[i].dp, pol[i].db);
	for (i = 0; i < nrul; i++) {
		format_prefix(&rul[i].spec.to, cidr, sizeof(cidr));
		fprintf(f, "R %s %u %s %s\n", rul[i].path, rul[i].id,
			verdict_name(rul[i].spec.action), cidr);
	}
	fclose(f);
}

static int find_policy(const char *path)
{
	int i;

	for (i = 0; i < npol; i++)
		if (!strcmp(pol[i].path, path))
			return i;
	return -1;
}

static int rule_count(const char *path)
{
	int i, n = 0;

	for (i = 0; i < nrul; i++)
		n += !strcmp(rul[i].path, path);
	return n;
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

/* ACK (err 0) or error, capped, with an optional extack message. */
static void qack(const struct nlmsghdr *req, int err, const char *msg)
{
	struct nlmsghdr *nlh = qmsg(NLMSG_ERROR, req->nlmsg_seq,
				    NLM_F_CAPPED | (msg ? NLM_F_ACK_TLVS : 0));
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = err;
	e->msg = *req;
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	qcommit(nlh);
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
	const struct nlattr *rtb[NF_EGRESS_RULE_A_MAX + 1];
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

static int rule_cb(const struct nlattr *a, void *data)
{
	struct req_attrs *ra = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t > NF_EGRESS_RULE_A_MAX) {
		ra->bad = true;
		return MNL_CB_OK;
	}
	ra->rtb[t] = a;
	return MNL_CB_OK;
}

/* The request's rule nest as a spec; false if malformed. */
static bool req_spec(struct req_attrs *ra, struct egress_rule_spec *s)
{
	const struct nlattr *addr = ra->rtb[NF_EGRESS_RULE_A_ADDR];

	memset(s, 0, sizeof(*s));
	if (!ra->rtb[NF_EGRESS_RULE_A_ACTION] || !ra->rtb[NF_EGRESS_RULE_A_FAMILY] ||
	    !addr || !ra->rtb[NF_EGRESS_RULE_A_PREFIX_LEN] ||
	    mnl_attr_validate(ra->rtb[NF_EGRESS_RULE_A_ACTION], MNL_TYPE_U8) ||
	    mnl_attr_validate(ra->rtb[NF_EGRESS_RULE_A_FAMILY], MNL_TYPE_U8) ||
	    mnl_attr_validate(ra->rtb[NF_EGRESS_RULE_A_PREFIX_LEN], MNL_TYPE_U8))
		return false;
	s->action = mnl_attr_get_u8(ra->rtb[NF_EGRESS_RULE_A_ACTION]);
	s->to.family = mnl_attr_get_u8(ra->rtb[NF_EGRESS_RULE_A_FAMILY]);
	s->to.prefix_len = mnl_attr_get_u8(ra->rtb[NF_EGRESS_RULE_A_PREFIX_LEN]);
	if (mnl_attr_get_payload_len(addr) != (s->to.family == AF_INET ? 4u : 16u))
		return false;
	memcpy(&s->to.addr, mnl_attr_get_payload(addr), mnl_attr_get_payload_len(addr));
	s->fields = EGRESS_SPEC_TO;
	return true;
}

static bool same_spec(const struct egress_rule_spec *a,
		      const struct egress_rule_spec *b)
{
	return a->action == b->action && a->to.family == b->to.family &&
	       a->to.prefix_len == b->to.prefix_len &&
	       !memcmp(&a->to.addr, &b->to.addr, sizeof(a->to.addr));
}

static void put_rule(struct nlmsghdr *nlh, const struct frule *r)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);

	mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, r->id);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION, r->spec.action);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY, r->spec.to.family);
	mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR,
		     r->spec.to.family == AF_INET ? 4 : 16, &r->spec.to.addr);
	mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN, r->spec.to.prefix_len);
	mnl_attr_nest_end(nlh, n);
}

static void put_ctr(struct nlmsghdr *nlh, uint16_t type, uint64_t p, uint64_t b)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, p);
	mnl_attr_put_u64(nlh, NF_EGRESS_CTR_A_BYTES, b);
	mnl_attr_nest_end(nlh, n);
}

static int env_int(const char *name)
{
	const char *v = getenv(name);

	return v ? atoi(v) : 0;
}

static void handle_dump(const struct nlmsghdr *req, uint8_t cmd,
			struct req_attrs *ra)
{
	const char *filter = ra->tb[NF_EGRESS_A_CGROUP_PATH] ?
			     mnl_attr_get_str(ra->tb[NF_EGRESS_A_CGROUP_PATH]) : NULL;
	uint16_t intr = 0;
	uint32_t gen = generation;
	int i;

	if (intr_left < 0)
		intr_left = env_int("FAKE_INTR");
	if (bump_left < 0)
		bump_left = env_int("FAKE_GEN_BUMP");
	if (intr_left > 0) {
		intr_left--;
		intr = NLM_F_DUMP_INTR;
	}
	if (filter && find_policy(filter) < 0 && cmd != NF_EGRESS_CMD_POLICY_GET) {
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
		for (i = npol - 1; i >= 0; i--) {
			struct nlmsghdr *nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY,
						     NLM_F_MULTI | intr, cmd);

			intr = 0;
			mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, pol[i].path);
			mnl_attr_put_u8(nlh, NF_EGRESS_A_DEFAULT, pol[i].def);
			mnl_attr_put_u32(nlh, NF_EGRESS_A_RULE_COUNT,
					 (uint32_t)rule_count(pol[i].path));
			mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, gen);
			mnl_attr_put_u32(nlh, 250, 1);	/* from the future */
			qcommit(nlh);
		}
		break;
	case NF_EGRESS_CMD_RULE_GET:
		for (i = nrul - 1; i >= 0; i--) {
			struct nlmsghdr *nlh;

			if (filter && strcmp(filter, rul[i].path))
				continue;
			nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY, NLM_F_MULTI | intr, cmd);
			intr = 0;
			mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, rul[i].path);
			mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, gen);
			put_rule(nlh, &rul[i]);
			qcommit(nlh);
		}
		break;
	case NF_EGRESS_CMD_STATS_GET:
		for (i = 0; i < npol; i++) {
			struct nlmsghdr *nlh;

			if (filter && strcmp(filter, pol[i].path))
				continue;
			nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY, NLM_F_MULTI | intr, cmd);
			intr = 0;
			mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, pol[i].path);
			mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, gen);
			put_ctr(nlh, NF_EGRESS_A_STATS_ALLOWED, pol[i].ap, pol[i].ab);
			put_ctr(nlh, NF_EGRESS_A_STATS_DENIED, pol[i].dp, pol[i].db);
			qcommit(nlh);
		}
		break;
	default:
		qack(req, -EOPNOTSUPP, NULL);
		return;
	}
	qdone(req, 0, NULL);
}

static void handle_do(const struct nlmsghdr *req, uint8_t cmd,
		      struct req_attrs *ra)
{
	const struct nlattr *pa = ra->tb[NF_EGRESS_A_CGROUP_PATH];
	const char *path = pa ? mnl_attr_get_str(pa) : NULL;
	struct egress_rule_spec spec;
	uint16_t flags;
	struct nlmsghdr *nlh;
	int p, i;

	if (cmd != NF_EGRESS_CMD_GET_INFO && cmd != NF_EGRESS_CMD_POLICY_GET &&
	    env_int("FAKE_EPERM")) {
		qack(req, -EPERM, NULL);
		return;
	}
	if (cmd != NF_EGRESS_CMD_GET_INFO &&
	    (!pa || mnl_attr_validate(pa, MNL_TYPE_NUL_STRING))) {
		qack(req, -EINVAL, "nf_egress: missing cgroup path");
		return;
	}
	if (ra->tb[NF_EGRESS_A_RULE] &&
	    mnl_attr_parse_nested(ra->tb[NF_EGRESS_A_RULE], rule_cb, ra) < 0) {
		qack(req, -EINVAL, NULL);
		return;
	}
	p = path ? find_policy(path) : -1;

	/* As genetlink does for strictly validated families (resv_start_op 0). */
	flags = req->nlmsg_flags;
	if ((flags & NLM_F_DUMP) == NLM_F_DUMP)
		flags &= ~NLM_F_DUMP;
	if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
		qack(req, -EINVAL, "ambiguous or reserved bits set in nlmsg_flags");
		return;
	}

	switch (cmd) {
	case NF_EGRESS_CMD_GET_INFO:
		nlh = qgenl(req->nlmsg_seq, FAKE_FAMILY, 0, cmd);
		mnl_attr_put_strz(nlh, NF_EGRESS_A_VERSION, "0.1.0-fake");
		mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, generation);
		mnl_attr_put_u32(nlh, NF_EGRESS_A_POLICY_COUNT, (uint32_t)npol);
		qcommit(nlh);
		break;
	case NF_EGRESS_CMD_POLICY_NEW:
		if (p >= 0) {
			qack(req, -EEXIST, "nf_egress: policy already exists");
			return;
		}
		memset(&pol[npol], 0, sizeof(pol[npol]));
		strcpy(pol[npol].path, path);
		pol[npol].def = ra->tb[NF_EGRESS_A_DEFAULT] ?
				mnl_attr_get_u8(ra->tb[NF_EGRESS_A_DEFAULT]) : 0;
		npol++;
		break;
	case NF_EGRESS_CMD_POLICY_DEL:
		if (p < 0) {
			qack(req, -ENOENT, "nf_egress: no such policy");
			return;
		}
		pol[p] = pol[--npol];
		for (i = 0; i < nrul; i++)
			if (!strcmp(rul[i].path, path))
				rul[i--] = rul[--nrul];
		break;
	case NF_EGRESS_CMD_RULE_NEW:
		if (p < 0) {
			qack(req, -ENOENT, "nf_egress: no such policy");
			return;
		}
		if (!req_spec(ra, &spec)) {
			qack(req, -EINVAL, "nf_egress: bad rule");
			return;
		}
		for (i = 0; i < nrul; i++)
			if (!strcmp(rul[i].path, path) && same_spec(&rul[i].spec, &spec)) {
				qack(req, -EEXIST, "nf_egress: rule already exists");
				return;
			}
		strcpy(rul[nrul].path, path);
		rul[nrul].id = next_id++;
		rul[nrul].spec = spec;
		nrul++;
		break;
	case NF_EGRESS_CMD_RULE_DEL:
		if (p < 0) {
			qack(req, -ENOENT, "nf_egress: no such policy");
			return;
		}
		if (ra->rtb[NF_EGRESS_RULE_A_ID]) {
			uint32_t id = mnl_attr_get_u32(ra->rtb[NF_EGRESS_RULE_A_ID]);

			for (i = 0; i < nrul; i++)
				if (!strcmp(rul[i].path, path) && rul[i].id == id)
					break;
		} else if (req_spec(ra, &spec)) {
			for (i = 0; i < nrul; i++)
				if (!strcmp(rul[i].path, path) &&
				    same_spec(&rul[i].spec, &spec))
					break;
		} else {
			qack(req, -EINVAL, "nf_egress: bad rule");
			return;
		}
		if (i == nrul) {
			qack(req, -ENOENT, "nf_egress: no such rule");
			return;
		}
		rul[i] = rul[--nrul];
		break;
	default:
		qack(req, -EOPNOTSUPP, NULL);
		return;
	}
	if (cmd != NF_EGRESS_CMD_GET_INFO) {
		generation++;
		save();
	}
	qack(req, 0, NULL);
}

static void handle(const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	struct req_attrs ra;

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
	return 0;
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;

	(void)nl;
	if (len < sizeof(*req) || req->nlmsg_len != len ||
	    !(req->nlmsg_flags & NLM_F_REQUEST) ||
	    mnl_nlmsg_get_payload_len(req) < GENL_HDRLEN) {
		errno = EINVAL;
		return -1;
	}
	handle(req);
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
