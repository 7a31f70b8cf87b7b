#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `egressctl apply` of a file with many small policies.  apply pipelines its
# requests; each ACK occupies a whole skb in the socket's receive buffer, so
# a client that sends thousands of small messages before reading loses ACKs
# (ENOBUFS).  Hundreds of policies with a few rules each must apply, list
# and round-trip through show --config.
#
#   (no network: only the policy table)
#   many.conf (400 policies x 3 rules) -> apply -f -> -j show (400 policies,
#   1200 rules) -> show --config > a -> apply -f a -> show --config > b; cmp

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

TOP=/nfe-many-$$
POLICIES=400

require_root
require_cmd python3 cmp
require_egressctl
require_module
tap_plan 5

T=$TMPDIR_TEST
for ((i = 0; i < POLICIES; i++)); do
	CLEANUP_POLICIES+=("$TOP/s$i")
done
python3 - "$TOP" "$POLICIES" > "$T/many.conf" <<'PY'
import sys
top, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    print('cgroup "%s/s%d" {' % (top, i))
    print('\tdefault deny;')
    print('\tallow tcp to 10.%d.%d.0/24 port 443;' % (i // 256, i % 256))
    print('\tallow udp to 198.51.100.%d/32 port 53 class dns;' % (i % 256))
    print('\tdeny to 2001:db8:%x::/48;' % i)
    print('}')
PY

"$EGRESSCTL" apply -f "$T/many.conf" > "$T/out" 2>&1
tap_result $? "apply -f with $POLICIES policies of 3 rules each" "$(cat "$T/out")"

counts=$("$EGRESSCTL" -j show | python3 -c '
import json, sys
top = sys.argv[1]
ps = [p for p in json.load(sys.stdin) if p["cgroup"].startswith(top + "/")]
print(len(ps), sum(len(p["rules"]) for p in ps))' "$TOP")
check_eq "-j show lists every policy and rule" "$POLICIES $((POLICIES * 3))" "$counts"

"$EGRESSCTL" show --config > "$T/a" && [ -s "$T/a" ]
tap_result $? "show --config (exit 0, not empty)"
"$EGRESSCTL" apply -f "$T/a" > "$T/out" 2>&1
tap_result $? "apply -f of show --config output" "$(cat "$T/out")"
"$EGRESSCTL" show --config > "$T/b" && cmp -s "$T/a" "$T/b"
tap_result $? "show --config unchanged by the round trip" "$(diff "$T/a" "$T/b" | head -20)"

tap_done
