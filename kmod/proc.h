/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NF_EGRESS_PROC_H
#define _NF_EGRESS_PROC_H

int egress_proc_init(void);
void egress_proc_exit(void);

#endif /* _NF_EGRESS_PROC_H */
