#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Deny events and `egressctl monitor`: one event per denied, would-deny and
# rate-limited packet with the right fields, at most event_rate per second
# and policy with exact suppressed counts, and only for CAP_NET_ADMIN.
#
#   root netns                                 $SRV_NS
#   +--------------------------------+         +------------------------------+
#   | /nfe-ev-PID/app  (policy on    |         | tcp-listen :: 5201           |
#   |   /nfe-ev-PID: default deny,   |         | udp-recv   :: 5202           |
#   |   allow 10.99.0.0/24, deny udp |  veth   | eth0 10.99.0.2/24            |
#   |   to 10.99.1.2 port 5202)      +---------+      10.99.1.2/24            |
#   | /nfe-evf-PID  flood (deny)     |         |      2001:db8:98::2/64       |
#   | /nfe-eva-PID  audit            |         +------------------------------+
#   | /nfe-evr-PID  1mbit police     |
#   | /nfe-evu-PID  event_rate=0     |
#   | /nfe-evq-PID  audit, shape     |
#   |   1mbit burst 2k queue 1       |
#   | /nfe-evl-PID  audit, police    |
#   |   1mbit burst 2k               |
#   | /nfe-evs-PID  sync (deny)      |
#   | egressctl -j monitor, and a    |
#   | text monitor, in the test's    |
#   | own cgroup                     |
#   +--------------------------------+
#
# Each monitor is known to be listening once an event of the sync policy
# shows up in its output.  Every check counts the events of one policy,
# which has its own event budget.
#   1. TCP connect to 10.99.1.2:5201 from /nfe-ev-PID/app: exactly one event,
#      deny, default, tcp, 10.99.1.1:SPORT -> 10.99.1.2:5201, the pid and
#      comm of the prober; the text monitor prints the same.
#   2. UDP to 10.99.1.2:5202 (IPv4) and 2001:db8:98::2 port 5202 (IPv6):
#      one event each, decided by the deny rule / the default.
#   3. 2000 denied datagrams as fast as possible, then one more after a
#      second: at most 100 events per started second of the flood
#      (event_rate is 100 by default, and a one-second window opens at the
#      first event after the previous window ended, so a flood of S seconds
#      touches at most floor(S) + 1 windows), and events plus suppressed
#      counts add up to 2001 exactly.
#   4. audit: one datagram that leaves, one would-deny event.
#   5. police: 40 datagrams of 1400 bytes through a 1mbit/16k limit: one
#      ratelimited event per dropped datagram (the stats' count).
#   6. event_rate=0: 300 denied datagrams give 300 events.
#   7. audit (default deny) above a rate limit, event_rate=0: every packet
#      is an audit deny and gives exactly one event, ratelimited if the
#      limit dropped it, else would-deny: 100 datagrams of 1000 bytes
#      through a shape-mode limit with a queue of one packet, 40 through a
#      police-mode one; events by verdict equal the allowed and ratelimited
#      counters, which add up to what was sent, and would_deny counts every
#      packet.
#   8. uid 65534 and root without CAP_NET_ADMIN: monitor exits 2.
#   9. SIGTERM and SIGINT end the monitors with exit 0.
#  10. rmmod ends a monitor with exit 2 (then the module is loaded again).

source "$(dirname "$0")/lib.sh"

CG=nfe-ev-$$
P=/$CG
CGF=nfe-evf-$$
CGA=nfe-eva-$$
CGR=nfe-evr-$$
CGU=nfe-evu-$$
CGS=nfe-evs-$$
CGQ=nfe-evq-$$
CGL=nfe-evl-$$
MON=$TMPDIR_TEST/mon.json
MONT=$TMPDIR_TEST/mon.txt
RATE_PARAM=/sys/module/nf_egress/parameters/event_rate
NOCAP=(setpriv --inh-caps=-net_admin --bounding-set=-net_admin --)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --)

cleanup()
{
	[ -w "$RATE_PARAM" ] && echo 100 > "$RATE_PARAM"
	lib_cleanup
}
trap cleanup EXIT

require_common
require_cmd setpriv
[ -r "$RATE_PARAM" ] || bail_out "the module has no event_rate parameter"
tap_plan 38

# events POLICY [FILE]: the JSON events of POLICY, one per line.
events()
{
	python3 -c '
import json, sys
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e["policy"] == sys.argv[1]:
        print(json.dumps(e, sort_keys=True))
' "$1" "${2:-$MON}"
}

events_count()
{
	events "$@" | wc -l
}

events_count_is()
{
	[ "$(events_count "$1")" = "$2" ]
}

# ev_eval POLICY EXPR [ARG...]: EXPR over d, the list of POLICY's events,
# and a, the ARGs.
ev_eval()
{
	events "$1" | python3 -c 'import json, sys; print(json.dumps([json.loads(l) for l in sys.stdin]))' |
		json_eval "${@:2}"
}

# Has the event of the datagram sent after the flood (at realtime > $1) come?
flood_tail_seen()
{
	ev_eval "/$CGF" 'd[-1]["time_ns"] > int(a[0])' "$1" | grep -qx True
}

# One denied datagram from the sync cgroup, then: did FILE see its event?
sync_once()
{
	udp_send "$CGS" "$SRV4_DENY" 1 16 > /dev/null
	grep -q "/$CGS" "$1"
}

cg_create "$CG"
cg_create "$CG/app"
for c in "$CGF" "$CGA" "$CGR" "$CGU" "$CGS" "$CGQ" "$CGL"; do
	cg_create "$c"
done
setup_server_topology ""
policy_add "$P"
ectl_must rule add "$P" allow to "$NET4_ALLOW"
ectl_must rule add "$P" deny udp to "$SRV4_DENY" port "$UDP_PORT"
RULE_ID=$(ectl -j show "$P" | json_eval 'd[0]["rules"][1]["id"]')
policy_add "/$CGF"
policy_add "/$CGA" mode audit
policy_add "/$CGR" default allow rate 1mbit burst 16k police
policy_add "/$CGU"
policy_add "/$CGS"
policy_add "/$CGQ" mode audit default deny rate 1mbit burst 2k queue 1 shape
policy_add "/$CGL" mode audit default deny rate 1mbit burst 2k police

check_eq "event_rate defaults to 100 events per second" 100 "$(cat "$RATE_PARAM")"

"$EGRESSCTL" -j monitor > "$MON" 2> "$MON.err" &
MON_PID=$!
register_pid "$MON_PID"
"$EGRESSCTL" monitor > "$MONT" 2> "$MONT.err" &
MONT_PID=$!
register_pid "$MONT_PID"
{ busywait 20000 sync_once "$MON" && busywait 20000 sync_once "$MONT"; } ||
	bail_out "the monitors show no event: $(cat "$MON.err" "$MONT.err")"

# --- 1. a denied connect -------------------------------------------------
cg_spawn "$CG/app" "$TMPDIR_TEST/connect.out" "$PROBE" tcp-connect "$SRV4_DENY" "$TCP_PORT"
wait "$SPAWN_PID"
check_eq "connect from $CG/app to $SRV4_DENY: refused" ECONNREFUSED \
	"$(sed -n 's/^result=\([^ ]*\).*/\1/p' "$TMPDIR_TEST/connect.out")"
busywait 5000 events_count_is "$P" 1
# Another one would have come by now: TCP gave up on the first SYN.
sleep 0.5
check_eq "the denied connect gave exactly one event" 1 "$(events_count "$P")"
check_eq "its fields: verdict, cgroup, policy, rule, family, proto, addresses, dport, pid, comm" \
	"deny /$CG/app $P None True ipv4 tcp 10.99.1.1 $SRV4_DENY $TCP_PORT $SPAWN_PID egress_probe 0" \
	"$(ev_eval "$P" '(lambda e: [e[k] for k in ("verdict", "cgroup", "policy", "rule_id",
		"default", "family", "proto", "src", "dst", "dport", "pid", "comm",
		"suppressed")])(d[0])')"
sport=$(ev_eval "$P" 'd[0]["sport"]')
[ "$sport" -ge 1024 ] 2> /dev/null
tap_result $? "its source port is the connecting socket's ephemeral port ($sport)"
now=$(date +%s%N)
ev_eval "$P" 'abs(d[0]["time_ns"] - int(a[0])) < 30 * 10**9' "$now" | grep -qx True
tap_result $? "its time is CLOCK_REALTIME nanoseconds (within 30 s of date +%s%N)" \
	"event $(ev_eval "$P" 'd[0]["time_ns"]'), now $now"
grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z deny /$CG/app policy $P default tcp 10\.99\.1\.1:$sport -> $SRV4_DENY:$TCP_PORT pid $SPAWN_PID comm egress_probe\$" "$MONT"
tap_result $? "the text monitor printed the same event as one line" "$(grep -F "$P " "$MONT")"

# --- 2. UDP: a deny rule, IPv6 -------------------------------------------
check_udp "UDP to $SRV4_DENY port $UDP_PORT: EPERM (deny rule $RULE_ID)" "$CG/app" "$SRV4_DENY" 1 32 \
	"sent=0 failed=1 first_errno=EPERM"
check_udp "UDP to $SRV6_DENY: EPERM (default)" "$CG/app" "$SRV6_DENY" 1 32 \
	"sent=0 failed=1 first_errno=EPERM"
busywait 5000 events_count_is "$P" 3
check_eq "UDP over IPv4: the rule decided: rule_id, default, proto, src, dst, dport" \
	"$RULE_ID False udp 10.99.1.1 $SRV4_DENY $UDP_PORT" \
	"$(ev_eval "$P" '[d[1][k] for k in ("rule_id", "default", "proto", "src", "dst", "dport")]')"
check_eq "UDP over IPv6: family, src, dst, default" \
	"ipv6 2001:db8:98::1 $SRV6_DENY True" \
	"$(ev_eval "$P" '[d[2][k] for k in ("family", "src", "dst", "default")]')"

# --- 3. a flood: at most event_rate per second, exact suppressed counts --
t0=$(date +%s%N)
check_udp "flood: 2000 datagrams from $CGF, all EPERM" "$CGF" "$SRV4_DENY" 2000 16 \
	"sent=0 failed=2000 first_errno=EPERM"
t1=$(date +%s%N)
# Every event of the flood is in once the last window is over.
sleep 1.2
check_udp "one more after a pause" "$CGF" "$SRV4_DENY" 1 16 "sent=0 failed=1 first_errno=EPERM"
busywait 5000 flood_tail_seen "$t1"
nev=$(events_count "/$CGF")
secs=$(((t1 - t0) / 1000000000))
max=$((100 * (secs + 1)))
((nev - 1 >= 100 && nev - 1 <= max))
tap_result $? "flood of $(((t1 - t0) / 1000000)) ms: 100 <= $((nev - 1)) events <= $max"
check_eq "flood: events + suppressed counts = 2001 datagrams" 2001 \
	"$(ev_eval "/$CGF" 'sum(1 + e["suppressed"] for e in d)')"
check_eq "flood: the event after the pause carries a suppressed count" True \
	"$(ev_eval "/$CGF" 'd[-1]["suppressed"] > 0')"

# --- 4. audit --------------------------------------------------------------
check_udp "audit: one datagram to $SRV4_DENY leaves" "$CGA" "$SRV4_DENY" 1 32 \
	"sent=1 failed=0 first_errno=none"
busywait 5000 events_count_is "/$CGA" 1
sleep 0.3
check_eq "audit: exactly one event, would-deny, default" "1 would-deny True" \
	"$(ev_eval "/$CGA" '[len(d), d[0]["verdict"], d[0]["default"]]')"

# --- 5. rate limit drops ---------------------------------------------------
check_udp "police: 40 datagrams of 1400 bytes from $CGR" "$CGR" "$SRV4_ALLOW" 40 1400 \
	"sent=40 failed=0 first_errno=none"
dropped=$(ectl -j stats "/$CGR" | json_eval 'd[0]["ratelimited"]["packets"]')
((dropped > 0 && dropped < 40))
tap_result $? "police: some of the 40 were rate-limited ($dropped)"
busywait 5000 events_count_is "/$CGR" "$dropped"
sleep 0.3
check_eq "police: one ratelimited event per dropped datagram, policy /$CGR" \
	"$dropped ratelimited udp $SRV4_ALLOW 0" \
	"$(ev_eval "/$CGR" '[len(d), d[0]["verdict"], d[0]["proto"], d[0]["dst"],
		sum(e["suppressed"] for e in d)]')"

# --- 6. event_rate=0: no limit ----------------------------------------------
echo 0 > "$RATE_PARAM"
check_udp "event_rate=0: 300 datagrams from $CGU, all EPERM" "$CGU" "$SRV4_DENY" 300 16 \
	"sent=0 failed=300 first_errno=EPERM"
busywait 10000 events_count_is "/$CGU" 300
sleep 0.3
check_eq "event_rate=0: 300 events, none suppressed" "300 0" \
	"$(ev_eval "/$CGU" '[len(d), sum(e["suppressed"] for e in d)]')"

# --- 7. audit above a rate limit: one event per packet ----------------------
# audit_limited CGROUP COUNT WHAT: COUNT datagrams of 1000 bytes to the
# address the audit policy of CGROUP denies; some leave, the limit drops the
# rest.  The counters and the events must tell the same story.
audit_limited()
{
	local cg=$1 n=$2 what=$3 a d w r

	check_udp "$what: $n datagrams from $cg (limit drops are silent)" "$cg" "$SRV4_DENY" \
		"$n" 1000 "sent=$n failed=0 first_errno=none"
	read -r a d w r <<< "$(ectl -j stats "/$cg" | json_eval '[d[0][k]["packets"]
		for k in ("allowed", "denied", "would_deny", "ratelimited")]')"
	((a > 0 && r > 0))
	tap_result $? "$what: some left ($a), the limit dropped some ($r)"
	check_eq "$what: allowed + ratelimited, denied, would_deny (every packet)" \
		"$n 0 $n" "$((a + r)) $d $w"
	busywait 10000 events_count_is "/$cg" "$n"
	sleep 0.3
	check_eq "$what: one event per packet: $a would-deny (allowed), $r ratelimited, none suppressed" \
		"$n $a $r 0" \
		"$(ev_eval "/$cg" '[len(d), sum(e["verdict"] == "would-deny" for e in d),
			sum(e["verdict"] == "ratelimited" for e in d), sum(e["suppressed"] for e in d)]')"
}
audit_limited "$CGQ" 100 "audit + shape queue 1"
audit_limited "$CGL" 40 "audit + police"
echo 100 > "$RATE_PARAM"
grep -q 'events lost' "$MON.err"
tap_result $((!$?)) "the JSON monitor lost no events" "$(cat "$MON.err")"

# --- 8. permissions --------------------------------------------------------
check_refused()
{
	local desc=$1 rc

	shift
	timeout 10 "$@" "$EGRESSCTL" monitor > "$TMPDIR_TEST/refused.out" 2> "$TMPDIR_TEST/refused.err"
	rc=$?
	[ "$rc" = 2 ] && grep -q '^egressctl: monitor: .*Operation not permitted' "$TMPDIR_TEST/refused.err"
	tap_result $? "$desc: monitor exits 2, Operation not permitted" \
		"exit code $rc, stderr: $(cat "$TMPDIR_TEST/refused.err")"
}
check_refused "uid 65534" "${NOBODY[@]}"
check_refused "root without CAP_NET_ADMIN" "${NOCAP[@]}"

# --- 9. signals --------------------------------------------------------------
kill -TERM "$MON_PID"
wait "$MON_PID"
check_eq "SIGTERM: the JSON monitor exits 0" 0 $?
python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$MON"
tap_result $? "every line of the JSON monitor is one JSON object"
kill -INT "$MONT_PID"
wait "$MONT_PID"
check_eq "SIGINT: the text monitor exits 0" 0 $?

# --- 10. the module goes away ---------------------------------------------------
"$EGRESSCTL" monitor > "$TMPDIR_TEST/unload.out" 2> "$TMPDIR_TEST/unload.err" &
UNL_PID=$!
register_pid "$UNL_PID"
busywait 20000 sync_once "$TMPDIR_TEST/unload.out" || diag "the third monitor shows no event"
# Policies do not survive the unload; the runner's module comes back below.
rmmod nf_egress
wait "$UNL_PID"
rc=$?
[ "$rc" = 2 ] && grep -qx 'egressctl: monitor: the nf_egress module was unloaded' "$TMPDIR_TEST/unload.err"
tap_result $? "rmmod: the monitor exits 2 saying the module was unloaded" \
	"exit code $rc, stderr: $(cat "$TMPDIR_TEST/unload.err")"
modprobe nf_egress || bail_out "modprobe nf_egress failed"

tap_done
