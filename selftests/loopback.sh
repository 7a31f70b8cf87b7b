#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Traffic leaving through the loopback device is not egress: never judged
# and never counted (unless the module parameter judge_loopback=1, which
# this test does not set), even under a default-deny policy without rules.
#
#   $CLIENT_NS (new)                           $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-lo-PID: default deny,    |          | tcp-listen :: 5201           |
#   |   no rules                    |          | udp-recv   :: 5202           |
#   | tcp-listen :: 6201  (lo)      |   veth   |                              |
#   | udp-recv   :: 6202  (lo)      +----------+ eth0 10.99.0.2 ...           |
#   | lo 127.0.0.1 ::1              |          |                              |
#   | nfeXXXX 10.99.0.1/24 ...      |          |                              |
#   +-------------------------------+          +------------------------------+
#
# From /nfe-lo-PID: TCP and UDP to 127.0.0.1, ::1 and to the netns' own
# address 10.99.0.1 (routed through lo) all work, the loopback sink counts
# every datagram, and the policy's counters stay exactly 0.  Then the policy
# is shown to be live: UDP to 10.99.0.2 over the veth fails with EPERM and
# is counted (denied 3 packets, 3 * 128 bytes), nothing else.  A TCP
# connection to 127.0.0.1 that NAT at OUTPUT sends to another host is
# judged, as it leaves by the veth.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-lo-$$
P=/$CG
LO_TCP=6201
LO_UDP=6202

require_common
tap_plan 15

cg_create "$CG"
ns_create CNS cli
setup_server_topology "$CNS"
start_daemon "$CNS" tcp-listen :: "$LO_TCP" --pidfile "$TMPDIR_TEST/lo-tcp.pid"
LO_STAT=$TMPDIR_TEST/lo-udp.stat
start_daemon "$CNS" udp-recv :: "$LO_UDP" --pidfile "$TMPDIR_TEST/lo-udp.pid" --statfile "$LO_STAT"

ECTL_QUIET=1 ectl policy del "$P" > /dev/null
ectl policy add "$P" default deny > /dev/null
tap_result $? "policy add $P default deny (no rules)" "$(cat "$ECTL_ERR")"
CLEANUP_POLICIES+=("$P")

check_tcp_port "loopback: TCP to 127.0.0.1 ok" "$CG" 127.0.0.1 "$LO_TCP" ok
check_tcp_port "loopback: TCP to ::1 ok" "$CG" ::1 "$LO_TCP" ok
check_tcp_port "loopback: TCP to the netns' own 10.99.0.1 (via lo) ok" "$CG" 10.99.0.1 "$LO_TCP" ok
check_eq "loopback: UDP to 127.0.0.1 sent" "sent=10 failed=0 first_errno=none" \
	"$(udp_send_port "$CG" 127.0.0.1 "$LO_UDP" 10 100)"
check_eq "loopback: UDP to ::1 sent" "sent=10 failed=0 first_errno=none" \
	"$(udp_send_port "$CG" ::1 "$LO_UDP" 10 100)"
check_eq "loopback: UDP to 10.99.0.1 (via lo) sent" "sent=5 failed=0 first_errno=none" \
	"$(udp_send_port "$CG" 10.99.0.1 "$LO_UDP" 5 100)"
busywait 5000 udp_count_is "$LO_STAT" 25
check_eq "loopback sink received all 25 datagrams" 25 "$(udp_count "$LO_STAT")"
check_eq "stats of $P stay exactly 0 after the loopback traffic" "0 0 0 0" "$(stats_json "$P")"

# The policy is live: the same cgroup is denied (and counted) over the veth.
check_udp "veth: UDP to $SRV4_ALLOW fails with EPERM (default deny)" "$CG" "$SRV4_ALLOW" 3 100 \
	"sent=0 failed=3 first_errno=EPERM"
check_eq "stats of $P count exactly the 3 denied veth datagrams" "0 0 3 384" "$(stats_json "$P")"
check_tcp "veth: TCP to $SRV4_ALLOW refused" "$CG" "$SRV4_ALLOW" ECONNREFUSED

# A connection to 127.0.0.1 that NAT at OUTPUT sends to another host (as
# kube-proxy does for local NodePorts) leaves by the veth, and is judged
# there: the hook looks at the packet's route, not the device the hook
# was first called for.
ip netns exec "$CNS" sysctl -qw net.ipv4.conf.all.route_localnet=1 ||
	bail_out "route_localnet"
ip netns exec "$CNS" nft -f - <<EOF || bail_out "nft nat in $CNS"
table ip nfe_lo_nat {
	chain out {
		type nat hook output priority -100; policy accept;
		ip daddr 127.0.0.1 tcp dport 7201 dnat to $SRV4_DENY:$TCP_PORT
	}
	chain post {
		type nat hook postrouting priority 100; policy accept;
		ip saddr 127.0.0.0/8 oif != lo masquerade
	}
}
EOF
check_tcp_port "no policy: TCP to 127.0.0.1:7201 reaches $SRV4_DENY through the DNAT" \
	"" 127.0.0.1 7201 ok
denied0=$(stats_json "$P" | cut -d' ' -f3)
check_tcp_port "$P: TCP to 127.0.0.1:7201, sent on to $SRV4_DENY by NAT, is refused" \
	"$CG" 127.0.0.1 7201 ECONNREFUSED
check_eq "stats of $P count it: exactly one more denied packet (the SYN)" 1 \
	"$(($(stats_json "$P" | cut -d' ' -f3) - denied0))"

tap_done
