// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl show [--config|--stats] [--instances] [PATH]
 *
 * Templates (pattern.h) are listed like policies, with their instances
 * under them on request; show --config writes templates, never instances.
 */
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
#include "pattern.h"
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

/* " conn max N rate N/s burst N", as the policy file says it */
static void show_print_conn(struct printer *p, const struct policy_entry *pol)
{
	const struct egress_conn *c = &pol->conn;

	if (!pol->has_conn) {
		print_string(p, PRINT_JSON, "conn", NULL, NULL);
		return;
	}
	print_open_object(p, "conn");
	print_text(p, " conn");
	print_u64_opt(p, PRINT_ANY, "max", " max %" PRIu64, c->has_max,
		      c->max_active);
	print_u64_opt(p, PRINT_ANY, "rate", " rate %" PRIu64 "/s",
		      c->has_rate, c->rate);
	print_u64_opt(p, PRINT_ANY, "burst", " burst %" PRIu64,
		      c->has_rate && c->has_burst, c->burst);
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
	print_open_object(p, NULL);
	print_text(p, "  ");
	print_rule(p, rule->id, &rule->spec);
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

static bool is_template(const struct policy_entry *pol)
{
	return !pol->template &&
	       (pol->has_instances_max || pol->has_instances_keep ||
		path_is_pattern(pol->path));
}

/*
 * A template's " instances N max M keep TIME" ("instance_count",
 * "instances_max", "instances_keep" in seconds).
 */
static void show_print_instances(struct printer *p,
				 const struct policy_entry *pol)
{
	char keep[32];

	if (pol->has_instance_count || pol->has_instances_max ||
	    pol->has_instances_keep)
		print_text(p, " instances");
	print_u64_opt(p, PRINT_ANY, "instances_max", NULL,
		      pol->has_instances_max, pol->instances_max);
	print_u64_opt(p, PRINT_ANY, "instance_count", " %" PRIu64,
		      pol->has_instance_count, pol->instance_count);
	if (pol->has_instances_max)
		print_text(p, " max %" PRIu32, pol->instances_max);
	print_u64_opt(p, PRINT_JSON, "instances_keep", NULL,
		      pol->has_instances_keep, pol->instances_keep);
	if (pol->has_instances_keep) {
		format_duration(pol->instances_keep, keep, sizeof(keep));
		print_text(p, " keep %s", keep);
	}
}

/*
 * A policy, a template or an instance: its line ("policy PATH ...",
 * "template PATTERN ...", "instance PATH template PATTERN ...") and its
 * rules, or (json) its object, left open.
 */
static void show_print_entry(struct printer *p, const struct policy_entry *pol,
			     bool with_stats)
{
	size_t r;

	print_open_object(p, NULL);
	print_text(p, "%s ", pol->template ? "instance" :
		   is_template(pol) ? "template" : "policy");
	print_string(p, PRINT_ANY, "cgroup", "%s", pol->path);
	/* only where they apply: a policy's object is as it always was */
	if (pol->template)
		print_string(p, PRINT_ANY, "template", " template %s",
			     pol->template);
	if (pol->has_mode)
		print_string(p, PRINT_ANY, "mode", " mode %s",
			     mode_name(pol->mode));
	if (pol->has_default)
		print_string(p, PRINT_ANY, "default", " default %s",
			     verdict_name(pol->default_verdict));
	show_print_rate(p, pol);
	show_print_conn(p, pol);
	if (is_template(pol))
		show_print_instances(p, pol);
	print_nl(p);
	print_open_array(p, "quotas");
	for (r = 0; r < pol->nquotas; r++)
		show_print_quota(p, &pol->quotas[r]);
	print_close_array(p);
	print_open_array(p, "rules");
	for (r = 0; r < pol->nrules; r++)
		show_print_rule(p, &pol->rules[r], with_stats);
	print_close_array(p);
}

/*
 * One line per policy and template and per rule, or (json) an array of
 * them.  An instance is shown when asked for by its path; with
 * instances, each template's follow it, one line ("  instance PATH") or
 * object ({"cgroup": PATH}) each, and an instance whose template is not
 * listed on its own.
 */
static void show_print(const struct dump_state *st, bool with_stats,
		       bool instances, bool json)
{
	struct printer p;
	size_t i;

	printer_init(&p, stdout, json);
	print_open_array(&p, NULL);
	for (i = 0; i < st->npolicies; i++) {
		const struct policy_entry *pol = &st->policies[i];

		if (pol->template && !instances &&
		    !(st->filter && !strcmp(st->filter, pol->path)))
			continue;
		show_print_entry(&p, pol, with_stats);
		if (instances && is_template(pol)) {
			print_open_array(&p, "instances");
			/* sorted: a template's instances come right after it */
			while (i + 1 < st->npolicies &&
			       st->policies[i + 1].template &&
			       !strcmp(st->policies[i + 1].template, pol->path)) {
				i++;
				print_open_object(&p, NULL);
				print_string(&p, PRINT_ANY, "cgroup",
					     "  instance %s",
					     st->policies[i].path);
				print_nl(&p);
				print_close_object(&p);
			}
			print_close_array(&p);
		}
		print_close_object(&p);
	}
	print_close_array(&p);
	printer_finish(&p);
}

/*
 * The live set in the policy file format: policies by path, then the
 * templates in the order they take precedence (ties in the order the
 * kernel lists them, which is the order they were created in), rules by
 * id (the order they were added in, so applying the output keeps it).
 * Instances are the kernel's own: never written.
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

		if (pe->template)
			continue;
		pol = pf_set_add_policy(&set, pe->path,
					pe->has_mode ? pe->mode : NF_EGRESS_MODE_ENFORCE,
					pe->has_default ? pe->default_verdict
							: NF_EGRESS_VERDICT_DENY);
		if (!pol) {
			err = -ENOMEM;
			break;
		}
		pol->seq = pe->seq;
		pol->has_rate = pe->has_rate;
		pol->rate = pe->rate;
		pol->has_conn = pe->has_conn;
		pol->conn = pe->conn;
		if (is_template(pe) && pe->has_instances_max)
			pol->instances_max = pe->instances_max;
		if (is_template(pe) && pe->has_instances_keep) {
			pol->has_instances_keep = true;
			pol->instances_keep = pe->instances_keep;
		}
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
	pf_set_sort(&set);
	if (!err && pf_format(stdout, &set))
		err = -EBADMSG;
	pf_set_free(&set);
	return err;
}

int cmd_show(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], what[96];
	struct dump_state st = { .ctl = ctl };
	bool config = false, with_stats = false, instances = false;
	const struct cmd_flag flags[] = {
		{ "--config", NULL, &config },
		{ "--stats", NULL, &with_stats },
		{ "--instances", NULL, &instances },
		{ NULL, NULL, NULL }
	};
	char *word;
	int err;

	if (parse_cmd_flags(ctl, argc, argv, flags, &word))
		return EXIT_FAIL;
	if (config && with_stats)
		return cmd_errorf(ctl, "--config and --stats do not go together");
	if (config && instances)
		return cmd_errorf(ctl, "--config and --instances do not go together");
	if (parse_optional_path(ctl, word != NULL, &word, path, &st.filter))
		return EXIT_FAIL;
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	describe_cmd(what, sizeof(what), ctl->cmd, st.filter);

	st.with_instances = instances;
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

	if (config && st.filter && st.npolicies == 1 && st.policies[0].template) {
		err = kernel_errorf("%s: no such policy (an instance of template %s)",
				    what, st.policies[0].template);
		dump_state_free(&st);
		return err;
	}
	if (config)
		err = show_print_config(&st);
	else
		show_print(&st, with_stats, instances, ctl->json);
	dump_state_free(&st);
	if (err == -EBADMSG)
		return kernel_errorf("%s: the kernel reported a rule that cannot be written as text",
				     what);
	if (err)
		return errorf("%s: %s", what, strerror(-err));
	return EXIT_OK;
}
