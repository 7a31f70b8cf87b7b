/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NF_EGRESS_SELFTEST_H
#define _NF_EGRESS_SELFTEST_H

#ifdef DEBUG
/* 0 when the self-tests pass or were not asked for (selftest=1). */
int egress_selftest_run(void);
/* The parts, for egress_selftest_run(): 0 or -errno, with a log line. */
int egress_selftest_trie(void);
int egress_selftest_ratelimit(void);
int egress_selftest_quota(void);
int egress_selftest_pattern(void);
#else
/* A production build has no self-tests (and no selftest parameter). */
static inline int egress_selftest_run(void)
{
	return 0;
}
#endif

#endif /* _NF_EGRESS_SELFTEST_H */
