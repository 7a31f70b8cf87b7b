#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exact per-policy counters: packets and bytes at the IP layer (IP header
# included), in `egressctl -j stats` and in /proc/net/nf_egress/stats.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | cgroup /nfe-ctr-PID (policy)  |          | udp-recv :: 5202 (counts)    |
#   | test cgroup (no policy)       |   veth   |  eth0  10.99.0.2/24  allowed |
#   |  nfeXXXX 10.99.{0,1}.1/24     +----------+        10.99.1.2/24  denied  |
#   |          2001:db8:9{9,8}::1   |          |  2001:db8:99::2 / 98::2      |
#   +-------------------------------+          +------------------------------+
#
# UDP datagram of 100 payload bytes: IPv4 20 + 8 + 100 = 128 bytes,
# IPv6 40 + 8 + 100 = 148 bytes.
#   step 1: N=100 to 10.99.0.2 (allowed), M=37 to 10.99.1.2 (denied)
#   step 2: N=100 to 2001:db8:99::2, M=37 to 2001:db8:98::2 (cumulative)
#   step 3: the same traffic from the test's own cgroup is not counted.
# Only UDP is sent from the policy's cgroup, so nothing else can be counted
# (ARP/NDP are sent by the kernel, not by a socket of the cgroup).

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

N=100
M=37
SIZE=100
B4=$((SIZE + 8 + 20))
B6=$((SIZE + 8 + 40))
CG=nfe-ctr-$$
P=/$CG

require_common
tap_plan 17

cg_create "$CG"
setup_server_topology ""
policy_add "$P"
ectl_must rule add "$P" allow to "$NET4_ALLOW"
ectl_must rule add "$P" allow to "$NET6_ALLOW"

# check_stats STEP "ap ab dp db": JSON (all policies), JSON (one policy)
# and proc must all show exactly these numbers.
check_stats()
{
	check_eq "$1: egressctl -j stats: $P allowed/denied packets/bytes" "$2" "$(stats_json "$P")"
	check_eq "$1: egressctl -j stats $P: allowed/denied packets/bytes" "$2" "$(stats_json "$P" "$P")"
	check_eq "$1: $NF_EGRESS_PROC/stats: $P allowed/denied packets/bytes" "$2" "$(stats_proc "$P")"
}

check_stats "fresh policy" "0 0 0 0"

# step 1: IPv4
check_udp "IPv4: $N datagrams to allowed $SRV4_ALLOW sent" "$CG" "$SRV4_ALLOW" "$N" "$SIZE" \
	"sent=$N failed=0 first_errno=none"
check_udp "IPv4: $M datagrams to denied $SRV4_DENY fail with EPERM" "$CG" "$SRV4_DENY" "$M" "$SIZE" \
	"sent=0 failed=$M first_errno=EPERM"
busywait 5000 udp_received_is "$N"
check_eq "IPv4: server received exactly $N datagrams" "$N" "$(udp_received)"
check_stats "IPv4" "$N $((N * B4)) $M $((M * B4))"

# step 2: IPv6, cumulative
check_udp "IPv6: $N datagrams to allowed $SRV6_ALLOW sent" "$CG" "$SRV6_ALLOW" "$N" "$SIZE" \
	"sent=$N failed=0 first_errno=none"
check_udp "IPv6: $M datagrams to denied $SRV6_DENY fail with EPERM" "$CG" "$SRV6_DENY" "$M" "$SIZE" \
	"sent=0 failed=$M first_errno=EPERM"
busywait 5000 udp_received_is $((2 * N))
check_eq "IPv6: server received exactly $((2 * N)) datagrams in all" $((2 * N)) "$(udp_received)"
EXPECT="$((2 * N)) $((N * B4 + N * B6)) $((2 * M)) $((M * B4 + M * B6))"
check_stats "IPv4+IPv6" "$EXPECT"

# step 3: traffic of another cgroup is not charged to the policy
udp_send "" "$SRV4_ALLOW" 10 "$SIZE" > /dev/null
udp_send "" "$SRV4_DENY" 10 "$SIZE" > /dev/null
udp_send "" "$SRV6_DENY" 10 "$SIZE" > /dev/null
busywait 5000 udp_received_is $((2 * N + 10))
check_eq "other cgroup: stats of $P unchanged" "$EXPECT" "$(stats_json "$P")"

hdr=$(head -n1 "$NF_EGRESS_PROC/stats" 2>&1)
case "$hdr" in
[A-Za-z]*) tap_ok "$NF_EGRESS_PROC/stats starts with a header line ($hdr)" ;;
*) tap_fail "$NF_EGRESS_PROC/stats starts with a header line"; diag "first line: '$hdr'" ;;
esac

tap_done
