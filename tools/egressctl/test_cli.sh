#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Command-line behaviour of egressctl that needs no kernel module: usage,
# help, argument errors (all caught before netlink is touched) and, when the
# module is absent, the "module not loaded" path.  TAP 13 on stdout.
#
# usage: test_cli.sh [PATH-TO-EGRESSCTL]

EGRESSCTL=${1:-${EGRESSCTL:-./egressctl}}
n=0
failed=0

echo "TAP version 13"

# expect RC STDERR-LINE-OR-EMPTY ARGS...: exit code and exact stderr
expect() {
	local want_rc=$1 want_err=$2 out err rc
	shift 2
	n=$((n + 1))
	err=$("$EGRESSCTL" "$@" 2>&1 >/dev/null)
	rc=$?
	if [[ $rc -eq $want_rc && "$err" == "$want_err" ]]; then
		echo "ok $n - egressctl $* -> $rc"
	else
		echo "not ok $n - egressctl $* -> $rc"
		echo "#   want rc $want_rc stderr: $want_err"
		echo "#   got  rc $rc stderr: $err"
		failed=$((failed + 1))
	fi
}

# expect_out RC STDOUT-REGEX ARGS...: exit code and stdout matching
expect_out() {
	local want_rc=$1 want_re=$2 out rc
	shift 2
	n=$((n + 1))
	out=$("$EGRESSCTL" "$@" 2>/dev/null)
	rc=$?
	if [[ $rc -eq $want_rc && "$out" =~ $want_re ]]; then
		echo "ok $n - egressctl $* prints /$want_re/"
	else
		echo "not ok $n - egressctl $* prints /$want_re/"
		echo "#   rc $rc output: ${out:0:200}"
		failed=$((failed + 1))
	fi
}

E="egressctl:"

# help, version: no module needed, stdout, exit 0
expect_out 0 "^Usage: egressctl" help
expect_out 0 "^Usage: egressctl" -h
expect_out 0 "^Usage: egressctl" --help
expect_out 0 "^egressctl 0\.1\.0$" -V
expect_out 0 "^egressctl 0\.1\.0$" --version
expect_out 0 "policy add PATH \[default allow\|deny\]" policy help
expect_out 0 "rule del PATH ID" rule help
expect_out 0 "rule del PATH ID" help rule
expect_out 0 "rule add PATH allow\|deny to CIDR" rule add help
expect_out 0 "show \[PATH\]" show help
expect_out 0 "stats \[PATH\]" stats --help
expect_out 0 "^Usage:" version help
expect_out 0 "^egressctl 0\.1\.0" version

# usage errors
expect 1 "$E unknown command 'foo' (try 'egressctl help')" foo
expect 1 "$E unknown option '-x' (try 'egressctl help')" -x
expect 1 "$E policy: missing subcommand (try 'egressctl policy help')" policy
expect 1 "$E policy: unknown subcommand 'set2' (try 'egressctl policy help')" policy set2
expect 1 "$E rule: unknown subcommand 'list' (try 'egressctl rule help')" rule list
expect 1 "$E policy add: missing cgroup PATH" policy add
expect 1 "$E invalid cgroup path 't1': must start with '/'" policy add t1
expect 1 "$E invalid cgroup path '/a/../b': '.' and '..' components are not allowed" policy del /a/../b
expect 1 "$E policy add: missing 'allow' or 'deny' after 'default'" policy add /t1 default
expect 1 "$E policy add: expected 'allow' or 'deny' after 'default', got 'maybe'" policy add /t1 default maybe
expect 1 "$E policy add: unexpected argument 'extra'" policy add /t1 default deny extra
expect 1 "$E policy add: 'default' given more than once" policy add /t1 default deny default allow
expect 1 "$E policy del: unexpected argument 'x'" policy del /t1 x
expect 1 "$E rule add: missing cgroup PATH" rule add
expect 1 "$E rule add: missing 'allow' or 'deny'" rule add /t1
expect 1 "$E rule add: expected 'allow' or 'deny', got 'permit'" rule add /t1 permit to 10.0.0.0/8
expect 1 "$E rule add: missing 'to CIDR'" rule add /t1 allow
expect 1 "$E rule add: missing CIDR after 'to'" rule add /t1 allow to
expect 1 "$E invalid CIDR '10.0.0.300/24'" rule add /t1 allow to 10.0.0.300/24
expect 1 "$E invalid CIDR '10.0.0.0/33'" rule add /t1 allow to 10.0.0.0/33
expect 1 "$E invalid CIDR '2001:db8::/129'" rule add /t1 deny to 2001:db8::/129
expect 1 "$E invalid CIDR '10.0.0.0/'" rule add /t1 deny to 10.0.0.0/
expect 1 "$E host bits set in 10.99.0.1/24 (did you mean 10.99.0.0/24?)" rule add /t1 allow to 10.99.0.1/24
expect 1 "$E rule add: unexpected argument 'extra'" rule add /t1 allow to 10.0.0.0/8 extra
expect 1 "$E rule del: missing rule ID or 'allow|deny to CIDR'" rule del /t1
expect 1 "$E rule del: expected rule ID or 'allow|deny to CIDR', got 'x1'" rule del /t1 x1
expect 1 "$E rule del: expected rule ID or 'allow|deny to CIDR', got '4294967296'" rule del /t1 4294967296
expect 1 "$E rule del: unexpected argument '2'" rule del /t1 1 2
expect 1 "$E rule del: missing CIDR after 'to'" rule del /t1 deny to
expect 1 "$E show: unexpected argument '/b'" show /a /b
expect 1 "$E invalid cgroup path 'a': must start with '/'" stats a
expect 1 "$E version: unexpected argument 'x'" version x
expect 1 "$E help: unexpected argument 'b'" help a b

# without the module every kernel command fails the same way
if "$EGRESSCTL" version 2>/dev/null | grep -qx "nf_egress module not loaded"; then
	for cmd in "show" "show /t1" "stats" "stats /" "policy add /t1" \
		   "policy add /t1 default allow" "policy del /t1" \
		   "rule add /t1 allow to 10.99.0.0/24" "rule del /t1 1" \
		   "rule del /t1 deny to 2001:db8::/32"; do
		# shellcheck disable=SC2086
		expect 1 "$E nf_egress module not loaded" $cmd
	done
	expect_out 0 '"module":\{"loaded":false\}' -j version
else
	n=$((n + 1))
	echo "ok $n - # SKIP nf_egress module is loaded here"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
