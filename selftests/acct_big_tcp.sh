#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6 BIG TCP accounting: with the device's gso_max_size above 64 KiB, TCP
# over IPv6 passes LOCAL_OUT in GSO packets of up to 185,000 bytes.  Kernels
# with IP6SKB_FAKEJUMBO (6.1 to 6.18 at least, not 7.2) put an 8-byte
# hop-by-hop jumbo option into each such packet before LOCAL_OUT, and
# segmentation takes it out again: no frame on the wire carries it.  The
# policy must count the frames as they leave: its allowed bytes within 0.1%
# of the IP bytes the sending veth transmitted (tx_bytes - 14 * tx_packets),
# its packets within 0.1% of tx_packets.  The check is only meaningful if
# the big packets carried most of the transfer, which nftables' counters at
# LOCAL_OUT show: a count that kept the option would be about 0.5% too high.
#
#   $CLI_NS                                     $SRV_NS
#   +--------------------------------+          +---------------------------+
#   | cgroup /nfe-bigtcp-PID (policy)|          | iperf3 -s -p 5312 -1      |
#   |   iperf3 -c 2001:db8:99::2     |   veth   |                           |
#   | veth0 2001:db8:99::1/64        +----------+ eth0 2001:db8:99::2/64    |
#   |   gso on, tso off,             |          |                           |
#   |   gso_max_size 185000          |          |                           |
#   +--------------------------------+          +---------------------------+
#
#   policy: default deny; allow tcp to 2001:db8:99::2/128 port 5312
#
# TSO off and GSO on, as in acct_gso.sh: the stack segments before
# veth_xmit(), so the veth counts the frames that go on the wire.  The
# neighbours are permanent and DAD is off; the few MLD reports the client's
# kernel may send are far below the tolerance.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-bigtcp-$$
P=/$CG
PORT=5312
CLI=2001:db8:99::1
SRV=2001:db8:99::2
DEV=veth0
SECS=3
BIG_GSO=185000

require_common
require_cmd iperf3 ss nft
tap_plan 9

cg_create "$CG"

# --- topology --------------------------------------------------------------
ns_create CLI_NS bigcli
ns_create SRV_NS bigsrv
ip -n "$CLI_NS" link add "$DEV" type veth peer name eth0 netns "$SRV_NS" ||
	bail_out "cannot create the veth pair"
ip -n "$CLI_NS" addr add "$CLI/64" dev "$DEV" nodad || bail_out "client address"
ip -n "$SRV_NS" addr add "$SRV/64" dev eth0 nodad || bail_out "server address"
ip -n "$CLI_NS" link set "$DEV" up
ip -n "$SRV_NS" link set eth0 up
link_wait_up "$CLI_NS" "$DEV"
link_wait_up "$SRV_NS" eth0
ip -n "$CLI_NS" neigh replace "$SRV" dev "$DEV" nud permanent \
	lladdr "$(ip netns exec "$SRV_NS" cat /sys/class/net/eth0/address)" ||
	bail_out "client neighbour entry"
ip -n "$SRV_NS" neigh replace "$CLI" dev eth0 nud permanent \
	lladdr "$(ip netns exec "$CLI_NS" cat "/sys/class/net/$DEV/address")" ||
	bail_out "server neighbour entry"
out=$(ip netns exec "$CLI_NS" "$PROBE" netdev-feature "$DEV" tso off 2>&1) ||
	bail_out "cannot turn TSO off on $DEV: $out"
ip -n "$CLI_NS" link set "$DEV" gso_max_size "$BIG_GSO" ||
	bail_out "cannot set gso_max_size $BIG_GSO on $DEV"
got=$(ip -d -n "$CLI_NS" link show "$DEV" | grep -o 'gso_max_size [0-9]*')
check_eq "$DEV sends GSO packets of up to $BIG_GSO bytes" "gso_max_size $BIG_GSO" "$got"

# Skbs at LOCAL_OUT (before nf_egress's hook): all of them, and those over
# 64 KiB.
ip netns exec "$CLI_NS" nft -f - <<EOF || bail_out "nft failed"
table ip6 nfe_big_tcp {
	chain out {
		type filter hook output priority 0; policy accept;
		ip6 daddr $SRV tcp dport $PORT meta length > 65535 counter
		ip6 daddr $SRV tcp dport $PORT counter
		ip6 daddr $SRV ip6 nexthdr 0 counter
	}
}
EOF

iperf_server "$SRV_NS" "$PORT"
policy_add "$P"
ectl_must rule add "$P" allow tcp to "$SRV/128" port "$PORT"

# --- measurement -------------------------------------------------------------
SNAP=$TMPDIR_TEST/snap
acct_snap "$SNAP.0"
before=$(acct_ctr "$SNAP.0" "$P")
veth_iperf "$CG" "$CLI_NS" "$DEV" "$SRV_NS" "$SRV" "$PORT" "$SECS" "$TMPDIR_TEST/iperf3-client.log"
tap_result $? "iperf3 -c $SRV -p $PORT -t $SECS from $P exits 0" \
	"$(tail -n 12 "$TMPDIR_TEST/iperf3-client.log")"
acct_snap "$SNAP.1"
read -r big_pkts big_bytes all_pkts all_bytes hbh_pkts _ < <(
	ip netns exec "$CLI_NS" nft list table ip6 nfe_big_tcp |
		sed -n 's/.*counter packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p' | tr '\n' ' ')

check_eq "policy counters were 0 before the transfer" "0 0 0 0 0 0 0 0" "$before"
read -r ap ab dp db wp wb rp rb <<< "$(acct_ctr "$SNAP.1" "$P")"
tx_pkts=$TX_PKTS
ip_bytes=$IP_BYTES
diag "veth $DEV: tx_packets +$tx_pkts, IP bytes $ip_bytes, tx_dropped +$TX_DROPPED"
diag "nftables at LOCAL_OUT: $all_pkts skbs, $all_bytes bytes; over 64 KiB: $big_pkts skbs, $big_bytes bytes; with a jumbo option: $hbh_pkts skbs"
diag "policy $P: allowed $ap packets, $ab bytes (difference $((${ab:-0} - ip_bytes)) bytes)"

check_eq "no packet denied, would-deny or rate-limited" "0 0 0 0 0 0" "$dp $db $wp $wb $rp $rb"
check_eq "the veth dropped nothing (its counters see every frame)" 0 "$TX_DROPPED"
desc="BIG TCP in use: packets over 64 KiB carried more than half of the $tx_pkts frames' bytes"
if [ "$tx_pkts" -ge 1000 ] && [ "${big_bytes:-0}" -gt 0 ] &&
	[ $((2 * big_bytes)) -gt "${all_bytes:-0}" ]; then
	tap_ok "$desc"
elif debug_kernel; then
	# TCP sizes its GSO packets by its pacing rate, which a debug
	# kernel's few Mbit/s keep far below 64 KiB.
	tap_skip "$desc" "a debug kernel's TCP is too slow to build them ($big_bytes of $all_bytes bytes)"
else
	tap_fail "$desc"
	diag "$big_bytes of $all_bytes bytes at LOCAL_OUT"
fi
within_permille "${ab:-0}" "$ip_bytes" 1
tap_result $? "allowed bytes $ab within 0.1% of the veth's IP bytes $ip_bytes" \
	"difference: $((${ab:-0} - ip_bytes)) bytes"
within_permille "${ap:-0}" "$tx_pkts" 1
tap_result $? "allowed packets $ap within 0.1% of the veth's tx_packets $tx_pkts" \
	"difference: $((${ap:-0} - tx_pkts)) packets"
got=$(acct_rule "$SNAP.1" "$P" "allow tcp to $SRV/128 port $PORT")
check_eq "the allow rule's hits equal the policy's allowed packets and bytes" "$ap $ab" "$got"

tap_done
