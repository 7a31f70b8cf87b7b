#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hierarchical accounting, as cgroup v2's memory.stat: a packet is charged
# to every policy on its path, so a parent's counters are exactly the sum of
# its children's policies plus the traffic of its children without a policy
# (a cgroup v2 parent with children holds no processes of its own).
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-ah-PID      policy P     |          | udp-recv :: 5202 (counts)    |
#   |   |- a           policy A     |   veth   | eth0 10.99.0.2/24            |
#   |   |- b           policy B     +----------+      10.99.1.2/24            |
#   |   `- c           no policy    |          |      2001:db8:9{9,8}::2/64   |
#   |  nfeXXXX 10.99.{0,1}.1/24 ... |          |                              |
#   +-------------------------------+          +------------------------------+
#
#   P: default deny; allow to 10.99.0.0/16 class dc;
#                    allow to 2001:db8:99::/64 class dc6
#   A: default deny; allow to 10.99.0.0/24; allow to 2001:db8:99::/64
#   B: default allow; deny to 2001:db8:99::/64
#
# Payload: a sends 100 bytes, b 200, c 300 (IPv4 +28, IPv6 +48), so every
# sender's bytes are distinct in the sums.
#   a: 11 -> 10.99.0.2 ok        7 -> 10.99.1.2 (A denies, P allows) EPERM
#       5 -> 2001:db8:99::2 ok   3 -> 2001:db8:98::2 (both deny)     EPERM
#   b:  9 -> 10.99.1.2 ok        4 -> 2001:db8:99::2 (B denies)      EPERM
#       6 -> 2001:db8:98::2 (P denies, B allows)                      EPERM
#   c:  8 -> 10.99.0.2 ok        2 -> 2001:db8:98::2 (P denies)       EPERM
#   the test's own cgroup (outside P): 3 -> 10.99.0.2, not charged to P
# A dropped packet is denied in every policy on its path, whichever denied
# it.  P's classes count only what left: b's 4 datagrams to 2001:db8:99::2
# were allowed by P's dc6 rule but dropped by B, so dc6 has only a's 5.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-ah-$$
P=/$CG
A=$P/a
B=$P/b
C=$P/c
SA=100 SB=200 SC=300

require_common
tap_plan 21

cg_create "$CG"
cg_create "$CG/a"
cg_create "$CG/b"
cg_create "$CG/c"
setup_server_topology ""

policy_add "$P"
ectl_must rule add "$P" allow to 10.99.0.0/16 class dc
ectl_must rule add "$P" allow to 2001:db8:99::/64 class dc6
policy_add "$A"
ectl_must rule add "$A" allow to 10.99.0.0/24
ectl_must rule add "$A" allow to 2001:db8:99::/64
policy_add "$B" default allow
ectl_must rule add "$B" deny to 2001:db8:99::/64

ok_line() { echo "sent=$1 failed=0 first_errno=none"; }
perm_line() { echo "sent=0 failed=$1 first_errno=EPERM"; }

# --- traffic ---------------------------------------------------------------
check_udp "a: 11 to $SRV4_ALLOW sent" "$CG/a" "$SRV4_ALLOW" 11 $SA "$(ok_line 11)"
check_udp "a: 7 to $SRV4_DENY fail (A denies)" "$CG/a" "$SRV4_DENY" 7 $SA "$(perm_line 7)"
check_udp "a: 5 to $SRV6_ALLOW sent" "$CG/a" "$SRV6_ALLOW" 5 $SA "$(ok_line 5)"
check_udp "a: 3 to $SRV6_DENY fail (both deny)" "$CG/a" "$SRV6_DENY" 3 $SA "$(perm_line 3)"
check_udp "b: 9 to $SRV4_DENY sent" "$CG/b" "$SRV4_DENY" 9 $SB "$(ok_line 9)"
check_udp "b: 4 to $SRV6_ALLOW fail (B denies)" "$CG/b" "$SRV6_ALLOW" 4 $SB "$(perm_line 4)"
check_udp "b: 6 to $SRV6_DENY fail (P denies)" "$CG/b" "$SRV6_DENY" 6 $SB "$(perm_line 6)"
check_udp "c: 8 to $SRV4_ALLOW sent" "$CG/c" "$SRV4_ALLOW" 8 $SC "$(ok_line 8)"
check_udp "c: 2 to $SRV6_DENY fail (P denies)" "$CG/c" "$SRV6_DENY" 2 $SC "$(perm_line 2)"
check_udp "test cgroup (outside $P): 3 to $SRV4_ALLOW sent" "" "$SRV4_ALLOW" 3 $SA "$(ok_line 3)"
busywait 5000 udp_received_is $((11 + 5 + 9 + 8 + 3))
check_eq "server received exactly the allowed datagrams" $((11 + 5 + 9 + 8 + 3)) "$(udp_received)"

# --- expected ----------------------------------------------------------------
a4=$(udp4_bytes $SA) a6=$(udp6_bytes $SA)
b4=$(udp4_bytes $SB) b6=$(udp6_bytes $SB)
c4=$(udp4_bytes $SC) c6=$(udp6_bytes $SC)
EXP_A="16 $((11 * a4 + 5 * a6)) 10 $((7 * a4 + 3 * a6)) 0 0 0 0"
EXP_B="9 $((9 * b4)) 10 $((10 * b6)) 0 0 0 0"
C_ALLOWED="8 $((8 * c4))"
C_DENIED="2 $((2 * c6))"

SNAP=$TMPDIR_TEST/snap
acct_snap "$SNAP"
check_eq "-j stats: child $A exact" "$EXP_A" "$(acct_ctr "$SNAP" "$A")"
check_eq "-j stats: child $B exact" "$EXP_B" "$(acct_ctr "$SNAP" "$B")"

# sum_ctr "ap ab dp db ..." "ap ab dp db ..." ...: element-wise sum of the
# first four numbers (allowed/denied packets/bytes).
sum_ctr()
{
	local s=(0 0 0 0) v i

	for v in "$@"; do
		read -r -a x <<< "$v"
		for i in 0 1 2 3; do
			s[i]=$((s[i] + ${x[i]:-0}))
		done
	done
	echo "${s[*]}"
}

read -r -a ca <<< "$C_ALLOWED"
read -r -a cd <<< "$C_DENIED"
C_CTR="${ca[0]} ${ca[1]} ${cd[0]} ${cd[1]}"
got_p=$(acct_ctr "$SNAP" "$P")
check_eq "-j stats: parent $P = A + B + c (sum of the values read)" \
	"$(sum_ctr "$(acct_ctr "$SNAP" "$A")" "$(acct_ctr "$SNAP" "$B")" "$C_CTR") 0 0 0 0" "$got_p"
check_eq "-j stats: parent $P exact (computed from what was sent)" \
	"$(sum_ctr "$EXP_A" "$EXP_B" "$C_CTR") 0 0 0 0" "$got_p"
check_eq "-j stats: parent's classes: dc = all IPv4 that left, dc6 = only a's IPv6" \
	"dc:$((11 + 9 + 8)):$((11 * a4 + 9 * b4 + 8 * c4)) dc6:5:$((5 * a6))" \
	"$(acct_classes "$SNAP" "$P")"
check_eq "-j stats: children's classes (their rules have none)" "-/-" \
	"$(acct_classes "$SNAP" "$A")/$(acct_classes "$SNAP" "$B")"
check_eq "$NF_EGRESS_PROC/stats: $P, $A, $B as in -j stats" \
	"$got_p|$EXP_A|$EXP_B" "$(acct_proc "$P")|$(acct_proc "$A")|$(acct_proc "$B")"
check_eq "-j stats: no policy for $C (it has none of its own)" absent "$(acct_ctr "$SNAP" "$C")"

# A reset of a child does not touch the parent: the parent's counters are
# its own, not computed from the children's.
ectl stats reset "$A" > /dev/null
tap_result $? "egressctl stats reset $A"
acct_snap "$SNAP.2"
check_eq "after reset of $A: A is 0, P and B unchanged" \
	"0 0 0 0 0 0 0 0|$got_p|$EXP_B" \
	"$(acct_ctr "$SNAP.2" "$A")|$(acct_ctr "$SNAP.2" "$P")|$(acct_ctr "$SNAP.2" "$B")"

tap_done
