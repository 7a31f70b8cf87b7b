#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: valgrind-check.sh       (make valgrind; CI runs it)
#
# The CLI suites test_cli.sh and test_fake.sh (every command, usage error
# and kernel reply path, the latter against fake_kernel.so) with each
# egressctl run under valgrind memcheck through selftests/egressctl-vg.
# A suite passes when it passes as usual, ran egressctl, and every memcheck
# log is empty: no invalid access, no uninitialised use, no definite or
# indirect leak.  selftests/valgrind.sh does the same in the guest against
# the real module.  Output: TAP, then "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
wrapper=$here/../../selftests/egressctl-vg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 n=0

command -v valgrind > /dev/null || { echo "valgrind missing: tools/install-deps"; exit 1; }
echo "TAP version 13"
echo "1..2"
for suite in test_cli.sh test_fake.sh; do
	n=$((n + 1))
	mkdir -p "$tmp/$suite"
	args=("$wrapper")
	[[ $suite == test_fake.sh ]] && args+=("$here/fake_kernel.so")
	(cd "$here" && NF_EGRESS_VG_REAL=$here/egressctl NF_EGRESS_VG_DIR=$tmp/$suite \
		"./$suite" "${args[@]}") > "$tmp/$suite.out" 2>&1
	rc=$?
	runs=$(find "$tmp/$suite" -name 'vg.*.log' | wc -l)
	bad=$(find "$tmp/$suite" -name 'vg.*.log' -size +0 | wc -l)
	if ((rc == 0 && runs > 0 && bad == 0)); then
		echo "ok $n $suite under valgrind: $runs egressctl runs, memcheck clean"
		pass=$((pass + 1))
	else
		grep -E '^not ok' "$tmp/$suite.out" | head -n 20 | sed 's/^/# /'
		for f in $(find "$tmp/$suite" -name 'vg.*.log' -size +0 | head -n 3); do
			sed 's/^/#   /' "$f"
		done
		echo "not ok $n $suite under valgrind: exit $rc, $runs runs, $bad with memcheck errors"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
((fail == 0))
