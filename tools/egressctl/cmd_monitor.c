// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl monitor [-j]: print deny events as they happen (and quota
 * events, instance events of templates that could not make one, and the
 * last counters and rule hits of instances that went), until SIGINT or
 * SIGTERM.
 *
 * The signals are blocked and read from a signalfd polled next to the
 * netlink socket, so a signal that arrives between two events ends the
 * loop at once and cleanly (exit 0), never in the middle of a line.
 *
 * The socket also joins nlctrl's "notify" group: when the module goes away,
 * its group goes with it and no event would ever come again, so the
 * family's removal (CTRL_CMD_DELFAMILY) ends the monitor with exit 2.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "egressctl.h"
#include "event.h"
#include "msg.h"

static int family_id_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*(int *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

/* Is nlh nlctrl's notification that family id went away? */
static bool family_removed(const struct nlmsghdr *nlh, uint16_t family)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	int id = -1;

	if (nlh->nlmsg_type != GENL_ID_CTRL ||
	    genl->cmd != CTRL_CMD_DELFAMILY)
		return false;
	mnl_attr_parse(nlh, GENL_HDRLEN, family_id_cb, &id);
	return id == family;
}

static void print_quota_event(struct egctl *ctl, const struct nlmsghdr *nlh)
{
	struct egress_quota_event_msg q;
	struct timespec ts;

	if (egress_decode_quota_event(nlh, &q)) {
		errorf("monitor: skipped a malformed quota event: %s", q.why);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	q.time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	quota_event_print(stdout, &q, ctl->json);
}

static void print_instance_event(struct egctl *ctl,
				 const struct nlmsghdr *nlh)
{
	struct egress_instance_event_msg m;
	struct timespec ts;

	if (egress_decode_instance_event(nlh, &m)) {
		errorf("monitor: skipped a malformed instance event: %s", m.why);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	m.time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	instance_event_print(stdout, &m, ctl->json);
}

static void print_instance_gone(struct egctl *ctl, const struct nlmsghdr *nlh)
{
	struct egress_instance_gone_msg m;
	struct timespec ts;

	if (egress_decode_instance_gone(nlh, &m)) {
		errorf("monitor: skipped a malformed instance-gone event: %s",
		       m.why);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	m.time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	/* each message as it comes: its rules' places show what was lost */
	if (m.has_rule_offset)
		instance_gone_rules_print(stdout, &m, ctl->json);
	else
		instance_gone_print(stdout, &m, ctl->json);
}

/*
 * Print every event in one datagram of notifications.  Returns true when
 * the family was removed (the module unloaded).
 */
static bool print_events(struct egctl *ctl, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int remaining = (int)len;
	bool removed = false;

	for (; mnl_nlmsg_ok(nlh, remaining);
	     nlh = mnl_nlmsg_next(nlh, &remaining)) {
		const struct genlmsghdr *genl;
		struct egress_event_msg e;

		if (mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
			continue;
		if (family_removed(nlh, ctl->family)) {
			removed = true;
			continue;
		}
		if (nlh->nlmsg_type != ctl->family)
			continue;
		genl = mnl_nlmsg_get_payload(nlh);
		if (genl->cmd == NF_EGRESS_CMD_QUOTA_EVENT) {
			print_quota_event(ctl, nlh);
			continue;
		}
		if (genl->cmd == NF_EGRESS_CMD_INSTANCE_EVENT) {
			print_instance_event(ctl, nlh);
			continue;
		}
		if (genl->cmd == NF_EGRESS_CMD_INSTANCE_GONE) {
			print_instance_gone(ctl, nlh);
			continue;
		}
		if (genl->cmd != NF_EGRESS_CMD_EVENT)
			continue;
		/* a malformed event is skipped with a warning, never trusted */
		if (egress_decode_event(nlh, &e)) {
			errorf("monitor: skipped a malformed event: %s", e.why);
			continue;
		}
		event_print(stdout, &e, ctl->json);
	}
	/* Each event as it comes: the reader may be a pipe or a file. */
	fflush(stdout);
	return removed;
}

int stop_signalfd(void)
{
	sigset_t mask;

	/*
	 * A shell starts background commands with SIGINT ignored, and an
	 * ignored signal never becomes pending: take both back.
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -1;
	return signalfd(-1, &mask, SFD_CLOEXEC);
}

int cmd_monitor(struct egctl *ctl, int argc, char **argv)
{
	struct pollfd pfd[2];
	uint32_t group, ctrl_group;
	uint16_t ctrl_id;
	const struct cmd_flag flags[] = {
		{ "--json", "-j", &ctl->json },
		{ NULL, NULL, NULL }
	};
	int err, ret, sfd;

	if (parse_cmd_flags(ctl, argc, argv, flags, NULL))
		return EXIT_FAIL;

	sfd = stop_signalfd();
	if (sfd < 0)
		return errorf("monitor: cannot set up signal handling: %s",
			      strerror(errno));

	ret = egctl_connect(ctl);
	if (ret)
		goto out;
	err = nl_resolve_group(ctl->nl, NF_EGRESS_GENL_NAME,
			       NF_EGRESS_MCGRP_EVENTS, &ctl->family, &group);
	if (err == -ESRCH) {
		ret = kernel_errorf("monitor: the loaded nf_egress module has no events group");
		goto out;
	}
	if (err) {
		ret = report_nl_error(ctl, "monitor", err);
		goto out;
	}
	err = nl_join_group(ctl->nl, group);
	if (err) {
		ret = kernel_errorf("monitor: cannot join the events group: %s%s",
				    strerror(-err),
				    err == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
		goto out;
	}
	err = nl_resolve_group(ctl->nl, "nlctrl", "notify", &ctrl_id,
			       &ctrl_group);
	if (!err)
		err = nl_join_group(ctl->nl, ctrl_group);
	if (err) {
		ret = kernel_errorf("monitor: cannot join nlctrl's notify group: %s",
				    strerror(-err));
		goto out;
	}

	pfd[0].fd = mnl_socket_get_fd(ctl->nl->sock);
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = {
			.iov_base = ctl->nl->recvbuf,
			.iov_len = sizeof(ctl->nl->recvbuf),
		};
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = errorf("monitor: poll: %s", strerror(errno));
			goto out;
		}
		if (pfd[1].revents) {
			ret = EXIT_OK;
			goto out;
		}
		if (!pfd[0].revents)
			continue;
		n = recvmsg(pfd[0].fd, &mh, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* Our receive buffer overflowed; the socket goes on. */
			if (errno == ENOBUFS) {
				errorf("monitor: events lost: receive buffer overflow");
				continue;
			}
			ret = kernel_errorf("monitor: receive: %s",
					    strerror(errno));
			goto out;
		}
		/*
		 * Any local process may send to our port: only the kernel's
		 * messages are events.
		 */
		if (mh.msg_namelen != sizeof(from) || from.nl_pid != 0)
			continue;
		/* a cut datagram would end in a torn message: say so */
		if (mh.msg_flags & MSG_TRUNC) {
			errorf("monitor: skipped events that overflowed the %zu-byte receive buffer",
			       sizeof(ctl->nl->recvbuf));
			continue;
		}
		if (print_events(ctl, ctl->nl->recvbuf, (size_t)n)) {
			ret = kernel_errorf("monitor: the nf_egress module was unloaded");
			goto out;
		}
	}
out:
	close(sfd);
	return ret;
}
