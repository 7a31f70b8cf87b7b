#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection health: how the TCP connections of a policy's cgroups end
# (established, refused by the peer, timed out, unreachable, reset), what
# they send again, and the RTT histogram, per policy and per class, in
# `egressctl -j stats`, `stats --health`, /proc/net/nf_egress/stats and
# `metrics`.
#
#   root netns                                   $SRV_NS
#   +----------------------------------+         +-------------------------------+
#   | /nfe-hc-PID  counters:           |         | tcp-listen :: 5201 (accepts)  |
#   |   near 10.99.0.0/24, v6 /64      |         | nothing on 5299 (RST)         |
#   |   far  10.99.1.0/24              |  veth   | tcp-listen :: 5203 --rst      |
#   | /nfe-hr-PID  RTT:                +---------+ nft: drop tcp dport 5204      |
#   |   near 20 ms, far 80 ms (netem   |         |      reject 5207 (icmp host-  |
#   |   by destination on the veth)    |         |      unreachable, 300 ms late)|
#   | /nfe-hd-PID  data retransmits    |         |      drop non-SYN to 5206     |
#   | /nfe-hh-PID, /nfe-hh-PID/svc     |         | tcp-listen :: 5206            |
#   | /nfe-ht-PID-* (a template)       |         | tcp-recv :: 5205 (reads)      |
#   | /nfe-hl-PID  conn max 1          |         |                               |
#   +----------------------------------+         +-------------------------------+

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-hc-$$
P=/$CG
CGR=nfe-hr-$$
PR=/$CGR
CGD=nfe-hd-$$
PD=/$CGD
CGH=nfe-hh-$$
PH=/$CGH
CGT=nfe-ht-$$
CGL=nfe-hl-$$
PL=/$CGL
HEALTH=/sys/module/nf_egress/parameters/health
CLOSED_PORT=5299
RST_PORT=5203
DROP_PORT=5204
RECV_PORT=5205
LOSSY_PORT=5206
UNREACH_PORT=5207
NEAR_MS=20
FAR_MS=80

require_common
require_cmd nft python3 tc
tap_plan 29

# health PATH [CLASS]: the health counters of PATH (of its class CLASS) in
# `egressctl -j stats`: "attempts established refused timed_out
# unreachable reset syn_retrans data_retrans", or "none".
health()
{
	ectl -j stats "$1" | json_eval '
(lambda h: "none" if h is None else " ".join(str(h[k]) for k in (
    "attempts", "established", "refused", "timed_out", "unreachable",
    "reset", "syn_retrans", "data_retrans")))(
    [p.get("health") if len(a) == 1 else
     p.get("classes", {}).get(a[1], {}).get("health")
     for p in d if p["cgroup"] == a[0]][0])' "$@"
}

# health_key PATH CLASS KEY: one key of the health object (CLASS "-": the
# policy's own; KEY "rtt.p50_us" reaches into the rtt object).
health_key()
{
	ectl -j stats "$1" | json_eval '
(lambda h: h if h is None else
 (h["rtt"].get(a[2][4:]) if a[2].startswith("rtt.") else h.get(a[2])))(
    [p.get("health") if a[1] == "-" else
     p.get("classes", {}).get(a[1], {}).get("health")
     for p in d if p["cgroup"] == a[0]][0])' "$@"
}

# proc_health PATH: the tcp_* columns of PATH's line in /proc.
proc_health()
{
	awk -v p="$1" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^tcp_/) col[++n] = i; next }
		$1 == p { s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? " " : "") $(col[i]); print s }
	' "$NF_EGRESS_PROC/stats"
}

# syn_retrans_mib: TcpExtTCPSynRetrans of this network namespace.
syn_retrans_mib()
{
	awk '/^TcpExt:/ && !h { for (i = 1; i <= NF; i++) k[i] = $i; h = 1; next }
		/^TcpExt:/ { for (i = 1; i <= NF; i++) if (k[i] == "TCPSynRetrans") print $i }' \
		/proc/net/netstat
}

# counter_is PATH INDEX VALUE: field INDEX (from 1) of health PATH is VALUE.
counter_is()
{
	[ "$(health "$1" | cut -d' ' -f"$2")" = "$3" ]
}

# within_pct VALUE TARGET PCT: |VALUE - TARGET| <= PCT% of TARGET.
within_pct()
{
	[ -n "$1" ] && [ "$1" != None ] &&
		(((${1%.*} - $2) * 100 <= $2 * $3 && ($2 - ${1%.*}) * 100 <= $2 * $3))
}

cg_create "$CG"
cg_create "$CGR"
cg_create "$CGD"
setup_server_topology ""
start_daemon "$SRV_NS" tcp-listen :: "$RST_PORT" --pidfile "$TMPDIR_TEST/rst.pid" --rst
start_daemon "$SRV_NS" tcp-listen :: "$LOSSY_PORT" --pidfile "$TMPDIR_TEST/lossy.pid"
start_daemon "$SRV_NS" tcp-recv :: "$RECV_PORT" --pidfile "$TMPDIR_TEST/recv.pid" \
	--statfile "$TMPDIR_TEST/recv.stat"
ip netns exec "$SRV_NS" nft -f - <<NFT || bail_out "nft failed"
table inet nfe_health {
	chain in {
		type filter hook input priority 0;
		tcp dport $DROP_PORT drop;
		tcp dport $UNREACH_PORT reject with icmpx type host-unreachable;
		tcp dport $LOSSY_PORT tcp flags & syn == 0 drop;
	}
}
NFT

# The server's ICMP errors 300 ms late: one that came back within the
# connect() that sent the SYN would find the socket owned by the caller,
# and TCP takes it as a soft error then (tcp_v4_err()) and sends the SYN
# again; on a busy host a guest's connect() can take more than 10 ms.
ip netns exec "$SRV_NS" tc qdisc add dev eth0 root handle 1: prio bands 3 \
	priomap 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 || bail_out "tc prio failed"
ip netns exec "$SRV_NS" tc qdisc add dev eth0 parent 1:1 handle 10: netem delay 300ms ||
	bail_out "netem failed"
ip netns exec "$SRV_NS" tc filter add dev eth0 parent 1: protocol ip u32 \
	match ip protocol 1 0xff flowid 1:1 || bail_out "tc filter failed"

policy_add "$P" default deny
ectl_must rule add "$P" allow to "$NET4_ALLOW" class near
ectl_must rule add "$P" allow to "$NET6_ALLOW" class near
ectl_must rule add "$P" allow to 10.99.1.0/24 class far
[ "$(cat "$HEALTH")" = Y ] || bail_out "the module parameter health is not on by default"

# --- how connections end ---------------------------------------------
# The SYNs the kernel sent again meanwhile, in this namespace: a timeout
# after TCP_SYNCNT 1 is one on 6.1, two where the first SYN timeouts are
# linear (tcp_syn_linear_timeouts) within the same time to give up.
syn_retrans_before=$(syn_retrans_mib)
r=$(many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 4 --close-each)
r6=$(many "$CG" "$SRV6_ALLOW" "$TCP_PORT" 1 --close-each)
check_eq "5 connections to a server that accepts (4 IPv4, 1 IPv6)" "4 1" \
	"$(field "$r" ok) $(field "$r6" ok)"
r=$(many "$CG" "$SRV4_ALLOW" "$CLOSED_PORT" 3 --close-each)
check_eq "3 connections to a closed port are refused" "3" "$(field "$r" refused)"
r=$(many "$CG" "$SRV4_ALLOW" "$DROP_PORT" 1 --syncnt 1 --timeout-ms 10000)
check_eq "1 connection to a blackhole times out (TCP_SYNCNT 1)" "1" \
	"$(field "$r" timedout)"
r=$(many "$CG" "$SRV4_ALLOW" "$UNREACH_PORT" 1 --timeout-ms 5000)
check_eq "1 connection answered by ICMP host unreachable fails" "0 0" \
	"$(field "$r" ok) $(field "$r" refused)"
hold "$CG" "$SRV4_ALLOW" "$RST_PORT" 2 rst
if busywait 5000 counter_is "$P" 6 2; then
	tap_ok "2 established connections reset by the peer count as reset"
else
	tap_fail "2 established connections reset by the peer count as reset"
	diag "$(health "$P")"
fi
release rst

# attempts: 5 + 3 + 1 + 1 + 2; established: 5 + 2.
syn=$(($(syn_retrans_mib) - syn_retrans_before))
want="12 7 3 1 1 2 $syn 0"
check_eq "policy: attempts established refused timed_out unreachable reset syn_retrans data_retrans" \
	"$want" "$(health "$P")"
check_eq "/proc/net/nf_egress/stats: the same tcp_* columns" "$want" "$(proc_health "$P")"
check_eq "class near: every connection went there" "$want" "$(health "$P" near)"
check_eq "class far: none" "none" "$(health "$P" far)"
check_eq "no RTT sample of a connection never established, 7 of the others" "7" \
	"$(health_key "$P" - rtt.count)"
m=$(ectl metrics)
check_eq "metrics: attempts and refused of the policy and of its class" "12 3 12 3" \
	"$(awk -v p="cgroup=\"$P\"" '
		index($0, p) && /^nf_egress_tcp_attempts_total/ && !/class=/ { a = $NF }
		index($0, p) && /^nf_egress_tcp_refused_total/ && !/class=/ { r = $NF }
		index($0, p) && /^nf_egress_class_tcp_attempts_total/ && /class="near"/ { ca = $NF }
		index($0, p) && /^nf_egress_class_tcp_refused_total/ && /class="near"/ { cr = $NF }
		END { print a, r, ca, cr }' <<< "$m")"
out=$(ectl stats --health "$P")
check_eq "stats --health: a row for the policy and one for its class near" "2" \
	"$(grep -c -- "$P" <<< "$out")"
# top -j: one snapshot per interval; the connections made meanwhile show
# as a rate.
ectl -j top -n 2 -d 1 "$P" > "$TMPDIR_TEST/top.json" &
top_pid=$!
# Spread over both intervals, whenever top's first dump comes.
for i in 1 2 3 4; do
	many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 1 --close-each > /dev/null
	sleep 0.5
done
wait "$top_pid"
check_eq "top -j: 2 snapshots of $P, connections made as attempts per second" "2 True" \
	"$(python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
rates = [p["attempts_per_s"] for l in lines for p in l["policies"]
         if p["cgroup"] == sys.argv[2] and p["attempts_per_s"] is not None]
print(len(lines), bool(rates) and max(rates) > 0)' "$TMPDIR_TEST/top.json" "$P")"

# --- every level, instances, limited paths -------------------------------
# A parent and its child both count the child's connections; a template's
# instance counts its own; on a path with a connection limit, a SYN the
# limit refuses is no attempt.
cg_create "$CGH"
cg_create "$CGH/svc"
policy_add "$PH" default allow
policy_add "$PH/svc" default allow
many "$CGH/svc" "$SRV4_ALLOW" "$TCP_PORT" 2 --close-each > /dev/null
check_eq "parent and child policy: 2 attempts, 2 established each" "2 2 2 2" \
	"$(health "$PH" | cut -d' ' -f1-2) $(health "$PH/svc" | cut -d' ' -f1-2)"
cg_create "$CGT-a"
policy_add "/$CGT-*" default allow
many "$CGT-a" "$SRV4_ALLOW" "$TCP_PORT" 1 --close-each > /dev/null
check_eq "a template's instance counts its own connections" "1 1" \
	"$(health "/$CGT-a" | cut -d' ' -f1-2)"
cg_create "$CGL"
policy_add "$PL" default allow conn-max 1
hold "$CGL" "$SRV4_ALLOW" "$TCP_PORT" 2 lim
check_eq "conn max 1: the second connect is refused by the limit" "1 1" \
	"$(field "$(held lim)" ok) $(field "$(held lim)" refused)"
check_eq "... and is no attempt, nor refused by the peer" "1 1 0" \
	"$(health "$PL" | cut -d' ' -f1-3)"
release lim

# --- the switch and the reset ----------------------------------------
echo 0 > "$HEALTH"
many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 2 --close-each > /dev/null
check_eq "health off: new connections are not counted" "16 11" \
	"$(health "$P" | cut -d' ' -f1-2)"
echo 1 > "$HEALTH"
many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 1 --close-each > /dev/null
check_eq "health on again: counted again" "17 12" "$(health "$P" | cut -d' ' -f1-2)"
ectl_must stats reset "$P"
check_eq "stats reset zeroes the health counters" "0 0 0 0 0 0 0 0" "$(health "$P")"
check_eq "stats reset zeroes the RTT histogram" "0" "$(health_key "$P" - rtt.count)"

# --- retransmitted data -------------------------------------------------
# The server's host drops everything but SYNs to the port: the handshake
# completes on the client's side, and its data is never acknowledged.
policy_add "$PD" default allow
r=$(client_exec "$CGD" "$PROBE" tcp-connect "$SRV4_ALLOW" "$LOSSY_PORT" \
	--timeout-ms 3000 --send 1000 2>&1)
check_eq "a connection whose data is lost connects and writes" "ok 1000" \
	"$(sed -n 's/^result=\([a-z]*\).* sent=\([0-9]*\).*/\1 \2/p' <<< "$r")"
data_retrans_seen()
{
	local n

	n=$(health "$PD" | cut -d' ' -f8)
	[ -n "$n" ] && [ "$n" != none ] && [ "$n" -ge 2 ]
}
if busywait 10000 data_retrans_seen; then
	tap_ok "its segments sent again count as data retransmits"
else
	tap_fail "its segments sent again count as data retransmits"
	diag "$(health "$PD")"
fi
check_eq "and no SYN was sent again" "0" "$(health "$PD" | cut -d' ' -f7)"

# --- RTT per class ------------------------------------------------------
# The path's own RTT first, without netem: under emulation it is not
# nothing (a millisecond or two when the host is busy), and netem adds to
# it.  Counted on $P, whose counters were reset above.
many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 10 --close-each > /dev/null
base_us=$(health_key "$P" near rtt.p50_us)
[[ "$base_us" =~ ^[0-9]+$ ]] || bail_out "no base RTT: $base_us"
# netem on the client's veth, by destination: 20 ms to near, 80 ms to far.
tc qdisc add dev "$CLIENT_DEV" root handle 1: prio bands 3 \
	priomap 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 || bail_out "tc prio failed"
tc qdisc add dev "$CLIENT_DEV" parent 1:1 handle 10: netem delay ${NEAR_MS}ms ||
	bail_out "netem failed"
tc qdisc add dev "$CLIENT_DEV" parent 1:2 handle 20: netem delay ${FAR_MS}ms ||
	bail_out "netem failed"
tc filter add dev "$CLIENT_DEV" parent 1: protocol ip u32 match ip dst "$SRV4_ALLOW"/32 \
	flowid 1:1 || bail_out "tc filter failed"
tc filter add dev "$CLIENT_DEV" parent 1: protocol ip u32 match ip dst "$SRV4_DENY"/32 \
	flowid 1:2 || bail_out "tc filter failed"
policy_add "$PR" default deny
ectl_must rule add "$PR" allow to "$NET4_ALLOW" class near
ectl_must rule add "$PR" allow to 10.99.1.0/24 class far
r=$(many "$CGR" "$SRV4_ALLOW" "$TCP_PORT" 10 --close-each)
r2=$(many "$CGR" "$SRV4_DENY" "$TCP_PORT" 10 --close-each)
check_eq "10 connections to each class" "10 10" "$(field "$r" ok) $(field "$r2" ok)"
check_eq "one RTT sample per connection established, per class" "10 10 20" \
	"$(health_key "$PR" near rtt.count) $(health_key "$PR" far rtt.count) $(health_key "$PR" - rtt.count)"
p50n=$(health_key "$PR" near rtt.p50_us)
p50f=$(health_key "$PR" far rtt.p50_us)
if within_pct "$p50n" $((NEAR_MS * 1000 + base_us)) 10 &&
	within_pct "$p50f" $((FAR_MS * 1000 + base_us)) 10; then
	tap_ok "p50 RTT within 10% of netem's delay and the path's $base_us us: near $p50n us, far $p50f us"
else
	tap_fail "p50 RTT within 10% of netem's delay (${NEAR_MS} ms, ${FAR_MS} ms) and the path's $base_us us"
	diag "near p50 $p50n us, far p50 $p50f us"
	diag "$(ectl -j stats "$PR")"
fi
# A connection that sends 8 MB: a sample when it is established, and about
# one for every 64 packets it sends (a GSO packet of n segments counts as
# n rounded down to a power of two): the 5,800 segments cross a multiple
# of 4,096 at least once, which any packet under 128 segments samples.
before=$(health_key "$PR" near rtt.count)
r=$(client_exec "$CGR" "$PROBE" tcp-connect "$SRV4_ALLOW" "$RECV_PORT" \
	--timeout-ms 30000 --send 8000000 2>&1)
after=$(health_key "$PR" near rtt.count)
if [ "${r#result=ok}" != "$r" ] && [ "$((after - before))" -ge 2 ]; then
	tap_ok "a long connection is sampled as it sends: $((after - before)) samples"
else
	tap_fail "a long connection is sampled as it sends (>= 2 samples)"
	diag "$r; samples $before -> $after"
fi
metrics_hist=$(ectl metrics | grep "^nf_egress_tcp_rtt_seconds" | grep -F "cgroup=\"$PR\"")
check_eq "metrics: the policy's RTT histogram ends with +Inf, equal to its _count" \
	"$(sed -n 's/.*le="+Inf".* \([0-9]*\)$/\1/p' <<< "$metrics_hist")" \
	"$(sed -n 's/^nf_egress_tcp_rtt_seconds_count{.* \([0-9]*\)$/\1/p' <<< "$metrics_hist")"

tap_done
