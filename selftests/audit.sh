#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Audit mode drops nothing and counts exactly what enforce would deny as
# would_deny (also counted as allowed: it left the host).  `policy set PATH
# mode enforce` switches with one command and keeps the counters.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-au-PID (policy, audit)   |          | tcp-listen :: 5201           |
#   |                               |   veth   | udp-recv   :: 5202 (counts)  |
#   |  nfeXXXX 10.99.{0,1}.1/24     +----------+ eth0 10.99.0.2/24  allowed   |
#   |          2001:db8:9{9,8}::1   |          |      10.99.1.2/24  not allowed|
#   +-------------------------------+          +------------------------------+
#
# Policy: policy add /nfe-au-PID mode audit default deny;
#         rule add allow to 10.99.0.0/24
# UDP, 100 payload bytes = 128 bytes at the IPv4 layer (148 at IPv6).
#   audit:   N=50 to 10.99.0.2 + M=23 to 10.99.1.2: all 73 arrive;
#            stats allowed 73/73*128, denied 0/0, would_deny 23/23*128
#            then 4 to 2001:db8:98::2 (no IPv6 rule): arrive, would_deny +4/+4*148
#   enforce: (policy set mode enforce) M=23 to 10.99.1.2 fail with EPERM,
#            N=50 to 10.99.0.2 arrive; the counters were not reset:
#            allowed 127, denied 23, would_deny unchanged
#   audit again: TCP connect to 10.99.1.2 succeeds.
#
# Audit above a police-mode rate limit (would_deny: an audit policy denied
# the packet and enforcement did not drop it for that, whatever the rate
# limit then did; so a packet the limit dropped counts too):
#   /nfe-aur-PID      mode audit, default deny, rate 1mbit burst 2k police
#   /nfe-auc-PID      mode audit, default deny
#   /nfe-auc-PID/app  default allow, rate 1mbit burst 2k police
#   K=40 datagrams of 1000 bytes (1028 at IPv4) to 10.99.1.2 from each:
#   allowed + ratelimited = 40 (some of each), denied 0; the server gets
#   exactly the allowed ones; would_deny = 40 where the audit policy
#   denied (/nfe-aur-PID, /nfe-auc-PID), 0 in /nfe-auc-PID/app, which
#   allowed; parent and child count the same allowed and ratelimited.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

N=50
M=23
CG=nfe-au-$$
P=/$CG
B4=128
B6=148
K=40
CGR=nfe-aur-$$
CGC=nfe-auc-$$
KB=1028

require_common
tap_plan 27

cg_create "$CG"
setup_server_topology ""
policy_add "$P" mode audit default deny
ectl_must rule add "$P" allow to "$NET4_ALLOW"

mode=$(ectl -j show | json_eval 'next(p["mode"] for p in d if p["cgroup"] == a[0])' "$P")
check_eq "-j show: $P mode audit" audit "$mode"
check_eq "fresh audit policy: stats (allowed, denied, would_deny, mode)" \
	"0 0 0 0 0 0 audit" "$(stats_full "$P")"

# --- audit ---------------------------------------------------------------
check_udp "audit: $N datagrams to allowed $SRV4_ALLOW sent" "$CG" "$SRV4_ALLOW" "$N" 100 \
	"sent=$N failed=0 first_errno=none"
check_udp "audit: $M datagrams to not-allowed $SRV4_DENY sent" "$CG" "$SRV4_DENY" "$M" 100 \
	"sent=$M failed=0 first_errno=none"
busywait 5000 udp_received_is $((N + M))
check_eq "audit: server received all $((N + M)) datagrams" $((N + M)) "$(udp_received)"
check_eq "audit: stats allowed $((N + M)), denied 0, would_deny $M (exact bytes)" \
	"$((N + M)) $(((N + M) * B4)) 0 0 $M $((M * B4)) audit" "$(stats_full "$P")"
check_udp "audit: 4 datagrams to $SRV6_DENY (no IPv6 rule) sent" "$CG" "$SRV6_DENY" 4 100 \
	"sent=4 failed=0 first_errno=none"
busywait 5000 udp_received_is $((N + M + 4))
check_eq "audit: server received the 4 IPv6 datagrams" $((N + M + 4)) "$(udp_received)"
AP=$((N + M + 4))
AB=$(((N + M) * B4 + 4 * B6))
WP=$((M + 4))
WB=$((M * B4 + 4 * B6))
check_eq "audit: stats after IPv6 (148 bytes per datagram)" \
	"$AP $AB 0 0 $WP $WB audit" "$(stats_full "$P")"

# --- enforce ---------------------------------------------------------------
ectl policy set "$P" mode enforce > /dev/null
tap_result $? "egressctl policy set $P mode enforce"
mode=$(ectl -j show | json_eval 'next(p["mode"] for p in d if p["cgroup"] == a[0])' "$P")
check_eq "-j show: $P mode enforce" enforce "$mode"
check_eq "enforce: counters kept across the mode change" \
	"$AP $AB 0 0 $WP $WB enforce" "$(stats_full "$P")"
check_udp "enforce: $M datagrams to $SRV4_DENY fail with EPERM" "$CG" "$SRV4_DENY" "$M" 100 \
	"sent=0 failed=$M first_errno=EPERM"
check_udp "enforce: $N datagrams to $SRV4_ALLOW sent" "$CG" "$SRV4_ALLOW" "$N" 100 \
	"sent=$N failed=0 first_errno=none"
busywait 5000 udp_received_is $((AP + N))
check_eq "enforce: server received only the $N allowed datagrams" $((AP + N)) "$(udp_received)"
check_eq "enforce: stats = previous + $N allowed + $M denied, would_deny unchanged" \
	"$((AP + N)) $((AB + N * B4)) $M $((M * B4)) $WP $WB enforce" "$(stats_full "$P")"

# --- and back ------------------------------------------------------------
ectl policy set "$P" mode audit > /dev/null
tap_result $? "egressctl policy set $P mode audit"
check_tcp "audit again: TCP to not-allowed $SRV4_DENY connects" "$CG" "$SRV4_DENY" ok

# --- audit above a police-mode rate limit -----------------------------------
cg_create "$CGR"
cg_create "$CGC"
cg_create "$CGC/app"
policy_add "/$CGR" mode audit default deny rate 1mbit burst 2k police
policy_add "/$CGC" mode audit default deny
policy_add "/$CGC/app" default allow rate 1mbit burst 2k police

# police_round CGROUP: K datagrams of 1000 bytes to the denied address from
# CGROUP, then a snapshot in $TMPDIR_TEST/snap; sets RL_A and RL_R to the
# allowed and ratelimited packets of CGROUP's own policy.
police_round()
{
	local before

	before=$(udp_received)
	check_udp "audit + police: $K datagrams from $1 to $SRV4_DENY sent (drops are silent)" \
		"$1" "$SRV4_DENY" "$K" 1000 "sent=$K failed=0 first_errno=none"
	acct_snap "$TMPDIR_TEST/snap"
	read -r RL_A _ _ _ _ _ RL_R _ <<< "$(acct_ctr "$TMPDIR_TEST/snap" "/$1")"
	((RL_A > 0 && RL_R > 0 && RL_A + RL_R == K))
	tap_result $? "audit + police: /$1: some of the $K left, the rest were rate-limited" \
		"allowed $RL_A, ratelimited $RL_R"
	busywait 5000 udp_received_is $((before + RL_A))
	check_eq "audit + police: the server received exactly the $RL_A allowed ones" \
		$((before + RL_A)) "$(udp_received)"
}

police_round "$CGR"
check_eq "audit + police, one policy: allowed, denied 0, would_deny = allowed + ratelimited = $K, ratelimited" \
	"$RL_A $((RL_A * KB)) 0 0 $K $((K * KB)) $RL_R $((RL_R * KB))" \
	"$(acct_ctr "$TMPDIR_TEST/snap" "/$CGR")"

police_round "$CGC/app"
check_eq "audit parent of a police child: would_deny = allowed + ratelimited = $K" \
	"$RL_A $((RL_A * KB)) 0 0 $K $((K * KB)) $RL_R $((RL_R * KB))" \
	"$(acct_ctr "$TMPDIR_TEST/snap" "/$CGC")"
check_eq "the police child, which allowed: the same allowed and ratelimited, would_deny 0" \
	"$RL_A $((RL_A * KB)) 0 0 0 0 $RL_R $((RL_R * KB))" \
	"$(acct_ctr "$TMPDIR_TEST/snap" "/$CGC/app")"

tap_done
