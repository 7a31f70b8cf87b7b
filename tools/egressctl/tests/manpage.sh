#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# egressctl(8) renders without a single groff warning, passes mandoc's
# lint without a message, and documents every command that `egressctl help`
# lists, so the two cannot drift apart.  No module needed.  TAP 13.
#
# usage: manpage.sh [PATH-TO-EGRESSCTL]

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
EGRESSCTL=${1:-$here/../egressctl}
MAN=$here/../man/egressctl.8
n=0
failed=0

# check_eq DESC EXPECTED ACTUAL
check_eq()
{
	n=$((n + 1))
	if [[ "$2" == "$3" ]]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '#   expected: %s\n#   actual:   %s\n' "$2" "$3"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
for cmd in groff mandoc; do
	command -v "$cmd" > /dev/null || check_eq "$cmd is installed (scripts/install-deps)" yes no
done

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

echo "1..$n"
((failed == 0))
