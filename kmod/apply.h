/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `egressctl apply`: a whole policy set is staged off to the side, owned by
 * one netlink port, and swapped in with one pointer assignment, so every
 * packet sees either the old set or the new one, never a mix.  A path in
 * both sets keeps its counters, its rules' hits and its token buckets.
 *
 * Everything here runs under egress_config_mutex, except
 * egress_apply_release()'s first look.
 */
#ifndef _NF_EGRESS_APPLY_H
#define _NF_EGRESS_APPLY_H

#include <linux/types.h>

struct egress_set;

/* The staged set of an apply in progress, owned by a netlink port. */
struct egress_set *egress_staged_set(u32 portid, const char **reason);
/* The staged set whoever owns it, or NULL. */
struct egress_set *egress_apply_staged(void);
int egress_apply_begin(u32 portid, const char **reason);
int egress_apply_commit(u32 portid, const char **reason);
int egress_apply_abort(u32 portid, const char **reason);
/* The owner's socket went away: drop its staged set, if any. */
void egress_apply_release(u32 portid);
/* The module goes away: drop the staged set, whoever owns it. */
void egress_apply_exit(void);

#endif /* _NF_EGRESS_APPLY_H */
