/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One code path for text and JSON output, in the style of iproute2's
 * print_*(PRINT_ANY, ...): a renderer describes each value once, with its
 * JSON key and its text format, and the printer writes whichever form the
 * user asked for (-j).  Values that exist in one form only are printed with
 * PRINT_JSON or PRINT_TEXT; JSON containers leave no trace in the text.
 * For tables (the stats view) see table.h.
 */
#ifndef EGRESSCTL_OUTPUT_H
#define EGRESSCTL_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"

enum print_kind {
	PRINT_ANY,	/* both forms */
	PRINT_JSON,	/* the JSON member only */
	PRINT_TEXT,	/* the text only */
};

struct printer {
	FILE *out;
	bool json;
	struct json j;
};

void printer_init(struct printer *p, FILE *out, bool json);

/*
 * JSON containers: key names the member (NULL at the top level and inside
 * arrays).  The text has no containers.
 */
void print_open_object(struct printer *p, const char *key);
void print_close_object(struct printer *p);
void print_open_array(struct printer *p, const char *key);
void print_close_array(struct printer *p);

/*
 * A string value.  fmt is the text's printf format with one %s for the
 * value (NULL: nothing in the text).  A NULL value is JSON null and leaves
 * the text out.
 */
void print_string(struct printer *p, enum print_kind kind, const char *key,
		  const char *fmt, const char *value);

/* A number: fmt has one PRIu64 conversion. */
void print_u64(struct printer *p, enum print_kind kind, const char *key,
	       const char *fmt, uint64_t value);

/* The number when has, else JSON null and nothing in the text. */
void print_u64_opt(struct printer *p, enum print_kind kind, const char *key,
		   const char *fmt, bool has, uint64_t value);

/* A JSON boolean (the text has no booleans of its own). */
void print_json_bool(struct printer *p, const char *key, bool value);

/* Text only, printf-style. */
void print_text(struct printer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Text only: the stream, for writers of escaped words. NULL in JSON. */
FILE *print_text_stream(struct printer *p);

/* The end of a text line (nothing in JSON, which is one line). */
void print_nl(struct printer *p);

/* The end of the output: the newline after the JSON document. */
void printer_finish(struct printer *p);

struct egress_rule_spec;

/*
 * A rule as show has it: "rule ID SPEC" in the text (SPEC its canonical
 * text, format_rule_spec), and in JSON the members of show -j's rule
 * object: "id", "action", "proto" (a name, or a number), "to", "ports"
 * ([min, max]) and "class" when it has them, and its text as "rule".  The
 * caller opens the object and writes what goes before the text.
 */
void print_rule(struct printer *p, uint32_t id,
		const struct egress_rule_spec *spec);

#endif /* EGRESSCTL_OUTPUT_H */
