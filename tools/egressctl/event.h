/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output of egressctl monitor: one text line or one JSON object per
 * decoded event (msg.h).  Pure functions over a FILE, so the unit tests and
 * the fuzz_event harness run them on handcrafted and random events.
 *
 * Cgroup and command names are chosen by whoever owns a delegated cgroup
 * subtree or runs a task: the text line shows them escaped, so no byte of
 * theirs reaches a terminal as a control, and each stays one word.
 */
#ifndef EGRESSCTL_EVENT_H
#define EGRESSCTL_EVENT_H

#include <stdio.h>

#include "msg.h"

/*
 * The text line of an event, with its newline (see egressctl(8)).  A cut
 * cgroup path ends in "/..." (the root: "/..."); a path whose own last
 * component is "..." shows it as "\x2e.." so the two cannot be confused.
 */
void event_print_text(FILE *out, const struct egress_event_msg *e);

/* The JSON object of an event, on one line, with its newline. */
void event_print_json(FILE *out, const struct egress_event_msg *e);

/*
 * s as one word of a text line.  Printable ASCII and valid UTF-8 pass
 * through, except: backslash becomes "\\"; space, control characters, DEL,
 * bytes that are not valid UTF-8 and the bytes of the invisible and
 * direction-changing characters of utf8_invisible() (json.h) become "\xHH"
 * each.  The empty string is written as "".
 */
void event_write_word(FILE *out, const char *s);

#endif /* EGRESSCTL_EVENT_H */
