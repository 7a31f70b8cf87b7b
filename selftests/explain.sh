#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `egressctl explain` runs the kernel's own lookup: for every case of a
# table (cgroup, destination, protocol, port) its verdict must equal the
# verdict of a real packet sent from a process in that cgroup, and both must
# equal the expected verdict written in the table; the levels it reports
# (root first, with mode and each policy's own verdict) must be the
# expected ones too.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-ex-PID       P  enforce  |          | tcp-listen :: 5201, 5203     |
#   |   |- c            C  enforce  |          | udp-recv   :: 5202, 5204     |
#   |   |- a            A  audit    |   veth   | eth0 10.99.0.2  10.99.1.2    |
#   |   `- s            no policy   +----------+      10.99.1.3  192.0.2.2    |
#   | /nfe-exf-PID      no policy   |          |      198.51.100.2            |
#   |  nfeXXXX 10.99.{0,1}.1 ...    |          |      2001:db8:99::2, 98::2/3 |
#   +-------------------------------+          +------------------------------+
#
#   P: default deny; allow to 10.99.0.0/16; deny to 10.99.1.0/24;
#      allow to 10.99.1.2/32; allow to 192.0.2.0/24; allow to 2001:db8::/32;
#      deny udp to 10.99.0.2/32 port 5202
#   C: default allow; deny to 192.0.2.0/24; deny tcp to 10.99.0.2/32 port 5203;
#      deny to 2001:db8:98::/64; allow to 2001:db8:98::2/128
#   A: mode audit, default deny; allow to 10.99.0.0/24
# Observed verdict: TCP connect() ok = allow, ECONNREFUSED = deny (every TCP
# target is shown reachable without a policy first); one UDP datagram
# sent = allow, EPERM = deny.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-ex-$$
FREE=nfe-exf-$$
P=/$CG

# cgroup key, destination, proto, port, expected verdict, expected verdict
# of each level (root first; "-": no policy on the path)
CASES="\
P 10.99.0.2      tcp 5201 allow allow
P 10.99.0.2      udp 5202 deny  deny
P 10.99.0.2      udp 5204 allow allow
P 10.99.1.2      tcp 5201 allow allow
P 10.99.1.3      tcp 5201 deny  deny
P 10.99.1.3      udp 5202 deny  deny
P 192.0.2.2      tcp 5201 allow allow
P 198.51.100.2   tcp 5201 deny  deny
P 198.51.100.2   udp 5202 deny  deny
P 2001:db8:99::2 tcp 5201 allow allow
P 2001:db8:98::3 udp 5202 allow allow
c 10.99.0.2      tcp 5201 allow allow,allow
c 10.99.0.2      tcp 5203 deny  allow,deny
c 10.99.0.2      udp 5202 deny  deny,allow
c 10.99.0.2      udp 5204 allow allow,allow
c 192.0.2.2      tcp 5201 deny  allow,deny
c 192.0.2.2      udp 5202 deny  allow,deny
c 10.99.1.2      tcp 5201 allow allow,allow
c 10.99.1.3      tcp 5201 deny  deny,allow
c 2001:db8:99::2 tcp 5201 allow allow,allow
c 2001:db8:98::2 tcp 5201 allow allow,allow
c 2001:db8:98::3 tcp 5201 deny  allow,deny
c 2001:db8:98::3 udp 5202 deny  allow,deny
c 198.51.100.2   udp 5202 deny  deny,allow
a 10.99.0.2      tcp 5201 allow allow,allow
a 10.99.1.2      tcp 5201 allow allow,deny
a 10.99.1.3      tcp 5201 deny  deny,deny
a 192.0.2.2      udp 5202 allow allow,deny
a 2001:db8:99::2 udp 5202 allow allow,deny
a 198.51.100.2   tcp 5201 deny  deny,deny
a 10.99.0.2      udp 5202 deny  deny,allow
s 10.99.1.3      tcp 5201 deny  deny
s 192.0.2.2      tcp 5201 allow allow
s 2001:db8:98::3 tcp 5201 allow allow
s 10.99.0.2      tcp 5203 allow allow
free 198.51.100.2 tcp 5201 allow -
free 10.99.1.3   udp 5202 allow -
"
NCASES=$(grep -c . <<< "$CASES")

require_common
tap_plan $((NCASES + 1))

cg_create "$CG"
cg_create "$CG/c"
cg_create "$CG/a"
cg_create "$CG/s"
cg_create "$FREE"
setup_server_topology ""
server_add_addr 10.99.1.3/24
server_add_addr 2001:db8:98::3/64
server_add_net 192.0.2.1/24 192.0.2.2/24
server_add_net 198.51.100.1/24 198.51.100.2/24
start_tcp_listener 5203
start_udp_sink :: 5204 "$TMPDIR_TEST/udp5204.stat"
while read -r _ dst proto port _; do
	[ "$proto" = tcp ] && wait_tcp_reachable "$dst" "$port"
done <<< "$CASES"

policy_add "$P"
for r in "allow to 10.99.0.0/16" "deny to 10.99.1.0/24" "allow to 10.99.1.2/32" \
	"allow to 192.0.2.0/24" "allow to 2001:db8::/32" "deny udp to 10.99.0.2/32 port 5202"; do
	# shellcheck disable=SC2086 # the rule's words
	ectl_must rule add "$P" $r
done
policy_add "$P/c" default allow
for r in "deny to 192.0.2.0/24" "deny tcp to 10.99.0.2/32 port 5203" \
	"deny to 2001:db8:98::/64" "allow to 2001:db8:98::2/128"; do
	# shellcheck disable=SC2086
	ectl_must rule add "$P/c" $r
done
policy_add "$P/a" mode audit default deny
ectl_must rule add "$P/a" allow to 10.99.0.0/24

# levels_of KEY V1,V2: the expected "cgroup:mode:verdict,..." of explain.
levels_of()
{
	local v1=${2%%,*} v2=${2#*,}

	case $1 in
	P | s) echo "$P:enforce:$v1" ;;
	c) echo "$P:enforce:$v1,$P/c:enforce:$v2" ;;
	a) echo "$P:enforce:$v1,$P/a:audit:$v2" ;;
	free) echo "-" ;;
	esac
}

# observe CGROUP DST PROTO PORT: allow, deny or "error: ..."
observe()
{
	local out

	if [ "$3" = tcp ]; then
		tcp_probe_port "$1" "$2" "$4"
		case $TCP_RESULT in
		ok) echo allow ;;
		ECONNREFUSED) echo deny ;;
		*) echo "error: $LAST_PROBE" ;;
		esac
	else
		out=$(udp_send_port "$1" "$2" "$4" 1 100)
		case $out in
		"sent=1 failed=0 first_errno=none") echo allow ;;
		"sent=0 failed=1 first_errno=EPERM") echo deny ;;
		*) echo "error: $out" ;;
		esac
	fi
}

n=0 agree=0
while read -r key dst proto port want lv <&3; do
	[ -n "$key" ] || continue
	n=$((n + 1))
	case $key in
	P) cg=$CG ;;
	free) cg=$FREE ;;
	*) cg=$CG/$key ;;
	esac
	path=/$cg
	got_explain=$(explain "$path" "$dst" "$proto" "$port")
	got_seen=$(observe "$cg" "$dst" "$proto" "$port")
	want_explain="$want $(levels_of "$key" "$lv")"
	desc="case $n: $path to $dst $proto $port: $want (explain, observed)"
	if [ "$got_explain" = "$want_explain" ] && [ "$got_seen" = "$want" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		diag "explain:  expected '$want_explain'" "          got      '$got_explain'" \
			"observed: expected '$want', got '$got_seen'"
	fi
	[ "${got_explain%% *}" = "$got_seen" ] && agree=$((agree + 1))
done 3<<< "$CASES"
check_eq "explain's verdict agrees with the observed verdict in every case" "$n/$n" "$agree/$n"

tap_done
