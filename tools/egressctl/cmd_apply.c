// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl apply -f FILE, egressctl check -f FILE
 *
 * The whole file is parsed and checked before anything is sent.  Then the
 * new set is built in a staged set the kernel keeps for this socket
 * (APPLY_BEGIN, POLICY_NEW/RULE_NEW with NF_EGRESS_A_STAGED) and swapped in
 * with APPLY_COMMIT, or dropped with APPLY_ABORT (check, or any error).
 * The fill messages are pipelined: several per sendmsg, rules packed many
 * per RULE_NEW, every message ACKed and every ACK read (nl_batch).
 * Policies go in file order, so templates are created in it: file order
 * breaks their ties (pattern.h).  check also warns about templates that
 * compete for the same cgroups (pf_template_warnings).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "egressctl.h"
#include "msg.h"
#include "policyfile.h"

/* What message i of the fill was: a policy, or rules from first_rule on. */
struct fill_msg {
	size_t policy;
	long first_rule;	/* -1: the POLICY_NEW */
};

struct fill_map {
	struct fill_msg *m;
	size_t n, cap;
};

static int map_add(struct fill_map *map, size_t policy, long first_rule)
{
	if (map->n == map->cap) {
		size_t ncap = map->cap ? map->cap * 2 : 64;
		void *p = realloc(map->m, ncap * sizeof(*map->m));

		if (!p)
			return -ENOMEM;
		map->m = p;
		map->cap = ncap;
	}
	map->m[map->n].policy = policy;
	map->m[map->n].first_rule = first_rule;
	map->n++;
	return 0;
}

static const char *shown_name(const char *file)
{
	return strcmp(file, "-") ? file : "<stdin>";
}

int read_input_file(const char *file, char **bufp, size_t *lenp)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	size_t len = 0, cap = 65536;
	char *buf;
	int err = 0;

	if (!f)
		return -errno;
	buf = malloc(cap);
	if (!buf)
		err = -ENOMEM;
	while (!err) {
		size_t n;

		if (len == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = -EIO;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (err) {
		free(buf);
		return err;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* "-f FILE" */
static int parse_file_arg(struct egctl *ctl, int argc, char **argv,
			  const char **file)
{
	if (argc < 1)
		return cmd_errorf(ctl, "missing '-f FILE'");
	if (strcmp(argv[0], "-f") && strcmp(argv[0], "--file"))
		return cmd_errorf(ctl, "expected '-f FILE', got '%.64s'", argv[0]);
	if (argc < 2)
		return cmd_errorf(ctl, "missing FILE after '-f'");
	*file = argv[1];
	return check_no_more_args(ctl, argc - 2, argv + 2);
}

static int load_policy_file(const char *file, struct pf_set *set)
{
	struct pf_error perr;
	char *buf = NULL;
	size_t len = 0;
	int err;

	err = read_input_file(file, &buf, &len);
	if (err)
		return errorf("%s: %s", shown_name(file), strerror(-err));
	err = pf_parse(file, buf, len, set, &perr);
	free(buf);
	if (err)
		return errorf("%s", perr.text[0] ? perr.text : "out of memory");
	return 0;
}

/*
 * Which of the failed request's attributes of type the kernel's attribute
 * offset points into: 0 for the first of them, or -1.
 */
static long failed_attr(const struct nl_batch *b, uint16_t type)
{
	const struct nlmsghdr *req = (const void *)b->err_msg;
	const struct nlattr *attr;
	long k = 0;

	if (!req || !b->has_err_offs)
		return -1;
	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		uint32_t start = (uint32_t)((const char *)attr - (const char *)req);

		if (mnl_attr_get_type(attr) != type)
			continue;
		if (b->err_offs >= start && b->err_offs < start + attr->nla_len)
			return k;
		k++;
	}
	return -1;
}

/* The rule of a failed RULE_NEW the kernel's attribute offset points at. */
static long failed_rule(const struct nl_batch *b, const struct fill_msg *fm)
{
	long k = fm->first_rule < 0 ? -1 : failed_attr(b, NF_EGRESS_A_RULE);

	return k < 0 ? -1 : fm->first_rule + k;
}

/*
 * The connection limit of a failed POLICY_NEW the kernel's attribute
 * offset points at (its CONN nests are the policy's conns in order).
 */
static long failed_conn(const struct nl_batch *b, const struct fill_msg *fm)
{
	return fm->first_rule < 0 ? failed_attr(b, NF_EGRESS_A_CONN) : -1;
}

/* The earlier of two places in the file (line 0: none), e.g. a limit's */
static struct pf_loc earlier(struct pf_loc a, struct pf_loc b)
{
	if (!a.line || (b.line && (b.line < a.line ||
				   (b.line == a.line && b.col < a.col))))
		return b;
	return a;
}

/*
 * Report a failed fill message: at the file position of the rule, the
 * connection limit or the cgroup block it came from, with the kernel's
 * explanation.
 */
static int report_fill_error(struct egctl *ctl, const char *file,
			     const struct pf_set *set,
			     const struct fill_map *map,
			     const struct nl_batch *b)
{
	char where[700];

	snprintf(where, sizeof(where), "%s %s", ctl->cmd, shown_name(file));
	if (b->err_index < map->n) {
		const struct fill_msg *fm = &map->m[b->err_index];
		const struct pf_policy *pol = &set->policies[fm->policy];
		long r = failed_rule(b, fm), c = failed_conn(b, fm);
		struct pf_loc loc = pol->loc;

		if (r >= 0 && (size_t)r < pol->nrules && pol->rule_locs)
			loc = pol->rule_locs[r];
		if (c >= 0 && (size_t)c < pol->nconns) {
			loc = earlier(pol->conns[c].max_loc,
				      pol->conns[c].rate_loc);
			if (!loc.line)
				loc = pol->loc;
		}
		snprintf(where, sizeof(where), "%s: %s:%u:%u", ctl->cmd,
			 shown_name(file), loc.line, loc.col);
	}
	return report_kernel_error(where, b->error, &ctl->nl->ext,
				   (const void *)b->err_msg, b->has_err_offs,
				   b->err_offs);
}

static int simple_request(struct egctl *ctl, uint8_t cmd)
{
	struct nlmsghdr *nlh = egctl_msg(ctl, cmd, 0);

	return nl_request(ctl->nl, nlh, NULL, NULL);
}

/* Queue the POLICY_NEW and RULE_NEWs of one policy. */
static int fill_policy(struct egctl *ctl, struct nl_batch *b,
		       struct fill_map *map, const struct pf_set *set,
		       size_t i)
{
	const struct pf_policy *pol = &set->policies[i];
	struct nlmsghdr *nlh;
	size_t r = 0, q;
	int err;

	nlh = nl_batch_start(b, ctl->family, NF_EGRESS_CMD_POLICY_NEW,
			     NF_EGRESS_GENL_VERSION);
	if (!nlh)
		return b->error;
	if (egress_put_staged(nlh, NL_BATCH_MSG_MAX) ||
	    egress_put_path(nlh, NL_BATCH_MSG_MAX, pol->path) ||
	    egress_put_mode(nlh, NL_BATCH_MSG_MAX, pol->mode) ||
	    egress_put_default(nlh, NL_BATCH_MSG_MAX, pol->default_verdict) ||
	    (pol->has_rate && !pol->rate.none &&
	     egress_put_rate(nlh, NL_BATCH_MSG_MAX, &pol->rate)) ||
	    (pol->instances_max &&
	     egress_put_instances_max(nlh, NL_BATCH_MSG_MAX, pol->instances_max)) ||
	    (pol->has_instances_keep &&
	     egress_put_instances_keep(nlh, NL_BATCH_MSG_MAX,
				       pol->instances_keep)))
		return -EMSGSIZE;
	/* one CONN nest a limit: of all the policy's connections, of a class */
	for (q = 0; q < pol->nconns; q++) {
		if (egress_put_conn(nlh, NL_BATCH_MSG_MAX, &pol->conns[q].conn))
			return -EMSGSIZE;
	}
	for (q = 0; q < pol->nquotas; q++) {
		if (egress_put_quota(nlh, NL_BATCH_MSG_MAX, &pol->quotas[q]))
			return -EMSGSIZE;
	}
	if ((err = map_add(map, i, -1)))
		return err;
	nl_batch_commit(b, nlh);

	while (r < pol->nrules) {
		size_t first = r;

		nlh = nl_batch_start(b, ctl->family, NF_EGRESS_CMD_RULE_NEW,
				     NF_EGRESS_GENL_VERSION);
		if (!nlh)
			return b->error;
		if (egress_put_staged(nlh, NL_BATCH_MSG_MAX) ||
		    egress_put_path(nlh, NL_BATCH_MSG_MAX, pol->path))
			return -EMSGSIZE;
		while (r < pol->nrules &&
		       !egress_put_rule_spec(nlh, NL_BATCH_MSG_MAX,
					     &pol->rules[r]))
			r++;
		if (r == first)		/* not even one rule fits */
			return -EMSGSIZE;
		if ((err = map_add(map, i, (long)first)))
			return err;
		nl_batch_commit(b, nlh);
	}
	return 0;
}

/*
 * Build set in a staged set and commit it (or abort when !commit).
 * Returns EXIT_OK, EXIT_FAIL or EXIT_KERNEL, errors reported.
 */
static int send_set(struct egctl *ctl, const char *file,
		    const struct pf_set *set, bool commit)
{
	struct fill_map map = { 0 };
	struct nl_batch b;
	char what[700];
	size_t i;
	int err, ret = EXIT_FAIL;

	snprintf(what, sizeof(what), "%s %s", ctl->cmd, shown_name(file));
	err = nl_batch_init(&b, ctl->nl);
	if (err)
		return errorf("%s: %s", what, strerror(-err));

	err = simple_request(ctl, NF_EGRESS_CMD_APPLY_BEGIN);
	if (err) {
		ret = report_nl_error(ctl, what, err);
		goto out;
	}
	for (i = 0; i < set->npolicies && !err; i++)
		err = fill_policy(ctl, &b, &map, set, i);
	if (!err)
		err = nl_batch_flush(&b);
	if (err) {
		if (b.error)
			ret = report_fill_error(ctl, file, set, &map, &b);
		else
			errorf("%s: %s", what, strerror(-err));
		/* best effort: closing the socket drops the staged set too */
		simple_request(ctl, NF_EGRESS_CMD_APPLY_ABORT);
		goto out;
	}

	err = simple_request(ctl, commit ? NF_EGRESS_CMD_APPLY_COMMIT
					 : NF_EGRESS_CMD_APPLY_ABORT);
	if (err) {
		ret = report_nl_error(ctl, what, err);
		if (commit)
			simple_request(ctl, NF_EGRESS_CMD_APPLY_ABORT);
		goto out;
	}
	ret = EXIT_OK;
out:
	nl_batch_free(&b);
	free(map.m);
	return ret;
}

int cmd_apply(struct egctl *ctl, int argc, char **argv)
{
	const char *file;
	struct pf_set set;
	int ret;

	if (parse_file_arg(ctl, argc, argv, &file) ||
	    load_policy_file(file, &set))
		return EXIT_FAIL;
	if (egctl_connect(ctl)) {
		pf_set_free(&set);
		return EXIT_KERNEL;
	}
	ret = send_set(ctl, file, &set, true);
	pf_set_free(&set);
	return ret;
}

/* "egressctl: FILE:L:C: warning: ...", on standard error. */
static void print_warning(const char *text, void *arg)
{
	(void)arg;
	errorf("%s", text);
}

int cmd_check(struct egctl *ctl, int argc, char **argv)
{
	const char *file, *note = NULL;
	struct pf_set set;
	size_t npolicies;
	bool loaded;
	int ret;

	if (parse_file_arg(ctl, argc, argv, &file) ||
	    load_policy_file(file, &set))
		return EXIT_FAIL;
	/* templates that compete for a cgroup: the file is fine all the same */
	if (pf_template_warnings(file, &set, print_warning, NULL) < 0) {
		pf_set_free(&set);
		return errorf("%s: %s", shown_name(file), strerror(ENOMEM));
	}

	ret = egctl_connect_if_loaded(ctl, &loaded);
	if (!ret && !loaded)
		note = "not checked by the kernel: module not loaded";
	else if (!ret)
		ret = send_set(ctl, file, &set, false);

	if (ret == EXIT_OK) {
		npolicies = set.npolicies - set.ntemplates;
		printf("%s: OK (%zu %s, ", shown_name(file), npolicies,
		       npolicies == 1 ? "policy" : "policies");
		if (set.ntemplates)
			printf("%zu %s, ", set.ntemplates,
			       set.ntemplates == 1 ? "template" : "templates");
		printf("%zu %s)", set.nrules, set.nrules == 1 ? "rule" : "rules");
		if (note)
			printf(" (%s)", note);
		putchar('\n');
	}
	pf_set_free(&set);
	return ret;
}
