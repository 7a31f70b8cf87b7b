// SPDX-License-Identifier: GPL-2.0
/*
 * The libnl-3 client shared by nl_client.c and nl_fuzz.c (see nl_common.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <arpa/inet.h>

#include "nl_common.h"
#include "nf_egress_attr_table.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* How long one request may wait for its answer. */
#define NLC_TIMEOUT_MS 5000

int nlc_open(struct nlc *c)
{
	int one = 1, err;

	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	err = genl_connect(c->sk);
	if (err < 0)
		goto fail;
	/* Replies to the huge requests of the fuzzer quote them whole. */
	nl_socket_set_buffer_size(c->sk, 1 << 20, 1 << 20);
	nl_socket_set_msg_buf_size(c->sk, 1 << 17);
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	err = genl_ctrl_resolve(c->sk, NF_EGRESS_GENL_NAME);
	if (err < 0)
		goto fail;
	c->family = err;
	c->seq = 1;
	return 0;
fail:
	nl_socket_free(c->sk);
	c->sk = NULL;
	return err == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
}

void nlc_close(struct nlc *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

int nlc_join_group(struct nlc *c, const char *group, int *id)
{
	int grp;

	grp = genl_ctrl_resolve_grp(c->sk, NF_EGRESS_GENL_NAME, group);
	if (grp < 0)
		return grp == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
	*id = grp;
	/*
	 * setsockopt() rather than nl_socket_add_membership(): libnl turns
	 * both EPERM and EACCES into NLE_PERM, and callers want the errno.
	 */
	if (setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		       &grp, sizeof(grp)) < 0)
		return -errno;
	return 0;
}

struct nlattr *nlc_attrs(const struct nlmsghdr *nlh, int *len)
{
	*len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	return (struct nlattr *)((char *)nlmsg_data(nlh) + GENL_HDRLEN);
}

/* The extack message of an error ack, if any. */
static void nlc_extack(const struct nlmsghdr *nlh, char *out, size_t outlen)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*e);
	const struct nlattr *a;
	int rem;

	out[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* NETLINK_CAP_ACK: the request is not quoted after the header. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (off >= nlh->nlmsg_len)
		return;
	rem = nlh->nlmsg_len - off;
	for (a = (const struct nlattr *)((const char *)nlh + off); nla_ok(a, rem);
	     a = nla_next(a, &rem))
		if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0)
			snprintf(out, outlen, "%.*s", nla_len(a), (const char *)nla_data(a));
}

int nlc_raw(struct nlc *c, void *buf, size_t len, nlc_msg_cb cb, void *arg,
	    struct nlc_reply *reply)
{
	struct nlmsghdr *req = buf;
	struct sockaddr_nl peer;
	uint32_t seq = c->seq++;
	unsigned char *rbuf;
	struct pollfd pfd;
	int n;

	memset(reply, 0, sizeof(*reply));
	if (len >= sizeof(*req)) {
		req->nlmsg_seq = seq;
		req->nlmsg_pid = 0;
	}
	if (nl_sendto(c->sk, buf, len) < 0)
		return -EIO;
	pfd.fd = nl_socket_get_fd(c->sk);
	pfd.events = POLLIN;
	for (;;) {
		struct nlmsghdr *h;

		if (poll(&pfd, 1, NLC_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = nl_recv(c->sk, &peer, &rbuf, NULL);
		if (n <= 0)
			return -EIO;
		for (h = (struct nlmsghdr *)rbuf; nlmsg_ok(h, n); h = nlmsg_next(h, &n)) {
			if (h->nlmsg_seq != seq)
				continue;	/* late parts of an earlier answer */
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				reply->dump_intr = 1;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = nlmsg_data(h);

				reply->error = e->error;
				nlc_extack(h, reply->extack, sizeof(reply->extack));
				free(rbuf);
				return 0;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int))
					reply->error = *(int *)nlmsg_data(h);
				free(rbuf);
				return 0;
			}
			reply->msgs++;
			if (cb && cb(h, arg)) {
				/* keep reading to the end; the callback said why */
				cb = NULL;
			}
			if (!(h->nlmsg_flags & NLM_F_MULTI) && len >= sizeof(*req) &&
			    !(req->nlmsg_flags & NLM_F_ACK)) {
				free(rbuf);
				return 0;
			}
		}
		free(rbuf);
	}
}

void nlc_begin(struct nlc *c, struct nlc_buf *b, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)b->data;
	struct genlmsghdr *g = (struct genlmsghdr *)(b->data + NLMSG_HDRLEN);

	memset(b->data, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = c->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if (!(flags & NLM_F_DUMP))
		nlh->nlmsg_flags |= NLM_F_ACK;
	g->cmd = cmd;
	g->version = NF_EGRESS_GENL_VERSION;
	b->len = NLMSG_HDRLEN + GENL_HDRLEN;
	b->depth = 0;
}

void nlc_put(struct nlc_buf *b, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(b->data + b->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (b->len + total > sizeof(b->data))
		abort();	/* a test bug, not a kernel one */
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0, total - NLA_HDRLEN - len);
	b->len += total;
}

void nlc_put_u8(struct nlc_buf *b, uint16_t type, uint8_t v) { nlc_put(b, type, &v, 1); }
void nlc_put_u16(struct nlc_buf *b, uint16_t type, uint16_t v) { nlc_put(b, type, &v, 2); }
void nlc_put_u32(struct nlc_buf *b, uint16_t type, uint32_t v) { nlc_put(b, type, &v, 4); }
void nlc_put_u64(struct nlc_buf *b, uint16_t type, uint64_t v) { nlc_put(b, type, &v, 8); }
void nlc_put_str(struct nlc_buf *b, uint16_t type, const char *s) { nlc_put(b, type, s, strlen(s) + 1); }

void nlc_nest_start(struct nlc_buf *b, uint16_t type)
{
	b->nest[b->depth++] = b->len;
	nlc_put(b, type | NLA_F_NESTED, NULL, 0);
}

void nlc_nest_end(struct nlc_buf *b)
{
	struct nlattr *a = (struct nlattr *)(b->data + b->nest[--b->depth]);

	a->nla_len = b->len - b->nest[b->depth];
}

size_t nlc_end(struct nlc_buf *b)
{
	((struct nlmsghdr *)b->data)->nlmsg_len = b->len;
	return b->len;
}

int nlc_request(struct nlc *c, struct nlc_buf *b, nlc_msg_cb cb, void *arg,
		struct nlc_reply *reply)
{
	return nlc_raw(c, b->data, nlc_end(b), cb, arg, reply);
}

/* Appends the payload of one dump message to the nlc_set_dump ARG. */
static int nlc_set_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nlc_set_dump *d = arg;
	size_t n = nlh->nlmsg_len - NLMSG_HDRLEN;
	unsigned char *more = realloc(d->data, d->len + n);

	if (!more)
		abort();	/* a test bug, not a kernel one */
	d->data = more;
	/* the header has our sequence number and port: leave it out */
	memcpy(d->data + d->len, nlmsg_data(nlh), n);
	d->len += n;
	return 0;
}

int nlc_dump_set(struct nlc *c, struct nlc_set_dump *d, bool rules)
{
	static const uint8_t cmds[] = { NF_EGRESS_CMD_POLICY_GET, NF_EGRESS_CMD_RULE_GET };
	unsigned int ncmds = rules ? 2 : 1;
	/* too big for the stack; one dump at a time */
	static struct nlc_buf b;
	struct nlc_reply r;
	unsigned int i;
	int err = 0;

	d->data = NULL;
	d->len = 0;
	for (i = 0; i < ncmds && !err; i++) {
		nlc_begin(c, &b, cmds[i], NLM_F_DUMP);
		if (nlc_request(c, &b, nlc_set_dump_cb, d, &r) || r.error)
			err = -EIO;
		else if (r.dump_intr)
			err = -EINTR;
	}
	if (err) {
		free(d->data);
		d->data = NULL;
		d->len = 0;
	}
	return err;
}

/* ---- the attribute types, as the spec says ----------------------------- */

/*
 * include/nf_egress_attr_table.h is generated from
 * Documentation/netlink/specs/nf_egress.yaml: what the spec says each
 * attribute is, which replies must match.
 */
static const enum nf_egress_attr_set nlc_set_of[] = {
	[NLC_SPACE_TOP]		= NF_EGRESS_SET_TOP,
	[NLC_SPACE_RULE]	= NF_EGRESS_SET_RULE,
	[NLC_SPACE_CTR]		= NF_EGRESS_SET_COUNTER,
	[NLC_SPACE_EXPLAIN]	= NF_EGRESS_SET_EXPLAIN,
	[NLC_SPACE_RATE]	= NF_EGRESS_SET_RATE,
};

static int nlc_check_set(enum nf_egress_attr_set set, const struct nlattr *attrs, int len,
			 char *why, size_t whylen)
{
	const char *sname = nf_egress_attr_sets[set].name;
	const struct nlattr *a;
	int rem = len;

	for (a = attrs; nla_ok(a, rem); a = nla_next(a, &rem)) {
		int type = nla_type(a), plen = nla_len(a);
		const struct nf_egress_attr_desc *t;
		const char *p = nla_data(a);
		int want = -1;

		if (type <= 0 || (unsigned int)type > nf_egress_attr_sets[set].max ||
		    nf_egress_attr_sets[set].attrs[type].kind == NF_EGRESS_KIND_NONE) {
			snprintf(why, whylen, "%s attribute %d is not in the spec", sname, type);
			return -1;
		}
		t = &nf_egress_attr_sets[set].attrs[type];
		switch (t->kind) {
		case NF_EGRESS_KIND_U8:
		case NF_EGRESS_KIND_U16:
		case NF_EGRESS_KIND_U32:
		case NF_EGRESS_KIND_U64:
		case NF_EGRESS_KIND_S32:
		case NF_EGRESS_KIND_S64:
		case NF_EGRESS_KIND_FLAG:
			want = t->min_len;
			break;
		case NF_EGRESS_KIND_PAD:
			break;	/* alignment filler, any length */
		case NF_EGRESS_KIND_STRING:
			if (plen < 1 || (t->max_len && plen > (int)t->max_len) ||
			    p[plen - 1] != '\0' || strlen(p) != (size_t)plen - 1) {
				snprintf(why, whylen, "%s attribute %s: not a NUL-terminated string of at most %u bytes (length %d)",
					 sname, t->name, t->max_len, plen);
				return -1;
			}
			break;
		case NF_EGRESS_KIND_BINARY:
			/*
			 * The family's binary attributes are addresses: the
			 * spec's shortest (IPv4) or longest (IPv6), nothing
			 * between.
			 */
			if (plen != (int)t->min_len && plen != (int)t->max_len) {
				snprintf(why, whylen, "%s attribute %s: address of %d bytes",
					 sname, t->name, plen);
				return -1;
			}
			break;
		case NF_EGRESS_KIND_NEST:
			if (!(a->nla_type & NLA_F_NESTED)) {
				snprintf(why, whylen, "%s attribute %s: nest without NLA_F_NESTED",
					 sname, t->name);
				return -1;
			}
			if (nlc_check_set(t->nest, nla_data(a), plen, why, whylen))
				return -1;
			break;
		case NF_EGRESS_KIND_NONE:
			break;
		}
		if (want >= 0 && plen != want) {
			snprintf(why, whylen, "%s attribute %s: %d bytes, the spec says %d",
				 sname, t->name, plen, want);
			return -1;
		}
	}
	if (rem != 0) {
		snprintf(why, whylen, "%s attributes: %d bytes left over", sname, rem);
		return -1;
	}
	return 0;
}

int nlc_check_attrs(enum nlc_space space, const struct nlattr *attrs, int len,
		    char *why, size_t whylen)
{
	return nlc_check_set(nlc_set_of[space], attrs, len, why, whylen);
}
