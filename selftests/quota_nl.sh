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
tap_plan 10

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

# Traffic: a deny quota of 5000 bytes an hour on a policy that allows UDP
# to the server.  Datagrams of 100 bytes are 128 on the wire: the 40th
# reaches 5120 (the packet that uses the quota up still leaves), the rest
# are refused.  Moving the quotas' clock an hour on starts a new period.
CG=nfe-qtr-$$
PT=/$CG
cg_create "$CG"
setup_measured_link qtr 10.99.0.2
policy_add "$PT"
ectl_must rule add "$PT" allow udp to 10.99.0.2/32
ynl --do policy-set --json "{\"cgroup-path\": \"$PT\", \"quota\": [{\"limit\": 5000, \"period\": \"hour\", \"action\": \"deny\"}]}" > /dev/null ||
	bail_out "policy-set quota: $(cat "$TMPDIR_TEST/ynl.err")"
used()
{
	ynl --do policy-get --json "{\"cgroup-path\": \"$PT\"}" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["quota"][0]["used"])'
}
out=$(cg_exec "$CG" ip netns exec "$CLI_NS" "$PROBE" udp-send 10.99.0.2 9 60 100 2>&1)
check_eq "60 datagrams against a 5000-byte quota: 40 leave, then EPERM; 5120 used" \
	"sent=40 failed=20 first_errno=EPERM 5120" "$out $(used)"
param=/sys/module/nf_egress/parameters/quota_clock_offset
if [ -w "$param" ]; then
	echo 3600 > "$param"
	out=$(cg_exec "$CG" ip netns exec "$CLI_NS" "$PROBE" udp-send 10.99.0.2 9 10 100 2>&1)
	check_eq "an hour later: a new period, 10 datagrams leave, 1280 used" \
		"sent=10 failed=0 first_errno=none 1280" "$out $(used)"
	echo 0 > "$param"
else
	tap_fail "an hour later: a new period" "no $param (not a debug build)"
fi

# Events: warnings at 50% and 80% and the limit, each once, with the usage
# the crossing left: 20, 32 and 40 datagrams of 128 bytes.
CG2=nfe-qev-$$
PT2=/$CG2
cg_create "$CG2"
policy_add "$PT2"
ectl_must rule add "$PT2" allow udp to 10.99.0.2/32
ynl --do policy-set --json "{\"cgroup-path\": \"$PT2\", \"quota\": [{\"limit\": 5000, \"period\": \"hour\", \"warn\": [50, 80], \"action\": \"deny\"}]}" > /dev/null ||
	bail_out "policy-set quota: $(cat "$TMPDIR_TEST/ynl.err")"
group=$(python3 "$YNL_DIR/cli.py" --spec "$YNL_DIR/specs/nlctrl.yaml" --no-schema --output-json \
	--do getfamily --json '{"family-name": "nf_egress"}' | python3 -c '
import json, sys
for g in json.load(sys.stdin).get("mcast-groups", []):
    g = g if "name" in g else next(iter(g.values()))
    if g["name"] == "events":
        print(g["id"])')
python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --output-json --subscribe events \
	--sleep 8 > "$TMPDIR_TEST/events.json" 2> "$TMPDIR_TEST/events.err" &
ynl_pid=$!
register_pid "$ynl_pid"
[ -n "$group" ] && busywait 20000 netlink_joined "$ynl_pid" "$group" ||
	diag "ynl did not join the events group ('$group') in time"
cg_exec "$CG2" ip netns exec "$CLI_NS" "$PROBE" udp-send 10.99.0.2 9 60 100 > /dev/null 2>&1
wait "$ynl_pid"
got=$(python3 - "$TMPDIR_TEST/events.json" <<'PYEOF'
import json, sys
text = open(sys.argv[1]).read()
try:
    data = json.loads(text)
except ValueError:
    data = [json.loads(l) for l in text.splitlines() if l.strip()]
found = []
def walk(v):
    if isinstance(v, dict):
        if "crossed" in v:
            found.append("%d:%d" % (v["crossed"], v["used"]))
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(data)
print(" ".join(found))
PYEOF
)
check_eq "quota events: 50% at 2560 bytes, 80% at 4096, the limit at 5120, once each" \
	"50:2560 80:4096 100:5120" "$got"

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
QUOTA3='[{"limit": 5000, "period": "hour", "action": "deny"}]'
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
