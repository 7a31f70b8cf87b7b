#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The hooks cover network namespaces created after the module was loaded
# (and after the policy was added): client and server each in a new netns.
#
#   $CLIENT_NS (new)                           $SRV_NS (new)
#   +-------------------------------+          +------------------------------+
#   | client process in cgroup /t1  |          | tcp-listen :: 5201           |
#   |                               |          | udp-recv   :: 5202           |
#   |  nfeXXXX  10.99.0.1/24        |   veth   |  eth0  10.99.0.2/24  allowed |
#   |           10.99.1.1/24        +----------+        10.99.1.2/24  denied  |
#   |           2001:db8:99::1/64   |          |        2001:db8:99::2 allowed|
#   |           2001:db8:98::1/64   |          |        2001:db8:98::2 denied |
#   +-------------------------------+          +------------------------------+
#
# Order: module loaded (by the runner) -> policy for /t1 added -> both
# namespaces created -> connectivity checked.  The policy is keyed by the
# cgroup, so it applies in every netns.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=t1
P=/t1

require_common
tap_plan 14

cg_create "$CG"
policy_add "$P"
ectl_must rule add "$P" allow to "$NET4_ALLOW"
ectl_must rule add "$P" allow to "$NET6_ALLOW"
# The namespaces are created after the policy was added; the topology
# setup probes from the test cgroup, which has no policy.
ns_create CNS cli
setup_server_topology "$CNS"
diag "client netns $CLIENT_NS, server netns $SRV_NS"

check_tcp "new netns: /t1 TCP to allowed $SRV4_ALLOW" "$CG" "$SRV4_ALLOW" ok
check_tcp "new netns: /t1 TCP to allowed $SRV6_ALLOW" "$CG" "$SRV6_ALLOW" ok
check_tcp "new netns: /t1 TCP to denied $SRV4_DENY refused" "$CG" "$SRV4_DENY" ECONNREFUSED
check_tcp "new netns: /t1 TCP to denied $SRV6_DENY refused" "$CG" "$SRV6_DENY" ECONNREFUSED
check_udp "new netns: /t1 UDP to allowed $SRV4_ALLOW" "$CG" "$SRV4_ALLOW" 5 64 \
	"sent=5 failed=0 first_errno=none"
check_udp "new netns: /t1 UDP to allowed $SRV6_ALLOW" "$CG" "$SRV6_ALLOW" 5 64 \
	"sent=5 failed=0 first_errno=none"
check_udp "new netns: /t1 UDP to denied $SRV4_DENY fails with EPERM" "$CG" "$SRV4_DENY" 5 64 \
	"sent=0 failed=5 first_errno=EPERM"
check_udp "new netns: /t1 UDP to denied $SRV6_DENY fails with EPERM" "$CG" "$SRV6_DENY" 5 64 \
	"sent=0 failed=5 first_errno=EPERM"
busywait 3000 udp_received_is 10
check_eq "server netns received exactly the 10 allowed datagrams" 10 "$(udp_received)"
check_tcp "new netns: test cgroup TCP to $SRV4_DENY" "" "$SRV4_DENY" ok
check_tcp "new netns: test cgroup TCP to $SRV6_DENY" "" "$SRV6_DENY" ok

# Without the policy the same client reaches the denied addresses: the
# refusals above were the module's.
ectl_must policy del "$P"
check_tcp "policy deleted: /t1 TCP to $SRV4_DENY" "$CG" "$SRV4_DENY" ok
check_tcp "policy deleted: /t1 TCP to $SRV6_DENY" "$CG" "$SRV6_DENY" ok
check_udp "policy deleted: /t1 UDP to $SRV4_DENY" "$CG" "$SRV4_DENY" 5 64 \
	"sent=5 failed=0 first_errno=none"

tap_done
