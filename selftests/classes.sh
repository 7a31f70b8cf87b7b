#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Class names live in one table of 255 names; a name stays while some
# policy uses it or keeps counters for it.  A request that fails (a refused
# rule, an aborted apply) leaves none of its new names registered, and a
# STATS dump of a policy with a long path and all 255 classes works.
#
#   host: egressctl --genl--> nf_egress    (no traffic, no cgroups: policies
#                                            are bound to paths)
#   policies                               rules, one class each
#   /nfe-cls-PID/a                         100: classes k000..k099
#   /nfe-cls-PID/b                         100: classes k100..k199
#   /nfe-cls-PID/c                          54: classes k200..k253
#   $L = 16 components of 250 bytes        254: classes k000..k253
#        (a path of 4016 bytes)
# Class names are 31 bytes, the longest there can be ("k000_zzz...").
#
# The table must start empty: the module is unloaded and loaded again first,
# and once more at the end, so later tests start with an empty table too.
#   1. apply -f of the four policies: 254 names.
#   2. 50 requests that fail, each with a name never used before: 30 rules
#      that exist already in $L, 10 rules for a policy that does not exist,
#      10 rules over max_rules (lowered to the rules there are); each fails
#      with its own message, and no rule was added.  Then an apply whose
#      first policy brings a new name and whose last goes over max_rules:
#      it fails, and leaves the live set and the table as they were.
#   3. A rule of $L with one more new name succeeds: the 255th name.  One
#      more new name fails with ENOSPC, "too many distinct class names";
#      a name already known still works.
#   4. STATS of $L: egressctl stats -j lists its 255 classes by name; a
#      STATS dump from a netlink socket that never received before (the
#      kernel then sizes the dump's first skb by min_dump_alloc alone) gets
#      one message with the 4016-byte path and the 255 classes, and a clean
#      end of the dump.

source "$(dirname "$0")/lib.sh"

PFX=/nfe-cls-$$
A=$PFX/a
B=$PFX/b
C=$PFX/c
PARAMS=/sys/module/nf_egress/parameters
RELOADED=0

# The 16 components of 250 bytes of $L.
L=$(python3 -c '
import sys
print("".join("/" + ("%s-l%02d-" % (sys.argv[1], i)).ljust(250, "l") for i in range(16)))
' "${PFX#/}")

# name N: the class name number N (31 bytes).
name()
{
	printf 'k%03d_%s' "$1" zzzzzzzzzzzzzzzzzzzzzzzzzz
}

# fresh N: the name of failed request number N (31 bytes), never registered.
fresh()
{
	printf 'f%03d_%s' "$1" zzzzzzzzzzzzzzzzzzzzzzzzzz
}

reload_module()
{
	rmmod nf_egress && modprobe nf_egress
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	echo 0 > "$PARAMS/max_rules" 2> /dev/null
	lib_cleanup
	# An empty class table for whatever runs next, had the test stopped
	# before it reloaded the module at its end.
	if [ "$RELOADED" = 1 ]; then
		rmmod nf_egress 2> /dev/null
		[ -d /sys/module/nf_egress ] || modprobe nf_egress
	fi
}
trap cleanup EXIT

require_common
require_cmd rmmod modprobe
[ -w "$PARAMS/max_rules" ] || bail_out "the module has no writable max_rules parameter"
tap_plan 17

# rule_counts: "A B C L", the number of rules of each policy.
rule_counts()
{
	ectl -j show | json_eval '(lambda n: " ".join(str(n.get(p, "-")) for p in a))(
		{p["cgroup"]: len(p["rules"]) for p in d})' "$A" "$B" "$C" "$L"
}

# stats_classes PATH: "N NAME..." of PATH's classes in egressctl stats -j,
# names sorted, with "packets/bytes" after each name that has counted
# something.
stats_classes()
{
	ectl -j stats | json_eval '(lambda p: "absent" if p is None else " ".join(
		[str(len(p["classes"]))] + [k + ("" if v == {"packets": 0, "bytes": 0} else
			"=%s/%s" % (v["packets"], v["bytes"])) for k, v in sorted(p["classes"].items())]))(
		next((p for p in d if p["cgroup"] == a[0]), None))' "$1"
}

# expect_names FIRST LAST: "N NAME..." for name FIRST to name LAST.
expect_names()
{
	local i out=()

	for ((i = $1; i <= $2; i++)); do
		out+=("$(name "$i")")
	done
	echo "$(($2 - $1 + 1)) ${out[*]}"
}

# fails_with DESC COUNT MESSAGE CMD-TEMPLATE...: run the egressctl command
# COUNT times, "@" in its words replaced by the number of the run (0 to
# COUNT-1) and "%" by the fresh class name of the failed request number
# $NFAIL (counted on); each run must exit 2 with MESSAGE on stderr.
NFAIL=0
fails_with()
{
	local desc=$1 count=$2 msg=$3 i w rc bad=() args

	shift 3
	for ((i = 0; i < count; i++)); do
		args=()
		for w in "$@"; do
			w=${w//@/$i}
			args+=("${w//%/$(fresh "$NFAIL")}")
		done
		NFAIL=$((NFAIL + 1))
		"$EGRESSCTL" "${args[@]}" > /dev/null 2> "$TMPDIR_TEST/fail.err"
		rc=$?
		if [ "$rc" != 2 ] || ! grep -qF -- "$msg" "$TMPDIR_TEST/fail.err"; then
			bad+=("run $i: exit $rc: $(head -c 300 "$TMPDIR_TEST/fail.err")")
		fi
	done
	tap_result ${#bad[@]} "$desc: $count requests exit 2, '$msg'" "${bad[@]:0:5}"
}

# --- a fresh table -----------------------------------------------------------
reload_module || bail_out "cannot unload and load the module again"
RELOADED=1
check_eq "the module is loaded again, with no policies" 0 "$(ectl -j show | json_eval 'len(d)')"

# --- 1. 254 names through apply ---------------------------------------------
python3 - "$TMPDIR_TEST/classes.conf" "$A" "$B" "$C" "$L" <<'PYEOF'
import sys

f, a, b, c, l = sys.argv[1:]
name = lambda i: "k%03d_%s" % (i, "z" * 26)

def block(path, first, last, net):
    out = 'cgroup "%s" {\n    default deny;\n' % path
    for i in range(first, last + 1):
        out += "    allow to 10.%d.%d.%d/32 class %s;\n" % (net, i >> 8, i & 255, name(i))
    return out + "}\n"

with open(f, "w") as o:
    o.write(block(a, 0, 99, 1) + block(b, 100, 199, 1) + block(c, 200, 253, 1) +
            block(l, 0, 253, 2))
PYEOF
ectl apply -f "$TMPDIR_TEST/classes.conf" > /dev/null
tap_result $? "apply -f: 4 policies, 508 rules, 254 distinct class names" "$(cat "$ECTL_ERR")"
CLEANUP_POLICIES+=("$A" "$B" "$C" "$L")
check_eq "rules per policy (a b c L)" "100 100 54 254" "$(rule_counts)"
check_eq "stats -j: L counts the 254 classes k000..k253" "$(expect_names 0 253)" \
	"$(stats_classes "$L")"

# --- 2. 50 requests that fail, each with a new name ---------------------------
fails_with "a rule of L that exists, with a new class" 30 \
	"a rule for this destination and ports exists" \
	rule add "$L" allow to 10.2.0.@/32 class %
fails_with "a rule for a policy that does not exist, with a new class" 10 \
	"no policy for this cgroup path" \
	rule add "$PFX/none" allow to 10.3.0.@/32 class %
echo 508 > "$PARAMS/max_rules"
fails_with "a new rule over max_rules=508, with a new class" 10 \
	"too many rules (module parameter max_rules)" \
	rule add "$L" allow to 10.3.1.@/32 class %
# An apply whose first policy brings a new name (the 255th), accepted into
# the staged set, and whose last policy is refused: the apply fails, and
# the name goes too.
{
	printf 'cgroup "%s" {\n    allow to 10.4.0.1/32 class %s;\n}\n' "$PFX/d" "$(fresh "$NFAIL")"
	NFAIL=$((NFAIL + 1))
	cat "$TMPDIR_TEST/classes.conf"
} > "$TMPDIR_TEST/failing.conf"
echo 508 > "$PARAMS/max_rules"
"$EGRESSCTL" apply -f "$TMPDIR_TEST/failing.conf" > /dev/null 2> "$TMPDIR_TEST/fail.err"
rc=$?
[ "$rc" = 2 ] && grep -qF "too many rules (module parameter max_rules)" "$TMPDIR_TEST/fail.err"
tap_result $? "an apply whose first policy brings a new name and whose last goes over max_rules fails" \
	"exit $rc: $(head -c 300 "$TMPDIR_TEST/fail.err")"
echo 0 > "$PARAMS/max_rules"
check_eq "the $NFAIL failed requests added no rule (a b c L)" "100 100 54 254" "$(rule_counts)"

# --- 3. the 255th name, and no 256th -----------------------------------------
ectl rule add "$L" allow to 10.3.2.1/32 class "$(name 254)" > /dev/null
tap_result $? "after $NFAIL failed requests, a 255th name ($(name 254)) is accepted" \
	"$(cat "$ECTL_ERR")"
"$EGRESSCTL" rule add "$L" allow to 10.3.2.2/32 class "$(name 255)" > /dev/null \
	2> "$TMPDIR_TEST/full.err"
rc=$?
[ "$rc" = 2 ] && grep -qF "No space left on device" "$TMPDIR_TEST/full.err" &&
	grep -qF "too many distinct class names" "$TMPDIR_TEST/full.err"
tap_result $? "a 256th name is refused: exit 2, ENOSPC, 'too many distinct class names'" \
	"exit $rc: $(cat "$TMPDIR_TEST/full.err")"
ectl rule add "$A" allow to 10.3.2.3/32 class "$(name 254)" > /dev/null
tap_result $? "with the table full, a known name still works (a rule of a with $(name 254))" \
	"$(cat "$ECTL_ERR")"
check_eq "rules per policy (a b c L)" "101 100 54 255" "$(rule_counts)"

# --- 4. STATS of a long path with 255 classes ------------------------------------
check_eq "stats -j: L (${#L} bytes) lists its 255 classes, k000..k254" \
	"$(expect_names 0 254)" "$(stats_classes "$L")"

# A STATS dump of L from a new netlink socket, the family resolved on
# another one: "messages=N path=BYTES classes=N names=... end=ERRNO".
raw_dump=$(python3 - "$NF_EGRESS_SRC/include/uapi/linux/nf_egress.h" "$L" <<'PYEOF'
import re, socket, struct, sys

hdr = open(sys.argv[1]).read()
want = sys.argv[2]

def enum(name):
    body = re.search(r"enum\s+" + name + r"\s*\{(.*?)\};", hdr, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    vals, v = {}, -1
    for item in (x.strip() for x in body.split(",")):
        if not item:
            continue
        if "=" in item:
            k, e = (x.strip() for x in item.split("=", 1))
            v = eval(e, {}, dict(vals))
        else:
            k, v = item, v + 1
        vals[k] = v
    return vals

CMD = enum("nf_egress_cmd")
ATTR = enum("nf_egress_attr")
CTR = enum("nf_egress_counter_attr")
FAMILY = re.search(r'#define\s+NF_EGRESS_GENL_NAME\s+"([^"]+)"', hdr).group(1)
VERSION = int(re.search(r"#define\s+NF_EGRESS_GENL_VERSION\s+(\d+)", hdr).group(1))
NETLINK_GENERIC, NLM_F_REQUEST, NLM_F_DUMP = 16, 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE, GENL_ID_CTRL = 2, 3, 0x10
CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 3, 1, 2

def nla(t, payload):
    a = struct.pack("=HH", 4 + len(payload), t) + payload
    return a + b"\0" * (-len(a) % 4)

def nlas(buf):
    off = 0
    while off + 4 <= len(buf):
        n, t = struct.unpack_from("=HH", buf, off)
        if n < 4 or off + n > len(buf):
            raise ValueError("attribute of length %d at %d of %d" % (n, off, len(buf)))
        yield t & 0x3fff, buf[off + 4:off + n]
        off += (n + 3) & ~3

def send(sk, typ, flags, cmd, ver, payload):
    body = struct.pack("=BBH", cmd, ver, 0) + payload
    sk.send(struct.pack("=IHHII", 16 + len(body), typ, flags, 1, 0) + body)

def msgs(sk):
    """(type, payload) of each message, until DONE or an error."""
    while True:
        data, _, flags, _ = sk.recvmsg(65536)
        if flags & socket.MSG_TRUNC:
            raise ValueError("a reply over 65536 bytes")
        off = 0
        while off + 16 <= len(data):
            n, typ = struct.unpack_from("=IH", data, off)
            yield typ, data[off + 16:off + n]
            if typ in (NLMSG_DONE, NLMSG_ERROR):
                return
            off += (n + 3) & ~3

def socket_new():
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sk.bind((0, 0))
    return sk

try:
    ctl = socket_new()
    send(ctl, GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1,
         nla(CTRL_ATTR_FAMILY_NAME, FAMILY.encode() + b"\0"))
    fam = None
    for typ, p in msgs(ctl):
        if typ == GENL_ID_CTRL:
            fam = next(struct.unpack("=H", v[:2])[0] for t, v in nlas(p[4:])
                       if t == CTRL_ATTR_FAMILY_ID)
            break
    if fam is None:
        raise ValueError("no family %s" % FAMILY)
    ctl.close()

    sk = socket_new()
    send(sk, fam, NLM_F_REQUEST | NLM_F_DUMP, CMD["NF_EGRESS_CMD_STATS_GET"], VERSION,
         nla(ATTR["NF_EGRESS_A_CGROUP_PATH"], want.encode() + b"\0"))
    n, path, names, end = 0, "", [], "none"
    for typ, p in msgs(sk):
        if typ in (NLMSG_DONE, NLMSG_ERROR):
            end = struct.unpack_from("=i", p)[0] if len(p) >= 4 else "short"
            break
        n += 1
        for t, v in nlas(p[4:]):
            if t == ATTR["NF_EGRESS_A_CGROUP_PATH"]:
                path = v.rstrip(b"\0").decode()
            elif t == ATTR["NF_EGRESS_A_STATS_CLASS"]:
                names += [c.rstrip(b"\0").decode() for ct, c in nlas(v)
                          if ct == CTR["NF_EGRESS_CTR_A_CLASS"]]
    print("messages=%d path=%d classes=%d names=%s end=%s" % (
        n, len(path) if path == want else -1, len(names), ",".join(sorted(names)), end))
except Exception as e:
    print("error %s: %s" % (type(e).__name__, e))
PYEOF
)
exp_names=$(expect_names 0 254)
exp_names=${exp_names#* }
check_eq "a STATS dump of L from a socket that never received: one message, the whole path, 255 classes, a clean end" \
	"messages=1 path=${#L} classes=255 names=${exp_names// /,} end=0" "$raw_dump"

# --- the next tests get an empty table ------------------------------------------
reload_module
tap_result $? "the module is unloaded and loaded again" && RELOADED=0
check_eq "after the reload: no policies" 0 "$(ectl -j show | json_eval 'len(d)')"

tap_done
