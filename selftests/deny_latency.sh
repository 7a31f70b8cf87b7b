#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A denied TCP connect() fails at once with ECONNREFUSED (the module drops
# the SYN with NF_DROP_ERR(-ECONNREFUSED)); it must not hang in SYN
# retransmission.  egress_probe measures connect() with CLOCK_MONOTONIC.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | cgroup /nfe-lat-PID (policy:  |          | tcp-listen :: 5201           |
#   |   allow 10.99.0.0/24,         |   veth   |  eth0  10.99.0.2/24  allowed |
#   |   allow 2001:db8:99::/64)     +----------+        10.99.1.2/24  denied  |
#   |  nfeXXXX 10.99.{0,1}.1/24 ... |          |  2001:db8:99::2 / 98::2      |
#   +-------------------------------+          +------------------------------+

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

ROUNDS=5
LIMIT_US=100000
CG=nfe-lat-$$
P=/$CG

require_common
tap_plan $((2 * ROUNDS + 3))

cg_create "$CG"
setup_server_topology ""
check_tcp "no policy: TCP to $SRV4_DENY connects" "$CG" "$SRV4_DENY" ok
policy_add "$P"
ectl_must rule add "$P" allow to "$NET4_ALLOW"
ectl_must rule add "$P" allow to "$NET6_ALLOW"
check_tcp "policy: TCP to allowed $SRV4_ALLOW connects" "$CG" "$SRV4_ALLOW" ok
check_tcp "policy: TCP to allowed $SRV6_ALLOW connects" "$CG" "$SRV6_ALLOW" ok

for ((i = 1; i <= ROUNDS; i++)); do
	for addr in "$SRV4_DENY" "$SRV6_DENY"; do
		# A timeout well above the limit: a SYN that is silently
		# dropped shows up as ETIMEDOUT after 2 s, not as a pass.
		tcp_probe "$CG" "$addr" 2000
		desc="round $i: TCP to denied $addr: ECONNREFUSED in < $((LIMIT_US / 1000)) ms (${TCP_US:-?} us)"
		if [ "$TCP_RESULT" = ECONNREFUSED ] && [ -n "$TCP_US" ] &&
			[ "$TCP_US" -lt "$LIMIT_US" ]; then
			tap_ok "$desc"
		else
			tap_fail "$desc"
			diag "$LAST_PROBE"
		fi
	done
done

tap_done
