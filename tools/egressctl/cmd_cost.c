// SPDX-License-Identifier: GPL-2.0
/* egressctl cost [--price-file FILE] [--period this|last] [-j] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "dump.h"
#include "egressctl.h"

int cmd_cost(struct egctl *ctl, int argc, char **argv)
{
	struct dump_state st = { .ctl = ctl };
	struct price_table prices, *t = NULL;
	const char *file = NULL, *period = "this";
	struct cost_row *rows;
	char err_text[512];
	size_t n;
	bool last;
	int i, err, ret = EXIT_OK;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			ctl->json = true;
		} else if (!strcmp(a, "--price-file")) {
			if (i + 1 == argc || !argv[i + 1][0])
				return cmd_errorf(ctl, "missing FILE after '%s'", a);
			file = argv[++i];
		} else if (!strcmp(a, "--period")) {
			if (i + 1 == argc)
				return cmd_errorf(ctl, "missing 'this' or 'last' after '%s'", a);
			period = argv[++i];
		} else {
			return cmd_errorf(ctl, "unexpected argument '%.64s'", a);
		}
	}
	if (strcmp(period, "this") && strcmp(period, "last"))
		return cmd_errorf(ctl, "expected 'this' or 'last' after '--period', got '%.64s'",
				  period);
	last = !strcmp(period, "last");
	if (file) {
		char *buf;
		size_t len;

		err = read_input_file(file, &buf, &len);
		if (err)
			return errorf("cost: cannot read %s: %s", file, strerror(-err));
		err = price_table_parse(file, buf, len, &prices, err_text,
					sizeof(err_text));
		free(buf);
		if (err)
			return errorf("%s", err_text);
		t = &prices;
	}
	if (egctl_connect(ctl)) {
		ret = EXIT_KERNEL;
		goto out;
	}
	err = dump_policies(&st);
	if (err) {
		dump_state_free(&st);
		ret = report_nl_error(ctl, "cost", err);
		goto out;
	}
	if (cost_rows(&st, last, t, &rows, &n)) {
		dump_state_free(&st);
		ret = errorf("cost: %s", strerror(ENOMEM));
		goto out;
	}
	if (ctl->json)
		cost_print_json(stdout, rows, n, last,
				t && t->unit_bytes != 1000000000ull ? "GiB" : "GB");
	else if (cost_print_text(stdout, rows, n, t != NULL,
				 t && t->unit_bytes != 1000000000ull ? "GiB" : "GB"))
		ret = errorf("cost: %s", strerror(ENOMEM));
	free(rows);
	dump_state_free(&st);
out:
	if (t)
		price_table_free(t);
	return ret;
}
