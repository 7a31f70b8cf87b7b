// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the quota usage file: what the writer writes parses
 * back to the same entries, and every error names its line.  TAP.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "usagefile.h"

static void write_entries(FILE *f, const void *arg)
{
	const struct quota_usage *u = arg;

	usage_file_write_header(f);
	usage_file_write_entry(f, &u[0]);
	usage_file_write_entry(f, &u[1]);
}

static void bad(const char *in, const char *want)
{
	struct quota_usage *u;
	char err[256] = "";
	size_t n;
	int ret = usage_file_parse("u.txt", in, strlen(in), &u, &n, err,
				   sizeof(err));

	if (!ok(ret < 0 && !strcmp(err, want), "error: %s", want))
		diag("ret %d got '%s'", ret, err);
	if (!ret)
		free(u);
}

int main(void)
{
	struct quota_usage in[2] = {
		{ .path = "/backup.slice/a \"b\"", .period = NF_EGRESS_QUOTA_PERIOD_MONTH,
		  .anchor = -3600, .utc_offset = 3600, .period_start = 1764543600,
		  .used = 18446744073709551615ull, .instance = 0xfedcba9876543210ull },
		{ .path = "/web", .class_name = "internet",
		  .period = NF_EGRESS_QUOTA_PERIOD_HOUR, .anchor = 345600,
		  .period_start = 1764547200, .used = 0 },
	};
	struct quota_usage *out;
	char err[256];
	char *text;
	size_t n;
	int ret;

	tap_start();
	text = tap_capture(write_entries, in);
	ret = usage_file_parse("u.txt", text, strlen(text), &out, &n, err,
			       sizeof(err));
	ok(ret == 0 && n == 2, "the written file parses (%s)", ret ? err : "ok");
	if (!ret) {
		ok(!strcmp(out[0].path, in[0].path) && !out[0].class_name[0] &&
		   out[0].period == in[0].period && out[0].anchor == -3600 &&
		   out[0].utc_offset == 3600 &&
		   out[0].period_start == in[0].period_start &&
		   out[0].used == in[0].used && out[0].line == 3 &&
		   out[0].instance == in[0].instance,
		   "entry 1 round trips, with its line");
		ok(!strcmp(out[1].path, "/web") &&
		   !strcmp(out[1].class_name, "internet") &&
		   out[1].period == NF_EGRESS_QUOTA_PERIOD_HOUR &&
		   out[1].anchor == 345600 && out[1].used == 0 &&
		   out[1].instance == 0,
		   "entry 2 round trips");
		free(out);
	}
	free(text);

	bad("", "u.txt:1: not a quota usage file (its first line must be 'nf_egress-quota-usage 1')");
	bad("cgroup \"/a\" {}\n", "u.txt:1: not a quota usage file (its first line must be 'nf_egress-quota-usage 1')");
	bad("# c\nnf_egress-quota-usage 2\n", "u.txt:2: version 2 of the file format; this egressctl reads version 1");
	bad("nf_egress-quota-usage 1\n\"/a\" - year 0 0 0 1 0\n", "u.txt:2: invalid period 'year'");
	bad("nf_egress-quota-usage 1\n\"/a\" - day 0 86400 0 1 0\n", "u.txt:2: invalid UTC offset '86400'");
	bad("nf_egress-quota-usage 1\n\"/a\" - day 0 0 0 -1 0\n", "u.txt:2: invalid usage '-1'");
	bad("nf_egress-quota-usage 1\n\"/a\" - day 0 0 0\n", "u.txt:2: missing usage");
	bad("nf_egress-quota-usage 1\n\"/a\" - day 0 0 0 5\n", "u.txt:2: missing quota instance");
	bad("nf_egress-quota-usage 1\n\"/a\" - day 0 0 0 5 xyz\n", "u.txt:2: invalid quota instance 'xyz'");
	bad("nf_egress-quota-usage 1\n\"/a\" - day 0 0 0 5 0 x\n", "u.txt:2: unexpected text after the quota instance");
	bad("nf_egress-quota-usage 1\n\"a\" - day 0 0 0 5 0\n", "u.txt:2: invalid cgroup path 'a': must start with '/'");
	bad("nf_egress-quota-usage 1\n\"/a\" bad/c day 0 0 0 5 0\n", "u.txt:2: invalid class name 'bad/c'");
	return tap_end();
}
