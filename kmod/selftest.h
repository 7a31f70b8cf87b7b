/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NF_EGRESS_SELFTEST_H
#define _NF_EGRESS_SELFTEST_H

/* 0 when the self-tests pass or were not asked for (selftest=1). */
int egress_selftest_run(void);

#endif /* _NF_EGRESS_SELFTEST_H */
