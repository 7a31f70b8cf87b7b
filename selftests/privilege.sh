#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Who may change policies, who may read them, and the ways out of a policy
# that do and do not work.
#
#   root netns                                  $SRV_NS
#   +------------------------------------+      +---------------------------+
#   | /nfe-priv-PID: default deny,       |      | tcp-listen :: 5201        |
#   |   allow to 10.99.0.0/24            | veth | udp-recv   :: 5202 (sink) |
#   | nfeXXXX 10.99.0.1/24 10.99.1.1/24  +------+ eth0 10.99.0.2 10.99.1.2  |
#   +------------------------------------+      +---------------------------+
#   callers: uid 65534 without capabilities; root of `unshare -Ur` (a user
#   namespace, same netns); root of `unshare -Ur --net`; uid 0 without
#   CAP_NET_ADMIN; real root inside a container netns (ip netns exec).
#
# Changing policies needs CAP_NET_ADMIN in the initial user namespace
# (GENL_ADMIN_PERM): every other caller gets "Operation not permitted" and
# the policy set stays byte-for-byte the same.  Joining the events
# multicast group needs it too (GENL_MCAST_CAP_NET_ADMIN): the root of a
# user namespace reaches the family but may not join, neither with
# `egressctl monitor` (exit 2) nor with nl_client, the libnl-3 client
# (EPERM, where root joins).  Listing rules (show, explain, RULE_GET,
# /proc/net/nf_egress/policies) needs it as well: the rules tell where a
# confined service may send.  Counters (stats without rules,
# /proc/net/nf_egress/stats) are open to every process of the initial
# netns.  The family exists only in the initial netns (netnsok = false):
# elsewhere it cannot be resolved and /proc/net/nf_egress does not exist.
#
# Escapes: a new netns does not help (a dummy device in a fresh netns: UDP
# still EPERM, counted as denied; new_netns.sh covers namespaces with real
# traffic); a raw IPv4 socket is judged like any other; a socket that sends
# from a foreign source (IPV6_FREEBIND) is refused; an AF_PACKET socket
# (which needs CAP_NET_RAW) is not: its frame reaches the sink.  A socket
# keeps the cgroup it was created in: policy_lifecycle.sh shows both
# directions.  Documentation/admin-guide.rst, "Covered protocol families and
# escapes", says what an administrator does about each.
#
# egressctl's exit code for a kernel refusal may change (it is 1 or 2), so
# refusals are checked as nonzero plus the message.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

CG=nfe-priv-$$
CG_FREE=nfe-priv-free-$$
P=/$CG
NEWP=/nfe-priv-new-$$
EPERM_MSG="Operation not permitted"
RULES_MSG="listing rules needs CAP_NET_ADMIN"
NOMOD_MSG="nf_egress module not loaded"

require_common
require_cmd setpriv unshare
require_probe
require_egressctl

tap_plan 45

cg_create "$CG"
cg_create "$CG_FREE"
policy_add "$P"
ectl_must rule add "$P" allow to "$NET4_ALLOW"
setup_server_topology

# A copy of egressctl and the probe that uid 65534 can run whatever the
# permissions of the source tree are.
BIN=$TMPDIR_TEST/bin
mkdir -p "$BIN" && cp "$NF_EGRESS_SRC/tools/egressctl/egressctl" "$PROBE" "$BIN/" &&
	chmod 0755 "$TMPDIR_TEST" "$BIN" "$BIN"/* || bail_out "cannot copy the binaries"
CFG=$TMPDIR_TEST/apply.conf
printf 'cgroup "%s" {\n    default allow;\n}\n' "$NEWP" > "$CFG" && chmod 0644 "$CFG"
CLEANUP_POLICIES+=("$NEWP")

config_now()
{
	"$EGRESSCTL" show --config 2>&1
}
before=$(config_now)

as_nobody()
{
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"
}
as_userns_root()
{
	unshare -Ur "$@"
}
as_userns_netns_root()
{
	unshare -Ur --net "$@"
}
as_root_without_net_admin()
{
	setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$@"
}

# refused DESC EXPECTED-MESSAGE CALLER EGRESSCTL-ARGS...: nonzero and the
# message on stderr.
refused()
{
	local desc=$1 msg=$2 caller=$3 out rc
	shift 3
	out=$("$caller" "$BIN/egressctl" "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && [[ $out == *"$msg"* ]]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		diag "expected a nonzero exit and '$msg', got rc=$rc: $out"
	fi
}

# allowed DESC CALLER EGRESSCTL-ARGS...: exit 0 and the policy's path in
# the output.
allowed()
{
	local desc=$1 caller=$2 out rc
	shift 2
	out=$("$caller" "$BIN/egressctl" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [[ $out == *"$P"* ]]; then
		tap_ok "$desc"
	else
		tap_fail "$desc"
		diag "expected rc=0 and '$P' in the output, got rc=$rc: $out"
	fi
}

# --- uid 65534, no capabilities ---------------------------------------------
refused "nobody: policy add refused" "$EPERM_MSG" as_nobody policy add "$NEWP"
refused "nobody: rule add refused" "$EPERM_MSG" as_nobody rule add "$P" allow to 198.51.100.0/24
refused "nobody: policy set refused" "$EPERM_MSG" as_nobody policy set "$P" mode audit
refused "nobody: policy del refused" "$EPERM_MSG" as_nobody policy del "$P"
refused "nobody: apply -f refused" "$EPERM_MSG" as_nobody apply -f "$CFG"
refused "nobody: stats reset refused" "$EPERM_MSG" as_nobody stats reset "$P"
refused "nobody: show refused (it lists rules)" "$RULES_MSG" as_nobody show "$P"
refused "nobody: explain refused" "$RULES_MSG" as_nobody explain "$P" "$SRV4_DENY" \
	proto udp port "$UDP_PORT"
allowed "nobody: stats works" as_nobody stats
out=$(as_nobody "$BIN/egressctl" stats "$P" 2>&1 > /dev/null)
check_eq "nobody: stats PATH leaves the rules out and says why" \
	"egressctl: stats $P: rules not shown: $RULES_MSG" "$out"
out=$(as_nobody "$BIN/egressctl" -j version 2>&1)
[[ $out == *'"policies":'* && $out != *cached_cgroups* ]] &&
	[[ $("$EGRESSCTL" -j version) == *'"cached_cgroups":'* ]]
tap_result $? "nobody: -j version leaves out cached_cgroups, which root gets" "$out"
out=$(as_nobody cat "$NF_EGRESS_PROC/policies" 2>&1)
check_eq "nobody: /proc/net/nf_egress/policies does not open" \
	"cat: $NF_EGRESS_PROC/policies: $EPERM_MSG" "$out"
out=$(as_nobody cat "$NF_EGRESS_PROC/stats" 2>&1)
check_eq "nobody: /proc/net/nf_egress/stats lists $P" 1 "$(grep -c -- "^$P " <<< "$out")"

# --- root of a user namespace, same netns (a container's root) ----------------
refused "unshare -Ur: policy add refused" "$EPERM_MSG" as_userns_root policy add "$NEWP"
refused "unshare -Ur: policy del refused" "$EPERM_MSG" as_userns_root policy del "$P"
refused "unshare -Ur: apply -f refused" "$EPERM_MSG" as_userns_root apply -f "$CFG"
refused "unshare -Ur: show refused" "$RULES_MSG" as_userns_root show "$P"
out=$(as_userns_root cat "$NF_EGRESS_PROC/policies" 2>&1)
check_eq "unshare -Ur: /proc/net/nf_egress/policies does not open" \
	"cat: $NF_EGRESS_PROC/policies: $EPERM_MSG" "$out"
out=$(as_userns_root timeout 10 "$BIN/egressctl" monitor 2>&1 > /dev/null)
rc=$?
check_eq "unshare -Ur: monitor exits 2: cannot join the events group" \
	"2 egressctl: monitor: cannot join the events group: $EPERM_MSG (needs CAP_NET_ADMIN)" "$rc $out"
out=$("$LIB_DIR/nl_client" --join-events 2>&1)
rc=$?
[ $rc -eq 0 ] && [[ $out == 'nl_client: joined "events" group (id '* ]]
tap_result $? "root: nl_client --join-events joins the events group" "rc=$rc: $out"
out=$(as_userns_root "$LIB_DIR/nl_client" --join-events 2>&1)
rc=$?
check_eq "unshare -Ur: nl_client --join-events: EPERM" \
	"1 nl_client: join \"events\" group: EPERM ($EPERM_MSG)" "$rc $out"

# --- root of a user namespace with its own netns ------------------------------
refused "unshare -Ur --net: policy add: family not reachable" "$NOMOD_MSG" \
	as_userns_netns_root policy add "$NEWP"
refused "unshare -Ur --net: show: family not reachable" "$NOMOD_MSG" as_userns_netns_root show
check_eq "unshare -Ur --net: no /proc/net/nf_egress" absent \
	"$(as_userns_netns_root sh -c 'test -e /proc/net/nf_egress && echo present || echo absent')"

# --- uid 0 without CAP_NET_ADMIN ----------------------------------------------
capeff=$(as_root_without_net_admin sh -c 'sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status')
check_eq "setpriv: uid 0 without CAP_NET_ADMIN (bit 12 clear in CapEff $capeff)" 0 \
	$(((16#$capeff >> 12) & 1))
refused "no CAP_NET_ADMIN: policy add refused" "$EPERM_MSG" as_root_without_net_admin policy add "$NEWP"
refused "no CAP_NET_ADMIN: rule del refused" "$EPERM_MSG" as_root_without_net_admin \
	rule del "$P" allow to "$NET4_ALLOW"
allowed "no CAP_NET_ADMIN: stats works" as_root_without_net_admin stats
out=$(as_root_without_net_admin cat "$NF_EGRESS_PROC/policies" 2>&1)
check_eq "no CAP_NET_ADMIN: uid 0 does not open /proc/net/nf_egress/policies either" \
	"cat: $NF_EGRESS_PROC/policies: $EPERM_MSG" "$out"
out=$(cat "$NF_EGRESS_PROC/policies" 2>&1)
check_eq "root: /proc/net/nf_egress/policies lists $P" 1 "$(grep -c -- "^policy $P mode " <<< "$out")"

# --- real root inside a container netns ---------------------------------------
ns_create CNT cnt
in_container() { ip netns exec "$CNT" "$@"; }
refused "container netns: policy add: family not reachable" "$NOMOD_MSG" in_container policy add "$NEWP"
check_eq "container netns: no /proc/net/nf_egress" absent \
	"$(in_container sh -c 'test -e /proc/net/nf_egress && echo present || echo absent')"

check_eq "the policy set is unchanged after every refused change" "$before" "$(config_now)"

# --- escapes: a new netns -----------------------------------------------------
# The process in the policy's cgroup makes its own netns with a dummy device
# (no other way out of it): sending there goes through LOCAL_OUT all the
# same.  The same from a cgroup without a policy shows the path works.
newns_send()
{
	cg_exec "$1" unshare -n sh -c '
		ip link set lo up && ip link add d0 type dummy && ip link set d0 up &&
		ip addr add 10.99.5.1/24 dev d0 && exec "$0" udp-send 10.99.5.2 5202 3 100' "$PROBE" 2>&1
}
stats0=$(stats_json "$P")
check_eq "new netns from $P: UDP via a dummy device is denied" \
	"sent=0 failed=3 first_errno=EPERM" "$(newns_send "$CG")"
read -r _ _ dp0 db0 <<< "$stats0"
read -r _ _ dp1 db1 <<< "$(stats_json "$P")"
check_eq "... and counted as 3 denied packets of 128 bytes" "3 384" \
	"$((dp1 - dp0)) $((db1 - db0))"
check_eq "new netns from a cgroup without policy: sent" \
	"sent=3 failed=0 first_errno=none" "$(newns_send "$CG_FREE")"

# --- escapes: other socket types ----------------------------------------------
# A raw IPv4 socket (IPPROTO_UDP, we write the UDP header) to the denied
# address: judged at LOCAL_OUT like UDP.
raw_send()
{
	cg_exec "$CG" python3 -c '
import errno, socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
payload = b"x" * 32
udp = struct.pack("!HHHH", 40000, int(sys.argv[2]), 8 + len(payload), 0) + payload
try:
    s.sendto(udp, (sys.argv[1], 0))
    print("sent")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$SRV4_DENY" "$UDP_PORT" 2>&1
}
rx0=$(udp_received)
check_eq "raw IPv4 socket from $P to $SRV4_DENY: EPERM" EPERM "$(raw_send)"

# IPV6_FREEBIND (no privilege needed) lets a socket send from an address
# that is not the host's; the kernel's ICMPv6 errors (not judged) would go
# to that source and quote the packet.  From a foreign source, nothing is
# allowed; from one of the host's, the same socket option changes nothing.
# freebind_send SOURCE [plain]: plain leaves IPV6_FREEBIND off.
freebind_send()
{
	cg_exec "$CG" python3 -c '
import errno, socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
if sys.argv[4] != "plain":
    s.setsockopt(socket.IPPROTO_IPV6, 78, 1)    # IPV6_FREEBIND
try:
    s.bind((sys.argv[1], 0))
    s.sendto(b"x" * 32, (sys.argv[2], int(sys.argv[3])))
    print("sent")
except OSError as e:
    print(errno.errorcode[e.errno])
' "$1" "$SRV6_ALLOW" "$UDP_PORT" "${2:-freebind}" 2>&1
}
ectl_must rule add "$P" allow to "$NET6_ALLOW"
check_eq "IPV6_FREEBIND from a foreign source (2001:db8:77::1) to allowed $SRV6_ALLOW: EPERM" \
	EPERM "$(freebind_send 2001:db8:77::1)"
check_eq "IPV6_FREEBIND from the host's own 2001:db8:99::1 to $SRV6_ALLOW: sent" \
	sent "$(freebind_send 2001:db8:99::1)"
busywait 3000 udp_received_is $((rx0 + 1))
check_eq "... and the sink received exactly that one datagram" 1 "$(($(udp_received) - rx0))"
# The namespace's net.ipv6.ip_nonlocal_bind does for every socket what
# IPV6_FREEBIND does for one, and root in a container's own namespace may
# set it there.
old_nlb=$(sysctl -n net.ipv6.ip_nonlocal_bind)
sysctl -qw net.ipv6.ip_nonlocal_bind=1
on_cleanup "sysctl -qw net.ipv6.ip_nonlocal_bind=$old_nlb"
check_eq "net.ipv6.ip_nonlocal_bind=1, no socket option: from a foreign source (2001:db8:77::1) to allowed $SRV6_ALLOW: EPERM" \
	EPERM "$(freebind_send 2001:db8:77::1 plain)"
sysctl -qw net.ipv6.ip_nonlocal_bind="$old_nlb"
check_eq "... and the sink received nothing more" 1 "$(($(udp_received) - rx0))"
rx0=$(udp_received)

# An AF_PACKET socket writes a whole Ethernet frame (IPv4/UDP to the sink on
# the denied address) straight to the device: netfilter's LOCAL_OUT never
# sees it, so the policy does not judge it and the sink receives it.
packet_send()
{
	local dmac smac
	dmac=$(ip -n "$SRV_NS" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	smac=$(ip -o link show "$CLIENT_DEV" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	"$1" "$CG" python3 -c '
import socket, struct, sys
dev, dmac, smac, src, dst, port = sys.argv[1:7]
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
payload = b"p" * 32
udp = struct.pack("!HHHH", 40001, int(port), 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
eth = bytes.fromhex(dmac.replace(":", "")) + bytes.fromhex(smac.replace(":", "")) + b"\x08\x00"
try:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    s.send(eth + ip + udp)
    print("sent")
except PermissionError:
    print("EPERM")
' "$CLIENT_DEV" "$dmac" "$smac" 10.99.1.1 "$SRV4_DENY" "$UDP_PORT" 2>&1
}
cg_exec_root() { cg_exec "$@"; }
cg_exec_nobody() { local cg=$1; shift; cg_exec "$cg" setpriv --reuid=65534 --regid=65534 \
	--clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
check_eq "AF_PACKET from $P (root, CAP_NET_RAW): the frame is sent" sent "$(packet_send cg_exec_root)"
busywait 3000 udp_received_is $((rx0 + 1))
check_eq "... and the sink on the denied address received it: not judged" 1 \
	"$(($(udp_received) - rx0))"
check_eq "AF_PACKET needs CAP_NET_RAW: uid 65534 cannot open one" EPERM \
	"$(packet_send cg_exec_nobody)"

tap_done
