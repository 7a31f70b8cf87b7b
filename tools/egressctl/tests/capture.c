// SPDX-License-Identifier: GPL-2.0
/*
 * capture OUTDIR [PATH]: record the module's replies to the POLICY_GET,
 * RULE_GET and STATS_GET dumps (of PATH alone when given, as `egressctl
 * show PATH` asks), byte for byte as recvfrom() returned them (every
 * message up to and including NLMSG_DONE), in OUTDIR/policy_get.nl,
 * rule_get.nl and stats_get.nl.  tests/golden/ holds such captures, made
 * in the test guest (golden/set.conf, golden/templates/record.sh);
 * tests/test_dump replays them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/nf_egress.h>

#include "msg.h"
#include "netlink.h"

static int capture(struct nl_ctx *nl, uint16_t family, uint8_t cmd,
		   const char *cgroup, const char *dir, const char *name)
{
	struct nlmsghdr *nlh = nl_genl_start(nl, family, cmd,
					     NF_EGRESS_GENL_VERSION, NLM_F_DUMP);
	char path[4096];
	bool done = false;
	FILE *f;

	nlh->nlmsg_seq = ++nl->seq;
	if (cgroup && egress_put_path(nlh, sizeof(nl->sendbuf), cgroup)) {
		fprintf(stderr, "capture: %s: path too long\n", cgroup);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		perror("sendto");
		fclose(f);
		return 1;
	}
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->recvbuf,
						sizeof(nl->recvbuf));
		const struct nlmsghdr *m = (const void *)nl->recvbuf;
		int left = (int)n;

		if (n < 0) {
			perror("recvfrom");
			fclose(f);
			return 1;
		}
		fwrite(nl->recvbuf, 1, (size_t)n, f);
		for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left))
			if (m->nlmsg_type == NLMSG_DONE ||
			    m->nlmsg_type == NLMSG_ERROR)
				done = true;
	}
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct nl_ctx nl;
	uint16_t family;
	int err, rc;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: capture OUTDIR [PATH]\n");
		return 1;
	}
	memset(&nl, 0, sizeof(nl));
	err = nl_open(&nl);
	if (!err)
		err = nl_resolve_family(&nl, NF_EGRESS_GENL_NAME, &family);
	if (err) {
		fprintf(stderr, "capture: %s\n", strerror(-err));
		return 1;
	}
	rc = capture(&nl, family, NF_EGRESS_CMD_POLICY_GET, argv[2], argv[1],
		     "policy_get.nl") |
	     capture(&nl, family, NF_EGRESS_CMD_RULE_GET, argv[2], argv[1],
		     "rule_get.nl") |
	     capture(&nl, family, NF_EGRESS_CMD_STATS_GET, argv[2], argv[1],
		     "stats_get.nl");
	nl_close(&nl);
	return rc;
}
