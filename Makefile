# SPDX-License-Identifier: GPL-2.0
#
# nf_egress top-level Makefile.
#
#   make            build the module (kmod/nf_egress.ko) and egressctl
#   make check      install what is missing, build, run the selftests in a VM
#   make demo       install what is missing, build, run the demo in a VM
#   make module W=1 build the module with extra warnings
#
# The module is built against the newest Debian kernel whose image and
# headers are both installed (tools/vm/find-kernel), not against `uname -r`:
# on build machines the running kernel is not the target.  KDIR= or KVER=
# overrides.

KVER ?= $(shell tools/vm/find-kernel 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module egressctl selftests check demo deps clean

all: module egressctl

module:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)': run tools/install-deps or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

egressctl:
	$(MAKE) -C tools/egressctl

selftests:
	$(MAKE) -C selftests
	$(MAKE) -C tools/egressctl test-progs

deps:
	@tools/install-deps

# Each step is its own make so that KVER is looked up after deps installed
# the kernel.
# The module is built with W=1 here, and any compiler warning fails the check.
check: deps
	@$(MAKE) --no-print-directory all selftests W=1 >build.log 2>&1 || { cat build.log; echo "build failed"; echo "0 passed, 1 failed"; exit 1; }
	@! grep -n 'warning:' build.log || { echo "build has warnings"; echo "0 passed, 1 failed"; exit 1; }
	@tools/vm/check $(T)

demo: deps
	@$(MAKE) --no-print-directory all selftests >build.log 2>&1 || { cat build.log; echo "build failed"; exit 1; }
	@tools/vm/demo

clean:
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/egressctl clean
	$(MAKE) -C selftests clean
	rm -f build.log
