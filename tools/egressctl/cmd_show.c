// SPDX-License-Identifier: GPL-2.0
/* egressctl show [--config|--stats] [PATH] */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "egressctl.h"
#include "output.h"
#include "msg.h"
#include "dump.h"
#include "policyfile.h"
#include "report.h"

static void show_print_rate(struct printer *p, const struct policy_entry *pol)
{
	const struct egress_rate *rt = &pol->rate;
	bool shape = rt->mode == NF_EGRESS_RATE_SHAPE;
	char rate[EGRESS_RATE_STRLEN];

	if (!pol->has_rate) {
		print_string(p, PRINT_JSON, "rate", NULL, NULL);
		return;
	}
	format_rate_spec(rt, rate, sizeof(rate));
	print_text(p, " %s", rate);
	print_open_object(p, "rate");
	print_u64_opt(p, PRINT_JSON, "bytes_per_sec", NULL, rt->has_bytes,
		      rt->bytes_per_sec);
	print_u64_opt(p, PRINT_JSON, "burst", NULL, rt->has_burst, rt->burst);
	print_u64_opt(p, PRINT_JSON, "pps", NULL, rt->has_pps, rt->pps);
	print_string(p, PRINT_JSON, "mode", NULL, rate_mode_name(rt->mode));
	/* shape mode only; null for police */
	print_u64_opt(p, PRINT_JSON, "queue", NULL, rt->has_queue && shape,
		      rt->queue_limit);
	print_u64_opt(p, PRINT_JSON, "latency_us", NULL,
		      rt->has_latency && shape, rt->latency_us);
	print_close_object(p);
}

/*
 * A quota with its usage: the canonical text, then "(used X of LIMIT, N%,
 * until END)" and "used up" once the limit is reached.
 */
static void show_print_quota(struct printer *p, const struct egress_quota_msg *q)
{
	const struct egress_quota_spec *s = &q->spec;
	char text[EGRESS_QUOTA_STRLEN], used[32], limit[32], end[40];
	bool used_up = q->used >= s->limit;
	uint8_t i;

	print_open_object(p, NULL);
	format_quota_spec(s, text, sizeof(text));
	print_string(p, PRINT_ANY, "quota", "  %s", text);
	print_u64(p, PRINT_JSON, "limit", NULL, s->limit);
	print_string(p, PRINT_JSON, "period", NULL, quota_period_name(s->period));
	print_string(p, PRINT_JSON, "class", NULL,
		     s->class_name[0] ? s->class_name : NULL);
	print_open_array(p, "warn");
	for (i = 0; i < s->nwarn; i++)
		print_u64(p, PRINT_JSON, NULL, NULL, s->warn[i]);
	print_close_array(p);
	print_string(p, PRINT_JSON, "action", NULL, quota_action_name(s->action));
	print_u64_opt(p, PRINT_JSON, "rate", NULL,
		      s->action == NF_EGRESS_QUOTA_ACTION_RATE, s->rate);
	print_string(p, PRINT_JSON, "exempt_class", NULL,
		     s->exempt_class[0] ? s->exempt_class : NULL);
	print_u64(p, PRINT_JSON, "used", NULL, q->used);
	print_u64(p, PRINT_JSON, "last_used", NULL, q->last_used);
	print_u64(p, PRINT_JSON, "period_start", NULL,
		  q->period_start > 0 ? (uint64_t)q->period_start : 0);
	print_u64(p, PRINT_JSON, "period_end", NULL,
		  q->period_end > 0 ? (uint64_t)q->period_end : 0);
	print_json_bool(p, "used_up", used_up);
	fmt_bytes_human(q->used, used, sizeof(used));
	fmt_bytes_human(s->limit, limit, sizeof(limit));
	fmt_utc_time(q->period_end > 0 ? (uint64_t)q->period_end : 0, end,
		     sizeof(end));
	print_text(p, "  (used %s of %s, %" PRIu64 "%%, until %s)%s", used,
		   limit, (uint64_t)((unsigned __int128)q->used * 100 / s->limit),
		   end, used_up ? " used up" : "");
	print_nl(p);
	print_close_object(p);
}

static void show_print_rule(struct printer *p, const struct rule_entry *rule,
			    bool with_stats)
{
	char text[EGRESS_RULE_STRLEN], cidr[EGRESS_CIDR_STRLEN];
	const struct egress_rule_spec *spec = &rule->spec;

	print_open_object(p, NULL);
	print_u64(p, PRINT_ANY, "id", "  rule %" PRIu64, rule->id);
	print_string(p, PRINT_JSON, "action", NULL, verdict_name(spec->action));
	if (proto_name(spec->proto))
		print_string(p, PRINT_JSON, "proto", NULL,
			     proto_name(spec->proto));
	else
		print_u64(p, PRINT_JSON, "proto", NULL, spec->proto);
	if (spec->fields & EGRESS_SPEC_TO) {
		format_prefix(&spec->to, cidr, sizeof(cidr));
		print_string(p, PRINT_JSON, "to", NULL, cidr);
	}
	if (spec->fields & EGRESS_SPEC_PORT) {
		print_open_array(p, "ports");
		print_u64(p, PRINT_JSON, NULL, NULL, spec->port_min);
		print_u64(p, PRINT_JSON, NULL, NULL, spec->port_max);
		print_close_array(p);
	}
	if (spec->fields & EGRESS_SPEC_CLASS)
		print_string(p, PRINT_JSON, "class", NULL, spec->class_name);
	format_rule_spec(spec, text, sizeof(text));
	print_string(p, PRINT_ANY, "rule", " %s", text);
	if (with_stats && rule->has_stats) {
		char pk[32], by[32];

		print_u64(p, PRINT_JSON, "packets", NULL, rule->stats.packets);
		print_u64(p, PRINT_JSON, "bytes", NULL, rule->stats.bytes);
		fmt_count_human(rule->stats.packets, pk, sizeof(pk));
		fmt_bytes_human(rule->stats.bytes, by, sizeof(by));
		print_text(p, "  (%s pkts, %s)", pk, by);
	}
	print_nl(p);
	print_close_object(p);
}

/* One line per policy and per rule, or (json) an array of policies. */
static void show_print(const struct dump_state *st, bool with_stats,
		       bool json)
{
	struct printer p;
	size_t i, r;

	printer_init(&p, stdout, json);
	print_open_array(&p, NULL);
	for (i = 0; i < st->npolicies; i++) {
		const struct policy_entry *pol = &st->policies[i];

		print_open_object(&p, NULL);
		print_string(&p, PRINT_ANY, "cgroup", "policy %s", pol->path);
		if (pol->has_mode)
			print_string(&p, PRINT_ANY, "mode", " mode %s",
				     mode_name(pol->mode));
		if (pol->has_default)
			print_string(&p, PRINT_ANY, "default", " default %s",
				     verdict_name(pol->default_verdict));
		show_print_rate(&p, pol);
		print_nl(&p);
		print_open_array(&p, "quotas");
		for (r = 0; r < pol->nquotas; r++)
			show_print_quota(&p, &pol->quotas[r]);
		print_close_array(&p);
		print_open_array(&p, "rules");
		for (r = 0; r < pol->nrules; r++)
			show_print_rule(&p, &pol->rules[r], with_stats);
		print_close_array(&p);
		print_close_object(&p);
	}
	print_close_array(&p);
	printer_finish(&p);
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
		pol->has_rate = pe->has_rate;
		pol->rate = pe->rate;
		for (r = 0; r < pe->nquotas && !err; r++) {
			if (pf_policy_add_quota(pol, &pe->quotas[r].spec))
				err = -ENOMEM;
		}
		for (r = 0; r < pe->nrules && !err; r++)
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
	bool config = false, with_stats = false;
	const struct cmd_flag flags[] = {
		{ "--config", NULL, &config },
		{ "--stats", NULL, &with_stats },
		{ NULL, NULL, NULL }
	};
	char *word;
	int err;

	if (parse_cmd_flags(ctl, argc, argv, flags, &word))
		return EXIT_FAIL;
	if (config && with_stats)
		return cmd_errorf(ctl, "--config and --stats do not go together");
	if (parse_optional_path(ctl, word != NULL, &word, path, &st.filter))
		return EXIT_FAIL;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	err = dump_policies(&st);
	if (err == -ENOENT && st.filter && st.npolicies == 0) {
		dump_state_free(&st);
		return kernel_errorf("%s: no such policy", what);
	}
	if (err == -EPERM && st.rules_denied) {
		dump_state_free(&st);
		return report_rules_denied(what);
	}
	if (err) {
		dump_state_free(&st);
		return report_nl_error(ctl, what, err);
	}

	if (config)
		err = show_print_config(&st);
	else
		show_print(&st, with_stats, ctl->json);
	dump_state_free(&st);
	if (err == -EBADMSG)
		return kernel_errorf("%s: the kernel reported a rule that cannot be written as text",
				     what);
	if (err)
		return errorf("%s: %s", what, strerror(-err));
	return EXIT_OK;
}
