#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An event names the sending socket's cgroup by at most the leading whole
# components of its path that fit in NF_EGRESS_CGROUP_PATH_MAX - 1 = 4095
# bytes, and says when it cut (NF_EGRESS_EVENT_A_CGROUP_PATH_TRUNCATED),
# however deep the cgroup is.  A path over 64 KiB once wrapped the path
# attribute's 16-bit length, and the listener read path bytes as attributes.
#
#   root netns                            $CLI_NS
#   +--------------------------------+    +------------------------------------+
#   | egressctl -j monitor            |    | nfeXXXX (dummy) 192.0.2.1/24, up   |
#   | egressctl monitor (text)        |    |   UDP to 192.0.2.2:5202 is denied  |
#   +--------------------------------+    |   at LOCAL_OUT: nothing leaves     |
#                                          +------------------------------------+
#   cgroups                                        policy
#   /nfe-evp-PID                                   default deny (one policy for
#     shallow                                        the whole subtree)
#     d000xxx...x/d001xxx...x/.../d269xxx...x      270 levels of 250-byte names:
#                                                  a path of about 67,800 bytes
#   /nfe-evps-PID                                  default deny (monitor sync)
#
# The chain is made, entered and removed one level at a time with relative
# paths (a path over PATH_MAX cannot be used whole).  Each monitor is known
# to listen once an event of the sync policy shows up in its output.
#   1. control: one datagram from /nfe-evp-PID/shallow: one event, deny,
#      the whole path, cgroup_truncated false; the text line has no mark.
#   2. one datagram from the deepest cgroup: exactly one more event, which
#      parses; deny, policy /nfe-evp-PID, cgroup_truncated true, and its
#      cgroup is the leading components of the real path that fit in 4095
#      bytes (a prefix at a component boundary, 4095 - 256 to 4095 bytes
#      long); the text monitor shows that path followed by "/...".
#   3. neither monitor warned about a malformed or torn event; the chain is
#      removed, deepest first.  (The runner checks the kernel log.)

source "$(dirname "$0")/lib.sh"

CG=nfe-evp-$$
P=/$CG
CGS=nfe-evps-$$
LEVELS=270
DST=192.0.2.2
SRC=192.0.2.1
MON=$TMPDIR_TEST/mon.json
MONT=$TMPDIR_TEST/mon.txt

# The chain under $CGROUP_ROOT/$CG, one level at a time:
#	python3 -c "$DEEP_PY" BASE LEVELS mk         create it
#	python3 -c "$DEEP_PY" BASE LEVELS rm         kill what runs in it, remove it
#	python3 -c "$DEEP_PY" BASE LEVELS count      how many levels exist
#	python3 -c "$DEEP_PY" BASE LEVELS exec PIDFILE CMD...
#		join the deepest level, write the pid, exec CMD
#	python3 -c "$DEEP_PY" TOP LEVELS path        the deepest path, TOP = /$CG
# Level i is named "d%03d" % i padded with "x" to 250 bytes.
# shellcheck disable=SC2016 # Python source
DEEP_PY='
import errno, os, sys, time

base, levels, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = [("d%03d" % i).ljust(250, "x") for i in range(levels)]

def down(create):
    os.chdir(base)
    depth = 0
    for n in names:
        if create:
            os.mkdir(n)
        elif not os.path.isdir(n):
            break
        os.chdir(n)
        depth += 1
    return depth

if mode == "path":
    print(base + "".join("/" + n for n in names))
elif mode == "mk":
    down(True)
elif mode == "count":
    print(down(False) if os.path.isdir(base) else 0)
elif mode == "exec":
    if down(False) != levels:
        sys.exit("the chain is not complete")
    with open("cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
    with open(sys.argv[4], "w") as f:
        f.write(str(os.getpid()))
    os.execvp(sys.argv[5], sys.argv[5:])
elif mode == "rm":
    if not os.path.isdir(base):
        sys.exit(0)
    depth = down(False)
    while depth > 0:
        if os.path.exists("cgroup.kill"):
            with open("cgroup.kill", "w") as f:
                f.write("1")
        os.chdir("..")
        depth -= 1
        for _ in range(100):
            try:
                os.rmdir(names[depth])
                break
            except OSError as e:
                if e.errno != errno.EBUSY:
                    raise
                time.sleep(0.05)
        else:
            sys.exit("%s (level %d) stays busy" % (names[depth][:8], depth))
'

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	[ -d "$CGROUP_ROOT/$CG" ] && python3 -c "$DEEP_PY" "$CGROUP_ROOT/$CG" "$LEVELS" rm
	lib_cleanup
}
trap cleanup EXIT

require_common
tap_plan 17

# One denied datagram from the sync cgroup, then: did FILE see its event?
# shellcheck disable=SC2317 # called through busywait
sync_once()
{
	udp_send "$CGS" "$DST" 1 16 > /dev/null
	grep -q "/$CGS" "$1"
}

# ev_eval EXPR [ARG...]: EXPR over d, the list of the events of $P.
ev_eval()
{
	python3 -c '
import json, sys
print(json.dumps([e for e in map(json.loads, open(sys.argv[1])) if e["policy"] == sys.argv[2]]))
' "$MON" "$P" | json_eval "$@"
}

# shellcheck disable=SC2317 # called through busywait
events_count_is()
{
	[ "$(ev_eval 'len(d)')" = "$1" ]
}

# --- setup ---------------------------------------------------------------
ns_create CLI_NS cli
DEV=$(ifname_unique)
ip -n "$CLI_NS" link add "$DEV" type dummy || bail_out "cannot create a dummy device"
ip -n "$CLI_NS" addr add "$SRC/24" dev "$DEV" || bail_out "cannot address $DEV"
ip -n "$CLI_NS" link set "$DEV" up || bail_out "cannot set $DEV up"
# client_exec (udp_send) runs senders there.
CLIENT_NS=$CLI_NS

cg_create "$CG"
cg_create "$CG/shallow"
cg_create "$CGS"
python3 -c "$DEEP_PY" "$CGROUP_ROOT/$CG" "$LEVELS" mk ||
	bail_out "cannot create $LEVELS nested cgroups under $CG"
REAL=$(python3 -c "$DEEP_PY" "$P" "$LEVELS" path)
check_eq "$LEVELS nested cgroups exist under $CG" "$LEVELS" \
	"$(python3 -c "$DEEP_PY" "$CGROUP_ROOT/$CG" "$LEVELS" count)"
((${#REAL} > 65535))
tap_result $? "the deepest cgroup's path is ${#REAL} bytes, over 64 KiB"

policy_add "$P"
policy_add "/$CGS"

"$EGRESSCTL" -j monitor > "$MON" 2> "$MON.err" &
register_pid $!
"$EGRESSCTL" monitor > "$MONT" 2> "$MONT.err" &
register_pid $!
{ busywait 20000 sync_once "$MON" && busywait 20000 sync_once "$MONT"; } ||
	bail_out "the monitors show no event: $(cat "$MON.err" "$MONT.err")"

# --- 1. control: a shallow cgroup ------------------------------------------
check_udp "UDP to $DST from $CG/shallow: EPERM" "$CG/shallow" "$DST" 1 16 \
	"sent=0 failed=1 first_errno=EPERM"
busywait 5000 events_count_is 1
check_eq "shallow: one event: verdict, policy, default, cgroup, cgroup_truncated" \
	"1 deny $P True /$CG/shallow False" \
	"$(ev_eval '[len(d)] + [d[0][k] for k in ("verdict", "policy", "default", "cgroup",
		"cgroup_truncated")]')"
sport=$(ev_eval 'd[0]["sport"]')
check_eq "shallow: the text monitor's line names the whole path, no '/...' mark" \
	"deny /$CG/shallow policy $P default udp $SRC:$sport -> $DST:$UDP_PORT" \
	"$(grep -F " policy $P " "$MONT" | head -n 1 | cut -d' ' -f2- | sed 's/ pid .*//')"

# --- 2. the deepest cgroup -------------------------------------------------
PIDFILE=$TMPDIR_TEST/deep.pid
python3 -c "$DEEP_PY" "$CGROUP_ROOT/$CG" "$LEVELS" exec "$PIDFILE" \
	ip netns exec "$CLI_NS" "$PROBE" udp-send "$DST" "$UDP_PORT" 1 16 \
	> "$TMPDIR_TEST/deep.out" 2>&1
check_eq "UDP to $DST from level $LEVELS: EPERM" "sent=0 failed=1 first_errno=EPERM" \
	"$(cat "$TMPDIR_TEST/deep.out")"
DEEP_PID=$(cat "$PIDFILE" 2> /dev/null)
busywait 5000 events_count_is 2
# Another one would have come by now.
sleep 0.5
python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$MON"
tap_result $? "every line of the JSON monitor is one JSON object" "$(tail -c 600 "$MON")"
check_eq "exactly one more event, from the deep sender: pid, comm" "2 $DEEP_PID egress_probe" \
	"$(ev_eval '[len(d), d[-1]["pid"], d[-1]["comm"]]')"
check_eq "deep: verdict, policy, default, proto, dst, dport, cgroup_truncated" \
	"deny $P True udp $DST $UDP_PORT True" \
	"$(ev_eval '[d[-1][k] for k in ("verdict", "policy", "default", "proto", "dst", "dport",
		"cgroup_truncated")]')"
CUT=$(ev_eval 'd[-1]["cgroup"]')
[[ "$REAL" == "$CUT"/* ]]
tap_result $? "deep: the cgroup is a prefix of the real path, at a component boundary" \
	"event's cgroup (${#CUT} bytes) starts '${CUT:0:80}', real path '${REAL:0:80}'"
((${#CUT} <= 4095 && ${#CUT} >= 4095 - 256))
tap_result $? "deep: the cgroup is ${#CUT} bytes, within [4095 - 256, 4095]"
# The leading components that fit: one more would not.
expect=$(python3 -c '
import sys
out = ""
for c in sys.argv[1].split("/")[1:]:
    if len(out) + 1 + len(c) > 4095:
        break
    out += "/" + c
print(out)
' "$REAL")
check_eq "deep: the cgroup is every leading component that fits in 4095 bytes ($(($(tr -cd / <<< "$expect" | wc -c))) of $((LEVELS + 1)))" \
	"$expect" "$CUT"
sport=$(ev_eval 'd[-1]["sport"]')
line=$(grep -F " policy $P " "$MONT" | sed -n 2p | cut -d' ' -f2-)
check_eq "deep: the text monitor shows the cut path followed by '/...'" \
	"deny $CUT/... policy $P default udp $SRC:$sport -> $DST:$UDP_PORT pid $DEEP_PID comm egress_probe" \
	"$line"
check_eq "the text monitor printed two lines for $P" 2 "$(grep -cF " policy $P " "$MONT")"

# --- 3. nothing torn, nothing left ------------------------------------------
check_eq "neither monitor wrote to stderr (no malformed, torn or lost events)" "" \
	"$(cat "$MON.err" "$MONT.err")"
python3 -c "$DEEP_PY" "$CGROUP_ROOT/$CG" "$LEVELS" rm
tap_result $? "the $LEVELS levels are removed, deepest first"
check_eq "no level of the chain is left" 0 "$(python3 -c "$DEEP_PY" "$CGROUP_ROOT/$CG" "$LEVELS" count)"

tap_done
