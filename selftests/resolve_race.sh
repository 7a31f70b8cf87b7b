#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A new, deeper policy holds from the moment `policy add` returns, even
# while the cgroup it governs floods packets on every CPU: the packet path
# caches which policies apply to a cgroup, and an answer resolved with the
# old depth must never be cached under the new generation (it would let
# the cgroup ignore the new policy until some other change).  Each round
# adds a `default deny` policy four levels below the only other one
# (raising the deepest level the packet path looks at), sends one datagram
# from the governed cgroup at once, and deletes the policy again
# (race_depth, thousands of rounds from one process; then a few with
# egressctl).  The datagram must be refused every time, and `explain` must
# agree.
#
#   root netns                                   $SRV_NS
#   +------------------------------------------+ +------------------------+
#   | /nfe-race-PID          default allow     | | udp sink :5202 (never  |
#   |   a/b/c                default deny, in  | |   reads)               |
#   |                        each round        | |                        |
#   |     d/  4 x udp-flood to 10.99.0.2,      | | eth0 10.99.0.2/24      |
#   |         1 x udp-send per round           +-+                        |
#   +------------------------------------------+ +------------------------+

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-race-$$
P=/$CG
DEEP=$CG/a/b/c
LEAF=$DEEP/d
ROUNDS=${RACE_ROUNDS:-3000}
FLOODERS=4

require_common
[ -x "$LIB_DIR/race_depth" ] || bail_out "race_depth is not built (make -C selftests)"
tap_plan 3

cg_create "$CG"
cg_create "$CG/a"
cg_create "$CG/a/b"
cg_create "$DEEP"
cg_create "$LEAF"
setup_server_topology ""
policy_add "$P" default allow

for ((i = 0; i < FLOODERS; i++)); do
	cg_spawn "$LEAF" "$TMPDIR_TEST/flood.$i" \
		"$PROBE" udp-flood "$SRV4_ALLOW" "$UDP_PORT" 64 600
done

# allowed_packets: the root policy's allowed packets.
allowed_packets()
{
	local ap ab dp db

	read -r ap ab dp db <<< "$(stats_json "$P")"
	echo "${ap:-0}"
}
a0=$(allowed_packets)
busywait 10000 eval '[ "$(allowed_packets)" -gt $((a0 + 1000)) ]'
tap_result $? "the flooders are sending from $LEAF" "allowed packets $(allowed_packets) (was $a0)"

# Quick rounds from one process (race_depth): thousands of them.
out=$(cg_exec "$LEAF" "$LIB_DIR/race_depth" "/$DEEP" "$ROUNDS" "$SRV4_ALLOW" "$UDP_PORT" 2>&1)
check_eq "$ROUNDS rounds: the new deeper policy refused the datagram every time" \
	"rounds=$ROUNDS refused=$ROUNDS leaked=0 errors=0 first_leak_errno=none" "$out"

# A few slow rounds with egressctl, asking explain as well.
wrong=0
for ((r = 1; r <= 5; r++)); do
	ectl_must policy add "/$DEEP" default deny
	out=$(cg_exec "$LEAF" "$PROBE" udp-send "$SRV4_ALLOW" "$UDP_PORT" 1 64 2>&1)
	v=$(explain "/$LEAF" "$SRV4_ALLOW" udp "$UDP_PORT" | cut -d" " -f1)
	[ "$out $v" = "sent=0 failed=1 first_errno=EPERM deny" ] || {
		wrong=$((wrong + 1))
		diag "round $r: $out; explain: $v"
	}
	ectl_must policy del "/$DEEP"
done
check_eq "egressctl: refused and explained as denied in 5 rounds out of 5" 0 "$wrong"

tap_done
