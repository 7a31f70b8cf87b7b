/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared state and helpers of the egressctl commands.
 *
 * Every command parses and validates all of its arguments before it calls
 * egctl_connect(), so usage errors never depend on the module being loaded.
 */
#ifndef EGRESSCTL_H
#define EGRESSCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netlink.h"
#include "parse.h"
#include "../../kmod/version.h"

/* The project has one version: the module's. */
#define EGRESSCTL_VERSION	NF_EGRESS_VERSION

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Process exit codes (see egressctl(8)): 1 for what the user can fix in the
 * command line or the input, 2 when the kernel refused the request or could
 * not be asked (an error from the kernel, module not loaded, netlink down).
 */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_KERNEL = 2,
};

struct egctl {
	bool json;
	const char *cmd;	/* "policy add": prefix of error messages */
	struct nl_ctx *nl;	/* NULL until egctl_connect() */
	uint16_t family;	/* nf_egress genl family id */
};

/*
 * A command or a group of subcommands.  Tables end with an entry whose name
 * is NULL.  A group has sub set and no run.
 */
struct cmd {
	const char *name;
	int (*run)(struct egctl *ctl, int argc, char **argv);
	const struct cmd *sub;
	const char *usage;	/* synopsis lines after "egressctl ", '\n'-separated */
	const char *summary;
};

extern const struct cmd policy_cmds[];
extern const struct cmd rule_cmds[];
extern const struct cmd quota_cmds[];
int cmd_version(struct egctl *ctl, int argc, char **argv);
int cmd_show(struct egctl *ctl, int argc, char **argv);
int cmd_stats(struct egctl *ctl, int argc, char **argv);
int cmd_metrics(struct egctl *ctl, int argc, char **argv);
int cmd_top(struct egctl *ctl, int argc, char **argv);
int cmd_apply(struct egctl *ctl, int argc, char **argv);
int cmd_check(struct egctl *ctl, int argc, char **argv);
int cmd_explain(struct egctl *ctl, int argc, char **argv);
int cmd_monitor(struct egctl *ctl, int argc, char **argv);
int cmd_cost(struct egctl *ctl, int argc, char **argv);

/*
 * SIGINT and SIGTERM blocked and readable from the returned signalfd, so
 * that monitor and top end cleanly between two reads; -1 on error.
 */
int stop_signalfd(void);

/* Read all of FILE ("-": standard input) into a malloc'ed buffer; -errno. */
int read_input_file(const char *file, char **bufp, size_t *lenp);

/*
 * "egressctl: " + ("<ctl->cmd>: " when ctl) + message on stderr, one line,
 * after what stdout holds.  Returns code.
 */
int egctl_errorf(int code, const struct egctl *ctl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "egressctl: " + message.  Returns EXIT_FAIL. */
#define errorf(...)		egctl_errorf(EXIT_FAIL, NULL, __VA_ARGS__)

/* errorf, for failures of the kernel side.  Returns EXIT_KERNEL. */
#define kernel_errorf(...)	egctl_errorf(EXIT_KERNEL, NULL, __VA_ARGS__)

/* "egressctl: <ctl->cmd>: " + message.  Returns EXIT_FAIL. */
#define cmd_errorf(ctl, ...)	egctl_errorf(EXIT_FAIL, (ctl), __VA_ARGS__)

/* Report a parse error; syntax errors get the command prefix. */
int report_parse_error(struct egctl *ctl, const struct parse_error *err);

/* Complain about words left over after a complete command. */
int check_no_more_args(struct egctl *ctl, int argc, char **argv);

/* Parse PATH into path[NF_EGRESS_CGROUP_PATH_MAX] or report. */
int parse_path_arg(struct egctl *ctl, int argc, char **argv, char *path);

/* Parse an optional PATH (and nothing after it); *filter NULL without. */
int parse_optional_path(struct egctl *ctl, int argc, char **argv,
			char *path, const char **filter);

/* "help", "-h" or "--help" */
bool is_help_word(const char *s);

/* An option of a command: name or alias sets *set. */
struct cmd_flag {
	const char *name;	/* "--rules"; NULL ends a table */
	const char *alias;	/* "-r", or NULL */
	bool *set;
};

/*
 * A command's options, anywhere among its words, and at most one other
 * word, into *word (NULL: none given; word NULL: none allowed).  Any other
 * word that starts with '-' is an unknown option: paths start with '/', so
 * never look like one.  Returns 0 or EXIT_FAIL, reported.
 */
int parse_cmd_flags(struct egctl *ctl, int argc, char **argv,
		    const struct cmd_flag *flags, char **word);

/* "show" or "show /t1" (the command and its PATH), for error messages. */
void describe_cmd(char *buf, size_t len, const char *cmd, const char *filter);

/*
 * Open the netlink socket and look up the family.  Reports "nf_egress
 * module not loaded" and friends itself.  Returns 0 or EXIT_KERNEL.
 * egctl_connect_if_loaded takes a missing module for a normal state
 * (version, check): 0 with *loaded false.
 */
int egctl_connect(struct egctl *ctl);
int egctl_connect_if_loaded(struct egctl *ctl, bool *loaded);
void egctl_disconnect(struct egctl *ctl);

/* Start an nf_egress request in the send buffer. */
struct nlmsghdr *egctl_msg(struct egctl *ctl, uint8_t cmd, uint16_t flags);

/* Add a command's attributes to nlh (NL_SEND_BUF_SIZE bytes): 0 or -errno. */
typedef int (*egctl_put_fn)(struct nlmsghdr *nlh, const void *arg);

/*
 * A command on one cgroup: connect, send cmd with PATH and what put (when
 * not NULL) adds, and report a failure as "<ctl->cmd> PATH: ...".
 * Returns EXIT_OK or EXIT_KERNEL.
 */
int egctl_path_request(struct egctl *ctl, uint8_t cmd, const char *path,
		       egctl_put_fn put, const void *arg);

/*
 * Every error the kernel returned is reported here, the same way:
 * "egressctl: WHAT: strerror: extack message"; without a message, the
 * attribute of REQ at the extack offset OFFS (when has_offs) or the
 * missing attribute the kernel named; else "egressctl: WHAT: strerror".
 * Returns EXIT_KERNEL.
 */
int report_kernel_error(const char *what, int err,
			const struct nl_ext_err *ext,
			const struct nlmsghdr *req, bool has_offs,
			uint32_t offs);

/*
 * report_kernel_error for the last exchange of ctl (its request and
 * extack), with egressctl's own words for a malformed reply (-EBADMSG) and
 * a dump that never settled (-EINTR).  Returns EXIT_KERNEL.
 */
int report_nl_error(struct egctl *ctl, const char *what, int err);

/*
 * "egressctl: WHAT: Operation not permitted: listing rules needs
 * CAP_NET_ADMIN (...)" (RULES_NEED_CAP, dump.h), for a RULE_GET or an
 * EXPLAIN the kernel refused.  Returns EXIT_KERNEL, as for every EPERM.
 */
int report_rules_denied(const char *what);

#endif /* EGRESSCTL_H */
