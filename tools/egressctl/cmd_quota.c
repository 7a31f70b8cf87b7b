// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl quota show|reset|save|restore: the usage of byte quotas.
 *
 * save and restore carry each quota's usage over a reboot or a module
 * reload (usagefile.h).  The module takes a restore only for the period
 * the usage was saved in, only once a period, and only for a quota whose
 * calendar is unchanged, so that a stale or replayed file cannot count
 * bytes twice or in the wrong month.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "atomicfile.h"
#include "dump.h"
#include "egressctl.h"
#include "msg.h"
#include "output.h"
#include "quotaspec.h"
#include "report.h"
#include "table.h"
#include "usagefile.h"

/* A snapshot of the policies (with their quotas), or EXIT_KERNEL. */
static int quota_collect(struct egctl *ctl, struct dump_state *st,
			 const char *what)
{
	int err;

	/* Quotas only: no CAP_NET_ADMIN needed (dump_state.no_rules). */
	st->no_rules = true;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	err = dump_policies(st);
	if (!err)
		return 0;
	if (err == -ENOENT && st->filter && st->npolicies == 0) {
		dump_state_free(st);
		return kernel_errorf("%s: no such policy", what);
	}
	dump_state_free(st);
	return report_nl_error(ctl, what, err);
}

static void quota_show_json(const struct dump_state *st)
{
	struct printer p;
	size_t i, q;
	uint8_t w;

	printer_init(&p, stdout, true);
	print_open_array(&p, NULL);
	for (i = 0; i < st->npolicies; i++) {
		const struct policy_entry *pol = &st->policies[i];

		for (q = 0; q < pol->nquotas; q++) {
			const struct egress_quota_msg *m = &pol->quotas[q];
			const struct egress_quota_spec *s = &m->spec;
			char text[EGRESS_QUOTA_STRLEN];

			format_quota_spec(s, text, sizeof(text));
			print_open_object(&p, NULL);
			print_string(&p, PRINT_JSON, "cgroup", NULL, pol->path);
			/* an instance's quota: the key only then */
			if (pol->template)
				print_string(&p, PRINT_JSON, "template", NULL,
					     pol->template);
			print_string(&p, PRINT_JSON, "class", NULL,
				     s->class_name[0] ? s->class_name : NULL);
			print_string(&p, PRINT_JSON, "quota", NULL, text);
			print_u64(&p, PRINT_JSON, "limit", NULL, s->limit);
			print_string(&p, PRINT_JSON, "period", NULL,
				     quota_period_name(s->period));
			print_open_array(&p, "warn");
			for (w = 0; w < s->nwarn; w++)
				print_u64(&p, PRINT_JSON, NULL, NULL, s->warn[w]);
			print_close_array(&p);
			print_string(&p, PRINT_JSON, "action", NULL,
				     quota_action_name(s->action));
			print_u64(&p, PRINT_JSON, "used", NULL, m->used);
			print_u64(&p, PRINT_JSON, "last_used", NULL, m->last_used);
			print_u64(&p, PRINT_JSON, "period_start", NULL,
				  m->period_start > 0 ? (uint64_t)m->period_start : 0);
			print_u64(&p, PRINT_JSON, "period_end", NULL,
				  m->period_end > 0 ? (uint64_t)m->period_end : 0);
			print_json_bool(&p, "used_up", m->used >= s->limit);
			print_close_object(&p);
		}
	}
	print_close_array(&p);
	printer_finish(&p);
}

static int quota_show_table(const struct dump_state *st, bool exact)
{
	static const char *const headers[] = {
		"POLICY", "CLASS", "PERIOD", "USED", "LIMIT", "USE%", "THEN",
		"STATE", "PERIOD ENDS",
	};
	static const bool right[] = { false, false, false, true, true, true,
				      false, false, false };
	struct table t;
	size_t i, q;

	if (table_init(&t, 9, headers, right))
		return -ENOMEM;
	for (i = 0; i < st->npolicies; i++) {
		const struct policy_entry *pol = &st->policies[i];

		for (q = 0; q < pol->nquotas; q++) {
			const struct egress_quota_msg *m = &pol->quotas[q];
			const struct egress_quota_spec *s = &m->spec;
			char used[32], limit[32], pct[8], then[48], end[40];
			const char *cells[9];
			unsigned __int128 share;

			if (exact) {
				snprintf(used, sizeof(used), "%" PRIu64, m->used);
				snprintf(limit, sizeof(limit), "%" PRIu64, s->limit);
			} else {
				fmt_bytes_human(m->used, used, sizeof(used));
				fmt_bytes_human(s->limit, limit, sizeof(limit));
			}
			share = (unsigned __int128)m->used * 100 / s->limit;
			snprintf(pct, sizeof(pct), "%u",
				 share > 999 ? 999 : (unsigned int)share);
			if (s->action == NF_EGRESS_QUOTA_ACTION_RATE) {
				char rate[32];

				format_rate(s->rate, rate, sizeof(rate));
				snprintf(then, sizeof(then), "rate %s", rate);
			} else {
				snprintf(then, sizeof(then), "%s",
					 quota_action_name(s->action));
			}
			fmt_utc_time(m->period_end > 0 ? (uint64_t)m->period_end : 0,
				     end, sizeof(end));
			cells[0] = pol->path;
			cells[1] = s->class_name[0] ? s->class_name : "-";
			cells[2] = quota_period_name(s->period);
			cells[3] = used;
			cells[4] = limit;
			cells[5] = pct;
			cells[6] = then;
			cells[7] = m->used >= s->limit ? "used-up" : "ok";
			cells[8] = end;
			if (table_add_row(&t, cells)) {
				table_free(&t);
				return -ENOMEM;
			}
		}
	}
	table_print(&t, stdout);
	table_free(&t);
	return 0;
}

static int quota_show(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };
	bool exact = false;
	const struct cmd_flag flags[] = {
		{ "--exact", "-x", &exact },
		{ "--json", "-j", &ctl->json },
		{ NULL, NULL, NULL }
	};
	char *word;
	int ret;

	ctl->cmd = "quota show";
	if (parse_cmd_flags(ctl, argc, argv, flags, &word))
		return EXIT_FAIL;
	if (parse_optional_path(ctl, word != NULL, &word, path, &st.filter))
		return EXIT_FAIL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);
	ret = quota_collect(ctl, &st, what);
	if (ret)
		return ret;
	if (ctl->json)
		quota_show_json(&st);
	else if (quota_show_table(&st, exact))
		ret = errorf("%s: %s", what, strerror(ENOMEM));
	dump_state_free(&st);
	return ret;
}

static int quota_reset(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct egress_quota_spec sel = { 0 };
	bool has_class = false;
	struct nlattr *nest;
	struct nlmsghdr *nlh;
	int err;

	ctl->cmd = "quota reset";
	if (argc > 0 && is_help_word(argv[0])) {
		printf("Usage:\n  egressctl quota reset PATH [class NAME]\n");
		return EXIT_OK;
	}
	if (parse_path_arg(ctl, argc, argv, path))
		return EXIT_FAIL;
	argc--;
	argv++;
	if (argc > 0 && !strcmp(argv[0], "class")) {
		if (argc < 2)
			return cmd_errorf(ctl, "missing a class NAME after 'class'");
		if (!valid_class_name(argv[1]))
			return errorf("invalid class name '%.64s'", argv[1]);
		strcpy(sel.class_name, argv[1]);
		has_class = true;
		argc -= 2;
		argv += 2;
	}
	if (check_no_more_args(ctl, argc, argv))
		return EXIT_FAIL;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, path);

	nlh = egctl_msg(ctl, NF_EGRESS_CMD_QUOTA_RESET, 0);
	if (egress_put_path(nlh, NL_SEND_BUF_SIZE, path))
		return errorf("%s: %s", what, strerror(EMSGSIZE));
	if (has_class) {
		nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_QUOTA);
		mnl_attr_put_strz(nlh, NF_EGRESS_QUOTA_A_CLASS, sel.class_name);
		mnl_attr_nest_end(nlh, nest);
	}
	err = nl_request(ctl->nl, nlh, NULL, NULL);
	if (err)
		return report_nl_error(ctl, what, err);
	return EXIT_OK;
}

/* egressctl quota save FILE: every quota's usage, written atomically. */
static int quota_save(struct egctl *ctl, int argc, char **argv)
{
	struct dump_state st = { .ctl = ctl };
	enum atomic_step step;
	char *buf = NULL;
	size_t len = 0, i, q;
	FILE *mem;
	int ret;

	ctl->cmd = "quota save";
	if (argc > 0 && is_help_word(argv[0])) {
		printf("Usage:\n  egressctl quota save FILE\n");
		return EXIT_OK;
	}
	if (argc < 1 || !argv[0][0])
		return cmd_errorf(ctl, "missing FILE");
	if (check_no_more_args(ctl, argc - 1, argv + 1))
		return EXIT_FAIL;
	ret = quota_collect(ctl, &st, "quota save");
	if (ret)
		return ret;
	mem = open_memstream(&buf, &len);
	if (!mem) {
		dump_state_free(&st);
		return errorf("quota save: %s", strerror(errno));
	}
	usage_file_write_header(mem);
	for (i = 0; i < st.npolicies; i++) {
		const struct policy_entry *pol = &st.policies[i];

		for (q = 0; q < pol->nquotas; q++) {
			const struct egress_quota_msg *m = &pol->quotas[q];
			struct quota_usage u = { 0 };

			snprintf(u.path, sizeof(u.path), "%s", pol->path);
			strcpy(u.class_name, m->spec.class_name);
			u.period = m->spec.period;
			u.anchor = m->spec.anchor;
			u.utc_offset = m->spec.utc_offset;
			u.period_start = m->period_start;
			u.used = m->used;
			u.instance = m->has_instance ? m->instance : 0;
			usage_file_write_entry(mem, &u);
		}
	}
	dump_state_free(&st);
	if (fclose(mem)) {
		free(buf);
		return errorf("quota save: %s", strerror(ENOMEM));
	}
	/* 0600: the usage tells what a service sends. */
	ret = atomic_write_file(argv[0], 0600, buf, len, &step);
	free(buf);
	if (ret)
		return errorf("quota save: cannot %s %s: %s",
			      step == ATOMIC_RENAME ? "replace" : "write",
			      argv[0], strerror(-ret));
	return EXIT_OK;
}

static int put_usage(struct nlmsghdr *nlh, const struct quota_usage *u)
{
	struct nlattr *nest;

	if (egress_put_path(nlh, NL_SEND_BUF_SIZE, u->path))
		return -EMSGSIZE;
	nest = mnl_attr_nest_start_check(nlh, NL_SEND_BUF_SIZE, NF_EGRESS_A_QUOTA);
	if (!nest ||
	    (u->class_name[0] &&
	     !mnl_attr_put_strz_check(nlh, NL_SEND_BUF_SIZE,
				      NF_EGRESS_QUOTA_A_CLASS, u->class_name)) ||
	    !mnl_attr_put_u8_check(nlh, NL_SEND_BUF_SIZE,
				   NF_EGRESS_QUOTA_A_PERIOD, u->period) ||
	    !mnl_attr_put_u64_check(nlh, NL_SEND_BUF_SIZE,
				    NF_EGRESS_QUOTA_A_ANCHOR, (uint64_t)u->anchor) ||
	    !mnl_attr_put_u32_check(nlh, NL_SEND_BUF_SIZE,
				    NF_EGRESS_QUOTA_A_UTC_OFFSET,
				    (uint32_t)u->utc_offset) ||
	    !mnl_attr_put_u64_check(nlh, NL_SEND_BUF_SIZE,
				    NF_EGRESS_QUOTA_A_PERIOD_START,
				    (uint64_t)u->period_start) ||
	    !mnl_attr_put_u64_check(nlh, NL_SEND_BUF_SIZE,
				    NF_EGRESS_QUOTA_A_USED, u->used) ||
	    (u->instance &&
	     !mnl_attr_put_u64_check(nlh, NL_SEND_BUF_SIZE,
				     NF_EGRESS_QUOTA_A_INSTANCE, u->instance)))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

/*
 * egressctl quota restore FILE: each entry on its own; one that the module
 * refuses is reported with its line and does not stop the others.  Exit 0
 * when all were restored.
 */
static int quota_restore(struct egctl *ctl, int argc, char **argv)
{
	struct quota_usage *entries;
	char err_text[512], *buf;
	size_t len, n, i, refused = 0;
	const char *file;
	int ret = EXIT_OK;

	ctl->cmd = "quota restore";
	if (argc > 0 && is_help_word(argv[0])) {
		printf("Usage:\n  egressctl quota restore FILE\n");
		return EXIT_OK;
	}
	if (argc < 1 || !argv[0][0])
		return cmd_errorf(ctl, "missing FILE");
	if (check_no_more_args(ctl, argc - 1, argv + 1))
		return EXIT_FAIL;
	file = argv[0];
	ret = read_input_file(file, &buf, &len);
	if (ret)
		return errorf("quota restore: cannot read %s: %s", file,
			      strerror(-ret));
	if (usage_file_parse(file, buf, len, &entries, &n, err_text,
			     sizeof(err_text))) {
		free(buf);
		return errorf("%s", err_text);
	}
	free(buf);
	if (egctl_connect(ctl)) {
		free(entries);
		return EXIT_KERNEL;
	}
	for (i = 0; i < n; i++) {
		const struct quota_usage *u = &entries[i];
		struct nlmsghdr *nlh;
		char what[NF_EGRESS_CGROUP_PATH_MAX + 128];
		int err;

		snprintf(what, sizeof(what), "quota restore: %s:%u: %s%s%s",
			 file, u->line, u->path, u->class_name[0] ? " class " : "",
			 u->class_name);
		nlh = egctl_msg(ctl, NF_EGRESS_CMD_QUOTA_RESTORE, 0);
		if (put_usage(nlh, u)) {
			ret = errorf("%s: %s", what, strerror(EMSGSIZE));
			refused++;
			continue;
		}
		err = nl_request(ctl->nl, nlh, NULL, NULL);
		if (err) {
			ret = report_nl_error(ctl, what, err);
			refused++;
		}
	}
	free(entries);
	if (refused)
		errorf("quota restore: %zu of %zu refused", refused, n);
	return ret;
}

const struct cmd quota_cmds[] = {
	{ "show", quota_show, NULL, "quota show [PATH] [--exact|-x] [-j]",
	  "list quotas with their usage in the current period" },
	{ "reset", quota_reset, NULL, "quota reset PATH [class NAME]",
	  "zero the usage of a policy's quotas (or of its class's quota), lifting their action" },
	{ "save", quota_save, NULL, "quota save FILE",
	  "write every quota's usage to FILE, atomically" },
	{ "restore", quota_restore, NULL, "quota restore FILE",
	  "add the usage saved in FILE to the same quotas in the same period" },
	{ NULL }
};
