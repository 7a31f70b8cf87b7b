/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure parsers and formatters for egressctl: no netlink, no I/O, no global
 * state, so they can be unit-tested and fuzzed on any host.
 *
 * Errors are reported through struct parse_error.  Its kind tells the caller
 * how to present the message: a syntax error belongs to the command being
 * parsed ("rule add: missing CIDR after 'to'"), a value error stands on its
 * own ("invalid CIDR '10.0.0.300/24'").
 */
#ifndef EGRESSCTL_PARSE_H
#define EGRESSCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <linux/nf_egress.h>

enum parse_error_kind {
	PARSE_OK = 0,
	PARSE_ESYNTAX,	/* grammar: missing or unexpected word */
	PARSE_EVALUE,	/* a word in the right place with a bad value */
};

struct parse_error {
	enum parse_error_kind kind;
	/*
	 * parse_rule_spec/parse_packet_spec: index of the word the error is
	 * about, argc when something is missing at the end, -1 if unknown.
	 * Lets the policy file parser point at a line and column.
	 */
	int word;
	char msg[256];
};

/* Longest normalised cgroup path, excluding the NUL. */
#define EGRESS_PATH_MAX		(NF_EGRESS_CGROUP_PATH_MAX - 1)

/* Longest CIDR text we produce: full IPv6 address, '/', three digits. */
#define EGRESS_CIDR_STRLEN	(INET6_ADDRSTRLEN + 4)

/*
 * Longest canonical rule text.  Sized generously so that later keywords
 * (proto, port, class) fit without touching every caller.
 */
#define EGRESS_RULE_STRLEN	256

struct egress_prefix {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefix_len;	/* 0..32 or 0..128 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} addr;			/* network byte order, host bits zero */
};

/* Which optional parts of a rule spec were given (bit mask). */
enum egress_spec_field {
	EGRESS_SPEC_TO = 1u << 0,
	EGRESS_SPEC_PROTO = 1u << 1,	/* given, possibly as "any" (0) */
	EGRESS_SPEC_PORT = 1u << 2,
	EGRESS_SPEC_CLASS = 1u << 3,
};

/*
 * A rule as written by the user:
 *   allow|deny [[proto] PROTO] to CIDR [port N|N-M] [class NAME]
 * New match keywords add a field here and a bit in egress_spec_field; the
 * parser, the formatter and the netlink encoder each grow one branch.
 */
struct egress_rule_spec {
	uint8_t action;		/* enum nf_egress_verdict */
	uint32_t fields;	/* enum egress_spec_field bits present */
	struct egress_prefix to;
	uint8_t proto;		/* IPPROTO_*, 0 = any */
	uint16_t port_min, port_max;	/* valid with EGRESS_SPEC_PORT */
	char class_name[NF_EGRESS_CLASS_NAME_MAX];	/* with EGRESS_SPEC_CLASS */
};

/* The packet of "explain PATH DST [proto P] [port N]". */
struct egress_packet {
	uint8_t family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} addr;
	bool has_proto, has_port;
	uint8_t proto;
	uint16_t port;
};

/*
 * Normalise a policy's cgroup v2 path into out (at least
 * NF_EGRESS_CGROUP_PATH_MAX bytes): must start with '/', duplicate slashes
 * collapse, a trailing slash goes, "." and ".." components are refused,
 * "/" stays "/".  A path with '*' is a template's pattern (pattern.h):
 * "**" must then be a whole component.
 */
int parse_cgroup_path(const char *in, char *out, size_t outlen,
		      struct parse_error *err);

/*
 * The same for the path of a cgroup itself (explain), where '*' is no
 * wildcard: a component may hold "**" anywhere.
 */
int parse_cgroup_path_literal(const char *in, char *out, size_t outlen,
			      struct parse_error *err);

/* "10.99.0.0/24", "2001:db8::/32", bare address = host prefix. */
int parse_cidr(const char *in, struct egress_prefix *out,
	       struct parse_error *err);

/* "allow" / "deny" -> enum nf_egress_verdict. */
int parse_verdict(const char *in, uint8_t *out);

/* Decimal u32 without sign, spaces or junk. */
int parse_u32(const char *in, uint32_t *out);

/*
 * Parse a rule spec from words: argv[0] is the verdict, the rest are
 * KEYWORD VALUE pairs.  All argc words must be consumed; anything left over
 * is a syntax error.  "to" is required.
 */
int parse_rule_spec(int argc, char **argv, struct egress_rule_spec *spec,
		    struct parse_error *err);

/*
 * Do two rules collide (the kernel's -EEXIST): same destination prefix,
 * protocol and port range, whatever their actions and classes.
 */
bool rule_spec_same_match(const struct egress_rule_spec *a,
			  const struct egress_rule_spec *b);

/* Hash of exactly what rule_spec_same_match compares. */
uint64_t rule_spec_match_hash(const struct egress_rule_spec *s);

/* "DST [proto P] [port N]": DST a bare IPv4 or IPv6 address. */
int parse_packet_spec(int argc, char **argv, struct egress_packet *pkt,
		      struct parse_error *err);

/* "tcp" ... "any" -> IPPROTO_* (any = 0). */
int parse_proto(const char *in, uint8_t *out);
/* "tcp", ..., "any" for 0; NULL for a protocol without a name. */
const char *proto_name(uint8_t proto);

/* "enforce" / "audit" -> enum nf_egress_mode. */
int parse_mode(const char *in, uint8_t *out);
const char *mode_name(uint8_t mode);	/* "enforce", "audit", "?" */

/* Class names: [A-Za-z0-9_.-]{1,31}. */
bool valid_class_name(const char *s);

/*
 * A class name as a rule's "class NAME" takes it, into out (at least
 * NF_EGRESS_CLASS_NAME_MAX bytes): "invalid class 'a b' (1-31 characters
 * of A-Z a-z 0-9 _ . -)" otherwise.
 */
int parse_class_name(const char *in, char *out, struct parse_error *err);

/* Is the word the start of a rule spec (a verdict)? */
bool is_rule_spec_start(const char *word);

const char *verdict_name(uint8_t verdict);	/* "allow", "deny", "?" */

/* "10.99.0.0/24"; returns the snprintf-style length or -1. */
int format_prefix(const struct egress_prefix *p, char *buf, size_t len);

/*
 * Canonical text: "ACTION [PROTO] to CIDR [port N|N-M] [class NAME]",
 * e.g. "allow tcp to 10.0.0.0/8 port 443 class internal"; the protocol is
 * left out when it is any.  Returns the snprintf-style length or -1.
 */
int format_rule_spec(const struct egress_rule_spec *spec, char *buf,
		     size_t len);

/*
 * Rate limits.  Units as tc(8) has them, SI (k = 1000):
 *   rates:  N[.D] followed by bit, kbit, mbit, gbit, tbit (bits per second;
 *           a bare number is bits too, as in tc) or bps, kbps, mbps, gbps,
 *           tbps (BYTES per second).  Units are case-insensitive.  The
 *           result is bytes per second, rounded to the nearest byte, > 0.
 *   sizes:  N[.D] optionally followed by b, k|kb, m|mb, g|gb: bytes, with
 *           powers of 1024; the result (rounded to a byte) fits a u32.
 *   pps:    a plain decimal integer, 1..4294967295.
 *   queue:  (shape mode) packets, a plain decimal integer, 1..65536.
 *   latency: (shape mode) N[.D] followed by a unit, us, ms or s (a bare
 *           number is an error); a whole number of microseconds,
 *           100us..10s.
 */
#define EGRESS_RATE_STRLEN	160

/* The kernel's bounds of NF_EGRESS_RATE_A_QUEUE_LIMIT and _LATENCY_US. */
#define EGRESS_QUEUE_LIMIT_MIN	1u
#define EGRESS_QUEUE_LIMIT_MAX	65536u
#define EGRESS_LATENCY_US_MIN	100u
#define EGRESS_LATENCY_US_MAX	10000000u

struct egress_rate {
	bool none;		/* "rate none": remove the limit; nothing else */
	bool has_bytes, has_burst, has_pps;
	uint64_t bytes_per_sec;	/* with has_bytes, > 0 */
	uint32_t burst;		/* with has_burst: bucket depth in bytes */
	uint32_t pps;		/* with has_pps, > 0 */
	uint8_t mode;		/* enum nf_egress_rate_mode, default shape */
	/* shape mode only */
	bool has_queue, has_latency;
	uint32_t queue_limit;	/* with has_queue: packets, 1..65536 */
	uint32_t latency_us;	/* with has_latency: 100..10000000 */
};

/*
 * A connection limit (one NF_EGRESS_A_CONN nest): "conn max N", "conn rate
 * N/s [burst N]", of all the policy's connections or, with a class, of
 * those whose first SYN a rule of the class allowed ("... class NAME");
 * "conn none" removes all of a policy's limits.  A policy has at most one
 * limit without a class and one per class, EGRESS_CONN_LIMITS_MAX in all
 * (the module's bound).
 */
#define EGRESS_CONN_RATE_MAX	1000000000u
#define EGRESS_CONN_LIMITS_MAX	16
struct egress_conn {
	bool none;		/* "conn none": remove the limits */
	bool has_max, has_rate, has_burst;
	uint32_t max_active;	/* concurrent connections, > 0 */
	uint32_t rate;		/* new connections per second, > 0 */
	uint32_t burst;		/* connections the bucket holds, > 0 */
	/* "": all the policy's connections */
	char class_name[NF_EGRESS_CLASS_NAME_MAX];
};

/* "conn max": a number of connections, > 0. */
int parse_conn_max(const char *in, uint32_t *n, struct parse_error *err);
/* "conn rate": "N/s" (or "N"), 1..10^9 new connections per second. */
int parse_conn_rate(const char *in, uint32_t *n, struct parse_error *err);
/* "conn burst": a number of connections, > 0. */
int parse_conn_burst(const char *in, uint32_t *n, struct parse_error *err);

/*
 * The order in which a policy's limits are listed (POLICY_GET replies,
 * show, show --config): the one of all its connections first, then by
 * class name (byte order).  qsort-style, over struct egress_conn.
 */
int egress_conn_cmp(const void *a, const void *b);

int parse_rate(const char *in, uint64_t *bytes_per_sec,
	       struct parse_error *err);
int parse_size(const char *in, uint32_t *bytes, struct parse_error *err);
int parse_pps(const char *in, uint32_t *pps, struct parse_error *err);
int parse_queue_limit(const char *in, uint32_t *packets,
		      struct parse_error *err);
int parse_latency(const char *in, uint32_t *us, struct parse_error *err);

/* The kernel's bounds of NF_EGRESS_A_INSTANCES_MAX. */
#define EGRESS_INSTANCES_MAX_MIN	1u
#define EGRESS_INSTANCES_MAX_MAX	65536u

/* A template's "instances max N": a whole number, 1..65536. */
int parse_instances_max(const char *in, uint32_t *n, struct parse_error *err);

/* The kernel's bound of NF_EGRESS_A_INSTANCES_KEEP, in seconds: 365 days. */
#define EGRESS_INSTANCES_KEEP_MAX	31536000u

/*
 * A template's "instances keep TIME": N[.D] followed by a unit, s, m, h or
 * d (case-insensitive; "0" needs none), a whole number of seconds, 0s..365d.
 */
int parse_instances_keep(const char *in, uint32_t *secs,
			 struct parse_error *err);

/* The longest interval of egressctl top, in seconds: a day. */
#define EGRESS_TOP_INTERVAL_MAX		86400u

/*
 * egressctl top -d SECONDS: a decimal number of seconds, fractions allowed
 * ("1", "0.5", ".25"), digits beyond nanoseconds ignored; more than zero,
 * at most EGRESS_TOP_INTERVAL_MAX.  Into nanoseconds.
 */
int parse_top_interval(const char *in, uint64_t *ns, struct parse_error *err);

/* egressctl top -n COUNT: refreshes, a whole number, > 0. */
int parse_top_count(const char *in, uint32_t *n, struct parse_error *err);

/* "police" / "shape" -> enum nf_egress_rate_mode. */
int parse_rate_mode(const char *in, uint8_t *out);
const char *rate_mode_name(uint8_t mode);	/* "police", "shape", "?" */

/*
 * A rate limit from words:
 *   rate none
 *   rate RATE [burst SIZE] [pps N] [queue N] [latency TIME] [police|shape]
 *   pps N [queue N] [latency TIME] [police|shape]
 * argv[0] must be "rate" or "pps"; the words after RATE (or N) may come in
 * any order; queue and latency only in shape mode (the default).  Parsing stops at the first word that
 * is not part of the limit; returns the number of words used (> 0) or -1
 * with err (err->word: the word the error is about, or argc).
 */
int parse_rate_spec(int argc, char **argv, struct egress_rate *r,
		    struct parse_error *err);

/*
 * Canonical texts, each parsing back to exactly the same value:
 * format_rate: bytes/s * 8 in the largest of tbit, gbit, mbit, kbit that
 * divides it ("50mbit", "1500kbit", "8bit"); "Nbps" only beyond 2^64 bits.
 * format_size: the largest of g, m, k that divides it ("256k"), else bytes.
 * format_latency: the largest of s, ms, us that divides it ("100ms").
 * format_duration: seconds in the largest of d, h, m, s that divides them
 * ("1h", "90s", "0s").
 * format_rate_spec: "rate none", "rate 50mbit burst 256k pps 100 police",
 * "pps 100 police", "rate 1mbit burst 64k queue 1000 latency 100ms shape"
 * (burst, queue and latency only when known, queue and latency only in
 * shape mode; the mode always).
 * Return the snprintf-style length.
 */
int format_rate(uint64_t bytes_per_sec, char *buf, size_t len);
int format_size(uint32_t bytes, char *buf, size_t len);
int format_latency(uint32_t us, char *buf, size_t len);
int format_duration(uint32_t secs, char *buf, size_t len);
int format_rate_spec(const struct egress_rate *r, char *buf, size_t len);

/* Zero every bit of addr beyond prefix_len. */
void prefix_mask(struct egress_prefix *p);

#endif /* EGRESSCTL_PARSE_H */
