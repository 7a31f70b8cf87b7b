// SPDX-License-Identifier: GPL-2.0
/*
 * The prefix table of a policy's rules (prefixtable.h).
 */

#include <linux/log2.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "prefixtable.h"

#define EGRESS_TABLE_MIN_SLOTS 16

bool egress_table_find(struct egress_rule_store *store,
		       const struct egress_rule_table *tab, u8 family,
		       const union nf_inet_addr *addr, u8 prefix_len,
		       u32 *pos)
{
	u32 hash = egress_prefix_hash(family, addr, prefix_len, tab->seed);
	u32 i = hash >> tab->shift, insert_at = U32_MAX;

	for (;; i = (i + 1) & tab->mask) {
		u32 slot = tab->slot[i];
		const struct egress_rule *head;

		if (slot == EGRESS_SLOT_EMPTY)
			break;
		if (slot == EGRESS_SLOT_GONE) {
			if (insert_at == U32_MAX)
				insert_at = i;
			continue;
		}
		if (!egress_slot_tagged(slot, hash))
			continue;
		head = egress_rule_at_locked(store, egress_slot_idx(slot));
		if (head->prefix_len == prefix_len &&
		    egress_addr_equal(family, &head->addr, addr)) {
			*pos = i;
			return true;
		}
	}
	*pos = insert_at == U32_MAX ? i : insert_at;
	return false;
}

static void egress_table_free(struct egress_rule_table *tab)
{
	if (!tab)
		return;
	kvfree(tab->slot);
	kfree(tab);
}

int egress_table_rebuild(struct egress_rule_store *store, u8 family,
			 u32 slots)
{
	struct egress_rule_table *old = egress_table_locked(store), *tab;
	u32 i;

	tab = kzalloc(sizeof(*tab), GFP_KERNEL_ACCOUNT);
	if (!tab)
		return -ENOMEM;
	tab->slot = kvcalloc(slots, sizeof(tab->slot[0]), GFP_KERNEL_ACCOUNT);
	if (!tab->slot) {
		kfree(tab);
		return -ENOMEM;
	}
	tab->mask = slots - 1;
	tab->shift = 32 - ilog2(slots);
	tab->seed = get_random_u32();
	for (i = 0; old && i <= old->mask; i++) {
		const struct egress_rule *head;
		u32 hash, pos;

		if (!egress_slot_live(old->slot[i]))
			continue;
		head = egress_rule_at_locked(store, egress_slot_idx(old->slot[i]));
		hash = egress_prefix_hash(family, &head->addr, head->prefix_len,
					  tab->seed);
		for (pos = hash >> tab->shift; tab->slot[pos];
		     pos = (pos + 1) & tab->mask)
			;
		tab->slot[pos] = egress_slot_make(hash,
						  egress_slot_idx(old->slot[i]));
		tab->used++;
		tab->prefixes++;
		/* A million prefixes take a while; writers may sleep. */
		if (!(i % 4096))
			cond_resched();
	}
	rcu_assign_pointer(store->table, tab);
	/*
	 * Two frees after a grace period, no callback of ours: a module
	 * whose load fails after its self-tests replaced tables is freed
	 * without an rcu_barrier().
	 */
	if (old) {
		kvfree_rcu_mightsleep(old->slot);
		kfree_rcu(old, rcu);
	}
	return 0;
}

u32 egress_table_slots_for(u32 prefixes)
{
	return max_t(u32, EGRESS_TABLE_MIN_SLOTS,
		     roundup_pow_of_two(2 * (prefixes + 1)));
}

void egress_table_trim(struct egress_rule_store *store, u8 family)
{
	struct egress_rule_table *tab = egress_table_locked(store);

	if (tab && tab->mask + 1 > EGRESS_TABLE_MIN_SLOTS &&
	    tab->prefixes * 8 < tab->mask + 1)
		egress_table_rebuild(store, family,
				     egress_table_slots_for(tab->prefixes));
}

void egress_table_destroy(struct egress_rule_store *store)
{
	egress_table_free(egress_table_locked(store));
}
