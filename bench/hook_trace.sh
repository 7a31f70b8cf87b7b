#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest's half of `make hook-trace` (scripts/vm/hook-trace): the paths
# of bench/hook_paths.sh, one at a time, each flooding until the host's
# debugger has single-stepped egress_hook() for a few of its packets.  The
# two halves meet in DIR, the repository's .vm/hook-trace seen from the
# guest: this script leaves there the symbols the host needs to name the
# addresses it stepped through (kallsyms, the module's .text address), then
# for each path "ID LEN" in DIR/ready, and waits for DIR/done-ID.
#
# Usage: hook_trace.sh --dir DIR [ID...]   (default: every path)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../selftests/lib.sh"
source "$BENCH_DIR/hook_paths.sh"
trap cleanup EXIT

DIR=
while (($#)); do
	case $1 in
	--dir) DIR=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "usage: $0 --dir DIR [ID...]" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ -d "$DIR" ] || { echo "usage: $0 --dir DIR [ID...]" >&2; exit 2; }
IDS=" $* "

require_root
require_cgroup2
require_egressctl
require_module

hook_paths_setup "$TMPDIR_TEST"
# Addresses in kallsyms, not zeros: the host maps kernel addresses with it.
echo 0 > /proc/sys/kernel/kptr_restrict
cp /proc/kallsyms "$DIR/kallsyms"
cat /sys/module/nf_egress/sections/.text > "$DIR/module-text"

# One flood at a time: the debugger takes the first egress_hook() calls
# after its breakpoint, which must all be the path's.
while read -r id cg dst len what; do
	[[ $IDS == "  " || $IDS == *" $id "* ]] || continue
	hook_paths_flood "$cg" "$dst" 3600 > /dev/null 2>&1 &
	echo "$id $len" > "$DIR/ready.new"
	mv "$DIR/ready.new" "$DIR/ready"
	echo "hook_trace: $id ($what) flooding"
	busywait 900000 test -e "$DIR/done-$id"
	traced=$?
	pkill -f "$HOOK_BU send"
	wait
	((traced == 0)) || bail_out "no word from the host's debugger on $id"
done <<< "$HOOK_PATHS"
echo "finished" > "$DIR/ready"
