#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Usage: fuzz-ci.sh [SECONDS]      (make fuzz-ci; CI runs it)
#        fuzz-ci.sh --seeds DIR    only write the seed corpora to DIR/seeds
#
# Runs every libFuzzer harness of egressctl's parsers and of its event
# decoder (make fuzz builds them) for SECONDS each (default $FUZZ_SECONDS or
# 60), one after the other.  The parsers' seed corpus is built here from the
# examples of the documentation: Documentation/*.rst, the man page, the
# packaged example policy and corpus/; fuzz_event writes its own seeds,
# events as the module builds them (FUZZ_EVENT_SEEDS).  Seeds and what the
# fuzzers find go to a temporary directory; the repository is not written
# to.  A crash, leak, sanitizer report, broken round trip or, for
# fuzz_event, output that is not one valid JSON object or one safe text line
# fails the run; its input is kept in $FUZZ_ARTIFACTS (default
# ~/.cache/nf_egress/fuzz-artifacts) and must become a regression test in
# tests/test_parse.c, tests/test_policyfile.c or tests/test_netlink.c.  After its run, the
# JSON fuzz_event printed for every input of its corpus is parsed once more
# by python3's json module, which must accept every line.
# Output: one TAP line per harness, then "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../.." && pwd)
seeds_only=
if [[ ${1:-} == --seeds ]]; then
	seeds_only=${2:?--seeds DIR}
	set --
fi
secs=${1:-${FUZZ_SECONDS:-60}}
artifacts=${FUZZ_ARTIFACTS:-${NF_EGRESS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nf_egress}/fuzz-artifacts}
fuzzers=(fuzz_policyfile fuzz_units fuzz_rulespec fuzz_event)
if [[ -n $seeds_only ]]; then
	tmp=$seeds_only
	mkdir -p "$tmp"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
fi

# --- seeds from the documentation ---------------------------------------------
# Text of every example block: reST literal blocks (indented lines after a
# line ending in "::" or a code-block directive) and the man page's .EX/.EE
# and .nf/.fi blocks with the roff
# escapes it uses undone.  One block per file in $tmp/blocks.
mkdir -p "$tmp/blocks"
for f in "$top"/Documentation/*.rst; do
	awk -v out="$tmp/blocks/$(basename "$f")" '
		function flush() { if (buf != "") { n++; print buf > (out "." n); close(out "." n) } buf = "" }
		inblk && /^[^ \t]/ && $0 != "" { inblk = 0; flush() }
		inblk { sub(/^   /, ""); sub(/^\t/, ""); buf = buf $0 "\n"; next }
		/::([ \t]+[a-z]+)?[ \t]*$/ { inblk = 1 }
		END { flush() }' "$f"
done
sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\(dq/"/g' -e 's/\\e/\\/g' \
	-e 's/\\(em/--/g' "$here/../man/egressctl.8" |
	awk -v out="$tmp/blocks/egressctl.8" '
		/^\.(fi|EE)/ { if (buf != "") { n++; print buf > (out "." n); close(out "." n) } inblk = 0; buf = ""; next }
		inblk && !/^\./ { buf = buf $0 "\n"; next }
		/^\.(nf|EX)/ { inblk = 1 }'
cp "$top/packaging/policy.conf.example" "$tmp/blocks/"
cp "$here"/corpus/* "$tmp/blocks/"

# fuzz_policyfile: the blocks that are policy files.
mkdir -p "$tmp/seeds/fuzz_policyfile"
for b in "$tmp"/blocks/*; do
	grep -q '^[[:space:]]*cgroup[[:space:]]' "$b" && cp "$b" "$tmp/seeds/fuzz_policyfile/"
done
# fuzz_rulespec: rule, rate and explain statements, from the policy files
# and from egressctl command lines ("rule add PATH SPEC", "explain PATH
# PACKET", "policy add|set PATH ... rate ...").
mkdir -p "$tmp/seeds/fuzz_rulespec"
cat "$tmp"/blocks/* "$top"/Documentation/*.rst |
	sed -e 's/#.*//' -e 's/;.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' |
	grep -v '[`(]' |
	awk '
		/^(allow|deny|rate|pps) / { print; next }
		/egressctl .*rule (add|del) / { sub(/.*rule (add|del) [^ ]+ /, ""); print; next }
		/egressctl .*explain / { sub(/.*explain [^ ]+ /, ""); print; next }
		/egressctl .*policy (add|set) .* (rate|pps) / { sub(/.* (rate|pps) /, "rate "); print }' |
	sort -u | awk -v d="$tmp/seeds/fuzz_rulespec" '{ print > (d "/" NR); close(d "/" NR) }'
# fuzz_units: each word of those, and the cgroup paths of the examples.
mkdir -p "$tmp/seeds/fuzz_units"
{
	cat "$tmp"/seeds/fuzz_rulespec/* | tr ' ' '\n'
	cat "$tmp"/blocks/* | sed -n 's/^[[:space:]]*cgroup[[:space:]]*"\([^"]*\)".*/\1/p'
} | sort -u | awk -v d="$tmp/seeds/fuzz_units" 'NF { printf "%s", $0 > (d "/" NR); close(d "/" NR) }'
# fuzz_event: well-formed events, built by the harness with the UAPI header
# (when it is built).
mkdir -p "$tmp/seeds/fuzz_event"
if [[ -x $here/fuzz_event ]]; then
	FUZZ_EVENT_SEEDS=$tmp/seeds/fuzz_event "$here/fuzz_event" > /dev/null 2>&1 ||
		echo "# fuzz_event could not write its seeds" >&2
fi

[[ -z $seeds_only ]] || exit 0

# --- run --------------------------------------------------------------------
# json_check SEEDS: run fuzz_event once over its corpus (what it found and
# the seeds), logging the JSON of every event it decodes, and parse each
# line with python3: strictly UTF-8, one object with a boolean
# "cgroup_truncated".  Sets json_checked to the number of lines.
json_check() {
	local log=$tmp/fuzz_event.json
	json_checked=
	rm -f "$log"
	(cd "$tmp/work" && FUZZ_EVENT_JSON=$log "$here/fuzz_event" -runs=0 \
		"$tmp/work/fuzz_event" "$1") > "$tmp/fuzz_event.replay.log" 2>&1 ||
		{ sed 's/^/# /' "$tmp/fuzz_event.replay.log" | tail -n 20; return 1; }
	json_checked=$(python3 -c '
import json, sys
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        try:
            ev = json.loads(line.decode("utf-8"))
        except ValueError as e:
            sys.exit("# invalid JSON (%s): %r" % (e, line[:200]))
        if not isinstance(ev, dict) or not isinstance(ev.get("cgroup_truncated"), bool):
            sys.exit("# not an event object: %r" % line[:200])
        n += 1
if n == 0:
    sys.exit("# no event decoded, not even the seeds")
print(n)' "$log")
}

mkdir -p "$artifacts"
pass=0 fail=0 n=0
echo "TAP version 13"
echo "1..${#fuzzers[@]}"
for fz in "${fuzzers[@]}"; do
	n=$((n + 1))
	seeds=$tmp/seeds/$fz
	if [[ ! -x $here/$fz ]]; then
		echo "not ok $n $fz # not built (make -C tools/egressctl fuzz)"
		fail=$((fail + 1))
		continue
	fi
	mkdir -p "$tmp/work/$fz"
	echo "# $fz: $(ls "$seeds" | wc -l) seeds, ${secs}s"
	# Events hold up to two 4 KiB paths; longer ones are cut.
	maxlen=4096
	[[ $fz == fuzz_event ]] && maxlen=12288
	# The first directory collects new inputs; the seeds stay as they are.
	if (cd "$tmp/work" && "$here/$fz" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -max_len=$maxlen -print_final_stats=1 \
		-artifact_prefix="$artifacts/$fz-" "$tmp/work/$fz" "$seeds") > "$tmp/$fz.log" 2>&1; then
		runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$tmp/$fz.log" | awk '{print $2}')
		if [[ $fz == fuzz_event ]] && ! json_check "$seeds"; then
			echo "not ok $n $fz: $runs runs, but python3 refused its JSON"
			fail=$((fail + 1))
			continue
		fi
		echo "ok $n $fz: $runs runs, no finding${json_checked:+; python3 parsed the JSON of $json_checked corpus inputs}"
		pass=$((pass + 1))
	else
		sed 's/^/# /' "$tmp/$fz.log" | grep -v '^# #[0-9]' | tail -n 60
		echo "# inputs kept in $artifacts"
		echo "not ok $n $fz"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
((fail == 0))
