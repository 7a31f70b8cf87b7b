#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration caps, module parameters writable at run time:
#   max_policies  policies in a set     max_rules  rules in a set, all policies
#   max_memory    limits.c's estimate of a set's bytes      (0: no cap)
# A request beyond a cap fails with -ENOSPC ("No space left on device") and
# an extended ACK naming the parameter, and changes nothing: a one-shot
# command adds nothing, an apply leaves the live set as it was.  Lowering a
# cap keeps what is there.  Configuration memory is charged to the caller's
# memory cgroup (GFP_KERNEL_ACCOUNT): an apply of 20000 rules from a fresh
# memory cgroup raises its slab bytes by at least 20000 rule objects.
#
#   host: egressctl --genl--> nf_egress      (no traffic, no topology)

source "$(dirname "$0")/lib.sh"
trap 'limits_restore; cleanup' EXIT

PARAMS=/sys/module/nf_egress/parameters
PFX=/nfe-limits-$$
MSG_P="too many policies (module parameter max_policies)"
MSG_R="too many rules (module parameter max_rules)"
MSG_M="too much policy memory (module parameter max_memory)"
NOSPC="No space left on device"

require_root
require_egressctl
for p in max_policies max_rules max_memory; do
	[ -w "$PARAMS/$p" ] || bail_out "module has no writable parameter $p"
done

limits_restore()
{
	local p
	for p in max_policies max_rules max_memory; do
		echo 0 > "$PARAMS/$p" 2> /dev/null
	done
}

tap_plan 25

config_now() { "$EGRESSCTL" show --config 2>&1; }
npolicies() { "$EGRESSCTL" -j show | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# refused DESC MESSAGE EGRESSCTL-ARGS...: nonzero, -ENOSPC's text and MESSAGE,
# and the configuration exactly as before.
refused()
{
	local desc=$1 msg=$2 before out rc
	shift 2
	before=$(config_now)
	out=$("$EGRESSCTL" "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"$NOSPC"* && $out == *"$msg"* ]] &&
		[ "$(config_now)" == "$before" ]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		diag "expected nonzero, '$NOSPC: ... $msg' and no change; rc=$rc: $out"
	fi
}
ok_cmd()
{
	local desc=$1 out
	shift
	if out=$("$EGRESSCTL" "$@" 2>&1); then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		diag "$out"
	fi
}
# write_conf FILE NPOLICIES RULES-PER-POLICY
write_conf()
{
	python3 - "$@" "$PFX" <<'PYEOF'
import sys
f, np, nr, pfx = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
with open(f, "w") as out:
    for p in range(np):
        out.write('cgroup "%s/p%d" {\n    default deny;\n' % (pfx, p))
        for r in range(nr):
            out.write("    allow to 10.%d.%d.%d/32;\n" % (p % 250, r // 250, r % 250))
        out.write("}\n")
PYEOF
}

# --- max_policies ---------------------------------------------------------------
base=$(npolicies)
CLEANUP_POLICIES+=("$PFX/a" "$PFX/b" "$PFX/c")
echo $((base + 2)) > "$PARAMS/max_policies"
ok_cmd "max_policies=base+2: first policy added" policy add "$PFX/a"
ok_cmd "max_policies=base+2: second policy added" policy add "$PFX/b"
refused "max_policies=base+2: third policy refused" "$MSG_P" policy add "$PFX/c"
check_eq "policy count is base+2" $((base + 2)) "$(npolicies)"
echo 1 > "$PARAMS/max_policies"
check_eq "lowering max_policies below the count keeps every policy" $((base + 2)) "$(npolicies)"
refused "... and refuses the next one" "$MSG_P" policy add "$PFX/c"
echo 0 > "$PARAMS/max_policies"
ok_cmd "max_policies=0: no cap" policy add "$PFX/c"

# apply builds a new set: the cap counts the file's policies, all or nothing.
write_conf "$TMPDIR_TEST/p4.conf" 4 1
write_conf "$TMPDIR_TEST/p3.conf" 3 1
echo 3 > "$PARAMS/max_policies"
refused "apply of 4 policies with max_policies=3: refused, live set unchanged" "$MSG_P" \
	apply -f "$TMPDIR_TEST/p4.conf"
ok_cmd "apply of 3 policies with max_policies=3" apply -f "$TMPDIR_TEST/p3.conf"
check_eq "live set is the file's 3 policies" 3 "$(npolicies)"
echo 0 > "$PARAMS/max_policies"
CLEANUP_POLICIES+=("$PFX/p0" "$PFX/p1" "$PFX/p2")

# --- max_rules ------------------------------------------------------------------
# 3 policies of 1 rule each are live: 3 rules.
echo 5 > "$PARAMS/max_rules"
ok_cmd "max_rules=5 with 3 rules: fourth rule added" rule add "$PFX/p0" allow to 192.0.2.1
ok_cmd "max_rules=5: fifth rule added" rule add "$PFX/p1" allow to 192.0.2.2
refused "max_rules=5: sixth rule refused" "$MSG_R" rule add "$PFX/p2" allow to 192.0.2.3
write_conf "$TMPDIR_TEST/r6.conf" 2 3
write_conf "$TMPDIR_TEST/r5.conf" 1 5
refused "apply of 6 rules with max_rules=5: refused, live set unchanged" "$MSG_R" \
	apply -f "$TMPDIR_TEST/r6.conf"
ok_cmd "apply of 5 rules with max_rules=5" apply -f "$TMPDIR_TEST/r5.conf"
echo 0 > "$PARAMS/max_rules"

# --- max_memory -----------------------------------------------------------------
# One byte is below any policy's cost; the cap is checked before anything
# is allocated.
echo 1 > "$PARAMS/max_memory"
refused "max_memory=1: policy add refused" "$MSG_M" policy add "$PFX/m"
echo 0 > "$PARAMS/max_memory"
CLEANUP_POLICIES+=("$PFX/m")
ok_cmd "max_memory=0: policy added" policy add "$PFX/m"

# The prefix tries count as allocated, beyond the estimate of 48 bytes a
# rule: 100 pairs of IPv6 /128s that differ only in their last bit need a
# chain of about 14 trie nodes a pair (some 45 KB), where 200 IPv4 /32s in
# one /24 need a few.  With the cap at 201 rules' estimate plus 24 KB for
# the policy itself, a 201st rule fits beside the /32s, not beside the
# pairs.
# mem_conf FILE v4|v6: policy $PFX/m with 200 rules of that kind.
mem_conf()
{
	local j
	{
		printf 'cgroup "%s" {\n    default deny;\n' "$PFX/m"
		for ((j = 1; j <= 100; j++)); do
			if [ "$2" = v4 ]; then
				printf '    allow to 10.7.0.%d/32;\n    allow to 10.7.0.%d/32;\n' \
					$((2 * j - 1)) $((2 * j))
			else
				printf '    allow to 2001:db8:%x::/128;\n    allow to 2001:db8:%x::1/128;\n' \
					"$j" "$j"
			fi
		done
		echo "}"
	} > "$1"
}
mem_conf "$TMPDIR_TEST/m4.conf" v4
mem_conf "$TMPDIR_TEST/m6.conf" v6
CAP=$((201 * 48 + 24 * 1024))
ok_cmd "apply of 200 IPv4 /32s" apply -f "$TMPDIR_TEST/m4.conf"
echo "$CAP" > "$PARAMS/max_memory"
ok_cmd "max_memory=$CAP: a 201st rule fits beside 200 /32s" \
	rule add "$PFX/m" allow to 10.7.0.250/32
echo 0 > "$PARAMS/max_memory"
ok_cmd "apply of 100 pairs of IPv6 /128s a bit apart" apply -f "$TMPDIR_TEST/m6.conf"
echo "$CAP" > "$PARAMS/max_memory"
refused "max_memory=$CAP counts the trie: a 201st rule beside the pairs refused" \
	"$MSG_M" rule add "$PFX/m" allow to 2001:db8:ffff::/128
echo 0 > "$PARAMS/max_memory"

# A trie of 65,536 prefixes or more gets its jump table (128 KiB) at the
# apply's commit.  The set counts it, so that taking the policy out gives
# back what was counted: the set empty again, a 1 MB cap admits a policy
# (a count that forgot the table would have wrapped below zero).
{
	printf 'cgroup "%s" {\n    default deny;\n' "$PFX/j"
	awk 'BEGIN { for (i = 0; i < 70000; i++)
		printf "    allow to 10.%d.%d.%d/32;\n", 98 + int(i / 65536), int(i / 256) % 256, i % 256 }'
	echo "}"
} > "$TMPDIR_TEST/j.conf"
CLEANUP_POLICIES+=("$PFX/j" "$PFX/j2")
ok_cmd "apply of 70,000 /32s (a trie with a jump table)" apply -f "$TMPDIR_TEST/j.conf"
ok_cmd "the 70,000 /32s' policy deleted" policy del "$PFX/j"
echo $((1024 * 1024)) > "$PARAMS/max_memory"
ok_cmd "max_memory=1 MB: a policy fits in the emptied set" policy add "$PFX/j2"
echo 0 > "$PARAMS/max_memory"

# --- memory cgroup charge ---------------------------------------------------------
# 20000 rules from a new memory cgroup: their records alone (40 bytes per
# IPv4 rule, in chunks from kmalloc) are 800,000 bytes of slab,
# so the cgroup's slab grows by more than 20000 * 40 bytes.
MEMCG=nfe-limits-mem-$$
if ! grep -qw memory "$CGROUP_ROOT/cgroup.controllers"; then
	tap_skip "apply charges the caller's memory cgroup" "no memory controller"
else
	grep -qw memory "$CGROUP_ROOT/cgroup.subtree_control" ||
		echo +memory > "$CGROUP_ROOT/cgroup.subtree_control"
	cg_create "$MEMCG"
	write_conf "$TMPDIR_TEST/big.conf" 1 20000
	slab() { sed -n 's/^slab \([0-9]*\)$/\1/p' "$(cg_path "$MEMCG")/memory.stat"; }
	s0=$(slab)
	cg_exec "$MEMCG" "$EGRESSCTL" apply -f "$TMPDIR_TEST/big.conf" > /dev/null 2>&1
	rc=$?
	# memory.stat is flushed lazily: give it a moment.
	slab_grown() { [ $(($(slab) - s0)) -gt $((20000 * 40)) ]; }
	busywait 3000 slab_grown
	s1=$(slab)
	if [ $rc -eq 0 ] && [ $((s1 - s0)) -gt $((20000 * 40)) ]; then
		tap_ok "apply of 20000 rules charged $((s1 - s0)) slab bytes to its memory cgroup"
	else
		tap_fail "apply of 20000 rules charged the memory cgroup"
		diag "apply exit $rc, slab $s0 -> $s1"
	fi
fi
"$EGRESSCTL" policy del "$PFX/p0" > /dev/null 2>&1
tap_done
