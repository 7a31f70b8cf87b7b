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
# Environment (set by the in-guest runner):
#	NF_EGRESS_SRC	repository root (default: parent of this directory)
#	NF_EGRESS_KO	the module (default: $NF_EGRESS_SRC/kmod/nf_egress.ko)
#	EGRESSCTL	the CLI (default: $NF_EGRESS_SRC/tools/egressctl/egressctl)
# Development knobs (never set by the runner):
#	NF_EGRESS_PROC	directory of the proc files (default /proc/net/nf_egress)
#	NF_EGRESS_ASSUME_LOADED=1  do not look at /sys/module/nf_egress (for
#			a run against a mock egressctl without the module)
#	NF_EGRESS_VERBOSE=1  echo every egressctl call as a TAP diagnostic

ksft_skip=4

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NF_EGRESS_SRC=${NF_EGRESS_SRC:-$(cd "$LIB_DIR/.." && pwd)}
NF_EGRESS_KO=${NF_EGRESS_KO:-$NF_EGRESS_SRC/kmod/nf_egress.ko}
EGRESSCTL=${EGRESSCTL:-$NF_EGRESS_SRC/tools/egressctl/egressctl}
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
	[ -x "$EGRESSCTL" ] || skip_all "egressctl not found at $EGRESSCTL"
}

module_loaded()
{
	[ "${NF_EGRESS_ASSUME_LOADED:-0}" = 1 ] && return 0
	[ -d /sys/module/nf_egress ]
}

# require_module: the runner loads the module; load it if it did not.
require_module()
{
	module_loaded && return 0
	[ -f "$NF_EGRESS_KO" ] || skip_all "nf_egress is not loaded and $NF_EGRESS_KO does not exist"
	insmod "$NF_EGRESS_KO" || bail_out "insmod $NF_EGRESS_KO failed"
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
	local r

	LAST_PROBE=$(client_exec "$1" "$PROBE" tcp-connect "$2" "$TCP_PORT" \
		--timeout-ms "${3:-3000}" 2>&1)
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
