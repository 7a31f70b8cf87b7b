/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replacing a file so that its readers (node_exporter's textfile
 * collector, every few seconds) see either the old content or the whole
 * new one, never a partial file, and the old one stays when anything
 * fails.
 */
#ifndef EGRESSCTL_ATOMICFILE_H
#define EGRESSCTL_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

/* The step of atomic_write_file() that failed. */
enum atomic_step {
	ATOMIC_CREATE,		/* the temporary file could not be made */
	ATOMIC_WRITE,		/* writing it or fsync() failed */
	ATOMIC_RENAME,		/* it could not replace path */
};

/*
 * Write len bytes of buf to a temporary file in path's directory (rename()
 * only replaces atomically within one filesystem), named ".NAME.XXXXXX"
 * after path's NAME so that a reader that takes "*.prom" files never
 * picks it up; give it mode (not reduced by the umask); fsync it and
 * rename it over path.  On failure the temporary file is removed, path is
 * left as it was and *step says what failed.  Returns 0 or a negative
 * errno.
 */
int atomic_write_file(const char *path, mode_t mode, const void *buf,
		      size_t len, enum atomic_step *step);

#endif /* EGRESSCTL_ATOMICFILE_H */
