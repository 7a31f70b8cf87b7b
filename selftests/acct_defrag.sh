#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fragments a raw socket sends, reassembled by conntrack before this hook:
# where conntrack runs in a namespace (any nftables rule that matches on
# ct state, in a container too), its defragmenter joins the fragments of a
# datagram at the start of LOCAL_OUT, so nf_egress sees one datagram.  The
# output path cuts it again to the size of the largest fragment (IPv6: not
# below 1280), even when it would fit the MTU whole, and that is what must
# be counted: counting the joined datagram would let a sender of many tiny
# fragments move several times the bytes and packets its counters say.
# The joined datagram is judged like any other: to a denied destination,
# none of its fragments leaves.  Also an IPv6 route with the ALLFRAG
# feature (which some kernels still honour) that puts a fragment header on
# every datagram.
#
#   $CLI_NS                                      $SRV_NS
#   +----------------------------------+         +---------------------------+
#   | cgroup /nfe-dfr-PID (policy):    |  veth   |                           |
#   |   egress_probe frag-send (raw)   +---------+ eth0 10.99.0.2/24         |
#   | veth0 10.99.0.1/24               |         |      2001:db8:99::2/64    |
#   |       2001:db8:99::1/64          |         |  (no listener: the frames |
#   | nft: ct state, counter at output |         |   are counted at eth0)    |
#   +----------------------------------+         +---------------------------+
#
#   policy: default deny; allow udp to 10.99.0.2/32, 2001:db8:99::2/128
#
# An nftables counter at output priority 0, after the defragmenter, counts
# the skbs that pass: one per datagram proves the fragments were joined.
# What leaves is counted at the server's ingress hook (nftables, netdev
# family: IP bytes, UDP and IPv6 fragments only, so no MLD report): each
# case's counts must equal those, and the figures the kernel's output path
# is expected to make.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-dfr-$$
P=/$CG
SRV=10.99.0.2
SRV6=2001:db8:99::2

require_common
require_cmd nft python3
tap_plan 7

cg_create "$CG"
setup_measured_link dfr "$SRV" "$SRV6"
policy_add "$P"
ectl_must rule add "$P" allow udp to "$SRV/32"
ectl_must rule add "$P" allow udp to "$SRV6/128"

ip netns exec "$CLI_NS" nft -f - <<EOF || bail_out "nft in $CLI_NS"
table inet nfe_defrag {
	chain out {
		type filter hook output priority 0; policy accept;
		ct state invalid counter
		meta l4proto udp counter
	}
}
EOF

ip netns exec "$SRV_NS" nft -f - <<EOF || bail_out "nft in $SRV_NS"
table netdev nfe_wire {
	chain in {
		type filter hook ingress device eth0 priority 0; policy accept;
		meta protocol ip ip protocol udp counter
		meta protocol ip6 ip6 nexthdr { udp, ipv6-frag } counter
	}
}
EOF

# skbs_at_output: the UDP skbs the client's output counter has seen.
skbs_at_output()
{
	ip netns exec "$CLI_NS" nft list table inet nfe_defrag |
		sed -n 's/.*meta l4proto udp counter packets \([0-9]*\) .*/\1/p'
}

# wire_ctr: "packets bytes" of UDP and IPv6 fragments the server received.
wire_ctr()
{
	ip netns exec "$SRV_NS" nft list table netdev nfe_wire |
		sed -n 's/.*counter packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p' |
		awk '{ p += $1; b += $2 } END { print p + 0, b + 0 }'
}

# measured_case NAME WANT PROBE_ARG...: egress_probe PROBE_ARG..., meant to
# send WANT ("packets bytes"), measured by probe_counted.  Sets CASE_WIRE
# to what the server received of it, CASE_JOINED to the skbs the client's
# output counter saw, and CASE_NAME to NAME with the veth's counts and
# egress_probe's output.
measured_case()
{
	local name=$1 want=$2 s0 s1 w0 b0 w1 b1

	shift 2
	s0=$(skbs_at_output)
	read -r w0 b0 <<< "$(wire_ctr)"
	probe_counted "$CG" "$P" "${want%% *}" "$@"
	s1=$(skbs_at_output)
	read -r w1 b1 <<< "$(wire_ctr)"
	CASE_JOINED=$((s1 - s0))
	CASE_WIRE="$((w1 - w0)) $((b1 - b0))"
	CASE_NAME="$name (veth: $UDP_WIRE; $UDP_OUT)"
}

# defrag_case NAME WANT DST SIZE FRAGSIZE [frag-send option...]: a
# SIZE-byte datagram in fragments of at most FRAGSIZE bytes, which must
# count WANT, as the server receives it, and pass the output hook as one
# skb.
defrag_case()
{
	local name=$1 want=$2 dst=$3 size=$4 fragsize=$5

	shift 5
	measured_case "$name" "$want" frag-send "$dst" 9 "$size" "$fragsize" "$@"
	check_eq "$CASE_NAME" "$want, received $want, joined: 1" \
		"$UDP_COUNTED, received $CASE_WIRE, joined: $CASE_JOINED"
}

# 1008 UDP bytes in fragments of 256 data bytes: 4 of them, 20 header
# bytes each.  Joined, the datagram would fit the MTU of 1500 whole.
defrag_case "IPv4: 4 raw fragments joined by conntrack count as 4 fragments, 1088 bytes" \
	"4 1088" "$SRV" 1000 276
# 4008 bytes in fragments of 976: 5 of them, which leave as they were
# sent although the joined datagram is over the MTU.
defrag_case "IPv4: 5 raw fragments of 996 bytes, joined, count as 5 fragments, 4108 bytes" \
	"5 4108" "$SRV" 4000 1000
# 1008 bytes in fragments of 248 data bytes and 48 header bytes: 5.
defrag_case "IPv6: 5 raw fragments joined by conntrack count as 5 fragments, 1248 bytes" \
	"5 1248" "$SRV6" 1000 300
# A first fragment of 1036 bytes with 40 bytes of options, then 50 of 8
# data bytes: joined, the datagram has the first one's 60-byte header,
# which the later pieces have no headroom for, so the kernel cuts the
# 1376 bytes anew to the largest fragment: 976 and 400, 60 header bytes
# each.
defrag_case "IPv4: 51 raw fragments that cannot leave as they are count as the 2 sent, 1496 bytes" \
	"2 1496" "$SRV" 1368 28 --first 1036 --first-options 40

# To a destination the policy denies: the joined datagram is denied as the
# fragments it was, and none of them leaves.
snap=$TMPDIR_TEST/deny-snap
acct_snap "$snap.0"
read -r p0 _ <<< "$(wire_ctr)"
out=$(cg_exec "$CG" ip netns exec "$CLI_NS" "$PROBE" frag-send 10.99.0.3 9 1000 276 2>&1)
acct_snap "$snap.1"
read -r p1 _ <<< "$(wire_ctr)"
read -r a0 b0 d0 e0 _ <<< "$(acct_ctr "$snap.0" "$P")"
read -r a1 b1 d1 e1 _ <<< "$(acct_ctr "$snap.1" "$P")"
check_eq "IPv4 to a denied address: 4 fragments, 1088 bytes denied, none allowed ($out)" \
	"denied 4 1088, allowed 0 0" "denied $((d1 - d0)) $((e1 - e0)), allowed $((a1 - a0)) $((b1 - b0))"
check_eq "no fragment of the denied datagram reached the server" 0 "$((p1 - p0))"

# RTAX_FEATURE_ALLFRAG on a route to the server (iproute2 cannot set it):
# 6.1, which still has the feature, sends a 1048-byte datagram as one
# fragment, with a fragment header; kernels without it send it whole.
ifindex=$(ip netns exec "$CLI_NS" cat "/sys/class/net/$DEV/ifindex")
out=$(ip netns exec "$CLI_NS" python3 - "$ifindex" "$SRV6" <<'PYEOF' 2>&1
import socket, struct, sys

RTM_NEWROUTE, RTA_DST, RTA_OIF, RTA_METRICS = 24, 1, 4, 8
RTAX_FEATURES, RTAX_FEATURE_ALLFRAG = 12, 8

def rta(kind, data):
    size = 4 + len(data)
    return struct.pack("HH", size, kind) + data + bytes(-size % 4)

body = struct.pack("BBBBBBBBI", socket.AF_INET6, 128, 0, 0, 254, 3, 0, 1, 0)
body += rta(RTA_DST, socket.inet_pton(socket.AF_INET6, sys.argv[2]))
body += rta(RTA_OIF, struct.pack("i", int(sys.argv[1])))
body += rta(RTA_METRICS, rta(RTAX_FEATURES, struct.pack("I", RTAX_FEATURE_ALLFRAG)))
flags = 0x1 | 0x4 | 0x400 | 0x200    # request, ack, create, excl
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
nl.send(struct.pack("IHHII", 16 + len(body), RTM_NEWROUTE, flags, 1, 0) + body)
err = struct.unpack("i", nl.recv(4096)[16:20])[0]
if err:
    sys.exit("RTM_NEWROUTE: error %d" % err)
PYEOF
) || bail_out "cannot add a route with RTAX_FEATURE_ALLFRAG: $out"
measured_case "IPv6 over an ALLFRAG route" "1 1048" udp-send "$SRV6" 9 1 1000
[ "$CASE_WIRE" = "1 1056" ] && CASE_NAME="$CASE_NAME, sent with a fragment header"
check_eq "$CASE_NAME: 1 packet, counted as received" "1 packet, counted $CASE_WIRE" \
	"${CASE_WIRE%% *} packet, counted $UDP_COUNTED"
