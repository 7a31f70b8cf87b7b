#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: tests/run-checks.sh [SUITE...]   (make check here; CI runs it)
#
# egressctl's host-side suites, none of which needs the module: each is one
# TAP line here, a failing suite's output follows as diagnostics.  SUITEs
# pick some of them (the package build leaves out manpage.sh, whose groff
# and mandoc are no build dependencies); all by default.
#
#   test_parse       path, CIDR, rule and number parsers, JSON and tables
#   test_netlink     message parsing, ack/extack/dump handling, random input,
#                    the output of monitor and explain
#   test_policyfile  the policy file parser: errors, round trip, 200k rules
#   test_dump        dump retries (NLM_F_DUMP_INTR, generation changes) on
#                    the module's replies recorded in golden/; the TCP health
#                    of forged replies in stats -j, stats --health and
#                    metrics, and top's loop on three snapshots
#   test_histogram   RTT quantiles (as Prometheus's histogram_quantile()),
#                    cumulative le counts, interval deltas, RTTs for people
#   test_atomicfile  the atomic file replacement of metrics -o FILE
#   test_usagefile   the quota usage file of quota save/restore
#   test_cost        the price file and the figures of egressctl cost
#   test_pattern     template patterns: matching, precedence, overlap, and
#                    a brute-force oracle over random small patterns
#   test_cli.sh      exact usage errors, help, exit codes, module not loaded
#   manpage.sh       egressctl(8) against groff, mandoc and 'egressctl help'
#
# Output: TAP, then "N passed, N failed".  egressctl against the real module
# is selftests/egressctl_cli.sh's, in the test guest.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
suites=(test_parse test_netlink test_policyfile test_dump test_histogram test_atomicfile test_usagefile test_cost test_pattern test_cli.sh manpage.sh)
(($#)) && suites=("$@")
pass=0 fail=0 n=0

echo "TAP version 13"
echo "1..${#suites[@]}"
for suite in "${suites[@]}"; do
	n=$((n + 1))
	case $suite in
	*.sh) cmd=("$here/$suite" "$top/egressctl") ;;
	*) cmd=("$here/$suite") ;;
	esac
	if (cd "$top" && "${cmd[@]}") > "$log" 2>&1 && grep -q '^ok ' "$log" &&
		! grep -q '^not ok ' "$log"; then
		echo "ok $n - egressctl suite $suite ($(grep -c '^ok ' "$log") checks)"
		pass=$((pass + 1))
	else
		echo "not ok $n - egressctl suite $suite"
		sed 's/^/# /' "$log"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
((fail == 0))
