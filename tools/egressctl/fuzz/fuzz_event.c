// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of egressctl monitor's event decoder and formatters.
 * The input is the attribute stream of an NF_EGRESS_CMD_EVENT message
 * (what follows its generic netlink header), so every mutation reaches the
 * decoder; the message is allocated to its exact size, so AddressSanitizer
 * sees any read beyond it.  Any input must decode or be refused with a
 * reason, never crash; a decoded event must print as one text line without
 * control bytes, invalid UTF-8 or invisible and direction-changing
 * characters, its cgroup path one word that ends in "/..." exactly when the
 * path was cut; and as one JSON object, as safe for a terminal, that a
 * strict RFC 8259 parser accepts.  The parser is the harness's own (not json.c's UTF-8 code) and
 * is checked against known good and bad texts at start-up, so a parser
 * that accepts everything fails at once.  The same bytes are also decoded
 * as an NF_EGRESS_CMD_INSTANCE_EVENT and an NF_EGRESS_CMD_INSTANCE_GONE
 * (top-level attributes), whose lines and JSON objects must be as safe:
 * an instance gone's counters message one line with one " class " for
 * each class it decoded, its rules message one line and one JSON object
 * for each rule it decoded; and as a HEALTH_GET reply, whose RTT buckets
 * must come out lowest first, none overlapping, with quantiles within
 * their bounds, and whose health object must be valid JSON.
 * make fuzz; ./fuzz_event CORPUS
 *
 * FUZZ_EVENT_SEEDS=DIR ./fuzz_event   writes a few well-formed events, as
 *                                     the module builds them, to DIR and
 *                                     exits (fuzz-ci.sh's seed corpus)
 * FUZZ_EVENT_JSON=FILE ./fuzz_event   also appends the JSON line of every
 *                                     decoded input to FILE (fuzz-ci.sh
 *                                     parses them again with python3)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "event.h"
#include "health.h"
#include "msg.h"

#define MAX_INPUT	(1 << 16)
#define MAX_DEPTH	64

static FILE *json_log;

/* --- a strict JSON parser ------------------------------------------------ */

struct jp {
	const unsigned char *p, *end;
	int depth;
};

static void jp_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool jp_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return false;
	j->p += n;
	return true;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), or 0. */
static int utf8_ok(const unsigned char *p, const unsigned char *end)
{
	unsigned char lo = 0x80, hi = 0xbf;
	int n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (end - p < n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static bool jp_string(struct jp *j)
{
	if (j->p >= j->end || *j->p != '"')
		return false;
	j->p++;
	while (j->p < j->end) {
		unsigned char c = *j->p;
		int n, i;

		if (c == '"') {
			j->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++j->p >= j->end)
				return false;
			if (*j->p && strchr("\"\\/bfnrt", *j->p)) {
				j->p++;
				continue;
			}
			if (*j->p != 'u' || j->end - j->p < 5)
				return false;
			for (i = 1; i <= 4; i++)
				if (!is_hex(j->p[i]))
					return false;
			j->p += 5;
			continue;
		}
		n = utf8_ok(j->p, j->end);
		if (!n)
			return false;
		j->p += n;
	}
	return false;
}

static bool jp_number(struct jp *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end || !is_digit(*j->p))
		return false;
	if (*j->p == '0')
		j->p++;
	else
		while (j->p < j->end && is_digit(*j->p))
			j->p++;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || !is_digit(*j->p))
			return false;
		while (j->p < j->end && is_digit(*j->p))
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || !is_digit(*j->p))
			return false;
		while (j->p < j->end && is_digit(*j->p))
			j->p++;
	}
	return true;
}

static bool jp_value(struct jp *j);

/* An object (close '}') or an array (close ']') after its opening byte. */
static bool jp_container(struct jp *j, char close)
{
	if (++j->depth > MAX_DEPTH)
		return false;
	j->p++;
	jp_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return true;
	}
	for (;;) {
		if (close == '}') {
			if (!jp_string(j))
				return false;
			jp_ws(j);
			if (j->p >= j->end || *j->p != ':')
				return false;
			j->p++;
			jp_ws(j);
		}
		if (!jp_value(j))
			return false;
		jp_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close) {
			j->p++;
			j->depth--;
			return true;
		}
		if (*j->p != ',')
			return false;
		j->p++;
		jp_ws(j);
	}
}

static bool jp_value(struct jp *j)
{
	if (j->p >= j->end)
		return false;
	switch (*j->p) {
	case '{':
		return jp_container(j, '}');
	case '[':
		return jp_container(j, ']');
	case '"':
		return jp_string(j);
	case 't':
		return jp_lit(j, "true");
	case 'f':
		return jp_lit(j, "false");
	case 'n':
		return jp_lit(j, "null");
	default:
		return jp_number(j);
	}
}

/* Is [s, s + len) exactly one JSON text? */
static bool json_valid(const char *s, size_t len)
{
	struct jp j = {
		.p = (const unsigned char *)s,
		.end = (const unsigned char *)s + len,
	};

	jp_ws(&j);
	if (!jp_value(&j))
		return false;
	jp_ws(&j);
	return j.p == j.end;
}

/* The parser must tell these apart, or it proves nothing. */
static void json_self_test(void)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0.5e+10", "\"\"", " {\"a\" : [1, true, false, null]} ",
		"{\"a\":{\"b\":[\"\\u00e9\\n\\/\\\"\\\\\"]}}", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
	};
	static const char *const bad[] = {
		"", "{", "}", "{\"a\":1,}", "[1 2]", "[1,]", "{\"a\"}", "{1:2}",
		"\"\x01\"", "\"a\nb\"", "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xe2\x82\"", "\"\xf4\x90\x80\x80\"", "01", "1.", "1e", "-", "+1",
		"\"\\q\"", "\"\\u12\"", "\"\\u12g4\"", "tru", "nul", "{} {}", "\"abc",
		"[\"a\",]", "{\"a\":}", "NaN",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!json_valid(good[i], strlen(good[i]))) {
			fprintf(stderr, "fuzz_event: JSON self-test: refused %s\n", good[i]);
			abort();
		}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (json_valid(bad[i], strlen(bad[i]))) {
			fprintf(stderr, "fuzz_event: JSON self-test: accepted %s\n", bad[i]);
			abort();
		}
}

/* --- the checks ---------------------------------------------------------- */

static char *format(const struct egress_event_msg *e, bool json, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	event_print(f, e, json);
	if (fclose(f))
		abort();
	return text;
}

/*
 * [p, end) is valid UTF-8 without control bytes, C1 controls, bidi
 * controls or line separators: nothing a terminal would act on or that
 * reorders or hides text.
 */
static bool terminal_safe(const unsigned char *p, const unsigned char *end)
{
	while (p < end) {
		int n = utf8_ok(p, end);
		uint32_t cp = 0;

		if (!n || *p < 0x20 || *p == 0x7f)
			return false;
		if (n == 2)
			cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
		else if (n == 3)
			cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) |
			     (p[2] & 0x3fu);
		if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069))
			return false;
		p += n;
	}
	return true;
}

/*
 * The text line: one terminal-safe line; words separated by single
 * spaces, the third the cgroup path, followed by "policy".
 */
static void check_text(const char *line, size_t len,
		       const struct egress_event_msg *e)
{
	const char *w2, *w3;

	if (len < 2 || line[len - 1] != '\n' || strlen(line) != len ||
	    !terminal_safe((const unsigned char *)line,
			   (const unsigned char *)line + len - 1))
		abort();
	if (strstr(line, "  ") || line[0] == ' ')
		abort();	/* an empty word */
	w2 = strchr(line, ' ');
	w2 = w2 ? strchr(w2 + 1, ' ') : NULL;
	if (!w2)
		abort();
	w2++;
	w3 = strchr(w2, ' ');
	if (!w3 || strncmp(w3, " policy ", 8))
		abort();
	/* the cut mark, and only for a cut path */
	if ((w3 - w2 >= 4 && !strncmp(w3 - 4, "/...", 4)) != e->cgroup_truncated)
		abort();
}

static void check_json(const char *text, size_t len,
		       const struct egress_event_msg *e)
{
	if (len < 3 || text[len - 1] != '\n' || memchr(text, '\n', len - 1) ||
	    strlen(text) != len)
		abort();
	if (!json_valid(text, len - 1) || text[0] != '{' ||
	    !terminal_safe((const unsigned char *)text,
			   (const unsigned char *)text + len - 1))
		abort();
	if (!strstr(text, e->cgroup_truncated ? ",\"cgroup_truncated\":true,"
					      : ",\"cgroup_truncated\":false,"))
		abort();
	if (json_log) {
		fputs(text, json_log);
		fflush(json_log);
	}
}

/* Is needle in [s, end)?  s goes on to a NUL after end. */
static bool has_within(const char *s, const char *end, const char *needle)
{
	const char *hit = strstr(s, needle);

	return hit && hit + strlen(needle) <= end;
}

/*
 * out (len bytes) is n lines, each terminal-safe: in JSON each one valid
 * object; in the text words separated by single spaces, word among them.
 */
static void check_lines(const char *out, size_t len, size_t n, bool json,
			const char *word)
{
	const char *line = out, *end = out + len;

	if (strlen(out) != len)
		abort();
	for (; n; n--) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));

		if (!nl || nl == line ||
		    !terminal_safe((const unsigned char *)line,
				   (const unsigned char *)nl))
			abort();
		if (json ? !json_valid(line, (size_t)(nl - line)) || line[0] != '{' :
			   line[0] == ' ' || has_within(line, nl, "  ") ||
			   !has_within(line, nl, word))
			abort();
		line = nl + 1;
	}
	if (line != end)
		abort();
}

/* An instance event: one safe line, one valid JSON object. */
static void check_instance_event(const struct nlmsghdr *nlh)
{
	static struct egress_instance_event_msg e;
	char *text = NULL;
	size_t len;
	int json;

	if (egress_decode_instance_event(nlh, &e)) {
		if (!memchr(e.why, '\0', sizeof(e.why)) || !e.why[0])
			abort();
		return;
	}
	if (!e.path[0] || !e.template[0] ||
	    strlen(e.path) > NF_EGRESS_CGROUP_PATH_MAX - 1 ||
	    strlen(e.template) > NF_EGRESS_CGROUP_PATH_MAX - 1)
		abort();
	for (json = 0; json < 2; json++) {
		FILE *f = open_memstream(&text, &len);

		if (!f)
			abort();
		instance_event_print(f, &e, json);
		if (fclose(f))
			abort();
		check_lines(text, len, 1, json, " no-instance ");
		free(text);
	}
}

/* How many times needle is in haystack. */
static size_t count_of(const char *haystack, const char *needle)
{
	size_t n = 0;

	while ((haystack = strstr(haystack, needle))) {
		n++;
		haystack += strlen(needle);
	}
	return n;
}

/*
 * An instance gone: its counters message one safe line, its words
 * separated by single spaces, one " class " for each class, or its rules
 * message one such line for each rule; as many valid JSON objects.
 */
static void check_instance_gone(const struct nlmsghdr *nlh)
{
	static struct egress_instance_gone_msg e;
	char *text = NULL;
	size_t len;
	int json;

	if (egress_decode_instance_gone(nlh, &e)) {
		if (!memchr(e.why, '\0', sizeof(e.why)) || !e.why[0])
			abort();
		return;
	}
	if (!e.path[0] || !e.template[0] ||
	    strlen(e.path) > NF_EGRESS_CGROUP_PATH_MAX - 1 ||
	    strlen(e.template) > NF_EGRESS_CGROUP_PATH_MAX - 1 ||
	    (e.has_rule_offset ? !e.nrules :
	     egress_stats_for_each_class(nlh, NULL, NULL) != (int)e.counters.nclasses))
		abort();
	for (json = 0; json < 2; json++) {
		FILE *f = open_memstream(&text, &len);

		if (!f)
			abort();
		if (e.has_rule_offset)
			instance_gone_rules_print(f, &e, json);
		else
			instance_gone_print(f, &e, json);
		if (fclose(f))
			abort();
		if (e.has_rule_offset)
			check_lines(text, len, e.nrules, json, " instance-gone-rule ");
		else
			check_lines(text, len, 1, json, " instance-gone ");
		if (!json && !e.has_rule_offset &&
		    count_of(text, " class ") != e.counters.nclasses)
			abort();
		free(text);
	}
}

/*
 * A HEALTH_GET reply: its buckets as the decoder promised, each quantile
 * within the buckets' bounds, its health object one valid JSON value.
 */
static void check_health_reply(const struct nlmsghdr *nlh)
{
	static struct egress_health_reply_msg m;
	struct rtt_bucket *b;
	char *text = NULL;
	struct json j;
	size_t i, len;
	double us;
	FILE *f;

	if (egress_decode_health(nlh, &m))
		return;
	if (!m.path || (m.class_name && !valid_class_name(m.class_name)))
		abort();
	b = calloc(m.health.nbuckets + 1, sizeof(*b));
	if (!b)
		return;
	egress_health_buckets(&m.health, b);
	for (i = 0; i < m.health.nbuckets; i++) {
		if (b[i].high_us && b[i].high_us <= b[i].low_us)
			abort();
		if (i && (!b[i - 1].high_us || b[i].low_us < b[i - 1].high_us))
			abort();
	}
	for (i = 0; i < HEALTH_QUANTILES; i++) {
		if (!rtt_quantile_us(b, m.health.nbuckets, health_quantiles[i], &us))
			continue;
		if (!m.health.nbuckets || us < (double)b[0].low_us ||
		    (b[m.health.nbuckets - 1].high_us &&
		     us > (double)b[m.health.nbuckets - 1].high_us))
			abort();
	}
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	json_init(&j, f);
	health_json(&j, &m.health.h, b, m.health.nbuckets);
	if (fclose(f) || !json_valid(text, len) ||
	    !terminal_safe((const unsigned char *)text,
			   (const unsigned char *)text + len))
		abort();
	free(text);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct egress_event_msg e;
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	char *text;
	size_t len;
	void *msg;

	if (size > MAX_INPUT)
		return 0;
	msg = malloc(MNL_NLMSG_HDRLEN + GENL_HDRLEN + size);
	if (!msg)
		return 0;
	nlh = mnl_nlmsg_put_header(msg);
	nlh->nlmsg_type = 0x2a;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = NF_EGRESS_CMD_EVENT;
	genl->version = NF_EGRESS_GENL_VERSION;
	memcpy(mnl_nlmsg_get_payload_tail(nlh), data, size);
	nlh->nlmsg_len += (uint32_t)size;

	genl->cmd = NF_EGRESS_CMD_INSTANCE_EVENT;
	check_instance_event(nlh);
	genl->cmd = NF_EGRESS_CMD_INSTANCE_GONE;
	check_instance_gone(nlh);
	genl->cmd = NF_EGRESS_CMD_HEALTH_GET;
	check_health_reply(nlh);
	genl->cmd = NF_EGRESS_CMD_EVENT;
	if (egress_decode_event(nlh, &e)) {
		/* refused, with a reason */
		if (!memchr(e.why, '\0', sizeof(e.why)) || !e.why[0])
			abort();
		free(msg);
		return 0;
	}
	if (strlen(e.cgroup) > NF_EGRESS_CGROUP_PATH_MAX - 1 || !e.cgroup[0] ||
	    !e.policy[0] || (e.family != AF_INET && e.family != AF_INET6))
		abort();
	/* printed as it is: a class name or nothing */
	if (e.conn_class && !valid_class_name(e.conn_class))
		abort();

	text = format(&e, false, &len);
	check_text(text, len, &e);
	free(text);
	text = format(&e, true, &len);
	check_json(text, len, &e);
	free(text);
	free(msg);
	return 0;
}

/* --- seeds ----------------------------------------------------------------- */

/* The u64 as nla_put_u64_64bit() puts it: a PAD first when unaligned. */
static void put_u64(struct nlmsghdr *nlh, uint16_t type, uint64_t v)
{
	if ((nlh->nlmsg_len + MNL_ATTR_HDRLEN) % 8)
		mnl_attr_put(nlh, NF_EGRESS_EVENT_A_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, type, v);
}

/* The attributes of nlh (what follows its genl header) to DIR/name. */
static void write_attrs(const char *dir, const char *name,
			const struct nlmsghdr *nlh)
{
	size_t len = nlh->nlmsg_len - MNL_NLMSG_HDRLEN - GENL_HDRLEN;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite((const char *)nlh + MNL_NLMSG_HDRLEN + GENL_HDRLEN, 1,
			 len, f) != len || fclose(f)) {
		fprintf(stderr, "fuzz_event: cannot write %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
}

/* A message of cmd, in a buffer of its own, for the seed's attributes. */
static struct nlmsghdr *seed_begin(uint8_t cmd)
{
	static char buf[3 * NF_EGRESS_CGROUP_PATH_MAX] __attribute__((aligned(8)));
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	return nlh;
}

struct seed {
	const char *name;
	uint8_t verdict, family, proto;
	const char *cgroup, *policy, *comm;
	uint32_t rule_id, pid;
	bool ports, truncated, future;
	uint64_t suppressed;
	const char *template;		/* the policy is its instance */
	/* connlimit events: which limit (the flag when conn_table_full) */
	uint32_t conn_max, conn_rate;
	bool conn_table_full;
	const char *conn_class;		/* the limit's class, or NULL */
};

static const uint8_t v4[2][4] = { { 10, 99, 1, 1 }, { 192, 0, 2, 1 } };
static const uint8_t v6[2][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0x99, [15] = 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 0x53 },
};

static void write_seed(const char *dir, const struct seed *s)
{
	size_t alen = s->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = seed_begin(NF_EGRESS_CMD_EVENT);
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_EVENT);
	put_u64(nlh, NF_EGRESS_EVENT_A_TIME_NS, 1795784700123456789ULL);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_VERDICT, s->verdict);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH, s->cgroup);
	if (s->truncated)
		mnl_attr_put(nlh, NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED, 0, NULL);
	mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_POLICY_PATH, s->policy);
	if (s->template)
		mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_TEMPLATE, s->template);
	if (s->rule_id)
		mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_RULE_ID, s->rule_id);
	else
		mnl_attr_put(nlh, NF_EGRESS_EVENT_A_DEFAULT, 0, NULL);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_FAMILY, s->family);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_SADDR, alen,
		     s->family == AF_INET ? v4[0] : v6[0]);
	mnl_attr_put(nlh, NF_EGRESS_EVENT_A_DADDR, alen,
		     s->family == AF_INET ? v4[1] : v6[1]);
	mnl_attr_put_u8(nlh, NF_EGRESS_EVENT_A_PROTO, s->proto);
	if (s->ports) {
		mnl_attr_put_u16(nlh, NF_EGRESS_EVENT_A_SPORT, 40312);
		mnl_attr_put_u16(nlh, NF_EGRESS_EVENT_A_DPORT, 443);
	}
	if (s->pid) {
		mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_PID, s->pid);
		mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_COMM, s->comm);
	}
	if (s->suppressed)
		put_u64(nlh, NF_EGRESS_EVENT_A_SUPPRESSED, s->suppressed);
	if (s->conn_max)
		mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_CONN_MAX, s->conn_max);
	if (s->conn_rate)
		mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_CONN_RATE, s->conn_rate);
	if (s->conn_table_full)
		mnl_attr_put(nlh, NF_EGRESS_EVENT_A_CONN_TABLE_FULL, 0, NULL);
	if (s->conn_class)
		mnl_attr_put_strz(nlh, NF_EGRESS_EVENT_A_CONN_CLASS,
				  s->conn_class);
	if (s->future)
		mnl_attr_put_u32(nlh, NF_EGRESS_EVENT_A_MAX + 7, 1);
	mnl_attr_nest_end(nlh, nest);
	if (s->future)
		mnl_attr_put_u32(nlh, NF_EGRESS_A_MAX + 9, 2);

	write_attrs(dir, s->name, nlh);
}

/* An instance event: the top-level attributes the module sends. */
static void write_instance_seed(const char *dir, const char *name,
				const char *cgroup, const char *template,
				uint32_t max)
{
	struct nlmsghdr *nlh = seed_begin(NF_EGRESS_CMD_INSTANCE_EVENT);

	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, cgroup);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, template);
	if (max)
		mnl_attr_put_u32(nlh, NF_EGRESS_A_INSTANCES_MAX, max);
	write_attrs(dir, name, nlh);
}

/* A counter nest as the module puts it. */
static void put_counter(struct nlmsghdr *nlh, uint16_t type, uint64_t packets,
			uint64_t bytes, const char *class_name)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	put_u64(nlh, NF_EGRESS_CTR_A_PACKETS, packets);
	put_u64(nlh, NF_EGRESS_CTR_A_BYTES, bytes);
	if (class_name)
		mnl_attr_put_strz(nlh, NF_EGRESS_CTR_A_CLASS, class_name);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * A STATS_HEALTH nest as the module puts it: counters n, n + 1, ... and
 * nbuckets RTT buckets from 800 us on, 32 us wide, the last unbounded.
 */
static void put_health(struct nlmsghdr *nlh, uint64_t n, unsigned int nbuckets)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_HEALTH);
	uint16_t type;
	unsigned int i;

	for (type = NF_EGRESS_HEALTH_A_ATTEMPTS;
	     type <= NF_EGRESS_HEALTH_A_RTT_SUM_US; type++)
		put_u64(nlh, type, n++);
	for (i = 0; i < nbuckets; i++) {
		struct nlattr *b = mnl_attr_nest_start(nlh,
						       NF_EGRESS_HEALTH_A_RTT_BUCKET);

		mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_LOW_US, 800 + 32 * i);
		mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_HIGH_US,
				 i + 1 == nbuckets ? 0 : 832 + 32 * i);
		put_u64(nlh, NF_EGRESS_RTT_BUCKET_A_COUNT, i + 1);
		mnl_attr_nest_end(nlh, b);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* A HEALTH_GET reply: of the policy, or of one class of it. */
static void write_health_seed(const char *dir, const char *name,
			      const char *cgroup, const char *template,
			      const char *class_name, unsigned int nbuckets)
{
	struct nlmsghdr *nlh = seed_begin(NF_EGRESS_CMD_HEALTH_GET);

	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, cgroup);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 42);
	if (template)
		mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, template);
	if (class_name)
		mnl_attr_put_strz(nlh, NF_EGRESS_A_HEALTH_CLASS, class_name);
	put_health(nlh, 7, nbuckets);
	write_attrs(dir, name, nlh);
}

/* The attributes an INSTANCE_GONE message starts with. */
static struct nlmsghdr *gone_begin(const char *cgroup, const char *template)
{
	struct nlmsghdr *nlh = seed_begin(NF_EGRESS_CMD_INSTANCE_GONE);

	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, cgroup);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, 42);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE, template);
	return nlh;
}

/*
 * The counters message of an instance gone, as the module sends it (a
 * STATS_GET reply's layout): counters n, n + 1, ... and the classes of
 * the space-separated names; hits rules hit (-1: an older module, without
 * HIT_RULES), of which the series carries at most NF_EGRESS_GONE_RULES_MAX.
 */
static void write_gone_seed(const char *dir, const char *name,
			    const char *cgroup, const char *template,
			    uint64_t n, const char *classes, uint64_t reset,
			    long hits, unsigned int health_buckets)
{
	static const uint16_t counters[] = {
		NF_EGRESS_A_STATS_ALLOWED, NF_EGRESS_A_STATS_DENIED,
		NF_EGRESS_A_STATS_WOULD_DENY, NF_EGRESS_A_STATS_RATELIMITED,
		NF_EGRESS_A_STATS_SHAPED,
	};
	struct nlmsghdr *nlh = gone_begin(cgroup, template);
	char copy[256], *cls, *save = NULL;
	size_t i;

	mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, NF_EGRESS_MODE_ENFORCE);
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		put_counter(nlh, counters[i], n + i, (n + i) * 1500, NULL);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_QUEUE_LEN, 0);
	put_u64(nlh, NF_EGRESS_A_STATS_MAX_DELAY_NS, n * 1000);
	snprintf(copy, sizeof(copy), "%s", classes);
	for (cls = strtok_r(copy, " ", &save); cls;
	     cls = strtok_r(NULL, " ", &save))
		put_counter(nlh, NF_EGRESS_A_STATS_CLASS, n, n * 100, cls);
	if (reset)
		put_u64(nlh, NF_EGRESS_A_STATS_RESET_TIME, reset);
	if (health_buckets)
		put_health(nlh, n, health_buckets - 1);
	if (hits >= 0)
		mnl_attr_put_u32(nlh, NF_EGRESS_A_HIT_RULES,
				 hits > NF_EGRESS_GONE_RULES_MAX ?
				 NF_EGRESS_GONE_RULES_MAX : (uint32_t)hits);
	if (hits > NF_EGRESS_GONE_RULES_MAX)
		mnl_attr_put_u32(nlh, NF_EGRESS_A_HIT_RULES_OMITTED,
				 (uint32_t)(hits - NF_EGRESS_GONE_RULES_MAX));
	write_attrs(dir, name, nlh);
}

/*
 * A rules message of an instance gone: n RULE nests from the place
 * offset, as a RULE_GET reply has them, by turns an IPv4 rule with a
 * protocol, ports and a class, an IPv6 one with neither and an IPv4 one
 * with one port.
 */
static void write_gone_rules_seed(const char *dir, const char *name,
				  const char *cgroup, const char *template,
				  uint32_t offset, unsigned int n)
{
	static const uint8_t net4[4] = { 10, 99, 0, 0 };
	struct nlmsghdr *nlh = gone_begin(cgroup, template);
	unsigned int i;

	mnl_attr_put_u32(nlh, NF_EGRESS_A_RULE_OFFSET, offset);
	for (i = 0; i < n; i++) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_RULE);
		unsigned int kind = (offset + i) % 3;

		mnl_attr_put_u32(nlh, NF_EGRESS_RULE_A_ID, 2 * (offset + i) + 1);
		mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_ACTION,
				kind == 1 ? NF_EGRESS_VERDICT_DENY
					  : NF_EGRESS_VERDICT_ALLOW);
		mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_FAMILY,
				kind == 1 ? AF_INET6 : AF_INET);
		mnl_attr_put(nlh, NF_EGRESS_RULE_A_ADDR, kind == 1 ? 16 : 4,
			     kind == 1 ? v6[1] : kind ? v4[1] : net4);
		mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PREFIX_LEN,
				kind == 1 ? 128 : kind ? 32 : 24);
		if (kind != 1) {
			mnl_attr_put_u8(nlh, NF_EGRESS_RULE_A_PROTO,
					kind ? IPPROTO_UDP : IPPROTO_TCP);
			mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MIN,
					 kind ? 53 : 8000);
			mnl_attr_put_u16(nlh, NF_EGRESS_RULE_A_PORT_MAX,
					 kind ? 53 : 8080);
		}
		if (!kind)
			mnl_attr_put_strz(nlh, NF_EGRESS_RULE_A_CLASS, "web");
		/* only rules the instance hit are sent */
		put_counter(nlh, NF_EGRESS_RULE_A_STATS, offset + i + 1,
			    (offset + i + 1) * 1500, NULL);
		mnl_attr_nest_end(nlh, nest);
	}
	write_attrs(dir, name, nlh);
}

static void write_seeds(const char *dir)
{
	static char deep[NF_EGRESS_CGROUP_PATH_MAX];
	const struct seed seeds[] = {
		{ "deny-tcp4", NF_EGRESS_EVENT_DENY, AF_INET, 6, "/t1/app",
		  "/t1", "curl", 2, 4242, true, false, false, 0, NULL, 0, 0,
		  false, NULL },
		{ "would-deny-udp6", NF_EGRESS_EVENT_WOULD_DENY, AF_INET6, 17,
		  "/system.slice/nginx.service", "/", NULL, 0, 0, true, false,
		  false, 99, NULL, 0, 0,
		  false, NULL },
		{ "ratelimited-cut", NF_EGRESS_EVENT_RATELIMITED, AF_INET, 1,
		  deep, "/deep", "x", 0, 1, false, true, false, 0, NULL, 0, 0,
		  false, NULL },
		{ "odd-names", NF_EGRESS_EVENT_DENY, AF_INET6, 58,
		  "/a b/\x1b[2J\xe2\x80\xae/\xff\\/...", "/a b",
		  "\t\xc2\x85sh", 7, 77, false, false, true, 3, NULL, 0, 0,
		  false, NULL },
		{ "instance-deny-tcp6", NF_EGRESS_EVENT_DENY, AF_INET6, 6,
		  "/system.slice/web.service/worker", "/system.slice/web.service",
		  "nginx", 4, 99, true, false, false, 0,
		  "/system.slice/*.service", 0, 0, false, NULL },
		{ "instance-odd-template", NF_EGRESS_EVENT_WOULD_DENY, AF_INET, 17,
		  "/u/a b", "/u/a b", NULL, 0, 0, true, false, false, 0,
		  "/u/\x1b[1m*/**", 0, 0, false, NULL },
		{ "connlimit-max-tcp4", NF_EGRESS_EVENT_CONNLIMIT, AF_INET, 6,
		  "/t1/app", "/t1", "curl", 2, 4242, true, false, false, 0,
		  NULL, 5, 0, false, NULL },
		{ "connlimit-rate-tcp6", NF_EGRESS_EVENT_CONNLIMIT, AF_INET6, 6,
		  "/system.slice/web.service", "/system.slice/web.service",
		  "nginx", 0, 99, true, false, false, 7,
		  "/system.slice/*.service", 0, 1000000000, false, NULL },
		{ "connlimit-table-full", NF_EGRESS_EVENT_CONNLIMIT, AF_INET, 6,
		  "/t1", "/", NULL, 0, 0, true, false, false, 0, NULL, 0, 0,
		  true, NULL },
		{ "would-connlimit-odd", NF_EGRESS_EVENT_WOULD_CONNLIMIT, AF_INET6,
		  6, "/a b/\xe2\x80\xae", "/a b", "\t\xc2\x85sh", 0, 77, true,
		  false, true, 0, NULL, 4294967295u, 1, true, NULL },
		{ "connlimit-class-max-tcp4", NF_EGRESS_EVENT_CONNLIMIT, AF_INET,
		  6, "/t1/app", "/t1", "curl", 2, 4242, true, false, false, 0,
		  NULL, 100, 0, false, "internet" },
		{ "would-connlimit-class-rate-tcp6",
		  NF_EGRESS_EVENT_WOULD_CONNLIMIT, AF_INET6, 6,
		  "/system.slice/web.service", "/system.slice/web.service",
		  "nginx", 0, 99, true, false, true, 0,
		  "/system.slice/*.service", 0, 10, false,
		  "abcdefghijklmnopqrstuvwxyz01234" },
	};
	size_t i, len = 0;

	/* the longest path a module sends, "/deep/c/c/..." */
	len = (size_t)snprintf(deep, sizeof(deep), "/deep");
	while (len + 2 <= NF_EGRESS_CGROUP_PATH_MAX - 1)
		len += (size_t)snprintf(deep + len, sizeof(deep) - len, "/c");
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++)
		write_seed(dir, &seeds[i]);
	write_instance_seed(dir, "no-instance", "/system.slice/z.service",
			    "/system.slice/*.service", 1024);
	write_instance_seed(dir, "no-instance-odd", "/u/\xe2\x80\xae x/...",
			    "/u/**", 0);
	write_instance_seed(dir, "no-instance-deep", deep, "/deep/**", 65536);
	write_gone_seed(dir, "instance-gone", "/system.slice/web.service",
			"/system.slice/*.service", 12, "dns internal web", 1795784000,
			3, 0);
	write_gone_seed(dir, "instance-gone-odd", "/u/\xe2\x80\xae x/...",
			"/u/\x1b[1m*/**", 0, "", 0, 0, 0);
	write_gone_seed(dir, "instance-gone-deep", deep, "/deep/**",
			UINT64_MAX - 8, "a.b-c_d", 1, NF_EGRESS_GONE_RULES_MAX + 17,
			0);
	write_gone_seed(dir, "instance-gone-older", "/system.slice/web.service",
			"/system.slice/*.service", 3, "web", 0, -1, 0);
	/* health buckets + 1: a health without buckets, with 1, with 5 */
	write_gone_seed(dir, "instance-gone-health", "/system.slice/web.service",
			"/system.slice/*.service", 12, "dns web", 0, 2, 6);
	write_gone_seed(dir, "instance-gone-health-empty", "/u/a",
			"/u/*", UINT64_MAX - 12, "", 0, 0, 1);
	write_health_seed(dir, "health", "/system.slice", NULL, NULL, 4);
	write_health_seed(dir, "health-class", "/system.slice/web.service",
			  "/system.slice/*.service", "internal", 1);
	write_health_seed(dir, "health-none", "/", NULL, "a.b-c_d", 0);
	write_gone_rules_seed(dir, "instance-gone-rules", "/system.slice/web.service",
			      "/system.slice/*.service", 0, 3);
	write_gone_rules_seed(dir, "instance-gone-rules-odd", "/u/\xe2\x80\xae x/...",
			      "/u/\x1b[1m*/**", NF_EGRESS_GONE_RULES_MAX - 1, 1);
	write_gone_rules_seed(dir, "instance-gone-rules-deep", deep, "/deep/**",
			      17, 2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_EVENT_SEEDS");
	const char *log = getenv("FUZZ_EVENT_JSON");

	(void)argc;
	(void)argv;
	json_self_test();
	if (dir) {
		write_seeds(dir);
		exit(0);
	}
	if (log) {
		json_log = fopen(log, "a");
		if (!json_log) {
			fprintf(stderr, "fuzz_event: cannot open %s: %s\n", log,
				strerror(errno));
			exit(1);
		}
	}
	return 0;
}
