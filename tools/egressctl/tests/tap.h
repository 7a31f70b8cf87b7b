/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny TAP 13 producer for the host unit tests.  The plan is printed at
 * the end ("1..N" trailing plan is valid TAP), so tests need no counting.
 */
#ifndef EGRESSCTL_TAP_H
#define EGRESSCTL_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_n, tap_failed;

static void tap_start(void)
{
	printf("TAP version 13\n");
}

static bool __attribute__((format(printf, 2, 3), unused)) ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

static void __attribute__((format(printf, 1, 2), unused)) diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void __attribute__((format(printf, 1, 2), unused)) skip(const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("ok %d - # SKIP ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* What fn(f, arg) writes to f, in a string to free. */
static __attribute__((unused)) char *
tap_capture(void (*fn)(FILE *, const void *), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	fn(f, arg);
	fclose(f);
	return text;
}

static int tap_end(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		diag("%d of %d tests failed", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif /* EGRESSCTL_TAP_H */
