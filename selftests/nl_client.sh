#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The UAPI from a second netlink implementation: nl_client (libnl-3, not
# egressctl's libmnl) creates a policy with a rate limit and two rules,
# reads it back through every GET command and EXPLAIN, changes it with
# POLICY_SET and RULE_DEL, makes its counters move with UDP of its own,
# stages policy sets with APPLY_BEGIN and aborts one and commits the other,
# zeroes the counters with STATS_RESET, checks each reply attribute's type
# and length against include/uapi/linux/nf_egress.h and each value against
# what it sent, and deletes what it made.  Its TAP is this test's.  NB: the
# commit replaces every policy of the host, as `egressctl apply` does.
#
#   root netns
#   +-------------------------------------------+
#   | /nl_client.PID: nl_client, its policy's   |
#   |   cgroup; UDP to 198.51.100.9 port 9      |
#   | nfeXXXX (dummy) 198.51.100.1/24: takes    |
#   |   the datagrams after LOCAL_OUT, drops    |
#   |   them                                    |
#   +-------------------------------------------+
#
# Loopback traffic is not judged, hence the dummy device.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

require_root
require_cmd ip
require_cgroup2
[ -x "$LIB_DIR/nl_client" ] || bail_out "nl_client not built (make -C selftests)"
CG=nl_client.$$
P=/$CG
DST=198.51.100.9
# nl_client's apply checks make "$P.staged" too.
for p in "$P" "$P.staged"; do
	ECTL_QUIET=1 ectl policy del "$p" > /dev/null
	CLEANUP_POLICIES+=("$p")
done

cg_create "$CG"
dummy_up 198.51.100.1/24

cg_exec "$CG" "$LIB_DIR/nl_client" "$P" "$DST"
