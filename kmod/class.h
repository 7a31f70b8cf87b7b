/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Class names and their ids.  Class ids are global so that counters per
 * class survive an apply.  Writers and readers hold egress_config_mutex.
 */
#ifndef _NF_EGRESS_CLASS_H
#define _NF_EGRESS_CLASS_H

#include <linux/types.h>

/* Is @name a class name: 1 or more of A-Z a-z 0-9 _ . - ? */
bool egress_class_name_valid(const char *name);
/* The class id of @name, registering it if new; < 0 on error.  Mutex. */
int egress_class_id(const char *name, const char **reason);
/* The name of class @id (1..EGRESS_CLASSES_MAX).  Mutex. */
const char *egress_class_name(u8 id);
/*
 * Free the ids of class names that no policy of the live or staged set
 * uses or keeps counters for: a request that failed (a refused RULE_NEW,
 * an aborted apply) leaves no name behind.  Mutex.
 */
void egress_classes_forget_unused(void);

#endif /* _NF_EGRESS_CLASS_H */
