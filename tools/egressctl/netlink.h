/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink plumbing on top of libmnl: one socket, family lookup,
 * request/ack and dump exchanges, extended-ACK decoding.  Knows nothing about
 * nf_egress attributes (see msg.h for those).
 */
#ifndef EGRESSCTL_NETLINK_H
#define EGRESSCTL_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

/*
 * The kernel sizes dump skbs after the largest receive buffer it has seen,
 * capped at 32 KiB; a smaller buffer would truncate messages (libmnl 1.0.4
 * has no MNL_SOCKET_DUMP_SIZE, hence our own constant).
 */
#define NL_RECV_BUF_SIZE	32768

/* Requests carry at most one 4 KiB cgroup path plus a few small attrs. */
#define NL_SEND_BUF_SIZE	16384

/* How many times an inconsistent (NLM_F_DUMP_INTR) dump is restarted. */
#define NL_DUMP_ATTEMPTS	5

/* What the kernel said about a failed request (extended ACK). */
struct nl_ext_err {
	int error;			/* negative errno, 0 if none */
	char msg[512];			/* NLMSGERR_ATTR_MSG, "" if none */
	bool has_offs;
	uint32_t offs;			/* NLMSGERR_ATTR_OFFS: byte offset in request */
	bool has_miss_type;
	uint32_t miss_type;		/* NLMSGERR_ATTR_MISS_TYPE */
};

struct nl_ctx {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	struct nl_ext_err ext;		/* of the last failed exchange */
	/* the last request sent, kept to map NLMSGERR_ATTR_OFFS to an attr */
	char sendbuf[NL_SEND_BUF_SIZE] __attribute__((aligned(8)));
	char recvbuf[NL_RECV_BUF_SIZE] __attribute__((aligned(8)));
};

/*
 * Called for every data message of an exchange.  Return 0 to go on, a
 * negative errno to fail the exchange (the rest of the reply is still read
 * and discarded so the socket stays usable).
 */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/* Builds the request of a dump attempt into ctx->sendbuf. */
typedef struct nlmsghdr *(*nl_build_cb)(struct nl_ctx *ctx, void *data);

/* Resets the collector of a dump before an attempt is retried. */
typedef void (*nl_reset_cb)(void *data);

int nl_open(struct nl_ctx *ctx);
void nl_close(struct nl_ctx *ctx);

/*
 * Start a generic netlink message of family/cmd in ctx->sendbuf.  The
 * sequence number is assigned when the message is sent.
 */
struct nlmsghdr *nl_genl_start(struct nl_ctx *ctx, uint16_t family,
			       uint8_t cmd, uint8_t version, uint16_t flags);

/* Resolve a genl family name; -ENOENT when the family does not exist. */
int nl_resolve_family(struct nl_ctx *ctx, const char *name, uint16_t *id);

/*
 * Resolve a family and one of its multicast groups by name: -ENOENT
 * without the family, -ESRCH when it has no such group.
 */
int nl_resolve_group(struct nl_ctx *ctx, const char *name, const char *group,
		     uint16_t *id, uint32_t *group_id);

/* Receive buffer of a socket that joined a group (events come in bursts). */
#define NL_EVENT_RCVBUF		(4 << 20)

/*
 * Join multicast group (its id), turn the receive timeout off and enlarge
 * the receive buffer.  -EPERM when the kernel refuses the membership.
 */
int nl_join_group(struct nl_ctx *ctx, uint32_t group);

/*
 * Send nlh (NLM_F_REQUEST|NLM_F_ACK are added) and wait for its ACK;
 * replies before the ACK go to cb.  Returns 0 or a negative errno; on a
 * kernel error ctx->ext holds the details.
 */
int nl_request(struct nl_ctx *ctx, struct nlmsghdr *nlh, nl_msg_cb cb,
	       void *data);

/*
 * Send nlh as a dump (NLM_F_REQUEST|NLM_F_DUMP are added) and run cb for
 * every message.  Returns -EINTR when the kernel flagged the dump as
 * inconsistent (NLM_F_DUMP_INTR); the whole dump has been read by then.
 */
int nl_dump_once(struct nl_ctx *ctx, struct nlmsghdr *nlh, nl_msg_cb cb,
		 void *data);

/*
 * nl_dump_once, restarted from scratch (reset, build, dump) while the
 * kernel reports it inconsistent, at most NL_DUMP_ATTEMPTS times.
 */
int nl_dump(struct nl_ctx *ctx, nl_build_cb build, nl_msg_cb cb,
	    nl_reset_cb reset, void *data);

/*
 * Pipelined requests (egressctl apply): messages are built back to back in
 * one buffer and sent with one sendmsg per flush, each with NLM_F_ACK; the
 * flush then reads every ACK of the batch before returning, so the socket
 * never holds more than one batch of ACKs and no error goes unnoticed.
 * Generic netlink runs the messages of one sendmsg in order.
 */
#define NL_BATCH_MSG_MAX	32768	/* largest message we build */
#define NL_BATCH_BUF_SIZE	(4 * NL_BATCH_MSG_MAX)
/*
 * Messages per flush.  Each ACK waits in our receive buffer as a whole skb
 * (about 1 KiB of truesize), so a batch of thousands of small POLICY_NEW
 * messages would overflow the default 208 KiB and lose ACKs (ENOBUFS).
 */
#define NL_BATCH_COUNT_MAX	64

struct nl_batch {
	struct nl_ctx *ctx;
	char *buf;			/* NL_BATCH_BUF_SIZE, 8-aligned */
	size_t len;			/* bytes of committed messages */
	unsigned int count;		/* messages in buf */
	uint32_t first_seq;
	unsigned long sent;		/* messages flushed before this batch */
	/* the first failure, ctx->ext has the kernel's details */
	int error;
	unsigned long err_index;	/* index of the failed message (0-based, overall) */
	bool has_err_offs;		/* err_offs valid (an attr of that message) */
	uint32_t err_offs;
	char *err_msg;			/* copy of the failed message, or NULL */
};

int nl_batch_init(struct nl_batch *b, struct nl_ctx *ctx);
void nl_batch_free(struct nl_batch *b);

/*
 * Start a message in the batch (flushing first when the buffer could not
 * hold another NL_BATCH_MSG_MAX bytes).  NULL when that flush failed
 * (b->error).  Fill it with at most NL_BATCH_MSG_MAX bytes in total (pass
 * that as buflen to the attribute writers), then nl_batch_commit it.
 */
struct nlmsghdr *nl_batch_start(struct nl_batch *b, uint16_t family,
				uint8_t cmd, uint8_t version);
void nl_batch_commit(struct nl_batch *b, struct nlmsghdr *nlh);

/* Send what is pending and read its ACKs: 0 or the first error. */
int nl_batch_flush(struct nl_batch *b);

/*
 * State of one exchange while its replies are processed; exposed so the
 * reply processing can be unit-tested on handcrafted buffers.
 */
struct nl_exchange {
	uint32_t seq;
	uint32_t portid;
	bool dump;
	nl_msg_cb cb;
	void *data;
	struct nl_ext_err *ext;
	/* results */
	bool done;
	bool intr;		/* some message had NLM_F_DUMP_INTR */
	int error;		/* kernel error, negative errno */
	int cb_error;		/* first callback error, negative errno */
};

/* Process one buffer of replies; sets x->done at the ACK / NLMSG_DONE. */
void nl_process_replies(struct nl_exchange *x, const void *buf, size_t len);

/* Extract extended-ACK attributes of an NLMSG_ERROR or NLMSG_DONE. */
void nl_parse_ext_ack(const struct nlmsghdr *nlh, struct nl_ext_err *ext);

#endif /* EGRESSCTL_NETLINK_H */
