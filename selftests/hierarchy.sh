#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hierarchical policies, the cgroup v2 way: a packet passes only if every
# policy on the path from / down to the socket's cgroup allows it; a child
# can narrow its parent, never widen it; every level is charged.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-hp-PID        parent P   |          | tcp-listen :: 5201           |
#   |   |- c             child C    |          | udp-recv   :: 5202 (counts)  |
#   |   `- s             sibling, no|          |                              |
#   |                    own policy |   veth   | eth0 10.99.0.2/24            |
#   | /nfe-hf-PID        no policy  +----------+      10.99.1.2/24            |
#   |  nfeXXXX 10.99.{0,1}.1/24     |          |      192.0.2.2/24            |
#   |          192.0.2.1/24  ...    |          |      2001:db8:9{9,8}::2/64   |
#   +-------------------------------+          +------------------------------+
#
#   P  (/nfe-hp-PID):   default deny; allow to 10.99.0.0/16
#   C  (/nfe-hp-PID/c): default deny; allow to 10.99.0.0/16;
#                       allow to 192.0.2.0/24 (wider than P: no effect);
#                       deny to 10.99.1.0/24 (narrower than P: honoured)
#   later, host-wide:   / default allow; deny to 10.99.1.2/32
#
# Counters (exact, fresh policies, UDP 100 bytes = 128 bytes at IPv4):
# the child sends 7 allowed + 5 to 192.0.2.2 (P denies) + 4 to 10.99.1.2
# (C denies): P and C both count allowed 7, denied 9.  Then the sibling
# sends 3 to 10.99.1.2 (allowed) + 2 to 192.0.2.2: only P changes.
# TCP checks follow (every TCP target is reachable without a policy: the
# topology setup checks it), then the / policy, which is removed again.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-hp-$$
P=/$CG
C=$P/c
FREE=nfe-hf-$$
B4=128
NET_DOC=192.0.2.0/24
DOC=192.0.2.2

require_common
tap_plan 29

cg_create "$CG"
cg_create "$CG/c"
cg_create "$CG/s"
cg_create "$FREE"
setup_server_topology ""
server_add_net 192.0.2.1/24 192.0.2.2/24
wait_tcp_reachable "$DOC" "$TCP_PORT"
ME=$(my_cgroup)

policy_add "$P"
ectl_must rule add "$P" allow to 10.99.0.0/16
policy_add "$C"
ectl_must rule add "$C" allow to 10.99.0.0/16
ectl_must rule add "$C" allow to "$NET_DOC"
ectl_must rule add "$C" deny to 10.99.1.0/24

# --- counters: every level is charged -------------------------------------
check_udp "child: 7 datagrams to $SRV4_ALLOW sent" "$CG/c" "$SRV4_ALLOW" 7 100 \
	"sent=7 failed=0 first_errno=none"
check_udp "child: 5 datagrams to $DOC (parent denies) fail with EPERM" "$CG/c" "$DOC" 5 100 \
	"sent=0 failed=5 first_errno=EPERM"
check_udp "child: 4 datagrams to $SRV4_DENY (child denies) fail with EPERM" "$CG/c" \
	"$SRV4_DENY" 4 100 "sent=0 failed=4 first_errno=EPERM"
check_eq "stats of parent $P after the child's traffic" \
	"7 $((7 * B4)) 9 $((9 * B4))" "$(stats_json "$P")"
check_eq "stats of child $C after the child's traffic" \
	"7 $((7 * B4)) 9 $((9 * B4))" "$(stats_json "$C")"
check_udp "sibling: 3 datagrams to $SRV4_DENY (parent allows) sent" "$CG/s" "$SRV4_DENY" 3 100 \
	"sent=3 failed=0 first_errno=none"
check_udp "sibling: 2 datagrams to $DOC fail with EPERM" "$CG/s" "$DOC" 2 100 \
	"sent=0 failed=2 first_errno=EPERM"
check_eq "stats of parent $P after the sibling's traffic" \
	"10 $((10 * B4)) 11 $((11 * B4))" "$(stats_json "$P")"
check_eq "stats of child $C unchanged by the sibling's traffic" \
	"7 $((7 * B4)) 9 $((9 * B4))" "$(stats_json "$C")"
busywait 5000 udp_received_is 10
check_eq "server received exactly the 10 allowed datagrams" 10 "$(udp_received)"

# --- verdicts ---------------------------------------------------------------
check_tcp "child: TCP to $DOC refused (child allows, parent does not)" "$CG/c" "$DOC" ECONNREFUSED
check_tcp "child: TCP to $SRV4_ALLOW ok (both allow)" "$CG/c" "$SRV4_ALLOW" ok
check_tcp "child: TCP to $SRV4_DENY refused (child narrows the parent)" "$CG/c" "$SRV4_DENY" ECONNREFUSED
check_tcp "child: TCP to $SRV6_ALLOW refused (neither allows IPv6)" "$CG/c" "$SRV6_ALLOW" ECONNREFUSED
check_tcp "sibling (no own policy): TCP to $SRV4_ALLOW ok" "$CG/s" "$SRV4_ALLOW" ok
check_tcp "sibling: TCP to $SRV4_DENY ok (the child's deny is not the sibling's)" "$CG/s" "$SRV4_DENY" ok
check_tcp "sibling: TCP to $DOC refused (parent's policy)" "$CG/s" "$DOC" ECONNREFUSED
check_tcp "parent: TCP to $DOC refused" "$CG" "$DOC" ECONNREFUSED
check_tcp "parent: TCP to $SRV4_DENY ok" "$CG" "$SRV4_DENY" ok

# --- a host-wide policy on / ----------------------------------------------
policy_add / default allow
ectl rule add / deny to "$SRV4_DENY/32" > /dev/null
tap_result $? "host-wide policy: / default allow, deny to $SRV4_DENY/32"
check_tcp "/ policy: test cgroup '$ME' TCP to $SRV4_DENY refused" "" "$SRV4_DENY" ECONNREFUSED
check_tcp "/ policy: test cgroup '$ME' TCP to $SRV4_ALLOW ok" "" "$SRV4_ALLOW" ok
check_udp "/ policy: test cgroup '$ME' UDP to $SRV4_DENY fails with EPERM" "" "$SRV4_DENY" 2 100 \
	"sent=0 failed=2 first_errno=EPERM"
check_tcp "/ policy: /$FREE (no policy of its own) TCP to $SRV4_DENY refused" "$FREE" "$SRV4_DENY" ECONNREFUSED
check_tcp "/ policy: sibling TCP to $SRV4_DENY refused (was ok)" "$CG/s" "$SRV4_DENY" ECONNREFUSED
check_tcp "/ policy: child TCP to $SRV4_ALLOW still ok" "$CG/c" "$SRV4_ALLOW" ok
ectl policy del / > /dev/null
tap_result $? "egressctl policy del /"
check_tcp "/ policy deleted: test cgroup TCP to $SRV4_DENY ok again" "" "$SRV4_DENY" ok
got=$(ectl -j show | json_eval 'sum(1 for p in d if p["cgroup"] == "/")')
check_eq "egressctl -j show no longer lists /" 0 "$got"

tap_done
