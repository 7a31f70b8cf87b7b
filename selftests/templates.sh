#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Policy templates: a policy on a cgroup path pattern gives every cgroup
# that matches, made before or after it, an instance of its own, with its
# own counters (policy and rule hits); an exact path beats a pattern; the
# more specific pattern wins; "**" spans levels; explain agrees with what
# enforcement does in every case; an instance outlives its cgroup and
# serves the next cgroup of the same path, and goes (with its final counts
# in an event) once its cgroup has been gone for the template's keep time;
# a template with no room left judges the cgroup itself (never lets it
# through unjudged) and says so; an apply that keeps the pattern keeps the
# instances and their counts.
#
#   root netns                                     $SRV_NS
#   +-----------------------------------+          +--------------------------+
#   | /nfe-tp-PID          (no policy)  |          | tcp-listen :: 5201       |
#   |   |- a.service  b.service         |          | udp-recv   :: 5202       |
#   |   |- c.service  x.socket          |   veth   |                          |
#   | /nfe-tq-PID/k/w-1.scope, w-2.scope+----------+ eth0 10.99.0.2/24        |
#   | /nfe-tr-PID/ab  /nfe-tr-PID/zz    |          |      10.99.1.2/24        |
#   | /nfe-tu-PID/u1 u2 u3              |          |                          |
#   | /nfe-tv-PID/v1                    |          |                          |
#   |  nfeXXXX 10.99.{0,1}.1/24         |          |                          |
#   +-----------------------------------+          +--------------------------+
#
#   T  "/nfe-tp-PID/*.service":  default deny; allow to 10.99.0.0/24
#   E  "/nfe-tp-PID/b.service":  exact path, default allow (for a while)
#   D  "/nfe-tq-PID/**/w-*.scope": default deny
#   R1 "/nfe-tr-PID/*":  default allow;  R2 "/nfe-tr-PID/a*": default deny
#   U  "/nfe-tu-PID/*":  default deny; allow to 10.99.0.0/24; instances max 2
#   V  "/nfe-tv-PID/*":  default allow; instances keep 0
#
# Counters (exact; UDP 100 bytes = 128 bytes at IPv4): each service sends
# its own number of allowed and denied datagrams, and its instance counts
# exactly those; the template's own counters stay zero.  Events are read
# from `egressctl -j monitor`, started before the first of them.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

S=nfe-tp-$$
T="/$S/*.service"
Q=nfe-tq-$$
D="/$Q/**/w-*.scope"
R=nfe-tr-$$
U=nfe-tu-$$
V=nfe-tv-$$
B4=128
MON=$TMPDIR_TEST/monitor.json

require_common
tap_plan 65

cg_create "$S"
cg_create "$Q"
cg_create "$R"
cg_create "$U"
cg_create "$V"
setup_server_topology ""

# explain_t PATH DST: "VERDICT CGROUP:TEMPLATE:VERDICT,..." of egressctl -j
# explain ("-" for a level that is no template's, or for no level at all).
explain_t()
{
	local json

	json=$(ectl -j explain "$1" "$2") || { echo "error: $(cat "$ECTL_ERR")"; return 1; }
	json_eval 'd["verdict"] + " " + (",".join("%s:%s:%s" % (l["cgroup"],
		l.get("template", "-"), l["verdict"]) for l in d["levels"]) or "-")' <<< "$json"
}

# stats_of PATH EXPR: EXPR of the -j stats object of PATH (d).
stats_of()
{
	local json

	json=$(ectl -j stats "$1") || { echo "error: $(cat "$ECTL_ERR")"; return 1; }
	json_eval "$2" "${@:3}" <<< "$json"
}

# proc_template PATH: the template column of PATH's first line in /proc
# stats.
proc_template()
{
	awk -v p="$1" 'NR > 1 && $1 == p { print $14; found = 1; exit }
		END { if (!found) print "absent" }' "$NF_EGRESS_PROC/stats"
}

# proc_of PATH TEMPLATE: "ap ab dp db" of the line of PATH whose template
# column is TEMPLATE ("-": not an instance), or "absent".
proc_of()
{
	awk -v p="$1" -v t="$2" 'NR > 1 && $1 == p && $14 == t {
			print $2, $3, $4, $5; found = 1; exit }
		END { if (!found) print "absent" }' "$NF_EGRESS_PROC/stats"
}

policy_add "$T"
ectl_must rule add "$T" allow to 10.99.0.0/24

"$EGRESSCTL" -j monitor > "$MON" 2> "$MON.err" &
register_pid $!

# --- instances appear with cgroups made after the template --------------
cg_create "$S/a.service"
cg_create "$S/b.service"
cg_create "$S/c.service"
cg_create "$S/x.socket"
n=0
for svc in a b c; do
	n=$((n + 1))
	check_udp "$svc.service: $n datagrams to $SRV4_ALLOW sent" "$S/$svc.service" \
		"$SRV4_ALLOW" "$n" 100 "sent=$n failed=0 first_errno=none"
	check_udp "$svc.service: $((n + 1)) datagrams to $SRV4_DENY fail with EPERM" \
		"$S/$svc.service" "$SRV4_DENY" "$((n + 1))" 100 \
		"sent=0 failed=$((n + 1)) first_errno=EPERM"
done
n=0
for svc in a b c; do
	n=$((n + 1))
	check_eq "instance /$S/$svc.service counts its own packets exactly" \
		"$n $((n * B4)) $((n + 1)) $(((n + 1) * B4))" \
		"$(proc_of "/$S/$svc.service" "$T")"
done
check_eq "the template's own counters stay zero" "0 0 0 0" "$(proc_of "$T" -)"
check_eq "/proc stats names the instance's template" "$T" \
	"$(proc_template "/$S/a.service")"
check_tcp "x.socket (outside the pattern): TCP to $SRV4_DENY ok" "$S/x.socket" \
	"$SRV4_DENY" ok
check_eq "x.socket has no instance" absent "$(stats_proc "/$S/x.socket")"

# --- an instance outlives its cgroup and serves the next one -----------
cg_destroy "$S/a.service"
cg_create "$S/a.service"
check_udp "a.service made again: 2 datagrams to $SRV4_ALLOW sent" "$S/a.service" \
	"$SRV4_ALLOW" 2 100 "sent=2 failed=0 first_errno=none"
check_eq "the instance of a.service kept counting across rmdir and mkdir" \
	"3 $((3 * B4)) 2 $((2 * B4))" "$(proc_of "/$S/a.service" "$T")"

# --- an exact path beats the pattern -------------------------------------
policy_add "/$S/b.service" default allow
check_udp "b.service under its exact policy: 2 datagrams to $SRV4_DENY sent" \
	"$S/b.service" "$SRV4_DENY" 2 100 "sent=2 failed=0 first_errno=none"
check_eq "b.service's exact policy counted them" "2 $((2 * B4)) 0 0" \
	"$(proc_of "/$S/b.service" -)"
check_eq "b.service's instance did not count them" "2 $((2 * B4)) 3 $((3 * B4))" \
	"$(proc_of "/$S/b.service" "$T")"
check_eq "explain: the exact path decides for b.service" "allow /$S/b.service:-:allow" \
	"$(explain_t "/$S/b.service" "$SRV4_DENY")"
ectl_must policy del "/$S/b.service"
check_udp "exact policy gone: b.service's datagrams to $SRV4_DENY fail again" \
	"$S/b.service" "$SRV4_DENY" 1 100 "sent=0 failed=1 first_errno=EPERM"

# --- "**" spans any number of levels -------------------------------------
policy_add "$D"
cg_create "$Q/k"
cg_create "$Q/k/w-1.scope"
cg_create "$Q/w-2.scope"
check_tcp "$D: /$Q/k/w-1.scope TCP to $SRV4_ALLOW refused" "$Q/k/w-1.scope" \
	"$SRV4_ALLOW" ECONNREFUSED
check_tcp "$D: /$Q/w-2.scope (no level for **) TCP refused" "$Q/w-2.scope" \
	"$SRV4_ALLOW" ECONNREFUSED
check_tcp "$D: /$Q/k (no match) TCP ok" "$Q/k" "$SRV4_ALLOW" ok

# --- what a template cannot be -----------------------------------------------
ECTL_QUIET=1 ectl policy add "/$R/a*b*c*d*e*f*g*h*i*j" > /dev/null
rc=$?
[ "$rc" = 1 ] && grep -q "at most 8 '\*'" "$ECTL_ERR"
tap_result $? "a pattern with 9 '*' is refused (egressctl; ynl_cli.sh asks the module)" \
	"rc=$rc $(cat "$ECTL_ERR")"

# --- among patterns the more specific wins -------------------------------
policy_add "/$R/*" default allow
policy_add "/$R/a*" default deny
cg_create "$R/ab"
cg_create "$R/zz"
check_tcp "/$R/ab: /$R/a* (longer literal prefix) denies" "$R/ab" "$SRV4_ALLOW" \
	ECONNREFUSED
check_tcp "/$R/zz: only /$R/* matches, and allows" "$R/zz" "$SRV4_ALLOW" ok

# --- explain agrees with enforcement ---------------------------------------
check_eq "explain: a.service's instance allows $SRV4_ALLOW" "allow /$S/a.service:$T:allow" \
	"$(explain_t "/$S/a.service" "$SRV4_ALLOW")"
check_eq "explain: a.service's instance denies $SRV4_DENY" "deny /$S/a.service:$T:deny" \
	"$(explain_t "/$S/a.service" "$SRV4_DENY")"
check_eq "explain: x.socket has no policy" "allow -" "$(explain_t "/$S/x.socket" "$SRV4_DENY")"
check_eq "explain: a service that does not exist yet is the template's" \
	"deny /$S/new.service:$T:deny" "$(explain_t "/$S/new.service" "$SRV4_DENY")"
check_eq "explain: ** reaches /$Q/k/w-1.scope" "deny /$Q/k/w-1.scope:$D:deny" \
	"$(explain_t "/$Q/k/w-1.scope" "$SRV4_ALLOW")"
check_eq "explain: /$R/ab is /$R/a*'s" "deny /$R/ab:/$R/a*:deny" \
	"$(explain_t "/$R/ab" "$SRV4_ALLOW")"
check_eq "explain: /$R/zz is /$R/*'s" "allow /$R/zz:/$R/*:allow" \
	"$(explain_t "/$R/zz" "$SRV4_ALLOW")"
WHY='[d["levels"][0]["template_matches"], (d["levels"][0]["template_reason"] or {}).get("beats"), (d["levels"][0]["template_reason"] or {}).get("by")]'
check_eq "explain says why /$R/a* won /$R/ab: 2 match, it beats /$R/* by its longer literal prefix" \
	"2 /$R/* longer literal prefix" "$(ectl -j explain "/$R/ab" "$SRV4_ALLOW" | json_eval "$WHY")"
check_eq "explain: /$R/* is the only template of /$R/zz" "1 None None" \
	"$(ectl -j explain "/$R/zz" "$SRV4_ALLOW" | json_eval "$WHY")"

# --- rule hits and listings of instances ------------------------------------
RULE0='[d[0]["rules"][0]["packets"], d[0]["rules"][0]["bytes"]]'
check_eq "c.service's instance: its hits of the template's allow rule" "3 $((3 * B4))" \
	"$(stats_of "/$S/c.service" "$RULE0")"
check_eq "a.service's instance: its hits, across rmdir and mkdir" "3 $((3 * B4))" \
	"$(stats_of "/$S/a.service" "$RULE0")"
check_eq "the template's own rule counted none of it" "0 0" "$(stats_of "$T" "$RULE0")"
check_eq "egressctl -j stats names the template of an instance" "$T" \
	"$(stats_of "/$S/c.service" 'd[0]["template"]')"
check_eq "egressctl -j show: the template has 3 instances" 3 \
	"$(ectl -j show | json_eval '[p["instance_count"] for p in d if p["cgroup"] == a[0]][0]' "$T")"
check_eq "egressctl -j show --instances lists them" \
	"/$S/a.service /$S/b.service /$S/c.service" \
	"$(ectl -j show --instances | json_eval 'sorted(i["cgroup"] for p in d if p["cgroup"] == a[0] for i in p["instances"])' "$T")"

# --- no room for another instance: the template judges, and says so ----------
policy_add "/$U/*" instances-max 2
ectl_must rule add "/$U/*" allow to 10.99.0.0/24
for u in u1 u2 u3; do
	cg_create "$U/$u"
done
# The monitor listens once it shows a deny of u1's instance.
sync_monitor()
{
	udp_send "$U/u1" "$SRV4_DENY" 1 16 > /dev/null
	monitor_has 'e.get("policy") == a[0]' "/$U/u1"
}
busywait 20000 sync_monitor || bail_out "the monitor shows no event: $(cat "$MON.err")"
check_eq "a deny event of an instance names its path and its template" 1 \
	"$(monitor_count '(e.get("policy"), e.get("template")) == (a[0], a[1])' "/$U/u1" "/$U/*" | awk '{ print ($1 > 0) }')"
check_udp "u2: 1 datagram to $SRV4_ALLOW sent (the second instance)" "$U/u2" "$SRV4_ALLOW" 1 100 \
	"sent=1 failed=0 first_errno=none"
check_udp "u3 (no room): 2 datagrams to $SRV4_ALLOW sent, as the template allows" "$U/u3" \
	"$SRV4_ALLOW" 2 100 "sent=2 failed=0 first_errno=none"
check_udp "u3 (no room): 1 datagram to $SRV4_DENY fails with EPERM: judged, not let through" \
	"$U/u3" "$SRV4_DENY" 1 100 "sent=0 failed=1 first_errno=EPERM"
check_eq "u3's packets count on the template itself" "2 $((2 * B4)) 1 $B4" "$(proc_of "/$U/*" -)"
check_eq "u3 has no instance" absent "$(proc_of "/$U/u3" "/$U/*")"
NOINST='e.get("event") == "no-instance"'
busywait 5000 monitor_has "$NOINST"
check_eq "one no-instance event, for u3, naming the template and its cap" "1 1" \
	"$(monitor_count "$NOINST") $(monitor_count "$NOINST"' and (e["cgroup"], e["template"], e["instances_max"]) == (a[0], a[1], 2)' "/$U/u3" "/$U/*")"
ectl_must policy set "/$U/*" instances-max 3
check_udp "instances max 3: u3 sends 1 datagram to $SRV4_ALLOW" "$U/u3" "$SRV4_ALLOW" 1 100 \
	"sent=1 failed=0 first_errno=none"
check_eq "u3 now has its own instance" "1 $B4 0 0" "$(proc_of "/$U/u3" "/$U/*")"

# --- an instance whose cgroup stays gone goes, with its final counts --------
policy_add "/$V/*" default allow instances-keep 0
cg_create "$V/v1"
check_udp "v1: 2 datagrams to $SRV4_DENY sent" "$V/v1" "$SRV4_DENY" 2 100 \
	"sent=2 failed=0 first_errno=none"
check_eq "v1's instance counted them" "2 $((2 * B4)) 0 0" "$(proc_of "/$V/v1" "/$V/*")"
cg_destroy "$V/v1"
instance_gone()
{
	[ "$(proc_of "/$V/v1" "/$V/*")" = absent ]
}
busywait 15000 instance_gone
tap_result $? "keep 0: v1's instance goes once its cgroup is gone" "$(proc_of "/$V/v1" "/$V/*")"
GONE='e.get("event") == "instance-gone"'
busywait 5000 monitor_has "$GONE"' and e["cgroup"] == a[0]' "/$V/v1"
check_eq "an instance-gone event carries v1's final counts" 1 \
	"$(monitor_count "$GONE"' and (e["cgroup"], e["template"], e["allowed"]["packets"], e["allowed"]["bytes"]) == (a[0], a[1], 2, 2 * 128)' "/$V/v1" "/$V/*")"

# --- deleting a template: its instances' final counts -----------------------
ectl_must policy del "/$R/*"
busywait 5000 monitor_has "$GONE"' and e["cgroup"] == a[0]' "/$R/zz"
tap_result $? "policy del /$R/*: an instance-gone event for /$R/zz"

# --- outputs: metrics, and show --config round trips -----------------------
check_eq "metrics: a.service's allowed packets, labelled with its template" 3 \
	"$(ectl metrics | awk -v l="cgroup=\"/$S/a.service\",template=\"$T\"" \
		'index($0, "nf_egress_packets_total{" l) == 1 && /verdict="allowed"/ { print $NF }')"
ectl show --config > "$TMPDIR_TEST/config.1"
grep -qxF $'\tinstances max 3;' "$TMPDIR_TEST/config.1" &&
	grep -qxF $'\tinstances keep 0s;' "$TMPDIR_TEST/config.1" &&
	! grep -qF "/$U/u1" "$TMPDIR_TEST/config.1"
tap_result $? "show --config writes the templates' settings and no instance" \
	"$(grep -A4 "^cgroup \"/$U" "$TMPDIR_TEST/config.1")"
ectl apply -f "$TMPDIR_TEST/config.1" > /dev/null && ectl show --config > "$TMPDIR_TEST/config.2" &&
	cmp -s "$TMPDIR_TEST/config.1" "$TMPDIR_TEST/config.2"
tap_result $? "show --config, applied, reads back the same" \
	"$(diff "$TMPDIR_TEST/config.1" "$TMPDIR_TEST/config.2" 2>&1 | head -20)"

# --- an apply that keeps the pattern keeps the instances --------------------
cat > "$TMPDIR_TEST/keep.conf" << EOF
cgroup "$T" {
	default deny;
	allow to 10.99.0.0/24;
	deny to 10.99.1.0/24;
}
EOF
apply_config "$TMPDIR_TEST/keep.conf" > /dev/null
tap_result $? "apply -f: the same template, one rule more"
check_eq "after the apply: a.service's instance kept its counts" \
	"3 $((3 * B4)) 2 $((2 * B4))" "$(proc_of "/$S/a.service" "$T")"
RULE_OF='[(r["packets"], r["bytes"]) for r in d[0]["rules"] if r["rule"] == a[0]][0]'
check_eq "after the apply: a.service's hits of the kept rule" "3 $((3 * B4))" \
	"$(stats_of "/$S/a.service" "$RULE_OF" "allow to 10.99.0.0/24")"
check_udp "after the apply: a.service's datagram to $SRV4_DENY fails with EPERM (the new rule)" \
	"$S/a.service" "$SRV4_DENY" 1 100 "sent=0 failed=1 first_errno=EPERM"
check_eq "after the apply: a.service's instance counts on" \
	"3 $((3 * B4)) 3 $((3 * B4))" "$(proc_of "/$S/a.service" "$T")"
check_eq "after the apply: the new rule's hit is a.service's" "1 $B4" \
	"$(stats_of "/$S/a.service" "$RULE_OF" "deny to 10.99.1.0/24")"
check_eq "the apply dropped /$U/*: instance-gone events for u1, u2, u3" 3 \
	"$(monitor_count "$GONE"' and e["template"] == a[0]' "/$U/*")"

tap_done
