// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "event.h"
#include "json.h"
#include "parse.h"

static const char *event_verdict_name(uint8_t verdict)
{
	switch (verdict) {
	case NF_EGRESS_EVENT_DENY:
		return "deny";
	case NF_EGRESS_EVENT_WOULD_DENY:
		return "would-deny";
	case NF_EGRESS_EVENT_RATELIMITED:
		return "ratelimited";
	}
	return "unknown";
}

/* "2026-11-27T13:05:00.123456789Z" */
static void format_time(char *buf, size_t len, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	char date[32];

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(date, sizeof(date), "@%lld", (long long)secs);
	snprintf(buf, len, "%s.%09lluZ", date,
		 (unsigned long long)(ns % 1000000000ULL));
}

/* The address, or "?" when the event has none. */
static void format_addr(char *buf, size_t len, uint8_t family, bool has,
			const unsigned char *addr)
{
	if (!has || !inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* ADDR:PORT, [ADDR6]:PORT, or the bare address without ports. */
static void format_endpoint(char *buf, size_t len, const char *addr,
			    uint8_t family, bool has_port, uint16_t port)
{
	if (!has_port)
		snprintf(buf, len, "%s", addr);
	else if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
}

/* event_write_word over [s, end); end is inside a NUL-terminated string. */
static void write_word(FILE *out, const unsigned char *s,
		       const unsigned char *end)
{
	while (s < end) {
		int n = utf8_seq_len(s), i;

		if (n > end - s)
			n = 0;		/* a sequence across the end */
		if (*s == '\\') {
			fputs("\\\\", out);
			s++;
			continue;
		}
		if ((n == 1 && *s > ' ' && *s < 0x7f) ||
		    (n > 1 && !utf8_invisible(utf8_code_point(s, n)))) {
			fwrite(s, 1, (size_t)n, out);
			s += n;
			continue;
		}
		for (i = 0; i < (n ? n : 1); i++)
			fprintf(out, "\\x%02x", s[i]);
		s += n ? n : 1;
	}
}

void event_write_word(FILE *out, const char *s)
{
	if (!*s)
		fputs("\"\"", out);
	else
		write_word(out, (const unsigned char *)s,
			   (const unsigned char *)s + strlen(s));
}

/* A cgroup path, with "/..." after it when it was cut. */
static void write_path(FILE *out, const char *path, bool truncated)
{
	const unsigned char *s = (const unsigned char *)path;
	size_t len = strlen(path);

	if (len >= 4 && !strcmp(path + len - 4, "/...")) {
		/* a component of its own named "...": not the mark */
		write_word(out, s, s + len - 3);
		fputs("\\x2e..", out);
	} else {
		event_write_word(out, path);
	}
	if (truncated)
		fputs(strcmp(path, "/") ? "/..." : "...", out);
}

void event_print_text(FILE *out, const struct egress_event_msg *e)
{
	char when[64], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char from[INET6_ADDRSTRLEN + 8], to[INET6_ADDRSTRLEN + 8];
	const char *proto = proto_name(e->proto);

	format_time(when, sizeof(when), e->time_ns);
	format_addr(src, sizeof(src), e->family, e->has_saddr, e->saddr);
	format_addr(dst, sizeof(dst), e->family, e->has_daddr, e->daddr);
	format_endpoint(from, sizeof(from), src, e->family, e->has_ports,
			e->sport);
	format_endpoint(to, sizeof(to), dst, e->family, e->has_ports, e->dport);

	fprintf(out, "%s %s ", when, event_verdict_name(e->verdict));
	write_path(out, e->cgroup, e->cgroup_truncated);
	fputs(" policy ", out);
	write_path(out, e->policy, false);
	if (e->has_rule_id)
		fprintf(out, " rule %u", e->rule_id);
	else
		fputs(" default", out);
	if (proto && e->proto)
		fprintf(out, " %s", proto);
	else
		fprintf(out, " proto %u", e->proto);
	fprintf(out, " %s -> %s", from, to);
	if (e->has_pid) {
		fprintf(out, " pid %u", e->pid);
		if (e->comm) {
			fputs(" comm ", out);
			event_write_word(out, e->comm);
		}
	}
	if (e->suppressed)
		fprintf(out, " suppressed %llu",
			(unsigned long long)e->suppressed);
	fputc('\n', out);
}

static void json_addr(struct json *j, const char *key, uint8_t family,
		      bool has, const unsigned char *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (has)
		format_addr(buf, sizeof(buf), family, has, addr);
	json_kv_string_or_null(j, key, has ? buf : NULL);
}

void event_print_json(FILE *out, const struct egress_event_msg *e)
{
	const char *proto = proto_name(e->proto);
	char when[64];
	struct json j;

	json_init(&j, out);
	json_begin_object(&j);
	json_kv_u64(&j, "time_ns", e->time_ns);
	format_time(when, sizeof(when), e->time_ns);
	json_kv_string(&j, "time", when);
	json_kv_string(&j, "verdict", event_verdict_name(e->verdict));
	json_kv_string(&j, "cgroup", e->cgroup);
	json_kv_bool(&j, "cgroup_truncated", e->cgroup_truncated);
	json_kv_string(&j, "policy", e->policy);
	json_kv_u64_or_null(&j, "rule_id", e->has_rule_id, e->rule_id);
	json_kv_bool(&j, "default", !e->has_rule_id);
	json_kv_string(&j, "family", e->family == AF_INET ? "ipv4" : "ipv6");
	json_key(&j, "proto");
	if (proto && e->proto)
		json_string(&j, proto);
	else
		json_u64(&j, e->proto);
	json_addr(&j, "src", e->family, e->has_saddr, e->saddr);
	json_addr(&j, "dst", e->family, e->has_daddr, e->daddr);
	json_kv_u64_or_null(&j, "sport", e->has_ports, e->sport);
	json_kv_u64_or_null(&j, "dport", e->has_ports, e->dport);
	json_kv_u64_or_null(&j, "pid", e->has_pid, e->pid);
	json_kv_string_or_null(&j, "comm", e->comm);
	json_kv_u64(&j, "suppressed", e->suppressed);
	json_end_object(&j);
	fputc('\n', out);
}
