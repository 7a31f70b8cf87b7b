// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl stats [PATH] [--rules] [--exact], egressctl stats --health
 * [PATH] [--exact], egressctl stats reset [PATH], egressctl metrics [PATH]
 * [-o FILE]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "atomicfile.h"
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

/* stats --health [PATH]: the health table, without the rules */
static int stats_health(struct egctl *ctl, struct dump_state *st,
			const struct report_opts *opts)
{
	char what[96];
	int err;

	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, st->filter);
	st->with_health = true;
	if (collect(ctl, st, false, what))
		return EXIT_KERNEL;
	err = report_health_text(stdout, st->stats, st->nstats, opts);
	dump_state_free(st);
	if (err)
		return errorf("%s: %s", what, strerror(-err));
	return EXIT_OK;
}

int cmd_stats(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };
	struct report_opts opts = { 0 };
	bool rules = false, health = false;
	const struct cmd_flag flags[] = {
		{ "--exact", "-x", &opts.exact },
		{ "--rules", "-r", &rules },
		{ "--health", NULL, &health },
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
	/* the health table has no rule sections to add */
	if (health && rules)
		return cmd_errorf(ctl, "--health and --rules do not go together");
	/* -j always has the health: --health changes nothing there */
	if (health && !ctl->json)
		return stats_health(ctl, &st, &opts);
	/* one policy asked for: show its rules and classes too */
	opts.details = rules || st.filter;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	/*
	 * the table shows shaping columns when some limit shapes, connection
	 * columns when a connection limit is set
	 */
	st.with_rates = !ctl->json;
	st.with_health = ctl->json;
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

/*
 * metrics' words: at most one PATH, and -o FILE (--output FILE) anywhere
 * among them.  Returns 0 or EXIT_FAIL, reported.
 */
static int parse_metrics_args(struct egctl *ctl, int argc, char **argv,
			      char **word, const char **file)
{
	int i;

	*word = NULL;
	*file = NULL;
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "-o") || !strcmp(arg, "--output")) {
			if (*file)
				return cmd_errorf(ctl, "'-o' given more than once");
			if (i + 1 == argc || !argv[i + 1][0])
				return cmd_errorf(ctl, "missing FILE after '%s'", arg);
			*file = argv[++i];
		} else if (arg[0] == '-') {
			return cmd_errorf(ctl, "unknown option '%.64s'", arg);
		} else if (*word) {
			return cmd_errorf(ctl, "unexpected argument '%.64s'", arg);
		} else {
			*word = argv[i];
		}
	}
	return 0;
}

/*
 * -o FILE: the whole text is formatted in memory first, then replaces FILE
 * in one rename (atomicfile.h), so node_exporter never reads half of it and
 * a failure leaves the last good file.  Returns EXIT_OK or EXIT_FAIL,
 * reported.
 */
static int write_metrics_file(const char *what, const char *file,
			      const struct dump_state *st)
{
	enum atomic_step step;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem;
	int err;

	mem = open_memstream(&buf, &len);
	if (!mem)
		return errorf("%s: %s", what, strerror(errno));
	report_metrics(mem, st->stats, st->nstats);
	if (fclose(mem)) {
		free(buf);
		return errorf("%s: %s", what, strerror(ENOMEM));
	}
	/* 0644: node_exporter reads it as user prometheus */
	err = atomic_write_file(file, 0644, buf, len, &step);
	free(buf);
	if (err)
		return errorf("%s: cannot %s %s: %s", what,
			      step == ATOMIC_RENAME ? "replace" : "write",
			      file, strerror(-err));
	return EXIT_OK;
}

int cmd_metrics(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };
	const char *file;
	char *word;
	int ret = EXIT_OK;

	/* -j changes nothing: the output is the Prometheus text format */
	if (parse_metrics_args(ctl, argc, argv, &word, &file) ||
	    parse_optional_path(ctl, word != NULL, &word, path, &st.filter))
		return EXIT_FAIL;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	/* the connection families: of the policies with a limit */
	st.with_rates = true;
	st.with_health = true;
	/* nothing is written unless the kernel gave the whole snapshot */
	if (collect(ctl, &st, true, what))
		return EXIT_KERNEL;
	if (file)
		ret = write_metrics_file(what, file, &st);
	else
		report_metrics(stdout, st.stats, st.nstats);
	dump_state_free(&st);
	return ret;
}
