#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6 fragments carry the whole unfragmentable part: an IPv6 datagram over
# the MTU counts as its fragments, each with the IPv6 header, the headers
# before the fragmentable part and a fragment header.  A routing header any
# unprivileged socket may set (IPV6_RTHDR, a segment routing header) is
# repeated in every fragment and must be counted in every one: counting it
# once would let a sender move many more bytes than its counters say.
# A socket's IPV6_MTU, as it is when the datagram is sent, caps the
# fragments too, even when the datagram was started under a larger one, and
# so do the route's MTU and the interface's IPv6 MTU below the device's.
#
#   $CLI_NS                                      $SRV_NS
#   +----------------------------------+         +---------------------------+
#   | cgroup /nfe-fr6-PID (policy):    |  veth   |                           |
#   |   egress_probe udp-send ::2 9    +---------+ eth0 2001:db8:99::2/64    |
#   | veth0 2001:db8:99::1/64          |         |  (no listener: the frames |
#   +----------------------------------+         |   are counted at eth0)    |
#                                                +---------------------------+
#
#   policy: default deny; allow udp to 2001:db8:99::2/128
#
# The expected figures follow from the MTU of 1500: a fragment holds the
# unfragmentable part, 8 bytes of fragment header and a multiple of 8
# bytes of the 4008-byte UDP datagram.  The veth's counts are shown beside
# them; MLD reports of the fresh link may add frames there.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-fr6-$$
P=/$CG
SRV6=2001:db8:99::2

require_common
tap_plan 6

cg_create "$CG"
setup_measured_link f6 10.99.0.2 "$SRV6"
policy_add "$P"
ectl_must rule add "$P" allow udp to "$SRV6/128"

# frag6_case NAME WANT SIZE [udp-send option...]
frag6_case()
{
	local name=$1 want=$2 size=$3

	shift 3
	udp_datagram_counted "$CG" "$P" "$SRV6" "$size" "${want%% *}" "$@"
	check_eq "$name (veth: $UDP_WIRE; $UDP_OUT)" "$want" "$UDP_COUNTED"
}

# 4008 bytes in fragments of at most 1448: 3 of them, 48 header bytes each.
frag6_case "a 4000-byte IPv6 datagram counts as its 3 fragments, 4152 IP bytes" \
	"3 4152" 4000
# An 8-segment routing header (136 bytes) in every fragment: 1312 bytes of
# data each, 4 fragments of 184 header bytes (the datagram is 4184 bytes).
frag6_case "with an 8-segment routing header: its 4 fragments, 4744 IP bytes" \
	"4 4744" 4000 --rthdr 8
# 40 segments (648 bytes): 800 bytes of data each, 6 fragments of 696
# header bytes (the datagram is 4696 bytes).
frag6_case "with a 40-segment routing header: its 6 fragments, 8184 IP bytes" \
	"6 8184" 4000 --rthdr 40
# Started under IPV6_MTU 1400 (pieces of 1352 data bytes), sent under 1280:
# cut anew to 1232 data bytes, 4 fragments (the datagram is 4048 bytes).
frag6_case "IPV6_MTU lowered before sending: its 4 fragments of 1280, 4200 IP bytes" \
	"4 4200" 4000 --ipv6-mtu-lower

# A smaller MTU than the device's on the route (where a path MTU learnt is
# kept too), then on the interface's IPv6 settings: a 1400-byte datagram
# (1408 bytes of UDP) leaves as 2 fragments of at most 1280 bytes, 1232 and
# 176 bytes of data, 1504 IP bytes; whole, it would fit the device's MTU.
ip -6 -n "$CLI_NS" route add "$SRV6/128" dev veth0 mtu 1280 ||
	bail_out "cannot add an IPv6 route with MTU 1280 in $CLI_NS"
frag6_case "route MTU 1280: a 1400-byte datagram counts as its 2 fragments, 1504 IP bytes" \
	"2 1504" 1400
ip -6 -n "$CLI_NS" route del "$SRV6/128" dev veth0
ip netns exec "$CLI_NS" sysctl -qw net.ipv6.conf.veth0.mtu=1280 ||
	bail_out "cannot set the IPv6 MTU of veth0 in $CLI_NS"
frag6_case "interface IPv6 MTU 1280: a 1400-byte datagram counts as its 2 fragments, 1504 IP bytes" \
	"2 1504" 1400
