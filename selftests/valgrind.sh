#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# egressctl under valgrind memcheck against the real module: other
# selftests that drive egressctl hard run again with NF_EGRESS_VALGRIND=1,
# which makes lib.sh run every egressctl of theirs through egressctl-vg.
# Each of them must pass as it does without valgrind, have run egressctl at
# least once, and leave only empty memcheck logs: no invalid read or write,
# no use of uninitialised memory, no definite or indirect leak.
#
#   host                              (no topology of its own: each test
#   valgrind.sh -> TEST.sh            builds what it needs)
#                    `-> egressctl-vg -> valgrind egressctl -> nf_egress
#
# The host-side unit suites (test_cli.sh, test_fake.sh: every command and
# error path against a stand-in kernel) run under the same wrapper in
# `make valgrind`, which CI runs; under TCG they would take too long here.

source "$(dirname "$0")/lib.sh"

# The tests with the most distinct egressctl commands and error paths:
# usage and kernel errors, apply/show --config, explain, policy set, stats.
TESTS=(egressctl_errors.sh config_roundtrip.sh explain.sh audit.sh)

require_root
require_cmd valgrind
require_egressctl

tap_plan "${#TESTS[@]}"
for t in "${TESTS[@]}"; do
	vgdir=$(mktemp -d /tmp/nf_egress-vg.XXXXXX)
	out=$vgdir/out
	NF_EGRESS_VALGRIND=1 NF_EGRESS_VG_DIR=$vgdir "$LIB_DIR/$t" > "$out" 2>&1
	rc=$?
	runs=$(find "$vgdir" -name 'vg.*.log' | wc -l)
	bad=$(find "$vgdir" -name 'vg.*.log' -size +0 | wc -l)
	if [ "$rc" -eq 0 ] && [ "$runs" -gt 0 ] && [ "$bad" -eq 0 ]; then
		tap_ok "$t under valgrind: $runs egressctl runs, memcheck clean"
	else
		tap_fail "$t under valgrind: exit $rc, $runs egressctl runs, $bad with memcheck errors"
		grep -E '^(not ok|Bail out)' "$out" | head -n 20 | sed 's/^/# /'
		for f in $(find "$vgdir" -name 'vg.*.log' -size +0 | head -n 3); do
			diag_file "$f"
		done
	fi
	rm -rf "$vgdir"
done
tap_done
