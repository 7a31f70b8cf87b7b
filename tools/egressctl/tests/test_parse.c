// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the pure parts of egressctl: parsers, formatters, the
 * JSON writer and the table printer.  TAP on stdout, exit 1 on failure.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"
#include "output.h"
#include "parse.h"
#include "report.h"
#include "table.h"
#include "tap.h"

static void path_ok(const char *in, const char *want)
{
	char out[NF_EGRESS_CGROUP_PATH_MAX];
	struct parse_error err;
	int ret = parse_cgroup_path(in, out, sizeof(out), &err);

	if (!ok(ret == 0 && !strcmp(out, want), "path '%.40s' -> '%.40s'",
		in, want))
		diag("ret %d, got '%.60s', err '%s'", ret, ret ? "" : out,
		     err.msg);
}

static void path_bad(const char *in, const char *want_msg_part)
{
	char out[NF_EGRESS_CGROUP_PATH_MAX];
	struct parse_error err;
	int ret = parse_cgroup_path(in, out, sizeof(out), &err);

	if (!ok(ret < 0 && err.kind == PARSE_EVALUE &&
		strstr(err.msg, want_msg_part),
		"path '%.40s' rejected (%s)", in, want_msg_part))
		diag("ret %d, msg '%s'", ret, err.msg);
}

static void test_paths(void)
{
	char *longp;

	path_ok("/", "/");
	path_ok("//", "/");
	path_ok("///", "/");
	path_ok("/t1", "/t1");
	path_ok("/t1/", "/t1");
	path_ok("/t1//", "/t1");
	path_ok("//a///b//", "/a/b");
	path_ok("/system.slice/nginx.service", "/system.slice/nginx.service");
	path_ok("/a/.b", "/a/.b");
	path_ok("/a/..b", "/a/..b");
	path_ok("/a/b..", "/a/b..");
	path_ok("/...", "/...");
	path_ok("/a b", "/a b");
	path_bad("", "empty");
	path_bad(NULL, "empty");
	path_bad("t1", "must start with '/'");
	path_bad(" /t1", "must start with '/'");
	path_bad("./t1", "must start with '/'");
	path_bad("/.", "'.' and '..'");
	path_bad("/..", "'.' and '..'");
	path_bad("/a/./b", "'.' and '..'");
	path_bad("/a/../b", "'.' and '..'");
	path_bad("/a/..", "'.' and '..'");
	path_bad("/a/.", "'.' and '..'");
	path_bad("/a/./", "'.' and '..'");

	/* 4095 bytes is the limit (4096 with the NUL) */
	longp = malloc(8192);
	longp[0] = '/';
	memset(longp + 1, 'a', 4094);
	longp[4095] = '\0';
	path_ok(longp, longp);
	longp[4095] = 'a';
	longp[4096] = '\0';
	path_bad(longp, "longer than 4095 bytes");
	/* the limit is on the normalised path: extra slashes are free */
	longp[0] = '/';
	longp[1] = '/';
	memset(longp + 2, 'a', 4094);
	longp[4096] = '\0';
	{
		char out[NF_EGRESS_CGROUP_PATH_MAX];

		ok(parse_cgroup_path(longp, out, sizeof(out), NULL) == 0 &&
		   strlen(out) == 4095, "path: 4096 input bytes normalising to 4095 accepted");
	}
	/* many components */
	{
		char out[NF_EGRESS_CGROUP_PATH_MAX];
		int i;

		for (i = 0; i < 2048; i++)
			memcpy(longp + 2 * i, "/x", 2);
		longp[4096] = '\0';
		ok(parse_cgroup_path(longp, out, sizeof(out), NULL) < 0,
		   "path: 2048 components (4096 bytes) rejected");
		longp[4095] = '\0';
		/* "/x" * 2047 + "/": the trailing slash goes */
		ok(parse_cgroup_path(longp, out, sizeof(out), NULL) == 0 &&
		   strlen(out) == 4094, "path: 2047 components accepted");
	}
	/* a short output buffer must not overflow */
	{
		char small[8];

		ok(parse_cgroup_path("/abcdefghij", small, sizeof(small),
				     NULL) < 0, "path: too small output buffer refused");
		ok(parse_cgroup_path("/abc", small, sizeof(small), NULL) == 0 &&
		   !strcmp(small, "/abc"), "path: fits small buffer");
	}
	free(longp);
}

static void cidr_ok(const char *in, int family, int plen, const char *canon)
{
	struct egress_prefix p;
	struct parse_error err;
	char buf[EGRESS_CIDR_STRLEN];
	int ret = parse_cidr(in, &p, &err);

	if (ret == 0)
		format_prefix(&p, buf, sizeof(buf));
	if (!ok(ret == 0 && p.family == family && p.prefix_len == plen &&
		!strcmp(buf, canon), "cidr '%s' -> %s", in, canon))
		diag("ret %d, msg '%s'", ret, err.msg);
}

static void cidr_bad(const char *in)
{
	struct egress_prefix p;
	struct parse_error err;
	char want[300];
	int ret = parse_cidr(in, &p, &err);

	snprintf(want, sizeof(want), "invalid CIDR '%s'", in);
	if (!ok(ret < 0 && err.kind == PARSE_EVALUE && !strcmp(err.msg, want),
		"cidr '%.50s' rejected", in))
		diag("ret %d, msg '%s'", ret, err.msg);
}

static void cidr_hostbits(const char *in, const char *suggest)
{
	struct egress_prefix p;
	struct parse_error err;
	char want[300];
	int ret = parse_cidr(in, &p, &err);

	snprintf(want, sizeof(want), "host bits set in %s (did you mean %s?)",
		 in, suggest);
	if (!ok(ret < 0 && err.kind == PARSE_EVALUE && !strcmp(err.msg, want),
		"cidr '%s' host bits -> %s", in, suggest))
		diag("ret %d, msg '%s'", ret, err.msg);
}

static void test_cidrs(void)
{
	struct egress_prefix p;
	char longs[200];

	cidr_ok("10.99.0.0/24", AF_INET, 24, "10.99.0.0/24");
	cidr_ok("10.0.0.1", AF_INET, 32, "10.0.0.1/32");
	cidr_ok("10.0.0.1/32", AF_INET, 32, "10.0.0.1/32");
	cidr_ok("0.0.0.0/0", AF_INET, 0, "0.0.0.0/0");
	cidr_ok("255.255.255.255/32", AF_INET, 32, "255.255.255.255/32");
	cidr_ok("255.255.255.254/31", AF_INET, 31, "255.255.255.254/31");
	cidr_ok("192.0.2.128/25", AF_INET, 25, "192.0.2.128/25");
	cidr_ok("10.0.0.0/7", AF_INET, 7, "10.0.0.0/7");
	cidr_ok("10.0.0.0/08", AF_INET, 8, "10.0.0.0/8");
	cidr_ok("2001:db8:99::/64", AF_INET6, 64, "2001:db8:99::/64");
	cidr_ok("2001:DB8:99:0::/64", AF_INET6, 64, "2001:db8:99::/64");
	cidr_ok("2001:db8::1", AF_INET6, 128, "2001:db8::1/128");
	cidr_ok("::1", AF_INET6, 128, "::1/128");
	cidr_ok("::/0", AF_INET6, 0, "::/0");
	cidr_ok("::", AF_INET6, 128, "::/128");
	cidr_ok("2001:db8::/32", AF_INET6, 32, "2001:db8::/32");
	cidr_ok("2001:db8:0:0:0:0:0:1/128", AF_INET6, 128, "2001:db8::1/128");
	cidr_ok("::ffff:10.0.0.0/104", AF_INET6, 104, "::ffff:10.0.0.0/104");
	cidr_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", AF_INET6, 128,
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	cidr_ok("2001:db8:8000::/33", AF_INET6, 33, "2001:db8:8000::/33");

	cidr_bad("10.0.0.300/24");
	cidr_bad("10.0.0.0/33");
	cidr_bad("10.0.0.1/1000");
	cidr_bad("2001:db8::/129");
	cidr_bad("garbage");
	cidr_bad("");
	cidr_bad("/");
	cidr_bad("/8");
	cidr_bad("10.0.0.0/");
	cidr_bad("+10.0.0.0/8");
	cidr_bad("10.0.0.0/+8");
	cidr_bad("10.0.0.0/-1");
	cidr_bad("10.0.0.0/8x");
	cidr_bad("10.0.0.0/8 ");
	cidr_bad("10.0.0.0/ 8");
	cidr_bad(" 10.0.0.0/8");
	cidr_bad("10.0.0.0 /8");
	cidr_bad("10.0.0.0//8");
	cidr_bad("10.0.0.0/8/8");
	cidr_bad("10.0.0/8");
	cidr_bad("10.0.0.0.0/8");
	cidr_bad("010.0.0.0/8");
	cidr_bad("0x0a.0.0.0/8");
	cidr_bad("10.0.0.0x/8");
	cidr_bad("10.0.0.0/0x8");
	cidr_bad("10.0.0.0/0008");
	cidr_bad("fe80::1%eth0");
	cidr_bad("2001:db8:::/64");
	cidr_bad("2001:db8::g/64");
	cidr_bad(":/0");
	cidr_bad("10.0.0.-1/8");
	cidr_bad("1.2.3.4\t");
	memset(longs, '1', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	cidr_bad(longs);
	ok(parse_cidr(NULL, &p, NULL) < 0, "cidr NULL rejected without err");

	cidr_hostbits("10.99.0.1/24", "10.99.0.0/24");
	cidr_hostbits("11.0.0.0/7", "10.0.0.0/7");
	cidr_hostbits("0.0.0.1/0", "0.0.0.0/0");
	cidr_hostbits("255.255.255.255/31", "255.255.255.254/31");
	cidr_hostbits("2001:db8::1/64", "2001:db8::/64");
	cidr_hostbits("2001:db8:99::1/32", "2001:db8::/32");
	cidr_hostbits("::1/0", "::/0");
	cidr_hostbits("2001:db8:ffff::/33", "2001:db8:8000::/33");
}

static int popcount_bytes(const uint8_t *b, int n)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c += __builtin_popcount(b[i]);
	return c;
}

/* prefix_mask keeps exactly the prefix of an all-ones address, every length. */
static bool mask_keeps_prefix(uint8_t family, int alen)
{
	struct egress_prefix p;
	bool good = true;
	int len;

	for (len = 0; len <= alen * 8; len++) {
		memset(&p, 0, sizeof(p));
		p.family = family;
		p.prefix_len = (uint8_t)len;
		memset(p.addr.bytes, 0xff, alen);
		prefix_mask(&p);
		if (popcount_bytes(p.addr.bytes, alen) != len ||
		    (len && !(p.addr.bytes[(len - 1) / 8] &
			      (0x80 >> ((len - 1) % 8)))))
			good = false;
	}
	return good;
}

static void test_mask(void)
{
	ok(mask_keeps_prefix(AF_INET, 4),
	   "prefix_mask: IPv4 lengths 0..32 keep exactly the prefix");
	ok(mask_keeps_prefix(AF_INET6, 16),
	   "prefix_mask: IPv6 lengths 0..128 keep exactly the prefix");
}

static void test_scalars(void)
{
	uint8_t v = 0xee;
	uint32_t u;

	ok(parse_verdict("allow", &v) == 0 && v == NF_EGRESS_VERDICT_ALLOW,
	   "verdict allow");
	ok(parse_verdict("deny", &v) == 0 && v == NF_EGRESS_VERDICT_DENY,
	   "verdict deny");
	ok(parse_verdict("Allow", &v) < 0, "verdict Allow rejected");
	ok(parse_verdict("", &v) < 0, "verdict empty rejected");
	ok(parse_verdict("allowx", &v) < 0, "verdict allowx rejected");
	ok(parse_verdict(NULL, &v) < 0, "verdict NULL rejected");
	ok(!strcmp(verdict_name(NF_EGRESS_VERDICT_ALLOW), "allow") &&
	   !strcmp(verdict_name(NF_EGRESS_VERDICT_DENY), "deny") &&
	   !strcmp(verdict_name(7), "?"), "verdict names");
	ok(is_rule_spec_start("allow") && is_rule_spec_start("deny") &&
	   !is_rule_spec_start("1") && !is_rule_spec_start("to"),
	   "is_rule_spec_start");

	ok(parse_u32("0", &u) == 0 && u == 0, "u32 0");
	ok(parse_u32("1", &u) == 0 && u == 1, "u32 1");
	ok(parse_u32("4294967295", &u) == 0 && u == 4294967295u, "u32 max");
	ok(parse_u32("4294967296", &u) < 0, "u32 max+1 rejected");
	ok(parse_u32("12345678901", &u) < 0, "u32 11 digits rejected");
	ok(parse_u32("99999999999999999999999", &u) < 0, "u32 huge rejected");
	ok(parse_u32("-1", &u) < 0, "u32 -1 rejected");
	ok(parse_u32("+1", &u) < 0, "u32 +1 rejected");
	ok(parse_u32(" 1", &u) < 0, "u32 leading space rejected");
	ok(parse_u32("1 ", &u) < 0, "u32 trailing space rejected");
	ok(parse_u32("0x10", &u) < 0, "u32 hex rejected");
	ok(parse_u32("", &u) < 0, "u32 empty rejected");
}

static void spec_ok(int argc, char **argv, const char *canon)
{
	struct egress_rule_spec spec;
	struct parse_error err;
	char buf[EGRESS_RULE_STRLEN];
	int ret = parse_rule_spec(argc, argv, &spec, &err);

	if (ret == 0)
		format_rule_spec(&spec, buf, sizeof(buf));
	if (!ok(ret == 0 && !strcmp(buf, canon), "spec -> '%s'", canon))
		diag("ret %d msg '%s'", ret, err.msg);
}

static void spec_bad(int argc, char **argv, enum parse_error_kind kind,
		     const char *msg)
{
	struct egress_rule_spec spec;
	struct parse_error err;
	int ret = parse_rule_spec(argc, argv, &spec, &err);

	if (!ok(ret < 0 && err.kind == kind && !strcmp(err.msg, msg),
		"spec rejected: %s", msg))
		diag("ret %d kind %d msg '%s'", ret, err.kind, err.msg);
}

#define ARGV(...)	(int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)), \
			(char *[]){ __VA_ARGS__ }

static void test_specs(void)
{
	struct egress_rule_spec spec;
	char buf[EGRESS_RULE_STRLEN];

	spec_ok(ARGV("allow", "to", "10.99.0.0/24"), "allow to 10.99.0.0/24");
	spec_ok(ARGV("deny", "to", "2001:db8:99::/64"), "deny to 2001:db8:99::/64");
	spec_ok(ARGV("allow", "to", "10.0.0.1"), "allow to 10.0.0.1/32");
	spec_ok(ARGV("deny", "to", "::/0"), "deny to ::/0");

	ok(parse_rule_spec(ARGV("allow", "to", "10.99.0.0/24"), &spec, NULL) == 0 &&
	   spec.action == NF_EGRESS_VERDICT_ALLOW && spec.fields == EGRESS_SPEC_TO &&
	   spec.to.family == AF_INET && spec.to.prefix_len == 24 &&
	   spec.to.addr.bytes[0] == 10 && spec.to.addr.bytes[1] == 99 &&
	   spec.to.addr.bytes[2] == 0 && spec.to.addr.bytes[3] == 0,
	   "spec fields filled");

	spec_bad(0, NULL, PARSE_ESYNTAX, "missing 'allow' or 'deny'");
	spec_bad(ARGV("permit", "to", "10.0.0.0/8"), PARSE_ESYNTAX,
		 "expected 'allow' or 'deny', got 'permit'");
	spec_bad(ARGV("allow"), PARSE_ESYNTAX, "missing 'to CIDR'");
	spec_bad(ARGV("allow", "to"), PARSE_ESYNTAX, "missing CIDR after 'to'");
	spec_bad(ARGV("allow", "to", "10.0.0.300/24"), PARSE_EVALUE,
		 "invalid CIDR '10.0.0.300/24'");
	spec_bad(ARGV("allow", "to", "10.99.0.1/24"), PARSE_EVALUE,
		 "host bits set in 10.99.0.1/24 (did you mean 10.99.0.0/24?)");
	spec_bad(ARGV("allow", "to", "1.0.0.0/8", "to", "2.0.0.0/8"),
		 PARSE_ESYNTAX, "'to' given more than once");
	spec_bad(ARGV("allow", "from", "1.0.0.0/8"), PARSE_ESYNTAX,
		 "unexpected argument 'from'");
	spec_bad(ARGV("allow", "to", "1.0.0.0/8", "extra"), PARSE_ESYNTAX,
		 "unexpected argument 'extra'");
	spec_bad(ARGV("allow", "allow", "to", "1.0.0.0/8"), PARSE_ESYNTAX,
		 "unexpected argument 'allow'");
	spec_bad(ARGV("allow", "to", ""), PARSE_EVALUE, "invalid CIDR ''");

	memset(&spec, 0, sizeof(spec));
	spec.action = NF_EGRESS_VERDICT_DENY;
	spec.fields = EGRESS_SPEC_TO;
	spec.to.family = 99;
	ok(format_rule_spec(&spec, buf, sizeof(buf)) < 0,
	   "format refuses an unknown family");
	spec.to.family = AF_INET;
	spec.to.prefix_len = 33;
	ok(format_rule_spec(&spec, buf, sizeof(buf)) < 0,
	   "format refuses an IPv4 prefix over 32");
	spec.to.prefix_len = 8;
	spec.to.addr.bytes[0] = 10;
	ok(format_rule_spec(&spec, buf, 10) > 9 && strlen(buf) == 9,
	   "format truncates safely to a short buffer");
}

static void spec_bad_word(int argc, char **argv, const char *msg, int word)
{
	struct egress_rule_spec spec;
	struct parse_error err;
	int ret = parse_rule_spec(argc, argv, &spec, &err);

	if (!ok(ret < 0 && !strcmp(err.msg, msg) && err.word == word,
		"spec rejected at word %d: %s", word, msg))
		diag("ret %d word %d msg '%s'", ret, err.word, err.msg);
}

static void test_specs_v2(void)
{
	struct egress_rule_spec a, b;
	char buf[EGRESS_RULE_STRLEN];

	/* canonical text: proto omitted when any, "port N" when N-N */
	spec_ok(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "443", "class", "internal"),
		"allow tcp to 10.0.0.0/8 port 443 class internal");
	spec_ok(ARGV("allow", "proto", "tcp", "to", "10.0.0.0/8", "port", "443-443"),
		"allow tcp to 10.0.0.0/8 port 443");
	spec_ok(ARGV("deny", "to", "169.254.169.254/32"), "deny to 169.254.169.254/32");
	spec_ok(ARGV("deny", "any", "to", "169.254.169.254"), "deny to 169.254.169.254/32");
	spec_ok(ARGV("deny", "proto", "any", "to", "::/0", "port", "1-1024"),
		"deny to ::/0 port 1-1024");
	spec_ok(ARGV("allow", "udp", "to", "0.0.0.0/0", "port", "53"),
		"allow udp to 0.0.0.0/0 port 53");
	spec_ok(ARGV("allow", "sctp", "to", "2001:db8::/32", "port", "0-65535"),
		"allow sctp to 2001:db8::/32 port 0-65535");
	spec_ok(ARGV("allow", "icmp", "to", "10.0.0.0/8"), "allow icmp to 10.0.0.0/8");
	spec_ok(ARGV("allow", "icmpv6", "to", "2001:db8::/32"), "allow icmpv6 to 2001:db8::/32");
	spec_ok(ARGV("allow", "to", "10.0.0.0/8", "class", "a.B-c_9", "proto", "udp"),
		"allow udp to 10.0.0.0/8 class a.B-c_9");
	spec_ok(ARGV("allow", "port", "80", "to", "10.0.0.0/8"),
		"allow to 10.0.0.0/8 port 80");
	spec_ok(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "0"),
		"allow tcp to 10.0.0.0/8 port 0");
	spec_ok(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "65535"),
		"allow tcp to 10.0.0.0/8 port 65535");
	spec_ok(ARGV("allow", "to", "10.0.0.0/8", "class", "abcdefghijabcdefghijabcdefghij1"),
		"allow to 10.0.0.0/8 class abcdefghijabcdefghijabcdefghij1");

	ok(parse_rule_spec(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "80-90",
				"class", "x"), &a, NULL) == 0 &&
	   a.proto == IPPROTO_TCP && (a.fields & EGRESS_SPEC_PORT) &&
	   a.port_min == 80 && a.port_max == 90 && !strcmp(a.class_name, "x"),
	   "spec v2 fields filled");
	ok(parse_rule_spec(ARGV("allow", "any", "to", "10.0.0.0/8"), &a, NULL) == 0 &&
	   a.proto == 0 && !(a.fields & EGRESS_SPEC_PORT), "proto any is 0");

	spec_bad_word(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "65536"),
		      "invalid port '65536' (a number 0-65535 or a range N-M)", 5);
	spec_bad_word(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "443-80"),
		      "invalid port range '443-80': 443 is above 80", 5);
	spec_bad_word(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "-80"),
		      "invalid port '-80' (a number 0-65535 or a range N-M)", 5);
	spec_bad_word(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "80-"),
		      "invalid port '80-' (a number 0-65535 or a range N-M)", 5);
	spec_bad_word(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "080"),
		      "invalid port '080' (a number 0-65535 or a range N-M)", 5);
	spec_bad_word(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "http"),
		      "invalid port 'http' (a number 0-65535 or a range N-M)", 5);
	spec_bad_word(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "1 "),
		      "invalid port '1 ' (a number 0-65535 or a range N-M)", 5);
	spec_bad_word(ARGV("allow", "icmp", "to", "10.0.0.0/8", "port", "1"),
		      "'port' needs proto tcp, udp, sctp or any, not icmp", 4);
	spec_bad_word(ARGV("allow", "icmp", "to", "2001:db8::/32"),
		      "proto icmp needs an IPv4 destination (use icmpv6 for IPv6)", 1);
	spec_bad_word(ARGV("allow", "to", "10.0.0.0/8", "proto", "icmpv6"),
		      "proto icmpv6 needs an IPv6 destination (use icmp for IPv4)", 4);
	spec_bad_word(ARGV("allow", "proto", "gre", "to", "10.0.0.0/8"),
		      "invalid protocol 'gre' (tcp, udp, sctp, icmp, icmpv6 or any)", 2);
	spec_bad_word(ARGV("allow", "proto", "TCP", "to", "10.0.0.0/8"),
		      "invalid protocol 'TCP' (tcp, udp, sctp, icmp, icmpv6 or any)", 2);
	spec_bad_word(ARGV("allow", "gre", "to", "10.0.0.0/8"),
		      "unexpected argument 'gre'", 1);
	spec_bad_word(ARGV("allow", "tcp", "udp", "to", "10.0.0.0/8"),
		      "unexpected argument 'udp'", 2);
	spec_bad_word(ARGV("allow", "tcp", "proto", "udp", "to", "10.0.0.0/8"),
		      "'proto' given more than once", 2);
	spec_bad_word(ARGV("allow", "to", "10.0.0.0/8", "port", "1", "port", "2"),
		      "'port' given more than once", 5);
	spec_bad_word(ARGV("allow", "to", "10.0.0.0/8", "class", "a b"),
		      "invalid class 'a b' (1-31 characters of A-Z a-z 0-9 _ . -)", 4);
	spec_bad_word(ARGV("allow", "to", "10.0.0.0/8", "class", ""),
		      "invalid class '' (1-31 characters of A-Z a-z 0-9 _ . -)", 4);
	spec_bad_word(ARGV("allow", "to", "10.0.0.0/8", "class",
			   "abcdefghijabcdefghijabcdefghij12"),
		      "invalid class 'abcdefghijabcdefghijabcdefghij12' (1-31 characters of A-Z a-z 0-9 _ . -)", 4);
	spec_bad_word(ARGV("allow", "to", "10.0.0.0/8", "class"),
		      "missing NAME after 'class'", 4);
	spec_bad_word(ARGV("allow", "tcp"), "missing 'to CIDR'", 2);
	spec_bad_word(ARGV("allow", "tcp", "port", "80"), "missing 'to CIDR'", 4);

	/* duplicates: prefix + proto + ports, not action or class */
	parse_rule_spec(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "443"), &a, NULL);
	parse_rule_spec(ARGV("deny", "proto", "tcp", "to", "10.0.0.0/8", "port",
			     "443-443", "class", "x"), &b, NULL);
	ok(rule_spec_same_match(&a, &b) &&
	   rule_spec_match_hash(&a) == rule_spec_match_hash(&b),
	   "same match despite action and class");
	parse_rule_spec(ARGV("allow", "tcp", "to", "10.0.0.0/8", "port", "444"), &b, NULL);
	ok(!rule_spec_same_match(&a, &b), "other port: not the same");
	parse_rule_spec(ARGV("allow", "udp", "to", "10.0.0.0/8", "port", "443"), &b, NULL);
	ok(!rule_spec_same_match(&a, &b), "other proto: not the same");
	parse_rule_spec(ARGV("allow", "tcp", "to", "10.0.0.0/9", "port", "443"), &b, NULL);
	ok(!rule_spec_same_match(&a, &b), "other prefix length: not the same");
	parse_rule_spec(ARGV("allow", "tcp", "to", "10.0.0.0/8"), &b, NULL);
	ok(!rule_spec_same_match(&a, &b), "no ports vs ports: not the same");
	parse_rule_spec(ARGV("allow", "to", "::/0"), &a, NULL);
	parse_rule_spec(ARGV("allow", "to", "0.0.0.0/0"), &b, NULL);
	ok(!rule_spec_same_match(&a, &b), "other family: not the same");

	/* names */
	{
		uint8_t v = 0xee;

		ok(parse_mode("enforce", &v) == 0 && v == NF_EGRESS_MODE_ENFORCE &&
		   parse_mode("audit", &v) == 0 && v == NF_EGRESS_MODE_AUDIT &&
		   parse_mode("Audit", &v) < 0 && parse_mode(NULL, &v) < 0,
		   "parse_mode");
		ok(!strcmp(mode_name(NF_EGRESS_MODE_ENFORCE), "enforce") &&
		   !strcmp(mode_name(NF_EGRESS_MODE_AUDIT), "audit") &&
		   !strcmp(mode_name(9), "?"), "mode names");
		ok(!strcmp(proto_name(0), "any") && !strcmp(proto_name(6), "tcp") &&
		   !strcmp(proto_name(17), "udp") && !strcmp(proto_name(132), "sctp") &&
		   !strcmp(proto_name(1), "icmp") && !strcmp(proto_name(58), "icmpv6") &&
		   proto_name(47) == NULL, "proto names");
	}

	/* a kernel rule with an unnamed protocol still formats */
	memset(&a, 0, sizeof(a));
	parse_rule_spec(ARGV("allow", "to", "10.0.0.0/8"), &a, NULL);
	a.proto = 47;
	ok(format_rule_spec(&a, buf, sizeof(buf)) > 0 &&
	   !strcmp(buf, "allow proto 47 to 10.0.0.0/8"), "unnamed proto formats as a number");
}

static void pkt_ok(int argc, char **argv, int family, bool has_proto,
		   uint8_t proto, bool has_port, uint16_t port, const char *desc)
{
	struct egress_packet p;
	struct parse_error err;
	int ret = parse_packet_spec(argc, argv, &p, &err);

	if (!ok(ret == 0 && p.family == family && p.has_proto == has_proto &&
		(!has_proto || p.proto == proto) && p.has_port == has_port &&
		(!has_port || p.port == port), "packet: %s", desc))
		diag("ret %d msg '%s'", ret, err.msg);
}

static void pkt_bad(int argc, char **argv, const char *msg)
{
	struct egress_packet p;
	struct parse_error err;
	int ret = parse_packet_spec(argc, argv, &p, &err);

	if (!ok(ret < 0 && !strcmp(err.msg, msg), "packet rejected: %s", msg))
		diag("ret %d msg '%s'", ret, err.msg);
}

static void test_packets(void)
{
	pkt_ok(ARGV("10.0.5.1"), AF_INET, false, 0, false, 0, "bare v4");
	pkt_ok(ARGV("2001:db8::1"), AF_INET6, false, 0, false, 0, "bare v6");
	pkt_ok(ARGV("10.0.5.1", "proto", "tcp", "port", "443"), AF_INET, true, 6,
	       true, 443, "tcp 443");
	pkt_ok(ARGV("10.0.5.1", "port", "53", "proto", "udp"), AF_INET, true, 17,
	       true, 53, "port before proto");
	pkt_ok(ARGV("10.0.5.1", "proto", "icmp"), AF_INET, true, 1, false, 0, "icmp");
	pkt_ok(ARGV("::1", "proto", "any"), AF_INET6, false, 0, false, 0,
	       "proto any is no proto");
	pkt_bad(0, NULL, "missing destination address");
	pkt_bad(ARGV("10.0.0.0/8"), "invalid address '10.0.0.0/8'");
	pkt_bad(ARGV("host"), "invalid address 'host'");
	pkt_bad(ARGV("10.0.0.1", "port", "80"), "'port' needs proto tcp, udp or sctp");
	pkt_bad(ARGV("10.0.0.1", "proto", "icmp", "port", "80"),
		"'port' needs proto tcp, udp or sctp");
	pkt_bad(ARGV("10.0.0.1", "proto", "icmpv6"),
		"proto icmpv6 needs an IPv6 destination (use icmp for IPv4)");
	pkt_bad(ARGV("10.0.0.1", "proto", "tcp", "port", "65536"),
		"invalid port '65536' (a number 0-65535)");
	pkt_bad(ARGV("10.0.0.1", "proto", "tcp", "proto", "udp"),
		"'proto' given more than once");
	pkt_bad(ARGV("10.0.0.1", "proto"), "missing PROTO after 'proto'");
	pkt_bad(ARGV("10.0.0.1", "via", "x"), "unexpected argument 'via'");
}

static void test_class_names(void)
{
	ok(valid_class_name("a") && valid_class_name("A-Z_a.z-09") &&
	   valid_class_name("abcdefghijabcdefghijabcdefghij1"),
	   "valid class names");
	ok(!valid_class_name("") && !valid_class_name(NULL) &&
	   !valid_class_name("abcdefghijabcdefghijabcdefghij12") &&
	   !valid_class_name("a/b") && !valid_class_name("a b") &&
	   !valid_class_name("\xc3\xa9"), "invalid class names");
}

/* parse_class_name: what conn-class and a conn statement's class take */
static void test_parse_class_name(void)
{
	char out[NF_EGRESS_CLASS_NAME_MAX] = "x";
	struct parse_error err;

	ok(parse_class_name("internet", out, &err) == 0 &&
	   !strcmp(out, "internet") && err.kind == PARSE_OK,
	   "parse_class_name: internet");
	ok(parse_class_name("abcdefghijabcdefghijabcdefghij1", out, &err) == 0 &&
	   !strcmp(out, "abcdefghijabcdefghijabcdefghij1"),
	   "parse_class_name: 31 characters");
	strcpy(out, "kept");
	ok(parse_class_name("a b", out, &err) == -1 && err.kind == PARSE_EVALUE &&
	   !strcmp(err.msg, "invalid class 'a b' (1-31 characters of A-Z a-z 0-9 _ . -)") &&
	   !strcmp(out, "kept"),
	   "parse_class_name: 'a b' refused as a rule's class, out untouched");
	ok(parse_class_name("", out, &err) == -1 &&
	   !strcmp(err.msg, "invalid class '' (1-31 characters of A-Z a-z 0-9 _ . -)"),
	   "parse_class_name: empty refused");
	ok(parse_class_name("abcdefghijabcdefghijabcdefghij12", out, &err) == -1,
	   "parse_class_name: 32 characters refused");
}

struct escape_input {
	void (*escape)(FILE *, const char *);
	const char *in;
};

static void write_escaped(FILE *f, const void *arg)
{
	const struct escape_input *e = arg;

	e->escape(f, e->in);
}

/* escape, which what names, must write in as want; name tells the case. */
static void escape_case(void (*escape)(FILE *, const char *),
			const char *what, const char *in, const char *want,
			const char *name)
{
	struct escape_input e = { escape, in };
	char *got = tap_capture(write_escaped, &e);

	if (!ok(!strcmp(got, want), "%s: %s", what, name))
		diag("got '%s' want '%s'", got, want);
	free(got);
}

#define esc_case(in, want, name) \
	escape_case(json_write_escaped, "json escape", in, want, name)
#define label_case(in, want, name) \
	escape_case(prom_write_label_value, "prometheus label value", in, \
		    want, name)

static void write_doc(FILE *f, const void *unused)
{
	struct json j;

	(void)unused;
	json_init(&j, f);
	json_begin_array(&j);
	json_begin_object(&j);
	json_kv_string(&j, "cgroup", "/t1");
	json_kv_string(&j, "default", "deny");
	json_key(&j, "rules");
	json_begin_array(&j);
	json_begin_object(&j);
	json_kv_u64(&j, "id", 1);
	json_kv_string(&j, "to", "10.99.0.0/24");
	json_end_object(&j);
	json_begin_object(&j);
	json_kv_u64(&j, "id", 18446744073709551615ull);
	json_end_object(&j);
	json_end_array(&j);
	json_end_object(&j);
	json_begin_object(&j);
	json_key(&j, "empty");
	json_begin_object(&j);
	json_end_object(&j);
	json_kv_bool(&j, "t", true);
	json_key(&j, "n");
	json_null(&j);
	json_key(&j, "a");
	json_begin_array(&j);
	json_u64(&j, 1);
	json_u64(&j, 2);
	json_string(&j, NULL);
	json_bool(&j, false);
	json_end_array(&j);
	json_end_object(&j);
	json_end_array(&j);
}

static void write_empty(FILE *f, const void *unused)
{
	struct json j;

	(void)unused;
	json_init(&j, f);
	json_begin_array(&j);
	json_end_array(&j);
}

static void test_json(void)
{
	char *got;

	esc_case("/t1", "\"/t1\"", "plain");
	esc_case("", "\"\"", "empty");
	esc_case("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash");
	esc_case("a/b", "\"a/b\"", "slash unescaped");
	esc_case("\n\r\t", "\"\\n\\r\\t\"", "short escapes");
	esc_case("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"", "control chars");
	esc_case("\xc3\xa9t\xc3\xa9", "\"\xc3\xa9t\xc3\xa9\"", "valid 2-byte UTF-8 kept");
	esc_case("\xe2\x82\xac", "\"\xe2\x82\xac\"", "valid 3-byte UTF-8 kept");
	esc_case("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"", "valid 4-byte UTF-8 kept");
	esc_case("\xff", "\"\\u00ff\"", "invalid byte escaped");
	esc_case("\xc0\xaf", "\"\\u00c0\\u00af\"", "overlong escaped");
	esc_case("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"", "overlong 3-byte escaped");
	esc_case("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"", "surrogate escaped");
	esc_case("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"", "beyond U+10FFFF escaped");
	esc_case("a\xe2\x82", "\"a\\u00e2\\u0082\"", "truncated sequence at end");
	esc_case("\xe2(", "\"\\u00e2(\"", "bad continuation");
	esc_case("a\xe2\x80\xae" "b", "\"a\\u202eb\"", "bidi override escaped");
	esc_case("\xc2\x85\xc2\x9f", "\"\\u0085\\u009f\"", "C1 controls escaped");
	esc_case("\xe2\x80\xa8\xe2\x80\xa9", "\"\\u2028\\u2029\"", "line and paragraph separators escaped");
	esc_case("\xe2\x80\x8b\xef\xbb\xbf\xe2\x81\xa6", "\"\\u200b\\ufeff\\u2066\"",
		 "zero width space, BOM, bidi isolate escaped");
	esc_case("\xc2\xa0\xe2\x80\xb0\xe2\x80\xa7", "\"\xc2\xa0\xe2\x80\xb0\xe2\x80\xa7\"",
		 "their neighbours U+00A0, U+2030, U+2027 kept");

	got = tap_capture(write_doc, NULL);
	if (!ok(!strcmp(got,
			"[{\"cgroup\":\"/t1\",\"default\":\"deny\",\"rules\":"
			"[{\"id\":1,\"to\":\"10.99.0.0/24\"},{\"id\":18446744073709551615}]},"
			"{\"empty\":{},\"t\":true,\"n\":null,\"a\":[1,2,\"\",false]}]"),
		"json document structure"))
		diag("got %s", got);
	free(got);

	got = tap_capture(write_empty, NULL);
	ok(!strcmp(got, "[]"), "json empty array");
	free(got);
}

/* One renderer, both forms: what each print_* kind leaves in each. */
static void write_printer(FILE *f, const void *json)
{
	struct printer p;

	printer_init(&p, f, *(const bool *)json);
	print_open_array(&p, NULL);
	print_open_object(&p, NULL);
	print_string(&p, PRINT_ANY, "cgroup", "policy %s", "/t1");
	print_string(&p, PRINT_JSON, "mode", NULL, "audit");
	print_string(&p, PRINT_ANY, "absent", " absent %s", NULL);
	print_u64_opt(&p, PRINT_ANY, "port", " port %" PRIu64, false, 7);
	print_u64(&p, PRINT_ANY, "id", " id %" PRIu64, UINT64_MAX);
	print_text(&p, " (%d)", 3);
	print_json_bool(&p, "t", true);
	print_open_array(&p, "ports");
	print_u64(&p, PRINT_JSON, NULL, NULL, 80);
	print_u64(&p, PRINT_TEXT, NULL, " text-only %" PRIu64, 81);
	print_close_array(&p);
	print_nl(&p);
	print_close_object(&p);
	print_close_array(&p);
	printer_finish(&p);
}

static void test_printer(void)
{
	static const bool text = false, json = true;
	char *got;

	got = tap_capture(write_printer, &text);
	if (!ok(!strcmp(got, "policy /t1 id 18446744073709551615 (3) text-only 81\n"),
		"printer: the text form"))
		diag("got %s", got);
	free(got);
	got = tap_capture(write_printer, &json);
	if (!ok(!strcmp(got,
			"[{\"cgroup\":\"/t1\",\"mode\":\"audit\",\"absent\":null,"
			"\"port\":null,\"id\":18446744073709551615,\"t\":true,"
			"\"ports\":[80]}]\n"),
		"printer: the JSON form"))
		diag("got %s", got);
	free(got);
}

static void write_table(FILE *f, const void *unused)
{
	static const char *const hdr[] = { "CGROUP", "PKTS", "NAME" };
	static const bool num[] = { false, true, false };
	struct table t;

	(void)unused;
	table_init(&t, 3, hdr, num);
	table_add_row(&t, (const char *const[]){ "/t1", "5", "x" });
	table_add_row(&t, (const char *const[]){ "/longer/path", "123456", "yy" });
	table_print(&t, f);
	table_free(&t);
}

static void test_table(void)
{
	char *got = tap_capture(write_table, NULL);

	if (!ok(!strcmp(got,
			"CGROUP          PKTS  NAME\n"
			"/t1                5  x\n"
			"/longer/path  123456  yy\n"),
		"table aligned, numbers right, no trailing blanks"))
		diag("got:\n%s", got);
	free(got);
}

/* --- number/time formatters, Prometheus output ------------------ */

/* fmt, which what names, must write want for v. */
static void fmt_case(int (*fmt)(uint64_t, char *, size_t), const char *what,
		     uint64_t v, const char *want)
{
	char buf[64];

	fmt(v, buf, sizeof(buf));
	if (!ok(!strcmp(buf, want), "%s %llu -> '%s'", what,
		(unsigned long long)v, want))
		diag("got '%s'", buf);
}

#define bytes_case(v, want)	fmt_case(fmt_bytes_human, "bytes", v, want)
#define count_case(v, want)	fmt_case(fmt_count_human, "count", v, want)
#define time_case(v, want)	fmt_case(fmt_utc_time, "time", v, want)

static void test_human(void)
{
	char small[4];

	bytes_case(0, "0 B");
	bytes_case(812, "812 B");
	bytes_case(1023, "1023 B");
	bytes_case(1024, "1.0 KiB");
	bytes_case(1536, "1.5 KiB");
	bytes_case(1587, "1.5 KiB");		/* 1.4980 rounds up */
	bytes_case(1638, "1.6 KiB");		/* 1.5996 */
	bytes_case(10188, "9.9 KiB");
	bytes_case(1048524, "1023.9 KiB");
	bytes_case(1048525, "1.0 MiB");		/* 1023.95 KiB rounds to 1024.0 */
	bytes_case(1048575, "1.0 MiB");
	bytes_case(1572864, "1.5 MiB");
	bytes_case(1610612736, "1.5 GiB");
	bytes_case(4294967424ull, "4.0 GiB");
	bytes_case(1099511627776ull, "1.0 TiB");
	bytes_case(1125899906842624ull, "1.0 PiB");
	bytes_case(UINT64_MAX, "16.0 EiB");
	count_case(0, "0");
	count_case(999, "999");
	count_case(1000, "1.0k");
	count_case(12345, "12.3k");
	count_case(12350, "12.4k");
	count_case(999949, "999.9k");
	count_case(999950, "1.0M");
	count_case(4500000, "4.5M");
	count_case(1200000000ull, "1.2G");
	count_case(1000000000000ull, "1.0T");
	count_case(UINT64_MAX, "18.4E");
	ok(fmt_bytes_human(1536, small, sizeof(small)) == 7 &&
	   !strcmp(small, "1.5"), "bytes formatter truncates like snprintf");
	time_case(0, "1970-01-01 00:00:00 UTC");
	time_case(1795784700, "2026-11-27 13:05:00 UTC");
	time_case(UINT64_MAX, "@18446744073709551615");
}

struct metrics_input {
	const struct stats_entry *s;
	size_t n;
	bool json;
	const struct report_opts *opts;
};

static void write_metrics(FILE *f, const void *arg)
{
	const struct metrics_input *in = arg;

	if (in->opts)
		report_stats_text(f, in->s, in->n, in->opts);
	else if (in->json)
		report_stats_json(f, in->s, in->n);
	else
		report_metrics(f, in->s, in->n);
}

static void delay_case(uint64_t ns, const char *want_human,
		       const char *want_secs)
{
	char h[32], sec[32];

	fmt_delay_human(ns, h, sizeof(h));
	fmt_seconds_ns(ns, sec, sizeof(sec));
	if (!ok(!strcmp(h, want_human) && !strcmp(sec, want_secs),
		"delay %llu ns: '%s', '%s' s", (unsigned long long)ns,
		want_human, want_secs))
		diag("got '%s' '%s'", h, sec);
}

/* the shaping queue's delays, for people and for Prometheus */
static void test_delays(void)
{
	delay_case(0, "0ns", "0");
	delay_case(999, "999ns", "0.000000999");
	delay_case(1000, "1.0us", "0.000001");
	delay_case(12345678, "12.3ms", "0.012345678");
	delay_case(999950000, "1.0s", "0.99995");
	delay_case(100000000, "100.0ms", "0.1");
	delay_case(2500000000ull, "2.5s", "2.5");
	delay_case(10000000000ull, "10.0s", "10");
	delay_case(UINT64_MAX, "18446744073.7s", "18446744073.709551615");
}

static void test_prometheus(void)
{
	struct class_entry classes[] = {
		{ .name = "internet", .ctr = { 3, 300 } },
	};
	struct rule_entry rules[2] = { 0 };
	struct stats_entry s[2] = { 0 };
	struct metrics_input in = { s, 2, false, NULL };
	struct report_opts exact = { .exact = true, .details = true };
	char *a[] = { "allow", "tcp", "to", "10.0.0.0/8", "port", "443",
		      "class", "internet" };
	char *got;

	label_case("/t1", "/t1", "plain");
	label_case("a\\b", "a\\\\b", "backslash");
	label_case("a\"b", "a\\\"b", "double quote");
	label_case("a\nb", "a\\nb", "newline");
	label_case("tab\tcr\r", "tab\tcr\r", "other controls raw");
	label_case("\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9", "UTF-8 kept");
	label_case("a\xff" "b", "a\xef\xbf\xbd" "b", "invalid byte becomes U+FFFD");
	label_case("\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd", "truncated sequence");

	/* /a: enforce, a class, one rule with hits and one without counters */
	s[0].path = "/a";
	s[0].has_mode = true;
	s[0].mode = NF_EGRESS_MODE_ENFORCE;
	s[0].allowed = (struct egress_counter){ 5, 640 };
	s[0].denied = (struct egress_counter){ 1, 128 };
	s[0].ratelimited = (struct egress_counter){ 18446744073709551615ull, 2 };
	s[0].classes = classes;
	s[0].nclasses = 1;
	s[0].has_reset_time = true;
	s[0].reset_time = 1795784700;
	s[0].has_shaping = true;
	s[0].shaped = (struct egress_counter){ 40, 5120 };
	s[0].queue_len = 3;
	s[0].max_delay_ns = 2500000000ull;
	parse_rule_spec(8, a, &rules[0].spec, NULL);
	rules[0].id = 4;
	rules[0].has_stats = true;
	rules[0].stats = (struct egress_counter){ 3, 300 };
	parse_rule_spec(4, a + 0, &rules[1].spec, NULL);
	rules[1].spec.action = NF_EGRESS_VERDICT_DENY;
	rules[1].id = 9;
	s[0].rules = rules;
	s[0].nrules = 2;
	/* the newline can't come from the kernel, but must not break lines */
	s[1].path = "/b\"\n";
	s[1].has_mode = true;
	s[1].mode = NF_EGRESS_MODE_AUDIT;
	s[1].would_deny = (struct egress_counter){ 2, 256 };

	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
"# HELP nf_egress_packets_total Packets seen by an nf_egress policy, by verdict (would_deny packets are also allowed).\n"
"# TYPE nf_egress_packets_total counter\n"
"nf_egress_packets_total{cgroup=\"/a\",mode=\"enforce\",verdict=\"allowed\"} 5\n"
"nf_egress_packets_total{cgroup=\"/a\",mode=\"enforce\",verdict=\"denied\"} 1\n"
"nf_egress_packets_total{cgroup=\"/a\",mode=\"enforce\",verdict=\"would_deny\"} 0\n"
"nf_egress_packets_total{cgroup=\"/a\",mode=\"enforce\",verdict=\"ratelimited\"} 18446744073709551615\n"
"nf_egress_packets_total{cgroup=\"/b\\\"\\n\",mode=\"audit\",verdict=\"allowed\"} 0\n"
"nf_egress_packets_total{cgroup=\"/b\\\"\\n\",mode=\"audit\",verdict=\"denied\"} 0\n"
"nf_egress_packets_total{cgroup=\"/b\\\"\\n\",mode=\"audit\",verdict=\"would_deny\"} 2\n"
"nf_egress_packets_total{cgroup=\"/b\\\"\\n\",mode=\"audit\",verdict=\"ratelimited\"} 0\n"
"# HELP nf_egress_bytes_total Bytes at the IP layer seen by an nf_egress policy, by verdict (would_deny bytes are also allowed).\n"
"# TYPE nf_egress_bytes_total counter\n"
"nf_egress_bytes_total{cgroup=\"/a\",mode=\"enforce\",verdict=\"allowed\"} 640\n"
"nf_egress_bytes_total{cgroup=\"/a\",mode=\"enforce\",verdict=\"denied\"} 128\n"
"nf_egress_bytes_total{cgroup=\"/a\",mode=\"enforce\",verdict=\"would_deny\"} 0\n"
"nf_egress_bytes_total{cgroup=\"/a\",mode=\"enforce\",verdict=\"ratelimited\"} 2\n"
"nf_egress_bytes_total{cgroup=\"/b\\\"\\n\",mode=\"audit\",verdict=\"allowed\"} 0\n"
"nf_egress_bytes_total{cgroup=\"/b\\\"\\n\",mode=\"audit\",verdict=\"denied\"} 0\n"
"nf_egress_bytes_total{cgroup=\"/b\\\"\\n\",mode=\"audit\",verdict=\"would_deny\"} 256\n"
"nf_egress_bytes_total{cgroup=\"/b\\\"\\n\",mode=\"audit\",verdict=\"ratelimited\"} 0\n"
"# HELP nf_egress_class_packets_total Packets that left under a rule of the class, per nf_egress policy.\n"
"# TYPE nf_egress_class_packets_total counter\n"
"nf_egress_class_packets_total{cgroup=\"/a\",class=\"internet\"} 3\n"
"# HELP nf_egress_class_bytes_total Bytes at the IP layer that left under a rule of the class, per nf_egress policy.\n"
"# TYPE nf_egress_class_bytes_total counter\n"
"nf_egress_class_bytes_total{cgroup=\"/a\",class=\"internet\"} 300\n"
"# HELP nf_egress_rule_packets_total Packets an nf_egress rule decided (allowed or denied).\n"
"# TYPE nf_egress_rule_packets_total counter\n"
"nf_egress_rule_packets_total{cgroup=\"/a\",rule_id=\"4\",rule=\"allow tcp to 10.0.0.0/8 port 443 class internet\"} 3\n"
"# HELP nf_egress_rule_bytes_total Bytes at the IP layer an nf_egress rule decided (allowed or denied).\n"
"# TYPE nf_egress_rule_bytes_total counter\n"
"nf_egress_rule_bytes_total{cgroup=\"/a\",rule_id=\"4\",rule=\"allow tcp to 10.0.0.0/8 port 443 class internet\"} 300\n"
"# HELP nf_egress_policy_reset_time_seconds Unix time of the last counter reset of an nf_egress policy, 0 if never reset.\n"
"# TYPE nf_egress_policy_reset_time_seconds gauge\n"
"nf_egress_policy_reset_time_seconds{cgroup=\"/a\"} 1795784700\n"
"nf_egress_policy_reset_time_seconds{cgroup=\"/b\\\"\\n\"} 0\n"
"# HELP nf_egress_shaped_packets_total Packets an nf_egress shaping rate limit delayed (they left later and are also allowed).\n"
"# TYPE nf_egress_shaped_packets_total counter\n"
"nf_egress_shaped_packets_total{cgroup=\"/a\",mode=\"enforce\"} 40\n"
"nf_egress_shaped_packets_total{cgroup=\"/b\\\"\\n\",mode=\"audit\"} 0\n"
"# HELP nf_egress_shaped_bytes_total Bytes at the IP layer an nf_egress shaping rate limit delayed (they left later and are also allowed).\n"
"# TYPE nf_egress_shaped_bytes_total counter\n"
"nf_egress_shaped_bytes_total{cgroup=\"/a\",mode=\"enforce\"} 5120\n"
"nf_egress_shaped_bytes_total{cgroup=\"/b\\\"\\n\",mode=\"audit\"} 0\n"
"# HELP nf_egress_queue_packets Packets waiting in an nf_egress policy's shaping queue.\n"
"# TYPE nf_egress_queue_packets gauge\n"
"nf_egress_queue_packets{cgroup=\"/a\"} 3\n"
"nf_egress_queue_packets{cgroup=\"/b\\\"\\n\"} 0\n"
"# HELP nf_egress_max_delay_seconds Longest delay a packet was given in an nf_egress policy's shaping queue since the last counter reset.\n"
"# TYPE nf_egress_max_delay_seconds gauge\n"
"nf_egress_max_delay_seconds{cgroup=\"/a\"} 2.5\n"
"nf_egress_max_delay_seconds{cgroup=\"/b\\\"\\n\"} 0\n"),
		"metrics: families grouped, HELP/TYPE once, escaping, rules without counters left out"))
		diag("got:\n%s", got);
	free(got);

	in.n = 0;
	got = tap_capture(write_metrics, &in);
	ok(!strcmp(got, ""), "metrics of no policies: empty");
	free(got);

	in.n = 1;
	in.json = true;
	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"[{\"cgroup\":\"/a\",\"mode\":\"enforce\",\"allowed\":{\"packets\":5,\"bytes\":640},"
			"\"denied\":{\"packets\":1,\"bytes\":128},\"would_deny\":{\"packets\":0,\"bytes\":0},"
			"\"ratelimited\":{\"packets\":18446744073709551615,\"bytes\":2},"
			"\"shaped\":{\"packets\":40,\"bytes\":5120},\"queue_len\":3,\"max_delay_ns\":2500000000,"
			"\"connlimit\":{\"packets\":0,\"bytes\":0},\"conn_active\":0,"
			"\"classes\":{\"internet\":{\"packets\":3,\"bytes\":300}},"
			"\"rules\":[{\"id\":4,\"rule\":\"allow tcp to 10.0.0.0/8 port 443 class internet\",\"packets\":3,\"bytes\":300},"
			"{\"id\":9,\"rule\":\"deny tcp to 10.0.0.0/8\",\"packets\":0,\"bytes\":0}],"
			"\"reset_time\":1795784700}]\n"),
		"stats JSON shape"))
		diag("got %s", got);
	free(got);

	in.opts = &exact;
	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"                     ALLOWED       DENIED   WOULD_DENY                  RATELIMITED       SHAPED\n"
			"CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES                  PKTS  BYTES  PKTS  BYTES  QUEUE  MAX_DELAY_NS\n"
			"/a      enforce     5    640     1    128     0      0  18446744073709551615      2    40   5120      3    2500000000\n"
			"\n"
			"policy /a: counters since reset at 2026-11-27 13:05:00 UTC\n"
			"  ID  PKTS  BYTES  RULE\n"
			"   4     3    300  allow tcp to 10.0.0.0/8 port 443 class internet\n"
			"   9     -      -  deny tcp to 10.0.0.0/8\n"
			"  CLASS     PKTS  BYTES\n"
			"  internet     3    300\n"),
		"stats table --exact with details; rule without counters shows '-'"))
		diag("got:\n%s", got);
	free(got);

	/* nothing shaped, no shaping limit: the table without SHAPED */
	s[0].shaped = (struct egress_counter){ 0, 0 };
	s[0].queue_len = 0;
	s[0].max_delay_ns = 0;
	exact.details = false;
	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"                     ALLOWED       DENIED   WOULD_DENY                  RATELIMITED\n"
			"CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES                  PKTS  BYTES\n"
			"/a      enforce     5    640     1    128     0      0  18446744073709551615      2\n"
			"\n"
			"policy /a: counters since reset at 2026-11-27 13:05:00 UTC\n"),
		"stats table: no shaping columns when nothing shapes"))
		diag("got:\n%s", got);
	free(got);

	/* a shape-mode limit shows them, zeros included; human units */
	s[1].shape_rate = true;
	s[0].shaped = (struct egress_counter){ 1500, 2200000 };
	s[0].max_delay_ns = 999;
	s[1].max_delay_ns = 99999999;
	s[1].queue_len = 65536;
	s[0].has_reset_time = false;
	in.n = 2;
	got = tap_capture(write_metrics, &(struct metrics_input){ s, 2, false,
				       &(struct report_opts){ 0 } });
	if (!ok(!strcmp(got,
			"                     ALLOWED       DENIED   WOULD_DENY   RATELIMITED         SHAPED\n"
			"CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES   PKTS  BYTES  PKTS    BYTES  QUEUE  MAX_DELAY\n"
			"/a      enforce     5  640 B     1  128 B     0    0 B  18.4E    2 B  1.5k  2.1 MiB      0      999ns\n"
			"/b\"\n"
			"    audit       0    0 B     0    0 B     2  256 B      0    0 B     0      0 B  65536    100.0ms\n"),
		"stats table: shaping columns for a shape-mode limit, human delays"))
		diag("got:\n%s", got);
	free(got);
}

/* RULE_GET refused (no CAP_NET_ADMIN): the rules are unknown, not none */
static void test_rules_hidden(void)
{
	struct class_entry classes[] = { { .name = "web", .ctr = { 3, 300 } } };
	struct stats_entry s = {
		.path = "/a", .has_mode = true, .mode = NF_EGRESS_MODE_ENFORCE,
		.allowed = { 5, 640 }, .classes = classes, .nclasses = 1,
		.rules_hidden = true,
	};
	struct report_opts details = { .exact = true, .details = true };
	struct metrics_input in = { &s, 1, true, NULL };
	char *got;

	got = tap_capture(write_metrics, &in);
	if (!ok(strstr(got, ",\"rules\":null,\"reset_time\":null}]\n") != NULL,
		"stats JSON, rules hidden: \"rules\": null, not []"))
		diag("got %s", got);
	free(got);
	s.rules_hidden = false;
	got = tap_capture(write_metrics, &in);
	ok(strstr(got, ",\"rules\":[],") != NULL, "stats JSON, no rules: \"rules\": []");
	free(got);

	s.rules_hidden = true;
	in.opts = &details;
	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"                     ALLOWED       DENIED   WOULD_DENY  RATELIMITED\n"
			"CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES\n"
			"/a      enforce     5    640     0      0     0      0     0      0\n"
			"\n"
			"policy /a: counters never reset\n"
			"  CLASS  PKTS  BYTES\n"
			"  web       3    300\n"),
		"stats table, rules hidden: no rule table, no 'no rules', classes kept"))
		diag("got:\n%s", got);
	free(got);

	in.opts = NULL;
	in.json = false;
	got = tap_capture(write_metrics, &in);
	if (!ok(strstr(got, "\nnf_egress_class_bytes_total{cgroup=\"/a\",class=\"web\"} 300\n"
			    "# nf_egress_rule_packets_total and nf_egress_rule_bytes_total left out: "
			    "listing rules needs CAP_NET_ADMIN\n"
			    "# HELP nf_egress_policy_reset_time_seconds ") &&
		!strstr(got, "nf_egress_rule_packets_total{"),
		"metrics, rules hidden: one comment line where the rule families would be"))
		diag("got:\n%s", got);
	free(got);
}

/* A template, one of its instances (rules not listed) and a policy. */
static void test_template_stats(void)
{
	struct class_entry classes[] = { { .name = "dns", .ctr = { 2, 140 } } };
	struct rule_entry rules[1] = { 0 };
	struct stats_entry s[3] = {
		{ .path = "/svc/*.service", .has_mode = true,
		  .mode = NF_EGRESS_MODE_ENFORCE, .denied = { 1, 60 },
		  .rules = rules, .nrules = 1 },
		{ .path = "/svc/a.service", .template = "/svc/*.service",
		  .has_mode = true, .mode = NF_EGRESS_MODE_ENFORCE,
		  .allowed = { 2, 140 }, .classes = classes, .nclasses = 1,
		  .has_reset_time = true, .reset_time = 1795784700,
		  .rules_unlisted = true },
		{ .path = "/t1", .has_mode = true, .mode = NF_EGRESS_MODE_AUDIT },
	};
	struct report_opts details = { .exact = true, .details = true };
	struct metrics_input in = { s, 3, false, &details };
	char *a[] = { "allow", "udp", "to", "10.0.0.53", "port", "53",
		      "class", "dns" };
	char *got;

	parse_rule_spec(8, a, &rules[0].spec, NULL);
	rules[0].id = 1;
	rules[0].has_stats = true;
	rules[0].stats = (struct egress_counter){ 5, 350 };

	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"                             ALLOWED       DENIED   WOULD_DENY  RATELIMITED\n"
			"CGROUP          MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  TEMPLATE\n"
			"/svc/*.service  enforce     0      0     1     60     0      0     0      0  -\n"
			"/svc/a.service  enforce     2    140     0      0     0      0     0      0  /svc/*.service\n"
			"/t1             audit       0      0     0      0     0      0     0      0  -\n"
			"\n"
			"template /svc/*.service: counters never reset\n"
			"  ID  PKTS  BYTES  RULE\n"
			"   1     5    350  allow udp to 10.0.0.53/32 port 53 class dns\n"
			"\n"
			"instance /svc/a.service (template /svc/*.service): counters since reset at 2026-11-27 13:05:00 UTC\n"
			"  rules of template /svc/*.service: egressctl stats /svc/a.service lists their counters for this cgroup\n"
			"  CLASS  PKTS  BYTES\n"
			"  dns       2    140\n"
			"\n"
			"policy /t1: counters never reset\n"
			"  no rules\n"),
		"stats table: TEMPLATE column for instances, their sections"))
		diag("got:\n%s", got);
	free(got);

	s[1].path_has_policy = true;
	got = tap_capture(write_metrics, &in);
	if (!ok(strstr(got, "\n  rules of template /svc/*.service: their counters for this cgroup are not listed (a policy has its path)\n"),
		"stats table: an instance of a path that has a policy"))
		diag("got:\n%s", got);
	free(got);
	s[1].path_has_policy = false;

	details.details = false;
	got = tap_capture(write_metrics, &in);
	if (!ok(strstr(got, "  TEMPLATE\n") &&
		strstr(got, "\n\ninstance /svc/a.service (template /svc/*.service): counters since reset at "),
		"stats table: an instance's reset line"))
		diag("got:\n%s", got);
	free(got);

	in.opts = NULL;
	in.json = true;
	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"[{\"cgroup\":\"/svc/*.service\",\"mode\":\"enforce\",\"allowed\":{\"packets\":0,\"bytes\":0},"
			"\"denied\":{\"packets\":1,\"bytes\":60},\"would_deny\":{\"packets\":0,\"bytes\":0},"
			"\"ratelimited\":{\"packets\":0,\"bytes\":0},\"shaped\":{\"packets\":0,\"bytes\":0},"
			"\"queue_len\":0,\"max_delay_ns\":0,"
			"\"connlimit\":{\"packets\":0,\"bytes\":0},\"conn_active\":0,\"classes\":{},"
			"\"rules\":[{\"id\":1,\"rule\":\"allow udp to 10.0.0.53/32 port 53 class dns\",\"packets\":5,\"bytes\":350}],"
			"\"reset_time\":null},"
			"{\"cgroup\":\"/svc/a.service\",\"template\":\"/svc/*.service\",\"mode\":\"enforce\","
			"\"allowed\":{\"packets\":2,\"bytes\":140},"
			"\"denied\":{\"packets\":0,\"bytes\":0},\"would_deny\":{\"packets\":0,\"bytes\":0},"
			"\"ratelimited\":{\"packets\":0,\"bytes\":0},\"shaped\":{\"packets\":0,\"bytes\":0},"
			"\"queue_len\":0,\"max_delay_ns\":0,"
			"\"connlimit\":{\"packets\":0,\"bytes\":0},\"conn_active\":0,\"classes\":{\"dns\":{\"packets\":2,\"bytes\":140}},"
			"\"rules\":null,\"reset_time\":1795784700},"
			"{\"cgroup\":\"/t1\",\"mode\":\"audit\",\"allowed\":{\"packets\":0,\"bytes\":0},"
			"\"denied\":{\"packets\":0,\"bytes\":0},\"would_deny\":{\"packets\":0,\"bytes\":0},"
			"\"ratelimited\":{\"packets\":0,\"bytes\":0},\"shaped\":{\"packets\":0,\"bytes\":0},"
			"\"queue_len\":0,\"max_delay_ns\":0,"
			"\"connlimit\":{\"packets\":0,\"bytes\":0},\"conn_active\":0,\"classes\":{},\"rules\":[],\"reset_time\":null}]\n"),
		"stats JSON: \"template\" of an instance only, its unlisted rules null"))
		diag("got %s", got);
	free(got);

	in.json = false;
	got = tap_capture(write_metrics, &in);
	if (!ok(strstr(got,
		       "nf_egress_packets_total{cgroup=\"/svc/*.service\",mode=\"enforce\",verdict=\"denied\"} 1\n") &&
		strstr(got,
		       "nf_egress_packets_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\",mode=\"enforce\",verdict=\"allowed\"} 2\n") &&
		strstr(got,
		       "nf_egress_class_bytes_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\",class=\"dns\"} 140\n") &&
		strstr(got,
		       "nf_egress_rule_packets_total{cgroup=\"/svc/*.service\",rule_id=\"1\",rule=\"allow udp to 10.0.0.53/32 port 53 class dns\"} 5\n") &&
		strstr(got,
		       "nf_egress_policy_reset_time_seconds{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 1795784700\n") &&
		strstr(got,
		       "nf_egress_max_delay_seconds{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 0\n") &&
		strstr(got, "nf_egress_packets_total{cgroup=\"/t1\",mode=\"audit\",verdict=\"allowed\"} 0\n") &&
		!strstr(got, "# nf_egress_rule_packets_total and"),
		"metrics: an instance's series carry a template label, a template's rules their own"))
		diag("got:\n%s", got);
	free(got);
}

static void rate_good(const char *in, uint64_t want, const char *canon)
{
	struct parse_error err;
	uint64_t v = 0;
	char buf[EGRESS_RATE_STRLEN], *again;
	uint64_t v2 = 0;
	int ret = parse_rate(in, &v, &err);

	format_rate(v, buf, sizeof(buf));
	again = buf;
	if (!ok(ret == 0 && v == want && !strcmp(buf, canon) &&
		parse_rate(again, &v2, NULL) == 0 && v2 == want,
		"rate %s = %llu bytes/s, canonical %s", in,
		(unsigned long long)want, canon))
		diag("ret %d v %llu canon %s v2 %llu err %s", ret,
		     (unsigned long long)v, buf, (unsigned long long)v2,
		     err.msg);
}

static void rate_bad(const char *in, const char *want)
{
	struct parse_error err;
	uint64_t v = 77;

	if (!ok(parse_rate(in, &v, &err) < 0 && err.kind == PARSE_EVALUE &&
		!strcmp(err.msg, want) && v == 77, "rate '%s' rejected: %s",
		in, want))
		diag("got '%s'", err.msg);
}

typedef int (*u32_parser)(const char *, uint32_t *, struct parse_error *);

/*
 * parse, which what names, must read in as want and format writes it as
 * canon, which parses to want again.
 */
static void u32_good(u32_parser parse, int (*format)(uint32_t, char *, size_t),
		     const char *what, const char *in, uint32_t want,
		     const char *canon)
{
	struct parse_error err;
	uint32_t v = 0, v2 = 0;
	char buf[32];
	int ret = parse(in, &v, &err);

	format(v, buf, sizeof(buf));
	if (!ok(ret == 0 && v == want && !strcmp(buf, canon) &&
		parse(buf, &v2, NULL) == 0 && v2 == want,
		"%s '%s' = %u, canonical '%s'", what, in, want, canon))
		diag("ret %d v %u text '%s' err '%s'", ret, v, buf, err.msg);
}

/* parse, which what names, must refuse in with the message want. */
static void u32_bad(u32_parser parse, const char *what, const char *in,
		    const char *want)
{
	struct parse_error err;
	uint32_t v = 77;

	if (!ok(parse(in, &v, &err) < 0 && err.kind == PARSE_EVALUE &&
		!strcmp(err.msg, want) && v == 77, "%s '%s' rejected: %s",
		what, in, want))
		diag("got '%s'", err.msg);
}

#define size_good(in, want, canon) \
	u32_good(parse_size, format_size, "size", in, want, canon)
#define size_bad(in, want)	u32_bad(parse_size, "size", in, want)
#define pps_bad(in, want)	u32_bad(parse_pps, "pps", in, want)
#define latency_good(in, want, canon) \
	u32_good(parse_latency, format_latency, "latency (us)", in, want, canon)
#define latency_bad(in, want)	u32_bad(parse_latency, "latency", in, want)
#define queue_bad(in, want)	u32_bad(parse_queue_limit, "queue", in, want)
#define keep_good(in, want, canon) \
	u32_good(parse_instances_keep, format_duration, "instances keep (s)", \
		 in, want, canon)
#define keep_bad(in, want)	u32_bad(parse_instances_keep, "instances keep", in, want)

/* words (space separated) -> consumed count and canonical text */
static void rspec_good(const char *words, int want_used, const char *canon)
{
	char copy[256], *argv[16], text[EGRESS_RATE_STRLEN];
	struct parse_error err = { 0 };
	struct egress_rate r, r2;
	int argc = 0, used, used2 = -1;
	char *tok;

	snprintf(copy, sizeof(copy), "%s", words);
	for (tok = strtok(copy, " "); tok && argc < 16; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	used = parse_rate_spec(argc, argv, &r, &err);
	if (used > 0)
		format_rate_spec(&r, text, sizeof(text));
	else
		text[0] = '\0';
	/* the canonical text parses back to the same limit */
	if (used > 0) {
		char copy2[256], *argv2[16];
		int argc2 = 0;

		snprintf(copy2, sizeof(copy2), "%s", text);
		for (tok = strtok(copy2, " "); tok && argc2 < 16;
		     tok = strtok(NULL, " "))
			argv2[argc2++] = tok;
		used2 = parse_rate_spec(argc2, argv2, &r2, NULL);
		if (used2 != argc2 || memcmp(&r, &r2, sizeof(r)))
			used2 = -1;
	}
	if (!ok(used == want_used && !strcmp(text, canon) && used2 >= 0,
		"rate spec '%s' -> '%s' (%d words)", words, canon, want_used))
		diag("used %d text '%s' used2 %d err '%s'", used, text, used2,
		     err.msg);
}

static void rspec_bad(const char *words, int want_word, const char *want)
{
	char copy[256], *argv[16];
	struct parse_error err = { 0 };
	struct egress_rate r;
	int argc = 0;
	char *tok;

	snprintf(copy, sizeof(copy), "%s", words);
	for (tok = strtok(copy, " "); tok && argc < 16; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	if (!ok(parse_rate_spec(argc, argv, &r, &err) < 0 &&
		err.word == want_word && !strcmp(err.msg, want),
		"rate spec '%s' rejected at word %d: %s", words, want_word, want))
		diag("word %d msg '%s'", err.word, err.msg);
}

/* shape mode: queue and latency */
static void test_shaping(void)
{
	struct egress_rate r;
	uint32_t u;

	latency_good("100us", 100, "100us");
	latency_good("100US", 100, "100us");
	latency_good("500us", 500, "500us");
	latency_good("1000us", 1000, "1ms");
	latency_good("100ms", 100000, "100ms");
	latency_good("1.5s", 1500000, "1500ms");
	latency_good("2s", 2000000, "2s");
	latency_good("0.1ms", 100, "100us");
	latency_good("0.000123s", 123, "123us");
	latency_good("12.345ms", 12345, "12345us");
	latency_good("10s", 10000000, "10s");
	latency_good("10000000us", 10000000, "10s");
	latency_good("2.50ms", 2500, "2500us");
	latency_bad("", "invalid latency '': empty");
	latency_bad("100", "invalid latency '100': no unit (us, ms or s)");
	latency_bad("10m", "invalid latency '10m': unknown unit 'm' (us, ms or s)");
	latency_bad("10ns", "invalid latency '10ns': unknown unit 'ns' (us, ms or s)");
	latency_bad("10 ms", "invalid latency '10 ms': unknown unit ' ms' (us, ms or s)");
	latency_bad("ms", "invalid latency 'ms' (a number and a unit: us, ms or s)");
	latency_bad(".5s", "invalid latency '.5s' (a number and a unit: us, ms or s)");
	latency_bad("0ms", "latency must be greater than zero");
	latency_bad("0.0s", "latency must be greater than zero");
	latency_bad("-5ms", "latency must be greater than zero");
	latency_bad("99us", "latency '99us' is too small (min 100us)");
	latency_bad("0.05ms", "latency '0.05ms' is too small (min 100us)");
	latency_bad("100.5us", "invalid latency '100.5us': not a whole number of microseconds");
	latency_bad("1.0001ms", "invalid latency '1.0001ms': not a whole number of microseconds");
	latency_bad("10.000001s", "latency '10.000001s' is too large (max 10s)");
	latency_bad("11s", "latency '11s' is too large (max 10s)");
	latency_bad("99999999999999999999999s", "latency '99999999999999999999999s' is too large (max 10s)");
	latency_bad("18446744073709551615s", "latency '18446744073709551615s' is too large (max 10s)");

	ok(parse_queue_limit("1", &u, NULL) == 0 && u == 1, "queue 1");
	ok(parse_queue_limit("65536", &u, NULL) == 0 && u == 65536, "queue max");
	queue_bad("", "invalid queue '': empty");
	queue_bad("0", "queue must be greater than zero");
	queue_bad("-1", "queue must be greater than zero");
	queue_bad("1.5", "invalid queue '1.5' (packets, a whole number)");
	queue_bad("1k", "invalid queue '1k' (packets, a whole number)");
	queue_bad("65537", "queue '65537' is too large (max 65536 packets)");
	queue_bad("99999999999999999999999", "queue '99999999999999999999999' is too large (max 65536 packets)");

	rspec_good("rate 10mbit queue 500", 4, "rate 10mbit queue 500 shape");
	rspec_good("rate 10mbit latency 20ms", 4, "rate 10mbit latency 20ms shape");
	rspec_good("rate 10mbit shape latency 0.5s queue 64 burst 128k", 9,
		   "rate 10mbit burst 128k queue 64 latency 500ms shape");
	rspec_good("rate 1mbit burst 64k pps 10 queue 1000 latency 100ms shape mode audit", 11,
		   "rate 1mbit burst 64k pps 10 queue 1000 latency 100ms shape");
	rspec_good("pps 100 queue 10", 4, "pps 100 queue 10 shape");
	rspec_bad("rate 1mbit queue 10 police", 2, "'queue' applies to shape mode only, not police");
	rspec_bad("rate 1mbit police latency 10ms", 3, "'latency' applies to shape mode only, not police");
	rspec_bad("rate 1mbit latency 10ms queue 5 police", 2,
		  "'latency' applies to shape mode only, not police");
	rspec_bad("pps 100 latency 1s police", 2, "'latency' applies to shape mode only, not police");
	rspec_bad("rate 1mbit queue", 3, "missing N after 'queue'");
	rspec_bad("rate 1mbit latency", 3, "missing TIME after 'latency'");
	rspec_bad("rate 1mbit queue 5 queue 6", 4, "'queue' given more than once");
	rspec_bad("rate 1mbit latency 1ms latency 2ms", 4, "'latency' given more than once");
	rspec_bad("rate 1mbit queue 0", 3, "queue must be greater than zero");
	rspec_bad("rate 1mbit queue 70000", 3, "queue '70000' is too large (max 65536 packets)");
	rspec_bad("rate 1mbit latency 5", 3, "invalid latency '5': no unit (us, ms or s)");
	rspec_bad("rate 1mbit latency 50us", 3, "latency '50us' is too small (min 100us)");
	rspec_bad("rate 1mbit latency 20s", 3, "latency '20s' is too large (max 10s)");

	/* queue and latency are written only for shape mode */
	memset(&r, 0, sizeof(r));
	r.has_bytes = true;
	r.bytes_per_sec = 125000;
	r.has_queue = r.has_latency = true;
	r.queue_limit = 7;
	r.latency_us = 1500;
	r.mode = NF_EGRESS_RATE_POLICE;
	{
		char buf[EGRESS_RATE_STRLEN];

		format_rate_spec(&r, buf, sizeof(buf));
		ok(!strcmp(buf, "rate 1mbit police"),
		   "format_rate_spec: no queue/latency for police (%s)", buf);
		r.mode = NF_EGRESS_RATE_SHAPE;
		format_rate_spec(&r, buf, sizeof(buf));
		ok(!strcmp(buf, "rate 1mbit queue 7 latency 1500us shape"),
		   "format_rate_spec: queue/latency for shape (%s)", buf);
		/* the longest limit fits */
		r.bytes_per_sec = UINT64_MAX;
		r.has_burst = r.has_pps = true;
		r.burst = UINT32_MAX - 1;
		r.pps = UINT32_MAX;
		r.queue_limit = 65535;
		r.latency_us = 9999999;
		ok(format_rate_spec(&r, buf, sizeof(buf)) < (int)sizeof(buf),
		   "format_rate_spec: the longest limit fits (%s)", buf);
	}
}

/* a template's instances keep: seconds, 0s..365d */
static void test_instances_keep(void)
{
	keep_good("0", 0, "0s");
	keep_good("0s", 0, "0s");
	keep_good("0.0h", 0, "0s");
	keep_good("30s", 30, "30s");
	keep_good("90s", 90, "90s");
	keep_good("1.5m", 90, "90s");
	keep_good("10m", 600, "10m");
	keep_good("600s", 600, "10m");
	keep_good("1h", 3600, "1h");
	keep_good("1H", 3600, "1h");
	keep_good("0.5h", 1800, "30m");
	keep_good("1.25h", 4500, "75m");
	keep_good("2d", 172800, "2d");
	keep_good("48h", 172800, "2d");
	keep_good("0.5d", 43200, "12h");
	keep_good("0.1m", 6, "6s");
	keep_good("0.01d", 864, "864s");
	keep_good("3601s", 3601, "3601s");
	keep_good("365d", 31536000, "365d");
	keep_good("31536000s", 31536000, "365d");
	keep_good("8760h", 31536000, "365d");
	keep_good("1.000000000000000000d", 86400, "1d");
	keep_bad("", "invalid instances keep '': empty");
	keep_bad("30", "invalid instances keep '30': no unit (s, m, h or d)");
	keep_bad("1w", "invalid instances keep '1w': unknown unit 'w' (s, m, h or d)");
	keep_bad("100ms", "invalid instances keep '100ms': unknown unit 'ms' (s, m, h or d)");
	keep_bad("1 h", "invalid instances keep '1 h': unknown unit ' h' (s, m, h or d)");
	keep_bad("h", "invalid instances keep 'h' (a number and a unit: s, m, h or d)");
	keep_bad(".5h", "invalid instances keep '.5h' (a number and a unit: s, m, h or d)");
	keep_bad("1.5s", "invalid instances keep '1.5s': not a whole number of seconds");
	keep_bad("0.00001d", "invalid instances keep '0.00001d': not a whole number of seconds");
	keep_bad("1.0001h", "invalid instances keep '1.0001h': not a whole number of seconds");
	keep_bad("0.000001d", "invalid instances keep '0.000001d': not a whole number of seconds");
	keep_bad("1.00000000000000000000001s",
		 "invalid instances keep '1.00000000000000000000001s': not a whole number of seconds");
	keep_bad("-5m", "instances keep '-5m' is negative (min 0)");
	keep_bad("366d", "instances keep '366d' is too large (max 365d)");
	keep_bad("365.5d", "instances keep '365.5d' is too large (max 365d)");
	keep_bad("31536001s", "instances keep '31536001s' is too large (max 365d)");
	keep_bad("18446744073709551615d", "instances keep '18446744073709551615d' is too large (max 365d)");
	keep_bad("99999999999999999999999s", "instances keep '99999999999999999999999s' is too large (max 365d)");
}

static void test_rates(void)
{
	char buf[EGRESS_RATE_STRLEN];
	struct egress_rate r;
	uint32_t u;
	uint64_t v;
	uint8_t m;

	/* bits per second; a bare number is bits, as in tc */
	rate_good("8", 1, "8bit");
	rate_good("8bit", 1, "8bit");
	rate_good("1000", 125, "1kbit");
	rate_good("50mbit", 6250000, "50mbit");
	rate_good("50Mbit", 6250000, "50mbit");
	rate_good("50MBIT", 6250000, "50mbit");
	rate_good("1.5mbit", 187500, "1500kbit");
	rate_good("1.50000mbit", 187500, "1500kbit");
	rate_good("0.5kbit", 63, "504bit");	/* 62.5 rounds up */
	rate_good("12bit", 2, "16bit");		/* 1.5 rounds up */
	rate_good("11bit", 1, "8bit");		/* 1.375 rounds down */
	rate_good("4bit", 1, "8bit");		/* 0.5 rounds up */
	rate_good("1gbit", 125000000, "1gbit");
	rate_good("10gbit", 1250000000, "10gbit");
	rate_good("2.5gbit", 312500000, "2500mbit");
	rate_good("1tbit", 125000000000ull, "1tbit");
	rate_good("0.000001tbit", 125000, "1mbit");
	rate_good("100kbit", 12500, "100kbit");
	/* bytes per second, SI as in tc: kbps = 1000 bytes/s */
	rate_good("1bps", 1, "8bit");
	rate_good("1kbps", 1000, "8kbit");
	rate_good("1KBps", 1000, "8kbit");
	rate_good("10mbps", 10000000, "80mbit");
	rate_good("1.5kbps", 1500, "12kbit");
	rate_good("1gbps", 1000000000, "8gbit");
	rate_good("2tbps", 2000000000000ull, "16tbit");
	rate_good("0.001kbps", 1, "8bit");
	/* bits * 8 beyond a u64: bytes units */
	rate_good("18446744073709551615bps", UINT64_MAX, "18446744073709551615bps");
	rate_good("10000000tbps", 10000000000000000000ull, "10000000tbps");
	rate_good("2305843009213693952bps", 2305843009213693952ull,
		  "2305843009213693952bps");
	rate_good("2305843009213693951bps", 2305843009213693951ull,
		  "18446744073709551608bit");

	rate_bad("", "invalid rate '': empty");
	rate_bad("10xbit",
		 "invalid rate '10xbit': unknown unit 'xbit' (bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rate_bad("10 mbit",
		 "invalid rate '10 mbit': unknown unit ' mbit' (bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rate_bad("mbit",
		 "invalid rate 'mbit' (a number and a unit: bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rate_bad(".5mbit",
		 "invalid rate '.5mbit' (a number and a unit: bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rate_bad("5.mbit",
		 "invalid rate '5.mbit' (a number and a unit: bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rate_bad("+5mbit",
		 "invalid rate '+5mbit' (a number and a unit: bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rate_bad("1e6bit",
		 "invalid rate '1e6bit': unknown unit 'e6bit' (bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rate_bad("1.2.3mbit",
		 "invalid rate '1.2.3mbit': unknown unit '.3mbit' (bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rate_bad("0", "rate must be greater than zero");
	rate_bad("0mbit", "rate must be greater than zero");
	rate_bad("0.000mbit", "rate must be greater than zero");
	rate_bad("-5mbit", "rate must be greater than zero");
	rate_bad("3bit", "rate '3bit' is below 1 byte per second");
	rate_bad("0.0000000000001tbit",
		 "rate '0.0000000000001tbit' is below 1 byte per second");
	rate_bad("0.0000000000000000000000001bit",
		 "rate '0.0000000000000000000000001bit' is below 1 byte per second");
	rate_bad("1.00000000000000000001mbit",
		 "invalid rate '1.00000000000000000001mbit': too many digits");
	rate_bad("18446744073709551616bps",
		 "rate '18446744073709551616bps' is too large (max 18446744073709551615bps)");
	rate_bad("18446744073709552tbps",
		 "rate '18446744073709552tbps' is too large (max 18446744073709551615bps)");
	rate_bad("147573952589676412928bit",
		 "rate '147573952589676412928bit' is too large (max 18446744073709551615bps)");
	rate_bad("99999999999999999999999999tbit",
		 "rate '99999999999999999999999999tbit' is too large (max 18446744073709551615bps)");

	/* sizes: bytes, powers of 1024 */
	size_good("1", 1, "1");
	size_good("1000", 1000, "1000");
	size_good("1024", 1024, "1k");
	size_good("1b", 1, "1");
	size_good("256k", 262144, "256k");
	size_good("256kb", 262144, "256k");
	size_good("256K", 262144, "256k");
	size_good("1536", 1536, "1536");
	size_good("1.5k", 1536, "1536");
	size_good("1.5m", 1572864, "1536k");
	size_good("2m", 2097152, "2m");
	size_good("2MB", 2097152, "2m");
	size_good("1g", 1073741824, "1g");
	size_good("3.999999999g", 4294967295u, "4294967295");
	size_good("4294967295", 4294967295u, "4294967295");
	size_good("4194303.999k", 4294967295u, "4294967295");
	size_good("0.1k", 102, "102");
	size_bad("", "invalid burst '': empty");
	size_bad("5x", "invalid burst '5x': unknown unit 'x' (b, k, m or g)");
	size_bad("5kbit", "invalid burst '5kbit': unknown unit 'kbit' (b, k, m or g)");
	size_bad("k", "invalid burst 'k' (bytes, or a number with unit b, k, m or g)");
	size_bad("0", "burst must be greater than zero");
	size_bad("0k", "burst must be greater than zero");
	size_bad("0.0001", "burst must be greater than zero");
	size_bad("-1k", "burst must be greater than zero");
	size_bad("4g", "burst '4g' is too large (max 4 GiB - 1)");
	size_bad("5g", "burst '5g' is too large (max 4 GiB - 1)");
	size_bad("4294967296", "burst '4294967296' is too large (max 4 GiB - 1)");
	size_bad("4194304k", "burst '4194304k' is too large (max 4 GiB - 1)");
	/* fractions of a size count to 9 decimals (a GiB/10^9 is ~1 byte) */
	size_good("3.9999999999g", 4294967295u, "4294967295");
	size_bad("4.0000000001g", "burst '4.0000000001g' is too large (max 4 GiB - 1)");
	size_bad("99999999999999999999999g",
		 "burst '99999999999999999999999g' is too large (max 4 GiB - 1)");

	ok(parse_pps("1", &u, NULL) == 0 && u == 1, "pps 1");
	ok(parse_pps("4294967295", &u, NULL) == 0 && u == 4294967295u, "pps max");
	pps_bad("", "invalid pps '': empty");
	pps_bad("0", "pps must be greater than zero");
	pps_bad("-3", "pps must be greater than zero");
	pps_bad("1.5", "invalid pps '1.5' (packets per second, a whole number)");
	pps_bad("10k", "invalid pps '10k' (packets per second, a whole number)");
	pps_bad("4294967296", "pps '4294967296' is too large (max 4294967295)");
	pps_bad("999999999999999999999999", "pps '999999999999999999999999' is too large (max 4294967295)");

	ok(parse_rate_mode("police", &m) == 0 && m == NF_EGRESS_RATE_POLICE &&
	   parse_rate_mode("shape", &m) == 0 && m == NF_EGRESS_RATE_SHAPE &&
	   parse_rate_mode("Police", &m) < 0 && parse_rate_mode(NULL, &m) < 0,
	   "rate modes");
	ok(!strcmp(rate_mode_name(NF_EGRESS_RATE_POLICE), "police") &&
	   !strcmp(rate_mode_name(NF_EGRESS_RATE_SHAPE), "shape") &&
	   !strcmp(rate_mode_name(9), "?"), "rate mode names");

	/* formatting corner cases */
	format_rate(UINT64_MAX, buf, sizeof(buf));
	ok(!strcmp(buf, "18446744073709551615bps"), "format_rate max");
	format_rate(125000000000000ull, buf, sizeof(buf));
	ok(!strcmp(buf, "1000tbit"), "format_rate 1000tbit");
	format_rate(4000000000000000000ull, buf, sizeof(buf));
	ok(!strcmp(buf, "4000000tbps"), "format_rate huge in tbps");
	format_size(UINT32_MAX, buf, sizeof(buf));
	ok(!strcmp(buf, "4294967295"), "format_size max");
	format_size(3u << 30, buf, sizeof(buf));
	ok(!strcmp(buf, "3g"), "format_size 3g");
	/* every rate from 1 to 100000 bytes/s round trips */
	{
		bool all = true;

		for (v = 1; v <= 100000 && all; v++) {
			uint64_t back = 0;

			format_rate(v, buf, sizeof(buf));
			all = parse_rate(buf, &back, NULL) == 0 && back == v;
		}
		ok(all, "rates 1..100000 bytes/s round trip (last %s)", buf);
	}
	{
		bool all = true;
		uint64_t s;

		for (s = 1; s <= UINT32_MAX && all; s = s * 3 + 1) {
			uint32_t back = 0;

			format_size((uint32_t)s, buf, sizeof(buf));
			all = parse_size(buf, &back, NULL) == 0 && back == s;
		}
		ok(all, "sizes round trip (last %s)", buf);
	}

	/* whole limits */
	rspec_good("rate 50mbit", 2, "rate 50mbit shape");
	rspec_good("rate 50mbit burst 256k police", 5, "rate 50mbit burst 256k police");
	rspec_good("rate 50Mbit police burst 262144", 5, "rate 50mbit burst 256k police");
	rspec_good("rate 1.5mbit burst 64kb pps 1000 shape", 7,
		   "rate 1500kbit burst 64k pps 1000 shape");
	rspec_good("rate 10mbps pps 5 police mode audit", 5, "rate 80mbit pps 5 police");
	rspec_good("rate 10mbps default deny", 2, "rate 80mbit shape");
	rspec_good("pps 1000", 2, "pps 1000 shape");
	rspec_good("pps 1000 police", 3, "pps 1000 police");
	rspec_good("rate none", 2, "rate none");
	rspec_good("rate none mode audit", 2, "rate none");
	ok(parse_rate_spec(2, (char *[]){ "rate", "none" }, &r, NULL) == 2 &&
	   r.none && !r.has_bytes && !r.has_pps, "rate none sets none");
	rspec_bad("rate", 1, "missing RATE after 'rate'");
	rspec_bad("pps", 1, "missing N after 'pps'");
	rspec_bad("burst 5k", 0, "expected 'rate' or 'pps'");
	rspec_bad("rate 10xbit", 1,
		  "invalid rate '10xbit': unknown unit 'xbit' (bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	rspec_bad("rate 0", 1, "rate must be greater than zero");
	rspec_bad("rate 1mbit burst", 3, "missing SIZE after 'burst'");
	rspec_bad("rate 1mbit burst 5g", 3, "burst '5g' is too large (max 4 GiB - 1)");
	rspec_bad("rate 1mbit burst 1k burst 2k", 4, "'burst' given more than once");
	rspec_bad("rate 1mbit pps 1 pps 2", 4, "'pps' given more than once");
	rspec_bad("rate 1mbit pps", 3, "missing N after 'pps'");
	rspec_bad("rate 1mbit pps 0", 3, "pps must be greater than zero");
	rspec_bad("rate 1mbit police shape", 3, "'police' or 'shape' given more than once");
	rspec_bad("pps 10 burst 5k", 2, "'burst' needs a byte rate ('rate RATE')");
	rspec_bad("pps 0", 1, "pps must be greater than zero");
}

/* "conn max", "conn rate", "conn burst": their values and their errors */
static void conn_case(int (*fn)(const char *, uint32_t *, struct parse_error *),
		      const char *in, int want_ret, uint32_t want,
		      const char *want_msg)
{
	struct parse_error err = { 0 };
	uint32_t n = 0;
	int ret = fn(in, &n, &err);

	if (!ok(ret == want_ret && (ret ? !strcmp(err.msg, want_msg) : n == want),
		"conn '%s': %s", in, ret ? want_msg : "parsed"))
		diag("ret %d, n %u, msg '%s'", ret, n, err.msg);
}

static void test_conn_parsers(void)
{
	conn_case(parse_conn_max, "5", 0, 5, NULL);
	conn_case(parse_conn_max, "4294967295", 0, 4294967295u, NULL);
	conn_case(parse_conn_max, "0", -1, 0,
		  "conn max must be greater than zero");
	conn_case(parse_conn_max, "4294967296", -1, 0,
		  "conn max '4294967296' is too large (max 4294967295)");
	conn_case(parse_conn_max, "five", -1, 0,
		  "invalid conn max 'five' (connections, a whole number)");
	conn_case(parse_conn_max, "-1", -1, 0,
		  "conn max must be greater than zero");
	conn_case(parse_conn_rate, "10/s", 0, 10, NULL);
	conn_case(parse_conn_rate, "10", 0, 10, NULL);
	conn_case(parse_conn_rate, "1000000000/s", 0, 1000000000, NULL);
	conn_case(parse_conn_rate, "1000000001/s", -1, 0,
		  "conn rate '1000000001' is too large (max 1000000000/s)");
	conn_case(parse_conn_rate, "0/s", -1, 0,
		  "conn rate must be greater than zero");
	conn_case(parse_conn_rate, "10/m", -1, 0,
		  "invalid conn rate '10/m' (connections per second, N/s, a whole number)");
	conn_case(parse_conn_rate, "/s", -1, 0,
		  "invalid conn rate '/s' (connections per second, N/s, a whole number)");
	conn_case(parse_conn_rate, "123456789012345678901234567890123/s", -1, 0,
		  "conn rate '123456789012345678901234567890123/s' is too large (max 1000000000/s)");
	conn_case(parse_conn_burst, "20", 0, 20, NULL);
	conn_case(parse_conn_burst, "0", -1, 0,
		  "conn burst must be greater than zero");
	conn_case(parse_conn_burst, "2k", -1, 0,
		  "invalid conn burst '2k' (connections, a whole number)");
}

/* The connection columns and families, of a policy with a limit only. */
static void test_conn_stats(void)
{
	struct stats_entry s[2] = { 0 };
	struct report_opts exact = { .exact = true };
	struct metrics_input in = { s, 2, false, NULL };
	char *got;

	s[0].path = "/a";
	s[0].has_mode = true;
	s[0].mode = NF_EGRESS_MODE_ENFORCE;
	s[0].allowed = (struct egress_counter){ 50, 3000 };
	s[0].conn_limit = true;
	s[0].connlimit = (struct egress_counter){ 6, 360 };
	s[0].conn_active = 5;
	s[1].path = "/b";
	s[1].has_mode = true;
	s[1].mode = NF_EGRESS_MODE_AUDIT;
	s[1].allowed = (struct egress_counter){ 1, 60 };

	in.opts = &exact;
	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"                     ALLOWED       DENIED   WOULD_DENY  RATELIMITED    CONNLIMIT   CONNS\n"
			"CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  ACTIVE\n"
			"/a      enforce    50   3000     0      0     0      0     0      0     6    360       5\n"
			"/b      audit       1     60     0      0     0      0     0      0     0      0       0\n"),
		"stats table: connection columns for a policy with a limit"))
		diag("got:\n%s", got);
	free(got);

	/* after the shaping columns; QUEUE and MAX_DELAY under no group */
	s[1].shape_rate = true;
	s[1].conn_limit = true;
	s[1].conn_active = 1;
	exact.exact = false;
	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"                       ALLOWED       DENIED   WOULD_DENY  RATELIMITED       SHAPED                      CONNLIMIT   CONNS\n"
			"CGROUP  MODE     PKTS    BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  QUEUE  MAX_DELAY  PKTS  BYTES  ACTIVE\n"
			"/a      enforce    50  2.9 KiB     0    0 B     0    0 B     0    0 B     0    0 B      0        0ns     6  360 B       5\n"
			"/b      audit       1     60 B     0    0 B     0    0 B     0    0 B     0    0 B      0        0ns     0    0 B       1\n"),
		"stats table: shaping and connection columns"))
		diag("got:\n%s", got);
	free(got);

	/* every column: the table takes 18 */
	s[1].template = "/b*";
	got = tap_capture(write_metrics, &in);
	ok(strstr(got, "  ACTIVE  TEMPLATE\n") &&
	   strstr(got, "       1  /b*\n"),
	   "stats table: shaping, connection and template columns");
	free(got);
	s[1].template = NULL;

	/* a limit gone, its connections still charged: still shown */
	s[0].conn_limit = false;
	s[1].conn_limit = false;
	s[1].shape_rate = false;
	s[0].connlimit = (struct egress_counter){ 0, 0 };
	s[0].conn_active = 0;
	in.n = 2;
	exact.exact = true;
	got = tap_capture(write_metrics, &in);
	ok(strstr(got, "CONNS\n") && strstr(got, "  ACTIVE\n"),
	   "stats table: connection columns while a connection is charged");
	free(got);
	s[1].conn_active = 0;
	got = tap_capture(write_metrics, &in);
	if (!ok(!strcmp(got,
			"                     ALLOWED       DENIED   WOULD_DENY  RATELIMITED\n"
			"CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES\n"
			"/a      enforce    50   3000     0      0     0      0     0      0\n"
			"/b      audit       1     60     0      0     0      0     0      0\n"),
		"stats table: no connection columns without a limit"))
		diag("got:\n%s", got);
	free(got);

	/* metrics: the families of the policies with a limit */
	s[0].conn_limit = true;
	s[0].connlimit = (struct egress_counter){ 6, 360 };
	s[0].conn_active = 5;
	in.opts = NULL;
	got = tap_capture(write_metrics, &in);
	if (!ok(strstr(got,
"# HELP nf_egress_connlimit_packets_total First SYNs of TCP connections an nf_egress connection limit refused (in audit mode: would have refused).\n"
"# TYPE nf_egress_connlimit_packets_total counter\n"
"nf_egress_connlimit_packets_total{cgroup=\"/a\",mode=\"enforce\"} 6\n"
"# HELP nf_egress_connlimit_bytes_total Bytes at the IP layer of the first SYNs an nf_egress connection limit refused (in audit mode: would have refused).\n"
"# TYPE nf_egress_connlimit_bytes_total counter\n"
"nf_egress_connlimit_bytes_total{cgroup=\"/a\",mode=\"enforce\"} 360\n"
"# HELP nf_egress_conn_active TCP connections charged to an nf_egress policy's connection limits now.\n"
"# TYPE nf_egress_conn_active gauge\n"
"nf_egress_conn_active{cgroup=\"/a\"} 5\n") != NULL &&
		!strstr(got, "nf_egress_conn_active{cgroup=\"/b\"}") &&
		!strstr(got, "connlimit_packets_total{cgroup=\"/b\""),
		"metrics: connlimit counters and conn_active gauge of /a only"))
		diag("got:\n%s", got);
	free(got);
	s[0].conn_limit = false;
	s[0].connlimit = (struct egress_counter){ 0, 0 };
	s[0].conn_active = 0;
	got = tap_capture(write_metrics, &in);
	ok(!strstr(got, "connlimit") && !strstr(got, "conn_active"),
	   "metrics: no connection families without a limit");
	free(got);

	/* JSON: always, as the kernel reports them */
	s[0].connlimit = (struct egress_counter){ 6, 360 };
	s[0].conn_active = 5;
	in.n = 1;
	in.json = true;
	got = tap_capture(write_metrics, &in);
	if (!ok(strstr(got, ",\"connlimit\":{\"packets\":6,\"bytes\":360},\"conn_active\":5,") != NULL,
		"stats JSON: connlimit and conn_active"))
		diag("got %s", got);
	free(got);
}

static void interval_good(const char *in, uint64_t want)
{
	struct parse_error err;
	uint64_t ns = 0;

	if (!ok(parse_top_interval(in, &ns, &err) == 0 && ns == want,
		"top interval '%s' = %" PRIu64 " ns", in, want))
		diag("got %" PRIu64 ", '%s'", ns, err.msg);
}

static void interval_bad(const char *in, const char *want)
{
	struct parse_error err;
	uint64_t ns = 77;

	if (!ok(parse_top_interval(in, &ns, &err) < 0 &&
		err.kind == PARSE_EVALUE && !strcmp(err.msg, want) && ns == 77,
		"top interval '%s' rejected: %s", in, want))
		diag("got '%s'", err.msg);
}

#define count_bad(in, want)	u32_bad(parse_top_count, "top count", in, want)

/* egressctl top -d SECONDS -n COUNT */
static void test_top_args(void)
{
	uint32_t n = 0;

	interval_good("1", 1000000000);
	interval_good("0.1", 100000000);
	interval_good(".25", 250000000);
	interval_good("2.", 2000000000);
	interval_good("0.000000001", 1);
	interval_good("0.0000000019", 1);
	interval_good("86400", 86400000000000ull);
	interval_good("007.5", 7500000000ull);
	interval_bad("", "invalid interval '' (seconds, such as 2 or 0.5)");
	interval_bad(".", "invalid interval '.' (seconds, such as 2 or 0.5)");
	interval_bad("1s", "invalid interval '1s' (seconds, such as 2 or 0.5)");
	interval_bad("1.2.3", "invalid interval '1.2.3' (seconds, such as 2 or 0.5)");
	interval_bad("1e3", "invalid interval '1e3' (seconds, such as 2 or 0.5)");
	interval_bad(" 1", "invalid interval ' 1' (seconds, such as 2 or 0.5)");
	interval_bad("+1", "invalid interval '+1' (seconds, such as 2 or 0.5)");
	interval_bad("0", "interval must be greater than zero");
	interval_bad("0.0000000009", "interval must be greater than zero");
	interval_bad("-0.5", "interval must be greater than zero");
	interval_bad("86400.000000001",
		     "interval '86400.000000001' is too large (max 86400 seconds)");
	interval_bad("99999999999999999999999",
		     "interval '99999999999999999999999' is too large (max 86400 seconds)");
	ok(parse_top_count("3", &n, NULL) == 0 && n == 3, "top count '3' = 3");
	ok(parse_top_count("4294967295", &n, NULL) == 0 && n == UINT32_MAX,
	   "top count '4294967295' = 4294967295");
	count_bad("0", "count must be greater than zero");
	count_bad("-2", "count must be greater than zero");
	count_bad("2.5", "invalid count '2.5' (refreshes, a whole number)");
	count_bad("4294967296", "count '4294967296' is too large (max 4294967295)");
}

static void fixed_case(double v, int decimals, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_begin_array(&j);
	json_fixed(&j, v, decimals);
	json_end_array(&j);
	fclose(f);
	if (!ok(!strcmp(buf, want), "json_fixed(%g, %d): %s", v, decimals,
		want))
		diag("got %s", buf);
	free(buf);
}

/* top's rates: decimals without trailing zeros, null when not finite */
static void test_json_fixed(void)
{
	fixed_case(1500000.0000000002, 3, "[1500000]");
	fixed_case(0.5, 3, "[0.5]");
	fixed_case(33.3333333, 3, "[33.333]");
	fixed_case(0.0004, 3, "[0]");
	fixed_case(-0.0004, 3, "[0]");
	fixed_case(-2.25, 3, "[-2.25]");
	fixed_case(0.1, 6, "[0.1]");
	fixed_case(1e300, 3, "[null]");
	fixed_case(1.0 / 0.0, 3, "[null]");
	fixed_case(0.0 / 0.0, 3, "[null]");
	fixed_case(2.5, -1, "[2]");
}

int main(void)
{
	tap_start();
	test_paths();
	test_cidrs();
	test_mask();
	test_scalars();
	test_rates();
	test_shaping();
	test_instances_keep();
	test_specs();
	test_specs_v2();
	test_packets();
	test_class_names();
	test_json();
	test_printer();
	test_table();
	test_human();
	test_delays();
	test_prometheus();
	test_rules_hidden();
	test_template_stats();
	test_conn_parsers();
	test_parse_class_name();
	test_conn_stats();
	test_top_args();
	test_json_fixed();
	return tap_end();
}
