#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# egressctl under valgrind memcheck against the real module: one run of
# every command family and of the kernel-refusal paths, each through
# tools/egressctl/tests/egressctl-vg (NF_EGRESS_VALGRIND=1 does the same
# for any selftest).  Each
# run must give its usual exit code and leave an empty memcheck log: no
# invalid access, no use of uninitialised memory, no definite or indirect
# leak.
#
#   host: egressctl-vg -> valgrind egressctl --genl--> nf_egress
#
# Memcheck costs seconds per run under TCG, so whole selftests under
# valgrind do not fit a test's time here; the host-side CLI suite
# (tools/egressctl/tests/test_cli.sh: every usage error and the module-not-
# loaded path) and the replay of the module's recorded dump replies
# (test_dump) run under the same wrapper in `make valgrind`, which CI runs.
# It needs the module: it runs egressctl against it.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

P=/nfe-vg-$$
CFG=$TMPDIR_TEST/vg.conf

require_root
require_cmd valgrind
require_egressctl

cat > "$CFG" <<CONF
cgroup "$P" {
    mode audit;
    default deny;
    allow tcp to 192.0.2.0/24 port 443 class web;
    allow to 2001:db8:5::/48;
    rate 10mbit burst 64k police;
}
CONF

# EXIT-CODE ARGS...: the runs, in order.  "!" = must fail (kernel refusal).
RUNS=(
	"0 apply -f $CFG"
	"0 rule add $P deny udp to 198.51.100.0/24 port 53"
	"0 policy set $P mode enforce"
	"0 show"
	"0 show --config"
	"0 -j show $P"
	"0 stats --rules"
	"0 -j stats $P"
	"0 metrics"
	"0 explain $P 192.0.2.7 proto tcp port 443"
	"0 stats reset $P"
	"! policy add $P"
	"! rule del $P allow to 203.0.113.0/24"
	"0 policy del $P"
	"! show $P"
)
CLEANUP_POLICIES+=("$P")
ECTL_QUIET=1 ectl policy del "$P" > /dev/null

tap_plan "${#RUNS[@]}"
vgdir=$TMPDIR_TEST/vg
mkdir -p "$vgdir"
for run in "${RUNS[@]}"; do
	want=${run%% *}
	read -r -a args <<< "${run#* }"
	rm -f "$vgdir"/vg.*.log
	NF_EGRESS_VG_REAL=$EGRESSCTL NF_EGRESS_VG_DIR=$vgdir \
		"$NF_EGRESS_SRC/tools/egressctl/tests/egressctl-vg" "${args[@]}" > "$TMPDIR_TEST/out" 2>&1
	rc=$?
	logs=$(find "$vgdir" -name 'vg.*.log' | wc -l)
	bad=$(find "$vgdir" -name 'vg.*.log' -size +0 | wc -l)
	if { [ "$want" = 0 ] && [ $rc -eq 0 ]; } ||
		{ [ "$want" = "!" ] && [ $rc -ne 0 ] && [ $rc -ne 99 ]; }; then
		rc_ok=1
	else
		rc_ok=0
	fi
	if [ $rc_ok = 1 ] && [ "$logs" = 1 ] && [ "$bad" = 0 ]; then
		tap_ok "valgrind egressctl ${args[*]}: exit $rc, memcheck clean"
	else
		tap_fail "valgrind egressctl ${args[*]}: exit $rc (want $want), $logs log(s), $bad with errors"
		diag_file "$TMPDIR_TEST/out"
		for f in $(find "$vgdir" -name 'vg.*.log' -size +0); do
			diag_file "$f"
		done
	fi
done
tap_done
