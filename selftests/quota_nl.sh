#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Quotas over netlink (ynl, the kernel's generic client, reading the spec):
# a policy created with two quotas shows them with their usage and period,
# POLICY_SET replaces and removes them, bad quotas are refused with a
# message naming the attribute, and an apply (a --multi batch) keeps the
# usage of a quota it keeps.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

YNL_DIR=${NF_EGRESS_YNL:-$NF_EGRESS_SRC/.vm/ynl}
SPEC=$NF_EGRESS_SRC/Documentation/netlink/specs/nf_egress.yaml
P=/nfe-qnl-$$

require_common
[ -f "$YNL_DIR/cli.py" ] || bail_out "no ynl in $YNL_DIR"
tap_plan 9

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
out=$(ynl --do policy-set --json "{\"cgroup-path\": \"$P\", \"quota\": [{\"limit\": 1, \"period\": \"day\", \"utc-offset\": -2147483648}]}")
rc=$?
out="$out $(cat "$TMPDIR_TEST/ynl.err")"
check_eq "a UTC offset of S32_MIN is refused as an offset" "1 a UTC offset is less than a day" \
	"$rc $(grep -o 'a UTC offset is less than a day' <<< "$out" | head -n1)"
out=$(ynl --do policy-set --json "{\"cgroup-path\": \"$P\", \"quota\": [{\"limit\": 1, \"period\": \"day\", \"class\": \"\"}]}")
rc=$?
out="$out $(cat "$TMPDIR_TEST/ynl.err")"
check_eq "an empty class name is refused" "1 class names are A-Z a-z 0-9 _ . -" \
	"$rc $(grep -o 'class names are A-Z a-z 0-9 _ . -' <<< "$out" | head -n1)"
ynl --do policy-set --json "{\"cgroup-path\": \"$P\", \"quota\": [{\"none\": true}]}" > /dev/null
tap_result $? "policy-set quota none" "$(cat "$TMPDIR_TEST/ynl.err")"
got=$(ynl --do policy-get --json "{\"cgroup-path\": \"$P\"}" | python3 -c 'import json, sys; print(len(json.load(sys.stdin).get("quota", [])))')
check_eq "the policy has no quota left" 0 "$got"

# Traffic through the quotas (the deny action, events, the period's
# rollover) is quota.sh's, with egressctl.
setup_measured_link qtr 10.99.0.2

# An apply that keeps a quota (same class and calendar) keeps its usage:
# 20 datagrams before (2560 bytes), then the set is applied again with the
# quota's limit unchanged, then 40 more: 20 leave (the 20th reaches 5120),
# 20 are refused.  (The apply replaces the whole set: this test's other
# policies go.)
CG3=nfe-qap-$$
PT3=/$CG3
cg_create "$CG3"
policy_add "$PT3"
ectl_must rule add "$PT3" allow udp to 10.99.0.2/32
# Hours from a minute ago: no boundary inside the test.
QUOTA3="[{\"limit\": 5000, \"period\": \"hour\", \"anchor\": $(($(date +%s) - 60)), \"action\": \"deny\"}]"
ynl --do policy-set --json "{\"cgroup-path\": \"$PT3\", \"quota\": $QUOTA3}" > /dev/null ||
	bail_out "policy-set quota: $(cat "$TMPDIR_TEST/ynl.err")"
cg_exec "$CG3" ip netns exec "$CLI_NS" "$PROBE" udp-send 10.99.0.2 9 20 100 > /dev/null 2>&1
python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --output-json \
	--multi apply-begin '{}' \
	--multi policy-new "{\"cgroup-path\": \"$PT3\", \"staged\": true, \"quota\": ${QUOTA3%]}, {\"limit\": 1000, \"period\": \"day\", \"class\": \"cdn\"}]}" \
	--multi rule-new "{\"cgroup-path\": \"$PT3\", \"staged\": true, \"rule\": [{\"action\": \"allow\", \"family\": 2, \"addr\": \"0a630002\", \"prefix-len\": 32, \"proto\": 17}]}" \
	--multi apply-commit '{}' > /dev/null 2> "$TMPDIR_TEST/ynl.err"
tap_result $? "apply of a set with the same quota" "$(cat "$TMPDIR_TEST/ynl.err")"
got=$(ynl --do policy-get --json "{\"cgroup-path\": \"$PT3\"}" |
	python3 -c 'import json, sys; q = json.load(sys.stdin)["quota"]; print(q[0]["used"], q[1].get("class"))')
out=$(cg_exec "$CG3" ip netns exec "$CLI_NS" "$PROBE" udp-send 10.99.0.2 9 40 100 2>&1)
check_eq "the applied quota kept its 2560 bytes: 20 more leave, then EPERM; a quota's class no rule names stays" \
	"2560 cdn sent=20 failed=20 first_errno=EPERM" "$got $out"
