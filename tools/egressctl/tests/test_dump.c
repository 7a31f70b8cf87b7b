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
 * usage: test_dump [GOLDEN-DIR]   (default: golden/ next to this binary)
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/nf_egress.h>

#include "dump.h"
#include "egressctl.h"
#include "tap.h"

#define PORTID		4242
#define FAMILY		0x1d

enum mutation {
	CLEAN,
	INTR,		/* NLM_F_DUMP_INTR on the first data message */
	NEW_GEN,	/* every message one generation later */
	EPERM_ACK,	/* not the file: the request refused with -EPERM */
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
	if (s->mut == EPERM_ACK) {
		/* what netlink_ack() sends a NETLINK_CAP_ACK socket */
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct nlmsgerr *e;

		nlh->nlmsg_type = NLMSG_ERROR;
		nlh->nlmsg_flags = NLM_F_CAPPED;
		nlh->nlmsg_seq = last_seq;
		nlh->nlmsg_pid = PORTID;
		e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
		e->error = -EPERM;
		e->msg.nlmsg_len = GENL_HDRLEN + NLMSG_HDRLEN;
		e->msg.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		e->msg.nlmsg_seq = last_seq;
		return (ssize_t)nlh->nlmsg_len;
	}
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
	return tap_end();
}
