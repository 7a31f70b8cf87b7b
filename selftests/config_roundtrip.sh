#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `egressctl show --config` prints the live policy set in the policy-file
# format, so applying its output is a no-op: the set is byte-for-byte the
# same afterwards, through a file and through stdin (`apply -f -`).
#
#   (no network: only the policy table)
#   policies.conf -> apply -f -> show --config > a -> apply -f a
#                 -> show --config > b;  cmp a b
#   show --config | apply -f -  -> show --config > c;  cmp a c
#
# policies.conf covers both modes, both defaults, IPv4/IPv6, every protocol
# keyword, single ports and ranges, classes and deny rules, three policies
# in a hierarchy.  `-j show` must report the same semantics (proto, ports,
# class, mode, default) as the file, and the canonical rule text.  Rate
# limits round-trip too: police, and shape with the burst, queue and latency
# the module uses written out (skipped while the module does not shape).  A file
# with one policy replaces the whole set (the other two are gone).  NB: apply
# replaces every policy of the host; the cleanup removes this test's paths.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

TOP=/nfe-rt-$$
WEB=$TOP/web
DB=$TOP/db

require_root
require_cmd python3 cmp
require_egressctl
require_module
tap_plan 17

CLEANUP_POLICIES+=("$WEB" "$DB" "$TOP")
T=$TMPDIR_TEST
cat > "$T/policies.conf" <<EOF
# nf_egress selftest: config round trip
cgroup "$WEB" {
    mode enforce;
    default deny;
    allow tcp to 10.0.0.0/8 port 443 class internal;
    allow udp to 0.0.0.0/0 port 53;
    deny to 169.254.169.254/32;
    allow to 2001:db8::/32;
    allow proto sctp to 198.51.100.0/24 port 3868-3870 class diameter;
    deny icmp to 192.0.2.0/24;
    allow icmpv6 to 2001:db8:1::/48;
    deny tcp to 10.1.0.0/16 port 22;
    deny udp to 2001:db8:2::/64 port 1000-2000 class v6.block;
}

cgroup "$TOP" {
    mode audit;
    default allow;   # trailing comment
    deny to 203.0.113.0/24 class blocked;
    allow proto any to 10.0.0.0/8 port 1-1024;
}
cgroup "$DB" {
    default deny;
}
EOF

ectl apply -f "$T/policies.conf" > /dev/null
tap_result $? "apply -f policies.conf" "$(cat "$ECTL_ERR")"
ectl show --config > "$T/a"
rc=$?
[ "$rc" = 0 ] && [ -s "$T/a" ]
tap_result $? "show --config > a (exit 0, not empty)" "rc=$rc $(cat "$ECTL_ERR")"
got=$(grep -c -E "^cgroup \"($TOP|$WEB|$DB)\" \{" "$T/a")
check_eq "show --config lists the three policies" 3 "$got" || diag_file "$T/a"
ectl check -f "$T/a" > /dev/null
tap_result $? "check -f a: show --config output is a valid policy file" "$(cat "$ECTL_ERR")"

ectl apply -f "$T/a" > /dev/null
tap_result $? "apply -f a" "$(cat "$ECTL_ERR")"
ectl show --config > "$T/b" && [ -s "$T/b" ] && cmp -s "$T/a" "$T/b"
tap_result $? "show --config after apply -f a is byte-for-byte a" "$(diff "$T/a" "$T/b")"

"$EGRESSCTL" show --config | "$EGRESSCTL" apply -f - > /dev/null 2> "$T/err"
rcs="${PIPESTATUS[*]}"
check_eq "show --config | apply -f - (both exit 0)" "0 0" "$rcs" || diag_file "$T/err"
ectl show --config > "$T/c" && [ -s "$T/c" ] && cmp -s "$T/a" "$T/c"
tap_result $? "show --config after the stdin round trip is byte-for-byte a" "$(diff "$T/a" "$T/c")"

# --- semantics in -j show ------------------------------------------------
# policy_summary PATH: "mode default | action proto to ports class; ..." with
# the rules sorted; proto absent/null = any, ports "MIN-MAX" or "-", class "-".
ectl -j show > "$T/show.json" || bail_out "-j show failed: $(cat "$ECTL_ERR")"
policy_summary()
{
	json_eval_ports '(lambda p: p["mode"] + " " + p["default"] + " | " + "; ".join(sorted(
		"%s %s %s %s %s" % (r["action"], r.get("proto") or "any", r["to"],
			ports(r.get("ports")), r.get("class") or "-") for r in p["rules"])))(
		next(p for p in d if p["cgroup"] == a[0]))' "$1" < "$T/show.json"
}
# json_eval_ports EXPR [ARG...]: json_eval with ports(v), which normalises
# the port formats a JSON printer may reasonably choose ("443", "3868-3870",
# 443, [min, max], {"min": N, "max": M}) to "MIN-MAX", absent to "-".
json_eval_ports()
{
	python3 -c '
import json, sys
def ports(v):
    if v is None or v == "" or v == []:
        return "-"
    if isinstance(v, dict):
        lo, hi = v.get("min", v.get("from")), v.get("max", v.get("to"))
    elif isinstance(v, list):
        lo, hi = v[0], v[-1]
    elif isinstance(v, int):
        lo = hi = v
    else:
        lo, _, hi = str(v).partition("-")
        hi = hi or lo
    return "%d-%d" % (int(lo), int(hi))
expr, a = sys.argv[1], sys.argv[2:]
try:
    d = json.loads(sys.stdin.read())
    print(eval(expr))
except Exception as e:
    print("error:", type(e).__name__, e)
' "$@"
}

check_eq "-j show $WEB: mode, default, every rule's action/proto/to/ports/class" \
	"enforce deny | allow any 2001:db8::/32 - -; allow icmpv6 2001:db8:1::/48 - -; allow sctp 198.51.100.0/24 3868-3870 diameter; allow tcp 10.0.0.0/8 443-443 internal; allow udp 0.0.0.0/0 53-53 -; deny any 169.254.169.254/32 - -; deny icmp 192.0.2.0/24 - -; deny tcp 10.1.0.0/16 22-22 -; deny udp 2001:db8:2::/64 1000-2000 v6.block" \
	"$(policy_summary "$WEB")"
check_eq "-j show $TOP: audit, default allow, its rules" \
	"audit allow | allow any 10.0.0.0/8 1-1024 -; deny any 203.0.113.0/24 - blocked" \
	"$(policy_summary "$TOP")"
check_eq "-j show $DB: enforce (the default mode), default deny, no rules" \
	"enforce deny | " "$(policy_summary "$DB")"
got=$(json_eval '"/".join(sorted(r["rule"] for p in d if p["cgroup"] == a[0] for r in p["rules"]
	if r["to"] in ("10.0.0.0/8", "169.254.169.254/32", "2001:db8:2::/64")))' "$WEB" < "$T/show.json")
check_eq "-j show: canonical rule text (ACTION [PROTO] to CIDR [port N|N-M] [class NAME])" \
	"allow tcp to 10.0.0.0/8 port 443 class internal/deny to 169.254.169.254/32/deny udp to 2001:db8:2::/64 port 1000-2000 class v6.block" \
	"$got"

# --- the original file again: the same set; one policy: replaces all --------
ectl apply -f "$T/policies.conf" > /dev/null
ectl show --config > "$T/d" && [ -s "$T/d" ] && cmp -s "$T/a" "$T/d"
tap_result $? "apply -f policies.conf again: show --config is byte-for-byte a" "$(diff "$T/a" "$T/d")"
printf 'cgroup "%s" {\n    default deny;\n    allow to 10.99.0.0/24;\n}\n' "$DB" > "$T/one.conf"
ectl apply -f "$T/one.conf" > /dev/null
got=$(ectl -j show | json_eval '" ".join(sorted(p["cgroup"] for p in d))')
check_eq "apply -f of a one-policy file replaces the whole set" "$DB" "$got"

# --- rate limits: the burst, queue and latency the module uses are written --
cat > "$T/rates.conf" <<EOF
cgroup "$WEB" { rate 8Mbit latency 1.5s queue 64; default allow; }
cgroup "$TOP" { rate 20mbit; }
cgroup "$DB" { rate 50mbit burst 262144 police; }
EOF
# sorted by path: $TOP, $DB, $WEB
want_rates=$(printf '\t%s;\n' "rate 20mbit burst 64k queue 1000 latency 100ms shape" \
	"rate 50mbit burst 256k police" "rate 8mbit burst 64k queue 64 latency 1500ms shape")
RATE_TESTS=("apply -f rates.conf (police and shape limits)"
	    "show --config writes the limits with the module's burst, queue and latency"
	    "with rate limits: show --config | apply -f - is byte-for-byte the same")
ectl apply -f "$T/rates.conf" > /dev/null
tap_result $? "${RATE_TESTS[0]}" "$(cat "$ECTL_ERR")"
ectl show --config > "$T/r1"
check_eq "${RATE_TESTS[1]}" "$want_rates" "$(grep -E $'^\trate ' "$T/r1")" || diag_file "$T/r1"
"$EGRESSCTL" show --config | "$EGRESSCTL" apply -f - > /dev/null 2> "$T/err"
ectl show --config > "$T/r2" && [ -s "$T/r2" ] && cmp -s "$T/r1" "$T/r2"
tap_result $? "${RATE_TESTS[2]}" "$(diff "$T/r1" "$T/r2")" "$(cat "$T/err")"

tap_done
