#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing of the nf_egress family: nl_fuzz (libnl-3) sends
# thousands of malformed generic netlink messages of known kinds (unknown
# commands, forbidden flags, unknown attributes, wrong lengths, strings
# without NUL, nested garbage, truncated messages, thousands of attributes,
# random payloads), first as root, then as nobody (uid 65534, no
# capabilities) where well-formed admin commands are added and must fail
# with -EPERM.  Every message must be answered, every invalid one with an
# error, and the policy and rule dumps must be byte-identical before and
# after each run.  scripts/vm/run-selftests checks the kernel log afterwards.
#
#   host: nl_fuzz --genl--> nf_egress      (a policy with two rules to keep)

source "$(dirname "$0")/lib.sh"

COUNT=${NL_FUZZ_COUNT:-15000}
P=/nl_fuzz

require_root
require_cmd setpriv
FUZZ=$LIB_DIR/nl_fuzz
[ -x "$FUZZ" ] || bail_out "nl_fuzz not built (make -C selftests)"

tap_plan 3
# Something for the dumps to compare, at the path the fuzzer aims at.
policy_add "$P"
ectl_must rule add "$P" allow tcp to 192.0.2.0/24 port 443
ectl_must rule add "$P" deny to 2001:db8:66::/48

run_fuzz() { # DESC ARGS...
	local desc=$1 out=$TMPDIR_TEST/fuzz.out
	shift
	"$@" > "$out" 2>&1
	local rc=$?
	if [ $rc -eq 0 ]; then
		tap_ok "$desc: $(grep -c '^ok' "$out") checks passed"
	else
		tap_fail "$desc: exit $rc"
	fi
	diag_file "$out"
}

run_fuzz "nl_fuzz as root, $COUNT messages" "$FUZZ" -n "$COUNT" -s "$RANDOM"
# nobody needs to read and execute the fuzzer.
cp "$FUZZ" "$TMPDIR_TEST/nl_fuzz" && chmod 0755 "$TMPDIR_TEST" "$TMPDIR_TEST/nl_fuzz"
# Without CAP_NET_ADMIN nl_fuzz cannot list rules itself: root compares them.
rules_before=$("$EGRESSCTL" show --config 2>&1)
run_fuzz "nl_fuzz as uid 65534 without capabilities, $COUNT messages" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all "$TMPDIR_TEST/nl_fuzz" -u -n "$COUNT" -s "$RANDOM"
check_eq "the rules are the same after the run without CAP_NET_ADMIN" \
	"$rules_before" "$("$EGRESSCTL" show --config 2>&1)"
tap_done
