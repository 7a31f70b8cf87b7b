#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/netlink/specs/nf_egress.yaml is the one description of the
# netlink API, and what is made from it says what it says:
#
#   - scripts/nl-gen --check: include/uapi/linux/nf_egress.h, the module's
#     policies (kmod/netlink-gen.[ch]), the clients' attribute table
#     (include/nf_egress_attr_table.h) and the reference
#     (Documentation/uapi-reference.inc) are what the spec gives;
#   - Documentation/uapi.rst includes that reference;
#   - every NF_EGRESS_* name uapi.rst's own text uses is a constant of the
#     header (no name of a removed or renamed constant; wildcards such as
#     ``NF_EGRESS_RULE_A_*`` are not names);
#   - the reference lists every command and every attribute of the spec.
#
# `make lint` runs scripts/nl-gen --check too, with the schema check.
#
#   (no network, no module needed: reads files of the repository)

source "$(dirname "$0")/lib.sh"

SPEC=$NF_EGRESS_SRC/Documentation/netlink/specs/nf_egress.yaml
HDR=$NF_EGRESS_SRC/include/uapi/linux/nf_egress.h
DOC=$NF_EGRESS_SRC/Documentation/uapi.rst
REF=$NF_EGRESS_SRC/Documentation/uapi-reference.inc

require_cmd python3
python3 -c 'import yaml' 2> /dev/null || bail_out "python3-yaml is missing (tools/install-deps)"
tap_plan 4

out=$("$NF_EGRESS_SRC/scripts/nl-gen" --check 2>&1)
tap_result $? "the header, policies, attribute table and reference are what the spec gives" "$out"

grep -qx '.. include:: uapi-reference.inc' "$DOC"
tap_result $? "uapi.rst includes the generated reference"

# The header's constants, and the names uapi.rst's text uses.
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
            m = re.match(r"\s*(\w+)", item)
            if m:
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
check_eq "every NF_EGRESS_* name in uapi.rst is a constant of the header" "" \
	"$(comm -13 "$TMPDIR_TEST/header" "$TMPDIR_TEST/doc" | tr '\n' ' ')"

out=$(python3 - "$SPEC" "$REF" << 'EOF'
import sys
import yaml

spec = yaml.safe_load(open(sys.argv[1]))
ref = open(sys.argv[2]).read()
missing = []
n = 0
for s in spec["attribute-sets"]:
    if "subset-of" in s:
        continue
    for a in s["attributes"]:
        if a["type"] == "unused":
            continue
        name = (s["name-prefix"] + a["name"]).upper().replace("-", "_")
        n += 1
        if f"``{name}``" not in ref:
            missing.append(name)
for op in spec["operations"]["list"]:
    name = (spec["operations"]["name-prefix"] + op["name"]).upper().replace("-", "_")
    n += 1
    if f"``{name}``" not in ref:
        missing.append(name)
# A spec that parses to nothing must not pass.
if n < 80:
    missing.append(f"only {n} names in the spec")
print(" ".join(missing))
EOF
)
check_eq "the reference lists every command and attribute of the spec" "" "$out"

tap_done
