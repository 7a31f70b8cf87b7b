#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The UAPI from a second netlink implementation: nl_client (libnl-3, not
# egressctl's libmnl) creates a policy with a rate limit and two rules,
# reads it back through every GET command and EXPLAIN, checks each reply
# attribute's type and length against include/uapi/linux/nf_egress.h and
# each value against what it sent, and deletes it.  Its TAP is this test's.
#
#   host: nl_client --genl--> nf_egress      (no traffic, no topology)

source "$(dirname "$0")/lib.sh"

require_root
[ -x "$LIB_DIR/nl_client" ] || skip_all "nl_client not built (make -C selftests)"
P=/nl_client.$$
ECTL_QUIET=1 ectl policy del "$P" > /dev/null
CLEANUP_POLICIES+=("$P")
"$LIB_DIR/nl_client" "$P"
