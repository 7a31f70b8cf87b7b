#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The most specific rule wins: longest prefix first; at equal prefix a rule
# naming a protocol beats "any", then a narrower port range beats a wider
# one.  A port rule never matches ICMP, and when a prefix matches but none
# of its rules matches the packet's protocol/port, shorter prefixes decide.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-spa-PID  prefixes        |          | tcp-listen :: 5201 5202 5211 |
#   | /nfe-spb-PID  protocols       |          | udp-recv   :: 5202           |
#   | /nfe-spc-PID  ports           |   veth   | eth0 10.99.0.2/24            |
#   | /nfe-spd-PID  ICMP vs ports   +----------+      10.99.1.2/24 10.99.1.3/24|
#   | /nfe-spe-PID  fall-through    |          |      2001:db8:99::2/64       |
#   |  nfeXXXX 10.99.{0,1}.1/24 ... |          |      2001:db8:98::{2,3}/64   |
#   +-------------------------------+          +------------------------------+
#
# (rules are added in an order where the winner is never the last added)
#   A default deny: allow to 10.99.1.2/32; allow to 10.99.0.0/16;
#       deny to 10.99.1.0/24; the IPv6 analogue with /128, /32, /64 in
#       2001:db8::/32 and 2001:db8:98::/64
#   B default deny: allow proto tcp to 10.99.0.2/32; deny to 10.99.0.2/32;
#       deny udp to 10.99.1.2/32; allow to 10.99.1.2/32;
#       allow tcp to 2001:db8:99::2/128; deny to 2001:db8:99::2/128
#   C default allow: allow tcp to X port 5201; deny tcp to X port 5200-5210
#       for X = 10.99.0.2/32 and 2001:db8:99::2/128
#   D default deny: allow to 10.99.1.2/32 port 1-65535 (and the IPv6 one to
#       2001:db8:98::2/128); allow icmp to 10.99.0.2/32;
#       allow icmpv6 to 2001:db8:99::2/128
#   E default deny: allow to 10.99.0.0/16; deny to 10.99.1.2/32 port 1-65535;
#       allow to 2001:db8::/32; deny to 2001:db8:98::2/128 port 1-65535
# ICMP echo is sent on a ping socket (egress_probe icmp-echo); a denied echo
# request fails with EPERM (IPv6 on 6.1: the error is lost in the kernel's
# ping_v6_sendmsg(), so "no reply" is accepted there).  Every TCP target is first shown reachable
# without a policy (a refused connect() looks the same as a missing listener).

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

A=nfe-spa-$$
B=nfe-spb-$$
C=nfe-spc-$$
D=nfe-spd-$$
E=nfe-spe-$$
V4_24=10.99.1.3
V6_64=2001:db8:98::3

require_common
tap_plan 34

for cg in "$A" "$B" "$C" "$D" "$E"; do
	cg_create "$cg"
done
setup_server_topology ""
server_add_addr "$V4_24/24"
server_add_addr "$V6_64/64"
start_tcp_listener 5202
start_tcp_listener 5211
for t in "$V4_24 5201" "$V6_64 5201" "$SRV4_ALLOW 5202" "$SRV4_ALLOW 5211" \
	"$SRV6_ALLOW 5202" "$SRV6_ALLOW 5211"; do
	# shellcheck disable=SC2086 # "ADDR PORT"
	wait_tcp_reachable $t
done
ping_enable "${CLIENT_NS:-}"

check_icmp "no policy: ping $SRV4_DENY" "$D" "$SRV4_DENY" ok
check_icmp "no policy: ping $SRV4_ALLOW" "$D" "$SRV4_ALLOW" ok
check_icmp "no policy: ping $SRV6_DENY" "$D" "$SRV6_DENY" ok
check_icmp "no policy: ping $SRV6_ALLOW" "$D" "$SRV6_ALLOW" ok

# --- A: longest prefix ----------------------------------------------------
policy_add "/$A"
ectl_must rule add "/$A" allow to 10.99.1.2/32
ectl_must rule add "/$A" allow to 10.99.0.0/16
ectl_must rule add "/$A" deny to 10.99.1.0/24
ectl_must rule add "/$A" allow to 2001:db8:98::2/128
ectl_must rule add "/$A" allow to 2001:db8::/32
ectl_must rule add "/$A" deny to 2001:db8:98::/64
check_tcp "prefix: $SRV4_ALLOW (in /16 only) allowed" "$A" "$SRV4_ALLOW" ok
check_tcp "prefix: $V4_24 (deny /24 inside the /16) refused" "$A" "$V4_24" ECONNREFUSED
check_udp "prefix: $V4_24 UDP fails with EPERM" "$A" "$V4_24" 2 100 \
	"sent=0 failed=2 first_errno=EPERM"
check_tcp "prefix: $SRV4_DENY (allow /32 inside the /24) allowed" "$A" "$SRV4_DENY" ok
check_tcp "prefix: $SRV6_ALLOW (in /32 only) allowed" "$A" "$SRV6_ALLOW" ok
check_tcp "prefix: $V6_64 (deny /64 inside the /32) refused" "$A" "$V6_64" ECONNREFUSED
check_udp "prefix: $V6_64 UDP fails with EPERM" "$A" "$V6_64" 2 100 \
	"sent=0 failed=2 first_errno=EPERM"
check_tcp "prefix: $SRV6_DENY (allow /128 inside the /64) allowed" "$A" "$SRV6_DENY" ok

# --- B: a protocol beats "any" at the same prefix ---------------------------
policy_add "/$B"
ectl_must rule add "/$B" allow proto tcp to 10.99.0.2/32
ectl_must rule add "/$B" deny to 10.99.0.2/32
ectl_must rule add "/$B" deny udp to 10.99.1.2/32
ectl_must rule add "/$B" allow to 10.99.1.2/32
ectl_must rule add "/$B" allow tcp to 2001:db8:99::2/128
ectl_must rule add "/$B" deny to 2001:db8:99::2/128
check_tcp "proto: allow tcp + deny any to $SRV4_ALLOW: TCP ok" "$B" "$SRV4_ALLOW" ok
check_udp "proto: allow tcp + deny any to $SRV4_ALLOW: UDP EPERM" "$B" "$SRV4_ALLOW" 2 100 \
	"sent=0 failed=2 first_errno=EPERM"
check_udp "proto: deny udp + allow any to $SRV4_DENY: UDP EPERM" "$B" "$SRV4_DENY" 2 100 \
	"sent=0 failed=2 first_errno=EPERM"
check_tcp "proto: deny udp + allow any to $SRV4_DENY: TCP ok" "$B" "$SRV4_DENY" ok
check_tcp "proto: allow tcp + deny any to $SRV6_ALLOW: TCP ok" "$B" "$SRV6_ALLOW" ok
check_udp "proto: allow tcp + deny any to $SRV6_ALLOW: UDP EPERM" "$B" "$SRV6_ALLOW" 2 100 \
	"sent=0 failed=2 first_errno=EPERM"

# --- C: a narrower port range beats a wider one -----------------------------
policy_add "/$C" default allow
ectl_must rule add "/$C" allow tcp to 10.99.0.2/32 port 5201
ectl_must rule add "/$C" deny tcp to 10.99.0.2/32 port 5200-5210
ectl_must rule add "/$C" allow tcp to 2001:db8:99::2/128 port 5201
ectl_must rule add "/$C" deny tcp to 2001:db8:99::2/128 port 5200-5210
check_tcp_port "ports: $SRV4_ALLOW TCP 5201 (allow 5201 in deny 5200-5210) ok" "$C" "$SRV4_ALLOW" 5201 ok
check_tcp_port "ports: $SRV4_ALLOW TCP 5202 (deny 5200-5210) refused" "$C" "$SRV4_ALLOW" 5202 ECONNREFUSED
check_tcp_port "ports: $SRV4_ALLOW TCP 5211 (outside the range, default allow) ok" "$C" "$SRV4_ALLOW" 5211 ok
got=$(udp_send_port "$C" "$SRV4_ALLOW" 5202 2 100)
check_eq "ports: $SRV4_ALLOW UDP 5202 (the range is TCP only) sent" \
	"sent=2 failed=0 first_errno=none" "$got"
check_tcp_port "ports: $SRV6_ALLOW TCP 5201 ok" "$C" "$SRV6_ALLOW" 5201 ok
check_tcp_port "ports: $SRV6_ALLOW TCP 5202 refused" "$C" "$SRV6_ALLOW" 5202 ECONNREFUSED

# --- D: a port rule never matches ICMP --------------------------------------
policy_add "/$D"
ectl_must rule add "/$D" allow to 10.99.1.2/32 port 1-65535
ectl_must rule add "/$D" allow to 2001:db8:98::2/128 port 1-65535
ectl_must rule add "/$D" allow icmp to 10.99.0.2/32
ectl_must rule add "/$D" allow icmpv6 to 2001:db8:99::2/128
check_icmp_denied "icmp: only 'allow to $SRV4_DENY port 1-65535': ping fails with EPERM" "$D" "$SRV4_DENY"
check_icmp_denied "icmp: only 'allow to $SRV6_DENY port 1-65535': ping denied (no reply)" "$D" "$SRV6_DENY"
check_tcp "icmp: the same port rule allows TCP to $SRV4_DENY" "$D" "$SRV4_DENY" ok
check_udp "icmp: the same port rule allows UDP to $SRV4_DENY" "$D" "$SRV4_DENY" 2 100 \
	"sent=2 failed=0 first_errno=none"
check_icmp "icmp: 'allow icmp to $SRV4_ALLOW/32': ping ok" "$D" "$SRV4_ALLOW" ok
check_icmp "icmp: 'allow icmpv6 to $SRV6_ALLOW/128': ping ok" "$D" "$SRV6_ALLOW" ok

# --- E: no rule of the longest prefix matches -> shorter prefixes -----------
policy_add "/$E"
ectl_must rule add "/$E" allow to 10.99.0.0/16
ectl_must rule add "/$E" deny to 10.99.1.2/32 port 1-65535
ectl_must rule add "/$E" allow to 2001:db8::/32
ectl_must rule add "/$E" deny to 2001:db8:98::2/128 port 1-65535
check_icmp "fall-through: ping $SRV4_DENY ok (port rule skipped, /16 allows)" "$E" "$SRV4_DENY" ok
check_tcp "fall-through: TCP to $SRV4_DENY refused (port rule)" "$E" "$SRV4_DENY" ECONNREFUSED
check_icmp "fall-through: ping $SRV6_DENY ok (port rule skipped, /32 allows)" "$E" "$SRV6_DENY" ok
check_tcp "fall-through: TCP to $SRV6_DENY refused (port rule)" "$E" "$SRV6_DENY" ECONNREFUSED

tap_done
