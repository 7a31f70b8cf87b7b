// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl show [--config|--stats] [--instances] [PATH]
 *
 * Templates (pattern.h) are listed like policies, with their instances
 * under them on request; show --config writes templates, never instances.
 * What is printed is show.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "egressctl.h"
#include "dump.h"
#include "show.h"

int cmd_show(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };
	bool config = false, with_stats = false, instances = false;
	const struct cmd_flag flags[] = {
		{ "--config", NULL, &config },
		{ "--stats", NULL, &with_stats },
		{ "--instances", NULL, &instances },
		{ NULL, NULL, NULL }
	};
	char *word;
	int err;

	if (parse_cmd_flags(ctl, argc, argv, flags, &word))
		return EXIT_FAIL;
	if (config && with_stats)
		return cmd_errorf(ctl, "--config and --stats do not go together");
	if (config && instances)
		return cmd_errorf(ctl, "--config and --instances do not go together");
	if (parse_optional_path(ctl, word != NULL, &word, path, &st.filter))
		return EXIT_FAIL;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	st.with_instances = instances;
	err = dump_policies(&st);
	if (err == -ENOENT && st.filter && st.npolicies == 0) {
		dump_state_free(&st);
		return kernel_errorf("%s: no such policy", what);
	}
	if (err == -EPERM && st.rules_denied) {
		dump_state_free(&st);
		return report_rules_denied(what);
	}
	if (err) {
		dump_state_free(&st);
		return report_nl_error(ctl, what, err);
	}

	if (config && st.filter && st.npolicies == 1 && st.policies[0].template) {
		err = kernel_errorf("%s: no such policy (an instance of template %s)",
				    what, st.policies[0].template);
		dump_state_free(&st);
		return err;
	}
	if (config)
		err = show_print_config(stdout, &st);
	else
		show_print(stdout, &st, with_stats, instances, ctl->json);
	dump_state_free(&st);
	if (err == -EBADMSG)
		return kernel_errorf("%s: the kernel reported a rule that cannot be written as text",
				     what);
	if (err)
		return errorf("%s: %s", what, strerror(-err));
	return EXIT_OK;
}
