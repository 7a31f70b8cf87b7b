#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Policies are bound to cgroup paths, not to cgroup ids: a policy added
# before its cgroup exists applies once it is created, and again (fail
# closed) after every rmdir + mkdir of the cgroup.  A socket keeps the cgroup
# it was created in when its process moves to another cgroup.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-lc-PID   (policy, added  |          | udp-recv 10.99.0.2 5300 (A)  |
#   |   before the cgroup exists)   |          | udp-recv 10.99.1.2 5300 (D4) |
#   | /nfe-lc2-PID  (no policy)     |          | udp-recv 2001:db8:98::2 5300 |
#   |                               |   veth   |                         (D6) |
#   |  nfeXXXX 10.99.{0,1}.1/24     +----------+ tcp-listen :: 5201           |
#   |          2001:db8:9{9,8}::1   |          | eth0 10.99.0.2 10.99.1.2 ... |
#   +-------------------------------+          +------------------------------+
#
# Policy /nfe-lc-PID: default deny; allow to 10.99.0.0/24, 2001:db8:99::/64.
#
# Rounds (50): rmdir the cgroup, mkdir it again, start a new sender in it at
# once (egress_probe udp-loop: round-robin UDP to 10.99.0.2, 10.99.1.2 and
# 2001:db8:98::2, port 5300), wait until the allowed sink A has counted new
# datagrams, stop the sender.  The denied sinks D4/D6 must count exactly 0
# datagrams over all rounds, A must have seen traffic in every round, and
# every sender must have got EPERM for the denied addresses.
#
# Socket ownership: egress_probe udp-hold creates its socket, the process
# is moved to the other cgroup, then it sends.  A socket created in the
# policy's cgroup stays denied after the move; a socket created outside it
# stays allowed after moving into it (sockets keep their creation cgroup).
# A socket outlives its cgroup: one created in a child cgroup of the
# policy's, whose process then moves out and the child is removed, is
# still judged by the policy (the way a process with a delegated subtree
# would try to shed its cgroup), and the policy counts it.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

ROUNDS=${ROUNDS:-50}
CG=nfe-lc-$$
CG2=nfe-lc2-$$
P=/$CG
PORT=5300

require_common
require_cmd mkfifo
tap_plan 20

cg_destroy "$CG"
setup_server_topology ""
STAT_A=$TMPDIR_TEST/sink-allow.stat
STAT_D4=$TMPDIR_TEST/sink-deny4.stat
STAT_D6=$TMPDIR_TEST/sink-deny6.stat
start_udp_sink "$SRV4_ALLOW" "$PORT" "$STAT_A"
start_udp_sink "$SRV4_DENY" "$PORT" "$STAT_D4"
start_udp_sink "$SRV6_DENY" "$PORT" "$STAT_D6"

# The sinks work (from the test's cgroup, no policy): 2 datagrams each.
for a in "$SRV4_ALLOW" "$SRV4_DENY" "$SRV6_DENY"; do
	udp_send_port "" "$a" "$PORT" 2 100 > /dev/null
done
for s in "$STAT_A" "$STAT_D4" "$STAT_D6"; do
	busywait 5000 udp_count_is "$s" 2 ||
		bail_out "sink $s did not count the 2 test datagrams: $(cat "$s")"
done
BASE_D4=2
BASE_D6=2

# --- a policy before its cgroup -------------------------------------------
policy_add "$P"
ectl_must rule add "$P" allow to "$NET4_ALLOW"
ectl_must rule add "$P" allow to "$NET6_ALLOW"
! [ -e "$(cg_path "$CG")" ]
tap_result $? "policy $P added while cgroup $P does not exist"

cg_create "$CG"
check_tcp "cgroup created after the policy: TCP to allowed $SRV4_ALLOW" "$CG" "$SRV4_ALLOW" ok
check_tcp "cgroup created after the policy: TCP to denied $SRV4_DENY refused" "$CG" "$SRV4_DENY" ECONNREFUSED
check_tcp "cgroup created after the policy: TCP to denied $SRV6_DENY refused" "$CG" "$SRV6_DENY" ECONNREFUSED
check_udp "cgroup created after the policy: UDP to denied $SRV4_DENY fails with EPERM" "$CG" \
	"$SRV4_DENY" 3 100 "sent=0 failed=3 first_errno=EPERM"

# --- rmdir + mkdir with a sender -----------------------------------------
mkdir_ok=0 rmdir_ok=0 traffic_ok=0 eperm_ok=0 stopped_ok=0
dir=$(cg_path "$CG")
start=$(date +%s%3N)
for ((round = 1; round <= ROUNDS; round++)); do
	cg_kill_wait "$CG"
	if rmdir "$dir"; then
		rmdir_ok=$((rmdir_ok + 1))
	else
		diag "round $round: rmdir $dir failed"
	fi
	if mkdir "$dir"; then
		mkdir_ok=$((mkdir_ok + 1))
	else
		diag "round $round: mkdir $dir failed"
		continue
	fi
	before=$(udp_count "$STAT_A")
	out=$TMPDIR_TEST/sender.$round
	# The sender's sockets are created in the new cgroup, at once.
	cg_spawn "$CG" "$out" "$PROBE" udp-loop "$PORT" 100 0 \
		"$SRV4_ALLOW" "$SRV4_DENY" "$SRV6_DENY"
	if busywait 10000 udp_count_gt "$STAT_A" "$before"; then
		traffic_ok=$((traffic_ok + 1))
	else
		diag "round $round: the allowed sink counted nothing new"
	fi
	kill -TERM "$SPAWN_PID"
	if wait_pid_gone "$SPAWN_PID" 100; then
		stopped_ok=$((stopped_ok + 1))
	else
		diag "round $round: sender did not stop"
	fi
	wait "$SPAWN_PID" 2> /dev/null
	if grep -q "^addr=$SRV4_DENY sent=0 failed=[1-9][0-9]* first_errno=EPERM$" "$out" &&
		grep -q "^addr=$SRV6_DENY sent=0 failed=[1-9][0-9]* first_errno=EPERM$" "$out"; then
		eperm_ok=$((eperm_ok + 1))
	else
		diag "round $round: sender output:"
		diag_file "$out"
	fi
done
diag "$ROUNDS rounds in $(($(date +%s%3N) - start)) ms"

check_eq "rmdir succeeded in every round" "$ROUNDS" "$rmdir_ok"
check_eq "mkdir succeeded in every round" "$ROUNDS" "$mkdir_ok"
check_eq "allowed sink counted new datagrams from every new cgroup" "$ROUNDS" "$traffic_ok"
check_eq "every sender got EPERM (only) for both denied addresses" "$ROUNDS" "$eperm_ok"
check_eq "every sender stopped on SIGTERM" "$ROUNDS" "$stopped_ok"
# Grace period: a datagram that escaped would be on its way to the sink.
sleep 1
check_eq "denied sink $SRV4_DENY counted exactly 0 datagrams from the cgroup" \
	0 "$(($(udp_count "$STAT_D4") - BASE_D4))"
check_eq "denied sink $SRV6_DENY counted exactly 0 datagrams from the cgroup" \
	0 "$(($(udp_count "$STAT_D6") - BASE_D6))"

# --- a socket keeps the cgroup it was created in ------------------------
cg_create "$CG2"
FIFO=$TMPDIR_TEST/hold.fifo
mkfifo "$FIFO" || bail_out "mkfifo failed"

# hold_and_move FROM TO [DST]: create a UDP socket (to DST, the denied
# sink by default) in FROM, move the process to TO, then send 3 datagrams.
# With HOLD_RMDIR=1, FROM is removed before they are sent.  Prints the
# send result, or "error: ..." if the move or the removal could not be
# verified.
hold_and_move()
{
	local out=$TMPDIR_TEST/hold.out pid cgline

	SPAWN_STDIN=$FIFO cg_spawn "$1" "$out" "$PROBE" udp-hold "${3:-$SRV4_DENY}" "$PORT" 3 100
	pid=$SPAWN_PID
	exec 7> "$FIFO"
	if ! busywait 5000 grep -q '^ready' "$out"; then
		exec 7>&-
		echo "error: udp-hold not ready: $(cat "$out")"
		return
	fi
	echo "$pid" > "$(cg_path "$2")/cgroup.procs"
	cgline=$(cat "/proc/$pid/cgroup")
	if [ "${HOLD_RMDIR:-0}" = 1 ] && ! rmdir "$(cg_path "$1")"; then
		echo go >&7
		exec 7>&-
		echo "error: could not remove /$1"
		return
	fi
	echo go >&7
	exec 7>&-
	wait_pid_gone "$pid" 100
	wait "$pid" 2> /dev/null
	if [ "$cgline" != "0::/$2" ]; then
		echo "error: process not moved to /$2: $cgline"
		return
	fi
	sed -n 2p "$out"
}

before=$(udp_count "$STAT_D4")
got=$(hold_and_move "$CG" "$CG2")
check_eq "socket created in $P, process moved to /$CG2: still denied (EPERM)" \
	"sent=0 failed=3 first_errno=EPERM" "$got"
sleep 0.5 # grace period, as above
check_eq "... and the denied sink counted nothing" 0 "$(($(udp_count "$STAT_D4") - before))"

got=$(hold_and_move "$CG2" "$CG")
check_eq "socket created in /$CG2, process moved to $P: still allowed" \
	"sent=3 failed=0 first_errno=none" "$got"
busywait 2000 udp_count_is "$STAT_D4" $((before + 3))
check_eq "... and the denied sink counted its 3 datagrams" 3 "$(($(udp_count "$STAT_D4") - before))"

# The socket outlives its cgroup: made in $P/gone, sent after the process
# left for /$CG2 and $P/gone was removed.
mkdir "$(cg_path "$CG/gone")" || bail_out "mkdir $P/gone"
got=$(HOLD_RMDIR=1 hold_and_move "$CG/gone" "$CG2")
check_eq "socket created in $P/gone, process moved out, $P/gone removed: still denied (EPERM)" \
	"sent=0 failed=3 first_errno=EPERM" "$got"
sleep 0.5 # grace period, as above
check_eq "... and the denied sink counted nothing" 0 "$(($(udp_count "$STAT_D4") - before - 3))"

before_a=$(udp_count "$STAT_A")
allowed_before=$(stats_proc "$P" | cut -d" " -f1)
mkdir "$(cg_path "$CG/gone")" || bail_out "mkdir $P/gone again"
got=$(HOLD_RMDIR=1 hold_and_move "$CG/gone" "$CG2" "$SRV4_ALLOW")
check_eq "the same to the allowed sink: sent" "sent=3 failed=0 first_errno=none" "$got"
busywait 2000 udp_count_is "$STAT_A" $((before_a + 3))
check_eq "... and $P counted the 3 datagrams of its removed child" 3 \
	"$(($(stats_proc "$P" | cut -d" " -f1) - allowed_before))"

tap_done
