# SPDX-License-Identifier: GPL-2.0
#
# nf_egress top-level Makefile.
#
#   make            build the module (kmod/nf_egress.ko) and egressctl
#   make check      install what is missing, build, run the selftests in a VM
#                   (T="a.sh b.sh": only those; X="a.sh": all but those)
#   make check-smoke
#                   the same for the smoke subset (SMOKE_TESTS; about 9
#                   minutes under TCG)
#   make check-debug
#                   the selftests on a debug kernel (KASAN, lockdep, kmemleak,
#                   UBSAN...) built from linux-source-6.1 and cached in
#                   /var/cache/nf_egress; long, so CI does not run it
#   make lint       static analysis: W=1 + sparse, checkpatch, -Werror,
#                   cppcheck (scripts/lint/run); CI runs it before make check
#   make fuzz-ci    the egressctl parser fuzzers, 60 s each (CI runs it)
#   make egressctl-check
#                   egressctl's host-side suites: unit tests, the CLI without
#                   the module, the man page (tools/egressctl/tests; CI runs it)
#   make valgrind   egressctl's host-side suites under valgrind memcheck (CI
#                   runs it)
#   make demo       install what is missing, build, run the demo in a VM
#   make bench      nf_egress vs nftables vs cgroup-BPF vs no filter in a VM
#                   (QUICK=1: smoke run); Documentation/performance.rst
#   make module W=1 build the module with extra warnings
#   make module NF_EGRESS_DEBUG=1
#                   a debug build: DEBUG defined and the in-kernel self-tests
#                   (kmod/selftest/, the selftest=1 parameter) built in; make
#                   check builds and tests this one, DKMS never does
#   make install    install egressctl, its man page and bash completion, the
#                   systemd units and an example policy (PREFIX, DESTDIR)
#   make uninstall  remove them again (the same PREFIX, DESTDIR)
#   make dkms-install / dkms-remove
#                   register the module with DKMS for KVER and build and
#                   install it there / remove it again (as root)
#   make dkms-source DESTDIR=DIR
#                   the module sources DKMS builds, in
#                   DIR/usr/src/nf-egress-VERSION (the nf-egress-dkms package)
#   make deb        the Debian packages egressctl and nf-egress-dkms in dist/,
#                   checked by lintian (scripts/make-deb; --version and
#                   --outdir there)
#   make packaging-check
#                   host-side check of all the above (scripts/dkms-check)
#   make package-check
#                   the Debian packages end to end in a systemd guest:
#                   install, reboot, metrics through node_exporter, upgrade,
#                   remove, purge (scripts/package-check; about 12 minutes
#                   under TCG with its compiler cache)
#
# The module is built against the newest supported Debian kernel whose image
# and headers are both installed (scripts/vm/find-kernel), not against
# `uname -r`: on build machines the running kernel is not the target.  KVER=
# names another: an installed release, or a Debian series or suite that
# scripts/vm/fetch-kernel fetches into its cache (KVER=6.12, KVER=sid), for
# the build and for the guest of check, demo and bench.  KDIR= overrides
# the build tree alone.

# KVER is passed on as given (a series name included): every tool resolves
# it with find-kernel, once deps has installed what that may need.  KDIR is
# looked up when a recipe uses it, for the same reason.
export KVER
KDIR ?= $(shell KVER='$(KVER)' scripts/vm/find-kernel --kdir 2>/dev/null)

.PHONY: all module egressctl selftests check check-smoke check-debug demo deps clean lint fuzz-ci valgrind bench hook-cost hook-trace egressctl-check
.PHONY: install uninstall dkms-install dkms-remove dkms-source packaging-check deb package-check

all: module egressctl

# NF_EGRESS_DEBUG=1: the debug build (kmod/Kbuild).
EGRESS_KBUILD_CONFIG := $(if $(filter 1 y yes,$(NF_EGRESS_DEBUG)),CONFIG_NF_EGRESS_DEBUG=y)
# NF_EGRESS_HOOK_COST=1: the hook timed per packet, for make hook-cost only.
EGRESS_KBUILD_CONFIG += $(if $(filter 1 y yes,$(NF_EGRESS_HOOK_COST)),CONFIG_NF_EGRESS_HOOK_COST=y)

module:
	@test -n "$(KDIR)" && test -d "$(KDIR)" || { scripts/vm/find-kernel > /dev/null; echo "no kernel build tree at '$(KDIR)': run scripts/install-deps or set KVER= or KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(EGRESS_KBUILD_CONFIG) modules

egressctl:
	$(MAKE) -C tools/egressctl

selftests:
	$(MAKE) -C selftests

deps:
	@scripts/install-deps

# The smoke subset that CI runs on the newest kernel and that make check-smoke
# runs on any: load and unload under traffic, allow and deny over IPv4 and
# IPv6 with fast errors, exact counters, atomic apply, shape and police,
# events, netlink privilege, the kernel sockets and tunnels that carry a
# user's data, templates (instances made on the packet path, collected by
# the cgroup core's answer) and connection limits (released from a
# tracepoint probe, preemptible on the newest kernels)
# (Documentation/testing.rst, "Other kernels").
SMOKE_TESTS := module_reload.sh policy_basic.sh deny_latency.sh counters.sh \
	apply_atomic.sh shape.sh police.sh events.sh privilege.sh \
	kernel_sockets.sh tunnels.sh templates.sh conn_limit.sh health.sh

# Each step is its own make so that KVER is looked up after deps installed
# the kernel.
# The module is built with W=1 here, and any compiler warning fails the check.
# It is the debug build, whose in-kernel self-tests selftest_module.sh runs.
check check-smoke: deps
	@$(MAKE) --no-print-directory all selftests W=1 NF_EGRESS_DEBUG=1 >build.log 2>&1 || { cat build.log; echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
	@! grep -n 'warning:' build.log || { echo "build has warnings"; echo "0 passed, 1 failed"; exit 1; }
	@NF_EGRESS_CHECK_EXCLUDE='$(X)' scripts/vm/check $(if $(filter check-smoke,$@),$(SMOKE_TESTS),$(T))

# Documentation/testing.rst, "The debug kernel".  Builds in a copy of the
# tree, so it may run beside a make check of this one.
check-debug:
	@scripts/debug-kernel/check $(T)

# Static analysis (Documentation/testing.rst).  It rebuilds the module and
# egressctl in this tree, so never run it beside a make check of the tree.
lint: deps
	@scripts/lint/run

# libFuzzer harnesses of egressctl's parsers, each FUZZ_SECONDS (60) long
# (tools/egressctl/fuzz).
fuzz-ci: deps
	@$(MAKE) --no-print-directory -C tools/egressctl fuzz-ci

# egressctl's host-side suites (tools/egressctl/tests/run-checks.sh); its
# runs against the real module are selftests/egressctl_cli.sh's, in the VM.
egressctl-check: deps
	@$(MAKE) --no-print-directory -C tools/egressctl check

# egressctl's host-side suites with every run under valgrind memcheck;
# selftests/valgrind.sh covers the runs against the real module.
valgrind: deps
	@$(MAKE) --no-print-directory -C tools/egressctl valgrind

demo: deps
	@$(MAKE) --no-print-directory all selftests >build.log 2>&1 || { cat build.log; echo "build failed"; exit 1; }
	@scripts/vm/demo

bench: deps
	@$(MAKE) --no-print-directory all >build.log 2>&1 && $(MAKE) -C bench >>build.log 2>&1 || { cat build.log; echo "build failed"; exit 1; }
	@scripts/vm/bench $(if $(filter 1,$(QUICK)),--quick)

# The hook's exact instructions per packet on a few paths, in about a
# minute (Documentation/performance.rst, "Instructions per packet").  It
# leaves the measurement build of the module in kmod/: the next build
# replaces it.
hook-cost: deps
	@$(MAKE) --no-print-directory module NF_EGRESS_HOOK_COST=1 >build.log 2>&1 && $(MAKE) --no-print-directory egressctl >>build.log 2>&1 && $(MAKE) -C bench >>build.log 2>&1 || { cat build.log; echo "build failed"; exit 1; }
	@scripts/vm/bench --hook-cost

# Where the hook's instructions go: a few egress_hook() calls per path
# single-stepped in the guest, every instruction named (scripts/vm/hook-trace).
# H="h3 h7" traces those paths of bench/hook_paths.sh only.
hook-trace: deps
	@$(MAKE) --no-print-directory module >build.log 2>&1 && $(MAKE) --no-print-directory egressctl >>build.log 2>&1 && $(MAKE) -C bench >>build.log 2>&1 || { cat build.log; echo "build failed"; exit 1; }
	@scripts/vm/hook-trace $(H)

clean:
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C bench clean
	$(MAKE) -C tools/egressctl clean
	$(MAKE) -C selftests clean
	rm -f build.log

# ---- installation ----------------------------------------------------------
# Documentation/install.rst describes the layout.  The units go where Debian
# 12's systemd looks for packaged units (/lib/systemd/system), whatever
# PREFIX is; their egressctl path is rewritten to $(SBINDIR).  The Debian
# package puts the example in its documentation (EXAMPLEDIR).
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= /lib/systemd/system
SYSCONFDIR ?= /etc
EXAMPLEDIR ?= $(SYSCONFDIR)/nf_egress
SYSTEMD_UNITS := nf-egress.service nf-egress-metrics.service nf-egress-metrics.timer \
	nf-egress-quota-save.service nf-egress-quota-save.timer

install: egressctl
	$(MAKE) -C tools/egressctl install DESTDIR="$(DESTDIR)" SBINDIR="$(SBINDIR)" \
		MANDIR="$(MANDIR)" BASHCOMPDIR="$(BASHCOMPDIR)"
	install -d "$(DESTDIR)$(SYSTEMDUNITDIR)" "$(DESTDIR)$(EXAMPLEDIR)"
	for unit in $(SYSTEMD_UNITS); do \
		sed 's|/usr/local/sbin/egressctl|$(SBINDIR)/egressctl|g' "packaging/$$unit" \
			> "$(DESTDIR)$(SYSTEMDUNITDIR)/$$unit" && \
		chmod 0644 "$(DESTDIR)$(SYSTEMDUNITDIR)/$$unit" || exit 1; \
	done
	install -m 0644 packaging/policy.conf.example "$(DESTDIR)$(EXAMPLEDIR)/policy.conf.example"

# Removes what install installed, given the same variables: the policy file
# and the units' enablement are the administrator's and stay.
uninstall:
	$(MAKE) -C tools/egressctl uninstall DESTDIR="$(DESTDIR)" SBINDIR="$(SBINDIR)" \
		MANDIR="$(MANDIR)" BASHCOMPDIR="$(BASHCOMPDIR)"
	for unit in $(SYSTEMD_UNITS); do \
		rm -f "$(DESTDIR)$(SYSTEMDUNITDIR)/$$unit" || exit 1; \
	done
	rm -f "$(DESTDIR)$(EXAMPLEDIR)/policy.conf.example"

# ---- DKMS ------------------------------------------------------------------
# The sources DKMS needs: the Kbuild files, the module and the UAPI header.
# Of kmod/selftest/ only the header, whose stubs the production build uses:
# DKMS builds the production module.  nf_egress.mod.c is kbuild's output.
DKMS_FILES := Kbuild dkms.conf kmod/Kbuild kmod/selftest/selftest.h \
	$(filter-out kmod/nf_egress.mod.c,$(wildcard kmod/*.c kmod/*.h)) \
	$(shell find include -name '*.h')

NF_EGRESS_VERSION = $(shell sed -n 's/^\#define NF_EGRESS_VERSION "\(.*\)"/\1/p' kmod/version.h)
DKMS_SRCDIR = /usr/src/nf-egress-$(NF_EGRESS_VERSION)

dkms-install:
	scripts/dkms-module install $(DKMS_FILES)

# What dkms-install copies to /usr/src, into DESTDIR instead, with the
# version written into dkms.conf as scripts/dkms-module and dh_dkms do.
dkms-source:
	@test -n "$(NF_EGRESS_VERSION)" || { echo "no NF_EGRESS_VERSION in kmod/version.h" >&2; exit 1; }
	for f in $(DKMS_FILES); do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(DKMS_SRCDIR)/$$f" || exit 1; \
	done
	sed -i 's/^PACKAGE_VERSION="#MODULE_VERSION#"$$/PACKAGE_VERSION="$(NF_EGRESS_VERSION)"/' \
		"$(DESTDIR)$(DKMS_SRCDIR)/dkms.conf"

dkms-remove:
	scripts/dkms-module remove

# Host-side packaging checks (DKMS, the unit, make install, the VM smoke
# test); prints TAP and "N passed, N failed".
packaging-check:
	@scripts/dkms-check

# The Debian packages (debian/), built in a scratch copy of the files git
# knows, into dist/, and lintian on them (scripts/make-deb).
deb: deps
	@scripts/make-deb

# Documentation/testing.rst, "The Debian packages".  Builds in a scratch
# copy and boots its own guest: beside another guest on 2 cores only if
# both run on one host thread (NF_EGRESS_VM_TCG_THREAD=single, as in CI).
package-check: deps
	@scripts/package-check
