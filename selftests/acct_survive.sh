#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counters survive what users do to services and configurations: a cgroup
# removed and created again (a service restart) keeps counting into the same
# policy; `apply -f` keeps the counters of every policy whose path stays and
# of every rule whose path and canonical text stay.  Only `stats reset`
# zeroes them (and records when); a policy removed and added back starts
# at 0.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-asr-PID  policy R (CLI)  |          | udp-recv :: 5202 (counts)    |
#   | /nfe-as1-PID  policy S1 (file)|   veth   | eth0 10.99.0.2/24            |
#   | /nfe-as2-PID  policy S2 (file)+----------+      10.99.1.2/24            |
#   |  nfeXXXX 10.99.{0,1}.1/24     |          |                              |
#   +-------------------------------+          +------------------------------+
#
# UDP datagrams of 100 payload bytes = 128 bytes at IPv4.
# Restart: R (default deny; allow udp to 10.99.0.0/24 port 5202 class web):
#   12 allowed + 5 denied, rmdir + mkdir the cgroup, 7 allowed + 3 denied:
#   R counts 19 allowed, 8 denied; class web 19; the rule 19.
# Reload (apply replaces the whole set: R goes away at the first apply):
#   F1: S1 { default deny; K: allow udp to 10.99.0.0/24 port 5202 class internal;
#            D: deny to 10.99.1.0/24; }   S2 { default deny; allow to 10.99.0.0/24 class other; }
#   F2: S1 { default deny; K; D2: deny to 10.99.1.0/25; }     (no S2)
#   F3: F2 + S2 as in F1
#   apply F1, traffic, apply F1 again: nothing changes; apply F2: S1 and K
#   keep their counters, D2 starts at 0, S2 is gone; apply F3: S2 is back
#   at 0.  stats reset S1: S1 (policy, classes, rules) 0 with a reset time,
#   S2 untouched; new traffic counted exactly; stats reset: all 0.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CGR=nfe-asr-$$
CG1=nfe-as1-$$
CG2=nfe-as2-$$
R=/$CGR
S1=/$CG1
S2=/$CG2
B4=$(udp4_bytes 100)
RW="allow udp to 10.99.0.0/24 port $UDP_PORT class web"
K="allow udp to 10.99.0.0/24 port $UDP_PORT class internal"
D="deny to 10.99.1.0/24"
D2="deny to 10.99.1.0/25"
O="allow to 10.99.0.0/24 class other"

require_common
tap_plan 40

cg_create "$CGR"
cg_create "$CG1"
cg_create "$CG2"
setup_server_topology ""
CLEANUP_POLICIES+=("$S1" "$S2")
SNAP=$TMPDIR_TEST/snap
nsnap=0

# snap: a new snapshot of every policy, its name in $S.
snap()
{
	nsnap=$((nsnap + 1))
	S=$SNAP.$nsnap
	acct_snap "$S"
}

# state PATH: "counters|classes|rule p/b;rule p/b..." of PATH in $S.
state()
{
	local r v out=()

	while IFS= read -r r; do
		v=$(acct_rule "$S" "$1" "$r")
		out+=("$r ${v/ //}")
	done < <(acct_rules "$S" "$1")
	local IFS=';'
	echo "$(acct_ctr "$S" "$1")|$(acct_classes "$S" "$1")|${out[*]}"
}

# c4 PACKETS: "PACKETS BYTES" of that many 128-byte packets.
c4() { echo "$1 $(($1 * B4))"; }

# send CGROUP ADDR PORT COUNT EXPECT(ok|EPERM): must give the expected result.
send()
{
	local want

	if [ "$5" = ok ]; then
		want="sent=$4 failed=0 first_errno=none"
	else
		want="sent=0 failed=$4 first_errno=EPERM"
	fi
	check_eq "${1:-/}: $4 to $2:$3 -> $5" "$want" "$(udp_send_port "$1" "$2" "$3" "$4" 100)"
}

# --- restart survival --------------------------------------------------------
policy_add "$R"
# shellcheck disable=SC2086
ectl_must rule add "$R" $RW
send "$CGR" "$SRV4_ALLOW" "$UDP_PORT" 12 ok
send "$CGR" "$SRV4_DENY" "$UDP_PORT" 5 EPERM
cg_destroy "$CGR"
[ ! -d "$(cg_path "$CGR")" ]
tap_result $? "cgroup $R removed"
snap
check_eq "restart: while $R does not exist its policy keeps the counts" \
	"$(c4 12) $(c4 5) 0 0 0 0|web:$(c4 12 | tr ' ' :)|$RW $(c4 12 | tr ' ' /)" "$(state "$R")"
cg_create "$CGR"
send "$CGR" "$SRV4_ALLOW" "$UDP_PORT" 7 ok
send "$CGR" "$SRV4_DENY" "$UDP_PORT" 3 EPERM
snap
check_eq "restart: the re-created cgroup counts on: 19 allowed, 8 denied, class and rule 19" \
	"$(c4 19) $(c4 8) 0 0 0 0|web:$(c4 19 | tr ' ' :)|$RW $(c4 19 | tr ' ' /)" "$(state "$R")"
check_eq "restart: $NF_EGRESS_PROC/stats agrees" "$(c4 19) $(c4 8) 0 0 0 0" "$(acct_proc "$R")"

# --- reload survival -----------------------------------------------------------
cat > "$TMPDIR_TEST/F1.conf" <<EOF
cgroup "$S1" {
	default deny;
	$K;
	$D;
}
cgroup "$S2" {
	default deny;
	$O;
}
EOF
cat > "$TMPDIR_TEST/F2.conf" <<EOF
cgroup "$S1" {
	default deny;
	$K;
	$D2;
}
EOF
{
	cat "$TMPDIR_TEST/F2.conf"
	sed -n "/^cgroup \"${S2//\//\\/}\"/,/^}/p" "$TMPDIR_TEST/F1.conf"
} > "$TMPDIR_TEST/F3.conf"

apply_config "$TMPDIR_TEST/F1.conf" > /dev/null
tap_result $? "apply -f F1" "$(cat "$ECTL_ERR")"
send "$CG1" "$SRV4_ALLOW" "$UDP_PORT" 20 ok
send "$CG1" "$SRV4_DENY" "$UDP_PORT" 6 EPERM
send "$CG1" "$SRV4_ALLOW" 5400 4 EPERM
send "$CG2" "$SRV4_ALLOW" "$UDP_PORT" 10 ok
snap
S1_1="$(c4 20) $(c4 10) 0 0 0 0|internal:$(c4 20 | tr ' ' :)|$K $(c4 20 | tr ' ' /);$D $(c4 6 | tr ' ' /)"
S2_1="$(c4 10) 0 0 0 0 0 0|other:$(c4 10 | tr ' ' :)|$O $(c4 10 | tr ' ' /)"
check_eq "F1: $S1 counters, class, rules exact; $R is gone" "$S1_1|absent" \
	"$(state "$S1")|$(acct_ctr "$S" "$R")"
check_eq "F1: $S2 counters, class, rule exact" "$S2_1" "$(state "$S2")"

apply_config "$TMPDIR_TEST/F1.conf" > /dev/null
tap_result $? "apply -f F1 again" "$(cat "$ECTL_ERR")"
snap
check_eq "F1 again: $S1 counters, classes and rule hits unchanged" "$S1_1" "$(state "$S1")"
check_eq "F1 again: $S2 counters, classes and rule hits unchanged" "$S2_1" "$(state "$S2")"
check_eq "F1 again: reset_time of both still null" "null null" \
	"$(acct_get "$S" "$S1" reset_time) $(acct_get "$S" "$S2" reset_time)"

apply_config "$TMPDIR_TEST/F2.conf" > /dev/null
tap_result $? "apply -f F2 (S1 kept, its deny rule changed; S2 removed)" "$(cat "$ECTL_ERR")"
snap
check_eq "F2: $S1 keeps its counters and class, kept rule keeps its hits, changed rule at 0" \
	"$(c4 20) $(c4 10) 0 0 0 0|internal:$(c4 20 | tr ' ' :)|$K $(c4 20 | tr ' ' /);$D2 0/0" \
	"$(state "$S1")"
check_eq "F2: $S2 is gone" absent "$(acct_ctr "$S" "$S2")"
send "$CG1" "$SRV4_DENY" "$UDP_PORT" 3 EPERM
snap
check_eq "F2: the changed rule counts new hits from 0" \
	"$(c4 20) $(c4 13) 0 0 0 0|internal:$(c4 20 | tr ' ' :)|$K $(c4 20 | tr ' ' /);$D2 $(c4 3 | tr ' ' /)" \
	"$(state "$S1")"
S1_2=$(state "$S1")

apply_config "$TMPDIR_TEST/F3.conf" > /dev/null
tap_result $? "apply -f F3 (S2 added back)" "$(cat "$ECTL_ERR")"
snap
check_eq "F3: $S2 added back starts at 0 (counters, classes, rule), reset_time null" \
	"0 0 0 0 0 0 0 0|-|$O 0/0 null" "$(state "$S2") $(acct_get "$S" "$S2" reset_time)"
check_eq "F3: $S1 unchanged" "$S1_2" "$(state "$S1")"
send "$CG2" "$SRV4_ALLOW" "$UDP_PORT" 5 ok

# --- stats reset -----------------------------------------------------------------
t0=$(date +%s)
ectl stats reset "$S1" > /dev/null
tap_result $? "egressctl stats reset $S1" "$(cat "$ECTL_ERR")"
t1=$(date +%s)
snap
check_eq "reset $S1: counters, classes and rule hits 0" \
	"0 0 0 0 0 0 0 0|-|$K 0/0;$D2 0/0" "$(state "$S1")"
rt=$(acct_get "$S" "$S1" reset_time)
[[ "$rt" =~ ^[0-9]+$ ]] && [ "$rt" -ge "$t0" ] && [ "$rt" -le "$t1" ]
tap_result $? "reset $S1: reset_time $rt is the time of the reset ($t0..$t1)"
check_eq "reset $S1: $S2 untouched (5 allowed, class, rule, reset_time null)" \
	"$(c4 5) 0 0 0 0 0 0|other:$(c4 5 | tr ' ' :)|$O $(c4 5 | tr ' ' /) null" \
	"$(state "$S2") $(acct_get "$S" "$S2" reset_time)"
check_eq "reset $S1: $NF_EGRESS_PROC/stats shows 0 for $S1" "0 0 0 0 0 0 0 0" "$(acct_proc "$S1")"
send "$CG1" "$SRV4_ALLOW" "$UDP_PORT" 8 ok
send "$CG1" "$SRV4_DENY" "$UDP_PORT" 2 EPERM
snap
check_eq "after the reset $S1 counts new traffic exactly" \
	"$(c4 8) $(c4 2) 0 0 0 0|internal:$(c4 8 | tr ' ' :)|$K $(c4 8 | tr ' ' /);$D2 $(c4 2 | tr ' ' /) $rt" \
	"$(state "$S1") $(acct_get "$S" "$S1" reset_time)"

ECTL_QUIET=1 ectl stats reset "/nfe-asnone-$$" > /dev/null
check_eq "stats reset of a path without a policy: the kernel refuses, exit 2" 2 $?

t0=$(date +%s)
ectl stats reset > /dev/null
tap_result $? "egressctl stats reset (every policy)" "$(cat "$ECTL_ERR")"
t1=$(date +%s)
snap
check_eq "reset all: $S1 and $S2 at 0 (counters, classes, rule hits)" \
	"0 0 0 0 0 0 0 0|-|$K 0/0;$D2 0/0 0 0 0 0 0 0 0 0|-|$O 0/0" "$(state "$S1") $(state "$S2")"
ok=0
for p in "$S1" "$S2"; do
	rt=$(acct_get "$S" "$p" reset_time)
	{ [[ "$rt" =~ ^[0-9]+$ ]] && [ "$rt" -ge "$t0" ] && [ "$rt" -le "$t1" ]; } || ok=1
done
tap_result $ok "reset all: both reset_time are the time of the reset ($t0..$t1)" \
	"$(grep -F reset_time "$S")"

tap_done
