// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdarg.h>

#include "output.h"
#include "parse.h"

void printer_init(struct printer *p, FILE *out, bool json)
{
	p->out = out;
	p->json = json;
	json_init(&p->j, out);
}

static bool print_wants(const struct printer *p, enum print_kind kind)
{
	return kind == PRINT_ANY || (kind == PRINT_JSON) == p->json;
}

static void print_container(struct printer *p, const char *key, bool object)
{
	if (!p->json)
		return;
	if (key)
		json_key(&p->j, key);
	if (object)
		json_begin_object(&p->j);
	else
		json_begin_array(&p->j);
}

void print_open_object(struct printer *p, const char *key)
{
	print_container(p, key, true);
}

void print_close_object(struct printer *p)
{
	if (p->json)
		json_end_object(&p->j);
}

void print_open_array(struct printer *p, const char *key)
{
	print_container(p, key, false);
}

void print_close_array(struct printer *p)
{
	if (p->json)
		json_end_array(&p->j);
}

static void print_json_key(struct printer *p, const char *key)
{
	if (key)
		json_key(&p->j, key);
}

void print_string(struct printer *p, enum print_kind kind, const char *key,
		  const char *fmt, const char *value)
{
	if (!print_wants(p, kind))
		return;
	if (p->json) {
		print_json_key(p, key);
		if (value)
			json_string(&p->j, value);
		else
			json_null(&p->j);
	} else if (fmt && value) {
		fprintf(p->out, fmt, value);
	}
}

void print_u64(struct printer *p, enum print_kind kind, const char *key,
	       const char *fmt, uint64_t value)
{
	print_u64_opt(p, kind, key, fmt, true, value);
}

void print_u64_opt(struct printer *p, enum print_kind kind, const char *key,
		   const char *fmt, bool has, uint64_t value)
{
	if (!print_wants(p, kind))
		return;
	if (p->json) {
		print_json_key(p, key);
		if (has)
			json_u64(&p->j, value);
		else
			json_null(&p->j);
	} else if (fmt && has) {
		fprintf(p->out, fmt, value);
	}
}

void print_json_bool(struct printer *p, const char *key, bool value)
{
	if (!p->json)
		return;
	print_json_key(p, key);
	json_bool(&p->j, value);
}

void print_text(struct printer *p, const char *fmt, ...)
{
	va_list ap;

	if (p->json)
		return;
	va_start(ap, fmt);
	vfprintf(p->out, fmt, ap);
	va_end(ap);
}

FILE *print_text_stream(struct printer *p)
{
	return p->json ? NULL : p->out;
}

void print_nl(struct printer *p)
{
	if (!p->json)
		fputc('\n', p->out);
}

void printer_finish(struct printer *p)
{
	if (p->json)
		fputc('\n', p->out);
}

void print_rule(struct printer *p, uint32_t id,
		const struct egress_rule_spec *spec)
{
	char text[EGRESS_RULE_STRLEN], cidr[EGRESS_CIDR_STRLEN];

	print_u64(p, PRINT_ANY, "id", "rule %" PRIu64, id);
	print_string(p, PRINT_JSON, "action", NULL, verdict_name(spec->action));
	if (proto_name(spec->proto))
		print_string(p, PRINT_JSON, "proto", NULL,
			     proto_name(spec->proto));
	else
		print_u64(p, PRINT_JSON, "proto", NULL, spec->proto);
	if (spec->fields & EGRESS_SPEC_TO) {
		format_prefix(&spec->to, cidr, sizeof(cidr));
		print_string(p, PRINT_JSON, "to", NULL, cidr);
	}
	if (spec->fields & EGRESS_SPEC_PORT) {
		print_open_array(p, "ports");
		print_u64(p, PRINT_JSON, NULL, NULL, spec->port_min);
		print_u64(p, PRINT_JSON, NULL, NULL, spec->port_max);
		print_close_array(p);
	}
	if (spec->fields & EGRESS_SPEC_CLASS)
		print_string(p, PRINT_JSON, "class", NULL, spec->class_name);
	format_rule_spec(spec, text, sizeof(text));
	print_string(p, PRINT_ANY, "rule", " %s", text);
}
