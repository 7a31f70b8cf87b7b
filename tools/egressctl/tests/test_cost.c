// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of egressctl cost: the price file, and the rows and
 * figures for a known set of quotas.  TAP.
 */
#include <stdlib.h>
#include <string.h>

#include "cost.h"
#include "tap.h"

static void bad(const char *in, const char *want)
{
	struct price_table t;
	char err[256] = "";
	int ret = price_table_parse("p.txt", in, strlen(in), &t, err,
				    sizeof(err));

	if (!ok(ret < 0 && !strcmp(err, want), "error: %s", want))
		diag("ret %d got '%s'", ret, err);
	if (!ret)
		price_table_free(&t);
}

static struct egress_quota_msg quota(const char *cls, uint64_t used,
				     uint64_t last, int64_t start)
{
	struct egress_quota_msg m = { 0 };

	m.spec.limit = 1ull << 40;
	m.spec.period = NF_EGRESS_QUOTA_PERIOD_MONTH;
	strcpy(m.spec.class_name, cls);
	m.used = used;
	m.last_used = last;
	m.period_start = start;
	m.period_end = start + 100;
	return m;
}

int main(void)
{
	const char *text = "# prices\nunit GB\ninternet 0.09 # per GB\n"
			   "internal 0\n\ndefault 0.02\n";
	struct egress_quota_msg qa[3], qb[1];
	struct policy_entry pols[2] = { 0 };
	struct dump_state st = { 0 };
	struct price_table t;
	struct cost_row *rows;
	char err[256], buf[32];
	size_t n;

	tap_start();
	ok(!price_table_parse("p.txt", text, strlen(text), &t, err, sizeof(err)) &&
	   t.unit_bytes == 1000000000ull && t.has_default &&
	   t.default_micro == 20000 && price_of(&t, "internet") == 90000 &&
	   price_of(&t, "internal") == 0 && price_of(&t, "other") == 20000 &&
	   price_of(&t, "") == 20000, "a price file parses");

	/*
	 * /a: 10 GB in all this month, 3 GB of them internet, 1 GB internal
	 * under a weekly quota (another period: not subtracted); /b: a class
	 * quota only.
	 */
	qa[0] = quota("", 10000000000ull, 7, 1000);
	qa[1] = quota("internet", 3000000000ull, 5, 1000);
	qa[2] = quota("internal", 1000000000ull, 0, 2000);
	qb[0] = quota("internet", 123456789, 0, 1000);
	pols[0].path = "/a";
	pols[0].quotas = qa;
	pols[0].nquotas = 3;
	pols[1].path = "/b";
	pols[1].quotas = qb;
	pols[1].nquotas = 1;
	st.policies = pols;
	st.npolicies = 2;
	ok(!cost_rows(&st, false, &t, &rows, &n) && n == 4, "four rows");
	ok(rows[0].bytes == 7000000000ull && rows[0].cost_micro == 140000 &&
	   !rows[0].class_name[0], "/a's other bytes: 7 GB at 0.02 = 0.14");
	ok(rows[1].bytes == 3000000000ull && rows[1].cost_micro == 270000,
	   "/a internet: 3 GB at 0.09 = 0.27");
	ok(rows[2].bytes == 1000000000ull && rows[2].cost_micro == 0,
	   "/a internal: free");
	ok(rows[3].bytes == 123456789 && rows[3].cost_micro == 11111,
	   "/b internet: 123456789 bytes at 0.09 = 0.011111 (rounded)");
	format_micro(rows[3].cost_micro, buf, sizeof(buf));
	ok(!strcmp(buf, "0.011111"), "format_micro");
	free(rows);
	rows = NULL;
	ok(!cost_rows(&st, true, &t, &rows, &n) && n == 4 &&
	   rows[0].bytes == 2 && rows[1].bytes == 5, "--period last");
	free(rows);
	price_table_free(&t);

	{
		struct cost_row big[3] = {
			{ .bytes = UINT64_MAX - 1, .cost_micro = 5 },
			{ .bytes = 1, .cost_micro = UINT64_MAX - 5 },
			{ .bytes = 1, .cost_micro = 0 },
		};
		struct cost_total tot;

		cost_total(big, 2, &tot);
		ok(!tot.bytes_overflow && tot.bytes == UINT64_MAX &&
		   !tot.cost_overflow && tot.cost_micro == UINT64_MAX,
		   "totals up to 2^64 - 1 are exact");
		cost_total(big, 3, &tot);
		ok(tot.bytes_overflow && !tot.cost_overflow,
		   "a byte total over 64 bits says so");
	}

	bad("internet\n", "p.txt:1: expected 'CLASS PRICE', 'default PRICE' or 'unit GB|GiB'");
	bad("internet 0.0000001\n", "p.txt:1: invalid price '0.0000001' (a decimal with up to 6 places, at most 1000000)");
	bad("internet -1\n", "p.txt:1: invalid price '-1' (a decimal with up to 6 places, at most 1000000)");
	bad("a 1\na 2\n", "p.txt:2: class a given more than once");
	bad("unit TB\n", "p.txt:1: invalid unit 'TB' (GB or GiB)");
	bad("default 1\ndefault 2\n", "p.txt:2: 'default' given more than once");
	bad("bad/c 1\n", "p.txt:1: invalid class name 'bad/c'");
	return tap_end();
}
