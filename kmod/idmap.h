/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The id index of one policy's rules: from a rule's id to where its record
 * is, for the writers that name a rule by id (deletes) or walk the rules in
 * id order (dumps).  A policy hands ids out in increasing order and never
 * reuses one, so the live ids are dense but for the holes deletes leave: an
 * array of entries for each run of EGRESS_IDMAP_PER_PAGE consecutive ids,
 * with a count of its live entries so that a page whose ids are all
 * deleted goes away.  A page starts with room for the ids it holds and
 * doubles in bytes up to 4 KiB, so a policy of three rules takes 32 bytes
 * and a big one 4 bytes a rule, where an xarray of value entries takes
 * about 9.
 *
 * Only writers use it, under egress_config_mutex; the packet path never
 * does, so nothing here is RCU.
 */
#ifndef _NF_EGRESS_IDMAP_H
#define _NF_EGRESS_IDMAP_H

#include <linux/types.h>
#include <linux/xarray.h>

/* A full page: a header and the entries of as many ids as fill 4 KiB. */
#define EGRESS_IDMAP_PER_PAGE 1022

struct egress_idmap {
	struct xarray pages;	/* id / EGRESS_IDMAP_PER_PAGE -> page */
	size_t bytes;		/* of the pages, as allocated */
};

/*
 * The pages' bytes: a few live ids can keep whole pages, so the memory
 * cap counts them as allocated (limits.c).
 */
static inline size_t egress_idmap_bytes(const struct egress_idmap *map)
{
	return map->bytes;
}

void egress_idmap_init(struct egress_idmap *map);
/* Frees every page. */
void egress_idmap_destroy(struct egress_idmap *map);
/* Map @id, which has no entry, to @value (below U32_MAX); 0 or -ENOMEM. */
int egress_idmap_set(struct egress_idmap *map, u32 id, u32 value);
/* Forget @id's entry; it must have one. */
void egress_idmap_clear(struct egress_idmap *map, u32 id);
/* @id's value in *@value, or false if it has none. */
bool egress_idmap_get(struct egress_idmap *map, u32 id, u32 *value);
/*
 * The lowest id >= *@id with an entry, in *@id and its value in *@value,
 * or false if there is none.
 */
bool egress_idmap_next(struct egress_idmap *map, u32 *id, u32 *value);

#endif /* _NF_EGRESS_IDMAP_H */
