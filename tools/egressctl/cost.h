/* SPDX-License-Identifier: GPL-2.0 */
/*
 * egressctl cost: bytes and their cost per policy and class for a quota
 * period, from the quotas' usage and a price table.  Pure functions over
 * dump entries and buffers, unit-tested.
 *
 * The price file:
 *
 *   # class     price per GB
 *   unit GB                 # or GiB; GB (10^9 bytes) when left out
 *   internet    0.09
 *   internal    0
 *   default     0.02        # every byte of no listed class
 *
 * Prices are decimals with up to 6 places, at most 1000000 per unit.
 *
 * The rows come from the quotas, which are what counts bytes per period:
 * one row per class quota (its class's price), and one row "-" per quota
 * of all a policy's bytes, for its bytes that no class quota of the same
 * period counted (the default price).  A policy without a quota has no
 * row: give it one with "then notify" to meter it.
 */
#ifndef EGRESSCTL_COST_H
#define EGRESSCTL_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dump.h"

#define COST_PRICE_MAX_MICRO	(1000000ull * 1000000ull)

struct price_entry {
	char class_name[NF_EGRESS_CLASS_NAME_MAX];	/* "": the default */
	uint64_t micro;			/* price per unit, millionths */
};

struct price_table {
	uint64_t unit_bytes;		/* 10^9 or 2^30 */
	bool has_default;
	uint64_t default_micro;
	struct price_entry *entries;
	size_t n;
};

/* Parse a price file; 0, or -1 with "NAME:LINE: message" in err. */
int price_table_parse(const char *name, const char *buf, size_t len,
		      struct price_table *t, char *err, size_t errlen);
void price_table_free(struct price_table *t);
/* The price of a class ("" or unlisted: the default, 0 without one). */
uint64_t price_of(const struct price_table *t, const char *class_name);

struct cost_row {
	const char *path;		/* into the dump */
	const char *class_name;		/* "": the policy's other bytes */
	uint8_t period;			/* enum nf_egress_quota_period */
	uint64_t bytes;
	uint64_t price_micro;
	uint64_t cost_micro;		/* bytes * price / unit, rounded */
};

/*
 * The rows of st's policies for the current period (last: the one before),
 * priced by t (NULL: bytes only, every price 0).  *rows is malloc'ed.
 * -ENOMEM or 0.
 */
int cost_rows(const struct dump_state *st, bool last,
	      const struct price_table *t, struct cost_row **rows, size_t *n);

/* The rows' sums; a sum over 64 bits is not kept, and says so. */
struct cost_total {
	uint64_t bytes;
	uint64_t cost_micro;
	bool bytes_overflow;
	bool cost_overflow;
};

void cost_total(const struct cost_row *rows, size_t n, struct cost_total *tot);

/* "12.345678" for millionths. */
int format_micro(uint64_t micro, char *buf, size_t len);

/* The cost table (with_prices: the price and cost columns) or JSON. */
int cost_print_text(FILE *out, const struct cost_row *rows, size_t n,
		    bool with_prices, const char *unit);
void cost_print_json(FILE *out, const struct cost_row *rows, size_t n,
		     bool last, const char *unit);

#endif /* EGRESSCTL_COST_H */
