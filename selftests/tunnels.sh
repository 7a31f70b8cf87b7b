#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tunnels and nf_egress.
#
# 1. A container root cannot get around its cgroup's policy through a
#    tunnel it builds.  The "container" is `unshare -Urn` started from a
#    confined cgroup: its root has CAP_NET_ADMIN over its own network
#    namespace only.  It builds a WireGuard, GRE, IPIP, SIT, VXLAN, Geneve
#    or IPsec tunnel, or a TIPC UDP bearer, whose inner addresses are in
#    the allowed prefix and whose endpoint is denied.  Nothing may reach
#    the endpoint; the outer packets count as denied.  Then the endpoint is
#    allowed, and the same traffic arrives: the tunnel worked all along.
#
# 1b. The same through a GRE tunnel in a namespace without a user namespace
#    (a privileged container): only the host's own namespace is trusted.
#
# 2. Tunnels and VRFs the administrator built in the host's namespace carry
#    allowed traffic: it is delivered and counted once, by the sender's
#    cgroup and the destination it chose, not again against the outer
#    header (GRE, IPsec, VXLAN, WireGuard), or twice through a VRF.
#
#   1. container (cgroup $CG)                $TSRV_NS
#   +--------------------------------+       +-------------------------------+
#   | user ns + net ns (unshare -Urn)|       | nft counters per tunnel type  |
#   | tunnel dev 10.99.0.1/24,       | veth  | (WireGuard 51820, GRE, IPIP,  |
#   |   2001:db8:99::1/64 (SIT)      +-------+  SIT, VXLAN 4789, Geneve 6081,|
#   | eth0 192.0.2.1/24              |       |  ESP, TIPC 6118)              |
#   | policy: default deny, allow    |       | eth0 192.0.2.2/24  (endpoint) |
#   |   10.99.0.0/24, 2001:db8:99::/64|      |                               |
#   +--------------------------------+       |                               |
#   1b. $PNS (root's, no user ns)            |                               |
#   | gre t0 10.99.0.1/24            | veth  |                               |
#   | eth0 192.0.2.9/24              +-------+ eth9 192.0.2.2/24             |
#   +--------------------------------+       +-------------------------------+
#
#   2. the host's namespace (cgroup $CG2)    $ASRV_NS
#   +--------------------------------+       +-------------------------------+
#   | gre 10.99.20.1, ESP 10.99.21.1,| veth  | gre1 10.99.20.2, udp-recv     |
#   | vxlan .22.1, wg .23.1          +-------+ ESP 10.99.21.2, vx0 .22.2,    |
#   | nfa0 198.51.100.1/24           |       | wg0 .23.2, eth0 198.51.100.2  |
#   | VRF (table 4710): nfa1         | veth  |                               |
#   |   10.99.24.1/24                +-------+ eth1 10.99.24.2/24            |
#   | policy: default deny, allow    |       | (udp-recv on every address)   |
#   |   udp to 10.99.16.0/20         |       |                               |
#   +--------------------------------+       +-------------------------------+

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-tun-$$
P=/$CG
CG2=nfe-tadm-$$
P2=/$CG2
N=20		# inner datagrams per check
SIZE=100
ENDPOINT=192.0.2.2
# shellcheck disable=SC2034 # the device types are looked up by name
CTR_TYPES="wg gre ipip sit vxlan geneve esp tipc"

require_common
require_cmd unshare nsenter wg nft modprobe tipc
tap_plan 41

for m in wireguard ip_gre ipip sit vxlan geneve esp4 xfrm_user tipc vrf; do
	modprobe "$m" 2> /dev/null || bail_out "cannot load module $m"
done

# ------------------------------------------------------------- helpers --

# ctr_exec CMD...: run CMD as the container's root (in its user and network
# namespaces), from a process of the confined cgroup, as its processes are.
ctr_exec()
{
	cg_exec "$CG" nsenter --target "$CTR_PID" --user --net -- "$@"
}

# ctr_send ADDR: N inner datagrams from a process of the container.
ctr_send()
{
	ctr_exec "$PROBE" udp-send "$1" "$UDP_PORT" "$N" "$SIZE" 2>&1
}

# nft_count NS NAME: packets counted by the named nft counter in NS.
nft_count()
{
	ip netns exec "$1" nft list counter inet nfe_tun "c_$2" |
		sed -n 's/.*packets \([0-9]*\) bytes.*/\1/p'
}

nft_count_gt()
{
	local c

	c=$(nft_count "$1" "$2")
	[ -n "$c" ] && [ "$c" -gt "$3" ]
}

# counters PATH: "allowed_packets denied_packets" of a policy.
counters()
{
	local ap ab dp db

	read -r ap ab dp db <<< "$(stats_json "$1")"
	echo "$ap $dp"
}

# ------------------------------------------------- 1. container tunnels --

cg_create "$CG"
ns_create TSRV_NS tsrv
cg_spawn "$CG" "$TMPDIR_TEST/ctr.out" unshare -Urn sleep 100000
CTR_PID=$SPAWN_PID
ctr_started()
{
	[ "$(readlink "/proc/$CTR_PID/ns/net")" != "$(readlink /proc/self/ns/net)" ]
}
busywait 5000 ctr_started || bail_out "the container did not start"

dev=$(ifname_unique)
ip link add "$dev" type veth peer name eth0 netns "$TSRV_NS" || bail_out "veth"
ip link set "$dev" netns "$CTR_PID" || bail_out "cannot move the veth into the container"
ctr_exec ip link set lo up
# Devices made from now on stay silent on IPv6 (no MLD, no router
# solicitation through the tunnels), so the counts below are exact; SIT
# turns it on for its own device.
ctr_exec sysctl -qw net.ipv6.conf.default.disable_ipv6=1 "net.ipv6.conf.$dev.disable_ipv6=1" ||
	bail_out "the container cannot turn IPv6 off"
ctr_exec ip link set "$dev" name eth0 || bail_out "cannot rename the container's veth"
ctr_exec ip addr add 192.0.2.1/24 dev eth0 || bail_out "container address"
ctr_exec ip link set eth0 up
ip -n "$TSRV_NS" addr add "$ENDPOINT/24" dev eth0
ip -n "$TSRV_NS" link set eth0 up
link_wait_up "$TSRV_NS" eth0

ip netns exec "$TSRV_NS" nft -f - <<EOF || bail_out "nft counters in $TSRV_NS"
table inet nfe_tun {
	counter c_wg {}
	counter c_gre {}
	counter c_ipip {}
	counter c_sit {}
	counter c_vxlan {}
	counter c_geneve {}
	counter c_esp {}
	counter c_tipc {}
	chain pre {
		type filter hook prerouting priority -300; policy accept;
		ip daddr $ENDPOINT udp dport 51820 counter name "c_wg"
		ip daddr $ENDPOINT ip protocol 47 counter name "c_gre"
		ip daddr $ENDPOINT ip protocol 4 counter name "c_ipip"
		ip daddr $ENDPOINT ip protocol 41 counter name "c_sit"
		ip daddr $ENDPOINT udp dport 4789 counter name "c_vxlan"
		ip daddr $ENDPOINT udp dport 6081 counter name "c_geneve"
		ip daddr $ENDPOINT ip protocol 50 counter name "c_esp"
		ip daddr $ENDPOINT udp dport 6118 counter name "c_tipc"
	}
}
EOF

policy_add "$P" default deny
ectl_must rule add "$P" allow to "$NET4_ALLOW"
ectl_must rule add "$P" allow to "$NET6_ALLOW"

key=$TMPDIR_TEST/wg.key
python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())' > "$key"
peer=$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')

# settle PATH: wait (up to 10 s) until the policy's counters stay still for
# a second and a half: a device that comes up sends its own packets for a
# moment (IPv6 link-local MLD on SIT, for one), which are counted too.
settle()
{
	local before after i

	after=$(counters "$1")
	for ((i = 0; i < 7; i++)); do
		before=$after
		sleep 1.5
		after=$(counters "$1")
		[ "$before" = "$after" ] && return 0
	done
	return 1
}

# ctr_tunnel TYPE: build a tunnel of TYPE to the endpoint, as the container's
# root would, and print the inner address to send to.
ctr_tunnel()
{
	case $1 in
	wg)
		ctr_exec ip link add t0 type wireguard &&
		ctr_exec wg set t0 private-key "$key" listen-port 51820 \
			peer "$peer" endpoint "$ENDPOINT:51820" allowed-ips 10.99.0.0/24 &&
		ctr_exec ip addr add 10.99.0.1/24 dev t0 ;;
	gre | ipip)
		ctr_exec ip link add t0 type "$1" local 192.0.2.1 remote "$ENDPOINT" &&
		ctr_exec ip addr add 10.99.0.1/24 dev t0 ;;
	sit)
		ctr_exec ip link add t0 type sit local 192.0.2.1 remote "$ENDPOINT" &&
		ctr_exec sysctl -qw net.ipv6.conf.t0.disable_ipv6=0 \
			net.ipv6.conf.t0.router_solicitations=0 &&
		ctr_exec ip addr add 2001:db8:99::1/64 dev t0 nodad ;;
	vxlan)
		ctr_exec ip link add t0 type vxlan id 42 local 192.0.2.1 \
			remote "$ENDPOINT" dstport 4789 dev eth0 &&
		ctr_exec ip addr add 10.99.0.1/24 dev t0 &&
		ctr_exec ip neigh add 10.99.0.2 lladdr 02:00:00:00:00:02 dev t0 nud permanent ;;
	geneve)
		ctr_exec ip link add t0 type geneve id 42 remote "$ENDPOINT" &&
		ctr_exec ip addr add 10.99.0.1/24 dev t0 &&
		ctr_exec ip neigh add 10.99.0.2 lladdr 02:00:00:00:00:02 dev t0 nud permanent ;;
	esp)
		# A dummy device holds the inner address; IPsec's tunnel mode
		# carries what is routed to 10.99.0.0/24.
		ctr_exec ip link add t0 type dummy &&
		ctr_exec ip addr add 10.99.0.1/32 dev t0 &&
		ctr_exec ip route add 10.99.0.0/24 dev eth0 src 10.99.0.1 &&
		ctr_exec ip xfrm state add src 192.0.2.1 dst "$ENDPOINT" proto esp \
			spi 0x1000 mode tunnel \
			aead 'rfc4106(gcm(aes))' 0x0102030405060708091011121314151617181920 128 &&
		ctr_exec ip xfrm policy add src 10.99.0.0/24 dst 10.99.0.0/24 dir out \
			tmpl src 192.0.2.1 dst "$ENDPOINT" proto esp mode tunnel ;;
	tipc)
		ctr_exec tipc bearer enable media udp name nfe localip 192.0.2.1 \
			remoteip "$ENDPOINT" ;;
	esac > /dev/null || return 1
	[ "$1" = tipc ] || ctr_exec ip link set t0 up || return 1
	case $1 in
	sit) echo 2001:db8:99::2 ;;
	*) echo 10.99.0.2 ;;
	esac
}

ctr_tunnel_del()
{
	case $1 in
	esp)
		ctr_exec ip xfrm policy flush
		ctr_exec ip xfrm state flush ;;
	tipc)
		ctr_exec tipc bearer disable media udp name nfe ;;
	esac
	[ "$1" = tipc ] || ctr_exec ip link del t0
}

for t in $CTR_TYPES; do
	inner=$(ctr_tunnel "$t") || bail_out "the container cannot build a $t tunnel"
	[ "$t" = tipc ] || settle "$P" || diag "container $t: the counters did not settle"
	c0=$(nft_count "$TSRV_NS" "$t")
	read -r a0 d0 <<< "$(counters "$P")"
	if [ "$t" = tipc ]; then
		# The bearer sends discovery messages by itself (every 1 s
		# at first): give it time for a few.
		sleep 3
		got="tipc discovery"
	else
		got=$(ctr_send "$inner")
	fi
	read -r a1 d1 <<< "$(counters "$P")"
	check_eq "container $t: nothing reaches the denied endpoint" "$c0" "$(nft_count "$TSRV_NS" "$t")"
	case $t in
	wg | tipc)
		# WireGuard sends handshakes, TIPC discovery: at least one.
		desc="container $t: its outer packets are counted denied"
		if ((d1 > d0)); then tap_ok "$desc"; else tap_fail "$desc"; diag "$got"; fi ;;
	sit)
		# IPv6 on the tunnel: the kernel's MLD reports go through it too.
		desc="container sit: $N inner datagrams allowed, at least $N outer packets denied"
		if ((a1 - a0 == N && d1 - d0 >= N)); then
			tap_ok "$desc"
		else
			tap_fail "$desc"
			diag "allowed +$((a1 - a0)), denied +$((d1 - d0)); $got"
		fi ;;
	*)
		check_eq "container $t: $N inner datagrams allowed, $N outer packets denied" \
			"$N $N" "$((a1 - a0)) $((d1 - d0))" ;;
	esac

	# The same, with the endpoint allowed: it arrives.
	ectl_must rule add "$P" allow to "$ENDPOINT/32"
	if [ "$t" = tipc ]; then
		busywait 10000 nft_count_gt "$TSRV_NS" tipc "$c0"
	else
		ctr_send "$inner" > /dev/null
		busywait 5000 nft_count_gt "$TSRV_NS" "$t" "$c0"
	fi
	tap_result $? "container $t: with the endpoint allowed, the tunnel reaches it" \
		"counter $(nft_count "$TSRV_NS" "$t") (was $c0)"
	ectl_must rule del "$P" allow to "$ENDPOINT/32"
	ctr_tunnel_del "$t" > /dev/null 2>&1
done

# --------------------------- 1b. a namespace without a user namespace --
# A privileged container (CAP_NET_ADMIN over a namespace the initial user
# namespace owns, no user namespace): its tunnel is not the host's either.
ns_create PNS priv
# No IPv6 there: the new GRE device's own IPv6 packets (duplicate address
# detection, MLD reports, router solicitations), which the namespace's
# control sockets send after a random delay, would otherwise go through
# the tunnel to the endpoint during the measurement.
ip netns exec "$PNS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	net.ipv6.conf.default.disable_ipv6=1 || bail_out "cannot disable IPv6 in $PNS"
ip -n "$PNS" link add eth0 type veth peer name eth9 netns "$TSRV_NS"
ip -n "$PNS" addr add 192.0.2.9/24 dev eth0
ip -n "$TSRV_NS" addr add "$ENDPOINT/24" dev eth9
ip -n "$PNS" link set eth0 up
ip -n "$TSRV_NS" link set eth9 up
ip -n "$PNS" link add t0 type gre local 192.0.2.9 remote "$ENDPOINT"
ip -n "$PNS" addr add 10.99.0.1/24 dev t0
ip -n "$PNS" link set t0 up
c0=$(nft_count "$TSRV_NS" gre)
read -r a0 d0 <<< "$(counters "$P")"
got=$(cg_exec "$CG" ip netns exec "$PNS" "$PROBE" udp-send 10.99.0.2 "$UDP_PORT" "$N" "$SIZE" 2>&1)
read -r a1 d1 <<< "$(counters "$P")"
check_eq "privileged container gre: nothing reaches the denied endpoint" "$c0" \
	"$(nft_count "$TSRV_NS" gre)"
check_eq "privileged container gre: $N inner datagrams allowed, $N outer packets denied" \
	"$N $N" "$((a1 - a0)) $((d1 - d0))"

# ---------------------------------------------- 2. the administrator's --
# The host's own network namespace (the guest's root namespace here).
cg_create "$CG2"
ns_create ASRV_NS asrv
A0=nfa0$$ A1=nfa1$$ GRE=nfg$$ DUM=nfd$$ VX=nfv$$ WG=nfw$$ VRF=nfr$$
for d in "$A0" "$A1" "$GRE" "$DUM" "$VX" "$WG" "$VRF"; do
	on_cleanup "ip link del $d"
done
ip link add "$A0" type veth peer name eth0 netns "$ASRV_NS"
ip link add "$A1" type veth peer name eth1 netns "$ASRV_NS"
ip addr add 198.51.100.1/24 dev "$A0"
ip -n "$ASRV_NS" addr add 198.51.100.2/24 dev eth0
ip link set "$A0" up
ip link set "$A1" up
ip -n "$ASRV_NS" link set eth0 up
ip -n "$ASRV_NS" link set eth1 up

# GRE
ip link add "$GRE" type gre local 198.51.100.1 remote 198.51.100.2
ip -n "$ASRV_NS" link add gre1 type gre local 198.51.100.2 remote 198.51.100.1
ip addr add 10.99.20.1/24 dev "$GRE"
ip -n "$ASRV_NS" addr add 10.99.20.2/24 dev gre1
# IPsec, tunnel mode, for 10.99.21.1 -> 10.99.21.2
ip link add "$DUM" type dummy
ip -n "$ASRV_NS" link add dum0 type dummy
ip addr add 10.99.21.1/32 dev "$DUM"
ip -n "$ASRV_NS" addr add 10.99.21.2/32 dev dum0
ip route add 10.99.21.2/32 dev "$A0" src 10.99.21.1
sa="src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x2000"
sel="src 10.99.21.1/32 dst 10.99.21.2/32"
on_cleanup "ip xfrm state delete $sa"
on_cleanup "ip xfrm policy delete $sel dir out"
# shellcheck disable=SC2086 # sa and sel are lists of words
for ipx in "ip" "ip -n $ASRV_NS"; do
	$ipx xfrm state add $sa mode tunnel \
		aead 'rfc4106(gcm(aes))' 0x2122232425262728293031323334353637383940 128
done
# shellcheck disable=SC2086
ip xfrm policy add $sel dir out tmpl src 198.51.100.1 dst 198.51.100.2 proto esp mode tunnel
# shellcheck disable=SC2086
ip -n "$ASRV_NS" xfrm policy add $sel dir in \
	tmpl src 198.51.100.1 dst 198.51.100.2 proto esp mode tunnel
# VXLAN
ip link add "$VX" type vxlan id 7 local 198.51.100.1 remote 198.51.100.2 \
	dstport 4789 dev "$A0"
ip -n "$ASRV_NS" link add vx0 type vxlan id 7 local 198.51.100.2 remote 198.51.100.1 \
	dstport 4789 dev eth0
ip addr add 10.99.22.1/24 dev "$VX"
ip -n "$ASRV_NS" addr add 10.99.22.2/24 dev vx0
# WireGuard: the administrator brings it up from the root cgroup
wgkey_a=$TMPDIR_TEST/wga.key
wgkey_b=$TMPDIR_TEST/wgb.key
wg genkey > "$wgkey_a"
wg genkey > "$wgkey_b"
ip link add "$WG" type wireguard
wg set "$WG" private-key "$wgkey_a" listen-port 51820 peer "$(wg pubkey < "$wgkey_b")" \
	endpoint 198.51.100.2:51820 allowed-ips 10.99.23.2/32
ip addr add 10.99.23.1/24 dev "$WG"
ip -n "$ASRV_NS" link add wg0 type wireguard
ip netns exec "$ASRV_NS" wg set wg0 private-key "$wgkey_b" listen-port 51820 \
	peer "$(wg pubkey < "$wgkey_a")" endpoint 198.51.100.1:51820 allowed-ips 10.99.23.1/32
ip -n "$ASRV_NS" addr add 10.99.23.2/24 dev wg0
# VRF: the second veth in a VRF on the administrator's side
ip link add "$VRF" type vrf table 4710
ip link set "$A1" master "$VRF"
ip addr add 10.99.24.1/24 dev "$A1"
ip -n "$ASRV_NS" addr add 10.99.24.2/24 dev eth1
for d in "$GRE" "$DUM" "$VX" "$WG" "$VRF"; do
	ip link set "$d" up
done
for d in gre1 dum0 vx0 wg0; do
	ip -n "$ASRV_NS" link set "$d" up
done

ASINK=$TMPDIR_TEST/asink.stat
start_daemon "$ASRV_NS" udp-recv 0.0.0.0 "$UDP_PORT" --pidfile "$TMPDIR_TEST/asink.pid" \
	--statfile "$ASINK"

# adm_send ADDR [OPTION...]: N datagrams from the confined cgroup.
adm_send()
{
	local addr=$1

	shift
	cg_exec "$CG2" "$PROBE" udp-send "$addr" "$UDP_PORT" "$N" "$SIZE" "$@" 2>&1
}

# Reachable before the policy: WireGuard's handshake, VXLAN's neighbours.
for a in 10.99.20.2 10.99.21.2 10.99.22.2 10.99.23.2; do
	c0=$(udp_count "$ASINK")
	busywait 10000 eval 'adm_send "$a" > /dev/null; udp_count_gt "$ASINK" "$c0"' ||
		bail_out "$a is not reachable through the administrator's tunnel"
done
c0=$(udp_count "$ASINK")
busywait 10000 eval 'adm_send 10.99.24.2 --dev "$VRF" > /dev/null; udp_count_gt "$ASINK" "$c0"' ||
	bail_out "10.99.24.2 is not reachable through $VRF"

policy_add "$P2" default deny
ectl_must rule add "$P2" allow udp to 10.99.16.0/20

for case in "gre 10.99.20.2" "IPsec 10.99.21.2" "VXLAN 10.99.22.2" "WireGuard 10.99.23.2" \
	"VRF 10.99.24.2 --dev $VRF"; do
	read -r name addr opt <<< "$case"
	c0=$(udp_count "$ASINK")
	read -r a0 d0 <<< "$(counters "$P2")"
	# shellcheck disable=SC2086 # opt is empty or "--dev VRF"
	got=$(adm_send "$addr" $opt)
	check_eq "administrator's $name: $N datagrams to $addr are sent" \
		"sent=$N failed=0 first_errno=none" "$got"
	busywait 5000 udp_count_is "$ASINK" "$((c0 + N))"
	check_eq "administrator's $name: all $N are delivered" "$((c0 + N))" "$(udp_count "$ASINK")"
	read -r a1 d1 <<< "$(counters "$P2")"
	check_eq "administrator's $name: counted once: $N allowed, 0 denied" \
		"$N 0" "$((a1 - a0)) $((d1 - d0))"
done

tap_done
