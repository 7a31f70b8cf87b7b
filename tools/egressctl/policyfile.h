/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy files (egressctl apply/check -f, show --config): a pure parser and
 * formatter, no netlink and no I/O beyond the FILE the formatter writes, so
 * they can be unit-tested and fuzzed.  See Documentation/policy-file.rst.
 *
 *   # comment
 *   cgroup "/system.slice/nginx.service" {
 *           mode enforce;
 *           default deny;
 *           rate 50mbit burst 256k police;
 *           quota 2t per month warn 80% then rate 10mbit;
 *           allow tcp to 10.0.0.0/8 port 443 class internal;
 *   }
 *   cgroup "/system.slice/app-*.service" {  # a template (pattern.h)
 *           instances max 200;
 *           instances keep 10m;
 *           allow udp to 10.0.0.53 port 53;
 *   }
 *
 * The parser is linear in the size of the input: duplicate cgroups and
 * duplicate rules are found with hash tables, so a file of a million rules
 * parses in about a second.
 */
#ifndef EGRESSCTL_POLICYFILE_H
#define EGRESSCTL_POLICYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"
#include "quotaspec.h"

/* A position in the file: 1-based line and column (bytes; a tab is 1). */
struct pf_loc {
	uint32_t line, col;
};

/*
 * A connection limit of a block: its "conn max" and "conn rate" statements
 * of one class (or of none), merged, and where each is (0:0 when not
 * given).
 */
struct pf_conn {
	struct egress_conn conn;
	struct pf_loc max_loc, rate_loc;
};

struct pf_policy {
	char *path;			/* normalised; a pattern: a template */
	size_t seq;			/* in the order added (file order) */
	uint8_t mode;			/* enum nf_egress_mode, enforce if not given */
	uint8_t default_verdict;	/* deny if not given */
	bool has_mode, has_default;	/* given in the file */
	bool has_rate;			/* a rate statement (maybe "rate none") */
	struct egress_rate rate;	/* with has_rate; none: no limit */
	struct pf_loc loc, mode_loc, default_loc, rate_loc;
	/*
	 * "conn max N [class NAME];" and "conn rate N/s [burst N] [class
	 * NAME];": one limit without a class and one per class at most, in
	 * the order first given (pf_set_sort: in egress_conn_cmp's)
	 */
	struct pf_conn *conns;
	size_t nconns, conns_cap;
	uint32_t instances_max;		/* a template's; 0: not given */
	struct pf_loc instances_loc;
	bool has_instances_keep;	/* a template's "instances keep" */
	uint32_t instances_keep;	/* with it: seconds */
	struct pf_loc keep_loc;
	/* In file order; at most one a class and one for all bytes. */
	struct egress_quota_spec *quotas;
	struct pf_loc *quota_locs;	/* where each starts; may be NULL */
	size_t nquotas;
	struct egress_rule_spec *rules;	/* in file order */
	struct pf_loc *rule_locs;	/* where each rule starts; may be NULL */
	size_t nrules, rules_cap;
};

struct pf_set {
	struct pf_policy *policies;	/* in file order until pf_set_sort */
	size_t npolicies, policies_cap;
	size_t ntemplates;		/* of them, blocks of a pattern */
	size_t nrules;			/* over all policies */
};

struct pf_error {
	struct pf_loc loc;
	char msg[300];			/* the message alone */
	char text[640];			/* "FILE:LINE:COL: message" */
};

/*
 * Parse len bytes of buf (need not be NUL-terminated) into set (which is
 * initialised here).  name is what error messages call the file; "-" is
 * shown as "<stdin>".  Returns 0, or -1 with err filled in and set empty;
 * the first error in the file wins.
 */
int pf_parse(const char *name, const char *buf, size_t len,
	     struct pf_set *set, struct pf_error *err);

void pf_set_init(struct pf_set *set);
void pf_set_free(struct pf_set *set);

/* Building a set by hand (show --config).  NULL / -1 on ENOMEM. */
struct pf_policy *pf_set_add_policy(struct pf_set *set, const char *path,
				    uint8_t mode, uint8_t default_verdict);
int pf_policy_add_rule(struct pf_set *set, struct pf_policy *pol,
		       const struct egress_rule_spec *spec);
int pf_policy_add_quota(struct pf_policy *pol,
			const struct egress_quota_spec *quota);
/* A connection limit: of a class the policy has no limit of yet. */
int pf_policy_add_conn(struct pf_policy *pol, const struct egress_conn *conn);

/*
 * Order policies by path (byte order), then the templates in the order
 * they take precedence (pattern.h; seq breaks ties); rules keep their
 * order; each policy's connection limits as egress_conn_cmp has them (the
 * one without a class first, then by class).  Applying the result creates
 * the templates in that order, so ties go the same way.
 */
void pf_set_sort(struct pf_set *set);

/*
 * What check -f warns about in a parsed file (name as for pf_parse):
 * every two templates that can both match the same cgroup, said at the
 * later block, with a path both match and the one that wins, and every
 * block of an exact path that a template matches too (the exact path
 * wins):
 *
 *   FILE:L:C: warning: templates "B" and "A" (at L:C) can both match the
 *     same cgroup, such as "PATH": "A" wins (fewer wildcards)
 *   FILE:L:C: warning: template "A" (at L:C) also matches "PATH": this
 *     exact path wins for that cgroup
 *
 * (each one line) in the order of their positions, each passed to fn.
 * Returns how many, or -ENOMEM.
 */
int pf_template_warnings(const char *name, const struct pf_set *set,
			 void (*fn)(const char *text, void *arg), void *arg);

/*
 * Write set in the canonical policy file format: policies in set order,
 * separated by one blank line, tab indentation, mode and default always
 * written, a template's "instances max N" and "instances keep TIME"
 * unless they are the defaults, then the rate limit if there is one (not
 * for "rate none"), the connection limits (for each in set order, "conn
 * max" then "conn rate", with " class NAME" last for a class's; no burst
 * equal to the rate), the quotas, the rules.  Parsing the output gives
 * the same set.  Returns 0 or -1 if a rule cannot be formatted.
 */
int pf_format(FILE *out, const struct pf_set *set);

/* Write path as a quoted policy file string (" and \ escaped). */
void pf_write_string(FILE *out, const char *s);

#endif /* EGRESSCTL_POLICYFILE_H */
