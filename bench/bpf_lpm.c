// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_lpm - loads the cgroup-BPF baseline of `make bench` (bench/run.sh).
 *
 *   bpf_lpm OBJECT CGROUP_DIR PREFIX_FILE
 *	Loads OBJECT (bench/lpm_allow.bpf.o), puts every prefix of
 *	PREFIX_FILE (one "ADDRESS/LENGTH" a line, IPv4 or IPv6) in its
 *	family's LPM trie map and attaches the program to CGROUP_DIR's
 *	egress hook (BPF_F_ALLOW_MULTI, the flag systemd attaches with).
 *	The attachment outlives this process: it ends when the cgroup is
 *	removed.  Prints "prefixes=N v4=N v6=N elapsed_ns=E", E covering the
 *	load, the map updates and the attach.
 *
 * Exit code 1 on any failure, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lpm_allow.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	if (!map) {
		fprintf(stderr, "bpf_lpm: no map %s in the object\n", name);
		return -1;
	}
	return bpf_map__fd(map);
}

/*
 * add_prefix: one "ADDRESS/LENGTH" line into its family's map; 4 or 6 on
 * success, 0 on a malformed line, -1 if the kernel refused it.
 */
static int add_prefix(char *line, int v4_fd, int v6_fd)
{
	static const uint8_t one = 1;
	struct lpm_allow_v6_key k6;
	struct lpm_allow_v4_key k4;
	char *slash = strchr(line, '/');
	char *end;
	unsigned long len;

	if (!slash)
		return 0;
	*slash = '\0';
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || end == slash + 1 || (*end && *end != '\n'))
		return 0;
	if (len <= 32 && inet_pton(AF_INET, line, k4.addr) == 1) {
		k4.prefixlen = len;
		return bpf_map_update_elem(v4_fd, &k4, &one, BPF_ANY) ? -1 : 4;
	}
	if (len <= 128 && inet_pton(AF_INET6, line, k6.addr) == 1) {
		k6.prefixlen = len;
		return bpf_map_update_elem(v6_fd, &k6, &one, BPF_ANY) ? -1 : 6;
	}
	return 0;
}

/*
 * load_and_attach: the object's maps filled from @f, its program attached
 * to @cg_fd.  Returns 0 or 1 (after saying why).
 */
static int load_and_attach(const char *path, int cg_fd, const char *cg_dir,
			   FILE *f, const char *file)
{
	unsigned long lineno = 0, v4 = 0, v6 = 0;
	struct bpf_program *prog;
	struct bpf_object *obj;
	int v4_fd, v6_fd, r;
	char line[128];
	uint64_t t0;

	t0 = now_ns();
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "bpf_lpm: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "bpf_lpm: load %s: %s\n", path, strerror(errno));
		goto err;
	}
	v4_fd = map_fd(obj, "allow_v4");
	v6_fd = map_fd(obj, "allow_v6");
	prog = bpf_object__find_program_by_name(obj, "lpm_allow_egress");
	if (v4_fd < 0 || v6_fd < 0 || !prog) {
		fputs("bpf_lpm: the object lacks its maps or program\n", stderr);
		goto err;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		r = add_prefix(line, v4_fd, v6_fd);
		if (r == 0) {
			fprintf(stderr, "bpf_lpm: %s:%lu: not ADDRESS/LENGTH\n",
				file, lineno);
			goto err;
		}
		if (r < 0) {
			fprintf(stderr, "bpf_lpm: %s:%lu: map update: %s\n",
				file, lineno, strerror(errno));
			goto err;
		}
		if (r == 4)
			v4++;
		else
			v6++;
	}
	if (bpf_prog_attach(bpf_program__fd(prog), cg_fd,
			    BPF_CGROUP_INET_EGRESS, BPF_F_ALLOW_MULTI)) {
		fprintf(stderr, "bpf_lpm: attach to %s: %s\n", cg_dir,
			strerror(errno));
		goto err;
	}
	printf("prefixes=%lu v4=%lu v6=%lu elapsed_ns=%llu\n", v4 + v6, v4, v6,
	       (unsigned long long)(now_ns() - t0));
	/* The attachment holds the program, and the program its maps. */
	bpf_object__close(obj);
	return 0;
err:
	bpf_object__close(obj);
	return 1;
}

int main(int argc, char **argv)
{
	int cg_fd, ret;
	FILE *f;

	if (argc != 4) {
		fputs("usage: bpf_lpm OBJECT CGROUP_DIR PREFIX_FILE\n", stderr);
		return 2;
	}
	f = fopen(argv[3], "r");
	if (!f) {
		fprintf(stderr, "bpf_lpm: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	cg_fd = open(argv[2], O_RDONLY | O_DIRECTORY);
	if (cg_fd < 0) {
		fprintf(stderr, "bpf_lpm: %s: %s\n", argv[2], strerror(errno));
		fclose(f);
		return 1;
	}
	ret = load_and_attach(argv[1], cg_fd, argv[2], f, argv[3]);
	close(cg_fd);
	fclose(f);
	return ret;
}
