#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel sockets that carry a user's data are judged by the user's cgroup:
# an unprivileged process cannot get around its policy by asking for
# MPTCP (the data goes out on kernel subflow sockets) or AF_SMC (on SMC's
# kernel TCP socket when the peer has no SMC).  The kernel's own control
# sockets stay exempt: the resets TCP sends for a confined listener, and
# the control sockets of a namespace created inside a confined cgroup,
# which carry that cgroup: neighbour discovery and TCP resets keep working
# there.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | cgroup /nfe-ks-PID (policy:   |          | tcp-recv :: 5203 (counts     |
#   |   default deny,               |   veth   |   connections and bytes)     |
#   |   allow 10.99.0.0/24,         +----------+  eth0 10.99.0.2/24  allowed  |
#   |   allow 2001:db8:99::/64)     |          |       10.99.1.2/24  denied   |
#   |  MPTCP / SMC clients          |          |  2001:db8:99::2 / 98::2      |
#   |  tcp-listen :: 5204           |          |  stray ACKs from 10.99.1.2,  |
#   |                               |          |    2001:db8:98::2 to 5204    |
#   +-------------------------------+          +------------------------------+
#
#   $CTL_NS (created by a process of the confined cgroup)   $CTL_SRV_NS
#   +-------------------------------+          +------------------------------+
#   | 2001:db8:99::1/64  (allowed)  |   veth   | 2001:db8:99::2  tcp-listen   |
#   | 2001:db8:77::1/64  (denied)   +----------+ 2001:db8:77::2               |
#   | nothing listens on port 9     |          |                              |
#   +-------------------------------+          +------------------------------+

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-ks-$$
P=/$CG
SINK_PORT=5203
BYTES=100000
LIMIT_US=100000

require_common
require_cmd sysctl modprobe
tap_plan 33

cg_create "$CG"
setup_server_topology ""
SINK_STAT=$TMPDIR_TEST/sink.stat
start_daemon "$SRV_NS" tcp-recv :: "$SINK_PORT" --pidfile "$TMPDIR_TEST/sink.pid" \
	--statfile "$SINK_STAT"
policy_add "$P" default deny
ectl_must rule add "$P" allow to "$NET4_ALLOW"
ectl_must rule add "$P" allow to "$NET6_ALLOW"

check_eq "MPTCP is enabled (net.mptcp.enabled)" 1 "$(sysctl -n net.mptcp.enabled 2> /dev/null)"
# A kernel built without AF_SMC (Debian's 7.x) offers no SMC path to get
# around a policy; one that has it must load it.
NO_SMC=
if ! modprobe -n -q smc 2> /dev/null; then
	NO_SMC="kernel $(uname -r) has no AF_SMC (CONFIG_SMC)"
	tap_skip "the smc module loads (AF_SMC)" "$NO_SMC"
else
	out=$(modprobe smc 2>&1)
	tap_result $? "the smc module loads (AF_SMC)" "$out"
fi

# sink_bytes: payload bytes the sink has received on all connections.
sink_bytes()
{
	sed -n 's/^connections=[0-9]* bytes=\([0-9]*\)$/\1/p' "$SINK_STAT"
}

sink_bytes_is()
{
	[ "$(sink_bytes)" = "$1" ]
}

# denied_packets: the policy's denied packet counter.
denied_packets()
{
	local ap ab dp db

	read -r ap ab dp db <<< "$(stats_json "$P")"
	echo "$dp"
}

# stream_probe PROTO ADDR: connect from the confined cgroup and send $BYTES.
stream_probe()
{
	LAST_PROBE=$(cg_exec "$CG" "$PROBE" tcp-connect "$2" "$SINK_PORT" \
		--proto "$1" --send "$BYTES" --timeout-ms 3000 2>&1)
}

for proto in mptcp smc; do
	if [ "$proto" = smc ] && [ -n "$NO_SMC" ]; then
		for addr in "$SRV4_DENY" "$SRV6_DENY" "$SRV4_ALLOW" "$SRV6_ALLOW"; do
			for what in "connect()" "counters" "server"; do
				tap_skip "smc to $addr: $what" "$NO_SMC"
			done
		done
		continue
	fi
	for addr in "$SRV4_DENY" "$SRV6_DENY"; do
		b0=$(sink_bytes)
		d0=$(denied_packets)
		stream_probe "$proto" "$addr"
		us=$(kv_get elapsed_us "$LAST_PROBE")
		desc="$proto to denied $addr: connect() fails with ECONNREFUSED in < $((LIMIT_US / 1000)) ms"
		if [ "$(kv_get result "$LAST_PROBE")" = ECONNREFUSED ] && [ -n "$us" ] &&
			[ "$us" -lt "$LIMIT_US" ]; then
			tap_ok "$desc"
		else
			tap_fail "$desc"
			diag "$LAST_PROBE"
		fi
		check_eq "$proto to denied $addr: the SYN is counted denied (1 packet)" \
			1 "$(($(denied_packets) - d0))"
		check_eq "$proto to denied $addr: nothing reached the server" "$b0" "$(sink_bytes)"
	done
	for addr in "$SRV4_ALLOW" "$SRV6_ALLOW"; do
		b0=$(sink_bytes)
		read -r ap0 ab0 dp0 db0 <<< "$(stats_json "$P")"
		stream_probe "$proto" "$addr"
		check_eq "$proto to allowed $addr: connects and sends $BYTES bytes" \
			"result=ok sent=$BYTES" \
			"result=$(kv_get result "$LAST_PROBE") sent=$(kv_get sent "$LAST_PROBE")"
		busywait 5000 sink_bytes_is "$((b0 + BYTES))"
		check_eq "$proto to allowed $addr: the server received them" \
			"$((b0 + BYTES))" "$(sink_bytes)"
		read -r ap1 ab1 dp1 db1 <<< "$(stats_json "$P")"
		desc="$proto to allowed $addr: counted allowed (>= $BYTES bytes), nothing denied"
		if [ "$((ab1 - ab0))" -ge "$BYTES" ] && [ "$dp1" = "$dp0" ]; then
			tap_ok "$desc"
		else
			tap_fail "$desc"
			diag "allowed bytes +$((ab1 - ab0)), denied packets +$((dp1 - dp0))"
		fi
	done
done

# --- a confined listener's resets are the kernel's replies ---------------------
# A bare ACK with no connection behind it, from the denied addresses, to a
# listener of the confined cgroup: TCP answers each with a reset, which
# the kernel sends on the listener's behalf (Linux 6.13 and later attach
# the listener to it) from its control socket.  Not judged: no counter
# moves, every reset arrives.  Judged, anyone could forge deny events of
# the service and, with a rate limit, spend its budget.
LISTEN_PORT=5204
cg_exec "$CG" "$PROBE" tcp-listen :: "$LISTEN_PORT" --pidfile "$TMPDIR_TEST/listen.pid" ||
	bail_out "the confined listener did not start"
register_pid "$(cat "$TMPDIR_TEST/listen.pid")"
for pair in "$SRV4_DENY 10.99.1.1" "$SRV6_DENY 2001:db8:98::1"; do
	read -r from to <<< "$pair"
	read -r ap0 ab0 dp0 db0 <<< "$(stats_json "$P")"
	LAST_PROBE=$(ip netns exec "$SRV_NS" "$PROBE" tcp-stray-ack "$from" "$to" \
		"$LISTEN_PORT" 20 --timeout-ms 5000 2>&1)
	check_eq "stray ACKs from $from to the confined listener: 20 resets come back" \
		"sent=20 resets=20" "$LAST_PROBE"
	read -r ap1 ab1 dp1 db1 <<< "$(stats_json "$P")"
	check_eq "stray ACKs from $from: the resets are not judged (no counter moves)" \
		"0 0 0 0" "$((ap1 - ap0)) $((ab1 - ab0)) $((dp1 - dp0)) $((db1 - db0))"
done

# --- control sockets of a namespace made inside the confined cgroup --------
CTL_NS=nfe-ks-ctl-$$-$RANDOM
cg_exec "$CG" ip netns add "$CTL_NS" || bail_out "ip netns add $CTL_NS from $CG failed"
CLEANUP_NETNS+=("$CTL_NS")
ip -n "$CTL_NS" link set lo up
ns_create CTL_SRV_NS ctlsrv
ip -n "$CTL_NS" link add eth0 type veth peer name eth0 netns "$CTL_SRV_NS" ||
	bail_out "cannot create the veth pair"
# Duplicate address detection stays on: its probes and everything
# neighbour discovery sends come from the namespace's control socket.
ip -n "$CTL_NS" addr add 2001:db8:99::1/64 dev eth0
ip -n "$CTL_NS" addr add 2001:db8:77::1/64 dev eth0
ip -n "$CTL_SRV_NS" addr add 2001:db8:99::2/64 dev eth0
ip -n "$CTL_SRV_NS" addr add 2001:db8:77::2/64 dev eth0
ip -n "$CTL_NS" link set eth0 up
ip -n "$CTL_SRV_NS" link set eth0 up
start_daemon "$CTL_SRV_NS" tcp-listen :: "$TCP_PORT" --pidfile "$TMPDIR_TEST/ctl.pid"

tentative_gone()
{
	! ip -n "$1" -6 addr show dev eth0 | grep -q tentative
}
busywait 10000 tentative_gone "$CTL_NS" && busywait 10000 tentative_gone "$CTL_SRV_NS" ||
	bail_out "duplicate address detection did not finish"

LAST_PROBE=$(cg_exec "$CG" ip netns exec "$CTL_NS" "$PROBE" tcp-connect \
	2001:db8:99::2 "$TCP_PORT" --timeout-ms 5000 2>&1)
check_eq "own netns: TCP to allowed 2001:db8:99::2 connects (neighbour discovery works)" \
	ok "$(kv_get result "$LAST_PROBE")"
LAST_PROBE=$(cg_exec "$CG" ip netns exec "$CTL_NS" "$PROBE" udp-send \
	2001:db8:77::2 "$UDP_PORT" 1 100 2>&1)
check_eq "own netns: a socket of the cgroup is still judged (UDP to 2001:db8:77::2 denied)" \
	"sent=0 failed=1 first_errno=EPERM" "$LAST_PROBE"
LAST_PROBE=$(ip netns exec "$CTL_SRV_NS" "$PROBE" tcp-connect 2001:db8:77::1 9 \
	--timeout-ms 3000 2>&1)
check_eq "own netns: its control socket still answers a closed port with a reset" \
	ECONNREFUSED "$(kv_get result "$LAST_PROBE")"

tap_done
