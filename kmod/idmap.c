// SPDX-License-Identifier: GPL-2.0
/*
 * The id index of a policy's rules (idmap.h).
 */

#include <linux/build_bug.h>
#include <linux/bug.h>
#include <linux/slab.h>

#include "idmap.h"

struct egress_idmap_page {
	u32 live;
	/* 0: no rule has the id (any more); else the value + 1. */
	u32 entry[EGRESS_IDMAP_PER_PAGE];
};

/* A page of entries is one slab object of the 4 KiB bucket, not more. */
static_assert(sizeof(struct egress_idmap_page) == 4096);

void egress_idmap_init(struct egress_idmap *map)
{
	xa_init(&map->pages);
	map->nr_pages = 0;
}

void egress_idmap_destroy(struct egress_idmap *map)
{
	struct egress_idmap_page *page;
	unsigned long pgno;

	xa_for_each(&map->pages, pgno, page)
		kfree(page);
	xa_destroy(&map->pages);
	map->nr_pages = 0;
}

int egress_idmap_set(struct egress_idmap *map, u32 id, u32 value)
{
	unsigned long pgno = id / EGRESS_IDMAP_PER_PAGE;
	struct egress_idmap_page *page = xa_load(&map->pages, pgno);
	u32 *entry;
	int err;

	if (WARN_ON_ONCE(value == U32_MAX))
		return -EINVAL;
	if (!page) {
		page = kzalloc(sizeof(*page), GFP_KERNEL_ACCOUNT);
		if (!page)
			return -ENOMEM;
		err = xa_err(xa_store(&map->pages, pgno, page,
				      GFP_KERNEL_ACCOUNT));
		if (err) {
			kfree(page);
			return err;
		}
		map->nr_pages++;
	}
	entry = &page->entry[id % EGRESS_IDMAP_PER_PAGE];
	if (WARN_ON_ONCE(*entry))
		return -EEXIST;
	*entry = value + 1;
	page->live++;
	return 0;
}

void egress_idmap_clear(struct egress_idmap *map, u32 id)
{
	unsigned long pgno = id / EGRESS_IDMAP_PER_PAGE;
	struct egress_idmap_page *page = xa_load(&map->pages, pgno);
	u32 *entry;

	if (WARN_ON_ONCE(!page))
		return;
	entry = &page->entry[id % EGRESS_IDMAP_PER_PAGE];
	if (WARN_ON_ONCE(!*entry))
		return;
	*entry = 0;
	if (!--page->live) {
		xa_erase(&map->pages, pgno);
		kfree(page);
		map->nr_pages--;
	}
}

bool egress_idmap_get(struct egress_idmap *map, u32 id, u32 *value)
{
	struct egress_idmap_page *page;
	u32 entry;

	page = xa_load(&map->pages, id / EGRESS_IDMAP_PER_PAGE);
	if (!page)
		return false;
	entry = page->entry[id % EGRESS_IDMAP_PER_PAGE];
	if (!entry)
		return false;
	*value = entry - 1;
	return true;
}

bool egress_idmap_next(struct egress_idmap *map, u32 *id, u32 *value)
{
	unsigned long pgno = *id / EGRESS_IDMAP_PER_PAGE;
	unsigned int off = *id % EGRESS_IDMAP_PER_PAGE;
	struct egress_idmap_page *page;

	xa_for_each_start(&map->pages, pgno, page, pgno) {
		/* A later page than *@id's is scanned from its start. */
		if (pgno != *id / EGRESS_IDMAP_PER_PAGE)
			off = 0;
		for (; off < EGRESS_IDMAP_PER_PAGE; off++) {
			if (page->entry[off]) {
				*id = pgno * EGRESS_IDMAP_PER_PAGE + off;
				*value = page->entry[off] - 1;
				return true;
			}
		}
	}
	return false;
}
