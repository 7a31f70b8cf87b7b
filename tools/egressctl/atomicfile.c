// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int atomic_write_file(const char *path, mode_t mode, const void *buf,
		      size_t len, enum atomic_step *step)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	size_t size = strlen(path) + sizeof(".XXXXXX") + 1;
	char *tmp = malloc(size);
	int fd, err;

	*step = ATOMIC_CREATE;
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, size, "%.*s.%s.XXXXXX", dirlen, path, path + dirlen);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	/* mkstemp made it 0600; a reader running as another user needs more */
	err = fchmod(fd, mode) ? -errno : 0;
	if (!err) {
		*step = ATOMIC_WRITE;
		err = write_all(fd, buf, len);
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err) {
		*step = ATOMIC_RENAME;
		if (rename(tmp, path))
			err = -errno;
	}
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
