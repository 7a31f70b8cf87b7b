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

#include <stdbool.h>
#include <stdio.h>

#include "msg.h"

/*
 * An event as its text line or (json) its JSON object on one line, with
 * the newline (see egressctl(8)).  The policy of an instance is followed
 * by "template PATTERN" ("template" in JSON).  In the text a cut cgroup path ends in
 * "/..." (the root: "/..."), and a path whose own last component is "..."
 * shows it as "\x2e.." so the two cannot be confused.
 */
void event_print(FILE *out, const struct egress_event_msg *e, bool json);

/*
 * A quota event as its text line or JSON object, with the newline:
 * "TIME quota POLICY warn 50% used 2560 of 5000 (QUOTA)" for a warning,
 * "... used-up used 5000 of 5000 then deny (QUOTA)" for the limit.
 */
void quota_event_print(FILE *out, const struct egress_quota_event_msg *e,
		       bool json);

/*
 * An instance event as its text line or JSON object, with the newline:
 * "TIME no-instance CGROUP template PATTERN instances-max N": the cgroup
 * got no instance of the template (it has N already, or there was no
 * memory) and is judged by the template's own rules.
 */
void instance_event_print(FILE *out, const struct egress_instance_event_msg *e,
			  bool json);

/*
 * The counters message of an instance gone as its text line or JSON
 * object, with the newline: "TIME instance-gone CGROUP template PATTERN
 * allowed P/B denied P/B would-deny P/B ratelimited P/B shaped P/B [class
 * NAME P/B]... [HEALTH] hit-rules N [omitted N]" (one line; packets and
 * bytes, exact; the classes in the order the module sends them; HEALTH
 * the words of health_text, when the message has the instance's health):
 * the instance's last counters, and how many rules' hits follow in rules
 * messages (and were left out of them).  The JSON object has the counters
 * as stats -j has them, "reset_time", "hit_rules", only when some were
 * left out "hit_rules_omitted", and the "health" object (health_json)
 * when the message has it.
 */
void instance_gone_print(FILE *out, const struct egress_instance_gone_msg *e,
			 bool json);

/*
 * A rules message of an instance gone: one text line or JSON object for
 * each rule, with the newline: "TIME instance-gone-rule CGROUP template
 * PATTERN rule ID SPEC packets N bytes M" (SPEC the rule's canonical
 * text); {"time_ns", "time", "event", "cgroup", "template", "index" (the
 * rule's place in the series), "rule" (the rule object of show -j),
 * "packets", "bytes"}: the instance's hits of the template's rule.
 */
void instance_gone_rules_print(FILE *out,
			       const struct egress_instance_gone_msg *e,
			       bool json);

/*
 * s as one word of a text line.  Printable ASCII and valid UTF-8 pass
 * through, except: backslash becomes "\\"; space, control characters, DEL,
 * bytes that are not valid UTF-8 and the bytes of the invisible and
 * direction-changing characters of utf8_invisible() (json.h) become "\xHH"
 * each.  The empty string is written as "".
 */
void event_write_word(FILE *out, const char *s);

#endif /* EGRESSCTL_EVENT_H */
