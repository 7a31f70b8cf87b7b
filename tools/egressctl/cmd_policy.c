// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl policy add|set|del.  A PATH with '*' names a template
 * (pattern.h), which may also take instances-max and instances-keep.
 */
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "egressctl.h"
#include "msg.h"
#include "pattern.h"

struct policy_opts {
	char path[NF_EGRESS_CGROUP_PATH_MAX];
	bool has_default, has_mode, has_rate, has_instances_max;
	bool has_instances_keep;
	bool has_conn, has_conn_class;
	/* one limit: of all the policy's connections, or of conn-class's */
	struct egress_conn conn;
	uint8_t default_verdict;
	uint8_t mode;
	struct egress_rate rate;
	uint32_t instances_max;		/* a template's */
	uint32_t instances_keep;	/* a template's, seconds */
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
		if (!strcmp(argv[i], "rate") || !strcmp(argv[i], "pps")) {
			struct parse_error perr;
			int used;

			if (o->has_rate)
				return cmd_errorf(ctl, "'%s' given more than once",
						  argv[i]);
			used = parse_rate_spec(argc - i, argv + i, &o->rate,
					       &perr);
			if (used < 0)
				return report_parse_error(ctl, &perr);
			o->has_rate = true;
			i += used - 2;	/* the loop adds 2 */
			continue;
		}
		if (!strcmp(argv[i], "conn") || !strcmp(argv[i], "conn-max") ||
		    !strcmp(argv[i], "conn-rate") ||
		    !strcmp(argv[i], "conn-burst") ||
		    !strcmp(argv[i], "conn-class")) {
			struct parse_error perr;
			bool *given;
			int bad;

			if (i + 1 >= argc)
				return cmd_errorf(ctl, "missing %s after '%s'",
						  !strcmp(argv[i], "conn") ? "'none'" :
						  !strcmp(argv[i], "conn-rate") ? "N/s" :
						  !strcmp(argv[i], "conn-class") ? "NAME" : "N",
						  argv[i]);
			if (!strcmp(argv[i], "conn")) {
				if (strcmp(argv[i + 1], "none"))
					return cmd_errorf(ctl, "expected 'none' after 'conn', got '%.64s' (limits: conn-max N, conn-rate N/s, conn-burst N, conn-class NAME)",
							  argv[i + 1]);
				given = &o->conn.none;
				bad = 0;
			} else if (!strcmp(argv[i], "conn-max")) {
				given = &o->conn.has_max;
				bad = parse_conn_max(argv[i + 1],
						     &o->conn.max_active, &perr);
			} else if (!strcmp(argv[i], "conn-rate")) {
				given = &o->conn.has_rate;
				bad = parse_conn_rate(argv[i + 1], &o->conn.rate,
						      &perr);
			} else if (!strcmp(argv[i], "conn-class")) {
				given = &o->has_conn_class;
				bad = parse_class_name(argv[i + 1],
						       o->conn.class_name, &perr);
			} else {
				given = &o->conn.has_burst;
				bad = parse_conn_burst(argv[i + 1],
						       &o->conn.burst, &perr);
			}
			if (*given)
				return cmd_errorf(ctl, "'%s' given more than once",
						  argv[i]);
			if (bad)
				return report_parse_error(ctl, &perr);
			*given = true;
			o->has_conn = true;
			/* CONN_A_NONE removes every limit, of every class */
			if (o->conn.none && (o->conn.has_max || o->conn.has_rate ||
					     o->conn.has_burst ||
					     o->has_conn_class))
				return cmd_errorf(ctl, "'conn none' takes no conn-max, conn-rate, conn-burst or conn-class");
			if (o->conn.has_burst && i + 2 >= argc &&
			    !o->conn.has_rate)
				return cmd_errorf(ctl, "'conn-burst' needs 'conn-rate'");
			continue;
		}
		if (!strcmp(argv[i], "instances-max") ||
		    !strcmp(argv[i], "instances-keep")) {
			bool keep = !strcmp(argv[i], "instances-keep");
			bool *given = keep ? &o->has_instances_keep
					   : &o->has_instances_max;
			struct parse_error perr;
			int bad;

			if (!path_is_pattern(o->path))
				return cmd_errorf(ctl, "'%s' is for templates only (a PATH with '*')",
						  argv[i]);
			if (*given)
				return cmd_errorf(ctl, "'%s' given more than once",
						  argv[i]);
			if (i + 1 >= argc)
				return cmd_errorf(ctl, "missing %s after '%s'",
						  keep ? "TIME" : "N", argv[i]);
			bad = keep ? parse_instances_keep(argv[i + 1],
							  &o->instances_keep,
							  &perr)
				   : parse_instances_max(argv[i + 1],
							 &o->instances_max,
							 &perr);
			if (bad)
				return report_parse_error(ctl, &perr);
			*given = true;
			continue;
		}
		bool is_mode = !strcmp(argv[i], "mode");
		bool *has = is_mode ? &o->has_mode : &o->has_default;
		const char *values = is_mode ? "'enforce' or 'audit'"
					     : "'allow' or 'deny'";
		int bad;

		if (!is_mode && strcmp(argv[i], "default"))
			return cmd_errorf(ctl, "unexpected argument '%.64s'",
					  argv[i]);
		if (*has)
			return cmd_errorf(ctl, "'%s' given more than once",
					  argv[i]);
		if (i + 1 >= argc)
			return cmd_errorf(ctl, "missing %s after '%s'", values,
					  argv[i]);
		bad = is_mode ? parse_mode(argv[i + 1], &o->mode)
			      : parse_verdict(argv[i + 1], &o->default_verdict);
		if (bad)
			return cmd_errorf(ctl, "expected %s after '%s', got '%.64s'",
					  values, argv[i], argv[i + 1]);
		*has = true;
	}
	return 0;
}

/* What the conn options need of each other, once all are read. */
static int check_conn_opts(struct egctl *ctl, const struct policy_opts *o)
{
	if (o->conn.has_burst && !o->conn.has_rate)
		return cmd_errorf(ctl, "'conn-burst' needs 'conn-rate'");
	if (o->has_conn_class && !o->conn.has_max && !o->conn.has_rate)
		return cmd_errorf(ctl, "'conn-class' needs 'conn-max' or 'conn-rate'");
	return 0;
}

/* The policy's attributes after its path: the ones o has. */
static int put_policy_opts(struct nlmsghdr *nlh, const void *arg)
{
	const struct policy_opts *o = arg;
	int err = 0;

	if (o->has_mode)
		err = egress_put_mode(nlh, NL_SEND_BUF_SIZE, o->mode);
	if (!err && o->has_default)
		err = egress_put_default(nlh, NL_SEND_BUF_SIZE,
					 o->default_verdict);
	if (!err && o->has_rate)
		err = egress_put_rate(nlh, NL_SEND_BUF_SIZE, &o->rate);
	if (!err && o->has_instances_max)
		err = egress_put_instances_max(nlh, NL_SEND_BUF_SIZE,
					       o->instances_max);
	if (!err && o->has_instances_keep)
		err = egress_put_instances_keep(nlh, NL_SEND_BUF_SIZE,
						o->instances_keep);
	if (!err && o->has_conn)
		err = egress_put_conn(nlh, NL_SEND_BUF_SIZE, &o->conn);
	return err;
}

static int policy_add(struct egctl *ctl, int argc, char **argv)
{
	struct policy_opts o = { .default_verdict = NF_EGRESS_VERDICT_DENY };

	if (parse_path_arg(ctl, argc, argv, o.path) ||
	    parse_policy_opts(ctl, argc - 1, argv + 1, &o))
		return EXIT_FAIL;
	/* the default always; enforce is the kernel's default mode too */
	o.has_default = true;
	/* "rate none" on a new policy: no limit, nothing to send */
	if (o.has_rate && o.rate.none)
		o.has_rate = false;
	if (o.has_conn && o.conn.none)
		o.has_conn = false;
	if (check_conn_opts(ctl, &o))
		return EXIT_FAIL;
	/*
	 * No NLM_F_CREATE/EXCL: the family validates strictly and generic
	 * netlink rejects those flags; creating is what the command means.
	 */
	return egctl_path_request(ctl, NF_EGRESS_CMD_POLICY_NEW, o.path,
				  put_policy_opts, &o);
}

/*
 * policy set PATH [mode enforce|audit] [default allow|deny] [LIMIT]
 *                 [CONN-LIMIT | conn none]
 *                 [instances-max N] [instances-keep TIME]
 * A LIMIT replaces the policy's whole limit (parts not given take their
 * defaults); "rate none" removes it.  A CONN-LIMIT (conn-max, conn-rate,
 * conn-burst, conn-class) is one CONN nest, which replaces all of the
 * policy's connection limits, of every class: several need a policy file.
 * instances-max and instances-keep: templates only.
 */
static int policy_set(struct egctl *ctl, int argc, char **argv)
{
	struct policy_opts o = { 0 };

	if (parse_path_arg(ctl, argc, argv, o.path) ||
	    parse_policy_opts(ctl, argc - 1, argv + 1, &o))
		return EXIT_FAIL;
	if (!o.has_mode && !o.has_default && !o.has_rate &&
	    !o.has_instances_max && !o.has_instances_keep && !o.has_conn)
		return cmd_errorf(ctl, "nothing to set: give 'mode enforce|audit', 'default allow|deny', 'rate RATE|none', 'conn-max N', 'conn-rate N/s', 'conn none', 'instances-max N' and/or 'instances-keep TIME'");
	if (check_conn_opts(ctl, &o))
		return EXIT_FAIL;
	return egctl_path_request(ctl, NF_EGRESS_CMD_POLICY_SET, o.path,
				  put_policy_opts, &o);
}

static int policy_del(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX];

	if (parse_path_arg(ctl, argc, argv, path) ||
	    check_no_more_args(ctl, argc - 1, argv + 1))
		return EXIT_FAIL;
	return egctl_path_request(ctl, NF_EGRESS_CMD_POLICY_DEL, path,
				  NULL, NULL);
}

const struct cmd policy_cmds[] = {
	{ "add", policy_add, NULL,
	  "policy add PATH [mode enforce|audit] [default allow|deny] [rate RATE [burst SIZE] [pps N] [queue N] [latency TIME] [police|shape]] [conn-max N] [conn-rate N/s [conn-burst N]] [conn-class NAME] [instances-max N] [instances-keep TIME]",
	  "create a policy, or a template when PATH has '*' (mode enforce, default deny, no rate limit)" },
	{ "set", policy_set, NULL,
	  "policy set PATH [mode enforce|audit] [default allow|deny] [rate RATE [burst SIZE] [pps N] [queue N] [latency TIME] [police|shape] | pps N [queue N] [latency TIME] [police|shape] | rate none] [[conn-max N] [conn-rate N/s [conn-burst N]] [conn-class NAME] | conn none] [instances-max N] [instances-keep TIME]",
	  "change a policy's mode, default, rate limit, connection limits (given ones replace all) and/or a template's instances-max and instances-keep, keeping its rules" },
	{ "del", policy_del, NULL, "policy del PATH",
	  "delete a policy and its rules" },
	{ NULL }
};
