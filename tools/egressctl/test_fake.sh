#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# egressctl end to end against fake_kernel.so, an LD_PRELOAD stand-in for
# the nf_egress kernel side (see fake_kernel.c).  Checks request encoding,
# reply decoding, sorting, text and JSON output, extack error messages and
# dump retries.  TAP 13 on stdout.
#
# usage: test_fake.sh [PATH-TO-EGRESSCTL] [PATH-TO-fake_kernel.so]

EGRESSCTL=${1:-./egressctl}
FAKE=$(realpath "${2:-./fake_kernel.so}")
FAKE_NF_EGRESS_STATE=$(mktemp)
export FAKE_NF_EGRESS_STATE
trap 'rm -f "$FAKE_NF_EGRESS_STATE"' EXIT
n=0
failed=0

echo "TAP version 13"

ectl() {
	LD_PRELOAD=$FAKE "$EGRESSCTL" "$@"
}

# check DESC RC EXPECTED-STDOUT EXPECTED-STDERR -- ARGS...
check() {
	local desc=$1 want_rc=$2 want_out=$3 want_err=$4 out err rc errf
	shift 5
	n=$((n + 1))
	errf=$(mktemp)
	out=$(ectl "$@" 2>"$errf")
	rc=$?
	err=$(cat "$errf")
	rm -f "$errf"
	if [[ $rc -eq $want_rc && "$out" == "$want_out" && "$err" == "$want_err" ]]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		echo "#   egressctl $*"
		echo "#   rc $rc (want $want_rc)"
		printf '#   stdout: %s\n' "$out"
		printf '#   want:   %s\n' "$want_out"
		printf '#   stderr: %s\n' "$err"
		printf '#   want:   %s\n' "$want_err"
		failed=$((failed + 1))
	fi
}

check "version with module" 0 $'egressctl 0.1.0\nnf_egress module 0.1.0-fake, 0 policies' "" -- version
check "empty show" 0 "" "" -- show
check "empty -j show" 0 "[]" "" -- -j show
check "empty -j stats" 0 "[]" "" -- -j stats
check "policy add" 0 "" "" -- policy add /t1
check "policy add existing: extack" 1 "" \
	"egressctl: policy add /t1: File exists: nf_egress: policy already exists" -- policy add /t1
check "policy add normalises path" 0 "" "" -- policy add //t0/ default allow
check "rule add v4" 0 "" "" -- rule add /t1 allow to 10.99.0.0/24
check "rule add v6" 0 "" "" -- rule add /t1 allow to 2001:db8:99::/64
check "rule add host" 0 "" "" -- rule add /t1 deny to 192.0.2.1
check "rule add duplicate: extack" 1 "" \
	"egressctl: rule add /t1: File exists: nf_egress: rule already exists" -- rule add /t1 allow to 10.99.0.0/24
check "rule add to missing policy" 1 "" \
	"egressctl: rule add /nope: No such file or directory: nf_egress: no such policy" -- rule add /nope allow to 10.0.0.0/8
check "show sorted" 0 "policy /t0 default allow
policy /t1 default deny
  rule 1 allow to 10.99.0.0/24
  rule 2 allow to 2001:db8:99::/64
  rule 3 deny to 192.0.2.1/32" "" -- show
check "show PATH" 0 "policy /t1 default deny
  rule 1 allow to 10.99.0.0/24
  rule 2 allow to 2001:db8:99::/64
  rule 3 deny to 192.0.2.1/32" "" -- show /t1/
check "-j show PATH" 0 '[{"cgroup":"/t1","default":"deny","rules":[{"id":1,"action":"allow","to":"10.99.0.0/24","rule":"allow to 10.99.0.0/24"},{"id":2,"action":"allow","to":"2001:db8:99::/64","rule":"allow to 2001:db8:99::/64"},{"id":3,"action":"deny","to":"192.0.2.1/32","rule":"deny to 192.0.2.1/32"}]}]' "" -- -j show /t1
check "show missing PATH" 1 "" "egressctl: show /nope: no such policy" -- show /nope
check "stats table" 0 "CGROUP  ALLOWED_PKTS  ALLOWED_BYTES  DENIED_PKTS  DENIED_BYTES
/t0                0              0            0             0
/t1                0              0            0             0" "" -- stats
check "stats missing PATH" 1 "" \
	"egressctl: stats /nope: No such file or directory: nf_egress: no policy for this cgroup path" -- stats /nope
check "version counts policies" 0 $'egressctl 0.1.0\nnf_egress module 0.1.0-fake, 2 policies' "" -- version
check "-j version" 0 '{"version":"0.1.0","module":{"loaded":true,"version":"0.1.0-fake","generation":6,"policies":2}}' "" -- -j version

# counters, including values beyond 32 bits
sed -i 's|^P /t1 0 .*|P /t1 0 12 1536 1 4294967424|' "$FAKE_NF_EGRESS_STATE"
check "stats PATH" 0 "CGROUP  ALLOWED_PKTS  ALLOWED_BYTES  DENIED_PKTS  DENIED_BYTES
/t1               12           1536            1    4294967424" "" -- stats /t1
check "-j stats" 0 '[{"cgroup":"/t0","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0}},{"cgroup":"/t1","allowed":{"packets":12,"bytes":1536},"denied":{"packets":1,"bytes":4294967424}}]' "" -- -j stats

# dump consistency
FAKE_INTR=3 check "show retries NLM_F_DUMP_INTR" 0 "policy /t1 default deny
  rule 1 allow to 10.99.0.0/24
  rule 2 allow to 2001:db8:99::/64
  rule 3 deny to 192.0.2.1/32" "" -- show /t1
FAKE_GEN_BUMP=2 check "show retries on generation change" 0 "policy /t0 default allow" "" -- show /t0
FAKE_INTR=100 check "show gives up eventually" 1 "" \
	"egressctl: show: policy set kept changing during the dump, giving up" -- show
FAKE_INTR=4 check "stats retries NLM_F_DUMP_INTR" 0 '[{"cgroup":"/t0","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0}}]' "" -- -j stats /t0
FAKE_INTR=100 check "stats gives up eventually" 1 "" \
	"egressctl: stats: policy set kept changing during the dump, giving up" -- stats

# deletions
check "rule del by id" 0 "" "" -- rule del /t1 2
check "rule del by spec" 0 "" "" -- rule del /t1 deny to 192.0.2.1
check "rule del missing: extack" 1 "" \
	"egressctl: rule del /t1: No such file or directory: nf_egress: no such rule" -- rule del /t1 2
check "show after rule del" 0 "policy /t1 default deny
  rule 1 allow to 10.99.0.0/24" "" -- show /t1
FAKE_EPERM=1 check "EPERM without extack" 1 "" \
	"egressctl: policy del /t1: Operation not permitted" -- policy del /t1
check "policy del" 0 "" "" -- policy del /t1
check "policy del missing" 1 "" \
	"egressctl: policy del /t1: No such file or directory: nf_egress: no such policy" -- policy del /t1
check "show after policy del" 0 "policy /t0 default allow" "" -- show
FAKE_ABSENT=1 check "module absent" 1 "" "egressctl: nf_egress module not loaded" -- show
FAKE_ABSENT=1 check "module absent: version still 0" 0 $'egressctl 0.1.0\nnf_egress module not loaded' "" -- version

echo "1..$n"
[[ $failed -eq 0 ]]
