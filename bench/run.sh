#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: bench/run.sh [--quick] [--accel TEXT] [--host-cpu TEXT] [--date TEXT]
#
# The in-guest half of `make bench` (scripts/vm/bench boots the guest and runs
# it; it also runs on a real machine as root, where `modprobe nf_egress`
# works and egressctl is on PATH).  Measures nf_egress side by side with
# nftables, a cgroup-BPF LPM trie and no filter and prints one plain-text
# table (Documentation/performance.rst):
#
#   A$i (cgroup /$TAG/...)              B$i
#   +-----------------------+  veth   +---------------------------+
#   | sender, pinned CPU 0  +---------+ bench_udp sink :9000      |
#   | 10.99.0.1             |         | iperf3 -s :5201 10.99.0.2 |
#   | 2001:db8:99::1        |         | sink :9000 2001:db8:99::2 |
#   +-----------------------+         +---------------------------+
#   (IPv6 only on P0 and on the IPv6 nftables pair)
#
# One pair of namespaces per nftables ruleset (nftables' hooks are per netns)
# and one, P0, for no filter and every nf_egress configuration (nf_egress's
# policies are per cgroup: the sender's cgroup picks the configuration).  All
# configurations exist at once, so runs interleave freely (ABCABC...).
#
# Phases: (1) nf_egress has no policy at all: no filter, nftables, and
# "nf_egress idle" (one policy on an unrelated cgroup, added and removed
# around each such run), over IPv4 and IPv6; (1b) the cgroup-BPF baseline
# (bench/lpm_allow.bpf.c, loaded by bench/bpf_lpm): a program on three
# cgroups' egress, with no filter measured again beside it, since any
# attached program turns on the cgroup-BPF hook for every packet of the
# host; the cgroups go at the end of the phase, and with them the
# programs; (2) apply times; (3) memory; (4) the nf_egress configurations
# loaded together: "idle" again, the rule counts, rate limits, many
# cgroups.  Ratios of phase 4 rows go through the idle row measured in
# both phases: nf_egress/idle(4) * idle(1)/no filter(1), per family.
#
# Every row has an id (u0, t1, ...) at the start of its line; scripts/vm/bench
# checks that all of them are there.  A row whose measurement failed says
# FAILED and the script exits 1 at the end.
set -u

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../selftests/lib.sh
source "$BENCH_DIR/../selftests/lib.sh"
trap 'log "cleaning up"; cleanup; log "done"' EXIT

QUICK=0
ACCEL=
HOST_CPU=
DATE=
while (($#)); do
	case $1 in
	--quick) QUICK=1; shift ;;
	--accel) ACCEL=$2; shift 2 ;;
	--host-cpu) HOST_CPU=$2; shift 2 ;;
	--date) DATE=$2; shift 2 ;;
	*) echo "usage: $0 [--quick] [--accel TEXT] [--host-cpu TEXT] [--date TEXT]" >&2; exit 2 ;;
	esac
done

if ((QUICK)); then
	RUNS=${BENCH_RUNS:-1}
	APPLY_RUNS=1
	UDP_SECS=0.1
	TCP_SECS=1
	RATE_SECS=1
	NFE_SIZES=(1 1000 10000 30000)
	NFT_SIZES=(1 1000 10000)
	ROUTE_SIZES=(5000 10000)
	ROUTE6_N=5000
	APPLY_N=5000
	NPOLICIES=100
	NCGROUPS=500
	NTEMPL=250
	NSENDING=50
	RULEOP_RUNS=2
else
	RUNS=${BENCH_RUNS:-5}
	APPLY_RUNS=${BENCH_APPLY_RUNS:-5}
	UDP_SECS=0.5
	TCP_SECS=3
	RATE_SECS=3
	NFE_SIZES=(1 1000 100000 1000000)
	NFT_SIZES=(1 1000 100000)
	ROUTE_SIZES=(100000 1000000)
	ROUTE6_N=100000
	APPLY_N=100000
	NPOLICIES=1000
	NCGROUPS=10000
	NTEMPL=5000
	NSENDING=1000
	RULEOP_RUNS=10
fi
RATE=20mbit
RATE_BPS=2500000	# $RATE in bytes per second
BURST=65536		# nf_egress's default burst at this rate, for both
UDP_SIZE=64
UDP_BATCH=64
DST=10.99.0.2
DST6=2001:db8:99::2
TAG=nfebench-$$
CGP=/$TAG		# policy path prefix
HEALTH_PARAM=/sys/module/nf_egress/parameters/health
FAILED=0

require_root
require_cmd ip nft iperf3 taskset awk nsenter strace
require_cgroup2
require_egressctl
require_module
command -v "$EGRESSCTL" > /dev/null || bail_out "no egressctl"

W=$TMPDIR_TEST
# /src is shared without caching in the guest: run the programs from tmpfs.
cp "$EGRESSCTL" "$W/egressctl" && EG=$W/egressctl || bail_out "copy egressctl"
cp "$BENCH_DIR/bench_udp" "$W/bench_udp" && BU=$W/bench_udp ||
	bail_out "bench/bench_udp is not built (make -C bench)"
cp "$BENCH_DIR/bpf_lpm" "$BENCH_DIR/lpm_allow.bpf.o" "$W/" ||
	bail_out "bench/bpf_lpm and bench/lpm_allow.bpf.o are not built (make -C bench)"

now_ns() { date +%s%N; }
# nsnft NS ARGS...: nft in netns NS.  Not `ip netns exec`, whose private
# /sys hides /sys/fs/cgroup, where nft resolves "socket cgroupv2" paths.
nsnft() { local ns=$1; shift; nsenter --net="/run/netns/$ns" nft "$@"; }
log() { echo "bench: [$(cut -d" " -f1 /proc/uptime)] $*" >&2; }

# ------------------------------------------------------------ generators --

# The N-th filler address (n >= 0) of set A (= 1 mod 4) or B (= 3 mod 4) in
# 10.64.0.0/10; never 10.99.0.2.  awk functions shared by the generators.
AWK_ADDR='
function addr(i, off,   a) {
	a = 10 * 16777216 + 64 * 65536 + i * 4 + off
	return sprintf("10.%d.%d.%d", int(a / 65536) % 256, int(a / 256) % 256, a % 256)
}'

# gen_policy PATH N [A|B]: a policy of N /32 rules, the last one allowing
# $DST (the matching rule; every rule is a /32, so all sizes use one prefix
# length), default deny.
gen_policy()
{
	awk -v path="$1" -v n="$2" -v set="${3:-A}" -v dst="$DST" "$AWK_ADDR"'
	BEGIN {
		off = set == "A" ? 1 : 3
		printf "cgroup \"%s\" {\n    default deny;\n", path
		for (i = 0; i < n - 1; i++)
			printf "    allow to %s/32;\n", addr(i, off)
		printf "    allow to %s/32;\n}\n", dst
	}'
}

# gen_policy_lens PATH N: N rules over the 24 prefix lengths /9../32 (nested
# prefixes in 20.0.0.0-99.0.0.0) plus "allow to 10.0.0.0/8", which is what
# matches $DST: a lookup probes 24 lengths in vain before it finds it.
gen_policy_lens()
{
	awk -v path="$1" -v n="$2" '
	BEGIN {
		printf "cgroup \"%s\" {\n    default deny;\n", path
		for (j = 0; j < n - 1; j++)
			printf "    allow to %d.0.0.0/%d;\n", 20 + int(j / 24), 9 + j % 24
		print "    allow to 10.0.0.0/8;\n}"
	}'
}

# gen_routes N: N distinct IPv4 prefixes one a line, the way a global
# routing table spreads them over lengths /8-/32 (mostly /24, then /22, /23,
# /21, /20, /19, /18, /16, /17; a few shorter and longer), addresses drawn
# at random from 11.0.0.0-223.255.255.255 without 127/8, so none is inside
# 10.0.0.0/8.  The same N gives the same prefixes.
gen_routes()
{
	awk -v n="$1" '
	BEGIN {
		srand(20261205)
		split("8 .02 9 .01 10 .02 11 .03 12 .05 13 .1 14 .15 15 .2 16 1.4 17 .9 18 1.5 19 2.6 20 4.5 21 4.8 22 12 23 10 24 59 25 .4 26 .4 27 .3 28 .3 29 .3 30 .2 31 .1 32 1", w, " ")
		for (i = 1; i < 50; i += 2) { total += w[i + 1]; len[++k] = w[i]; cum[k] = total }
		while (made < n) {
			r = rand() * total
			for (j = 1; cum[j] < r && j < k; j++)
				;
			l = len[j]
			do { o = 11 + int(rand() * 213) } while (o == 127)
			a = o * 16777216 + int(rand() * 16777216)
			m = 2 ^ (32 - l)
			a = int(a / m) * m
			key = a "/" l
			if (key in seen)
				continue
			seen[key] = 1
			printf "%d.%d.%d.%d/%d\n", int(a / 16777216), int(a / 65536) % 256, int(a / 256) % 256, a % 256, l
			made++
		}
	}'
}

# gen_policy_routes PATH FILE: a policy allowing FILE's prefixes and
# 10.0.0.0/8, which is what matches $DST, default deny.
gen_policy_routes()
{
	awk -v path="$1" '
	BEGIN { printf "cgroup \"%s\" {\n    default deny;\n", path }
	{ printf "    allow to %s;\n", $1 }
	END { print "    allow to 10.0.0.0/8;\n}" }' "$2"
}

# gen_nft_routes_table NAME CGROUP FILE [6]: the same for nftables: an
# interval set of FILE's prefixes and 10.0.0.0/8 (auto-merge: nested
# prefixes are one interval), counted and accepted, the rest of the
# cgroup's packets dropped.  6: FILE holds IPv6 prefixes, and the match is
# 2001:db8::/32.
gen_nft_routes_table()
{
	local type=ipv4_addr sel=ip match=10.0.0.0/8

	[ "${4:-}" = 6 ] && type=ipv6_addr sel=ip6 match=2001:db8::/32
	cat <<-EOF
	table inet $1 {
		set allow {
			type $type
			flags interval
			auto-merge
			elements = {
	$(awk -v m="$match" '{ printf "\t%s,\n", $1 } END { print "\t" m }' "$3")
			}
		}
		chain out {
			type filter hook output priority filter; policy accept;
			socket cgroupv2 level 2 "${2#/}" $sel daddr @allow counter accept
			socket cgroupv2 level 2 "${2#/}" counter drop
		}
	}
	EOF
}

# gen_routes6 N: N distinct IPv6 prefixes one a line, spread over lengths
# the way the global IPv6 table spreads them (mostly /48, then /32, /44,
# /40, /36, /29, /47, /46; 42 lengths from /16 to /128), drawn at random
# from 2000::/3 without 2001:db8::/32.  The same N gives the same prefixes.
gen_routes6()
{
	awk -v n="$1" '
	BEGIN {
		srand(20261206)
		split("16 .02 19 .05 20 .1 21 .05 22 .1 23 .05 24 .3 25 .05 26 .05 27 .05 28 .6 29 4 30 .6 31 .5 32 12 33 1.2 34 1 35 .9 36 4 37 .3 38 .8 39 .3 40 6 41 .4 42 .9 43 .4 44 8 45 1.2 46 2 47 2.2 48 48 49 .1 50 .1 52 .2 56 .5 60 .1 64 .6 96 .02 112 .02 126 .02 127 .01 128 .2", w, " ")
		for (i = 1; i in w; i += 2) { total += w[i + 1]; len[++k] = w[i]; cum[k] = total }
		while (made < n) {
			r = rand() * total
			for (j = 1; cum[j] < r && j < k; j++)
				;
			l = len[j]
			g[1] = 8192 + int(rand() * 8192)
			for (i = 2; i <= 8; i++)
				g[i] = int(rand() * 65536)
			for (i = 1; i <= 8; i++) {
				b = l - (i - 1) * 16
				if (b <= 0)
					g[i] = 0
				else if (b < 16)
					g[i] = int(g[i] / 2 ^ (16 - b)) * 2 ^ (16 - b)
			}
			if (g[1] == 8193 && g[2] == 3512)
				continue
			key = sprintf("%x:%x:%x:%x:%x:%x:%x:%x/%d", g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], l)
			if (key in seen)
				continue
			seen[key] = 1
			print key
			made++
		}
	}'
}

# gen_policy_routes6 PATH FILE: a policy allowing FILE's IPv6 prefixes and
# 2001:db8::/32, which is what matches $DST6, default deny.
gen_policy_routes6()
{
	awk -v path="$1" '
	BEGIN { printf "cgroup \"%s\" {\n    default deny;\n", path }
	{ printf "    allow to %s;\n", $1 }
	END { print "    allow to 2001:db8::/32;\n}" }' "$2"
}

# gen_policy_many PATH N: N policies, one per cgroup PATH/cI, each a small
# allowlist as a container has: the bench's sink over UDP, two
# documentation networks, default deny.
gen_policy_many()
{
	awk -v dir="$1" -v n="$2" -v dst="$DST" '
	BEGIN {
		for (i = 0; i < n; i++)
			printf "cgroup \"%s/c%d\" {\n    default deny;\n    allow udp to %s/32 port 9000;\n    allow to 192.0.2.0/24;\n    allow tcp to 198.51.100.0/24 port 443;\n}\n", dir, i, dst
	}'
}

# gen_nft_elements N [A|B]: the same addresses as gen_policy, one a line.
gen_nft_elements()
{
	awk -v n="$1" -v set="${2:-A}" -v dst="$DST" "$AWK_ADDR"'
	BEGIN {
		off = set == "A" ? 1 : 3
		for (i = 0; i < n - 1; i++)
			printf "\t%s,\n", addr(i, off)
		printf "\t%s\n", dst
	}'
}

# gen_nft_table NAME CGROUP N: what an nftables user writes for the job of
# gen_policy: the cgroup's packets to the set are counted and accepted, the
# rest of its packets counted and dropped.
gen_nft_table()
{
	cat <<-EOF
	table inet $1 {
		set allow {
			type ipv4_addr
			flags interval
			elements = {
	$(gen_nft_elements "$3")
			}
		}
		chain out {
			type filter hook output priority filter; policy accept;
			socket cgroupv2 level 2 "${2#/}" ip daddr @allow counter accept
			socket cgroupv2 level 2 "${2#/}" counter drop
		}
	}
	EOF
}

# ------------------------------------------------------------- topology --

# new_pair VAR [6]: a client/server netns pair (setup_measured_link) with
# the UDP sink and an iperf3 server on the server side; VAR gets "CLI SRV".
# 6: with IPv6 too, and a second sink on $DST6.
new_pair()
{
	local var=$1

	setup_measured_link "b$((${#PAIRS[@]}))" "$DST" ${2:+"$DST6"}
	ip netns exec "$SRV_NS" "$BU" sink "$DST" 9000 "$W/sink.$SRV_NS" ||
		bail_out "sink in $SRV_NS"
	register_pid "$(cat "$W/sink.$SRV_NS")"
	if [ -n "${2:-}" ]; then
		ip netns exec "$SRV_NS" "$BU" sink "$DST6" 9000 "$W/sink6.$SRV_NS" ||
			bail_out "IPv6 sink in $SRV_NS"
		register_pid "$(cat "$W/sink6.$SRV_NS")"
	fi
	ip netns exec "$SRV_NS" iperf3 -s -D -B "$DST" -p 5201 -I "$W/iperf.$SRV_NS" ||
		bail_out "iperf3 -s in $SRV_NS"
	busywait 10000 test -s "$W/iperf.$SRV_NS" || bail_out "iperf3 pidfile"
	register_pid "$(tr -d '\0' < "$W/iperf.$SRV_NS")"
	PAIRS+=("$CLI_NS $SRV_NS")
	printf -v "$var" '%s' "$CLI_NS $SRV_NS"
}
PAIRS=()

cg_create "$TAG"
for c in none idle nfe1 nfe2 nfe3 nfe4 nfelens nferoutes1 nferoutes2 nferoutes6 nft nftroutes \
	nftroutes6 bpfroutes1 bpfroutes2 bpfroutes6 police shape apply one many tmpl; do
	cg_create "$TAG/$c"
done
# The many cgroups: one mkdir for all (a process each would take minutes
# under emulation), and one rmdir at cleanup, before cg_destroy walks them.
MANY_DIR=$(cg_path "$TAG/many")
(cd "$MANY_DIR" && seq -f 'c%.0f' 0 $((NCGROUPS - 1)) | xargs mkdir) ||
	bail_out "cannot create $NCGROUPS cgroups"
on_cleanup "cd '$MANY_DIR' && seq -f 'c%.0f' 0 $((NCGROUPS - 1)) | xargs rmdir; cd /"
# The senders' sockets: in every (NCGROUPS / NSENDING)th of them, and as
# many in the one cgroup "one", which has the same policy.
seq -f "$MANY_DIR/c%.0f" 0 $((NCGROUPS / NSENDING)) $((NCGROUPS - 1)) > "$W/many.list"
awk -v d="$(cg_path "$TAG/one")" '{ print d }' "$W/many.list" > "$W/one.list"
# The template's cgroups (u26): as many senders as u24, among NTEMPL
# cgroups that match one template and get their instances on their first
# packet.
TMPL_DIR=$(cg_path "$TAG/tmpl")
(cd "$TMPL_DIR" && seq -f 'c%.0f' 0 $((NTEMPL - 1)) | xargs mkdir) ||
	bail_out "cannot create $NTEMPL cgroups"
on_cleanup "cd '$TMPL_DIR' && seq -f 'c%.0f' 0 $((NTEMPL - 1)) | xargs rmdir; cd /"
seq -f "$TMPL_DIR/c%.0f" 0 $((NTEMPL / NSENDING)) $((NTEMPL - 1)) > "$W/tmpl.list"

mem_kb() # Slab + VmallocUsed, kB, after dropping clean caches
{
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '$1 == "Slab:" || $1 == "VmallocUsed:" { s += $2 } END { print s }' /proc/meminfo
}

printf '' > "$W/empty.conf"
"$EG" apply -f "$W/empty.conf" > /dev/null || bail_out "cannot empty the policy set"

new_pair P0 6
NFT_PAIRS=()
NFT_MEM=
for n in "${NFT_SIZES[@]}"; do
	new_pair p
	read -r cli _ <<< "$p"
	gen_nft_table bench "$CGP/nft" "$n" > "$W/nft.$n"
	m0=$(mem_kb)
	nsnft "$cli" -f "$W/nft.$n" || bail_out "nft -f with $n elements"
	m1=$(mem_kb)
	NFT_MEM="$n $((m1 - m0))"	# the last (largest) wins
	rm -f "$W/nft.$n"
	NFT_PAIRS+=("$p")
done
# The routing-table set of the first size, for nftables.
for n in "${ROUTE_SIZES[@]}"; do
	gen_routes "$n" > "$W/routes.$n"
done
new_pair NFT_ROUTES_PAIR
read -r cli _ <<< "$NFT_ROUTES_PAIR"
gen_nft_routes_table bench "$CGP/nftroutes" "$W/routes.${ROUTE_SIZES[0]}" > "$W/nft.routes"
nsnft "$cli" -f "$W/nft.routes" || bail_out "nft -f with the routing-table set"
gen_routes6 "$ROUTE6_N" > "$W/routes6"
new_pair NFT_ROUTES6_PAIR 6
read -r cli _ <<< "$NFT_ROUTES6_PAIR"
gen_nft_routes_table bench "$CGP/nftroutes6" "$W/routes6" 6 > "$W/nft.routes6"
nsnft "$cli" -f "$W/nft.routes6" || bail_out "nft -f with the IPv6 routing-table set"
rm -f "$W/nft.routes" "$W/nft.routes6"
new_pair PLIM
read -r cli _ <<< "$PLIM"
nsnft "$cli" -f - <<-EOF || bail_out "nft limit table"
	table inet bench {
		chain out {
			type filter hook output priority filter; policy accept;
			socket cgroupv2 level 2 "$TAG/nft" limit rate over $RATE_BPS bytes/second burst $BURST bytes counter drop
		}
	}
EOF
# A netns for nft -f timing; nothing is sent there.
ns_create NS_APPLY apply

# ---------------------------------------------------------- measurements --

declare -A VALS	# id -> the runs' values, space separated

# udp PAIR CGROUP [DST]: one sender run; prints packets per second.
udp()
{
	local cli out

	read -r cli _ <<< "$1"
	out=$(cg_exec "$TAG/$2" ip netns exec "$cli" taskset -c 0 \
		"$BU" send "${3:-$DST}" 9000 "$UDP_SIZE" "$UDP_BATCH" "$UDP_SECS") || {
		log "udp $2: $out"
		return 1
	}
	kv_get pps "$out"
}
udp6() { udp "$1" "$2" "$DST6"; }

# udp_list PAIR LIST: one sender run whose sockets are in the cgroups LIST
# names (bench_udp send ... CGROUP_LIST), taken in turn; nsenter, not ip
# netns exec, whose private /sys hides the cgroup files it writes.
udp_list()
{
	local cli out

	read -r cli _ <<< "$1"
	out=$(cg_exec "$TAG/none" nsenter --net="/run/netns/$cli" taskset -c 0 \
		"$BU" send "$DST" 9000 "$UDP_SIZE" "$UDP_BATCH" "$UDP_SECS" "$2") || {
		log "udp from $2: $out"
		return 1
	}
	# The kernel's deferred work after a sender whose sockets were in
	# 1,000 cgroups exits lands 1 to 2 s later, in the next run if it
	# starts sooner: after "sleep 1", about 13 ms of a 0.5 s run (u6
	# after u26 read 2% low, u25 after u24 0.5%); after 3.5 s, 0.1%.
	sleep 4
	kv_get pps "$out"
}

# tcp PAIR CGROUP SECS [OMIT]: one iperf3 run (OMIT: seconds of it left out
# of the result, e.g. a rate limiter's initial burst); prints "GOODPUT_BPS
# IP_BPS RETRANS_PCT".  IP_BPS is the goodput with 52 bytes of IP and TCP
# headers (timestamps on) per 1448-byte segment, as full-sized segments of a
# bulk transfer over a 1500-byte MTU carry; RETRANS_PCT: retransmitted
# segments of all segments sent (client side).
tcp()
{
	local cli json c0 c1 try extra

	read -r cli _ <<< "$1"
	# TCP_ARGS: more iperf3 client options.
	read -ra extra <<< "${TCP_ARGS:-}"
	for try in 1 2 3; do
		c0=$(ip netns exec "$cli" cat /proc/net/snmp)
		# iperf3 -J reports its errors (e.g. "the server is busy"
		# right after the previous test) in the JSON.
		json=$(cg_exec "$TAG/$2" ip netns exec "$cli" taskset -c 0 \
			iperf3 -c "$DST" -p 5201 -t "$3" -O "${4:-0}" -J "${extra[@]}" \
			2> "$W/iperf.err") && break
		log "iperf3 $2 (try $try): $(grep '"error"' <<< "$json") $(head -c 300 "$W/iperf.err")"
		((try == 3)) && return 1
		sleep 1
	done
	c1=$(ip netns exec "$cli" cat /proc/net/snmp)
	# awk, not python3: its start-up costs seconds under emulation.
	good=$(awk '/"sum_received"/ { f = 1 }
		f && /"bits_per_second"/ { sub(/.*"bits_per_second":[ \t]*/, ""); sub(/[,}].*/, ""); print; exit }' <<< "$json")
	[ -n "$good" ] || { log "iperf3 $2: no sum_received in its output"; return 1; }
	printf '%s\n%s\n' "$c0" "$c1" | awk -v good="$good" '
		/^Tcp:/ && !hdr { for (i = 2; i <= NF; i++) k[i] = $i; hdr = 1; next }
		/^Tcp:/ { n++; for (i = 2; i <= NF; i++) v[n, k[i]] = $i; hdr = 0 }
		END {
			segs = v[2, "OutSegs"] - v[1, "OutSegs"]
			retr = v[2, "RetransSegs"] - v[1, "RetransSegs"]
			printf "%.0f %.0f %.3f\n", good, good * 1500 / 1448, 100 * retr / (segs > 0 ? segs : 1)
		}'
}

# idle_on / idle_off: nf_egress has one policy, on a cgroup nobody sends from.
idle_on() { "$EG" policy add "$CGP/idle" default allow > /dev/null; }
idle_off() { "$EG" policy del "$CGP/idle" > /dev/null; }

# measure ID CMD...: run CMD, append its output to VALS[ID] unless this is
# the warm-up round; a failure marks the row.
measure()
{
	local id=$1 v

	shift
	if v=$("$@") && [ -n "$v" ]; then
		((ROUND > 0)) && VALS[$id]+="$v "
	else
		VALS[$id]+="FAILED "
	fi
	return 0
}

# rounds ID:CMD... : ROUNDS interleaved rounds (round 0 = warm-up) over the
# configurations; each "ID:cmd args" is eval'd.
rounds()
{
	local spec

	for ((ROUND = 0; ROUND <= RUNS; ROUND++)); do
		for spec in "$@"; do
			eval "measure ${spec%%:*} ${spec#*:}"
		done
	done
}

udp_idle() { idle_on && udp "$P0" none; local rc=$?; idle_off; return $rc; }
udp6_idle() { idle_on && udp6 "$P0" none; local rc=$?; idle_off; return $rc; }
tcp_idle() { idle_on && tcp_good "$P0" none "$TCP_SECS"; local rc=$?; idle_off; return $rc; }
col() { local f=$1; shift; echo "$@" | awk -v f="$f" '{ print $f }'; }
tcp_good() { local v; v=$(tcp "$@") || return 1; col 1 "$v"; }
# tcp_small PAIR CGROUP: tcp_good with 64-byte writes sent at once (-N -l
# 64), a segment each: a rate of packets, as the UDP rows measure.
tcp_small() { TCP_ARGS="-N -l 64" tcp_good "$1" "$2" "$TCP_SECS"; }
# tcp_small_nohealth PAIR CGROUP: tcp_small with connection health off.
tcp_small_nohealth()
{
	local rc

	echo 0 > "$HEALTH_PARAM" || return 1
	tcp_small "$@"
	rc=$?
	echo 1 > "$HEALTH_PARAM"
	return $rc
}

T_START=$(now_ns)
log "phase 1: no nf_egress policy; udp ${UDP_SECS}s x $((RUNS + 1)) rounds"
specs=("u0:udp \"\$P0\" none" "u1:udp_idle")
i=0
for n in "${NFT_SIZES[@]}"; do
	specs+=("u$((7 + i)):udp \"\${NFT_PAIRS[$i]}\" nft")
	i=$((i + 1))
done
specs+=("u13:udp \"\$NFT_ROUTES_PAIR\" nftroutes")
specs+=("u14:udp6 \"\$P0\" none" "u15:udp6_idle" "u16:udp6 \"\$NFT_ROUTES6_PAIR\" nftroutes6")
rounds "${specs[@]}"
U1_NONE=${VALS[u0]}
U1_IDLE=${VALS[u1]}
log "phase 1: tcp ${TCP_SECS}s"
rounds "t0:tcp_good \"\$P0\" none \"\$TCP_SECS\"" "t1x:tcp_idle" \
	"t2:tcp_good \"\${NFT_PAIRS[$((${#NFT_SIZES[@]} - 1))]}\" nft \"\$TCP_SECS\""

# ------------------------------------------------------------ cgroup-BPF --
# bpf_load CGROUP FILE: the baseline's program on CGROUP with FILE's
# prefixes and the short ones that match $DST and $DST6, as the nf_egress
# policies have them; prints bpf_lpm's "prefixes=N ... elapsed_ns=E".
bpf_load()
{
	local out

	{ cat "$2"; echo 10.0.0.0/8; echo 2001:db8::/32; } > "$W/bpf.prefixes"
	out=$("$W/bpf_lpm" "$W/lpm_allow.bpf.o" "$(cg_path "$TAG/$1")" "$W/bpf.prefixes" 2>&1) || {
		log "bpf_lpm $1: $out"
		return 1
	}
	rm -f "$W/bpf.prefixes"
	echo "$out"
}
log "phase 1b: cgroup-BPF LPM trie"
BPF_OK=1
m0=$(mem_kb)
out=$(bpf_load bpfroutes1 "$W/routes.${ROUTE_SIZES[0]}") || BPF_OK=0
m1=$(mem_kb)
if ((BPF_OK)); then
	VALS[a6]=$(awk -v e="$(kv_get elapsed_ns "$out")" 'BEGIN { printf "%.3f", e / 1e9 }')
	VALS[m4]=$(awk -v d="$((m1 - m0))" -v n="$(kv_get prefixes "$out")" 'BEGIN { printf "%.0f", d * 1024 / n }')
	{ bpf_load bpfroutes2 "$W/routes.${ROUTE_SIZES[1]}" && bpf_load bpfroutes6 "$W/routes6"; } > /dev/null ||
		BPF_OK=0
fi
if ((BPF_OK)); then
	rounds "u17:udp \"\$P0\" none" "u18:udp \"\$P0\" bpfroutes1" "u19:udp \"\$P0\" bpfroutes2" \
		"u20:udp6 \"\$P0\" none" "u21:udp6 \"\$P0\" bpfroutes6"
else
	for id in u17 u18 u19 u20 u21 a6 m4; do VALS[$id]="FAILED "; done
fi
# Removing the cgroups frees their programs: the hook goes quiet again.
for c in bpfroutes1 bpfroutes2 bpfroutes6; do
	cg_destroy "$TAG/$c"
done

# ---------------------------------------------------------------- apply --
log "phase 2: apply times, $APPLY_N rules"
gen_policy "$CGP/apply" "$APPLY_N" A > "$W/applyA.conf"
gen_policy "$CGP/apply" "$APPLY_N" B > "$W/applyB.conf"
{
	gen_nft_table benchapply "$CGP/apply" "$APPLY_N"
} > "$W/applyA.nft"
{
	echo "flush set inet benchapply allow"
	echo "add element inet benchapply allow {"
	awk -v n="$APPLY_N" -v dst="$DST" "$AWK_ADDR"'
	BEGIN { for (i = 0; i < n - 1; i++) printf "\t%s,\n", addr(i, 3); printf "\t%s\n", dst }'
	echo "}"
} > "$W/applyB.nft"

# timed CMD...: run CMD (quietly); prints its wall time in seconds.
timed()
{
	local t

	t=$(now_ns)
	"$@" > /dev/null 2> "$W/timed.err" || { log "$* failed: $(head -c 300 "$W/timed.err")"; return 1; }
	awk -v d="$(($(now_ns) - t))" 'BEGIN { printf "%.3f\n", d / 1e9 }'
}
nft_apply() { nsnft "$NS_APPLY" -f "$1"; }
nft_clear() { nsnft "$NS_APPLY" delete table inet benchapply; }
ROUTES_N=${ROUTE_SIZES[0]}
gen_policy_routes "$CGP/apply" "$W/routes.$ROUTES_N" > "$W/applyR.conf"
gen_nft_routes_table benchapply "$CGP/apply" "$W/routes.$ROUTES_N" > "$W/applyR.nft"
apply_round()
{
	measure a0 timed "$EG" apply -f "$W/applyA.conf"
	measure a2 timed nft_apply "$W/applyA.nft"
	measure a1 timed "$EG" apply -f "$W/applyB.conf"
	measure a3 timed nft_apply "$W/applyB.nft"
	"$EG" apply -f "$W/empty.conf" > /dev/null
	nft_clear
	measure a4 timed "$EG" apply -f "$W/applyR.conf"
	measure a5 timed nft_apply "$W/applyR.nft"
	"$EG" apply -f "$W/empty.conf" > /dev/null
	nft_clear
}
for ((ROUND = 0; ROUND <= APPLY_RUNS; ROUND++)); do
	apply_round
done
rm -f "$W"/apply?.conf "$W"/apply?.nft

# Memory per rule of the routing-table set alone.
gen_policy_routes "$CGP/nferoutes1" "$W/routes.$ROUTES_N" > "$W/routes.conf"
m0=$(mem_kb)
"$EG" apply -f "$W/routes.conf" > /dev/null || VALS[m3]="FAILED "
m1=$(mem_kb)
"$EG" apply -f "$W/empty.conf" > /dev/null
[ -z "${VALS[m3]:-}" ] && VALS[m3]=$(awk -v d="$((m1 - m0))" -v n="$((ROUTES_N + 1))" 'BEGIN { printf "%.0f", d * 1024 / n }')

# --------------------------------------------------------------- memory --
log "phase 3: memory"
awk -v n="$NPOLICIES" -v p="$CGP/mem" 'BEGIN {
	for (i = 0; i < n; i++) printf "cgroup \"%s/p%d\" {\n    default deny;\n}\n", p, i }' > "$W/pol.conf"
m0=$(mem_kb)
"$EG" apply -f "$W/pol.conf" > /dev/null || VALS[m1]="FAILED "
m1=$(mem_kb)
"$EG" apply -f "$W/empty.conf" > /dev/null
[ -z "${VALS[m1]:-}" ] && VALS[m1]=$(awk -v d="$((m1 - m0))" -v n="$NPOLICIES" 'BEGIN { printf "%.0f", d * 1024 / n }')

# mem_per FILE COUNT ID: VALS[ID] gets the bytes per COUNT of applying FILE.
mem_per()
{
	local m0 m1

	m0=$(mem_kb)
	"$EG" apply -f "$1" > /dev/null || { VALS[$3]="FAILED "; return; }
	m1=$(mem_kb)
	"$EG" apply -f "$W/empty.conf" > /dev/null
	VALS[$3]=$(awk -v d="$((m1 - m0))" -v n="$2" 'BEGIN { printf "%.0f", d * 1024 / n }')
}
# u24's small policies, per policy; the IPv6 table prefixes, per rule.
gen_policy_many "$CGP/many" "$NCGROUPS" > "$W/many.conf"
mem_per "$W/many.conf" "$NCGROUPS" m5
gen_policy_routes6 "$CGP/nferoutes6" "$W/routes6" > "$W/routes6.conf"
mem_per "$W/routes6.conf" $((ROUTE6_N + 1)) m6
rm -f "$W/many.conf" "$W/routes6.conf"

# The nf_egress configurations of phase 4, in one file.
NFE_IDS=(u2 u3 u4 u5)
{
	i=1
	for n in "${NFE_SIZES[@]}"; do
		gen_policy "$CGP/nfe$i" "$n"
		i=$((i + 1))
	done
	gen_policy_lens "$CGP/nfelens" 1000
	i=1
	for n in "${ROUTE_SIZES[@]}"; do
		gen_policy_routes "$CGP/nferoutes$i" "$W/routes.$n"
		i=$((i + 1))
	done
	gen_policy_routes6 "$CGP/nferoutes6" "$W/routes6"
} > "$W/set.conf"
# m0 is about the rules: without the many small policies, which come last.
NRULES=$(grep -c ' to ' "$W/set.conf")
NPOL4=$(grep -c '^cgroup ' "$W/set.conf")
{
	gen_policy_many "$CGP/many" "$NCGROUPS"
	gen_policy_many "$CGP/one" 1 | sed "s|$CGP/one/c0|$CGP/one|"
	# u26: the same policy as a template, with room for every cgroup.
	gen_policy_many "$CGP/tmpl" 1 | sed "s|$CGP/tmpl/c0\"|$CGP/tmpl/*\"|;s|^}|    instances max $NTEMPL;\n}|"
} >> "$W/set.conf"
m0=$(mem_kb)
t=$(timed "$EG" apply -f "$W/set.conf") || bail_out "apply of the phase 4 set failed"
m1=$(mem_kb)
SET_APPLY=$t
rm -f "$W/set.conf"
VALS[m0]=$(awk -v d="$((m1 - m0))" -v n="$NRULES" -v p="${VALS[m5]}" -v np=$((NCGROUPS + 1)) \
	'BEGIN { if (p !~ /^[0-9]+$/) print "FAILED"; else printf "%.0f", (d * 1024 - p * np) / n }')
read -r nft_n nft_kb <<< "$NFT_MEM"
VALS[m2]=$(awk -v d="$nft_kb" -v n="$nft_n" 'BEGIN { printf "%.0f", d * 1024 / n }')

# Rate limits.
if ! "$EG" policy add "$CGP/police" default allow rate "$RATE" burst "$BURST" police > /dev/null 2> "$W/err"; then
	log "police policy: $(cat "$W/err")"
	VALS[r1]="FAILED "
fi
if ! "$EG" policy add "$CGP/shape" default allow rate "$RATE" burst "$BURST" shape > /dev/null 2> "$W/err"; then
	log "shape policy: $(cat "$W/err")"
	VALS[r0]="FAILED "
fi

# ---------------------------------------------------------------- phase 4 --
log "phase 4: nf_egress configurations loaded; udp"
rounds "u6:udp \"\$P0\" none" "u2:udp \"\$P0\" nfe1" "u3:udp \"\$P0\" nfe2" \
	"u4:udp \"\$P0\" nfe3" "u5:udp \"\$P0\" nfe4" "u10:udp \"\$P0\" nfelens" \
	"u11:udp \"\$P0\" nferoutes1" "u12:udp \"\$P0\" nferoutes2" \
	"u23:udp6 \"\$P0\" none" "u22:udp6 \"\$P0\" nferoutes6" \
	"u24:udp_list \"\$P0\" \"\$W/many.list\"" "u25:udp_list \"\$P0\" \"\$W/one.list\"" \
	"u26:udp_list \"\$P0\" \"\$W/tmpl.list\""
log "phase 4: tcp"
rounds "t3:tcp_good \"\$P0\" none \"\$TCP_SECS\"" "t1:tcp_good \"\$P0\" nfe3 \"\$TCP_SECS\""
log "phase 4: tcp, 64-byte writes, connection health on and off"
rounds "t6:tcp_small \"\$P0\" none" "t4:tcp_small \"\$P0\" nfe3" \
	"t5:tcp_small_nohealth \"\$P0\" nfe3"
log "phase 4: rate limits, ${RATE_SECS}s"
rate_specs=()
[ -z "${VALS[r0]:-}" ] && rate_specs+=("r0:tcp \"\$P0\" shape \"\$RATE_SECS\" 1")
[ -z "${VALS[r1]:-}" ] && rate_specs+=("r1:tcp \"\$P0\" police \"\$RATE_SECS\" 1")
rate_specs+=("r2:tcp \"\$PLIM\" nft \"\$RATE_SECS\" 1")
rounds "${rate_specs[@]}"

# One rule added to and deleted from the largest /32 policy and from the
# one-rule policy: the time of the request's sendto(), in which the kernel
# runs it (a generic netlink request is handled in the sender's context),
# as strace -T sees it (its stops add the same to every call).
log "phase 4: one rule added and deleted"
# rule_op_us OP PATH RULE...: egressctl rule OP PATH RULE...; prints the
# microseconds of its last sendto().
rule_op_us()
{
	local op=$1 path=$2

	shift 2
	strace -T -e trace=sendto -o "$W/strace" "$EG" rule "$op" "$path" "$@" > /dev/null 2> "$W/err" || {
		log "rule $op $path $*: $(head -c 300 "$W/err")"
		return 1
	}
	awk '/^sendto\(/ { t = $NF } END { gsub(/[<>]/, "", t); if (t == "") exit 1; printf "%.0f\n", t * 1e6 }' "$W/strace"
}
for ((ROUND = 0; ROUND <= RULEOP_RUNS; ROUND++)); do
	a=192.0.2.$((ROUND + 1))/32
	measure o0 rule_op_us add "$CGP/nfe4" allow to "$a"
	measure o1 rule_op_us del "$CGP/nfe4" allow to "$a"
	measure o2 rule_op_us add "$CGP/nfe1" allow to "$a"
	measure o3 rule_op_us del "$CGP/nfe1" allow to "$a"
done
"$EG" apply -f "$W/empty.conf" > /dev/null
T_END=$(now_ns)

# ---------------------------------------------------------------- table --

# stats VALUES...: "median min max" (or FAILED).
stats()
{
	case " $* " in *" FAILED "*|"  ") echo FAILED; return ;; esac
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR] }'
}
# median VALUES...
median() { local s; s=$(stats "$@"); echo "${s%% *}"; }

fmt_num() { awk -v v="$1" -v s="$2" -v p="$3" 'BEGIN { printf "%." p "f", v / s }'; }

# row ID LABEL SCALE PRECISION RATIO_BASE [RATIO_FACTOR]: one measured row.
row()
{
	local id=$1 label=$2 scale=$3 prec=$4 base=${5:-} factor=${6:-1} s med lo hi r=""

	# shellcheck disable=SC2086 # the values are words
	s=$(stats ${VALS[$id]:-})
	if [ "$s" = FAILED ]; then
		printf '  %-4s %-50s FAILED\n' "$id" "$label"
		FAILED=1
		return
	fi
	read -r med lo hi <<< "$s"
	if [ -n "$base" ] && ! [[ "$base $factor" =~ ^[0-9.e+-]+\ [0-9.e+-]+$ ]]; then
		printf '  %-4s %-50s FAILED (its baseline failed)\n' "$id" "$label"
		FAILED=1
		return
	fi
	[ -n "$base" ] && r=$(awk -v m="$med" -v b="$base" -v f="$factor" 'BEGIN { printf "%.3f", m / b * f }')
	printf '  %-4s %-50s %10s  [%s - %s]  %s\n' "$id" "$label" \
		"$(fmt_num "$med" "$scale" "$prec")" "$(fmt_num "$lo" "$scale" "$prec")" \
		"$(fmt_num "$hi" "$scale" "$prec")" "$r"
}

# rate_row ID LABEL: goodput and IP throughput as a share of $RATE, retransmits.
rate_row()
{
	local id=$1 label=$2 v g=() ip=() re=() s

	for v in ${VALS[$id]:-}; do
		[ "$v" = FAILED ] && { g=(FAILED); break; }
	done
	if [ "${g[0]:-}" = FAILED ] || [ -z "${VALS[$id]:-}" ]; then
		printf '  %-4s %-50s FAILED\n' "$id" "$label"
		FAILED=1
		return
	fi
	# VALS holds "good ip retr" triples, flattened.
	set -- ${VALS[$id]}
	while (($# >= 3)); do
		g+=("$(awk -v v="$1" -v r="$RATE_BPS" 'BEGIN { print 100 * v / 8 / r }')")
		ip+=("$(awk -v v="$2" -v r="$RATE_BPS" 'BEGIN { print 100 * v / 8 / r }')")
		re+=("$3")
		shift 3
	done
	s=$(stats "${g[@]}")
	printf '  %-4s %-50s %5.1f%% [%.1f-%.1f]  IP %5.1f%%  retr %.2f%%\n' "$id" "$label" \
		$s "$(median "${ip[@]}")" "$(median "${re[@]}")"
}

sizes_label() { echo "$1" | sed -e ':a' -e 's/\B[0-9]\{3\}\>/,&/' -e 'ta'; }

U1_NONE_MED=$(median $U1_NONE)
U1_IDLE_MED=$(median $U1_IDLE)
U6_MED=$(median ${VALS[u6]})
# Phase 4 rows: x / idle(4) * idle(1) / none(1).
PH4_FACTOR=$(awk -v a="$U1_IDLE_MED" -v b="$U1_NONE_MED" 'BEGIN { if (a > 0 && b > 0) print a / b; else print "FAILED" }')
T0_MED=$(median ${VALS[t0]})
T1X_MED=$(median ${VALS[t1x]})
T3_MED=$(median ${VALS[t3]})
T6_MED=$(median ${VALS[t6]})
# The cost of connection health: t4 (on) against t5 (off).
HEALTH_RATIO=$(awk -v a="$(median ${VALS[t4]})" -v b="$(median ${VALS[t5]})" 'BEGIN { if (a > 0 && b > 0) printf "%.3f", a / b; else print "FAILED" }')
U14_MED=$(median ${VALS[u14]})
U15_MED=$(median ${VALS[u15]})
U17_MED=$(median ${VALS[u17]})
U20_MED=$(median ${VALS[u20]})
U23_MED=$(median ${VALS[u23]})
PH4_FACTOR6=$(awk -v a="$U15_MED" -v b="$U14_MED" 'BEGIN { if (a > 0 && b > 0) print a / b; else print "FAILED" }')
# The cost of many cgroups: u24 against u25, both phase 4.
MANY_RATIO=$(awk -v a="$(median ${VALS[u24]})" -v b="$(median ${VALS[u25]})" 'BEGIN { if (a > 0 && b > 0) printf "%.3f", a / b; else print "FAILED" }')
# The cost of templates: u26's instances against u24's exact paths.
TMPL_RATIO=$(awk -v a="$(median ${VALS[u26]})" -v b="$(median ${VALS[u24]})" 'BEGIN { if (a > 0 && b > 0) printf "%.3f", a / b; else print "FAILED" }')
TPH4_FACTOR=$(awk -v a="$T1X_MED" -v b="$T0_MED" 'BEGIN { if (a > 0 && b > 0) print a / b; else print "FAILED" }')

{
	echo "nf_egress benchmark ($( ((QUICK)) && echo "QUICK=1: smaller sizes, fewer runs" || echo full))"
	echo "  date:      ${DATE:-$(date -u '+%Y-%m-%d %H:%M UTC')}"
	echo "  kernel:    $(uname -r) ($(uname -m)), nf_egress $(cat /sys/module/nf_egress/version 2> /dev/null || echo '?')"
	echo "  CPU:       ${HOST_CPU:-$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)}, $(nproc) CPU(s) in the guest"
	echo "  accel:     ${ACCEL:-unknown (not run by scripts/vm/bench)}"
	echo "  method:    $RUNS runs per configuration after 1 warm-up run (discarded), interleaved"
	echo "             ABCABC; median [min - max]; sender pinned to CPU 0; guest time $(awk -v d="$((T_END - T_START))" 'BEGIN { printf "%.0f", d / 1e9 }') s"
	echo
	echo "UDP, ${UDP_SIZE}-byte payload, sendmmsg() $UDP_BATCH per call, ${UDP_SECS} s per run, cgroup -> veth -> netns"
	printf '  %-4s %-50s %10s  %-17s  %s\n' id configuration kpps "[min - max]" "vs no filter"
	row u0 "no filter" 1000 1 "$U1_NONE_MED"
	row u1 "nf_egress loaded, no policy on the sender's cgroup" 1000 1 "$U1_NONE_MED"
	i=0
	for n in "${NFE_SIZES[@]}"; do
		row "${NFE_IDS[$i]}" "nf_egress, $(sizes_label "$n") rule$( ((n > 1)) && echo s), /32 only" 1000 1 "$U6_MED" "$PH4_FACTOR"
		i=$((i + 1))
	done
	row u10 "nf_egress, 1,000 rules, 25 prefix lengths, match /8" 1000 1 "$U6_MED" "$PH4_FACTOR"
	row u11 "nf_egress, $(sizes_label "${ROUTE_SIZES[0]}") routing-table prefixes, match /8" 1000 1 "$U6_MED" "$PH4_FACTOR"
	row u12 "nf_egress, $(sizes_label "${ROUTE_SIZES[1]}") routing-table prefixes, match /8" 1000 1 "$U6_MED" "$PH4_FACTOR"
	i=0
	for n in "${NFT_SIZES[@]}"; do
		row "u$((7 + i))" "nftables, $(sizes_label "$n") set element$( ((n > 1)) && echo s)" 1000 1 "$U1_NONE_MED"
		i=$((i + 1))
	done
	row u13 "nftables, $(sizes_label "${ROUTE_SIZES[0]}") routing-table prefixes (interval set)" 1000 1 "$U1_NONE_MED"
	row u18 "cgroup-BPF LPM trie, $(sizes_label "${ROUTE_SIZES[0]}") routing-table prefixes" 1000 1 "$U17_MED"
	row u19 "cgroup-BPF LPM trie, $(sizes_label "${ROUTE_SIZES[1]}") routing-table prefixes" 1000 1 "$U17_MED"
	row u17 "no filter, beside cgroup-BPF programs (u18, u19 base)" 1000 1 "$U1_NONE_MED"
	row u24 "nf_egress, $(sizes_label "$NCGROUPS") cgroups with policies, $(sizes_label "$NSENDING") sending" 1000 1 "$U6_MED" "$PH4_FACTOR"
	row u25 "nf_egress, as u24 but its sockets in one cgroup" 1000 1 "$U6_MED" "$PH4_FACTOR"
	row u26 "nf_egress, $(sizes_label "$NTEMPL") cgroups of one template, $(sizes_label "$NSENDING") sending" 1000 1 "$U6_MED" "$PH4_FACTOR"
	row u6 "nf_egress idle again (phase 4 baseline, as u1)" 1000 1 "$U6_MED" "$PH4_FACTOR"
	echo "       (u24 / u25: $MANY_RATIO; u26 / u24: $TMPL_RATIO)"
	echo
	echo "UDP over IPv6, as above, to $DST6"
	printf '  %-4s %-50s %10s  %-17s  %s\n' id configuration kpps "[min - max]" "vs no filter"
	row u14 "no filter" 1000 1 "$U14_MED"
	row u15 "nf_egress loaded, no policy on the sender's cgroup" 1000 1 "$U14_MED"
	row u22 "nf_egress, $(sizes_label "$ROUTE6_N") IPv6 table prefixes, match /32" 1000 1 "$U23_MED" "$PH4_FACTOR6"
	row u16 "nftables, the same prefixes (interval set)" 1000 1 "$U14_MED"
	row u21 "cgroup-BPF LPM trie, the same prefixes" 1000 1 "$U20_MED"
	row u20 "no filter, beside cgroup-BPF programs (u21 base)" 1000 1 "$U14_MED"
	row u23 "nf_egress idle again (phase 4 baseline, as u15)" 1000 1 "$U23_MED" "$PH4_FACTOR6"
	echo
	echo "TCP, iperf3 -t $TCP_SECS, one stream"
	printf '  %-4s %-50s %10s  %-17s  %s\n' id configuration Mbit/s "[min - max]" "vs no filter"
	row t0 "no filter" 1e6 0 "$T0_MED"
	row t1 "nf_egress, $(sizes_label "${NFE_SIZES[2]}") rules" 1e6 0 "$T3_MED" "$TPH4_FACTOR"
	row t2 "nftables, $(sizes_label "${NFT_SIZES[-1]}") set elements" 1e6 0 "$T0_MED"
	echo
	echo "TCP, iperf3 -t $TCP_SECS -N -l 64 (a segment per 64-byte write), one stream"
	printf '  %-4s %-50s %10s  %-17s  %s\n' id configuration Mbit/s "[min - max]" "vs no filter"
	row t6 "no filter (phase 4)" 1e6 1 "$T6_MED"
	row t4 "nf_egress, $(sizes_label "${NFE_SIZES[2]}") rules, connection health on" 1e6 1 "$T6_MED"
	row t5 "nf_egress, as t4, connection health off" 1e6 1 "$T6_MED"
	echo "       (t4 / t5: $HEALTH_RATIO)"
	echo
	echo "Rate limit $RATE (burst $BURST bytes), TCP iperf3 -t $RATE_SECS -O 1: goodput as a share of the rate"
	echo "  (IP: IP-layer throughput, goodput * 1500/1448; retr: retransmitted segments of all sent)"
	rate_row r0 "nf_egress shape"
	rate_row r1 "nf_egress police"
	rate_row r2 "nftables limit rate over ... drop"
	echo
	echo "Apply time, $(sizes_label "$APPLY_N") rules (seconds), $APPLY_RUNS runs after 1 warm-up"
	printf '  %-4s %-50s %10s  %s\n' id operation s "[min - max]"
	row a0 "egressctl apply -f, into an empty set" 1 3
	row a1 "egressctl apply -f, replacing them" 1 3
	row a2 "nft -f, table with the set" 1 3
	row a3 "nft -f, flush set + add elements" 1 3
	row a4 "egressctl apply -f, $(sizes_label "$ROUTES_N") routing-table prefixes" 1 3
	row a5 "nft -f, the same prefixes (interval set, auto-merge)" 1 3
	row a6 "bpf_lpm: the same prefixes into an LPM trie map" 1 3
	echo "       (the phase 4 set, $(sizes_label "$NRULES") rules in $NPOL4 policies and u24's $(sizes_label "$((NCGROUPS + 1))"): egressctl apply -f in $SET_APPLY s)"
	echo
	echo "One rule added and deleted, $RULEOP_RUNS runs after 1 warm-up: microseconds of guest time in the"
	echo "  request's sendto(), where the kernel runs it (strace -T, whose stops are in every figure)"
	printf '  %-4s %-50s %10s  %s\n' id operation us "[min - max]"
	row o0 "rule add, the $(sizes_label "${NFE_SIZES[3]}")-rule policy" 1 0
	row o1 "rule del, the $(sizes_label "${NFE_SIZES[3]}")-rule policy" 1 0
	row o2 "rule add, the 1-rule policy" 1 0
	row o3 "rule del, the 1-rule policy" 1 0
	echo
	echo "Kernel memory (Slab + VmallocUsed deltas after drop_caches)"
	printf '  %-4s %-50s %10s\n' id what bytes
	printf '  %-4s %-50s %10s\n' m0 "nf_egress, per rule ($(sizes_label "$NRULES") rules, phase 4)" "${VALS[m0]}"
	printf '  %-4s %-50s %10s\n' m1 "nf_egress, per policy ($(sizes_label "$NPOLICIES") empty policies)" "${VALS[m1]}"
	printf '  %-4s %-50s %10s\n' m2 "nftables, per interval-set element ($(sizes_label "$nft_n"))" "${VALS[m2]}"
	printf '  %-4s %-50s %10s\n' m3 "nf_egress, per rule ($(sizes_label "$ROUTES_N") routing-table prefixes)" "${VALS[m3]}"
	printf '  %-4s %-50s %10s\n' m4 "cgroup-BPF LPM trie, per prefix (the same)" "${VALS[m4]}"
	printf '  %-4s %-50s %10s\n' m5 "nf_egress, per policy of u24's ($(sizes_label "$NCGROUPS"), 3 rules each)" "${VALS[m5]}"
	printf '  %-4s %-50s %10s\n' m6 "nf_egress, per rule ($(sizes_label "$ROUTE6_N") IPv6 table prefixes)" "${VALS[m6]}"
} > "$W/table"
# scripts/vm/bench copies what is between the markers to bench/results/.
echo "----- BEGIN BENCH TABLE -----"
cat "$W/table"
echo "----- END BENCH TABLE -----"
grep -q FAILED "$W/table" && FAILED=1
exit $FAILED
