/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output of egressctl show and show --config: pure renderers of a
 * dump_policies() snapshot (dump.h) into a FILE, unit-tested in test_dump
 * on forged replies.
 */
#ifndef EGRESSCTL_SHOW_H
#define EGRESSCTL_SHOW_H

#include <stdbool.h>
#include <stdio.h>

#include "dump.h"

/*
 * One line per policy and template and per rule, or (json) an array of
 * them.  An instance is shown when asked for by its path; with
 * instances, each template's follow it, one line ("  instance PATH") or
 * object ({"cgroup": PATH}) each, and an instance whose template is not
 * listed on its own.  with_stats: each rule's packets and bytes.
 */
void show_print(FILE *out, const struct dump_state *st, bool with_stats,
		bool instances, bool json);

/*
 * The live set in the policy file format: policies by path, then the
 * templates in the order they take precedence (ties in the order the
 * kernel lists them, which is the order they were created in), rules by
 * id (the order they were added in, so applying the output keeps it).
 * Instances are the kernel's own: never written.  0, -ENOMEM, or
 * -EBADMSG when a rule cannot be written as text.
 */
int show_print_config(FILE *out, const struct dump_state *st);

#endif /* EGRESSCTL_SHOW_H */
