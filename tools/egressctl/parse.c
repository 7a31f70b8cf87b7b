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

static int spec_parse_to(const char *value, struct egress_rule_spec *spec,
			 struct parse_error *err)
{
	return parse_cidr(value, &spec->to, err);
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
	{ "to", "CIDR", EGRESS_SPEC_TO, true, spec_parse_to },
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

int parse_rule_spec(int argc, char **argv, struct egress_rule_spec *spec,
		    struct parse_error *err)
{
	struct egress_rule_spec s;
	size_t k;
	int i;

	memset(&s, 0, sizeof(s));
	if (argc < 1)
		return fail(err, PARSE_ESYNTAX, "missing 'allow' or 'deny'");
	if (parse_verdict(argv[0], &s.action))
		return fail(err, PARSE_ESYNTAX,
			    "expected 'allow' or 'deny', got '%.64s'", argv[0]);

	for (i = 1; i < argc; i += 2) {
		const struct spec_keyword *kw = find_spec_keyword(argv[i]);

		if (!kw)
			return fail(err, PARSE_ESYNTAX,
				    "unexpected argument '%.64s'", argv[i]);
		if (s.fields & kw->field)
			return fail(err, PARSE_ESYNTAX,
				    "'%s' given more than once", kw->name);
		if (i + 1 >= argc)
			return fail(err, PARSE_ESYNTAX,
				    "missing %s after '%s'",
				    kw->value_name, kw->name);
		if (kw->parse(argv[i + 1], &s, err))
			return -1;
		s.fields |= kw->field;
	}

	for (k = 0; k < ARRAY_SIZE(spec_keywords); k++)
		if (spec_keywords[k].required &&
		    !(s.fields & spec_keywords[k].field))
			return fail(err, PARSE_ESYNTAX, "missing '%s %s'",
				    spec_keywords[k].name,
				    spec_keywords[k].value_name);

	*spec = s;
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

int format_rule_spec(const struct egress_rule_spec *spec, char *buf,
		     size_t len)
{
	char cidr[EGRESS_CIDR_STRLEN];
	int n;

	n = snprintf(buf, len, "%s", verdict_name(spec->action));
	if (spec->fields & EGRESS_SPEC_TO) {
		if (format_prefix(&spec->to, cidr, sizeof(cidr)) < 0)
			return -1;
		n += snprintf(buf + ((size_t)n < len ? (size_t)n : len),
			      (size_t)n < len ? len - (size_t)n : 0,
			      " to %s", cidr);
	}
	return n;
}
