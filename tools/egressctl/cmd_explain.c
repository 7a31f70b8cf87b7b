// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl explain PATH DST [proto P] [port N]
 *
 * The kernel runs the lookup the packet hook runs and answers level by
 * level, so explain cannot disagree with enforcement.  A level that is an
 * instance of a template names it, and why it won over the other
 * templates that match the level, from the live set's templates:
 * "/svc/web-1 (template /svc/web-*; beats /svc/w* (longer literal
 * prefix))".
 *
 * PATH is a cgroup's own path: a '*' in it is a byte of a name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "dump.h"
#include "egressctl.h"
#include "explain.h"
#include "msg.h"

/* The reply, copied: its receive buffer is reused for the ACK. */
static int explain_cb(const struct nlmsghdr *nlh, void *data)
{
	void **copy = data;

	if (*copy)
		return -EBADMSG;	/* one reply expected */
	*copy = malloc(nlh->nlmsg_len);
	if (!*copy)
		return -ENOMEM;
	memcpy(*copy, nlh, nlh->nlmsg_len);
	return 0;
}

int cmd_explain(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], addr[INET6_ADDRSTRLEN], what[96];
	struct egress_explain_msg *m = NULL;
	struct pattern_decision *why;
	struct dump_state st = { 0 };
	struct egress_packet pkt;
	struct parse_error perr;
	struct nlmsghdr *nlh;
	void *reply = NULL;
	int err;

	if (argc < 1)
		return cmd_errorf(ctl, "missing cgroup PATH");
	if (parse_cgroup_path_literal(argv[0], path, sizeof(path), &perr))
		return report_parse_error(ctl, &perr);
	if (parse_packet_spec(argc - 1, argv + 1, &pkt, &perr))
		return report_parse_error(ctl, &perr);
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	inet_ntop(pkt.family, &pkt.addr, addr, sizeof(addr));
	describe_cmd(what, sizeof(what), ctl->cmd, path);

	nlh = egctl_msg(ctl, NF_EGRESS_CMD_EXPLAIN, 0);
	err = egress_put_path(nlh, NL_SEND_BUF_SIZE, path);
	if (!err)
		err = egress_put_packet(nlh, NL_SEND_BUF_SIZE, &pkt);
	if (!err)
		err = nl_request(ctl->nl, nlh, explain_cb, &reply);
	if (!err && !reply)
		err = -EBADMSG;
	if (!err) {
		m = malloc(sizeof(*m));
		err = m ? egress_decode_explain(reply, m) : -ENOMEM;
	}
	if (err) {
		free(reply);
		free(m);
		if (err == -ENOMEM)
			return errorf("%s: %s", what, strerror(-err));
		/* the answer names the deciding rules */
		if (err == -EPERM && ctl->nl->ext.error == -EPERM)
			return report_rules_denied(what);
		return report_nl_error(ctl, what, err);
	}

	/*
	 * Why each template won its level, from one POLICY_GET dump, only
	 * when some level has one.  Without the dump (it failed) or a
	 * decision (the set changed meanwhile), the answer stands alone.
	 */
	why = calloc(m->nlevels ? m->nlevels : 1, sizeof(*why));
	if (why && explain_has_templates(m)) {
		st.ctl = ctl;
		st.no_rules = true;
		if (!dump_policies(&st))
			explain_decide(m, &st, why);
	}
	explain_print(stdout, path, addr, &pkt, m, why, ctl->json);
	dump_state_free(&st);
	free(why);
	free(reply);
	free(m);
	return EXIT_OK;
}
