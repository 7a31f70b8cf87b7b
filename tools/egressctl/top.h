/* SPDX-License-Identifier: GPL-2.0 */
/*
 * egressctl top: each policy's rates between two counter snapshots, and
 * the loop that takes a snapshot every interval and shows them, on a
 * terminal redrawn in place (plain ANSI escapes) or as one JSON object per
 * line.  The clock, the wait and the terminal's size come from the caller
 * (struct top_env), so the tests run the loop on recorded replies without
 * waiting.
 */
#ifndef EGRESSCTL_TOP_H
#define EGRESSCTL_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dump.h"

/* One policy (or instance) between two snapshots. */
struct top_row {
	const char *path;		/* the cgroup's, of an instance too */
	const char *template;		/* an instance's pattern, else NULL */
	/*
	 * false: not in the snapshot before, so no rate yet (a policy counts
	 * from the first snapshot it is in)
	 */
	bool has_rates;
	double bytes_per_s, packets_per_s;	/* allowed */
	double denied_per_s;			/* packets */
	double attempts_per_s;			/* TCP connections */
	double failures_per_s;	/* refused, timed out, unreachable, reset */
	bool has_rtt_p50;	/* RTT samples were taken in the interval */
	uint64_t rtt_p50_us;	/* of those samples */
	size_t order;		/* its place in the snapshot, for ties */
};

/*
 * The rows of the n entries of cur against prev (nprev entries; NULL and
 * 0 for none), secs seconds apart: one per entry, matched to prev by path
 * and template.  A counter that went backwards (a reset, a policy deleted
 * and made again) counts from 0 in this interval, never negative.  Sorted
 * by bytes/s, most first, rows without rates last, ties in cur's order.
 * rows has room for n.  0 or -ENOMEM.
 */
int top_rates(const struct stats_entry *prev, size_t nprev,
	      const struct stats_entry *cur, size_t n, double secs,
	      struct top_row *rows);

/*
 * One JSON line: {"time_ns":N,"time":"2026-11-27T13:05:00.1Z",
 * "interval_s":X,"policies":[{"cgroup":..., "template":... (an
 * instance's), "bytes_per_s":X,"packets_per_s":X,"denied_per_s":X,
 * "attempts_per_s":X,"failures_per_s":X,"rtt_p50_us":N}...]}; rates with
 * at most 3 decimals, null without rates; rtt_p50_us null without
 * samples in the interval.
 */
void top_print_json(FILE *out, uint64_t time_ns, uint64_t interval_ns,
		    const struct top_row *rows, size_t n);

/* How the text is shown. */
struct top_screen {
	bool tty;		/* redrawn in place with ANSI escapes */
	int width, height;	/* the terminal's, 0: unlimited */
	uint64_t interval_ns;	/* the one asked for, for the header */
};

/*
 * One screen: a header line with the local time, the interval and the
 * number of policies, a blank line, then the table (CGROUP, BYTES/S,
 * PKTS/S, DENIED/S, CONN/S, FAIL/S, RTT-P50, and TEMPLATE when an instance
 * is listed), cgroup paths escaped as monitor's words.  On a terminal the
 * lines are cut to its width, the rows to its height ("... N more"), and
 * the screen is redrawn from its top corner; elsewhere screens follow
 * each other after a blank line.
 */
void top_print_screen(FILE *out, const struct top_screen *scr,
		      uint64_t time_ns, const struct top_row *rows, size_t n);

struct top_env {
	uint64_t (*monotonic_ns)(void *arg);
	uint64_t (*realtime_ns)(void *arg);
	/* Wait until the monotonic deadline; false: stop now (a signal). */
	bool (*wait_until)(void *arg, uint64_t deadline_ns);
	/* The terminal's width and height, 0 when unknown. */
	void (*screen_size)(void *arg, int *width, int *height);
	void *arg;
};

struct top_opts {
	uint64_t interval_ns;	/* > 0 */
	uint32_t count;		/* refreshes, 0: until stopped */
	bool json;		/* top_print_json, else top_print_screen */
	bool tty;		/* the text goes to a terminal */
};

/*
 * The loop: a snapshot of st[0].filter (dump_stats, without rules) now,
 * then every interval another one and the rates since the one before, to
 * out, flushed, until count refreshes were shown, env->wait_until says
 * stop, or out fails (the caller finds its error).  A terminal gets a
 * screen at once, without rates.  st[0] and st[1] take turns holding the
 * snapshots (same ctl and filter); the caller frees both.  A filtered
 * policy gone after the first snapshot shows an empty list.  Returns 0,
 * or the error of dump_stats (ctl->nl->ext says more), or -ENOMEM.
 */
int top_run(struct dump_state st[2], const struct top_opts *o,
	    const struct top_env *env, FILE *out);

#endif /* EGRESSCTL_TOP_H */
