// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

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

int parse_cgroup_path(const char *in, char *out, size_t outlen,
		      struct parse_error *err)
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
	ok(err);
	return 0;
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

int parse_verdict(const char *in, uint8_t *out)
{
	if (!in)
		return -1;
	if (!strcmp(in, "allow")) {
		*out = NF_EGRESS_VERDICT_ALLOW;
		return 0;
	}
	if (!strcmp(in, "deny")) {
		*out = NF_EGRESS_VERDICT_DENY;
		return 0;
	}
	return -1;
}

bool is_rule_spec_start(const char *word)
{
	uint8_t v;

	return parse_verdict(word, &v) == 0;
}

const char *verdict_name(uint8_t verdict)
{
	switch (verdict) {
	case NF_EGRESS_VERDICT_ALLOW:
		return "allow";
	case NF_EGRESS_VERDICT_DENY:
		return "deny";
	}
	return "?";
}

int parse_proto(const char *in, uint8_t *out)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} protos[] = {
		{ "any", 0 },
		{ "tcp", IPPROTO_TCP },
		{ "udp", IPPROTO_UDP },
		{ "sctp", IPPROTO_SCTP },
		{ "icmp", IPPROTO_ICMP },
		{ "icmpv6", IPPROTO_ICMPV6 },
	};
	size_t i;

	if (!in)
		return -1;
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(in, protos[i].name)) {
			*out = protos[i].proto;
			return 0;
		}
	return -1;
}

const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case 0:
		return "any";
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	}
	return NULL;
}

int parse_mode(const char *in, uint8_t *out)
{
	if (!in)
		return -1;
	if (!strcmp(in, "enforce")) {
		*out = NF_EGRESS_MODE_ENFORCE;
		return 0;
	}
	if (!strcmp(in, "audit")) {
		*out = NF_EGRESS_MODE_AUDIT;
		return 0;
	}
	return -1;
}

const char *mode_name(uint8_t mode)
{
	switch (mode) {
	case NF_EGRESS_MODE_ENFORCE:
		return "enforce";
	case NF_EGRESS_MODE_AUDIT:
		return "audit";
	}
	return "?";
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

static int spec_parse_class(const char *value, struct egress_rule_spec *spec,
			    struct parse_error *err)
{
	if (!valid_class_name(value))
		return fail(err, PARSE_EVALUE,
			    "invalid class '%.64s' (1-31 characters of A-Z a-z 0-9 _ . -)",
			    value);
	strcpy(spec->class_name, value);
	return 0;
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
