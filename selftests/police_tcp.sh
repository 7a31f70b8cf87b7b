#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP under police-mode limits.  One iperf3 flow from a limited cgroup gets
# 90%..102% of the rate at the IP layer with the default burst, at 1, 20
# and 500 Mbit/s.  Police drops what exceeds the rate locally, with
# -ENOBUFS, which TCP does not take for a loss: it sends again when its
# probe timer fires.  Two things make that work: a packet larger than the
# bucket passes when the bucket is not empty, into debt (a 64 KB GSO packet
# under a 64 KiB burst was refused forever), and the default police burst
# holds the tokens of TCP's longest wait (250 ms of the rate).
#
# Also a packet limit below the GSO segment count and a shaping limit
# whose burst and latency a GSO packet exceeds carry a TCP transfer, where
# they refused every GSO packet.
#
# The rate is the slope of the policy's allowed IP bytes, sampled every
# 100 ms, from 2 s into the flow (the new policy's initial burst is spent
# by then) to 1 s before its end; over 40 s at 1 Mbit/s, where one GSO
# packet is half a second of the rate, and 24 s at 20 and 500 Mbit/s: a
# bucket may hold its whole burst (250 ms) at any moment, which a window
# of 21 s keeps under 1.2% of the rate.  A rate the guest cannot reach
# without a limit (measured first) is skipped with what it did reach as
# the reason.
#
#   $CLI_NS (IPv4 only)                         $SRV_NS
#   +----------------------------------+        +---------------------------+
#   | /nfe-ptcp-PID: police RATE       |  veth  | iperf3 -s :5340           |
#   |   iperf3 -c 10.99.0.2            +--------+ tcp-recv :5341            |
#   | veth0 10.99.0.1/24               |        | eth0 10.99.0.2/24         |
#   +----------------------------------+        +---------------------------+

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-ptcp-$$
P=/$CG
SRV=10.99.0.2
IPERF_PORT=5340
SINK_PORT=5341

require_common
require_cmd iperf3
tap_plan 7

cg_create "$CG"
setup_measured_link ptcp "$SRV"
CLIENT_NS=$CLI_NS
ip netns exec "$SRV_NS" iperf3 -s -p "$IPERF_PORT" -D -I "$TMPDIR_TEST/iperf3.pid" \
	--logfile "$TMPDIR_TEST/iperf3-server.log" || bail_out "iperf3 -s failed to start"
busywait 10000 test -s "$TMPDIR_TEST/iperf3.pid" || bail_out "iperf3 -s wrote no pid file"
register_pid "$(cat "$TMPDIR_TEST/iperf3.pid")"
busywait 10000 ip netns exec "$SRV_NS" sh -c "ss -Htln | grep -q ':$IPERF_PORT '" ||
	bail_out "iperf3 -s does not listen"
start_daemon "$SRV_NS" tcp-recv 0.0.0.0 "$SINK_PORT" --pidfile "$TMPDIR_TEST/sink.pid" \
	--statfile "$TMPDIR_TEST/sink.stat"

# allowed_bytes: the policy's allowed bytes from $NF_EGRESS_PROC/stats.
allowed_bytes()
{
	awk -v p="$P" '$1 == p { print $3 }' "$NF_EGRESS_PROC/stats"
}

# iperf_round SECS: iperf3 for SECS seconds from the cgroup, while the
# policy's allowed bytes are sampled every 100 ms into $TMPDIR_TEST/samples
# ("NS BYTES" lines).  Sets ROUND to what iperf3 said and GOODPUT_BPS.
iperf_round()
{
	local pid t b

	: > "$TMPDIR_TEST/samples"
	cg_spawn "$CG" "$TMPDIR_TEST/iperf3.json" \
		timeout $(($1 + 30)) iperf3 -c "$SRV" -p "$IPERF_PORT" -t "$1" -J
	pid=$SPAWN_PID
	while pid_alive "$pid"; do
		t=$(date +%s%N)
		b=$(allowed_bytes)
		[ -n "$b" ] && echo "$t $b" >> "$TMPDIR_TEST/samples"
		sleep 0.1
	done
	wait "$pid"
	ROUND=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("%d %d" % (d["end"]["sum_received"]["bits_per_second"] / 8,
                 d["end"]["sum_sent"]["retransmits"]))
' "$TMPDIR_TEST/iperf3.json" 2>&1)
	read -r GOODPUT_BPS RETRANS <<< "$ROUND"
	ROUND="iperf3: $((GOODPUT_BPS * 8 / 1000)) kbit/s goodput, $RETRANS retransmits"
}

# rate_fit FROM TO: the policy's allowed bytes per second from FROM to TO
# seconds after the first sample, as the least-squares slope of the
# samples: the bucket's ups and downs (TCP waits, then spends what built
# up) average out, where two samples would catch them at random phases.
rate_fit()
{
	python3 - "$1" "$2" "$TMPDIR_TEST/samples" <<'PYEOF'
import sys
lo, hi, path = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
pts = [tuple(map(int, l.split())) for l in open(path) if l.strip()]
t0 = pts[0][0]
xy = [((t - t0) / 1e9, b) for t, b in pts if lo <= (t - t0) / 1e9 <= hi]
n = len(xy)
mx = sum(x for x, _ in xy) / n
my = sum(y for _, y in xy) / n
sxx = sum((x - mx) ** 2 for x, _ in xy)
sxy = sum((x - mx) * (y - my) for x, y in xy)
print(int(sxy / sxx))
PYEOF
}

# Without a limit: what the guest reaches at all.
policy_add "$P" default allow
iperf_round 2
TOP_BPS=$GOODPUT_BPS
ectl_must policy del "$P"
diag "without a limit: $((TOP_BPS * 8 / 1000000)) Mbit/s ($ROUND)"

for case in "1 40" "20 24" "500 24"; do
	read -r mbit secs <<< "$case"
	bps=$((mbit * 1000000 / 8))
	policy_add "$P" default allow rate "${mbit}mbit" police
	desc="TCP under ${mbit}mbit police, default burst: 90%..102% of the rate at the IP layer"
	if ((TOP_BPS * 4 < bps * 5)); then
		tap_skip "$desc" "without a limit the guest reaches only $((TOP_BPS * 8 / 1000000)) Mbit/s"
		ectl_must policy del "$P"
		continue
	fi
	iperf_round "$secs"
	got=$(rate_fit 2 $((secs - 1)))
	share=$((got * 1000 / bps))
	diag "${mbit}mbit: $got B/s from 2 s to $((secs - 1)) s: $share permille; $ROUND"
	tap_result "$( ((share >= 900 && share <= 1020)); echo $?)" "$desc" "$share permille"
	ectl_must policy del "$P"
done

# send_kb KB TIMEOUT_MS: one TCP connection to the sink with KB KiB.
send_kb()
{
	client_exec "$CG" "$PROBE" tcp-connect "$SRV" "$SINK_PORT" --send $(($1 << 10)) \
		--timeout-ms "$2" 2>&1
}

# A packet limit: 200 packets/s police, below TSO's 45 segments per packet.
policy_add "$P" default allow pps 200 police
out=$(send_kb 1024 20000)
check_eq "TCP under 'pps 200 police': 1 MiB goes through" "result=ok sent=1048576" \
	"result=$(kv_get result "$out") sent=$(kv_get sent "$out")"
ectl_must policy del "$P"

# burst 1: every packet, the SYN included, costs more than the whole bucket.
# TCP crawls (it waits for its probe timer after every refused packet), but
# it gets through.
policy_add "$P" default allow rate 20mbit burst 1 police
out=$(send_kb 64 20000)
check_eq "TCP under '20mbit burst 1 police': 64 KiB go through" "result=ok sent=65536" \
	"result=$(kv_get result "$out") sent=$(kv_get sent "$out")"
ectl_must policy del "$P"

# Shape mode: every packet, the SYN included (one full segment costs 12 ms
# at 1mbit), costs more than burst and latency together, 100 us.  As
# with burst 1 in police mode, TCP crawls but gets through.
policy_add "$P" default allow rate 1mbit burst 1 latency 100us shape
out=$(send_kb 64 20000)
check_eq "TCP under '1mbit burst 1 latency 100us shape': 64 KiB go through" \
	"result=ok sent=65536" "result=$(kv_get result "$out") sent=$(kv_get sent "$out")"
ectl_must policy del "$P"

# The sink got every byte of the three transfers.
total=$(((1024 + 64 + 64) << 10))
busywait 10000 eval '[ "$(sed -n "s/.*bytes=//p" "$TMPDIR_TEST/sink.stat")" = $total ]'
check_eq "the server received all of them" "$total" \
	"$(sed -n 's/.*bytes=//p' "$TMPDIR_TEST/sink.stat")"

tap_done
