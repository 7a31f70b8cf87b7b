#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Basic allow/deny of a cgroup policy, IPv4 and IPv6, TCP and UDP.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | cgroup /t1      (policy)      |          | tcp-listen :: 5201           |
#   |  `- /t1/sub     (inherits)    |          | udp-recv   :: 5202           |
#   | cgroup of the test (no policy)|          |                              |
#   |                               |          |                              |
#   |  nfeXXXX  10.99.0.1/24        |   veth   |  eth0  10.99.0.2/24  allowed |
#   |           10.99.1.1/24        +----------+        10.99.1.2/24  denied  |
#   |           2001:db8:99::1/64   |          |        2001:db8:99::2 allowed|
#   |           2001:db8:98::1/64   |          |        2001:db8:98::2 denied |
#   +-------------------------------+          +------------------------------+
#
# Policy: egressctl policy add /t1 (default deny)
#         egressctl rule add /t1 allow to 10.99.0.0/24
#         egressctl rule add /t1 allow to 2001:db8:99::/64
#
# Every address is first shown to be reachable from /t1 without a policy, so
# a refused connection later is the module's doing.  A denied TCP connect()
# fails with ECONNREFUSED, a denied UDP sendto() with EPERM.  Processes
# outside /t1 are not affected, /t1/sub is, and after `policy del` /t1
# reaches everything again.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=t1
P=/t1

require_common
tap_plan 32

cg_create "$CG"
cg_create "$CG/sub"
setup_server_topology ""
ME=$(my_cgroup)
diag "server netns $SRV_NS, client device $CLIENT_DEV, test cgroup '$ME'"
ECTL_QUIET=1 ectl policy del "$P" > /dev/null

# --- without a policy every address is reachable from /t1 ---------------
check_tcp "no policy: /t1 TCP to $SRV4_ALLOW" "$CG" "$SRV4_ALLOW" ok
check_tcp "no policy: /t1 TCP to $SRV4_DENY" "$CG" "$SRV4_DENY" ok
check_tcp "no policy: /t1 TCP to $SRV6_ALLOW" "$CG" "$SRV6_ALLOW" ok
check_tcp "no policy: /t1 TCP to $SRV6_DENY" "$CG" "$SRV6_DENY" ok
check_udp "no policy: /t1 UDP to $SRV4_DENY" "$CG" "$SRV4_DENY" 3 100 \
	"sent=3 failed=0 first_errno=none"
check_udp "no policy: /t1 UDP to $SRV6_DENY" "$CG" "$SRV6_DENY" 3 100 \
	"sent=3 failed=0 first_errno=none"

# --- the policy ------------------------------------------------------------
ectl policy add "$P" > /dev/null
tap_result $? "egressctl policy add $P"
CLEANUP_POLICIES+=("$P")
ectl rule add "$P" allow to "$NET4_ALLOW" > /dev/null
tap_result $? "egressctl rule add $P allow to $NET4_ALLOW"
ectl rule add "$P" allow to "$NET6_ALLOW" > /dev/null
tap_result $? "egressctl rule add $P allow to $NET6_ALLOW"

show=$(ectl -j show)
got=$(python3 -c '
import json, sys
for p in json.loads(sys.stdin.read()):
    if p["cgroup"] == sys.argv[1]:
        print(p["default"], *sorted(r["action"] + ":" + r["to"] for r in p["rules"]))
' "$P" <<< "$show" 2>&1)
check_eq "egressctl -j show lists $P, default deny, its two rules" \
	"deny allow:$NET4_ALLOW allow:$NET6_ALLOW" "$got" || diag "$show"

pol=$(cat "$NF_EGRESS_PROC/policies" 2>&1)
if grep -q -- "$P" <<< "$pol" && grep -q -- "$NET4_ALLOW" <<< "$pol" &&
	grep -q -- "$NET6_ALLOW" <<< "$pol"; then
	tap_ok "$NF_EGRESS_PROC/policies lists $P and its rules"
else
	tap_fail "$NF_EGRESS_PROC/policies lists $P and its rules"
	diag "$pol"
fi

# --- with the policy -----------------------------------------------------
check_tcp "policy: /t1 TCP to allowed $SRV4_ALLOW" "$CG" "$SRV4_ALLOW" ok
check_tcp "policy: /t1 TCP to allowed $SRV6_ALLOW" "$CG" "$SRV6_ALLOW" ok
check_tcp "policy: /t1 TCP to denied $SRV4_DENY refused" "$CG" "$SRV4_DENY" ECONNREFUSED
check_tcp "policy: /t1 TCP to denied $SRV6_DENY refused" "$CG" "$SRV6_DENY" ECONNREFUSED
check_tcp "policy: /t1/sub TCP to allowed $SRV4_ALLOW" "$CG/sub" "$SRV4_ALLOW" ok
check_tcp "policy: /t1/sub TCP to denied $SRV4_DENY refused" "$CG/sub" "$SRV4_DENY" ECONNREFUSED
check_tcp "policy: /t1/sub TCP to denied $SRV6_DENY refused" "$CG/sub" "$SRV6_DENY" ECONNREFUSED
check_tcp "policy: test cgroup '$ME' TCP to $SRV4_DENY" "" "$SRV4_DENY" ok
check_tcp "policy: test cgroup '$ME' TCP to $SRV6_DENY" "" "$SRV6_DENY" ok
check_udp "policy: /t1 UDP to allowed $SRV4_ALLOW" "$CG" "$SRV4_ALLOW" 3 100 \
	"sent=3 failed=0 first_errno=none"
check_udp "policy: /t1 UDP to allowed $SRV6_ALLOW" "$CG" "$SRV6_ALLOW" 3 100 \
	"sent=3 failed=0 first_errno=none"
check_udp "policy: /t1 UDP to denied $SRV4_DENY fails with EPERM" "$CG" "$SRV4_DENY" 3 100 \
	"sent=0 failed=3 first_errno=EPERM"
check_udp "policy: /t1 UDP to denied $SRV6_DENY fails with EPERM" "$CG" "$SRV6_DENY" 3 100 \
	"sent=0 failed=3 first_errno=EPERM"
check_udp "policy: test cgroup '$ME' UDP to $SRV4_DENY" "" "$SRV4_DENY" 3 100 \
	"sent=3 failed=0 first_errno=none"

# --- policy deleted --------------------------------------------------------
ectl policy del "$P" > /dev/null
tap_result $? "egressctl policy del $P"
got=$(ectl -j show | python3 -c '
import json, sys
print(sum(1 for p in json.loads(sys.stdin.read()) if p["cgroup"] == sys.argv[1]))
' "$P" 2>&1)
check_eq "egressctl -j show no longer lists $P" 0 "$got"
check_tcp "policy deleted: /t1 TCP to $SRV4_DENY" "$CG" "$SRV4_DENY" ok
check_tcp "policy deleted: /t1 TCP to $SRV6_DENY" "$CG" "$SRV6_DENY" ok
check_tcp "policy deleted: /t1/sub TCP to $SRV4_DENY" "$CG/sub" "$SRV4_DENY" ok
check_udp "policy deleted: /t1 UDP to $SRV4_DENY" "$CG" "$SRV4_DENY" 3 100 \
	"sent=3 failed=0 first_errno=none"
check_udp "policy deleted: /t1 UDP to $SRV6_DENY" "$CG" "$SRV6_DENY" 3 100 \
	"sent=3 failed=0 first_errno=none"

tap_done
