// SPDX-License-Identifier: GPL-2.0
/*
 * race_depth PATH ROUNDS ADDR PORT: run from the cgroup PATH governs (or
 * one below it), while other processes of that cgroup send.  Each round
 * creates the policy PATH with "default deny" (deeper than any other
 * policy, so the packet path must look one level further), sends one UDP
 * datagram to ADDR:PORT at once from a socket made in this cgroup, and
 * deletes the policy again.  The datagram must fail with EPERM every
 * round: the packet path's cache of which policies apply to a cgroup must
 * never keep an answer resolved with the depth from before the policy
 * came.  One netlink socket and one UDP socket for all rounds, so rounds
 * are cheap and many.
 *
 * Prints "rounds=N refused=N leaked=N errors=N first_leak_errno=ENAME|none";
 * exit 0 iff every datagram was refused and every request acked.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nl_common.h"

static int policy_request(struct nlc *c, uint8_t cmd, const char *path)
{
	static struct nlc_buf b;
	struct nlc_reply r;

	nlc_begin(c, &b, cmd, 0);
	nlc_put_str(&b, NF_EGRESS_A_CGROUP_PATH, path);
	if (cmd == NF_EGRESS_CMD_POLICY_NEW)
		nlc_put_u8(&b, NF_EGRESS_A_DEFAULT, NF_EGRESS_VERDICT_DENY);
	if (nlc_request(c, &b, NULL, NULL, &r))
		return -EIO;
	return r.error;
}

int main(int argc, char **argv)
{
	unsigned long rounds, i, refused = 0, leaked = 0, errors = 0;
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int fd, first_leak = 0, err;
	char payload[64] = { 0 };
	struct nlc c;

	if (argc != 5) {
		fprintf(stderr, "usage: race_depth PATH ROUNDS ADDR PORT\n");
		return 2;
	}
	rounds = strtoul(argv[2], NULL, 10);
	dst.sin_port = htons(atoi(argv[4]));
	if (inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1) {
		fprintf(stderr, "race_depth: bad IPv4 address %s\n", argv[3]);
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || nlc_open(&c)) {
		fprintf(stderr, "race_depth: cannot open the sockets\n");
		return 2;
	}
	for (i = 0; i < rounds; i++) {
		err = policy_request(&c, NF_EGRESS_CMD_POLICY_NEW, argv[1]);
		if (err) {
			errors++;
			continue;
		}
		if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0 && errno == EPERM) {
			refused++;
		} else {
			leaked++;
			if (!first_leak)
				first_leak = errno ? errno : -1;
		}
		errno = 0;
		if (policy_request(&c, NF_EGRESS_CMD_POLICY_DEL, argv[1]))
			errors++;
	}
	printf("rounds=%lu refused=%lu leaked=%lu errors=%lu first_leak_errno=%s\n",
	       rounds, refused, leaked, errors,
	       !first_leak ? "none" : first_leak < 0 ? "sent" : strerrorname_np(first_leak));
	nlc_close(&c);
	return leaked || errors ? 1 : 0;
}
