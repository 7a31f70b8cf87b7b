// SPDX-License-Identifier: GPL-2.0
/*
 * What egressctl show prints (show.h): pure renderers of a dump_state.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "output.h"
#include "pattern.h"
#include "policyfile.h"
#include "report.h"
#include "show.h"

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

/* " conn max N rate N/s burst N" (as the file says it) and its keys */
static void show_print_conn_words(struct printer *p,
				  const struct egress_conn *c)
{
	print_text(p, " conn");
	print_u64_opt(p, PRINT_ANY, "max", " max %" PRIu64, c->has_max,
		      c->max_active);
	print_u64_opt(p, PRINT_ANY, "rate", " rate %" PRIu64 "/s",
		      c->has_rate, c->rate);
	print_u64_opt(p, PRINT_ANY, "burst", " burst %" PRIu64,
		      c->has_rate && c->has_burst, c->burst);
}

/*
 * The limit of all the policy's connections, then each class's with
 * " class NAME" last; in JSON the first as "conn" (null without one), so
 * readers that know nothing of classes read it as they did, and the
 * others in "conn_classes", each object with its "class" before the keys
 * "conn" has.
 */
static void show_print_conns(struct printer *p, const struct policy_entry *pol)
{
	size_t i = 0;

	/* sorted: the one without a class comes first */
	if (pol->nconns && !pol->conns[0].class_name[0]) {
		print_open_object(p, "conn");
		show_print_conn_words(p, &pol->conns[0]);
		print_close_object(p);
		i = 1;
	} else {
		print_string(p, PRINT_JSON, "conn", NULL, NULL);
	}
	print_open_array(p, "conn_classes");
	for (; i < pol->nconns; i++) {
		const struct egress_conn *c = &pol->conns[i];

		print_open_object(p, NULL);
		print_string(p, PRINT_JSON, "class", NULL, c->class_name);
		show_print_conn_words(p, c);
		print_text(p, " class %s", c->class_name);
		print_close_object(p);
	}
	print_close_array(p);
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
	show_print_conns(p, pol);
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

void show_print(FILE *out, const struct dump_state *st, bool with_stats,
		bool instances, bool json)
{
	struct printer p;
	size_t i;

	printer_init(&p, out, json);
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

int show_print_config(FILE *out, const struct dump_state *st)
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
		for (r = 0; r < pe->nconns && !err; r++)
			if (pf_policy_add_conn(pol, &pe->conns[r]))
				err = -ENOMEM;
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
	if (!err && pf_format(out, &set))
		err = -EBADMSG;
	pf_set_free(&set);
	return err;
}

