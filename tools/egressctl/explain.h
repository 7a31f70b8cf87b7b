/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The output of egressctl explain: the kernel's answer (msg.h), level by
 * level, as text or JSON (see egressctl(8)), and why the template of a
 * level won it.  Pure functions over data and a FILE, unit-tested in
 * test_netlink.
 */
#ifndef EGRESSCTL_EXPLAIN_H
#define EGRESSCTL_EXPLAIN_H

#include <stdbool.h>
#include <stdio.h>

#include "dump.h"
#include "msg.h"
#include "parse.h"
#include "pattern.h"

/* Has some level of m a template, and so a decision to look for? */
bool explain_has_templates(const struct egress_explain_msg *m);

/*
 * Why the template of each template level of m won it, from st, a
 * POLICY_GET dump of the live set (dump_policies): why[i] (one per level)
 * as pattern_decide has it among st's templates (its policies whose path
 * is a pattern; not its instances), in the order of the dump.  matches is
 * 0, nothing known, where that cannot be told: st was taken from another
 * generation of the set than m, the template is no longer listed or no
 * longer the first that matches, no memory; and on the other levels.
 * why[] points into st.
 */
void explain_decide(const struct egress_explain_msg *m,
		    const struct dump_state *st,
		    struct pattern_decision *why);

/*
 * The answer m for a packet from the cgroup path to addr, with the
 * newline.  A level of a template's says so after its path: "PATH
 * (template PATTERN)", and why that template won when why (NULL, or one
 * per level) knows it, the template level's decision (pattern_decide;
 * matches 0: unknown):
 *
 *   (template PATTERN; the only template that matches)
 *   (template PATTERN; beats OTHER (REASON))
 *   (template PATTERN; beats OTHER (REASON) and N more)
 *
 * REASON is pattern_reason_live_text()'s, OTHER the runner-up, N how many
 * more templates match.  In JSON a template's level alone has
 * "template_matches" (null: unknown) and "template_reason" (null, or
 * {"beats": OTHER, "by": REASON}).
 */
void explain_print(FILE *out, const char *path, const char *addr,
		   const struct egress_packet *pkt,
		   const struct egress_explain_msg *m,
		   const struct pattern_decision *why, bool json);

#endif /* EGRESSCTL_EXPLAIN_H */
