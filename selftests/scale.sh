#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many rules in one policy: 100,000 rules apply and lookups still decide
# right; 1,000,000 rules load within 96 MB (about 60 bytes a rule; the
# rule storage before chunks took 158, so a return to anything like it
# fails), /proc/net/nf_egress/policies lists them all, read 4 KiB at a
# time, while an administrator's changes go through in under a second,
# and the memory comes back when the policy is deleted.  Times are
# reported as diagnostics.  A debug kernel (KASAN's shadow and redzones)
# gets 300 MB.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-sc-PID (the big policy)  |          | tcp-listen :: 5201           |
#   |                               |   veth   | udp-recv   :: 5202           |
#   |  nfeXXXX 10.99.{0,1}.1/24     +----------+ eth0 10.99.0.2   10.99.1.2   |
#   |          2001:db8:9{9,8}::1   |          |      2001:db8:99::2, 98::2   |
#   +-------------------------------+          +------------------------------+
#
# The generated file (awk), default deny:
#   N /32 rules spread over 10.64.0.0/10 (addresses = 1 mod 4, stride
#   4194304/N rounded down to a multiple of 4, allow and deny alternating):
#   with N = 1,000,000 they are dense around the test addresses (10.99.0.1,
#   10.99.0.5, ... are rules; 10.99.0.2 and 10.99.1.2 are not);
#   1,000 IPv6 /128 deny rules in 2001:db8:ff::/64;
#   allow to 10.0.0.0/8; deny to 10.99.0.0/16; allow to 10.99.0.0/24
#   (10.99.0.2 allowed by the deepest covering prefix, 10.99.1.2 denied);
#   allow to 2001:db8:99::/64 (2001:db8:98::2: default deny).
# Memory: MemAvailable (and Slab) from /proc/meminfo after dropping caches,
# plus the free pages on the per-CPU page lists,
# with the rules file already written (tmpfs), policy set empty -> loaded ->
# deleted.  If the 100,000-rule apply shows that 1,000,000 cannot finish
# within this test's time budget (selftests/settings timeout), the 1M part
# is skipped with the measurements as the reason.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

SMALL=${SCALE_SMALL:-100000}
BIG=${SCALE_BIG:-1000000}
MEM_LIMIT_MB=96
debug_kernel && MEM_LIMIT_MB=300
MEM_TOLERANCE_MB=64
BUDGET_S=${SCALE_BUDGET_S:-270}
CG=nfe-sc-$$
P=/$CG

require_common
require_cmd awk
tap_plan 21
T0=$(date +%s%N)

cg_create "$CG"
setup_server_topology ""
CLEANUP_POLICIES+=("$P")

# elapsed_since NS: seconds (2 decimals) since the date +%s%N value NS.
elapsed_since()
{
	local d=$(($(date +%s%N) - $1))

	printf '%d.%02d' $((d / 1000000000)) $((d % 1000000000 / 10000000))
}

# gen_rules N FILE: the policy file described above; prints its rule count.
gen_rules()
{
	awk -v n="$1" -v path="$P" 'BEGIN {
		stride = int(4194304 / n / 4) * 4
		if (stride < 4) stride = 4
		base = 10 * 16777216 + 64 * 65536
		printf "cgroup \"%s\" {\n    default deny;\n", path
		for (i = 0; i < n; i++) {
			a = base + i * stride + 1
			printf "    %s to 10.%d.%d.%d/32;\n", (i % 2 ? "deny" : "allow"),
				int(a / 65536) % 256, int(a / 256) % 256, a % 256
		}
		for (i = 1; i <= 1000; i++)
			printf "    deny to 2001:db8:ff::%x/128;\n", i
		print "    allow to 10.0.0.0/8;"
		print "    deny to 10.99.0.0/16;"
		print "    allow to 10.99.0.0/24;"
		print "    allow to 2001:db8:99::/64;"
		print "}"
	}' > "$2"
	echo $(($1 + 1004))
}

check_decisions()
{
	check_tcp "$1: TCP to $SRV4_ALLOW (allowed /24) ok" "$CG" "$SRV4_ALLOW" ok
	check_tcp "$1: TCP to $SRV4_DENY (denied /16) refused" "$CG" "$SRV4_DENY" ECONNREFUSED
}

# pcp_free_kb: free pages held on the per-CPU page lists ("count:" of each
# pageset in /proc/zoneinfo).  They are missing from MemFree, and so from
# MemAvailable, and since Linux 6.7 the lists grow with the allocation
# rate: tens of MB after a big apply, which would count as the rules'.
pcp_free_kb()
{
	awk -v kb="$(($(getconf PAGESIZE) / 1024))" \
		'$1 == "count:" { s += $2 } END { print s * kb }' /proc/zoneinfo
}

# mem_snapshot: "available_kB Slab_kB" after dropping clean caches, where
# available is MemAvailable plus the per-CPU lists' free pages.
mem_snapshot()
{
	sync
	echo 3 > /proc/sys/vm/drop_caches
	echo "$(($(meminfo_kb MemAvailable) + $(pcp_free_kb))) $(meminfo_kb Slab)"
}

# --- 100,000 rules -----------------------------------------------------
t=$(date +%s%N)
nsmall=$(gen_rules "$SMALL" "$TMPDIR_TEST/small.conf")
lines=$(grep -c ' to ' "$TMPDIR_TEST/small.conf")
check_eq "generated $nsmall rules for $SMALL /32s ($(elapsed_since "$t") s)" "$nsmall" "$lines"

t=$(date +%s%N)
apply_config "$TMPDIR_TEST/small.conf" > /dev/null
rc=$?
t_small=$(elapsed_since "$t")
echo "# apply $nsmall rules: $t_small s"
tap_result $rc "apply -f with $nsmall rules in one policy" "$(cat "$ECTL_ERR")"
check_decisions "$nsmall rules"
check_tcp "$nsmall rules: TCP to $SRV6_ALLOW (allowed /64) ok" "$CG" "$SRV6_ALLOW" ok
check_tcp "$nsmall rules: TCP to $SRV6_DENY (default deny) refused" "$CG" "$SRV6_DENY" ECONNREFUSED
check_udp "$nsmall rules: UDP to $SRV4_DENY fails with EPERM" "$CG" "$SRV4_DENY" 3 100 \
	"sent=0 failed=3 first_errno=EPERM"

t=$(date +%s%N)
got=$(ectl -j show "$P" | json_eval 'sum(len(p["rules"]) for p in d if p["cgroup"] == a[0])' "$P")
diag "-j show $P: $(elapsed_since "$t") s"
check_eq "-j show $P lists all $nsmall rules" "$nsmall" "$got"
got=$(stats_json "$P")
read -r ap _ dp _ <<< "$got"
[[ "$ap" =~ ^[0-9]+$ ]] && [[ "$dp" =~ ^[0-9]+$ ]] && [ "$ap" -ge 2 ] && [ "$dp" -ge 5 ]
tap_result $? "-j stats $P works (allowed >= 2, denied >= 5 packets)" "stats: $got"

ectl policy del "$P" > /dev/null
tap_result $? "policy del $P ($nsmall rules)" "$(cat "$ECTL_ERR")"
rm -f "$TMPDIR_TEST/small.conf"

# --- 1,000,000 rules -----------------------------------------------------
spent=$((($(date +%s%N) - T0) / 1000000000))
# Rough cost of the big step: 10x the small apply (+ generation, checks).
est=$(awk -v s="$t_small" -v r="$((BIG / SMALL))" 'BEGIN { printf "%d", s * r * 1.5 + 20 }')
if ((spent + est > BUDGET_S)); then
	reason="1M part would need ~${est} s (apply of $nsmall rules took $t_small s), ${spent} s of ${BUDGET_S} s used"
	for d in "generate $BIG rules" "apply -f $BIG rules" "TCP allowed ok" "TCP denied refused" \
		"stats work" "memory < $MEM_LIMIT_MB MB" "the policies file lists every rule" \
		"admin changes while a reader lists" "stats reset" "policy del" "memory returns"; do
		tap_skip "$BIG rules: $d" "$reason"
	done
	tap_done
fi

t=$(date +%s%N)
nbig=$(gen_rules "$BIG" "$TMPDIR_TEST/big.conf")
lines=$(grep -c ' to ' "$TMPDIR_TEST/big.conf")
check_eq "generated $nbig rules for $BIG /32s ($(elapsed_since "$t") s)" "$nbig" "$lines"

read -r avail0 slab0 <<< "$(mem_snapshot)"
t=$(date +%s%N)
apply_config "$TMPDIR_TEST/big.conf" > /dev/null
rc=$?
echo "# apply $nbig rules: $(elapsed_since "$t") s"
tap_result $rc "apply -f with $nbig rules in one policy" "$(cat "$ECTL_ERR")"
read -r avail1 slab1 <<< "$(mem_snapshot)"
used_mb=$(((avail0 - avail1) / 1024))
echo "# memory for $nbig rules: available -$used_mb MB, Slab +$(((slab1 - slab0) / 1024)) MB"
check_decisions "$nbig rules"
got=$(stats_json "$P")
[[ "$got" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]]
tap_result $? "$nbig rules: -j stats $P works" "stats: $got"
((used_mb < MEM_LIMIT_MB))
tap_result $? "$nbig rules use less than $MEM_LIMIT_MB MB (available memory delta $used_mb MB)"

# A reader of the policies file holds the config mutex within one read()
# only: an administrator's change goes through while it reads a million
# rules, and the listing, read 4 KiB at a time (a resume per read), is
# whole.
t=$(date +%s%N)
got=$(dd if="$NF_EGRESS_PROC/policies" bs=4096 status=none | grep -c '^  rule ')
diag "$NF_EGRESS_PROC/policies in 4 KiB reads: $(elapsed_since "$t") s"
check_eq "$nbig rules: $NF_EGRESS_PROC/policies read 4 KiB at a time lists every rule once" \
	"$nbig" "$got"
t=$(date +%s%N)
cat "$NF_EGRESS_PROC/policies" > /dev/null
read_ms=$((($(date +%s%N) - t) / 1000000))
(while :; do cat "$NF_EGRESS_PROC/policies" > /dev/null; done) &
reader=$!
register_pid "$reader"
worst=0
for ((i = 0; i < 5; i++)); do
	t=$(date +%s%N)
	ectl_must policy add "$P/admin-$i"
	ectl_must policy del "$P/admin-$i"
	d=$((($(date +%s%N) - t) / 1000000))
	((d > worst)) && worst=$d
done
kill "$reader"
wait "$reader" 2> /dev/null
diag "policy add + del while the file is read ($read_ms ms a read): at most $worst ms"
# A listing that held the mutex throughout would make each of the ten
# changes wait for the rest of a whole read (half a read on average): the
# worst of them would come near a whole read.  The bound is half a read,
# and 1 s at least, as a change's own time grows with a loaded host; the
# debug kernel's checks slow the change itself down (a grace period under
# lockdep), not the reader's hold.
limit_ms=$((read_ms / 2 > 1000 ? read_ms / 2 : 1000))
debug_kernel && ((limit_ms < 3000)) && limit_ms=3000
((worst < limit_ms))
tap_result $? "$nbig rules: policy add + del take under $limit_ms ms while a reader lists them" \
	"worst $worst ms"
t=$(date +%s%N)
ectl stats reset "$P" > /dev/null
tap_result $? "$nbig rules: stats reset of the policy ($(elapsed_since "$t") s)" "$(cat "$ECTL_ERR")"

t=$(date +%s%N)
ectl policy del "$P" > /dev/null
tap_result $? "policy del $P ($nbig rules, $(elapsed_since "$t") s)" "$(cat "$ECTL_ERR")"

# mem_returned: Available memory back within the tolerance of the baseline.
# shellcheck disable=SC2317 # called through busywait
mem_returned()
{
	read -r avail2 slab2 <<< "$(mem_snapshot)"
	(((avail0 - avail2) / 1024 < MEM_TOLERANCE_MB))
}
busywait 30000 mem_returned
rc=$?
echo "# after policy del: available -$(((avail0 - avail2) / 1024)) MB, Slab +$(((slab2 - slab0) / 1024)) MB vs. the baseline"
tap_result $rc "memory returns after policy del (within $MEM_TOLERANCE_MB MB)"

tap_done
