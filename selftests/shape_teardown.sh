#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Devices that go away while shaped packets wait for them.  A waiting
# packet holds the devices it names (the hook's output device, and
# skb->dev when a VRF sends it on), as nf_queue holds a queued one's, and
# a device that is unregistered takes the packets that name it along: they
# are dropped at once, the device goes without waiting for them, and
# nothing later touches the device (or, for a VRF, the vrf module's code)
# after it is gone.  make check-debug runs this under KASAN.
#
#   $CLI_NS                                       $SRV_NS
#   +-------------------------------------+       +------------------------+
#   | /nfe-std-PID: 1mbit shape, 2 s      |       | UDP sink :5350         |
#   |   latency, 5000 packets of queue    |       |   (never reads)        |
#   | vrf-s (table 10)                    | veth  |                        |
#   |   eth1 10.99.31.1/24 ---------------+-------+ eth1 10.99.31.2/24     |
#   | eth2 10.99.32.1/24 -----------------+-------+ eth2 10.99.32.2/24     |
#   +-------------------------------------+       +------------------------+
#   UDP floods: bound to vrf-s (to 10.99.31.2), and on eth2 (to 10.99.32.2)

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-std-$$
P=/$CG
PORT=5350

require_common
require_cmd modprobe rmmod
tap_plan 9

modprobe vrf || bail_out "cannot load the vrf module"
cg_create "$CG"
ns_create CLI_NS stdcli
ns_create SRV_NS stdsrv
for i in 1 2; do
	ip -n "$CLI_NS" link add "eth$i" type veth peer name "eth$i" netns "$SRV_NS" ||
		bail_out "veth eth$i"
done
ip -n "$CLI_NS" link add vrf-s type vrf table 10 || bail_out "vrf device"
ip -n "$CLI_NS" link set eth1 master vrf-s
ip -n "$CLI_NS" addr add 10.99.31.1/24 dev eth1
ip -n "$CLI_NS" addr add 10.99.32.1/24 dev eth2
ip -n "$SRV_NS" addr add 10.99.31.2/24 dev eth1
ip -n "$SRV_NS" addr add 10.99.32.2/24 dev eth2
for d in vrf-s eth1 eth2; do
	ip -n "$CLI_NS" link set "$d" up
done
ip -n "$SRV_NS" link set eth1 up
ip -n "$SRV_NS" link set eth2 up
start_udp_unread_sink "$PORT"
busywait 10000 ip netns exec "$CLI_NS" "$PROBE" udp-send 10.99.31.2 "$PORT" 1 10 --dev vrf-s ||
	bail_out "10.99.31.2 is not reachable through vrf-s"

# A device that waited for the queue would go only after the latency; the
# debug kernel takes about 2 s to delete any device, so it gets the
# longest latency and a bound far from both.
LATENCY_S=2
BOUND_MS=1000
debug_kernel && LATENCY_S=10 BOUND_MS=5000
policy_add "$P" default allow rate 1mbit latency "${LATENCY_S}s" queue 5000 shape
CLIENT_NS=$CLI_NS

# queued: the policy's shaping queue length.
queued()
{
	proc_shaping "$P" | cut -d' ' -f3
}

queued_above()
{
	local q

	q=$(queued)
	[ -n "$q" ] && [ "$q" -gt "$1" ]
}

# flood_until_queued ARGS...: a background UDP flood from the cgroup (udp-send
# with ARGS), until packets wait in the queue.
flood_until_queued()
{
	cg_spawn "$CG" "$TMPDIR_TEST/flood.out" "$PROBE" udp-send "$@"
	busywait 10000 queued_above 20
}

# --- the VRF goes, then its module -------------------------------------------
flood_until_queued 10.99.31.2 "$PORT" 100000 1000 --dev vrf-s
tap_result $? "packets sent through vrf-s wait in the queue" "queue $(queued)"
t0=$(date +%s%N)
ip -n "$CLI_NS" link del vrf-s
rc=$?
t1=$(date +%s%N)
check_eq "the VRF device is deleted with packets waiting for it" 0 "$rc"
diag "ip link del vrf-s took $(((t1 - t0) / 1000000)) ms"
busywait 2000 eval '[ "$(queued)" = 0 ]'
tap_result $? "the packets that waited for vrf-s are dropped at once" "queue $(queued)"
cg_kill_wait "$CG"
out=$(rmmod vrf 2>&1)
rc=$?
if [ "$(modinfo -F filename vrf 2> /dev/null)" = "(builtin)" ]; then
	tap_skip "the vrf module unloads" "vrf is built into this kernel"
elif [ $rc -eq 0 ]; then
	tap_ok "the vrf module unloads"
elif [ "$(cat /sys/module/vrf/refcnt 2> /dev/null)" = 0 ]; then
	# 6.1's vrf has no module_exit: nothing can unload it.
	tap_skip "the vrf module unloads" "this kernel's vrf module cannot be unloaded at all: $out"
else
	tap_fail "the vrf module unloads"
	diag "$out" "refcnt $(cat /sys/module/vrf/refcnt 2>&1)"
fi
# Long enough for any timer that was still due to have fired.
sleep 2.5
check_eq "nothing waits any more" 0 "$(queued)"

# --- a plain device goes -----------------------------------------------------
flood_until_queued 10.99.32.2 "$PORT" 100000 1000
tap_result $? "packets sent on eth2 wait in the queue" "queue $(queued)"
t0=$(date +%s%N)
ip -n "$CLI_NS" link del eth2
rc=$?
t1=$(date +%s%N)
check_eq "eth2 is deleted with packets waiting for it" 0 "$rc"
diag "ip link del eth2 took $(((t1 - t0) / 1000000)) ms"
desc="the device did not wait for the queue (deleted within $BOUND_MS ms, not after the $LATENCY_S s latency)"
if ((t1 - t0 < BOUND_MS * 1000000)); then tap_ok "$desc"; else tap_fail "$desc"; fi
busywait 2000 eval '[ "$(queued)" = 0 ]'
tap_result $? "the packets that waited for eth2 are dropped at once" "queue $(queued)"
cg_kill_wait "$CG"

tap_done
