#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rate limits in shape mode: packets over the rate wait in the
# policy's queue instead of being dropped.  A blocking UDP sender is slowed
# to the rate with nothing dropped; TCP gets the rate with almost no
# retransmits (police mode is measured alongside for comparison); a rate
# change takes effect within 200 ms; a parent's shaping limit is shared by
# its children; while packets wait the metrics show the queue and its delay,
# and a counter reset leaves the queue alone; and deleting the policy,
# deleting the sender's netns or unloading the module while packets wait
# loses nothing and leaks nothing.
# On a debug kernel (make check-debug) the UDP senders cannot offer 20mbit
# reliably (about 16 Mbit/s), so the checks of the rate itself are skipped
# there, saying so; the checks that nothing is lost or miscounted run.
#
#   $CLI_NS (IPv4 only)                            $SRV_NS
#   +-----------------------------------+          +--------------------------+
#   | /nfe-shp-PID     shape RATE       |          | UDP sink on :5330 (never |
#   |   egress_probe udp-flood (blocking)|          | reads), iperf3 -s :5331  |
#   |   iperf3 -c                       |   veth   |                          |
#   | /nfe-shppp-PID   shape 20mbit     +----------+ eth0 10.99.0.2/24        |
#   |   a/, b/ (no rate): udp-flood x2  |          | rx_bytes/rx_packets are  |
#   | veth0 10.99.0.1/24                |          | read here                |
#   +-----------------------------------+          +--------------------------+
#
#   $GONE_NS (deleted with packets queued)  --veth--  $PEER_NS
#
# Rates are measured on the wire: the server veth's IP bytes (rx_bytes -
# 14 * rx_packets) between two samples taken inside one process together
# with CLOCK_REALTIME, in the steady part of a flow (so the burst does not
# count).  Only the test's own sockets send on the veth (no IPv6, static
# neighbours).
#
# A blocking UDP sender blocks instead of losing datagrams only if its send
# buffer drains within the policy's latency bound: 212992 bytes of truesize
# (about 90 datagrams of 1000 bytes) take 50 ms at 20 mbit, under the 100 ms
# default.
#
# The steady-rate measurements use a 256k burst (100 ms at 20 mbit): a
# sender that is not scheduled for longer than its queue lasts loses the
# time beyond the burst, and a guest under emulation on a busy host does
# stall for tens of milliseconds.  The burst does not count in a steady
# window, and the teardown checks use the usual 64k.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-shp-$$
P=/$CG
CG_PP=nfe-shppp-$$
PP=/$CG_PP
CG_GONE=nfe-shpgone-$$
PGONE=/$CG_GONE
PORT=5330
IPERF_PORT=5331
SRV=10.99.0.2
SIZE=1000
IPB=$((SIZE + 28))	# IP bytes of one datagram
BURST=262144	# "burst 256k"

require_common
require_cmd iperf3 rmmod modprobe

tap_plan 36

cg_create "$CG"
cg_create "$CG_PP"
cg_create "$CG_PP/a"
cg_create "$CG_PP/b"
cg_create "$CG_GONE"

# --- topology --------------------------------------------------------------------
setup_measured_link s "$SRV"
CLIENT_NS=$CLI_NS

start_udp_unread_sink "$PORT"

# --- helpers -----------------------------------------------------------------------
SNAP=$TMPDIR_TEST/snap

# now_us: sets NOW_US to CLOCK_REALTIME in microseconds, without a fork.
now_us()
{
	NOW_US=${EPOCHREALTIME/[.,]/}
}

# wire_sample: sets WS to "REALTIME_NS RX_PACKETS RX_IP_BYTES" of the server
# veth.  Only shell builtins run between the clock reads and the counter
# read (the sink's /proc/PID/net/dev is the server netns's), so the time
# belongs to the counters even when a busy guest takes long to fork.
wire_sample()
{
	local t0 line f lines

	now_us
	t0=$NOW_US
	mapfile -t lines < "/proc/$UDP_SINK_PID/net/dev"
	now_us
	for line in "${lines[@]}"; do
		[[ $line == *eth0:* ]] || continue
		read -r -a f <<< "${line#*:}"
		WS="$(((t0 + NOW_US) / 2 * 1000)) ${f[1]} $((f[0] - 14 * f[1]))"
	done
}

# wire_rate_bps "SAMPLE1" "SAMPLE2": IP bytes per second between two samples.
wire_rate_bps()
{
	local a b

	read -r -a a <<< "$1"
	read -r -a b <<< "$2"
	echo $(((b[2] - a[2]) * 1000000000 / (b[0] - a[0] > 0 ? b[0] - a[0] : 1)))
}

# mbit_bps N: bytes per second of N mbit.
mbit_bps()
{
	echo $(($1 * 1000000 / 8))
}

# queue_of PATH: packets waiting in PATH's shaping queue.
queue_of()
{
	local v

	read -r -a v <<< "$(proc_shaping "$1")"
	echo "${v[2]:-absent}"
}

# queue_above PATH N: PATH's queue holds more than N packets.
queue_above()
{
	local q

	q=$(queue_of "$1")
	[ "$q" != absent ] && [ "$q" -gt "$2" ]
}

queue_empty()
{
	[ "$(queue_of "$1")" = 0 ]
}

# rx_packets_reach N BASE: the server veth received N packets since BASE.
rx_packets_reach()
{
	local s

	wire_sample
	read -r -a s <<< "$WS"
	[ $((s[1] - $2)) -ge "$1" ]
}

# allowed_above PATH BYTES: PATH has allowed more than BYTES.
allowed_above()
{
	local v

	v=$(awk -v p="$1" 'NR > 1 && $1 == p { print $3 }' "$NF_EGRESS_PROC/stats")
	[ -n "$v" ] && [ "$v" -gt "$2" ]
}

# flowing PATH: wait until PATH's allowed bytes grow by 64 KiB past now,
# so a measurement window starts once the sender really sends (starting a
# process in a cgroup and a netns takes a while under emulation).
flowing()
{
	local v

	v=$(awk -v p="$1" 'NR > 1 && $1 == p { print $3 }' "$NF_EGRESS_PROC/stats")
	busywait 10000 allowed_above "$1" $((${v:-0} + 65536))
}

# ctr_delta PATH: "ap ab rp rb" of PATH between $SNAP.b and $SNAP.a.
ctr_delta()
{
	local b a

	read -r -a b <<< "$(acct_ctr "$SNAP.b" "$1")"
	read -r -a a <<< "$(acct_ctr "$SNAP.a" "$1")"
	echo "$((a[0] - b[0])) $((a[1] - b[1])) $((a[6] - b[6])) $((a[7] - b[7]))"
}

# flood_spawn CGROUP SECS TAG: a blocking UDP flood in the background;
# FLOOD_PID, output in $TMPDIR_TEST/flood.TAG.
flood_spawn()
{
	cg_spawn "$1" "$TMPDIR_TEST/flood.$3" \
		timeout $(($2 + 30)) "$PROBE" udp-flood "$SRV" "$PORT" "$SIZE" "$2"
	FLOOD_PID=$SPAWN_PID
}

# flood_wait TAG: wait for the flood; sets FLOOD_LINE to its output.  (Not
# in a command substitution: a subshell cannot wait for the flood.)
flood_wait()
{
	wait "$FLOOD_PID" 2> /dev/null
	FLOOD_LINE=$(cat "$TMPDIR_TEST/flood.$1")
}

# === 1. a blocking UDP sender under 20mbit shape ======================================
BPS=$(mbit_bps 20)
policy_add "$P" default allow rate 20mbit burst 256k shape
check_eq "20mbit shape: the policy reads back as $BPS bytes/s, burst $BURST, shape" \
	"$BPS $BURST - shape" "$(policy_rate "$P")"
grep -q "^policy $P mode enforce default allow rules 0 rate $BPS burst $BURST pps 0 shape queue 1000 latency_us 100000\$" \
	"$NF_EGRESS_PROC/policies"
tap_result $? "20mbit shape: $NF_EGRESS_PROC/policies shows the limit with the default queue bounds" \
	"$(grep "^policy $P " "$NF_EGRESS_PROC/policies")"

acct_snap "$SNAP.b"
wire_sample
read -r -a w0 <<< "$WS"
flood_spawn "$CG" 6 udp
flowing "$P" || diag "the flood did not start within 10 s"
sleep 0.5
wire_sample
s1=$WS
sleep 3
wire_sample
s2=$WS
flood_wait udp
line=$FLOOD_LINE
busywait 5000 queue_empty "$P"
tap_result $? "20mbit shape: the queue is empty once the sender is done" "queue: $(queue_of "$P")"
acct_snap "$SNAP.a"
wire_sample
read -r -a w1 <<< "$WS"
diag "flood: $line"
sent=$(kv_get sent "$line")
check_eq "20mbit shape: every sendto() succeeded" "0 none" \
	"$(kv_get failed "$line") $(kv_get first_errno "$line")"
rate=$(wire_rate_bps "$s1" "$s2")
diag "steady wire rate: $rate B/s ($((rate * 8 / 1000)) kbit/s), expected $BPS"
SLOW_WHY="a debug kernel's sender cannot offer these rates reliably"
if debug_kernel; then
	tap_skip "20mbit shape: the blocking sender gets the rate on the wire within 2%" "$SLOW_WHY"
else
	within_permille "$rate" "$BPS" 20
	tap_result $? "20mbit shape: the blocking sender gets the rate on the wire within 2%" \
		"wire $rate B/s, rate $BPS B/s"
fi
read -r ap ab rp rb <<< "$(ctr_delta "$P")"
check_eq "20mbit shape: nothing was dropped (ratelimited +0)" "0 0" "$rp $rb"
check_eq "20mbit shape: allowed == every datagram sent, in IP bytes" \
	"$sent $((sent * IPB))" "$ap $ab"
check_eq "20mbit shape: the server veth received every allowed datagram" \
	"$ap $ab" "$((w1[1] - w0[1])) $((w1[2] - w0[2]))"
read -r -a sh <<< "$(proc_shaping "$P")"
diag "shaping columns of $P: ${sh[*]}"
if debug_kernel && ((sh[0] == 0)); then
	tap_skip "20mbit shape: shaped packets > 0, counted in IP bytes" "$SLOW_WHY"
	tap_skip "20mbit shape: the longest delay is > 0 and within the 100 ms bound" "$SLOW_WHY"
else
	tap_result "$( ((sh[0] > 0 && sh[1] == sh[0] * IPB)); echo $?)" \
		"20mbit shape: shaped packets > 0, counted in IP bytes" "shaped ${sh[0]} ${sh[1]}"
	tap_result "$( ((sh[3] > 0 && sh[3] <= 100000000)); echo $?)" \
		"20mbit shape: the longest delay is > 0 and within the 100 ms bound" "max_delay_ns ${sh[3]}"
fi

# === 1b. IPv6 is shaped the same way ===================================================
ns_create V6A_NS v6a
ns_create V6B_NS v6b
ip -n "$V6A_NS" link add veth0 type veth peer name eth0 netns "$V6B_NS" ||
	bail_out "cannot create the IPv6 veth pair"
ip -n "$V6A_NS" addr add 2001:db8:99:5::1/64 dev veth0 nodad
ip -n "$V6B_NS" addr add 2001:db8:99:5::2/64 dev eth0 nodad
ip -n "$V6A_NS" link set veth0 up
ip -n "$V6B_NS" link set eth0 up
link_wait_up "$V6A_NS" veth0
link_wait_up "$V6B_NS" eth0
ectl_must policy set "$P" rate 10mbit burst 64k latency 500ms shape
acct_snap "$SNAP.b"
CLIENT_NS=$V6A_NS cg_spawn "$CG" "$TMPDIR_TEST/flood.v6" \
	timeout 30 "$PROBE" udp-flood 2001:db8:99:5::2 9 "$SIZE" 2
FLOOD_PID=$SPAWN_PID
flood_wait v6
busywait 5000 queue_empty "$P"
acct_snap "$SNAP.a"
diag "IPv6 flood: $FLOOD_LINE"
sent=$(kv_get sent "$FLOOD_LINE")
read -r ap ab rp rb <<< "$(ctr_delta "$P")"
check_eq "IPv6 shape: every sendto() succeeded, all allowed (IP bytes = payload + 48), none dropped" \
	"0 none $sent $((sent * (SIZE + 48))) 0" \
	"$(kv_get failed "$FLOOD_LINE") $(kv_get first_errno "$FLOOD_LINE") $ap $ab $rp"
read -r -a sh2 <<< "$(proc_shaping "$P")"
if debug_kernel; then
	tap_skip "IPv6 shape: the datagrams waited in the queue (shaped grew)" "$SLOW_WHY"
else
	tap_result "$( ((sh2[0] > sh[0])); echo $?)" "IPv6 shape: the datagrams waited in the queue (shaped grew)" \
		"shaped before ${sh[0]}, after ${sh2[0]}"
fi

# === 2. TCP under 20mbit: shape (asserted) and police (reported) =======================
ip netns exec "$SRV_NS" iperf3 -s -p "$IPERF_PORT" -D -I "$TMPDIR_TEST/iperf3.pid" \
	--logfile "$TMPDIR_TEST/iperf3-server.log" || bail_out "iperf3 -s failed to start"
busywait 10000 test -s "$TMPDIR_TEST/iperf3.pid" || bail_out "iperf3 -s wrote no pid file"
register_pid "$(cat "$TMPDIR_TEST/iperf3.pid")"
busywait 10000 ip netns exec "$SRV_NS" sh -c "ss -Htln | grep -q ':$IPERF_PORT '" ||
	bail_out "iperf3 -s does not listen"

# allowed_sample PATH: sets AS to "REALTIME_NS ALLOWED_BYTES" of PATH from
# $NF_EGRESS_PROC/stats (builtins only, as in wire_sample).
allowed_sample()
{
	local t0 line f lines

	now_us
	t0=$NOW_US
	mapfile -t lines < "$NF_EGRESS_PROC/stats"
	now_us
	for line in "${lines[@]}"; do
		read -r -a f <<< "$line"
		[ "${f[0]}" = "$1" ] && AS="$(((t0 + NOW_US) / 2 * 1000)) ${f[2]}"
	done
}

# tcp_round MODE: 5 s of iperf3 from $CG under 20mbit MODE; sets T_SHARE
# (the policy's allowed IP bytes per second from 1 s to 4 s into the
# transfer, per 1000 of the rate: the steady state, so neither the burst
# nor what is still queued when iperf3 stops counts), T_RETR, T_SEGS (the
# segments the policy allowed during the transfer) and T_GOODPUT.
tcp_round()
{
	local json a b pid

	ectl_must policy set "$P" rate 20mbit burst 256k "$1"
	acct_snap "$SNAP.b"
	cg_spawn "$CG" "$TMPDIR_TEST/iperf3.$1.json" \
		timeout 60 iperf3 -c "$SRV" -p "$IPERF_PORT" -t 5 -J
	pid=$SPAWN_PID
	flowing "$P" || diag "iperf3 did not start within 10 s"
	sleep 0.5
	allowed_sample "$P"
	read -r -a a <<< "$AS"
	sleep 3
	allowed_sample "$P"
	read -r -a b <<< "$AS"
	wait "$pid"
	T_RC=$?
	busywait 5000 queue_empty "$P"
	acct_snap "$SNAP.a"
	json=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
s = d["end"]["sum_sent"]
print(s["seconds"], s["retransmits"], d["end"]["sum_received"]["bits_per_second"])
' "$TMPDIR_TEST/iperf3.$1.json" 2> /dev/null)
	read -r T_SECS T_RETR T_GOODPUT <<< "$json"
	read -r ap ab rp rb <<< "$(ctr_delta "$P")"
	T_SEGS=$ap
	T_SHARE=$(((b[1] - a[1]) * 1000000000 / (b[0] - a[0]) * 1000 / BPS))
	diag "$1: iperf3 rc=$T_RC, ${T_SECS}s, goodput ${T_GOODPUT%.*} bit/s, retransmits $T_RETR of $T_SEGS segments; allowed $ab IP bytes in all ($((ab * 1000 / (BPS * 5))) permille of rate * 5 s), ${T_SHARE} permille of the rate in the steady state; ratelimited +$rp"
}

tcp_round shape
check_eq "TCP shape: iperf3 exits 0 and reports" "0 yes" "$T_RC $([ -n "$T_RETR" ] && echo yes)"
# The debug kernel's guest cannot always send 20mbit of TCP at all: there
# only the cap holds.
share_min=950
debug_kernel && share_min=700
tap_result "$( ((T_SHARE >= share_min && T_SHARE <= 1020)); echo $?)" \
	"TCP 20mbit shape: allowed IP bytes per second $((share_min / 10))%..102% of the rate" "${T_SHARE} permille"
tap_result "$( ((T_RETR * 100 < T_SEGS)); echo $?)" \
	"TCP 20mbit shape: retransmitted segments under 1% of segments sent" "$T_RETR of $T_SEGS"
SHAPE_GOODPUT=$T_GOODPUT
tcp_round police
diag "comparison: goodput shape ${SHAPE_GOODPUT%.*} bit/s vs police ${T_GOODPUT%.*} bit/s (police retransmits $T_RETR of $T_SEGS; ${T_SHARE} permille of the rate)"
check_eq "TCP police (reported only): iperf3 exits 0" 0 "$T_RC"

# === 3. a rate change takes effect within 200 ms ======================================
ectl_must policy set "$P" rate 20mbit burst 256k shape
flood_spawn "$CG" 60 chg
flowing "$P" || diag "the flood did not start within 10 s"
sleep 0.5
ectl_must policy set "$P" rate 5mbit burst 256k shape
sleep 0.2
wire_sample
c1=$WS
sleep 1.3
wire_sample
c2=$WS
ectl_must policy set "$P" rate 10mbit burst 256k shape
sleep 0.2
wire_sample
c3=$WS
sleep 1.3
wire_sample
c4=$WS
cg_kill_wait "$CG"
wait "$FLOOD_PID" 2> /dev/null
r5=$(wire_rate_bps "$c1" "$c2")
r10=$(wire_rate_bps "$c3" "$c4")
diag "from 200 ms after the change to 5mbit: $r5 B/s; after the change to 10mbit: $r10 B/s"
# Both checks need a sender that offers more than the rates: one that
# stays under 20mbit leaves the bucket full at the change, and the tokens
# it keeps (its time, about 100 ms of sending at the new rate) go out on
# top of 5mbit, as they should.
if debug_kernel; then
	tap_skip "rate change 20 -> 5mbit: from 200 ms on the wire rate is 5mbit within 3%" "$SLOW_WHY"
	tap_skip "rate change 5 -> 10mbit: from 200 ms on the wire rate is 10mbit within 3%" "$SLOW_WHY"
else
	within_permille "$r5" "$(mbit_bps 5)" 30
	tap_result $? "rate change 20 -> 5mbit: from 200 ms on the wire rate is 5mbit within 3%" "$r5 B/s"
	within_permille "$r10" "$(mbit_bps 10)" 30
	tap_result $? "rate change 5 -> 10mbit: from 200 ms on the wire rate is 10mbit within 3%" "$r10 B/s"
fi

# === 4. hierarchy: a parent's 20mbit is shared by two children ======================
policy_add "$PP" default allow rate 20mbit burst 256k shape
policy_add "$PP/a" default allow
policy_add "$PP/b" default allow
acct_snap "$SNAP.b"
cg_spawn "$CG_PP/a" "$TMPDIR_TEST/flood.a" \
	timeout 36 "$PROBE" udp-flood "$SRV" "$PORT" "$SIZE" 6
pid_a=$SPAWN_PID
cg_spawn "$CG_PP/b" "$TMPDIR_TEST/flood.b" \
	timeout 36 "$PROBE" udp-flood "$SRV" "$PORT" "$SIZE" 6
pid_b=$SPAWN_PID
flowing "$PP/a" && flowing "$PP/b" || diag "the floods did not start within 10 s"
sleep 0.5
wire_sample
h1=$WS
sleep 3
wire_sample
h2=$WS
wait "$pid_a" "$pid_b" 2> /dev/null
busywait 5000 queue_empty "$PP"
acct_snap "$SNAP.a"
hr=$(wire_rate_bps "$h1" "$h2")
read -r aa ab_ _ _ <<< "$(ctr_delta "$PP/a")"
read -r ba bb _ _ <<< "$(ctr_delta "$PP/b")"
diag "children a: $(cat "$TMPDIR_TEST/flood.a"); b: $(cat "$TMPDIR_TEST/flood.b")"
diag "sum on the wire $hr B/s; allowed a $ab_ B, b $bb B"
if debug_kernel; then
	tap_skip "hierarchy: the children's sum on the wire is the parent's 20mbit within 3%" "$SLOW_WHY"
else
	within_permille "$hr" "$BPS" 30
	tap_result $? "hierarchy: the children's sum on the wire is the parent's 20mbit within 3%" "$hr B/s"
fi
tot=$((ab_ + bb))
tap_result "$( ((tot > 0 && ab_ * 100 >= 35 * tot && bb * 100 >= 35 * tot)); echo $?)" \
	"hierarchy: neither child starves (each >= 35% of the bytes)" "a $ab_, b $bb"
check_eq "hierarchy: the children's own policies have no queue (the parent's holds their packets)" \
	"0 0" "$(queue_of "$PP/a") $(queue_of "$PP/b")"
read -r -a sh <<< "$(proc_shaping "$PP")"
if debug_kernel; then
	tap_skip "hierarchy: the parent counts shaped packets" "$SLOW_WHY"
else
	tap_result "$( ((sh[0] > 0)); echo $?)" "hierarchy: the parent counts shaped packets" "${sh[*]}"
fi
ectl_must policy del "$PP/a"
ectl_must policy del "$PP/b"
ectl_must policy del "$PP"

# === 5. deleting a policy while packets wait ========================================
# A 2 s latency at 500kbit: the sender's whole send buffer (1.5 s of it)
# waits in the queue, and the queue stays full while the sender runs (8 s,
# so that a debug kernel is still sending when the checks below end).
ectl_must policy set "$P" rate 500kbit burst 64k latency 2s shape
wire_sample
read -r -a w0 <<< "$WS"
flood_spawn "$CG" 8 del
busywait 5000 queue_above "$P" 20
tap_result $? "policy delete: packets are waiting in the queue before the delete" "queue $(queue_of "$P")"

# While packets wait: the metrics' shaping gauges show them, and a counter
# reset leaves the queue alone (the counters and the delay maximum restart,
# the queue's packets still leave, as the check after the delete counts).
metric_of() # NAME LABELS: the sample of NAME{LABELS} in the metrics, or "none"
{
	local v

	v=$(grep -F "$1{$2} " <<< "$metrics") && echo "${v##* }" || echo none
}
metrics=$(ectl metrics)
mq=$(metric_of nf_egress_queue_packets "cgroup=\"$P\"")
md=$(metric_of nf_egress_max_delay_seconds "cgroup=\"$P\"")
ms=$(metric_of nf_egress_shaped_packets_total "cgroup=\"$P\",mode=\"enforce\"")
python3 -c '
import sys
q, d, s = sys.argv[1:]
sys.exit(not (q.isdigit() and int(q) > 0 and s.isdigit() and int(s) > 0 and
              0 < float(d) <= 2.0))' "$mq" "$md" "$ms" 2> /dev/null
tap_result $? "metrics while packets wait: queue gauge > 0, max delay in (0, 2 s], shaped total > 0" \
	"queue $mq, max delay $md s, shaped $ms"
read -r -a sh_before <<< "$(proc_shaping "$P")"
ectl_must stats reset "$P"
read -r -a sh_after <<< "$(proc_shaping "$P")"
reset_time=$(ectl -j stats "$P" | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["reset_time"])')
((sh_before[2] > 0 && sh_after[2] > 0 && sh_after[0] < sh_before[0])) &&
	[ "$reset_time" != None ]
tap_result $? "stats reset while packets wait: the queue stays, the shaped count restarts" \
	"before: ${sh_before[*]}, after: ${sh_after[*]}, reset_time $reset_time"
ectl_must policy del "$P"
check_eq "policy delete: the policy is gone" absent "$(queue_of "$P")"
flood_wait del
line=$FLOOD_LINE
diag "flood: $line"
sent=$(kv_get sent "$line")
check_eq "policy delete: the sender finished normally" "0 none" \
	"$(kv_get failed "$line") $(kv_get first_errno "$line")"
busywait 5000 rx_packets_reach "${sent:-1}" "${w0[1]}"
wire_sample
read -r -a w1 <<< "$WS"
check_eq "policy delete: every datagram reached the server (none lost with the queue)" \
	"$sent" "$((w1[1] - w0[1]))"

# === 6. deleting the sender's netns while packets wait ===============================
ns_create GONE_NS gone
ns_create PEER_NS peer
ip -n "$GONE_NS" link add veth0 type veth peer name eth0 netns "$PEER_NS" ||
	bail_out "cannot create the veth pair for the netns test"
ip -n "$GONE_NS" addr add 10.99.5.1/24 dev veth0
ip -n "$PEER_NS" addr add 10.99.5.2/24 dev eth0
ip -n "$GONE_NS" link set veth0 up
ip -n "$PEER_NS" link set eth0 up
link_wait_up "$GONE_NS" veth0
link_wait_up "$PEER_NS" eth0
policy_add "$PGONE" default allow rate 1mbit burst 64k latency 5s shape
CLIENT_NS=$GONE_NS cg_spawn "$CG_GONE" "$TMPDIR_TEST/flood.gone" \
	timeout 60 "$PROBE" udp-flood 10.99.5.2 9 "$SIZE" 30
gone_pid=$SPAWN_PID
busywait 5000 queue_above "$PGONE" 20
tap_result $? "netns delete: packets are waiting in the queue" "queue $(queue_of "$PGONE")"
cg_kill_wait "$CG_GONE"
wait "$gone_pid" 2> /dev/null
ip netns del "$GONE_NS"
# The namespace is destroyed once nothing holds it: then its veth pair goes,
# and the peer's end with it.
busywait 15000 sh -c "! ip -n '$PEER_NS' link show eth0 > /dev/null 2>&1"
tap_result $? "netns delete: the namespace is torn down (its veth peer is gone) within 15 s" \
	"$(ip -n "$PEER_NS" link show 2>&1 | head -n 3)"
check_eq "netns delete: nothing is left in the queue" 0 "$(queue_of "$PGONE")"
ectl_must policy del "$PGONE"

# === 7. unloading the module while packets wait =======================================
policy_add "$P" default allow rate 2mbit burst 64k latency 2s shape
wire_sample
read -r -a w0 <<< "$WS"
flood_spawn "$CG" 3 rmmod
busywait 5000 queue_above "$P" 20
tap_result $? "rmmod: packets are waiting in the queue before the unload" "queue $(queue_of "$P")"
t0=$(date +%s%3N)
rmmod nf_egress 2> "$TMPDIR_TEST/rmmod.err"
tap_result $? "rmmod: the module unloads with packets queued" "$(cat "$TMPDIR_TEST/rmmod.err")"
t1=$(date +%s%3N)
diag "rmmod took $((t1 - t0)) ms"
flood_wait rmmod
line=$FLOOD_LINE
diag "flood: $line"
sent=$(kv_get sent "$line")
check_eq "rmmod: the sender finished normally" "0 none" \
	"$(kv_get failed "$line") $(kv_get first_errno "$line")"
busywait 5000 rx_packets_reach "${sent:-1}" "${w0[1]}"
wire_sample
read -r -a w1 <<< "$WS"
check_eq "rmmod: every datagram reached the server (the queue was handed on)" \
	"$sent" "$((w1[1] - w0[1]))"
modprobe nf_egress 2> "$TMPDIR_TEST/modprobe.err"
tap_result $? "rmmod: the module loads again" "$(cat "$TMPDIR_TEST/modprobe.err")"

tap_done
