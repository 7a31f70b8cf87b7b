#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: tests/valgrind-check.sh       (make valgrind; CI runs it)
#
# Under valgrind memcheck, through egressctl-vg: the CLI suite test_cli.sh
# (every usage and input error, and without the module, which the host
# never loads, every command's "module not loaded" path), and test_dump,
# which decodes the module's recorded replies (golden/) and retries dumps.
# A suite passes when it passes as usual, ran, and every memcheck log is
# empty: no invalid access, no uninitialised use, no definite or indirect
# leak.  selftests/valgrind.sh runs egressctl under memcheck in the guest
# against the real module.  Output: TAP, then "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 n=0

command -v valgrind > /dev/null || { echo "valgrind missing: scripts/install-deps"; exit 1; }
echo "TAP version 13"
echo "1..2"
for suite in test_cli.sh test_dump; do
	n=$((n + 1))
	mkdir -p "$tmp/$suite"
	if [[ $suite == *.sh ]]; then
		(cd "$top" && NF_EGRESS_VG_REAL=$top/egressctl NF_EGRESS_VG_DIR=$tmp/$suite \
			"$here/$suite" "$here/egressctl-vg") > "$tmp/$suite.out" 2>&1
	else
		(cd "$top" && NF_EGRESS_VG_REAL=$here/$suite NF_EGRESS_VG_DIR=$tmp/$suite \
			"$here/egressctl-vg" "$here/golden") > "$tmp/$suite.out" 2>&1
	fi
	rc=$?
	runs=$(find "$tmp/$suite" -name 'vg.*.log' | wc -l)
	bad=$(find "$tmp/$suite" -name 'vg.*.log' -size +0 | wc -l)
	if ((rc == 0 && runs > 0 && bad == 0)); then
		echo "ok $n $suite under valgrind: $runs runs, memcheck clean"
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
