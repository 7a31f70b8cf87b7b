// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of the policy file parser and formatter: good files,
 * every error with its exact FILE:LINE:COL, and a generated 200,000-rule
 * file that parses quickly and formats back byte for byte.  TAP on stdout.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "policyfile.h"
#include "tap.h"

static void write_set(FILE *f, const void *set)
{
	pf_format(f, set);
}

static char *format_set(const struct pf_set *set)
{
	return tap_capture(write_set, set);
}

/* Parse in, sort, format: must give want (and parse to the same again). */
static void good(const char *desc, const char *in, const char *want)
{
	struct pf_set set, again;
	struct pf_error err;
	char *out = NULL, *out2 = NULL;
	int ret = pf_parse("t.conf", in, strlen(in), &set, &err);

	if (ret == 0) {
		pf_set_sort(&set);
		out = format_set(&set);
		if (pf_parse("again", out, strlen(out), &again, &err) == 0) {
			out2 = format_set(&again);
			pf_set_free(&again);
		}
		pf_set_free(&set);
	}
	if (!ok(ret == 0 && out && !strcmp(out, want) && out2 &&
		!strcmp(out2, want), "good: %s", desc))
		diag("ret %d err '%s'\n# got:\n%s\n# want:\n%s", ret, err.text,
		     out ? out : "", want);
	free(out);
	free(out2);
}

static void bad_len(const char *name, const char *in, size_t len,
		    const char *want)
{
	struct pf_set set;
	struct pf_error err;
	int ret = pf_parse(name, in, len, &set, &err);

	if (!ok(ret < 0 && !strcmp(err.text, want) && set.npolicies == 0,
		"error: %s", want))
		diag("ret %d got '%s'", ret, err.text);
	if (ret == 0)
		pf_set_free(&set);
}

static void bad(const char *in, const char *want)
{
	bad_len("t.conf", in, strlen(in), want);
}

static void test_good(void)
{
	good("empty file", "", "");
	good("comments and blanks only", "# nothing\n\n   # more\n", "");
	good("issue example",
	     "# comments\n"
	     "cgroup \"/system.slice/nginx.service\" {\n"
	     "    mode enforce;\n"
	     "    default deny;\n"
	     "    allow tcp to 10.0.0.0/8 port 443 class internal;\n"
	     "    allow udp to 0.0.0.0/0 port 53;\n"
	     "    deny to 169.254.169.254/32;\n"
	     "    allow to 2001:db8::/32;\n"
	     "}\n",
	     "cgroup \"/system.slice/nginx.service\" {\n"
	     "\tmode enforce;\n"
	     "\tdefault deny;\n"
	     "\tallow tcp to 10.0.0.0/8 port 443 class internal;\n"
	     "\tallow udp to 0.0.0.0/0 port 53;\n"
	     "\tdeny to 169.254.169.254/32;\n"
	     "\tallow to 2001:db8::/32;\n"
	     "}\n");
	good("free-form layout, sorted output, defaults filled in",
	     "cgroup \"/b\"{allow proto udp to 10.1.0.0/16 port 1000-2000;}"
	     "cgroup\t\"//a//\"\n{\n default allow ; mode\naudit;\n"
	     "deny proto any to 10.0.0.1 ; allow icmp to 10.0.0.0/8;"
	     "allow icmpv6 to 2001:DB8::/32; allow sctp to ::/0 port 0-65535;}\n"
	     "cgroup \"/\" {}",
	     "cgroup \"/\" {\n\tmode enforce;\n\tdefault deny;\n}\n"
	     "\n"
	     "cgroup \"/a\" {\n\tmode audit;\n\tdefault allow;\n"
	     "\tdeny to 10.0.0.1/32;\n\tallow icmp to 10.0.0.0/8;\n"
	     "\tallow icmpv6 to 2001:db8::/32;\n"
	     "\tallow sctp to ::/0 port 0-65535;\n}\n"
	     "\n"
	     "cgroup \"/b\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tallow udp to 10.1.0.0/16 port 1000-2000;\n}\n");
	good("comments everywhere, CRLF",
	     "# x { \" ;\r\ncgroup \"/a\" { # c ; }\r\n"
	     "  allow to 1.0.0.0/8; # tail\r\n}\r\n",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tallow to 1.0.0.0/8;\n}\n");
	good("escapes in paths",
	     "cgroup \"/a\\\"b\\\\c\" { }",
	     "cgroup \"/a\\\"b\\\\c\" {\n\tmode enforce;\n\tdefault deny;\n}\n");
	good("same rule in two cgroups, same prefix with other ports or protos",
	     "cgroup \"/a\" { allow to 10.0.0.0/8; allow tcp to 10.0.0.0/8;"
	     " allow tcp to 10.0.0.0/8 port 80; allow tcp to 10.0.0.0/8 port 80-81;"
	     " allow udp to 10.0.0.0/8 port 80; allow to 10.0.0.0/8 port 80;"
	     " deny to 10.0.0.0/16; allow to ::/0; }\n"
	     "cgroup \"/b\" { allow to 10.0.0.0/8; }",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tallow to 10.0.0.0/8;\n\tallow tcp to 10.0.0.0/8;\n"
	     "\tallow tcp to 10.0.0.0/8 port 80;\n"
	     "\tallow tcp to 10.0.0.0/8 port 80-81;\n"
	     "\tallow udp to 10.0.0.0/8 port 80;\n"
	     "\tallow to 10.0.0.0/8 port 80;\n"
	     "\tdeny to 10.0.0.0/16;\n\tallow to ::/0;\n}\n"
	     "\n"
	     "cgroup \"/b\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tallow to 10.0.0.0/8;\n}\n");
	good("last line without newline",
	     "cgroup \"/a\" { deny to 10.0.0.0/8; }",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tdeny to 10.0.0.0/8;\n}\n");
}

static void test_errors(void)
{
	bad("cgroup \"/a\" {\n\tallow to 10.0.0.0/8\n}\n",
	    "t.conf:3:1: missing ';' before '}'");
	bad("cgroup \"/a\" {\n  allow to 10.0.0.0/8\n  deny to 10.1.0.0/16;\n}\n",
	    "t.conf:3:3: missing ';' before 'deny'");
	bad("cgroup \"/a\" {\n  permit to 10.0.0.0/8;\n}",
	    "t.conf:2:3: unknown keyword 'permit' (expected mode, default, rate, pps, quota, conn, instances, allow or deny)");
	bad("cgroup \"/a\" {\n\tpermit;\n}",
	    "t.conf:2:2: unknown keyword 'permit' (expected mode, default, rate, pps, quota, conn, instances, allow or deny)");
	bad("policy \"/a\" {}", "t.conf:1:1: unknown keyword 'policy' (expected 'cgroup')");
	bad(";", "t.conf:1:1: unexpected ';' (expected 'cgroup')");
	bad("\n\n   }", "t.conf:3:4: unexpected '}' (expected 'cgroup')");
	bad("cgroup \"/a {\n}\n", "t.conf:1:8: unterminated string");
	bad("cgroup \"/a", "t.conf:1:8: unterminated string");
	bad("cgroup \"/a\\", "t.conf:1:8: unterminated string");
	bad("cgroup \"/a\\q\" {}",
	    "t.conf:1:11: invalid escape '\\q' in string (only \\\" and \\\\)");
	bad("cgroup \"\" {}", "t.conf:1:8: empty cgroup path");
	bad("cgroup \"a\" {}",
	    "t.conf:1:8: invalid cgroup path 'a': must start with '/'");
	bad("cgroup \"/a/../b\" {}",
	    "t.conf:1:8: invalid cgroup path '/a/../b': '.' and '..' components are not allowed");
	bad("cgroup {", "t.conf:1:8: expected a quoted cgroup path after 'cgroup', got '{'");
	bad("cgroup", "t.conf:1:7: expected a quoted cgroup path after 'cgroup', got end of file");
	bad("cgroup \"/a\" allow",
	    "t.conf:1:13: expected '{' after the cgroup path, got 'allow'");
	bad("cgroup \"/a\" {}\ncgroup \"/a/\" {}\n",
	    "t.conf:2:1: duplicate cgroup \"/a\" (first at 1:1)");
	bad("cgroup \"/a\" {\n mode audit;\n mode enforce;\n}",
	    "t.conf:3:2: duplicate 'mode' statement (first at 2:2)");
	bad("cgroup \"/a\" {\n default allow;\n\n default allow;\n}",
	    "t.conf:4:2: duplicate 'default' statement (first at 2:2)");
	bad("cgroup \"/a\" {\n allow tcp to 10.0.0.0/8 port 443;\n"
	    " deny proto tcp to 10.0.0.0/8 port 443 class x;\n}",
	    "t.conf:3:2: duplicate rule 'deny tcp to 10.0.0.0/8 port 443 class x': "
	    "same destination, protocol and ports as the rule at 2:2");
	bad("cgroup \"/a\" {\n allow to 10.0.0.0/8;\n allow any to 10.0.0.0/8;\n}",
	    "t.conf:3:2: duplicate rule 'allow to 10.0.0.0/8': "
	    "same destination, protocol and ports as the rule at 2:2");
	bad("cgroup \"/a\" {\n allow to 1.0.0.0/8;\n",
	    "t.conf:3:1: missing '}' at end of file (block opened at 1:13)");
	bad("cgroup \"/a\" {\n allow to 1.0.0.0/8",
	    "t.conf:2:20: missing ';' before end of file");
	bad("cgroup \"/a\" {\n cgroup \"/b\" {}\n}",
	    "t.conf:2:2: missing '}' before 'cgroup' (block opened at 1:13)");
	bad("cgroup \"/a\" { { }", "t.conf:1:15: unexpected '{'");
	bad("cgroup \"/a\" { ; }", "t.conf:1:15: unexpected ';'");
	bad("cgroup \"/a\" { mode strict; }",
	    "t.conf:1:20: expected 'enforce' or 'audit' after 'mode', got 'strict'");
	bad("cgroup \"/a\" { mode ; }",
	    "t.conf:1:20: expected 'enforce' or 'audit' after 'mode', got ';'");
	bad("cgroup \"/a\" { default maybe; }",
	    "t.conf:1:23: expected 'allow' or 'deny' after 'default', got 'maybe'");
	bad("cgroup \"/a\" { mode audit }", "t.conf:1:26: missing ';' before '}'");
	bad("cgroup \"/a\" {\n allow to 10.0.0.1/8;\n}",
	    "t.conf:2:11: host bits set in 10.0.0.1/8 (did you mean 10.0.0.0/8?)");
	bad("cgroup \"/a\" {\n allow to 10.0.0.300;\n}",
	    "t.conf:2:11: invalid CIDR '10.0.0.300'");
	bad("cgroup \"/a\" {\n allow tcp to 10.0.0.0/8 port 70000;\n}",
	    "t.conf:2:31: invalid port '70000' (a number 0-65535 or a range N-M)");
	bad("cgroup \"/a\" {\n allow tcp to 10.0.0.0/8 port 90-80;\n}",
	    "t.conf:2:31: invalid port range '90-80': 90 is above 80");
	bad("cgroup \"/a\" {\n allow icmp to 10.0.0.0/8 port 1;\n}",
	    "t.conf:2:27: 'port' needs proto tcp, udp, sctp or any, not icmp");
	bad("cgroup \"/a\" {\n allow icmp to 2001:db8::/32;\n}",
	    "t.conf:2:8: proto icmp needs an IPv4 destination (use icmpv6 for IPv6)");
	bad("cgroup \"/a\" {\n allow proto icmpv6 to 10.0.0.0/8;\n}",
	    "t.conf:2:14: proto icmpv6 needs an IPv6 destination (use icmp for IPv4)");
	bad("cgroup \"/a\" {\n allow proto gre to 10.0.0.0/8;\n}",
	    "t.conf:2:14: invalid protocol 'gre' (tcp, udp, sctp, icmp, icmpv6 or any)");
	bad("cgroup \"/a\" {\n allow tcp;\n}", "t.conf:2:11: missing 'to CIDR'");
	bad("cgroup \"/a\" {\n allow to;\n}", "t.conf:2:10: missing CIDR after 'to'");
	bad("cgroup \"/a\" {\n allow to 1.0.0.0/8 via eth0;\n}",
	    "t.conf:2:21: unexpected 'via' in rule");
	bad("cgroup \"/a\" {\n allow to 1.0.0.0/8 class a/b;\n}",
	    "t.conf:2:27: invalid class 'a/b' (1-31 characters of A-Z a-z 0-9 _ . -)");
	bad("cgroup \"/a\" {\n allow to 1.0.0.0/8 class "
	    "abcdefghijabcdefghijabcdefghij12;\n}",
	    "t.conf:2:27: invalid class 'abcdefghijabcdefghijabcdefghij12' "
	    "(1-31 characters of A-Z a-z 0-9 _ . -)");
	bad("cgroup \"/a\" {\n allow tcp proto udp to 1.0.0.0/8;\n}",
	    "t.conf:2:12: 'proto' given more than once");
	bad("cgroup \"/a\" {\n allow to 1.0.0.0/8 \"x\";\n}",
	    "t.conf:2:21: missing ';' before a string");
	bad_len("t.conf", "cgroup \"/a\" {\0}", 15, "t.conf:1:14: unexpected NUL byte");
	bad_len("-", "x", 1, "<stdin>:1:1: unknown keyword 'x' (expected 'cgroup')");
	bad_len("dir/p.conf", "cgroup \"/a\" {} x", 16,
		"dir/p.conf:1:16: unknown keyword 'x' (expected 'cgroup')");
	/* the first error wins: a later one does not replace it */
	bad("cgroup \"/a\" {}\ncgroup \"/a\" {}\ncgroup \"\" {}\n",
	    "t.conf:2:1: duplicate cgroup \"/a\" (first at 1:1)");
	{
		char longw[400];

		memset(longw, 'x', sizeof(longw) - 1);
		longw[sizeof(longw) - 1] = '\0';
		bad(longw, "t.conf:1:1: word longer than 255 bytes");
	}
}

/* Build a set of n rules over two cgroups with every kind of rule. */
static void make_rule(unsigned int i, struct egress_rule_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->action = i % 3 ? NF_EGRESS_VERDICT_ALLOW : NF_EGRESS_VERDICT_DENY;
	s->fields = EGRESS_SPEC_TO;
	if (i % 4 == 3) {
		s->to.family = AF_INET6;
		s->to.prefix_len = 64;
		s->to.addr.bytes[0] = 0x20;
		s->to.addr.bytes[1] = 0x01;
		s->to.addr.bytes[2] = 0x0d;
		s->to.addr.bytes[3] = 0xb8;
		s->to.addr.bytes[5] = (uint8_t)(i >> 16);
		s->to.addr.bytes[6] = (uint8_t)(i >> 8);
		s->to.addr.bytes[7] = (uint8_t)i;
	} else {
		s->to.family = AF_INET;
		s->to.prefix_len = 32;
		s->to.addr.bytes[0] = 10;
		s->to.addr.bytes[1] = (uint8_t)(i >> 16);
		s->to.addr.bytes[2] = (uint8_t)(i >> 8);
		s->to.addr.bytes[3] = (uint8_t)i;
	}
	switch (i % 6) {
	case 1:
		s->proto = IPPROTO_TCP;
		s->fields |= EGRESS_SPEC_PORT;
		s->port_min = s->port_max = (uint16_t)(i % 65536);
		break;
	case 2:
		s->proto = IPPROTO_UDP;
		s->fields |= EGRESS_SPEC_PORT;
		s->port_min = 1000;
		s->port_max = (uint16_t)(1000 + i % 1000);
		break;
	case 4:
		s->proto = s->to.family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		break;
	case 5:
		s->proto = IPPROTO_SCTP;
		break;
	}
	if (i % 5 == 0) {
		s->fields |= EGRESS_SPEC_CLASS;
		snprintf(s->class_name, sizeof(s->class_name), "c%u", i % 97);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_rates(void)
{
	good("rate, canonical form",
	     "cgroup \"/b\" {\n rate 50Mbit police burst 262144;\n allow to 10.0.0.0/8;\n}\n"
	     "cgroup \"/a\" { allow to 1.0.0.0/8; pps 1000; default allow; }\n",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault allow;\n\tpps 1000 shape;\n"
	     "\tallow to 1.0.0.0/8;\n}\n\n"
	     "cgroup \"/b\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\trate 50mbit burst 256k police;\n\tallow to 10.0.0.0/8;\n}\n");
	good("rate with everything",
	     "cgroup \"/a\" { rate 1.5mbit burst 100000 pps 20 shape; }",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\trate 1500kbit burst 100000 pps 20 shape;\n}\n");
	good("rate in bytes per second",
	     "cgroup \"/a\" { rate 10mbps; }",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\trate 80mbit shape;\n}\n");
	good("rate none is no limit",
	     "cgroup \"/a\" { rate none; mode audit; }",
	     "cgroup \"/a\" {\n\tmode audit;\n\tdefault deny;\n}\n");

	bad("cgroup \"/a\" {\n rate 1mbit;\n pps 5;\n}",
	    "t.conf:3:2: duplicate rate statement (first at 2:2)");
	bad("cgroup \"/a\" {\n rate none;\n rate 1mbit;\n}",
	    "t.conf:3:2: duplicate rate statement (first at 2:2)");
	bad("cgroup \"/a\" {\n rate 10xbit;\n}",
	    "t.conf:2:7: invalid rate '10xbit': unknown unit 'xbit' (bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)");
	bad("cgroup \"/a\" {\n rate 0mbit police;\n}",
	    "t.conf:2:7: rate must be greater than zero");
	bad("cgroup \"/a\" {\n rate 1mbit burst 5g;\n}",
	    "t.conf:2:19: burst '5g' is too large (max 4 GiB - 1)");
	bad("cgroup \"/a\" {\n rate 1mbit burst;\n}",
	    "t.conf:2:18: missing SIZE after 'burst'");
	bad("cgroup \"/a\" {\n rate;\n}",
	    "t.conf:2:6: missing RATE after 'rate'");
	bad("cgroup \"/a\" {\n rate 1mbit pps 0;\n}",
	    "t.conf:2:17: pps must be greater than zero");
	bad("cgroup \"/a\" {\n pps 5 burst 1k;\n}",
	    "t.conf:2:8: 'burst' needs a byte rate ('rate RATE')");
	bad("cgroup \"/a\" {\n rate 1mbit police shape;\n}",
	    "t.conf:2:20: 'police' or 'shape' given more than once");
	bad("cgroup \"/a\" {\n rate 1mbit fast;\n}",
	    "t.conf:2:13: unexpected 'fast' in rate statement");
	bad("cgroup \"/a\" {\n rate none police;\n}",
	    "t.conf:2:12: unexpected 'police' in rate statement");
	bad("cgroup \"/a\" {\n rate 1mbit\n allow to 10.0.0.0/8;\n}",
	    "t.conf:3:2: missing ';' before 'allow'");
	bad("cgroup \"/a\" {\n allow to 10.0.0.0/8\n rate 1mbit;\n}",
	    "t.conf:3:2: missing ';' before 'rate'");
	bad("cgroup \"/a\" {\n rate 1mbit }",
	    "t.conf:2:13: missing ';' before '}'");

	/* shape mode: queue and latency, written as the kernel reports them */
	good("shape with queue and latency",
	     "cgroup \"/a\" { rate 10mbit latency 1.5s queue 64; }\n"
	     "cgroup \"/b\" { pps 100 shape latency 500us; }\n"
	     "cgroup \"/c\" { rate 1mbit burst 64k queue 1000 latency 100ms shape; }\n",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\trate 10mbit queue 64 latency 1500ms shape;\n}\n\n"
	     "cgroup \"/b\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tpps 100 latency 500us shape;\n}\n\n"
	     "cgroup \"/c\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\trate 1mbit burst 64k queue 1000 latency 100ms shape;\n}\n");
	good("latency in seconds, milliseconds, microseconds",
	     "cgroup \"/a\" { rate 1mbit latency 10s; }",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\trate 1mbit latency 10s shape;\n}\n");
	bad("cgroup \"/a\" {\n rate 1mbit queue 10 police;\n}",
	    "t.conf:2:13: 'queue' applies to shape mode only, not police");
	bad("cgroup \"/a\" {\n rate 1mbit police latency 5ms;\n}",
	    "t.conf:2:20: 'latency' applies to shape mode only, not police");
	bad("cgroup \"/a\" {\n pps 5 latency 5ms queue 9 police;\n}",
	    "t.conf:2:8: 'latency' applies to shape mode only, not police");
	bad("cgroup \"/a\" {\n rate 1mbit latency 100;\n}",
	    "t.conf:2:21: invalid latency '100': no unit (us, ms or s)");
	bad("cgroup \"/a\" {\n rate 1mbit latency 5us;\n}",
	    "t.conf:2:21: latency '5us' is too small (min 100us)");
	bad("cgroup \"/a\" {\n rate 1mbit latency 1m;\n}",
	    "t.conf:2:21: invalid latency '1m': unknown unit 'm' (us, ms or s)");
	bad("cgroup \"/a\" {\n rate 1mbit latency 10.5s;\n}",
	    "t.conf:2:21: latency '10.5s' is too large (max 10s)");
	bad("cgroup \"/a\" {\n rate 1mbit latency 0.1us;\n}",
	    "t.conf:2:21: invalid latency '0.1us': not a whole number of microseconds");
	bad("cgroup \"/a\" {\n rate 1mbit latency;\n}",
	    "t.conf:2:20: missing TIME after 'latency'");
	bad("cgroup \"/a\" {\n rate 1mbit queue 0;\n}",
	    "t.conf:2:19: queue must be greater than zero");
	bad("cgroup \"/a\" {\n rate 1mbit queue 65537;\n}",
	    "t.conf:2:19: queue '65537' is too large (max 65536 packets)");
	bad("cgroup \"/a\" {\n rate 1mbit queue many;\n}",
	    "t.conf:2:19: invalid queue 'many' (packets, a whole number)");
	bad("cgroup \"/a\" {\n rate 1mbit queue 1 queue 2;\n}",
	    "t.conf:2:21: 'queue' given more than once");
	bad("cgroup \"/a\" {\n rate 1mbit latency 1ms latency 2ms;\n}",
	    "t.conf:2:25: 'latency' given more than once");
}

#define QPOL(body) "cgroup \"/q\" {\n\tmode enforce;\n\tdefault deny;\n" body "}\n"

static void test_conn(void)
{
	good("conn max and rate, canonical form",
	     "cgroup \"/a\" { conn rate 10/s burst 20; conn max 5; default allow; }\n"
	     "cgroup \"/b\" { conn rate 7 burst 7; }\n",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault allow;\n"
	     "\tconn max 5;\n\tconn rate 10/s burst 20;\n}\n\n"
	     "cgroup \"/b\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tconn rate 7/s;\n}\n");
	bad("cgroup \"/a\" {\n conn max 5;\n conn max 6;\n}",
	    "t.conf:3:2: duplicate conn max statement (first at 2:2)");
	bad("cgroup \"/a\" {\n conn max 0;\n}",
	    "t.conf:2:11: conn max must be greater than zero");
	bad("cgroup \"/a\" {\n conn rate 2000000000/s;\n}",
	    "t.conf:2:12: conn rate '2000000000' is too large (max 1000000000/s)");
	bad("cgroup \"/a\" {\n conn rate 5/s burst;\n}",
	    "t.conf:2:21: missing N after 'burst'");
	bad("cgroup \"/a\" {\n conn max 5 burst 3;\n}",
	    "t.conf:2:13: unexpected 'burst' in conn statement (expected 'class')");
	bad("cgroup \"/a\" {\n conn 5;\n}",
	    "t.conf:2:7: expected 'max N' or 'rate N/s [burst N]' after 'conn'");
	bad("cgroup \"/a\" {\n conn rate 5/s;\n conn rate 6/s burst 6;\n}",
	    "t.conf:3:2: duplicate conn rate statement (first at 2:2)");
	bad("cgroup \"/a\" {\n conn max;\n}",
	    "t.conf:2:10: missing N after 'conn max'");
	bad("cgroup \"/a\" {\n conn rate;\n}",
	    "t.conf:2:11: missing N/s after 'conn rate'");
	bad("cgroup \"/a\" {\n conn;\n}",
	    "t.conf:2:6: expected 'max N' or 'rate N/s [burst N]' after 'conn'");
	bad("cgroup \"/a\" {\n conn rate 5/s burst 0;\n}",
	    "t.conf:2:22: conn burst must be greater than zero");
	bad("cgroup \"/a\" {\n conn rate 5/s ceiling 9;\n}",
	    "t.conf:2:16: unexpected 'ceiling' in conn statement (expected 'burst' or 'class')");
	bad("cgroup \"/a\" {\n conn max 5\n allow to 10.0.0.0/8;\n}",
	    "t.conf:3:2: missing ';' before 'allow'");
	bad("cgroup \"/a\" {\n conn rate 5/s burst 5 max 3;\n}",
	    "t.conf:2:24: unexpected 'max' in conn statement (expected 'class')");
	bad("cgroup \"/a\" {\n conn max five;\n}",
	    "t.conf:2:11: invalid conn max 'five' (connections, a whole number)");
}

/* The limits of one class: "class NAME" last in both statements. */
static void test_conn_classes(void)
{
	struct pf_set set;
	struct pf_error err;
	const struct pf_conn *c;
	const char *in =
		"cgroup \"/a\" {\n"
		" conn rate 10/s burst 5 class internet;\n"
		" conn max 50;\n"
		" conn max 100 class internet;\n"
		" conn max 4 class dns;\n"
		"}\n";

	/* merged by class, in the order first given, with their places */
	if (ok(pf_parse("t.conf", in, strlen(in), &set, &err) == 0 &&
	       set.npolicies == 1 && set.policies[0].nconns == 3,
	       "conn classes: three limits of five statements")) {
		c = set.policies[0].conns;
		ok(!strcmp(c[0].conn.class_name, "internet") &&
		   c[0].conn.has_max && c[0].conn.max_active == 100 &&
		   c[0].conn.has_rate && c[0].conn.rate == 10 &&
		   c[0].conn.has_burst && c[0].conn.burst == 5 &&
		   c[0].rate_loc.line == 2 && c[0].rate_loc.col == 2 &&
		   c[0].max_loc.line == 4 && c[0].max_loc.col == 2 &&
		   !c[1].conn.class_name[0] && c[1].conn.has_max &&
		   c[1].conn.max_active == 50 && !c[1].conn.has_rate &&
		   c[1].max_loc.line == 3 && !c[1].rate_loc.line &&
		   !strcmp(c[2].conn.class_name, "dns") &&
		   c[2].conn.max_active == 4 && !c[2].conn.has_rate,
		   "conn classes: max and rate of a class in one limit, where each is");
		/* sorted: the one without a class first, then by class */
		pf_set_sort(&set);
		c = set.policies[0].conns;
		ok(!c[0].conn.class_name[0] &&
		   !strcmp(c[1].conn.class_name, "dns") &&
		   !strcmp(c[2].conn.class_name, "internet") &&
		   c[2].max_loc.line == 4,
		   "conn classes: sorted with their places");
		pf_set_free(&set);
	}

	good("conn classes, canonical form",
	     in,
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tconn max 50;\n"
	     "\tconn max 4 class dns;\n"
	     "\tconn max 100 class internet;\n"
	     "\tconn rate 10/s burst 5 class internet;\n}\n");
	good("conn classes alone, a burst equal to the rate left out",
	     "cgroup \"/b\" { conn rate 7 burst 7 class web; }\n"
	     "cgroup \"/a\" { conn max 1 class A.b-c_9; conn rate 1/s class a;"
	     " conn rate 2/s; conn max 2 class a; }\n",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tconn rate 2/s;\n"
	     "\tconn max 1 class A.b-c_9;\n"
	     "\tconn max 2 class a;\n"
	     "\tconn rate 1/s class a;\n}\n\n"
	     "cgroup \"/b\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tconn rate 7/s class web;\n}\n");
	good("conn classes in a template, beside quotas and rules",
	     "cgroup \"/svc/*\" { allow tcp to 10.0.0.0/8 port 443 class web;"
	     " conn max 8 class web; instances max 10; }\n",
	     "cgroup \"/svc/*\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tinstances max 10;\n"
	     "\tconn max 8 class web;\n"
	     "\tallow tcp to 10.0.0.0/8 port 443 class web;\n}\n");

	/* 16 limits, the module's bound; a 17th class is refused where it is */
	{
		char text[2048] = "cgroup \"/a\" {\n conn max 1;\n";
		size_t len = strlen(text);
		int i;

		for (i = 1; i < 16; i++)
			len += snprintf(text + len, sizeof(text) - len,
					" conn max 1 class c%d;\n", i);
		strcat(text, "}\n");
		struct pf_set set;
		struct pf_error err;
		int ret = pf_parse("t.conf", text, strlen(text), &set, &err);

		ok(ret == 0 && set.npolicies == 1 && set.policies[0].nconns == 16,
		   "good: 16 connection limits");
		if (ret == 0)
			pf_set_free(&set);
		/* a rate of a class that has a limit is no new limit */
		text[len] = '\0';
		strcat(text, " conn rate 2/s class c1;\n conn max 1 class c16;\n}\n");
		bad(text, "t.conf:19:2: more than 16 connection limits in one policy");
	}

	/* duplicates: per class, and the same in another block is fine */
	bad("cgroup \"/a\" {\n conn max 5 class web;\n conn max 5;\n"
	    " conn rate 1/s class dns;\n conn max 6 class web;\n}",
	    "t.conf:5:2: duplicate conn max statement for class web (first at 2:2)");
	bad("cgroup \"/a\" {\n conn rate 5/s class web;\n conn max 1 class web;\n"
	    "  conn rate 6/s burst 6 class web;\n}",
	    "t.conf:4:3: duplicate conn rate statement for class web (first at 2:2)");
	bad("cgroup \"/a\" {\n conn max 5 class web;\n conn max 6;\n conn max 7;\n}",
	    "t.conf:4:2: duplicate conn max statement (first at 3:2)");
	good("the same class in two blocks",
	     "cgroup \"/a\" { conn max 5 class web; }\n"
	     "cgroup \"/b\" { conn max 6 class web; }\n",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tconn max 5 class web;\n}\n\n"
	     "cgroup \"/b\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tconn max 6 class web;\n}\n");
	good("class names differ in case",
	     "cgroup \"/a\" { conn max 5 class web; conn max 6 class Web; }\n",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tconn max 6 class Web;\n\tconn max 5 class web;\n}\n");

	/* a class without a limit, or a limit without its number */
	bad("cgroup \"/a\" {\n conn class web;\n}",
	    "t.conf:2:7: expected 'max N' or 'rate N/s [burst N]' after 'conn' ('class NAME' comes last)");
	bad("cgroup \"/a\" {\n conn class web max 5;\n}",
	    "t.conf:2:7: expected 'max N' or 'rate N/s [burst N]' after 'conn' ('class NAME' comes last)");
	bad("cgroup \"/a\" {\n conn max class web;\n}",
	    "t.conf:2:11: missing N after 'conn max'");
	bad("cgroup \"/a\" {\n conn rate class web;\n}",
	    "t.conf:2:12: missing N/s after 'conn rate'");
	bad("cgroup \"/a\" {\n conn rate 5/s burst class web;\n}",
	    "t.conf:2:22: missing N after 'burst'");

	/* class names: as a rule's */
	bad("cgroup \"/a\" {\n conn max 5 class;\n}",
	    "t.conf:2:18: missing NAME after 'class'");
	bad("cgroup \"/a\" {\n conn max 5 class a/b;\n}",
	    "t.conf:2:19: invalid class 'a/b' (1-31 characters of A-Z a-z 0-9 _ . -)");
	bad("cgroup \"/a\" {\n conn rate 5/s class abcdefghijklmnopqrstuvwxyz012345;\n}",
	    "t.conf:2:22: invalid class 'abcdefghijklmnopqrstuvwxyz012345' (1-31 characters of A-Z a-z 0-9 _ . -)");
	bad("cgroup \"/a\" {\n conn max 5 class \"web\";\n}",
	    "t.conf:2:19: missing ';' before a string");
	good("a class name of 31 characters",
	     "cgroup \"/a\" { conn max 5 class abcdefghijklmnopqrstuvwxyz01234; }",
	     "cgroup \"/a\" {\n\tmode enforce;\n\tdefault deny;\n"
	     "\tconn max 5 class abcdefghijklmnopqrstuvwxyz01234;\n}\n");

	/* class last; nothing after it */
	bad("cgroup \"/a\" {\n conn rate 5/s class web burst 9;\n}",
	    "t.conf:2:26: unexpected 'burst' in conn statement ('class NAME' comes last)");
	bad("cgroup \"/a\" {\n conn max 5 class web web;\n}",
	    "t.conf:2:23: unexpected 'web' in conn statement ('class NAME' comes last)");
	bad("cgroup \"/a\" {\n conn max 5 class web class dns;\n}",
	    "t.conf:2:23: unexpected 'class' in conn statement ('class NAME' comes last)");
	bad("cgroup \"/a\" {\n conn max 5 class web\n allow to 10.0.0.0/8;\n}",
	    "t.conf:3:2: missing ';' before 'allow'");
	bad("cgroup \"/a\" {\n conn max 5 class web rate 3;\n}",
	    "t.conf:2:23: missing ';' before 'rate'");
	/* the values are checked as without a class */
	bad("cgroup \"/a\" {\n conn max 0 class web;\n}",
	    "t.conf:2:11: conn max must be greater than zero");
	bad("cgroup \"/a\" {\n conn rate 5/s burst 0 class web;\n}",
	    "t.conf:2:22: conn burst must be greater than zero");
}

static void test_quotas(void)
{
	struct egress_quota_spec q;
	struct parse_error perr;
	char *argv[16];

	good("quota, the issue's form",
	     "cgroup \"/q\" { quota 500G per month warn 50%,80% then deny; }",
	     QPOL("\tquota 500g per month warn 50%,80% then deny;\n"));
	good("quota with everything, class quotas after the policy's",
	     "cgroup \"/q\" {\n allow to 10.0.0.0/8 class internal;\n"
	     " quota 1.5T per week class internal start 2026-01-07T06:30+01:00 warn 10%,20%,30%,40% then rate 10mbit;\n"
	     " quota 4096 per hour then deny allow class internal;\n}\n",
	     QPOL("\tquota 1536g per week class internal start 2026-01-07T06:30+01:00 warn 10%,20%,30%,40% then rate 10mbit;\n"
		  "\tquota 4k per hour then deny allow class internal;\n"
		  "\tallow to 10.0.0.0/8 class internal;\n"));
	good("quota: notify is the default, day N, offset",
	     "cgroup \"/q\" { quota 2t per month day 15 offset -05:00 then notify; }",
	     QPOL("\tquota 2t per month day 15 offset -05:00;\n"));
	good("quota: day 1 at UTC is the default start of months",
	     "cgroup \"/q\" { quota 1g per month day 1; quota 1g per day class c offset +05:30; }",
	     QPOL("\tquota 1g per month;\n\tquota 1g per day class c offset +05:30;\n"));
	good("quota: a start without zone is in the offset's time",
	     "cgroup \"/q\" { quota 10m per day start 2026-03-01T02:00 offset +02:00; quota 1 per hour class x start 2026-03-01; }",
	     QPOL("\tquota 10m per day start 2026-03-01T02:00+02:00;\n"
		  "\tquota 1 per hour class x start 2026-03-01T00:00Z;\n"));

	bad("cgroup \"/a\" {\n quota 5x per month;\n}",
	    "t.conf:2:8: invalid quota '5x': unknown unit 'x' (b, k, m, g or t)");
	bad("cgroup \"/a\" {\n quota 0 per month;\n}",
	    "t.conf:2:8: a quota must be greater than zero");
	bad("cgroup \"/a\" {\n quota 16777216t per month;\n}",
	    "t.conf:2:8: quota '16777216t' is too large (max 16 EiB - 1)");
	bad("cgroup \"/a\" {\n quota 5g month;\n}",
	    "t.conf:2:11: missing 'per PERIOD' after the quota's size");
	bad("cgroup \"/a\" {\n quota 5g per year;\n}",
	    "t.conf:2:15: invalid period 'year' (hour, day, week or month)");
	bad("cgroup \"/a\" {\n quota 5g per week day 3;\n}",
	    "t.conf:2:20: 'day N' is for monthly quotas (use 'start' for the others)");
	bad("cgroup \"/a\" {\n quota 5g per month day 32;\n}",
	    "t.conf:2:25: invalid day of the month '32' (1 to 31)");
	bad("cgroup \"/a\" {\n quota 5g per month start 2026-02-30;\n}",
	    "t.conf:2:27: invalid start '2026-02-30' (YYYY-MM-DD[THH:MM[:SS]] then Z, +HH:MM, -HH:MM or nothing)");
	bad("cgroup \"/a\" {\n quota 5g per month start 2026-02-01Z offset +01:00;\n}",
	    "t.conf:2:2: the start's zone and the offset differ");
	bad("cgroup \"/a\" {\n quota 5g per month offset +24:00;\n}",
	    "t.conf:2:28: invalid offset '+24:00' (+HH:MM or -HH:MM east of UTC, less than a day)");
	bad("cgroup \"/a\" {\n quota 5g per month warn 80%,50%;\n}",
	    "t.conf:2:26: invalid warn '80%,50%' (up to 4 ascending percentages from 1% to 99%, such as 50%,80%)");
	bad("cgroup \"/a\" {\n quota 5g per month warn 100%;\n}",
	    "t.conf:2:26: invalid warn '100%' (up to 4 ascending percentages from 1% to 99%, such as 50%,80%)");
	bad("cgroup \"/a\" {\n quota 5g per month then rate;\n}",
	    "t.conf:2:30: missing a rate after 'then rate'");
	bad("cgroup \"/a\" {\n quota 5g per month then drop;\n}",
	    "t.conf:2:26: invalid action 'drop' (notify, rate RATE or deny)");
	bad("cgroup \"/a\" {\n quota 5g per month then deny warn 50%;\n}",
	    "t.conf:2:31: unexpected 'warn' after the quota's action");
	bad("cgroup \"/a\" {\n quota 5g per month class bad/name;\n}",
	    "t.conf:2:27: invalid class name 'bad/name' (1 to 31 of A-Z a-z 0-9 _ . -)");
	bad("cgroup \"/a\" {\n quota 5g per month\n allow to 10.0.0.0/8;\n}",
	    "t.conf:3:2: missing ';' before 'allow'");
	bad("cgroup \"/a\" {\n quota 5g per month;\n quota 1g per day;\n}",
	    "t.conf:3:2: duplicate quota for all bytes (first at 2:2); a second one needs a class");
	bad("cgroup \"/a\" {\n quota 5g per month class c;\n quota 1g per day class c;\n}",
	    "t.conf:3:2: duplicate quota for class c (first at 2:2)");
	bad("cgroup \"/a\" { quota 1 per day class a; quota 1 per day class b;\n"
	    " quota 1 per day class c; quota 1 per day class d; quota 1 per day class e;\n"
	    " quota 1 per day class f; quota 1 per day class g; quota 1 per day class h;\n"
	    " quota 1 per day class i; }",
	    "t.conf:4:2: more than 8 quotas in one policy");

	/* What the module reports back formats as what was written. */
	argv[0] = "quota";
	argv[1] = "1g";
	argv[2] = "per";
	argv[3] = "week";
	argv[4] = "offset";
	argv[5] = "+01:00";
	ok(!parse_quota_spec(6, argv, &q, &perr) && !q.has_anchor &&
	   q.utc_offset == 3600, "quota: no start sends no anchor");
	q.has_anchor = true;
	q.anchor = EGRESS_QUOTA_ANCHOR_DEFAULT - 3600;
	{
		char text[EGRESS_QUOTA_STRLEN];

		format_quota_spec(&q, text, sizeof(text));
		if (!ok(!strcmp(text, "quota 1g per week offset +01:00"),
			"quota: the module's default anchor is left out"))
			diag("got '%s'", text);
	}
}

#define TPOL(path, body) \
	"cgroup \"" path "\" {\n\tmode enforce;\n\tdefault deny;\n" body "}\n"

static void test_templates(void)
{
	struct pf_set set;
	struct pf_error err;
	const char *in;

	good("templates after the policies, in the order they win",
	     "cgroup \"/svc.slice/**\" { default allow; }\n"
	     "cgroup \"/svc.slice/*.service\" { instances max 200; allow udp to 10.0.0.53 port 53; }\n"
	     "cgroup \"/svc.slice/web-*\" { instances max 1024; }\n"
	     "cgroup \"/svc.slice/db.service\" { }\n"
	     "cgroup \"//svc.slice//x*//\" { instances max 65536; rate 1mbit police; }\n",
	     TPOL("/svc.slice/db.service", "") "\n"
	     TPOL("/svc.slice/web-*", "") "\n"
	     TPOL("/svc.slice/x*", "\tinstances max 65536;\n\trate 1mbit police;\n") "\n"
	     TPOL("/svc.slice/*.service", "\tinstances max 200;\n\tallow udp to 10.0.0.53/32 port 53;\n") "\n"
	     "cgroup \"/svc.slice/**\" {\n\tmode enforce;\n\tdefault allow;\n}\n");
	good("a template's quotas (each instance counts its own)",
	     "cgroup \"/a/*\" { allow to 10.0.0.0/8 class c; quota 1g per day class c then deny; }\n",
	     TPOL("/a/*", "\tquota 1g per day class c then deny;\n\tallow to 10.0.0.0/8 class c;\n"));
	good("templates of equal rank keep their order",
	     "cgroup \"/b/*\" { }\ncgroup \"/a/*\" { }\n",
	     TPOL("/b/*", "") "\n" TPOL("/a/*", ""));

	in = "cgroup \"/x/*\" { instances max 7; }\ncgroup \"/y\" { }\n";
	if (ok(pf_parse("t.conf", in, strlen(in), &set, &err) == 0 &&
	       set.npolicies == 2 && set.ntemplates == 1 &&
	       set.policies[0].instances_max == 7 &&
	       set.policies[0].instances_loc.line == 1 &&
	       set.policies[0].instances_loc.col == 17 &&
	       set.policies[1].instances_max == 0 &&
	       set.policies[0].seq == 0 && set.policies[1].seq == 1,
	       "a template's instances max, its place and the count of templates"))
		pf_set_free(&set);
	else
		diag("%s", err.text);

	bad("cgroup \"/a/b**\" {}",
	    "t.conf:1:8: invalid cgroup path '/a/b**': '**' must be a whole component (as in /a/**/b)");
	bad("cgroup \"/a/**x/b\" {}",
	    "t.conf:1:8: invalid cgroup path '/a/**x/b': '**' must be a whole component (as in /a/**/b)");
	bad("cgroup \"/a/*\" {}\ncgroup \"//a//*/\" {}\n",
	    "t.conf:2:1: duplicate cgroup \"/a/*\" (first at 1:1)");
	bad("cgroup \"/a\" {\n\tinstances max 5;\n}",
	    "t.conf:2:2: 'instances max' is for templates only (a cgroup path with '*')");
	bad("cgroup \"/a/*\" {\n\tinstances max 5;\n\tinstances max 6;\n}",
	    "t.conf:3:2: duplicate 'instances max' statement (first at 2:2)");
	bad("cgroup \"/a/*\" {\n\tinstances 5;\n}",
	    "t.conf:2:12: expected 'max' or 'keep' after 'instances', got '5'");
	bad("cgroup \"/a/*\" {\n\tinstances;\n}",
	    "t.conf:2:11: expected 'max' or 'keep' after 'instances', got ';'");
	bad("cgroup \"/a/*\" {\n\tinstances max;\n}",
	    "t.conf:2:15: missing N after 'instances max'");
	bad("cgroup \"/a/*\" {\n\tinstances max 0;\n}",
	    "t.conf:2:16: instances max must be greater than zero");
	bad("cgroup \"/a/*\" {\n\tinstances max 65537;\n}",
	    "t.conf:2:16: instances max '65537' is too large (max 65536)");
	bad("cgroup \"/a/*\" {\n\tinstances max 1k;\n}",
	    "t.conf:2:16: invalid instances max '1k' (instances, a whole number)");
	bad("cgroup \"/a/*\" {\n\tinstances max -3;\n}",
	    "t.conf:2:16: instances max must be greater than zero");
	bad("cgroup \"/a/*\" {\n\tinstances max 5 6;\n}",
	    "t.conf:2:18: missing ';' before '6'");
	bad("cgroup \"/a/*\" {\n\tinstances max 5\n\tallow to 10.0.0.0/8;\n}",
	    "t.conf:3:2: missing ';' before 'allow'");
	bad("cgroup \"/a/*\" {\n\tallow to 10.0.0.0/8\n\tinstances max 5;\n}",
	    "t.conf:3:2: missing ';' before 'instances'");
}

static void test_instances_keep(void)
{
	struct pf_set set;
	struct pf_error err;
	const char *in;

	good("instances keep: written unless 1h, in its largest unit",
	     "cgroup \"/a/*\" { instances keep 90s; instances max 7; }\n"
	     "cgroup \"/b/*\" { instances keep 3600s; }\n"
	     "cgroup \"/c/*\" { instances keep 0; default allow; }\n"
	     "cgroup \"/d/*\" { instances keep 48H; }\n"
	     "cgroup \"/e/*\" { instances keep 1.5h; }\n",
	     TPOL("/a/*", "\tinstances max 7;\n\tinstances keep 90s;\n") "\n"
	     TPOL("/b/*", "") "\n"
	     "cgroup \"/c/*\" {\n\tmode enforce;\n\tdefault allow;\n\tinstances keep 0s;\n}\n\n"
	     TPOL("/d/*", "\tinstances keep 2d;\n") "\n"
	     TPOL("/e/*", "\tinstances keep 90m;\n"));

	in = "cgroup \"/x/*\" {\n\tinstances keep 10m;\n}\ncgroup \"/y/*\" { instances keep 0s; }\ncgroup \"/z/*\" { }\n";
	if (ok(pf_parse("t.conf", in, strlen(in), &set, &err) == 0 &&
	       set.npolicies == 3 &&
	       set.policies[0].has_instances_keep &&
	       set.policies[0].instances_keep == 600 &&
	       set.policies[0].keep_loc.line == 2 &&
	       set.policies[0].keep_loc.col == 2 &&
	       !set.policies[0].instances_max &&
	       set.policies[1].has_instances_keep &&
	       set.policies[1].instances_keep == 0 &&
	       !set.policies[2].has_instances_keep,
	       "instances keep: its value and place; 0 is given, not left out"))
		pf_set_free(&set);
	else
		diag("%s", err.text);

	bad("cgroup \"/a\" {\n\tinstances keep 1h;\n}",
	    "t.conf:2:2: 'instances keep' is for templates only (a cgroup path with '*')");
	bad("cgroup \"/a/*\" {\n\tinstances keep 1h;\n\tinstances max 5;\n\tinstances keep 2h;\n}",
	    "t.conf:4:2: duplicate 'instances keep' statement (first at 2:2)");
	bad("cgroup \"/a/*\" {\n\tinstances keep;\n}",
	    "t.conf:2:16: missing TIME after 'instances keep'");
	bad("cgroup \"/a/*\" {\n\tinstances keep 30;\n}",
	    "t.conf:2:17: invalid instances keep '30': no unit (s, m, h or d)");
	bad("cgroup \"/a/*\" {\n\tinstances keep 1.5s;\n}",
	    "t.conf:2:17: invalid instances keep '1.5s': not a whole number of seconds");
	bad("cgroup \"/a/*\" {\n\tinstances keep 366d;\n}",
	    "t.conf:2:17: instances keep '366d' is too large (max 365d)");
	bad("cgroup \"/a/*\" {\n\tinstances keep -1h;\n}",
	    "t.conf:2:17: instances keep '-1h' is negative (min 0)");
	bad("cgroup \"/a/*\" {\n\tinstances keep 1h 2h;\n}",
	    "t.conf:2:20: missing ';' before '2h'");
	bad("cgroup \"/a/*\" {\n\tinstances keep \"1h\";\n}",
	    "t.conf:2:17: missing TIME after 'instances keep'");
}

struct warnings {
	char text[4096];
	int n;
};

static void collect_warning(const char *text, void *arg)
{
	struct warnings *w = arg;
	size_t len = strlen(w->text);

	snprintf(w->text + len, sizeof(w->text) - len, "%s\n", text);
	w->n++;
}

/* The warnings of check -f about in, one a line, exactly want. */
static void warns(const char *desc, const char *name, const char *in,
		  const char *want)
{
	struct warnings w = { "", 0 };
	struct pf_set set;
	struct pf_error err;
	int ret = pf_parse(name, in, strlen(in), &set, &err);

	if (ret) {
		ok(0, "warnings: %s", desc);
		diag("%s", err.text);
		return;
	}
	ret = pf_template_warnings(name, &set, collect_warning, &w);
	if (!ok(ret == w.n && !strcmp(w.text, want), "warnings: %s", desc))
		diag("ret %d, got:\n%s# want:\n%s", ret, w.text, want);
	pf_set_free(&set);
}

static void test_warnings(void)
{
	warns("none without templates", "p.conf",
	      "cgroup \"/a\" {}\ncgroup \"/a/b\" {}\n", "");
	warns("none for templates that cannot meet", "p.conf",
	      "cgroup \"/svc/*.service\" {}\ncgroup \"/svc/*.socket\" {}\n"
	      "cgroup \"/user/*/**\" {}\ncgroup \"/svc/a.scope\" {}\n", "");
	warns("two templates: fewer wildcards win", "p.conf",
	      "cgroup \"/svc/**\" {}\n\ncgroup \"/svc/*.service\" {}\n",
	      "p.conf:3:1: warning: templates \"/svc/*.service\" and \"/svc/**\" (at 1:1) can both match the same cgroup, such as \"/svc/x.service\": \"/svc/*.service\" wins (fewer wildcards)\n");
	warns("longer literal prefix wins", "p.conf",
	      "cgroup \"/svc/web-*\" {}\ncgroup \"/svc/*.service\" {}\n",
	      "p.conf:2:1: warning: templates \"/svc/*.service\" and \"/svc/web-*\" (at 1:1) can both match the same cgroup, such as \"/svc/web-.service\": \"/svc/web-*\" wins (longer literal prefix)\n");
	warns("at equal rank, the earlier block wins; standard input", "-",
	      "  cgroup \"/a/*x\" {}\ncgroup \"/a/*\" {}\n  cgroup \"/a/y*\" {}\n",
	      "<stdin>:2:1: warning: templates \"/a/*\" and \"/a/*x\" (at 1:3) can both match the same cgroup, such as \"/a/x\": \"/a/*x\" wins (earlier in the file)\n"
	      "<stdin>:3:3: warning: templates \"/a/y*\" and \"/a/*x\" (at 1:3) can both match the same cgroup, such as \"/a/yx\": \"/a/y*\" wins (longer literal prefix)\n"
	      "<stdin>:3:3: warning: templates \"/a/y*\" and \"/a/*\" (at 2:1) can both match the same cgroup, such as \"/a/y\": \"/a/y*\" wins (longer literal prefix)\n");
	warns("an exact path a template matches, before or after it", "p.conf",
	      "cgroup \"/svc/db.service\" {}\ncgroup \"/svc/*.service\" {}\n"
	      "cgroup \"/svc/web.service\" {}\ncgroup \"/svc\" {}\n",
	      "p.conf:1:1: warning: template \"/svc/*.service\" (at 2:1) also matches \"/svc/db.service\": this exact path wins for that cgroup\n"
	      "p.conf:3:1: warning: template \"/svc/*.service\" (at 2:1) also matches \"/svc/web.service\": this exact path wins for that cgroup\n");
	warns("'**' matches the root and across levels", "p.conf",
	      "cgroup \"/\" {}\ncgroup \"/**\" {}\ncgroup \"/a/**/z\" {}\ncgroup \"/*/b/*\" {}\n",
	      "p.conf:1:1: warning: template \"/**\" (at 2:1) also matches \"/\": this exact path wins for that cgroup\n"
	      "p.conf:3:1: warning: templates \"/a/**/z\" and \"/**\" (at 2:1) can both match the same cgroup, such as \"/a/z\": \"/a/**/z\" wins (longer literal prefix)\n"
	      "p.conf:4:1: warning: templates \"/*/b/*\" and \"/**\" (at 2:1) can both match the same cgroup, such as \"/x/b/x\": \"/**\" wins (earlier in the file)\n"
	      "p.conf:4:1: warning: templates \"/*/b/*\" and \"/a/**/z\" (at 3:1) can both match the same cgroup, such as \"/a/b/z\": \"/a/**/z\" wins (longer literal prefix)\n");
}

static void test_big(void)
{
	const unsigned int n = 200000;
	struct pf_set set, parsed;
	struct pf_policy *a, *b;
	struct egress_rule_spec s;
	struct pf_error err;
	char *text, *out;
	double t0, t;
	unsigned int i;
	int ret;

	pf_set_init(&set);
	a = pf_set_add_policy(&set, "/system.slice/a.service",
			      NF_EGRESS_MODE_AUDIT, NF_EGRESS_VERDICT_ALLOW);
	for (i = 0; i < n / 2; i++) {
		make_rule(i, &s);
		pf_policy_add_rule(&set, a, &s);
	}
	b = pf_set_add_policy(&set, "/system.slice/b.service",
			      NF_EGRESS_MODE_ENFORCE, NF_EGRESS_VERDICT_DENY);
	for (; i < n; i++) {
		make_rule(i, &s);
		pf_policy_add_rule(&set, b, &s);
	}
	text = format_set(&set);
	pf_set_free(&set);
	diag("generated %u rules, %zu bytes", n, strlen(text));

	t0 = now();
	ret = pf_parse("big.conf", text, strlen(text), &parsed, &err);
	t = now() - t0;
	if (!ok(ret == 0 && parsed.npolicies == 2 && parsed.nrules == n,
		"200,000 rules parse"))
		diag("ret %d err %s", ret, err.text);
	diag("parse took %.3f s", t);
	ok(t < 5.0, "200,000 rules parse in under 5 s (%.3f s)", t);
	if (ret == 0) {
		pf_set_sort(&parsed);
		out = format_set(&parsed);
		ok(!strcmp(out, text), "200,000 rules format back byte for byte");
		free(out);
		pf_set_free(&parsed);
	}

	/* a duplicate at the very end is found, and where */
	{
		size_t len = strlen(text);
		char *dup = malloc(len + 200);
		char want[200];
		unsigned int lines = 0;
		size_t k;

		for (k = 0; k < len; k++)
			lines += text[k] == '\n';
		memcpy(dup, text, len);
		/* drop the final "}\n", add a duplicate of rule 1 of b */
		len -= 2;
		make_rule(n / 2, &s);
		format_rule_spec(&s, want, sizeof(want));
		len += (size_t)sprintf(dup + len, "\tdeny%s;\n}\n",
				       strchr(want, ' '));
		snprintf(want, sizeof(want),
			 "big.conf:%u:2: duplicate rule", lines);
		ret = pf_parse("big.conf", dup, len, &parsed, &err);
		if (!ok(ret < 0 && !strncmp(err.text, want, strlen(want)),
			"duplicate rule at the end of 200,000 found"))
			diag("got %s want %s...", err.text, want);
		if (ret == 0)
			pf_set_free(&parsed);
		free(dup);
	}
	free(text);
}

int main(void)
{
	tap_start();
	test_good();
	test_errors();
	test_rates();
	test_conn();
	test_conn_classes();
	test_quotas();
	test_templates();
	test_instances_keep();
	test_warnings();
	test_big();
	return tap_end();
}
