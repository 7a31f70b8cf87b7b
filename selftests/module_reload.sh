#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unload and reload the module 20 times while traffic flows through it.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | cgroup /nfe-rel-PID (policy): |          | tcp-listen :: 5201           |
#   |   UDP loop, TCP connect loop  |   veth   | udp-recv   :: 5202           |
#   | test cgroup: UDP loop         +----------+  10.99.0.2 / 2001:db8:99::2  |
#   |  nfeXXXX 10.99.{0,1}.1/24 ... |          |  10.99.1.2 / 2001:db8:98::2  |
#   +-------------------------------+          +------------------------------+
#
# Each round: rmmod nf_egress; modprobe nf_egress; re-add the policy and
# its rules (the table is lost on unload); wait until the reloaded module has
# counted traffic of the cgroup, so every rmmod happens with the hooks busy
# and a policy in place.  Every 5th round also checks allow/deny.  While
# unloaded (once): egressctl reports the missing module, the proc files are
# gone.  At the end the generators are stopped and the module is loaded.
# (The runner checks dmesg for WARN/BUG/Oops afterwards.)

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

ROUNDS=20
CG=nfe-rel-$$
P=/$CG

require_common
require_cmd rmmod modprobe
tap_plan 11

NO_AUTOLOAD=/etc/modprobe.d/nfe-reload-$$.conf
on_cleanup "rm -f $NO_AUTOLOAD"
# Whatever happens, leave the module loaded for the next test.
# shellcheck disable=SC2016 # evaluated at cleanup time
on_cleanup '[ -d /sys/module/nf_egress ] || modprobe nf_egress'

add_policy()
{
	"$EGRESSCTL" policy add "$P" > /dev/null &&
		"$EGRESSCTL" rule add "$P" allow to "$NET4_ALLOW" > /dev/null &&
		"$EGRESSCTL" rule add "$P" allow to "$NET6_ALLOW" > /dev/null
}

# The proc file, read by awk: a poll must cost little next to a round (a
# python3 start is seconds of the guest's time under TCG).
# shellcheck disable=SC2317 # called through busywait
allowed_packets_nonzero()
{
	awk -v p="$P" '$1 == p && $2 > 0 { found = 1 } END { exit !found }' \
		"$NF_EGRESS_PROC/stats" 2> /dev/null
}

cg_create "$CG"
setup_server_topology ""
add_policy || bail_out "cannot add the policy: $(cat "$ECTL_ERR")"
CLEANUP_POLICIES+=("$P")

# --- traffic generators ----------------------------------------------------
# Long-lived senders (loops of short-lived ones would spend the guest's
# CPU on process start-up, not on packets): UDP from the policy's cgroup
# and from outside every policy (udp-loop), and TCP connects from the
# cgroup, a new socket each (tcp-connect-loop).  SIGTERM stops them.
GEN_PIDS=()
cg_spawn "$CG" "$TMPDIR_TEST/gen-udp.out" "$PROBE" udp-loop "$UDP_PORT" 200 0 \
	"$SRV4_ALLOW" "$SRV4_DENY" "$SRV6_ALLOW" "$SRV6_DENY" --interval-us 1000
GEN_PIDS+=("$SPAWN_PID")
cg_spawn "$CG" "$TMPDIR_TEST/gen-tcp.out" "$PROBE" tcp-connect-loop "$TCP_PORT" 300 \
	"$SRV4_ALLOW" "$SRV4_DENY" "$SRV6_ALLOW" "$SRV6_DENY" --interval-us 5000
GEN_PIDS+=("$SPAWN_PID")
"$PROBE" udp-loop "$UDP_PORT" 200 0 "$SRV4_DENY" "$SRV6_DENY" --interval-us 1000 \
	> "$TMPDIR_TEST/gen-udp-outside.out" 2>&1 &
GEN_PIDS+=($!)
register_pid "$!"

busywait 30000 allowed_packets_nonzero ||
	bail_out "the generators' traffic is not counted: $(stats_json "$P")"

# --- the rounds ------------------------------------------------------------
rmmod_ok=0 modprobe_ok=0 policy_ok=0 traffic_ok=0 checks_ok=0 checks=0
unloaded_msg_checked=0
for ((round = 1; round <= ROUNDS; round++)); do
	if ! rmmod nf_egress 2> "$TMPDIR_TEST/rmmod.err"; then
		diag "round $round: rmmod failed: $(cat "$TMPDIR_TEST/rmmod.err")"
		continue
	fi
	rmmod_ok=$((rmmod_ok + 1))

	if [ "$unloaded_msg_checked" = 0 ]; then
		unloaded_msg_checked=1
		# Resolving the family would load the installed module again
		# (its genetlink family alias); with that off, egressctl must
		# say the module is not loaded.
		echo "blacklist nf_egress" > "$NO_AUTOLOAD"
		"$EGRESSCTL" show > "$TMPDIR_TEST/out" 2> "$TMPDIR_TEST/err"
		rc=$?
		[ "$rc" -eq 2 ] &&
			[ "$(cat "$TMPDIR_TEST/err")" = "egressctl: nf_egress module not loaded" ]
		tap_result $? "unloaded: egressctl show exits 2 with 'egressctl: nf_egress module not loaded'" \
			"exit code $rc, stderr: $(cat "$TMPDIR_TEST/err")"
		! [ -e "$NF_EGRESS_PROC/stats" ] && ! [ -e "$NF_EGRESS_PROC/policies" ]
		tap_result $? "unloaded: $NF_EGRESS_PROC/{stats,policies} are gone"
		rm -f "$NO_AUTOLOAD"
		"$EGRESSCTL" show > "$TMPDIR_TEST/out" 2> "$TMPDIR_TEST/err"
		rc=$?
		[ "$rc" -eq 0 ] && module_loaded
		tap_result $? "unloaded: egressctl show loads the installed module by its family alias" \
			"exit code $rc, stderr: $(cat "$TMPDIR_TEST/err")"
	fi

	if ! modprobe nf_egress 2> "$TMPDIR_TEST/modprobe.err"; then
		diag "round $round: modprobe failed: $(cat "$TMPDIR_TEST/modprobe.err")"
		continue
	fi
	modprobe_ok=$((modprobe_ok + 1))

	if ! add_policy 2> "$TMPDIR_TEST/err"; then
		diag "round $round: policy/rule add failed: $(cat "$TMPDIR_TEST/err")"
		continue
	fi
	policy_ok=$((policy_ok + 1))

	if busywait 10000 allowed_packets_nonzero; then
		traffic_ok=$((traffic_ok + 1))
	else
		diag "round $round: no traffic counted after reload: $(stats_json "$P")"
	fi

	if ((round % 5 == 0)); then
		checks=$((checks + 1))
		ok=1
		for c in "$SRV4_ALLOW ok" "$SRV6_ALLOW ok" "$SRV4_DENY ECONNREFUSED" \
			"$SRV6_DENY ECONNREFUSED"; do
			tcp_probe "$CG" "${c% *}" 2000
			if [ "$TCP_RESULT" != "${c#* }" ]; then
				ok=0
				diag "round $round: TCP to ${c% *}: want ${c#* }, got $LAST_PROBE"
			fi
		done
		got=$(udp_send "$CG" "$SRV4_DENY" 3 100)
		if [ "$got" != "sent=0 failed=3 first_errno=EPERM" ]; then
			ok=0
			diag "round $round: UDP to $SRV4_DENY: $got"
		fi
		checks_ok=$((checks_ok + ok))
	fi
done

[ "$unloaded_msg_checked" = 1 ] || {
	tap_fail "unloaded: egressctl show exits 2 with 'egressctl: nf_egress module not loaded'"
	tap_fail "unloaded: $NF_EGRESS_PROC/{stats,policies} are gone"
	tap_fail "unloaded: egressctl show loads the installed module by its family alias"
}
check_eq "rmmod nf_egress succeeded in every round" "$ROUNDS" "$rmmod_ok"
check_eq "modprobe succeeded in every round" "$ROUNDS" "$modprobe_ok"
check_eq "policy and rules re-added after every load" "$ROUNDS" "$policy_ok"
check_eq "traffic counted by the reloaded module in every round" "$ROUNDS" "$traffic_ok"
check_eq "allow/deny correct after reload (every 5th round)" "$((ROUNDS / 5))/$((ROUNDS / 5))" \
	"$checks_ok/$checks"

# --- stop the generators ---------------------------------------------------
kill "${GEN_PIDS[@]}" 2> /dev/null
stopped=0
for pid in "${GEN_PIDS[@]}"; do
	wait_pid_gone "$pid" 100 && stopped=$((stopped + 1))
done
check_eq "traffic generators stopped" "${#GEN_PIDS[@]}" "$stopped"

[ -d /sys/module/nf_egress ]
tap_result $? "module is loaded at the end"
"$EGRESSCTL" -j show > /dev/null 2> "$TMPDIR_TEST/err"
tap_result $? "egressctl works at the end" "$(cat "$TMPDIR_TEST/err")"

tap_done
