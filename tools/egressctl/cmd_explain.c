// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl explain PATH DST [proto P] [port N]
 *
 * The kernel runs the lookup the packet hook runs and answers level by
 * level, so explain cannot disagree with enforcement.  A level that is an
 * instance of a template names it: "/svc/a (template /svc/x-*)".
 *
 * PATH is a cgroup's own path: a '*' in it is a byte of a name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "egressctl.h"
#include "output.h"
#include "msg.h"

/* The reply, copied: its receive buffer is reused for the ACK. */
static int explain_cb(const struct nlmsghdr *nlh, void *data)
{
	void **copy = data;

	if (*copy)
		return -EBADMSG;	/* one reply expected */
	*copy = malloc(nlh->nlmsg_len);
	if (!*copy)
		return -ENOMEM;
	memcpy(*copy, nlh, nlh->nlmsg_len);
	return 0;
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

/* The level's first column: its path, and its template's when it has one. */
static void level_where(const struct egress_explain_level *l, char *buf,
			size_t len)
{
	if (l->template)
		snprintf(buf, len, "%s (template %s)", l->path, l->template);
	else
		snprintf(buf, len, "%s", l->path);
}

/*
 * The text aligns the levels in columns: wpath and wdec are the widest
 * path and decision.
 */
static void explain_print(const char *path, const char *addr,
			  const struct egress_packet *pkt,
			  const struct egress_explain_msg *m, bool json)
{
	char decision[EGRESS_RULE_STRLEN + 32], text[EGRESS_RULE_STRLEN];
	char where[2 * NF_EGRESS_CGROUP_PATH_MAX + 16];
	int wpath = 0, wdec = 0;
	struct printer p;
	size_t i;

	for (i = 0; i < m->nlevels; i++) {
		int n;

		level_where(&m->levels[i], where, sizeof(where));
		n = (int)strlen(where);

		level_decision(&m->levels[i], decision, sizeof(decision));
		if (n > wpath)
			wpath = n;
		n = (int)strlen(decision);
		if (n > wdec)
			wdec = n;
	}

	printer_init(&p, stdout, json);
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
		bool audit = l->has_mode && l->mode == NF_EGRESS_MODE_AUDIT;
		bool has_text = l->has_rule && (l->rule.fields & EGRESS_SPEC_TO);

		print_open_object(&p, NULL);
		print_string(&p, PRINT_JSON, "cgroup", NULL, l->path);
		/* a template's level only: the others are as they always were */
		if (l->template)
			print_string(&p, PRINT_JSON, "template", NULL,
				     l->template);
		print_string(&p, PRINT_JSON, "mode", NULL,
			     l->has_mode ? mode_name(l->mode) : NULL);
		level_decision(l, decision, sizeof(decision));
		level_where(l, where, sizeof(where));
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

int cmd_explain(struct egctl *ctl, int argc, char **argv)
{
	char path[NF_EGRESS_CGROUP_PATH_MAX], addr[INET6_ADDRSTRLEN], what[96];
	struct egress_explain_msg *m = NULL;
	struct egress_packet pkt;
	struct parse_error perr;
	struct nlmsghdr *nlh;
	void *reply = NULL;
	int err;

	if (argc < 1)
		return cmd_errorf(ctl, "missing cgroup PATH");
	if (parse_cgroup_path_literal(argv[0], path, sizeof(path), &perr))
		return report_parse_error(ctl, &perr);
	if (parse_packet_spec(argc - 1, argv + 1, &pkt, &perr))
		return report_parse_error(ctl, &perr);
	if (egctl_connect(ctl))
		return EXIT_KERNEL;
	inet_ntop(pkt.family, &pkt.addr, addr, sizeof(addr));
	describe_cmd(what, sizeof(what), ctl->cmd, path);

	nlh = egctl_msg(ctl, NF_EGRESS_CMD_EXPLAIN, 0);
	err = egress_put_path(nlh, NL_SEND_BUF_SIZE, path);
	if (!err)
		err = egress_put_packet(nlh, NL_SEND_BUF_SIZE, &pkt);
	if (!err)
		err = nl_request(ctl->nl, nlh, explain_cb, &reply);
	if (!err && !reply)
		err = -EBADMSG;
	if (!err) {
		m = malloc(sizeof(*m));
		err = m ? egress_decode_explain(reply, m) : -ENOMEM;
	}
	if (err) {
		free(reply);
		free(m);
		if (err == -ENOMEM)
			return errorf("%s: %s", what, strerror(-err));
		/* the answer names the deciding rules */
		if (err == -EPERM && ctl->nl->ext.error == -EPERM)
			return report_rules_denied(what);
		return report_nl_error(ctl, what, err);
	}

	explain_print(path, addr, &pkt, m, ctl->json);
	free(reply);
	free(m);
	return EXIT_OK;
}
