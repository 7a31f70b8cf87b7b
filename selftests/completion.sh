#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion of egressctl (tools/egressctl/completion/egressctl.bash-completion)
# against the running module: sources it, sets COMP_WORDS/COMP_CWORD by hand,
# calls _egressctl and compares COMPREPLY.  Policy paths must come from the
# module (a policy added here shows up, a deleted one goes), cgroup paths from
# /sys/fs/cgroup.

source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

require_root
require_cgroup2
require_egressctl
require_module
COMPLETION=$NF_EGRESS_SRC/tools/egressctl/completion/egressctl.bash-completion
[ -r "$COMPLETION" ] || skip_all "$COMPLETION not found"
tap_plan 21

# shellcheck source=../tools/egressctl/completion/egressctl.bash-completion
source "$COMPLETION"
unset NF_EGRESS_CGROUP_ROOT

# comp WORD...: complete the last WORD (may be ""); prints COMPREPLY sorted,
# space-separated.  COMP_WORDS[0] is $EGRESSCTL, so the completion runs it.
comp()
{
	COMP_WORDS=("$EGRESSCTL" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_egressctl
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'
}

CG=nfe_comp
cg_create "$CG"
cg_create "$CG/web.service"
cg_create "$CG/db.service"

check_eq "commands" \
	"apply check explain help metrics monitor policy quota rule show stats top version" "$(comp "")"
check_eq "commands after -j" "policy" "$(comp -j po)"
check_eq "global options" "--help --json --version -V -h -j" "$(comp -)"
check_eq "policy subcommands" "add del help set" "$(comp policy "")"
check_eq "rule subcommands" "add del help" "$(comp rule "")"
check_eq "stats reset" "reset" "$(comp stats re)"
check_eq "monitor options" "-j" "$(comp monitor "")"
check_eq "quota subcommands" "help reset restore save show" "$(comp quota "")"
check_eq "quota show options" "--exact -j -x" "$(comp quota show -)"
check_eq "no policies loaded: nothing to complete" "" "$(comp policy del /nfe)"
check_eq "cgroup paths for policy add" "/$CG" "$(comp policy add "/nfe_co")"
check_eq "cgroup children" "/$CG/db.service /$CG/web.service" "$(comp policy add "/$CG/")"

policy_add "/$CG/web.service" default deny
ectl_must rule add "/$CG/web.service" allow tcp to 10.1.0.0/16 port 443
check_eq "policy path from the module (policy set)" "/$CG/web.service" "$(comp policy set /nfe)"
check_eq "policy path from the module (rule add)" "/$CG/web.service" "$(comp rule add /)"
id=$(ectl show "/$CG/web.service" | sed -n 's/^[[:space:]]*rule \([0-9][0-9]*\).*/\1/p')
check_eq "rule ids of the policy (rule del)" "$id allow deny" "$(comp rule del "/$CG/web.service" "")"
check_eq "policy keywords" "burst conn conn-burst conn-class conn-max conn-rate default latency mode police pps queue rate shape" \
	"$(comp policy set "/$CG/web.service" "")"
check_eq "mode values" "audit enforce" "$(comp policy set "/$CG/web.service" mode "")"
check_eq "rule protocols" "any icmp icmpv6 sctp tcp udp" \
	"$(comp rule add "/$CG/web.service" allow proto "")"
check_eq "rule keywords" "any class icmp icmpv6 port proto sctp tcp to udp" \
	"$(comp rule add "/$CG/web.service" allow to 10.0.0.0/8 "")"

f=$TMPDIR_TEST/policy-comp.conf
: > "$f"
check_eq "files after -f" "$f" "$(comp apply -f "$TMPDIR_TEST/policy-co")"

ectl_must policy del "/$CG/web.service"
check_eq "deleted policy is no longer offered" "" "$(comp show "/$CG")"

tap_done
