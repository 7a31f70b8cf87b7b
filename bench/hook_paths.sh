# SPDX-License-Identifier: GPL-2.0
#
# The packet paths that bench/hook_cost.sh times and bench/hook_trace.sh
# traces, one UDP flood from one cgroup each; sourced by both, in the
# guest, after selftests/lib.sh.
#
#   $CLI_NS                                        $SRV_NS
#   +-------------------------------------+        +-------------------------+
#   | cgroups /nfe-hook-PID/{none,one,    |  veth  | eth0 10.99.0.2/24       |
#   |   many,lens,deep,jump,v6,v6many,    +--------+   2001:db8:99::2/64     |
#   |   v6jump}:                          |        |                         |
#   |   bench_udp                         |        | bench_udp sinks, port   |
#   | veth0 10.99.0.1/24 2001:db8:99::1/64|        |   9000 (never read)     |
#   +-------------------------------------+        +-------------------------+
#
# Policies (default deny each): one: allow to 10.99.0.2/32; many: 999 /32s
# in 10.64.0.0/10 and 10.99.0.2/32; lens: 999 prefixes of 24 lengths and
# 10.0.0.0/8, which matches; deep: 4,000 /32s in 10.99.0.0/20, so that the
# match is a prefix bit of the sixth node on the trie's path, as in a
# table of a million /32s; jump: 70,000 /32s from 10.98.0.0, the match as
# deep, but the trie has a jump table (trie.h) from which the walk starts
# at the fourth node; v6: allow to 2001:db8::/32; v6many: 2,000 random
# /48s in 2000::/4 and 2001:db8::/32; v6jump: 70,000 of them and the /32,
# with a jump table.  none has no policy (one exists elsewhere, so the
# hook looks the cgroup up).

# Each path: id, cgroup, destination, packet length at LOCAL_OUT (64-byte
# payloads: 92 bytes over IPv4, 112 over IPv6), what it is.
HOOK_DST=10.99.0.2
HOOK_DST6=2001:db8:99::2
HOOK_PATHS="\
h0 none $HOOK_DST 92 no policy on the sender's cgroup (one elsewhere)
h1 one $HOOK_DST 92 1 rule, /32
h2 many $HOOK_DST 92 1,000 rules, /32
h3 lens $HOOK_DST 92 1,000 rules over 25 lengths, match /8
h7 deep $HOOK_DST 92 4,000 /32s, the match six trie nodes deep
h8 jump $HOOK_DST 92 70,000 /32s, as deep, from the jump table
h4 none $HOOK_DST6 112 IPv6, no policy on the sender's cgroup
h5 v6 $HOOK_DST6 112 IPv6, 1 rule, /32
h6 v6many $HOOK_DST6 112 IPv6, 2,001 rules, /48s and the matching /32
h9 v6jump $HOOK_DST6 112 IPv6, 70,001 rules, from the jump table"

# hook_paths_setup DIR: the link, the sinks, the cgroups under
# /$HOOK_CG and their policies; bench_udp copied to $HOOK_BU.  DIR is
# the test's scratch directory.
hook_paths_setup()
{
	local w=$1 addr c

	HOOK_BU=$w/bench_udp
	cp "$BENCH_DIR/bench_udp" "$HOOK_BU" ||
		bail_out "bench/bench_udp is not built (make -C bench)"
	HOOK_CG=nfe-hook-$$
	setup_measured_link hook "$HOOK_DST" "$HOOK_DST6"
	for addr in "$HOOK_DST" "$HOOK_DST6"; do
		ip netns exec "$SRV_NS" "$HOOK_BU" sink "$addr" 9000 "$w/sink.$addr" ||
			bail_out "sink on $addr"
		register_pid "$(cat "$w/sink.$addr")"
	done
	cg_create "$HOOK_CG"
	for c in none one many lens deep jump v6 v6many v6jump; do
		cg_create "$HOOK_CG/$c"
	done
	{
		printf 'cgroup "/%s/one" {\n    default deny;\n    allow to %s/32;\n}\n' \
			"$HOOK_CG" "$HOOK_DST"
		printf 'cgroup "/%s/many" {\n    default deny;\n' "$HOOK_CG"
		awk 'BEGIN { for (i = 0; i < 999; i++)
			printf "    allow to 10.%d.%d.%d/32;\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256 }'
		printf '    allow to %s/32;\n}\n' "$HOOK_DST"
		printf 'cgroup "/%s/lens" {\n    default deny;\n' "$HOOK_CG"
		awk 'BEGIN { for (j = 0; j < 999; j++)
			printf "    allow to %d.0.0.0/%d;\n", 20 + int(j / 24), 9 + j % 24 }'
		printf '    allow to 10.0.0.0/8;\n}\n'
		# 10.99.0.0 to 10.99.15.249: $HOOK_DST among them.
		printf 'cgroup "/%s/deep" {\n    default deny;\n' "$HOOK_CG"
		awk 'BEGIN { for (i = 0; i < 4000; i++)
			printf "    allow to 10.99.%d.%d/32;\n", int(i / 250), i % 250 }'
		printf '}\n'
		# 10.98.0.0 to 10.99.17.111: $HOOK_DST among them.
		printf 'cgroup "/%s/jump" {\n    default deny;\n' "$HOOK_CG"
		awk 'BEGIN { for (i = 0; i < 70000; i++)
			printf "    allow to 10.%d.%d.%d/32;\n", 98 + int(i / 65536), int(i / 256) % 256, i % 256 }'
		printf '}\n'
		printf 'cgroup "/%s/v6" {\n    default deny;\n    allow to 2001:db8::/32;\n}\n' "$HOOK_CG"
		printf 'cgroup "/%s/v6many" {\n    default deny;\n' "$HOOK_CG"
		awk 'BEGIN { srand(7); for (i = 0; i < 2000; i++)
			printf "    allow to 2%03x:%x:%x::/48;\n", int(rand() * 4095), int(rand() * 65535), int(rand() * 65535) }'
		printf '    allow to 2001:db8::/32;\n}\n'
		printf 'cgroup "/%s/v6jump" {\n    default deny;\n' "$HOOK_CG"
		awk 'BEGIN { srand(7); for (i = 0; i < 70000; i++)
			printf "    allow to 2%03x:%x:%x::/48;\n", int(rand() * 4095), int(rand() * 65535), int(rand() * 65535) }'
		printf '    allow to 2001:db8::/32;\n}\n'
	} > "$w/policies.conf"
	"$EGRESSCTL" apply -f "$w/policies.conf" > /dev/null || bail_out "cannot apply the policies"
}

# hook_paths_flood CGROUP DST SECONDS: bench_udp's flood from the path's
# cgroup, on CPU 0, as the hook sees it in both scripts.
hook_paths_flood()
{
	cg_exec "$HOOK_CG/$1" ip netns exec "$CLI_NS" taskset -c 0 \
		"$HOOK_BU" send "$2" 9000 64 64 "$3"
}
