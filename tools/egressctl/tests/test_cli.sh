#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Command-line behaviour of egressctl that needs no kernel module: usage,
# help, argument errors (all caught before netlink is touched) and, when the
# module is absent, the "module not loaded" path.  TAP 13 on stdout.
#
# usage: test_cli.sh [PATH-TO-EGRESSCTL]

EGRESSCTL=${1:-${EGRESSCTL:-./egressctl}}
# The project's one version, as a regex (a package build may set another).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERSION_RE=$(sed -n 's/^#define NF_EGRESS_VERSION "\(.*\)"/\1/p' "$here/../../../kmod/version.h" |
	sed 's/[.+]/\\&/g')
n=0
failed=0

echo "TAP version 13"

# expect RC STDERR-LINE-OR-EMPTY ARGS...: exit code and exact stderr
expect() {
	local want_rc=$1 want_err=$2 out err rc
	shift 2
	n=$((n + 1))
	err=$("$EGRESSCTL" "$@" 2>&1 >/dev/null)
	rc=$?
	if [[ $rc -eq $want_rc && "$err" == "$want_err" ]]; then
		echo "ok $n - egressctl $* -> $rc"
	else
		echo "not ok $n - egressctl $* -> $rc"
		echo "#   want rc $want_rc stderr: $want_err"
		echo "#   got  rc $rc stderr: $err"
		failed=$((failed + 1))
	fi
}

# expect_out RC STDOUT-REGEX ARGS...: exit code and stdout matching
expect_out() {
	local want_rc=$1 want_re=$2 out rc
	shift 2
	n=$((n + 1))
	out=$("$EGRESSCTL" "$@" 2>/dev/null)
	rc=$?
	if [[ $rc -eq $want_rc && "$out" =~ $want_re ]]; then
		echo "ok $n - egressctl $* prints /$want_re/"
	else
		echo "not ok $n - egressctl $* prints /$want_re/"
		echo "#   rc $rc output: ${out:0:200}"
		failed=$((failed + 1))
	fi
}

E="egressctl:"

# help, version: no module needed, stdout, exit 0
expect_out 0 "^Usage: egressctl" help
expect_out 0 "^Usage: egressctl" -h
expect_out 0 "^Usage: egressctl" --help
expect_out 0 "^egressctl $VERSION_RE$" -V
expect_out 0 "^egressctl $VERSION_RE$" --version
expect_out 0 "policy add PATH \[mode enforce\|audit\] \[default allow\|deny\]" policy help
expect_out 0 "policy set PATH \[mode enforce\|audit\] \[default allow\|deny\]" policy help
expect_out 0 "rule del PATH ID" rule help
expect_out 0 "rule del PATH ID" help rule
expect_out 0 "rule add PATH allow\|deny \[\[proto\] PROTO\] to CIDR \[port N\|N-M\] \[class NAME\]" rule add help
expect_out 0 "show --config \[PATH\]" help
expect_out 0 "apply -f FILE" help
expect_out 0 "check -f FILE" help
expect_out 0 "explain PATH DST \[proto PROTO\] \[port N\]" help
expect_out 0 "explain PATH DST" explain help
expect_out 0 "show \[PATH\]" show help
expect_out 0 "stats \[PATH\]" stats --help
expect_out 0 "^Usage:" version help
expect_out 0 "^egressctl $VERSION_RE" version

# usage errors
expect 1 "$E unknown command 'foo' (try 'egressctl help')" foo
expect 1 "$E unknown option '-x' (try 'egressctl help')" -x
expect 1 "$E policy: missing subcommand (try 'egressctl policy help')" policy
expect 1 "$E policy: unknown subcommand 'set2' (try 'egressctl policy help')" policy set2
expect 1 "$E rule: unknown subcommand 'list' (try 'egressctl rule help')" rule list
expect 1 "$E policy add: missing cgroup PATH" policy add
expect 1 "$E invalid cgroup path 't1': must start with '/'" policy add t1
expect 1 "$E invalid cgroup path '/a/../b': '.' and '..' components are not allowed" policy del /a/../b
expect 1 "$E policy add: missing 'allow' or 'deny' after 'default'" policy add /t1 default
expect 1 "$E policy add: expected 'allow' or 'deny' after 'default', got 'maybe'" policy add /t1 default maybe
expect 1 "$E policy add: unexpected argument 'extra'" policy add /t1 default deny extra
expect 1 "$E policy add: 'default' given more than once" policy add /t1 default deny default allow
expect 1 "$E policy del: unexpected argument 'x'" policy del /t1 x
expect 1 "$E rule add: missing cgroup PATH" rule add
expect 1 "$E rule add: missing 'allow' or 'deny'" rule add /t1
expect 1 "$E rule add: expected 'allow' or 'deny', got 'permit'" rule add /t1 permit to 10.0.0.0/8
expect 1 "$E rule add: missing 'to CIDR'" rule add /t1 allow
expect 1 "$E rule add: missing CIDR after 'to'" rule add /t1 allow to
expect 1 "$E invalid CIDR '10.0.0.300/24'" rule add /t1 allow to 10.0.0.300/24
expect 1 "$E invalid CIDR '10.0.0.0/33'" rule add /t1 allow to 10.0.0.0/33
expect 1 "$E invalid CIDR '2001:db8::/129'" rule add /t1 deny to 2001:db8::/129
expect 1 "$E invalid CIDR '10.0.0.0/'" rule add /t1 deny to 10.0.0.0/
expect 1 "$E host bits set in 10.99.0.1/24 (did you mean 10.99.0.0/24?)" rule add /t1 allow to 10.99.0.1/24
expect 1 "$E rule add: unexpected argument 'extra'" rule add /t1 allow to 10.0.0.0/8 extra
expect 1 "$E rule del: missing rule ID or 'allow|deny ... to CIDR ...'" rule del /t1
expect 1 "$E rule del: expected rule ID or 'allow|deny ... to CIDR ...', got 'x1'" rule del /t1 x1
expect 1 "$E rule del: expected rule ID or 'allow|deny ... to CIDR ...', got '4294967296'" rule del /t1 4294967296
expect 1 "$E rule del: unexpected argument '2'" rule del /t1 1 2
expect 1 "$E rule del: missing CIDR after 'to'" rule del /t1 deny to
expect 1 "$E show: unexpected argument '/b'" show /a /b
expect 1 "$E show: unexpected argument '/b'" show --config /a /b

# modes, rule grammar, apply/check/explain arguments
expect 1 "$E policy add: expected 'enforce' or 'audit' after 'mode', got 'strict'" policy add /t1 mode strict
expect 1 "$E policy add: missing 'enforce' or 'audit' after 'mode'" policy add /t1 mode
expect 1 "$E policy add: 'mode' given more than once" policy add /t1 mode audit mode enforce
expect 1 "$E policy set: nothing to set: give 'mode enforce|audit', 'default allow|deny', 'rate RATE|none', 'conn-max N', 'conn-rate N/s', 'conn none', 'instances-max N' and/or 'instances-keep TIME'" policy set /t1
expect 1 "$E policy set: missing cgroup PATH" policy set
# connection limits: checked before the kernel is asked
expect 1 "$E policy add: missing N after 'conn-max'" policy add /t1 conn-max
expect 1 "$E conn max must be greater than zero" policy add /t1 conn-max 0
expect 1 "$E invalid conn max 'x' (connections, a whole number)" policy add /t1 conn-max x
expect 1 "$E conn max '4294967296' is too large (max 4294967295)" policy add /t1 conn-max 4294967296
expect 1 "$E policy add: 'conn-max' given more than once" policy add /t1 conn-max 5 conn-max 6
expect 1 "$E policy add: missing N/s after 'conn-rate'" policy add /t1 conn-rate
expect 1 "$E invalid conn rate '10/m' (connections per second, N/s, a whole number)" policy add /t1 conn-rate 10/m
expect 1 "$E conn rate '2000000000' is too large (max 1000000000/s)" policy add /t1 conn-rate 2000000000/s
expect 1 "$E conn burst must be greater than zero" policy add /t1 conn-rate 10/s conn-burst 0
expect 1 "$E policy add: 'conn-burst' needs 'conn-rate'" policy add /t1 conn-burst 5
expect 1 "$E policy set: 'conn-burst' needs 'conn-rate'" policy set /t1 conn-burst 5 conn-max 3
expect 1 "$E policy set: missing 'none' after 'conn'" policy set /t1 conn
expect 1 "$E policy set: expected 'none' after 'conn', got 'all' (limits: conn-max N, conn-rate N/s, conn-burst N, conn-class NAME)" policy set /t1 conn all
expect 1 "$E policy set: 'conn none' takes no conn-max, conn-rate, conn-burst or conn-class" policy set /t1 conn none conn-max 5
expect 1 "$E policy set: 'conn none' takes no conn-max, conn-rate, conn-burst or conn-class" policy set /t1 conn-max 5 conn none
# a limit of a class: conn-class names the class of the conn-max/conn-rate given
expect 1 "$E policy add: 'conn-class' needs 'conn-max' or 'conn-rate'" policy add /t1 conn-class internet
expect 1 "$E policy set: 'conn-class' needs 'conn-max' or 'conn-rate'" policy set /t1 mode audit conn-class internet
expect 1 "$E policy set: 'conn-burst' needs 'conn-rate'" policy set /t1 conn-class internet conn-burst 5 conn-max 3
expect 1 "$E policy add: missing NAME after 'conn-class'" policy add /t1 conn-max 5 conn-class
expect 1 "$E invalid class 'a b' (1-31 characters of A-Z a-z 0-9 _ . -)" policy add /t1 conn-max 5 conn-class "a b"
expect 1 "$E invalid class 'abcdefghijklmnopqrstuvwxyz012345' (1-31 characters of A-Z a-z 0-9 _ . -)" policy set /t1 conn-rate 5/s conn-class abcdefghijklmnopqrstuvwxyz012345
expect 1 "$E policy add: 'conn-class' given more than once" policy add /t1 conn-max 5 conn-class a conn-class b
expect 1 "$E policy set: 'conn none' takes no conn-max, conn-rate, conn-burst or conn-class" policy set /t1 conn none conn-class web
expect 1 "$E policy set: 'conn none' takes no conn-max, conn-rate, conn-burst or conn-class" policy set /t1 conn-class web conn none
# shape mode: queue and latency are checked before the kernel is asked
expect 1 "$E policy add: 'queue' applies to shape mode only, not police" policy add /t1 rate 1mbit queue 10 police
expect 1 "$E policy set: 'latency' applies to shape mode only, not police" policy set /t1 pps 10 police latency 5ms
expect 1 "$E invalid latency '100': no unit (us, ms or s)" policy set /t1 rate 1mbit latency 100
expect 1 "$E latency '20s' is too large (max 10s)" policy set /t1 rate 1mbit latency 20s
expect 1 "$E queue must be greater than zero" policy add /t1 rate 1mbit queue 0
expect 1 "$E policy set: missing TIME after 'latency'" policy set /t1 rate 1mbit latency
expect 1 "$E policy set: unexpected argument 'x'" policy set /t1 mode audit x
expect 1 "$E invalid protocol 'gre' (tcp, udp, sctp, icmp, icmpv6 or any)" rule add /t1 allow proto gre to 10.0.0.0/8
expect 1 "$E rule add: unexpected argument 'gre'" rule add /t1 allow gre to 10.0.0.0/8
expect 1 "$E rule add: 'proto' given more than once" rule add /t1 allow tcp proto udp to 10.0.0.0/8
expect 1 "$E invalid port '65536' (a number 0-65535 or a range N-M)" rule add /t1 allow tcp to 10.0.0.0/8 port 65536
expect 1 "$E invalid port '1-2-3' (a number 0-65535 or a range N-M)" rule add /t1 allow tcp to 10.0.0.0/8 port 1-2-3
expect 1 "$E invalid port '-5' (a number 0-65535 or a range N-M)" rule add /t1 allow tcp to 10.0.0.0/8 port -5
expect 1 "$E invalid port range '443-80': 443 is above 80" rule add /t1 allow tcp to 10.0.0.0/8 port 443-80
expect 1 "$E rule add: 'port' needs proto tcp, udp, sctp or any, not icmp" rule add /t1 allow icmp to 10.0.0.0/8 port 1
expect 1 "$E rule add: 'port' needs proto tcp, udp, sctp or any, not icmpv6" rule add /t1 allow icmpv6 to 2001:db8::/32 port 1
expect 1 "$E rule add: proto icmp needs an IPv4 destination (use icmpv6 for IPv6)" rule add /t1 allow icmp to 2001:db8::/32
expect 1 "$E rule add: proto icmpv6 needs an IPv6 destination (use icmp for IPv4)" rule add /t1 allow proto icmpv6 to 10.0.0.0/8
expect 1 "$E invalid class 'a b' (1-31 characters of A-Z a-z 0-9 _ . -)" rule add /t1 allow to 10.0.0.0/8 class "a b"
expect 1 "$E rule add: missing NAME after 'class'" rule add /t1 allow to 10.0.0.0/8 class
expect 1 "$E rule del: missing PORT after 'port'" rule del /t1 deny tcp to 10.0.0.0/8 port
expect 1 "$E apply: missing '-f FILE'" apply
expect 1 "$E apply: expected '-f FILE', got 'x.conf'" apply x.conf
expect 1 "$E apply: missing FILE after '-f'" apply -f
expect 1 "$E apply: unexpected argument 'y'" apply -f x y
expect 1 "$E /nonexistent/x.conf: No such file or directory" apply -f /nonexistent/x.conf
expect 1 "$E check: missing '-f FILE'" check
expect 1 "$E explain: missing cgroup PATH" explain
expect 1 "$E explain: missing destination address" explain /t1
expect 1 "$E invalid address '10.0.0.0/8'" explain /t1 10.0.0.0/8
expect 1 "$E explain: 'port' needs proto tcp, udp or sctp" explain /t1 10.0.0.1 port 80
expect 1 "$E explain: 'port' needs proto tcp, udp or sctp" explain /t1 10.0.0.1 proto icmp port 80
expect 1 "$E explain: proto icmp needs an IPv4 destination (use icmpv6 for IPv6)" explain /t1 2001:db8::1 proto icmp
expect 1 "$E explain: unexpected argument 'to'" explain /t1 10.0.0.1 to 10.0.0.2
expect 1 "$E explain: missing PORT after 'port'" explain /t1 10.0.0.1 proto tcp port
expect 1 "$E invalid port '99999' (a number 0-65535)" explain /t1 10.0.0.1 proto tcp port 99999

# policy files are checked before the module is needed
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf 'cgroup "/a" {\n\tallow to 10.0.0.0/8\n}\n' > "$T/bad.conf"
expect 1 "$E $T/bad.conf:3:1: missing ';' before '}'" apply -f "$T/bad.conf"
expect 1 "$E $T/bad.conf:3:1: missing ';' before '}'" check -f "$T/bad.conf"
n=$((n + 1))
err=$(printf 'cgroup "/a" {}\ncgroup "/a" {}\n' | "$EGRESSCTL" check -f - 2>&1 >/dev/null)
if [[ "$err" == "$E <stdin>:2:1: duplicate cgroup \"/a\" (first at 1:1)" ]]; then
	echo "ok $n - check -f - names standard input <stdin>"
else
	echo "not ok $n - check -f - names standard input <stdin>"
	echo "#   got: $err"
	failed=$((failed + 1))
fi
expect 1 "$E invalid cgroup path 'a': must start with '/'" stats a
expect 1 "$E stats: unexpected argument '/b'" stats /a /b
expect 1 "$E stats: unknown option '--bogus'" stats --bogus
expect 1 "$E stats: unknown option '-'" stats -
expect 1 "$E stats reset: unexpected argument '/b'" stats reset /a /b
expect 1 "$E stats: unexpected argument 'reset'" stats /a reset
expect 1 "$E invalid cgroup path 'x': must start with '/'" stats reset x
expect 1 "$E metrics: unexpected argument '/b'" metrics /a /b
expect 1 "$E invalid cgroup path 'a': must start with '/'" metrics a
expect 1 "$E metrics: missing FILE after '-o'" metrics -o
expect 1 "$E metrics: missing FILE after '--output'" metrics /a --output
expect 1 "$E metrics: missing FILE after '-o'" metrics -o ""
expect 1 "$E metrics: '-o' given more than once" metrics -o a.prom --output b.prom
expect 1 "$E metrics: unknown option '-x'" metrics -x
expect 1 "$E metrics: unexpected argument '/b'" metrics /a -o m.prom /b
expect 1 "$E invalid cgroup path 'a': must start with '/'" metrics -o m.prom a
expect 1 "$E show: --config and --stats do not go together" show --config --stats
expect 1 "$E show: unknown option '--stat'" show --stat
expect_out 0 "stats reset \[PATH\]" stats help
expect_out 0 "^Usage:.*egressctl stats reset \[PATH\]$" stats reset help
expect_out 0 "metrics \[PATH\] \[-o FILE\]" help
expect_out 0 "^Usage:.*egressctl metrics \[PATH\] \[-o FILE\]$" metrics help
expect_out 0 "show \[PATH\] \[--stats\]" show help
expect 1 "$E version: unexpected argument 'x'" version x
expect 1 "$E help: unexpected argument 'b'" help a b
# stats --health, top: usage errors before netlink is touched
expect 1 "$E stats: --health and --rules do not go together" stats --health --rules
expect 1 "$E stats: unexpected argument '/b'" stats --health /a /b
expect_out 0 "stats --health \[PATH\] \[--exact\|-x\]" stats help
expect_out 0 "^Usage:.*egressctl top \[-d SECONDS\] \[-n COUNT\] \[PATH\]$" top help
expect 1 "$E top: missing SECONDS after '-d'" top -d
expect 1 "$E invalid interval 'x' (seconds, such as 2 or 0.5)" top -d x
expect 1 "$E invalid interval '1s' (seconds, such as 2 or 0.5)" top -d 1s
expect 1 "$E invalid interval '.' (seconds, such as 2 or 0.5)" top -d .
expect 1 "$E interval must be greater than zero" top -d 0
expect 1 "$E interval must be greater than zero" top -d 0.0000000001
expect 1 "$E interval must be greater than zero" top -d -1
expect 1 "$E interval '86400.5' is too large (max 86400 seconds)" top -d 86400.5
expect 1 "$E top: missing COUNT after '-n'" top /a -n
expect 1 "$E invalid count 'x' (refreshes, a whole number)" top -n x
expect 1 "$E count must be greater than zero" top -n 0
expect 1 "$E count '4294967296' is too large (max 4294967295)" top -n 4294967296
expect 1 "$E top: '-d' given more than once" top -d 1 -d 2
expect 1 "$E top: '-n' given more than once" top -n 1 /a -n 2
expect 1 "$E top: unknown option '--delay'" top --delay 1
expect 1 "$E top: unexpected argument '/b'" top /a /b
expect 1 "$E invalid cgroup path 'a': must start with '/'" top -n 1 a
expect_out 0 "^Usage:.*egressctl monitor \[-j\]$" monitor help
expect 1 "$E monitor: unexpected argument 'x'" monitor x
expect 1 "$E monitor: unknown option '--follow'" monitor --follow

# templates (a PATH with '*'): checked before netlink is touched
expect 1 "$E invalid cgroup path '/svc/a**': '**' must be a whole component (as in /a/**/b)" policy add '/svc/a**'
expect 1 "$E invalid cgroup path '/**x/a': '**' must be a whole component (as in /a/**/b)" rule add '/**x/a' allow to 10.0.0.0/8
expect 1 "$E invalid cgroup path '/a/***': '**' must be a whole component (as in /a/**/b)" show '/a/***'
expect 1 "$E invalid cgroup path '/a/b**': '**' must be a whole component (as in /a/**/b)" stats '/a/b**'
expect 1 "$E policy add: 'instances-max' is for templates only (a PATH with '*')" policy add /svc instances-max 5
expect 1 "$E policy set: 'instances-max' is for templates only (a PATH with '*')" policy set /svc/a.service instances-max 5
expect 1 "$E policy add: missing N after 'instances-max'" policy add '/svc/*' instances-max
expect 1 "$E instances max must be greater than zero" policy add '/svc/*' instances-max 0
expect 1 "$E instances max '65537' is too large (max 65536)" policy set '/svc/*' instances-max 65537
expect 1 "$E invalid instances max 'many' (instances, a whole number)" policy set '/svc/*' instances-max many
expect 1 "$E policy add: 'instances-max' given more than once" policy add '/svc/*' instances-max 5 instances-max 6
expect 1 "$E policy add: 'instances-keep' is for templates only (a PATH with '*')" policy add /svc instances-keep 1h
expect 1 "$E policy set: 'instances-keep' is for templates only (a PATH with '*')" policy set /svc/a.service instances-keep 0
expect 1 "$E policy set: missing TIME after 'instances-keep'" policy set '/svc/*' instances-keep
expect 1 "$E policy add: 'instances-keep' given more than once" policy add '/svc/*' instances-keep 1h instances-keep 2h
expect 1 "$E invalid instances keep '30': no unit (s, m, h or d)" policy set '/svc/*' instances-keep 30
expect 1 "$E invalid instances keep '1.5s': not a whole number of seconds" policy add '/svc/*' instances-keep 1.5s
expect 1 "$E instances keep '366d' is too large (max 365d)" policy set '/svc/*' instances-keep 366d
expect 1 "$E instances keep '-1h' is negative (min 0)" policy set '/svc/*' instances-keep -1h
expect 1 "$E show: --config and --instances do not go together" show --config --instances
expect_out 0 "show \[PATH\] \[--stats\] \[--instances\]" show help
expect_out 0 "\[instances-max N\]" policy help
expect_out 0 "\[instances-keep TIME\]" policy help
expect_out 0 "policy add PATH .*\[conn-max N\] \[conn-rate N/s \[conn-burst N\]\] \[conn-class NAME\]" policy help
expect_out 0 "policy set PATH .*\[\[conn-max N\] \[conn-rate N/s \[conn-burst N\]\] \[conn-class NAME\] \| conn none\]" policy help
printf 'cgroup "/svc/*" {\n\tquota 1g per month;\n}\n' > "$T/tq.conf"
expect 0 "" check -f "$T/tq.conf"
expect 2 "$E nf_egress module not loaded" apply -f "$T/tq.conf"
printf 'cgroup "/svc" {\n\tinstances max 10;\n}\n' > "$T/ti.conf"
expect 1 "$E $T/ti.conf:2:2: 'instances max' is for templates only (a cgroup path with '*')" check -f "$T/ti.conf"
printf 'cgroup "/svc/*" {\n\tinstances keep 1.5s;\n}\n' > "$T/tk.conf"
expect 1 "$E $T/tk.conf:2:17: invalid instances keep '1.5s': not a whole number of seconds" check -f "$T/tk.conf"

# rate limits and policy files: refused before netlink is touched (exit 1
# whether or not the module is loaded)
expect 1 "$E invalid rate '10xbit': unknown unit 'xbit' (bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps or tbps)" policy add /x rate 10xbit police
expect 1 "$E burst '5g' is too large (max 4 GiB - 1)" policy add /x rate 1mbit burst 5g police
expect 1 "$E rate must be greater than zero" policy add /x rate 0kbit
expect 1 "$E policy add: 'queue' applies to shape mode only, not police" policy add /x rate 1mbit queue 10 police
expect 1 "$E policy add: 'latency' applies to shape mode only, not police" policy add /x rate 1mbit police latency 10ms
expect 1 "$E invalid latency '100': no unit (us, ms or s)" policy add /x rate 1mbit latency 100
expect 1 "$E latency '11s' is too large (max 10s)" policy add /x rate 1mbit latency 11s
expect 1 "$E queue '65537' is too large (max 65536 packets)" policy add /x rate 1mbit queue 65537
expect 1 "$E queue must be greater than zero" policy add /x rate 1mbit queue 0
expect 1 "$E policy add: 'queue' given more than once" policy add /x rate 1mbit queue 5 queue 6
expect 1 "$E policy set: unexpected argument 'police'" policy set /p rate none police
expect 1 "$E policy set: 'burst' needs a byte rate ('rate RATE')" policy set /p pps 5 burst 1k
expect 1 "$E policy set: 'queue' applies to shape mode only, not police" policy set /q rate 1mbit queue 5 police
printf 'cgroup "/x" {\n\tallow tcp to 10.0.0.0/8 port 443;\n\tallow tcp to 10.0.0.0/8 port 443;\n}\n' > "$T/dup.conf"
expect 1 "$E $T/dup.conf:3:2: duplicate rule 'allow tcp to 10.0.0.0/8 port 443': same destination, protocol and ports as the rule at 2:2" apply -f "$T/dup.conf"
printf 'cgroup "/a" {\n\tdefault allow;\n\trate 10mbit police;\n}\ncgroup "/b" {\n\trate 10mbit queue 1.5 police;\n}\n' > "$T/rate.conf"
expect 1 "$E $T/rate.conf:6:20: invalid queue '1.5' (packets, a whole number)" apply -f "$T/rate.conf"
printf 'cgroup "/a" {\n\tdefault allow;\n\trate 10mbit police;\n}\ncgroup "/b" {\n\trate 10mbit latency 20ms queue 50 police;\n}\n' > "$T/rate.conf"
expect 1 "$E $T/rate.conf:6:14: 'latency' applies to shape mode only, not police" apply -f "$T/rate.conf"
printf 'cgroup "/a" {\n\trate 10mbit police;\n\tpps 5 police;\n}\n' > "$T/dup.conf"
expect 1 "$E $T/dup.conf:3:2: duplicate rate statement (first at 2:2)" check -f "$T/dup.conf"
# connection limits of classes: one conn max and one conn rate each
printf 'cgroup "/a" {\n\tconn max 5;\n\tconn max 100 class internet;\n\tconn rate 10/s class internet;\n\tconn max 6 class internet;\n}\n' > "$T/cc.conf"
expect 1 "$E $T/cc.conf:5:2: duplicate conn max statement for class internet (first at 3:2)" check -f "$T/cc.conf"
printf 'cgroup "/a" {\n\tconn class internet;\n}\n' > "$T/cc.conf"
expect 1 "$E $T/cc.conf:2:7: expected 'max N' or 'rate N/s [burst N]' after 'conn' ('class NAME' comes last)" check -f "$T/cc.conf"
printf 'cgroup "/a" {\n\tconn rate 10/s class a/b;\n}\n' > "$T/cc.conf"
expect 1 "$E $T/cc.conf:2:23: invalid class 'a/b' (1-31 characters of A-Z a-z 0-9 _ . -)" apply -f "$T/cc.conf"
printf 'cgroup "/a" {\n\tconn rate 10/s class web burst 5;\n}\n' > "$T/cc.conf"
expect 1 "$E $T/cc.conf:2:27: unexpected 'burst' in conn statement ('class NAME' comes last)" check -f "$T/cc.conf"
expect_out 0 "^Usage:
  egressctl stats reset \[PATH\]$" stats reset help

# without the module every kernel command fails the same way, with exit 2
# (an environment error, not a usage error)
if "$EGRESSCTL" version 2>/dev/null | grep -qx "nf_egress module not loaded"; then
	for cmd in "show" "show /t1" "stats" "stats /" "policy add /t1" \
		   "policy add /t1 default allow" "policy del /t1" \
		   "rule add /t1 allow to 10.99.0.0/24" "rule del /t1 1" \
		   "rule del /t1 deny to 2001:db8::/32" "policy set /t1 mode audit" \
		   "show --config" "explain /t1 10.0.0.1" \
		   "rule add /t1 allow tcp to 10.0.0.0/8 port 443 class web" \
		   "stats reset" "stats reset /t1" "stats --rules -x" "metrics" \
		   "metrics /t1" "metrics -o $T/new.prom" "show --stats" "monitor" "monitor -j" \
		   "stats --health" "stats --health /t1 -x" "-j stats --health" "top" \
		   "top -d 0.5 -n 3 /t1" "-j top -n 2 -d 0.1" "top -j /t1" \
		   "policy add /t1 conn-max 100 conn-class internet" \
		   "policy set /t1 conn-rate 10/s conn-burst 5 conn-class internet" \
		   "policy set /t1 conn-class dns conn-max 4" "policy set /t1 conn none"; do
		# shellcheck disable=SC2086
		expect 2 "$E nf_egress module not loaded" $cmd
	done
	expect_out 0 '"module":\{"loaded":false\}' -j version
	printf 'cgroup "/a" {\n\tallow tcp to 10.0.0.0/8 port 443;\n}\ncgroup "/b" { }\n' > "$T/good.conf"
	expect_out 0 "^$T/good.conf: OK \(2 policies, 1 rule\) \(not checked by the kernel: module not loaded\)$" check -f "$T/good.conf"
	printf 'cgroup "/a" {\n\tconn max 50;\n\tconn max 100 class internet;\n\tconn rate 10/s burst 5 class internet;\n\tconn rate 2/s class dns;\n\tallow tcp to 0.0.0.0/0 port 443 class internet;\n}\n' > "$T/cc.conf"
	expect_out 0 "^$T/cc.conf: OK \(1 policy, 1 rule\) \(not checked by the kernel: module not loaded\)$" check -f "$T/cc.conf"
	expect 2 "$E nf_egress module not loaded" apply -f "$T/cc.conf"
	# templates: counted on their own; overlaps are warnings, exit 0
	printf 'cgroup "/svc/**" { }\ncgroup "/svc/*.service" {\n\tinstances max 20;\n\tallow to 10.0.0.0/8;\n}\ncgroup "/svc/db.service" { }\n' > "$T/tpl.conf"
	expect_out 0 "^$T/tpl.conf: OK \(1 policy, 2 templates, 1 rule\) \(not checked by the kernel: module not loaded\)$" check -f "$T/tpl.conf"
	n=$((n + 1))
	err=$("$EGRESSCTL" check -f "$T/tpl.conf" 2>&1 >/dev/null)
	want="$E $T/tpl.conf:2:1: warning: templates \"/svc/*.service\" and \"/svc/**\" (at 1:1) can both match the same cgroup, such as \"/svc/x.service\": \"/svc/*.service\" wins (fewer wildcards)
$E $T/tpl.conf:6:1: warning: template \"/svc/**\" (at 1:1) also matches \"/svc/db.service\": this exact path wins for that cgroup
$E $T/tpl.conf:6:1: warning: template \"/svc/*.service\" (at 2:1) also matches \"/svc/db.service\": this exact path wins for that cgroup"
	if [[ "$err" == "$want" ]]; then
		echo "ok $n - check -f warns about templates that compete for a cgroup"
	else
		echo "not ok $n - check -f warns about templates that compete for a cgroup"
		echo "#   got: $err"
		failed=$((failed + 1))
	fi
	set -f	# the patterns are words, not globs
	for cmd in "show --instances" "show /svc/*.service --instances" \
		   "policy add /svc/*.service instances-max 10" \
		   "policy set /svc/** instances-max 65536" "explain /svc/a** 10.0.0.1" \
		   "policy add /svc/*.service instances-keep 0" \
		   "policy set /svc/** instances-keep 365d"; do
		# shellcheck disable=SC2086
		expect 2 "$E nf_egress module not loaded" $cmd
	done
	set +f
	expect 2 "$E nf_egress module not loaded" apply -f "$T/good.conf"
	# metrics -o: nothing is written when the kernel cannot be read; the
	# last file stays, and no temporary file is left beside it
	mkdir "$T/prom"
	printf 'nf_egress_old 1\n' > "$T/prom/nf_egress.prom"
	expect 2 "$E nf_egress module not loaded" metrics -o "$T/prom/nf_egress.prom"
	expect 2 "$E nf_egress module not loaded" metrics /t1 --output "$T/prom/nf_egress.prom"
	n=$((n + 1))
	left=$(ls -A "$T/prom")
	if [[ $(cat "$T/prom/nf_egress.prom") == "nf_egress_old 1" && $left == nf_egress.prom &&
		! -e $T/new.prom ]]; then
		echo "ok $n - metrics -o without the module: the old file untouched, no temporary file"
	else
		echo "not ok $n - metrics -o without the module: the old file untouched, no temporary file"
		echo "#   directory: $left; file: $(cat "$T/prom/nf_egress.prom")"
		failed=$((failed + 1))
	fi
else
	n=$((n + 1))
	echo "ok $n - # SKIP nf_egress module is loaded here"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
