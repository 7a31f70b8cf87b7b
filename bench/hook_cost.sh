#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet hook's cost per packet on a few paths, exactly: what
# `make hook-cost` runs in the guest, against the measurement build of the
# module (CONFIG_NF_EGRESS_HOOK_COST, kmod/hook.c), which keeps the
# shortest time egress_hook() took for a packet of a given length, and the
# shortest empty interval of its clock beside it.  A UDP flood from one
# cgroup per path, 64-byte payloads (92 bytes at LOCAL_OUT over IPv4, 112
# over IPv6); the row is the shortest hook time less the clock's.  Under
# QEMU's -icount a nanosecond of guest time is a fixed share of an
# instruction (--ns-per-insn), so a row is the path's instruction count,
# the same in every run; compare builds with it.
#
#   $CLI_NS                                        $SRV_NS
#   +-------------------------------------+        +-------------------------+
#   | cgroups /nfe-cost-PID/{none,one,    |  veth  | eth0 10.99.0.2/24       |
#   |   many,lens,v6,v6many}: bench_udp   +--------+   2001:db8:99::2/64     |
#   | veth0 10.99.0.1/24 2001:db8:99::1/64|        | bench_udp sinks, port   |
#   +-------------------------------------+        |   9000 (never read)     |
#                                                  +-------------------------+
#
# Policies (default deny each): one: allow to 10.99.0.2/32; many: 999 /32s
# in 10.64.0.0/10 and 10.99.0.2/32; lens: 999 prefixes of 24 lengths and
# 10.0.0.0/8, which matches; v6: allow to 2001:db8::/32; v6many: 2,000
# random /48s in 2000::/4 and 2001:db8::/32.  none has no policy (one
# exists elsewhere, so the hook looks the cgroup up).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../selftests/lib.sh"
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

W=$TMPDIR_TEST
cp "$BENCH_DIR/bench_udp" "$W/bench_udp" && BU=$W/bench_udp ||
	bail_out "bench/bench_udp is not built (make -C bench)"
DST=10.99.0.2
DST6=2001:db8:99::2
CG=nfe-cost-$$

setup_measured_link cost "$DST" "$DST6"
for addr in "$DST" "$DST6"; do
	ip netns exec "$SRV_NS" "$BU" sink "$addr" 9000 "$W/sink.$addr" ||
		bail_out "sink on $addr"
	register_pid "$(cat "$W/sink.$addr")"
done

cg_create "$CG"
for c in none one many lens v6 v6many; do
	cg_create "$CG/$c"
done
{
	printf 'cgroup "/%s/one" {\n    default deny;\n    allow to %s/32;\n}\n' "$CG" "$DST"
	printf 'cgroup "/%s/many" {\n    default deny;\n' "$CG"
	awk 'BEGIN { for (i = 0; i < 999; i++)
		printf "    allow to 10.%d.%d.%d/32;\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256 }'
	printf '    allow to %s/32;\n}\n' "$DST"
	printf 'cgroup "/%s/lens" {\n    default deny;\n' "$CG"
	awk 'BEGIN { for (j = 0; j < 999; j++)
		printf "    allow to %d.0.0.0/%d;\n", 20 + int(j / 24), 9 + j % 24 }'
	printf '    allow to 10.0.0.0/8;\n}\n'
	printf 'cgroup "/%s/v6" {\n    default deny;\n    allow to 2001:db8::/32;\n}\n' "$CG"
	printf 'cgroup "/%s/v6many" {\n    default deny;\n' "$CG"
	awk 'BEGIN { srand(7); for (i = 0; i < 2000; i++)
		printf "    allow to 2%03x:%x:%x::/48;\n", int(rand() * 4095), int(rand() * 65535), int(rand() * 65535) }'
	printf '    allow to 2001:db8::/32;\n}\n'
} > "$W/policies.conf"
"$EGRESSCTL" apply -f "$W/policies.conf" > /dev/null || bail_out "cannot apply the policies"

# cost CGROUP DST LEN: the hook's shortest time, less its clock's, for
# packets of LEN bytes that a flood from CGROUP to DST sends; ns.
cost()
{
	local out

	echo "$3" > "$PARAMS/hook_cost_len"
	echo 18446744073709551615 > "$PARAMS/hook_cost_min"
	echo 18446744073709551615 > "$PARAMS/hook_cost_clock_min"
	out=$(cg_exec "$CG/$1" ip netns exec "$CLI_NS" taskset -c 0 \
		"$BU" send "$2" 9000 64 64 0.05) || { echo "FAILED"; return; }
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
done <<EOF2
h0 none $DST 92 no policy on the sender's cgroup (one elsewhere)
h1 one $DST 92 1 rule, /32
h2 many $DST 92 1,000 rules, /32
h3 lens $DST 92 1,000 rules over 25 lengths, match /8
h4 none $DST6 112 IPv6, no policy on the sender's cgroup
h5 v6 $DST6 112 IPv6, 1 rule, /32
h6 v6many $DST6 112 IPv6, 2,001 rules, /48s and the matching /32
EOF2
echo "----- END BENCH TABLE -----"
