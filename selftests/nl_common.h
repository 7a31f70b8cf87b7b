/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small nf_egress client on libnl-3 (libnl-genl-3), independent of
 * egressctl's libmnl code: nl_client.c and nl_fuzz.c share it.  Requests
 * are sent as raw bytes, so the fuzzer can send what libnl would refuse to
 * build; replies are read message by message with the extended ACK.
 */
#ifndef NF_EGRESS_NL_COMMON_H
#define NF_EGRESS_NL_COMMON_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>

#include <linux/nf_egress.h>

struct nlc {
	struct nl_sock *sk;
	int family;		/* resolved id of "nf_egress" */
	uint32_t seq;
};

/* What came back for one request. */
struct nlc_reply {
	int error;		/* 0 or the negative errno of the final ack */
	char extack[256];	/* NLMSGERR_ATTR_MSG, "" if none */
	int msgs;		/* data messages seen (a dump's parts) */
	int dump_intr;		/* some message had NLM_F_DUMP_INTR */
};

/*
 * Called for each data message: its genl header and attributes (no
 * length checks done on them: that is the caller's job).
 */
typedef int (*nlc_msg_cb)(const struct nlmsghdr *nlh, void *arg);

/* Connect and resolve the family; -errno (e.g. -ENOENT) on failure. */
int nlc_open(struct nlc *c);
void nlc_close(struct nlc *c);

/*
 * Join the family's multicast group GROUP: its id goes to *ID (left alone
 * when the lookup fails).  Returns 0, -ENOENT when the family has no such
 * group, or the errno of the join (e.g. -EPERM).
 */
int nlc_join_group(struct nlc *c, const char *group, int *id);

/*
 * Send LEN bytes as one netlink message (its nlmsg_seq and nlmsg_pid are
 * overwritten when LEN holds a header) and read until the final ack,
 * error or NLMSG_DONE.  Returns 0 when the exchange ended properly (the
 * kernel's answer is in reply->error), -errno when the socket failed or
 * nothing came back in time.
 */
int nlc_raw(struct nlc *c, void *buf, size_t len, nlc_msg_cb cb, void *arg,
	    struct nlc_reply *reply);

/*
 * Build a request: genl header with CMD, FLAGS (NLM_F_REQUEST is added;
 * NLM_F_ACK too unless FLAGS has NLM_F_DUMP), attributes appended with the
 * nlc_put_* helpers.  Returns the length.
 */
struct nlc_buf {
	unsigned char data[65536];
	size_t len;
	size_t nest[8];
	int depth;
};
void nlc_begin(struct nlc *c, struct nlc_buf *b, uint8_t cmd, uint16_t flags);
void nlc_put(struct nlc_buf *b, uint16_t type, const void *data, size_t len);
void nlc_put_u8(struct nlc_buf *b, uint16_t type, uint8_t v);
void nlc_put_u16(struct nlc_buf *b, uint16_t type, uint16_t v);
void nlc_put_u32(struct nlc_buf *b, uint16_t type, uint32_t v);
void nlc_put_u64(struct nlc_buf *b, uint16_t type, uint64_t v);
void nlc_put_str(struct nlc_buf *b, uint16_t type, const char *s);
void nlc_nest_start(struct nlc_buf *b, uint16_t type);
void nlc_nest_end(struct nlc_buf *b);
/* Fix up the message length; returns it. */
size_t nlc_end(struct nlc_buf *b);

/* Request and wait: nlc_end + nlc_raw. */
int nlc_request(struct nlc *c, struct nlc_buf *b, nlc_msg_cb cb, void *arg,
		struct nlc_reply *reply);

/*
 * Check every attribute of a reply against the UAPI header: known type,
 * exact payload length for fixed-size types, NUL-terminated strings within
 * their maximum, nests recursively.  TOP is the attribute space of the
 * message (NLC_SPACE_TOP for replies).  Returns 0, or -1 with a message in
 * why.
 */
enum nlc_space {
	NLC_SPACE_TOP, NLC_SPACE_RULE, NLC_SPACE_CTR, NLC_SPACE_EXPLAIN,
	NLC_SPACE_RATE,
};
int nlc_check_attrs(enum nlc_space space, const struct nlattr *attrs, int len,
		    char *why, size_t whylen);

/* The attributes of a genl message and their length. */
struct nlattr *nlc_attrs(const struct nlmsghdr *nlh, int *len);

/*
 * The policy set as its POLICY_GET and RULE_GET dumps give it: the payload
 * (genl header and attributes) of every message, one after the other.  The
 * netlink headers are left out, as they carry the sequence number and
 * port, so that two dumps of an unchanged set, generation included, are
 * byte-identical.
 */
struct nlc_set_dump {
	unsigned char *data;	/* malloc()ed; free() it */
	size_t len;
};

/*
 * Fill D with the POLICY_GET dump and, if RULES (which needs CAP_NET_ADMIN),
 * the RULE_GET dump.  Returns 0; -EINTR if a
 * dump was interrupted (NLM_F_DUMP_INTR: the set changed meanwhile, so the
 * caller may try again); -EIO if a dump failed.  On failure D is empty.
 */
int nlc_dump_set(struct nlc *c, struct nlc_set_dump *d, bool rules);

#endif
