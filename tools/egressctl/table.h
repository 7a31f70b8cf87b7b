/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Aligned text tables: rows are collected first so column widths can be
 * computed from the widest cell before anything is printed.
 */
#ifndef EGRESSCTL_TABLE_H
#define EGRESSCTL_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#define TABLE_MAX_COLS	20

struct table {
	int ncols;
	bool right_align[TABLE_MAX_COLS];
	size_t nrows, cap;
	char **cells;		/* nrows * ncols strdup'ed cells */
};

/* headers: ncols column titles; right_align: numeric columns */
int table_init(struct table *t, int ncols, const char *const *headers,
	       const bool *right_align);
/* Append a row; printf-free: the cells are copied. */
int table_add_row(struct table *t, const char *const *cells);
/* Columns separated by two spaces, no trailing blanks. */
void table_print(const struct table *t, FILE *out);
/* The same, each line preceded by indent spaces. */
void table_print_indented(const struct table *t, FILE *out, int indent);
/* Width of column c: its widest cell, header included. */
size_t table_col_width(const struct table *t, int c);
void table_free(struct table *t);

#endif /* EGRESSCTL_TABLE_H */
