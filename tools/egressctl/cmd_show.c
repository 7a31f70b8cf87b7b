// SPDX-License-Identifier: GPL-2.0
/* egressctl show [--config] [PATH], egressctl stats [PATH] */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "egressctl.h"
#include "json.h"
#include "msg.h"
#include "policyfile.h"
#include "table.h"

struct rule_entry {
	char *path;
	uint32_t id;
	struct egress_rule_spec spec;
};

struct policy_entry {
	char *path;
	bool has_default, has_mode;
	uint8_t default_verdict;
	uint8_t mode;
	struct rule_entry *rules;	/* slice of show_state.rules */
	size_t nrules;
};

struct stats_entry {
	char *path;
	struct egress_counter allowed, denied, would_deny;
	bool has_mode;
	uint8_t mode;
};

/*
 * Everything one attempt of a dump collected, plus what is needed to tell
 * whether all of it came from one generation of the policy set.
 */
struct dump_state {
	struct egctl *ctl;
	const char *filter;		/* normalised PATH or NULL */
	int error;			/* -ENOMEM from the collectors */

	bool have_generation;
	uint32_t generation;
	bool generation_changed;

	struct policy_entry *policies;
	size_t npolicies, policies_cap;
	struct rule_entry *rules;
	size_t nrules, rules_cap;
	struct stats_entry *stats;
	size_t nstats, stats_cap;
};

/* Grow *arr to hold one more element of size elem. */
static void *grow(void **arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *p = realloc(*arr, ncap * elem);

		if (!p)
			return NULL;
		*arr = p;
		*cap = ncap;
	}
	return (char *)*arr + (*n)++ * elem;
}

static void dump_state_reset(struct dump_state *st)
{
	size_t i;

	for (i = 0; i < st->npolicies; i++)
		free(st->policies[i].path);
	for (i = 0; i < st->nrules; i++)
		free(st->rules[i].path);
	for (i = 0; i < st->nstats; i++)
		free(st->stats[i].path);
	st->npolicies = st->nrules = st->nstats = 0;
	st->error = 0;
	st->have_generation = false;
	st->generation_changed = false;
}

static void dump_state_free(struct dump_state *st)
{
	dump_state_reset(st);
	free(st->policies);
	free(st->rules);
	free(st->stats);
}

static void note_generation(struct dump_state *st, bool has, uint32_t gen)
{
	if (!has)
		return;
	if (st->have_generation && st->generation != gen)
		st->generation_changed = true;
	st->have_generation = true;
	st->generation = gen;
}

/* The kernel may or may not filter by path; we always do. */
static bool filtered_out(const struct dump_state *st, const char *path)
{
	return st->filter && strcmp(st->filter, path);
}

static int policy_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	struct egress_policy_msg m;
	struct policy_entry *p;

	if (egress_decode_policy(nlh, &m))
		return -EBADMSG;
	note_generation(st, m.has_generation, m.generation);
	if (filtered_out(st, m.path))
		return 0;
	p = grow((void **)&st->policies, &st->npolicies, &st->policies_cap,
		 sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p, 0, sizeof(*p));
	p->path = strdup(m.path);
	if (!p->path) {
		st->npolicies--;
		return -ENOMEM;
	}
	p->has_default = m.has_default;
	p->default_verdict = m.default_verdict;
	p->has_mode = m.has_mode;
	p->mode = m.mode;
	return 0;
}

static int rule_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	struct egress_rule_msg m;
	struct rule_entry *r;

	if (egress_decode_rule(nlh, &m))
		return -EBADMSG;
	note_generation(st, m.has_generation, m.generation);
	if (filtered_out(st, m.path))
		return 0;
	r = grow((void **)&st->rules, &st->nrules, &st->rules_cap, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->path = strdup(m.path);
	if (!r->path) {
		st->nrules--;
		return -ENOMEM;
	}
	r->id = m.id;
	r->spec = m.spec;
	return 0;
}

static int stats_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	struct egress_stats_msg m;
	struct stats_entry *s;

	if (egress_decode_stats(nlh, &m))
		return -EBADMSG;
	if (filtered_out(st, m.path))
		return 0;
	s = grow((void **)&st->stats, &st->nstats, &st->stats_cap, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->path = strdup(m.path);
	if (!s->path) {
		st->nstats--;
		return -ENOMEM;
	}
	s->allowed = m.allowed;
	s->denied = m.denied;
	s->would_deny = m.would_deny;
	s->has_mode = m.has_mode;
	s->mode = m.mode;
	return 0;
}

static int cmp_policy(const void *a, const void *b)
{
	return strcmp(((const struct policy_entry *)a)->path,
		      ((const struct policy_entry *)b)->path);
}

static int cmp_rule(const void *a, const void *b)
{
	const struct rule_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_stats(const void *a, const void *b)
{
	return strcmp(((const struct stats_entry *)a)->path,
		      ((const struct stats_entry *)b)->path);
}

/* Sort both lists and hang each policy's rules (a run of st->rules) on it. */
static void attach_rules(struct dump_state *st)
{
	size_t i = 0, p;

	if (st->npolicies)
		qsort(st->policies, st->npolicies, sizeof(*st->policies),
		      cmp_policy);
	if (st->nrules)
		qsort(st->rules, st->nrules, sizeof(*st->rules), cmp_rule);

	/* Merge walk; rules of policies missing from the list are skipped. */
	for (p = 0; p < st->npolicies; p++) {
		struct policy_entry *pol = &st->policies[p];

		while (i < st->nrules && strcmp(st->rules[i].path, pol->path) < 0)
			i++;
		pol->rules = &st->rules[i];
		while (i < st->nrules && !strcmp(st->rules[i].path, pol->path)) {
			pol->nrules++;
			i++;
		}
	}
}

static struct nlmsghdr *build_dump(struct egctl *ctl, uint8_t cmd,
				   const char *filter)
{
	struct nlmsghdr *nlh = egctl_msg(ctl, cmd, 0);

	if (filter && egress_put_path(nlh, NL_SEND_BUF_SIZE, filter))
		return NULL;
	return nlh;
}

/*
 * One attempt at a consistent snapshot: both dumps, one generation.
 * Returns -EINTR when the attempt should be retried.
 */
static int show_collect(struct egctl *ctl, struct dump_state *st)
{
	struct nlmsghdr *nlh;
	int err;

	dump_state_reset(st);

	/*
	 * The UAPI documents no filter for the POLICY_GET dump, so take all
	 * policies and filter here.
	 */
	nlh = build_dump(ctl, NF_EGRESS_CMD_POLICY_GET, NULL);
	err = nl_dump_once(ctl->nl, nlh, policy_msg_cb, st);
	if (err)
		return err;
	if (st->filter && st->npolicies == 0)
		return -ENOENT;

	nlh = build_dump(ctl, NF_EGRESS_CMD_RULE_GET, st->filter);
	if (!nlh)
		return -EMSGSIZE;
	err = nl_dump_once(ctl->nl, nlh, rule_msg_cb, st);
	/* the filtered policy went away between the two dumps: start over */
	if (err == -ENOENT && st->filter)
		return -EINTR;
	if (err)
		return err;
	if (st->generation_changed)
		return -EINTR;
	return 0;
}

static void show_print_json(const struct dump_state *st)
{
	char text[EGRESS_RULE_STRLEN], cidr[EGRESS_CIDR_STRLEN];
	struct json j;
	size_t p, r;

	json_init(&j, stdout);
	json_begin_array(&j);
	for (p = 0; p < st->npolicies; p++) {
		const struct policy_entry *pol = &st->policies[p];

		json_begin_object(&j);
		json_kv_string(&j, "cgroup", pol->path);
		if (pol->has_mode)
			json_kv_string(&j, "mode", mode_name(pol->mode));
		if (pol->has_default)
			json_kv_string(&j, "default",
				       verdict_name(pol->default_verdict));
		json_key(&j, "rules");
		json_begin_array(&j);
		for (r = 0; r < pol->nrules; r++) {
			const struct rule_entry *rule = &pol->rules[r];

			json_begin_object(&j);
			json_kv_u64(&j, "id", rule->id);
			json_kv_string(&j, "action",
				       verdict_name(rule->spec.action));
			if (proto_name(rule->spec.proto))
				json_kv_string(&j, "proto",
					       proto_name(rule->spec.proto));
			else
				json_kv_u64(&j, "proto", rule->spec.proto);
			if (rule->spec.fields & EGRESS_SPEC_TO) {
				format_prefix(&rule->spec.to, cidr, sizeof(cidr));
				json_kv_string(&j, "to", cidr);
			}
			if (rule->spec.fields & EGRESS_SPEC_PORT) {
				json_key(&j, "ports");
				json_begin_array(&j);
				json_u64(&j, rule->spec.port_min);
				json_u64(&j, rule->spec.port_max);
				json_end_array(&j);
			}
			if (rule->spec.fields & EGRESS_SPEC_CLASS)
				json_kv_string(&j, "class",
					       rule->spec.class_name);
			format_rule_spec(&rule->spec, text, sizeof(text));
			json_kv_string(&j, "rule", text);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	putchar('\n');
}

static void show_print_text(const struct dump_state *st)
{
	char text[EGRESS_RULE_STRLEN];
	size_t p, r;

	for (p = 0; p < st->npolicies; p++) {
		const struct policy_entry *pol = &st->policies[p];

		printf("policy %s", pol->path);
		if (pol->has_mode)
			printf(" mode %s", mode_name(pol->mode));
		if (pol->has_default)
			printf(" default %s", verdict_name(pol->default_verdict));
		putchar('\n');
		for (r = 0; r < pol->nrules; r++) {
			format_rule_spec(&pol->rules[r].spec, text, sizeof(text));
			printf("  rule %" PRIu32 " %s\n", pol->rules[r].id, text);
		}
	}
}

/* "show" or "show /t1", for error messages */
static void describe_cmd(char *buf, size_t len, const char *cmd,
			 const char *filter)
{
	if (filter)
		snprintf(buf, len, "%s %.64s", cmd, filter);
	else
		snprintf(buf, len, "%s", cmd);
}

static int parse_optional_path(struct egctl *ctl, int argc, char **argv,
			       char *path, const char **filter)
{
	*filter = NULL;
	if (argc == 0)
		return 0;
	if (parse_path_arg(ctl, argc, argv, path) ||
	    check_no_more_args(ctl, argc - 1, argv + 1))
		return EXIT_FAIL;
	*filter = path;
	return 0;
}

/*
 * The live set in the policy file format: policies by path, rules by id
 * (the order they were added in, so applying the output keeps it).
 */
static int show_print_config(const struct dump_state *st)
{
	struct pf_set set;
	size_t p, r;
	int err = 0;

	pf_set_init(&set);
	for (p = 0; p < st->npolicies && !err; p++) {
		const struct policy_entry *pe = &st->policies[p];
		struct pf_policy *pol;

		pol = pf_set_add_policy(&set, pe->path,
					pe->has_mode ? pe->mode : NF_EGRESS_MODE_ENFORCE,
					pe->has_default ? pe->default_verdict
							: NF_EGRESS_VERDICT_DENY);
		if (!pol) {
			err = -ENOMEM;
			break;
		}
		for (r = 0; r < pe->nrules; r++)
			if (pf_policy_add_rule(&set, pol, &pe->rules[r].spec)) {
				err = -ENOMEM;
				break;
			}
	}
	/* st is sorted already; pf_format keeps the order */
	if (!err && pf_format(stdout, &set))
		err = -EBADMSG;
	pf_set_free(&set);
	return err;
}

int cmd_show(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };
	bool config = false;
	int attempt, err = -EINTR;

	if (argc > 0 && !strcmp(argv[0], "--config")) {
		config = true;
		argc--;
		argv++;
	}
	if (parse_optional_path(ctl, argc, argv, path, &st.filter) ||
	    egctl_connect(ctl))
		return EXIT_FAIL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	for (attempt = 0; attempt < NL_DUMP_ATTEMPTS && err == -EINTR; attempt++)
		err = show_collect(ctl, &st);
	if (err == -ENOENT && st.filter && st.npolicies == 0) {
		dump_state_free(&st);
		return errorf("%s: no such policy", what);
	}
	if (err) {
		dump_state_free(&st);
		return report_nl_error(ctl, what, err);
	}

	attach_rules(&st);
	err = 0;
	if (config)
		err = show_print_config(&st);
	else if (ctl->json)
		show_print_json(&st);
	else
		show_print_text(&st);
	dump_state_free(&st);
	if (err == -EBADMSG)
		return errorf("%s: the kernel reported a rule that cannot be written as text",
			      what);
	if (err)
		return errorf("%s: %s", what, strerror(-err));
	return EXIT_OK;
}

static struct nlmsghdr *build_stats_dump(struct nl_ctx *nl, void *data)
{
	struct dump_state *st = data;

	(void)nl;
	return build_dump(st->ctl, NF_EGRESS_CMD_STATS_GET, st->filter);
}

static void stats_dump_reset(void *data)
{
	dump_state_reset(data);
}

static void stats_print_json(const struct dump_state *st)
{
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_begin_array(&j);
	for (i = 0; i < st->nstats; i++) {
		const struct stats_entry *s = &st->stats[i];

		json_begin_object(&j);
		json_kv_string(&j, "cgroup", s->path);
		if (s->has_mode)
			json_kv_string(&j, "mode", mode_name(s->mode));
		json_key(&j, "allowed");
		json_begin_object(&j);
		json_kv_u64(&j, "packets", s->allowed.packets);
		json_kv_u64(&j, "bytes", s->allowed.bytes);
		json_end_object(&j);
		json_key(&j, "denied");
		json_begin_object(&j);
		json_kv_u64(&j, "packets", s->denied.packets);
		json_kv_u64(&j, "bytes", s->denied.bytes);
		json_end_object(&j);
		json_key(&j, "would_deny");
		json_begin_object(&j);
		json_kv_u64(&j, "packets", s->would_deny.packets);
		json_kv_u64(&j, "bytes", s->would_deny.bytes);
		json_end_object(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	putchar('\n');
}

static int stats_print_text(const struct dump_state *st)
{
	static const char *const headers[] = {
		"CGROUP", "ALLOWED_PKTS", "ALLOWED_BYTES",
		"DENIED_PKTS", "DENIED_BYTES", "WOULD_DENY_PKTS",
		"WOULD_DENY_BYTES",
	};
	static const bool numeric[] = { false, true, true, true, true, true, true };
	struct table t;
	size_t i;

	if (table_init(&t, 7, headers, numeric))
		return -ENOMEM;
	for (i = 0; i < st->nstats; i++) {
		const struct stats_entry *s = &st->stats[i];
		char num[6][24];
		const char *row[7] = { s->path, num[0], num[1], num[2], num[3],
				       num[4], num[5] };

		snprintf(num[0], sizeof(num[0]), "%" PRIu64, s->allowed.packets);
		snprintf(num[1], sizeof(num[1]), "%" PRIu64, s->allowed.bytes);
		snprintf(num[2], sizeof(num[2]), "%" PRIu64, s->denied.packets);
		snprintf(num[3], sizeof(num[3]), "%" PRIu64, s->denied.bytes);
		snprintf(num[4], sizeof(num[4]), "%" PRIu64, s->would_deny.packets);
		snprintf(num[5], sizeof(num[5]), "%" PRIu64, s->would_deny.bytes);
		if (table_add_row(&t, row)) {
			table_free(&t);
			return -ENOMEM;
		}
	}
	table_print(&t, stdout);
	table_free(&t);
	return 0;
}

int cmd_stats(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };
	int err;

	if (parse_optional_path(ctl, argc, argv, path, &st.filter) ||
	    egctl_connect(ctl))
		return EXIT_FAIL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	err = nl_dump(ctl->nl, build_stats_dump, stats_msg_cb,
		      stats_dump_reset, &st);
	if (!err && st.filter && st.nstats == 0) {
		dump_state_free(&st);
		return errorf("%s: no such policy", what);
	}
	if (err) {
		dump_state_free(&st);
		return report_nl_error(ctl, what, err);
	}

	if (st.nstats)
		qsort(st.stats, st.nstats, sizeof(*st.stats), cmp_stats);
	if (ctl->json)
		stats_print_json(&st);
	else
		err = stats_print_text(&st);
	dump_state_free(&st);
	if (err)
		return errorf("%s: %s", what, strerror(-err));
	return EXIT_OK;
}
