#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/uapi.rst and include/uapi/linux/nf_egress.h name the same
# constants: every enumerator (commands, attributes, nested attributes,
# verdicts, modes) and every NF_EGRESS_* #define (family and group names,
# limits) of the header appears in uapi.rst, and every NF_EGRESS_* name in
# uapi.rst exists in the header.  The *_MAX sentinels that close each enum
# are not part of the API and must not be documented; wildcards such as
# ``NF_EGRESS_RULE_A_*`` are not names.
#
#   (no network, no module needed: reads two files of the repository)

source "$(dirname "$0")/lib.sh"

HDR=$NF_EGRESS_SRC/include/uapi/linux/nf_egress.h
DOC=$NF_EGRESS_SRC/Documentation/uapi.rst

require_cmd python3
[ -r "$HDR" ] && [ -r "$DOC" ] || skip_all "$HDR or $DOC missing"
tap_plan 3

# names FILE: the header's constants (header) or the names in uapi.rst (doc),
# one per line, sorted.
names()
{
	python3 - "$1" "$2" << 'EOF'
import re
import sys

kind, path = sys.argv[1], sys.argv[2]
text = open(path).read()
found = set()
if kind == "header":
    code = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for body in re.findall(r"\benum\s+\w+\s*\{(.*?)\}", code, flags=re.S):
        for item in body.split(","):
            # Sentinels: __X_MAX, and X_MAX = __X_MAX - 1.
            m = re.match(r"\s*(\w+)\s*(?:=(.*))?$", item, flags=re.S)
            if m and not m.group(1).startswith("__") and "__" not in (m.group(2) or ""):
                found.add(m.group(1))
    found.update(re.findall(r"^#define\s+(NF_EGRESS_\w+)", code, flags=re.M))
else:
    # A name ends at a letter or digit and is not followed by "_" or "*".
    found.update(re.findall(r"\bNF_EGRESS_[A-Z0-9_]*[A-Z0-9]\b(?![*_])", text))
print("\n".join(sorted(found)))
EOF
}

names header "$HDR" > "$TMPDIR_TEST/header"
names doc "$DOC" > "$TMPDIR_TEST/doc"

# A parser that finds nothing must not pass: the header has well over 100.
n=$(wc -l < "$TMPDIR_TEST/header")
((n >= 100)) && grep -qx NF_EGRESS_CMD_EVENT "$TMPDIR_TEST/header" &&
	grep -qx NF_EGRESS_MCGRP_EVENTS "$TMPDIR_TEST/header"
tap_result $? "the header parses to $n constants, NF_EGRESS_CMD_EVENT and NF_EGRESS_MCGRP_EVENTS among them"

check_eq "every constant of nf_egress.h is documented in uapi.rst" "" \
	"$(comm -23 "$TMPDIR_TEST/header" "$TMPDIR_TEST/doc" | tr '\n' ' ')"
check_eq "every NF_EGRESS_* name in uapi.rst exists in nf_egress.h" "" \
	"$(comm -13 "$TMPDIR_TEST/header" "$TMPDIR_TEST/doc" | tr '\n' ' ')"

tap_done
