// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "output.h"
#include "quotaspec.h"

bool explain_has_templates(const struct egress_explain_msg *m)
{
	size_t i;

	for (i = 0; i < m->nlevels; i++)
		if (m->levels[i].template)
			return true;
	return false;
}

void explain_decide(const struct egress_explain_msg *m,
		    const struct dump_state *st,
		    struct pattern_decision *why)
{
	struct pattern_template *t;
	size_t i, n = 0;

	memset(why, 0, m->nlevels * sizeof(*why));
	/* the set may have changed since it answered */
	if (m->has_generation && st->have_generation &&
	    st->generation != m->generation)
		return;
	t = malloc((st->npolicies ? st->npolicies : 1) * sizeof(*t));
	if (!t)
		return;
	for (i = 0; i < st->npolicies; i++) {
		const struct policy_entry *pol = &st->policies[i];

		if (pol->template || !path_is_pattern(pol->path))
			continue;
		t[n].pattern = pol->path;
		t[n++].seq = pol->seq;
	}
	for (i = 0; i < m->nlevels; i++)
		if (m->levels[i].template)
			pattern_decide(m->levels[i].path, m->levels[i].template,
				       t, n, &why[i]);
	free(t);
}

/* "rule 3 allow tcp to 10.0.0.0/8 port 443" or "default deny" */
static void level_decision(const struct egress_explain_level *l, char *buf,
			   size_t len)
{
	char text[EGRESS_RULE_STRLEN];

	if (l->has_rule) {
		if (l->rule.fields & EGRESS_SPEC_TO)
			format_rule_spec(&l->rule, text, sizeof(text));
		else
			snprintf(text, sizeof(text), "%s",
				 verdict_name(l->rule.action));
		snprintf(buf, len, "rule %u %s", l->rule_id, text);
	} else {
		snprintf(buf, len, "default %s",
			 verdict_name(l->has_default ? l->default_verdict
						     : l->verdict));
	}
}

/* The decision of a template's level when egressctl knows it, else NULL. */
static const struct pattern_decision *
level_why(const struct egress_explain_level *l,
	  const struct pattern_decision *w)
{
	return l->template && w && w->matches ? w : NULL;
}

/*
 * The level's first column: its path, and its template's when it has one,
 * with why the template won when w says.
 */
static void level_where(const struct egress_explain_level *l,
			const struct pattern_decision *w, char *buf,
			size_t len)
{
	if (!l->template)
		snprintf(buf, len, "%s", l->path);
	else if (!w)
		snprintf(buf, len, "%s (template %s)", l->path, l->template);
	else if (!w->beats)
		snprintf(buf, len,
			 "%s (template %s; the only template that matches)",
			 l->path, l->template);
	else if (w->matches > 2)
		snprintf(buf, len, "%s (template %s; beats %s (%s) and %zu more)",
			 l->path, l->template, w->beats,
			 pattern_reason_live_text(w->why), w->matches - 2);
	else
		snprintf(buf, len, "%s (template %s; beats %s (%s))", l->path,
			 l->template, w->beats,
			 pattern_reason_live_text(w->why));
}

/* A template's level only: the others are as they always were. */
static void print_template(struct printer *p,
			   const struct egress_explain_level *l,
			   const struct pattern_decision *w)
{
	if (!l->template)
		return;
	print_string(p, PRINT_JSON, "template", NULL, l->template);
	print_u64_opt(p, PRINT_JSON, "template_matches", NULL, w != NULL,
		      w ? w->matches : 0);
	if (!w || !w->beats) {
		print_string(p, PRINT_JSON, "template_reason", NULL, NULL);
		return;
	}
	print_open_object(p, "template_reason");
	print_string(p, PRINT_JSON, "beats", NULL, w->beats);
	print_string(p, PRINT_JSON, "by", NULL,
		     pattern_reason_live_text(w->why));
	print_close_object(p);
}

/*
 * The text aligns the levels in columns: wpath and wdec are the widest
 * path and decision.
 */
void explain_print(FILE *out, const char *path, const char *addr,
		   const struct egress_packet *pkt,
		   const struct egress_explain_msg *m,
		   const struct pattern_decision *why, bool json)
{
	char decision[EGRESS_RULE_STRLEN + 32], text[EGRESS_RULE_STRLEN];
	char where[3 * NF_EGRESS_CGROUP_PATH_MAX + 96];
	int wpath = 0, wdec = 0;
	struct printer p;
	size_t i;

	for (i = 0; i < m->nlevels; i++) {
		const struct egress_explain_level *l = &m->levels[i];
		int n;

		level_where(l, level_why(l, why ? &why[i] : NULL), where,
			    sizeof(where));
		n = (int)strlen(where);

		level_decision(l, decision, sizeof(decision));
		if (n > wpath)
			wpath = n;
		n = (int)strlen(decision);
		if (n > wdec)
			wdec = n;
	}

	printer_init(&p, out, json);
	print_open_object(&p, NULL);
	print_string(&p, PRINT_ANY, "cgroup", "packet from %s", path);
	print_open_object(&p, "packet");
	print_string(&p, PRINT_ANY, "to", " to %s", addr);
	print_string(&p, PRINT_ANY, "proto", " proto %s",
		     pkt->has_proto ? proto_name(pkt->proto) : NULL);
	print_u64_opt(&p, PRINT_ANY, "port", " port %" PRIu64, pkt->has_port,
		      pkt->port);
	print_close_object(&p);
	print_nl(&p);
	if (m->nlevels == 0)
		print_text(&p, "  no policy applies\n");

	print_open_array(&p, "levels");
	for (i = 0; i < m->nlevels; i++) {
		const struct egress_explain_level *l = &m->levels[i];
		const struct pattern_decision *w = level_why(l, why ? &why[i] : NULL);
		bool audit = l->has_mode && l->mode == NF_EGRESS_MODE_AUDIT;
		bool has_text = l->has_rule && (l->rule.fields & EGRESS_SPEC_TO);

		print_open_object(&p, NULL);
		print_string(&p, PRINT_JSON, "cgroup", NULL, l->path);
		print_template(&p, l, w);
		print_string(&p, PRINT_JSON, "mode", NULL,
			     l->has_mode ? mode_name(l->mode) : NULL);
		level_decision(l, decision, sizeof(decision));
		level_where(l, w, where, sizeof(where));
		print_text(&p, "  %-*s  %-7s  %-*s  -> ", wpath, where,
			   l->has_mode ? mode_name(l->mode) : "?", wdec,
			   decision);
		print_string(&p, PRINT_ANY, "verdict", "%s",
			     verdict_name(l->verdict));
		if (audit && l->verdict == NF_EGRESS_VERDICT_DENY)
			print_text(&p, " (audit: would deny)");
		if (l->has_quota) {
			char quota[EGRESS_QUOTA_STRLEN];

			format_quota_spec(&l->quota.spec, quota, sizeof(quota));
			print_text(&p, " (%s: used up, %" PRIu64 " of %" PRIu64 " bytes)",
				   quota, l->quota.used, l->quota.spec.limit);
		}
		print_u64_opt(&p, PRINT_JSON, "rule_id", NULL, l->has_rule,
			      l->rule_id);
		print_string(&p, PRINT_JSON, "rule", NULL,
			     has_text && format_rule_spec(&l->rule, text,
							  sizeof(text)) > 0 ?
			     text : NULL);
		print_string(&p, PRINT_JSON, "default", NULL, l->has_default ?
			     verdict_name(l->default_verdict) : NULL);
		if (l->has_quota) {
			print_open_object(&p, "quota");
			format_quota_spec(&l->quota.spec, text, sizeof(text));
			print_string(&p, PRINT_JSON, "quota", NULL, text);
			print_u64(&p, PRINT_JSON, "used", NULL, l->quota.used);
			print_u64(&p, PRINT_JSON, "limit", NULL, l->quota.spec.limit);
			print_close_object(&p);
		} else {
			print_string(&p, PRINT_JSON, "quota", NULL, NULL);
		}
		print_close_object(&p);
		print_nl(&p);
	}
	print_close_array(&p);
	print_string(&p, PRINT_ANY, "verdict", "verdict: %s",
		     verdict_name(m->verdict));
	print_nl(&p);
	print_close_object(&p);
	printer_finish(&p);
}
