#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's built-in randomized selftests of its lookup structures: the
# prefix trie alone (random prefixes of every length added and removed,
# every walk checked against a naive list, /32 and /128, as published and
# as built for an apply), the rule table (random inserts, deletes and
# lookups, IPv4 and IPv6, prefixes of every length and of four lengths,
# checked against a naive linear model), and its storage test at scale (22,000 rules: tables grow
# and shrink, deleted rules' records are reused after a grace period), and
# lookups on one CPU while another inserts and deletes rules (also with
# nested prefixes of every length, IPv4 and IPv6, each answer checked
# against the naive model), and lookups
# while another CPU adds and removes batches of rules (none may meet a
# batch half-made, or a refused one), and a batch whose trie runs out of
# memory at each of its node allocations in turn (nothing of it may stay),
# and the cgroup path patterns of templates (known cases, and random ones
# checked against a naive matcher):
# `modprobe nf_egress selftest=1` runs them at load time and
# refuses to load if it fails.  On success the kernel log has the line
#   nf_egress: selftest: all passed
# which must appear after this test's own marker in the log.  The module is
# then reloaded without the parameter (and is left loaded, as the runner
# expects).  Only a debug build (make module NF_EGRESS_DEBUG=1, which make
# check builds) has the self-tests and the parameter.
#
#   (no network)   rmmod nf_egress
#                  modprobe nf_egress selftest=1   -> exit 0, log line
#                  rmmod nf_egress; modprobe nf_egress

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

require_root
require_cmd rmmod modprobe dmesg
[ -w /dev/kmsg ] || skip_all "cannot write /dev/kmsg"
tap_plan 21

# Whatever happens, leave the module loaded (without selftest) at the end.
# shellcheck disable=SC2016 # evaluated at cleanup time
on_cleanup '[ -d /sys/module/nf_egress ] || modprobe nf_egress'

MARK="nf_egress selftest_module.sh: marker $$-$RANDOM"

# The module modprobe loads.
modinfo -F parm nf_egress 2> "$TMPDIR_TEST/err" | grep -q '^selftest:'
tap_result $? "$(modinfo -F filename nf_egress 2>&1) is a debug build with the selftest parameter (make module NF_EGRESS_DEBUG=1)" \
	"$(modinfo -F parm nf_egress 2>&1)"

if [ -d /sys/module/nf_egress ]; then
	rmmod nf_egress 2> "$TMPDIR_TEST/err"
	tap_result $? "rmmod nf_egress" "$(cat "$TMPDIR_TEST/err")"
else
	tap_ok "rmmod nf_egress (was not loaded)"
fi

echo "$MARK" > /dev/kmsg
t=$(date +%s%N)
modprobe nf_egress selftest=1 2> "$TMPDIR_TEST/err"
rc=$?
diag "modprobe selftest=1 took $((($(date +%s%N) - t) / 1000000)) ms"
tap_result $rc "modprobe nf_egress selftest=1 succeeds (the selftest passed)" \
	"$(cat "$TMPDIR_TEST/err")"

# The kernel log written after our marker.
dmesg | awk -v m="$MARK" 'found { print } index($0, m) { found = 1 }' > "$TMPDIR_TEST/log"
grep -q 'nf_egress: selftest: all passed$' "$TMPDIR_TEST/log"
tap_result $? "kernel log after the modprobe has 'nf_egress: selftest: all passed'" \
	"$(grep -i 'nf_egress' "$TMPDIR_TEST/log" | tail -n 20)"
n=$(grep -cE 'nf_egress: selftest: rate bucket refill: [0-9]+ cases: ok$' "$TMPDIR_TEST/log")
tap_result "$([ "$n" -eq 1 ] && echo 0 || echo 1)" "kernel log has the rate bucket refill test's 'ok' line" \
	"$(grep -i 'nf_egress: selftest: rate' "$TMPDIR_TEST/log")"
n=$(grep -cE 'nf_egress: selftest: rate departure clock: [0-9]+ cases: ok$' "$TMPDIR_TEST/log")
tap_result "$([ "$n" -eq 1 ] && echo 0 || echo 1)" "kernel log has the departure clock test's 'ok' line" \
	"$(grep -i 'nf_egress: selftest: rate' "$TMPDIR_TEST/log")"
n=$(grep -cE 'nf_egress: selftest: quota periods: [0-9]+ random calendars and the known cases agree with the model$' "$TMPDIR_TEST/log")
tap_result "$([ "$n" -eq 1 ] && echo 0 || echo 1)" "kernel log has the quota calendar test's line" \
	"$(grep -i 'nf_egress: selftest: quota' "$TMPDIR_TEST/log")"
n=$(grep -cE 'nf_egress: selftest: quota usage: [0-9]+ random quotas agree with the model, [0-9]+ chargers crossed each threshold once$' "$TMPDIR_TEST/log")
tap_result "$([ "$n" -eq 1 ] && echo 0 || echo 1)" "kernel log has the quota usage test's line" \
	"$(grep -i 'nf_egress: selftest: quota' "$TMPDIR_TEST/log")"
n=$(grep -cE "nf_egress: selftest: quota rate action: the lower of the policy's and the quota's rates wins, and a packet taken back leaves both clocks as they were$" "$TMPDIR_TEST/log")
tap_result "$([ "$n" -eq 1 ] && echo 0 || echo 1)" "kernel log has the quota rate action test's line" \
	"$(grep -i 'nf_egress: selftest: quota' "$TMPDIR_TEST/log")"
n=$(grep -cE 'nf_egress: selftest: patterns: [0-9]+ known cases and [0-9]+ random ones passed$' "$TMPDIR_TEST/log")
tap_result "$([ "$n" -eq 1 ] && echo 0 || echo 1)" "kernel log has the cgroup path pattern test's line" \
	"$(grep -i 'nf_egress: selftest: pattern' "$TMPDIR_TEST/log")"
# The trie's model test, published and as built for an apply, both widths,
# without a jump table and with one always there or coming and going.
n=$(grep -cE 'nf_egress: selftest: trie /(32|128)( \(unpublished\))?, jump table from (65536 prefixes: [0-9]+ operations, [1-9][0-9]* walks \(0 from the table\)|(1|300) prefixes: [0-9]+ operations, [1-9][0-9]* walks \([1-9][0-9]* from the table\)): ok$' "$TMPDIR_TEST/log")
tap_result "$([ "$n" -eq 7 ] && echo 0 || echo 1)" "kernel log has the trie test's 7 'ok' lines (walks from the jump table where it has one)" \
	"$(grep -i 'nf_egress: selftest: trie' "$TMPDIR_TEST/log")"
# The rule table's model test, any lengths and four, both families.
n=$(grep -cE 'nf_egress: selftest: family (2|10)( \(4 lengths\))?: [0-9]+ operations, [0-9]+ lookups \([0-9]+ matched\), [0-9]+ rules left: ok$' "$TMPDIR_TEST/log")
tap_result "$([ "$n" -eq 4 ] && echo 0 || echo 1)" "kernel log has the rule table test's 4 'ok' lines" \
	"$(grep -i 'nf_egress: selftest: family' "$TMPDIR_TEST/log")"
# The storage test at scale ran too: grown, emptied, refilled in place.
grep -qE 'nf_egress: selftest: bulk: 22000 rules in [0-9]+ chunks and [0-9]+ trie nodes, deleted, reinserted: ok$' "$TMPDIR_TEST/log"
tap_result $? "kernel log has the bulk storage test's 'ok' line" \
	"$(grep -i 'nf_egress: selftest' "$TMPDIR_TEST/log" | tail -n 5)"
# And the readers-against-a-writer test.
grep -qE 'nf_egress: selftest: race: [0-9]+ writer operations against [1-9][0-9]* lookups: ok$' "$TMPDIR_TEST/log"
tap_result $? "kernel log has the concurrent lookup test's 'ok' line" \
	"$(grep -i 'nf_egress: selftest' "$TMPDIR_TEST/log" | tail -n 5)"
n=$(grep -cE 'nf_egress: selftest: mixed race, family (2|10), jump table from (65536 prefixes: [0-9]+ writer operations against [1-9][0-9]* lookups \([1-9][0-9]* asked of the model, 0 from the table\)|1 prefixes: [0-9]+ writer operations against [1-9][0-9]* lookups \([1-9][0-9]* asked of the model, [1-9][0-9]* from the table\)): ok$' "$TMPDIR_TEST/log")
tap_result "$( ((n == 4)); echo $?)" "kernel log has the mixed-length race's 'ok' lines for IPv4 and IPv6, without and with a jump table" \
	"$(grep -i 'nf_egress: selftest: mixed' "$TMPDIR_TEST/log")"
grep -qE 'nf_egress: selftest: batch race: [0-9]+ batches against [1-9][0-9]* lookups: ok$' "$TMPDIR_TEST/log"
tap_result $? "kernel log has the batch test's 'ok' line (no lookup met a batch half-made)" \
	"$(grep -i 'nf_egress: selftest' "$TMPDIR_TEST/log" | tail -n 5)"
grep -qE 'nf_egress: selftest: batch ENOMEM: refused with each of its [1-9][0-9]* node allocations denied in turn, nothing left behind: ok$' "$TMPDIR_TEST/log"
tap_result $? "kernel log has the failed-batch test's 'ok' line (a batch whose trie runs out of memory leaves nothing behind)" \
	"$(grep -i 'nf_egress: selftest' "$TMPDIR_TEST/log" | tail -n 5)"
! grep -qiE 'nf_egress: selftest: .*(fail|mismatch)' "$TMPDIR_TEST/log"
tap_result $? "kernel log reports no selftest failure" \
	"$(grep -iE 'nf_egress: selftest' "$TMPDIR_TEST/log" | head -n 20)"

[ -d /sys/module/nf_egress ] && rmmod nf_egress 2> "$TMPDIR_TEST/err"
tap_result $? "rmmod the selftest instance" "$(cat "$TMPDIR_TEST/err")"
modprobe nf_egress 2> "$TMPDIR_TEST/err"
tap_result $? "modprobe nf_egress (normal load)" "$(cat "$TMPDIR_TEST/err")"
"$EGRESSCTL" -j show > /dev/null 2> "$TMPDIR_TEST/err"
tap_result $? "egressctl works with the reloaded module" "$(cat "$TMPDIR_TEST/err")"

tap_done
