#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet path's cgroup resolution cache as cgroups come and go, as on a
# container host: it must not grow with every cgroup that ever sent, and it
# must not drop the entries of cgroups that are still there.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-cc-PID: default allow    |          | udp-recv :: 5202             |
#   |   w1-1 .. w1-100  (wave 1)    |   veth   |                              |
#   |   w2-1 .. w2-100  (wave 2)    +----------+ eth0 10.99.0.2/24            |
#   |   w3-1 .. w3-100  (wave 3)    |          |                              |
#   | nfeXXXX 10.99.0.1/24          |          |                              |
#   +-------------------------------+          +------------------------------+
#
# The policy is applied with `egressctl apply`, so the test starts from a
# new policy set with an empty cache.  Three waves of 100 child cgroups:
# each cgroup sends one datagram, then the wave's cgroups are removed (but
# the last one's).  The cache count comes from GET_INFO (egressctl -j
# version, "cached_cgroups").  The module prunes the entries of removed
# cgroups when the cache has grown to twice what the last prune kept
# (kmod/cache.c), so after the third wave it holds the 100 live cgroups
# and at most about as many others, not the 300 that sent; and a second
# datagram from each live cgroup finds its entry: the count does not grow.
# The policy counts every datagram exactly.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-cc-$$
P=/$CG
WAVE=100

require_common
tap_plan 13

cg_create "$CG"
setup_server_topology ""

# apply makes a new policy set, and with it an empty cache that has not
# been pruned yet, whatever earlier tests left in the old one.
printf 'cgroup "%s" {\n    default allow;\n}\n' "$P" > "$TMPDIR_TEST/cc.conf"
CLEANUP_POLICIES+=("$P")
apply_config "$TMPDIR_TEST/cc.conf" > /dev/null
tap_result $? "apply -f: $P default allow, a new policy set" "$(cat "$ECTL_ERR")"

# cached_cgroups: the cache's entry count, from egressctl -j version.
cached_cgroups()
{
	"$EGRESSCTL" -j version |
		sed -n 's/.*"cached_cgroups":\([0-9][0-9]*\).*/\1/p'
}

# wave_dirs W: WAVE_DIRS gets the cgroup directories of wave W.
wave_dirs()
{
	local i

	WAVE_DIRS=()
	for ((i = 1; i <= WAVE; i++)); do
		WAVE_DIRS+=("$(cg_path "$CG/w$1-$i")")
	done
}

# send_from_wave W: one datagram from each cgroup of wave W, from one
# process that moves from cgroup to cgroup (egress_probe udp-cgroups);
# prints its "sent=N failed=N first_errno=E" line.
send_from_wave()
{
	wave_dirs "$1"
	"$PROBE" udp-cgroups "$SRV4_ALLOW" "$UDP_PORT" 64 "${WAVE_DIRS[@]}" 2>&1
}

make_wave()
{
	wave_dirs "$1"
	mkdir "${WAVE_DIRS[@]}"
}

remove_wave()
{
	wave_dirs "$1"
	rmdir "${WAVE_DIRS[@]}"
}

for wave in 1 2 3; do
	make_wave "$wave" || bail_out "cannot create the cgroups of wave $wave"
	check_eq "wave $wave: each of its $WAVE cgroups sent one datagram" \
		"sent=$WAVE failed=0 first_errno=none" "$(send_from_wave "$wave")"
	check_eq "wave $wave: $P counted exactly $((wave * WAVE)) datagrams" \
		"$((wave * WAVE)) $((wave * WAVE * 92)) 0 0" "$(stats_proc "$P")"
	if ((wave < 3)); then
		remove_wave "$wave"
		tap_result $? "wave $wave: its cgroups are removed"
	fi
done

# The prune runs in a work item: wait until the count holds still (two
# reads 200 ms apart agree) and is within the bound.  Other cgroups of the
# guest that send meanwhile may add a few entries: the bound leaves room
# for 10.
# shellcheck disable=SC2317 # called through busywait
cache_settled()
{
	local a b

	a=$(cached_cgroups)
	sleep 0.2
	b=$(cached_cgroups)
	[ -n "$a" ] && [ "$a" = "$b" ] && ((b <= $1))
}
bound=$((2 * WAVE + 10))
busywait 10000 cache_settled "$bound"
n=$(cached_cgroups)
((n >= WAVE && n <= bound))
tap_result $? "after 300 cgroups sent and 200 were removed the cache holds $n entries: the $WAVE live ones and at most $((bound - WAVE)) others"

# Had a prune dropped live entries, each of those cgroups would add its
# entry again now: about $WAVE more.
send_from_wave 3 > /dev/null
check_eq "wave 3 again: $P counted exactly $((4 * WAVE)) datagrams" \
	"$((4 * WAVE)) $((4 * WAVE * 92)) 0 0" "$(stats_proc "$P")"
m=$(cached_cgroups)
((m >= n && m - n < WAVE / 10))
tap_result $? "wave 3 again: the live cgroups still had their entries ($n entries before, $m after)"

remove_wave 3
tap_result $? "wave 3: its cgroups are removed"
tap_done
