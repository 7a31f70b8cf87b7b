/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file of egressctl quota save / restore: the usage of every quota of
 * the live set in its current period, one line each, so that a reboot or
 * a module reload does not start a month's count again.
 *
 *   # comment
 *   nf_egress-quota-usage 1
 *   "/backup.slice" - month 0 0 1764547200 123456789 5d1e2f00a1b2c3d4
 *   "/web.service" internet hour 0 3600 1764547200 512 0
 *
 * After the header line, each line is the policy's cgroup path (a quoted
 * string as in policy files), the quota's class ("-": all the policy's
 * bytes), its period, anchor and UTC offset (seconds; the quota's
 * calendar), the start of the period the usage is of, the bytes used, and
 * the module's name of the quota's count (hex; 0: unknown), so that a
 * restore into the very count it was saved from, which holds the bytes
 * already, is refused.
 * Pure parser and writer, unit-tested and fuzzed.
 */
#ifndef EGRESSCTL_USAGEFILE_H
#define EGRESSCTL_USAGEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/nf_egress.h>

#define USAGE_FILE_MAGIC	"nf_egress-quota-usage"
#define USAGE_FILE_VERSION	1

struct quota_usage {
	char path[NF_EGRESS_CGROUP_PATH_MAX];
	char class_name[NF_EGRESS_CLASS_NAME_MAX];	/* "": all bytes */
	uint8_t period;			/* enum nf_egress_quota_period */
	int64_t anchor;
	int32_t utc_offset;
	int64_t period_start;
	uint64_t used;
	uint64_t instance;		/* 0: unknown */
	uint32_t line;			/* where it was read */
};

/*
 * Parse a whole file.  Returns 0 with *out (malloc'ed, *n entries), or -1
 * with "NAME:LINE: message" in err.
 */
int usage_file_parse(const char *name, const char *buf, size_t len,
		     struct quota_usage **out, size_t *n, char *err,
		     size_t errlen);

/* The header line, then one line per entry with usage_file_write_entry. */
void usage_file_write_header(FILE *out);
void usage_file_write_entry(FILE *out, const struct quota_usage *u);

#endif /* EGRESSCTL_USAGEFILE_H */
