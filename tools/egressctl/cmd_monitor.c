// SPDX-License-Identifier: GPL-2.0
/*
 * egressctl monitor [-j]: print deny events as they happen, until SIGINT or
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
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "egressctl.h"
#include "json.h"
#include "msg.h"

static const char *event_verdict_name(uint8_t verdict)
{
	switch (verdict) {
	case NF_EGRESS_EVENT_DENY:
		return "deny";
	case NF_EGRESS_EVENT_WOULD_DENY:
		return "would-deny";
	case NF_EGRESS_EVENT_RATELIMITED:
		return "ratelimited";
	}
	return "unknown";
}

/* "2026-11-27T13:05:00.123456789Z" */
static void format_time(char *buf, size_t len, uint64_t ns)
{
	time_t secs = (time_t)(ns / 1000000000ULL);
	struct tm tm;
	char date[32];

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(date, sizeof(date), "@%lld", (long long)secs);
	snprintf(buf, len, "%s.%09lluZ", date,
		 (unsigned long long)(ns % 1000000000ULL));
}

static void format_addr(char *buf, size_t len, uint8_t family,
			const unsigned char *addr)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* ADDR:PORT, [ADDR6]:PORT, or the bare address without ports. */
static void format_endpoint(char *buf, size_t len, const char *addr,
			    uint8_t family, bool has_port, uint16_t port)
{
	if (!has_port)
		snprintf(buf, len, "%s", addr);
	else if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", addr, port);
	else
		snprintf(buf, len, "%s:%u", addr, port);
}

/* Command names are whatever a task set: keep control bytes off the tty. */
static void print_sanitized(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void print_event_text(const struct egress_event_msg *e)
{
	char when[64], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char from[INET6_ADDRSTRLEN + 8], to[INET6_ADDRSTRLEN + 8];
	const char *proto = proto_name(e->proto);

	format_time(when, sizeof(when), e->time_ns);
	format_addr(src, sizeof(src), e->family, e->saddr);
	format_addr(dst, sizeof(dst), e->family, e->daddr);
	format_endpoint(from, sizeof(from), src, e->family, e->has_ports,
			e->sport);
	format_endpoint(to, sizeof(to), dst, e->family, e->has_ports, e->dport);

	printf("%s %s ", when, event_verdict_name(e->verdict));
	print_sanitized(e->cgroup);
	printf(" policy ");
	print_sanitized(e->policy);
	if (e->has_rule_id)
		printf(" rule %u", e->rule_id);
	else
		printf(" default");
	if (proto && e->proto)
		printf(" %s", proto);
	else
		printf(" proto %u", e->proto);
	printf(" %s -> %s", from, to);
	if (e->has_pid) {
		printf(" pid %u", e->pid);
		if (e->comm) {
			printf(" comm ");
			print_sanitized(e->comm);
		}
	}
	if (e->suppressed)
		printf(" suppressed %llu", (unsigned long long)e->suppressed);
	putchar('\n');
}

static void print_event_json(const struct egress_event_msg *e)
{
	char when[64], addr[INET6_ADDRSTRLEN];
	const char *proto = proto_name(e->proto);
	struct json j;

	json_init(&j, stdout);
	json_begin_object(&j);
	json_kv_u64(&j, "time_ns", e->time_ns);
	format_time(when, sizeof(when), e->time_ns);
	json_kv_string(&j, "time", when);
	json_kv_string(&j, "verdict", event_verdict_name(e->verdict));
	json_kv_string(&j, "cgroup", e->cgroup);
	json_kv_string(&j, "policy", e->policy);
	json_key(&j, "rule_id");
	if (e->has_rule_id)
		json_u64(&j, e->rule_id);
	else
		json_null(&j);
	json_kv_bool(&j, "default", !e->has_rule_id);
	json_kv_string(&j, "family", e->family == AF_INET ? "ipv4" : "ipv6");
	json_key(&j, "proto");
	if (proto && e->proto)
		json_string(&j, proto);
	else
		json_u64(&j, e->proto);
	json_key(&j, "src");
	if (e->has_saddr) {
		format_addr(addr, sizeof(addr), e->family, e->saddr);
		json_string(&j, addr);
	} else {
		json_null(&j);
	}
	json_key(&j, "dst");
	if (e->has_daddr) {
		format_addr(addr, sizeof(addr), e->family, e->daddr);
		json_string(&j, addr);
	} else {
		json_null(&j);
	}
	json_key(&j, "sport");
	if (e->has_ports)
		json_u64(&j, e->sport);
	else
		json_null(&j);
	json_key(&j, "dport");
	if (e->has_ports)
		json_u64(&j, e->dport);
	else
		json_null(&j);
	json_key(&j, "pid");
	if (e->has_pid)
		json_u64(&j, e->pid);
	else
		json_null(&j);
	json_key(&j, "comm");
	if (e->comm)
		json_string(&j, e->comm);
	else
		json_null(&j);
	json_kv_u64(&j, "suppressed", e->suppressed);
	json_end_object(&j);
	putchar('\n');
}

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
		if (genl->cmd != NF_EGRESS_CMD_EVENT)
			continue;
		if (egress_decode_event(nlh, &e)) {
			errorf("monitor: skipped a malformed event");
			continue;
		}
		if (ctl->json)
			print_event_json(&e);
		else
			print_event_text(&e);
	}
	/* Each event as it comes: the reader may be a pipe or a file. */
	fflush(stdout);
	return removed;
}

static int open_signalfd(void)
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
	int i, err, ret, sfd;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json"))
			ctl->json = true;
		else if (argv[i][0] == '-')
			return cmd_errorf(ctl, "unknown option '%.64s'", argv[i]);
		else
			return cmd_errorf(ctl, "unexpected argument '%.64s'",
					  argv[i]);
	}

	sfd = open_signalfd();
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
		n = recv(pfd[0].fd, ctl->nl->recvbuf, sizeof(ctl->nl->recvbuf),
			 MSG_DONTWAIT);
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
		if (print_events(ctl, ctl->nl->recvbuf, (size_t)n)) {
			ret = kernel_errorf("monitor: the nf_egress module was unloaded");
			goto out;
		}
	}
out:
	close(sfd);
	return ret;
}
