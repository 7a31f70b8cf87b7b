// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl: configure nf_egress per-cgroup egress policies.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "dump.h"
#include "egressctl.h"
#include "output.h"
#include "msg.h"

static const struct cmd top_cmds[] = {
	{ "version", cmd_version, NULL, "version",
	  "show egressctl and module versions" },
	{ "policy", NULL, policy_cmds, NULL, "manage policies" },
	{ "rule", NULL, rule_cmds, NULL, "manage rules of a policy" },
	{ "show", cmd_show, NULL,
	  "show [PATH] [--stats] [--instances]\nshow --config [PATH]",
	  "list policies and templates with their rules (and instances), or print them as a policy file" },
	{ "stats", cmd_stats, NULL,
	  "stats [PATH] [--rules] [--exact|-x]\nstats --health [PATH] [--exact|-x]\nstats reset [PATH]",
	  "show per-policy counters or TCP health, or zero them" },
	{ "metrics", cmd_metrics, NULL, "metrics [PATH] [-o FILE]",
	  "print the counters in the Prometheus text format (-o: into FILE, atomically)" },
	{ "top", cmd_top, NULL, "top [-d SECONDS] [-n COUNT] [PATH]",
	  "a live view of each policy's rates and TCP health, refreshed every SECONDS (default 1)" },
	{ "apply", cmd_apply, NULL, "apply -f FILE",
	  "replace the whole policy set with FILE's, atomically" },
	{ "check", cmd_check, NULL, "check -f FILE",
	  "validate a policy file without applying it" },
	{ "explain", cmd_explain, NULL, "explain PATH DST [proto PROTO] [port N]",
	  "show how the policies decide a packet from PATH to DST" },
	{ "monitor", cmd_monitor, NULL, "monitor [-j]",
	  "print deny, would-deny, rate-limit and quota events as they happen" },
	{ "quota", NULL, quota_cmds, NULL,
	  "show, reset, save and restore the usage of quotas" },
	{ "cost", cmd_cost, NULL,
	  "cost [--price-file FILE] [--period this|last] [-j]",
	  "bytes and their cost per policy and class in the quotas' period" },
	{ "help", NULL, NULL, "help | COMMAND help", "show usage" },
	{ NULL }
};

int egctl_errorf(int code, const struct egctl *ctl, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("egressctl: ", stderr);
	if (ctl)
		fprintf(stderr, "%s: ", ctl->cmd ? ctl->cmd : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int report_parse_error(struct egctl *ctl, const struct parse_error *err)
{
	if (err->kind == PARSE_ESYNTAX)
		return cmd_errorf(ctl, "%s", err->msg);
	return errorf("%s", err->msg);
}

int check_no_more_args(struct egctl *ctl, int argc, char **argv)
{
	if (argc > 0)
		return cmd_errorf(ctl, "unexpected argument '%.64s'", argv[0]);
	return 0;
}

int parse_path_arg(struct egctl *ctl, int argc, char **argv, char *path)
{
	struct parse_error perr;

	if (argc < 1)
		return cmd_errorf(ctl, "missing cgroup PATH");
	if (parse_cgroup_path(argv[0], path, NF_EGRESS_CGROUP_PATH_MAX,
			      &perr))
		return report_parse_error(ctl, &perr);
	return 0;
}

int parse_cmd_flags(struct egctl *ctl, int argc, char **argv,
		    const struct cmd_flag *flags, char **word)
{
	const struct cmd_flag *f;
	int i;

	if (word)
		*word = NULL;
	for (i = 0; i < argc; i++) {
		for (f = flags; f->name; f++)
			if (!strcmp(argv[i], f->name) ||
			    (f->alias && !strcmp(argv[i], f->alias)))
				break;
		if (f->name)
			*f->set = true;
		else if (argv[i][0] == '-')
			return cmd_errorf(ctl, "unknown option '%.64s'", argv[i]);
		else if (!word || *word)
			return cmd_errorf(ctl, "unexpected argument '%.64s'",
					  argv[i]);
		else
			*word = argv[i];
	}
	return 0;
}

void describe_cmd(char *buf, size_t len, const char *cmd,
		  const char *filter)
{
	if (filter)
		snprintf(buf, len, "%s %.64s", cmd, filter);
	else
		snprintf(buf, len, "%s", cmd);
}

int parse_optional_path(struct egctl *ctl, int argc, char **argv,
			char *path, const char **filter)
{
	*filter = NULL;
	if (argc == 0)
		return 0;
	if (parse_path_arg(ctl, argc, argv, path) ||
	    check_no_more_args(ctl, argc - 1, argv + 1))
		return EXIT_FAIL;
	*filter = path;
	return 0;
}


static int egctl_try_connect(struct egctl *ctl)
{
	int err;

	if (ctl->nl)
		return 0;
	ctl->nl = calloc(1, sizeof(*ctl->nl));
	if (!ctl->nl)
		return -ENOMEM;
	err = nl_open(ctl->nl);
	if (!err)
		err = nl_resolve_family(ctl->nl, NF_EGRESS_GENL_NAME,
					&ctl->family);
	if (err)
		egctl_disconnect(ctl);
	return err;
}

int egctl_connect_if_loaded(struct egctl *ctl, bool *loaded)
{
	int err = egctl_try_connect(ctl);

	*loaded = !err;
	if (err && err != -ENOENT)
		return kernel_errorf("cannot talk to the kernel over generic netlink: %s",
				     strerror(-err));
	return 0;
}

int egctl_connect(struct egctl *ctl)
{
	bool loaded;

	if (egctl_connect_if_loaded(ctl, &loaded))
		return EXIT_KERNEL;
	if (!loaded)
		return kernel_errorf("nf_egress module not loaded");
	return 0;
}

void egctl_disconnect(struct egctl *ctl)
{
	if (!ctl->nl)
		return;
	nl_close(ctl->nl);
	free(ctl->nl);
	ctl->nl = NULL;
}

struct nlmsghdr *egctl_msg(struct egctl *ctl, uint8_t cmd, uint16_t flags)
{
	return nl_genl_start(ctl->nl, ctl->family, cmd,
			     NF_EGRESS_GENL_VERSION, flags);
}

int egctl_path_request(struct egctl *ctl, uint8_t cmd, const char *path,
		       egctl_put_fn put, const void *arg)
{
	struct nlmsghdr *nlh;
	char what[96];
	int err;

	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, path);
	nlh = egctl_msg(ctl, cmd, 0);
	err = egress_put_path(nlh, NL_SEND_BUF_SIZE, path);
	if (!err && put)
		err = put(nlh, arg);
	if (!err)
		err = nl_request(ctl->nl, nlh, NULL, NULL);
	if (err)
		return report_nl_error(ctl, what, err);
	return EXIT_OK;
}

int report_kernel_error(const char *what, int err,
			const struct nl_ext_err *ext,
			const struct nlmsghdr *req, bool has_offs,
			uint32_t offs)
{
	char attr[128];

	if (ext && ext->error == err && ext->msg[0])
		return kernel_errorf("%s: %s: %s", what, strerror(-err), ext->msg);
	/* Without a message, say at least which attribute was refused. */
	if (ext && ext->error == err && req && has_offs &&
	    egress_describe_offset(req, offs, attr, sizeof(attr)))
		return kernel_errorf("%s: %s (attribute %s)", what,
				     strerror(-err), attr);
	if (ext && ext->error == err && ext->has_miss_type)
		return kernel_errorf("%s: %s (missing attribute %s)", what,
				     strerror(-err),
				     egress_attr_name((uint16_t)ext->miss_type));
	return kernel_errorf("%s: %s", what, strerror(-err));
}

int report_nl_error(struct egctl *ctl, const char *what, int err)
{
	const struct nl_ext_err *ext = ctl->nl ? &ctl->nl->ext : NULL;

	if (err == -EBADMSG)
		return kernel_errorf("%s: malformed reply from the kernel", what);
	if (err == -EINTR)
		return kernel_errorf("%s: policy set kept changing during the dump, giving up",
				     what);
	return report_kernel_error(what, err, ext,
				   ext ? (const void *)ctl->nl->sendbuf : NULL,
				   ext && ext->has_offs, ext ? ext->offs : 0);
}

int report_rules_denied(const char *what)
{
	return kernel_errorf("%s: %s: " RULES_NEED_CAP
			     " (rules tell which destinations each cgroup may reach)",
			     what, strerror(EPERM));
}

bool is_help_word(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "-h") || !strcmp(s, "--help");
}

/* Print "  egressctl [PREFIX ]USAGE" for each synopsis line of c. */
static void print_cmd_usage(FILE *out, const struct cmd *c)
{
	const char *line = c->usage;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		int n = nl ? (int)(nl - line) : (int)strlen(line);

		fprintf(out, "  egressctl %.*s\n", n, line);
		line = nl ? nl + 1 : NULL;
	}
}

static void print_table_usage(FILE *out, const struct cmd *table)
{
	const struct cmd *c;

	for (c = table; c->name; c++) {
		if (c->sub)
			print_table_usage(out, c->sub);
		else
			print_cmd_usage(out, c);
	}
}

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: egressctl [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n");
	print_table_usage(out, top_cmds);
	fprintf(out,
		"\n"
		"PATH is a cgroup v2 path such as /system.slice/foo.service (\"/\" is the root);\n"
		"a policy's PATH with '*' is a template (quote it from the shell): '*' matches\n"
		"within a component, a component '**' any number of components.\n"
		"CIDR is an IPv4 or IPv6 prefix (10.99.0.0/24, 2001:db8::/32); a bare\n"
		"address means a single host.  PROTO is tcp, udp, sctp, icmp, icmpv6 or any.\n"
		"RATE is a rate as tc(8) writes it: 50mbit (bits/s) or 10mbps (bytes/s);\n"
		"SIZE is bytes, or a number with k, m or g (256k); TIME is a number with\n"
		"us, ms or s (100ms): queue and latency bound a shape-mode (the default)\n"
		"limit's queue; instances-keep's TIME has s, m, h or d (10m, 2d; 0 alone).\n"
		"Units: see egressctl(8).\n"
		"FILE is a policy file (see egressctl(8)); '-' reads standard input.\n"
		"\n"
		"Options:\n"
		"  -j, --json     print JSON instead of text\n"
		"  -h, --help     show this help\n"
		"  -V, --version  print the egressctl version\n"
		"\n"
		"See egressctl(8).\n");
}

/*
 * Run argv[0] from table.  group names the enclosing command ("policy")
 * or is NULL at the top level.
 */
static int dispatch(struct egctl *ctl, const struct cmd *table,
		    const char *group, int argc, char **argv)
{
	static char cmdname[64];
	const struct cmd *c;

	if (argc < 1) {
		if (!group) {
			print_help(stderr);
			return EXIT_FAIL;
		}
		return errorf("%s: missing subcommand (try 'egressctl %s help')",
			      group, group);
	}
	if (is_help_word(argv[0])) {
		if (group) {
			printf("Usage:\n");
			print_table_usage(stdout, table);
			return EXIT_OK;
		}
		/* "egressctl help COMMAND" is "egressctl COMMAND help" */
		if (argc > 2)
			return errorf("help: unexpected argument '%.64s'",
				      argv[2]);
		if (argc == 2 && !is_help_word(argv[1])) {
			char *topic[] = { argv[1], (char *)"help" };

			return dispatch(ctl, table, NULL, 2, topic);
		}
		print_help(stdout);
		return EXIT_OK;
	}

	for (c = table; c->name; c++)
		if (!strcmp(c->name, argv[0]))
			break;
	if (!c->name) {
		if (!group)
			return errorf("unknown command '%.64s' (try 'egressctl help')",
				      argv[0]);
		return errorf("%s: unknown subcommand '%.64s' (try 'egressctl %s help')",
			      group, argv[0], group);
	}

	if (c->sub)
		return dispatch(ctl, c->sub, c->name, argc - 1, argv + 1);

	if (!c->run) {		/* the "help" entry, only listed for usage */
		print_help(stdout);
		return EXIT_OK;
	}
	if (argc > 1 && is_help_word(argv[1])) {
		printf("Usage:\n");
		print_cmd_usage(stdout, c);
		return EXIT_OK;
	}

	snprintf(cmdname, sizeof(cmdname), "%s%s%s", group ? group : "",
		 group ? " " : "", c->name);
	ctl->cmd = cmdname;
	return c->run(ctl, argc - 1, argv + 1);
}

static int info_cb(const struct nlmsghdr *nlh, void *data)
{
	return egress_decode_info(nlh, data);
}

int cmd_version(struct egctl *ctl, int argc, char **argv)
{
	struct egress_info_msg info = { 0 };
	struct nlmsghdr *nlh;
	struct printer p;
	bool loaded;
	int err;

	if (check_no_more_args(ctl, argc, argv))
		return EXIT_FAIL;

	if (egctl_connect_if_loaded(ctl, &loaded))
		return EXIT_KERNEL;
	if (loaded) {
		nlh = egctl_msg(ctl, NF_EGRESS_CMD_GET_INFO, 0);
		err = nl_request(ctl->nl, nlh, info_cb, &info);
		if (err)
			return report_nl_error(ctl, "version", err);
	}

	printer_init(&p, stdout, ctl->json);
	print_open_object(&p, NULL);
	print_string(&p, PRINT_ANY, "version", "egressctl %s\n",
		     EGRESSCTL_VERSION);
	print_open_object(&p, "module");
	print_json_bool(&p, "loaded", loaded);
	if (!loaded) {
		print_text(&p, "nf_egress module not loaded\n");
	} else {
		if (info.version[0])
			print_string(&p, PRINT_JSON, "version", NULL,
				     info.version);
		print_text(&p, "nf_egress module %s", info.version[0] ?
			   info.version : "(unknown version)");
		if (info.has_generation)
			print_u64(&p, PRINT_JSON, "generation", NULL,
				  info.generation);
		if (info.has_policy_count) {
			print_u64(&p, PRINT_ANY, "policies", ", %" PRIu64,
				  info.policy_count);
			print_text(&p, " %s", info.policy_count == 1 ?
				   "policy" : "policies");
		}
		if (info.has_cached_cgroups)
			print_u64(&p, PRINT_JSON, "cached_cgroups", NULL,
				  info.cached_cgroups);
		if (info.has_conn_sockets)
			print_u64(&p, PRINT_JSON, "conn_sockets", NULL,
				  info.conn_sockets);
		if (info.has_conn_table_full)
			print_u64(&p, PRINT_JSON, "conn_table_full", NULL,
				  info.conn_table_full);
		if (info.has_health_sockets)
			print_u64(&p, PRINT_JSON, "health_sockets", NULL,
				  info.health_sockets);
		if (info.has_health_untracked)
			print_u64(&p, PRINT_JSON, "health_untracked", NULL,
				  info.health_untracked);
		print_nl(&p);
	}
	print_close_object(&p);
	print_close_object(&p);
	printer_finish(&p);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct egctl ctl = { 0 };
	int opt, ret;

	opterr = 0;
	/* '+': stop at the command, its arguments are not options */
	while ((opt = getopt_long(argc, argv, "+jhV", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctl.json = true;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		case 'V':
			printf("egressctl %s\n", EGRESSCTL_VERSION);
			return EXIT_OK;
		default:
			if (optopt)
				return errorf("unknown option '-%c' (try 'egressctl help')",
					      optopt);
			return errorf("unknown option '%s' (try 'egressctl help')",
				      argv[optind - 1]);
		}
	}

	ret = dispatch(&ctl, top_cmds, NULL, argc - optind, argv + optind);
	egctl_disconnect(&ctl);
	if (fflush(stdout) || ferror(stdout)) {
		if (ret == EXIT_OK)
			errorf("write error on standard output");
		return EXIT_FAIL;
	}
	return ret;
}
