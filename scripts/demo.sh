#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Narrated demonstration of nf_egress.  Runs as root in the test guest
# (`make demo`), where the module is not loaded yet.
#
#   root netns                                 demo server netns
#   +-------------------------------+          +------------------------------+
#   | cgroup /demo (policy: allow   |          | TCP listener :: 5201         |
#   |   10.99.0.0/24, default deny) |   veth   |  eth0  10.99.0.2/24          |
#   |  nfeXXXX 10.99.0.1/24         +----------+        10.99.1.2/24          |
#   |          10.99.1.1/24         |          |                              |
#   +-------------------------------+          +------------------------------+

SELFTESTS=$(cd "$(dirname "$0")/../selftests" && pwd)
# The tree's builds, not installed ones.
NF_EGRESS_KO=$SELFTESTS/../kmod/nf_egress.ko
export PATH=$(cd "$SELFTESTS/../tools/egressctl" && pwd):$PATH
source "$SELFTESTS/lib.sh"

CG=demo
P=/demo
LOADED_BY_US=0

say()
{
	if [ -t 1 ]; then printf '\n\033[1m==> %s\033[0m\n' "$*"; else printf '\n==> %s\n' "$*"; fi
}

run()
{
	printf '    $ %s\n' "$*"
	"$@" 2>&1 | sed 's/^/      /'
	return "${PIPESTATUS[0]}"
}

cleanup()
{
	say "Cleaning up"
	lib_cleanup
	if [ "$LOADED_BY_US" = 1 ] && [ -d /sys/module/nf_egress ]; then
		run rmmod nf_egress
	fi
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { echo "demo.sh: must run as root" >&2; exit 1; }
if [ ! -x "$PROBE" ]; then
	make -s -C "$SELFTESTS" egress_probe || exit 1
fi
[ -x "$EGRESSCTL" ] || { echo "demo.sh: $EGRESSCTL not built" >&2; exit 1; }

say "Loading the module"
if module_loaded; then
	echo "    (already loaded)"
else
	run insmod "$NF_EGRESS_KO" || exit 1
	LOADED_BY_US=1
fi
run "$EGRESSCTL" version

say "A server in its own network namespace: 10.99.0.2 and 10.99.1.2, TCP port $TCP_PORT"
setup_server_topology ""
echo "    server netns: $SRV_NS"

say "cgroup $P, with a policy that allows only 10.99.0.0/24"
cg_create "$CG"
run "$EGRESSCTL" policy add "$P" || exit 1
CLEANUP_POLICIES+=("$P")
run "$EGRESSCTL" rule add "$P" allow to 10.99.0.0/24 || exit 1
run "$EGRESSCTL" show

demo_connect()
{
	local cg=$1 addr=$2 where

	where=${cg:+cgroup /$cg}
	tcp_probe "$cg" "$addr"
	printf '    %-26s -> %s:%s  %-13s in %6d us\n' "${where:-cgroup $(my_cgroup) (no policy)}" \
		"$addr" "$TCP_PORT" "$TCP_RESULT" "${TCP_US:-0}"
}

say "egressctl monitor, in the background, prints every denied packet"
MONITOR_OUT=$TMPDIR_TEST/monitor.out
"$EGRESSCTL" monitor > "$MONITOR_OUT" 2>&1 &
register_pid $!
echo "    \$ $EGRESSCTL monitor > monitor.out &"
# Time to start and join the group (a probe packet would show in the counters).
sleep 1

say "TCP connect() from a process in $P"
demo_connect "$CG" 10.99.0.2
demo_connect "$CG" 10.99.1.2
echo "    The denied connect fails at once with ECONNREFUSED: the SYN is dropped"
echo "    at LOCAL_OUT with NF_DROP_ERR(-ECONNREFUSED), no retransmission wait."

say "The same from a process outside $P"
demo_connect "" 10.99.1.2

say "UDP from $P: 5 datagrams of 100 bytes to each address"
printf '    to 10.99.0.2: %s\n' "$(udp_send "$CG" 10.99.0.2 5 100)"
printf '    to 10.99.1.2: %s\n' "$(udp_send "$CG" 10.99.1.2 5 100)"

say "What the monitor printed: one line per denied packet"
sleep 0.5
sed 's/^/    /' "$MONITOR_OUT"

say "Counters (bytes at the IP layer: 100-byte UDP payload = 128 bytes)"
run "$EGRESSCTL" stats
run "$EGRESSCTL" -j stats
run cat "$NF_EGRESS_PROC/stats"

say "Deleting the policy: $P reaches everything again"
run "$EGRESSCTL" policy del "$P"
demo_connect "$CG" 10.99.1.2
echo
