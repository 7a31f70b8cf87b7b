// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the word-list parsers of the command line and the
 * policy file: rule specs ("allow tcp to 10.0.0.0/8 port 443 class x"),
 * explain packets ("10.0.5.1 proto tcp port 443") and rate limits ("rate
 * 50mbit burst 256k police").  The input is split into words at spaces,
 * tabs, newlines and NULs, and every parser sees the same words.  Any input
 * must parse or fail with a message naming a word in range, never crash;
 * a parsed rule or rate must format to canonical text that parses to the
 * same rule or rate and formats identically.  make fuzz; ./fuzz_rulespec
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define MAX_WORDS 64

/* Split text (modified) into words; returns their count. */
static int split(char *text, char **argv)
{
	int argc = 0;
	char *tok, *save = NULL;

	for (tok = strtok_r(text, " \t\n", &save); tok && argc < MAX_WORDS;
	     tok = strtok_r(NULL, " \t\n", &save))
		argv[argc++] = tok;
	return argc;
}

static void check_err(int rc, const struct parse_error *err, int argc)
{
	if (memchr(err->msg, '\0', sizeof(err->msg)) == NULL)
		abort();
	if (!rc)
		return;
	if (err->kind == PARSE_OK || err->msg[0] == '\0')
		abort();
	/* the policy file parser turns err->word into a column */
	if (err->word < -1 || err->word > argc)
		abort();
}

static void fuzz_rule(int argc, char **argv)
{
	struct egress_rule_spec spec, again;
	char text[EGRESS_RULE_STRLEN], text2[EGRESS_RULE_STRLEN];
	char copy[EGRESS_RULE_STRLEN], *words[MAX_WORDS];
	struct parse_error err;
	int rc = parse_rule_spec(argc, argv, &spec, &err), n;

	check_err(rc, &err, argc);
	if (rc)
		return;
	if (format_rule_spec(&spec, text, sizeof(text)) >= (int)sizeof(text))
		abort();
	memcpy(copy, text, sizeof(copy));
	n = split(copy, words);
	if (parse_rule_spec(n, words, &again, &err))
		abort();	/* our canonical text must parse */
	if (!rule_spec_same_match(&spec, &again) || spec.action != again.action ||
	    rule_spec_match_hash(&spec) != rule_spec_match_hash(&again))
		abort();
	format_rule_spec(&again, text2, sizeof(text2));
	if (strcmp(text, text2))
		abort();
}

static void fuzz_packet(int argc, char **argv)
{
	struct egress_packet pkt;
	struct parse_error err;
	int rc = parse_packet_spec(argc, argv, &pkt, &err);

	check_err(rc, &err, argc);
	if (!rc && pkt.family != AF_INET && pkt.family != AF_INET6)
		abort();
}

static void fuzz_rate(int argc, char **argv)
{
	struct egress_rate r, again;
	char text[EGRESS_RATE_STRLEN], text2[EGRESS_RATE_STRLEN];
	char copy[EGRESS_RATE_STRLEN], *words[MAX_WORDS];
	struct parse_error err;
	int used, n;

	if (argc < 1 || (strcmp(argv[0], "rate") && strcmp(argv[0], "pps")))
		return;		/* parse.h: argv[0] must be one of them */
	used = parse_rate_spec(argc, argv, &r, &err);
	if (used < 0) {
		check_err(-1, &err, argc);
		return;
	}
	if (used == 0 || used > argc)
		abort();
	if (format_rate_spec(&r, text, sizeof(text)) >= (int)sizeof(text))
		abort();
	memcpy(copy, text, sizeof(copy));
	n = split(copy, words);
	if (parse_rate_spec(n, words, &again, &err) != n)
		abort();	/* the whole canonical text is the limit */
	format_rate_spec(&again, text2, sizeof(text2));
	if (strcmp(text, text2))
		abort();
	if (again.none != r.none || again.has_bytes != r.has_bytes ||
	    again.has_pps != r.has_pps || again.mode != r.mode ||
	    (r.has_bytes && again.bytes_per_sec != r.bytes_per_sec) ||
	    (r.has_pps && again.pps != r.pps) ||
	    (r.has_burst && again.burst != r.burst))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *argv[MAX_WORDS];
	size_t i;
	int argc;

	if (!text)
		return 0;
	for (i = 0; i < size; i++)
		text[i] = data[i] ? (char)data[i] : ' ';
	text[size] = '\0';
	argc = split(text, argv);
	fuzz_rule(argc, argv);
	fuzz_packet(argc, argv);
	fuzz_rate(argc, argv);
	free(text);
	return 0;
}
