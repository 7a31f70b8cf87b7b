// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "parse.h"
#include "pattern.h"

static int fail(struct parse_error *err, enum parse_error_kind kind,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct parse_error *err, enum parse_error_kind kind,
		const char *fmt, ...)
{
	va_list ap;

	if (err) {
		err->kind = kind;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void ok(struct parse_error *err)
{
	if (err) {
		err->kind = PARSE_OK;
		err->msg[0] = '\0';
	}
}

/*
 * Paths in error messages are cut short: a 4 KiB path would drown the
 * message, and the start of it is what the user needs to recognise it.
 */
#define SHOWN_PATH_MAX	64

/*
 * A "**" that is not a whole component: "a**", "**b", "***".  Everything
 * else a template may have.
 */
static bool bad_globstar(const char *start, size_t n)
{
	size_t i;

	if (n == 2)
		return false;
	for (i = 0; i + 1 < n; i++)
		if (start[i] == '*' && start[i + 1] == '*')
			return true;
	return false;
}

/* The '*' bytes of s: a pattern's wildcards, "**" counting two. */
static unsigned int count_stars(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '*';
	return n;
}

static int normalise_path(const char *in, char *out, size_t outlen,
			  bool pattern, struct parse_error *err)
{
	size_t o = 0;
	const char *p = in;
	int shown = SHOWN_PATH_MAX;

	if (!in || !*in)
		return fail(err, PARSE_EVALUE, "invalid cgroup path '': empty");
	if (in[0] != '/')
		return fail(err, PARSE_EVALUE,
			    "invalid cgroup path '%.*s': must start with '/'",
			    shown, in);
	if (outlen < 2)
		return fail(err, PARSE_EVALUE, "no room for cgroup path");

	/* Walk component by component; each one is emitted as "/name". */
	while (*p) {
		const char *start, *end;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && *p != '/')
			p++;
		end = p;
		n = (size_t)(end - start);

		if ((n == 1 && start[0] == '.') ||
		    (n == 2 && start[0] == '.' && start[1] == '.'))
			return fail(err, PARSE_EVALUE,
				    "invalid cgroup path '%.*s': '.' and '..' components are not allowed",
				    shown, in);
		if (pattern && bad_globstar(start, n))
			return fail(err, PARSE_EVALUE,
				    "invalid cgroup path '%.*s': '**' must be a whole component (as in /a/**/b)",
				    shown, in);
		if (o + 1 + n > EGRESS_PATH_MAX || o + 1 + n >= outlen)
			return fail(err, PARSE_EVALUE,
				    "invalid cgroup path '%.*s...': longer than %d bytes",
				    shown, in, EGRESS_PATH_MAX);
		out[o++] = '/';
		memcpy(out + o, start, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	if (pattern && count_stars(out) > PATTERN_WILDCARDS_MAX)
		return fail(err, PARSE_EVALUE,
			    "invalid cgroup path '%.*s': a pattern has at most %d '*' ('**' counts two)",
			    shown, in, PATTERN_WILDCARDS_MAX);
	ok(err);
	return 0;
}

int parse_cgroup_path(const char *in, char *out, size_t outlen,
		      struct parse_error *err)
{
	return normalise_path(in, out, outlen, true, err);
}

int parse_cgroup_path_literal(const char *in, char *out, size_t outlen,
			      struct parse_error *err)
{
	return normalise_path(in, out, outlen, false, err);
}

static unsigned int family_bits(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

void prefix_mask(struct egress_prefix *p)
{
	unsigned int bits = family_bits(p->family);
	unsigned int i;

	for (i = 0; i < bits / 8; i++) {
		unsigned int keep = p->prefix_len > i * 8 ?
				    p->prefix_len - i * 8 : 0;

		if (keep < 8)
			p->addr.bytes[i] &= (uint8_t)(0xff00u >> keep);
	}
}

/* Strict decimal: digits only, no sign, no spaces, bounded length. */
static int parse_decimal(const char *in, size_t maxdigits, unsigned long *out)
{
	unsigned long v = 0;
	size_t n = 0;

	if (!in || !*in)
		return -1;
	for (; *in; in++, n++) {
		if (*in < '0' || *in > '9' || n >= maxdigits)
			return -1;
		v = v * 10 + (unsigned long)(*in - '0');
	}
	*out = v;
	return 0;
}

int parse_u32(const char *in, uint32_t *out)
{
	unsigned long v;

	if (parse_decimal(in, 10, &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int parse_cidr(const char *in, struct egress_prefix *out,
	       struct parse_error *err)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash;
	size_t addrlen;
	struct egress_prefix p;
	unsigned long plen;

	if (!in)
		in = "";
	memset(&p, 0, sizeof(p));

	slash = strchr(in, '/');
	addrlen = slash ? (size_t)(slash - in) : strlen(in);
	if (addrlen == 0 || addrlen >= sizeof(addr))
		goto invalid;
	memcpy(addr, in, addrlen);
	addr[addrlen] = '\0';

	/* inet_pton itself rejects spaces, signs and trailing junk. */
	p.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, addr, &p.addr) != 1)
		goto invalid;

	if (slash) {
		if (parse_decimal(slash + 1, 3, &plen) ||
		    plen > family_bits(p.family))
			goto invalid;
		p.prefix_len = (uint8_t)plen;
	} else {
		p.prefix_len = (uint8_t)family_bits(p.family);
	}

	{
		struct egress_prefix masked = p;
		char suggestion[EGRESS_CIDR_STRLEN];

		prefix_mask(&masked);
		if (memcmp(&masked.addr, &p.addr, sizeof(p.addr))) {
			format_prefix(&masked, suggestion, sizeof(suggestion));
			return fail(err, PARSE_EVALUE,
				    "host bits set in %s (did you mean %s?)",
				    in, suggestion);
		}
	}

	*out = p;
	ok(err);
	return 0;

invalid:
	return fail(err, PARSE_EVALUE, "invalid CIDR '%.*s'",
		    (int)(sizeof(err->msg) - 20), in);
}

/* A word of the command line and the UAPI value it names. */
struct word_value {
	const char *word;	/* NULL ends a table */
	uint8_t value;
};

static int word_to_value(const struct word_value *t, const char *in,
			 uint8_t *out)
{
	if (!in)
		return -1;
	for (; t->word; t++)
		if (!strcmp(in, t->word)) {
			*out = t->value;
			return 0;
		}
	return -1;
}

/* The word for value, or unknown. */
static const char *value_to_word(const struct word_value *t, uint8_t value,
				 const char *unknown)
{
	for (; t->word; t++)
		if (t->value == value)
			return t->word;
	return unknown;
}

static const struct word_value verdict_words[] = {
	{ "allow", NF_EGRESS_VERDICT_ALLOW },
	{ "deny", NF_EGRESS_VERDICT_DENY },
	{ NULL, 0 }
};

static const struct word_value proto_words[] = {
	{ "any", 0 },
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "sctp", IPPROTO_SCTP },
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
	{ NULL, 0 }
};

static const struct word_value mode_words[] = {
	{ "enforce", NF_EGRESS_MODE_ENFORCE },
	{ "audit", NF_EGRESS_MODE_AUDIT },
	{ NULL, 0 }
};

static const struct word_value rate_mode_words[] = {
	{ "police", NF_EGRESS_RATE_POLICE },
	{ "shape", NF_EGRESS_RATE_SHAPE },
	{ NULL, 0 }
};

int parse_verdict(const char *in, uint8_t *out)
{
	return word_to_value(verdict_words, in, out);
}

bool is_rule_spec_start(const char *word)
{
	uint8_t v;

	return parse_verdict(word, &v) == 0;
}

const char *verdict_name(uint8_t verdict)
{
	return value_to_word(verdict_words, verdict, "?");
}

int parse_proto(const char *in, uint8_t *out)
{
	return word_to_value(proto_words, in, out);
}

const char *proto_name(uint8_t proto)
{
	return value_to_word(proto_words, proto, NULL);
}

int parse_mode(const char *in, uint8_t *out)
{
	return word_to_value(mode_words, in, out);
}

const char *mode_name(uint8_t mode)
{
	return value_to_word(mode_words, mode, "?");
}

bool valid_class_name(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++) {
		char c = s[n];

		if (n >= NF_EGRESS_CLASS_NAME_MAX - 1)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return n > 0;
}

/* Does the protocol carry destination ports (tcp, udp, sctp, any)? */
static bool proto_has_ports(uint8_t proto)
{
	return proto == 0 || proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP;
}

static int parse_port(const char *in, uint16_t *out)
{
	unsigned long v;

	/* "0" alone, else no leading zero; at most 5 digits */
	if (parse_decimal(in, 5, &v) || v > 65535 ||
	    (in[0] == '0' && in[1]))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int spec_parse_to(const char *value, struct egress_rule_spec *spec,
			 struct parse_error *err)
{
	return parse_cidr(value, &spec->to, err);
}

static int spec_parse_proto(const char *value, struct egress_rule_spec *spec,
			    struct parse_error *err)
{
	if (parse_proto(value, &spec->proto))
		return fail(err, PARSE_EVALUE,
			    "invalid protocol '%.64s' (tcp, udp, sctp, icmp, icmpv6 or any)",
			    value);
	return 0;
}

static int spec_parse_port(const char *value, struct egress_rule_spec *spec,
			   struct parse_error *err)
{
	const char *dash = strchr(value, '-');
	char first[8];
	size_t n;

	if (!dash) {
		if (parse_port(value, &spec->port_min))
			goto invalid;
		spec->port_max = spec->port_min;
		return 0;
	}
	n = (size_t)(dash - value);
	if (n == 0 || n >= sizeof(first))
		goto invalid;
	memcpy(first, value, n);
	first[n] = '\0';
	if (parse_port(first, &spec->port_min) ||
	    parse_port(dash + 1, &spec->port_max))
		goto invalid;
	if (spec->port_min > spec->port_max)
		return fail(err, PARSE_EVALUE,
			    "invalid port range '%s': %u is above %u", value,
			    spec->port_min, spec->port_max);
	return 0;

invalid:
	return fail(err, PARSE_EVALUE,
		    "invalid port '%.64s' (a number 0-65535 or a range N-M)",
		    value);
}

int parse_class_name(const char *in, char *out, struct parse_error *err)
{
	if (!valid_class_name(in))
		return fail(err, PARSE_EVALUE,
			    "invalid class '%.64s' (1-31 characters of A-Z a-z 0-9 _ . -)",
			    in ? in : "");
	strcpy(out, in);
	ok(err);
	return 0;
}

static int spec_parse_class(const char *value, struct egress_rule_spec *spec,
			    struct parse_error *err)
{
	return parse_class_name(value, spec->class_name, err);
}

/*
 * The match keywords of a rule spec.  A new keyword is one row here, one
 * field in struct egress_rule_spec and one branch in format_rule_spec and
 * the netlink encoder.
 */
static const struct spec_keyword {
	const char *name;
	const char *value_name;		/* for "missing CIDR after 'to'" */
	uint32_t field;
	bool required;
	int (*parse)(const char *value, struct egress_rule_spec *spec,
		     struct parse_error *err);
} spec_keywords[] = {
	{ "proto", "PROTO", EGRESS_SPEC_PROTO, false, spec_parse_proto },
	{ "to", "CIDR", EGRESS_SPEC_TO, true, spec_parse_to },
	{ "port", "PORT", EGRESS_SPEC_PORT, false, spec_parse_port },
	{ "class", "NAME", EGRESS_SPEC_CLASS, false, spec_parse_class },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const struct spec_keyword *find_spec_keyword(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(spec_keywords); i++)
		if (!strcmp(spec_keywords[i].name, name))
			return &spec_keywords[i];
	return NULL;
}

/* fail() and remember which word it was about */
#define fail_at(err, idx, ...) \
	(((err) ? (void)((err)->word = (idx)) : (void)0), fail(err, __VA_ARGS__))

int parse_rule_spec(int argc, char **argv, struct egress_rule_spec *spec,
		    struct parse_error *err)
{
	struct egress_rule_spec s;
	int proto_word = -1, port_word = -1;
	size_t k;
	int i = 1;

	memset(&s, 0, sizeof(s));
	if (argc < 1)
		return fail_at(err, 0, PARSE_ESYNTAX,
			       "missing 'allow' or 'deny'");
	if (parse_verdict(argv[0], &s.action))
		return fail_at(err, 0, PARSE_ESYNTAX,
			       "expected 'allow' or 'deny', got '%.64s'",
			       argv[0]);

	/* "allow tcp to ..." is "allow proto tcp to ..." */
	if (argc > 1 && parse_proto(argv[1], &s.proto) == 0) {
		s.fields |= EGRESS_SPEC_PROTO;
		proto_word = 1;
		i = 2;
	}

	for (; i < argc; i += 2) {
		const struct spec_keyword *kw = find_spec_keyword(argv[i]);

		if (!kw)
			return fail_at(err, i, PARSE_ESYNTAX,
				       "unexpected argument '%.64s'", argv[i]);
		if (s.fields & kw->field)
			return fail_at(err, i, PARSE_ESYNTAX,
				       "'%s' given more than once", kw->name);
		if (i + 1 >= argc)
			return fail_at(err, argc, PARSE_ESYNTAX,
				       "missing %s after '%s'",
				       kw->value_name, kw->name);
		if (kw->parse(argv[i + 1], &s, err)) {
			if (err)
				err->word = i + 1;
			return -1;
		}
		if (kw->field == EGRESS_SPEC_PROTO)
			proto_word = i + 1;
		if (kw->field == EGRESS_SPEC_PORT)
			port_word = i;
		s.fields |= kw->field;
	}

	for (k = 0; k < ARRAY_SIZE(spec_keywords); k++)
		if (spec_keywords[k].required &&
		    !(s.fields & spec_keywords[k].field))
			return fail_at(err, argc, PARSE_ESYNTAX,
				       "missing '%s %s'",
				       spec_keywords[k].name,
				       spec_keywords[k].value_name);

	if (s.proto == IPPROTO_ICMP && s.to.family != AF_INET)
		return fail_at(err, proto_word, PARSE_ESYNTAX,
			       "proto icmp needs an IPv4 destination (use icmpv6 for IPv6)");
	if (s.proto == IPPROTO_ICMPV6 && s.to.family != AF_INET6)
		return fail_at(err, proto_word, PARSE_ESYNTAX,
			       "proto icmpv6 needs an IPv6 destination (use icmp for IPv4)");
	if ((s.fields & EGRESS_SPEC_PORT) && !proto_has_ports(s.proto))
		return fail_at(err, port_word, PARSE_ESYNTAX,
			       "'port' needs proto tcp, udp, sctp or any, not %s",
			       proto_name(s.proto));

	*spec = s;
	ok(err);
	return 0;
}

bool rule_spec_same_match(const struct egress_rule_spec *a,
			  const struct egress_rule_spec *b)
{
	bool pa = a->fields & EGRESS_SPEC_PORT, pb = b->fields & EGRESS_SPEC_PORT;

	if (a->to.family != b->to.family ||
	    a->to.prefix_len != b->to.prefix_len || a->proto != b->proto ||
	    pa != pb)
		return false;
	if (pa && (a->port_min != b->port_min || a->port_max != b->port_max))
		return false;
	return !memcmp(a->to.addr.bytes, b->to.addr.bytes,
		       a->to.family == AF_INET ? 4 : 16);
}

uint64_t rule_spec_match_hash(const struct egress_rule_spec *s)
{
	/* FNV-1a over the compared fields */
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t key[24];
	size_t n = 0, i, alen = s->to.family == AF_INET ? 4 : 16;
	bool ports = s->fields & EGRESS_SPEC_PORT;

	key[n++] = s->to.family;
	key[n++] = s->to.prefix_len;
	key[n++] = s->proto;
	key[n++] = ports;
	key[n++] = (uint8_t)(ports ? s->port_min >> 8 : 0);
	key[n++] = (uint8_t)(ports ? s->port_min : 0);
	key[n++] = (uint8_t)(ports ? s->port_max >> 8 : 0);
	key[n++] = (uint8_t)(ports ? s->port_max : 0);
	memcpy(key + n, s->to.addr.bytes, alen);
	n += alen;
	for (i = 0; i < n; i++) {
		h ^= key[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

int parse_packet_spec(int argc, char **argv, struct egress_packet *pkt,
		      struct parse_error *err)
{
	struct egress_packet p;
	int i, port_word = -1;

	memset(&p, 0, sizeof(p));
	if (argc < 1)
		return fail_at(err, 0, PARSE_ESYNTAX,
			       "missing destination address");
	p.family = strchr(argv[0], ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, argv[0], &p.addr) != 1)
		return fail_at(err, 0, PARSE_EVALUE,
			       "invalid address '%.64s'", argv[0]);
	for (i = 1; i < argc; i += 2) {
		bool is_proto = !strcmp(argv[i], "proto");

		if (!is_proto && strcmp(argv[i], "port"))
			return fail_at(err, i, PARSE_ESYNTAX,
				       "unexpected argument '%.64s'", argv[i]);
		if (is_proto ? p.has_proto : p.has_port)
			return fail_at(err, i, PARSE_ESYNTAX,
				       "'%s' given more than once", argv[i]);
		if (i + 1 >= argc)
			return fail_at(err, argc, PARSE_ESYNTAX,
				       "missing %s after '%s'",
				       is_proto ? "PROTO" : "PORT", argv[i]);
		if (is_proto) {
			if (parse_proto(argv[i + 1], &p.proto))
				return fail_at(err, i + 1, PARSE_EVALUE,
					       "invalid protocol '%.64s' (tcp, udp, sctp, icmp, icmpv6 or any)",
					       argv[i + 1]);
			/* "proto any" is the same as no protocol */
			p.has_proto = p.proto != 0;
		} else {
			if (parse_port(argv[i + 1], &p.port))
				return fail_at(err, i + 1, PARSE_EVALUE,
					       "invalid port '%.64s' (a number 0-65535)",
					       argv[i + 1]);
			p.has_port = true;
			port_word = i;
		}
	}
	if (p.proto == IPPROTO_ICMP && p.family != AF_INET)
		return fail_at(err, -1, PARSE_ESYNTAX,
			       "proto icmp needs an IPv4 destination (use icmpv6 for IPv6)");
	if (p.proto == IPPROTO_ICMPV6 && p.family != AF_INET6)
		return fail_at(err, -1, PARSE_ESYNTAX,
			       "proto icmpv6 needs an IPv6 destination (use icmp for IPv4)");
	if (p.has_port && (!p.has_proto || !proto_has_ports(p.proto)))
		return fail_at(err, port_word, PARSE_ESYNTAX,
			       "'port' needs proto tcp, udp or sctp");
	*pkt = p;
	ok(err);
	return 0;
}

int format_prefix(const struct egress_prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if ((p->family != AF_INET && p->family != AF_INET6) ||
	    p->prefix_len > family_bits(p->family) ||
	    !inet_ntop(p->family, &p->addr, addr, sizeof(addr))) {
		if (len)
			buf[0] = '\0';
		return -1;
	}
	return snprintf(buf, len, "%s/%u", addr, p->prefix_len);
}

/* snprintf at buf+*n, keeping *n the length the whole text would have. */
static void append(char *buf, size_t len, int *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, int *n, const char *fmt, ...)
{
	size_t at = (size_t)*n < len ? (size_t)*n : len;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf + at, len - at, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n += r;
}

int format_rule_spec(const struct egress_rule_spec *spec, char *buf,
		     size_t len)
{
	char cidr[EGRESS_CIDR_STRLEN];
	int n = 0;

	if (len)
		buf[0] = '\0';
	append(buf, len, &n, "%s", verdict_name(spec->action));
	if (spec->proto) {
		const char *name = proto_name(spec->proto);

		if (name)
			append(buf, len, &n, " %s", name);
		else
			append(buf, len, &n, " proto %u", spec->proto);
	}
	if (spec->fields & EGRESS_SPEC_TO) {
		if (format_prefix(&spec->to, cidr, sizeof(cidr)) < 0)
			return -1;
		append(buf, len, &n, " to %s", cidr);
	}
	if (spec->fields & EGRESS_SPEC_PORT) {
		if (spec->port_min == spec->port_max)
			append(buf, len, &n, " port %u", spec->port_min);
		else
			append(buf, len, &n, " port %u-%u", spec->port_min,
			       spec->port_max);
	}
	if ((spec->fields & EGRESS_SPEC_CLASS) && spec->class_name[0])
		append(buf, len, &n, " class %s", spec->class_name);
	return n;
}

/* --- rate limits ---------------------------------------------------------- */

/*
 * "DIGITS[.DIGITS]" at the start of in.  *ipart is the integer part,
 * *ipart_big set when it does not fit a u64; frac/nfrac the fraction digits
 * with trailing zeros dropped.  Returns the first byte after the number,
 * or NULL when there is no well-formed number.
 */
static const char *scan_number(const char *in, uint64_t *ipart,
			       bool *ipart_big, const char **frac,
			       size_t *nfrac)
{
	const char *p = in;
	uint64_t v = 0;

	*ipart_big = false;
	*frac = NULL;
	*nfrac = 0;
	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			*ipart_big = true;
	*ipart = v;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return NULL;
		*frac = p;
		for (; *p >= '0' && *p <= '9'; p++)
			;
		*nfrac = (size_t)(p - *frac);
		while (*nfrac && (*frac)[*nfrac - 1] == '0')
			(*nfrac)--;
	}
	return p;
}

/*
 * The number that starts a value of what ("rate"), by scan_number: the
 * text after it (the unit), or NULL with err set when in is empty,
 * negative or no number; hint ends the message about the last.
 */
static const char *scan_value(const char *in, const char *what,
			      const char *hint, uint64_t *ipart, bool *big,
			      const char **frac, size_t *nfrac,
			      struct parse_error *err)
{
	const char *end;

	if (!in || !*in) {
		fail(err, PARSE_EVALUE, "invalid %s '': empty", what);
		return NULL;
	}
	if (in[0] == '-') {
		fail(err, PARSE_EVALUE, "%s must be greater than zero", what);
		return NULL;
	}
	end = scan_number(in, ipart, big, frac, nfrac);
	if (!end)
		fail(err, PARSE_EVALUE, "invalid %s '%.64s' (%s)", what, in,
		     hint);
	return end;
}

/* round(num / den), den > 0, without overflow */
static uint64_t div_round(uint64_t num, uint64_t den)
{
	uint64_t q = num / den, r = num % den;

	return q + (r >= den - r && r ? 1 : 0);
}

static const struct rate_unit {
	const char *name;
	unsigned int pow10;	/* value * 10^pow10 ... */
	bool bits;		/* ... bits (else bytes) per second */
} rate_units[] = {
	{ "", 0, true },
	{ "bit", 0, true }, { "kbit", 3, true }, { "mbit", 6, true },
	{ "gbit", 9, true }, { "tbit", 12, true },
	{ "bps", 0, false }, { "kbps", 3, false }, { "mbps", 6, false },
	{ "gbps", 9, false }, { "tbps", 12, false },
};

#define RATE_UNITS_TEXT	"bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps"

static int pow10_u64(unsigned int e, uint64_t *out)
{
	uint64_t v = 1;

	while (e--)
		if (__builtin_mul_overflow(v, 10, &v))
			return -1;
	*out = v;
	return 0;
}

int parse_rate(const char *in, uint64_t *bytes_per_sec,
	       struct parse_error *err)
{
	const struct rate_unit *u = NULL;
	uint64_t ipart, mant, num, den, scale, bytes;
	const char *frac, *end;
	size_t nfrac, i;
	bool big;
	long e;

	end = scan_value(in, "rate", "a number and a unit: " RATE_UNITS_TEXT,
			 &ipart, &big, &frac, &nfrac, err);
	if (!end)
		return -1;
	for (i = 0; i < ARRAY_SIZE(rate_units); i++)
		if (!strcasecmp(end, rate_units[i].name))
			u = &rate_units[i];
	if (!u)
		return fail(err, PARSE_EVALUE,
			    "invalid rate '%.64s': unknown unit '%.32s' (" RATE_UNITS_TEXT ")",
			    in, end);
	if (big)
		goto too_large;
	/* all significant digits as one integer: value = mant / 10^nfrac */
	mant = ipart;
	for (i = 0; i < nfrac; i++)
		if (__builtin_mul_overflow(mant, 10, &mant) ||
		    __builtin_add_overflow(mant, (uint64_t)(frac[i] - '0'), &mant))
			return fail(err, PARSE_EVALUE,
				    "invalid rate '%.64s': too many digits", in);
	if (mant == 0)
		return fail(err, PARSE_EVALUE, "rate must be greater than zero");

	/* bytes = mant * 10^e / (bits ? 8 : 1), e = pow10 - nfrac */
	e = (long)u->pow10 - (long)nfrac;
	if (e >= 3 && u->bits) {
		/* 10^e is a multiple of 8: exact */
		if (pow10_u64((unsigned int)e, &scale) ||
		    __builtin_mul_overflow(mant, scale / 8, &bytes))
			goto too_large;
	} else if (e >= 0) {
		if (pow10_u64((unsigned int)e, &scale) ||
		    __builtin_mul_overflow(mant, scale, &num))
			goto too_large;
		bytes = div_round(num, u->bits ? 8 : 1);
	} else {
		/* den beyond a u64: the value is far below one byte */
		if (pow10_u64((unsigned int)-e, &den) ||
		    __builtin_mul_overflow(den, u->bits ? 8 : 1, &den))
			bytes = 0;
		else
			bytes = div_round(mant, den);
	}
	if (bytes == 0)
		return fail(err, PARSE_EVALUE,
			    "rate '%.64s' is below 1 byte per second", in);
	*bytes_per_sec = bytes;
	ok(err);
	return 0;

too_large:
	return fail(err, PARSE_EVALUE,
		    "rate '%.64s' is too large (max 18446744073709551615bps)",
		    in);
}

static const struct size_unit {
	const char *name;
	uint32_t mult;
} size_units[] = {
	{ "", 1 }, { "b", 1 },
	{ "k", 1u << 10 }, { "kb", 1u << 10 },
	{ "m", 1u << 20 }, { "mb", 1u << 20 },
	{ "g", 1u << 30 }, { "gb", 1u << 30 },
};

int parse_size(const char *in, uint32_t *bytes, struct parse_error *err)
{
	const struct size_unit *u = NULL;
	uint64_t ipart, v, f = 0, fden = 1;
	const char *frac, *end;
	size_t nfrac, i;
	bool big;

	end = scan_value(in, "burst",
			 "bytes, or a number with unit b, k, m or g", &ipart,
			 &big, &frac, &nfrac, err);
	if (!end)
		return -1;
	for (i = 0; i < ARRAY_SIZE(size_units); i++)
		if (!strcasecmp(end, size_units[i].name))
			u = &size_units[i];
	if (!u)
		return fail(err, PARSE_EVALUE,
			    "invalid burst '%.64s': unknown unit '%.32s' (b, k, m or g)",
			    in, end);
	if (big || __builtin_mul_overflow(ipart, (uint64_t)u->mult, &v) ||
	    v > UINT32_MAX)
		goto too_large;
	/*
	 * The fraction to 9 digits (a billionth of a GiB is about a byte);
	 * f * mult stays below 2^60.
	 */
	for (i = 0; i < nfrac && i < 9; i++) {
		f = f * 10 + (uint64_t)(frac[i] - '0');
		fden *= 10;
	}
	v += div_round(f * u->mult, fden);
	if (v > UINT32_MAX)
		goto too_large;
	if (v == 0)
		return fail(err, PARSE_EVALUE, "burst must be greater than zero");
	*bytes = (uint32_t)v;
	ok(err);
	return 0;

too_large:
	return fail(err, PARSE_EVALUE,
		    "burst '%.64s' is too large (max 4 GiB - 1)", in);
}

/*
 * A whole number from 1 to max of what ("pps"), which counts unit
 * ("packets per second"); max_unit follows max in the message about a
 * number too large ("" or " packets").
 */
static int parse_count(const char *in, const char *what, const char *unit,
		       uint32_t max, const char *max_unit, uint32_t *out,
		       struct parse_error *err)
{
	uint64_t v = 0;
	const char *p;

	if (!in || !*in)
		return fail(err, PARSE_EVALUE, "invalid %s '': empty", what);
	if (in[0] == '-')
		return fail(err, PARSE_EVALUE, "%s must be greater than zero",
			    what);
	for (p = in; *p; p++) {
		if (*p < '0' || *p > '9')
			return fail(err, PARSE_EVALUE,
				    "invalid %s '%.64s' (%s, a whole number)",
				    what, in, unit);
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			v = UINT64_MAX;
	}
	if (v == 0)
		return fail(err, PARSE_EVALUE, "%s must be greater than zero",
			    what);
	if (v > max)
		return fail(err, PARSE_EVALUE,
			    "%s '%.64s' is too large (max %u%s)", what, in, max,
			    max_unit);
	*out = (uint32_t)v;
	ok(err);
	return 0;
}

int parse_pps(const char *in, uint32_t *pps, struct parse_error *err)
{
	return parse_count(in, "pps", "packets per second", UINT32_MAX, "",
			   pps, err);
}

int parse_queue_limit(const char *in, uint32_t *packets,
		      struct parse_error *err)
{
	return parse_count(in, "queue", "packets", EGRESS_QUEUE_LIMIT_MAX,
			   " packets", packets, err);
}

int parse_top_count(const char *in, uint32_t *n, struct parse_error *err)
{
	return parse_count(in, "count", "refreshes", UINT32_MAX, "", n, err);
}

int parse_top_interval(const char *in, uint64_t *ns, struct parse_error *err)
{
	uint64_t secs = 0, frac = 0, scale = 1000000000u;
	const char *p = in;
	bool digits = false;

	if (in && in[0] == '-')
		return fail(err, PARSE_EVALUE, "interval must be greater than zero");
	for (; p && *p >= '0' && *p <= '9'; p++, digits = true)
		if (__builtin_mul_overflow(secs, 10, &secs) ||
		    __builtin_add_overflow(secs, (uint64_t)(*p - '0'), &secs))
			secs = UINT64_MAX;
	if (p && *p == '.') {
		/* beyond nanoseconds, digits count for nothing */
		for (p++; *p >= '0' && *p <= '9'; p++, digits = true) {
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	if (!p || *p || !digits)
		return fail(err, PARSE_EVALUE,
			    "invalid interval '%.64s' (seconds, such as 2 or 0.5)",
			    in ? in : "");
	if (!secs && !frac)
		return fail(err, PARSE_EVALUE, "interval must be greater than zero");
	if (secs > EGRESS_TOP_INTERVAL_MAX ||
	    (secs == EGRESS_TOP_INTERVAL_MAX && frac))
		return fail(err, PARSE_EVALUE,
			    "interval '%.64s' is too large (max %u seconds)", in,
			    EGRESS_TOP_INTERVAL_MAX);
	*ns = secs * 1000000000u + frac;
	ok(err);
	return 0;
}

int parse_conn_max(const char *in, uint32_t *n, struct parse_error *err)
{
	return parse_count(in, "conn max", "connections", UINT32_MAX, "", n,
			   err);
}

int parse_conn_burst(const char *in, uint32_t *n, struct parse_error *err)
{
	return parse_count(in, "conn burst", "connections", UINT32_MAX, "", n,
			   err);
}

int parse_conn_rate(const char *in, uint32_t *n, struct parse_error *err)
{
	char buf[32];
	size_t len = strlen(in);

	/* "N/s", as the file and show write it; a bare N means the same */
	if (len > 2 && !strcmp(in + len - 2, "/s")) {
		if (len - 2 >= sizeof(buf))
			return fail(err, PARSE_EVALUE,
				    "conn rate '%.64s' is too large (max %u/s)",
				    in, EGRESS_CONN_RATE_MAX);
		memcpy(buf, in, len - 2);
		buf[len - 2] = '\0';
		in = buf;
	}
	return parse_count(in, "conn rate", "connections per second, N/s",
			   EGRESS_CONN_RATE_MAX, "/s", n, err);
}

int egress_conn_cmp(const void *a, const void *b)
{
	const struct egress_conn *x = a, *y = b;

	/* "", all the policy's connections, comes before every class */
	return strcmp(x->class_name, y->class_name);
}

int parse_instances_max(const char *in, uint32_t *n, struct parse_error *err)
{
	return parse_count(in, "instances max", "instances",
			   EGRESS_INSTANCES_MAX_MAX, "", n, err);
}

/*
 * How a time of what ("latency") is written: N[.D] and one of units
 * (case-insensitive; each worth mult of the result's unit, whole_unit), a
 * whole number of them.  bare_zero: "0" needs no unit.
 */
struct time_unit {
	const char *name;
	uint64_t mult;
};

struct time_syntax {
	const char *what;
	const struct time_unit *units;
	size_t nunits;
	const char *units_text;		/* "us, ms or s" */
	const char *whole_unit;		/* "microseconds" */
	bool bare_zero;
	uint64_t max;
	const char *max_text;		/* "10s" */
};

static const struct time_unit latency_units[] = {
	{ "us", 1 }, { "ms", 1000 }, { "s", 1000000 },
};

static const struct time_unit keep_units[] = {
	{ "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
};

static uint64_t gcd_u64(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/*
 * A time as ts says, in its whole_unit, at most ts->max; in must not be
 * negative (the caller says what a '-' means).
 */
static int parse_time(const char *in, const struct time_syntax *ts,
		      uint64_t *out, struct parse_error *err)
{
	const struct time_unit *u = NULL;
	uint64_t ipart, f = 0, den, g, mult, v;
	const char *frac, *end;
	size_t nfrac, i;
	char hint[64];
	bool big;

	snprintf(hint, sizeof(hint), "a number and a unit: %s", ts->units_text);
	end = scan_value(in, ts->what, hint, &ipart, &big, &frac, &nfrac, err);
	if (!end)
		return -1;
	if (!*end && ts->bare_zero && !big && !ipart && !nfrac) {
		*out = 0;
		ok(err);
		return 0;
	}
	if (!*end)
		return fail(err, PARSE_EVALUE,
			    "invalid %s '%.64s': no unit (%s)", ts->what, in,
			    ts->units_text);
	for (i = 0; i < ts->nunits; i++)
		if (!strcasecmp(end, ts->units[i].name))
			u = &ts->units[i];
	if (!u)
		return fail(err, PARSE_EVALUE,
			    "invalid %s '%.64s': unknown unit '%.32s' (%s)",
			    ts->what, in, end, ts->units_text);
	if (big)
		goto too_large;
	/*
	 * The fraction f / 10^nfrac of a unit is whole when 10^nfrac divides
	 * f * mult: with both reduced by their gcd, when den divides f.  Its
	 * last digit is not 0, so beyond 19 digits it never is (mult < 10^7).
	 */
	if (nfrac > 19)
		goto not_whole;
	for (i = 0, den = 1; i < nfrac; i++) {
		f = f * 10 + (uint64_t)(frac[i] - '0');
		den *= 10;
	}
	g = gcd_u64(u->mult, den);
	mult = u->mult / g;
	den /= g;
	if (f % den)
		goto not_whole;
	/* f / den * mult < u->mult: no overflow */
	if (__builtin_mul_overflow(ipart, u->mult, &v) ||
	    __builtin_add_overflow(v, f / den * mult, &v) || v > ts->max)
		goto too_large;
	*out = v;
	ok(err);
	return 0;

not_whole:
	return fail(err, PARSE_EVALUE,
		    "invalid %s '%.64s': not a whole number of %s", ts->what,
		    in, ts->whole_unit);
too_large:
	return fail(err, PARSE_EVALUE, "%s '%.64s' is too large (max %s)",
		    ts->what, in, ts->max_text);
}

int parse_latency(const char *in, uint32_t *us, struct parse_error *err)
{
	static const struct time_syntax ts = {
		"latency", latency_units, ARRAY_SIZE(latency_units),
		"us, ms or s", "microseconds", false, EGRESS_LATENCY_US_MAX,
		"10s",
	};
	uint64_t v;

	if (parse_time(in, &ts, &v, err))
		return -1;
	if (v == 0)
		return fail(err, PARSE_EVALUE, "latency must be greater than zero");
	if (v < EGRESS_LATENCY_US_MIN)
		return fail(err, PARSE_EVALUE,
			    "latency '%.64s' is too small (min 100us)", in);
	*us = (uint32_t)v;
	return 0;
}

int parse_instances_keep(const char *in, uint32_t *secs,
			 struct parse_error *err)
{
	static const struct time_syntax ts = {
		"instances keep", keep_units, ARRAY_SIZE(keep_units),
		"s, m, h or d", "seconds", true, EGRESS_INSTANCES_KEEP_MAX,
		"365d",
	};
	uint64_t v;

	if (in && in[0] == '-')
		return fail(err, PARSE_EVALUE,
			    "instances keep '%.64s' is negative (min 0)", in);
	if (parse_time(in, &ts, &v, err))
		return -1;
	*secs = (uint32_t)v;
	return 0;
}

int parse_rate_mode(const char *in, uint8_t *out)
{
	return word_to_value(rate_mode_words, in, out);
}

const char *rate_mode_name(uint8_t mode)
{
	return value_to_word(rate_mode_words, mode, "?");
}

/* The keywords of a rate limit that take a value, and their value names. */
static const struct rate_kw {
	const char *kw, *value;
} rate_kws[] = {
	{ "burst", "SIZE" }, { "pps", "N" }, { "queue", "N" },
	{ "latency", "TIME" },
};

int parse_rate_spec(int argc, char **argv, struct egress_rate *r,
		    struct parse_error *err)
{
	struct egress_rate s;
	bool has_mode = false;
	int i, shape_word = -1;

	memset(&s, 0, sizeof(s));
	s.mode = NF_EGRESS_RATE_SHAPE;
	if (argc < 1 || (strcmp(argv[0], "rate") && strcmp(argv[0], "pps")))
		return fail_at(err, 0, PARSE_ESYNTAX, "expected 'rate' or 'pps'");
	if (argc < 2)
		return fail_at(err, argc, PARSE_ESYNTAX, "missing %s after '%s'",
			       strcmp(argv[0], "rate") ? "N" : "RATE", argv[0]);
	i = 0;
	if (!strcmp(argv[0], "rate")) {
		if (!strcmp(argv[1], "none")) {
			s.none = true;
			*r = s;
			ok(err);
			return 2;
		}
		if (parse_rate(argv[1], &s.bytes_per_sec, err)) {
			if (err)
				err->word = 1;
			return -1;
		}
		s.has_bytes = true;
		i = 2;
	}
	for (; i < argc; i++) {
		const char *w = argv[i];
		const struct rate_kw *kw = NULL;
		bool *given;
		size_t k;
		uint8_t mode;
		int ret;

		if (!parse_rate_mode(w, &mode)) {
			if (has_mode)
				return fail_at(err, i, PARSE_ESYNTAX,
					       "'police' or 'shape' given more than once");
			s.mode = mode;
			has_mode = true;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(rate_kws); k++)
			if (!strcmp(w, rate_kws[k].kw))
				kw = &rate_kws[k];
		if (!kw)
			break;
		given = kw == &rate_kws[0] ? &s.has_burst :
			kw == &rate_kws[1] ? &s.has_pps :
			kw == &rate_kws[2] ? &s.has_queue : &s.has_latency;
		if (*given)
			return fail_at(err, i, PARSE_ESYNTAX,
				       "'%s' given more than once", w);
		if (given == &s.has_burst && !s.has_bytes)
			return fail_at(err, i, PARSE_ESYNTAX,
				       "'burst' needs a byte rate ('rate RATE')");
		if (i + 1 >= argc)
			return fail_at(err, argc, PARSE_ESYNTAX,
				       "missing %s after '%s'", kw->value, w);
		if (given == &s.has_burst)
			ret = parse_size(argv[i + 1], &s.burst, err);
		else if (given == &s.has_pps)
			ret = parse_pps(argv[i + 1], &s.pps, err);
		else if (given == &s.has_queue)
			ret = parse_queue_limit(argv[i + 1], &s.queue_limit, err);
		else
			ret = parse_latency(argv[i + 1], &s.latency_us, err);
		if (ret) {
			if (err)
				err->word = i + 1;
			return -1;
		}
		*given = true;
		if ((given == &s.has_queue || given == &s.has_latency) &&
		    shape_word < 0)
			shape_word = i;
		i++;
	}
	if (s.mode != NF_EGRESS_RATE_SHAPE && shape_word >= 0)
		return fail_at(err, shape_word, PARSE_ESYNTAX,
			       "'%s' applies to shape mode only, not police",
			       argv[shape_word]);
	*r = s;
	ok(err);
	return i;
}

int format_rate(uint64_t bytes_per_sec, char *buf, size_t len)
{
	static const struct {
		const char *name;
		uint64_t scale;
	} bit_units[] = {
		{ "tbit", 1000000000000ull }, { "gbit", 1000000000ull },
		{ "mbit", 1000000ull }, { "kbit", 1000ull }, { "bit", 1ull },
	}, byte_units[] = {
		{ "tbps", 1000000000000ull }, { "gbps", 1000000000ull },
		{ "mbps", 1000000ull }, { "kbps", 1000ull }, { "bps", 1ull },
	};
	uint64_t bits;
	size_t i;

	if (!__builtin_mul_overflow(bytes_per_sec, 8, &bits)) {
		for (i = 0; bits % bit_units[i].scale; i++)
			;
		return snprintf(buf, len, "%llu%s",
				(unsigned long long)(bits / bit_units[i].scale),
				bit_units[i].name);
	}
	for (i = 0; bytes_per_sec % byte_units[i].scale; i++)
		;
	return snprintf(buf, len, "%llu%s",
			(unsigned long long)(bytes_per_sec / byte_units[i].scale),
			byte_units[i].name);
}

int format_size(uint32_t bytes, char *buf, size_t len)
{
	if (bytes && !(bytes % (1u << 30)))
		return snprintf(buf, len, "%ug", bytes >> 30);
	if (bytes && !(bytes % (1u << 20)))
		return snprintf(buf, len, "%um", bytes >> 20);
	if (bytes && !(bytes % (1u << 10)))
		return snprintf(buf, len, "%uk", bytes >> 10);
	return snprintf(buf, len, "%u", bytes);
}

int format_latency(uint32_t us, char *buf, size_t len)
{
	if (us && !(us % 1000000))
		return snprintf(buf, len, "%us", us / 1000000);
	if (us && !(us % 1000))
		return snprintf(buf, len, "%ums", us / 1000);
	return snprintf(buf, len, "%uus", us);
}

int format_duration(uint32_t secs, char *buf, size_t len)
{
	if (secs && !(secs % 86400))
		return snprintf(buf, len, "%ud", secs / 86400);
	if (secs && !(secs % 3600))
		return snprintf(buf, len, "%uh", secs / 3600);
	if (secs && !(secs % 60))
		return snprintf(buf, len, "%um", secs / 60);
	return snprintf(buf, len, "%us", secs);
}

int format_rate_spec(const struct egress_rate *r, char *buf, size_t len)
{
	char v[32];
	int n = 0;

	if (len)
		buf[0] = '\0';
	if (r->none || (!r->has_bytes && !r->has_pps))
		return snprintf(buf, len, "rate none");
	if (r->has_bytes) {
		format_rate(r->bytes_per_sec, v, sizeof(v));
		append(buf, len, &n, "rate %s", v);
		if (r->has_burst) {
			format_size(r->burst, v, sizeof(v));
			append(buf, len, &n, " burst %s", v);
		}
	}
	if (r->has_pps)
		append(buf, len, &n, "%spps %u", n ? " " : "", r->pps);
	if (r->mode == NF_EGRESS_RATE_SHAPE && r->has_queue)
		append(buf, len, &n, " queue %u", r->queue_limit);
	if (r->mode == NF_EGRESS_RATE_SHAPE && r->has_latency) {
		format_latency(r->latency_us, v, sizeof(v));
		append(buf, len, &n, " latency %s", v);
	}
	append(buf, len, &n, " %s", rate_mode_name(r->mode));
	return n;
}
