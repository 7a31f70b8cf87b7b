// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz [-n COUNT] [-s SEED] [-u]: send COUNT random, malformed generic
 * netlink messages to the nf_egress family with libnl-3 (nl_common.c) and
 * check each answer.
 *
 * Every message is built to be invalid in one known way: a command the
 * family does not have, a dump of a do-only command, forbidden flags, an
 * attribute the command does not take, a known attribute of the wrong
 * length, a string without its NUL or too long, a nest of garbage, a
 * message cut short, thousands of attributes, or (with -u, for a caller
 * without CAP_NET_ADMIN) a well-formed admin command or rule listing
 * (RULE_GET, EXPLAIN).  Each must be answered, and answered with an
 * error: -EPERM exactly for -u's admin commands.  Some messages are plain
 * random bytes after a valid header; those only need an answer.  Nothing
 * sent can be valid, so the policy set must not change: the POLICY_GET and
 * (as root; -u may not list rules) RULE_GET dumps (generation, paths,
 * rules) must be byte-identical before and after.  The kernel log is
 * checked by the runner.  TAP 13; exit 0 iff all passed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "nl_common.h"
#include "nf_egress_attr_table.h"

static unsigned int rnd_state;
static int unpriv;	/* -u: the caller has no CAP_NET_ADMIN */

static unsigned int rnd(void)
{
	/* xorshift32: reproducible from -s SEED on any libc */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static unsigned int rnd_below(unsigned int n) { return rnd() % n; }

static void rnd_bytes(void *p, size_t n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = rnd();
}

/* ---- the dump that must stay the same ---------------------------------- */

/*
 * The policy set before or after fuzzing, as nlc_dump_set() gives it.  A
 * dump that the set changed under is tried again, up to 5 times: 0 or -1.
 */
static int snapshot(struct nlc *c, struct nlc_set_dump *s)
{
	int tries, err = -EINTR;

	for (tries = 0; tries < 5 && err == -EINTR; tries++)
		err = nlc_dump_set(c, s, !unpriv);
	return err ? -1 : 0;
}

/* ---- the malformed messages --------------------------------------------- */

enum kind {
	K_BAD_CMD,		/* no such command */
	K_DUMP_OF_DO,		/* NLM_F_DUMP on a do-only command */
	K_BAD_FLAGS,		/* NLM_F_CREATE/EXCL/REPLACE on a do */
	K_UNKNOWN_ATTR,		/* type the command does not take, or > MAX */
	K_BAD_LEN,		/* a known attribute of the wrong length */
	K_BAD_STRING,		/* path without NUL, or longer than allowed */
	K_NEST_GARBAGE,		/* a rule/explain/rate nest of garbage */
	K_TRUNCATED,		/* cut in the genl header or in an attribute */
	K_HUGE,			/* thousands of attributes, one of them bad */
	K_ADMIN,		/* -u: a well-formed admin command */
	K_RANDOM,		/* random bytes after a valid header */
	K_MAX
};

static const char *kind_name[K_MAX] = {
	"unknown command", "dump of a do command", "forbidden flags",
	"unknown attribute", "wrong attribute length", "bad string",
	"nested garbage", "truncated", "huge attribute count",
	"admin command or rule listing without CAP_NET_ADMIN", "random payload",
};

/*
 * Commands and the attributes each takes, from the spec
 * (include/nf_egress_attr_table.h, generated from
 * Documentation/netlink/specs/nf_egress.yaml): from_spec() fills these.
 */
static uint8_t do_only[NF_EGRESS_CMD_MAX + 1];	/* do, no dump */
static size_t n_do_only;
/* admin commands that change state (rule listings excluded) */
static uint8_t admin_cmds[NF_EGRESS_CMD_MAX + 1];
static size_t n_admin_cmds;
/* Need CAP_NET_ADMIN too, although they change nothing: they show rules. */
static const uint8_t rule_listing_cmds[] = {
	NF_EGRESS_CMD_RULE_GET, NF_EGRESS_CMD_EXPLAIN,
};
/* Top-level attributes no command takes: UNSPEC, PAD, the reply-only ones. */
static uint16_t never[NF_EGRESS_A_MAX + 1];
static size_t n_never;
/* Fixed-size attributes of requests (top level, rule nest) and their size. */
struct fixed_attr { uint16_t type; uint8_t size; };
static struct fixed_attr fixed[NF_EGRESS_A_MAX + 1];
static size_t n_fixed;
static struct fixed_attr rule_fixed[NF_EGRESS_RULE_A_MAX + 1];
static size_t n_rule_fixed;

static bool is_scalar(enum nf_egress_attr_kind k)
{
	return k == NF_EGRESS_KIND_U8 || k == NF_EGRESS_KIND_U16 ||
	       k == NF_EGRESS_KIND_U32 || k == NF_EGRESS_KIND_U64 ||
	       k == NF_EGRESS_KIND_S32 || k == NF_EGRESS_KIND_S64;
}

static void from_spec(void)
{
	unsigned long long taken = 0;
	unsigned int t;
	size_t i;

	for (i = 0; i < sizeof(nf_egress_ops) / sizeof(nf_egress_ops[0]); i++) {
		const struct nf_egress_op_desc *op = &nf_egress_ops[i];

		taken |= op->request;
		if (op->has_do && !op->has_dump)
			do_only[n_do_only++] = op->cmd;
		if (op->admin && !memchr(rule_listing_cmds, op->cmd, sizeof(rule_listing_cmds)))
			admin_cmds[n_admin_cmds++] = op->cmd;
	}
	for (t = 0; t <= NF_EGRESS_A_MAX; t++) {
		const struct nf_egress_attr_desc *d = &nf_egress_top_attr_table[t];

		if (!(taken & (1ULL << t)))
			never[n_never++] = t;
		else if (is_scalar(d->kind))
			fixed[n_fixed++] = (struct fixed_attr){ t, d->min_len };
	}
	for (t = 0; t <= NF_EGRESS_RULE_A_MAX; t++) {
		const struct nf_egress_attr_desc *d = &nf_egress_rule_attr_table[t];

		if (is_scalar(d->kind))
			rule_fixed[n_rule_fixed++] = (struct fixed_attr){ t, d->min_len };
	}
}

static uint8_t pick(const uint8_t *a, size_t n) { return a[rnd_below(n)]; }

/* A plausible path attribute, sometimes. */
static void maybe_path(struct nlc_buf *b)
{
	if (rnd_below(2))
		nlc_put_str(b, NF_EGRESS_A_CGROUP_PATH, rnd_below(2) ? "/nl_fuzz" : "/");
}

/* A wrong size for a fixed attribute of SIZE bytes. */
static size_t wrong_size(size_t size)
{
	size_t n;

	do
		n = rnd_below(17);
	while (n == size);
	return n;
}

/*
 * Build one message of kind K into b; returns the length to send.  The
 * messages are built by hand where libnl would refuse.
 */
static size_t build(struct nlc *c, struct nlc_buf *b, enum kind k)
{
	unsigned char junk[512];
	uint8_t cmd = pick(do_only, n_do_only);
	size_t len, i, n;

	switch (k) {
	case K_BAD_CMD:
		cmd = rnd_below(2) ? 0 : NF_EGRESS_CMD_MAX + 1 + rnd_below(255 - NF_EGRESS_CMD_MAX);
		nlc_begin(c, b, cmd, rnd_below(2) ? NLM_F_DUMP | NLM_F_ACK : 0);
		maybe_path(b);
		break;
	case K_DUMP_OF_DO:
		nlc_begin(c, b, cmd, NLM_F_DUMP | NLM_F_ACK);
		break;
	case K_BAD_FLAGS:
		nlc_begin(c, b, NF_EGRESS_CMD_GET_INFO + rnd_below(NF_EGRESS_CMD_MAX),
			  (uint16_t[]){ NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE,
					NLM_F_APPEND }[rnd_below(4)]);
		maybe_path(b);
		break;
	case K_UNKNOWN_ATTR:
		nlc_begin(c, b, NF_EGRESS_CMD_GET_INFO + rnd_below(NF_EGRESS_CMD_MAX),
			  rnd_below(3) ? 0 : NLM_F_DUMP | NLM_F_ACK);
		maybe_path(b);
		/* none of the policies takes these (from_spec()) */
		{
			uint16_t t = rnd_below(2) ? never[rnd_below(n_never)] :
				     NF_EGRESS_A_MAX + 1 + rnd_below(1000);

			n = rnd_below(12);
			rnd_bytes(junk, n);
			nlc_put(b, t, junk, n);
		}
		break;
	case K_BAD_LEN:
		if (rnd_below(2)) {
			i = rnd_below(n_fixed);
			nlc_begin(c, b, rnd_below(2) ? NF_EGRESS_CMD_POLICY_NEW : NF_EGRESS_CMD_POLICY_SET, 0);
			nlc_put_str(b, NF_EGRESS_A_CGROUP_PATH, "/nl_fuzz");
			n = wrong_size(fixed[i].size);
			rnd_bytes(junk, n);
			nlc_put(b, fixed[i].type, junk, n);
		} else {
			i = rnd_below(n_rule_fixed);
			nlc_begin(c, b, rnd_below(2) ? NF_EGRESS_CMD_RULE_NEW : NF_EGRESS_CMD_RULE_DEL, 0);
			nlc_put_str(b, NF_EGRESS_A_CGROUP_PATH, "/nl_fuzz");
			nlc_nest_start(b, NF_EGRESS_A_RULE);
			n = wrong_size(rule_fixed[i].size);
			rnd_bytes(junk, n);
			nlc_put(b, rule_fixed[i].type, junk, n);
			nlc_nest_end(b);
		}
		break;
	case K_BAD_STRING:
		nlc_begin(c, b, rnd_below(2) ? NF_EGRESS_CMD_POLICY_GET : NF_EGRESS_CMD_POLICY_DEL, 0);
		if (rnd_below(2)) {
			/* no NUL anywhere */
			n = 1 + rnd_below(64);
			for (i = 0; i < n; i++)
				junk[i] = 'a' + rnd_below(26);
			nlc_put(b, NF_EGRESS_A_CGROUP_PATH, junk, n);
		} else {
			/* NUL-terminated but longer than NF_EGRESS_CGROUP_PATH_MAX */
			static char longpath[NF_EGRESS_CGROUP_PATH_MAX + 64];

			n = NF_EGRESS_CGROUP_PATH_MAX + rnd_below(60);
			memset(longpath, 'x', n);
			longpath[0] = '/';
			longpath[n] = '\0';
			nlc_put(b, NF_EGRESS_A_CGROUP_PATH, longpath, n + 1);
		}
		break;
	case K_NEST_GARBAGE:
		nlc_begin(c, b, (uint8_t[]){ NF_EGRESS_CMD_RULE_NEW, NF_EGRESS_CMD_RULE_DEL,
					     NF_EGRESS_CMD_EXPLAIN, NF_EGRESS_CMD_POLICY_NEW }[rnd_below(4)], 0);
		nlc_put_str(b, NF_EGRESS_A_CGROUP_PATH, "/nl_fuzz");
		{
			uint16_t t = (uint16_t[]){ NF_EGRESS_A_RULE, NF_EGRESS_A_EXPLAIN_PACKET,
						   NF_EGRESS_A_RATE }[rnd_below(3)];

			/*
			 * Garbage whose first attribute header claims more than
			 * the nest holds: never a valid attribute stream.
			 */
			n = 4 + rnd_below(200);
			rnd_bytes(junk, n);
			((struct nlattr *)junk)->nla_len = n + 4 + rnd_below(1000);
			nlc_put(b, t | (rnd_below(2) ? NLA_F_NESTED : 0), junk, n);
		}
		break;
	case K_TRUNCATED:
		nlc_begin(c, b, NF_EGRESS_CMD_GET_INFO + rnd_below(NF_EGRESS_CMD_MAX), 0);
		nlc_put_str(b, NF_EGRESS_A_CGROUP_PATH, "/nl_fuzz/truncated");
		len = nlc_end(b);
		if (rnd_below(2))
			/* inside the genl header */
			len = NLMSG_HDRLEN + rnd_below(GENL_HDRLEN);
		else
			/*
			 * inside the path attribute (20 bytes of headers, then
			 * 4 + 19 bytes of attribute): cut in its header or in
			 * its payload, never only in its padding
			 */
			len = NLMSG_HDRLEN + GENL_HDRLEN + 1 + rnd_below(NLA_HDRLEN + 19 - 1);
		((struct nlmsghdr *)b->data)->nlmsg_len = len;
		return len;
	case K_HUGE:
		nlc_begin(c, b, pick(do_only, n_do_only), 0);
		n = 1000 + rnd_below(3000);	/* 16 bytes each: fits nlc_buf */
		for (i = 0; i < n; i++)
			nlc_put_str(b, NF_EGRESS_A_CGROUP_PATH, "/nl_fuzz");
		/* and one the command never takes, somewhere in the end */
		nlc_put_u32(b, NF_EGRESS_A_RULES_ADDED, rnd());
		break;
	case K_ADMIN:
		if (rnd_below(4)) {
			cmd = pick(admin_cmds, n_admin_cmds);
			nlc_begin(c, b, cmd, 0);
		} else {
			cmd = pick(rule_listing_cmds, sizeof(rule_listing_cmds));
			nlc_begin(c, b, cmd,
				  cmd == NF_EGRESS_CMD_RULE_GET ? NLM_F_DUMP : 0);
		}
		if (cmd == NF_EGRESS_CMD_EXPLAIN) {
			unsigned char addr[4] = { 198, 51, 100, 1 };

			nlc_nest_start(b, NF_EGRESS_A_EXPLAIN_PACKET);
			nlc_put_u8(b, NF_EGRESS_EXPLAIN_A_FAMILY, AF_INET);
			nlc_put(b, NF_EGRESS_EXPLAIN_A_ADDR, addr, 4);
			nlc_nest_end(b);
		}
		if (cmd != NF_EGRESS_CMD_APPLY_BEGIN && cmd != NF_EGRESS_CMD_APPLY_COMMIT &&
		    cmd != NF_EGRESS_CMD_APPLY_ABORT)
			nlc_put_str(b, NF_EGRESS_A_CGROUP_PATH, "/nl_fuzz");
		if (cmd == NF_EGRESS_CMD_POLICY_SET)
			nlc_put_u8(b, NF_EGRESS_A_MODE, NF_EGRESS_MODE_AUDIT);
		if (cmd == NF_EGRESS_CMD_RULE_NEW || cmd == NF_EGRESS_CMD_RULE_DEL) {
			unsigned char addr[4] = { 198, 51, 100, 0 };

			nlc_nest_start(b, NF_EGRESS_A_RULE);
			nlc_put_u8(b, NF_EGRESS_RULE_A_ACTION, NF_EGRESS_VERDICT_ALLOW);
			nlc_put_u8(b, NF_EGRESS_RULE_A_FAMILY, AF_INET);
			nlc_put(b, NF_EGRESS_RULE_A_ADDR, addr, 4);
			nlc_put_u8(b, NF_EGRESS_RULE_A_PREFIX_LEN, 24);
			nlc_nest_end(b);
		}
		break;
	case K_RANDOM:
	default:
		nlc_begin(c, b, rnd_below(256), rnd_below(4) ? 0 : NLM_F_DUMP | NLM_F_ACK);
		n = rnd_below(600);
		rnd_bytes(b->data + b->len, n);
		/* random version and reserved field too */
		rnd_bytes(b->data + NLMSG_HDRLEN + 1, 3);
		b->len += n;
		/*
		 * As root, an admin command with a zero reserved field and
		 * a payload that happens to parse could change the policy
		 * set (STATS_RESET takes no attribute at all): keep the
		 * reserved field non-zero there, which genl refuses.
		 */
		cmd = b->data[NLMSG_HDRLEN];
		if (!unpriv && memchr(admin_cmds, cmd, n_admin_cmds))
			b->data[NLMSG_HDRLEN + 2] |= 1;
		break;
	}
	return nlc_end(b);
}

int main(int argc, char **argv)
{
	static struct nlc_buf b;
	unsigned long count = 20000, i, answered = 0, errors = 0;
	unsigned long sent[K_MAX] = { 0 }, bad[K_MAX] = { 0 };
	struct nlc_set_dump before, after;
	int opt, err, k, tap = 0, failed = 0;
	unsigned int seed = 1;
	struct nlc c;

	while ((opt = getopt(argc, argv, "n:s:u")) != -1) {
		switch (opt) {
		case 'n': count = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'u': unpriv = 1; break;
		default:
			fprintf(stderr, "usage: nl_fuzz [-n COUNT] [-s SEED] [-u]\n");
			return 2;
		}
	}
	rnd_state = seed ? seed : 1;
	from_spec();
	printf("TAP version 13\n1..%d\n", K_MAX + 3);
	printf("# %lu messages, seed %u, %s\n", count, seed,
	       unpriv ? "without CAP_NET_ADMIN" : "as root");
	err = nlc_open(&c);
	if (err) {
		printf("Bail out! cannot resolve the family: %s\n", strerror(-err));
		return 1;
	}
	if (snapshot(&c, &before)) {
		printf("Bail out! cannot dump the policy set before fuzzing\n");
		return 1;
	}

	for (i = 0; i < count; i++) {
		struct nlc_reply r;
		size_t len;

		do
			k = rnd_below(K_MAX);
		while (k == K_ADMIN && !unpriv);
		if (k == K_HUGE && rnd_below(20))
			k = K_RANDOM;	/* big ones are slow: 1 in 20 of their share */
		len = build(&c, &b, k);
		sent[k]++;
		err = nlc_raw(&c, b.data, len, NULL, NULL, &r);
		if (err) {
			/* no answer: the module must answer every request */
			bad[k]++;
			if (bad[k] <= 3)
				printf("# message %lu (%s): no answer: %s\n", i, kind_name[k], strerror(-err));
			continue;
		}
		answered++;
		if (r.error)
			errors++;
		if (k == K_RANDOM)
			continue;
		if (r.error == 0 || (k == K_ADMIN && r.error != -EPERM)) {
			bad[k]++;
			if (bad[k] <= 3)
				printf("# message %lu (%s): answered %d \"%s\"\n", i, kind_name[k],
				       r.error, r.extack);
		}
	}

	for (k = 0; k < K_MAX; k++) {
		if (k == K_ADMIN && !unpriv) {
			printf("ok %d - %s # SKIP only with -u\n", ++tap, kind_name[k]);
			continue;
		}
		printf("%sok %d - %s: %lu sent, every one answered%s\n", bad[k] ? "not " : "",
		       ++tap, kind_name[k], sent[k],
		       k == K_RANDOM ? "" : k == K_ADMIN ? " with -EPERM" : " with an error");
		failed += !!bad[k];
	}
	printf("%sok %d - %lu of %lu messages answered, %lu with an error\n",
	       answered == count ? "" : "not ", ++tap, answered, count, errors);
	failed += answered != count;

	err = nlc_open(&c) ? -1 : snapshot(&c, &after);
	printf("%sok %d - the family still answers dumps afterwards\n", err ? "not " : "", ++tap);
	failed += !!err;
	err = err || before.len != after.len || memcmp(before.data, after.data, before.len);
	printf("%sok %d - policy and rule dumps identical before and after (%zu bytes)\n",
	       err ? "not " : "", ++tap, before.len);
	failed += !!err;
	return failed ? 1 : 0;
}
