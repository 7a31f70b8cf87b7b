/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal streaming JSON writer.  Callers describe the structure (object,
 * array, key, value); the writer places commas and escapes strings, so
 * output is always well-formed when begin/end calls are balanced.
 */
#ifndef EGRESSCTL_JSON_H
#define EGRESSCTL_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json *j, FILE *out);
void json_begin_object(struct json *j);
void json_end_object(struct json *j);
void json_begin_array(struct json *j);
void json_end_array(struct json *j);
void json_key(struct json *j, const char *key);
void json_string(struct json *j, const char *s);
void json_u64(struct json *j, uint64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* key + value in one call, for the common object-member case */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_u64(struct json *j, const char *key, uint64_t v);
void json_kv_bool(struct json *j, const char *key, bool v);
/* key + v when has, else key + null */
void json_kv_u64_or_null(struct json *j, const char *key, bool has,
			 uint64_t v);
/*
 * v rounded to decimals (at most 9) places, without trailing zeros
 * ("1250", "0.5", "-0.25"); null when v is not finite.
 */
void json_fixed(struct json *j, double v, int decimals);
void json_kv_fixed(struct json *j, const char *key, double v, int decimals);
/* key + s, or key + null when s is NULL */
void json_kv_string_or_null(struct json *j, const char *key, const char *s);

/*
 * Write s as a quoted JSON string.  Valid UTF-8 passes through; control
 * characters and bytes that are not valid UTF-8 become \u00XX escapes so the
 * output always parses (cgroup names are arbitrary bytes), and the
 * characters utf8_invisible() names become \uXXXX escapes, so that JSON
 * shown on a terminal cannot hide or reorder text either.
 */
void json_write_escaped(FILE *out, const char *s);

/*
 * Length of the valid UTF-8 sequence at s (1 for ASCII), or 0 if s does
 * not start one (stray continuation byte, overlong form, surrogate, beyond
 * U+10FFFF, truncated by the NUL).
 */
int utf8_seq_len(const unsigned char *s);

/* The code point of the valid n-byte UTF-8 sequence at s. */
uint32_t utf8_code_point(const unsigned char *s, int n);

/*
 * Valid characters that must not reach a terminal raw all the same: C1
 * controls, and the invisible and direction-changing ones with which a
 * name could make a line read differently from what it holds (zero-width
 * and bidi controls, line and paragraph separators, soft hyphen).
 */
bool utf8_invisible(uint32_t cp);

#endif /* EGRESSCTL_JSON_H */
