// SPDX-License-Identifier: GPL-2.0
/*
 * The cgroup-BPF baseline of `make bench`: an egress allowlist the way
 * systemd's IPAddressAllow= enforces one, a BPF_PROG_TYPE_CGROUP_SKB
 * program on the cgroup's egress hook that looks the destination up in a
 * longest-prefix-match trie map per family and lets the packet out only on
 * a hit.  bench/bpf_lpm.c loads it, fills the maps and attaches it.
 *
 * At the cgroup egress hook the skb's data starts at the network header,
 * so the destination address is at its offset in the IP header.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>

#include "lpm_allow.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LPM_ALLOW_MAX_ENTRIES);
	__type(key, struct lpm_allow_v4_key);
	__type(value, __u8);
} allow_v4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, LPM_ALLOW_MAX_ENTRIES);
	__type(key, struct lpm_allow_v6_key);
	__type(value, __u8);
} allow_v6 SEC(".maps");

SEC("cgroup_skb/egress")
int lpm_allow_egress(struct __sk_buff *skb)
{
	__u8 version;

	if (bpf_skb_load_bytes(skb, 0, &version, 1))
		return 0;
	if (version >> 4 == 4) {
		struct lpm_allow_v4_key key = { .prefixlen = 32 };

		if (bpf_skb_load_bytes(skb, offsetof(struct iphdr, daddr),
				       key.addr, sizeof(key.addr)))
			return 0;
		return bpf_map_lookup_elem(&allow_v4, &key) ? 1 : 0;
	}
	if (version >> 4 == 6) {
		struct lpm_allow_v6_key key = { .prefixlen = 128 };

		if (bpf_skb_load_bytes(skb, offsetof(struct ipv6hdr, daddr),
				       key.addr, sizeof(key.addr)))
			return 0;
		return bpf_map_lookup_elem(&allow_v6, &key) ? 1 : 0;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
