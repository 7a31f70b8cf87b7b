#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection limits: "conn max N" caps the TCP connections a cgroup subtree
# has open, "conn rate R/s burst B" the new ones per second.  A first SYN
# over a limit fails connect() at once with ECONNREFUSED and counts in
# connlimit (not denied); a connection's slot is released when its socket
# reaches TCP_CLOSE: a close, a reset by the peer, a SYN timeout.
#
#   root netns                                  $SRV_NS
#   +---------------------------------+         +-----------------------------+
#   | /nfe-cl-PID       conn max 5    |         | tcp-listen :: 5201          |
#   | /nfe-clp-PID      conn max 3    |  veth   | tcp-listen :: 5203 --rst    |
#   |   /a, /b          conn max 5    +---------+ nft: drop tcp dport 5204    |
#   |                                 |         | tcp-recv :: 5205 (reads)    |
#   | /nfe-clt-PID-*    conn max 2    |         | 10.99.0.2, 10.99.1.2,       |
#   |   (template: instances x, y)    |         | 2001:db8:99::2              |
#   |                                 |         +-----------------------------+
#   | /nfe-clr-PID      conn rate 10/s|
#   |                   burst 10      |
#   | /nfe-clc-PID      conn max 5,   |
#   |   conn max 2 class near         |
#   | /nfe-cla-PID      conn max 5    |
#   |   (50 connects at once, TCP     |
#   |   Fast Open, the table full)    |
#   +---------------------------------+
#
# Connections are opened by egress_probe tcp-many, which keeps them open
# until its hold file exists.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-cl-$$
P=/$CG
CGP=nfe-clp-$$
CGT=nfe-clt-$$
CGR=nfe-clr-$$
CGA=nfe-cla-$$
CGC=nfe-clc-$$
SOCKETS_MAX=/sys/module/nf_egress/parameters/conn_sockets_max
HEALTH=/sys/module/nf_egress/parameters/health
RST_PORT=5203
DROP_PORT=5204
TFO_PORT=5205
LIMIT_US=100000

require_common
require_cmd nft python3
tap_plan 49

# client_sysctl ARGS...: sysctl in the client's network namespace.
client_sysctl()
{
	if [ -n "${CLIENT_NS:-}" ]; then
		ip netns exec "$CLIENT_NS" sysctl "$@"
	else
		sysctl "$@"
	fi
}

# version_key KEY: GET_INFO's KEY, as version -j gives it.
version_key()
{
	ectl -j version | json_eval 'd["module"].get(a[0])' "$1"
}

# conn_stats PATH: "connlimit_packets conn_active denied_packets" of PATH.
conn_stats()
{
	ectl -j stats "$1" | json_eval \
		'[(p["connlimit"]["packets"], p["conn_active"], p["denied"]["packets"]) for p in d if p["cgroup"] == a[0]][0]' "$1"
}

# active_is PATH N: PATH has N connections charged.
active_is()
{
	[ "$(conn_stats "$1" | cut -d' ' -f2)" = "$2" ]
}

cg_create "$CG"
setup_server_topology ""
start_daemon "$SRV_NS" tcp-listen :: "$RST_PORT" --pidfile "$TMPDIR_TEST/rst.pid" --rst
# Fast Open's data must be read: a server that closed with it unread would
# reset the connection, which releases its slot.
start_daemon "$SRV_NS" tcp-recv :: "$TFO_PORT" --pidfile "$TMPDIR_TEST/tfo.pid" \
	--statfile "$TMPDIR_TEST/tfo.stat"
ip netns exec "$SRV_NS" nft -f - <<NFT || bail_out "nft failed"
table inet nfe_cl {
	chain in {
		type filter hook input priority 0;
		tcp dport $DROP_PORT drop;
	}
}
NFT

policy_add "$P" default allow conn-max 5
check_eq "show prints the limit" "1" \
	"$(ectl show | grep -c "^policy $P .* conn max 5")"

# --- conn max 5 -------------------------------------------------------
hold "$CG" "$SRV4_ALLOW" "$TCP_PORT" 5 h1
check_eq "5 connections held open" "ok=5 refused=0" "$(held h1 | cut -d' ' -f1-2)"
check_eq "active 5, connlimit 0, denied 0" "0 5 0" "$(conn_stats "$P")"
r=$(many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 1)
us=$(field "$r" max_refused_us)
if [ "$(field "$r" refused)" = 1 ] && [ "${us:-999999}" -lt $LIMIT_US ]; then
	tap_ok "the 6th connect() fails with ECONNREFUSED in ${us} us"
else
	tap_fail "the 6th connect() fails with ECONNREFUSED in < 100 ms"
	diag "$r"
fi
check_eq "connlimit 1, active 5, denied 0" "1 5 0" "$(conn_stats "$P")"
# A socket whose connect() was refused tries again, 4 times: refused each
# time, and each counts.
r=$(many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 1 --retry 4)
check_eq "connect() again on a refused socket: refused 5 times" "0 5" \
	"$(field "$r" ok) $(field "$r" refused)"
check_eq "connlimit 6, active 5" "6 5 0" "$(conn_stats "$P")"
# apply -f with the same path keeps the live count
cat > "$TMPDIR_TEST/p.conf" <<CONF
cgroup "$P" {
	default allow;
	conn max 5;
}
CONF
apply_config "$TMPDIR_TEST/p.conf" > /dev/null || tap_fail "apply -f failed"
check_eq "apply -f keeps the active count" "6 5 0" "$(conn_stats "$P")"
r=$(many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 1)
check_eq "after the apply, the 6th is still refused" "0 1" \
	"$(field "$r" ok) $(field "$r" refused)"
release h1
if busywait 5000 active_is "$P" 0; then
	tap_ok "closing the connections releases their slots"
else
	tap_fail "closing the connections releases their slots"
	diag "$(conn_stats "$P")"
fi
r=$(many "$CG" "$SRV4_ALLOW" "$TCP_PORT" 5 --close-each)
check_eq "after the close, 5 connect" "5 0" "$(field "$r" ok) $(field "$r" refused)"
busywait 5000 active_is "$P" 0
check_eq "closed again: active 0" "7 0 0" "$(conn_stats "$P")"

# --- reset by the peer, SYN timeout ----------------------------------
hold "$CG" "$SRV4_ALLOW" "$RST_PORT" 5 h2
# A reset may beat connect()'s wake-up: ECONNRESET then, in "other".
r=$(held h2)
check_eq "5 connections made, then reset by the peer" "5 0" \
	"$(($(field "$r" ok) + $(field "$r" other))) $(field "$r" refused)"
if busywait 5000 active_is "$P" 0; then
	tap_ok "a reset releases the slot (sockets still open)"
else
	tap_fail "a reset releases the slot (sockets still open)"
	diag "$(conn_stats "$P")"
fi
release h2
r=$(many "$CG" "$SRV4_ALLOW" "$DROP_PORT" 1 --syncnt 1 --timeout-ms 10000)
check_eq "SYN to a blackhole times out" "1" "$(field "$r" timedout)"
if busywait 5000 active_is "$P" 0; then
	tap_ok "a SYN timeout releases the slot"
else
	tap_fail "a SYN timeout releases the slot"
	diag "$(conn_stats "$P")"
fi

# --- IPv6 -------------------------------------------------------------
hold "$CG" "$SRV6_ALLOW" "$TCP_PORT" 6 h3
check_eq "IPv6: 5 of 6 connect, the 6th is refused" "ok=5 refused=1" \
	"$(held h3 | cut -d' ' -f1-2)"
check_eq "IPv6: connlimit 8, active 5" "8 5 0" "$(conn_stats "$P")"
release h3
busywait 5000 active_is "$P" 0

# --- audit ------------------------------------------------------------
ectl_must policy set "$P" mode audit
hold "$CG" "$SRV4_ALLOW" "$TCP_PORT" 6 h4
check_eq "audit: all 6 connect" "ok=6 refused=0" "$(held h4 | cut -d' ' -f1-2)"
check_eq "audit: the 6th counts in connlimit, active 6" "9 6 0" \
	"$(conn_stats "$P")"
release h4
busywait 5000 active_is "$P" 0
ectl_must policy set "$P" mode enforce conn none
check_eq "conn none: no limit shown" "0" \
	"$(ectl show | grep -c "^policy $P .* conn ")"

# --- hierarchy: a parent's max 3 caps its two children together -------
cg_create "$CGP/a"
cg_create "$CGP/b"
policy_add "/$CGP" default allow conn-max 3
policy_add "/$CGP/a" default allow conn-max 5
policy_add "/$CGP/b" default allow conn-max 5
hold "$CGP/a" "$SRV4_ALLOW" "$TCP_PORT" 2 h5
hold "$CGP/b" "$SRV4_ALLOW" "$TCP_PORT" 2 h6
check_eq "hierarchy: a 2 + b 1 of the parent's 3" "ok=2 ok=1" \
	"$(held h5 | cut -d' ' -f1) $(held h6 | cut -d' ' -f1)"
check_eq "hierarchy: parent active 3, connlimit 1" "1 3" \
	"$(conn_stats "/$CGP" | cut -d' ' -f1-2)"
check_eq "hierarchy: b active 1, a 2" "1 2" \
	"$(conn_stats "/$CGP/b" | cut -d' ' -f2) $(conn_stats "/$CGP/a" | cut -d' ' -f2)"
release h5
release h6
busywait 5000 active_is "/$CGP" 0 || diag "parent not released: $(conn_stats "/$CGP")"
# With health off an entry names only the levels it charged: the parent,
# not its child without a limit.
on_cleanup "echo 1 > $HEALTH"
echo 0 > "$HEALTH"
cg_create "$CGP/c"
policy_add "/$CGP/c" default allow
hold "$CGP/c" "$SRV4_ALLOW" "$TCP_PORT" 4 h7
check_eq "health off: a child without a limit gets 3 of the parent's 3" "ok=3 refused=1" \
	"$(held h7 | cut -d' ' -f1-2)"
release h7
if busywait 5000 active_is "/$CGP" 0; then
	tap_ok "health off: their close releases the parent's slots"
else
	tap_fail "health off: their close releases the parent's slots"
	diag "$(conn_stats "/$CGP")"
fi
echo 1 > "$HEALTH"

# --- a template: each instance has its own max ------------------------
cg_create "$CGT-x"
cg_create "$CGT-y"
policy_add "/$CGT-*" default allow conn-max 2
hold "$CGT-x" "$SRV4_ALLOW" "$TCP_PORT" 3 h7
hold "$CGT-y" "$SRV4_ALLOW" "$TCP_PORT" 3 h8
check_eq "template: 2 of 3 for each instance" "ok=2 refused=1 ok=2 refused=1" \
	"$(held h7 | cut -d' ' -f1-2) $(held h8 | cut -d' ' -f1-2)"
check_eq "template: instance x active 2, connlimit 1" "1 2" \
	"$(conn_stats "/$CGT-x" | cut -d' ' -f1-2)"
release h7
release h8

# --- conn rate 10/s burst 10 -------------------------------------------
cg_create "$CGR"
policy_add "/$CGR" default allow conn-rate 10/s conn-burst 10
r=$(many "$CGR" "$SRV4_ALLOW" "$TCP_PORT" 100 --close-each)
ok=$(field "$r" ok)
el=$(field "$r" elapsed_us)
lo=$(((10 + 10 * el / 1000000) * 9 / 10))
hi=$(((10 + 10 * el / 1000000 + 1) * 11 / 10 + 1))
if [ "${ok:-0}" -ge "$lo" ] && [ "${ok:-0}" -le "$hi" ] &&
	[ "$(field "$r" refused)" = $((100 - ok)) ]; then
	tap_ok "rate: $ok of 100 connect in $el us (10 + 10/s: $lo..$hi), the rest refused"
else
	tap_fail "rate: 10 + 10/s connect (within 10%), the rest refused"
	diag "$r"
fi
us=$(field "$r" max_refused_us)
check_eq "rate: refusals fail fast (< 100 ms)" "yes" \
	"$([ "${us:-999999}" -lt $LIMIT_US ] && echo yes || echo "no ($us us)")"
check_eq "rate: connlimit counts every refusal" "$((100 - ok))" \
	"$(conn_stats "/$CGR" | cut -d' ' -f1)"

# --- an attacker: many sockets at once -----------------------------------
# 50 connects started together, none waited for before the last starts:
# every first SYN passes the hook before any handshake ends.
cg_create "$CGA"
policy_add "/$CGA" default allow conn-max 5
hold "$CGA" "$SRV4_ALLOW" "$TCP_PORT" 50 h9 --parallel
check_eq "parallel: 5 of 50 connect, 45 refused" "ok=5 refused=45" \
	"$(held h9 | cut -d' ' -f1-2)"
check_eq "parallel: connlimit 45, active 5" "45 5 0" "$(conn_stats "/$CGA")"
release h9
busywait 5000 active_is "/$CGA" 0

# --- TCP Fast Open: data in the SYN is a connect like any -----------------
# tcp_fastopen 5: client on, data in the SYN without a cookie.
tfo_old=$(client_sysctl -n net.ipv4.tcp_fastopen)
client_sysctl -qw net.ipv4.tcp_fastopen=5
hold "$CGA" "$SRV4_ALLOW" "$TFO_PORT" 6 h10 --fastopen
check_eq "TFO: 5 of 6 connect, the 6th is refused" "ok=5 refused=1" \
	"$(held h10 | cut -d' ' -f1-2)" || diag "tcp-many: $(held h10)"
# Its SYN with data refused, the kernel sends a plain one (tcp_send_syn_data's
# fallback), refused as well: two packets in connlimit.
check_eq "TFO: connlimit 47 (two SYNs of the 6th), active 5" "47 5 0" "$(conn_stats "/$CGA")"
release h10
busywait 5000 active_is "/$CGA" 0
r=$(many "$CGA" "$SRV6_ALLOW" "$TFO_PORT" 5 --fastopen --close-each)
check_eq "TFO over IPv6, closed each: 5 connect" "5 0" \
	"$(field "$r" ok) $(field "$r" refused)"
# The refused one's byte never left: 10 connections, a byte each.
busywait 5000 grep -qx "connections=10 bytes=10" "$TMPDIR_TEST/tfo.stat"
check_eq "TFO: the server read 10 connections of a byte" \
	"connections=10 bytes=10" "$(cat "$TMPDIR_TEST/tfo.stat")"
client_sysctl -qw net.ipv4.tcp_fastopen="$tfo_old"
busywait 5000 active_is "/$CGA" 0

# --- the module's table full: a limited cgroup's next first SYN fails ------
hold "$CGA" "$SRV4_ALLOW" "$TCP_PORT" 3 h11
busywait 5000 active_is "/$CGA" 3
sockets=$(version_key conn_sockets)
full=$(version_key conn_table_full)
sockets_max_old=$(cat "$SOCKETS_MAX")
echo "$sockets" > "$SOCKETS_MAX"
r=$(many "$CGA" "$SRV4_ALLOW" "$TCP_PORT" 1)
check_eq "table full ($sockets sockets): the 4th is refused" "0 1" \
	"$(field "$r" ok) $(field "$r" refused)"
check_eq "table full: connlimit 48, active 3; conn_table_full + 1" \
	"48 3 0 $((full + 1))" \
	"$(conn_stats "/$CGA") $(version_key conn_table_full)"
echo "$sockets_max_old" > "$SOCKETS_MAX"
r=$(many "$CGA" "$SRV4_ALLOW" "$TCP_PORT" 1 --close-each)
check_eq "room again: the 4th connects" "1 0" \
	"$(field "$r" ok) $(field "$r" refused)"
release h11
busywait 5000 active_is "/$CGA" 0

# --- /proc and the module's count ---------------------------------------
check_eq "/proc stats: connlimit and conn_active columns" "9 0" \
	"$(awk -v p="$P" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == p { print $(col["connlimit_packets"]), $(col["conn_active"]) }' \
		"$NF_EGRESS_PROC/stats")"

# --- a class's limit beside the policy's --------------------------------
# (last: the apply -f replaces every policy of the test)
# conn max 2 class near under conn max 5: near (10.99.0.2) has 2, and far
# (10.99.1.2) the rest of the 5.
cg_create "$CGC"
cat > "$TMPDIR_TEST/class.conf" <<CONF
cgroup "/$CGC" {
	default deny;
	allow to $NET4_ALLOW class near;
	allow to 10.99.1.0/24 class far;
	conn max 2 class near;
	conn max 5;
}
CONF
apply_config "$TMPDIR_TEST/class.conf" > /dev/null || tap_fail "apply -f of class limits failed"
CLEANUP_POLICIES+=("/$CGC")
hold "$CGC" "$SRV4_ALLOW" "$TCP_PORT" 3 c1
check_eq "conn max 2 class near: 2 of 3 connections to near get in" "2 1" \
	"$(field "$(held c1)" ok) $(field "$(held c1)" refused)"
hold "$CGC" "$SRV4_DENY" "$TCP_PORT" 4 c2
check_eq "far has the rest of the policy's 5: 3 of 4 get in" "3 1" \
	"$(field "$(held c2)" ok) $(field "$(held c2)" refused)"
check_eq "class near: conn_active 2; the policy: 5; connlimit 2" "2 5 2" \
	"$(ectl -j stats "/$CGC" | json_eval \
		'[(p["classes"]["near"]["conn_active"], p["conn_active"], p["connlimit"]["packets"]) for p in d if p["cgroup"] == a[0]][0]' "/$CGC")"
check_eq "/proc policies: the class's limit" "1" \
	"$(grep -c "^policy /$CGC .* conn max_active 5 rate 0 burst 0 conn_class near max_active 2 rate 0 burst 0" "$NF_EGRESS_PROC/policies")"
ectl show --config "/$CGC" > "$TMPDIR_TEST/class.out"
check_eq "show --config writes both limits" "1 1" \
	"$(grep -cx '	conn max 2 class near;' "$TMPDIR_TEST/class.out") $(grep -cx '	conn max 5;' "$TMPDIR_TEST/class.out")"
# With far's connections closed, a refusal is the class's alone; its event
# names the policy, the limit and its class (a monitor joins
# asynchronously: connect again until its event comes).
release c2
busywait 5000 active_is "/$CGC" 2 || diag "far's connections still open: $(conn_stats "/$CGC")"
MON=$TMPDIR_TEST/mon.json
"$EGRESSCTL" -j monitor > "$MON" 2> "$MON.err" &
register_pid "$!"
# shellcheck disable=SC2317 # called through busywait
class_event_seen()
{
	many "$CGC" "$SRV4_ALLOW" "$TCP_PORT" 1 > /dev/null
	monitor_has 'e.get("verdict") == "connlimit" and e.get("policy") == a[0]' "/$CGC"
}
busywait 20000 class_event_seen || diag "no connlimit event: $(cat "$MON.err")"
check_eq "the connlimit event: policy, conn max 2, class near" "2 near" \
	"$(monitor_select 'e.get("verdict") == "connlimit" and e.get("policy") == a[0]' \
		'"%s %s" % (e.get("conn_max"), e.get("conn_class"))' "/$CGC" | head -n 1)"
release c1
if busywait 5000 active_is "/$CGC" 0; then
	tap_ok "closing them releases the class's and the policy's slots"
else
	tap_fail "closing them releases the class's and the policy's slots"
	diag "$(conn_stats "/$CGC")"
fi
check_eq "class near: conn_active 0" "0" \
	"$(ectl -j stats "/$CGC" | json_eval \
		'[p["classes"]["near"]["conn_active"] for p in d if p["cgroup"] == a[0]][0]' "/$CGC")"

tap_done
