#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Counters read while traffic flows and the policy set changes: every read
# succeeds and parses, no counter of a policy that is never reset or
# removed goes backwards between two reads, no value is torn, every netlink
# dump is consistent (egressctl retries a dump flagged NLM_F_DUMP_INTR), and
# at the end the counters are exactly what the senders sent.
#
#   root netns                                 $SRV_NS
#   +-------------------------------+          +------------------------------+
#   | /nfe-acc1-PID  policy P1:     |          | udp-recv :: 5202 (counts)    |
#   |   sender 1 -> 10.99.0.2 (ok)  |          |                              |
#   |            -> 10.99.1.2 (deny)|   veth   | eth0 10.99.0.2/24            |
#   | /nfe-acc2-PID  policy P2:     +----------+      10.99.1.2/24            |
#   |   sender 2 -> 2001:db8:99::2  |          |      2001:db8:9{9,8}::2/64   |
#   |            -> 2001:db8:98::2  |          |                              |
#   +-------------------------------+          +------------------------------+
#
# Policy files A and B (apply replaces the whole set):
#   both: P1 { default deny; allow udp to 10.99.0.0/24 port 5202 class c1;
#              deny to 10.99.1.0/24; }
#         P2 { default deny; allow to 2001:db8:99::/64 class c2; }
#         PX { default deny; allow to 10.99.5.0/24 (A) | 10.99.6.0/24 (B); }
#         $FILLERS policies /nfe-accf-PID/fNNN of $FILLER_RULES rules each
#         (the rule dump, one message per rule, takes many netlink
#         messages, so the set changes in the middle of dumps)
#   A only: PY { default allow; }
# While both senders loop (100-byte UDP: 128 bytes per IPv4 datagram, 148
# per IPv6), for $DURATION seconds:
#   writer:   apply A; rule add P2 allow to 10.99.7.K/32; rule del (same);
#             apply B; rule add; rule del; ... (every command must exit 0)
#   reader 1: egressctl -j stats (every 4th time: -j stats P1), saved
#   reader 2: cat /proc/net/nf_egress/stats, saved
# Then every saved read is checked:
#   -j stats: exit 0, JSON, each policy once; P1, P2, PX and every filler
#     present with all their rules; PY present iff the count is that of
#     file A (a dump is one generation of the set: no policy or rule
#     missing, doubled or mixed in);
#     P1's rules exactly its two, P2's its one plus at most one 10.99.7.K;
#     P1/P2 counters, classes and rule hits never decrease; bytes are a
#     multiple of the datagram size (no torn value) and match the packets.
#   /proc: the header, then lines of 9 fields with numbers; P1/P2 lines
#     never decrease (a /proc read of several pages is not one snapshot of
#     the set, so presence is only reported).
# Finally, the senders stopped: P1/P2 allowed = sent, denied = failed
# (EPERM), classes and rule hits likewise, in -j stats and /proc.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

DURATION=${DURATION:-20}
FILLERS=${FILLERS:-60}
FILLER_RULES=${FILLER_RULES:-20}
CG1=nfe-acc1-$$
CG2=nfe-acc2-$$
P1=/$CG1
P2=/$CG2
PX=/nfe-accx-$$
PY=/nfe-accy-$$
PF=/nfe-accf-$$
K1="allow udp to 10.99.0.0/24 port $UDP_PORT class c1"
D1="deny to 10.99.1.0/24"
A2="allow to 2001:db8:99::/64 class c2"
B4=$(udp4_bytes 100)
B6=$(udp6_bytes 100)

require_common
tap_plan 12

cg_create "$CG1"
cg_create "$CG2"
setup_server_topology ""
CLEANUP_POLICIES+=("$P1" "$P2" "$PX" "$PY")
on_cleanup "ECTL_QUIET=1 apply_config /dev/null"

# write_file NAME XNET WITH_PY
write_file()
{
	local i j

	{
		printf 'cgroup "%s" {\n\tdefault deny;\n\t%s;\n\t%s;\n}\n' "$P1" "$K1" "$D1"
		printf 'cgroup "%s" {\n\tdefault deny;\n\t%s;\n}\n' "$P2" "$A2"
		printf 'cgroup "%s" {\n\tdefault deny;\n\tallow to %s;\n}\n' "$PX" "$2"
		[ "$3" = 1 ] && printf 'cgroup "%s" {\n\tdefault allow;\n}\n' "$PY"
		for ((i = 0; i < FILLERS; i++)); do
			printf 'cgroup "%s/f%03d" {\n\tdefault deny;\n' "$PF" "$i"
			for ((j = 1; j <= FILLER_RULES; j++)); do
				printf '\tallow to 10.99.200.%d/32;\n' "$j"
			done
			printf '}\n'
		done
	} > "$TMPDIR_TEST/$1"
}
write_file A.conf 10.99.5.0/24 1
write_file B.conf 10.99.6.0/24 0
N_A=$((FILLERS + 4))
N_B=$((FILLERS + 3))
apply_config "$TMPDIR_TEST/A.conf" > /dev/null || bail_out "apply -f A.conf failed: $(cat "$ECTL_ERR")"

RUN=$TMPDIR_TEST/run
mkdir -p "$RUN"
STOP=$RUN/stop

cg_spawn "$CG1" "$RUN/sender1.out" "$PROBE" udp-loop "$UDP_PORT" 100 0 \
	"$SRV4_ALLOW" "$SRV4_DENY" --interval-us 1000
SENDER1=$SPAWN_PID
cg_spawn "$CG2" "$RUN/sender2.out" "$PROBE" udp-loop "$UDP_PORT" 100 0 \
	"$SRV6_ALLOW" "$SRV6_DENY" --interval-us 1000
SENDER2=$SPAWN_PID
busywait 10000 udp_count_gt "$UDP_STATFILE" 20 || bail_out "the senders' traffic does not arrive"

writer()
{
	local i=0 k f

	while [ ! -e "$STOP" ]; do
		if ((i % 2)); then f=B.conf; else f=A.conf; fi
		k=$((i % 250 + 1))
		"$EGRESSCTL" apply -f "$TMPDIR_TEST/$f" > /dev/null 2>> "$RUN/writer.err" ||
			echo "apply $f" >> "$RUN/writer.fail"
		"$EGRESSCTL" rule add "$P2" allow to "10.99.7.$k/32" > /dev/null 2>> "$RUN/writer.err" ||
			echo "rule add $k" >> "$RUN/writer.fail"
		"$EGRESSCTL" rule del "$P2" allow to "10.99.7.$k/32" > /dev/null 2>> "$RUN/writer.err" ||
			echo "rule del $k" >> "$RUN/writer.fail"
		i=$((i + 1))
		echo "$i" > "$RUN/writer.count"
	done
}

json_reader()
{
	local i=0 args

	while [ ! -e "$STOP" ]; do
		args=()
		((i % 4 == 3)) && args=("$P1")
		"$EGRESSCTL" -j stats "${args[@]}" > "$RUN/j.$i" 2> "$RUN/j.$i.err"
		echo "$i $? ${args[*]}" >> "$RUN/j.rc"
		i=$((i + 1))
	done
}

proc_reader()
{
	local i=0

	while [ ! -e "$STOP" ]; do
		cat "$NF_EGRESS_PROC/stats" > "$RUN/p.$i" 2> "$RUN/p.$i.err"
		echo "$i $?" >> "$RUN/p.rc"
		i=$((i + 1))
	done
}

writer &
WRITER=$!
register_pid "$WRITER"
json_reader &
JREADER=$!
register_pid "$JREADER"
proc_reader &
PREADER=$!
register_pid "$PREADER"
sleep "$DURATION"
touch "$STOP"
for pid in "$WRITER" "$JREADER" "$PREADER"; do
	wait_pid_gone "$pid" 300 || diag "process $pid did not stop"
	wait "$pid" 2> /dev/null
done
kill -TERM "$SENDER1" "$SENDER2"
wait_pid_gone "$SENDER1" 100
wait_pid_gone "$SENDER2" 100
wait "$SENDER1" "$SENDER2" 2> /dev/null

# --- the changes -------------------------------------------------------------
rounds=$(cat "$RUN/writer.count" 2> /dev/null || echo 0)
fails=0
[ -f "$RUN/writer.fail" ] && fails=$(wc -l < "$RUN/writer.fail")
diag "writer: $rounds rounds (apply + rule add + rule del each)"
# Enough rounds that the changes overlapped the traffic and the reads; a
# debug kernel manages about a third as many.
min_rounds=10
debug_kernel && min_rounds=3
[ "$rounds" -ge "$min_rounds" ] && [ "$fails" -eq 0 ]
tap_result $? "writer: $rounds rounds >= $min_rounds, every apply and rule add/del exited 0" \
	"$(head -n 5 "$RUN/writer.fail" 2> /dev/null)" "$(head -n 5 "$RUN/writer.err")"

# --- the reads -----------------------------------------------------------------
python3 - "$RUN" "$P1" "$P2" "$PX" "$PY" "$PF" "$FILLERS" "$FILLER_RULES" "$N_A" "$N_B" "$K1" "$D1" "$A2" \
	"$B4" "$B6" "$PROC_STATS_HEADER" > "$RUN/verdicts" <<'PYEOF'
import json, os, re, sys

(run, p1, p2, px, py, pf, fillers, frules, n_a, n_b, k1, d1, a2, b4, b6,
 header) = sys.argv[1:]
fillers, frules, n_a, n_b = int(fillers), int(frules), int(n_a), int(n_b)
b4, b6 = int(b4), int(b6)
frule_set = sorted("allow to 10.99.200.%d/32" % j for j in range(1, frules + 1))
size = {p1: b4, p2: b6}
filler_paths = {"%s/f%03d" % (pf, i) for i in range(fillers)}
extra_re = re.compile(r"^allow to 10\.99\.7\.\d+/32$")
pfx = {}

def fail(kind, msg):
    pfx.setdefault(kind, []).append(msg)

def values(p):
    """Monotonic values of one policy object."""
    v = {}
    for k in ("allowed", "denied", "would_deny", "ratelimited"):
        v[k + ".packets"] = p[k]["packets"]
        v[k + ".bytes"] = p[k]["bytes"]
    for n, c in p["classes"].items():
        v["class.%s.packets" % n] = c["packets"]
        v["class.%s.bytes" % n] = c["bytes"]
    for r in p["rules"]:
        v["rule.%s.packets" % r["rule"]] = r["packets"]
        v["rule.%s.bytes" % r["rule"]] = r["bytes"]
    return v

def check_sizes(kind, i, path, v):
    for k, n in v.items():
        if type(n) is not int or n < 0:
            fail(kind, "read %d: %s %s = %r is not a counter" % (i, path, k, n))
            return
    s = size[path]
    for k in v:
        if k.endswith(".bytes"):
            b, pk = v[k], v.get(k[:-6] + ".packets", 0)
            if b % s:
                fail("torn", "read %d: %s %s = %d is not a multiple of %d" % (i, path, k, b, s))
            elif abs(b // s - pk) > 16:
                fail("torn", "read %d: %s %s = %d does not match %d packets" % (i, path, k, b, pk))

def check_mono(kind, i, path, v, last):
    prev = last.get(path)
    if prev:
        for k, n in v.items():
            if k in prev[1] and n < prev[1][k]:
                fail(kind, "read %d: %s %s went back from %d (read %d) to %d" %
                     (i, path, k, prev[1][k], prev[0], n))
    last[path] = (i, v)

# -j stats
rcs = [l.split() for l in open(os.path.join(run, "j.rc"))]
last, nread, nfilt = {}, 0, 0
for rc in rcs:
    i, code, filt = int(rc[0]), rc[1], rc[2:]
    nread += 1
    if code != "0":
        fail("rc", "read %d (-j stats %s) exit %s: %s" % (i, " ".join(filt), code,
             open(os.path.join(run, "j.%d.err" % i)).read().strip()[:200]))
        continue
    try:
        d = json.load(open(os.path.join(run, "j.%d" % i)))
        paths = [p["cgroup"] for p in d]
    except Exception as e:
        fail("parse", "read %d: %s: %s" % (i, type(e).__name__, e))
        continue
    if len(set(paths)) != len(paths):
        fail("dump", "read %d: a policy is listed twice" % i)
    byp = {p["cgroup"]: p for p in d}
    if filt:
        nfilt += 1
        if paths != [p1]:
            fail("dump", "read %d: -j stats %s listed %s" % (i, p1, paths[:5]))
    else:
        want = {p1, p2, px} | filler_paths
        missing = want - set(paths)
        if missing:
            fail("dump", "read %d: %d policies missing, e.g. %s" % (i, len(missing), sorted(missing)[:3]))
        exp = n_a if py in byp else n_b
        if len(paths) != exp:
            fail("dump", "read %d: %d policies, %s %s: expected %d" %
                 (i, len(paths), py, "present" if py in byp else "absent", exp))
        bad = [f for f in filler_paths & set(paths)
               if sorted(r["rule"] for r in byp[f]["rules"]) != frule_set]
        if bad:
            fail("dump", "read %d: %d fillers without exactly their %d rules, e.g. %s has %d" %
                 (i, len(bad), frules, bad[0], len(byp[bad[0]]["rules"])))
        if px in byp:
            r = [x["rule"] for x in byp[px]["rules"]]
            if r not in (["allow to 10.99.5.0/24"], ["allow to 10.99.6.0/24"]):
                fail("dump", "read %d: %s rules %s" % (i, px, r))
            if (r == ["allow to 10.99.5.0/24"]) != (py in byp):
                fail("dump", "read %d: %s of one file, %s of the other" % (i, px, py))
    for path in (p1, p2):
        p = byp.get(path)
        if p is None:
            if not filt or path == p1:
                fail("dump", "read %d: %s missing" % (i, path))
            continue
        try:
            v = values(p)
            rules = sorted(r["rule"] for r in p["rules"])
        except Exception as e:
            fail("parse", "read %d: %s: %s: %s" % (i, path, type(e).__name__, e))
            continue
        if path == p1 and rules != sorted([k1, d1]):
            fail("dump", "read %d: %s rules %s" % (i, path, rules))
        if path == p2 and not (a2 in rules and len(rules) <= 2 and
                               all(r == a2 or extra_re.match(r) for r in rules)):
            fail("dump", "read %d: %s rules %s" % (i, path, rules))
        # the added-and-deleted rule's counters are not kept: leave it out
        v = {k: n for k, n in v.items() if "10.99.7." not in k}
        check_sizes("parse", i, path, v)
        check_mono("mono", i, path, v, last)
print("stat jreads %d %d" % (nread, nfilt))

# /proc
rcs = [l.split() for l in open(os.path.join(run, "p.rc"))]
last, nread, absent = {}, 0, {p1: 0, p2: 0}
for i, code in ((int(a), b) for a, b in rcs):
    nread += 1
    if code != "0":
        fail("procrc", "proc read %d exit %s" % (i, code))
        continue
    lines = open(os.path.join(run, "p.%d" % i)).read().split("\n")
    if lines[-1] != "":
        fail("procparse", "proc read %d: no newline at the end" % i)
    lines = lines[:-1]
    if not lines or lines[0] != header:
        fail("procparse", "proc read %d: header %r" % (i, lines[0] if lines else None))
        continue
    seen = {}
    for ln in lines[1:]:
        f = ln.split()
        # the template column, then the connection limits' three and
        # the eight of connection health
        if len(f) != 25 or not all(x.isdigit() for x in f[1:13]) or \
                f[13] != "-" or not all(x.isdigit() for x in f[14:25]) or \
                not f[0].startswith("/"):
            fail("procparse", "proc read %d: bad line %r" % (i, ln))
            continue
        if f[0] in (p1, p2):
            names = ["allowed.packets", "allowed.bytes", "denied.packets", "denied.bytes",
                     "would_deny.packets", "would_deny.bytes",
                     "ratelimited.packets", "ratelimited.bytes"]
            v = dict(zip(names, (int(x) for x in f[1:9])))
            check_sizes("procparse", i, f[0], v)
            check_mono("procmono", i, f[0], v, last)
            seen[f[0]] = 1
    for p in (p1, p2):
        if p not in seen:
            absent[p] += 1
print("stat preads %d %d %d" % (nread, absent[p1], absent[p2]))

for kind in ("rc", "parse", "dump", "mono", "torn", "procrc", "procparse", "procmono"):
    msgs = pfx.get(kind, [])
    print("verdict %s %d" % (kind, len(msgs)))
    for m in msgs[:5]:
        print("detail %s %s" % (kind, m))
PYEOF
[ -s "$RUN/verdicts" ] || bail_out "the checker of the reads failed"

# verdict KIND DESC: a TAP result from the checker's count for KIND.
verdict()
{
	local n

	n=$(awk -v k="$1" '$1 == "verdict" && $2 == k { print $3 }' "$RUN/verdicts")
	[ "$n" = 0 ]
	tap_result $? "$2" "$n problem(s), e.g.:" \
		"$(awk -v k="$1" '$1 == "detail" && $2 == k { $1 = $2 = ""; print }' "$RUN/verdicts")"
}

read -r _ _ jreads jfilt <<< "$(grep '^stat jreads' "$RUN/verdicts")"
read -r _ _ preads pabs1 pabs2 <<< "$(grep '^stat preads' "$RUN/verdicts")"
diag "-j stats reads: $jreads ($jfilt of them of $P1 only); /proc reads: $preads" \
	"/proc reads without $P1: $pabs1, without $P2: $pabs2 (not a snapshot across pages)"
[ "${jreads:-0}" -ge 10 ] && [ "${preads:-0}" -ge 10 ]
tap_result $? "readers: $jreads -j stats reads and $preads /proc reads (>= 10 each)"
verdict rc "-j stats: every read exited 0"
verdict parse "-j stats: every read is a JSON array of well-formed policy objects"
verdict dump "-j stats: every dump is one consistent generation (policies, rules)"
verdict mono "-j stats: P1/P2 counters, classes, rule hits never decrease"
verdict torn "-j stats and /proc: no torn value (bytes a multiple of the datagram size, matching packets)"
verdict procparse "/proc: every read is the header and well-formed lines"
verdict procmono "/proc: P1/P2 counters never decrease"

# --- exact totals --------------------------------------------------------------
# sender_field OUT ADDR FIELD
sender_field()
{
	sed -n "s/^addr=$2 .*$3=\([^ ]*\).*/\1/p" "$1"
}
s1_ok=$(sender_field "$RUN/sender1.out" "$SRV4_ALLOW" sent)
s1_no=$(sender_field "$RUN/sender1.out" "$SRV4_DENY" failed)
s2_ok=$(sender_field "$RUN/sender2.out" "$SRV6_ALLOW" sent)
s2_no=$(sender_field "$RUN/sender2.out" "$SRV6_DENY" failed)
diag "sender 1: $(tr '\n' ' ' < "$RUN/sender1.out")" "sender 2: $(tr '\n' ' ' < "$RUN/sender2.out")"
grep -q "^addr=$SRV4_ALLOW sent=[1-9][0-9]* failed=0 first_errno=none$" "$RUN/sender1.out" &&
	grep -q "^addr=$SRV4_DENY sent=0 failed=[1-9][0-9]* first_errno=EPERM$" "$RUN/sender1.out" &&
	grep -q "^addr=$SRV6_ALLOW sent=[1-9][0-9]* failed=0 first_errno=none$" "$RUN/sender2.out" &&
	grep -q "^addr=$SRV6_DENY sent=0 failed=[1-9][0-9]* first_errno=EPERM$" "$RUN/sender2.out"
tap_result $? "senders: every datagram to the allowed address sent, every one to the denied address EPERM"

SNAP=$TMPDIR_TEST/final
acct_snap "$SNAP"
E1="$s1_ok $((s1_ok * B4)) $s1_no $((s1_no * B4)) 0 0 0 0"
E2="$s2_ok $((s2_ok * B6)) $s2_no $((s2_no * B6)) 0 0 0 0"
check_eq "final: $P1 and $P2 counters = what the senders sent, in -j stats and /proc" \
	"$E1|$E2|$E1|$E2" \
	"$(acct_ctr "$SNAP" "$P1")|$(acct_ctr "$SNAP" "$P2")|$(acct_proc "$P1")|$(acct_proc "$P2")"
check_eq "final: classes and rule hits = what the senders sent" \
	"c1:$s1_ok:$((s1_ok * B4)) $s1_ok $((s1_ok * B4)) $s1_no $((s1_no * B4)) c2:$s2_ok:$((s2_ok * B6)) $s2_ok $((s2_ok * B6))" \
	"$(acct_classes "$SNAP" "$P1") $(acct_rule "$SNAP" "$P1" "$K1") $(acct_rule "$SNAP" "$P1" "$D1") $(acct_classes "$SNAP" "$P2") $(acct_rule "$SNAP" "$P2" "$A2")"

tap_done
