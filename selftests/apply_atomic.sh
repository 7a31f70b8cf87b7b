#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `egressctl apply -f FILE` replaces the whole policy set in one step: every
# packet sees the old set or the new one, never a mix and never no set.  A
# file with an error changes nothing; `check -f` validates only.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-ap-PID:  udp-loop sender |          | udp-recv 10.99.0.2 5300  (A) |
#   |  to A, B and C, port 5300     |   veth   | udp-recv 10.99.1.2 5300  (B) |
#   |  nfeXXXX 10.99.{0,1,2}.1/24   +----------+ udp-recv 10.99.2.2 5300  (C) |
#   +-------------------------------+          +------------------------------+
#
#   A.conf: cgroup "/nfe-ap-PID" { default deny; allow to 10.99.0.2/32; }
#   B.conf: cgroup "/nfe-ap-PID" { default deny; allow to 10.99.1.2/32; }
# Neither allows C (10.99.2.2).  A is applied, the sender starts, then B,
# A, B, ... are applied 200 times in all (the last is A) while the sender
# loops.  A non-atomic apply (delete, then re-add; or rules added one by one
# after the policy) leaves a window in which C is reachable: sink C must
# count exactly 0.
# Every apply must exit 0, and sinks A and B must both have seen traffic.
#
# broken.conf has a valid policy for another path, then a syntax error at
# line 6, column 1: `check -f broken.conf` and `apply -f broken.conf` exit 1
# with "broken.conf:6:1:" in the message, and `show --config` is byte for
# byte the same before and after.  NB: apply replaces every policy of the
# host; the cleanup removes the paths this test created.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

ROUNDS=${ROUNDS:-200}
CG=nfe-ap-$$
P=/$CG
PX=/nfe-apx-$$
PORT=5300
ADDR_A=10.99.0.2
ADDR_B=10.99.1.2
ADDR_C=10.99.2.2

require_common
tap_plan 15

cg_create "$CG"
setup_server_topology ""
server_add_net 10.99.2.1/24 10.99.2.2/24
STAT_A=$TMPDIR_TEST/sink-a.stat
STAT_B=$TMPDIR_TEST/sink-b.stat
STAT_C=$TMPDIR_TEST/sink-c.stat
start_udp_sink "$ADDR_A" "$PORT" "$STAT_A"
start_udp_sink "$ADDR_B" "$PORT" "$STAT_B"
start_udp_sink "$ADDR_C" "$PORT" "$STAT_C"
for a in "$ADDR_A" "$ADDR_B" "$ADDR_C"; do
	udp_send_port "" "$a" "$PORT" 1 100 > /dev/null
done
for s in "$STAT_A" "$STAT_B" "$STAT_C"; do
	busywait 5000 udp_count_is "$s" 1 || bail_out "sink $s did not count the test datagram"
done

cat > "$TMPDIR_TEST/A.conf" <<EOF
# only $ADDR_A
cgroup "$P" {
    mode enforce;
    default deny;
    allow to $ADDR_A/32;
}
EOF
cat > "$TMPDIR_TEST/B.conf" <<EOF
# only $ADDR_B
cgroup "$P" {
    mode enforce;
    default deny;
    allow to $ADDR_B/32;
}
EOF
cat > "$TMPDIR_TEST/broken.conf" <<EOF
# the error is at line 6, column 1
cgroup "$PX" {
    default deny;
}
cgroup "$P" {
alow to $ADDR_C/32;
}
EOF
CLEANUP_POLICIES+=("$P" "$PX")

apply_config "$TMPDIR_TEST/A.conf" > /dev/null || bail_out "apply -f A.conf failed: $(cat "$ECTL_ERR")"
cg_spawn "$CG" "$TMPDIR_TEST/sender.out" "$PROBE" udp-loop "$PORT" 100 0 \
	"$ADDR_A" "$ADDR_B" "$ADDR_C" --interval-us 100
SENDER=$SPAWN_PID
busywait 10000 udp_count_gt "$STAT_A" 1 || bail_out "the sender's traffic does not arrive"
base_a=$(udp_count "$STAT_A")
base_b=$(udp_count "$STAT_B")

# --- alternate B, A, B, ... ----------------------------------------------
apply_ok=0
start=$(date +%s%3N)
for ((i = 1; i <= ROUNDS; i++)); do
	if ((i % 2)); then f=B.conf; else f=A.conf; fi
	if ECTL_QUIET=1 apply_config "$TMPDIR_TEST/$f" > /dev/null; then
		apply_ok=$((apply_ok + 1))
	else
		diag "apply $i ($f) failed: $(cat "$ECTL_ERR")"
	fi
done
diag "$ROUNDS applies in $(($(date +%s%3N) - start)) ms"
# Round i applies B.conf if i is odd, A.conf if even.  Make sure the last
# file's traffic flows before the sender stops.
if ((ROUNDS % 2)); then
	last=B LAST_ADDR=$ADDR_B LAST_STAT=$STAT_B
else
	last=A LAST_ADDR=$ADDR_A LAST_STAT=$STAT_A
fi
busywait 5000 udp_count_gt "$LAST_STAT" "$(udp_count "$LAST_STAT")"
kill -TERM "$SENDER"
wait_pid_gone "$SENDER" 100
wait "$SENDER" 2> /dev/null
sleep 0.5 # grace period: an escaped datagram would be on its way to C

check_eq "every apply -f exited 0" "$ROUNDS" "$apply_ok"
check_eq "sink C (allowed by neither file) counted exactly 0 datagrams" 0 \
	"$(($(udp_count "$STAT_C") - 1))"
got_a=$(($(udp_count "$STAT_A") - base_a))
got_b=$(($(udp_count "$STAT_B") - base_b))
diag "during the applies: sink A +$got_a, sink B +$got_b"
[ "$got_a" -gt 0 ]
tap_result $? "sink A counted datagrams while the files alternated"
[ "$got_b" -gt 0 ]
tap_result $? "sink B counted datagrams while the files alternated"
grep -q "^addr=$ADDR_C sent=0 failed=[1-9][0-9]* first_errno=EPERM$" "$TMPDIR_TEST/sender.out"
tap_result $? "sender: every datagram to C failed with EPERM" "$(cat "$TMPDIR_TEST/sender.out")"
grep -q "^addr=$ADDR_A sent=[1-9]" "$TMPDIR_TEST/sender.out" &&
	grep -q "^addr=$ADDR_B sent=[1-9]" "$TMPDIR_TEST/sender.out"
tap_result $? "sender: datagrams to A and to B were sent" "$(cat "$TMPDIR_TEST/sender.out")"
got=$(ectl -j show | json_eval '[r["to"] for p in d if p["cgroup"] == a[0] for r in p["rules"]]' "$P")
check_eq "live set after the last apply ($last.conf): $P allows only $LAST_ADDR/32" \
	"$LAST_ADDR/32" "$got"

# --- check and broken files ------------------------------------------------
# ectl_in_tmp ARGS...: egressctl run in the temp dir (file names as given).
ectl_in_tmp()
{
	(cd "$TMPDIR_TEST" && "$EGRESSCTL" "$@" > "$TMPDIR_TEST/out" 2> "$TMPDIR_TEST/err")
}

ectl show --config > "$TMPDIR_TEST/before" || bail_out "show --config failed: $(cat "$ECTL_ERR")"
[ -s "$TMPDIR_TEST/before" ] || bail_out "show --config printed nothing"

ectl_in_tmp check -f A.conf
tap_result $? "check -f A.conf exits 0" "$(cat "$TMPDIR_TEST/err")"
ectl show --config > "$TMPDIR_TEST/after" && cmp -s "$TMPDIR_TEST/before" "$TMPDIR_TEST/after"
tap_result $? "check -f A.conf changed nothing (show --config identical)" \
	"$(diff "$TMPDIR_TEST/before" "$TMPDIR_TEST/after")"

ectl_in_tmp check -f broken.conf
rc=$?
err=$(cat "$TMPDIR_TEST/err")
check_eq "check -f broken.conf exits 1" 1 "$rc"
[[ "$err" == *"broken.conf:6:1:"* ]] && [ "$(wc -l < "$TMPDIR_TEST/err")" = 1 ]
tap_result $? "check -f broken.conf: one line naming broken.conf:6:1:" "stderr: $err"

ectl_in_tmp apply -f broken.conf
rc=$?
err=$(cat "$TMPDIR_TEST/err")
check_eq "apply -f broken.conf exits 1" 1 "$rc"
[[ "$err" == *"broken.conf:6:1:"* ]]
tap_result $? "apply -f broken.conf: the message names broken.conf:6:1:" "stderr: $err"
ectl show --config > "$TMPDIR_TEST/after" && cmp -s "$TMPDIR_TEST/before" "$TMPDIR_TEST/after"
tap_result $? "check and apply of broken.conf changed nothing (show --config identical)" \
	"$(diff "$TMPDIR_TEST/before" "$TMPDIR_TEST/after")"
c=$(udp_send_port "$CG" "$ADDR_C" "$PORT" 2 100)
b=$(udp_send_port "$CG" "$LAST_ADDR" "$PORT" 2 100)
check_eq "after the failed apply: C still denied, $last ($LAST_ADDR) still allowed" \
	"sent=0 failed=2 first_errno=EPERM/sent=2 failed=0 first_errno=none" "$c/$b"

tap_done
