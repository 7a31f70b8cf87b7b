// SPDX-License-Identifier: GPL-2.0
/* egressctl show [--config|--stats] [PATH] */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "egressctl.h"
#include "json.h"
#include "msg.h"
#include "dump.h"
#include "policyfile.h"
#include "report.h"

static void show_print_json(const struct dump_state *st, bool with_stats)
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
		json_key(&j, "rate");
		if (pol->has_rate) {
			const struct egress_rate *rt = &pol->rate;
			bool shape = rt->mode == NF_EGRESS_RATE_SHAPE;

			json_begin_object(&j);
			json_kv_u64_or_null(&j, "bytes_per_sec", rt->has_bytes,
					    rt->bytes_per_sec);
			json_kv_u64_or_null(&j, "burst", rt->has_burst,
					    rt->burst);
			json_kv_u64_or_null(&j, "pps", rt->has_pps, rt->pps);
			json_kv_string(&j, "mode", rate_mode_name(rt->mode));
			/* shape mode only; null for police */
			json_kv_u64_or_null(&j, "queue", rt->has_queue && shape,
					    rt->queue_limit);
			json_kv_u64_or_null(&j, "latency_us",
					    rt->has_latency && shape,
					    rt->latency_us);
			json_end_object(&j);
		} else {
			json_null(&j);
		}
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
			if (with_stats && rule->has_stats) {
				json_kv_u64(&j, "packets", rule->stats.packets);
				json_kv_u64(&j, "bytes", rule->stats.bytes);
			}
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	putchar('\n');
}

static void show_print_text(const struct dump_state *st, bool with_stats)
{
	char text[EGRESS_RULE_STRLEN], pk[32], by[32];
	size_t p, r;

	for (p = 0; p < st->npolicies; p++) {
		const struct policy_entry *pol = &st->policies[p];

		printf("policy %s", pol->path);
		if (pol->has_mode)
			printf(" mode %s", mode_name(pol->mode));
		if (pol->has_default)
			printf(" default %s", verdict_name(pol->default_verdict));
		if (pol->has_rate) {
			char rate[EGRESS_RATE_STRLEN];

			format_rate_spec(&pol->rate, rate, sizeof(rate));
			printf(" %s", rate);
		}
		putchar('\n');
		for (r = 0; r < pol->nrules; r++) {
			format_rule_spec(&pol->rules[r].spec, text, sizeof(text));
			printf("  rule %" PRIu32 " %s", pol->rules[r].id, text);
			if (with_stats && pol->rules[r].has_stats) {
				fmt_count_human(pol->rules[r].stats.packets,
						pk, sizeof(pk));
				fmt_bytes_human(pol->rules[r].stats.bytes,
						by, sizeof(by));
				printf("  (%s pkts, %s)", pk, by);
			}
			putchar('\n');
		}
	}
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
	else if (ctl->json)
		show_print_json(&st, with_stats);
	else
		show_print_text(&st, with_stats);
	dump_state_free(&st);
	if (err == -EBADMSG)
		return kernel_errorf("%s: the kernel reported a rule that cannot be written as text",
				     what);
	if (err)
		return errorf("%s: %s", what, strerror(-err));
	return EXIT_OK;
}
