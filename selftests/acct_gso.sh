#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# GSO/TSO accounting: a bulk TCP transfer is counted as the segments that go
# on the wire, each with its own headers, not as the large GSO packets that
# pass LOCAL_OUT.  The policy's allowed bytes must be within 0.5% of the IP
# bytes the sending veth transmitted (tx_bytes - 14 * tx_packets), and its
# allowed packets within 0.5% of tx_packets.  A datagram larger than the
# MTU counts as its fragments: as many as the output path makes, to the
# route's MTU or the path MTU learnt, or to the device's for a socket that
# ignores path MTU (IP_PMTUDISC_PROBE).  A GSO packet through a GRE tunnel in the
# client's namespace counts twice, as its inner and as its outer frames,
# each with its own headers.
#
#   $CLI_NS (IPv4 only)                         $SRV_NS
#   +--------------------------------+          +---------------------------+
#   | cgroup /nfe-gso-PID (policy):  |          | iperf3 -s -p 5310 -1      |
#   |   iperf3 -c 10.99.0.2 -t 3     |   veth   |                           |
#   | veth0 10.99.0.1/24             +----------+ eth0 10.99.0.2/24         |
#   |   gso on, tso off              |          | pmtu0 10.99.8.1/24 (dummy,|
#   | 10.99.8.0/24 via 10.99.0.2     |          |   MTU 1200), forwarding   |
#   +--------------------------------+          +---------------------------+
#
#   policy: default deny; allow tcp to 10.99.0.2/32 port 5310
#
# Why TSO off and GSO on: with GSO on, TCP builds packets of many segments
# and they pass LOCAL_OUT as one skb whatever the device offers; with TSO
# off the stack cuts them into wire-sized frames before veth_xmit(), so the
# veth's tx_packets/tx_bytes count the frames as they go on the wire.  (With
# TSO on, a veth passes the GSO skb to its peer whole and counts it as one
# packet, so its counters would not be wire counts.)  An nftables counter in
# the client's output hook counts skbs at LOCAL_OUT: fewer skbs than wire
# frames proves that the transfer did use GSO packets.
#
# Only sockets of the policy's cgroup send on the veth during the
# measurement: the client netns has no IPv6 (no NDP, MLD, RS), the
# neighbours are permanent (no ARP), and iperf3's control and data
# connections both come from the cgroup.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-gso-$$
P=/$CG
PORT=5310
SRV=10.99.0.2
SECS=3

require_common
require_cmd iperf3 ss
tap_plan 21

cg_create "$CG"

# --- topology --------------------------------------------------------------
setup_measured_link g "$SRV"
out=$(ip netns exec "$CLI_NS" "$PROBE" netdev-feature "$DEV" tso off 2>&1) ||
	bail_out "cannot turn TSO off on $DEV: $out"

gso=$(ip netns exec "$CLI_NS" "$PROBE" netdev-feature "$DEV" gso 2>&1)
tso=$(ip netns exec "$CLI_NS" "$PROBE" netdev-feature "$DEV" tso 2>&1)
check_eq "$DEV offloads: generic segmentation on, TCP segmentation off" "gso=on tso=off" "$gso $tso"

# An skb counter at LOCAL_OUT (before nf_egress's hook).
NFT=0
if command -v nft > /dev/null 2>&1 &&
	ip netns exec "$CLI_NS" nft -f - <<EOF
table ip nfe_gso {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr $SRV tcp dport $PORT counter
	}
}
EOF
then
	NFT=1
fi

# --- server ------------------------------------------------------------------
iperf_server "$SRV_NS" "$PORT"

policy_add "$P"
ectl_must rule add "$P" allow tcp to "$SRV/32" port "$PORT"

# --- measurement -------------------------------------------------------------
SNAP=$TMPDIR_TEST/snap
acct_snap "$SNAP.0"
before=$(acct_ctr "$SNAP.0" "$P")
veth_iperf "$CG" "$CLI_NS" "$DEV" "$SRV_NS" "$SRV" "$PORT" "$SECS" "$TMPDIR_TEST/iperf3-client.log"
tap_result $? "iperf3 -c $SRV -p $PORT -t $SECS from $P exits 0" \
	"$(tail -n 12 "$TMPDIR_TEST/iperf3-client.log")"
acct_snap "$SNAP.1"

check_eq "policy counters were 0 before the transfer" "0 0 0 0 0 0 0 0" "$before"
read -r ap ab dp db wp wb rp rb <<< "$(acct_ctr "$SNAP.1" "$P")"
tx_pkts=$TX_PKTS
ip_bytes=$IP_BYTES
diag "veth $DEV: tx_packets +$tx_pkts, IP bytes $ip_bytes, tx_dropped +$TX_DROPPED"
diag "policy $P: allowed $ap packets, $ab bytes; denied $dp packets, $db bytes"
if [ "$NFT" = 1 ]; then
	read -r nft_pkts nft_bytes < <(ip netns exec "$CLI_NS" nft list table ip nfe_gso |
		sed -n 's/.*counter packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p')
	diag "nftables at LOCAL_OUT: $nft_pkts skbs, $nft_bytes bytes (skb->len)"
fi
if [ "${ap:-0}" -gt 0 ]; then
	diag "average: $((ab / ap)) bytes per counted packet; $((ab - ${nft_bytes:-$ab})) bytes of replicated headers"
fi

check_eq "no packet denied, would-deny or rate-limited" "0 0 0 0 0 0" "$dp $db $wp $wb $rp $rb"
check_eq "the veth dropped nothing (its counters see every frame)" 0 "$TX_DROPPED"
[ "$tx_pkts" -ge 1000 ]
tap_result $? "the transfer is large enough to measure: $tx_pkts frames >= 1000"
if [ "$NFT" = 1 ] && [ -n "$nft_pkts" ]; then
	[ "$nft_pkts" -gt 0 ] && [ "$nft_pkts" -lt "$tx_pkts" ]
	tap_result $? "GSO in use: $nft_pkts skbs at LOCAL_OUT < $tx_pkts frames on the wire"
else
	tap_fail "GSO in use: fewer skbs at LOCAL_OUT than frames on the wire" "no nft counter at LOCAL_OUT"
fi
within_permille "${ab:-0}" "$ip_bytes" 5
tap_result $? "allowed bytes $ab within 0.5% of the veth's IP bytes $ip_bytes" \
	"difference: $((${ab:-0} - ip_bytes)) bytes"
within_permille "${ap:-0}" "$tx_pkts" 5
tap_result $? "allowed packets $ap within 0.5% of the veth's tx_packets $tx_pkts" \
	"difference: $((${ap:-0} - tx_pkts)) packets"
got=$(acct_rule "$SNAP.1" "$P" "allow tcp to $SRV/32 port $PORT")
check_eq "the allow rule's hits equal the policy's allowed packets and bytes" "$ap $ab" "$got"

# Fragments: a UDP datagram of 4000 bytes over a 1500-byte MTU passes
# LOCAL_OUT once and leaves as 3 fragments, each with its IP header: 4028
# IP bytes and 2 more headers (the server's veth counts the fragments).
ectl_must rule add "$P" allow udp to "$SRV/32" port 9
udp_datagram_counted "$CG" "$P" "$SRV" 4000 3
check_eq "a 4000-byte UDP datagram counts as its 3 fragments, 4068 IP bytes (veth: $UDP_WIRE; $UDP_OUT)" \
	"3 4068" "$UDP_COUNTED"

# Which MTU: a route to the server with MTU 1000 under the device's 1500.
# A 1400-byte datagram leaves as 2 fragments (1448 IP bytes) from a socket
# that follows path MTU (the default), and whole (1428) from one with
# IP_PMTUDISC_PROBE, which the output path fragments to the device's MTU.
# A 4000-byte datagram started under IP_PMTUDISC_DONT (cut into pieces of
# 976 data bytes for the route's MTU) and sent after a switch to
# IP_PMTUDISC_OMIT (the device's MTU) leaves as those 5 pieces: 4108 IP
# bytes, not the 3 fragments the device's MTU alone would give.
# udp_mtu_case NAME WANT SIZE [udp-send option...]
udp_mtu_case()
{
	local name=$1 want=$2 size=$3

	shift 3
	udp_datagram_counted "$CG" "$P" "$SRV" "$size" "${want%% *}" "$@"
	# The module's count, then the veth's frames and IP bytes: both.
	check_eq "$name ($UDP_OUT)" "$want / $want" "$UDP_COUNTED / $UDP_WIRE"
}
# The namespace goes at cleanup, and the route with it.
ip -n "$CLI_NS" route add "$SRV/32" dev "$DEV" mtu 1000 ||
	bail_out "cannot add a route with MTU 1000 in $CLI_NS"
udp_mtu_case "route MTU 1000: a 1400-byte datagram counts as its 2 fragments, 1448 IP bytes" \
	"2 1448" 1400
udp_mtu_case "route MTU 1000, IP_PMTUDISC_PROBE socket: the datagram leaves whole, 1428 IP bytes" \
	"1 1428" 1400 --pmtudisc-probe
udp_mtu_case "route MTU 1000, a datagram started under IP_PMTUDISC_DONT, sent under OMIT: its 5 pieces, 4108 IP bytes" \
	"5 4108" 4000 --pmtudisc-switch
ip -n "$CLI_NS" route del "$SRV/32" dev "$DEV"

# A path MTU learnt from the network, not configured: the server's
# namespace routes 10.99.8.0/24 to a dummy device with MTU 1200 and sends
# "fragmentation needed" for a larger packet with DF set (the first
# datagram, from an IP_PMTUDISC_PROBE socket, 1428 bytes on the wire).
# The client's route to 10.99.8.2 then carries a path MTU of 1200, under
# the device's and with no MTU metric: a 1400-byte datagram leaves as 2
# fragments of at most 1200 bytes, 1448 IP bytes.
PMTU_DST=10.99.8.2
cmac=$(ip netns exec "$CLI_NS" cat "/sys/class/net/$DEV/address")
ip netns exec "$SRV_NS" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$SRV_NS" link add pmtu0 type dummy &&
	ip -n "$SRV_NS" link set pmtu0 mtu 1200 up &&
	ip -n "$SRV_NS" addr add 10.99.8.1/24 dev pmtu0 &&
	ip -n "$SRV_NS" neigh replace 10.99.0.1 lladdr "$cmac" dev eth0 nud permanent &&
	ip -n "$CLI_NS" route add 10.99.8.0/24 via "$SRV" dev "$DEV" ||
	bail_out "cannot set up the path to $PMTU_DST with MTU 1200"
ectl_must rule add "$P" allow udp to "$PMTU_DST/32" port 9
udp_datagram_counted "$CG" "$P" "$PMTU_DST" 1400 1 --pmtudisc-probe
route=$(ip -n "$CLI_NS" route get "$PMTU_DST")
[[ $route == *" mtu 1200"* ]] ||
	bail_out "no path MTU of 1200 learnt for $PMTU_DST: $route"
udp_datagram_counted "$CG" "$P" "$PMTU_DST" 1400 2
check_eq "path MTU 1200 learnt: a 1400-byte datagram counts as its 2 fragments, 1448 IP bytes ($UDP_OUT)" \
	"2 1448 / 2 1448" "$UDP_COUNTED / $UDP_WIRE"

# A tunnel in a namespace other than the initial one: its outer packets are
# judged and counted too, by the carried packet's socket.  GRE passes the
# inner GSO packet through LOCAL_OUT again whole, with the outer IP and GRE
# headers in front; it leaves as one frame per inner segment, each with
# both sets of headers (the veth has no GRE segmentation with TSO off).
# So the outer rule must match the veth's frames and IP bytes, and the
# inner rule the same frames without the 24 bytes of outer IPv4 and GRE
# headers each.
GPORT=5311
ip -n "$CLI_NS" link add gre1 type gre local 10.99.0.1 remote "$SRV" &&
	ip -n "$SRV_NS" link add gre1 type gre local "$SRV" remote 10.99.0.1 &&
	ip -n "$CLI_NS" addr add 10.99.9.1/30 dev gre1 &&
	ip -n "$SRV_NS" addr add 10.99.9.2/30 dev gre1 &&
	ip -n "$CLI_NS" link set gre1 up &&
	ip -n "$SRV_NS" link set gre1 up || bail_out "cannot set up the GRE tunnel"
GNFT=0
if [ "$NFT" = 1 ] && ip netns exec "$CLI_NS" nft -f - <<EOF
table ip nfe_gre {
	chain out {
		type filter hook output priority 0; policy accept;
		ip daddr $SRV ip protocol gre counter
	}
}
EOF
then
	GNFT=1
fi
iperf_server "$SRV_NS" "$GPORT"
ectl_must rule add "$P" allow to "$SRV/32"
ectl_must rule add "$P" allow tcp to 10.99.9.2/32 port "$GPORT"
OUTER="allow to $SRV/32"
INNER="allow tcp to 10.99.9.2/32 port $GPORT"

acct_snap "$SNAP.4"
veth_iperf "$CG" "$CLI_NS" "$DEV" "$SRV_NS" 10.99.9.2 "$GPORT" "$SECS" \
	"$TMPDIR_TEST/iperf3-gre-client.log"
tap_result $? "iperf3 -c 10.99.9.2 -p $GPORT through the namespace's GRE tunnel exits 0" \
	"$(tail -n 12 "$TMPDIR_TEST/iperf3-gre-client.log")"
acct_snap "$SNAP.5"
tx_pkts=$TX_PKTS
ip_bytes=$IP_BYTES
read -r op0 ob0 <<< "$(acct_rule "$SNAP.4" "$P" "$OUTER")"
read -r op1 ob1 <<< "$(acct_rule "$SNAP.5" "$P" "$OUTER")"
read -r ip0 ib0 <<< "$(acct_rule "$SNAP.4" "$P" "$INNER")"
read -r ip1 ib1 <<< "$(acct_rule "$SNAP.5" "$P" "$INNER")"
outer_p=$((op1 - op0)) outer_b=$((ob1 - ob0))
inner_p=$((ip1 - ip0)) inner_b=$((ib1 - ib0))
diag "veth $DEV: tx_packets +$tx_pkts, IP bytes $ip_bytes, tx_dropped +$TX_DROPPED"
diag "outer rule: $outer_p packets, $outer_b bytes; inner rule: $inner_p packets, $inner_b bytes"
read -r dp0 db0 _ <<< "$(acct_ctr "$SNAP.4" "$P" | cut -d' ' -f3-4)"
read -r dp1 db1 _ <<< "$(acct_ctr "$SNAP.5" "$P" | cut -d' ' -f3-4)"
check_eq "GRE: nothing denied, the veth dropped nothing" "0 0 0" \
	"$((dp1 - dp0)) $((db1 - db0)) $TX_DROPPED"
[ "$tx_pkts" -ge 1000 ]
tap_result $? "GRE: the transfer is large enough to measure: $tx_pkts frames >= 1000"
if [ "$GNFT" = 1 ]; then
	read -r gskbs _ < <(ip netns exec "$CLI_NS" nft list table ip nfe_gre |
		sed -n 's/.*counter packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p')
	[ "${gskbs:-0}" -gt 0 ] && [ "${gskbs:-0}" -lt "$tx_pkts" ]
	tap_result $? "GRE: GSO in use: ${gskbs:-0} outer skbs at LOCAL_OUT < $tx_pkts frames on the wire"
else
	tap_fail "GRE: GSO in use: fewer outer skbs at LOCAL_OUT than frames" "no nft counter at LOCAL_OUT"
fi
within_permille "$outer_p" "$tx_pkts" 5 && within_permille "$outer_b" "$ip_bytes" 5
tap_result $? "GRE: the outer rule counts the veth's frames and IP bytes within 0.5% ($outer_p/$tx_pkts packets, $outer_b/$ip_bytes bytes)"
within_permille "$inner_p" "$tx_pkts" 5 &&
	within_permille "$inner_b" $((ip_bytes - 24 * tx_pkts)) 5
tap_result $? "GRE: the inner rule counts the same frames less 24 header bytes each within 0.5% ($inner_p packets, $inner_b/$((ip_bytes - 24 * tx_pkts)) bytes)"

tap_done
