#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rate limits of templates: every instance has a bucket of its own, so two
# cgroups that match one template with "rate 5mbit police" each get 5mbit
# * T + burst through while both flood at once; and a rate on the slice
# above them (an exact path) still caps what both send together.
#
#   $CLI_NS (IPv4 only)                            $SRV_NS
#   +-----------------------------------+          +--------------------------+
#   | /nfe-trate-PID     (slice)        |          | UDP socket on :5321 that |
#   |   a/  egress_probe udp-flood      |   veth   | never reads              |
#   |   b/  egress_probe udp-flood      +----------+ eth0 10.99.0.2/24        |
#   | veth0 10.99.0.1/24                |          |                          |
#   +-----------------------------------+          +--------------------------+
#
#   "/nfe-trate-PID/*":  default allow; rate 5mbit burst 64k police
#   then "/nfe-trate-PID": default allow; rate 8mbit burst 64k police
#
# Expected bytes through a bucket over a window of W ns = rate * W / 1e9 +
# burst (a new bucket is full).  Both floods share the guest's CPUs, so as
# in police.sh's hierarchy check a sum may fall short by up to 6% (time the
# senders lost) and exceed by at most 3%; a check whose senders did not
# offer twice the rate is skipped with the offered rate as the reason.  The
# counters are exact: allowed + rate-limited == sent, per instance.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-trate-$$
TP="/$CG/*"
PORT=5321
SRV=10.99.0.2
SIZE=1000
IPB=$((SIZE + 28))
SECS=5
BURST=65536

require_common
tap_plan 12

cg_create "$CG"
cg_create "$CG/a"
cg_create "$CG/b"
setup_measured_link trate "$SRV"
CLIENT_NS=$CLI_NS

start_udp_unread_sink "$PORT"

# proc_ctr PATH TEMPLATE: "ap ab rp rb" (allowed and rate-limited) of the
# /proc stats line of PATH whose template column is TEMPLATE.
proc_ctr()
{
	awk -v p="$1" -v t="$2" 'NR > 1 && $1 == p && $14 == t {
			print $2, $3, $8, $9; found = 1; exit }
		END { if (!found) print "absent" }' "$NF_EGRESS_PROC/stats"
}

# flood_both: a and b flood at once for SECS seconds.  Sets SENT_A, SENT_B,
# W_A, W_B (each flood's ns), W (the window of both), and the counters'
# deltas: A_* and B_* (the instances'), P_* (the slice's, if it has a
# policy), each "ap ab rp rb".
flood_both()
{
	local a0 b0 p0 la lb pid_a pid_b

	a0=$(proc_ctr "/$CG/a" "$TP")
	b0=$(proc_ctr "/$CG/b" "$TP")
	p0=$(proc_ctr "/$CG" -)
	cg_spawn "$CG/a" "$TMPDIR_TEST/flood.a" \
		timeout $((SECS + 30)) "$PROBE" udp-flood "$SRV" "$PORT" "$SIZE" "$SECS"
	pid_a=$SPAWN_PID
	cg_spawn "$CG/b" "$TMPDIR_TEST/flood.b" \
		timeout $((SECS + 30)) "$PROBE" udp-flood "$SRV" "$PORT" "$SIZE" "$SECS"
	pid_b=$SPAWN_PID
	wait "$pid_a"
	wait "$pid_b"
	la=$(cat "$TMPDIR_TEST/flood.a")
	lb=$(cat "$TMPDIR_TEST/flood.b")
	diag "a: $la"
	diag "b: $lb"
	SENT_A=$(kv_get sent "$la")
	SENT_B=$(kv_get sent "$lb")
	W_A=$(kv_get elapsed_ns "$la")
	W_B=$(kv_get elapsed_ns "$lb")
	W=$(( ($(kv_get end_ns "$la") > $(kv_get end_ns "$lb") ? $(kv_get end_ns "$la") : $(kv_get end_ns "$lb")) -
	      ($(kv_get start_ns "$la") < $(kv_get start_ns "$lb") ? $(kv_get start_ns "$la") : $(kv_get start_ns "$lb")) ))
	A_D=$(ctr_sub "$(proc_ctr "/$CG/a" "$TP")" "$a0")
	B_D=$(ctr_sub "$(proc_ctr "/$CG/b" "$TP")" "$b0")
	P_D=$(ctr_sub "$(proc_ctr "/$CG" -)" "$p0")
	diag "instance a: $A_D; instance b: $B_D; slice: $P_D (ap ab rp rb)"
}

# ctr_sub AFTER BEFORE: field-wise difference ("absent" counts as zeros).
ctr_sub()
{
	local a b

	read -r -a a <<< "${1/absent/0 0 0 0}"
	read -r -a b <<< "${2/absent/0 0 0 0}"
	echo "$((a[0] - b[0])) $((a[1] - b[1])) $((a[2] - b[2])) $((a[3] - b[3]))"
}

# near DESC GOT EXPECTED OFFERED: GOT is EXPECTED at most 3% over and 6%
# under, skipped when the sender offered under twice EXPECTED.
near()
{
	if (($4 < 2 * $3)); then
		tap_skip "$1" "the sender offered $4 bytes, under twice the expected $3"
		return
	fi
	(($2 * 1000 <= $3 * 1030 && $2 * 1000 >= $3 * 940))
	tap_result $? "$1" "expected $3, got $2 allowed bytes"
}

# --- 1. each instance its own bucket ---------------------------------------
policy_add "$TP" default allow rate 5mbit burst 64k police
BPS=625000
flood_both
read -r aap aab arp _ <<< "$A_D"
read -r bap bab brp _ <<< "$B_D"
check_eq "a: allowed + rate-limited packets == datagrams sent" "$SENT_A" "$((aap + arp))"
check_eq "b: allowed + rate-limited packets == datagrams sent" "$SENT_B" "$((bap + brp))"
check_eq "the template's own counters counted none of it" "0 0 0 0" "$(proc_ctr "$TP" -)"
near "a's instance: 5mbit * T + burst of its own" "$aab" \
	"$((BPS * W_A / 1000000000 + BURST))" "$((SENT_A * IPB))"
near "b's instance: 5mbit * T + burst of its own, beside a" "$bab" \
	"$((BPS * W_B / 1000000000 + BURST))" "$((SENT_B * IPB))"

# --- 2. the slice's rate caps both ------------------------------------------
policy_add "/$CG" default allow rate 8mbit burst 64k police
flood_both
read -r aap aab arp _ <<< "$A_D"
read -r bap bab brp _ <<< "$B_D"
read -r pap pab prp _ <<< "$P_D"
check_eq "slice: allowed + rate-limited packets == datagrams of both" \
	"$((SENT_A + SENT_B))" "$((pap + prp))"
check_eq "slice: its allowed counts are the instances' together" \
	"$pap $pab" "$((aap + bap)) $((aab + bab))"
near "slice: both together get 8mbit * T + burst" "$pab" \
	"$((1000000 * W / 1000000000 + BURST))" "$(((SENT_A + SENT_B) * IPB))"
# Each instance's own 5mbit still holds.
((aab <= (BPS * W_A / 1000000000 + BURST) * 103 / 100))
tap_result $? "a's instance: at most its own 5mbit * T + burst (+3%)" "$aab allowed bytes"
((bab <= (BPS * W_B / 1000000000 + BURST) * 103 / 100))
tap_result $? "b's instance: at most its own 5mbit * T + burst (+3%)" "$bab allowed bytes"
tap_result "$( ((aap > 0 && bap > 0)); echo $?)" "neither instance starves under the slice's rate" \
	"a $aap, b $bap allowed"
check_eq "the slice's policy is not an instance" "-" \
	"$(awk -v p="/$CG" 'NR > 1 && $1 == p { print $14; exit }' "$NF_EGRESS_PROC/stats")"

tap_done
