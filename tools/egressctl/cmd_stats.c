// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl stats [PATH] [--rules] [--exact], egressctl stats reset [PATH],
 * egressctl metrics [PATH]
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "dump.h"
#include "egressctl.h"
#include "msg.h"
#include "report.h"

/*
 * A snapshot of the counters (with each policy's rules when rules is set,
 * unless the caller may not list them: st->rules_denied) into st, or
 * report why not.  Returns 0 or EXIT_KERNEL.
 */
static int collect(struct egctl *ctl, struct dump_state *st, bool rules,
		   const char *what)
{
	int err = dump_stats(st, rules);

	if (!err)
		return 0;
	/* a filtered dump that came back empty, not the kernel's ENOENT */
	if (err == -ENOENT && st->filter && ctl->nl->ext.error != -ENOENT) {
		dump_state_free(st);
		return kernel_errorf("%s: no such policy", what);
	}
	dump_state_free(st);
	return report_nl_error(ctl, what, err);
}

static int stats_reset(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	const char *filter;
	struct nlmsghdr *nlh;
	int err;

	ctl->cmd = "stats reset";
	if (argc > 0 && is_help_word(argv[0])) {
		printf("Usage:\n  egressctl stats reset [PATH]\n");
		return EXIT_OK;
	}
	if (parse_optional_path(ctl, argc, argv, path, &filter))
		return EXIT_FAIL;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, filter);

	nlh = egctl_msg(ctl, NF_EGRESS_CMD_STATS_RESET, 0);
	if (filter && egress_put_path(nlh, NL_SEND_BUF_SIZE, filter))
		return errorf("%s: %s", what, strerror(EMSGSIZE));
	err = nl_request(ctl->nl, nlh, NULL, NULL);
	if (err)
		return report_nl_error(ctl, what, err);
	return EXIT_OK;
}

int cmd_stats(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };
	struct report_opts opts = { 0 };
	bool rules = false;
	const struct cmd_flag flags[] = {
		{ "--exact", "-x", &opts.exact },
		{ "--rules", "-r", &rules },
		{ "--json", "-j", &ctl->json },
		{ NULL, NULL, NULL }
	};
	char *word;
	int err = 0;

	/* "stats reset" is the command, "stats /reset" a cgroup path */
	if (argc > 0 && !strcmp(argv[0], "reset"))
		return stats_reset(ctl, argc - 1, argv + 1);

	if (parse_cmd_flags(ctl, argc, argv, flags, &word) ||
	    parse_optional_path(ctl, word != NULL, &word, path, &st.filter))
		return EXIT_FAIL;
	/* one policy asked for: show its rules and classes too */
	opts.details = rules || st.filter;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	/* the table shows shaping columns when some limit shapes */
	st.with_rates = !ctl->json;
	if (collect(ctl, &st, ctl->json || opts.details, what))
		return EXIT_KERNEL;
	if (ctl->json)
		report_stats_json(stdout, st.stats, st.nstats);
	else
		err = report_stats_text(stdout, st.stats, st.nstats, &opts);
	/* -j says "rules": null instead */
	if (!err && st.rules_denied && !ctl->json)
		errorf("%s: rules not shown: " RULES_NEED_CAP, what);
	dump_state_free(&st);
	if (err)
		return errorf("%s: %s", what, strerror(-err));
	return EXIT_OK;
}

int cmd_metrics(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };

	/* -j changes nothing: the output is the Prometheus text format */
	if (parse_optional_path(ctl, argc, argv, path, &st.filter))
		return EXIT_FAIL;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	if (collect(ctl, &st, true, what))
		return EXIT_KERNEL;
	report_metrics(stdout, st.stats, st.nstats);
	dump_state_free(&st);
	return EXIT_OK;
}
