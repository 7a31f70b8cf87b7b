#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# egressctl's own unit suites, run in the guest so their results count in
# `make check`.  `make check` builds them on the host (make -C
# tools/egressctl test-progs); this script only runs them.  Each suite is one
# TAP result here; a failing suite's output follows as diagnostics.
#
#   test_parse     path, CIDR, rule and number parsers, JSON and tables
#   test_netlink   message parsing, ack/extack/dump handling, random input
#   test_policyfile the policy file parser: errors, round trip, 200k rules
#   test_cli.sh    exact usage errors, help, exit codes, module not loaded
#   test_fake.sh   the whole CLI against an LD_PRELOAD stand-in kernel
#                  (retries on NLM_F_DUMP_INTR and generation changes)
#
# With the module loaded, test_cli.sh skips its "module not loaded" cases
# (module_reload.sh covers that message against the real module).

source "$(dirname "$0")/lib.sh"

CTL_DIR=$NF_EGRESS_SRC/tools/egressctl
SUITES=(test_parse test_netlink test_policyfile test_cli.sh test_fake.sh)

for t in test_parse test_netlink test_policyfile egressctl fake_kernel.so; do
	[ -x "$CTL_DIR/$t" ] || [ -f "$CTL_DIR/$t" ] ||
		skip_all "$CTL_DIR/$t not built (make -C tools/egressctl test-progs)"
done

tap_plan "${#SUITES[@]}"
log=$(mktemp)
for suite in "${SUITES[@]}"; do
	case $suite in
	*.sh) cmd=("$CTL_DIR/$suite" ./egressctl) ;;
	*) cmd=("./$suite") ;;
	esac
	[ "$suite" = test_fake.sh ] && cmd+=(./fake_kernel.so)
	if (cd "$CTL_DIR" && "${cmd[@]}") > "$log" 2>&1; then
		tap_ok "egressctl unit suite $suite ($(grep -c '^ok ' "$log") checks)"
	else
		tap_fail "egressctl unit suite $suite"
		diag_file "$log"
	fi
done
rm -f "$log"
tap_done
