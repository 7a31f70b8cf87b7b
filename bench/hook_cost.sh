#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet hook's cost per packet on a few paths, exactly: what
# `make hook-cost` runs in the guest, against the measurement build of the
# module (CONFIG_NF_EGRESS_HOOK_COST, kmod/hook.c), which keeps the
# shortest time egress_hook() took for a packet of a given length, and the
# shortest empty interval of its clock beside it.  A UDP flood from one
# cgroup per path (bench/hook_paths.sh: the topology and the policies);
# the row is the shortest hook time less the clock's.  Under QEMU's
# -icount a nanosecond of guest time is a fixed share of an instruction
# (--ns-per-insn), so a row is the path's instruction count, the same in
# every run; compare builds with it.  Where the instructions go:
# make hook-trace.

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../selftests/lib.sh"
source "$BENCH_DIR/hook_paths.sh"
trap cleanup EXIT

ACCEL=
NS_PER_INSN=
while (($#)); do
	case $1 in
	--accel) ACCEL=$2; shift 2 ;;
	--ns-per-insn) NS_PER_INSN=$2; shift 2 ;;
	*) echo "usage: $0 [--accel TEXT] [--ns-per-insn N]" >&2; exit 2 ;;
	esac
done

require_root
require_cgroup2
require_egressctl
require_module
PARAMS=/sys/module/nf_egress/parameters
[ -w "$PARAMS/hook_cost_min" ] ||
	bail_out "the loaded module is not the measurement build (make hook-cost)"

hook_paths_setup "$TMPDIR_TEST"

# cost CGROUP DST LEN: the hook's shortest time, less its clock's, for
# packets of LEN bytes that a flood from CGROUP to DST sends; ns.
cost()
{
	echo "$3" > "$PARAMS/hook_cost_len"
	echo 18446744073709551615 > "$PARAMS/hook_cost_min"
	echo 18446744073709551615 > "$PARAMS/hook_cost_clock_min"
	hook_paths_flood "$1" "$2" 0.05 > /dev/null || { echo "FAILED"; return; }
	echo $(($(cat "$PARAMS/hook_cost_min") - $(cat "$PARAMS/hook_cost_clock_min")))
}

unit=ns
[ -n "$NS_PER_INSN" ] && unit=instructions
echo "----- BEGIN BENCH TABLE -----"
echo "nf_egress hook cost per packet (make hook-cost)"
echo "  kernel:    $(uname -r), nf_egress $(cat /sys/module/nf_egress/version 2>/dev/null || echo '?')"
echo "  accel:     ${ACCEL:-unknown}"
echo "  method:    shortest egress_hook() time over a 0.05 s UDP flood, less the clock's; $unit"
printf '  %-4s %-58s %12s\n' id path "$unit"
while read -r id cg dst len what; do
	ns=$(cost "$cg" "$dst" "$len")
	if [[ $ns == FAILED ]]; then
		value=FAILED
	elif [ -n "$NS_PER_INSN" ]; then
		value=$((ns / NS_PER_INSN))
	else
		value=$ns
	fi
	printf '  %-4s %-58s %12s\n' "$id" "$what" "$value"
done <<< "$HOOK_PATHS"
echo "----- END BENCH TABLE -----"
