#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Not in TEST_PROGS: scripts/dkms-check runs it in a guest of its own after
# `make dkms-install` on the host (the guest sees the host's /usr, so
# /lib/modules/KVER/updates/dkms/nf_egress.ko and the modules.dep that dkms's
# depmod wrote).  Checks that DKMS built the production module (no in-kernel
# self-tests, so no selftest parameter), loads it with plain `modprobe`,
# applies the example policy and unloads it.  Usage: dkms_smoke.sh VERSION

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

VERSION=${1:?usage: dkms_smoke.sh VERSION}
require_root
require_cgroup2
require_egressctl
tap_plan 9

kver=$(uname -r)
check_eq "module not loaded before modprobe" "no" "$(module_loaded && echo yes || echo no)"
out=$(modinfo -n nf_egress 2>&1)
check_eq "modprobe finds the DKMS module" "/lib/modules/$kver/updates/dkms/nf_egress.ko" "$out"
out=$(modinfo -F parm nf_egress 2>&1)
! grep -q '^selftest:' <<< "$out"
tap_result $? "the DKMS module is a production build: no selftest parameter" "$out"
out=$(modprobe nf_egress 2>&1)
tap_result $? "modprobe nf_egress" "$out"
module_loaded || bail_out "nf_egress is not loaded"
check_eq "loaded module version" "$VERSION" "$(cat /sys/module/nf_egress/version 2>/dev/null)"

ex=$NF_EGRESS_SRC/packaging/policy.conf.example
ectl apply -f "$ex" > /dev/null
tap_result $? "egressctl apply -f policy.conf.example"
out=$(ectl show)
check_eq "the example policy is loaded" "policy /system.slice/app.service mode audit default deny" \
	"$(echo "$out" | grep '^policy ' | sed 's/ rate.*//')"
ectl apply -f /dev/null > /dev/null
tap_result $? "egressctl apply -f /dev/null removes it"
out=$(rmmod nf_egress 2>&1)
tap_result $? "rmmod nf_egress" "$out"

tap_done
