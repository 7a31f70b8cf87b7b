// SPDX-License-Identifier: GPL-2.0
/*
 * egress_probe - small socket multi-tool for the nf_egress selftests.
 *
 *   egress_probe tcp-connect ADDR PORT [--timeout-ms N] [--proto P]
 *		[--send BYTES]
 *	Connect once.  Prints "result=ok|ENAME elapsed_us=N", where the time
 *	covers connect() and the wait for its completion, measured with
 *	CLOCK_MONOTONIC.  Exit 0 if the connection was established, 1 if not.
 *	--proto: tcp (the default), mptcp (IPPROTO_MPTCP: the data goes out
 *	on the kernel's subflow sockets) or smc (AF_SMC: on its kernel TCP
 *	socket, when the peer has no SMC).  --send: once connected, write
 *	BYTES bytes (within the timeout) and shut the connection down; adds
 *	" sent=N" to the line, and the connection counts as established
 *	only if all were written.
 *
 *   egress_probe tcp-many ADDR PORT COUNT [--timeout-ms N] [--close-each]
 *		[--syncnt N] [--retry N] [--hold-file FILE] [--fastopen]
 *		[--parallel]
 *	Connect COUNT sockets one after the other, each waiting up to the
 *	timeout (3000 ms) for its outcome, and keep those that connected
 *	open.  --close-each: close each at once instead.  --syncnt: TCP_SYNCNT
 *	(SYN retransmissions before a connect() times out).  --retry N: a
 *	socket whose connect() failed tries again, on the same socket, up to
 *	N more times.  --fastopen: connect with sendto(MSG_FASTOPEN) and one
 *	byte of data (in the SYN when net.ipv4.tcp_fastopen allows it without
 *	a cookie).  --parallel: start every connect at once (non-blocking),
 *	then wait for them all (no --retry).  Then prints "ok=N refused=N timedout=N other=N
 *	max_refused_us=N elapsed_us=N" (max_refused_us: the slowest
 *	ECONNREFUSED; elapsed_us: all the connects), and with --hold-file
 *	waits until FILE exists before it closes the sockets and exits.
 *	Exit 0.
 *
 *   egress_probe tcp-recv ADDR PORT --pidfile FILE --statfile FILE
 *	Like tcp-listen, but read every connection to its end, one at a
 *	time, and keep "connections=N bytes=M\n" in FILE (payload bytes,
 *	rewritten after every read).
 *
 *   egress_probe udp-send ADDR PORT COUNT SIZE [--interval-us N] [--dev DEV]
 *		[--pmtudisc-probe | --pmtudisc-switch] [--rthdr N]
 *		[--ipv6-mtu-lower]
 *	Send COUNT datagrams of SIZE payload bytes with sendto() on an
 *	unconnected socket (so ICMP errors of earlier datagrams do not
 *	fail later ones), bound to device DEV (SO_BINDTODEVICE: a VRF) if
 *	given.  --pmtudisc-probe: IP_MTU_DISCOVER / IPV6_MTU_DISCOVER
 *	IP_PMTUDISC_PROBE, so that the socket fragments to the device's MTU,
 *	not the route's.  --pmtudisc-switch: each datagram is started with
 *	IP_PMTUDISC_DONT (cut to the route's MTU) and MSG_MORE, and sent
 *	with an empty sendto() after switching to IP_PMTUDISC_OMIT (the
 *	device's MTU).  --rthdr N (IPv6): a segment routing header of N
 *	segments, each ADDR, set with IPV6_RTHDR (no privilege needed), which
 *	every fragment repeats.  --ipv6-mtu-lower: each datagram is started
 *	with IPV6_MTU 1400 and MSG_MORE, and sent with an empty sendto()
 *	after IPV6_MTU is lowered to 1280.  Errors do not stop the loop.
 *	Prints "sent=N failed=N first_errno=ENAME|none".  Exit 0 if every
 *	datagram was sent, 1 otherwise.
 *
 *   egress_probe frag-send ADDR PORT SIZE FRAGSIZE [--first FIRSTSIZE]
 *		[--first-options N]
 *	One UDP datagram of SIZE payload bytes, sent from a raw socket that
 *	writes its own IP header (IPPROTO_RAW) as fragments of at most
 *	FRAGSIZE bytes each, IP header (and IPv6 fragment header) included,
 *	first to last, all with one identification: what conntrack's
 *	defragmenter, where it runs, reassembles at LOCAL_OUT.  --first: the
 *	first fragment of at most FIRSTSIZE bytes instead.  --first-options
 *	(IPv4): N bytes (a multiple of 4, up to 40) of no-operation options
 *	in the first fragment's header.  The IPv6 source address is the one
 *	the kernel picks for ADDR.  Prints "sent=N failed=N
 *	first_errno=ENAME|none" counting fragments.  Exit 0 if every
 *	fragment was sent, 1 otherwise.
 *
 *   egress_probe tcp-listen ADDR PORT --pidfile FILE [--rst]
 *	Bind and listen, then go to the background (the listening socket
 *	exists when the command returns), accept and close connections
 *	until killed.  ADDR "::" listens on IPv4 and IPv6.  --rst: close
 *	each with SO_LINGER 0, which resets the connection.
 *
 *   egress_probe udp-recv ADDR PORT --pidfile FILE --statfile FILE
 *	Bind, then go to the background and count received datagrams.
 *	After every datagram FILE is rewritten with
 *	"received=N bytes=M\n" (payload bytes).  ADDR "::" is dual-stack.
 *
 *   egress_probe udp-loop PORT SIZE COUNT ADDR... [--interval-us N]
 *	Round-robin sender: each of COUNT iterations (0: until SIGTERM or
 *	SIGINT) sends one datagram of SIZE bytes to every ADDR on PORT, from
 *	one unconnected socket per address family (created before the first
 *	send).  At the end prints one line per ADDR:
 *	"addr=ADDR sent=N failed=N first_errno=ENAME|none".  Exit 0.
 *
 *   egress_probe udp-hold ADDR PORT COUNT SIZE
 *	Create the UDP socket, print "ready pid=PID", then wait for a line
 *	(or EOF) on stdin, then send like udp-send and print its result
 *	line.  Shows which cgroup a socket is charged to when its process
 *	moves to another cgroup between socket() and sendto().
 *
 *   egress_probe udp-cgroups ADDR PORT SIZE DIR...
 *	For each cgroup v2 directory DIR in turn: move this process into it
 *	(its pid to DIR/cgroup.procs), then send one datagram of SIZE
 *	payload bytes from a new socket, which belongs to DIR.  Many cgroups
 *	for the price of one process start.  Prints "sent=N failed=N
 *	first_errno=ENAME|none" (a failed move counts as a failed datagram).
 *	Exit 0 if every datagram was sent, 1 otherwise.
 *
 *   egress_probe tcp-connect-loop PORT TIMEOUT_MS ADDR... [--interval-us N]
 *	Until SIGTERM or SIGINT: connect to each ADDR on PORT in turn, from
 *	a new socket each time, waiting up to TIMEOUT_MS for the outcome,
 *	and close; then sleep N us before the next round.  At the end prints
 *	"addr=ADDR ok=N failed=N" per ADDR.  Exit 0.
 *
 *   egress_probe icmp-echo ADDR [--timeout-ms N]
 *	Send one ICMP (ICMPv6) echo request on a SOCK_DGRAM ping socket
 *	(needs net.ipv4.ping_group_range to include the caller's group) and
 *	wait for the reply.  Prints "result=ok|ENAME elapsed_us=N"
 *	(ETIMEDOUT: no reply).  Exit 0 if a reply came, 1 if not.
 *
 *   egress_probe udp-flood ADDR PORT SIZE SECONDS
 *	Send datagrams of SIZE payload bytes as fast as possible, with
 *	blocking sendto() on one unconnected socket, for SECONDS seconds
 *	(CLOCK_MONOTONIC).  Without IP_RECVERR, a datagram that a hook drops
 *	with -ENOBUFS still counts as sent (sendto() returns success), so
 *	"sent" is the number of datagrams that reached the IP output path.
 *	Prints "sent=N elapsed_ns=E failed=N first_errno=ENAME|none
 *	start_ns=S end_ns=L", where S is the monotonic time just before the
 *	first sendto(), L just after the last one and E = L - S.  Exit 0 if
 *	every datagram was sent, 1 otherwise.
 *
 *   egress_probe tcp-stray-ack SRC DST PORT COUNT [--timeout-ms N]
 *	Send COUNT bare TCP ACKs (no connection behind them) from SRC, source
 *	ports 40000 and up, to DST PORT on a raw socket, then count the
 *	resets DST sends back to those ports until all came or the timeout
 *	(1000 ms) passed.  A listener answers each with a reset that the
 *	kernel sends on its behalf.  Prints "sent=N resets=M".  Exit 0 if
 *	every ACK got its reset, 1 otherwise.  Needs CAP_NET_RAW.
 *
 *   egress_probe netdev-feature DEV tso|gso [on|off]
 *	Read (and with on/off first set) an offload feature of network
 *	device DEV in the caller's netns through the legacy SIOCETHTOOL
 *	commands (no ethtool binary needed).  Prints "FEATURE=on|off" (the
 *	state after the change).  Exit 0 on success, 1 if the device refused.
 *
 * Addresses may be IPv4 or IPv6 (optionally in brackets).  Exit code 2
 * means a usage or setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <netinet/tcp.h>

#define ERRNAME(e) { e, #e }
static const struct {
	int err;
	const char *name;
} errnames[] = {
	ERRNAME(EPERM), ERRNAME(ENOENT), ERRNAME(EINTR), ERRNAME(EACCES),
	ERRNAME(EAGAIN), ERRNAME(EINVAL), ERRNAME(ENOMEM), ERRNAME(EMSGSIZE),
	ERRNAME(EAFNOSUPPORT), ERRNAME(EADDRINUSE), ERRNAME(EADDRNOTAVAIL),
	ERRNAME(ENETDOWN), ERRNAME(ENETUNREACH), ERRNAME(ECONNABORTED),
	ERRNAME(ECONNRESET), ERRNAME(ENOBUFS), ERRNAME(ETIMEDOUT),
	ERRNAME(ECONNREFUSED), ERRNAME(EHOSTDOWN), ERRNAME(EHOSTUNREACH),
	ERRNAME(EINPROGRESS), ERRNAME(EALREADY), ERRNAME(EPIPE),
};

static const char *errname(int err)
{
	static char buf[16];
	size_t i;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fputs("egress_probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void usage(void)
{
	fputs("usage: egress_probe tcp-connect ADDR PORT [--timeout-ms N] [--proto tcp|mptcp|smc] [--send BYTES]\n"
	      "       egress_probe tcp-recv ADDR PORT --pidfile FILE --statfile FILE\n"
	      "       egress_probe udp-send ADDR PORT COUNT SIZE [--interval-us N] [--dev DEV]\n"
	      "                                [--pmtudisc-probe | --pmtudisc-switch] [--rthdr N]\n"
	      "                                [--ipv6-mtu-lower]\n"
	      "       egress_probe frag-send ADDR PORT SIZE FRAGSIZE [--first FIRSTSIZE]\n"
	      "                                [--first-options N]\n"
	      "       egress_probe tcp-listen ADDR PORT --pidfile FILE [--rst]\n"
	      "       egress_probe tcp-many ADDR PORT COUNT [--timeout-ms N] [--close-each]\n"
	      "                             [--syncnt N] [--retry N] [--hold-file FILE]\n"
	      "                             [--fastopen] [--parallel]\n"
	      "       egress_probe udp-recv ADDR PORT --pidfile FILE --statfile FILE\n"
	      "       egress_probe udp-loop PORT SIZE COUNT ADDR... [--interval-us N]\n"
	      "       egress_probe udp-hold ADDR PORT COUNT SIZE\n"
	      "       egress_probe udp-cgroups ADDR PORT SIZE DIR...\n"
	      "       egress_probe tcp-connect-loop PORT TIMEOUT_MS ADDR... [--interval-us N]\n"
	      "       egress_probe icmp-echo ADDR [--timeout-ms N]\n"
	      "       egress_probe udp-flood ADDR PORT SIZE SECONDS\n"
	      "       egress_probe tcp-stray-ack SRC DST PORT COUNT [--timeout-ms N]\n"
	      "       egress_probe netdev-feature DEV tso|gso [on|off]\n",
	      stderr);
	exit(2);
}

static unsigned long parse_ulong(const char *s, const char *what,
				 unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || *s == '-')
		die("bad %s: '%s'", what, s);
	return v;
}

static socklen_t parse_addr(const char *s, const char *port,
			    struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	uint16_t p = parse_ulong(port, "port", 65535);
	char buf[INET6_ADDRSTRLEN + 2];
	size_t len = strlen(s);

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		if (len - 2 >= sizeof(buf))
			die("bad address: '%s'", s);
		memcpy(buf, s + 1, len - 2);
		buf[len - 2] = '\0';
	} else {
		if (len >= sizeof(buf))
			die("bad address: '%s'", s);
		memcpy(buf, s, len + 1);
	}

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		return sizeof(*sin);
	}
	if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		return sizeof(*sin6);
	}
	die("bad address: '%s'", s);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef AF_SMC
#define AF_SMC 43
#endif
#define SMCPROTO_SMC 0
#define SMCPROTO_SMC6 1

/* A stream socket of --proto for an address of @family. */
static int stream_socket(const char *proto, int family)
{
	int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;

	if (!strcmp(proto, "tcp"))
		return socket(family, type, 0);
	if (!strcmp(proto, "mptcp"))
		return socket(family, type, IPPROTO_MPTCP);
	if (!strcmp(proto, "smc"))
		return socket(AF_SMC, type,
			      family == AF_INET6 ? SMCPROTO_SMC6 : SMCPROTO_SMC);
	die("bad --proto: '%s'", proto);
}

/* Wait until @fd is ready for @events or the deadline; 0 on timeout. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	for (;;) {
		uint64_t t = now_us();
		int left = t >= deadline ? 0 : (int)((deadline - t + 999) / 1000);

		n = poll(&pfd, 1, left);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0)
		die("poll: %s", strerror(errno));
	return n;
}

/* Write @bytes bytes to the non-blocking @fd by @deadline; 0 or an errno. */
static int send_bytes(int fd, unsigned long bytes, uint64_t deadline,
		      unsigned long *sent)
{
	static char buf[65536];

	while (*sent < bytes) {
		size_t chunk = bytes - *sent < sizeof(buf) ? bytes - *sent :
			       sizeof(buf);
		ssize_t n = send(fd, buf, chunk, MSG_NOSIGNAL);

		if (n > 0) {
			*sent += n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return errno;
		if (!wait_fd(fd, POLLOUT, deadline))
			return ETIMEDOUT;
	}
	return 0;
}

/* connect() @fd and wait for the outcome until @deadline; 0 or an errno. */
/*
 * Start @fd's connect: 0 when connected, EINPROGRESS, or an errno.  With
 * @fastopen, sendto(MSG_FASTOPEN) with one byte, which the SYN carries.
 */
static int connect_start(int fd, const struct sockaddr_storage *ss,
			 socklen_t alen, bool fastopen)
{
	int ret;

	if (fastopen)
		ret = sendto(fd, "x", 1, MSG_FASTOPEN,
			     (const struct sockaddr *)ss, alen) == 1 ? 0 : -1;
	else
		ret = connect(fd, (const struct sockaddr *)ss, alen);
	/* Data queued with the SYN: the handshake is still to come. */
	if (!ret && fastopen)
		return EINPROGRESS;
	return ret ? errno : 0;
}

/* A started connect's outcome: 0, or SO_ERROR's errno. */
static int connect_result(int fd)
{
	socklen_t elen;
	int err;

	elen = sizeof(err);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
		die("getsockopt: %s", strerror(errno));
	return err;
}

static int connect_wait(int fd, const struct sockaddr_storage *ss,
			socklen_t alen, uint64_t deadline, bool fastopen)
{
	int err = connect_start(fd, ss, alen, fastopen);

	if (err != EINPROGRESS)
		return err;
	if (!wait_fd(fd, POLLOUT, deadline))
		return ETIMEDOUT;
	return connect_result(fd);
}

/* What a sender's datagrams came to, printed as "sent=N failed=N first_errno=E". */
struct send_tally {
	unsigned long sent, failed;
	int first_err;
};

/* One datagram: failed with @err (an errno), or sent when @err is 0. */
static void tally_result(struct send_tally *t, int err)
{
	if (!err) {
		t->sent++;
		return;
	}
	t->failed++;
	if (!t->first_err)
		t->first_err = err;
}

/* One sendto() of @want bytes that returned @n (errno as it left it). */
static void tally_send(struct send_tally *t, ssize_t n, size_t want)
{
	tally_result(t, n == (ssize_t)want ? 0 : n < 0 ? errno : EMSGSIZE);
}

static const char *tally_errname(const struct send_tally *t)
{
	return t->first_err ? errname(t->first_err) : "none";
}

/* Print @t; exit status 0 if every datagram was sent, 1 otherwise. */
static int tally_print(const struct send_tally *t)
{
	printf("sent=%lu failed=%lu first_errno=%s\n", t->sent, t->failed,
	       tally_errname(t));
	return t->failed ? 1 : 0;
}

static int cmd_tcp_connect(int argc, char **argv)
{
	unsigned long timeout_ms = 3000, send_len = 0, sent = 0;
	const char *proto = "tcp", *v;
	struct sockaddr_storage ss;
	uint64_t start, elapsed, deadline;
	bool do_send = false;
	socklen_t alen;
	int fd, i, err = 0;

	if (argc < 2 || argc % 2)
		usage();
	for (i = 2; i < argc; i += 2) {
		v = argv[i + 1];
		if (!strcmp(argv[i], "--timeout-ms"))
			timeout_ms = parse_ulong(v, "timeout", 600000);
		else if (!strcmp(argv[i], "--proto"))
			proto = v;
		else if (!strcmp(argv[i], "--send"))
			do_send = true, send_len = parse_ulong(v, "size", 1UL << 40);
		else
			usage();
	}
	alen = parse_addr(argv[0], argv[1], &ss);

	fd = stream_socket(proto, ss.ss_family);
	if (fd < 0) {
		printf("result=%s elapsed_us=0 socket\n", errname(errno));
		return 1;
	}

	start = now_us();
	deadline = start + timeout_ms * 1000;
	err = connect_wait(fd, &ss, alen, deadline, false);
	elapsed = now_us() - start;
	if (!err && do_send) {
		err = send_bytes(fd, send_len, deadline, &sent);
		shutdown(fd, SHUT_WR);
	}
	close(fd);

	printf("result=%s elapsed_us=%llu", err ? errname(err) : "ok",
	       (unsigned long long)elapsed);
	if (do_send)
		printf(" sent=%lu", sent);
	putchar('\n');
	return err ? 1 : 0;
}

/*
 * IP_MTU_DISCOVER or IPV6_MTU_DISCOVER: the IP_PMTUDISC_* values used here
 * equal their IPV6_PMTUDISC_* counterparts.
 */
static void set_pmtudisc(int fd, int family, int val)
{
	int v4 = family == AF_INET;

	if (setsockopt(fd, v4 ? IPPROTO_IP : IPPROTO_IPV6,
		       v4 ? IP_MTU_DISCOVER : IPV6_MTU_DISCOVER,
		       &val, sizeof(val)))
		die("IP_MTU_DISCOVER %d: %s", val, strerror(errno));
}

static void set_ipv6_mtu(int fd, int mtu)
{
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, sizeof(mtu)))
		die("IPV6_MTU %d: %s", mtu, strerror(errno));
}

/*
 * A segment routing header (RFC 8754, routing type 4) of @n segments, all
 * the destination, as the socket's IPV6_RTHDR: 8 bytes, then the segments.
 */
static void set_srh(int fd, const struct sockaddr_storage *ss, int n)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	unsigned char srh[8 + 100 * 16] = { 0 };
	int i;

	if (ss->ss_family != AF_INET6 || n < 1)
		die("--rthdr needs an IPv6 address and at least one segment");
	srh[1] = 2 * n;		/* length in 8-byte units, the first 8 not counted */
	srh[2] = 4;		/* segment routing */
	srh[3] = n - 1;		/* segments left */
	srh[4] = n - 1;		/* last entry */
	for (i = 0; i < n; i++)
		memcpy(&srh[8 + 16 * i], &sin6->sin6_addr, 16);
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RTHDR, srh, 8 + 16 * n))
		die("IPV6_RTHDR: %s", strerror(errno));
}

static int cmd_udp_send(int argc, char **argv)
{
	unsigned long count, size, interval_us = 0, i;
	int fd, a, probe_pmtu = 0, rthdr = 0;
	struct send_tally tally = { 0 };
	const char *dev = NULL;
	struct sockaddr_storage ss;
	socklen_t alen;
	char *buf;

	if (argc < 4)
		usage();
	for (a = 4; a < argc; a++) {
		if (!strcmp(argv[a], "--pmtudisc-probe"))
			probe_pmtu = 1;
		else if (!strcmp(argv[a], "--pmtudisc-switch"))
			probe_pmtu = 2;
		else if (!strcmp(argv[a], "--ipv6-mtu-lower"))
			probe_pmtu = 3;
		else if (a + 1 >= argc)
			usage();
		else if (!strcmp(argv[a], "--interval-us"))
			interval_us = parse_ulong(argv[++a], "interval", 10000000);
		else if (!strcmp(argv[a], "--dev"))
			dev = argv[++a];
		else if (!strcmp(argv[a], "--rthdr"))
			rthdr = (int)parse_ulong(argv[++a], "segments", 100);
		else
			usage();
	}
	alen = parse_addr(argv[0], argv[1], &ss);
	count = parse_ulong(argv[2], "count", 100000000);
	size = parse_ulong(argv[3], "size", 65000);

	buf = calloc(1, size ? size : 1);
	if (!buf)
		die("out of memory");
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev)))
		die("SO_BINDTODEVICE %s: %s", dev, strerror(errno));
	if (probe_pmtu == 1)
		set_pmtudisc(fd, ss.ss_family, IP_PMTUDISC_PROBE);
	if (rthdr)
		set_srh(fd, &ss, rthdr);

	for (i = 0; i < count; i++) {
		ssize_t n;

		memset(buf, (int)(i & 0xff), size);
		if (probe_pmtu == 2) {
			set_pmtudisc(fd, ss.ss_family, IP_PMTUDISC_DONT);
			n = sendto(fd, buf, size, MSG_MORE,
				   (struct sockaddr *)&ss, alen);
			set_pmtudisc(fd, ss.ss_family, IP_PMTUDISC_OMIT);
			if (n == (ssize_t)size &&
			    sendto(fd, buf, 0, 0, (struct sockaddr *)&ss, alen) < 0)
				n = -1;
		} else if (probe_pmtu == 3) {
			set_ipv6_mtu(fd, 1400);
			n = sendto(fd, buf, size, MSG_MORE,
				   (struct sockaddr *)&ss, alen);
			set_ipv6_mtu(fd, 1280);
			if (n == (ssize_t)size &&
			    sendto(fd, buf, 0, 0, (struct sockaddr *)&ss, alen) < 0)
				n = -1;
		} else {
			do {
				n = sendto(fd, buf, size, 0,
					   (struct sockaddr *)&ss, alen);
			} while (n < 0 && errno == EINTR);
		}
		tally_send(&tally, n, size);
		if (interval_us)
			usleep(interval_us);
	}
	close(fd);
	free(buf);
	return tally_print(&tally);
}

static int bind_socket(int type, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t alen;
	int fd, one = 1, zero = 0;

	alen = parse_addr(addr, port, &ss);
	fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, alen))
		die("bind %s port %s: %s", addr, port, strerror(errno));
	return fd;
}

/* Fork; the parent writes the child's pid to @pidfile and exits 0. */
static void daemonize(const char *pidfile)
{
	char tmp[4096];
	FILE *f;
	pid_t pid;
	int nul;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", pidfile) >= (int)sizeof(tmp))
		die("pidfile name too long");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0) {
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) ||
		    rename(tmp, pidfile)) {
			kill(pid, SIGKILL);
			die("cannot write %s", pidfile);
		}
		exit(0);
	}
	setsid();
	nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
}

static const char *opt_value(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* The Internet checksum of @len bytes at @data, continuing @sum. */
static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* The address the kernel picks to send to @dst from: a connected UDP socket's. */
static void pick_source(const struct sockaddr_storage *dst, socklen_t alen,
			struct sockaddr_storage *src)
{
	socklen_t slen = sizeof(*src);
	int fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)dst, alen) ||
	    getsockname(fd, (struct sockaddr *)src, &slen))
		die("no source address for the destination: %s", strerror(errno));
	close(fd);
}

static int cmd_frag_send(int argc, char **argv)
{
	unsigned long size, fragsize, firstsize, off, total, opts = 0;
	struct send_tally tally = { 0 };
	unsigned char *dgram, pkt[65536];
	struct sockaddr_storage ss, src;
	int fd, v4, a;
	/* Not 0: raw_send_hdrinc() gives each such IPv4 packet an id of its own. */
	uint32_t id = (uint32_t)getpid() % 0xfffe + 1;
	size_t base_hlen;
	socklen_t alen;

	if (argc < 4)
		usage();
	alen = parse_addr(argv[0], argv[1], &ss);
	size = parse_ulong(argv[2], "size", 65000);
	fragsize = parse_ulong(argv[3], "fragment size", 65535);
	firstsize = fragsize;
	for (a = 4; a < argc; a++) {
		if (a + 1 >= argc)
			usage();
		else if (!strcmp(argv[a], "--first"))
			firstsize = parse_ulong(argv[++a], "first size", 65535);
		else if (!strcmp(argv[a], "--first-options"))
			opts = parse_ulong(argv[++a], "option bytes", 40);
		else
			usage();
	}
	v4 = ss.ss_family == AF_INET;
	base_hlen = v4 ? 20 : 48;
	if (opts & 3 || (opts && !v4))
		die("--first-options: a multiple of 4 bytes, for IPv4");
	if (fragsize < base_hlen + 8 || firstsize < base_hlen + opts + 8)
		die("a fragment size leaves no room for data");
	total = 8 + size;

	dgram = calloc(1, total);
	if (!dgram)
		die("out of memory");
	memset(dgram + 8, 0x5a, size);
	/* The UDP header: ports, length, checksum (IPv4: none). */
	dgram[0] = 0x9c;
	dgram[1] = 0x40;
	memcpy(dgram + 2, &((struct sockaddr_in *)&ss)->sin_port, 2);
	dgram[4] = total >> 8;
	dgram[5] = total & 0xff;
	if (!v4) {
		const struct sockaddr_in6 *d6 = (const struct sockaddr_in6 *)&ss;
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&src;
		unsigned char tail[8] = { total >> 24, total >> 16, total >> 8,
					  total, 0, 0, 0, IPPROTO_UDP };
		uint32_t sum;
		uint16_t c;

		pick_source(&ss, alen, &src);
		sum = csum_add(0, &s6->sin6_addr, 16);
		sum = csum_add(sum, &d6->sin6_addr, 16);
		sum = csum_add(sum, tail, sizeof(tail));
		c = csum_fold(csum_add(sum, dgram, total));
		if (!c)
			c = 0xffff;
		memcpy(dgram + 6, &c, 2);
		/* A raw IPv6 socket takes a protocol, not a port, there. */
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
	} else {
		((struct sockaddr_in *)&ss)->sin_port = 0;
	}

	fd = socket(ss.ss_family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0)
		die("raw socket: %s", strerror(errno));
	for (off = 0; off < total; ) {
		size_t hlen = base_hlen + (off ? 0 : opts);
		unsigned long per = ((off ? fragsize : firstsize) - hlen) & ~7UL;
		unsigned long len = total - off < per ? total - off : per;
		int more = off + len < total;
		ssize_t n;

		memset(pkt, 0, hlen);
		if (v4) {
			pkt[0] = 0x40 | hlen / 4;
			/* No-operation options (type 1). */
			memset(pkt + 20, 1, hlen - 20);
			pkt[2] = (hlen + len) >> 8;
			pkt[3] = (hlen + len) & 0xff;
			pkt[4] = id >> 8;
			pkt[5] = id & 0xff;
			pkt[6] = (off >> 11) | (more ? 0x20 : 0);
			pkt[7] = (off >> 3) & 0xff;
			pkt[8] = 64;
			pkt[9] = IPPROTO_UDP;
			/* Source 0: the kernel fills it in.  So the checksum. */
			memcpy(pkt + 16, &((struct sockaddr_in *)&ss)->sin_addr, 4);
		} else {
			pkt[0] = 0x60;
			pkt[4] = (8 + len) >> 8;
			pkt[5] = (8 + len) & 0xff;
			pkt[6] = 44;		/* a fragment header */
			pkt[7] = 64;
			memcpy(pkt + 8, &((struct sockaddr_in6 *)&src)->sin6_addr, 16);
			memcpy(pkt + 24, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
			pkt[40] = IPPROTO_UDP;
			pkt[42] = off >> 8;
			pkt[43] = (off & 0xf8) | more;
			pkt[44] = id >> 24;
			pkt[45] = id >> 16;
			pkt[46] = id >> 8;
			pkt[47] = id & 0xff;
		}
		memcpy(pkt + hlen, dgram + off, len);
		do {
			n = sendto(fd, pkt, hlen + len, 0,
				   (struct sockaddr *)&ss, alen);
		} while (n < 0 && errno == EINTR);
		tally_send(&tally, n, hlen + len);
		off += len;
	}
	close(fd);
	free(dgram);
	return tally_print(&tally);
}

static int cmd_tcp_listen(int argc, char **argv)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	const char *pidfile;
	bool rst = false;
	int fd, c;

	if (argc == 5 && !strcmp(argv[4], "--rst")) {
		rst = true;
		argc--;
	}
	if (argc != 4 || !(pidfile = opt_value(argc - 2, argv + 2, "--pidfile")))
		usage();
	fd = bind_socket(SOCK_STREAM, argv[0], argv[1]);
	if (listen(fd, 1024))
		die("listen: %s", strerror(errno));
	daemonize(pidfile);
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		if (rst)
			setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(c);
	}
}

/*
 * tcp-many --parallel: every socket's connect started before any is waited
 * for, then all of them waited for together.  fds[] keeps those that
 * connected, -1 for the others.
 */
static void tcp_many_parallel(int *fds, unsigned long count,
			      const struct sockaddr_storage *ss, socklen_t alen,
			      bool fastopen, uint64_t deadline,
			      unsigned long *ok, unsigned long *refused,
			      unsigned long *timedout, unsigned long *other,
			      uint64_t *max_refused)
{
	struct pollfd *pfd = calloc(count ? count : 1, sizeof(*pfd));
	uint64_t t0 = now_us();
	unsigned long n, pending = 0;
	int *err = calloc(count ? count : 1, sizeof(*err));

	if (!pfd || !err)
		die("out of memory");
	for (n = 0; n < count; n++) {
		fds[n] = stream_socket("tcp", ss->ss_family);
		if (fds[n] < 0)
			die("socket: %s", strerror(errno));
		err[n] = connect_start(fds[n], ss, alen, fastopen);
		pfd[n].fd = err[n] == EINPROGRESS ? fds[n] : -1;
		pfd[n].events = POLLOUT;
		pending += err[n] == EINPROGRESS;
		/* Refused at once: the hook's fast error. */
		if (err[n] == ECONNREFUSED && now_us() - t0 > *max_refused)
			*max_refused = now_us() - t0;
	}
	while (pending) {
		uint64_t t = now_us();
		int left = t >= deadline ? 0 : (int)((deadline - t + 999) / 1000);
		int r = poll(pfd, count, left);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll: %s", strerror(errno));
		if (!r)
			break;
		for (n = 0; n < count; n++) {
			if (pfd[n].fd < 0 || !pfd[n].revents)
				continue;
			err[n] = connect_result(fds[n]);
			pfd[n].fd = -1;
			pending--;
		}
	}
	for (n = 0; n < count; n++) {
		if (err[n] == EINPROGRESS)
			err[n] = ETIMEDOUT;
		if (!err[n])
			(*ok)++;
		else if (err[n] == ECONNREFUSED)
			(*refused)++;
		else if (err[n] == ETIMEDOUT)
			(*timedout)++;
		else
			(*other)++;
		if (err[n]) {
			close(fds[n]);
			fds[n] = -1;
		}
	}
	free(err);
	free(pfd);
}

static int cmd_tcp_many(int argc, char **argv)
{
	unsigned long count, timeout_ms = 3000, syncnt = 0, retry = 0, n, t;
	unsigned long ok = 0, refused = 0, timedout = 0, other = 0;
	int other_err = 0;
	uint64_t start, t0, took, max_refused = 0;
	const char *hold = NULL;
	struct sockaddr_storage ss;
	bool close_each = false, fastopen = false, parallel = false;
	socklen_t alen;
	int *fds, i, err, one;

	if (argc < 3)
		usage();
	count = parse_ulong(argv[2], "count", 100000);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--close-each"))
			close_each = true;
		else if (!strcmp(argv[i], "--fastopen"))
			fastopen = true;
		else if (!strcmp(argv[i], "--parallel"))
			parallel = true;
		else if (i + 1 >= argc)
			usage();
		else if (!strcmp(argv[i], "--timeout-ms"))
			timeout_ms = parse_ulong(argv[++i], "timeout", 600000);
		else if (!strcmp(argv[i], "--syncnt"))
			syncnt = parse_ulong(argv[++i], "syncnt", 127);
		else if (!strcmp(argv[i], "--retry"))
			retry = parse_ulong(argv[++i], "retry", 100000);
		else if (!strcmp(argv[i], "--hold-file"))
			hold = argv[++i];
		else
			usage();
	}
	alen = parse_addr(argv[0], argv[1], &ss);
	fds = calloc(count ? count : 1, sizeof(*fds));
	if (!fds)
		die("out of memory");
	start = now_us();
	if (parallel) {
		tcp_many_parallel(fds, count, &ss, alen, fastopen,
				  start + timeout_ms * 1000, &ok, &refused,
				  &timedout, &other, &max_refused);
	}
	for (n = 0; n < count && !parallel; n++) {
		fds[n] = stream_socket("tcp", ss.ss_family);
		if (fds[n] < 0)
			die("socket: %s", strerror(errno));
		one = (int)syncnt;
		if (syncnt &&
		    setsockopt(fds[n], IPPROTO_TCP, TCP_SYNCNT, &one, sizeof(one)))
			die("TCP_SYNCNT: %s", strerror(errno));
		for (t = 0; t <= retry; t++) {
			t0 = now_us();
			err = connect_wait(fds[n], &ss, alen,
					   t0 + timeout_ms * 1000, fastopen);
			took = now_us() - t0;
			if (!err)
				break;
			if (err == ECONNREFUSED) {
				refused++;
				if (took > max_refused)
					max_refused = took;
			} else if (err == ETIMEDOUT) {
				timedout++;
			} else {
				other++;
				if (!other_err)
					other_err = err;
			}
		}
		if (!err)
			ok++;
		if (err || close_each) {
			close(fds[n]);
			fds[n] = -1;
		}
	}
	printf("ok=%lu refused=%lu timedout=%lu other=%lu other_errno=%d max_refused_us=%llu elapsed_us=%llu\n",
	       ok, refused, timedout, other, other_err, (unsigned long long)max_refused,
	       (unsigned long long)(now_us() - start));
	fflush(stdout);
	while (hold && access(hold, F_OK))
		usleep(10000);
	for (n = 0; n < count; n++)
		if (fds[n] >= 0)
			close(fds[n]);
	free(fds);
	return 0;
}

static int cmd_tcp_recv(int argc, char **argv)
{
	unsigned long long connections = 0, bytes = 0;
	const char *pidfile, *statfile;
	static char buf[65536];
	char line[80];
	int fd, sfd, c, len;

	pidfile = opt_value(argc - 2, argv + 2, "--pidfile");
	statfile = opt_value(argc - 2, argv + 2, "--statfile");
	if (argc != 6 || !pidfile || !statfile)
		usage();
	fd = bind_socket(SOCK_STREAM, argv[0], argv[1]);
	if (listen(fd, 1024))
		die("listen: %s", strerror(errno));
	sfd = open(statfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (sfd < 0)
		die("open %s: %s", statfile, strerror(errno));
	len = snprintf(line, sizeof(line), "connections=0 bytes=0\n");
	if (write(sfd, line, len) != len)
		die("write %s: %s", statfile, strerror(errno));
	daemonize(pidfile);
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		connections++;
		for (;;) {
			ssize_t n = read(c, buf, sizeof(buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			bytes += n;
			len = snprintf(line, sizeof(line),
				       "connections=%llu bytes=%llu\n",
				       connections, bytes);
			/* Counts only grow, so the new line is never shorter. */
			if (pwrite(sfd, line, len, 0) != len)
				return 1;
		}
		close(c);
		len = snprintf(line, sizeof(line), "connections=%llu bytes=%llu\n",
			       connections, bytes);
		if (pwrite(sfd, line, len, 0) != len)
			return 1;
	}
}

static int cmd_udp_recv(int argc, char **argv)
{
	unsigned long long received = 0, bytes = 0;
	const char *pidfile, *statfile;
	static char buf[65536];
	char line[64];
	int fd, sfd, len, rcvbuf = 4 << 20;

	pidfile = opt_value(argc - 2, argv + 2, "--pidfile");
	statfile = opt_value(argc - 2, argv + 2, "--statfile");
	if (argc != 6 || !pidfile || !statfile)
		usage();
	fd = bind_socket(SOCK_DGRAM, argv[0], argv[1]);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sfd = open(statfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (sfd < 0)
		die("open %s: %s", statfile, strerror(errno));
	len = snprintf(line, sizeof(line), "received=0 bytes=0\n");
	if (write(sfd, line, len) != len)
		die("write %s: %s", statfile, strerror(errno));
	daemonize(pidfile);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			continue;
		received++;
		bytes += n;
		len = snprintf(line, sizeof(line), "received=%llu bytes=%llu\n",
			       received, bytes);
		/* Counts only grow, so the new line is never shorter. */
		if (pwrite(sfd, line, len, 0) != len)
			return 1;
	}
}

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* A trailing "--interval-us N": its value (0 without), taken off *@argc. */
static unsigned long take_interval_us(int *argc, char **argv)
{
	if (*argc < 2 || strcmp(argv[*argc - 2], "--interval-us"))
		return 0;
	*argc -= 2;
	return parse_ulong(argv[*argc + 1], "interval", 10000000);
}

/* SIGTERM and SIGINT set stop_requested, for the loops to end cleanly. */
static void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

static int cmd_udp_loop(int argc, char **argv)
{
	unsigned long interval_us = take_interval_us(&argc, argv);
	unsigned long size, count, iter;
	struct sockaddr_storage *ss;
	struct send_tally *tally;
	int nd, i, fd4 = -1, fd6 = -1;
	socklen_t *alen;
	char *buf;

	if (argc < 4)
		usage();
	size = parse_ulong(argv[1], "size", 65000);
	count = parse_ulong(argv[2], "count", 100000000);
	nd = argc - 3;
	ss = calloc(nd, sizeof(*ss));
	alen = calloc(nd, sizeof(*alen));
	tally = calloc(nd, sizeof(*tally));
	buf = calloc(1, size ? size : 1);
	if (!ss || !alen || !tally || !buf)
		die("out of memory");
	for (i = 0; i < nd; i++) {
		alen[i] = parse_addr(argv[3 + i], argv[0], &ss[i]);
		if (ss[i].ss_family == AF_INET && fd4 < 0)
			fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (ss[i].ss_family == AF_INET6 && fd6 < 0)
			fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	}
	if ((fd4 < 0 && fd6 < 0))
		die("socket: %s", strerror(errno));
	catch_stop_signals();

	for (iter = 0; !stop_requested && (!count || iter < count); iter++) {
		for (i = 0; i < nd && !stop_requested; i++) {
			int fd = ss[i].ss_family == AF_INET ? fd4 : fd6;
			ssize_t n;

			if (fd < 0)
				die("socket: %s", strerror(errno));
			n = sendto(fd, buf, size, 0,
				   (struct sockaddr *)&ss[i], alen[i]);
			if (n < 0 && errno == EINTR)
				continue;
			tally_send(&tally[i], n, size);
		}
		if (interval_us && !stop_requested)
			usleep(interval_us);
	}
	for (i = 0; i < nd; i++)
		printf("addr=%s sent=%lu failed=%lu first_errno=%s\n",
		       argv[3 + i], tally[i].sent, tally[i].failed,
		       tally_errname(&tally[i]));
	return 0;
}

/* Move this process into the cgroup v2 directory @dir; 0 or an errno. */
static int move_to_cgroup(const char *dir)
{
	char path[4096], pid[32];
	int fd, len, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (write(fd, pid, len) != len)
		err = errno ? errno : EIO;
	close(fd);
	return err;
}

static int cmd_udp_cgroups(int argc, char **argv)
{
	struct send_tally tally = { 0 };
	struct sockaddr_storage ss;
	unsigned long size;
	int i;
	socklen_t alen;
	char *buf;

	if (argc < 4)
		usage();
	alen = parse_addr(argv[0], argv[1], &ss);
	size = parse_ulong(argv[2], "size", 65000);
	buf = calloc(1, size ? size : 1);
	if (!buf)
		die("out of memory");
	for (i = 3; i < argc; i++) {
		int fd = -1, err;
		ssize_t n;

		err = move_to_cgroup(argv[i]);
		if (!err) {
			/* After the move: the socket belongs to argv[i]. */
			fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			if (fd < 0)
				err = errno;
		}
		if (!err) {
			n = sendto(fd, buf, size, 0, (struct sockaddr *)&ss,
				   alen);
			if (n < 0)
				err = errno;
			else if (n != (ssize_t)size)
				err = EMSGSIZE;
		}
		if (fd >= 0)
			close(fd);
		tally_result(&tally, err);
	}
	free(buf);
	return tally_print(&tally);
}

static int cmd_tcp_connect_loop(int argc, char **argv)
{
	unsigned long interval_us = take_interval_us(&argc, argv);
	unsigned long timeout_ms, *ok, *failed;
	struct sockaddr_storage *ss;
	socklen_t *alen;
	int nd, i;

	if (argc < 3)
		usage();
	timeout_ms = parse_ulong(argv[1], "timeout", 600000);
	nd = argc - 2;
	ss = calloc(nd, sizeof(*ss));
	alen = calloc(nd, sizeof(*alen));
	ok = calloc(nd, sizeof(*ok));
	failed = calloc(nd, sizeof(*failed));
	if (!ss || !alen || !ok || !failed)
		die("out of memory");
	for (i = 0; i < nd; i++)
		alen[i] = parse_addr(argv[2 + i], argv[0], &ss[i]);
	catch_stop_signals();

	while (!stop_requested) {
		for (i = 0; i < nd && !stop_requested; i++) {
			int fd = stream_socket("tcp", ss[i].ss_family);

			if (fd < 0)
				die("socket: %s", strerror(errno));
			if (connect_wait(fd, &ss[i], alen[i],
					 now_us() + timeout_ms * 1000, false))
				failed[i]++;
			else
				ok[i]++;
			close(fd);
		}
		if (interval_us)
			usleep(interval_us);
	}
	for (i = 0; i < nd; i++)
		printf("addr=%s ok=%lu failed=%lu\n", argv[2 + i], ok[i],
		       failed[i]);
	return 0;
}

static int cmd_udp_hold(int argc, char **argv)
{
	struct send_tally tally = { 0 };
	unsigned long count, size, i;
	struct sockaddr_storage ss;
	socklen_t alen;
	char line[256];
	int fd;
	char *buf;

	if (argc != 4)
		usage();
	alen = parse_addr(argv[0], argv[1], &ss);
	count = parse_ulong(argv[2], "count", 100000000);
	size = parse_ulong(argv[3], "size", 65000);
	buf = calloc(1, size ? size : 1);
	if (!buf)
		die("out of memory");
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	printf("ready pid=%d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) && ferror(stdin))
		die("read stdin: %s", strerror(errno));

	for (i = 0; i < count; i++) {
		ssize_t n;

		do {
			n = sendto(fd, buf, size, 0, (struct sockaddr *)&ss,
				   alen);
		} while (n < 0 && errno == EINTR);
		tally_send(&tally, n, size);
	}
	close(fd);
	return tally_print(&tally);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmd_udp_flood(int argc, char **argv)
{
	uint64_t start, end, duration_ns;
	struct send_tally tally = { 0 };
	struct sockaddr_storage ss;
	unsigned long size, secs;
	int fd;
	socklen_t alen;
	char *buf;

	if (argc != 4)
		usage();
	alen = parse_addr(argv[0], argv[1], &ss);
	size = parse_ulong(argv[2], "size", 65000);
	secs = parse_ulong(argv[3], "seconds", 3600);
	duration_ns = (uint64_t)secs * 1000000000;

	buf = calloc(1, size ? size : 1);
	if (!buf)
		die("out of memory");
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));

	start = now_ns();
	end = start;
	while (end - start < duration_ns) {
		ssize_t n;

		n = sendto(fd, buf, size, 0, (struct sockaddr *)&ss, alen);
		end = now_ns();
		if (n < 0 && errno == EINTR)
			continue;
		tally_send(&tally, n, size);
	}
	close(fd);
	free(buf);

	printf("sent=%lu elapsed_ns=%llu failed=%lu first_errno=%s start_ns=%llu end_ns=%llu\n",
	       tally.sent, (unsigned long long)(end - start), tally.failed,
	       tally_errname(&tally), (unsigned long long)start,
	       (unsigned long long)end);
	return tally.failed ? 1 : 0;
}

static int cmd_icmp_echo(int argc, char **argv)
{
	unsigned long timeout_ms = 3000;
	struct sockaddr_storage ss;
	unsigned char pkt[64], rbuf[512];
	uint64_t start, deadline;
	socklen_t alen;
	int fd, err = 0, v6;

	if (argc == 3 && !strcmp(argv[1], "--timeout-ms"))
		timeout_ms = parse_ulong(argv[2], "timeout", 600000);
	else if (argc != 1)
		usage();
	alen = parse_addr(argv[0], "0", &ss);
	v6 = ss.ss_family == AF_INET6;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC,
		    v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (fd < 0)
		die("ping socket: %s (is net.ipv4.ping_group_range set?)",
		    strerror(errno));

	memset(pkt, 0xa5, sizeof(pkt));
	if (v6) {
		struct icmp6_hdr *h = (struct icmp6_hdr *)pkt;

		memset(h, 0, sizeof(*h));
		h->icmp6_type = ICMP6_ECHO_REQUEST;
		h->icmp6_seq = htons(1);
	} else {
		struct icmphdr *h = (struct icmphdr *)pkt;

		memset(h, 0, sizeof(*h));
		h->type = ICMP_ECHO;
		h->un.echo.sequence = htons(1);
	}

	start = now_us();
	deadline = start + timeout_ms * 1000;
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ss, alen) < 0)
		err = errno;
	while (!err) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t t = now_us();
		int left = t >= deadline ? 0 : (int)((deadline - t + 999) / 1000);
		ssize_t n;
		int r;

		r = poll(&pfd, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("poll: %s", strerror(errno));
		if (r == 0) {
			err = ETIMEDOUT;
			break;
		}
		n = recv(fd, rbuf, sizeof(rbuf), 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = errno;
			break;
		}
		/* The kernel matches replies to the socket by echo id. */
		if (n >= 8 && rbuf[0] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY))
			break;
	}
	close(fd);
	printf("result=%s elapsed_us=%llu\n", err ? errname(err) : "ok",
	       (unsigned long long)(now_us() - start));
	return err ? 1 : 0;
}

static int ethtool_value(int fd, const char *dev, __u32 cmd, __u32 *data)
{
	struct ethtool_value ev = { .cmd = cmd, .data = *data };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(dev) >= sizeof(ifr.ifr_name))
		die("bad device name: '%s'", dev);
	strcpy(ifr.ifr_name, dev);
	ifr.ifr_data = (char *)&ev;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		return -errno;
	*data = ev.data;
	return 0;
}

static int cmd_netdev_feature(int argc, char **argv)
{
	__u32 get_cmd, set_cmd, val = 0;
	int fd, err;

	if (argc != 2 && argc != 3)
		usage();
	if (!strcmp(argv[1], "tso")) {
		get_cmd = ETHTOOL_GTSO;
		set_cmd = ETHTOOL_STSO;
	} else if (!strcmp(argv[1], "gso")) {
		get_cmd = ETHTOOL_GGSO;
		set_cmd = ETHTOOL_SGSO;
	} else {
		usage();
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (argc == 3) {
		if (!strcmp(argv[2], "on"))
			val = 1;
		else if (strcmp(argv[2], "off"))
			usage();
		err = ethtool_value(fd, argv[0], set_cmd, &val);
		if (err) {
			fprintf(stderr, "egress_probe: set %s %s on %s: %s\n",
				argv[1], argv[2], argv[0], strerror(-err));
			close(fd);
			return 1;
		}
	}
	val = 0;
	err = ethtool_value(fd, argv[0], get_cmd, &val);
	close(fd);
	if (err) {
		fprintf(stderr, "egress_probe: get %s of %s: %s\n", argv[1],
			argv[0], strerror(-err));
		return 1;
	}
	printf("%s=%s\n", argv[1], val ? "on" : "off");
	return 0;
}

#define STRAY_ACK_PORT0 40000

static int cmd_tcp_stray_ack(int argc, char **argv)
{
	struct sockaddr_storage src, dst, from;
	const char *tmo = opt_value(argc - 4, argv + 4, "--timeout-ms");
	unsigned long count, timeout_ms = 1000, resets = 0, sent = 0, i;
	int family, fd, hdr;
	uint16_t port;
	socklen_t len;
	uint64_t deadline;

	if (argc != 4 && !(argc == 6 && tmo))
		usage();
	parse_addr(argv[0], "0", &src);
	len = parse_addr(argv[1], argv[2], &dst);
	port = parse_ulong(argv[2], "port", 65535);
	count = parse_ulong(argv[3], "count", 20000);
	if (tmo)
		timeout_ms = parse_ulong(tmo, "timeout", 600000);
	family = dst.ss_family;
	if (src.ss_family != family)
		die("SRC and DST are of different families");
	fd = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		die("socket(SOCK_RAW, IPPROTO_TCP): %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&src, family == AF_INET ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)))
		die("bind %s: %s", argv[0], strerror(errno));
	/* A raw socket's port field is the protocol: zero it for sendto(). */
	if (family == AF_INET)
		((struct sockaddr_in *)&dst)->sin_port = 0;
	else
		((struct sockaddr_in6 *)&dst)->sin6_port = 0;

	for (i = 0; i < count; i++) {
		uint8_t seg[20] = { 0 };
		uint8_t pseudo[40] = { 0 };
		uint16_t sport = STRAY_ACK_PORT0 + i, csum;
		uint32_t sum, seq = 0x1000 + i, ack = 0x2000 + i;
		size_t plen;

		seg[0] = sport >> 8, seg[1] = sport & 0xff;
		seg[2] = port >> 8, seg[3] = port & 0xff;
		memcpy(seg + 4, &(uint32_t){ htonl(seq) }, 4);
		memcpy(seg + 8, &(uint32_t){ htonl(ack) }, 4);
		seg[12] = 5 << 4;		/* data offset: 20 bytes */
		seg[13] = 0x10;			/* ACK */
		seg[14] = 0x10, seg[15] = 0x00;	/* window 4096 */
		if (family == AF_INET) {
			memcpy(pseudo, &((struct sockaddr_in *)&src)->sin_addr, 4);
			memcpy(pseudo + 4, &((struct sockaddr_in *)&dst)->sin_addr, 4);
			pseudo[9] = IPPROTO_TCP, pseudo[11] = sizeof(seg);
			plen = 12;
		} else {
			memcpy(pseudo, &((struct sockaddr_in6 *)&src)->sin6_addr, 16);
			memcpy(pseudo + 16, &((struct sockaddr_in6 *)&dst)->sin6_addr, 16);
			pseudo[35] = sizeof(seg), pseudo[39] = IPPROTO_TCP;
			plen = 40;
		}
		sum = csum_add(csum_add(0, pseudo, plen), seg, sizeof(seg));
		csum = csum_fold(sum);
		memcpy(seg + 16, &csum, 2);
		if (sendto(fd, seg, sizeof(seg), 0, (struct sockaddr *)&dst, len) ==
		    sizeof(seg))
			sent++;
	}

	/* IPv4 raw sockets read the IP header too, IPv6 ones do not. */
	deadline = now_us() + timeout_ms * 1000;
	while (resets < sent && wait_fd(fd, POLLIN, deadline)) {
		uint8_t buf[2048];
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &flen);
		uint16_t sp, dp;

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("recvfrom: %s", strerror(errno));
		}
		hdr = family == AF_INET ? (buf[0] & 0x0f) * 4 : 0;
		if (n < hdr + 20)
			continue;
		if (family == AF_INET ?
		    memcmp(&((struct sockaddr_in *)&from)->sin_addr,
			   &((struct sockaddr_in *)&dst)->sin_addr, 4) :
		    memcmp(&((struct sockaddr_in6 *)&from)->sin6_addr,
			   &((struct sockaddr_in6 *)&dst)->sin6_addr, 16))
			continue;
		sp = buf[hdr] << 8 | buf[hdr + 1];
		dp = buf[hdr + 2] << 8 | buf[hdr + 3];
		if (sp == port && dp >= STRAY_ACK_PORT0 &&
		    dp < STRAY_ACK_PORT0 + count && (buf[hdr + 13] & 0x04))
			resets++;
	}
	close(fd);
	printf("sent=%lu resets=%lu\n", sent, resets);
	return sent == count && resets == count ? 0 : 1;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "tcp-connect"))
		return cmd_tcp_connect(argc - 2, argv + 2);
	if (!strcmp(argv[1], "udp-send"))
		return cmd_udp_send(argc - 2, argv + 2);
	if (!strcmp(argv[1], "frag-send"))
		return cmd_frag_send(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tcp-listen"))
		return cmd_tcp_listen(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tcp-many"))
		return cmd_tcp_many(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tcp-recv"))
		return cmd_tcp_recv(argc - 2, argv + 2);
	if (!strcmp(argv[1], "udp-recv"))
		return cmd_udp_recv(argc - 2, argv + 2);
	if (!strcmp(argv[1], "udp-loop"))
		return cmd_udp_loop(argc - 2, argv + 2);
	if (!strcmp(argv[1], "udp-hold"))
		return cmd_udp_hold(argc - 2, argv + 2);
	if (!strcmp(argv[1], "udp-cgroups"))
		return cmd_udp_cgroups(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tcp-connect-loop"))
		return cmd_tcp_connect_loop(argc - 2, argv + 2);
	if (!strcmp(argv[1], "icmp-echo"))
		return cmd_icmp_echo(argc - 2, argv + 2);
	if (!strcmp(argv[1], "udp-flood"))
		return cmd_udp_flood(argc - 2, argv + 2);
	if (!strcmp(argv[1], "tcp-stray-ack"))
		return cmd_tcp_stray_ack(argc - 2, argv + 2);
	if (!strcmp(argv[1], "netdev-feature"))
		return cmd_netdev_feature(argc - 2, argv + 2);
	usage();
}
