// SPDX-License-Identifier: GPL-2.0
/* egressctl rule add|del */
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "egressctl.h"
#include "msg.h"

static int rule_parse_spec(struct egctl *ctl, int argc, char **argv,
			   struct egress_rule_spec *spec)
{
	struct parse_error perr;

	if (parse_rule_spec(argc, argv, spec, &perr))
		return report_parse_error(ctl, &perr);
	return 0;
}

static int put_rule_spec(struct nlmsghdr *nlh, const void *spec)
{
	return egress_put_rule_spec(nlh, NL_SEND_BUF_SIZE, spec);
}

static int put_rule_id(struct nlmsghdr *nlh, const void *id)
{
	return egress_put_rule_id(nlh, NL_SEND_BUF_SIZE,
				  *(const uint32_t *)id);
}

static int rule_add(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX];
	struct egress_rule_spec spec;

	if (parse_path_arg(ctl, argc, argv, path) ||
	    rule_parse_spec(ctl, argc - 1, argv + 1, &spec))
		return EXIT_FAIL;
	/*
	 * No NLM_F_CREATE/EXCL: the family validates strictly and generic
	 * netlink rejects those flags; creating is what the command means.
	 */
	return egctl_path_request(ctl, NF_EGRESS_CMD_RULE_NEW, path,
				  put_rule_spec, &spec);
}

/* rule del PATH ID | rule del PATH RULE-SPEC */
static int rule_del(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX];
	struct egress_rule_spec spec;
	uint32_t id = 0;

	if (parse_path_arg(ctl, argc, argv, path))
		return EXIT_FAIL;
	argc--;
	argv++;
	if (argc < 1)
		return cmd_errorf(ctl, "missing rule ID or 'allow|deny ... to CIDR ...'");
	if (is_rule_spec_start(argv[0])) {
		if (rule_parse_spec(ctl, argc, argv, &spec))
			return EXIT_FAIL;
		return egctl_path_request(ctl, NF_EGRESS_CMD_RULE_DEL, path,
					  put_rule_spec, &spec);
	}
	if (parse_u32(argv[0], &id))
		return cmd_errorf(ctl, "expected rule ID or 'allow|deny ... to CIDR ...', got '%.64s'",
				  argv[0]);
	if (check_no_more_args(ctl, argc - 1, argv + 1))
		return EXIT_FAIL;
	return egctl_path_request(ctl, NF_EGRESS_CMD_RULE_DEL, path,
				  put_rule_id, &id);
}

const struct cmd rule_cmds[] = {
	{ "add", rule_add, NULL,
	  "rule add PATH allow|deny [[proto] PROTO] to CIDR [port N|N-M] [class NAME]",
	  "add a rule to a policy" },
	{ "del", rule_del, NULL,
	  "rule del PATH ID\n"
	  "rule del PATH allow|deny [[proto] PROTO] to CIDR [port N|N-M]",
	  "delete a rule by id or by specification" },
	{ NULL }
};
