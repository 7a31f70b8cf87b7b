// SPDX-License-Identifier: GPL-2.0
/*
 * The id index of a policy's rules (idmap.h).
 */

#include <linux/build_bug.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "idmap.h"

struct egress_idmap_page {
	u32 live;
	u32 room;		/* entries */
	/* 0: no rule has the id (any more); else the value + 1. */
	u32 entry[];
};

#define EGRESS_IDMAP_PAGE_MIN 16
#define EGRESS_IDMAP_PAGE_MAX 4096

static_assert(struct_size_t(struct egress_idmap_page, entry,
			    EGRESS_IDMAP_PER_PAGE) == EGRESS_IDMAP_PAGE_MAX);

static size_t egress_idmap_page_bytes(u32 room)
{
	return struct_size_t(struct egress_idmap_page, entry, room);
}

/* The entries a page of @bytes holds. */
static u32 egress_idmap_page_room(size_t bytes)
{
	return (bytes - offsetof(struct egress_idmap_page, entry)) / sizeof(u32);
}

void egress_idmap_init(struct egress_idmap *map)
{
	xa_init(&map->pages);
	map->bytes = 0;
}

void egress_idmap_destroy(struct egress_idmap *map)
{
	struct egress_idmap_page *page;
	unsigned long pgno;

	xa_for_each(&map->pages, pgno, page)
		kfree(page);
	xa_destroy(&map->pages);
	map->bytes = 0;
}

/*
 * @page (NULL: none yet) with room for entry @off: itself, or a copy with
 * twice the bytes (as many times as it takes) in its place.
 */
static struct egress_idmap_page *egress_idmap_room(struct egress_idmap *map,
						   unsigned long pgno,
						   struct egress_idmap_page *page,
						   unsigned int off)
{
	struct egress_idmap_page *bigger;
	size_t bytes = page ? egress_idmap_page_bytes(page->room) :
			      EGRESS_IDMAP_PAGE_MIN / 2;
	int err;

	if (page && off < page->room)
		return page;
	do {
		bytes *= 2;
	} while (bytes < EGRESS_IDMAP_PAGE_MAX &&
		 egress_idmap_page_room(bytes) <= off);
	bigger = kzalloc(bytes, GFP_KERNEL_ACCOUNT);
	if (!bigger)
		return ERR_PTR(-ENOMEM);
	bigger->room = egress_idmap_page_room(bytes);
	if (page) {
		bigger->live = page->live;
		memcpy(bigger->entry, page->entry,
		       page->room * sizeof(page->entry[0]));
	}
	err = xa_err(xa_store(&map->pages, pgno, bigger, GFP_KERNEL_ACCOUNT));
	if (err) {
		kfree(bigger);
		return ERR_PTR(err);
	}
	if (page) {
		map->bytes -= egress_idmap_page_bytes(page->room);
		kfree(page);
	}
	map->bytes += bytes;
	return bigger;
}

int egress_idmap_set(struct egress_idmap *map, u32 id, u32 value)
{
	unsigned long pgno = id / EGRESS_IDMAP_PER_PAGE;
	unsigned int off = id % EGRESS_IDMAP_PER_PAGE;
	struct egress_idmap_page *page = xa_load(&map->pages, pgno);

	if (WARN_ON_ONCE(value == U32_MAX))
		return -EINVAL;
	page = egress_idmap_room(map, pgno, page, off);
	if (IS_ERR(page))
		return PTR_ERR(page);
	if (WARN_ON_ONCE(page->entry[off]))
		return -EEXIST;
	page->entry[off] = value + 1;
	page->live++;
	return 0;
}

/* @id's entry, or NULL if its page has no room for it. */
static u32 *egress_idmap_entry(struct egress_idmap *map, u32 id,
			       struct egress_idmap_page **pagep)
{
	struct egress_idmap_page *page;
	unsigned int off = id % EGRESS_IDMAP_PER_PAGE;

	page = xa_load(&map->pages, id / EGRESS_IDMAP_PER_PAGE);
	if (pagep)
		*pagep = page;
	if (!page || off >= page->room)
		return NULL;
	return &page->entry[off];
}

void egress_idmap_clear(struct egress_idmap *map, u32 id)
{
	struct egress_idmap_page *page;
	u32 *entry = egress_idmap_entry(map, id, &page);

	if (WARN_ON_ONCE(!entry || !*entry))
		return;
	*entry = 0;
	if (!--page->live) {
		xa_erase(&map->pages, id / EGRESS_IDMAP_PER_PAGE);
		map->bytes -= egress_idmap_page_bytes(page->room);
		kfree(page);
	}
}

bool egress_idmap_get(struct egress_idmap *map, u32 id, u32 *value)
{
	u32 *entry = egress_idmap_entry(map, id, NULL);

	if (!entry || !*entry)
		return false;
	*value = *entry - 1;
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
		for (; off < page->room; off++) {
			if (page->entry[off]) {
				*id = pgno * EGRESS_IDMAP_PER_PAGE + off;
				*value = page->entry[off] - 1;
				return true;
			}
		}
	}
	return false;
}
