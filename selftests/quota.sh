#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Byte quotas from a policy file, end to end with egressctl: check, apply,
# show --config round trip, the deny action with the fast errors (UDP
# EPERM, TCP ECONNREFUSED at once), the events egressctl monitor prints,
# a class kept allowed once the quota is used up, a quota of one class,
# and a slice's quota over its child.
#
#   client netns (cgroups below)              server netns
#   +-------------------------------+  veth  +---------------------------+
#   | veth0 10.99.0.1/24            |--------| eth0 10.99.0.2/24         |
#   |  /nfe-qd-PID     quota deny    |        |  TCP listener :5201       |
#   |  /nfe-qx-PID     deny, exempt  |        |  UDP 9, 10: nobody (ICMP  |
#   |  /nfe-qc-PID     class quota   |        |  unreachable, ignored by  |
#   |  /nfe-qs-PID     slice quota   |        |  an unconnected sender)   |
#   |    /child        its own rules |        +---------------------------+
#   |  /nfe-qy-PID     default deny  |  (monitor sync)
#   +-------------------------------+
#
# Every datagram is 100 bytes of payload, 128 at the IP layer: a quota of
# 5000 bytes is used up by the 40th (5120), one of 1000 by the 8th (1024);
# the packet that uses a quota up still leaves.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

require_common
tap_plan 39

QD=nfe-qd-$$
QX=nfe-qx-$$
QC=nfe-qc-$$
QS=nfe-qs-$$
QY=nfe-qy-$$
SRV=10.99.0.2
for cg in "$QD" "$QX" "$QC" "$QS" "$QS/child" "$QY"; do
	cg_create "$cg"
done
CLEANUP_POLICIES+=("/$QD" "/$QX" "/$QC" "/$QS" "/$QS/child" "/$QY")
setup_measured_link qt "$SRV"
# shellcheck disable=SC2034 # read by client_exec (lib.sh)
CLIENT_NS=$CLI_NS
start_tcp_listener "$TCP_PORT"
busywait 10000 tcp_listening "$SRV_NS" "$TCP_PORT" || bail_out "no TCP listener"

# Periods that start a minute before the test (on a whole minute), so that
# no boundary of the wall clock's falls inside it: hourly quotas without a
# start would roll over on the hour, whenever the test runs.
ANCHOR=$(( ($(date +%s) - 60) / 60 * 60 ))
START=$(date -u -d "@$ANCHOR" +%Y-%m-%dT%H:%MZ)
START_X=$(date -u -d "@$((ANCHOR + 3600))" +%Y-%m-%dT%H:%M+01:00)
HOUR="per hour start $START"
CONF=$TMPDIR_TEST/quota.conf
cat > "$CONF" <<CONF
cgroup "/$QC" {
	mode enforce;
	default deny;
	quota 1000 per hour class cdn start $START then deny;
	allow udp to $SRV/32 port 9 class cdn;
	allow udp to $SRV/32 port 10;
}

cgroup "/$QD" {
	mode enforce;
	default deny;
	quota 5000 $HOUR warn 50%,80% then deny;
	allow udp to $SRV/32 port 9;
	allow tcp to $SRV/32 port $TCP_PORT;
}

cgroup "/$QS" {
	mode enforce;
	default allow;
	quota 1000 $HOUR then deny;
}

cgroup "/$QS/child" {
	mode enforce;
	default deny;
	allow udp to $SRV/32 port 9;
}

cgroup "/$QX" {
	mode enforce;
	default deny;
	quota 1000 per day start $START_X warn 10% then deny allow class internal;
	allow udp to $SRV/32 port 9 class internal;
	allow udp to $SRV/32 port 10;
}

cgroup "/$QY" {
	mode enforce;
	default deny;
}
CONF

ectl check -f "$CONF" > /dev/null
tap_result $? "check -f accepts the quotas" "$(cat "$ECTL_ERR")"
ectl apply -f "$CONF" > /dev/null
tap_result $? "apply -f with quotas" "$(cat "$ECTL_ERR")"
# The file is in the canonical form, its policies by path: show --config
# (the whole set, which the apply replaced) gives it back byte for byte.
check_eq "show --config gives the file back" "$(cat "$CONF")" "$(ectl show --config)"

# The monitor has joined once it prints a deny of the sync cgroup.
MON=$TMPDIR_TEST/monitor.txt
"$EGRESSCTL" monitor > "$MON" 2> "$MON.err" &
register_pid $!
monitor_synced()
{
	client_exec "$QY" "$PROBE" udp-send "$SRV" 9 1 16 > /dev/null 2>&1
	grep -q " policy /$QY " "$MON"
}
busywait 20000 monitor_synced || bail_out "the monitor shows no event: $(cat "$MON.err")"

quota_used()
{
	ectl -j show "$1" | json_eval '" ".join(str(q["used"]) + ":" + str(q["used_up"]) for q in d[0]["quotas"])'
}

# --- the deny action -------------------------------------------------------
check_eq "60 datagrams against 5000 bytes an hour: 40 leave, then EPERM" \
	"sent=40 failed=20 first_errno=EPERM" \
	"$(client_exec "$QD" "$PROBE" udp-send "$SRV" 9 60 100 2>&1)"
tcp_probe_port "$QD" "$SRV" "$TCP_PORT" 3000
check_eq "TCP once the quota is used up: ECONNREFUSED" ECONNREFUSED "$TCP_RESULT"
((TCP_US < 100000))
tap_result $? "the refused connect fails in under 100 ms" "elapsed ${TCP_US} us"
check_eq "show -j: 5120 bytes used, used up" "5120:True" "$(quota_used "/$QD")"
check_eq "stats: 40 datagrams allowed (5120 bytes), 21 packets denied" "40 5120 21" \
	"$(stats_full "/$QD" | cut -d' ' -f1-3)"

quota_events()
{
	grep -F " quota /$QD " "$MON" | cut -d' ' -f2-
}
quota_events_are()
{
	[ "$(quota_events | wc -l)" -ge "$1" ]
}
busywait 5000 quota_events_are 3
sleep 0.2
check_eq "monitor: warn 50% at 2560, 80% at 4096, used up at 5120, once each" \
	"quota /$QD warn 50% used 2560 of 5000 (quota 5000 $HOUR warn 50%,80% then deny)
quota /$QD warn 80% used 4096 of 5000 (quota 5000 $HOUR warn 50%,80% then deny)
quota /$QD used-up used 5120 of 5000 then deny (quota 5000 $HOUR warn 50%,80% then deny)" \
	"$(quota_events)"

check_eq "monitor: the quota's denials say so, after the rule that allowed" "20" \
	"$(grep -c -F " deny /$QD policy /$QD rule 1 quota udp " "$MON")"
check_eq "explain names the used-up quota that denies" \
	"  /$QD  enforce  rule 1 allow udp to $SRV/32 port 9  -> deny (quota 5000 $HOUR warn 50%,80% then deny: used up, 5120 of 5000 bytes)
verdict: deny" \
	"$(ectl explain "/$QD" "$SRV" proto udp port 9 | tail -n 2)"

# --- deny with a class kept allowed ----------------------------------------
check_eq "deny allow class internal: 20 to the other class, 8 leave" \
	"sent=8 failed=12 first_errno=EPERM" \
	"$(client_exec "$QX" "$PROBE" udp-send "$SRV" 10 20 100 2>&1)"
check_eq "the class kept allowed still leaves, and counts" \
	"sent=5 failed=0 first_errno=none 1664:True" \
	"$(client_exec "$QX" "$PROBE" udp-send "$SRV" 9 5 100 2>&1) $(quota_used "/$QX")"
busywait 5000 grep -q " quota /$QX used-up" "$MON"
check_eq "monitor: the exempt policy's warn at 10% and used up, once each" \
	"warn 10% used 128 of 1000
used-up used 1024 of 1000 then deny" \
	"$(grep -F " quota /$QX " "$MON" | sed 's/.* quota [^ ]* \(.*\) (quota.*/\1/')"

check_eq "explain: the exempt class is allowed, the other denied by the quota" \
	"allow deny 1664" \
	"$(ectl -j explain "/$QX" "$SRV" proto udp port 9 | json_eval 'd["verdict"]') $(ectl -j explain "/$QX" "$SRV" proto udp port 10 | json_eval 'd["verdict"], d["levels"][0]["quota"]["used"]')"

# --- a quota of one class --------------------------------------------------
check_eq "class quota: the other class is neither counted nor capped" \
	"sent=20 failed=0 first_errno=none 0:False" \
	"$(client_exec "$QC" "$PROBE" udp-send "$SRV" 10 20 100 2>&1) $(quota_used "/$QC")"
check_eq "class quota: its class is capped at 1000 bytes" \
	"sent=8 failed=12 first_errno=EPERM 1024:True" \
	"$(client_exec "$QC" "$PROBE" udp-send "$SRV" 9 20 100 2>&1) $(quota_used "/$QC")"

# --- a slice's quota covers its children -----------------------------------
check_eq "the slice's quota caps its child" \
	"sent=8 failed=12 first_errno=EPERM 1024:True" \
	"$(client_exec "$QS/child" "$PROBE" udp-send "$SRV" 9 20 100 2>&1) $(quota_used "/$QS")"

# --- errors ------------------------------------------------------------------
BAD=$TMPDIR_TEST/bad.conf
printf 'cgroup "/%s" {\n quota 5g per year;\n}\n' "$QD" > "$BAD"
ECTL_QUIET=1 ectl check -f "$BAD" > /dev/null
check_eq "check -f: a bad period, with its position" \
	"1 egressctl: $BAD:2:15: invalid period 'year' (hour, day, week or month)" \
	"$? $(cat "$ECTL_ERR")"
printf 'cgroup "/%s" {\n quota 1g per month;\n quota 2g per week;\n}\n' "$QD" > "$BAD"
ECTL_QUIET=1 ectl check -f "$BAD" > /dev/null
check_eq "check -f: two quotas for all bytes" \
	"1 egressctl: $BAD:3:2: duplicate quota for all bytes (first at 2:2); a second one needs a class" \
	"$? $(cat "$ECTL_ERR")"

# --- quota show, reset ------------------------------------------------------
check_eq "quota show -j: every quota with its usage" \
	"/$QC:cdn:1024 /$QD:None:5120 /$QS:None:1024 /$QX:None:1664" \
	"$(ectl quota show -j | json_eval '" ".join("%s:%s:%d" % (q["cgroup"], q["class"], q["used"]) for q in d)')"
ectl quota reset "/$QC" class cdn > /dev/null
tap_result $? "quota reset of one class's quota" "$(cat "$ECTL_ERR")"
check_eq "after the reset: the class leaves again, 3 datagrams counted" \
	"sent=3 failed=0 first_errno=none 384:False" \
	"$(client_exec "$QC" "$PROBE" udp-send "$SRV" 9 3 100 2>&1) $(quota_used "/$QC")"

# --- metrics ------------------------------------------------------------------
MET=$TMPDIR_TEST/metrics
ectl metrics > "$MET"
check_eq "metrics: usage, limit and state of each quota" \
	"nf_egress_quota_used_bytes{cgroup=\"/$QC\",class=\"cdn\",period=\"hour\"} 384
nf_egress_quota_used_bytes{cgroup=\"/$QD\",class=\"\",period=\"hour\"} 5120
nf_egress_quota_limit_bytes{cgroup=\"/$QD\",class=\"\",period=\"hour\"} 5000
nf_egress_quota_used_up{cgroup=\"/$QC\",class=\"cdn\",period=\"hour\"} 0
nf_egress_quota_used_up{cgroup=\"/$QD\",class=\"\",period=\"hour\"} 1" \
	"$(grep -E "^nf_egress_quota_(used_bytes|limit_bytes|used_up)\{cgroup=\"/($QC|$QD)\"" "$MET" |
		grep -v "limit_bytes{cgroup=\"/$QC\"")"
check_promtool "promtool check metrics accepts the quota families" "$MET"

# --- cost -----------------------------------------------------------------------
# Prices per GB (10^9 bytes) large enough that a few KB cost something.
PRICES=$TMPDIR_TEST/prices
printf '# test prices\nunit GB\ncdn 1000000\ndefault 250000.5\n' > "$PRICES"
check_eq "cost: each quota's bytes at its class's price, rounded to a millionth" \
	"/$QC:cdn:384:0.384000 /$QD:None:5120:1.280003 /$QS:None:1024:0.256001 /$QX:None:1664:0.416001 total 8192 2.336005" \
	"$(ectl -j cost --price-file "$PRICES" | json_eval '" ".join("%s:%s:%d:%s" % (r["cgroup"], r["class"], r["bytes"], r["cost"]) for r in d["rows"]) + " total %d %s" % (d["total_bytes"], d["total_cost"])')"
check_eq "cost --period last: nothing before the first period" "0 0.000000" \
	"$(ectl -j cost --price-file "$PRICES" --period last | json_eval 'd["total_bytes"], d["total_cost"]')"

# --- save, module reload, restore --------------------------------------------
USAGE=$TMPDIR_TEST/usage
ectl quota save "$USAGE" > /dev/null
tap_result $? "quota save" "$(cat "$ECTL_ERR")"
check_eq "the saved file: each quota's usage in its period" \
	"\"/$QC\" cdn hour $ANCHOR 0 384
\"/$QD\" - hour $ANCHOR 0 5120
\"/$QS\" - hour $ANCHOR 0 1024
\"/$QX\" - day $ANCHOR 3600 1664" \
	"$(grep '^"' "$USAGE" | awk '{ print $1, $2, $3, $4, $5, $7 }')"
ECTL_QUIET=1 ectl quota restore "$USAGE" > /dev/null
check_eq "a restore into the count it was saved from is refused (it holds the bytes)" \
	"2 egressctl: quota restore: $USAGE:4: /$QD: Operation already in progress: nf_egress: the usage is this quota's own: it holds the bytes already 5120:True" \
	"$? $(grep -F ": /$QD:" "$ECTL_ERR") $(quota_used "/$QD")"
# The policy dump that carries the usage is open to every user; only
# rules need CAP_NET_ADMIN, and save lists none: nf-egress-quota-save.service
# saves without any capability.
setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
	"$EGRESSCTL" quota save "$USAGE.nocap" > /dev/null 2> "$USAGE.nocap.err"
rc=$?
check_eq "quota save without CAP_NET_ADMIN: the same usage" \
	"0 $(grep '^"' "$USAGE")" "$rc $(grep '^"' "$USAGE.nocap" 2>&1)$(cat "$USAGE.nocap.err")"
rmmod nf_egress && modprobe nf_egress
tap_result $? "rmmod and modprobe nf_egress"
ectl apply -f "$CONF" > /dev/null || bail_out "apply after the reload: $(cat "$ECTL_ERR")"
check_eq "a fresh module starts from zero" "0:False" "$(quota_used "/$QD")"
ectl quota restore "$USAGE" > /dev/null
tap_result $? "quota restore" "$(cat "$ECTL_ERR")"
check_eq "restored: usage continues, the used-up quota denies again" \
	"5120:True 384:False sent=0 failed=1 first_errno=EPERM" \
	"$(quota_used "/$QD") $(quota_used "/$QC") $(client_exec "$QD" "$PROBE" udp-send "$SRV" 9 1 100 2>&1)"
ECTL_QUIET=1 ectl quota restore "$USAGE" > /dev/null
check_eq "a second restore in the same period is refused" \
	"2 egressctl: quota restore: $USAGE:4: /$QD: Operation already in progress: nf_egress: this period's usage was restored already" \
	"$? $(grep -F ": /$QD:" "$ECTL_ERR")"
awk '/^"/ { $6 = $6 - 3600 } { print }' "$USAGE" > "$USAGE.old"
ECTL_QUIET=1 ectl quota restore "$USAGE.old" > /dev/null
check_eq "a file from another period is refused, with the reason" \
	"2 egressctl: quota restore: $USAGE.old:3: /$QC class cdn: Stale file handle: nf_egress: the usage was saved in another period" \
	"$? $(grep -F ": /$QC class cdn:" "$ECTL_ERR")"

# --- a limit lowered below the usage ----------------------------------------
MON2=$TMPDIR_TEST/monitor2.txt
"$EGRESSCTL" monitor > "$MON2" 2> "$MON2.err" &
register_pid $!
monitor2_synced()
{
	client_exec "$QY" "$PROBE" udp-send "$SRV" 9 1 16 > /dev/null 2>&1
	grep -q " policy /$QY " "$MON2"
}
busywait 20000 monitor2_synced || bail_out "the second monitor shows no event: $(cat "$MON2.err")"
sed 's/quota 1000 per hour class cdn/quota 300 per hour class cdn/' "$CONF" > "$CONF.lower"
ectl apply -f "$CONF.lower" > /dev/null || bail_out "apply of the lower limit: $(cat "$ECTL_ERR")"
busywait 5000 grep -q " quota /$QC " "$MON2"
check_eq "a limit lowered below the usage sends the used-up event at once; the usage stays" \
	"quota /$QC used-up used 384 of 300 then deny (quota 300 per hour class cdn start $START then deny) 384:True" \
	"$(grep -F " quota /$QC " "$MON2" | cut -d' ' -f2-) $(quota_used "/$QC")"

# --- period rollover, in the debug build -----------------------------------
param=/sys/module/nf_egress/parameters/quota_clock_offset
if [ -w "$param" ]; then
	echo 3600 > "$param"
	on_cleanup "echo 0 > $param"
	check_eq "an hour later: a new period lifts the deny, 10 leave" \
		"sent=10 failed=0 first_errno=none 1280:False" \
		"$(client_exec "$QD" "$PROBE" udp-send "$SRV" 9 10 100 2>&1) $(quota_used "/$QD")"
	echo 0 > "$param"
else
	tap_fail "an hour later: a new period lifts the deny" "no $param (not a debug build)"
fi
