#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Quotas over netlink (ynl, the kernel's generic client, reading the spec):
# a policy created with two quotas shows them with their usage and period,
# POLICY_SET replaces and removes them, and bad quotas are refused with a
# message naming the attribute.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

YNL_DIR=${NF_EGRESS_YNL:-$NF_EGRESS_SRC/.vm/ynl}
SPEC=$NF_EGRESS_SRC/Documentation/netlink/specs/nf_egress.yaml
P=/nfe-qnl-$$

require_common
[ -f "$YNL_DIR/cli.py" ] || bail_out "no ynl in $YNL_DIR"
tap_plan 5

ynl()
{
	python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --output-json "$@" 2> "$TMPDIR_TEST/ynl.err"
}

CLEANUP_POLICIES+=("$P")
ynl --do policy-new --json "{\"cgroup-path\": \"$P\", \"quota\": [{\"limit\": 5000000, \"period\": \"hour\", \"warn\": [50, 80], \"action\": \"deny\"}, {\"limit\": 1000, \"period\": \"month\", \"utc-offset\": 19800, \"anchor\": 1767205800, \"class\": \"internet\"}]}" > /dev/null
tap_result $? "policy-new with two quotas" "$(cat "$TMPDIR_TEST/ynl.err")"
got=$(ynl --do policy-get --json "{\"cgroup-path\": \"$P\"}" | python3 -c '
import json, sys, time
q = json.load(sys.stdin)["quota"]
now = int(time.time())
print(len(q), q[0]["limit"], q[0]["warn"], q[0]["action"], q[0]["used"],
      q[0]["period-end"] - q[0]["period-start"], q[0]["period-start"] <= now < q[0]["period-end"],
      q[1]["class"], q[1]["utc-offset"], q[1]["period"])')
check_eq "policy-get shows both quotas with usage and period" \
	"2 5000000 [50, 80] deny 0 3600 True internet 19800 month" "$got"
out=$(ynl --do policy-set --json "{\"cgroup-path\": \"$P\", \"quota\": [{\"limit\": 5000000, \"period\": \"hour\", \"warn\": [80, 50]}]}")
rc=$?
out="$out $(cat "$TMPDIR_TEST/ynl.err")"
check_eq "descending warnings are refused with a message" "1 warning percentages go up" \
	"$rc $(grep -o 'warning percentages go up' <<< "$out" | head -n1)"
ynl --do policy-set --json "{\"cgroup-path\": \"$P\", \"quota\": [{\"none\": true}]}" > /dev/null
tap_result $? "policy-set quota none" "$(cat "$TMPDIR_TEST/ynl.err")"
got=$(ynl --do policy-get --json "{\"cgroup-path\": \"$P\"}" | python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("quota", [])))')
check_eq "the policy has no quota left" 0 "$got"
