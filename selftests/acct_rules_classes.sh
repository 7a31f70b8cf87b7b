#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exact accounting per policy, per rule and per class, IPv4 and IPv6, in
# `egressctl -j stats`, /proc/net/nf_egress/stats and `egressctl metrics`
# (sample lines exactly as egressctl.8 documents them; `promtool check
# metrics` must accept the output: a TAP SKIP without promtool).
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-arp-PID   policy P       |          | udp-recv :: 5202 (counts)    |
#   | /nfe-arq-PID   policy Q       |   veth   | udp-recv :: 5300 (counts)    |
#   |  nfeXXXX 10.99.{0,1}.1/24     +----------+ eth0 10.99.0.2/24            |
#   |          2001:db8:9{9,8}::1   |          |      10.99.1.2/24            |
#   +-------------------------------+          |      2001:db8:9{9,8}::2/64   |
#                                              +------------------------------+
#   P: default deny
#      R1 allow udp to 10.99.0.0/24 port 5202 class internal
#      R2 allow udp to 10.99.0.0/24 port 5300            (no class)
#      R3 allow to 2001:db8:99::/64 class v6net
#      R4 deny to 10.99.1.0/24
#      R5 deny to 2001:db8:98::/64 class blocked          (a class on a deny)
#      R6 allow to 192.0.2.0/24 class internet            (never matches)
#   Q: default deny; allow to 10.99.0.0/24 class internal
#
# UDP, 100 payload bytes: 128 bytes at IPv4, 148 at IPv6.  From P's cgroup:
#   40 -> 10.99.0.2:5202 (R1)   13 -> 10.99.0.2:5300 (R2)
#   11 -> 10.99.0.2:5400 (no rule matches port 5400: the default denies)
#   17 -> 10.99.1.2:5202 (R4)   30 -> [2001:db8:99::2]:5202 (R3)
#    9 -> [2001:db8:98::2]:5202 (R5)
# From Q's cgroup: 6 -> 10.99.0.2:5202 (allowed), 4 -> 10.99.1.2 (default).
#
# Expected for P: allowed 83 packets / 53*128 + 30*148 bytes, denied 37 /
# 28*128 + 9*148; per rule exactly the hits above (denied hits of R4/R5
# included, the 11 default-denied datagrams in no rule, R6 0); classes count
# only what left: internal 40/5120, v6net 30/4440, and nothing for blocked
# (its packets were dropped) or internet.  Q's traffic is only Q's.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CGP=nfe-arp-$$
CGQ=nfe-arq-$$
P=/$CGP
Q=/$CGQ
PORT2=5300
PORT_NONE=5400
SIZE=100
B4=$(udp4_bytes $SIZE)
B6=$(udp6_bytes $SIZE)

R1="allow udp to 10.99.0.0/24 port $UDP_PORT class internal"
R2="allow udp to 10.99.0.0/24 port $PORT2"
R3="allow to 2001:db8:99::/64 class v6net"
R4="deny to 10.99.1.0/24"
R5="deny to 2001:db8:98::/64 class blocked"
R6="allow to 192.0.2.0/24 class internet"
RQ="allow to 10.99.0.0/24 class internal"
RULES_P=("$R1" "$R2" "$R3" "$R4" "$R5" "$R6")

N1=40 N2=13 K1=11 M1=17 N3=30 M2=9
QN=6 QM=4

require_common
tap_plan 31

cg_create "$CGP"
cg_create "$CGQ"
setup_server_topology ""
STAT2=$TMPDIR_TEST/udp-$PORT2.stat
start_udp_sink :: "$PORT2" "$STAT2"

policy_add "$P"
for r in "${RULES_P[@]}"; do
	# shellcheck disable=SC2086 # the rule is words
	ectl_must rule add "$P" $r
done
policy_add "$Q"
# shellcheck disable=SC2086
ectl_must rule add "$Q" $RQ

SNAP=$TMPDIR_TEST/snap

# rules_of FILE PATH RULE...: "p/b p/b ..." of the RULEs, in order.
rules_of()
{
	local file=$1 path=$2 r v out=()

	shift 2
	for r in "$@"; do
		v=$(acct_rule "$file" "$path" "$r")
		out+=("${v/ //}")
	done
	echo "${out[*]}"
}

# --- fresh ---------------------------------------------------------------
acct_snap "$SNAP.0"
check_eq "fresh: $P counters (allowed, denied, would_deny, ratelimited) all 0" \
	"0 0 0 0 0 0 0 0" "$(acct_ctr "$SNAP.0" "$P")"
check_eq "fresh: $P reset_time null, no class counted" "null -" \
	"$(acct_get "$SNAP.0" "$P" reset_time) $(acct_classes "$SNAP.0" "$P")"
check_eq "fresh: -j stats lists P's 6 rules by their canonical text" \
	"$(printf '%s\n' "${RULES_P[@]}" | sort)" "$(acct_rules "$SNAP.0" "$P")"
check_eq "fresh: every rule of $P has 0 hits" "0/0 0/0 0/0 0/0 0/0 0/0" \
	"$(rules_of "$SNAP.0" "$P" "${RULES_P[@]}")"

# --- traffic ---------------------------------------------------------------
check_udp "P: $N1 to $SRV4_ALLOW:$UDP_PORT sent (R1)" "$CGP" "$SRV4_ALLOW" "$N1" "$SIZE" \
	"sent=$N1 failed=0 first_errno=none"
check_eq "P: $N2 to $SRV4_ALLOW:$PORT2 sent (R2)" "sent=$N2 failed=0 first_errno=none" \
	"$(udp_send_port "$CGP" "$SRV4_ALLOW" "$PORT2" "$N2" "$SIZE")"
check_eq "P: $K1 to $SRV4_ALLOW:$PORT_NONE fail with EPERM (default)" \
	"sent=0 failed=$K1 first_errno=EPERM" \
	"$(udp_send_port "$CGP" "$SRV4_ALLOW" "$PORT_NONE" "$K1" "$SIZE")"
check_udp "P: $M1 to $SRV4_DENY fail with EPERM (R4)" "$CGP" "$SRV4_DENY" "$M1" "$SIZE" \
	"sent=0 failed=$M1 first_errno=EPERM"
check_udp "P: $N3 to $SRV6_ALLOW sent (R3)" "$CGP" "$SRV6_ALLOW" "$N3" "$SIZE" \
	"sent=$N3 failed=0 first_errno=none"
check_udp "P: $M2 to $SRV6_DENY fail with EPERM (R5)" "$CGP" "$SRV6_DENY" "$M2" "$SIZE" \
	"sent=0 failed=$M2 first_errno=EPERM"
check_udp "Q: $QN to $SRV4_ALLOW sent" "$CGQ" "$SRV4_ALLOW" "$QN" "$SIZE" \
	"sent=$QN failed=0 first_errno=none"
check_udp "Q: $QM to $SRV4_DENY fail with EPERM (default)" "$CGQ" "$SRV4_DENY" "$QM" "$SIZE" \
	"sent=0 failed=$QM first_errno=EPERM"
busywait 5000 udp_received_is $((N1 + N3 + QN))
busywait 5000 udp_count_is "$STAT2" "$N2"
check_eq "sinks received exactly the allowed datagrams (port $UDP_PORT, port $PORT2)" \
	"$((N1 + N3 + QN)) $N2" "$(udp_received) $(udp_count "$STAT2")"

# --- egressctl -j stats ----------------------------------------------------
AP=$((N1 + N2 + N3))
AB=$(((N1 + N2) * B4 + N3 * B6))
DP=$((K1 + M1 + M2))
DB=$(((K1 + M1) * B4 + M2 * B6))
EXP_P="$AP $AB $DP $DB 0 0 0 0"
EXP_Q="$QN $((QN * B4)) $QM $((QM * B4)) 0 0 0 0"
acct_snap "$SNAP.1"
check_eq "-j stats: $P counters exact (allowed, denied, would_deny, ratelimited)" \
	"$EXP_P" "$(acct_ctr "$SNAP.1" "$P")"
check_eq "-j stats: $P classes: only what left (internal, v6net; not blocked/internet)" \
	"internal:$N1:$((N1 * B4)) v6net:$N3:$((N3 * B6))" "$(acct_classes "$SNAP.1" "$P")"
check_eq "-j stats: $P rule hits R1..R6 (denied hits of R4/R5; default in none)" \
	"$N1/$((N1 * B4)) $N2/$((N2 * B4)) $N3/$((N3 * B6)) $M1/$((M1 * B4)) $M2/$((M2 * B6)) 0/0" \
	"$(rules_of "$SNAP.1" "$P" "${RULES_P[@]}")"
check_eq "-j stats: $P mode enforce, reset_time null" "enforce null" \
	"$(acct_get "$SNAP.1" "$P" mode reset_time)"
check_eq "-j stats: $Q counters exact" "$EXP_Q" "$(acct_ctr "$SNAP.1" "$Q")"
check_eq "-j stats: $Q class internal and its rule: $QN allowed datagrams" \
	"internal:$QN:$((QN * B4)) $QN/$((QN * B4))" \
	"$(acct_classes "$SNAP.1" "$Q") $(rules_of "$SNAP.1" "$Q" "$RQ")"
acct_snap "$SNAP.2" "$P"
check_eq "-j stats $P: only $P, same counters, classes and rules" \
	"$P|$EXP_P|$(acct_classes "$SNAP.1" "$P")|$(rules_of "$SNAP.1" "$P" "${RULES_P[@]}")" \
	"$(cut -f1 "$SNAP.2" | sort -u | tr '\n' ' ' | sed 's/ $//')|$(acct_ctr "$SNAP.2" "$P")|$(acct_classes "$SNAP.2" "$P")|$(rules_of "$SNAP.2" "$P" "${RULES_P[@]}")"

# --- text table --------------------------------------------------------------
table=$(ectl stats --exact "$P")
rc=$?
line=$(awk -v p="$P" '$1 == p' <<< "$table")
ok=0
for n in "$AP" "$AB" "$DP" "$DB"; do
	[[ " $line " == *" $n "* ]] || ok=1
done
((rc == 0)) || ok=1
tap_result $ok "stats --exact $P: the table's $P line has $AP $AB $DP $DB" "rc=$rc" "$table"

# --- /proc -----------------------------------------------------------------
check_eq "$NF_EGRESS_PROC/stats header names its 25 columns" "$PROC_STATS_HEADER" \
	"$(head -n1 "$NF_EGRESS_PROC/stats" 2>&1)"
check_eq "$NF_EGRESS_PROC/stats: $P all 8 counters exact" "$EXP_P" "$(acct_proc "$P")"
check_eq "$NF_EGRESS_PROC/stats: $Q all 8 counters exact" "$EXP_Q" "$(acct_proc "$Q")"

# --- metrics -----------------------------------------------------------------
MET=$TMPDIR_TEST/metrics
ectl metrics > "$MET.all"
tap_result $? "egressctl metrics exits 0" "$(cat "$ECTL_ERR")"
check_promtool "promtool check metrics accepts egressctl metrics" "$MET.all"
# mline NAME LABELS VALUE: one sample line as egressctl.8 documents it.
mline()
{
	echo "$1{$2} $3"
}

# verdict_lines PATH "ap ab dp db wp wb rp rb": the 8 verdict samples.
verdict_lines()
{
	local l v

	l="cgroup=\"$(prom_esc "$1")\",mode=\"enforce\",verdict="

	read -r -a v <<< "$2"
	mline nf_egress_packets_total "$l\"allowed\"" "${v[0]}"
	mline nf_egress_bytes_total "$l\"allowed\"" "${v[1]}"
	mline nf_egress_packets_total "$l\"denied\"" "${v[2]}"
	mline nf_egress_bytes_total "$l\"denied\"" "${v[3]}"
	mline nf_egress_packets_total "$l\"would_deny\"" "${v[4]}"
	mline nf_egress_bytes_total "$l\"would_deny\"" "${v[5]}"
	mline nf_egress_packets_total "$l\"ratelimited\"" "${v[6]}"
	mline nf_egress_bytes_total "$l\"ratelimited\"" "${v[7]}"
}

# class_lines PATH CLASS PACKETS BYTES
class_lines()
{
	mline nf_egress_class_packets_total "cgroup=\"$1\",class=\"$2\"" "$3"
	mline nf_egress_class_bytes_total "cgroup=\"$1\",class=\"$2\"" "$4"
}

# rule_lines SNAP PATH RULE PACKETS BYTES (the rule id from the snapshot)
rule_lines()
{
	local id l

	id=$(acct_get "$1" "$2" "rule.$3.id")
	l="cgroup=\"$2\",rule_id=\"$id\",rule=\"$(prom_esc "$3")\""
	mline nf_egress_rule_packets_total "$l" "$4"
	mline nf_egress_rule_bytes_total "$l" "$5"
}

mapfile -t lines < <(
	verdict_lines "$P" "$EXP_P"
	class_lines "$P" internal "$N1" $((N1 * B4))
	class_lines "$P" v6net "$N3" $((N3 * B6))
	rule_lines "$SNAP.1" "$P" "$R1" "$N1" $((N1 * B4))
	rule_lines "$SNAP.1" "$P" "$R4" "$M1" $((M1 * B4))
	rule_lines "$SNAP.1" "$P" "$R5" "$M2" $((M2 * B6))
	rule_lines "$SNAP.1" "$P" "$R6" 0 0
	mline nf_egress_policy_reset_time_seconds "cgroup=\"$P\"" 0
)
check_metric_lines "metrics: $P verdict, class (internal, v6net), rule samples and reset time exact" \
	"$MET.all" "${lines[@]}"
bad=$(grep -v '^#' "$MET.all" |
	grep -F -e "cgroup=\"$P\",class=\"blocked\"" -e "cgroup=\"$P\",class=\"internet\"" |
	awk '$NF != 0')
[ -z "$bad" ]
tap_result $? "metrics: $P classes blocked and internet absent or 0" "$bad"
mapfile -t lines < <(
	verdict_lines "$Q" "$EXP_Q"
	class_lines "$Q" internal "$QN" $((QN * B4))
	rule_lines "$SNAP.1" "$Q" "$RQ" "$QN" $((QN * B4))
)
check_metric_lines "metrics: $Q verdict, class and rule samples exact" "$MET.all" "${lines[@]}"
if ectl metrics "$P" > "$MET.one"; then
	others=$(grep -v '^#' "$MET.one" | grep -o 'cgroup="[^"]*"' | sort -u | tr '\n' ' ')
	check_eq "metrics $P: only cgroup=\"$P\" samples, the same as in metrics" \
		"cgroup=\"$P\" |$(grep -v '^#' "$MET.all" | grep -F "cgroup=\"$P\"")" \
		"$others|$(grep -v '^#' "$MET.one")"
else
	tap_fail "metrics $P: only cgroup=\"$P\" samples, the same as in metrics"
	diag "egressctl metrics $P failed: $(cat "$ECTL_ERR")"
fi
check_promtool "promtool check metrics accepts egressctl metrics $P" "$MET.one"

tap_done
