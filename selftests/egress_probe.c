// SPDX-License-Identifier: GPL-2.0
/*
 * egress_probe - small socket multi-tool for the nf_egress selftests.
 *
 *   egress_probe tcp-connect ADDR PORT [--timeout-ms N]
 *	Connect once.  Prints "result=ok|ENAME elapsed_us=N", where the time
 *	covers connect() and the wait for its completion, measured with
 *	CLOCK_MONOTONIC.  Exit 0 if the connection was established, 1 if not.
 *
 *   egress_probe udp-send ADDR PORT COUNT SIZE [--interval-us N]
 *	Send COUNT datagrams of SIZE payload bytes with sendto() on an
 *	unconnected socket (so ICMP errors of earlier datagrams do not
 *	fail later ones).  Errors do not stop the loop.  Prints
 *	"sent=N failed=N first_errno=ENAME|none".  Exit 0 if every
 *	datagram was sent, 1 otherwise.
 *
 *   egress_probe tcp-listen ADDR PORT --pidfile FILE
 *	Bind and listen, then go to the background (the listening socket
 *	exists when the command returns), accept and close connections
 *	until killed.  ADDR "::" listens on IPv4 and IPv6.
 *
 *   egress_probe udp-recv ADDR PORT --pidfile FILE --statfile FILE
 *	Bind, then go to the background and count received datagrams.
 *	After every datagram FILE is rewritten with
 *	"received=N bytes=M\n" (payload bytes).  ADDR "::" is dual-stack.
 *
 * Addresses may be IPv4 or IPv6 (optionally in brackets).  Exit code 2
 * means a usage or setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

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
	fputs("usage: egress_probe tcp-connect ADDR PORT [--timeout-ms N]\n"
	      "       egress_probe udp-send ADDR PORT COUNT SIZE [--interval-us N]\n"
	      "       egress_probe tcp-listen ADDR PORT --pidfile FILE\n"
	      "       egress_probe udp-recv ADDR PORT --pidfile FILE --statfile FILE\n",
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

static int cmd_tcp_connect(int argc, char **argv)
{
	unsigned long timeout_ms = 3000;
	struct sockaddr_storage ss;
	uint64_t start, elapsed;
	socklen_t alen;
	int fd, err = 0;

	if (argc == 4 && !strcmp(argv[2], "--timeout-ms"))
		timeout_ms = parse_ulong(argv[3], "timeout", 600000);
	else if (argc != 2)
		usage();
	alen = parse_addr(argv[0], argv[1], &ss);

	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));

	start = now_us();
	if (connect(fd, (struct sockaddr *)&ss, alen) < 0) {
		err = errno;
		if (err == EINPROGRESS) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			uint64_t deadline = start + timeout_ms * 1000;
			socklen_t elen = sizeof(err);
			int n;

			for (;;) {
				uint64_t t = now_us();
				int left = t >= deadline ? 0 :
					   (int)((deadline - t + 999) / 1000);

				n = poll(&pfd, 1, left);
				if (n >= 0 || errno != EINTR)
					break;
			}
			if (n < 0)
				die("poll: %s", strerror(errno));
			if (n == 0)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen))
				die("getsockopt: %s", strerror(errno));
		}
	}
	elapsed = now_us() - start;
	close(fd);

	printf("result=%s elapsed_us=%llu\n", err ? errname(err) : "ok",
	       (unsigned long long)elapsed);
	return err ? 1 : 0;
}

static int cmd_udp_send(int argc, char **argv)
{
	unsigned long count, size, interval_us = 0, i, sent = 0, failed = 0;
	struct sockaddr_storage ss;
	int fd, first_err = 0;
	socklen_t alen;
	char *buf;

	if (argc == 6 && !strcmp(argv[4], "--interval-us"))
		interval_us = parse_ulong(argv[5], "interval", 10000000);
	else if (argc != 4)
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

	for (i = 0; i < count; i++) {
		ssize_t n;

		memset(buf, (int)(i & 0xff), size);
		do {
			n = sendto(fd, buf, size, 0, (struct sockaddr *)&ss,
				   alen);
		} while (n < 0 && errno == EINTR);
		if (n == (ssize_t)size) {
			sent++;
		} else {
			failed++;
			if (!first_err)
				first_err = n < 0 ? errno : EMSGSIZE;
		}
		if (interval_us)
			usleep(interval_us);
	}
	close(fd);
	free(buf);

	printf("sent=%lu failed=%lu first_errno=%s\n", sent, failed,
	       first_err ? errname(first_err) : "none");
	return failed ? 1 : 0;
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

static int cmd_tcp_listen(int argc, char **argv)
{
	const char *pidfile;
	int fd, c;

	if (argc != 4 || !(pidfile = opt_value(argc - 2, argv + 2, "--pidfile")))
		usage();
	fd = bind_socket(SOCK_STREAM, argv[0], argv[1]);
	if (listen(fd, 1024))
		die("listen: %s", strerror(errno));
	daemonize(pidfile);
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c >= 0)
			close(c);
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
	if (!strcmp(argv[1], "tcp-listen"))
		return cmd_tcp_listen(argc - 2, argv + 2);
	if (!strcmp(argv[1], "udp-recv"))
		return cmd_udp_recv(argc - 2, argv + 2);
	usage();
}
