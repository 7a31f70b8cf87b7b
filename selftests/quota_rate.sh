#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A quota's rate action (`then rate RATE`): once the quota is used up, what
# it counts is shaped to the rate until the period ends.  The quota is on a
# slice and the sender in a child cgroup with a policy of its own, so the
# slice's quota covers its children.  One iperf3 flow:
#
# 1. runs at full speed until 8 MB, the quota, have left: within 6.4 s of
#    its start, iperf3's own start included, which is over ten times the
#    quota's rate (8 MB at 1mbit take 64 s); then gets the quota's 1mbit
#    within the tolerance of shape.sh's TCP check (95%..102%);
# 2. runs at full speed again once the quotas' clock (the debug module's
#    quota_clock_offset) moves past the period's end: a new period, and the
#    quota's usage starts from 0.
#
# With the quota used up again, a lower rate wins: the slice's own 500kbit
# limit over the quota's 1mbit, and the quota's 1mbit over the child's own
# 4mbit limit.
#
# Then a quota of one class (TCP port 5342's and UDP 5344's, "bulk") with
# the rate action shapes that class to 1mbit once used up; a flow of no
# class from the same cgroup (port 5343) runs beside it and a blocking UDP
# flood of bulk at over ten times the rate (it does not wait behind bulk's
# packets in the slice's queue), and the flood, a second socket of bulk,
# gets no more than the rate with the bulk flow.
#
# Rates are the least-squares slope of the slice's allowed IP bytes,
# sampled every 100 ms, from 2 s after a change (TCP settles, the new
# limit's burst is spent) over 16 s: at 1mbit one of TCP's 64 KB packets
# is half a second of the rate, and a long window averages out the ups and
# downs they make.  The full-speed phases are the time the flow takes to
# use the quota up, and to send half of it once a new period starts.
# Quotas are set with ynl, as in quota_nl.sh.
#
#   $CLI_NS (IPv4 only)                          $SRV_NS
#   +-----------------------------------+        +----------------------+
#   | /nfe-qrt-PID: default allow,      |        |                      |
#   |   quota 8 MB/hour then rate 1mbit |  veth  | iperf3 -s :5342      |
#   |   app/: default allow             +--------+ eth0 10.99.0.2/24    |
#   |     iperf3 -c 10.99.0.2           |        | iperf3 -s :5343      |
#   |     egress_probe udp-flood :5344  |        |                      |
#   | veth0 10.99.0.1/24                |        |                      |
#   +-----------------------------------+        +----------------------+

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

YNL_DIR=${NF_EGRESS_YNL:-$NF_EGRESS_SRC/.vm/ynl}
SPEC=$NF_EGRESS_SRC/Documentation/netlink/specs/nf_egress.yaml
CG=nfe-qrt-$$
P=/$CG
CG_APP=$CG/app
PA=$P/app
SRV=10.99.0.2
IPERF_PORT=5342
OTHER_PORT=5343			# a port of no class
FLOOD_PORT=5344			# UDP of class bulk, no receiver
LIMIT=8000000			# the quota, bytes an hour
QBPS=125000			# its rate: 1mbit
CLASS_LIMIT=2000000		# a quota of class bulk, bytes an hour
PARAM=/sys/module/nf_egress/parameters/quota_clock_offset

require_common
require_cmd iperf3
[ -f "$YNL_DIR/cli.py" ] || bail_out "no ynl in $YNL_DIR"
tap_plan 14

ynl()
{
	python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --output-json "$@" 2> "$TMPDIR_TEST/ynl.err"
}

# quota_field KEY: KEY of the slice's quota, from policy-get.
quota_field()
{
	ynl --do policy-get --json "{\"cgroup-path\": \"$P\"}" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["quota"][0][sys.argv[1]])' "$1"
}

# A wall-clock hour could end while the test runs and start a new period
# by itself: the quotas' clock is set 60 s into an hour first, which also
# leaves the test an hour before the period's end.
offset=0
if [ -w "$PARAM" ]; then
	offset=$((3600 - $(date +%s) % 3600 + 60))
	echo "$offset" > "$PARAM"
	on_cleanup "echo 0 > $PARAM"
fi

cg_create "$CG"
cg_create "$CG_APP"
setup_measured_link qrt "$SRV"
# shellcheck disable=SC2034 # read by cg_spawn (lib.sh)
CLIENT_NS=$CLI_NS
policy_add "$P" default allow
policy_add "$PA" default allow
ynl --do policy-set --json "{\"cgroup-path\": \"$P\", \"quota\": [{\"limit\": $LIMIT, \"period\": \"hour\", \"action\": \"rate\", \"rate\": $QBPS}]}" > /dev/null
tap_result $? "policy-set: a quota of $LIMIT bytes an hour then rate $QBPS bytes/s" \
	"$(cat "$TMPDIR_TEST/ynl.err")"

# now_us: sets NOW_US to CLOCK_REALTIME in microseconds, without a fork.
now_us()
{
	NOW_US=${EPOCHREALTIME/[.,]/}
}

# allowed_sample: sets AS to "REALTIME_US ALLOWED_BYTES" of the slice from
# $NF_EGRESS_PROC/stats, with shell builtins only, so the time belongs to
# the counter even when a busy guest takes long to fork.
allowed_sample()
{
	local t0 line f lines

	now_us
	t0=$NOW_US
	mapfile -t lines < "$NF_EGRESS_PROC/stats"
	now_us
	for line in "${lines[@]}"; do
		read -r -a f <<< "$line"
		[ "${f[0]}" = "$P" ] && AS="$(((t0 + NOW_US) / 2)) ${f[2]}"
	done
}

# allowed_now: the slice's allowed bytes.
allowed_now()
{
	local s

	allowed_sample
	read -r -a s <<< "$AS"
	echo "${s[1]}"
}

# full_speed BYTES TIMEOUT_MS: sample until the slice has allowed BYTES
# more than at the sample in AS (taken by the caller, e.g. before a flow
# starts); sets FULL_BPS to the bytes per second since then, or to 0 on
# timeout.
full_speed()
{
	local a b

	read -r -a a <<< "$AS"
	while :; do
		allowed_sample
		read -r -a b <<< "$AS"
		((b[1] - a[1] >= $1)) && break
		if ((b[0] - a[0] > $2 * 1000)); then
			FULL_BPS=0
			return 1
		fi
		sleep 0.02
	done
	FULL_BPS=$(((b[1] - a[1]) * 1000000 / (b[0] - a[0] > 0 ? b[0] - a[0] : 1)))
}

# steady_rate SECS: sample every 100 ms for SECS seconds; sets RATE_BPS to
# the least-squares slope of the allowed bytes: TCP's ups and downs
# average out, where two samples would catch them at random phases.
steady_rate()
{
	local end

	: > "$TMPDIR_TEST/samples"
	now_us
	end=$((NOW_US + $1 * 1000000))
	while ((NOW_US < end)); do
		allowed_sample
		echo "$AS" >> "$TMPDIR_TEST/samples"
		sleep 0.1
		now_us
	done
	RATE_BPS=$(python3 - "$TMPDIR_TEST/samples" <<'PYEOF'
import sys
xy = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
xy = [(t / 1e6, b) for t, b in xy]
n = len(xy)
mx = sum(x for x, _ in xy) / n
my = sum(y for _, y in xy) / n
sxx = sum((x - mx) ** 2 for x, _ in xy)
sxy = sum((x - mx) * (y - my) for x, y in xy)
print(int(sxy / sxx))
PYEOF
)
}

# server_start [PORT]: an iperf3 server for one test, on PORT (by default
# IPERF_PORT); SERVER_PID.
server_start()
{
	local port=${1:-$IPERF_PORT}

	rm -f "$TMPDIR_TEST/iperf3.pid"
	ip netns exec "$SRV_NS" iperf3 -s -1 -p "$port" -D -I "$TMPDIR_TEST/iperf3.pid" \
		--logfile "$TMPDIR_TEST/iperf3-server-$port.log" || bail_out "iperf3 -s failed to start"
	busywait 10000 test -s "$TMPDIR_TEST/iperf3.pid" || bail_out "iperf3 -s wrote no pid file"
	SERVER_PID=$(cat "$TMPDIR_TEST/iperf3.pid")
	register_pid "$SERVER_PID"
	busywait 10000 tcp_listening "$SRV_NS" "$port" ||
		bail_out "iperf3 -s does not listen"
}

# flow_spawn: iperf3 from app/ in the background, long enough for any
# round; FLOW_PID.
flow_spawn()
{
	cg_spawn "$CG_APP" "$TMPDIR_TEST/iperf3.log" \
		timeout 120 iperf3 -c "$SRV" -p "$IPERF_PORT" -t 100
	FLOW_PID=$SPAWN_PID
}

# flow_start: server_start and flow_spawn, then wait until it sends.
flow_start()
{
	local a

	server_start
	a=$(allowed_now)
	flow_spawn
	# shellcheck disable=SC2016 # expanded by eval, at each try
	busywait 10000 eval '(($(allowed_now) - a > 65536))' ||
		diag "iperf3 did not start within 10 s: $(cat "$TMPDIR_TEST/iperf3.log")"
}

# client_connected: app/ still has a TCP connection to the server.
client_connected()
{
	[ -n "$(ip netns exec "$CLI_NS" ss -Htn state connected exclude time-wait dst "$SRV")" ]
}

# flow_stop: iperf3 ends on SIGINT (timeout passes it on) as after its -t;
# the cgroup is emptied in case it does not.  What the closed connection
# still has to send would leave at the shaped rate, for seconds, and keep
# the server busy with the test: the server goes, and its end resets it.
flow_stop()
{
	kill -INT "$FLOW_PID" 2> /dev/null
	wait_pid_gone "$FLOW_PID" 50
	cg_kill_wait "$CG_APP"
	wait "$FLOW_PID" 2> /dev/null
	kill -9 "$SERVER_PID" 2> /dev/null
	busywait 10000 eval '! client_connected' ||
		diag "the flow's connection is still there: $(ip netns exec "$CLI_NS" ss -tn dst "$SRV")"
}

# check_rate DESC BPS: RATE_BPS is BPS within shape.sh's TCP tolerance
# (on a debug kernel, whose guest may not send fast enough, only the cap).
# Said when it is not: the flow's TCP state, the samples, iperf3's output.
check_rate()
{
	local share=$((RATE_BPS * 1000 / $2)) lo=950

	debug_kernel && lo=700
	diag "$1: $RATE_BPS B/s, $share permille of $2 B/s; slice: $(awk -v p="$P" \
		'NR > 1 && $1 == p { print "ratelimited", $8, "shaped", $10, "queue", $12, "max_delay_ns", $13 }' \
		"$NF_EGRESS_PROC/stats")"
	tap_result "$( ((share >= lo && share <= 1020)); echo $?)" \
		"$1: $((lo / 10))%..102% of the rate" "$share permille" && return 0
	ip netns exec "$CLI_NS" ss -tinm dst "$SRV" > "$TMPDIR_TEST/ss.out" 2>&1
	diag "the flow's sockets:"
	diag_file "$TMPDIR_TEST/ss.out"
	diag "samples (us, allowed bytes):"
	diag_file "$TMPDIR_TEST/samples"
	diag "iperf3:"
	diag_file "$TMPDIR_TEST/iperf3.log"
	return 1
}

# --- 1. full speed, then the quota's rate ------------------------------------
server_start
allowed_sample
flow_spawn
full_speed "$LIMIT" 20000
diag "from iperf3's start until the quota is used up: $FULL_BPS B/s ($((FULL_BPS * 8 / 1000)) kbit/s)"
tap_result "$( ((FULL_BPS > 10 * QBPS)); echo $?)" \
	"the flow runs at over ten times the quota's rate until the quota is used up" \
	"$FULL_BPS B/s"
sleep 2
steady_rate 16
check_rate "once the quota is used up: shaped to the quota's 1mbit" "$QBPS"
used=$(quota_field used)
read -r -a sh <<< "$(proc_shaping "$P")"
tap_result "$( ((used >= LIMIT && sh[0] > 0)); echo $?)" \
	"the quota is used up, and the slice counts shaped packets" \
	"used $used, shaping columns ${sh[*]}"
check_eq "the child's own policy holds no queue (the slice's holds its packets)" \
	0 "$(proc_shaping "$PA" | cut -d' ' -f3)"

# --- 2. the period ends: full speed again ----------------------------------------
if [ -w "$PARAM" ]; then
	start=$(quota_field period-start)
	echo $((offset + 3600)) > "$PARAM"
	allowed_sample
	full_speed $((LIMIT / 2)) 20000
	diag "after the period's end: $FULL_BPS B/s ($((FULL_BPS * 8 / 1000)) kbit/s)"
	tap_result "$( ((FULL_BPS > 10 * QBPS)); echo $?)" \
		"the period ends: the flow runs at over ten times the quota's rate again" \
		"$FULL_BPS B/s"
	check_eq "the quota's period moved on by an hour" $((start + 3600)) \
		"$(quota_field period-start)"
else
	tap_skip "the period ends: the flow runs at full speed again" "no $PARAM (not a debug build)"
	tap_skip "the quota's period moved on by an hour" "no $PARAM (not a debug build)"
fi
# shellcheck disable=SC2016 # expanded by eval, at each try
busywait 30000 eval '(($(quota_field used) >= LIMIT))' ||
	diag "the quota was not used up again in 30 s"
flow_stop

# --- 3. the lower rate wins --------------------------------------------------------
ectl_must policy set "$P" rate 500kbit shape
flow_start
sleep 2
steady_rate 16
check_rate "the slice's own 500kbit under its used-up 1mbit quota" 62500
flow_stop
ectl_must policy set "$P" rate none

ectl_must policy set "$PA" rate 4mbit shape
flow_start
sleep 2
steady_rate 16
check_rate "the slice's used-up 1mbit quota over the child's own 4mbit" "$QBPS"
flow_stop
check_eq "the quota is still used up in its period" 1 \
	"$(( $(quota_field used) >= LIMIT ))"
ectl_must policy set "$PA" rate none

# --- 4. a class quota holds its class only -------------------------------
ectl_must rule add "$P" allow tcp to "$SRV/32" port "$IPERF_PORT" class bulk
ectl_must rule add "$P" allow udp to "$SRV/32" port "$FLOOD_PORT" class bulk
ynl --do policy-set --json "{\"cgroup-path\": \"$P\", \"quota\": [{\"limit\": $CLASS_LIMIT, \"period\": \"hour\", \"class\": \"bulk\", \"action\": \"rate\", \"rate\": $QBPS}]}" > /dev/null
tap_result $? "policy-set: the quota counts class bulk only, $CLASS_LIMIT bytes an hour then rate $QBPS bytes/s" \
	"$(cat "$TMPDIR_TEST/ynl.err")"
flow_start
# shellcheck disable=SC2016 # expanded by eval, at each try
busywait 20000 eval '(($(quota_field used) >= CLASS_LIMIT))' ||
	diag "class bulk did not use its quota up in 20 s"
sleep 2
steady_rate 16
check_rate "class bulk, once its quota is used up: shaped to the quota's 1mbit" "$QBPS"
# Another class's flow beside it, from the same cgroup, while a UDP flood
# of class bulk keeps the slice's queue full of bulk's packets: if the
# other class's packets waited behind them (the latency bound's 100 ms),
# it would not get past bulk's rate by much.
bulk_server=$SERVER_PID
cg_spawn "$CG_APP" "$TMPDIR_TEST/flood.log" \
	timeout 60 "$PROBE" udp-flood "$SRV" "$FLOOD_PORT" 1400 30
flood_pid=$SPAWN_PID
server_start "$OTHER_PORT"
# shellcheck disable=SC2016 # expanded by eval, at each try
busywait 10000 eval '(($(proc_shaping "$P" | cut -d" " -f3) > 0))' ||
	diag "the flood did not fill the slice's queue: $(proc_shaping "$P")"
now_us
t0=$NOW_US
used0=$(quota_field used)
cg_exec "$CG_APP" ip netns exec "$CLI_NS" \
	timeout 30 iperf3 -c "$SRV" -p "$OTHER_PORT" -t 4 -J > "$TMPDIR_TEST/other.json" 2>&1
queue_after=$(proc_shaping "$P" | cut -d" " -f3)
used1=$(quota_field used)
now_us
kill "$flood_pid" 2> /dev/null
# The flood is a second socket of the shaped class: it gets no more than
# the quota's rate either (the bulk flow shares it), over the whole time
# between the two readings of the usage, plus what waited in the queue
# when the first was taken (the latency bound's 100 ms) and 64 KiB.
bulk_max=$((QBPS * (NOW_US - t0) / 1000000 + QBPS / 10 + 65536))
tap_result "$( ((used1 - used0 > 0 && used1 - used0 <= bulk_max)); echo $?)" \
	"class bulk's flood and flow together get no more than the quota's rate meanwhile" \
	"$((used1 - used0)) bytes, at most $bulk_max"
other_bps=$(python3 -c 'import json, sys; print(int(json.load(open(sys.argv[1]))["end"]["sum_sent"]["bits_per_second"] / 8))' \
	"$TMPDIR_TEST/other.json" 2> /dev/null || echo 0)
diag "the other class beside bulk: $other_bps B/s ($((other_bps * 8 / 1000)) kbit/s)"
tap_result "$( ((other_bps > 10 * QBPS && queue_after > 0)); echo $?)" \
	"another class beside the shaped one runs at over ten times the quota's rate, bulk's packets waiting" \
	"$other_bps B/s, $queue_after of bulk's packets waiting: $(tail -c 300 "$TMPDIR_TEST/other.json")"
SERVER_PID=$bulk_server
flow_stop

tap_done
