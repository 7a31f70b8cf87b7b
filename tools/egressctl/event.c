// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "event.h"
#include "health.h"
#include "json.h"
#include "output.h"
#include "parse.h"
#include "quotaspec.h"

static const char *event_verdict_name(uint8_t verdict)
{
	switch (verdict) {
	case NF_EGRESS_EVENT_DENY:
		return "deny";
	case NF_EGRESS_EVENT_WOULD_DENY:
		return "would-deny";
	case NF_EGRESS_EVENT_RATELIMITED:
		return "ratelimited";
	case NF_EGRESS_EVENT_CONNLIMIT:
		return "connlimit";
	case NF_EGRESS_EVENT_WOULD_CONNLIMIT:
		return "would-connlimit";
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

/* The address in JSON: null when the event has none. */
static void print_json_addr(struct printer *p, const char *key,
			    uint8_t family, bool has,
			    const unsigned char *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (has)
		format_addr(buf, sizeof(buf), family, has, addr);
	print_string(p, PRINT_JSON, key, NULL, has ? buf : NULL);
}

void event_print(FILE *out, const struct egress_event_msg *e, bool json)
{
	char when[64], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char from[INET6_ADDRSTRLEN + 8], to[INET6_ADDRSTRLEN + 8];
	const char *proto = proto_name(e->proto);
	struct printer p;
	FILE *text;

	format_time(when, sizeof(when), e->time_ns);
	printer_init(&p, out, json);
	/* names are escaped words in the text, JSON strings in JSON */
	text = print_text_stream(&p);

	print_open_object(&p, NULL);
	print_u64(&p, PRINT_JSON, "time_ns", NULL, e->time_ns);
	print_string(&p, PRINT_ANY, "time", "%s", when);
	print_string(&p, PRINT_ANY, "verdict", " %s ",
		     event_verdict_name(e->verdict));
	print_string(&p, PRINT_JSON, "cgroup", NULL, e->cgroup);
	if (text)
		write_path(text, e->cgroup, e->cgroup_truncated);
	print_json_bool(&p, "cgroup_truncated", e->cgroup_truncated);
	print_string(&p, PRINT_JSON, "policy", NULL, e->policy);
	if (text) {
		fputs(" policy ", text);
		write_path(text, e->policy, false);
	}
	/* an instance's template; the key only then, as explain has it */
	if (e->template) {
		print_string(&p, PRINT_JSON, "template", NULL, e->template);
		if (text) {
			fputs(" template ", text);
			write_path(text, e->template, false);
		}
	}
	print_u64_opt(&p, PRINT_ANY, "rule_id", " rule %" PRIu64,
		      e->has_rule_id, e->rule_id);
	print_json_bool(&p, "default", !e->has_rule_id);
	if (!e->has_rule_id)
		print_text(&p, " default");
	print_json_bool(&p, "quota", e->quota);
	if (e->quota)
		print_text(&p, " quota");
	/*
	 * which connection limit: "conn max 5", "conn rate 10/s" (of a
	 * class: "... class NAME", as the policy file says it) or the
	 * module's table; the keys only on the events of connection limits
	 */
	if (e->verdict == NF_EGRESS_EVENT_CONNLIMIT ||
	    e->verdict == NF_EGRESS_EVENT_WOULD_CONNLIMIT) {
		print_u64_opt(&p, PRINT_ANY, "conn_max", " conn max %" PRIu64,
			      e->conn_max != 0, e->conn_max);
		print_u64_opt(&p, PRINT_ANY, "conn_rate",
			      " conn rate %" PRIu64 "/s", e->conn_rate != 0,
			      e->conn_rate);
		/* a valid class name (the decoder's word): one safe word */
		print_string(&p, PRINT_ANY, "conn_class",
			     e->conn_max || e->conn_rate ? " class %s" :
							   " conn class %s",
			     e->conn_class);
		print_json_bool(&p, "conn_table_full", e->conn_table_full);
		if (e->conn_table_full)
			print_text(&p, " conn table-full");
	}
	print_string(&p, PRINT_JSON, "family", NULL,
		     e->family == AF_INET ? "ipv4" : "ipv6");
	if (proto && e->proto)
		print_string(&p, PRINT_ANY, "proto", " %s", proto);
	else
		print_u64(&p, PRINT_ANY, "proto", " proto %" PRIu64, e->proto);

	print_json_addr(&p, "src", e->family, e->has_saddr, e->saddr);
	print_json_addr(&p, "dst", e->family, e->has_daddr, e->daddr);
	print_u64_opt(&p, PRINT_JSON, "sport", NULL, e->has_ports, e->sport);
	print_u64_opt(&p, PRINT_JSON, "dport", NULL, e->has_ports, e->dport);
	if (text) {
		format_addr(src, sizeof(src), e->family, e->has_saddr,
			    e->saddr);
		format_addr(dst, sizeof(dst), e->family, e->has_daddr,
			    e->daddr);
		format_endpoint(from, sizeof(from), src, e->family,
				e->has_ports, e->sport);
		format_endpoint(to, sizeof(to), dst, e->family, e->has_ports,
				e->dport);
		fprintf(text, " %s -> %s", from, to);
	}

	print_u64_opt(&p, PRINT_ANY, "pid", " pid %" PRIu64, e->has_pid,
		      e->pid);
	print_string(&p, PRINT_JSON, "comm", NULL, e->comm);
	if (text && e->has_pid && e->comm) {
		fputs(" comm ", text);
		event_write_word(text, e->comm);
	}
	print_u64(&p, PRINT_JSON, "suppressed", NULL, e->suppressed);
	if (e->suppressed)
		print_text(&p, " suppressed %llu",
			   (unsigned long long)e->suppressed);
	print_nl(&p);
	print_close_object(&p);
	printer_finish(&p);
}

void quota_event_print(FILE *out, const struct egress_quota_event_msg *e,
		       bool json)
{
	const struct egress_quota_msg *q = &e->quota;
	const struct egress_quota_spec *spec = &q->spec;
	char when[64], text[EGRESS_QUOTA_STRLEN];
	bool used_up = q->crossed >= 100;
	struct printer p;
	FILE *tstream;

	format_time(when, sizeof(when), e->time_ns);
	format_quota_spec(spec, text, sizeof(text));
	printer_init(&p, out, json);
	tstream = print_text_stream(&p);

	print_open_object(&p, NULL);
	print_u64(&p, PRINT_JSON, "time_ns", NULL, e->time_ns);
	print_string(&p, PRINT_ANY, "time", "%s", when);
	print_string(&p, PRINT_ANY, "event", " %s ", "quota");
	print_string(&p, PRINT_JSON, "policy", NULL, e->path);
	if (tstream)
		write_path(tstream, e->path, false);
	/* an instance's template; the key only then, as events have it */
	if (e->template) {
		print_string(&p, PRINT_JSON, "template", NULL, e->template);
		if (tstream) {
			fputs(" template ", tstream);
			write_path(tstream, e->template, false);
		}
	}
	print_string(&p, PRINT_JSON, "class", NULL,
		     spec->class_name[0] ? spec->class_name : NULL);
	print_json_bool(&p, "used_up", used_up);
	if (used_up)
		print_text(&p, " used-up");
	print_u64(&p, PRINT_ANY, "crossed", used_up ? NULL : " warn %" PRIu64 "%%",
		  q->crossed);
	print_u64(&p, PRINT_ANY, "used", " used %" PRIu64, q->used);
	print_u64(&p, PRINT_ANY, "limit", " of %" PRIu64, spec->limit);
	print_string(&p, PRINT_JSON, "period", NULL,
		     quota_period_name(spec->period));
	print_u64(&p, PRINT_JSON, "period_start", NULL,
		  q->period_start > 0 ? (uint64_t)q->period_start : 0);
	print_u64(&p, PRINT_JSON, "period_end", NULL,
		  q->period_end > 0 ? (uint64_t)q->period_end : 0);
	print_string(&p, PRINT_ANY, "action",
		     used_up ? " then %s" : NULL, quota_action_name(spec->action));
	print_string(&p, PRINT_ANY, "quota", " (%s)", text);
	print_nl(&p);
	print_close_object(&p);
	printer_finish(&p);
}

/*
 * The start of an instance's event: "TIME EVENT CGROUP template PATTERN",
 * and the object's first keys.
 */
static void print_instance_head(struct printer *p, const char *event,
				uint64_t time_ns, const char *path,
				const char *template)
{
	FILE *text = print_text_stream(p);
	char when[64];

	format_time(when, sizeof(when), time_ns);
	print_open_object(p, NULL);
	print_u64(p, PRINT_JSON, "time_ns", NULL, time_ns);
	print_string(p, PRINT_ANY, "time", "%s", when);
	print_string(p, PRINT_ANY, "event", " %s ", event);
	print_string(p, PRINT_JSON, "cgroup", NULL, path);
	print_string(p, PRINT_JSON, "template", NULL, template);
	if (text) {
		write_path(text, path, false);
		fputs(" template ", text);
		write_path(text, template, false);
	}
}

void instance_event_print(FILE *out, const struct egress_instance_event_msg *e,
			  bool json)
{
	struct printer p;

	printer_init(&p, out, json);
	print_instance_head(&p, "no-instance", e->time_ns, e->path, e->template);
	print_u64_opt(&p, PRINT_ANY, "instances_max", " instances-max %" PRIu64,
		      e->has_instances_max, e->instances_max);
	print_nl(&p);
	print_close_object(&p);
	printer_finish(&p);
}

/* " allowed P/B" in the text, "allowed":{"packets":P,"bytes":B} in JSON. */
static void print_counter(struct printer *p, const char *key,
			  const char *word, const struct egress_counter *c)
{
	print_open_object(p, key);
	print_u64(p, PRINT_JSON, "packets", NULL, c->packets);
	print_u64(p, PRINT_JSON, "bytes", NULL, c->bytes);
	print_close_object(p);
	print_text(p, " %s %" PRIu64 "/%" PRIu64, word, c->packets, c->bytes);
}

/*
 * The health of a health nest: its object (key "health") in JSON, its
 * words in the text.  Without the memory for its buckets, without them.
 */
static void print_health(struct printer *p, enum print_kind kind,
			 const struct egress_health_msg *m)
{
	struct rtt_bucket *b = NULL;
	FILE *text = print_text_stream(p);
	size_t n = 0;

	if (kind == PRINT_JSON ? !p->json : !text)
		return;
	if (m->nbuckets) {
		b = calloc(m->nbuckets, sizeof(*b));
		if (b) {
			egress_health_buckets(m, b);
			n = m->nbuckets;
		}
	}
	if (p->json) {
		json_key(&p->j, "health");
		health_json(&p->j, &m->h, b, n);
	} else {
		health_text(text, &m->h, b, n);
	}
	free(b);
}

/* " class NAME P/B", NAME:{"packets":P,"bytes":B}: the class nests' order. */
static int print_class(const struct egress_class_msg *c, void *data)
{
	struct printer *p = data;

	print_text(p, " class");
	print_counter(p, c->name, c->name, &c->ctr);
	return 0;
}

void instance_gone_print(FILE *out, const struct egress_instance_gone_msg *e,
			 bool json)
{
	const struct egress_policy_counters *c = &e->counters;
	struct printer p;

	printer_init(&p, out, json);
	print_instance_head(&p, "instance-gone", e->time_ns, e->path,
			    e->template);
	/* the counters as stats -j has them */
	print_counter(&p, "allowed", "allowed", &c->allowed);
	print_counter(&p, "denied", "denied", &c->denied);
	print_counter(&p, "would_deny", "would-deny", &c->would_deny);
	print_counter(&p, "ratelimited", "ratelimited", &c->ratelimited);
	print_counter(&p, "shaped", "shaped", &c->shaped);
	print_open_object(&p, "classes");
	/* validated by the decoder: no error */
	egress_stats_for_each_class(e->nlh, print_class, &p);
	print_close_object(&p);
	print_u64_opt(&p, PRINT_JSON, "reset_time", NULL, c->has_reset_time,
		      c->reset_time);
	/* the words before hit-rules, the object after hit_rules */
	if (c->has_health)
		print_health(&p, PRINT_TEXT, &c->health);
	print_u64(&p, PRINT_ANY, "hit_rules", " hit-rules %" PRIu64,
		  e->hit_rules);
	/* the key only then, as the attribute */
	if (e->has_hit_rules_omitted)
		print_u64(&p, PRINT_ANY, "hit_rules_omitted", " omitted %" PRIu64,
			  e->hit_rules_omitted);
	if (c->has_health)
		print_health(&p, PRINT_JSON, &c->health);
	print_nl(&p);
	print_close_object(&p);
	printer_finish(&p);
}

struct gone_rule_output {
	FILE *out;
	bool json;
	const struct egress_instance_gone_msg *e;
};

/* One rule of an instance gone: its own line or JSON object. */
static int print_gone_rule(uint64_t index, const struct egress_rule_msg *r,
			   void *data)
{
	const struct gone_rule_output *o = data;
	struct printer p;

	printer_init(&p, o->out, o->json);
	print_instance_head(&p, "instance-gone-rule", o->e->time_ns,
			    o->e->path, o->e->template);
	print_u64(&p, PRINT_JSON, "index", NULL, index);
	print_text(&p, " ");
	print_open_object(&p, "rule");
	print_rule(&p, r->id, &r->spec);
	print_close_object(&p);
	print_u64(&p, PRINT_ANY, "packets", " packets %" PRIu64,
		  r->stats.packets);
	print_u64(&p, PRINT_ANY, "bytes", " bytes %" PRIu64, r->stats.bytes);
	print_nl(&p);
	print_close_object(&p);
	printer_finish(&p);
	return 0;
}

void instance_gone_rules_print(FILE *out,
			       const struct egress_instance_gone_msg *e,
			       bool json)
{
	struct gone_rule_output o = { out, json, e };

	/* validated by the decoder: no error */
	egress_instance_gone_for_each_rule(e, print_gone_rule, &o);
}
