// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of dump.c's consistent snapshots: dump_policies() and
 * dump_stats() fed the module's own replies, replayed from tests/golden/
 * (captured in the test guest with tests/capture; the policy set is
 * golden/set.conf), and variants of them with NLM_F_DUMP_INTR set or with
 * another generation.  An attempt that saw either must be thrown away and
 * taken again, at most NL_DUMP_ATTEMPTS times.  A RULE_GET refused with
 * EPERM means counters without rules; any other dump's EPERM is an error.
 * golden/templates/ holds the replies of a set with a template and two
 * of its instances (its set.conf; record.sh made them), which must come
 * out in the listing order: each instance after its template; and in
 * golden/templates/a.service/ the replies about one instance's path.
 *
 * The socket is replaced at link time: this file defines
 * mnl_socket_sendto() and mnl_socket_recvfrom(), which take precedence
 * over libmnl's.  Each request must be the one the plan expects; its reply
 * is the planned golden file with the request's sequence number.
 *
 * The TCP health (HEALTH_GET, which no golden file has yet) comes from
 * replies forged here as the module lays them out: snapshots of a policy
 * with classes, a template and its instance, whose STATS_GET and
 * HEALTH_GET dumps dump_stats merges; their stats -j, stats --health and
 * metrics output is checked to the byte, and so is what top's loop
 * (top_run, with a clock that moves a tenth of a second per wait) prints
 * from three snapshots in a row: -j -n 2 -d 0.1 and its screens.
 *
 * The connection limits of classes come from forged replies too: a
 * POLICY_GET of the policies of a policy file, each limit a CONN nest as
 * apply encodes it, whose show, show -j and show --config output is
 * checked to the byte (show --config must give the file back, which must
 * parse to the same text), and a STATS_GET whose classes have their
 * connections charged (stats -j, the stats table, metrics).
 *
 * usage: test_dump [GOLDEN-DIR]   (default: golden/ next to this binary)
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/nf_egress.h>

#include "dump.h"
#include "egressctl.h"
#include "policyfile.h"
#include "report.h"
#include "show.h"
#include "tap.h"
#include "top.h"

#define PORTID		4242
#define FAMILY		0x1d

enum mutation {
	CLEAN,
	INTR,		/* NLM_F_DUMP_INTR on the first data message */
	NEW_GEN,	/* every message one generation later */
	EPERM_ACK,	/* not the file: the request refused with -EPERM */
	EOPNOTSUPP_ACK,	/* not the file: a command the module lacks */
};

struct step {
	uint8_t cmd;
	enum mutation mut;
};

static char golden_dir[PATH_MAX];
static const char *golden_sub = "";	/* "/templates" */
static const struct step *plan;
static size_t plan_len, plan_pos;
static unsigned int sends, plan_errors;
static uint32_t last_seq;
static size_t last_len;
/*
 * Replies forged instead of read from golden/ when set: the nth request
 * (from 0) of cmd gets what forge writes into buf.
 */
static size_t (*forge)(uint8_t cmd, unsigned int nth, void *buf, size_t size);
static unsigned int forged[256];

static const char *golden_name(uint8_t cmd)
{
	switch (cmd) {
	case NF_EGRESS_CMD_POLICY_GET:
		return "policy_get.nl";
	case NF_EGRESS_CMD_RULE_GET:
		return "rule_get.nl";
	case NF_EGRESS_CMD_STATS_GET:
		return "stats_get.nl";
	}
	return NULL;
}

static size_t load(uint8_t cmd, void *buf, size_t size)
{
	const char *name = golden_name(cmd);
	char path[PATH_MAX + 32];
	size_t n;
	FILE *f;

	if (!name)
		return 0;
	snprintf(path, sizeof(path), "%s%s/%s", golden_dir, golden_sub, name);
	f = fopen(path, "r");
	if (!f) {
		diag("%s: %s", path, strerror(errno));
		exit(1);
	}
	n = fread(buf, 1, size, f);
	if (!feof(f) || n == 0) {
		diag("%s: empty or larger than %zu bytes", path, size);
		exit(1);
	}
	fclose(f);
	return n;
}

static void mutate(void *buf, size_t len, enum mutation mut)
{
	struct nlmsghdr *nlh = buf;
	int left = (int)len;
	bool first = true;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nlattr *a;

		nlh->nlmsg_seq = last_seq;
		nlh->nlmsg_pid = PORTID;
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		if (mut == INTR && first)
			nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
		first = false;
		if (mut != NEW_GEN)
			continue;
		mnl_attr_for_each(a, nlh, GENL_HDRLEN)
			if (mnl_attr_get_type(a) == NF_EGRESS_A_GENERATION)
				*(uint32_t *)mnl_attr_get_payload(a) += 1;
	}
}

ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *req,
			  size_t siz)
{
	const struct nlmsghdr *nlh = req;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	(void)nl;
	sends++;
	last_seq = nlh->nlmsg_seq;
	if (plan_pos >= plan_len || g->cmd != plan[plan_pos].cmd ||
	    !(nlh->nlmsg_flags & NLM_F_DUMP)) {
		diag("request %u: cmd %u flags 0x%x, not the planned one",
		     sends, g->cmd, nlh->nlmsg_flags);
		plan_errors++;
		errno = EIO;
		return -1;
	}
	return (ssize_t)siz;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t siz)
{
	const struct step *s = &plan[plan_pos++];

	(void)nl;
	if (s->mut == EPERM_ACK || s->mut == EOPNOTSUPP_ACK) {
		/* what netlink_ack() sends a NETLINK_CAP_ACK socket */
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nlmsgerr *e;

		nlh->nlmsg_type = NLMSG_ERROR;
		nlh->nlmsg_flags = NLM_F_CAPPED;
		nlh->nlmsg_seq = last_seq;
		nlh->nlmsg_pid = PORTID;
		e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
		e->error = s->mut == EPERM_ACK ? -EPERM : -EOPNOTSUPP;
		e->msg.nlmsg_len = GENL_HDRLEN + NLMSG_HDRLEN;
		e->msg.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		e->msg.nlmsg_seq = last_seq;
		return (ssize_t)nlh->nlmsg_len;
	}
	if (forge)
		last_len = forge(s->cmd, forged[s->cmd]++, buf, siz);
	else
		last_len = load(s->cmd, buf, siz);
	mutate(buf, last_len, s->mut);
	return (ssize_t)last_len;
}

/* dump.c's one call into egressctl.c */
struct nlmsghdr *egctl_msg(struct egctl *ctl, uint8_t cmd, uint16_t flags)
{
	return nl_genl_start(ctl->nl, ctl->family, cmd,
			     NF_EGRESS_GENL_VERSION, flags);
}

static struct nl_ctx nl = {
	.sock = (struct mnl_socket *)&nl,	/* never dereferenced */
	.portid = PORTID,
};
static struct egctl ctl = { .nl = &nl, .family = FAMILY };

static void start(const struct step *p, size_t n, struct dump_state *st)
{
	golden_sub = "";
	forge = NULL;
	memset(forged, 0, sizeof(forged));
	plan = p;
	plan_len = n;
	plan_pos = 0;
	sends = 0;
	plan_errors = 0;
	memset(st, 0, sizeof(*st));
	st->ctl = &ctl;
}

/* The policies of golden/set.conf, as dump_policies() must return them. */
static bool policies_ok(const struct dump_state *st)
{
	const struct policy_entry *p = st->policies;

	if (st->npolicies != 2) {
		diag("%zu policies", st->npolicies);
		return false;
	}
	return !strcmp(p[0].path, "/golden") &&
	       p[0].mode == NF_EGRESS_MODE_ENFORCE &&
	       p[0].default_verdict == NF_EGRESS_VERDICT_DENY &&
	       p[0].has_rate && p[0].rate.mode == NF_EGRESS_RATE_POLICE &&
	       p[0].nrules == 2 && p[0].rules[0].id == 1 &&
	       p[0].rules[1].id == 2 &&
	       !strcmp(p[1].path, "/golden/audit") &&
	       p[1].mode == NF_EGRESS_MODE_AUDIT &&
	       p[1].default_verdict == NF_EGRESS_VERDICT_ALLOW &&
	       !p[1].has_rate && p[1].nrules == 1;
}

static bool stats_ok(const struct dump_state *st, bool rules)
{
	const struct stats_entry *s = st->stats;

	if (st->nstats != 2) {
		diag("%zu stats entries", st->nstats);
		return false;
	}
	return !strcmp(s[0].path, "/golden") && s[0].nclasses == 1 &&
	       !strcmp(s[0].classes[0].name, "web") &&
	       s[0].nrules == (rules ? 2 : 0) &&
	       !strcmp(s[1].path, "/golden/audit") &&
	       s[1].nrules == (rules ? 1 : 0) && !s[0].rules_hidden;
}

#define P	NF_EGRESS_CMD_POLICY_GET
#define R	NF_EGRESS_CMD_RULE_GET
#define S	NF_EGRESS_CMD_STATS_GET
#define H	NF_EGRESS_CMD_HEALTH_GET
#define RUN(st, steps) start(steps, ARRAY_SIZE(steps), st)

static void test_policies(void)
{
	static const struct step clean[] = { { P, CLEAN }, { R, CLEAN } };
	static const struct step intr_p[] = {
		{ P, INTR }, { P, CLEAN }, { R, CLEAN } };
	static const struct step intr_r[] = {
		{ P, CLEAN }, { R, INTR }, { P, CLEAN }, { R, CLEAN } };
	static const struct step gen_r[] = {
		{ P, CLEAN }, { R, NEW_GEN }, { P, CLEAN }, { R, CLEAN } };
	static const struct step gen_p[] = {
		{ P, NEW_GEN }, { R, CLEAN }, { P, CLEAN }, { R, CLEAN } };
	struct step always[NL_DUMP_ATTEMPTS];
	struct dump_state st;
	size_t i;
	int err;

	RUN(&st, clean);
	err = dump_policies(&st);
	ok(err == 0 && sends == 2 && !plan_errors && policies_ok(&st),
	   "golden POLICY_GET + RULE_GET: 2 policies, 3 rules, one attempt (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, intr_p);
	err = dump_policies(&st);
	ok(err == 0 && sends == 3 && plan_pos == 3 && !plan_errors &&
	   policies_ok(&st),
	   "POLICY_GET with NLM_F_DUMP_INTR: taken again (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, intr_r);
	err = dump_policies(&st);
	ok(err == 0 && sends == 4 && !plan_errors && policies_ok(&st),
	   "RULE_GET with NLM_F_DUMP_INTR: both dumps taken again, nothing twice (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, gen_r);
	err = dump_policies(&st);
	ok(err == 0 && sends == 4 && !plan_errors && policies_ok(&st),
	   "RULE_GET of another generation: taken again (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, gen_p);
	err = dump_policies(&st);
	ok(err == 0 && sends == 4 && !plan_errors && policies_ok(&st),
	   "POLICY_GET of another generation than RULE_GET: taken again (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	for (i = 0; i < ARRAY_SIZE(always); i++)
		always[i] = (struct step){ P, INTR };
	RUN(&st, always);
	err = dump_policies(&st);
	ok(err == -EINTR && sends == NL_DUMP_ATTEMPTS && !plan_errors,
	   "NLM_F_DUMP_INTR every time: -EINTR after %d attempts (err %d, %u requests)",
	   NL_DUMP_ATTEMPTS, err, sends);
	dump_state_free(&st);
}

static void test_stats(void)
{
	static const struct step clean[] = { { S, CLEAN }, { R, CLEAN } };
	static const struct step intr_s[] = {
		{ S, INTR }, { S, CLEAN }, { R, CLEAN } };
	static const struct step gen_r[] = {
		{ S, CLEAN }, { R, NEW_GEN }, { S, CLEAN }, { R, CLEAN } };
	static const struct step norules_intr[] = { { S, INTR }, { S, CLEAN } };
	static const struct step rates_gen[] = {
		{ S, CLEAN }, { P, NEW_GEN }, { S, CLEAN }, { P, CLEAN } };
	struct step always[2 * NL_DUMP_ATTEMPTS];
	struct dump_state st;
	size_t i;
	int err;

	RUN(&st, clean);
	err = dump_stats(&st, true);
	ok(err == 0 && sends == 2 && !plan_errors && stats_ok(&st, true),
	   "golden STATS_GET + RULE_GET: 2 entries, a class, 3 rules (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, intr_s);
	err = dump_stats(&st, true);
	ok(err == 0 && sends == 3 && !plan_errors && stats_ok(&st, true),
	   "STATS_GET with NLM_F_DUMP_INTR: taken again (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, gen_r);
	err = dump_stats(&st, true);
	ok(err == 0 && sends == 4 && !plan_errors && stats_ok(&st, true),
	   "RULE_GET of another generation than STATS_GET: taken again (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, norules_intr);
	err = dump_stats(&st, false);
	ok(err == 0 && sends == 2 && !plan_errors && stats_ok(&st, false),
	   "STATS_GET alone with NLM_F_DUMP_INTR: taken again (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, rates_gen);
	st.with_rates = true;
	err = dump_stats(&st, false);
	ok(err == 0 && sends == 4 && !plan_errors && stats_ok(&st, false) &&
	   !st.stats[0].shape_rate,
	   "with rates: POLICY_GET of another generation: taken again (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	for (i = 0; i < ARRAY_SIZE(always); i += 2) {
		always[i] = (struct step){ S, CLEAN };
		always[i + 1] = (struct step){ R, NEW_GEN };
	}
	RUN(&st, always);
	err = dump_stats(&st, true);
	ok(err == -EINTR && sends == 2 * NL_DUMP_ATTEMPTS && !plan_errors,
	   "generation changing every time: -EINTR after %d attempts (err %d, %u requests)",
	   NL_DUMP_ATTEMPTS, err, sends);
	dump_state_free(&st);
}

/*
 * RULE_GET refused with EPERM (no CAP_NET_ADMIN) gives counters without
 * rules; an EPERM of STATS_GET or POLICY_GET is an error like any other.
 */
static void test_eperm(void)
{
	static const struct step rules_denied[] = {
		{ S, INTR }, { S, CLEAN }, { R, EPERM_ACK } };
	static const struct step stats_denied[] = { { S, EPERM_ACK } };
	static const struct step rates_denied[] = { { S, CLEAN }, { P, EPERM_ACK } };
	static const struct step show_denied[] = { { P, CLEAN }, { R, EPERM_ACK } };
	static const struct step policies_denied[] = { { P, EPERM_ACK } };
	struct dump_state st;
	int err;

	RUN(&st, rules_denied);
	err = dump_stats(&st, true);
	ok(err == 0 && sends == 3 && !plan_errors && st.rules_denied &&
	   st.nstats == 2 && st.stats[0].rules_hidden &&
	   st.stats[1].rules_hidden && !st.stats[0].nrules,
	   "NLM_F_DUMP_INTR, then RULE_GET refused with EPERM: counters, rules hidden (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, stats_denied);
	err = dump_stats(&st, true);
	ok(err == -EPERM && sends == 1 && !plan_errors && !st.rules_denied,
	   "STATS_GET refused with EPERM: an error, not hidden rules (err %d)", err);
	dump_state_free(&st);

	RUN(&st, rates_denied);
	st.with_rates = true;
	err = dump_stats(&st, true);
	ok(err == -EPERM && sends == 2 && !plan_errors && !st.rules_denied,
	   "POLICY_GET of stats refused with EPERM: an error (err %d)", err);
	dump_state_free(&st);

	RUN(&st, show_denied);
	err = dump_policies(&st);
	ok(err == -EPERM && sends == 2 && !plan_errors && st.rules_denied,
	   "show: RULE_GET refused with EPERM: -EPERM, rules_denied (err %d)", err);
	dump_state_free(&st);

	RUN(&st, policies_denied);
	err = dump_policies(&st);
	ok(err == -EPERM && sends == 1 && !plan_errors && !st.rules_denied,
	   "show: POLICY_GET refused with EPERM: no word of rules (err %d)", err);
	dump_state_free(&st);
}

/*
 * golden/templates: the listing order and what each entry carries, from
 * the template at first on (and the policy of b.service's path last when
 * with_exact).
 */
static bool template_policies_ok(const struct dump_state *st, size_t first,
				 bool with_exact)
{
	const struct policy_entry *p = st->policies + first;

	if (st->npolicies != first + 3 + with_exact) {
		diag("%zu policies", st->npolicies);
		return false;
	}
	if (with_exact &&
	    (strcmp(p[3].path, "/golden/b.service") || p[3].template ||
	     p[3].mode != NF_EGRESS_MODE_AUDIT || p[3].nrules != 1 ||
	     p[3].rules[0].stats.packets != 1))
		return false;
	return !strcmp(p[0].path, "/golden/*.service") && !p[0].template &&
	       p[0].has_instances_max && p[0].instances_max == 2 &&
	       p[0].has_instance_count && p[0].instance_count == 2 &&
	       p[0].nrules == 1 && p[0].rules[0].stats.packets == 0 &&
	       !strcmp(p[1].path, "/golden/a.service") &&
	       p[1].template && !strcmp(p[1].template, "/golden/*.service") &&
	       !p[1].has_instances_max && p[1].has_default && !p[1].nrules &&
	       !strcmp(p[2].path, "/golden/b.service") &&
	       p[2].template && !strcmp(p[2].template, "/golden/*.service");
}

static void test_templates(void)
{
	static const struct step show[] = { { P, CLEAN }, { R, CLEAN } };
	static const struct step show_intr[] = {
		{ P, CLEAN }, { R, INTR }, { P, CLEAN }, { R, CLEAN } };
	static const struct step stats[] = { { S, CLEAN }, { R, CLEAN } };
	struct dump_state st;
	const struct stats_entry *s;
	int err;

	RUN(&st, show);
	golden_sub = "/templates";
	err = dump_policies(&st);
	ok(err == 0 && sends == 2 && !plan_errors &&
	   !strcmp(st.policies[0].path, "/golden") && st.policies[0].nrules == 1 &&
	   template_policies_ok(&st, 1, true),
	   "templates: policy, template, its instances after it, sorted; rules of the policies and the template, not of the instance of a policy's path (err %d)",
	   err);
	dump_state_free(&st);

	RUN(&st, show_intr);
	golden_sub = "/templates";
	st.filter = "/golden/*.service";
	st.with_instances = true;
	err = dump_policies(&st);
	ok(err == 0 && sends == 4 && !plan_errors &&
	   template_policies_ok(&st, 0, false),
	   "templates: a template with its instances (show PATTERN --instances), taken again after NLM_F_DUMP_INTR (err %d)",
	   err);
	dump_state_free(&st);

	RUN(&st, show);
	golden_sub = "/templates/a.service";
	st.filter = "/golden/a.service";
	err = dump_policies(&st);
	ok(err == 0 && !plan_errors && st.npolicies == 1 &&
	   st.policies[0].template && st.policies[0].nrules == 1 &&
	   !strcmp(st.policies[0].rules[0].path, "/golden/a.service") &&
	   st.policies[0].rules[0].stats.packets == 3,
	   "templates: one instance by its path, the rules RULE_GET gives for it (err %d)",
	   err);
	dump_state_free(&st);

	RUN(&st, show);
	golden_sub = "/templates";
	st.filter = "/golden/b.service";
	err = dump_policies(&st);
	ok(err == 0 && !plan_errors && st.npolicies == 2 &&
	   st.policies[0].template && !st.policies[0].nrules &&
	   !st.policies[1].template && st.policies[1].nrules == 1,
	   "templates: a path with a policy and an instance: both, the rules the policy's (err %d)",
	   err);
	dump_state_free(&st);

	RUN(&st, stats);
	golden_sub = "/templates/a.service";
	st.filter = "/golden/a.service";
	err = dump_stats(&st, true);
	ok(err == 0 && !plan_errors && st.nstats == 1 && st.stats[0].template &&
	   st.stats[0].nrules == 1 && !st.stats[0].rules_unlisted &&
	   st.stats[0].allowed.packets == 3 &&
	   st.stats[0].rules[0].stats.packets == 3,
	   "templates: stats of one instance with its rules (err %d)", err);
	dump_state_free(&st);

	RUN(&st, stats);
	golden_sub = "/templates";
	err = dump_stats(&st, true);
	s = st.stats;
	ok(err == 0 && sends == 2 && !plan_errors && st.nstats == 5 &&
	   !strcmp(s[0].path, "/golden") && !s[0].rules_unlisted &&
	   !strcmp(s[1].path, "/golden/*.service") && !s[1].template &&
	   s[1].nrules == 1 && !s[1].rules_unlisted &&
	   !strcmp(s[2].path, "/golden/a.service") && s[2].template &&
	   !strcmp(s[2].template, "/golden/*.service") && s[2].rules_unlisted &&
	   !s[2].nrules && s[2].allowed.packets == 3 && s[2].nclasses == 1 &&
	   !strcmp(s[3].path, "/golden/b.service") && s[3].rules_unlisted &&
	   s[3].template && s[3].allowed.packets == 1 && !s[3].nrules &&
	   s[3].path_has_policy && !s[2].path_has_policy &&
	   !strcmp(s[4].path, "/golden/b.service") && !s[4].template &&
	   s[4].allowed.packets == 1 && s[4].would_deny.packets == 1 &&
	   s[4].nrules == 1 && !s[4].path_has_policy,
	   "templates: stats of instances after their template, their rules not listed (err %d)",
	   err);
	dump_state_free(&st);

	RUN(&st, stats);
	golden_sub = "/templates";
	err = dump_stats(&st, false);
	ok(err == 0 && st.nstats == 5 && !st.stats[2].rules_unlisted,
	   "templates: counters without rules: none unlisted (err %d)", err);
	dump_state_free(&st);
}


/* --- forged replies: the TCP health, top ------------------------------- */

#define GENERATION	7

/* The next message of a forged reply at *pos in buf. */
static struct nlmsghdr *forge_msg(char *buf, size_t *pos, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *pos);
	struct genlmsghdr *g;

	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = NF_EGRESS_GENL_VERSION;
	return nlh;
}

static void forge_end(size_t *pos, const struct nlmsghdr *nlh)
{
	*pos += MNL_ALIGN(nlh->nlmsg_len);
}

/* NLMSG_DONE, and the reply's length. */
static size_t forge_done(char *buf, size_t pos)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + pos);

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
	return pos + MNL_ALIGN(nlh->nlmsg_len);
}

/* A u64 as nla_put_u64_64bit() puts it: the nest's PAD first if unaligned. */
static void put_u64(struct nlmsghdr *nlh, uint16_t pad, uint16_t type,
		    uint64_t v)
{
	if ((nlh->nlmsg_len + MNL_ATTR_HDRLEN) % 8)
		mnl_attr_put(nlh, pad, 0, NULL);
	mnl_attr_put_u64(nlh, type, v);
}

static void put_counter(struct nlmsghdr *nlh, uint16_t type, uint64_t packets,
			uint64_t bytes, const char *class_name)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	put_u64(nlh, NF_EGRESS_CTR_A_PAD, NF_EGRESS_CTR_A_PACKETS, packets);
	put_u64(nlh, NF_EGRESS_CTR_A_PAD, NF_EGRESS_CTR_A_BYTES, bytes);
	if (class_name)
		mnl_attr_put_strz(nlh, NF_EGRESS_CTR_A_CLASS, class_name);
	mnl_attr_nest_end(nlh, nest);
}

struct forged_policy {
	const char *path, *template;
	struct egress_counter allowed, denied;
	const char *classes[2];		/* with allowed's counters halved */
};

/* A STATS_GET reply of the policies, as egress_nl_fill() lays it out. */
static size_t forge_stats(const struct forged_policy *p, size_t n, char *buf)
{
	size_t i, k, pos = 0;

	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh = forge_msg(buf, &pos,
						 NF_EGRESS_CMD_STATS_GET);

		mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, p[i].path);
		mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, GENERATION);
		if (p[i].template)
			mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE,
					  p[i].template);
		mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, NF_EGRESS_MODE_ENFORCE);
		put_counter(nlh, NF_EGRESS_A_STATS_ALLOWED, p[i].allowed.packets,
			    p[i].allowed.bytes, NULL);
		put_counter(nlh, NF_EGRESS_A_STATS_DENIED, p[i].denied.packets,
			    p[i].denied.bytes, NULL);
		put_counter(nlh, NF_EGRESS_A_STATS_WOULD_DENY, 0, 0, NULL);
		for (k = 0; k < 2 && p[i].classes[k]; k++)
			put_counter(nlh, NF_EGRESS_A_STATS_CLASS,
				    p[i].allowed.packets / 2,
				    p[i].allowed.bytes / 2, p[i].classes[k]);
		forge_end(&pos, nlh);
	}
	return forge_done(buf, pos);
}

struct forged_health {
	const char *path, *template, *class_name;
	struct egress_health h;
	struct rtt_bucket b[4];		/* up to the first without samples */
};

/* A HEALTH_GET reply, as egress_nl_health_msg() lays it out. */
static size_t forge_health(const struct forged_health *f, size_t n, char *buf)
{
	size_t i, k, pos = 0;

	for (i = 0; i < n; i++) {
		struct nlmsghdr *nlh = forge_msg(buf, &pos,
						 NF_EGRESS_CMD_HEALTH_GET);
		const struct egress_health *h = &f[i].h;
		const uint64_t v[] = {
			h->attempts, h->established, h->refused, h->timed_out,
			h->unreachable, h->reset, h->syn_retrans,
			h->data_retrans, h->rtt_count, h->rtt_sum_us,
		};
		struct nlattr *nest, *bucket;

		mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, f[i].path);
		mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, GENERATION);
		if (f[i].template)
			mnl_attr_put_strz(nlh, NF_EGRESS_A_TEMPLATE,
					  f[i].template);
		if (f[i].class_name)
			mnl_attr_put_strz(nlh, NF_EGRESS_A_HEALTH_CLASS,
					  f[i].class_name);
		nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_HEALTH);
		for (k = 0; k < ARRAY_SIZE(v); k++)
			put_u64(nlh, NF_EGRESS_HEALTH_A_PAD,
				NF_EGRESS_HEALTH_A_ATTEMPTS + k, v[k]);
		for (k = 0; k < 4 && f[i].b[k].count; k++) {
			bucket = mnl_attr_nest_start(nlh,
						     NF_EGRESS_HEALTH_A_RTT_BUCKET);
			mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_LOW_US,
					 (uint32_t)f[i].b[k].low_us);
			mnl_attr_put_u32(nlh, NF_EGRESS_RTT_BUCKET_A_HIGH_US,
					 (uint32_t)f[i].b[k].high_us);
			put_u64(nlh, NF_EGRESS_RTT_BUCKET_A_PAD,
				NF_EGRESS_RTT_BUCKET_A_COUNT, f[i].b[k].count);
			mnl_attr_nest_end(nlh, bucket);
		}
		/* from a newer module: ignored */
		mnl_attr_put_u32(nlh, NF_EGRESS_HEALTH_A_MAX + 3, 1);
		mnl_attr_nest_end(nlh, nest);
		forge_end(&pos, nlh);
	}
	return forge_done(buf, pos);
}

#define TMPL	"/svc/*.service"

/*
 * Three snapshots a tenth of a second apart.  0: /web with two classes
 * and a health with four RTT buckets (the last unbounded) and one of a
 * class (internal), and of a class ("gone") and a policy (/old) that the
 * STATS_GET dump has not: left out; a template and its instance.
 * 1: /web's counters grown, the instance's counters reset, /new made.
 * 2: nothing grown but /new's, the instance gone.
 */
static const struct forged_policy snap_stats[3][4] = {
	{
		{ "/svc/*.service", NULL, { 0, 0 }, { 0, 0 }, { NULL } },
		{ "/svc/a.service", TMPL, { 10, 15000 }, { 0, 0 }, { NULL } },
		{ "/web", NULL, { 1000, 1500000 }, { 2, 120 },
		  { "internal", "internet" } },
	},
	{
		{ "/new", NULL, { 50, 5000 }, { 0, 0 }, { NULL } },
		{ "/svc/*.service", NULL, { 0, 0 }, { 0, 0 }, { NULL } },
		{ "/svc/a.service", TMPL, { 5, 7500 }, { 0, 0 }, { NULL } },
		{ "/web", NULL, { 1100, 1650000 }, { 3, 180 },
		  { "internal", "internet" } },
	},
	{
		{ "/new", NULL, { 60, 6000 }, { 0, 0 }, { NULL } },
		{ "/svc/*.service", NULL, { 0, 0 }, { 0, 0 }, { NULL } },
		{ "/web", NULL, { 1100, 1650000 }, { 3, 180 },
		  { "internal", "internet" } },
	},
};
static const size_t snap_nstats[3] = { 3, 4, 3 };

#define WEB_BUCKETS(a, b)						\
	{ { 800, 832, a }, { 1024, 1088, 6 }, { 16384, 17408, b },	\
	  { 134217728, 0, 1 } }

static const struct forged_health snap_health[3][5] = {
	{
		{ "/old", NULL, NULL, { .attempts = 9 }, { { 0 } } },
		{ "/web", NULL, NULL,
		  { 40, 36, 2, 1, 1, 1, 3, 17, 20, 134326000 },
		  WEB_BUCKETS(10, 3) },
		{ "/web", NULL, "gone", { .attempts = 1 }, { { 0 } } },
		{ "/web", NULL, "internal",
		  { 30, 30, 0, 0, 0, 0, 0, 4, 10, 8160 },
		  { { 800, 832, 10 } } },
		{ "/svc/a.service", TMPL, NULL,
		  { .attempts = 1, .timed_out = 1, .syn_retrans = 6 },
		  { { 0 } } },
	},
	{
		{ "/web", NULL, NULL,
		  { 45, 40, 3, 1, 1, 2, 3, 20, 23, 134345000 },
		  WEB_BUCKETS(12, 4) },
	},
	{
		{ "/web", NULL, NULL,
		  { 45, 40, 3, 1, 1, 2, 3, 20, 23, 134345000 },
		  WEB_BUCKETS(12, 4) },
	},
};
static const size_t snap_nhealth[3] = { 5, 1, 1 };

/* The snapshot of the nth dump of each kind, the last one from then on. */
static size_t forge_snapshot(uint8_t cmd, unsigned int nth, void *buf,
			     size_t size)
{
	unsigned int k = nth < 3 ? nth : 2;

	memset(buf, 0, size);
	if (cmd == NF_EGRESS_CMD_STATS_GET)
		return forge_stats(snap_stats[k], snap_nstats[k], buf);
	if (cmd == NF_EGRESS_CMD_HEALTH_GET)
		return forge_health(snap_health[k], snap_nhealth[k], buf);
	diag("no forged reply to command %u", cmd);
	exit(1);
}

/* What fn writes for st, in a string to free. */
struct render {
	const struct dump_state *st;
	int what;	/* 0: stats -j, 1: stats --health, 2: metrics */
	struct report_opts opts;
};

static void render(FILE *f, const void *arg)
{
	const struct render *r = arg;

	if (r->what == 0)
		report_stats_json(f, r->st->stats, r->st->nstats);
	else if (r->what == 1)
		report_health_text(f, r->st->stats, r->st->nstats, &r->opts);
	else
		report_metrics(f, r->st->stats, r->st->nstats);
}

/* stats --rules --exact: the table and each policy's details */
static void render_stats_text(FILE *f, const void *arg)
{
	const struct dump_state *st = arg;
	struct report_opts o = { .exact = true, .details = true };

	report_stats_text(f, st->stats, st->nstats, &o);
}

static bool same_text(const char *what, const char *got, const char *want)
{
	if (ok(got && !strcmp(got, want), "%s", what))
		return true;
	diag("got:\n%s", got ? got : "(nothing)");
	return false;
}

static const char health_json[] =
"[{\"cgroup\":\"/svc/*.service\",\"mode\":\"enforce\",\"allowed\":{\"packets\":0,\"bytes\":0},"
"\"denied\":{\"packets\":0,\"bytes\":0},\"would_deny\":{\"packets\":0,\"bytes\":0},"
"\"ratelimited\":{\"packets\":0,\"bytes\":0},\"shaped\":{\"packets\":0,\"bytes\":0},"
"\"queue_len\":0,\"max_delay_ns\":0,\"connlimit\":{\"packets\":0,\"bytes\":0},\"conn_active\":0,"
"\"classes\":{},\"rules\":[],\"reset_time\":null},"
"{\"cgroup\":\"/svc/a.service\",\"template\":\"/svc/*.service\",\"mode\":\"enforce\","
"\"allowed\":{\"packets\":10,\"bytes\":15000},"
"\"denied\":{\"packets\":0,\"bytes\":0},\"would_deny\":{\"packets\":0,\"bytes\":0},"
"\"ratelimited\":{\"packets\":0,\"bytes\":0},\"shaped\":{\"packets\":0,\"bytes\":0},"
"\"queue_len\":0,\"max_delay_ns\":0,\"connlimit\":{\"packets\":0,\"bytes\":0},\"conn_active\":0,"
"\"classes\":{},\"rules\":[],\"reset_time\":null,"
"\"health\":{\"attempts\":1,\"established\":0,\"refused\":0,\"timed_out\":1,\"unreachable\":0,"
"\"reset\":0,\"syn_retrans\":6,\"data_retrans\":0,\"rtt\":{\"count\":0,\"sum_us\":0,"
"\"p50_us\":null,\"p90_us\":null,\"p99_us\":null,\"buckets\":[]}}},"
"{\"cgroup\":\"/web\",\"mode\":\"enforce\",\"allowed\":{\"packets\":1000,\"bytes\":1500000},"
"\"denied\":{\"packets\":2,\"bytes\":120},\"would_deny\":{\"packets\":0,\"bytes\":0},"
"\"ratelimited\":{\"packets\":0,\"bytes\":0},\"shaped\":{\"packets\":0,\"bytes\":0},"
"\"queue_len\":0,\"max_delay_ns\":0,\"connlimit\":{\"packets\":0,\"bytes\":0},\"conn_active\":0,"
"\"classes\":{\"internal\":{\"packets\":500,\"bytes\":750000,"
"\"health\":{\"attempts\":30,\"established\":30,\"refused\":0,\"timed_out\":0,\"unreachable\":0,"
"\"reset\":0,\"syn_retrans\":0,\"data_retrans\":4,\"rtt\":{\"count\":10,\"sum_us\":8160,"
"\"p50_us\":816,\"p90_us\":829,\"p99_us\":832,"
"\"buckets\":[{\"low_us\":800,\"high_us\":832,\"count\":10}]}}},"
"\"internet\":{\"packets\":500,\"bytes\":750000}},\"rules\":[],\"reset_time\":null,"
"\"health\":{\"attempts\":40,\"established\":36,\"refused\":2,\"timed_out\":1,\"unreachable\":1,"
"\"reset\":1,\"syn_retrans\":3,\"data_retrans\":17,\"rtt\":{\"count\":20,\"sum_us\":134326000,"
"\"p50_us\":832,\"p90_us\":17067,\"p99_us\":134217728,"
"\"buckets\":[{\"low_us\":800,\"high_us\":832,\"count\":10},"
"{\"low_us\":1024,\"high_us\":1088,\"count\":6},"
"{\"low_us\":16384,\"high_us\":17408,\"count\":3},"
"{\"low_us\":134217728,\"high_us\":null,\"count\":1}]}}}]\n";

static const char health_table[] =
"CGROUP          CLASS     ATTEMPTS  ESTAB  REFUSED  TIMEOUT  UNREACH  RESET  SYN-RTX  DATA-RTX    P50     P90      P99  TEMPLATE\n"
"/svc/*.service  (all)            -      -        -        -        -      -        -         -      -       -        -  -\n"
"/svc/a.service  (all)            1      0        0        1        0      0        6         0      -       -        -  /svc/*.service\n"
"/web            (all)           40     36        2        1        1      1        3        17  832us  17.1ms  134.22s  -\n"
"/web            internal        30     30        0        0        0      0        0         4  816us   829us    832us  -\n";

static const char health_table_exact[] =
"CGROUP          CLASS     ATTEMPTS  ESTAB  REFUSED  TIMEOUT  UNREACH  RESET  SYN-RTX  DATA-RTX  P50_US  P90_US     P99_US  TEMPLATE\n"
"/svc/*.service  (all)            -      -        -        -        -      -        -         -       -       -          -  -\n"
"/svc/a.service  (all)            1      0        0        1        0      0        6         0       -       -          -  /svc/*.service\n"
"/web            (all)           40     36        2        1        1      1        3        17     832   17067  134217728  -\n"
"/web            internal        30     30        0        0        0      0        0         4     816     829        832  -\n";

/* The RTT histogram of /web: buckets up to 2^26 us, +Inf, sum, count. */
#define WEB_LE(le, n)	"nf_egress_tcp_rtt_seconds_bucket{cgroup=\"/web\",le=\"" le "\"} " #n "\n"
#define INT_LE(le, n)	"nf_egress_class_tcp_rtt_seconds_bucket{cgroup=\"/web\",class=\"internal\",le=\"" le "\"} " #n "\n"
#define INST_LE(le)	"nf_egress_tcp_rtt_seconds_bucket{cgroup=\"/svc/a.service\",template=\"/svc/*.service\",le=\"" le "\"} 0\n"
#define LES(M, a, b, c, d)						\
	M("0.000016", a) M("0.000032", a) M("0.000064", a)		\
	M("0.000128", a) M("0.000256", a) M("0.000512", a)		\
	M("0.001024", b) M("0.002048", c) M("0.004096", c)		\
	M("0.008192", c) M("0.016384", c) M("0.032768", d)		\
	M("0.065536", d) M("0.131072", d) M("0.262144", d)		\
	M("0.524288", d) M("1.048576", d) M("2.097152", d)		\
	M("4.194304", d) M("8.388608", d) M("16.777216", d)		\
	M("33.554432", d) M("67.108864", d)
#define INST(le, n)	INST_LE(le)

static const char health_metrics[] =
"# HELP nf_egress_tcp_attempts_total TCP connections the cgroup subtree of an nf_egress policy opened (their first SYN left).\n"
"# TYPE nf_egress_tcp_attempts_total counter\n"
"nf_egress_tcp_attempts_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 1\n"
"nf_egress_tcp_attempts_total{cgroup=\"/web\"} 40\n"
"# HELP nf_egress_tcp_established_total TCP connections of an nf_egress policy's cgroup subtree that were established.\n"
"# TYPE nf_egress_tcp_established_total counter\n"
"nf_egress_tcp_established_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 0\n"
"nf_egress_tcp_established_total{cgroup=\"/web\"} 36\n"
"# HELP nf_egress_tcp_refused_total TCP connections of an nf_egress policy's cgroup subtree that the peer refused (a RST answered the SYN).\n"
"# TYPE nf_egress_tcp_refused_total counter\n"
"nf_egress_tcp_refused_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 0\n"
"nf_egress_tcp_refused_total{cgroup=\"/web\"} 2\n"
"# HELP nf_egress_tcp_timed_out_total TCP connections of an nf_egress policy's cgroup subtree that closed with ETIMEDOUT (no answer to the SYN, or given up after retransmissions or keepalives).\n"
"# TYPE nf_egress_tcp_timed_out_total counter\n"
"nf_egress_tcp_timed_out_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 1\n"
"nf_egress_tcp_timed_out_total{cgroup=\"/web\"} 1\n"
"# HELP nf_egress_tcp_unreachable_total TCP connections of an nf_egress policy's cgroup subtree that were not established and closed with another error (ICMP unreachable, prohibited).\n"
"# TYPE nf_egress_tcp_unreachable_total counter\n"
"nf_egress_tcp_unreachable_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 0\n"
"nf_egress_tcp_unreachable_total{cgroup=\"/web\"} 1\n"
"# HELP nf_egress_tcp_reset_total Established TCP connections of an nf_egress policy's cgroup subtree that the peer reset (ECONNRESET, EPIPE).\n"
"# TYPE nf_egress_tcp_reset_total counter\n"
"nf_egress_tcp_reset_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 0\n"
"nf_egress_tcp_reset_total{cgroup=\"/web\"} 1\n"
"# HELP nf_egress_tcp_syn_retransmits_total SYNs that TCP sent again for connections of an nf_egress policy's cgroup subtree.\n"
"# TYPE nf_egress_tcp_syn_retransmits_total counter\n"
"nf_egress_tcp_syn_retransmits_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 6\n"
"nf_egress_tcp_syn_retransmits_total{cgroup=\"/web\"} 3\n"
"# HELP nf_egress_tcp_data_retransmits_total Segments that TCP retransmitted after the SYN for connections of an nf_egress policy's cgroup subtree.\n"
"# TYPE nf_egress_tcp_data_retransmits_total counter\n"
"nf_egress_tcp_data_retransmits_total{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 0\n"
"nf_egress_tcp_data_retransmits_total{cgroup=\"/web\"} 17\n"
"# HELP nf_egress_tcp_rtt_seconds Smoothed round-trip times of the TCP connections of an nf_egress policy's cgroup subtree, sampled when established and every 64 segments sent.\n"
"# TYPE nf_egress_tcp_rtt_seconds histogram\n"
LES(INST, 0, 0, 0, 0)
INST_LE("+Inf")
"nf_egress_tcp_rtt_seconds_sum{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 0\n"
"nf_egress_tcp_rtt_seconds_count{cgroup=\"/svc/a.service\",template=\"/svc/*.service\"} 0\n"
LES(WEB_LE, 0, 10, 16, 19)
WEB_LE("+Inf", 20)
"nf_egress_tcp_rtt_seconds_sum{cgroup=\"/web\"} 134.326\n"
"nf_egress_tcp_rtt_seconds_count{cgroup=\"/web\"} 20\n"
"# HELP nf_egress_class_tcp_attempts_total TCP connections opened under a rule of the class (that allowed the first SYN), per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_attempts_total counter\n"
"nf_egress_class_tcp_attempts_total{cgroup=\"/web\",class=\"internal\"} 30\n"
"# HELP nf_egress_class_tcp_established_total TCP connections of the class that were established, per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_established_total counter\n"
"nf_egress_class_tcp_established_total{cgroup=\"/web\",class=\"internal\"} 30\n"
"# HELP nf_egress_class_tcp_refused_total TCP connections of the class that the peer refused (a RST answered the SYN), per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_refused_total counter\n"
"nf_egress_class_tcp_refused_total{cgroup=\"/web\",class=\"internal\"} 0\n"
"# HELP nf_egress_class_tcp_timed_out_total TCP connections of the class that closed with ETIMEDOUT, per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_timed_out_total counter\n"
"nf_egress_class_tcp_timed_out_total{cgroup=\"/web\",class=\"internal\"} 0\n"
"# HELP nf_egress_class_tcp_unreachable_total TCP connections of the class that were not established and closed with another error, per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_unreachable_total counter\n"
"nf_egress_class_tcp_unreachable_total{cgroup=\"/web\",class=\"internal\"} 0\n"
"# HELP nf_egress_class_tcp_reset_total Established TCP connections of the class that the peer reset, per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_reset_total counter\n"
"nf_egress_class_tcp_reset_total{cgroup=\"/web\",class=\"internal\"} 0\n"
"# HELP nf_egress_class_tcp_syn_retransmits_total SYNs that TCP sent again for connections of the class, per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_syn_retransmits_total counter\n"
"nf_egress_class_tcp_syn_retransmits_total{cgroup=\"/web\",class=\"internal\"} 0\n"
"# HELP nf_egress_class_tcp_data_retransmits_total Segments that TCP retransmitted after the SYN for connections of the class, per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_data_retransmits_total counter\n"
"nf_egress_class_tcp_data_retransmits_total{cgroup=\"/web\",class=\"internal\"} 4\n"
"# HELP nf_egress_class_tcp_rtt_seconds Smoothed round-trip times of the TCP connections of the class, per nf_egress policy.\n"
"# TYPE nf_egress_class_tcp_rtt_seconds histogram\n"
LES(INT_LE, 0, 10, 10, 10)
INT_LE("+Inf", 10)
"nf_egress_class_tcp_rtt_seconds_sum{cgroup=\"/web\",class=\"internal\"} 0.00816\n"
"nf_egress_class_tcp_rtt_seconds_count{cgroup=\"/web\",class=\"internal\"} 10\n";

/*
 * The health of the forged snapshot 0: merged into its stats entries and
 * classes; stats -j, stats --health (-x) and the metrics' health families
 * to the byte.
 */
static void test_health(void)
{
	static const struct step plan[] = { { S, CLEAN }, { H, CLEAN } };
	static const struct step gen[] = {
		{ S, CLEAN }, { H, NEW_GEN }, { S, CLEAN }, { H, CLEAN } };
	static const struct step old[] = { { S, CLEAN }, { H, EOPNOTSUPP_ACK } };
	static const struct step none[] = { { S, CLEAN } };
	struct render r = { 0 };
	struct dump_state st;
	const char *tcp;
	char *got;
	int err;

	RUN(&st, plan);
	forge = forge_snapshot;
	st.with_health = true;
	err = dump_stats(&st, false);
	ok(err == 0 && sends == 2 && !plan_errors && st.nstats == 3 &&
	   !st.stats[0].has_health && st.stats[1].has_health &&
	   st.stats[2].has_health && st.stats[2].health.nbuckets == 4 &&
	   st.stats[2].classes[0].has_health &&
	   !st.stats[2].classes[1].has_health,
	   "health: STATS_GET + HEALTH_GET merged; a class and a policy the stats dump has not left out (err %d, %u requests)",
	   err, sends);
	r.st = &st;
	got = tap_capture(render, &r);
	same_text("health: stats -j has each health object", got, health_json);
	free(got);
	r.what = 1;
	got = tap_capture(render, &r);
	same_text("health: stats --health table", got, health_table);
	free(got);
	r.opts.exact = true;
	got = tap_capture(render, &r);
	same_text("health: stats --health -x table", got, health_table_exact);
	free(got);
	r.what = 2;
	got = tap_capture(render, &r);
	tcp = got ? strstr(got, "# HELP nf_egress_tcp_attempts_total") : NULL;
	same_text("health: the health families of metrics, histograms cumulative to +Inf = _count",
		  tcp, health_metrics);
	free(got);
	dump_state_free(&st);

	RUN(&st, gen);
	forge = forge_snapshot;
	st.with_health = true;
	err = dump_stats(&st, false);
	/* the forged replies move on to the next snapshot, of 4 entries */
	ok(err == 0 && sends == 4 && !plan_errors && st.nstats == 4 &&
	   st.stats[3].has_health && !st.stats[3].classes[0].has_health,
	   "health: HEALTH_GET of another generation: both taken again (err %d, %u requests)",
	   err, sends);
	dump_state_free(&st);

	RUN(&st, old);
	forge = forge_snapshot;
	st.with_health = true;
	err = dump_stats(&st, false);
	ok(err == 0 && sends == 2 && !plan_errors && st.nstats == 3 &&
	   !st.stats[1].has_health && !st.stats[2].has_health,
	   "health: a module without HEALTH_GET (EOPNOTSUPP): counters without health (err %d)",
	   err);
	dump_state_free(&st);

	RUN(&st, none);
	forge = forge_snapshot;
	err = dump_stats(&st, false);
	ok(err == 0 && sends == 1 && !plan_errors && !st.stats[2].has_health,
	   "health: not asked for, no HEALTH_GET (err %d)", err);
	dump_state_free(&st);
}

/* top's clock: a tenth of a second per wait, from a known time. */
struct fake_clock {
	uint64_t mono;
	unsigned int waits;
	int width, height;
};

#define REALTIME_BASE	1795784700000000000ull

static uint64_t fake_mono(void *arg)
{
	return ((struct fake_clock *)arg)->mono;
}

static uint64_t fake_real(void *arg)
{
	return REALTIME_BASE + ((struct fake_clock *)arg)->mono;
}

static bool fake_wait(void *arg, uint64_t deadline)
{
	struct fake_clock *c = arg;

	c->waits++;
	c->mono = deadline;
	return true;
}

static void fake_size(void *arg, int *width, int *height)
{
	struct fake_clock *c = arg;

	*width = c->width;
	*height = c->height;
}

struct top_case {
	const struct top_opts *o;
	struct fake_clock *clock;
	int err;
};

static void run_top(FILE *f, const void *arg)
{
	struct top_case *tc = (struct top_case *)arg;
	struct top_env env = { fake_mono, fake_real, fake_wait, fake_size,
			       tc->clock };
	struct dump_state st[2] = { { .ctl = &ctl }, { .ctl = &ctl } };

	st[0].with_health = st[1].with_health = true;
	tc->err = top_run(st, tc->o, &env, f);
	dump_state_free(&st[0]);
	dump_state_free(&st[1]);
}

static const char top_json[] =
"{\"time_ns\":1795784700100000000,\"time\":\"2026-11-27T13:05:00.100000000Z\",\"interval_s\":0.1,\"policies\":["
"{\"cgroup\":\"/web\",\"bytes_per_s\":1500000,\"packets_per_s\":1000,\"denied_per_s\":10,"
"\"attempts_per_s\":50,\"failures_per_s\":20,\"rtt_p50_us\":824},"
"{\"cgroup\":\"/svc/a.service\",\"template\":\"/svc/*.service\",\"bytes_per_s\":75000,\"packets_per_s\":50,"
"\"denied_per_s\":0,\"attempts_per_s\":0,\"failures_per_s\":0,\"rtt_p50_us\":null},"
"{\"cgroup\":\"/svc/*.service\",\"bytes_per_s\":0,\"packets_per_s\":0,\"denied_per_s\":0,"
"\"attempts_per_s\":0,\"failures_per_s\":0,\"rtt_p50_us\":null},"
"{\"cgroup\":\"/new\",\"bytes_per_s\":null,\"packets_per_s\":null,\"denied_per_s\":null,"
"\"attempts_per_s\":null,\"failures_per_s\":null,\"rtt_p50_us\":null}]}\n"
"{\"time_ns\":1795784700200000000,\"time\":\"2026-11-27T13:05:00.200000000Z\",\"interval_s\":0.1,\"policies\":["
"{\"cgroup\":\"/new\",\"bytes_per_s\":10000,\"packets_per_s\":100,\"denied_per_s\":0,"
"\"attempts_per_s\":0,\"failures_per_s\":0,\"rtt_p50_us\":null},"
"{\"cgroup\":\"/svc/*.service\",\"bytes_per_s\":0,\"packets_per_s\":0,\"denied_per_s\":0,"
"\"attempts_per_s\":0,\"failures_per_s\":0,\"rtt_p50_us\":null},"
"{\"cgroup\":\"/web\",\"bytes_per_s\":0,\"packets_per_s\":0,\"denied_per_s\":0,"
"\"attempts_per_s\":0,\"failures_per_s\":0,\"rtt_p50_us\":null}]}\n";

static const char top_screen[] =
"egressctl top - 2026-11-27 13:05:00 UTC - every 0.1s - 4 policies\n"
"\n"
"CGROUP           BYTES/S  PKTS/S  DENIED/S  CONN/S  FAIL/S  RTT-P50  TEMPLATE\n"
"/web             1.4 MiB    1.0k      10.0    50.0    20.0    824us  -\n"
"/svc/a.service  73.2 KiB    50.0       0.0     0.0     0.0        -  /svc/*.service\n"
"/svc/*.service       0 B     0.0       0.0     0.0     0.0        -  -\n"
"/new                   -       -         -       -       -        -  -\n"
"\n";

/*
 * On a terminal 30 columns wide and 7 lines high: drawn at once (no rates
 * yet), then redrawn in place, lines cut, rows cut to stay above the
 * cursor's line.
 */
static const char top_tty[] =
"\033[Hegressctl top - 2026-11-27 13:\033[K\n"
"\033[K\n"
"CGROUP          BYTES/S  PKTS/\033[K\n"
"/svc/*.service        -       \033[K\n"
"/svc/a.service        -       \033[K\n"
"/web                  -       \033[K\n"
"\033[J"
"\033[Hegressctl top - 2026-11-27 13:\033[K\n"
"\033[K\n"
"CGROUP           BYTES/S  PKTS\033[K\n"
"/web             1.4 MiB    1.\033[K\n"
"/svc/a.service  73.2 KiB    50\033[K\n"
"... 2 more\033[K\n"
"\033[J";

/*
 * top's loop on three forged snapshots: -j -n 2 -d 0.1 prints two lines,
 * rates from the snapshot before (a counter gone backwards counts from 0,
 * a new policy has none yet, a policy gone is gone), sorted by bytes/s;
 * the screens of the same, and on a terminal.
 */
static void test_top(void)
{
	static const struct step two[] = {
		{ S, CLEAN }, { H, CLEAN }, { S, CLEAN }, { H, CLEAN },
		{ S, CLEAN }, { H, CLEAN } };
	static const struct step one[] = {
		{ S, CLEAN }, { H, CLEAN }, { S, CLEAN }, { H, CLEAN } };
	static const struct step failing[] = {
		{ S, CLEAN }, { H, CLEAN }, { S, EPERM_ACK } };
	struct top_opts o = { .interval_ns = 100000000, .count = 2, .json = true };
	struct fake_clock clock = { .mono = 5000 };
	struct top_case tc = { &o, &clock, 0 };
	struct dump_state unused;
	char *got;

	RUN(&unused, two);
	forge = forge_snapshot;
	clock.mono = 0;
	got = tap_capture(run_top, &tc);
	ok(tc.err == 0 && sends == 6 && !plan_errors && clock.waits == 2,
	   "top -j -n 2 -d 0.1: three snapshots, two waits (err %d, %u requests)",
	   tc.err, sends);
	same_text("top -j -n 2: one object per interval, rates from 0 after a reset, none yet for a new policy",
		  got, top_json);
	free(got);

	setenv("TZ", "UTC", 1);
	tzset();
	RUN(&unused, one);
	forge = forge_snapshot;
	o.json = false;
	o.count = 1;
	clock = (struct fake_clock){ 0 };
	got = tap_capture(run_top, &tc);
	ok(tc.err == 0 && sends == 4 && !plan_errors,
	   "top -n 1 to a file: one screen (err %d)", tc.err);
	same_text("top's screen: header, table, rows without rates last", got,
		  top_screen);
	free(got);

	RUN(&unused, one);
	forge = forge_snapshot;
	o.tty = true;
	clock = (struct fake_clock){ .width = 30, .height = 7 };
	got = tap_capture(run_top, &tc);
	same_text("top on a terminal: drawn at once, then redrawn in place, cut to its size",
		  got, top_tty);
	free(got);

	RUN(&unused, failing);
	forge = forge_snapshot;
	o = (struct top_opts){ .interval_ns = 100000000, .json = true };
	clock = (struct fake_clock){ 0 };
	got = tap_capture(run_top, &tc);
	ok(tc.err == -EPERM && sends == 3 && !strcmp(got, ""),
	   "top: a dump that fails ends the loop with its error, nothing printed (err %d)",
	   tc.err);
	free(got);
}

/* --- forged replies: connection limits of classes ----------------------- */

static struct pf_set conn_set;

/*
 * A POLICY_GET reply of conn_set's policies, as the module lays one out,
 * with each connection limit one CONN nest as apply encodes it, in the
 * file's order (not the module's: the dump must sort them).
 */
static size_t forge_conn_policies(char *buf, size_t size)
{
	size_t i, k, pos = 0;

	for (i = 0; i < conn_set.npolicies; i++) {
		const struct pf_policy *pol = &conn_set.policies[i];
		struct nlmsghdr *nlh = forge_msg(buf, &pos,
						 NF_EGRESS_CMD_POLICY_GET);

		mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, pol->path);
		mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, GENERATION);
		mnl_attr_put_u8(nlh, NF_EGRESS_A_DEFAULT, pol->default_verdict);
		mnl_attr_put_u32(nlh, NF_EGRESS_A_RULE_COUNT, 0);
		mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, pol->mode);
		for (k = 0; k < pol->nconns; k++)
			if (egress_put_conn(nlh, size - pos,
					    &pol->conns[k].conn)) {
				diag("forged POLICY_GET: no room");
				exit(1);
			}
		forge_end(&pos, nlh);
	}
	return forge_done(buf, pos);
}

/* A class nest of a STATS_GET reply; active: CONN_ACTIVE, or none if < 0. */
static void put_conn_class(struct nlmsghdr *nlh, const char *name,
			   uint64_t packets, long long active)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NF_EGRESS_A_STATS_CLASS);

	put_u64(nlh, NF_EGRESS_CTR_A_PAD, NF_EGRESS_CTR_A_PACKETS, packets);
	put_u64(nlh, NF_EGRESS_CTR_A_PAD, NF_EGRESS_CTR_A_BYTES, packets * 100);
	mnl_attr_put_strz(nlh, NF_EGRESS_CTR_A_CLASS, name);
	if (active >= 0)
		mnl_attr_put_u32(nlh, NF_EGRESS_CTR_A_CONN_ACTIVE,
				 (uint32_t)active);
	mnl_attr_nest_end(nlh, nest);
}

/*
 * A STATS_GET reply of /web: its connection limits refused 3 first SYNs
 * and hold 7 connections, 5 of them of class internet (which has a limit),
 * none of dns (a limit too) and the rest of ntp (none).
 */
static size_t forge_conn_stats(char *buf)
{
	struct nlmsghdr *nlh;
	size_t pos = 0;

	nlh = forge_msg(buf, &pos, NF_EGRESS_CMD_STATS_GET);
	mnl_attr_put_strz(nlh, NF_EGRESS_A_CGROUP_PATH, "/web");
	mnl_attr_put_u32(nlh, NF_EGRESS_A_GENERATION, GENERATION);
	mnl_attr_put_u8(nlh, NF_EGRESS_A_MODE, NF_EGRESS_MODE_ENFORCE);
	put_counter(nlh, NF_EGRESS_A_STATS_ALLOWED, 30, 3000, NULL);
	put_counter(nlh, NF_EGRESS_A_STATS_DENIED, 0, 0, NULL);
	put_counter(nlh, NF_EGRESS_A_STATS_WOULD_DENY, 0, 0, NULL);
	put_counter(nlh, NF_EGRESS_A_STATS_CONNLIMIT, 3, 180, NULL);
	mnl_attr_put_u32(nlh, NF_EGRESS_A_STATS_CONN_ACTIVE, 7);
	put_conn_class(nlh, "ntp", 2, -1);
	put_conn_class(nlh, "internet", 20, 5);
	put_conn_class(nlh, "dns", 8, 0);
	forge_end(&pos, nlh);
	return forge_done(buf, pos);
}

static size_t forge_conn(uint8_t cmd, unsigned int nth, void *buf,
			 size_t size)
{
	(void)nth;
	memset(buf, 0, size);
	if (cmd == NF_EGRESS_CMD_POLICY_GET)
		return forge_conn_policies(buf, size);
	if (cmd == NF_EGRESS_CMD_STATS_GET)
		return forge_conn_stats(buf);
	diag("no forged reply to command %u", cmd);
	exit(1);
}

/* The policy file the forged POLICY_GET reply lists. */
static const char conn_file[] =
"# limits of all the connections, of classes, and both\n"
"cgroup \"/web\" {\n"
"\tdefault allow;\n"
"\tconn rate 10/s burst 5 class internet;\n"
"\tconn max 50;\n"
"\tconn max 100 class internet;\n"
"\tconn max 4 class dns;\n"
"}\n"
"cgroup \"/svc/*.service\" { conn rate 3/s class db; }\n"
"cgroup \"/batch\" { mode audit; conn max 2; conn rate 1/s; }\n"
"cgroup \"/idle\" { }\n";

/* show --config of it: the file in the canonical layout */
static const char conn_config[] =
"cgroup \"/batch\" {\n"
"\tmode audit;\n"
"\tdefault deny;\n"
"\tconn max 2;\n"
"\tconn rate 1/s;\n"
"}\n"
"\n"
"cgroup \"/idle\" {\n"
"\tmode enforce;\n"
"\tdefault deny;\n"
"}\n"
"\n"
"cgroup \"/web\" {\n"
"\tmode enforce;\n"
"\tdefault allow;\n"
"\tconn max 50;\n"
"\tconn max 4 class dns;\n"
"\tconn max 100 class internet;\n"
"\tconn rate 10/s burst 5 class internet;\n"
"}\n"
"\n"
"cgroup \"/svc/*.service\" {\n"
"\tmode enforce;\n"
"\tdefault deny;\n"
"\tconn rate 3/s class db;\n"
"}\n";

static const char conn_show[] =
"policy /batch mode audit default deny conn max 2 rate 1/s\n"
"policy /idle mode enforce default deny\n"
"template /svc/*.service mode enforce default deny conn rate 3/s class db\n"
"policy /web mode enforce default allow conn max 50 conn max 4 class dns"
" conn max 100 rate 10/s burst 5 class internet\n";

static const char conn_show_json[] =
"[{\"cgroup\":\"/batch\",\"mode\":\"audit\",\"default\":\"deny\",\"rate\":null,"
"\"conn\":{\"max\":2,\"rate\":1,\"burst\":null},\"conn_classes\":[],\"quotas\":[],\"rules\":[]},"
"{\"cgroup\":\"/idle\",\"mode\":\"enforce\",\"default\":\"deny\",\"rate\":null,"
"\"conn\":null,\"conn_classes\":[],\"quotas\":[],\"rules\":[]},"
"{\"cgroup\":\"/svc/*.service\",\"mode\":\"enforce\",\"default\":\"deny\",\"rate\":null,"
"\"conn\":null,\"conn_classes\":[{\"class\":\"db\",\"max\":null,\"rate\":3,\"burst\":null}],"
"\"instances_max\":null,\"instance_count\":null,\"instances_keep\":null,\"quotas\":[],\"rules\":[]},"
"{\"cgroup\":\"/web\",\"mode\":\"enforce\",\"default\":\"allow\",\"rate\":null,"
"\"conn\":{\"max\":50,\"rate\":null,\"burst\":null},"
"\"conn_classes\":[{\"class\":\"dns\",\"max\":4,\"rate\":null,\"burst\":null},"
"{\"class\":\"internet\",\"max\":100,\"rate\":10,\"burst\":5}],\"quotas\":[],\"rules\":[]}]\n";

static const char conn_stats_json[] =
"[{\"cgroup\":\"/web\",\"mode\":\"enforce\",\"allowed\":{\"packets\":30,\"bytes\":3000},"
"\"denied\":{\"packets\":0,\"bytes\":0},\"would_deny\":{\"packets\":0,\"bytes\":0},"
"\"ratelimited\":{\"packets\":0,\"bytes\":0},\"shaped\":{\"packets\":0,\"bytes\":0},"
"\"queue_len\":0,\"max_delay_ns\":0,\"connlimit\":{\"packets\":3,\"bytes\":180},\"conn_active\":7,"
"\"classes\":{\"dns\":{\"packets\":8,\"bytes\":800,\"conn_active\":0},"
"\"internet\":{\"packets\":20,\"bytes\":2000,\"conn_active\":5},"
"\"ntp\":{\"packets\":2,\"bytes\":200}},\"rules\":[],\"reset_time\":null}]\n";

static const char conn_stats_text[] =
"                     ALLOWED       DENIED   WOULD_DENY  RATELIMITED    CONNLIMIT   CONNS\n"
"CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  ACTIVE\n"
"/web    enforce    30   3000     0      0     0      0     0      0     3    180       7\n"
"\n"
"policy /web: counters never reset\n"
"  no rules\n"
"  CLASS     PKTS  BYTES  CONNS_ACTIVE\n"
"  dns          8    800             0\n"
"  internet    20   2000             5\n"
"  ntp          2    200             -\n";

static const char conn_metrics[] =
"# HELP nf_egress_conn_active TCP connections charged to an nf_egress policy's connection limits now.\n"
"# TYPE nf_egress_conn_active gauge\n"
"nf_egress_conn_active{cgroup=\"/web\"} 7\n"
"# HELP nf_egress_class_conn_active TCP connections charged to the connection limit of the class now, per nf_egress policy.\n"
"# TYPE nf_egress_class_conn_active gauge\n"
"nf_egress_class_conn_active{cgroup=\"/web\",class=\"dns\"} 0\n"
"nf_egress_class_conn_active{cgroup=\"/web\",class=\"internet\"} 5\n";

struct show_render {
	const struct dump_state *st;
	int what;	/* 0: show, 1: show -j, 2: show --config */
	int err;
};

static void render_show(FILE *f, const void *arg)
{
	struct show_render *r = (struct show_render *)arg;

	if (r->what == 2)
		r->err = show_print_config(f, r->st);
	else
		show_print(f, r->st, false, false, r->what == 1);
}

/* The text of a set, as pf_format writes it. */
static void render_set(FILE *f, const void *arg)
{
	pf_format(f, arg);
}

/*
 * A policy file's limits through POLICY_GET (each a CONN nest, in file
 * order) into show, show -j and show --config; the last must be the file
 * as pf_format writes it, and parse to the same text again.  Then the
 * connections charged to classes in stats -j, the stats table and
 * metrics.
 */
static void test_conn_classes(void)
{
	static const struct step policies[] = { { P, CLEAN } };
	static const struct step stats[] = { { S, CLEAN } };
	struct show_render r = { 0 };
	struct render rs = { 0 };
	struct pf_set again;
	struct pf_error perr;
	struct dump_state st;
	const struct policy_entry *web;
	const char *tail;
	char *got, *canon;
	int err;

	if (!ok(pf_parse("conn.conf", conn_file, strlen(conn_file), &conn_set,
			 &perr) == 0, "conn classes: the file parses")) {
		diag("%s", perr.text);
		return;
	}
	RUN(&st, policies);
	forge = forge_conn;
	st.no_rules = true;
	err = dump_policies(&st);
	web = st.npolicies == 4 ? &st.policies[3] : NULL;
	ok(err == 0 && sends == 1 && !plan_errors && web &&
	   !strcmp(web->path, "/web") && web->nconns == 3 &&
	   !web->conns[0].class_name[0] &&
	   !strcmp(web->conns[1].class_name, "dns") &&
	   !strcmp(web->conns[2].class_name, "internet") &&
	   web->conns[2].max_active == 100 && web->conns[2].rate == 10 &&
	   web->conns[2].burst == 5 && !st.policies[1].nconns,
	   "conn classes: POLICY_GET's CONN nests, the policy's limit first, then by class (err %d)",
	   err);

	r.st = &st;
	got = tap_capture(render_show, &r);
	same_text("conn classes: show: each class's limit after the policy's, 'class NAME' last",
		  got, conn_show);
	free(got);
	r.what = 1;
	got = tap_capture(render_show, &r);
	same_text("conn classes: show -j: \"conn\" as before, \"conn_classes\" of the others",
		  got, conn_show_json);
	free(got);
	r.what = 2;
	got = tap_capture(render_show, &r);
	ok(r.err == 0, "conn classes: show --config (err %d)", r.err);
	same_text("conn classes: show --config: a statement each, max then rate",
		  got, conn_config);
	pf_set_sort(&conn_set);
	canon = tap_capture(render_set, &conn_set);
	same_text("conn classes: show --config gives the file back (canonical)",
		  canon, got ? got : "");
	free(canon);
	if (got && pf_parse("config", got, strlen(got), &again, &perr) == 0) {
		canon = tap_capture(render_set, &again);
		same_text("conn classes: show --config parses to the same text",
			  canon, got);
		free(canon);
		pf_set_free(&again);
	} else {
		ok(0, "conn classes: show --config parses (%s)", perr.text);
	}
	free(got);
	dump_state_free(&st);
	pf_set_free(&conn_set);

	RUN(&st, stats);
	forge = forge_conn;
	err = dump_stats(&st, false);
	ok(err == 0 && st.nstats == 1 && st.stats[0].nclasses == 3 &&
	   st.stats[0].classes[0].has_conn_active &&
	   !st.stats[0].classes[0].conn_active &&
	   st.stats[0].classes[1].conn_active == 5 &&
	   !st.stats[0].classes[2].has_conn_active,
	   "conn classes: STATS_GET's class CONN_ACTIVE, 0 too; none without a limit (err %d)",
	   err);
	rs.st = &st;
	got = tap_capture(render, &rs);
	same_text("conn classes: stats -j: conn_active of the classes with a limit",
		  got, conn_stats_json);
	free(got);
	got = tap_capture(render_stats_text, &st);
	same_text("conn classes: stats --rules: CONNS_ACTIVE of the classes",
		  got, conn_stats_text);
	free(got);
	rs.what = 2;
	got = tap_capture(render, &rs);
	tail = got ? strstr(got, "# HELP nf_egress_conn_active ") : NULL;
	same_text("conn classes: metrics: nf_egress_class_conn_active of the classes with a limit",
		  tail, conn_metrics);
	free(got);
	dump_state_free(&st);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		snprintf(golden_dir, sizeof(golden_dir), "%s", argv[1]);
	} else {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n < 0) {
			perror("/proc/self/exe");
			return 1;
		}
		self[n] = '\0';
		snprintf(golden_dir, sizeof(golden_dir), "%s/golden",
			 dirname(self));
	}
	tap_start();
	test_policies();
	test_stats();
	test_eperm();
	test_templates();
	test_health();
	test_top();
	test_conn_classes();
	return tap_end();
}
