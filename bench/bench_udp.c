// SPDX-License-Identifier: GPL-2.0
/*
 * bench_udp - the UDP load of `make bench` (bench/run.sh).
 *
 *   bench_udp send ADDR PORT SIZE BATCH SECONDS [CGROUP_LIST]
 *	Send SIZE-byte datagrams on a connected UDP socket with sendmmsg(),
 *	BATCH per call, in a tight loop for SECONDS (decimals allowed,
 *	CLOCK_MONOTONIC).  Prints "packets=N elapsed_ns=E pps=P errors=N
 *	first_errno=ENAME|none" and exits 0 if no call failed, 1 otherwise.
 *	The count is what sendmmsg() reported sent, i.e. what passed the IP
 *	output path (LOCAL_OUT) and reached the device.
 *	With CGROUP_LIST, a file of cgroup v2 directories one a line, there
 *	is one socket per line, created after the process moved itself into
 *	that cgroup (a socket belongs to the cgroup its creator was in), and
 *	the calls take the sockets in turn: traffic from many cgroups at once.
 *	The process ends in the last one.  A directory may repeat.
 *
 *   bench_udp sink ADDR PORT PIDFILE
 *	Bind a UDP socket and go to the background (the socket exists when
 *	the command returns).  It never reads: datagrams queue until the
 *	receive buffer is full and are then dropped by the kernel, the least
 *	work a receiver can do while still being there (no ICMP errors flow
 *	back to the sender).
 *
 * Exit code 2 means a usage or setup error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024

static void usage(void)
{
	fputs("usage: bench_udp send ADDR PORT SIZE BATCH SECONDS [CGROUP_LIST]\n"
	      "       bench_udp sink ADDR PORT PIDFILE\n", stderr);
	exit(2);
}

static void die(const char *what)
{
	fprintf(stderr, "bench_udp: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static unsigned long parse_num(const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > max)
		usage();
	return v;
}

/* ADDR PORT -> IPv4 or IPv6 socket address; returns its length. */
static socklen_t parse_addr(const char *addr, const char *port,
			    struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	unsigned long p = parse_num(port, 65535);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(p);
		return sizeof(*sin);
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(p);
		return sizeof(*sin6);
	}
	usage();
	return 0;
}

/* A UDP socket connected to @ss, of the cgroup the process is in now. */
static int connected_socket(const struct sockaddr_storage *ss, socklen_t alen)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)ss, alen))
		die("connect");
	return fd;
}

/* Moves the calling process into the cgroup v2 directory @dir. */
static void enter_cgroup(const char *dir)
{
	char path[4096];
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		die(dir);
	}
	f = fopen(path, "w");
	if (!f || fputs("0\n", f) < 0 || fclose(f))
		die(path);
}

/*
 * The sending sockets: one in the current cgroup without @list, else one
 * per line of @list, each made in that line's cgroup.  Returns how many.
 */
static unsigned long open_senders(const struct sockaddr_storage *ss, socklen_t alen,
				  const char *list, int **fdsp)
{
	unsigned long n = 0, room = 1;
	struct rlimit rl;
	char line[4096];
	int *fds;
	FILE *f;

	fds = malloc(sizeof(*fds));
	if (!fds)
		die("malloc");
	if (!list) {
		fds[0] = connected_socket(ss, alen);
		*fdsp = fds;
		return 1;
	}
	/* Thousands of sockets: the soft limit on open files is often 1024. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	f = fopen(list, "r");
	if (!f)
		die(list);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		if (n == room) {
			room *= 2;
			fds = realloc(fds, room * sizeof(*fds));
			if (!fds)
				die("realloc");
		}
		enter_cgroup(line);
		fds[n++] = connected_socket(ss, alen);
	}
	fclose(f);
	if (!n) {
		fprintf(stderr, "bench_udp: %s lists no cgroup\n", list);
		exit(2);
	}
	*fdsp = fds;
	return n;
}

static int cmd_send(char **argv)
{
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov;
	unsigned long size, batch, packets = 0, errors = 0;
	uint64_t start, end, duration_ns;
	struct sockaddr_storage ss;
	unsigned long nfds, turn = 0;
	int *fds, first_err = 0;
	socklen_t alen;
	double secs;
	char *buf, *end_s;
	unsigned long i;

	alen = parse_addr(argv[0], argv[1], &ss);
	size = parse_num(argv[2], 65000);
	batch = parse_num(argv[3], MAX_BATCH);
	secs = strtod(argv[4], &end_s);
	if (*end_s || end_s == argv[4] || !(secs > 0) || secs > 3600 || !batch)
		usage();
	duration_ns = (uint64_t)(secs * 1e9);

	buf = calloc(1, size ? size : 1);
	if (!buf)
		die("calloc");
	iov.iov_base = buf;
	iov.iov_len = size;
	for (i = 0; i < batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	nfds = open_senders(&ss, alen, argv[5], &fds);

	start = now_ns();
	end = start;
	while (end - start < duration_ns) {
		int n = sendmmsg(fds[turn], msgs, batch, 0);

		if (++turn == nfds)
			turn = 0;

		end = now_ns();
		if (n > 0) {
			packets += n;
		} else if (n < 0 && errno != EINTR) {
			errors++;
			if (!first_err)
				first_err = errno;
		}
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	free(fds);
	free(buf);

	printf("packets=%lu elapsed_ns=%llu pps=%.0f errors=%lu first_errno=%s\n",
	       packets, (unsigned long long)(end - start),
	       packets * 1e9 / (double)(end - start), errors,
	       first_err ? strerrorname_np(first_err) : "none");
	return errors ? 1 : 0;
}

static int cmd_sink(char **argv)
{
	struct sockaddr_storage ss;
	socklen_t alen;
	FILE *f;
	pid_t pid;
	int fd;

	alen = parse_addr(argv[0], argv[1], &ss);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&ss, alen))
		die("bind");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid) {
		f = fopen(argv[2], "w");
		if (!f || fprintf(f, "%d\n", pid) < 0 || fclose(f))
			die("pidfile");
		return 0;
	}
	setsid();
	if (!freopen("/dev/null", "r", stdin) || !freopen("/dev/null", "w", stdout))
		exit(2);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if ((argc == 7 || argc == 8) && !strcmp(argv[1], "send"))
		return cmd_send(argv + 2);
	if (argc == 5 && !strcmp(argv[1], "sink"))
		return cmd_sink(argv + 2);
	usage();
	return 2;
}
