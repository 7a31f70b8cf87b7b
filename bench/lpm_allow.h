/* SPDX-License-Identifier: GPL-2.0 */
/* The map keys shared by bench/lpm_allow.bpf.c and its loader bench/bpf_lpm.c. */
#ifndef LPM_ALLOW_H
#define LPM_ALLOW_H

#include <linux/types.h>

/* Room for the benchmark's largest set, 1M prefixes, in either family. */
#define LPM_ALLOW_MAX_ENTRIES (1 << 21)

/* BPF_MAP_TYPE_LPM_TRIE keys: the prefix length, then the address bytes. */
struct lpm_allow_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct lpm_allow_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

#endif
