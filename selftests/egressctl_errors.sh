#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# egressctl error handling and permissions.  No network topology: only the
# generic netlink interface and the CLI are exercised.
#
#   egressctl (root)            --- genl "nf_egress" --->  nf_egress.ko
#   egressctl (root, no CAP_NET_ADMIN)  -> writes refused (EPERM), reads work
#   egressctl (uid 65534)               -> writes refused (EPERM), reads work
#
# Every error: exactly one line on stderr that starts with "egressctl: ", and
# exit code 1 for usage and input errors, 2 when the kernel refused (an error
# ACK, a missing permission).  The module-not-loaded message (exit 2 too) is
# tested in module_reload.sh.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

P=/nfe-err-$$
NOPOL=/nfe-none-$$
NOCAP=(setpriv --inh-caps=-net_admin --bounding-set=-net_admin --)
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --)

require_common
require_cmd setpriv
tap_plan 28

# check_err DESC RC PATTERN CMD...: CMD must exit RC and print exactly one
# line on stderr, starting with "egressctl: " and containing PATTERN ("" =
# any).
check_err()
{
	local desc=$1 want=$2 pattern=$3 rc err nl

	shift 3
	"$@" > "$TMPDIR_TEST/out" 2> "$TMPDIR_TEST/err"
	rc=$?
	err=$(cat "$TMPDIR_TEST/err")
	nl=$(wc -l < "$TMPDIR_TEST/err")
	if [ "$rc" -eq "$want" ] && [ "$nl" -eq 1 ] && [[ "$err" == "egressctl: "* ]] &&
		[[ "$err" == *"$pattern"* ]]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		diag "command: $*" "exit code $rc (want $want), $nl stderr lines (want 1)" \
			"want prefix \"egressctl: \"${pattern:+ and \"$pattern\"}"
		diag_file "$TMPDIR_TEST/err"
		return 1
	fi
}

# check_run DESC CMD...: CMD must exit 0; its stdout is left in $TMPDIR_TEST/out.
check_run()
{
	local desc=$1 rc

	shift
	"$@" > "$TMPDIR_TEST/out" 2> "$TMPDIR_TEST/err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		diag "command: $*" "exit code $rc"
		diag_file "$TMPDIR_TEST/err"
		return 1
	fi
}

# policy_listed PATH: does `egressctl -j show` (as root) list PATH?
policy_listed()
{
	"$EGRESSCTL" -j show | python3 -c '
import json, sys
sys.exit(0 if any(p["cgroup"] == sys.argv[1] for p in json.loads(sys.stdin.read())) else 1)
' "$1"
}

E=$EGRESSCTL
ECTL_QUIET=1 ectl policy del "$NOPOL" > /dev/null
CLEANUP_POLICIES+=("$NOPOL")
policy_add "$P"

# --- input errors -------------------------------------------------------
check_err "bad IPv4 CIDR 10.0.0.300/24" 1 "" "$E" rule add "$P" allow to 10.0.0.300/24
check_err "bad IPv4 prefix length /33" 1 "" "$E" rule add "$P" allow to 10.99.0.0/33
check_err "bad IPv6 prefix length /129" 1 "" "$E" rule add "$P" allow to 2001:db8::/129
check_err "bad IPv6 address" 1 "" "$E" rule add "$P" allow to 2001:db8:::1/64
check_err "bad action 'permit'" 1 "" "$E" rule add "$P" permit to 10.99.0.0/24
check_err "unknown command 'frobnicate'" 1 "" "$E" frobnicate
check_err "missing argument: rule add PATH allow to" 1 "" "$E" rule add "$P" allow to
check_err "missing argument: policy add" 1 "" "$E" policy add
check_err "path without leading '/'" 1 "" "$E" policy add "${NOPOL#/}"
check_err "path with a '..' component" 1 "" "$E" policy add "$NOPOL/../x"
# egressctl normalises "/x/" and "/x//y" itself; a component longer than a
# cgroup name can be reaches the kernel, which must refuse it with extack.
check_err "path component over 255 bytes: kernel refuses" 2 "255" \
	"$E" policy add "$NOPOL/$(printf 'c%.0s' {1..256})"

# --- kernel errors ------------------------------------------------------
# Policy paths are at most 16 levels deep: the 16th is accepted, the 17th
# refused with the kernel's message naming the limit.
DEEP=/nfe-deep-$$/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p
check_run "policy add of a path 16 levels deep" "$E" policy add "$DEEP"
"$E" policy del "$DEEP" > /dev/null 2>&1
check_err "policy add of a path 17 levels deep: kernel names the limit" 2 \
	"nf_egress: cgroup path deeper than 16 levels" "$E" policy add "$DEEP/q"
check_err "duplicate policy add: kernel extack message ('exists')" 2 "exists" \
	"$E" policy add "$P"
check_err "policy del of a missing policy" 2 "" "$E" policy del "$NOPOL"
check_err "rule del of a missing rule id" 2 "" "$E" rule del "$P" 999999
check_err "rule add to a missing policy" 2 "" "$E" rule add "$NOPOL" allow to 10.99.0.0/24
check_err "show of a path without a policy" 2 "no such policy" "$E" show "$NOPOL"

# --- permissions --------------------------------------------------------
check_err "root without CAP_NET_ADMIN: policy add refused" 2 "Operation not permitted" \
	"${NOCAP[@]}" "$E" policy add "$NOPOL"
check_err "uid 65534: policy add refused" 2 "Operation not permitted" \
	"${NOBODY[@]}" "$E" policy add "$NOPOL"
check_err "uid 65534: rule add refused" 2 "Operation not permitted" \
	"${NOBODY[@]}" "$E" rule add "$P" allow to 10.99.0.0/24
check_err "uid 65534: policy del refused" 2 "Operation not permitted" \
	"${NOBODY[@]}" "$E" policy del "$P"
! policy_listed "$NOPOL" && policy_listed "$P"
tap_result $? "refused writes changed nothing ($NOPOL absent, $P present)"

check_err "root without CAP_NET_ADMIN: show refused (it lists rules)" 2 \
	"listing rules needs CAP_NET_ADMIN" "${NOCAP[@]}" "$E" show
check_err "uid 65534: -j show refused" 2 "listing rules needs CAP_NET_ADMIN" \
	"${NOBODY[@]}" "$E" -j show
check_run "uid 65534: -j stats works" "${NOBODY[@]}" "$E" -j stats
"${NOBODY[@]}" "$E" -j stats "$P" > "$TMPDIR_TEST/out" 2> "$TMPDIR_TEST/err" &&
	json_eval '[p["rules"] for p in d]' < "$TMPDIR_TEST/out" | grep -qx None &&
	[ ! -s "$TMPDIR_TEST/err" ]
tap_result $? "uid 65534: -j stats PATH says \"rules\": null, and nothing on stderr" \
	"stdout: $(head -c 500 "$TMPDIR_TEST/out")" "stderr: $(head -c 500 "$TMPDIR_TEST/err")"

# The module's version comes from GET_INFO and must equal what modinfo says.
modver=$(cat /sys/module/nf_egress/version)
"$E" version > "$TMPDIR_TEST/out" 2> "$TMPDIR_TEST/err" &&
	grep -q '^egressctl ' "$TMPDIR_TEST/out" &&
	grep -Eq "^nf_egress module ${modver//./\\.}, [0-9]+ polic(y|ies)\$" "$TMPDIR_TEST/out"
tap_result $? "egressctl version prints its own and the module's version ($modver)" \
	"stdout: $(head -c 500 "$TMPDIR_TEST/out")" "stderr: $(head -c 500 "$TMPDIR_TEST/err")"

tap_done
