# SPDX-License-Identifier: GPL-2.0
#
# Run by gdb (scripts/vm/hook-trace): the debugger's half of make
# hook-trace.  For each path that bench/hook_trace.sh announces in DIR/ready
# ("ID LEN"), attach to QEMU's gdb stub, let HOOK_TRACE_SKIP calls of
# egress_hook() pass (the flood's first packets fill caches), then
# single-step HOOK_TRACE_SAMPLES whole calls, one instruction at a time,
# into DIR/pcs-ID-N (one address per line), detach, and say DIR/done-ID.
# QEMU's stub keeps interrupts off while it single-steps, so a trace is the
# hook's own instructions and those of what it calls.
#
# Env: HOOK_TRACE_DIR, HOOK_TRACE_PORT, HOOK_TRACE_SKIP (default 200),
# HOOK_TRACE_SAMPLES (default 3).

import os
import time

import gdb

DIR = os.environ["HOOK_TRACE_DIR"]
PORT = os.environ["HOOK_TRACE_PORT"]
SKIP = int(os.environ.get("HOOK_TRACE_SKIP", "200"))
SAMPLES = int(os.environ.get("HOOK_TRACE_SAMPLES", "3"))
# No call of the hook comes near this; a trace that does is a runaway.
MAX_STEPS = 20000
MASK = (1 << 64) - 1


def announced(previous):
    """The next "ID LEN" line of DIR/ready after @previous."""
    while True:
        try:
            with open(os.path.join(DIR, "ready")) as f:
                line = f.read().strip()
        except FileNotFoundError:
            line = ""
        if line and line != previous:
            return line
        time.sleep(0.2)


def hook_address():
    with open(os.path.join(DIR, "kallsyms")) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 4 and fields[2] == "egress_hook" and \
                    fields[3] == "[nf_egress]":
                return int(fields[0], 16)
    raise gdb.GdbError("no egress_hook [nf_egress] in the guest's kallsyms")


def register(name):
    return int(gdb.parse_and_eval("$" + name)) & MASK


def step_one_call():
    """At egress_hook's first instruction: step to its return."""
    ret = int(gdb.parse_and_eval("*(unsigned long *)$rsp")) & MASK
    entry_sp = register("rsp")
    pcs = []
    while len(pcs) < MAX_STEPS:
        pc = register("pc")
        # Back in the caller, with the return address popped.
        if pc == ret and register("rsp") > entry_sp:
            return pcs
        pcs.append(pc)
        gdb.execute("stepi", to_string=True)
    raise gdb.GdbError("egress_hook did not return within %d steps" % MAX_STEPS)


def trace_path(ident, hook):
    gdb.execute("target remote 127.0.0.1:%s" % PORT, to_string=True)
    bp = gdb.Breakpoint("*0x%x" % hook, type=gdb.BP_HARDWARE_BREAKPOINT,
                        internal=True)
    bp.ignore_count = SKIP
    for n in range(SAMPLES):
        gdb.execute("continue", to_string=True)
        with open(os.path.join(DIR, "pcs-%s-%d" % (ident, n)), "w") as f:
            f.writelines("%x\n" % pc for pc in step_one_call())
    bp.delete()
    gdb.execute("detach", to_string=True)
    open(os.path.join(DIR, "done-" + ident), "w").close()


def main():
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    previous = None
    hook = None
    while True:
        line = announced(previous)
        previous = line
        if line == "finished":
            return
        if hook is None:
            hook = hook_address()
        ident = line.split()[0]
        trace_path(ident, hook)
        print("hook-trace: %s traced" % ident, flush=True)


main()
