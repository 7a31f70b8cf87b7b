#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Everything at once for a fixed time (STRESS_SECONDS, default 60), with
# rmmod and modprobe of the module in the middle of it, three rounds:
#
#   root netns                                     $SRV_NS
#   +------------------------------------------+   +------------------------+
#   | /nfe-st-PID/{a,b,c}: UDP v4+v6 senders   |   | tcp-listen :: 5201     |
#   |   (udp-loop) and TCP connect loops       |   | udp-recv   :: 5202     |
#   | /nfe-st-PID/d: rmdir, mkdir, send, ...   +---+ eth0 10.99.0.2 ...     |
#   | netns loop: new netns + dummy dev, UDP   |   |                        |
#   |   from /a inside it, netns deleted       |   +------------------------+
#   | apply loop: p1.conf, p2.conf, p1.conf .. |
#   | stats loop: egressctl -j stats, /proc    |
#   | egressctl monitor (when the command exists)
#   +------------------------------------------+
#
# Afterwards: every sender and loop exited 0 (a loop tolerates the errors
# an unloaded module gives: "module not loaded", ENOENT), the module is
# loaded, the policy set works again, no netns leaked (net_namespace slab
# objects back at the count from before, give or take the one the kernel
# frees lazily), and no slab cache of the module is left after any of the
# rmmods (while the loaded module's cache is listed).  The runner
# checks the kernel log for warnings, oopses, leaks and lockdep reports.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

SECS=${STRESS_SECONDS:-60}
TOP=nfe-st-$$
P=/$TOP
RUN=$TMPDIR_TEST/run

require_common
require_cmd rmmod modprobe
require_probe
require_egressctl
on_cleanup '[ -d /sys/module/nf_egress ] || modprobe nf_egress'
# The loops' egressctl would load the installed module again by its family
# alias the moment it is unloaded; the rounds below unload it for a while on
# purpose (and look for its slab caches then), so autoloading is off.
NO_AUTOLOAD=/etc/modprobe.d/nfe-stress-$$.conf
echo "blacklist nf_egress" > "$NO_AUTOLOAD" || bail_out "cannot write $NO_AUTOLOAD"
on_cleanup "rm -f $NO_AUTOLOAD"

tap_plan 10
mkdir -p "$RUN"

# Active net_namespace objects.  SLUB counts objects freed into a CPU's
# slab as active until the cache is shrunk, so shrink it first: then the
# count is exact.
netns_slab()
{
	echo 1 > /sys/kernel/slab/net_namespace/shrink 2> /dev/null
	awk '$1 == "net_namespace" { print $2 }' /proc/slabinfo
}

cg_create "$TOP"
echo "+memory" > "$(cg_path "$TOP")/cgroup.subtree_control" 2> /dev/null
for c in a b c d; do
	mkdir -p "$(cg_path "$TOP/$c")" || bail_out "cannot create $TOP/$c"
done
setup_server_topology
# Namespaces of earlier tests may still be on their way out.
sleep 2
ns_base=$(netns_slab)
[ -n "$ns_base" ] || bail_out "no net_namespace line in /proc/slabinfo"

# Two policy files: the same cgroups with different rules and modes.
cat > "$RUN/p1.conf" <<CONF
cgroup "$P/a" { default deny; allow to 10.99.0.0/24; allow to 2001:db8:99::/64; }
cgroup "$P/b" { mode audit; default deny; allow udp to 10.99.0.2 port 5202; }
cgroup "$P/c" { default allow; deny to 10.99.1.0/24; rate 5mbit police; }
cgroup "$P/d" { default deny; allow to 10.99.0.0/16; }
CONF
cat > "$RUN/p2.conf" <<CONF
cgroup "$P" { default allow; deny to 2001:db8:98::/64; }
cgroup "$P/a" { default allow; deny tcp to 10.99.1.2 port 5201; }
cgroup "$P/b" { default deny; allow to 10.99.0.0/24 class web; allow to 2001:db8:99::/64; }
cgroup "$P/c" { mode audit; default deny; }
CONF
ectl_must apply -f "$RUN/p1.conf"
CLEANUP_POLICIES+=("$P" "$P/a" "$P/b" "$P/c" "$P/d")

deadline=$(($(date +%s) + SECS))
export deadline RUN EGRESSCTL PROBE

# A loop runs its body until the deadline and exits 0, or 1 on an error it
# does not expect; unexpected errors go to RUN/NAME.err.
loop() { # NAME BODY
	bash -c '
		name=$1 body=$2
		while [ "$(date +%s)" -lt "$deadline" ]; do
			eval "$body" || { echo "failed: $body" >> "$RUN/$name.err"; exit 1; }
		done
		exit 0' loop "$1" "$2" &
	register_pid $!
	LOOP_PIDS+=("$!")
	LOOP_NAMES+=("$1")
}
LOOP_PIDS=() LOOP_NAMES=()

# What egressctl may say while the module is away.
ectl_tolerant() {
	local out
	out=$("$EGRESSCTL" "$@" 2>&1 > /dev/null) && return 0
	case $out in
	*"module not loaded"*|*"No such file or directory"*|*"Device or resource busy"*|*"no apply in progress"*|*"Interrupted"*)
		return 0 ;;
	# The family went away between resolving it and the request.
	*"Protocol not supported"*)
		return 0 ;;
	esac
	echo "$out" >&2
	return 1
}
export -f ectl_tolerant

# Senders: UDP to allowed and denied v4/v6 addresses from a, b, c until
# stopped (udp-loop exits 0 on SIGTERM after printing its counts).
SENDERS=()
for c in a b c; do
	cg_spawn "$TOP/$c" "$RUN/udp.$c" "$PROBE" udp-loop 5202 200 0 \
		"$SRV4_ALLOW" "$SRV4_DENY" "$SRV6_ALLOW" "$SRV6_DENY" --interval-us 10000
	SENDERS+=("$SPAWN_PID")
done
# TCP connect loops: any result is fine, a crash is not (exit code > 1).
for c in a b; do
	loop "tcp.$c" "echo \$BASHPID > $(cg_path "$TOP/$c")/cgroup.procs;
		\"\$PROBE\" tcp-connect $SRV4_ALLOW 5201 --timeout-ms 500 > /dev/null; [ \$? -le 1 ] &&
		\"\$PROBE\" tcp-connect $SRV6_DENY 5201 --timeout-ms 500 > /dev/null; [ \$? -le 1 ]"
done
loop apply "ectl_tolerant apply -f $RUN/p2.conf && ectl_tolerant apply -f $RUN/p1.conf"
loop stats "ectl_tolerant -j stats && ectl_tolerant show --config &&
	{ cat /proc/net/nf_egress/stats > /dev/null 2>&1 || true; }"
loop cgroup "d=$(cg_path "$TOP/d"); rmdir \$d 2> /dev/null; mkdir -p \$d &&
	bash -c 'echo \$\$ > \$0/cgroup.procs && exec \"\$PROBE\" udp-send $SRV4_DENY 5202 3 100 > /dev/null' \$d;
	[ \$? -le 1 ]"
# Each round: a new netns (gone when its last process exits) with a dummy
# device, UDP from /a inside it.
loop netns "bash -c 'echo \$\$ > $(cg_path "$TOP/a")/cgroup.procs &&
	exec unshare -n sh -c \"ip link add d0 type dummy && ip link set d0 up &&
		ip addr add 10.99.5.1/24 dev d0 && exec \$PROBE udp-send 10.99.5.2 5202 5 100\"' > /dev/null;
	rc=\$?; echo >> $RUN/netns.count; [ \$rc -le 1 ]"
loop monitor "timeout 5 \"\$EGRESSCTL\" monitor > /dev/null 2>&1; [ \$? -eq 124 ] || ectl_tolerant version"

# module_caches: the module's slab caches in /proc/slabinfo (its queue
# entries', egress_shaped_pkt, and their sockets', egress_shaper_flow).
# The guest boots with slab_nomerge, so a cache is listed under its own
# name, not folded into a kernel cache.
module_caches()
{
	awk 'NR > 2 && $1 ~ /egress/ { print $1 }' /proc/slabinfo | tr '\n' ' '
}

# Three rounds of rmmod + modprobe under all of it.
rounds_ok=0
caches_left=
for round in 1 2 3; do
	sleep $((SECS / 4))
	busywait 10000 rmmod nf_egress 2> "$RUN/rmmod.err" ||
		{ diag "round $round: rmmod: $(cat "$RUN/rmmod.err")"; continue; }
	left=$(module_caches)
	[ -z "$left" ] || caches_left+="round $round: $left; "
	sleep 1
	modprobe nf_egress 2> "$RUN/modprobe.err" ||
		{ diag "round $round: modprobe: $(cat "$RUN/modprobe.err")"; continue; }
	rounds_ok=$((rounds_ok + 1))
done
check_eq "3 rounds of rmmod and modprobe under load" 3 "$rounds_ok"

# Wait for the loops, then stop the senders.
loops_ok=1
for i in "${!LOOP_PIDS[@]}"; do
	wait "${LOOP_PIDS[i]}"
	rc=$?
	if [ $rc -ne 0 ]; then
		loops_ok=0
		diag "loop ${LOOP_NAMES[i]} exited $rc: $(head -c 500 "$RUN/${LOOP_NAMES[i]}.err" 2> /dev/null)"
	fi
done
check_eq "apply, stats, monitor, cgroup, netns and TCP loops all exited 0" 1 "$loops_ok"

senders_ok=1
for pid in "${SENDERS[@]}"; do
	kill -TERM "$pid" 2> /dev/null
	wait "$pid"
	rc=$?
	[ $rc -eq 0 ] || { senders_ok=0; diag "sender $pid exited $rc"; }
done
check_eq "every UDP sender exited 0 after SIGTERM" 1 "$senders_ok"
check_eq "every UDP sender reported its 4 destinations" 12 \
	"$(cat "$RUN"/udp.[abc] | grep -c '^addr=')"

check_eq "the module is loaded after the rounds" yes \
	"$([ -d /sys/module/nf_egress ] && echo yes || echo no)"
ectl apply -f "$RUN/p1.conf" > /dev/null
check_udp "after it all, $P/a is denied $SRV4_DENY" "$TOP/a" "$SRV4_DENY" 3 100 \
	"sent=0 failed=3 first_errno=EPERM"

check_eq "the netns loop ran" yes "$([ -s "$RUN/netns.count" ] && echo yes || echo no)"
# Namespaces are freed by a work item after their last reference goes.
# On 6.1 in the guest one object stays counted after a series of
# namespaces with a dummy device, with or without nf_egress and its
# traffic (measured), so one is allowed; a namespace leaked per round
# would leave as many as the loop made (at least 5 here).
made=$(wc -l < "$RUN/netns.count" 2> /dev/null || echo 0)
# A debug kernel (make check-debug) makes a few: two leaked would still
# show (more than the one allowed).
min_made=5
debug_kernel && min_made=2
netns_back() { [ "$(netns_slab)" -le $((ns_base + 1)) ]; }
busywait 30000 netns_back
now=$(netns_slab)
if [ "$made" -ge "$min_made" ] && [ "$now" -le $((ns_base + 1)) ]; then
	tap_ok "$made namespaces made and gone: net_namespace objects $ns_base -> $now (no leak)"
else
	tap_fail "net_namespace objects $ns_base -> $now after $made namespaces (need >= $min_made): leaked"
	diag "namespaces with processes: $(lsns -t net -n -o NS,NPROCS,PID,COMMAND 2>&1 | tr '\n' ';')"
	diag "$(grep -E '^(net_namespace|TCP|UDP|RAW|tw_sock)' /proc/slabinfo | awk '{ print $1, $2 }' | tr '\n' ';')"
fi
check_eq "no slab cache of the module is left after an rmmod" "" "$caches_left"
# And the check can see one: the loaded module has its cache.
check_eq "the loaded module's caches are listed" "egress_shaper_flow egress_shaped_pkt " \
	"$(module_caches)"
tap_done
