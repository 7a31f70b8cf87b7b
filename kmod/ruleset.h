/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rules of one policy and their longest-prefix-match lookup.
 *
 * Rules are grouped by destination prefix.  A trie per family holds the
 * distinct prefixes, each leading to its rules sorted most specific
 * first, and gives a lookup those that cover the destination, longest
 * first, after at most one node per six bits of the longest: its cost
 * grows neither with the number of rules nor with the number of prefix
 * lengths in use.  rulestore.h holds the records, trie.h the trie, lpm.h
 * the lookup.
 *
 * Writers hold egress_config_mutex; the packet path reads under RCU.
 */
#ifndef _NF_EGRESS_RULESET_H
#define _NF_EGRESS_RULESET_H

#include <linux/align.h>
#include <linux/netfilter.h>
#include <linux/atomic.h>
#include <linux/types.h>

#include <linux/nf_egress.h>

#include "idmap.h"
#include "rulestore.h"

/*
 * The parts of a packet rules look at.  The address is not the first
 * member: GCC aligns a local struct whose
 * first member is 16 bytes (an integer mode of 128 bits) to 16 bytes, and
 * the kernel's 8-byte stack alignment then costs every function holding
 * one a stack realignment, the packet hook included.
 */
struct egress_pkt {
	u8 family;		/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	u8 proto;		/* IPPROTO_*, 0 when unknown */
	bool has_port;		/* TCP, UDP or SCTP with a readable header */
	u16 dport;		/* host byte order */
	union nf_inet_addr daddr;
};

struct egress_rule {
	/* Hits: packets this rule decided.  Atomic rather than per CPU, so a
	 * million rules cost 16 bytes each, not 16 bytes per CPU each.
	 */
	atomic64_t packets;
	atomic64_t bytes;
	u32 id;
	/*
	 * A stored rule's successor among the rules of its prefix (less
	 * specific, or equally specific and newer), as an index into its
	 * store, or EGRESS_RULE_NONE.  Unused in a template.
	 */
	u32 next;
	u16 port_min;			/* host byte order, inclusive */
	u16 port_max;
	u8 prefix_len;
	u8 proto;			/* IPPROTO_*, 0 for any */
	u8 class_id;			/* egress_class_name(), 0: none */
	/*
	 * Bit fields, so that the fields before the address take 32 bytes
	 * and an IPv6 record 48.  Whoever fills them checks the value first
	 * (netlink.c): a field this narrow would keep any value's low bits.
	 */
	u8 family:4;			/* NFPROTO_IPV4 or NFPROTO_IPV6 */
	u8 action:1;			/* enum nf_egress_verdict */
	u8 has_ports:1;
	/*
	 * Host bits beyond prefix_len are 0.  Last, because a stored IPv4
	 * rule ends after addr.ip (egress_rule_size()): never read more of
	 * a stored rule's address than its family has.
	 */
	union nf_inet_addr addr;
};

/* What the bit fields must hold, and the record size design.rst states. */
static_assert(NFPROTO_IPV4 < 16 && NFPROTO_IPV6 < 16);
static_assert(NF_EGRESS_VERDICT_MAX <= 1);
static_assert(sizeof(struct egress_rule) == 48);

/* The bytes a stored rule of @family takes. */
static inline size_t egress_rule_size(u8 family)
{
	if (family == NFPROTO_IPV4)
		return ALIGN(offsetof(struct egress_rule, addr) + sizeof(__be32),
			     __alignof__(struct egress_rule));
	return sizeof(struct egress_rule);
}

struct egress_ruleset {
	struct egress_rule_store v4;
	struct egress_rule_store v6;
	/* rule id -> index << 1 | is_ipv6, for dumps and deletes */
	struct egress_idmap by_id;
	u32 count;
	u32 next_id;
	/*
	 * Rules with a lower id are visible to lookups; a batch of rules
	 * becomes visible at once when this moves past it (release store,
	 * loaded with acquire once per lookup).
	 */
	u32 published_id;
};

int egress_ruleset_init(struct egress_ruleset *rs);
/*
 * @rs is reachable by no reader yet (a policy of a set being applied),
 * until egress_ruleset_publish(), which must come before anything makes it
 * reachable.  Writers then change its tries in place.
 */
void egress_ruleset_unpublished(struct egress_ruleset *rs);
void egress_ruleset_publish(struct egress_ruleset *rs);
/* Frees everything; the caller guarantees no reader remains. */
void egress_ruleset_destroy(struct egress_ruleset *rs);

/*
 * Validate a rule's fields among themselves (not against other rules).
 * Returns 0 or -errno with a static explanation in *reason.
 */
int egress_rule_validate(const struct egress_rule *rule, const char **reason);

/* The rule in @rs with the same destination, protocol and ports, or NULL. */
struct egress_rule *egress_ruleset_find_same(struct egress_ruleset *rs,
					     const struct egress_rule *spec);

/*
 * Insert copies of @rules[0..n) with fresh ids; all or none.  A rule that
 * duplicates another (in @rs or within @rules) fails with -EEXIST and its
 * index in *bad.
 */
int egress_ruleset_insert(struct egress_ruleset *rs,
			  const struct egress_rule *rules, u32 n, u32 *bad,
			  const char **reason);
int egress_ruleset_delete(struct egress_ruleset *rs, u32 id);

/*
 * The rule with the lowest id >= *@id, or NULL; sets *@id to its id.
 * Under egress_config_mutex.
 */
struct egress_rule *egress_ruleset_next(struct egress_ruleset *rs,
					unsigned long *id);

/* What a ruleset holds, for the self-tests. */
struct egress_ruleset_usage {
	u32 chunks;		/* chunks of rule records, both families */
	u32 prefixes;
	u32 trie_nodes;
};

void egress_ruleset_usage(struct egress_ruleset *rs,
			  struct egress_ruleset_usage *usage);

/*
 * The bytes of @rs's prefix tries, which depend on how its prefixes share
 * address bits: the limit on a set's memory counts them as they are.
 */
size_t egress_ruleset_index_bytes(struct egress_ruleset *rs);

#endif /* _NF_EGRESS_RULESET_H */
