/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NF_EGRESS_NETLINK_H
#define _NF_EGRESS_NETLINK_H

int egress_netlink_init(void);
void egress_netlink_exit(void);

#endif /* _NF_EGRESS_NETLINK_H */
