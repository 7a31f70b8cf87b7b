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
check "policy add existing: extack" 2 "" \
	"egressctl: policy add /t1: File exists: nf_egress: policy already exists" -- policy add /t1
check "policy add normalises path" 0 "" "" -- policy add //t0/ default allow
check "rule add v4" 0 "" "" -- rule add /t1 allow to 10.99.0.0/24
check "rule add v6" 0 "" "" -- rule add /t1 allow to 2001:db8:99::/64
check "rule add host" 0 "" "" -- rule add /t1 deny to 192.0.2.1
check "rule add duplicate: extack" 2 "" \
	"egressctl: rule add /t1: File exists: nf_egress: rule already exists" -- rule add /t1 allow to 10.99.0.0/24
check "rule add to missing policy" 2 "" \
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
check "-j show PATH" 0 '[{"cgroup":"/t1","mode":"enforce","default":"deny","rate":null,"rules":[{"id":1,"action":"allow","proto":"any","to":"10.99.0.0/24","rule":"allow to 10.99.0.0/24"},{"id":2,"action":"allow","proto":"any","to":"2001:db8:99::/64","rule":"allow to 2001:db8:99::/64"},{"id":3,"action":"deny","proto":"any","to":"192.0.2.1/32","rule":"deny to 192.0.2.1/32"}]}]' "" -- -j show /t1
check "show missing PATH" 2 "" "egressctl: show /nope: no such policy" -- show /nope
check "stats table" 0 "                     ALLOWED       DENIED   WOULD_DENY  RATELIMITED
CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES
/t0     enforce     0    0 B     0    0 B     0    0 B     0    0 B
/t1     enforce     0    0 B     0    0 B     0    0 B     0    0 B" "" -- stats
check "stats missing PATH" 2 "" \
	"egressctl: stats /nope: No such file or directory: nf_egress: no policy for this cgroup path" -- stats /nope
check "version counts policies" 0 $'egressctl 0.1.0\nnf_egress module 0.1.0-fake, 2 policies' "" -- version
check "-j version" 0 '{"version":"0.1.0","module":{"loaded":true,"version":"0.1.0-fake","generation":6,"policies":2}}' "" -- -j version

# counters, including values beyond 32 bits
sed -i 's|^P /t1 0 0 .*|P /t1 0 0 12 1536 1 4294967424 3 384|' "$FAKE_NF_EGRESS_STATE"
check "stats --exact" 0 "                     ALLOWED            DENIED   WOULD_DENY  RATELIMITED
CGROUP  MODE     PKTS  BYTES  PKTS       BYTES  PKTS  BYTES  PKTS  BYTES
/t0     enforce     0      0     0           0     0      0     0      0
/t1     enforce    12   1536     1  4294967424     3    384     0      0" "" -- stats --exact
check "stats PATH: rules below" 0 "                       ALLOWED         DENIED   WOULD_DENY  RATELIMITED
CGROUP  MODE     PKTS    BYTES  PKTS    BYTES  PKTS  BYTES  PKTS  BYTES
/t1     enforce    12  1.5 KiB     1  4.0 GiB     3  384 B     0    0 B

policy /t1: counters never reset
  ID  PKTS  BYTES  RULE
   1     0    0 B  allow to 10.99.0.0/24
   2     0    0 B  allow to 2001:db8:99::/64
   3     0    0 B  deny to 192.0.2.1/32" "" -- stats /t1
check "-j stats" 0 '[{"cgroup":"/t0","mode":"enforce","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":[],"reset_time":null},{"cgroup":"/t1","mode":"enforce","allowed":{"packets":12,"bytes":1536},"denied":{"packets":1,"bytes":4294967424},"would_deny":{"packets":3,"bytes":384},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":[{"id":1,"rule":"allow to 10.99.0.0/24","packets":0,"bytes":0},{"id":2,"rule":"allow to 2001:db8:99::/64","packets":0,"bytes":0},{"id":3,"rule":"deny to 192.0.2.1/32","packets":0,"bytes":0}],"reset_time":null}]' "" -- -j stats

# dump consistency
FAKE_INTR=3 check "show retries NLM_F_DUMP_INTR" 0 "policy /t1 mode enforce default deny
  rule 1 allow to 10.99.0.0/24
  rule 2 allow to 2001:db8:99::/64
  rule 3 deny to 192.0.2.1/32" "" -- show /t1
FAKE_GEN_BUMP=2 check "show retries on generation change" 0 "policy /t0 mode enforce default allow" "" -- show /t0
FAKE_INTR=100 check "show gives up eventually" 2 "" \
	"egressctl: show: policy set kept changing during the dump, giving up" -- show
FAKE_INTR=4 check "stats retries NLM_F_DUMP_INTR" 0 '[{"cgroup":"/t0","mode":"enforce","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":[],"reset_time":null}]' "" -- -j stats /t0
FAKE_INTR=100 check "stats gives up eventually" 2 "" \
	"egressctl: stats: policy set kept changing during the dump, giving up" -- stats

# deletions
check "rule del by id" 0 "" "" -- rule del /t1 2
check "rule del by spec" 0 "" "" -- rule del /t1 deny to 192.0.2.1
check "rule del missing: extack" 2 "" \
	"egressctl: rule del /t1: No such file or directory: nf_egress: no such rule" -- rule del /t1 2
check "show after rule del" 0 "policy /t1 mode enforce default deny
  rule 1 allow to 10.99.0.0/24" "" -- show /t1
FAKE_EPERM=1 check "EPERM without extack" 2 "" \
	"egressctl: policy del /t1: Operation not permitted" -- policy del /t1
check "policy del" 0 "" "" -- policy del /t1
check "policy del missing" 2 "" \
	"egressctl: policy del /t1: No such file or directory: nf_egress: no such policy" -- policy del /t1
check "show after policy del" 0 "policy /t0 mode enforce default allow" "" -- show
FAKE_ABSENT=1 check "module absent" 2 "" "egressctl: nf_egress module not loaded" -- show
FAKE_ABSENT=1 check "module absent: version still 0" 0 $'egressctl 0.1.0\nnf_egress module not loaded' "" -- version

# --- modes, rule grammar, apply/check, show --config, explain ---
: > "$FAKE_NF_EGRESS_STATE"
check "policy add with mode" 0 "" "" -- policy add /web mode audit default allow
check "policy set mode" 0 "" "" -- policy set /web mode enforce
check "policy set default" 0 "" "" -- policy set /web/ default deny
check "policy set missing policy" 2 "" \
	"egressctl: policy set /nope: No such file or directory: nf_egress: no such policy" -- policy set /nope mode audit
check "rule add full grammar" 0 "" "" -- rule add /web allow tcp to 10.0.0.0/8 port 443 class internal
check "rule add proto keyword, port range" 0 "" "" -- rule add /web allow proto udp to 0.0.0.0/0 port 53-54
check "rule add proto any is no proto" 0 "" "" -- rule add /web deny proto any to 169.254.169.254
check "rule add icmpv6" 0 "" "" -- rule add /web allow icmpv6 to 2001:db8::/32
check "rule add same match, other action: extack" 2 "" \
	"egressctl: rule add /web: File exists: nf_egress: rule already exists" -- rule add /web deny tcp to 10.0.0.0/8 port 443
check "show new fields" 0 "policy /web mode enforce default deny
  rule 1 allow tcp to 10.0.0.0/8 port 443 class internal
  rule 2 allow udp to 0.0.0.0/0 port 53-54
  rule 3 deny to 169.254.169.254/32
  rule 4 allow icmpv6 to 2001:db8::/32" "" -- show
check "-j show new fields" 0 '[{"cgroup":"/web","mode":"enforce","default":"deny","rate":null,"rules":[{"id":1,"action":"allow","proto":"tcp","to":"10.0.0.0/8","ports":[443,443],"class":"internal","rule":"allow tcp to 10.0.0.0/8 port 443 class internal"},{"id":2,"action":"allow","proto":"udp","to":"0.0.0.0/0","ports":[53,54],"rule":"allow udp to 0.0.0.0/0 port 53-54"},{"id":3,"action":"deny","proto":"any","to":"169.254.169.254/32","rule":"deny to 169.254.169.254/32"},{"id":4,"action":"allow","proto":"icmpv6","to":"2001:db8::/32","rule":"allow icmpv6 to 2001:db8::/32"}]}]' "" -- -j show
check "rule del by full spec" 0 "" "" -- rule del /web allow udp to 0.0.0.0/0 port 53-54
check "rule del by spec: ports must match" 2 "" \
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
check "show --config missing PATH" 2 "" "egressctl: show /nope: no such policy" -- show --config /nope

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
FAKE_BUSY=1 check "apply: EBUSY with extack" 2 "" \
	"egressctl: apply $T/p.conf: Device or resource busy: nf_egress: another apply is in progress" -- apply -f "$T/p.conf"
FAKE_EPERM=1 check "apply: EPERM" 2 "" "egressctl: apply $T/p.conf: Operation not permitted" -- apply -f "$T/p.conf"
FAKE_EPERM=1 check "check: EPERM" 2 "" "egressctl: check $T/p.conf: Operation not permitted" -- check -f "$T/p.conf"

# a kernel error names the file position of the rule it was about
awk 'BEGIN { print "cgroup \"/many\" {"; for (i = 0; i < 2000; i++)
	printf "\tallow tcp to 10.%d.%d.0/24 port %d class c%d;\n", int(i / 256), i % 256, i + 1, i % 7;
	print "}" }' > "$T/many.conf"
FAKE_MAX_RULES=1500 check "apply: kernel error located at the rule" 2 "" \
	"egressctl: apply: $T/many.conf:1502:2: No space left on device: nf_egress: too many rules in this policy" -- apply -f "$T/many.conf"
FAKE_MAX_RULES=1500 check "check: kernel dry run finds kernel limits" 2 "" \
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


# --- accounting: classes, rule hits, reset time, metrics ---------
# counters as a kernel would report them after some traffic
cat > "$FAKE_NF_EGRESS_STATE" <<'EOF2'
G 10
P /t1 0 0 1234567 1610612736 1000 1536 0 0 7 700 1795784700
C /t1 internet 1200000 1500000000
C /t1 internal 5 640
P /t1/sub 1 1 812 812 0 0 3 384
P /we"ird\path 1 0 999999 1048575 0 0 0 0
R /t1 1 allow tcp to 10.0.0.0/8 port 443 class internet
S /t1 1 1234000 1610000000
R /t1 2 deny to 192.0.2.0/24
S /t1 2 1000 1536
R /t1 3 allow to 10.1.0.0/16 class internal
R /t1/sub 1 allow to 2001:db8::/32
EOF2
check "stats: human units, reset time below" 0 '                             ALLOWED         DENIED   WOULD_DENY  RATELIMITED
CGROUP        MODE     PKTS    BYTES  PKTS    BYTES  PKTS  BYTES  PKTS  BYTES
/t1           enforce  1.2M  1.5 GiB  1.0k  1.5 KiB     0    0 B     7  700 B
/t1/sub       audit     812    812 B     0      0 B     3  384 B     0    0 B
/we"ird\path  enforce  1.0M  1.0 MiB     0      0 B     0    0 B     0    0 B

policy /t1: counters since reset at 2026-11-27 13:05:00 UTC' "" -- stats
check "stats -x: exact" 0 '                                   ALLOWED       DENIED   WOULD_DENY  RATELIMITED
CGROUP        MODE        PKTS       BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES
/t1           enforce  1234567  1610612736  1000   1536     0      0     7    700
/t1/sub       audit        812         812     0      0     3    384     0      0
/we"ird\path  enforce   999999     1048575     0      0     0      0     0      0

policy /t1: counters since reset at 2026-11-27 13:05:00 UTC' "" -- stats -x
T1_TABLE='                       ALLOWED         DENIED   WOULD_DENY  RATELIMITED
CGROUP  MODE     PKTS    BYTES  PKTS    BYTES  PKTS  BYTES  PKTS  BYTES
/t1     enforce  1.2M  1.5 GiB  1.0k  1.5 KiB     0    0 B     7  700 B

policy /t1: counters since reset at 2026-11-27 13:05:00 UTC
  ID  PKTS    BYTES  RULE
   1  1.2M  1.5 GiB  allow tcp to 10.0.0.0/8 port 443 class internet
   2  1.0k  1.5 KiB  deny to 192.0.2.0/24
   3     0      0 B  allow to 10.1.0.0/16 class internal
  CLASS     PKTS    BYTES
  internal     5    640 B
  internet  1.2M  1.4 GiB'
check "stats PATH: rules and classes (sorted)" 0 "$T1_TABLE" "" -- stats /t1
check "stats --rules PATH: the same" 0 "$T1_TABLE" "" -- stats --rules /t1
check "stats --rules without PATH" 0 '                             ALLOWED         DENIED   WOULD_DENY  RATELIMITED
CGROUP        MODE     PKTS    BYTES  PKTS    BYTES  PKTS  BYTES  PKTS  BYTES
/t1           enforce  1.2M  1.5 GiB  1.0k  1.5 KiB     0    0 B     7  700 B
/t1/sub       audit     812    812 B     0      0 B     3  384 B     0    0 B
/we"ird\path  enforce  1.0M  1.0 MiB     0      0 B     0    0 B     0    0 B

policy /t1: counters since reset at 2026-11-27 13:05:00 UTC
  ID  PKTS    BYTES  RULE
   1  1.2M  1.5 GiB  allow tcp to 10.0.0.0/8 port 443 class internet
   2  1.0k  1.5 KiB  deny to 192.0.2.0/24
   3     0      0 B  allow to 10.1.0.0/16 class internal
  CLASS     PKTS    BYTES
  internal     5    640 B
  internet  1.2M  1.4 GiB

policy /t1/sub: counters never reset
  ID  PKTS  BYTES  RULE
   1     0    0 B  allow to 2001:db8::/32

policy /we"ird\path: counters never reset
  no rules' "" -- stats --rules
check "stats PATH -x" 0 '                             ALLOWED       DENIED   WOULD_DENY  RATELIMITED
CGROUP  MODE        PKTS       BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES
/t1     enforce  1234567  1610612736  1000   1536     0      0     7    700

policy /t1: counters since reset at 2026-11-27 13:05:00 UTC
  ID     PKTS       BYTES  RULE
   1  1234000  1610000000  allow tcp to 10.0.0.0/8 port 443 class internet
   2     1000        1536  deny to 192.0.2.0/24
   3        0           0  allow to 10.1.0.0/16 class internal
  CLASS        PKTS       BYTES
  internal        5         640
  internet  1200000  1500000000' "" -- stats /t1 --exact
STATS_JSON='[{"cgroup":"/t1","mode":"enforce","allowed":{"packets":1234567,"bytes":1610612736},"denied":{"packets":1000,"bytes":1536},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":7,"bytes":700},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{"internal":{"packets":5,"bytes":640},"internet":{"packets":1200000,"bytes":1500000000}},"rules":[{"id":1,"rule":"allow tcp to 10.0.0.0/8 port 443 class internet","packets":1234000,"bytes":1610000000},{"id":2,"rule":"deny to 192.0.2.0/24","packets":1000,"bytes":1536},{"id":3,"rule":"allow to 10.1.0.0/16 class internal","packets":0,"bytes":0}],"reset_time":1795784700},{"cgroup":"/t1/sub","mode":"audit","allowed":{"packets":812,"bytes":812},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":3,"bytes":384},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":[{"id":1,"rule":"allow to 2001:db8::/32","packets":0,"bytes":0}],"reset_time":null},{"cgroup":"/we\"ird\\path","mode":"enforce","allowed":{"packets":999999,"bytes":1048575},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":[],"reset_time":null}]'
check "-j stats: classes, rules, reset_time" 0 "$STATS_JSON" "" -- -j stats
check "stats -j after the command, --exact ignored" 0 "$STATS_JSON" "" -- stats -j --exact
n=$((n + 1))
if ectl -j stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
keys = {"cgroup", "mode", "allowed", "denied", "would_deny", "ratelimited",
        "shaped", "queue_len", "max_delay_ns", "classes", "rules", "reset_time"}
for p in d:
    assert keys <= set(p), p.keys()
    for v in ("allowed", "denied", "would_deny", "ratelimited", "shaped"):
        assert set(p[v]) == {"packets", "bytes"} and all(type(x) is int for x in p[v].values())
    assert type(p["queue_len"]) is int and type(p["max_delay_ns"]) is int
    assert isinstance(p["classes"], dict) and isinstance(p["rules"], list)
    for r in p["rules"]:
        assert {"id", "rule", "packets", "bytes"} <= set(r)
    assert p["reset_time"] is None or type(p["reset_time"]) is int
assert d[0]["classes"]["internet"] == {"packets": 1200000, "bytes": 1500000000}
' 2>"$T/py.err"; then
	echo "ok $n - -j stats parses with the documented shape"
else
	echo "not ok $n - -j stats parses with the documented shape"
	sed 's/^/#   /' "$T/py.err"
	failed=$((failed + 1))
fi
FAKE_GEN_BUMP=2 check "stats retries when RULE_GET saw another generation" 0 "$STATS_JSON" "" -- -j stats
FAKE_INTR=4 check "stats with rules retries NLM_F_DUMP_INTR" 0 "$STATS_JSON" "" -- -j stats
FAKE_GEN_BUMP=100 check "stats gives up when the generation keeps changing" 2 "" \
	"egressctl: stats: policy set kept changing during the dump, giving up" -- -j stats
check "stats /reset is a path" 2 "" \
	"egressctl: stats /reset: No such file or directory: nf_egress: no policy for this cgroup path" -- stats /reset
check "show --stats: rule hits" 0 "policy /t1 mode enforce default deny
  rule 1 allow tcp to 10.0.0.0/8 port 443 class internet  (1.2M pkts, 1.5 GiB)
  rule 2 deny to 192.0.2.0/24  (1.0k pkts, 1.5 KiB)
  rule 3 allow to 10.1.0.0/16 class internal  (0 pkts, 0 B)" "" -- show --stats /t1
check "-j show --stats: rule hits" 0 '[{"cgroup":"/t1/sub","mode":"audit","default":"allow","rate":null,"rules":[{"id":1,"action":"allow","proto":"any","to":"2001:db8::/32","rule":"allow to 2001:db8::/32","packets":0,"bytes":0}]}]' "" -- -j show /t1/sub --stats
check "-j show without --stats: no hits" 0 '[{"cgroup":"/t1/sub","mode":"audit","default":"allow","rate":null,"rules":[{"id":1,"action":"allow","proto":"any","to":"2001:db8::/32","rule":"allow to 2001:db8::/32"}]}]' "" -- -j show /t1/sub

# metrics: compared line by line, then validated by promtool when present
cat > "$T/metrics.want" <<'EOF2'
# HELP nf_egress_packets_total Packets seen by an nf_egress policy, by verdict (would_deny packets are also allowed).
# TYPE nf_egress_packets_total counter
nf_egress_packets_total{cgroup="/t1",mode="enforce",verdict="allowed"} 1234567
nf_egress_packets_total{cgroup="/t1",mode="enforce",verdict="denied"} 1000
nf_egress_packets_total{cgroup="/t1",mode="enforce",verdict="would_deny"} 0
nf_egress_packets_total{cgroup="/t1",mode="enforce",verdict="ratelimited"} 7
nf_egress_packets_total{cgroup="/t1/sub",mode="audit",verdict="allowed"} 812
nf_egress_packets_total{cgroup="/t1/sub",mode="audit",verdict="denied"} 0
nf_egress_packets_total{cgroup="/t1/sub",mode="audit",verdict="would_deny"} 3
nf_egress_packets_total{cgroup="/t1/sub",mode="audit",verdict="ratelimited"} 0
nf_egress_packets_total{cgroup="/we\"ird\\path",mode="enforce",verdict="allowed"} 999999
nf_egress_packets_total{cgroup="/we\"ird\\path",mode="enforce",verdict="denied"} 0
nf_egress_packets_total{cgroup="/we\"ird\\path",mode="enforce",verdict="would_deny"} 0
nf_egress_packets_total{cgroup="/we\"ird\\path",mode="enforce",verdict="ratelimited"} 0
# HELP nf_egress_bytes_total Bytes at the IP layer seen by an nf_egress policy, by verdict (would_deny bytes are also allowed).
# TYPE nf_egress_bytes_total counter
nf_egress_bytes_total{cgroup="/t1",mode="enforce",verdict="allowed"} 1610612736
nf_egress_bytes_total{cgroup="/t1",mode="enforce",verdict="denied"} 1536
nf_egress_bytes_total{cgroup="/t1",mode="enforce",verdict="would_deny"} 0
nf_egress_bytes_total{cgroup="/t1",mode="enforce",verdict="ratelimited"} 700
nf_egress_bytes_total{cgroup="/t1/sub",mode="audit",verdict="allowed"} 812
nf_egress_bytes_total{cgroup="/t1/sub",mode="audit",verdict="denied"} 0
nf_egress_bytes_total{cgroup="/t1/sub",mode="audit",verdict="would_deny"} 384
nf_egress_bytes_total{cgroup="/t1/sub",mode="audit",verdict="ratelimited"} 0
nf_egress_bytes_total{cgroup="/we\"ird\\path",mode="enforce",verdict="allowed"} 1048575
nf_egress_bytes_total{cgroup="/we\"ird\\path",mode="enforce",verdict="denied"} 0
nf_egress_bytes_total{cgroup="/we\"ird\\path",mode="enforce",verdict="would_deny"} 0
nf_egress_bytes_total{cgroup="/we\"ird\\path",mode="enforce",verdict="ratelimited"} 0
# HELP nf_egress_class_packets_total Packets that left under a rule of the class, per nf_egress policy.
# TYPE nf_egress_class_packets_total counter
nf_egress_class_packets_total{cgroup="/t1",class="internal"} 5
nf_egress_class_packets_total{cgroup="/t1",class="internet"} 1200000
# HELP nf_egress_class_bytes_total Bytes at the IP layer that left under a rule of the class, per nf_egress policy.
# TYPE nf_egress_class_bytes_total counter
nf_egress_class_bytes_total{cgroup="/t1",class="internal"} 640
nf_egress_class_bytes_total{cgroup="/t1",class="internet"} 1500000000
# HELP nf_egress_rule_packets_total Packets an nf_egress rule decided (allowed or denied).
# TYPE nf_egress_rule_packets_total counter
nf_egress_rule_packets_total{cgroup="/t1",rule_id="1",rule="allow tcp to 10.0.0.0/8 port 443 class internet"} 1234000
nf_egress_rule_packets_total{cgroup="/t1",rule_id="2",rule="deny to 192.0.2.0/24"} 1000
nf_egress_rule_packets_total{cgroup="/t1",rule_id="3",rule="allow to 10.1.0.0/16 class internal"} 0
nf_egress_rule_packets_total{cgroup="/t1/sub",rule_id="1",rule="allow to 2001:db8::/32"} 0
# HELP nf_egress_rule_bytes_total Bytes at the IP layer an nf_egress rule decided (allowed or denied).
# TYPE nf_egress_rule_bytes_total counter
nf_egress_rule_bytes_total{cgroup="/t1",rule_id="1",rule="allow tcp to 10.0.0.0/8 port 443 class internet"} 1610000000
nf_egress_rule_bytes_total{cgroup="/t1",rule_id="2",rule="deny to 192.0.2.0/24"} 1536
nf_egress_rule_bytes_total{cgroup="/t1",rule_id="3",rule="allow to 10.1.0.0/16 class internal"} 0
nf_egress_rule_bytes_total{cgroup="/t1/sub",rule_id="1",rule="allow to 2001:db8::/32"} 0
# HELP nf_egress_policy_reset_time_seconds Unix time of the last counter reset of an nf_egress policy, 0 if never reset.
# TYPE nf_egress_policy_reset_time_seconds gauge
nf_egress_policy_reset_time_seconds{cgroup="/t1"} 1795784700
nf_egress_policy_reset_time_seconds{cgroup="/t1/sub"} 0
nf_egress_policy_reset_time_seconds{cgroup="/we\"ird\\path"} 0
# HELP nf_egress_shaped_packets_total Packets an nf_egress shaping rate limit delayed (they left later and are also allowed).
# TYPE nf_egress_shaped_packets_total counter
nf_egress_shaped_packets_total{cgroup="/t1",mode="enforce"} 0
nf_egress_shaped_packets_total{cgroup="/t1/sub",mode="audit"} 0
nf_egress_shaped_packets_total{cgroup="/we\"ird\\path",mode="enforce"} 0
# HELP nf_egress_shaped_bytes_total Bytes at the IP layer an nf_egress shaping rate limit delayed (they left later and are also allowed).
# TYPE nf_egress_shaped_bytes_total counter
nf_egress_shaped_bytes_total{cgroup="/t1",mode="enforce"} 0
nf_egress_shaped_bytes_total{cgroup="/t1/sub",mode="audit"} 0
nf_egress_shaped_bytes_total{cgroup="/we\"ird\\path",mode="enforce"} 0
# HELP nf_egress_queue_packets Packets waiting in an nf_egress policy's shaping queue.
# TYPE nf_egress_queue_packets gauge
nf_egress_queue_packets{cgroup="/t1"} 0
nf_egress_queue_packets{cgroup="/t1/sub"} 0
nf_egress_queue_packets{cgroup="/we\"ird\\path"} 0
# HELP nf_egress_max_delay_seconds Longest delay a packet was given in an nf_egress policy's shaping queue since the last counter reset.
# TYPE nf_egress_max_delay_seconds gauge
nf_egress_max_delay_seconds{cgroup="/t1"} 0
nf_egress_max_delay_seconds{cgroup="/t1/sub"} 0
nf_egress_max_delay_seconds{cgroup="/we\"ird\\path"} 0
EOF2
# check_metrics DESC FILE-WITH-EXPECTED-LINES ARGS...
check_metrics() {
	local desc=$1 want=$2 rc
	shift 2
	ectl "$@" > "$T/metrics.got" 2> "$T/metrics.err"
	rc=$?
	n=$((n + 1))
	if [[ $rc -eq 0 && ! -s "$T/metrics.err" ]] && diff -u "$want" "$T/metrics.got" > "$T/metrics.diff"; then
		echo "ok $n - $desc ($(wc -l < "$want") lines)"
	else
		echo "not ok $n - $desc (rc $rc)"
		sed 's/^/#   /' "$T/metrics.err" "$T/metrics.diff" | head -20
		failed=$((failed + 1))
	fi
	n=$((n + 1))
	if ! command -v promtool > /dev/null; then
		echo "ok $n - promtool check metrics # SKIP promtool not installed (Debian package prometheus)"
	elif promtool check metrics < "$T/metrics.got" > "$T/promtool.out" 2>&1; then
		echo "ok $n - promtool check metrics accepts egressctl $*"
	else
		echo "not ok $n - promtool check metrics accepts egressctl $*"
		sed 's/^/#   /' "$T/promtool.out"
		failed=$((failed + 1))
	fi
}
check_metrics "metrics: every family, label escaping" "$T/metrics.want" metrics
grep -E '^# |cgroup="/t1/sub"' "$T/metrics.want" | grep -v 'class_' > "$T/metrics.sub"
check_metrics "metrics PATH: one policy, no class family" "$T/metrics.sub" metrics /t1/sub
check "metrics missing PATH" 2 "" \
	"egressctl: metrics /nope: No such file or directory: nf_egress: no policy for this cgroup path" -- metrics /nope

# stats reset
check "stats reset help" 0 $'Usage:\n  egressctl stats reset [PATH]' "" -- stats reset help
check "stats reset missing PATH: extack" 2 "" \
	"egressctl: stats reset /nope: No such file or directory: nf_egress: no such policy" -- stats reset /nope
FAKE_EPERM=1 check "stats reset: EPERM" 2 "" "egressctl: stats reset: Operation not permitted" -- stats reset
FAKE_NOW=1796000000 check "stats reset PATH prints nothing" 0 "" "" -- stats reset /t1/
check "stats reset PATH zeroed policy, class and rule counters" 0 '[{"cgroup":"/t1","mode":"enforce","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{"internal":{"packets":0,"bytes":0},"internet":{"packets":0,"bytes":0}},"rules":[{"id":1,"rule":"allow tcp to 10.0.0.0/8 port 443 class internet","packets":0,"bytes":0},{"id":2,"rule":"deny to 192.0.2.0/24","packets":0,"bytes":0},{"id":3,"rule":"allow to 10.1.0.0/16 class internal","packets":0,"bytes":0}],"reset_time":1796000000}]' "" -- -j stats /t1
check "stats reset PATH left the others alone" 0 '[{"cgroup":"/t1/sub","mode":"audit","allowed":{"packets":812,"bytes":812},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":3,"bytes":384},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":[{"id":1,"rule":"allow to 2001:db8::/32","packets":0,"bytes":0}],"reset_time":null}]' "" -- -j stats /t1/sub
check "reset time in the table" 0 '                     ALLOWED       DENIED   WOULD_DENY  RATELIMITED
CGROUP  MODE     PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES
/t1     enforce     0    0 B     0    0 B     0    0 B     0    0 B

policy /t1: counters since reset at 2026-11-30 00:53:20 UTC
  ID  PKTS  BYTES  RULE
   1     0    0 B  allow tcp to 10.0.0.0/8 port 443 class internet
   2     0    0 B  deny to 192.0.2.0/24
   3     0    0 B  allow to 10.1.0.0/16 class internal
  CLASS     PKTS  BYTES
  internal     0    0 B
  internet     0    0 B' "" -- stats /t1
FAKE_NOW=1796000001 check "stats reset: every policy" 0 "" "" -- stats reset
n=$((n + 1))
got=$(ectl -j stats | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print(p["cgroup"], p["allowed"]["packets"], p["would_deny"]["bytes"],
          sum(r["packets"] for r in p["rules"]), p["reset_time"])')
want='/t1 0 0 0 1796000001
/t1/sub 0 0 0 1796000001
/we"ird\path 0 0 0 1796000001'
if [[ "$got" == "$want" ]]; then
	echo "ok $n - stats reset: every policy zeroed and stamped"
else
	echo "not ok $n - stats reset: every policy zeroed and stamped"
	printf '#   got: %s\n' "$got"
	failed=$((failed + 1))
fi

# apply keeps the counters of unchanged policies and of unchanged rules
cat > "$FAKE_NF_EGRESS_STATE" <<'EOF2'
G 20
P /keep 0 0 10 1280 2 256 0 0 0 0 1795784700
C /keep web 10 1280
R /keep 1 allow tcp to 10.0.0.0/8 port 443 class web
S /keep 1 10 1280
R /keep 2 deny to 192.0.2.0/24
S /keep 2 2 256
P /gone 0 0 5 640 0 0
EOF2
cat > "$T/keep.conf" <<'EOF2'
cgroup "/keep" {
	deny to 192.0.2.0/25;
	allow tcp to 10.0.0.0/8 port 443 class web;
}
cgroup "/new" { }
EOF2
check "apply over counted policies" 0 "" "" -- apply -f "$T/keep.conf"
check "apply kept the counters of the unchanged policy and rule" 0 '[{"cgroup":"/keep","mode":"enforce","allowed":{"packets":10,"bytes":1280},"denied":{"packets":2,"bytes":256},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{"web":{"packets":10,"bytes":1280}},"rules":[{"id":1,"rule":"deny to 192.0.2.0/25","packets":0,"bytes":0},{"id":2,"rule":"allow tcp to 10.0.0.0/8 port 443 class web","packets":10,"bytes":1280}],"reset_time":1795784700},{"cgroup":"/new","mode":"enforce","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":[],"reset_time":null}]' "" -- -j stats
: > "$FAKE_NF_EGRESS_STATE"
check "metrics without policies: empty, exit 0" 0 "" "" -- metrics

# --- rate limits: shape (the default) and police ---
: > "$FAKE_NF_EGRESS_STATE"
check "policy add rate: shape is the default" 0 "" "" -- policy add /r rate 50mbit
check "policy add rate shape: queue, latency" 0 "" "" -- policy add /q rate 8mbit shape latency 1.5s queue 64
check "policy add rate police" 0 "" "" -- policy add /r2 rate 50Mbit burst 256k police
check "policy add rate: default burst from the kernel" 0 "" "" -- policy add /s default allow rate 1gbit police
check "policy add pps only" 0 "" "" -- policy add /p pps 1000 police mode audit
check "policy add pps only, shaped, latency in us" 0 "" "" -- policy add /u pps 100 latency 500us
check "policy add rate none: no limit" 0 "" "" -- policy add /n rate none
check "policy add: bad rate before connecting" 1 "" \
	"egressctl: invalid rate '10xbit': unknown unit 'xbit' (bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)" -- policy add /x rate 10xbit police
check "policy add: burst too large" 1 "" \
	"egressctl: burst '5g' is too large (max 4 GiB - 1)" -- policy add /x rate 1mbit burst 5g police
check "policy add: zero rate" 1 "" "egressctl: rate must be greater than zero" -- policy add /x rate 0kbit
check "policy add: queue with police" 1 "" \
	"egressctl: policy add: 'queue' applies to shape mode only, not police" -- policy add /x rate 1mbit queue 10 police
check "policy add: latency with police" 1 "" \
	"egressctl: policy add: 'latency' applies to shape mode only, not police" -- policy add /x rate 1mbit police latency 10ms
check "policy add: latency without unit" 1 "" \
	"egressctl: invalid latency '100': no unit (us, ms or s)" -- policy add /x rate 1mbit latency 100
check "policy add: latency too large" 1 "" \
	"egressctl: latency '11s' is too large (max 10s)" -- policy add /x rate 1mbit latency 11s
check "policy add: queue too large" 1 "" \
	"egressctl: queue '65537' is too large (max 65536 packets)" -- policy add /x rate 1mbit queue 65537
check "policy add: queue zero" 1 "" "egressctl: queue must be greater than zero" -- policy add /x rate 1mbit queue 0
check "policy add: queue twice" 1 "" \
	"egressctl: policy add: 'queue' given more than once" -- policy add /x rate 1mbit queue 5 queue 6
check "show with rates: the kernel's queue and latency for shape" 0 "policy /n mode enforce default deny
policy /p mode audit default deny pps 1000 police
policy /q mode enforce default deny rate 8mbit burst 64k queue 64 latency 1500ms shape
policy /r mode enforce default deny rate 50mbit burst 64k queue 1000 latency 100ms shape
policy /r2 mode enforce default deny rate 50mbit burst 256k police
policy /s mode enforce default allow rate 1gbit burst 1250000 police
policy /u mode enforce default deny pps 100 queue 1000 latency 500us shape" "" -- show
check "-j show with rates" 0 '[{"cgroup":"/n","mode":"enforce","default":"deny","rate":null,"rules":[]},{"cgroup":"/p","mode":"audit","default":"deny","rate":{"bytes_per_sec":null,"burst":null,"pps":1000,"mode":"police","queue":null,"latency_us":null},"rules":[]},{"cgroup":"/q","mode":"enforce","default":"deny","rate":{"bytes_per_sec":1000000,"burst":65536,"pps":null,"mode":"shape","queue":64,"latency_us":1500000},"rules":[]},{"cgroup":"/r","mode":"enforce","default":"deny","rate":{"bytes_per_sec":6250000,"burst":65536,"pps":null,"mode":"shape","queue":1000,"latency_us":100000},"rules":[]},{"cgroup":"/r2","mode":"enforce","default":"deny","rate":{"bytes_per_sec":6250000,"burst":262144,"pps":null,"mode":"police","queue":null,"latency_us":null},"rules":[]},{"cgroup":"/s","mode":"enforce","default":"allow","rate":{"bytes_per_sec":125000000,"burst":1250000,"pps":null,"mode":"police","queue":null,"latency_us":null},"rules":[]},{"cgroup":"/u","mode":"enforce","default":"deny","rate":{"bytes_per_sec":null,"burst":null,"pps":100,"mode":"shape","queue":1000,"latency_us":500},"rules":[]}]' "" -- -j show
check "policy set rate" 0 "" "" -- policy set /n rate 1.5mbit pps 20 police
check "policy set rate: shape, queue and latency replaced" 0 "" "" -- policy set /q rate 1mbit latency 2s
check "policy set pps alone" 0 "" "" -- policy set /s pps 10 police
check "policy set rate none" 0 "" "" -- policy set /p rate none
check "policy set rate none with more: usage error" 1 "" \
	"egressctl: policy set: unexpected argument 'police'" -- policy set /p rate none police
check "policy set burst without rate" 1 "" \
	"egressctl: policy set: 'burst' needs a byte rate ('rate RATE')" -- policy set /p pps 5 burst 1k
check "policy set police with queue: refused before the kernel" 1 "" \
	"egressctl: policy set: 'queue' applies to shape mode only, not police" -- policy set /q rate 1mbit queue 5 police
check "show --config with rates" 0 'cgroup "/n" {
	mode enforce;
	default deny;
	rate 1500kbit burst 64k pps 20 police;
}

cgroup "/p" {
	mode audit;
	default deny;
}

cgroup "/q" {
	mode enforce;
	default deny;
	rate 1mbit burst 64k queue 1000 latency 2s shape;
}

cgroup "/r" {
	mode enforce;
	default deny;
	rate 50mbit burst 64k queue 1000 latency 100ms shape;
}

cgroup "/r2" {
	mode enforce;
	default deny;
	rate 50mbit burst 256k police;
}

cgroup "/s" {
	mode enforce;
	default allow;
	pps 10 police;
}

cgroup "/u" {
	mode enforce;
	default deny;
	pps 100 queue 1000 latency 500us shape;
}' "" -- show --config
n=$((n + 1))
before=$(ectl show --config)
ectl show --config | ectl apply -f - && after=$(ectl show --config)
if [[ -n "$before" && "$before" == "$after" ]]; then
	echo "ok $n - with rates: show --config | apply -f - leaves show --config identical"
else
	echo "not ok $n - with rates: show --config | apply -f - leaves show --config identical"
	printf '#   before: %s\n#   after: %s\n' "$before" "$after"
	failed=$((failed + 1))
fi
cat > "$T/rate.conf" <<'EOF2'
cgroup "/a" {
	default allow;
	rate 10mbit police;
}
cgroup "/b" {
	rate 10mbit queue 1.5 police;
}
EOF2
check "apply: bad queue at its position, nothing applied" 1 "" \
	"egressctl: $T/rate.conf:6:20: invalid queue '1.5' (packets, a whole number)" -- apply -f "$T/rate.conf"
check "failed apply kept the rates" 0 "$before" "" -- show --config
sed -i 's/^\trate 10mbit queue 1.5 police;/\trate 10mbit latency 20ms queue 50 police;/' "$T/rate.conf"
check "apply: police with latency at the latency word" 1 "" \
	"egressctl: $T/rate.conf:6:14: 'latency' applies to shape mode only, not police" -- apply -f "$T/rate.conf"
sed -i 's/^\trate 10mbit latency 20ms queue 50 police;/\trate 10mbit latency 20ms queue 50;/' "$T/rate.conf"
check "apply with rates" 0 "" "" -- apply -f "$T/rate.conf"
check "applied rates, default burst" 0 "policy /a mode enforce default allow rate 10mbit burst 64k police
policy /b mode enforce default deny rate 10mbit burst 64k queue 50 latency 20ms shape" "" -- show
cat > "$T/dup.conf" <<'EOF2'
cgroup "/a" {
	rate 10mbit police;
	pps 5 police;
}
EOF2
check "check: duplicate rate statement" 1 "" \
	"egressctl: $T/dup.conf:3:2: duplicate rate statement (first at 2:2)" -- check -f "$T/dup.conf"

# --- shaping counters: stats, -j stats, metrics, reset ---
cat > "$FAKE_NF_EGRESS_STATE" <<'EOF2'
G 20
P /a 1 0 5000 7000000 0 0 0 0 12 18000
L /a 1250000 65536 0 0 1000 100000
Q /a 4321 6400000 17 12345678
P /b 1 0 10 1280 0 0 0 0 0 0
L /b 1250000 65536 0 1
EOF2
check "stats: shaping columns when a policy shapes" 0 '                       ALLOWED       DENIED   WOULD_DENY     RATELIMITED         SHAPED
CGROUP  MODE     PKTS    BYTES  PKTS  BYTES  PKTS  BYTES  PKTS     BYTES  PKTS    BYTES  QUEUE  MAX_DELAY
/a      enforce  5.0k  6.7 MiB     0    0 B     0    0 B    12  17.6 KiB  4.3k  6.1 MiB     17     12.3ms
/b      enforce    10  1.3 KiB     0    0 B     0    0 B     0       0 B     0      0 B      0        0ns' "" -- stats
check "stats --exact: delay in nanoseconds" 0 '                       ALLOWED       DENIED   WOULD_DENY  RATELIMITED         SHAPED
CGROUP  MODE     PKTS    BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES  PKTS    BYTES  QUEUE  MAX_DELAY_NS
/a      enforce  5000  7000000     0      0     0      0    12  18000  4321  6400000     17      12345678
/b      enforce    10     1280     0      0     0      0     0      0     0        0      0             0' "" -- stats --exact
check "stats PATH of a police policy: no shaping columns" 0 '                       ALLOWED       DENIED   WOULD_DENY  RATELIMITED
CGROUP  MODE     PKTS    BYTES  PKTS  BYTES  PKTS  BYTES  PKTS  BYTES
/b      enforce    10  1.3 KiB     0    0 B     0    0 B     0    0 B

policy /b: counters never reset
  no rules' "" -- stats /b
check "-j stats: shaped, queue_len, max_delay_ns" 0 '[{"cgroup":"/a","mode":"enforce","allowed":{"packets":5000,"bytes":7000000},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":12,"bytes":18000},"shaped":{"packets":4321,"bytes":6400000},"queue_len":17,"max_delay_ns":12345678,"classes":{},"rules":[],"reset_time":null},{"cgroup":"/b","mode":"enforce","allowed":{"packets":10,"bytes":1280},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":[],"reset_time":null}]' "" -- -j stats
cat > "$T/metrics.shape" <<'EOF2'
# HELP nf_egress_shaped_packets_total Packets an nf_egress shaping rate limit delayed (they left later and are also allowed).
# TYPE nf_egress_shaped_packets_total counter
nf_egress_shaped_packets_total{cgroup="/a",mode="enforce"} 4321
nf_egress_shaped_packets_total{cgroup="/b",mode="enforce"} 0
# HELP nf_egress_shaped_bytes_total Bytes at the IP layer an nf_egress shaping rate limit delayed (they left later and are also allowed).
# TYPE nf_egress_shaped_bytes_total counter
nf_egress_shaped_bytes_total{cgroup="/a",mode="enforce"} 6400000
nf_egress_shaped_bytes_total{cgroup="/b",mode="enforce"} 0
# HELP nf_egress_queue_packets Packets waiting in an nf_egress policy's shaping queue.
# TYPE nf_egress_queue_packets gauge
nf_egress_queue_packets{cgroup="/a"} 17
nf_egress_queue_packets{cgroup="/b"} 0
# HELP nf_egress_max_delay_seconds Longest delay a packet was given in an nf_egress policy's shaping queue since the last counter reset.
# TYPE nf_egress_max_delay_seconds gauge
nf_egress_max_delay_seconds{cgroup="/a"} 0.012345678
nf_egress_max_delay_seconds{cgroup="/b"} 0
EOF2
n=$((n + 1))
ectl metrics > "$T/metrics.all" 2> "$T/metrics.err"
if sed -n '/^# HELP nf_egress_shaped_packets_total/,$p' "$T/metrics.all" | diff -u "$T/metrics.shape" - > "$T/metrics.diff" &&
   grep -qx 'nf_egress_packets_total{cgroup="/a",mode="enforce",verdict="ratelimited"} 12' "$T/metrics.all"; then
	echo "ok $n - metrics: shaped counters, queue and max delay gauges"
else
	echo "not ok $n - metrics: shaped counters, queue and max delay gauges"
	sed 's/^/#   /' "$T/metrics.err" "$T/metrics.diff" | head -20
	failed=$((failed + 1))
fi
n=$((n + 1))
if ! command -v promtool > /dev/null; then
	echo "ok $n - promtool check metrics (shaping) # SKIP promtool not installed (Debian package prometheus)"
elif promtool check metrics < "$T/metrics.all" > "$T/promtool.out" 2>&1; then
	echo "ok $n - promtool check metrics accepts the shaping families"
else
	echo "not ok $n - promtool check metrics accepts the shaping families"
	sed 's/^/#   /' "$T/promtool.out" | head -20
	failed=$((failed + 1))
fi
FAKE_NOW=1796000002 check "stats reset /a" 0 "" "" -- stats reset /a
check "stats reset zeroes shaped and max delay, not the queue" 0 '[{"cgroup":"/a","mode":"enforce","allowed":{"packets":0,"bytes":0},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":17,"max_delay_ns":0,"classes":{},"rules":[],"reset_time":1796000002}]' "" -- -j stats /a

# --- listing rules needs CAP_NET_ADMIN; policies and counters do not ---
cat > "$FAKE_NF_EGRESS_STATE" <<'EOF2'
G 10
P /t1 0 0 1234567 1610612736 1000 1536 0 0 7 700 1795784700
C /t1 internet 1200000 1500000000
P /t1/sub 1 1 812 812 0 0 3 384
R /t1 1 allow tcp to 10.0.0.0/8 port 443 class internet
S /t1 1 1234000 1610000000
R /t1 2 deny to 192.0.2.0/24
EOF2
RULES_EPERM="Operation not permitted: listing rules needs CAP_NET_ADMIN (rules tell which destinations each cgroup may reach)"
RULES_NOTE="rules not shown: listing rules needs CAP_NET_ADMIN"
# FAKE_UNPRIV=2: the kernel refuses RULE_GET in its NLMSG_DONE
for unpriv in 1 2; do
	FAKE_UNPRIV=$unpriv check "unprivileged ($unpriv): show fails, says why" 2 "" \
		"egressctl: show: $RULES_EPERM" -- show
	FAKE_UNPRIV=$unpriv check "unprivileged ($unpriv): stats --rules: counters, no rules, one note" 0 \
'                        ALLOWED         DENIED   WOULD_DENY  RATELIMITED
CGROUP   MODE     PKTS    BYTES  PKTS    BYTES  PKTS  BYTES  PKTS  BYTES
/t1      enforce  1.2M  1.5 GiB  1.0k  1.5 KiB     0    0 B     7  700 B
/t1/sub  audit     812    812 B     0      0 B     3  384 B     0    0 B

policy /t1: counters since reset at 2026-11-27 13:05:00 UTC
  CLASS     PKTS    BYTES
  internet  1.2M  1.4 GiB

policy /t1/sub: counters never reset' "egressctl: stats: $RULES_NOTE" -- stats --rules
done
FAKE_UNPRIV=1 check "unprivileged: show PATH" 2 "" "egressctl: show /t1: $RULES_EPERM" -- show /t1
FAKE_UNPRIV=1 check "unprivileged: show --config" 2 "" "egressctl: show: $RULES_EPERM" -- show --config
FAKE_UNPRIV=1 check "unprivileged: show --stats PATH" 2 "" \
	"egressctl: show /t1: $RULES_EPERM" -- show --stats /t1
FAKE_UNPRIV=1 check "unprivileged: -j show prints no JSON" 2 "" "egressctl: show: $RULES_EPERM" -- -j show
FAKE_UNPRIV=1 check "unprivileged: explain" 2 "" \
	"egressctl: explain /t1/sub: $RULES_EPERM" -- explain /t1/sub 10.0.0.1 proto tcp port 443
FAKE_UNPRIV=1 check "unprivileged: -j explain" 2 "" \
	"egressctl: explain /t1: $RULES_EPERM" -- -j explain /t1 192.0.2.1
STATS_TABLE=$(ectl stats)
FAKE_UNPRIV=1 check "unprivileged: stats without rules as for root, no note" 0 "$STATS_TABLE" "" -- stats
FAKE_UNPRIV=1 check "unprivileged: stats PATH: classes, no rules, one note" 0 \
'                       ALLOWED         DENIED   WOULD_DENY  RATELIMITED
CGROUP  MODE     PKTS    BYTES  PKTS    BYTES  PKTS  BYTES  PKTS  BYTES
/t1     enforce  1.2M  1.5 GiB  1.0k  1.5 KiB     0    0 B     7  700 B

policy /t1: counters since reset at 2026-11-27 13:05:00 UTC
  CLASS     PKTS    BYTES
  internet  1.2M  1.4 GiB' "egressctl: stats /t1: $RULES_NOTE" -- stats /t1
FAKE_UNPRIV=1 check "unprivileged: -j stats: \"rules\": null, nothing on stderr" 0 \
'[{"cgroup":"/t1","mode":"enforce","allowed":{"packets":1234567,"bytes":1610612736},"denied":{"packets":1000,"bytes":1536},"would_deny":{"packets":0,"bytes":0},"ratelimited":{"packets":7,"bytes":700},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{"internet":{"packets":1200000,"bytes":1500000000}},"rules":null,"reset_time":1795784700},{"cgroup":"/t1/sub","mode":"audit","allowed":{"packets":812,"bytes":812},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":3,"bytes":384},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":null,"reset_time":null}]' \
	"" -- -j stats
FAKE_UNPRIV=1 FAKE_INTR=3 check "unprivileged: -j stats PATH retries NLM_F_DUMP_INTR, rules still null" 0 \
'[{"cgroup":"/t1/sub","mode":"audit","allowed":{"packets":812,"bytes":812},"denied":{"packets":0,"bytes":0},"would_deny":{"packets":3,"bytes":384},"ratelimited":{"packets":0,"bytes":0},"shaped":{"packets":0,"bytes":0},"queue_len":0,"max_delay_ns":0,"classes":{},"rules":null,"reset_time":null}]' \
	"" -- -j stats /t1/sub
n=$((n + 1))
if FAKE_UNPRIV=1 ectl -j stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [p["rules"] for p in d] == [None, None], d' &&
   ectl -j stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [len(p["rules"]) for p in d] == [2, 0], d'; then
	echo "ok $n - -j stats: a script tells rules it may not see (null) from no rules ([])"
else
	echo "not ok $n - -j stats: a script tells rules it may not see (null) from no rules ([])"
	failed=$((failed + 1))
fi
ectl metrics > "$T/metrics.root"
awk '/^# HELP nf_egress_rule_packets_total / {
	print "# nf_egress_rule_packets_total and nf_egress_rule_bytes_total left out: listing rules needs CAP_NET_ADMIN" }
     !/nf_egress_rule_/' "$T/metrics.root" > "$T/metrics.unpriv"
n=$((n + 1))
if grep -q '^nf_egress_rule_packets_total{' "$T/metrics.root" &&
   ! grep -q '^nf_egress_rule_' "$T/metrics.unpriv"; then
	echo "ok $n - metrics of root have rule series, the expected unprivileged ones not"
else echo "not ok $n - metrics of root have rule series, the expected unprivileged ones not"; failed=$((failed + 1)); fi
FAKE_UNPRIV=1 check_metrics "unprivileged: metrics without the rule series, a comment says why" \
	"$T/metrics.unpriv" metrics
grep -E '^# |cgroup="/t1/sub"' "$T/metrics.unpriv" | grep -v 'class_' > "$T/metrics.unpriv.sub"
FAKE_UNPRIV=1 check_metrics "unprivileged: metrics PATH" "$T/metrics.unpriv.sub" metrics /t1/sub
FAKE_UNPRIV=1 check "unprivileged: stats reset refused" 2 "" \
	"egressctl: stats reset: Operation not permitted" -- stats reset
FAKE_UNPRIV=1 check "unprivileged: policy add refused" 2 "" \
	"egressctl: policy add /t2: Operation not permitted" -- policy add /t2
FAKE_UNPRIV=1 check "unprivileged: version" 0 $'egressctl 0.1.0\nnf_egress module 0.1.0-fake, 2 policies' "" -- version
# EPERM is taken for "no rules" only from RULE_GET, never from the policy
# (4) or stats (8) dumps
FAKE_DUMP_EPERM=8 check "EPERM of STATS_GET is an error: stats" 2 "" \
	"egressctl: stats: Operation not permitted" -- stats
FAKE_DUMP_EPERM=8 check "EPERM of STATS_GET is an error: -j stats" 2 "" \
	"egressctl: stats: Operation not permitted" -- -j stats
FAKE_DUMP_EPERM=8 check "EPERM of STATS_GET is an error: metrics" 2 "" \
	"egressctl: metrics: Operation not permitted" -- metrics
FAKE_DUMP_EPERM=4 check "EPERM of POLICY_GET is an error: stats" 2 "" \
	"egressctl: stats: Operation not permitted" -- stats --rules
FAKE_DUMP_EPERM=4 check "EPERM of POLICY_GET is an error: show, no word of rules" 2 "" \
	"egressctl: show: Operation not permitted" -- show

echo "1..$n"
[[ $failed -eq 0 ]]
