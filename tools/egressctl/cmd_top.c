// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl top [-d SECONDS] [-n COUNT] [PATH]: each policy's rates,
 * refreshed every SECONDS (top.c), until SIGINT or SIGTERM or COUNT
 * refreshes.
 *
 * As in monitor, the signals are blocked and read from a signalfd, polled
 * as the wait between two refreshes: one that comes during a dump or a
 * screen ends the loop right after it, never in the middle of a line.
 */
#define _GNU_SOURCE		/* ppoll */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "egressctl.h"
#include "top.h"

#define NSEC_PER_SEC	1000000000ull

/* The words of top: -d SECONDS, -n COUNT, -j, at most one PATH. */
static int parse_top_args(struct egctl *ctl, int argc, char **argv,
			  struct top_opts *o, char **word)
{
	bool has_interval = false, has_count = false;
	struct parse_error perr;
	int i;

	*word = NULL;
	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];
		bool interval = !strcmp(arg, "-d");

		if (interval || !strcmp(arg, "-n")) {
			bool *seen = interval ? &has_interval : &has_count;

			if (*seen)
				return cmd_errorf(ctl, "'%s' given more than once",
						  arg);
			*seen = true;
			if (i + 1 == argc)
				return cmd_errorf(ctl, "missing %s after '%s'",
						  interval ? "SECONDS" : "COUNT",
						  arg);
			if (interval ?
			    parse_top_interval(argv[++i], &o->interval_ns, &perr) :
			    parse_top_count(argv[++i], &o->count, &perr))
				return report_parse_error(ctl, &perr);
		} else if (!strcmp(arg, "-j") || !strcmp(arg, "--json")) {
			ctl->json = true;
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

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static uint64_t monotonic_ns(void *arg)
{
	(void)arg;
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t realtime_ns(void *arg)
{
	(void)arg;
	return clock_ns(CLOCK_REALTIME);
}

/* Sleep until the deadline on the signalfd (arg): false once it fires. */
static bool wait_until(void *arg, uint64_t deadline_ns)
{
	struct pollfd pfd = { .fd = *(int *)arg, .events = POLLIN };

	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		struct timespec ts = { 0, 0 };
		int n;

		if (now < deadline_ns) {
			ts.tv_sec = (time_t)((deadline_ns - now) / NSEC_PER_SEC);
			ts.tv_nsec = (long)((deadline_ns - now) % NSEC_PER_SEC);
		}
		n = ppoll(&pfd, 1, &ts, NULL);
		if (n > 0)
			return false;
		if (n == 0 || errno != EINTR)
			return n == 0;
	}
}

static void screen_size(void *arg, int *width, int *height)
{
	struct winsize ws;

	(void)arg;
	*width = *height = 0;
	if (!ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws)) {
		*width = ws.ws_col;
		*height = ws.ws_row;
	}
}

int cmd_top(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct top_opts o = { .interval_ns = NSEC_PER_SEC };
	struct dump_state st[2] = { { .ctl = ctl }, { .ctl = ctl } };
	struct top_env env = {
		monotonic_ns, realtime_ns, wait_until, screen_size, NULL
	};
	const char *filter;
	char *word;
	int err, sfd, ret = EXIT_OK;

	if (parse_top_args(ctl, argc, argv, &o, &word) ||
	    parse_optional_path(ctl, word != NULL, &word, path, &filter))
		return EXIT_FAIL;
	o.json = ctl->json;
	o.tty = !o.json && isatty(STDOUT_FILENO);
	st[0].filter = st[1].filter = filter;
	st[0].with_health = st[1].with_health = true;
	sfd = stop_signalfd();
	if (sfd < 0)
		return errorf("top: cannot set up signal handling: %s",
			      strerror(errno));
	env.arg = &sfd;
	if (egctl_connect(ctl)) {
		close(sfd);
		return EXIT_KERNEL;
	}
	describe_cmd(what, sizeof(what), ctl->cmd, filter);
	err = top_run(st, &o, &env, stdout);
	/* only the first dump's: later an empty list */
	if (err == -ENOENT && filter && ctl->nl->ext.error != -ENOENT)
		ret = kernel_errorf("%s: no such policy", what);
	else if (err == -ENOMEM)
		ret = errorf("%s: %s", what, strerror(ENOMEM));
	else if (err)
		ret = report_nl_error(ctl, what, err);
	dump_state_free(&st[0]);
	dump_state_free(&st[1]);
	close(sfd);
	return ret;
}
