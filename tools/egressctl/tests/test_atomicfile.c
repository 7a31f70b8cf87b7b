// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of atomicfile.c, the writer of `egressctl metrics -o FILE`:
 * the file gets exactly the content and mode 0644 whatever the umask, an
 * existing file is replaced by a rename (a reader holding the old one
 * keeps it whole), and every failure (no directory, a directory in the
 * way, a write cut short by RLIMIT_FSIZE) leaves the old file as it was
 * and no temporary file behind.  TAP on stdout.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "tap.h"

static char dir[] = "/tmp/test_atomicfile.XXXXXX";

/* dir/name */
static const char *at(const char *name)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* The names in dir, sorted, joined by spaces. */
static char *listing(void)
{
	static char out[1024];
	struct dirent **ents;
	int n, i;

	out[0] = '\0';
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (strcmp(ents[i]->d_name, ".") && strcmp(ents[i]->d_name, "..")) {
			if (out[0])
				strncat(out, " ", sizeof(out) - strlen(out) - 1);
			strncat(out, ents[i]->d_name, sizeof(out) - strlen(out) - 1);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return out;
}

/* The content of path ("<missing>" when it cannot be read). */
static char *slurp(const char *path)
{
	static char out[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return strcpy(out, "<missing>");
	n = read(fd, out, sizeof(out) - 1);
	close(fd);
	out[n < 0 ? 0 : n] = '\0';
	return out;
}

static void put(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(path);
		exit(1);
	}
	close(fd);
	chmod(path, mode);
}

static unsigned int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_mode & 07777;
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

static void test_create(void)
{
	const char *text = "# TYPE x counter\nx 1\n";
	enum atomic_step step;
	int err;

	/* a umask that would leave the reader out must not matter */
	umask(077);
	err = atomic_write_file(at("m.prom"), 0644, text, strlen(text), &step);
	umask(022);
	if (!ok(err == 0, "a new file: written"))
		diag("error: %s", strerror(-err));
	ok(!strcmp(slurp(at("m.prom")), text), "a new file: exactly the content");
	ok(mode_of(at("m.prom")) == 0644, "a new file: mode 0644 under umask 077 (got %o)",
	   mode_of(at("m.prom")));
	ok(!strcmp(listing(), "m.prom"), "a new file: no temporary file left (%s)",
	   listing());
}

static void test_replace(void)
{
	const char *text = "x 2\n";
	enum atomic_step step;
	int fd, err;
	char old[16] = "";
	ino_t before;

	put(at("m.prom"), "x 1 (old content)\n", 0600);
	before = inode_of(at("m.prom"));
	/* a reader that opened the old file keeps reading the old file */
	fd = open(at("m.prom"), O_RDONLY);
	err = atomic_write_file(at("m.prom"), 0644, text, strlen(text), &step);
	if (!ok(err == 0, "replace: written"))
		diag("error: %s", strerror(-err));
	ok(!strcmp(slurp(at("m.prom")), text), "replace: the new content");
	ok(mode_of(at("m.prom")) == 0644, "replace: mode 0644, not the old file's 0600");
	ok(inode_of(at("m.prom")) != before, "replace: a new inode, renamed into place");
	ok(fd >= 0 && read(fd, old, 3) == 3 && !memcmp(old, "x 1", 3),
	   "replace: a reader of the old file still reads the old content");
	if (fd >= 0)
		close(fd);
	ok(!strcmp(listing(), "m.prom"), "replace: no temporary file left (%s)", listing());
}

static void test_empty_and_relative(void)
{
	enum atomic_step step;
	char cwd[4096];
	int err;

	err = atomic_write_file(at("m.prom"), 0644, "", 0, &step);
	ok(err == 0 && !strcmp(slurp(at("m.prom")), "") && mode_of(at("m.prom")) == 0644,
	   "empty content: an empty file, mode 0644");
	if (!getcwd(cwd, sizeof(cwd)) || chdir(dir)) {
		ok(false, "chdir to %s", dir);
		return;
	}
	err = atomic_write_file("rel.prom", 0644, "r\n", 2, &step);
	ok(err == 0 && !strcmp(slurp(at("rel.prom")), "r\n"),
	   "a path without a directory: written in the working directory");
	if (chdir(cwd))
		ok(false, "chdir back to %s", cwd);
	ok(!strcmp(listing(), "m.prom rel.prom"), "no temporary file left (%s)", listing());
	unlink(at("rel.prom"));
}

static void test_failures(void)
{
	enum atomic_step step;
	struct rlimit old, small = { 8, 8 };
	char big[64];
	int err;

	put(at("m.prom"), "old\n", 0644);

	err = atomic_write_file(at("nodir/m.prom"), 0644, "x\n", 2, &step);
	ok(err == -ENOENT && step == ATOMIC_CREATE,
	   "missing directory: ENOENT when creating (got %s, step %d)", strerror(-err), step);

	mkdir(at("d.prom"), 0755);
	put(at("d.prom/keep"), "k", 0644);
	err = atomic_write_file(at("d.prom"), 0644, "x\n", 2, &step);
	ok(err == -EISDIR && step == ATOMIC_RENAME,
	   "a non-empty directory in the way: the rename fails, EISDIR (got %s, step %d)",
	   strerror(-err), step);
	ok(!strcmp(slurp(at("d.prom/keep")), "k"), "the directory is left as it was");
	unlink(at("d.prom/keep"));
	rmdir(at("d.prom"));

	/* a write cut short (a full disk): RLIMIT_FSIZE gives EFBIG */
	memset(big, 'b', sizeof(big));
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	setrlimit(RLIMIT_FSIZE, &small);
	err = atomic_write_file(at("m.prom"), 0644, big, sizeof(big), &step);
	setrlimit(RLIMIT_FSIZE, &old);
	ok(err == -EFBIG && step == ATOMIC_WRITE,
	   "a failed write: EFBIG while writing (got %s, step %d)", strerror(-err), step);
	ok(!strcmp(slurp(at("m.prom")), "old\n"), "a failed write: the old file is left as it was");
	ok(!strcmp(listing(), "m.prom"),
	   "after every failure: no temporary file left (%s)", listing());
	unlink(at("m.prom"));
}

int main(void)
{
	tap_start();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_create();
	test_replace();
	test_empty_and_relative();
	test_failures();
	rmdir(dir);
	return tap_end();
}
