#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: run_tests.sh [TEST...]
#
# The in-guest test runner (make check runs it through tools/vm/run-guest).
# Loads the module, runs every test of TEST_PROGS in ./Makefile (or only the
# TESTs given), unloads the module and checks the kernel log.  Output is TAP:
# one top-level result per step, each test's own TAP nested under "# ".
# Ends with "N passed, N failed[, N skipped]" counting the harness steps and
# every nested subtest; exits 0 iff nothing failed.
#
# Env: NF_EGRESS_KO (module to insmod), NF_EGRESS_SELFTESTS_DIR (where the
# tests and Makefile are; default: this script's directory).
set -uo pipefail

dir=${NF_EGRESS_SELFTESTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
src=${NF_EGRESS_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
ko=${NF_EGRESS_KO:-$src/kmod/nf_egress.ko}
modname=$(basename "$ko" .ko)
patterns_file=$src/tools/vm/bad-dmesg-patterns
export NF_EGRESS_SRC=$src NF_EGRESS_KO=$ko

ksft_skip=4
pass=0 fail=0 skip=0 num=0

# kselftest "settings" format: timeout=N.
timeout=300
if [[ -r $dir/settings ]]; then
	t=$(sed -n 's/^[[:space:]]*timeout[[:space:]]*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$dir/settings" | tail -n 1)
	[[ -n $t ]] && timeout=$t
fi
# A debug kernel (make check-debug: KASAN, kmemleak, lockdep) runs several
# times slower; the timeout is there to stop a hang, not to time the test.
if [[ -e /sys/kernel/debug/kmemleak ]]; then
	timeout=$((timeout * 3))
fi

# TEST_PROGS from the Makefile, in order; handles := = += and backslash
# continuations.  No make variables are expanded.
list_tests() {
	[[ -r $dir/Makefile ]] || return 0
	sed -e ':a' -e '/\\$/{N;s/\\\n/ /;ba' -e '}' "$dir/Makefile" |
	awk '
		/^[[:space:]]*TEST_PROGS[[:space:]]*(:|::|\+|\?)?=/ {
			line = $0
			append = (line ~ /^[[:space:]]*TEST_PROGS[[:space:]]*\+=/)
			sub(/^[^=]*=/, "", line)
			sub(/#.*/, "", line)
			if (!append)
				progs = ""
			progs = progs " " line
		}
		END {
			n = split(progs, a, /[[:space:]]+/)
			for (i = 1; i <= n; i++)
				if (a[i] != "")
					print a[i]
		}'
}

result() { # ok|notok|skip DESCRIPTION [REASON]
	num=$((num + 1))
	case $1 in
	ok) echo "ok $num $2" ;;
	notok) echo "not ok $num $2${3:+ # $3}" ;;
	skip) echo "ok $num $2 # SKIP${3:+ $3}" ;;
	esac
}

kmsg() {
	# Markers in the kernel log tell which test a message came from.
	echo "run_tests.sh: $*" > /dev/kmsg 2>/dev/null || :
}

if (($#)); then
	tests=()
	for t in "$@"; do
		tests+=("${t##*/}")
	done
else
	mapfile -t tests < <(list_tests)
fi

echo "TAP version 13"
kmemleak_step=0
[[ -w /sys/kernel/debug/kmemleak ]] && kmemleak_step=1
echo "1..$((${#tests[@]} + 3 + kmemleak_step))"

# --- load -------------------------------------------------------------------
# What kmemleak suspects from boot is not ours: find it and forget it (debug
# kernels; "clear" only forgets objects a scan has already reported).
if ((kmemleak_step)); then
	echo scan > /sys/kernel/debug/kmemleak
	echo clear > /sys/kernel/debug/kmemleak
fi
loaded=0
kmsg "insmod $ko"
if out=$(insmod "$ko" 2>&1); then
	loaded=1
	pass=$((pass + 1))
	result ok "load $modname module"
else
	[[ -n $out ]] && printf '# %s\n' "$out"
	fail=$((fail + 1))
	result notok "load $modname module"
fi

# --- tests ------------------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_test() { # TEST
	local t=$1 desc="selftests: nf_egress: $1" log=$tmp/log tpid rc t0=$SECONDS
	local sp=0 sf=0 ss=0 planned=-1 line
	local -a cmd

	echo "# $desc"
	if ((!loaded)); then
		skip=$((skip + 1))
		result skip "$desc" "module not loaded"
		return
	fi
	if [[ ! -f $dir/$t ]]; then
		echo "# no such test: $dir/$t"
		fail=$((fail + 1))
		result notok "$desc"
		return
	fi
	# kselftest wants the executable bit; be lenient with shell scripts.
	if [[ -x $dir/$t ]]; then
		cmd=("./$t")
	else
		cmd=(bash "./$t")
	fi

	kmsg "start $t"
	: > "$log"
	# Not --foreground: timeout then runs the test in its own process group
	# and on expiry kills the whole group.  Output goes to a file (not a
	# pipe) so a leftover background process holding it cannot stall us.
	(cd "$dir" && exec timeout -k 10 "$timeout" "${cmd[@]}") \
		< /dev/null > "$log" 2>&1 &
	tpid=$!
	while IFS= read -r line || [[ -n $line ]]; do
		printf '# %s\n' "$line"
		case $line in
		"not ok "[0-9]*)
			sf=$((sf + 1)) ;;
		"ok "[0-9]*)
			if [[ ${line,,} =~ \#[[:space:]]*skip ]]; then
				ss=$((ss + 1))
			else
				sp=$((sp + 1))
			fi ;;
		1..[0-9]*)
			planned=${line#1..}; planned=${planned%%[!0-9]*} ;;
		esac
	done < <(tail -n +1 -s 0.1 --pid="$tpid" -f "$log")
	wait "$tpid"
	rc=$?
	# Whatever the test left running in its process group.
	if kill -KILL -- "-$tpid" 2>/dev/null; then
		echo "# killed processes left behind by $t"
	fi
	kmsg "end $t (exit $rc)"
	# What each test costs, for keeping CI inside its time budget.
	echo "# $t took $((SECONDS - t0)) s"

	local total=$((sp + sf + ss)) status=ok reason=
	if ((rc == 124 || rc == 137)); then
		echo "# TIMEOUT: $t still running after ${timeout}s, killed"
		sf=$((sf + 1)) status=notok reason="TIMEOUT"
	elif ((rc == ksft_skip)); then
		((total)) || ss=$((ss + 1))
		status=skip
	elif ((rc != 0)); then
		if ((sf == 0)); then
			echo "# $t: script exited $rc"
			sf=$((sf + 1))
		fi
		status=notok reason="exit=$rc"
	elif ((planned >= 0 && total < planned)); then
		echo "# $t: planned $planned tests, reported $total"
		sf=$((sf + 1)) status=notok
	elif ((total == 0)); then
		sp=$((sp + 1))
	fi
	((sf == 0)) || status=notok
	pass=$((pass + sp)) fail=$((fail + sf)) skip=$((skip + ss))
	result "$status" "$desc" "$reason"
}

for t in "${tests[@]}"; do
	run_test "$t"
done

# --- unload -----------------------------------------------------------------
if ((!loaded)); then
	skip=$((skip + 1))
	result skip "unload $modname module" "module was not loaded"
elif [[ ! -d /sys/module/$modname ]]; then
	echo "# $modname is not loaded any more (a test unloaded it and did not reload it)"
	fail=$((fail + 1))
	result notok "unload $modname module"
else
	kmsg "rmmod $modname"
	if out=$(timeout 120 rmmod "$modname" 2>&1); then
		pass=$((pass + 1))
		result ok "unload $modname module"
	else
		[[ -n $out ]] && printf '# %s\n' "$out"
		fail=$((fail + 1))
		result notok "unload $modname module"
	fi
fi

# --- kmemleak (debug kernels: make check-debug) ----------------------------
# The module is gone, so whatever it allocated and did not free is now
# unreferenced.  Reports from before the module was loaded were cleared.
if ((kmemleak_step)); then
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	if [[ -n $leaks ]]; then
		echo "# kmemleak reports $(grep -c '^unreferenced object' <<< "$leaks") object(s):"
		head -n 200 <<< "$leaks" | sed 's/^/#   /'
		fail=$((fail + 1))
		result notok "kmemleak clean"
	else
		pass=$((pass + 1))
		result ok "kmemleak clean"
	fi
fi

# --- kernel log -------------------------------------------------------------
bad_patterns() {
	if [[ -r $patterns_file ]]; then
		grep -v -e '^#' -e '^[[:space:]]*$' "$patterns_file"
	else
		# Keep in sync with tools/vm/bad-dmesg-patterns.
		printf '%s\n' 'WARNING:' 'BUG:' 'Oops' 'unreferenced object' \
			'general protection fault' 'kernel BUG' 'RCU stall' \
			'self-detected stall' 'detected stalls' 'list_del corruption' \
			'list_add corruption' 'refcount_t:' 'UBSAN' 'KASAN' \
			'Call Trace' 'blocked for more than [0-9]+ seconds' 'Kernel panic'
	fi
}
bad_patterns > "$tmp/patterns"
dmesg > "$tmp/dmesg" 2>&1
# Each bad line, with the test that was running (from the kmsg markers).
awk -v pf="$tmp/patterns" '
	BEGIN { while ((getline p < pf) > 0) pats[++np] = p; where = "boot" }
	/run_tests\.sh: (start|insmod|rmmod) / {
		where = $0; sub(/.*run_tests\.sh: /, "", where); next
	}
	/run_tests\.sh: end / { where = "between tests"; next }
	{ for (i = 1; i <= np; i++) if ($0 ~ pats[i]) { print "[" where "] " $0; break } }
' "$tmp/dmesg" > "$tmp/bad"
if [[ -s $tmp/bad ]]; then
	echo "# kernel log has $(wc -l < "$tmp/bad") bad line(s):"
	head -n 50 "$tmp/bad" | sed 's/^/#   /'
	fail=$((fail + 1))
	result notok "kernel log clean"
else
	pass=$((pass + 1))
	result ok "kernel log clean"
fi

summary="$pass passed, $fail failed"
((skip == 0)) || summary+=", $skip skipped"
echo "$summary"
((fail == 0))
