// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "table.h"

int table_init(struct table *t, int ncols, const char *const *headers,
	       const bool *right_align)
{
	int c;

	memset(t, 0, sizeof(*t));
	if (ncols < 1 || ncols > TABLE_MAX_COLS)
		return -1;
	t->ncols = ncols;
	for (c = 0; c < ncols; c++)
		t->right_align[c] = right_align ? right_align[c] : false;
	return table_add_row(t, headers);
}

int table_add_row(struct table *t, const char *const *cells)
{
	int c;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **n = realloc(t->cells,
				   cap * (size_t)t->ncols * sizeof(*n));

		if (!n)
			return -1;
		t->cells = n;
		t->cap = cap;
	}
	for (c = 0; c < t->ncols; c++) {
		char *dup = strdup(cells[c] ? cells[c] : "");

		if (!dup) {
			while (c-- > 0)
				free(t->cells[t->nrows * (size_t)t->ncols + (size_t)c]);
			return -1;
		}
		t->cells[t->nrows * (size_t)t->ncols + (size_t)c] = dup;
	}
	t->nrows++;
	return 0;
}

size_t table_col_width(const struct table *t, int c)
{
	size_t r, width = 0;

	for (r = 0; r < t->nrows; r++) {
		size_t w = strlen(t->cells[r * (size_t)t->ncols + (size_t)c]);

		if (w > width)
			width = w;
	}
	return width;
}

void table_print(const struct table *t, FILE *out)
{
	table_print_indented(t, out, 0);
}

void table_print_indented(const struct table *t, FILE *out, int indent)
{
	size_t width[TABLE_MAX_COLS] = { 0 };
	size_t r;
	int c;

	for (c = 0; c < t->ncols; c++)
		width[c] = table_col_width(t, c);

	for (r = 0; r < t->nrows; r++) {
		fprintf(out, "%*s", indent, "");
		for (c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * (size_t)t->ncols + (size_t)c];
			bool last = c == t->ncols - 1;
			int w = (int)width[c];

			if (c)
				fputs("  ", out);
			if (t->right_align[c])
				fprintf(out, "%*s", w, cell);
			else if (last)
				fputs(cell, out);
			else
				fprintf(out, "%-*s", w, cell);
		}
		fputc('\n', out);
	}
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
