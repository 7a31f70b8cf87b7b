#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Quotas of templates: every instance of a template with a quota counts its
# own usage, crosses its own warnings and is used up alone; quota events
# and quota show name the instance and its template; quota reset of an
# instance's path resets that instance only; a change of the template's
# quotas (policy-set through the kernel's ynl CLI, then an apply -f that
# keeps the pattern) keeps each instance's usage, and an instance made
# afterwards gets the new limit; quota save writes each instance's usage,
# and quota restore to an instance whose cgroup has not sent yet (after a
# reboot) makes the instance.
#
#   root netns                                     $SRV_NS
#   +-----------------------------------+          +--------------------------+
#   | /nfe-tqt-PID/a1, a2, a3 (T)       |          |                          |
#   | /nfe-tqy-PID  (exact; monitor     |   veth   | eth0 10.99.0.2/24        |
#   |                sync, default deny)+----------+      (UDP port 9: none)  |
#   |  nfeXXXX 10.99.{0,1}.1/24         |          |                          |
#   +-----------------------------------+          +--------------------------+
#
#   T "/nfe-tqt-PID/*": default allow;
#                       quota 1280 per hour start S warn 50% then deny
#
# Datagrams are 100 bytes of payload, 128 at the IP layer: 10 of them use
# a 1280-byte quota up, and the packet that does still leaves.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

require_common
tap_plan 18

G=nfe-tqt-$$
Y=nfe-tqy-$$
T="/$G/*"
SRV=10.99.0.2
YNL_DIR=${NF_EGRESS_YNL:-$NF_EGRESS_SRC/.vm/ynl}
SPEC=$NF_EGRESS_SRC/Documentation/netlink/specs/nf_egress.yaml
[ -r "$YNL_DIR/cli.py" ] ||
	bail_out "no ynl in $YNL_DIR (scripts/vm/check installs it with scripts/vm/fetch-ynl)"
for cg in "$G" "$G/a1" "$G/a2" "$G/a3" "$Y"; do
	cg_create "$cg"
done
setup_server_topology ""

# Periods that start a minute before the test, on a whole minute: no hour
# boundary of the wall clock's falls inside it.
ANCHOR=$(( ($(date +%s) - 60) / 60 * 60 ))
START=$(date -u -d "@$ANCHOR" +%Y-%m-%dT%H:%MZ)
HOUR="per hour start $START"
CONF=$TMPDIR_TEST/tq.conf
write_conf()
{
	cat > "$CONF" <<CONF
cgroup "/$Y" {
	mode enforce;
	default deny;
}

cgroup "$T" {
	mode enforce;
	default allow;
	quota $1 $HOUR warn 50% then deny;
}
CONF
}
write_conf 1280
ectl apply -f "$CONF" > /dev/null
tap_result $? "apply -f: a template with a quota" "$(cat "$ECTL_ERR")"

MON=$TMPDIR_TEST/monitor.json
"$EGRESSCTL" -j monitor > "$MON" 2> "$MON.err" &
register_pid $!
monitor_synced()
{
	udp_send "$Y" "$SRV" 1 16 > /dev/null
	monitor_has 'e.get("policy") == a[0]' "/$Y"
}
busywait 20000 monitor_synced || bail_out "the monitor shows no event: $(cat "$MON.err")"

# send CGROUP COUNT: COUNT datagrams of 100 bytes to $SRV port 9.
send()
{
	client_exec "$1" "$PROBE" udp-send "$SRV" 9 "$2" 100 2>&1
}

# instance_quotas: "PATH:LIMIT:USED:USED_UP ..." of the instances' quotas
# (quota show -j), by path.
instance_quotas()
{
	ectl quota show -j | json_eval '" ".join(sorted("%s:%d:%d:%s" % (q["cgroup"],
		q["limit"], q["used"], q["used_up"]) for q in d
		if q.get("template") == a[0]))' "$T"
}

# --- each instance its own usage -------------------------------------------
check_eq "a1: 12 datagrams against 1280 bytes: 10 leave, then EPERM" \
	"sent=10 failed=2 first_errno=EPERM" "$(send "$G/a1" 12)"
check_eq "a2: 5 datagrams leave (a quota of its own)" \
	"sent=5 failed=0 first_errno=none" "$(send "$G/a2" 5)"
check_eq "quota show -j: a1 used up at 1280, a2 at 640, each with its template" \
	"/$G/a1:1280:1280:True /$G/a2:1280:640:False" "$(instance_quotas)"
check_eq "the template's own quota counted nothing" 0 \
	"$(ectl quota show -j | json_eval '[q["used"] for q in d if q["cgroup"] == a[0]][0]' "$T")"

QEV='e.get("event") == "quota" and e["policy"] == a[0]'
QOUT='"%s:%d:%d" % (e.get("template"), e["crossed"], e["used"])'
quota_events_at_least()
{
	[ "$(monitor_count "$QEV" "$1")" -ge "$2" ]
}
busywait 5000 quota_events_at_least "/$G/a1" 2
busywait 5000 quota_events_at_least "/$G/a2" 1
check_eq "monitor: a1 warns at 50% (640) and is used up (1280), naming its template" \
	"$T:50:640 $T:100:1280" "$(monitor_select "$QEV" "$QOUT" "/$G/a1" | paste -sd ' ')"
check_eq "monitor: a2 warns at 50% (640) only" \
	"$T:50:640" "$(monitor_select "$QEV" "$QOUT" "/$G/a2" | paste -sd ' ')"

# --- reset of one instance -------------------------------------------------
ectl quota reset "/$G/a1" > /dev/null
tap_result $? "quota reset of a1's path" "$(cat "$ECTL_ERR")"
check_eq "after the reset: a1 sends again; a2 keeps its usage" \
	"sent=1 failed=0 first_errno=none /$G/a1:1280:128:False /$G/a2:1280:640:False" \
	"$(send "$G/a1" 1) $(instance_quotas)"

# --- the template's quota changed: each instance keeps its usage -----------
python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --do policy-set --json \
	"{\"cgroup-path\": \"$T\", \"quota\": [{\"limit\": 2560, \"period\": \"hour\", \"anchor\": $ANCHOR, \"utc-offset\": 0, \"warn\": [50], \"action\": \"deny\"}]}" \
	> "$TMPDIR_TEST/ynl.out" 2>&1
tap_result $? "ynl policy-set: the template's limit to 2560" "$(cat "$TMPDIR_TEST/ynl.out")"
check_eq "policy-set: each instance has the new limit and its own usage" \
	"/$G/a1:2560:128:False /$G/a2:2560:640:False" "$(instance_quotas)"
check_eq "a2: 20 datagrams against its 2560: 15 leave" \
	"sent=15 failed=5 first_errno=EPERM" "$(send "$G/a2" 20)"

write_conf 3840
ectl apply -f "$CONF" > /dev/null
tap_result $? "apply -f: the same template, limit 3840" "$(cat "$ECTL_ERR")"
check_eq "after the apply: each instance has the new limit and its own usage" \
	"/$G/a1:3840:128:False /$G/a2:3840:2560:False" "$(instance_quotas)"
check_eq "a3, made after: 1 datagram, its own quota at 3840" \
	"sent=1 failed=0 first_errno=none /$G/a1:3840:128:False /$G/a2:3840:2560:False /$G/a3:3840:128:False" \
	"$(send "$G/a3" 1) $(instance_quotas)"

# --- quota save and restore: instances by their paths ------------------------
USAGE=$TMPDIR_TEST/usage
ectl quota save "$USAGE" > /dev/null
check_eq "quota save: each instance's usage on a line of its own" \
	"\"/$G/a1\" - hour $ANCHOR 0 128
\"/$G/a2\" - hour $ANCHOR 0 2560" \
	"$(grep -F "\"/$G/a" "$USAGE" | cut -d' ' -f1-5,7 | sort | head -n 2)"

# After a reboot an instance's cgroup may not have sent yet: the restore
# makes its instance (a4 never sent; the usage saved for a2 goes to it).
{
	grep -v '^"' "$USAGE"
	grep -F "\"/$G/a2\"" "$USAGE" | sed "s|\"/$G/a2\"|\"/$G/a4\"|"
} > "$USAGE.a4"
ectl quota restore "$USAGE.a4" > /dev/null
tap_result $? "quota restore to a4, which has no instance yet" "$(cat "$ECTL_ERR")"
check_eq "a4's instance exists, its quota holds the restored usage" \
	"/$G/a1:3840:128:False /$G/a2:3840:2560:False /$G/a3:3840:128:False /$G/a4:3840:2560:False" \
	"$(instance_quotas)"

tap_done
