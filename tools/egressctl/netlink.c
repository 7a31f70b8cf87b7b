// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "netlink.h"

/* A hung kernel side must not hang scripts forever. */
#define NL_RECV_TIMEOUT_SEC	30

int nl_open(struct nl_ctx *ctx)
{
	struct timeval tv = { .tv_sec = NL_RECV_TIMEOUT_SEC };
	int sndbuf = 2 * NL_BATCH_BUF_SIZE;
	int one = 1;
	int err;

	memset(&ctx->ext, 0, sizeof(ctx->ext));
	ctx->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!ctx->sock)
		return -errno;
	if (mnl_socket_bind(ctx->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		nl_close(ctx);
		return err;
	}
	ctx->portid = mnl_socket_get_portid(ctx->sock);
	ctx->seq = (uint32_t)time(NULL);

	/*
	 * Best effort: old kernels lack these and then just give bare errnos.
	 * CAP_ACK keeps the kernel from echoing our (up to 4 KiB) request
	 * back in every error.
	 */
	mnl_socket_setsockopt(ctx->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(ctx->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(ctx->sock), SOL_SOCKET, SO_RCVTIMEO,
		   &tv, sizeof(tv));
	/*
	 * A pipelined batch (nl_batch) is one sendmsg of up to
	 * NL_BATCH_BUF_SIZE bytes, which netlink refuses above sk_sndbuf; the
	 * default (wmem_default, 208 KiB) is enough, this covers lowered ones.
	 */
	setsockopt(mnl_socket_get_fd(ctx->sock), SOL_SOCKET, SO_SNDBUF,
		   &sndbuf, sizeof(sndbuf));
	return 0;
}

void nl_close(struct nl_ctx *ctx)
{
	if (ctx->sock)
		mnl_socket_close(ctx->sock);
	ctx->sock = NULL;
}

/* A generic netlink request's headers at the start of buf (len bytes). */
static struct nlmsghdr *genl_put_header(void *buf, size_t len,
					uint16_t family, uint8_t cmd,
					uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	/*
	 * libmnl 1.0.4 (Debian 12) leaves an attribute's alignment padding as
	 * it finds it: start from zeroes, or the kernel gets stale or
	 * uninitialised bytes (valgrind memcheck reported them).
	 */
	memset(buf, 0, len);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *nl_genl_start(struct nl_ctx *ctx, uint16_t family,
			       uint8_t cmd, uint8_t version, uint16_t flags)
{
	return genl_put_header(ctx->sendbuf, sizeof(ctx->sendbuf), family,
			       cmd, version, flags);
}

static int ext_ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct nl_ext_err *ext = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(ext->msg, sizeof(ext->msg), "%s",
				 mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			ext->has_offs = true;
			ext->offs = mnl_attr_get_u32(attr);
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
			ext->has_miss_type = true;
			ext->miss_type = mnl_attr_get_u32(attr);
		}
		break;
	}
	return MNL_CB_OK;
}

void nl_parse_ext_ack(const struct nlmsghdr *nlh, struct nl_ext_err *ext)
{
	size_t paylen = mnl_nlmsg_get_payload_len(nlh);
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (paylen < sizeof(*e))
			return;
		off = sizeof(*e);
		/* without NETLINK_CAP_ACK our request is echoed first */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
				return;
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		}
	} else {
		off = sizeof(int);	/* NLMSG_DONE: the dump's error code */
	}
	off = MNL_ALIGN(off);
	if (off >= paylen)
		return;
	mnl_attr_parse(nlh, (unsigned int)off, ext_ack_attr_cb, ext);
}

static void nl_finish(struct nl_exchange *x, int error,
		      const struct nlmsghdr *nlh)
{
	x->done = true;
	x->error = error;
	if (error < 0 && x->ext) {
		x->ext->error = error;
		nl_parse_ext_ack(nlh, x->ext);
	}
}

void nl_process_replies(struct nl_exchange *x, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int remaining = len > (size_t)INT32_MAX ? INT32_MAX : (int)len;

	for (; mnl_nlmsg_ok(nlh, remaining) && !x->done;
	     nlh = mnl_nlmsg_next(nlh, &remaining)) {
		/*
		 * Leftovers of an earlier exchange that was abandoned carry
		 * another sequence number: skip them, they are not ours.
		 */
		if (nlh->nlmsg_seq != x->seq ||
		    !mnl_nlmsg_portid_ok(nlh, x->portid))
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			x->intr = true;

		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_OVERRUN:
			nl_finish(x, -EOVERFLOW, nlh);
			continue;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
				nl_finish(x, -EBADMSG, nlh);
				continue;
			}
			/* error 0 is the ACK; positive values are bogus */
			nl_finish(x, e->error > 0 ? -EBADMSG : e->error, nlh);
			continue;
		}
		case NLMSG_DONE: {
			int error = 0;

			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
				memcpy(&error, mnl_nlmsg_get_payload(nlh),
				       sizeof(int));
			nl_finish(x, error > 0 ? -EBADMSG : error, nlh);
			continue;
		}
		}

		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;	/* unknown control message */
		if (!x->cb_error && x->cb) {
			int ret = x->cb(nlh, x->data);

			if (ret < 0)
				x->cb_error = ret;
		}
	}
}

static int nl_exchange(struct nl_ctx *ctx, struct nlmsghdr *nlh, bool dump,
		       nl_msg_cb cb, void *data)
{
	struct nl_exchange x = {
		.dump = dump,
		.cb = cb,
		.data = data,
		.ext = &ctx->ext,
		.portid = ctx->portid,
	};

	memset(&ctx->ext, 0, sizeof(ctx->ext));
	if ((void *)nlh != (void *)ctx->sendbuf)
		return -EINVAL;
	nlh->nlmsg_flags |= NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	nlh->nlmsg_seq = x.seq = ++ctx->seq;
	nlh->nlmsg_pid = 0;

	if (mnl_socket_sendto(ctx->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	while (!x.done) {
		ssize_t n = mnl_socket_recvfrom(ctx->sock, ctx->recvbuf,
						sizeof(ctx->recvbuf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN here is SO_RCVTIMEO expiring */
			return errno == EAGAIN || errno == EWOULDBLOCK ?
			       -ETIMEDOUT : -errno;
		}
		nl_process_replies(&x, ctx->recvbuf, (size_t)n);
	}

	if (x.error)
		return x.error;
	if (x.cb_error)
		return x.cb_error;
	if (x.intr)
		return -EINTR;
	return 0;
}

int nl_request(struct nl_ctx *ctx, struct nlmsghdr *nlh, nl_msg_cb cb,
	       void *data)
{
	return nl_exchange(ctx, nlh, false, cb, data);
}

int nl_dump_once(struct nl_ctx *ctx, struct nlmsghdr *nlh, nl_msg_cb cb,
		 void *data)
{
	return nl_exchange(ctx, nlh, true, cb, data);
}

int nl_dump(struct nl_ctx *ctx, nl_build_cb build, nl_msg_cb cb,
	    nl_reset_cb reset, void *data)
{
	int attempt, err = -EINTR;

	for (attempt = 0; attempt < NL_DUMP_ATTEMPTS && err == -EINTR;
	     attempt++) {
		struct nlmsghdr *nlh;

		if (reset)
			reset(data);
		nlh = build(ctx, data);
		if (!nlh)
			return -EMSGSIZE;
		err = nl_dump_once(ctx, nlh, cb, data);
	}
	return err;
}

int nl_batch_init(struct nl_batch *b, struct nl_ctx *ctx)
{
	memset(b, 0, sizeof(*b));
	b->ctx = ctx;
	b->buf = aligned_alloc(8, NL_BATCH_BUF_SIZE);
	return b->buf ? 0 : -ENOMEM;
}

void nl_batch_free(struct nl_batch *b)
{
	free(b->buf);
	free(b->err_msg);
	b->buf = b->err_msg = NULL;
}

struct nlmsghdr *nl_batch_start(struct nl_batch *b, uint16_t family,
				uint8_t cmd, uint8_t version)
{
	if (b->error)
		return NULL;
	if ((NL_BATCH_BUF_SIZE - b->len < NL_BATCH_MSG_MAX ||
	     b->count >= NL_BATCH_COUNT_MAX) && nl_batch_flush(b))
		return NULL;
	return genl_put_header(b->buf + b->len, NL_BATCH_MSG_MAX, family, cmd,
			       version, NLM_F_ACK);
}

void nl_batch_commit(struct nl_batch *b, struct nlmsghdr *nlh)
{
	nlh->nlmsg_seq = ++b->ctx->seq;
	nlh->nlmsg_pid = 0;
	if (b->count == 0)
		b->first_seq = nlh->nlmsg_seq;
	b->count++;
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

/* The committed message of the batch with sequence number seq. */
static const struct nlmsghdr *batch_msg(const struct nl_batch *b,
					uint32_t seq)
{
	const struct nlmsghdr *nlh = (const void *)b->buf;
	int remaining = (int)b->len;

	for (; mnl_nlmsg_ok(nlh, remaining);
	     nlh = mnl_nlmsg_next(nlh, &remaining))
		if (nlh->nlmsg_seq == seq)
			return nlh;
	return NULL;
}

int nl_batch_flush(struct nl_batch *b)
{
	struct nl_ctx *ctx = b->ctx;
	unsigned int acked = 0;
	int err = 0;

	if (b->error)
		return b->error;
	if (!b->count)
		return 0;
	memset(&ctx->ext, 0, sizeof(ctx->ext));
	if (mnl_socket_sendto(ctx->sock, b->buf, b->len) < 0) {
		err = -errno;
		goto out;
	}

	while (acked < b->count) {
		const struct nlmsghdr *nlh;
		ssize_t n = mnl_socket_recvfrom(ctx->sock, ctx->recvbuf,
						sizeof(ctx->recvbuf));
		int remaining;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno == EAGAIN || errno == EWOULDBLOCK ?
			      -ETIMEDOUT : -errno;
			goto out;
		}
		nlh = (const void *)ctx->recvbuf;
		remaining = (int)n;
		for (; mnl_nlmsg_ok(nlh, remaining);
		     nlh = mnl_nlmsg_next(nlh, &remaining)) {
			const struct nlmsgerr *e;
			uint32_t idx = nlh->nlmsg_seq - b->first_seq;

			/* stale replies and replies that are not ACKs */
			if (idx >= b->count ||
			    !mnl_nlmsg_portid_ok(nlh, ctx->portid) ||
			    nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			acked++;
			e = mnl_nlmsg_get_payload(nlh);
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
				if (!err)
					err = -EBADMSG;
				continue;
			}
			if (e->error == 0 || err)
				continue;
			err = e->error > 0 ? -EBADMSG : e->error;
			ctx->ext.error = err;
			nl_parse_ext_ack(nlh, &ctx->ext);
			b->err_index = b->sent + idx;
			b->has_err_offs = ctx->ext.has_offs;
			b->err_offs = ctx->ext.offs;
			{
				const struct nlmsghdr *req =
					batch_msg(b, nlh->nlmsg_seq);

				free(b->err_msg);
				b->err_msg = NULL;
				if (req) {
					b->err_msg = malloc(req->nlmsg_len);
					if (b->err_msg)
						memcpy(b->err_msg, req,
						       req->nlmsg_len);
				}
			}
		}
	}
out:
	b->sent += b->count;
	b->count = 0;
	b->len = 0;
	b->error = err;
	return err;
}

struct family_lookup {
	uint16_t id;
	bool found;
	const char *group;	/* multicast group to look for, or NULL */
	uint32_t group_id;
	bool group_found;
};

static int mcgrp_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		tb[type] = attr;
	else if (type == CTRL_ATTR_MCAST_GRP_ID &&
		 mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* CTRL_ATTR_MCAST_GROUPS: a nest of nests of (name, id). */
static void family_groups(const struct nlattr *groups, struct family_lookup *fl)
{
	const struct nlattr *grp;

	mnl_attr_for_each_nested(grp, groups) {
		const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { 0 };

		if (mnl_attr_validate(grp, MNL_TYPE_NESTED) < 0 ||
		    mnl_attr_parse_nested(grp, mcgrp_attr_cb, tb) < 0)
			continue;
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    fl->group)) {
			fl->group_id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
			fl->group_found = true;
		}
	}
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family_lookup *fl = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0) {
		fl->id = mnl_attr_get_u16(attr);
		fl->found = true;
	}
	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS && fl->group &&
	    mnl_attr_validate(attr, MNL_TYPE_NESTED) == 0)
		family_groups(attr, fl);
	return MNL_CB_OK;
}

static int family_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return -EBADMSG;
	mnl_attr_parse(nlh, GENL_HDRLEN, family_attr_cb, data);
	return 0;
}

int nl_resolve_family(struct nl_ctx *ctx, const char *name, uint16_t *id)
{
	return nl_resolve_group(ctx, name, NULL, id, NULL);
}

int nl_resolve_group(struct nl_ctx *ctx, const char *name, const char *group,
		     uint16_t *id, uint32_t *group_id)
{
	struct family_lookup fl = { .group = group };
	struct nlmsghdr *nlh;
	int err;

	nlh = nl_genl_start(ctx, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	if (!mnl_attr_put_strz_check(nlh, sizeof(ctx->sendbuf),
				     CTRL_ATTR_FAMILY_NAME, name))
		return -EMSGSIZE;
	err = nl_request(ctx, nlh, family_msg_cb, &fl);
	if (err)
		return err;
	if (!fl.found)
		return -EBADMSG;
	*id = fl.id;
	if (group) {
		if (!fl.group_found)
			return -ESRCH;
		*group_id = fl.group_id;
	}
	return 0;
}

int nl_join_group(struct nl_ctx *ctx, uint32_t group)
{
	int fd = mnl_socket_get_fd(ctx->sock);
	int rcvbuf = NL_EVENT_RCVBUF;
	struct timeval tv = { 0 };

	if (mnl_socket_setsockopt(ctx->sock, NETLINK_ADD_MEMBERSHIP, &group,
				  sizeof(group)) < 0)
		return -errno;
	/*
	 * Notifications come when they come: no receive timeout.  A burst of
	 * them must not overflow the socket; the forced size needs
	 * CAP_NET_ADMIN, which joining took anyway.
	 */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return 0;
}
