// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the single-word parsers of the command line and the
 * policy file: rates, sizes, packet rates, latencies and instances keep
 * times, CIDRs, cgroup paths (and, as templates' patterns, their matching
 * and overlap), numbers, top's interval and count, protocol, mode and
 * verdict names.  The input is one word (it stops at
 * the first NUL).  Any word must parse or fail with a message, never
 * crash; what parses must format to text that parses to the same value
 * (the canonical forms of parse.h).  make fuzz; ./fuzz_units CORPUS
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "pattern.h"

/* A failed parse leaves a message; a successful one leaves none. */
static void check_err(int rc, const struct parse_error *err)
{
	if (memchr(err->msg, '\0', sizeof(err->msg)) == NULL)
		abort();
	if (rc && (err->kind == PARSE_OK || err->msg[0] == '\0'))
		abort();
}

static void fuzz_rate(const char *w)
{
	struct parse_error err;
	uint64_t v, again;
	char buf[EGRESS_RATE_STRLEN];
	int rc = parse_rate(w, &v, &err);

	check_err(rc, &err);
	if (rc)
		return;
	if (v == 0)
		abort();	/* parse.h: > 0 */
	if (format_rate(v, buf, sizeof(buf)) >= (int)sizeof(buf))
		abort();
	if (parse_rate(buf, &again, &err) || again != v)
		abort();
}

static void fuzz_size(const char *w)
{
	struct parse_error err;
	uint32_t v, again;
	char buf[EGRESS_RATE_STRLEN];
	int rc = parse_size(w, &v, &err);

	check_err(rc, &err);
	if (rc)
		return;
	if (format_size(v, buf, sizeof(buf)) >= (int)sizeof(buf))
		abort();
	if (parse_size(buf, &again, &err) || again != v)
		abort();
}

static void fuzz_pps(const char *w)
{
	struct parse_error err;
	uint32_t v;
	int rc = parse_pps(w, &v, &err);

	check_err(rc, &err);
	if (!rc && v == 0)
		abort();
}

/* A time: within its bounds, and its canonical text parses to it again. */
static void fuzz_time(const char *w, int (*parse)(const char *, uint32_t *,
						   struct parse_error *),
		      int (*format)(uint32_t, char *, size_t), uint32_t min,
		      uint32_t max)
{
	struct parse_error err;
	uint32_t v, again;
	char buf[32];
	int rc = parse(w, &v, &err);

	check_err(rc, &err);
	if (rc)
		return;
	if (v < min || v > max)
		abort();
	if (format(v, buf, sizeof(buf)) >= (int)sizeof(buf))
		abort();
	if (parse(buf, &again, &err) || again != v)
		abort();
}

static void fuzz_cidr(const char *w)
{
	struct egress_prefix p, again, masked;
	struct parse_error err;
	char buf[EGRESS_CIDR_STRLEN];
	int rc = parse_cidr(w, &p, &err);

	check_err(rc, &err);
	if (rc)
		return;
	if (p.family != AF_INET && p.family != AF_INET6)
		abort();
	if (p.prefix_len > (p.family == AF_INET ? 32 : 128))
		abort();
	masked = p;
	prefix_mask(&masked);
	if (memcmp(&masked.addr, &p.addr, sizeof(p.addr)))
		abort();	/* host bits are zero */
	if (format_prefix(&p, buf, sizeof(buf)) >= (int)sizeof(buf))
		abort();
	if (parse_cidr(buf, &again, &err) || again.family != p.family ||
	    again.prefix_len != p.prefix_len ||
	    memcmp(&again.addr, &p.addr, sizeof(p.addr)))
		abort();
}

/*
 * A normalised path as a template's pattern: it matches itself when it has
 * no '*', and overlaps itself, naming a cgroup path it matches.
 */
static void fuzz_pattern(const char *pattern)
{
	static char again[NF_EGRESS_CGROUP_PATH_MAX];
	char *witness = NULL;

	if (!path_is_pattern(pattern) && !pattern_match(pattern, pattern))
		abort();
	if (pattern_overlap(pattern, pattern, &witness) != 1 ||
	    !pattern_match(pattern, witness))
		abort();
	/* a path of cgroups: no empty, "." or ".." component */
	if (strlen(witness) <= EGRESS_PATH_MAX &&
	    (parse_cgroup_path_literal(witness, again, sizeof(again), NULL) ||
	     strcmp(witness, again)))
		abort();
	free(witness);
}

static void fuzz_path(const char *w)
{
	static char out[NF_EGRESS_CGROUP_PATH_MAX], again[NF_EGRESS_CGROUP_PATH_MAX];
	struct parse_error err;
	int rc = parse_cgroup_path(w, out, sizeof(out), &err);

	check_err(rc, &err);
	if (rc)
		return;
	/* normalised: starts with '/', no "//", no trailing '/' but "/" */
	if (out[0] != '/' || strstr(out, "//") ||
	    (out[1] && out[strlen(out) - 1] == '/'))
		abort();
	/* and normalising it again changes nothing */
	if (parse_cgroup_path(out, again, sizeof(again), &err) || strcmp(out, again))
		abort();
	fuzz_pattern(out);
}

/* egressctl top -d and -n: within their bounds, or refused with a message. */
static void fuzz_top_args(const char *w)
{
	struct parse_error err;
	uint64_t ns;
	uint32_t n;
	int rc = parse_top_interval(w, &ns, &err);

	check_err(rc, &err);
	if (!rc && (!ns || ns > EGRESS_TOP_INTERVAL_MAX * 1000000000ull))
		abort();
	rc = parse_top_count(w, &n, &err);
	check_err(rc, &err);
	if (!rc && !n)
		abort();
}

static void fuzz_names(const char *w)
{
	uint8_t v, again;
	uint32_t u;

	/* a protocol's name parses back to the protocol */
	if (!parse_proto(w, &v) && proto_name(v) &&
	    (parse_proto(proto_name(v), &again) || again != v))
		abort();
	if (!parse_mode(w, &v) && strcmp(mode_name(v), "?") == 0)
		abort();
	if (!parse_verdict(w, &v) && strcmp(verdict_name(v), "?") == 0)
		abort();
	if (!parse_rate_mode(w, &v) && strcmp(rate_mode_name(v), "?") == 0)
		abort();
	if (valid_class_name(w) &&
	    (strlen(w) == 0 || strlen(w) >= NF_EGRESS_CLASS_NAME_MAX))
		abort();
	(void)parse_u32(w, &u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *w = malloc(size + 1);

	if (!w)
		return 0;
	memcpy(w, data, size);
	w[size] = '\0';
	fuzz_rate(w);
	fuzz_size(w);
	fuzz_pps(w);
	fuzz_time(w, parse_latency, format_latency, EGRESS_LATENCY_US_MIN,
		  EGRESS_LATENCY_US_MAX);
	fuzz_time(w, parse_instances_keep, format_duration, 0,
		  EGRESS_INSTANCES_KEEP_MAX);
	fuzz_cidr(w);
	fuzz_path(w);
	fuzz_top_args(w);
	fuzz_names(w);
	free(w);
	return 0;
}
