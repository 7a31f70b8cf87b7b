#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The spec is the truth: the kernel's own generic netlink client, ynl's
# cli.py, driven by nothing but Documentation/netlink/specs/nf_egress.yaml,
# gets the answers egressctl gets.
#
#   - the module's commands, their do/dump handlers and CAP_NET_ADMIN
#     flags, and its multicast group, as the generic netlink controller
#     reports them (ynl with the kernel's nlctrl spec), are the spec's;
#   - get-info agrees with `egressctl version`;
#   - a policy with a rate limit and a rule that egressctl made read back
#     through ynl's policy-get (do and dump) and rule-get with every field
#     egressctl shows;
#   - a policy, a rate limit and an IPv6 rule that ynl made (as root) read
#     back through egressctl, and ynl's policy-del removes the policy;
#   - ynl without CAP_NET_ADMIN is refused policy-new with EPERM, and may
#     still use policy-get;
#   - after UDP from the policy's cgroup, ynl's stats-get and rule-get
#     counters equal egressctl's exactly, and count the datagrams sent;
#   - ynl subscribed to the spec's events group receives the three deny
#     events egressctl monitor shows, field for field.
#
# ynl is Linux 6.12's tools/net/ynl (scripts/vm/fetch-ynl), which
# scripts/vm/check installs into .vm/ynl; without it the test fails.
#
#   root netns
#   +-------------------------------------------+
#   | /ynl_cli.PID: UDP to 198.51.100.9:5202    |
#   | nfeXXXX (dummy) 198.51.100.1/24: takes    |
#   |   the datagrams after LOCAL_OUT           |
#   +-------------------------------------------+

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

require_root
require_cmd ip python3 setpriv
require_cgroup2
require_probe

YNL_DIR=${NF_EGRESS_YNL:-$NF_EGRESS_SRC/.vm/ynl}
SPEC=$NF_EGRESS_SRC/Documentation/netlink/specs/nf_egress.yaml
if [ ! -r "$YNL_DIR/cli.py" ] || [ ! -r "$YNL_DIR/specs/nlctrl.yaml" ]; then
	bail_out "no ynl in $YNL_DIR (scripts/vm/check installs it with scripts/vm/fetch-ynl)"
fi
python3 -c 'import yaml, jsonschema' 2> /dev/null ||
	bail_out "python3-yaml and python3-jsonschema are missing (scripts/install-deps)"
diag "ynl of $(cat "$YNL_DIR/VERSION" 2> /dev/null)"

CG=ynl_cli.$$
P=/$CG
P2=/$CG.ynl
DST=198.51.100.9
export YNL_P=$P YNL_P2=$P2 UDP_PORT
for p in "$P" "$P2"; do
	ECTL_QUIET=1 ectl policy del "$p" > /dev/null
	CLEANUP_POLICIES+=("$p")
done

# ynl_spec SPEC ARGS...: cli.py, JSON on stdout, its errors to $YNL_ERR.
# Only get-info has ynl validate the spec against the kernel's schema
# (YNL_SCHEMA=1): every check costs seconds under TCG, and `make lint`
# validates it too.
YNL_ERR=$TMPDIR_TEST/ynl.err
ynl_spec()
{
	local spec=$1 rc schema=(--no-schema)

	shift
	[ "${YNL_SCHEMA:-0}" = 1 ] && schema=(--schema "$YNL_DIR/schemas/genetlink-legacy.yaml")
	python3 "$YNL_DIR/cli.py" --spec "$spec" "${schema[@]}" --output-json "$@" 2> "$YNL_ERR"
	rc=$?
	[ $rc -eq 0 ] || echo "# ynl $* -> rc=$rc $(head -c 300 "$YNL_ERR")" >&2
	return $rc
}
ynl()
{
	ynl_spec "$SPEC" "$@"
}

# agree DESC CODE JSON...: Python CODE sees the JSON documents as the list
# doc (doc[0], doc[1]...) and the spec as spec; it prints whatever
# differs.  ok when it prints nothing.
agree()
{
	local desc=$1 code=$2 out

	shift 2
	out=$(python3 -c '
import ipaddress, json, os, sys
if "spec[" in sys.argv[2]:
    import yaml
    spec = yaml.load(open(sys.argv[1]), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
P, P2 = os.environ["YNL_P"], os.environ["YNL_P2"]
doc = [json.loads(x) for x in sys.argv[3:]]
def one(items, path, key="cgroup"):
    """The element of items whose key is path; there must be one."""
    hits = [x for x in items if x.get(key) == path]
    if len(hits) != 1:
        raise SystemExit(f"{len(hits)} entries for {path}")
    return hits[0]
def same(what, x, y):
    if x != y:
        print(f"{what}: {x!r} != {y!r}")
exec(sys.argv[2])
' "$SPEC" "$code" "$@" 2>&1)
	check_eq "$desc" "" "$out"
}

tap_plan 17

# ---- the kernel's registration is the spec's ----------------------------

ctrl=$(ynl_spec "$YNL_DIR/specs/nlctrl.yaml" --do getfamily --json '{"family-name": "nf_egress"}')
agree "the kernel registers the spec's commands, handlers, admin flags and group" '
def items(lst):
    # 6.12 ynl gives an indexed array as [{index: item}, ...]
    return [x if "id" in x or "name" in x else next(iter(x.values())) for x in lst]
reg = {}
for o in items(doc[0]["ops"]):
    f = o.get("flags", [])
    if isinstance(f, int):
        f = [n for b, n in ((1, "admin-perm"), (2, "cmd-cap-do"), (4, "cmd-cap-dump")) if f & b]
    reg[o["id"]] = sorted(x for x in f if x in ("admin-perm", "cmd-cap-do", "cmd-cap-dump"))
want = {}
value = 1
for op in spec["operations"]["list"]:
    value = op.get("value", value)
    caps = [n for k, n in (("do", "cmd-cap-do"), ("dump", "cmd-cap-dump")) if k in op]
    if caps:
        want[value] = sorted(caps + (["admin-perm"] if "admin-perm" in op.get("flags", []) else []))
    value += 1
same("ops", reg, want)
same("version", doc[0]["version"], spec["version"])
same("groups", sorted(g["name"] for g in items(doc[0]["mcast-groups"])),
     sorted(g["name"] for g in spec["mcast-groups"]["list"]))
' "${ctrl:-null}"

info=$(YNL_SCHEMA=1 ynl --do get-info)
ver=$(ectl -j version)
agree "get-info (the spec validated by ynl): the version and policy count egressctl shows" '
same("version", doc[0]["version"], doc[1]["module"]["version"])
same("policies", doc[0]["policy-count"], doc[1]["module"]["policies"])
same("cached-cgroups is a count", type(doc[0]["cached-cgroups"]).__name__, "int")
same("cached_cgroups is a count", type(doc[1]["module"]["cached_cgroups"]).__name__, "int")
' "${info:-null}" "${ver:-null}"

# ---- egressctl writes, ynl reads -----------------------------------------

cg_create "$CG"
dummy_up 198.51.100.1/24

ectl_must policy add "$P" mode enforce default deny rate 1gbit
ectl_must rule add "$P" allow udp to 198.51.100.0/24 port "$UDP_PORT" class web
shown=$(ectl -j show "$P")
pget=$(ynl --do policy-get --json "{\"cgroup-path\": \"$P\"}")
agree "policy-get (do) of an egressctl policy: mode, default, rate, rule count" '
y = doc[0]
e = one(doc[1], P)
same("path", y["cgroup-path"], P)
same("mode", y["mode"], e["mode"])
same("default", y["default"], e["default"])
same("rule count", y["rule-count"], len(e["rules"]))
r = y.get("rate", {})
same("bytes/s", r.get("bytes-per-sec"), e["rate"]["bytes_per_sec"])
same("burst", r.get("burst"), e["rate"]["burst"])
same("rate mode", r.get("mode"), e["rate"]["mode"])
same("queue", r.get("queue-limit"), e["rate"]["queue"])
same("latency", r.get("latency-us"), e["rate"]["latency_us"])
same("1gbit", r.get("bytes-per-sec"), 125000000)
' "${pget:-null}" "${shown:-null}"

pdump=$(ynl --dump policy-get --json "{\"cgroup-path\": \"$P\"}")
agree "policy-get (dump) filtered by path: one message, the do reply" '
same("messages", len(doc[0]), 1)
m = dict(doc[0][0])
d = dict(doc[1])
m.pop("generation"); d.pop("generation")
same("message", m, d)
' "${pdump:-null}" "${pget:-null}"

rules=$(ynl --dump rule-get --json "{\"cgroup-path\": \"$P\"}")
agree "rule-get of an egressctl rule: id, action, family, address, ports, class" '
e = doc[1][0]["rules"]
same("messages", len(doc[0]), len(e))
for m, er in zip(doc[0], e):
    r = m["rule"][0] if isinstance(m["rule"], list) else m["rule"]
    net = ipaddress.ip_network((bytes.fromhex(r["addr"]), r["prefix-len"]))
    same("id", r["id"], er["id"])
    same("action", r["action"], er["action"])
    same("family", r["family"], 2 if net.version == 4 else 10)
    same("to", str(net), er["to"])
    same("proto", {6: "tcp", 17: "udp"}.get(r.get("proto")), er["proto"])
    same("ports", [r.get("port-min"), r.get("port-max")], er["ports"])
    same("class", r.get("class"), er.get("class"))
r = doc[0][0]["rule"][0] if doc[0] else {}
same("as added", [r.get(k) for k in ("action", "family", "addr", "prefix-len", "proto",
                                     "port-min", "port-max", "class")],
     ["allow", 2, "c6336400", 24, 17, int(os.environ["UDP_PORT"]), int(os.environ["UDP_PORT"]), "web"])
' "${rules:-null}" "${shown:-null}"

# ---- ynl writes, egressctl reads -----------------------------------------

# Three requests in one message batch (one ynl start-up instead of three).
ynl --multi policy-new "{\"cgroup-path\": \"$P2\", \"mode\": \"audit\", \"default\": \"allow\"}" \
	--multi policy-set "{\"cgroup-path\": \"$P2\", \"rate\": {\"bytes-per-sec\": 125000, \"mode\": \"police\"}}" \
	--multi rule-new "{\"cgroup-path\": \"$P2\", \"rule\": {\"action\": \"deny\", \"family\": 10, \"addr\": \"20010db8000000000000000000000000\", \"prefix-len\": 32, \"proto\": 17, \"port-min\": 53, \"port-max\": 53}}" \
	> "$TMPDIR_TEST/multi.out"
tap_result $? "ynl (root) creates a policy, sets its rate limit and adds a rule" "$(cat "$TMPDIR_TEST/multi.out" "$YNL_ERR")"
shown2=$(ectl -j show "$P2")
rules2=$(ynl --dump rule-get --json "{\"cgroup-path\": \"$P2\"}")
agree "egressctl shows what ynl made: mode, default, police rate, the IPv6 rule and its id" '
e = one(doc[0], P2)
same("mode", e["mode"], "audit")
same("default", e["default"], "allow")
same("rate", [e["rate"]["bytes_per_sec"], e["rate"]["mode"], e["rate"]["queue"]], [125000, "police", None])
same("rules", [(r["action"], r["proto"], r["to"], r["ports"]) for r in e["rules"]],
     [("deny", "udp", "2001:db8::/32", [53, 53])])
ids = [(m["rule"][0] if isinstance(m["rule"], list) else m["rule"])["id"] for m in doc[1]]
same("ids", ids, [r["id"] for r in e["rules"]])
' "${shown2:-null}" "${rules2:-null}"

# ---- privileges ------------------------------------------------------------

as_nobody()
{
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"
}
out=$(as_nobody python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --do policy-new \
	--json "{\"cgroup-path\": \"$P.nobody\"}" 2>&1)
rc=$?
CLEANUP_POLICIES+=("$P.nobody")
[ $rc -ne 0 ] && grep -q "Operation not permitted" <<< "$out" &&
	! ectl show "$P.nobody" > /dev/null 2>&1
tap_result $? "ynl without CAP_NET_ADMIN: policy-new refused with EPERM, nothing made" "rc=$rc: $out"

# What the module refuses of templates whatever the client checks first:
# more than 8 '*', instance settings on an exact path.  Nothing is made.
refused()
{
	local desc=$1 path=$2 json=$3 want=$4 out rc

	CLEANUP_POLICIES+=("$path")
	out=$(python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --do policy-new \
		--json "$json" 2>&1)
	rc=$?
	[ $rc -ne 0 ] && grep -qF "$want" <<< "$out" && ! ectl show "$path" > /dev/null 2>&1
	tap_result $? "$desc" "rc=$rc: $out"
}
refused "policy-new of a pattern with 9 '*' refused" "$P.t/a*b*c*d*e*f*g*h*i*j" \
	"{\"cgroup-path\": \"$P.t/a*b*c*d*e*f*g*h*i*j\"}" "at most 8 '*'"
refused "policy-new of an exact path with instances-max refused" "$P.t" \
	"{\"cgroup-path\": \"$P.t\", \"instances-max\": 5}" "only a template"
# A template takes quotas, which each instance counts on its own.
CLEANUP_POLICIES+=("$P.q/*")
python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --do policy-new \
	--json "{\"cgroup-path\": \"$P.q/*\", \"quota\": [{\"limit\": 1000000, \"period\": \"day\"}]}" \
	> "$TMPDIR_TEST/tq.out" 2>&1
check_eq "policy-new of a template with a quota: the template has it" "0 1000000" \
	"$? $(ectl -j show "$P.q/*" | json_eval 'd[0]["quotas"][0]["limit"]')"

nget=$(as_nobody python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --output-json --do policy-get \
	--json "{\"cgroup-path\": \"$P2\"}" 2> "$YNL_ERR")
agree "ynl without CAP_NET_ADMIN: policy-get answers" '
same("path", doc[0]["cgroup-path"], doc[1]["cgroup"])
same("mode", doc[0]["mode"], doc[1]["mode"])
' "${nget:-null}" "$(ectl -j show "$P2" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]))')"

ynl --do policy-del --json "{\"cgroup-path\": \"$P2\"}" > /dev/null &&
	! ectl show "$P2" > /dev/null 2>&1
tap_result $? "ynl policy-del: egressctl no longer finds the policy"

# ---- counters ----------------------------------------------------------------

check_udp "5 datagrams from $P leave under its allow rule" "$CG" "$DST" 5 100 \
	"sent=5 failed=0 first_errno=none"
estats=$(ectl -j stats "$P" --rules)
ystats=$(ynl --dump stats-get --json "{\"cgroup-path\": \"$P\"}")
yrules=$(ynl --dump rule-get --json "{\"cgroup-path\": \"$P\"}")
agree "stats-get and rule-get counters equal egressctl stats, 5 packets of 128 bytes" '
y = doc[0]
same("messages", len(y), 1)
y = y[0]
e = one(doc[1], P)
def ctr(n):
    c = y.get(n, {})
    return {"packets": c.get("packets"), "bytes": c.get("bytes")}
for yk, ek in (("stats-allowed", "allowed"), ("stats-denied", "denied"),
               ("stats-would-deny", "would_deny"), ("stats-ratelimited", "ratelimited"),
               ("stats-shaped", "shaped")):
    same(ek, ctr(yk), e[ek])
same("queue", y.get("stats-queue-len"), e["queue_len"])
same("delay", y.get("stats-max-delay-ns"), e["max_delay_ns"])
same("classes", {c["class"]: {"packets": c["packets"], "bytes": c["bytes"]}
                 for c in y.get("stats-class", [])}, e["classes"])
same("allowed", e["allowed"], {"packets": 5, "bytes": 640})
rs = [(m["rule"][0] if isinstance(m["rule"], list) else m["rule"]) for m in doc[2]]
same("rule counters", [(r["id"], r["stats"]["packets"], r["stats"]["bytes"]) for r in rs],
     [(r["id"], r["packets"], r["bytes"]) for r in e["rules"]])
same("rule hits", [r["stats"]["packets"] for r in rs], [5])
' "${ystats:-null}" "${estats:-null}" "${yrules:-null}"

# ---- events ------------------------------------------------------------------

# ynl subscribes to the spec's group beside `egressctl monitor`; once both
# have joined it, three datagrams from $P to a port its rule does not allow
# are denied.  ynl prints what it received when its sleep ends.
group=$(python3 -c '
import json, sys
for g in json.loads(sys.argv[1]).get("mcast-groups", []):
    g = g if "name" in g else next(iter(g.values()))
    if g["name"] == "events":
        print(g["id"])
' "${ctrl:-null}")
DENIED_PORT=$((UDP_PORT + 1))
"$EGRESSCTL" -j monitor > "$TMPDIR_TEST/monitor.json" 2> "$TMPDIR_TEST/monitor.err" &
mon_pid=$!
register_pid "$mon_pid"
python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --output-json --subscribe events \
	--sleep 8 > "$TMPDIR_TEST/ynl-events.json" 2> "$TMPDIR_TEST/ynl-events.err" &
ynl_pid=$!
register_pid "$ynl_pid"
joined=0
if [ -n "$group" ] && [ "$group" -le 32 ] &&
	busywait 20000 netlink_joined "$mon_pid" "$group" &&
	busywait 20000 netlink_joined "$ynl_pid" "$group"; then
	joined=1
	got=$(udp_send_port "$CG" "$DST" "$DENIED_PORT" 3 100)
	[ "$got" = "sent=0 failed=3 first_errno=EPERM" ] ||
		diag "UDP to $DST port $DENIED_PORT: $got"
	# shellcheck disable=SC2016 # expanded by the inner bash
	busywait 10000 bash -c '[ "$(grep -c "\"policy\":\"$1\"" "$2")" -ge 3 ]' \
		_ "$P" "$TMPDIR_TEST/monitor.json"
fi
wait_pid_gone "$ynl_pid" 300
wait "$ynl_pid"
ynl_rc=$?
kill "$mon_pid" 2> /dev/null
wait "$mon_pid" 2> /dev/null
[ "$joined" = 1 ] && [ "$ynl_rc" = 0 ]
tap_result $? "ynl --subscribe events and egressctl monitor join the spec's group" \
	"group id '$group', ynl exit $ynl_rc: $(head -c 300 "$TMPDIR_TEST/ynl-events.err")"

ynl_events=$(cat "$TMPDIR_TEST/ynl-events.json")
mon_events=$(python3 -c '
import json, sys
print(json.dumps([json.loads(l) for l in open(sys.argv[1]) if l.strip()]))
' "$TMPDIR_TEST/monitor.json")
export DENIED_PORT DST_ADDR=$DST
agree "ynl gets the three deny events egressctl monitor shows, field for field" '
y = [m["msg"]["event"] for m in doc[0] if m.get("name") == "event"]
e = [x for x in doc[1] if x["policy"] == P]
same("ynl events", len(y), 3)
same("monitor events", len(e), 3)
def addr(h):
    return str(ipaddress.ip_address(bytes.fromhex(h))) if h else None
for a, b in zip(y, e):
    same("event", {
        "time_ns": a["time-ns"], "verdict": a["verdict"], "cgroup": a["cgroup-path"],
        "policy": a["policy-path"], "rule_id": a.get("rule-id"), "default": "default" in a,
        "family": {2: "ipv4", 10: "ipv6"}.get(a["family"]), "proto": {17: "udp"}.get(a["proto"]),
        "src": addr(a.get("saddr")), "dst": addr(a.get("daddr")),
        "sport": a.get("sport"), "dport": a.get("dport"), "pid": a.get("pid"),
        "comm": a.get("comm"), "suppressed": a.get("suppressed", 0)},
        {k: b[k] for k in ("time_ns", "verdict", "cgroup", "policy", "rule_id", "default",
                           "family", "proto", "src", "dst", "sport", "dport", "pid", "comm",
                           "suppressed")})
same("what was denied", sorted({(x["verdict"], x["cgroup"], x["default"], x["dst"], x["dport"])
                                for x in e}),
     [("deny", P, True, os.environ["DST_ADDR"], int(os.environ["DENIED_PORT"]))])
' "${ynl_events:-null}" "${mon_events:-null}"

tap_done
