/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NF_EGRESS_HOOK_H
#define _NF_EGRESS_HOOK_H

#include <linux/types.h>

extern bool egress_judge_loopback;

int egress_hooks_init(void);
void egress_hooks_exit(void);

#endif /* _NF_EGRESS_HOOK_H */
