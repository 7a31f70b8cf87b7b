#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An instance's last word: when a template's instance goes (its cgroup
# stayed gone for the keep time, or the template was deleted), the
# INSTANCE_GONE series carries its final counters and then every rule of
# the template it hit with its own hits of it, lowest id first, in as many
# messages as they need; beyond NF_EGRESS_GONE_RULES_MAX (4096) rules the
# first message says how many were left out.  `egressctl -j monitor` shows
# the series: one instance-gone object, then one instance-gone-rule object
# per rule, their indexes 0, 1, 2... with no gap.
#
#   root netns                                     $SRV_NS
#   +-----------------------------------+          +--------------------------+
#   | /nfe-tg-PID/s1, sync (template A) |          | udp-recv :: 5202         |
#   | /nfe-tgw-PID/w1   (template W)    |   veth   |                          |
#   |  nfeXXXX 10.99.{0,1}.1/24         +----------+ eth0 10.99.0.2/24        |
#   |  10.99.64.0/19 via 10.99.0.2      |          |      10.99.1.2/24        |
#   +-----------------------------------+          +--------------------------+
#
#   A "/nfe-tg-PID/*":  default deny; keep 0; allow udp to 10.99.1.2 (class
#                       tg-a); allow udp to 10.99.0.2; deny to 198.51.100.0/24
#   W "/nfe-tgw-PID/*": default deny; keep 0; 4097 rules allow udp to one
#                       address each of 10.99.64.0 ...
#
# s1 sends 2 datagrams to 10.99.1.2 and 1 to 10.99.0.2 (UDP 100 bytes = 128
# bytes at IPv4): 2 hit rules, exact hits, the deny rule absent.  w1 sends
# one datagram to each of W's 4097 addresses: 4096 rules in the series,
# 1 omitted, the instance's totals 4097 packets.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

G=nfe-tg-$$
W=nfe-tgw-$$
A="/$G/*"
TW="/$W/*"
B4=128
WRULES=4097
GONE_RULES_MAX=4096
MON=$TMPDIR_TEST/monitor.json

require_common
tap_plan 15

cg_create "$G"
cg_create "$W"
setup_server_topology ""
ip route add 10.99.64.0/19 via 10.99.0.2 dev "$CLIENT_DEV" ||
	bail_out "cannot route 10.99.64.0/19"

python3 - "$A" "$TW" "$WRULES" > "$TMPDIR_TEST/gone.conf" <<'EOF'
import ipaddress, sys
a, w, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
print('cgroup "%s" {\n\tdefault deny;\n\tinstances keep 0;' % a)
print('\tallow udp to 10.99.1.2 class tg-a;')
print('\tallow udp to 10.99.0.2;')
print('\tdeny to 198.51.100.0/24;\n}')
print('cgroup "%s" {\n\tdefault deny;\n\tinstances keep 0;' % w)
base = ipaddress.IPv4Address("10.99.64.0")
for i in range(n):
    print('\tallow udp to %s;' % (base + i))
print('}')
EOF
apply_config "$TMPDIR_TEST/gone.conf" > /dev/null
tap_result $? "apply -f: template A (3 rules) and W ($WRULES rules)"

# rule_ids PATTERN: the ids of PATTERN's rules, in the file's order.
rule_ids()
{
	ectl -j show "$1" |
		json_eval '" ".join(str(r["id"]) for r in d[0]["rules"])'
}
read -r -a AIDS <<< "$(rule_ids "$A")"
mapfile -t WIDS < <(rule_ids "$TW" | tr ' ' '\n')
check_eq "A's and W's rule ids" "3 $WRULES" "${#AIDS[@]} ${#WIDS[@]}"

"$EGRESSCTL" -j monitor > "$MON" 2> "$MON.err" &
register_pid $!
# The monitor listens once it shows a deny (TCP: no rule allows it) from a
# cgroup of A's that stays.
cg_create "$G/sync"
sync_monitor()
{
	client_exec "$G/sync" "$PROBE" tcp-connect "$SRV4_ALLOW" "$TCP_PORT" \
		--timeout-ms 200 > /dev/null 2>&1
	monitor_has 'e.get("policy") == a[0]' "/$G/sync"
}
busywait 20000 sync_monitor || bail_out "the monitor shows no event: $(cat "$MON.err")"

GONE='e.get("event") == "instance-gone" and e["cgroup"] == a[0]'
GRULE='e.get("event") == "instance-gone-rule" and e["cgroup"] == a[0]'

# gone_rules_at_least CGROUP N: the monitor shows N instance-gone-rule
# events of CGROUP's instance or more.
gone_rules_at_least()
{
	[ "$(monitor_count "$GRULE" "$1")" -ge "$2" ]
}

# --- two rules hit: both follow the counters, in id order ------------------
cg_create "$G/s1"
check_udp "s1: 2 datagrams to $SRV4_DENY (rule 1)" "$G/s1" "$SRV4_DENY" 2 100 \
	"sent=2 failed=0 first_errno=none"
check_udp "s1: 1 datagram to $SRV4_ALLOW (rule 2)" "$G/s1" "$SRV4_ALLOW" 1 100 \
	"sent=1 failed=0 first_errno=none"
cg_destroy "$G/s1"
busywait 15000 monitor_has "$GONE" "/$G/s1"
tap_result $? "keep 0: s1's instance goes, with an instance-gone event"
check_eq "instance-gone: s1's totals, 2 hit rules, none omitted" \
	"3 $((3 * B4)) 2 False" \
	"$(monitor_select "$GONE" '"%d %d %d %s" % (e["allowed"]["packets"], e["allowed"]["bytes"], e["hit_rules"], "hit_rules_omitted" in e)' "/$G/s1")"
busywait 5000 gone_rules_at_least "/$G/s1" 2
GRULE_OUT='"%d:%d:%s:%d:%d" % (e["index"], e["rule"]["id"], e["rule"].get("class", "-"), e["packets"], e["bytes"])'
check_eq "instance-gone-rule: rule 1 (class tg-a) 2 hits, then rule 2 1 hit, indexes 0 and 1" \
	"0:${AIDS[0]}:tg-a:2:$((2 * B4)) 1:${AIDS[1]}:-:1:$B4" \
	"$(monitor_select "$GRULE" "$GRULE_OUT" "/$G/s1" | paste -sd ' ')"
check_eq "the series names the template on every message" 0 \
	"$(monitor_count "($GONE or $GRULE)"' and e["template"] != a[1]' "/$G/s1" "$A")"

check_eq "monitor: instance-gone precedes its rules" "instance-gone" \
	"$(monitor_select "($GONE or $GRULE)" 'e["event"]' "/$G/s1" | head -n 1)"

# --- more hit rules than a series carries ----------------------------------
cg_create "$W/w1"
got=$(client_exec "$W/w1" python3 -c '
import ipaddress, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
base = ipaddress.IPv4Address("10.99.64.0")
sent = 0
for i in range(int(sys.argv[1])):
    s.sendto(b"x" * 100, (str(base + i), int(sys.argv[2])))
    sent += 1
print("sent=%d" % sent)
' "$WRULES" "$UDP_PORT" 2>&1)
check_eq "w1: one datagram to each of W's $WRULES addresses" "sent=$WRULES" "$got"
check_eq "w1's instance counted them" "$WRULES $((WRULES * B4))" \
	"$(ectl -j stats "/$W/w1" | json_eval '"%d %d" % (d[0]["allowed"]["packets"], d[0]["allowed"]["bytes"])')"
cg_destroy "$W/w1"
busywait 15000 monitor_has "$GONE" "/$W/w1"
tap_result $? "keep 0: w1's instance goes"
check_eq "instance-gone: $GONE_RULES_MAX hit rules, $((WRULES - GONE_RULES_MAX)) omitted" \
	"$GONE_RULES_MAX $((WRULES - GONE_RULES_MAX))" \
	"$(monitor_select "$GONE" '"%d %s" % (e["hit_rules"], e.get("hit_rules_omitted"))' "/$W/w1")"
busywait 10000 gone_rules_at_least "/$W/w1" "$GONE_RULES_MAX"
# Every index once, in order, each the rule of the same place among the
# lowest ids, 1 hit each: no message lost, none repeated.
check_eq "instance-gone-rule: indexes 0..$((GONE_RULES_MAX - 1)), the lowest $GONE_RULES_MAX rule ids, 1 hit each" \
	"ok" \
	"$(monitor_select "$GRULE" "$GRULE_OUT" "/$W/w1" | python3 -c '
import sys
ids = [int(x) for x in sys.argv[1].split()][:int(sys.argv[2])]
got = sys.stdin.read().split()
want = ["%d:%d:-:1:128" % (i, r) for i, r in enumerate(ids)]
print("ok" if got == want else "%d events; first difference: %s" % (len(got),
      next(((g, w) for g, w in zip(got, want) if g != w), "length")))
' "${WIDS[*]}" "$GONE_RULES_MAX")"
check_eq "the monitor lost nothing" "" "$(grep -v '^$' "$MON.err")"

tap_done
