#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Record golden/templates/*.nl: run in the test guest, as root, with the
# module and egressctl of the tree (after `make check` staged them):
#
#   scripts/vm/run-guest -- /src/scripts/vm/with-staged-module \
#       /src/tools/egressctl/tests/golden/templates/record.sh
#
# It applies set.conf, makes the cgroups and sends the datagrams that
# set.conf's comment describes (to a dummy device: they only need to pass
# the module), adds the exact policy, and captures the three dumps with
# tests/capture.  test_dump.c checks what egressctl decodes from them.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cg=/sys/fs/cgroup

modprobe nf_egress
ip link add nfe-golden type dummy
ip addr add 10.99.0.1/24 dev nfe-golden
ip addr add 192.0.2.1/24 dev nfe-golden
ip link set nfe-golden up

# send CGROUP ADDR PORT COUNT: COUNT 100-byte UDP datagrams from CGROUP.
send()
{
	bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' send "$cg$1" \
		python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[3])):
    s.sendto(b"x" * 100, (sys.argv[1], int(sys.argv[2])))
' "$2" "$3" "$4"
}

mkdir -p "$cg/golden/a.service" "$cg/golden/b.service"
egressctl apply -f "$here/set.conf"
send /golden/a.service 10.99.0.53 53 3
send /golden/b.service 10.99.0.53 53 1
egressctl policy add /golden/b.service mode audit default allow
egressctl rule add /golden/b.service deny to 192.0.2.0/24
send /golden/b.service 192.0.2.9 9 1
"$here/../../capture" "$here"
# What `egressctl show /golden/a.service` gets: its rules with its hits.
mkdir -p "$here/a.service"
"$here/../../capture" "$here/a.service" /golden/a.service
egressctl show --instances
egressctl stats
rmdir "$cg/golden/a.service" "$cg/golden/b.service" "$cg/golden"
