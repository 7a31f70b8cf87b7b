// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the policy file parser: any input must either parse
 * or fail with a FILE:LINE:COL message, never crash; and what parses must
 * format to text that parses to the same text again (the show --config
 * round trip, templates and their "instances max" included, and each
 * policy's connection limits of distinct classes, sorted).  The
 * template warnings of check -f run on every file that parses, each one a
 * FILE:LINE:COL line naming a path both templates match.
 * make fuzz; fuzz/fuzz_policyfile fuzz/corpus/
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "policyfile.h"

static char *format_set(const struct pf_set *set, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (!f)
		abort();
	pf_format(f, set);
	fclose(f);
	return text;
}

/*
 * The connection limits of all the policies; each policy's of distinct
 * classes (or none) with valid names, sorted, each with a limit.
 */
static size_t count_conns(const struct pf_set *set)
{
	size_t i, k, n = 0;

	for (i = 0; i < set->npolicies; i++) {
		const struct pf_policy *pol = &set->policies[i];

		for (k = 0; k < pol->nconns; k++) {
			const struct egress_conn *c = &pol->conns[k].conn;

			if ((c->class_name[0] && !valid_class_name(c->class_name)) ||
			    (!c->has_max && !c->has_rate) ||
			    (k && egress_conn_cmp(&pol->conns[k - 1].conn, c) >= 0))
				abort();
		}
		n += pol->nconns;
	}
	return n;
}

/* A warning: "fuzz:L:C: warning: ..." on one line. */
static void check_warning(const char *text, void *arg)
{
	(void)arg;
	if (strncmp(text, "fuzz:", 5) || !strstr(text, ": warning: ") ||
	    strchr(text, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_set set, again;
	struct pf_error err;
	char *out, *out2;
	size_t len, len2;

	if (pf_parse("fuzz", (const char *)data, size, &set, &err)) {
		/* errors always carry a position */
		if (strncmp(err.text, "fuzz:", 5) && strcmp(err.text, "out of memory"))
			abort();
		return 0;
	}
	if (pf_template_warnings("fuzz", &set, check_warning, NULL) < 0)
		abort();
	pf_set_sort(&set);
	out = format_set(&set, &len);
	if (pf_parse("formatted", out, len, &again, &err))
		abort();	/* our own output must parse */
	out2 = format_set(&again, &len2);
	if (len != len2 || memcmp(out, out2, len))
		abort();	/* and format identically */
	if (again.nrules != set.nrules || again.npolicies != set.npolicies ||
	    again.ntemplates != set.ntemplates ||
	    count_conns(&again) != count_conns(&set))
		abort();
	free(out);
	free(out2);
	pf_set_free(&again);
	pf_set_free(&set);
	return 0;
}
