// SPDX-License-Identifier: GPL-2.0
/* egressctl policy add|del */
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "egressctl.h"
#include "msg.h"

struct policy_opts {
	char path[NF_EGRESS_CGROUP_PATH_MAX];
	bool has_default;
	uint8_t default_verdict;
};

/*
 * "[KEYWORD VALUE]..." after the path.  Table-driven so "policy set" and
 * later policy properties reuse it.
 */
static int parse_policy_opts(struct egctl *ctl, int argc, char **argv,
			     struct policy_opts *o)
{
	int i;

	for (i = 0; i < argc; i += 2) {
		if (strcmp(argv[i], "default"))
			return cmd_errorf(ctl, "unexpected argument '%.64s'",
					  argv[i]);
		if (o->has_default)
			return cmd_errorf(ctl, "'default' given more than once");
		if (i + 1 >= argc)
			return cmd_errorf(ctl, "missing 'allow' or 'deny' after 'default'");
		if (parse_verdict(argv[i + 1], &o->default_verdict))
			return cmd_errorf(ctl, "expected 'allow' or 'deny' after 'default', got '%.64s'",
					  argv[i + 1]);
		o->has_default = true;
	}
	return 0;
}

static int policy_add(struct egctl *ctl, int argc, char **argv)
{
	struct policy_opts o = { .default_verdict = NF_EGRESS_VERDICT_DENY };
	char what[96];
	struct nlmsghdr *nlh;
	int err;

	if (parse_path_arg(ctl, argc, argv, o.path) ||
	    parse_policy_opts(ctl, argc - 1, argv + 1, &o) ||
	    egctl_connect(ctl))
		return EXIT_FAIL;

	snprintf(what, sizeof(what), "%s %.64s", ctl->cmd, o.path);
	/*
	 * No NLM_F_CREATE/EXCL: the family validates strictly and generic
	 * netlink rejects those flags; creating is what the command means.
	 */
	nlh = egctl_msg(ctl, NF_EGRESS_CMD_POLICY_NEW, 0);
	err = egress_put_path(nlh, NL_SEND_BUF_SIZE, o.path);
	if (!err)
		err = egress_put_default(nlh, NL_SEND_BUF_SIZE,
					 o.default_verdict);
	if (!err)
		err = nl_request(ctl->nl, nlh, NULL, NULL);
	if (err)
		return report_nl_error(ctl, what, err);
	return EXIT_OK;
}

static int policy_del(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX];
	char what[96];
	struct nlmsghdr *nlh;
	int err;

	if (parse_path_arg(ctl, argc, argv, path) ||
	    check_no_more_args(ctl, argc - 1, argv + 1) ||
	    egctl_connect(ctl))
		return EXIT_FAIL;

	snprintf(what, sizeof(what), "%s %.64s", ctl->cmd, path);
	nlh = egctl_msg(ctl, NF_EGRESS_CMD_POLICY_DEL, 0);
	err = egress_put_path(nlh, NL_SEND_BUF_SIZE, path);
	if (!err)
		err = nl_request(ctl->nl, nlh, NULL, NULL);
	if (err)
		return report_nl_error(ctl, what, err);
	return EXIT_OK;
}

const struct cmd policy_cmds[] = {
	{ "add", policy_add, NULL, "policy add PATH [default allow|deny]",
	  "create a policy (default deny)" },
	{ "del", policy_del, NULL, "policy del PATH",
	  "delete a policy and its rules" },
	{ NULL }
};
