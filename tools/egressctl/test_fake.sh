#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# egressctl end to end against fake_kernel.so, an LD_PRELOAD stand-in for
# the nf_egress kernel side (see fake_kernel.c).  Checks request encoding,
# reply decoding, sorting, text and JSON output, extack error messages and
# dump retries.  TAP 13 on stdout.
#
# usage: test_fake.sh [PATH-TO-EGRESSCTL] [PATH-TO-fake_kernel.so]

EGRESSCTL=${1:-./egressctl}
FAKE=$(realpath "${2:-./fake_kernel.so}")
FAKE_NF_EGRESS_STATE=$(mktemp)
export FAKE_NF_EGRESS_STATE
T=$(mktemp -d)
trap 'rm -rf "$FAKE_NF_EGRESS_STATE" "$T"' EXIT
n=0
failed=0

echo "TAP version 13"

# An ASan build (make SANITIZE=1) wants its runtime first in the preload list.
PRELOAD=$FAKE
asan=$(ldd "$EGRESSCTL" 2>/dev/null | awk '/libasan/ { print $3; exit }')
[[ -n "$asan" ]] && PRELOAD="$asan $FAKE"

ectl() {
	LD_PRELOAD=$PRELOAD "$EGRESSCTL" "$@"
}

# check DESC RC EXPECTED-STDOUT EXPECTED-STDERR -- ARGS...
check() {
	local desc=$1 want_rc=$2 want_out=$3 want_err=$4 out err rc errf
	shift 5
	n=$((n + 1))
	errf=$(mktemp)
	out=$(ectl "$@" 2>"$errf")
	rc=$?
	err=$(cat "$errf")
	rm -f "$errf"
	if [[ $rc -eq $want_rc && "$out" == "$want_out" && "$err" == "$want_err" ]]; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		echo "#   egressctl $*"
		echo "#   rc $rc (want $want_rc)"
		printf '#   stdout: %s\n' "$out"
		printf '#   want:   %s\n' "$want_out"
		printf '#   stderr: %s\n' "$err"
		printf '#   want:   %s\n' "$want_err"
		failed=$((failed + 1))
	fi
}

check "version with module" 0 $'egressctl 0.1.0\nnf_egress module 0.1.0-fake, 0 policies' "" -- version
check "empty show" 0 "" "" -- show
check "empty -j show" 0 "[]" "" -- -j show
check "empty -j stats" 0 "[]" "" -- -j stats
check "policy add" 0 "" "" -- policy add /t1
check "policy add existing: extack" 1 "" \
	"egressctl: policy add /t1: File exists: nf_egress: policy already exists" -- policy add /t1
check "policy add normalises path" 0 "" "" -- policy add //t0/ default allow
check "rule add v4" 0 "" "" -- rule add /t1 allow to 10.99.0.0/24
check "rule add v6" 0 "" "" -- rule add /t1 allow to 2001:db8:99::/64
check "rule add host" 0 "" "" -- rule add /t1 deny to 192.0.2.1
check "rule add duplicate: extack" 1 "" \
	"egressctl: rule add /t1: File exists: nf_egress: rule already exists" -- rule add /t1 allow to 10.99.0.0/24
check "rule add to missing policy" 1 "" \
	"egressctl: rule add /nope: No such file or directory: nf_egress: no such policy" -- rule add /nope allow to 10.0.0.0/8
check "show sorted" 0 "policy /t0 mode enforce default allow
policy /t1 mode enforce default deny
  rule 1 allow to 10.99.0.0/24
  rule 2 allow to 2001:db8:99::/64
  rule 3 deny to 192.0.2.1/32" "" -- show
check "show PATH" 0 "policy /t1 mode enforce default deny
  rule 1 allow to 10.99.0.0/24
  rule 2 allow to 2001:db8:99::/64
  rule 3 deny to 192.0.2.1/32" "" -- show /t1/
check "-j show PATH" 0 '[{"cgroup":"/t1","mode":"enforce","default":"deny","rules":[{"id":1,"action":"allow","proto":"any","to":"10.99.0.0/24","rule":"allow to 10.99.0.0/24"},{"id":2,"action":"allow","proto":"any","to":"2001:db8:99::/64","rule":"allow to 2001:db8:99::/64"},{"id":3,"action":"deny","proto":"any","to":"192.0.2.1/32","rule":"deny to 192.0.2.1/32"}]}]' "" -- -j show /t1
check "show missing PATH" 1 "" "egressctl: show /nope: no such policy" -- show /nope
check "stats table" 0 "CGROUP  ALLOWED_PKTS  ALLOWED_BYTES  DENIED_PKTS  DENIED_BYTES  WOULD_DENY_PKTS  WOULD_DENY_BYTES
/t0                0              0            0             0                0                 0
/t1                0              0            0             0                0                 0" "" -- stats
check "stats missing PATH" 1 "" \
	"egressctl: stats /nope: No such file or directory: nf_egress: no policy for this cgroup path" -- stats /nope
check "version counts policies" 0 $'egressctl 0.1.0\nnf_egress module 0.1.0-fake, 2 policies' "" -- version
check "-j version" 0 '{"version":"0.1.0","module":{"loaded":true,"version":"0.1.0-fake","generation":6,"policies":2}}' "" -- -j version

# counters, including values beyond 32 bits
sed -i 's|^P /t1 0 0 .*|P /t1 0 0 12 1536 1 4294967424 3 384|' "$FAKE_NF_EGRESS_STATE"
check "stats PATH" 0 "CGROUP  ALLOWED_PKTS  ALLOWED_BYTES  DENIED_PKTS  DENIED_BYTES  WOULD_DENY_PKTS  WOULD_DENY_BYTES
/t1               12           1536            1    4294967424                3               384" "" -- stats /t1
check "-j stats" 0 '[{"cgroup":"/t0","mode":"enforce","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0}},{"cgroup":"/t1","mode":"enforce","allowed":{"packets":12,"bytes":1536},"denied":{"packets":1,"bytes":4294967424},"would_deny":{"packets":3,"bytes":384}}]' "" -- -j stats

# dump consistency
FAKE_INTR=3 check "show retries NLM_F_DUMP_INTR" 0 "policy /t1 mode enforce default deny
  rule 1 allow to 10.99.0.0/24
  rule 2 allow to 2001:db8:99::/64
  rule 3 deny to 192.0.2.1/32" "" -- show /t1
FAKE_GEN_BUMP=2 check "show retries on generation change" 0 "policy /t0 mode enforce default allow" "" -- show /t0
FAKE_INTR=100 check "show gives up eventually" 1 "" \
	"egressctl: show: policy set kept changing during the dump, giving up" -- show
FAKE_INTR=4 check "stats retries NLM_F_DUMP_INTR" 0 '[{"cgroup":"/t0","mode":"enforce","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0}}]' "" -- -j stats /t0
FAKE_INTR=100 check "stats gives up eventually" 1 "" \
	"egressctl: stats: policy set kept changing during the dump, giving up" -- stats

# deletions
check "rule del by id" 0 "" "" -- rule del /t1 2
check "rule del by spec" 0 "" "" -- rule del /t1 deny to 192.0.2.1
check "rule del missing: extack" 1 "" \
	"egressctl: rule del /t1: No such file or directory: nf_egress: no such rule" -- rule del /t1 2
check "show after rule del" 0 "policy /t1 mode enforce default deny
  rule 1 allow to 10.99.0.0/24" "" -- show /t1
FAKE_EPERM=1 check "EPERM without extack" 1 "" \
	"egressctl: policy del /t1: Operation not permitted" -- policy del /t1
check "policy del" 0 "" "" -- policy del /t1
check "policy del missing" 1 "" \
	"egressctl: policy del /t1: No such file or directory: nf_egress: no such policy" -- policy del /t1
check "show after policy del" 0 "policy /t0 mode enforce default allow" "" -- show
FAKE_ABSENT=1 check "module absent" 1 "" "egressctl: nf_egress module not loaded" -- show
FAKE_ABSENT=1 check "module absent: version still 0" 0 $'egressctl 0.1.0\nnf_egress module not loaded' "" -- version

# --- issue 3: modes, rule grammar, apply/check, show --config, explain ---
: > "$FAKE_NF_EGRESS_STATE"
check "policy add with mode" 0 "" "" -- policy add /web mode audit default allow
check "policy set mode" 0 "" "" -- policy set /web mode enforce
check "policy set default" 0 "" "" -- policy set /web/ default deny
check "policy set missing policy" 1 "" \
	"egressctl: policy set /nope: No such file or directory: nf_egress: no such policy" -- policy set /nope mode audit
check "rule add full grammar" 0 "" "" -- rule add /web allow tcp to 10.0.0.0/8 port 443 class internal
check "rule add proto keyword, port range" 0 "" "" -- rule add /web allow proto udp to 0.0.0.0/0 port 53-54
check "rule add proto any is no proto" 0 "" "" -- rule add /web deny proto any to 169.254.169.254
check "rule add icmpv6" 0 "" "" -- rule add /web allow icmpv6 to 2001:db8::/32
check "rule add same match, other action: extack" 1 "" \
	"egressctl: rule add /web: File exists: nf_egress: rule already exists" -- rule add /web deny tcp to 10.0.0.0/8 port 443
check "show new fields" 0 "policy /web mode enforce default deny
  rule 1 allow tcp to 10.0.0.0/8 port 443 class internal
  rule 2 allow udp to 0.0.0.0/0 port 53-54
  rule 3 deny to 169.254.169.254/32
  rule 4 allow icmpv6 to 2001:db8::/32" "" -- show
check "-j show new fields" 0 '[{"cgroup":"/web","mode":"enforce","default":"deny","rules":[{"id":1,"action":"allow","proto":"tcp","to":"10.0.0.0/8","ports":[443,443],"class":"internal","rule":"allow tcp to 10.0.0.0/8 port 443 class internal"},{"id":2,"action":"allow","proto":"udp","to":"0.0.0.0/0","ports":[53,54],"rule":"allow udp to 0.0.0.0/0 port 53-54"},{"id":3,"action":"deny","proto":"any","to":"169.254.169.254/32","rule":"deny to 169.254.169.254/32"},{"id":4,"action":"allow","proto":"icmpv6","to":"2001:db8::/32","rule":"allow icmpv6 to 2001:db8::/32"}]}]' "" -- -j show
check "rule del by full spec" 0 "" "" -- rule del /web allow udp to 0.0.0.0/0 port 53-54
check "rule del by spec: ports must match" 1 "" \
	"egressctl: rule del /web: No such file or directory: nf_egress: no such rule" -- rule del /web allow tcp to 10.0.0.0/8 port 444
check "policy add /a mode audit" 0 "" "" -- policy add /a mode audit
check "show --config" 0 'cgroup "/a" {
	mode audit;
	default deny;
}

cgroup "/web" {
	mode enforce;
	default deny;
	allow tcp to 10.0.0.0/8 port 443 class internal;
	deny to 169.254.169.254/32;
	allow icmpv6 to 2001:db8::/32;
}' "" -- show --config
check "show --config PATH" 0 'cgroup "/a" {
	mode audit;
	default deny;
}' "" -- show --config /a
check "show --config missing PATH" 1 "" "egressctl: show /nope: no such policy" -- show --config /nope

# round trip: show --config | apply -f - is a no-op, byte for byte
n=$((n + 1))
before=$(ectl show --config)
ectl show --config | ectl apply -f - && after=$(ectl show --config)
if [[ -n "$before" && "$before" == "$after" ]]; then
	echo "ok $n - show --config | apply -f - leaves show --config identical"
else
	echo "not ok $n - show --config | apply -f - leaves show --config identical"
	printf '#   before: %s\n#   after: %s\n' "$before" "$after"
	failed=$((failed + 1))
fi

cat > "$T/p.conf" <<'EOF2'
# the issue's example, plus an audit policy above it
cgroup "/" { mode audit; default allow; deny to 10.0.5.0/24; }
cgroup "/system.slice/nginx.service" {
    mode enforce;
    default deny;
    allow tcp to 10.0.0.0/8 port 443 class internal;
    allow udp to 0.0.0.0/0 port 53;
    deny to 169.254.169.254/32;
    allow to 2001:db8::/32;
}
EOF2
sed -i 's|^P /web 0 0 0 0|P /web 0 0 7 700|' "$FAKE_NF_EGRESS_STATE"
check "check with module: dry run" 0 "$T/p.conf: OK (2 policies, 5 rules)" "" -- check -f "$T/p.conf"
check "check changed nothing" 0 "policy /a mode audit default deny" "" -- show /a
check "apply" 0 "" "" -- apply -f "$T/p.conf"
check "apply replaced the set" 0 'cgroup "/" {
	mode audit;
	default allow;
	deny to 10.0.5.0/24;
}

cgroup "/system.slice/nginx.service" {
	mode enforce;
	default deny;
	allow tcp to 10.0.0.0/8 port 443 class internal;
	allow udp to 0.0.0.0/0 port 53;
	deny to 169.254.169.254/32;
	allow to 2001:db8::/32;
}' "" -- show --config

check "explain: rule and default" 0 "packet from /system.slice/nginx.service/x to 10.0.5.1 proto tcp port 443
  /                            audit    rule 1 deny to 10.0.5.0/24                              -> deny (audit: would deny)
  /system.slice/nginx.service  enforce  rule 1 allow tcp to 10.0.0.0/8 port 443 class internal  -> allow
verdict: allow" "" -- explain /system.slice/nginx.service/x 10.0.5.1 proto tcp port 443
check "explain: default decides" 0 "packet from /system.slice/nginx.service to 192.0.2.1 proto udp port 123
  /                            audit    default allow  -> allow
  /system.slice/nginx.service  enforce  default deny   -> deny
verdict: deny" "" -- explain /system.slice/nginx.service 192.0.2.1 proto udp port 123
check "explain: only the root policy" 0 "packet from /other to 2001:db8::1
  /  audit    default allow  -> allow
verdict: allow" "" -- explain /other 2001:db8::1
check "-j explain" 0 '{"cgroup":"/system.slice/nginx.service","packet":{"to":"169.254.169.254","proto":null,"port":null},"levels":[{"cgroup":"/","mode":"audit","verdict":"allow","rule_id":null,"rule":null,"default":"allow"},{"cgroup":"/system.slice/nginx.service","mode":"enforce","verdict":"deny","rule_id":3,"rule":"deny to 169.254.169.254/32","default":"deny"}],"verdict":"deny"}' "" -- -j explain /system.slice/nginx.service 169.254.169.254
check "explain normalises PATH" 0 "packet from /a/b to 10.0.0.1
  /  audit    default allow  -> allow
verdict: allow" "" -- explain //a//b/ 10.0.0.1

# apply: parse errors send nothing
before=$(ectl show --config)
printf 'cgroup "/x" {\n\tallow tcp to 10.0.0.0/8 port 443;\n\tallow tcp to 10.0.0.0/8 port 443;\n}\n' > "$T/dup.conf"
rm -f "$T/log"
FAKE_LOG=$T/log check "apply: duplicate rule" 1 "" \
	"egressctl: $T/dup.conf:3:2: duplicate rule 'allow tcp to 10.0.0.0/8 port 443': same destination, protocol and ports as the rule at 2:2" -- apply -f "$T/dup.conf"
n=$((n + 1))
if [[ ! -s "$T/log" ]]; then echo "ok $n - a file with errors sends nothing"
else echo "not ok $n - a file with errors sends nothing"; failed=$((failed + 1)); fi
FAKE_BUSY=1 check "apply: EBUSY with extack" 1 "" \
	"egressctl: apply $T/p.conf: Device or resource busy: nf_egress: another apply is in progress" -- apply -f "$T/p.conf"
FAKE_EPERM=1 check "apply: EPERM" 1 "" "egressctl: apply $T/p.conf: Operation not permitted" -- apply -f "$T/p.conf"
FAKE_EPERM=1 check "check: EPERM" 1 "" "egressctl: check $T/p.conf: Operation not permitted" -- check -f "$T/p.conf"

# a kernel error names the file position of the rule it was about
awk 'BEGIN { print "cgroup \"/many\" {"; for (i = 0; i < 2000; i++)
	printf "\tallow tcp to 10.%d.%d.0/24 port %d class c%d;\n", int(i / 256), i % 256, i + 1, i % 7;
	print "}" }' > "$T/many.conf"
FAKE_MAX_RULES=1500 check "apply: kernel error located at the rule" 1 "" \
	"egressctl: apply: $T/many.conf:1502:2: No space left on device: nf_egress: too many rules in this policy" -- apply -f "$T/many.conf"
FAKE_MAX_RULES=1500 check "check: kernel dry run finds kernel limits" 1 "" \
	"egressctl: check: $T/many.conf:1502:2: No space left on device: nf_egress: too many rules in this policy" -- check -f "$T/many.conf"
check "failed apply changed nothing" 0 "$before" "" -- show --config

# big apply: pipelined, messages under 32 KiB, strict flags only
rm -f "$T/log"
FAKE_LOG=$T/log check "apply 2000 rules" 0 "" "" -- apply -f "$T/many.conf"
n=$((n + 1))
sends=$(grep -c '^sendto' "$T/log")
msgs=$(grep -c '^cmd=' "$T/log")
big=$(awk -F'len=' '/^cmd=/ { if ($2 + 0 > m) m = $2 + 0 } END { print m + 0 }' "$T/log")
badflags=$(grep '^cmd=' "$T/log" | grep -cv 'flags=0x5 \|flags=0x1 \|flags=0x301 ')
if [[ $sends -lt $msgs && $big -le 32768 && $badflags -eq 0 ]]; then
	echo "ok $n - apply pipelines ($msgs requests in $sends sendto), largest $big bytes, only REQUEST|ACK flags"
else
	echo "not ok $n - apply pipelines ($msgs requests in $sends sendto), largest $big bytes, $badflags bad flags"
	failed=$((failed + 1))
fi
n=$((n + 1))
ectl show --config > "$T/many.out"
if cmp -s <(sed 's/^    /\t/' "$T/many.conf" | sed '2i\\tmode enforce;\n\tdefault deny;') "$T/many.out"; then
	echo "ok $n - 2000-rule file round trips through show --config"
else
	echo "not ok $n - 2000-rule file round trips through show --config"
	diff <(sed '2i\\tmode enforce;\n\tdefault deny;' "$T/many.conf") "$T/many.out" | head -5 | sed 's/^/#   /'
	failed=$((failed + 1))
fi
check "check OK line counts" 0 "$T/many.conf: OK (1 policy, 2000 rules)" "" -- check -f "$T/many.conf"
check "apply an empty file empties the set" 0 "" "" -- apply -f /dev/null
check "empty set" 0 "" "" -- show --config
check "explain: no policy applies" 0 "packet from /t1 to 10.0.0.1 proto icmp
  no policy applies
verdict: allow" "" -- explain /t1 10.0.0.1 proto icmp
check "-j explain: no levels" 0 '{"cgroup":"/t1","packet":{"to":"2001:db8::1","proto":"udp","port":53},"levels":[],"verdict":"allow"}' "" -- -j explain /t1 2001:db8::1 proto udp port 53

echo "1..$n"
[[ $failed -eq 0 ]]
