#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# egressctl(8) renders without a single groff warning, passes mandoc's
# lint without a message, and documents every command that `egressctl help`
# lists, so the two cannot drift apart.
#
#   (no network, no module needed)

source "$(dirname "$0")/lib.sh"

MAN=$NF_EGRESS_SRC/tools/egressctl/egressctl.8

require_cmd groff mandoc
[ -r "$MAN" ] || skip_all "$MAN missing"
tap_plan 3

# -t: the page has a tbl table; -ww: every warning; -z: no output.
warnings=$(groff -t -ww -z -man -Tutf8 "$MAN" 2>&1)
check_eq "groff -ww renders egressctl.8 without warnings" "" "$warnings"

# -T lint reports everything down to style messages; the page has none.
lint=$(mandoc -T lint "$MAN" 2>&1; echo "rc=$?")
check_eq "mandoc -T lint egressctl.8: no messages" "rc=0" "$lint"

missing=()
cmds=$("$EGRESSCTL" help 2>&1 | awk '/^  egressctl [a-z]/ { print $2 }' | sort -u)
for cmd in $cmds; do
	# The page names each command in bold at least once.
	grep -qE "^\.B $cmd( |$)|\\\\fB$cmd\\\\f" "$MAN" || missing+=("$cmd")
done
[ -n "$cmds" ] || missing+=("(no command found in 'egressctl help')")
check_eq "every command of 'egressctl help' appears in egressctl.8" "" "${missing[*]}"

tap_done
