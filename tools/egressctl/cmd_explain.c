// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl explain PATH DST [proto P] [port N]
 *
 * The kernel runs the lookup the packet hook runs and answers level by
 * level, so explain cannot disagree with enforcement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "egressctl.h"
#include "json.h"
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

static void print_packet_desc(const char *path, const char *addr,
			      const struct egress_packet *pkt)
{
	printf("packet from %s to %s", path, addr);
	if (pkt->has_proto)
		printf(" proto %s", proto_name(pkt->proto));
	if (pkt->has_port)
		printf(" port %u", pkt->port);
	putchar('\n');
}

static void explain_print_text(const char *path, const char *addr,
			       const struct egress_packet *pkt,
			       const struct egress_explain_msg *m)
{
	char decision[EGRESS_RULE_STRLEN + 32];
	int wpath = 0, wdec = 0;
	size_t i;

	print_packet_desc(path, addr, pkt);
	if (m->nlevels == 0)
		printf("  no policy applies\n");
	for (i = 0; i < m->nlevels; i++) {
		int n = (int)strlen(m->levels[i].path);

		level_decision(&m->levels[i], decision, sizeof(decision));
		if (n > wpath)
			wpath = n;
		n = (int)strlen(decision);
		if (n > wdec)
			wdec = n;
	}
	for (i = 0; i < m->nlevels; i++) {
		const struct egress_explain_level *l = &m->levels[i];
		bool audit = l->has_mode && l->mode == NF_EGRESS_MODE_AUDIT;

		level_decision(l, decision, sizeof(decision));
		printf("  %-*s  %-7s  %-*s  -> %s%s\n", wpath, l->path,
		       l->has_mode ? mode_name(l->mode) : "?", wdec, decision,
		       verdict_name(l->verdict),
		       audit && l->verdict == NF_EGRESS_VERDICT_DENY ?
		       " (audit: would deny)" : "");
	}
	printf("verdict: %s\n", verdict_name(m->verdict));
}

static void explain_print_json(const char *path, const char *addr,
			       const struct egress_packet *pkt,
			       const struct egress_explain_msg *m)
{
	char text[EGRESS_RULE_STRLEN];
	struct json j;
	size_t i;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_kv_string(&j, "cgroup", path);
	json_key(&j, "packet");
	json_begin_object(&j);
	json_kv_string(&j, "to", addr);
	json_kv_string_or_null(&j, "proto", pkt->has_proto ?
			       proto_name(pkt->proto) : NULL);
	json_kv_u64_or_null(&j, "port", pkt->has_port, pkt->port);
	json_end_object(&j);
	json_key(&j, "levels");
	json_begin_array(&j);
	for (i = 0; i < m->nlevels; i++) {
		const struct egress_explain_level *l = &m->levels[i];

		json_begin_object(&j);
		json_kv_string(&j, "cgroup", l->path);
		json_kv_string_or_null(&j, "mode", l->has_mode ?
				       mode_name(l->mode) : NULL);
		json_kv_string(&j, "verdict", verdict_name(l->verdict));
		json_kv_u64_or_null(&j, "rule_id", l->has_rule, l->rule_id);
		json_kv_string_or_null(&j, "rule",
				       l->has_rule &&
				       (l->rule.fields & EGRESS_SPEC_TO) &&
				       format_rule_spec(&l->rule, text,
							sizeof(text)) > 0 ?
				       text : NULL);
		json_kv_string_or_null(&j, "default", l->has_default ?
				       verdict_name(l->default_verdict) : NULL);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_kv_string(&j, "verdict", verdict_name(m->verdict));
	json_end_object(&j);
	putchar('\n');
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

	if (parse_path_arg(ctl, argc, argv, path))
		return EXIT_FAIL;
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

	if (ctl->json)
		explain_print_json(path, addr, &pkt, m);
	else
		explain_print_text(path, addr, &pkt, m);
	free(reply);
	free(m);
	return EXIT_OK;
}
