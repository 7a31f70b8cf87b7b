#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the nf_egress selftests.  Source it from a test:
#
#	source "$(dirname "$0")/lib.sh"
#
# Provides: TAP 13 output with a result counter, skip handling (exit 4),
# a cleanup registry (processes, netns, cgroups, policies, temp dir), netns
# and veth topology helpers, cgroup v2 helpers and an egressctl wrapper.
#
# The tests find egressctl on PATH and load the module with modprobe, as on
# a host where both are installed (make check stages the tree's builds so).
# Environment:
#	NF_EGRESS_SRC	repository root, for the few tests that read its files
#			(default: parent of this directory)
#	EGRESSCTL	the CLI (default: egressctl on PATH)
# Development knobs (never set by the runner):
#	NF_EGRESS_PROC	directory of the proc files (default /proc/net/nf_egress)
#	NF_EGRESS_VERBOSE=1  echo every egressctl call as a TAP diagnostic
#	NF_EGRESS_VALGRIND=1 run every egressctl of the test under valgrind
#			memcheck (tools/egressctl/tests/egressctl-vg); logs
#			in NF_EGRESS_VG_DIR
#			(valgrind.sh sets both and judges the logs)

ksft_skip=4

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NF_EGRESS_SRC=${NF_EGRESS_SRC:-$(cd "$LIB_DIR/.." && pwd)}
EGRESSCTL=${EGRESSCTL:-$(command -v egressctl)}
# Tests call "$EGRESSCTL" directly too, so the wrapper replaces the variable.
if [ "${NF_EGRESS_VALGRIND:-0}" = 1 ] && [ "$(basename "$EGRESSCTL")" != egressctl-vg ]; then
	export NF_EGRESS_VG_REAL=$EGRESSCTL
	export NF_EGRESS_VG_DIR=${NF_EGRESS_VG_DIR:-$(mktemp -d /tmp/nf_egress-vg.XXXXXX)}
	EGRESSCTL=$NF_EGRESS_SRC/tools/egressctl/tests/egressctl-vg
fi
NF_EGRESS_PROC=${NF_EGRESS_PROC:-/proc/net/nf_egress}
PROBE=${PROBE:-$LIB_DIR/egress_probe}
CGROUP_ROOT=${CGROUP_ROOT:-/sys/fs/cgroup}
export LC_ALL=C

# Port numbers used by the servers of setup_server_topology.
TCP_PORT=5201
UDP_PORT=5202

# ---------------------------------------------------------------- TAP ----

TAP_PLANNED=0
TAP_NUM=0
TAP_FAILED=0
TAP_HEADER=0

tap_header()
{
	if [ "$TAP_HEADER" = 0 ]; then
		echo "TAP version 13"
		TAP_HEADER=1
	fi
}

# tap_plan N: print the header and the plan.
tap_plan()
{
	tap_header
	TAP_PLANNED=$1
	echo "1..$1"
}

diag()
{
	local line

	while IFS= read -r line; do
		echo "# $line"
	done <<< "$*"
}

# diag_file FILE: every line of FILE as a diagnostic.
diag_file()
{
	local line

	[ -f "$1" ] || return 0
	while IFS= read -r line; do
		echo "#   $line"
	done < "$1"
}

tap_ok()
{
	TAP_NUM=$((TAP_NUM + 1))
	echo "ok $TAP_NUM - $*"
}

tap_fail()
{
	TAP_NUM=$((TAP_NUM + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_NUM - $*"
}

tap_skip()
{
	local desc=$1 reason=$2

	TAP_NUM=$((TAP_NUM + 1))
	echo "ok $TAP_NUM - $desc # SKIP $reason"
}

# tap_result RC DESC [DIAG...]: ok if RC is 0, else not ok with diagnostics.
tap_result()
{
	local rc=$1 desc=$2

	shift 2
	if [ "$rc" -eq 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		[ $# -gt 0 ] && diag "$@"
	fi
	return "$rc"
}

# check_eq DESC EXPECTED ACTUAL
check_eq()
{
	if [ "$2" == "$3" ]; then
		tap_ok "$1"
	else
		tap_fail "$1"
		diag "expected: '$2'" "actual:   '$3'"
		return 1
	fi
}

# skip_all REASON: skip the whole test (before or after the plan).
skip_all()
{
	tap_header
	if [ "$TAP_PLANNED" = 0 ] && [ "$TAP_NUM" = 0 ]; then
		echo "1..0 # SKIP $*"
	else
		echo "# SKIP $*"
	fi
	TAP_EXIT=$ksft_skip
	exit $ksft_skip
}

# bail_out REASON: setup failure; the remaining tests are not run.
bail_out()
{
	tap_header
	echo "Bail out! $*"
	TAP_EXIT=1
	exit 1
}

# tap_done: exit with the result of the test (the EXIT trap still runs).
tap_done()
{
	if [ "$TAP_NUM" -ne "$TAP_PLANNED" ]; then
		diag "planned $TAP_PLANNED tests but ran $TAP_NUM"
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	if [ "$TAP_FAILED" -eq 0 ]; then
		diag "PASS: $TAP_NUM tests"
		TAP_EXIT=0
	else
		diag "FAIL: $TAP_FAILED of $TAP_NUM tests failed"
		TAP_EXIT=1
	fi
	exit "$TAP_EXIT"
}

# --------------------------------------------------------- requirements --

require_root()
{
	[ "$(id -u)" -eq 0 ] || skip_all "must be run as root"
}

require_cmd()
{
	local cmd

	for cmd in "$@"; do
		command -v "$cmd" > /dev/null 2>&1 ||
			skip_all "'$cmd' is not installed"
	done
}

require_cgroup2()
{
	if ! [ -f "$CGROUP_ROOT/cgroup.procs" ] ||
		! [ -f "$CGROUP_ROOT/cgroup.subtree_control" ]; then
		skip_all "cgroup v2 is not mounted at $CGROUP_ROOT"
	fi
}

require_probe()
{
	[ -x "$PROBE" ] || skip_all "$PROBE is not built (make -C selftests)"
}

require_egressctl()
{
	[ -n "$EGRESSCTL" ] || bail_out "egressctl is not on PATH"
	[ -x "$EGRESSCTL" ] || bail_out "egressctl not found at $EGRESSCTL"
}

module_loaded()
{
	[ -d /sys/module/nf_egress ]
}

# require_module: the module is loaded, or modprobe loads it; a kernel
# without it cannot run the test at all.
require_module()
{
	module_loaded && return 0
	modprobe nf_egress || exit $ksft_skip
}

# debug_kernel: true on a kernel built with the checkers of make check-debug
# (kmemleak, KASAN, lockdep, ...), where everything runs several times
# slower.  Tests may then lower what they demand of speed (how many rounds
# fit in a time), never what they demand of correctness.
debug_kernel()
{
	[ -e /sys/kernel/debug/kmemleak ]
}

# require_common: what almost every test needs.
require_common()
{
	require_root
	require_cmd ip python3 timeout
	require_cgroup2
	require_probe
	require_egressctl
	require_module
}

# ----------------------------------------------------- cleanup registry --

CLEANUP_PIDS=()
CLEANUP_NETNS=()
CLEANUP_CGROUPS=()
CLEANUP_POLICIES=()
CLEANUP_HOOKS=()
TMPDIR_TEST=$(mktemp -d /tmp/nf_egress_test.XXXXXX) || exit 1

# lib_cleanup: undo everything registered, in reverse order of kind:
# hooks, processes, policies, netns, cgroups, temp dir.  Idempotent.
lib_cleanup()
{
	local i pid ns pids

	for ((i = ${#CLEANUP_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUP_HOOKS[i]}" > /dev/null 2>&1
	done
	CLEANUP_HOOKS=()

	for pid in "${CLEANUP_PIDS[@]}"; do
		kill "$pid" 2> /dev/null
	done
	for pid in "${CLEANUP_PIDS[@]}"; do
		wait_pid_gone "$pid" 50 || kill -9 "$pid" 2> /dev/null
	done
	CLEANUP_PIDS=()

	for i in "${CLEANUP_POLICIES[@]}"; do
		"$EGRESSCTL" policy del "$i" > /dev/null 2>&1
	done
	CLEANUP_POLICIES=()

	for ns in "${CLEANUP_NETNS[@]}"; do
		pids=$(ip netns pids "$ns" 2> /dev/null)
		# shellcheck disable=SC2086 # word splitting of the pid list
		[ -n "$pids" ] && kill -9 $pids 2> /dev/null
		ip netns del "$ns" 2> /dev/null
	done
	CLEANUP_NETNS=()

	for ((i = ${#CLEANUP_CGROUPS[@]} - 1; i >= 0; i--)); do
		cg_destroy "${CLEANUP_CGROUPS[i]}"
	done
	CLEANUP_CGROUPS=()

	[ -n "$TMPDIR_TEST" ] && rm -rf "$TMPDIR_TEST"
	TMPDIR_TEST=
}

# A test that does not define its own cleanup() gets this one.
cleanup()
{
	lib_cleanup
}

# Make the EXIT trap run on SIGTERM/SIGINT too (e.g. a runner timeout).
trap 'exit 143' TERM
trap 'exit 130' INT

on_cleanup()
{
	CLEANUP_HOOKS+=("$*")
}

register_pid()
{
	CLEANUP_PIDS+=("$1")
}

# pid_alive PID: running and not a zombie (daemons are reparented to an
# init that may not reap them at once).
pid_alive()
{
	local stat

	stat=$(cat "/proc/$1/stat" 2> /dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# wait_pid_gone PID TRIES: poll (TRIES x 0.1 s) until PID has exited.
wait_pid_gone()
{
	local i

	for ((i = 0; i < $2; i++)); do
		pid_alive "$1" || return 0
		sleep 0.1
	done
	return 1
}

# busywait TIMEOUT_MS CMD...: run CMD until it succeeds or time runs out.
busywait()
{
	local timeout_ms=$1 start now

	shift
	start=$(date +%s%3N)
	while :; do
		"$@" && return 0
		now=$(date +%s%3N)
		((now - start > timeout_ms)) && return 1
		sleep 0.05
	done
}

# ------------------------------------------------------------- netns -----

# ns_create VAR TAG: create a netns with a unique name, store it in VAR.
ns_create()
{
	local var=$1 name

	name="nfe-$2-$$-$RANDOM"
	ip netns add "$name" || bail_out "ip netns add $name failed"
	CLEANUP_NETNS+=("$name")
	ip -n "$name" link set lo up
	ip netns exec "$name" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 2> /dev/null
	printf -v "$var" '%s' "$name"
}

# A short unique interface name (IFNAMSIZ is 16).
ifname_unique()
{
	printf 'nfe%x%d' "$$" "$((RANDOM % 100000))"
}

# dummy_up ADDR/LEN: a dummy device in the current netns with that address,
# up, deleted at cleanup; its name in DEV.  Datagrams to the rest of the
# prefix leave through it (and are dropped there).
dummy_up()
{
	DEV=$(ifname_unique)
	ip link add "$DEV" type dummy || bail_out "cannot create the dummy device $DEV"
	on_cleanup "ip link del $DEV"
	ip addr add "$1" dev "$DEV" || bail_out "cannot address $DEV"
	ip link set "$DEV" up || bail_out "cannot bring $DEV up"
}

# link_is_up NS DEV: is the device's operstate up?  NS "" = current netns.
link_is_up()
{
	local ipc=(ip)

	[ -n "$1" ] && ipc=(ip -n "$1")
	[[ "$("${ipc[@]}" -o link show dev "$2" 2> /dev/null)" == *"state UP"* ]]
}

link_wait_up()
{
	busywait 5000 link_is_up "$1" "$2" || bail_out "link $2 in '${1:-root}' did not come up"
}

# setup_measured_link TAG SRV_ADDR [SRV6_ADDR]: two new netns, CLI_NS and
# SRV_NS, joined by a veth (veth0 in CLI_NS at 10.99.0.1/24, eth0 in SRV_NS
# at SRV_ADDR/24) that carries nothing but the test's own IPv4 packets:
# IPv6 is off (no NDP or MLD) and both neighbour entries are static (no
# ARP), so the veth's counters can be compared with nf_egress's exactly.
# The backlog is raised so the receiving side does not drop what the
# sender's veth counted.
# With SRV6_ADDR, IPv6 stays on instead, for IPv6 traffic too: veth0 has
# 2001:db8:99::1/64 and eth0 SRV6_ADDR/64, with static neighbour entries
# and no router solicitations (MLD reports still go out as the link comes
# up).  Sets CLI_NS, SRV_NS and DEV.
setup_measured_link()
{
	local tag=$1 srv=$2 srv6=${3:-} ns cmac smac old_backlog

	ns_create CLI_NS "${tag}cli"
	ns_create SRV_NS "${tag}srv"
	for ns in "$CLI_NS" "$SRV_NS"; do
		if [ -n "$srv6" ]; then
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 \
				net.ipv6.conf.default.router_solicitations=0 ||
				bail_out "cannot turn router solicitations off in $ns"
		else
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 || bail_out "cannot disable IPv6 in $ns"
		fi
	done
	DEV=veth0
	ip -n "$CLI_NS" link add "$DEV" type veth peer name eth0 netns "$SRV_NS" ||
		bail_out "cannot create the veth pair"
	ip -n "$CLI_NS" addr add 10.99.0.1/24 dev "$DEV" || bail_out "client address"
	ip -n "$SRV_NS" addr add "$srv/24" dev eth0 || bail_out "server address"
	ip -n "$CLI_NS" link set "$DEV" up
	ip -n "$SRV_NS" link set eth0 up
	link_wait_up "$CLI_NS" "$DEV"
	link_wait_up "$SRV_NS" eth0
	cmac=$(ip netns exec "$CLI_NS" cat "/sys/class/net/$DEV/address")
	smac=$(ip netns exec "$SRV_NS" cat /sys/class/net/eth0/address)
	ip -n "$CLI_NS" neigh replace "$srv" lladdr "$smac" dev "$DEV" nud permanent ||
		bail_out "client neighbour entry"
	ip -n "$SRV_NS" neigh replace 10.99.0.1 lladdr "$cmac" dev eth0 nud permanent ||
		bail_out "server neighbour entry"
	if [ -n "$srv6" ]; then
		ip -n "$CLI_NS" addr add 2001:db8:99::1/64 dev "$DEV" nodad &&
			ip -n "$SRV_NS" addr add "$srv6/64" dev eth0 nodad &&
			ip -n "$CLI_NS" neigh replace "$srv6" lladdr "$smac" dev "$DEV" nud permanent &&
			ip -n "$SRV_NS" neigh replace 2001:db8:99::1 lladdr "$cmac" dev eth0 nud permanent ||
			bail_out "IPv6 addresses and neighbour entries"
	fi
	old_backlog=$(sysctl -n net.core.netdev_max_backlog)
	if [ "$old_backlog" -lt 100000 ]; then
		sysctl -qw net.core.netdev_max_backlog=100000 &&
			on_cleanup "sysctl -qw net.core.netdev_max_backlog=$old_backlog"
	fi
}

# Remove links named nfe* left by an earlier, killed run that hold our
# addresses in the root netns.
remove_stale_links()
{
	local dev

	for dev in $(ip -o addr show to 10.99.0.0/16 2> /dev/null | awk '{ print $2 }' | sort -u); do
		case "$dev" in
		nfe*) ip link del "${dev%@*}" 2> /dev/null ;;
		esac
	done
}

# Addresses of the server topology (used by the tests that source this).
# shellcheck disable=SC2034
#   server (allowed)  10.99.0.2/24   2001:db8:99::2/64
#   server (denied)   10.99.1.2/24   2001:db8:98::2/64
#   client side       10.99.0.1/24   10.99.1.1/24  2001:db8:99::1/64  2001:db8:98::1/64
SRV4_ALLOW=10.99.0.2
SRV4_DENY=10.99.1.2
SRV6_ALLOW=2001:db8:99::2
SRV6_DENY=2001:db8:98::2
# shellcheck disable=SC2034
NET4_ALLOW=10.99.0.0/24
# shellcheck disable=SC2034
NET6_ALLOW=2001:db8:99::/64

# setup_server_topology [CLIENT_NS]
#
# Creates the server netns (name in $SRV_NS) and a veth pair to the client
# side: the root netns if CLIENT_NS is empty, else CLIENT_NS.  Starts a TCP
# listener on port $TCP_PORT and a UDP sink on port $UDP_PORT (both dual
# stack, all addresses) in the server netns.  The UDP sink's counters are in
# $UDP_STATFILE.  Waits until all four server addresses answer from the
# caller's cgroup.
setup_server_topology()
{
	local cns=${1:-} cdev sip=(ip) a

	ns_create SRV_NS srv
	cdev=$(ifname_unique)
	[ -z "$cns" ] && remove_stale_links
	[ -n "$cns" ] && sip=(ip -n "$cns")
	"${sip[@]}" link add "$cdev" type veth peer name eth0 netns "$SRV_NS" ||
		bail_out "cannot create veth pair"
	# shellcheck disable=SC2034 # for the tests' diagnostics
	CLIENT_DEV=$cdev
	CLIENT_NS=$cns
	for a in 10.99.0.1/24 10.99.1.1/24; do
		"${sip[@]}" addr add "$a" dev "$cdev" || bail_out "addr add $a"
	done
	for a in 2001:db8:99::1/64 2001:db8:98::1/64; do
		"${sip[@]}" addr add "$a" dev "$cdev" nodad || bail_out "addr add $a"
	done
	for a in 10.99.0.2/24 10.99.1.2/24; do
		ip -n "$SRV_NS" addr add "$a" dev eth0 || bail_out "addr add $a"
	done
	for a in 2001:db8:99::2/64 2001:db8:98::2/64; do
		ip -n "$SRV_NS" addr add "$a" dev eth0 nodad || bail_out "addr add $a"
	done
	"${sip[@]}" link set "$cdev" up
	ip -n "$SRV_NS" link set eth0 up
	link_wait_up "$cns" "$cdev"
	link_wait_up "$SRV_NS" eth0

	start_daemon "$SRV_NS" tcp-listen :: "$TCP_PORT" --pidfile "$TMPDIR_TEST/tcp.pid"
	UDP_STATFILE=$TMPDIR_TEST/udp.stat
	start_daemon "$SRV_NS" udp-recv :: "$UDP_PORT" --pidfile "$TMPDIR_TEST/udp.pid" \
		--statfile "$UDP_STATFILE"

	for a in "$SRV4_ALLOW" "$SRV4_DENY" "$SRV6_ALLOW" "$SRV6_DENY"; do
		busywait 10000 client_exec "" "$PROBE" tcp-connect "$a" "$TCP_PORT" \
			--timeout-ms 1000 > /dev/null ||
			bail_out "server address $a is not reachable"
	done
}

# start_daemon NS PROBE-ARGS... --pidfile FILE ...: run a backgrounding
# egress_probe subcommand in NS and register its pid.
start_daemon()
{
	local ns=$1 pidfile

	shift
	pidfile=$(printf '%s\n' "$@" | grep -A1 -x -- --pidfile | tail -n1)
	ip netns exec "$ns" "$PROBE" "$@" || bail_out "egress_probe $1 failed to start in $ns"
	register_pid "$(cat "$pidfile")"
}

# iperf_server NS PORT: one iperf3 server in NS for one client (-1),
# listening on PORT of every address when this returns.
iperf_server()
{
	local ns=$1 port=$2 pidf=$TMPDIR_TEST/iperf3-$2.pid

	ip netns exec "$ns" iperf3 -s -1 -p "$port" -D -I "$pidf" \
		--logfile "$TMPDIR_TEST/iperf3-server-$port.log" ||
		bail_out "iperf3 -s -p $port failed to start"
	busywait 10000 test -s "$pidf" || bail_out "iperf3 -s -p $port wrote no pid file"
	register_pid "$(cat "$pidf")"
	busywait 10000 tcp_listening "$ns" "$port" ||
		bail_out "iperf3 -s does not listen on port $port"
}

# veth_iperf CG CLI_NS DEV SRV_NS DST PORT SECS LOG: iperf3 -c DST -p PORT
# for SECS seconds from cgroup CG in CLI_NS (output in LOG), with DEV's
# transmit counters read before and after, once the server in SRV_NS has
# closed (so our last ACK is out).  Sets TX_PKTS, IP_BYTES (tx_bytes less
# the 14-byte Ethernet header of each frame) and TX_DROPPED; returns
# iperf3's exit status.
veth_iperf()
{
	local cg=$1 ns=$2 dev=$3 srv_ns=$4 dst=$5 port=$6 secs=$7 log=$8
	local p0 b0 d0 rc=0

	p0=$(netdev_stat "$ns" "$dev" tx_packets)
	b0=$(netdev_stat "$ns" "$dev" tx_bytes)
	d0=$(netdev_stat "$ns" "$dev" tx_dropped)
	cg_exec "$cg" ip netns exec "$ns" timeout 60 iperf3 -c "$dst" -p "$port" -t "$secs" \
		> "$log" 2>&1 || rc=$?
	busywait 10000 sh -c "! ip netns exec '$srv_ns' ss -Htan 'sport = :$port' | grep -q ." ||
		diag "the server's sockets on port $port are still open"
	TX_PKTS=$(($(netdev_stat "$ns" "$dev" tx_packets) - p0))
	IP_BYTES=$(($(netdev_stat "$ns" "$dev" tx_bytes) - b0 - 14 * TX_PKTS))
	TX_DROPPED=$(($(netdev_stat "$ns" "$dev" tx_dropped) - d0))
	return "$rc"
}

# tcp_listening NS PORT: some socket in NS listens on TCP port PORT.
tcp_listening()
{
	[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2" 2> /dev/null)" ]
}

# udp_received: the number of datagrams the UDP sink has received.
udp_received()
{
	sed -n 's/^received=\([0-9]*\) .*/\1/p' "$UDP_STATFILE"
}

udp_received_is()
{
	[ "$(udp_received)" = "$1" ]
}

# ------------------------------------------------------------- cgroups ---

# cg_path NAME -> /sys/fs/cgroup/NAME (NAME may be nested: a/b)
cg_path()
{
	echo "$CGROUP_ROOT/${1#/}"
}

# cg_destroy NAME: kill what is left in the cgroup subtree, remove it.
cg_destroy()
{
	local dir sub

	dir=$(cg_path "$1")
	[ -d "$dir" ] || return 0
	for sub in "$dir"/*/; do
		[ -d "$sub" ] && cg_destroy "${1%/}/$(basename "$sub")"
	done
	if [ -s "$dir/cgroup.procs" ]; then
		if [ -f "$dir/cgroup.kill" ]; then
			echo 1 > "$dir/cgroup.kill"
		else
			xargs -r kill -9 < "$dir/cgroup.procs"
		fi
		busywait 5000 cg_is_empty "$1"
	fi
	rmdir "$dir" 2> /dev/null || busywait 2000 rmdir "$dir" 2> /dev/null
}

cg_is_empty()
{
	! [ -s "$(cg_path "$1")/cgroup.procs" ]
}

# cg_create NAME: create (after removing a stale one) and register it.
cg_create()
{
	local dir

	dir=$(cg_path "$1")
	cg_destroy "$1"
	mkdir -p "$dir" || bail_out "cannot create cgroup $dir"
	CLEANUP_CGROUPS+=("$1")
}

# cg_exec NAME CMD...: run CMD inside cgroup NAME ("" = the caller's).
cg_exec()
{
	local dir

	if [ -z "$1" ]; then
		shift
		"$@"
		return
	fi
	dir=$(cg_path "$1")
	shift
	bash -c 'echo $$ > "$1/cgroup.procs" || exit 125; shift; exec "$@"' \
		cg_exec "$dir" "$@"
}

# client_exec CGROUP CMD...: run CMD in CGROUP and in the client netns of
# setup_server_topology (the root netns if there is none).
client_exec()
{
	local cg=$1

	shift
	if [ -n "${CLIENT_NS:-}" ]; then
		cg_exec "$cg" ip netns exec "$CLIENT_NS" "$@"
	else
		cg_exec "$cg" "$@"
	fi
}

# The cgroup v2 path of the current process, e.g. "/".
my_cgroup()
{
	sed -n 's/^0:://p' /proc/self/cgroup
}

# ------------------------------------------------------------- probes ----

# tcp_probe CGROUP ADDR [TIMEOUT_MS]: one connect() from CGROUP.  Sets
# TCP_RESULT (ok, ECONNREFUSED, ...), TCP_US (elapsed microseconds) and
# LAST_PROBE (the full output line).  Do not call it in $(...).
tcp_probe()
{
	tcp_probe_port "$1" "$2" "$TCP_PORT" "${3:-3000}"
}

# tcp_probe_port CGROUP ADDR PORT [TIMEOUT_MS]: tcp_probe to another port.
tcp_probe_port()
{
	local r

	LAST_PROBE=$(client_exec "$1" "$PROBE" tcp-connect "$2" "$3" \
		--timeout-ms "${4:-3000}" 2>&1)
	r=${LAST_PROBE#result=}
	TCP_RESULT=${r%% *}
	r=${LAST_PROBE##*elapsed_us=}
	# shellcheck disable=SC2034 # read by the tests
	TCP_US=${r%%[!0-9]*}
}

# check_tcp DESC CGROUP ADDR EXPECTED: one connect() must give EXPECTED.
check_tcp()
{
	tcp_probe "$2" "$3"
	if [ "$TCP_RESULT" = "$4" ]; then
		tap_ok "$1"
	else
		tap_fail "$1"
		diag "expected result=$4, got: $LAST_PROBE"
		return 1
	fi
}

# udp_send CGROUP ADDR COUNT SIZE: prints "sent=N failed=N first_errno=X"
udp_send()
{
	client_exec "$1" "$PROBE" udp-send "$2" "$UDP_PORT" "$3" "$4" 2>&1
}

# check_udp DESC CGROUP ADDR COUNT SIZE EXPECTED-LINE
check_udp()
{
	local got

	got=$(udp_send "$2" "$3" "$4" "$5")
	check_eq "$1" "$6" "$got"
}

# hold CGROUP ADDR PORT COUNT TAG [ARGS...]: open COUNT connections from
# CGROUP in the background and keep them until release TAG; the result
# line is in $TMPDIR_TEST/TAG.out once they are open.
hold()
{
	local cg=$1 addr=$2 port=$3 count=$4 tag=$5

	shift 5
	rm -f "$TMPDIR_TEST/$tag.release" "$TMPDIR_TEST/$tag.out"
	client_exec "$cg" "$PROBE" tcp-many "$addr" "$port" "$count" \
		--hold-file "$TMPDIR_TEST/$tag.release" "$@" \
		> "$TMPDIR_TEST/$tag.out" 2>&1 &
	register_pid $!
	busywait 20000 grep -q ok= "$TMPDIR_TEST/$tag.out" ||
		bail_out "tcp-many $tag did not finish connecting"
}

release()
{
	touch "$TMPDIR_TEST/$1.release"
}

held()
{
	cat "$TMPDIR_TEST/$1.out"
}

# many CGROUP ADDR PORT COUNT [ARGS...]: tcp-many that closes at once.
many()
{
	local cg=$1 addr=$2 port=$3 count=$4

	shift 4
	client_exec "$cg" "$PROBE" tcp-many "$addr" "$port" "$count" "$@" 2>&1
}

# field LINE KEY: the value of KEY=V in LINE (a probe's result line).
field()
{
	sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" <<< "$1"
}

# ----------------------------------------------------------- egressctl ---

# ectl ARGS...: run egressctl; stdout to stdout, stderr to $ECTL_ERR.
ECTL_ERR=$TMPDIR_TEST/egressctl.err
ectl()
{
	local rc

	"$EGRESSCTL" "$@" 2> "$ECTL_ERR"
	rc=$?
	if [ "${NF_EGRESS_VERBOSE:-0}" = 1 ] || { [ $rc -ne 0 ] && [ "${ECTL_QUIET:-0}" != 1 ]; }; then
		echo "# egressctl $* -> rc=$rc $(head -c 300 "$ECTL_ERR")" >&2
	fi
	return $rc
}

# ectl_must ARGS...: egressctl that must succeed (setup step).
ectl_must()
{
	ectl "$@" > /dev/null || bail_out "egressctl $* failed: $(cat "$ECTL_ERR")"
}

# policy_add PATH [default allow|deny]: add and register for cleanup.
policy_add()
{
	ECTL_QUIET=1 ectl policy del "$1" > /dev/null
	ectl_must policy add "$@"
	CLEANUP_POLICIES+=("$1")
}

# stats_json PATH: "ap ab dp db" (allowed packets/bytes, denied packets/bytes)
# from `egressctl -j stats` (ARGS...), or "absent" / "error".
stats_json()
{
	local path=$1 json

	shift
	json=$(ectl -j stats "$@") || { echo error; return 1; }
	python3 -c '
import json, sys
path = sys.argv[1]
try:
    data = json.loads(sys.stdin.read())
    for p in data:
        if p["cgroup"] == path:
            print(p["allowed"]["packets"], p["allowed"]["bytes"],
                  p["denied"]["packets"], p["denied"]["bytes"])
            sys.exit(0)
except (ValueError, KeyError, TypeError) as e:
    print("error", e); sys.exit(1)
print("absent")
' "$path" <<< "$json"
}

# stats_proc PATH: "ap ab dp db" from $NF_EGRESS_PROC/stats (header line,
# then "CGROUP ALLOWED_PKTS ALLOWED_BYTES DENIED_PKTS DENIED_BYTES" lines),
# or "absent".
stats_proc()
{
	[ -r "$NF_EGRESS_PROC/stats" ] || { echo "missing $NF_EGRESS_PROC/stats"; return 1; }
	awk -v p="$1" 'NR > 1 && $1 == p { print $2, $3, $4, $5; found = 1; exit }
		END { if (!found) print "absent" }' "$NF_EGRESS_PROC/stats"
}

# proc_shaping PATH: "shaped_packets shaped_bytes queue_packets
# max_delay_ns" of PATH in $NF_EGRESS_PROC/stats, or "absent".
proc_shaping()
{
	awk -v p="$1" 'NR > 1 && $1 == p { print $10, $11, $12, $13; found = 1; exit }
		END { if (!found) print "absent" }' "$NF_EGRESS_PROC/stats"
}

# ------------------------------------------------------------ policy engine --

# check_tcp_port DESC CGROUP ADDR PORT EXPECTED
check_tcp_port()
{
	tcp_probe_port "$2" "$3" "$4"
	if [ "$TCP_RESULT" = "$5" ]; then
		tap_ok "$1"
	else
		tap_fail "$1"
		diag "expected result=$5, got: $LAST_PROBE"
		return 1
	fi
}

# udp_send_port CGROUP ADDR PORT COUNT SIZE: like udp_send, to PORT.
udp_send_port()
{
	client_exec "$1" "$PROBE" udp-send "$2" "$3" "$4" "$5" 2>&1
}

# server_add_net CLIENT_CIDR SERVER_CIDR: one more address on each side of
# the veth of setup_server_topology (e.g. 192.0.2.1/24 192.0.2.2/24).
server_add_net()
{
	local sip=(ip) nodad=()

	[ -n "${CLIENT_NS:-}" ] && sip=(ip -n "$CLIENT_NS")
	[[ "$1" == *:* ]] && nodad=(nodad)
	"${sip[@]}" addr add "$1" dev "$CLIENT_DEV" "${nodad[@]}" ||
		bail_out "client addr add $1 failed"
	server_add_addr "$2"
}

# server_add_addr CIDR: one more address on the server side only (in a
# subnet the client already has).
server_add_addr()
{
	local nodad=()

	[[ "$1" == *:* ]] && nodad=(nodad)
	ip -n "$SRV_NS" addr add "$1" dev eth0 "${nodad[@]}" || bail_out "server addr add $1 failed"
}

# start_tcp_listener PORT: one more TCP listener (all addresses) on the server.
start_tcp_listener()
{
	start_daemon "$SRV_NS" tcp-listen :: "$1" --pidfile "$TMPDIR_TEST/tcp-$1.pid"
}

# start_udp_sink ADDR PORT STATFILE: a UDP receiver on the server bound to
# ADDR ("::" = every address) that counts into STATFILE.
start_udp_sink()
{
	start_daemon "$SRV_NS" udp-recv "$1" "$2" \
		--pidfile "$TMPDIR_TEST/udp-$RANDOM-$2.pid" --statfile "$3"
}

# start_udp_unread_sink PORT: a UDP socket on the server (all IPv4
# addresses) that is bound and never reads: datagrams to it are not answered
# with ICMP, and it costs the guest's CPUs nothing.  Sets UDP_SINK_PID (the
# process runs in $SRV_NS).
start_udp_unread_sink()
{
	local ready=$TMPDIR_TEST/sink-$1.ready

	ip netns exec "$SRV_NS" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2], "w").write("ready\n")
while True:
    time.sleep(3600)
' "$1" "$ready" > /dev/null 2>&1 &
	# ip netns exec execs python3: the same process
	UDP_SINK_PID=$!
	register_pid $UDP_SINK_PID
	busywait 10000 test -s "$ready" || bail_out "the UDP sink did not start"
}

# udp_count STATFILE: datagrams counted by that sink.
udp_count()
{
	sed -n 's/^received=\([0-9]*\) .*/\1/p' "$1"
}

udp_count_is()
{
	[ "$(udp_count "$1")" = "$2" ]
}

# udp_count_gt STATFILE N: the sink has counted more than N datagrams.
udp_count_gt()
{
	local c

	c=$(udp_count "$1")
	[ -n "$c" ] && [ "$c" -gt "$2" ]
}

# wait_tcp_reachable ADDR PORT: bail out unless ADDR:PORT accepts a
# connection from the test's own cgroup within 10 s.  Every TCP target of a
# test must pass this before a policy is added: a refused connection is
# ECONNREFUSED both for a denied packet and a missing listener.
wait_tcp_reachable()
{
	busywait 10000 client_exec "" "$PROBE" tcp-connect "$1" "$2" \
		--timeout-ms 1000 > /dev/null ||
		bail_out "server address $1 port $2 is not reachable"
}

# monitor_select EXPR OUT [ARG...]: the Python expression OUT (str() of it)
# for each event of `egressctl -j monitor`'s output in $MON (e, one JSON
# object a line) that satisfies EXPR, one a line, in order (the ARGs are
# a[0], a[1]...).
monitor_select()
{
	python3 -c '
import json, sys
a = sys.argv[4:]
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if eval(sys.argv[2]):
        print(eval(sys.argv[3]))
' "$MON" "$@"
}

# monitor_count EXPR [ARG...]: how many events in $MON satisfy EXPR.
monitor_count()
{
	monitor_select "$1" 1 "${@:2}" | wc -l
}

# monitor_has EXPR [ARG...]: some event in $MON satisfies EXPR.
monitor_has()
{
	[ "$(monitor_count "$@")" -gt 0 ]
}

# json_eval EXPR [ARG...]: evaluate the Python expression EXPR with d = the
# JSON document on stdin and a = the ARGs; print the result (str() of it;
# lists and tuples space-separated).  Prints "error: ..." on bad JSON.
json_eval()
{
	python3 -c '
import json, sys
expr, a = sys.argv[1], sys.argv[2:]
try:
    d = json.loads(sys.stdin.read())
    r = eval(expr)
except Exception as e:
    print("error:", type(e).__name__, e)
    sys.exit(1)
if isinstance(r, (list, tuple)):
    print(*r)
else:
    print(r)
' "$@"
}

# stats_full PATH: "ap ab dp db wp wb mode" from `egressctl -j stats PATH`
# (allowed, denied and would_deny packets/bytes, then the mode), or
# "absent" / "error ...".
stats_full()
{
	local json

	json=$(ectl -j stats) || { echo error; return 1; }
	json_eval '(lambda p: "absent" if p is None else " ".join(str(x) for x in (
		p["allowed"]["packets"], p["allowed"]["bytes"],
		p["denied"]["packets"], p["denied"]["bytes"],
		p["would_deny"]["packets"], p["would_deny"]["bytes"], p["mode"])))(
		next((p for p in d if p["cgroup"] == a[0]), None))' "$1" <<< "$json"
}

# apply_config FILE: egressctl apply -f FILE (stdout/stderr as ectl).
# NB: apply replaces the whole policy set, host-wide.
apply_config()
{
	ectl apply -f "$1"
}

# explain CGROUP DST PROTO PORT: "VERDICT LEVELS" from `egressctl -j explain`,
# LEVELS = "cgroup:mode:verdict,..." root first, or "-" when no policy is on
# the path.  PROTO/PORT "-" = not given.  "error ..." if egressctl failed.
explain()
{
	local args=("$1" "$2") json

	[ "$3" != - ] && args+=(proto "$3")
	[ "$4" != - ] && args+=(port "$4")
	json=$(ectl -j explain "${args[@]}") || { echo "error: $(cat "$ECTL_ERR")"; return 1; }
	json_eval 'd["verdict"] + " " + (",".join(
		"%s:%s:%s" % (l["cgroup"], l["mode"], l["verdict"]) for l in d["levels"]) or "-")' \
		<<< "$json"
}

# ping_enable [NS]: let root open ping sockets (SOCK_DGRAM IPPROTO_ICMP) in
# NS (default: the client side); restored at cleanup.
ping_enable()
{
	local ns=${1:-${CLIENT_NS:-}} ipx=() old

	[ -n "$ns" ] && ipx=(ip netns exec "$ns")
	old=$("${ipx[@]}" sysctl -n net.ipv4.ping_group_range | tr -s '\t ' ' ')
	"${ipx[@]}" sysctl -qw net.ipv4.ping_group_range="0 2147483647" ||
		bail_out "cannot set net.ipv4.ping_group_range"
	[ -z "$ns" ] && on_cleanup "sysctl -qw net.ipv4.ping_group_range='$old'"
}

# icmp_probe CGROUP ADDR [TIMEOUT_MS]: one echo request; sets ICMP_RESULT
# (ok, EPERM, ETIMEDOUT...) and LAST_PROBE.  Do not call it in $(...).
icmp_probe()
{
	local r

	LAST_PROBE=$(client_exec "$1" "$PROBE" icmp-echo "$2" --timeout-ms "${3:-2000}" 2>&1)
	r=${LAST_PROBE#result=}
	ICMP_RESULT=${r%% *}
}

# check_icmp DESC CGROUP ADDR EXPECTED
check_icmp()
{
	icmp_probe "$2" "$3"
	if [ "$ICMP_RESULT" = "$4" ]; then
		tap_ok "$1"
	else
		tap_fail "$1"
		diag "expected result=$4, got: $LAST_PROBE"
		return 1
	fi
}

# cg_kill_wait NAME: kill every process of the cgroup (not its children
# cgroups) and wait until it is empty.
cg_kill_wait()
{
	local dir

	dir=$(cg_path "$1")
	if [ -f "$dir/cgroup.kill" ]; then
		echo 1 > "$dir/cgroup.kill"
	else
		xargs -r kill -9 < "$dir/cgroup.procs"
	fi
	busywait 5000 cg_is_empty "$1"
}

# meminfo_kb FIELD: a /proc/meminfo value in kB.
meminfo_kb()
{
	awk -v f="$1:" '$1 == f { print $2; exit }' /proc/meminfo
}

# cg_spawn CGROUP OUTFILE CMD...: start CMD in the background in CGROUP (and
# the client netns, if any), stdout+stderr to OUTFILE.  CMD is exec'ed by
# the shell that joined the cgroup, so SPAWN_PID is CMD's own pid (signals
# reach it).  Registered for cleanup.  stdin is /dev/null unless the caller
# redirects it (SPAWN_STDIN=FILE).
cg_spawn()
{
	local dir pre=()

	dir=$(cg_path "$1")
	[ -n "${CLIENT_NS:-}" ] && pre=(ip netns exec "$CLIENT_NS")
	# shellcheck disable=SC2016 # expanded by the inner bash
	bash -c 'echo $$ > "$1/cgroup.procs" || exit 125; shift; exec "$@"' \
		cg_spawn "$dir" "${pre[@]}" "${@:3}" < "${SPAWN_STDIN:-/dev/null}" > "$2" 2>&1 &
	SPAWN_PID=$!
	register_pid "$SPAWN_PID"
}

# check_icmp_denied DESC CGROUP ADDR: the echo request is dropped.  IPv4:
# the send fails with EPERM.  IPv6: on 6.1, ping_v6_sendmsg() ignores the
# error of icmpv6_push_pending_frames(), so a dropped request looks like a
# lost one: no reply (ETIMEDOUT) is accepted as well as EPERM.
check_icmp_denied()
{
	icmp_probe "$2" "$3"
	if [ "$ICMP_RESULT" = EPERM ] ||
		{ [[ "$3" == *:* ]] && [ "$ICMP_RESULT" = ETIMEDOUT ]; }; then
		tap_ok "$1"
	else
		tap_fail "$1"
		diag "expected result=EPERM (IPv6: or ETIMEDOUT), got: $LAST_PROBE"
		return 1
	fi
}

# --------------------------------------------------------------- accounting --

# Bytes at the IP layer of one UDP datagram of SIZE payload bytes.
udp4_bytes() { echo $(($1 + 28)); }
udp6_bytes() { echo $(($1 + 48)); }

# The header line of $NF_EGRESS_PROC/stats (documented, stable).
# shellcheck disable=SC2034 # used by the tests
PROC_STATS_HEADER="cgroup allowed_packets allowed_bytes denied_packets denied_bytes would_deny_packets would_deny_bytes ratelimited_packets ratelimited_bytes shaped_packets shaped_bytes queue_packets max_delay_ns template connlimit_packets connlimit_bytes conn_active tcp_attempts tcp_established tcp_refused tcp_timed_out tcp_unreachable tcp_reset tcp_syn_retrans tcp_data_retrans"

# acct_snap FILE [STATS-ARGS...]: run `egressctl -j stats [ARGS]` once and
# save it flattened into FILE, one "PATH<TAB>KEY<TAB>VALUE" line per value:
#	mode, reset_time (a number or "null"),
#	{allowed,denied,would_deny,ratelimited}.{packets,bytes},
#	class.NAME.{packets,bytes}, rule.RULETEXT.{packets,bytes,id}
# (RULETEXT is the rule's canonical "rule" text).  A policy listed twice, a
# missing member or a value of the wrong type makes it fail ("error ..." in
# FILE, returns 1).  The raw JSON is kept in FILE.json.
acct_snap()
{
	local file=$1

	shift
	if ! ectl -j stats "$@" > "$file.json"; then
		echo "error egressctl: $(cat "$ECTL_ERR")" > "$file"
		return 1
	fi
	python3 - "$file.json" > "$file" <<'PYEOF'
import json, sys

def num(v):
    if type(v) is not int or v < 0:
        raise ValueError("not a counter: %r" % (v,))
    return v

try:
    d = json.load(open(sys.argv[1]))
    if not isinstance(d, list):
        raise ValueError("not an array")
    seen = set()
    for p in d:
        path = p["cgroup"]
        if path in seen:
            raise ValueError("policy %s listed twice" % path)
        seen.add(path)
        out = [("mode", p["mode"])]
        rt = p["reset_time"]
        out.append(("reset_time", "null" if rt is None else num(rt)))
        for k in ("allowed", "denied", "would_deny", "ratelimited"):
            out.append((k + ".packets", num(p[k]["packets"])))
            out.append((k + ".bytes", num(p[k]["bytes"])))
        for name, c in p["classes"].items():
            out.append(("class.%s.packets" % name, num(c["packets"])))
            out.append(("class.%s.bytes" % name, num(c["bytes"])))
        for r in p["rules"]:
            t = r["rule"]
            if ("rule.%s.id" % t) in dict(out):
                raise ValueError("rule %r listed twice in %s" % (t, path))
            out.append(("rule.%s.id" % t, num(r["id"])))
            out.append(("rule.%s.packets" % t, num(r["packets"])))
            out.append(("rule.%s.bytes" % t, num(r["bytes"])))
        for k, v in out:
            print("%s\t%s\t%s" % (path, k, v))
except Exception as e:
    print("error %s: %s" % (type(e).__name__, e))
    sys.exit(1)
PYEOF
}

# acct_get FILE PATH KEY...: the values of KEYs of policy PATH in a snapshot
# of acct_snap, space-separated; "-" for each one that is not there.
acct_get()
{
	local file=$1 path=$2

	shift 2
	awk -F '\t' -v p="$path" -v keys="$(printf '%s\n' "$@")" '
		$1 == p { v[$2] = $3 }
		END {
			n = split(keys, k, "\n")
			for (i = 1; i <= n; i++)
				printf "%s%s", (i > 1 ? " " : ""), ((k[i] in v) ? v[k[i]] : "-")
			print ""
		}' "$file"
}

# acct_ctr FILE PATH: "ap ab dp db wp wb rp rb" of PATH (allowed, denied,
# would_deny and ratelimited packets and bytes), or "absent", or the
# snapshot's error line.
acct_ctr()
{
	local v

	if grep -q '^error' "$1"; then
		head -n1 "$1"
		return 1
	fi
	v=$(acct_get "$1" "$2" allowed.packets allowed.bytes denied.packets denied.bytes \
		would_deny.packets would_deny.bytes ratelimited.packets ratelimited.bytes)
	[ "$v" = "- - - - - - - -" ] && v=absent
	echo "$v"
}

# acct_class FILE PATH NAME: "packets bytes" of class NAME in PATH; a class
# the kernel does not list counts "0 0".
acct_class()
{
	local v

	v=$(acct_get "$1" "$2" "class.$3.packets" "class.$3.bytes")
	[ "$v" = "- -" ] && v="0 0"
	echo "$v"
}

# acct_classes FILE PATH: "NAME:PACKETS:BYTES ..." of every class of PATH
# with a non-zero count, sorted by name ("-" if none).
acct_classes()
{
	local v

	v=$(awk -F '\t' -v p="$2" '$1 == p && $2 ~ /^class\..*\.packets$/ {
			n = $2; sub(/^class\./, "", n); sub(/\.packets$/, "", n); pk[n] = $3 }
		$1 == p && $2 ~ /^class\..*\.bytes$/ {
			n = $2; sub(/^class\./, "", n); sub(/\.bytes$/, "", n); by[n] = $3 }
		END { for (n in pk) if (pk[n] != 0 || by[n] != 0) print n ":" pk[n] ":" by[n] }' "$1" |
		sort -t: -k1,1 | tr '\n' ' ')
	v=${v% }
	echo "${v:--}"
}

# acct_rule FILE PATH RULETEXT: "packets bytes" of the rule whose canonical
# text is RULETEXT, or "absent".
acct_rule()
{
	local v

	v=$(acct_get "$1" "$2" "rule.$3.packets" "rule.$3.bytes")
	[ "$v" = "- -" ] && v=absent
	echo "$v"
}

# acct_rules FILE PATH: the canonical texts of the rules of PATH, one per
# line, sorted.
acct_rules()
{
	awk -F '\t' -v p="$2" '$1 == p && $2 ~ /^rule\..*\.id$/ {
		t = $2; sub(/^rule\./, "", t); sub(/\.id$/, "", t); print t }' "$1" | sort
}

# acct_proc PATH: the 8 counters of PATH in $NF_EGRESS_PROC/stats (the
# verdict columns after the cgroup; the shaping columns follow them),
# "absent", or an error text.
acct_proc()
{
	[ -r "$NF_EGRESS_PROC/stats" ] || { echo "missing $NF_EGRESS_PROC/stats"; return 1; }
	awk -v p="$1" 'NR > 1 && $1 == p { n++; v = $2 " " $3 " " $4 " " $5 " " $6 " " $7 " " $8 " " $9
			if (NF != 25) v = "bad line (" NF " fields): " $0 }
		END { if (n == 0) print "absent"; else if (n > 1) print "listed " n " times"; else print v }' \
		"$NF_EGRESS_PROC/stats"
}

# metrics_flat FILE PATH: the samples of a Prometheus text exposition (FILE,
# e.g. `egressctl metrics` output) whose label cgroup is PATH, one
# "KEY VALUE" line each, sorted, where KEY is
#	VERDICT.UNIT		(a sample with a verdict label, no class/rule label)
#	class.NAME.UNIT		(a sample with a class label)
# UNIT is packets or bytes, from the metric name (..._packets[_total] or
# ..._bytes[_total]); other samples are left out.  "error ..." if the text
# does not parse; a KEY given by two samples is an error too.
metrics_flat()
{
	python3 - "$1" "$2" <<'PYEOF'
import re, sys

text, want = open(sys.argv[1]).read(), sys.argv[2]
label_re = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')
sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$')

def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v)

out = {}
try:
    for ln in text.splitlines():
        if not ln.strip() or ln.startswith("#"):
            continue
        m = sample_re.match(ln)
        if not m:
            raise ValueError("bad sample line: %r" % ln)
        name, body, value = m.group(1), m.group(3) or "", m.group(4)
        labels, pos = {}, 0
        while pos < len(body):
            lm = label_re.match(body, pos)
            if not lm:
                raise ValueError("bad labels: %r" % ln)
            labels[lm.group(1)] = unescape(lm.group(2))
            pos = lm.end()
        if labels.get("cgroup") != want:
            continue
        base = re.sub(r'_total$', '', name)
        if base.endswith("_bytes"):
            unit = "bytes"
        elif base.endswith("_packets"):
            unit = "packets"
        else:
            continue
        if "class" in labels:
            key = "class.%s.%s" % (labels["class"], unit)
        elif "verdict" in labels and not any(k.startswith("rule") for k in labels):
            key = "%s.%s" % (labels["verdict"], unit)
        else:
            continue
        v = float(value)
        if v != int(v):
            raise ValueError("not an integer: %r" % ln)
        if key in out:
            raise ValueError("%s given twice (%r)" % (key, ln))
        out[key] = int(v)
except Exception as e:
    print("error", e)
    sys.exit(1)
for k in sorted(out):
    print(k, out[k])
PYEOF
}

# metrics_get FLATFILE KEY...: values of metrics_flat output, "-" if absent.
metrics_get()
{
	local file=$1 k v out=()

	shift
	for k in "$@"; do
		v=$(awk -v k="$k" '$1 == k { print $2; exit }' "$file")
		out+=("${v:--}")
	done
	echo "${out[*]}"
}

# check_promtool DESC FILE: `promtool check metrics` accepts FILE (exit 0:
# it parses and lints clean); a TAP SKIP if promtool is not installed.
check_promtool()
{
	local out rc

	if ! command -v promtool > /dev/null 2>&1; then
		tap_skip "$1" "promtool not installed (Debian package prometheus)"
		return 0
	fi
	out=$(promtool check metrics < "$2" 2>&1)
	rc=$?
	tap_result $rc "$1" "promtool check metrics exit $rc:" "$(head -n 20 <<< "$out")"
}

# netdev_stat NS DEV COUNTER: /sys/class/net/DEV/statistics/COUNTER in NS.
netdev_stat()
{
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# probe_counted CG POLICY FRAMES PROBE_ARG...: egress_probe PROBE_ARG... run
# from cgroup CG in CLI_NS, then a wait until SRV_NS's eth0 has received
# FRAMES more frames.  Sets UDP_COUNTED to the packets and bytes POLICY's
# allowed counters gained, UDP_WIRE to the frames and IP bytes eth0
# received, and UDP_OUT to egress_probe's output.
probe_counted()
{
	local cg=$1 policy=$2 frames=$3 snap=$TMPDIR_TEST/udp-snap
	local p0 b0 p1 b1 a0 a1 c0 c1

	shift 3
	acct_snap "$snap.0"
	p0=$(netdev_stat "$SRV_NS" eth0 rx_packets)
	b0=$(netdev_stat "$SRV_NS" eth0 rx_bytes)
	UDP_OUT=$(cg_exec "$cg" ip netns exec "$CLI_NS" "$PROBE" "$@" 2>&1)
	busywait 2000 eval '[ "$(netdev_stat "$SRV_NS" eth0 rx_packets)" -ge $((p0 + frames)) ]'
	p1=$(netdev_stat "$SRV_NS" eth0 rx_packets)
	b1=$(netdev_stat "$SRV_NS" eth0 rx_bytes)
	acct_snap "$snap.1"
	read -r a0 c0 _ <<< "$(acct_ctr "$snap.0" "$policy")"
	read -r a1 c1 _ <<< "$(acct_ctr "$snap.1" "$policy")"
	UDP_COUNTED="$((a1 - a0)) $((c1 - c0))"
	UDP_WIRE="$((p1 - p0)) $((b1 - b0 - 14 * (p1 - p0)))"
}

# udp_datagram_counted CG POLICY DST SIZE FRAMES [udp-send option...]: one
# SIZE-byte datagram to DST port 9 (egress_probe udp-send), measured by
# probe_counted.
udp_datagram_counted()
{
	local cg=$1 policy=$2 dst=$3 size=$4 frames=$5

	shift 5
	probe_counted "$cg" "$policy" "$frames" udp-send "$dst" 9 1 "$size" "$@"
}

# netlink_joined PID GROUP: a netlink socket of PID has joined the multicast
# group (/proc/net/netlink shows groups 1..32 as a bit mask, group N as bit
# N-1, and the socket's inode).
netlink_joined()
{
	local pid=$1 bit=$((1 << ($2 - 1))) fd link eth groups rest inode
	local -A mine=()

	for fd in /proc/"$pid"/fd/*; do
		link=$(readlink "$fd" 2> /dev/null) || continue
		[[ $link =~ ^socket:\[([0-9]+)\]$ ]] && mine[${BASH_REMATCH[1]}]=1
	done
	while read -r _ eth _ groups rest; do
		inode=${rest##* }
		[ "$eth" = 16 ] && [ -n "${mine[$inode]:-}" ] &&
			(((16#$groups & bit) != 0)) && return 0
	done < <(tail -n +2 /proc/net/netlink)
	return 1
}

# within_permille A B PERMILLE: |A - B| <= B * PERMILLE / 1000 (B > 0).
within_permille()
{
	local d=$(($1 - $2))

	((d < 0)) && d=$((-d))
	(($2 > 0 && d * 1000 <= $2 * $3))
}

# check_metric_lines DESC FILE LINE...: every LINE is, exactly, a line of
# FILE (a Prometheus exposition, e.g.
# 'nf_egress_bytes_total{cgroup="/t1",mode="enforce",verdict="allowed"} 128').
check_metric_lines()
{
	local desc=$1 file=$2 l missing=()

	shift 2
	for l in "$@"; do
		grep -Fxq -- "$l" "$file" || missing+=("missing: $l")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		for l in "${missing[@]}"; do
			diag "$l"
		done
		l=$(grep -o 'cgroup="[^"]*"' <<< "$1" | head -n1)
		diag "samples of $file with $l:"
		grep -v '^#' "$file" | grep -F -- "$l" | head -n 30 | sed 's/^/#   /'
		return 1
	fi
}

# prom_esc STRING: STRING as a Prometheus label value (\ " and newline escaped).
prom_esc()
{
	local s=${1//\\/\\\\}

	s=${s//\"/\\\"}
	printf '%s' "${s//$'\n'/\\n}"
}

# -------------------------------------------------------------- rate limits --

# kv_get KEY LINE: the value of KEY=VALUE in a line of space-separated
# KEY=VALUE pairs (e.g. the output of egress_probe), "" if absent.
kv_get()
{
	local w

	for w in $2; do
		[ "${w%%=*}" = "$1" ] && { echo "${w#*=}"; return 0; }
	done
	echo ""
}

# policy_rate PATH: "BYTES_PER_SEC BURST PPS MODE" of PATH's rate limit from
# `egressctl -j show PATH` (null values as "-"), "none" if it has no limit,
# "absent" if there is no such policy, or "error ...".
policy_rate()
{
	local json

	json=$(ectl -j show "$1") || { echo "error: $(cat "$ECTL_ERR")"; return 1; }
	json_eval '(lambda p: "absent" if p is None else "none" if p["rate"] is None else
		" ".join("-" if p["rate"][k] is None else str(p["rate"][k])
			 for k in ("bytes_per_sec", "burst", "pps", "mode")))(
		next((p for p in d if p["cgroup"] == a[0]), None))' "$1" <<< "$json"
}
