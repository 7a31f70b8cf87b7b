/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NF_EGRESS_NETLINK_H
#define _NF_EGRESS_NETLINK_H

#include <net/genetlink.h>

/* The family's multicast groups, by index into its mcgrps. */
enum egress_mcgrp {
	EGRESS_MCGRP_EVENTS,
};

/* For the notifications events.c multicasts. */
extern struct genl_family egress_genl_family;

int egress_netlink_init(void);
void egress_netlink_exit(void);

struct egress_policy;
/* INSTANCE_GONE: @instance's final counters.  Mutex. */
void egress_nl_instance_gone(struct egress_policy *instance);

#endif /* _NF_EGRESS_NETLINK_H */
