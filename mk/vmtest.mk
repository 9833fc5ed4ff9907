# VM driver tests: drivers tested against the Linux kernel's own virtual
# devices (vivid camera, gpio-sim GPIO) in a throwaway QEMU guest.
# See tools/vmtest/README.md.
#
#   make vmtest                 amd64 guest (what CI runs)
#   make vmtest-arm64           arm64 guest (cortex-a72, the Pi 4 core)
#   make vmtest-arm             32-bit GOARM=7 binaries in the arm64 guest
#   make vmtest VMTEST_ARCHES="amd64 arm64"
#
# Every package with a _test.go file built only under the vmtest tag is
# found, built and run; see tools/vmtest/build-tests.sh.

# CI runs both guests: the arm64 one (cortex-a72) adds ~25 s warm and
# ~3.5 min cold (qemu-system-arm, cross gcc, arm64 kernel); set
# VMTEST_ARCHES=amd64 to leave it out.
ifeq ($(CI),true)
VMTEST_ARCHES    ?= amd64 arm64
else
VMTEST_ARCHES    ?= amd64
endif
VMTEST_PKGS      ?= ./...
VMTEST_OUT       ?= $(CURDIR)/out/vmtest
VMTEST_FLAGS     ?= --strict
# -test.short trims the exhaustive compute tests under emulation
VMTEST_TEST_ARGS ?= -test.short
VMTEST_CACHE     ?= $(HOME)/.cache/vouch-vmtest
export VMTEST_TEST_ARGS VMTEST_CACHE

.PHONY: vmtest vmtest-amd64 vmtest-arm64 vmtest-arm test-vm

vmtest: $(addprefix vmtest-,$(VMTEST_ARCHES))

vmtest-amd64:
	GOARCH=amd64 tools/vmtest/build-tests.sh $(VMTEST_OUT)/amd64 $(VMTEST_PKGS)
	tools/vmtest/run-vm.sh --arch amd64 $(VMTEST_FLAGS) $(VMTEST_OUT)/amd64

vmtest-arm64:
	GOARCH=arm64 tools/vmtest/build-tests.sh $(VMTEST_OUT)/arm64 $(VMTEST_PKGS)
	tools/vmtest/run-vm.sh --arch arm64 $(VMTEST_FLAGS) $(VMTEST_OUT)/arm64

vmtest-arm:
	GOARCH=arm GOARM=7 tools/vmtest/build-tests.sh $(VMTEST_OUT)/arm $(VMTEST_PKGS)
	tools/vmtest/run-vm.sh --arch arm64 $(VMTEST_FLAGS) $(VMTEST_OUT)/arm

# Stage of `make test`: runs under CI=true (run-vm.sh installs QEMU, the
# kernel packages and busybox with apt when missing; CI runs as root and
# keeps $(VMTEST_CACHE)), or when RUN_VMTEST=1; otherwise says why not.
TEST_STAGES += test-vm
test-vm:
	@if [ "$(CI)" = true ] || [ "$(RUN_VMTEST)" = 1 ]; then \
		$(MAKE) --no-print-directory vmtest; \
	else \
		echo "test-vm: SKIPPED: VM driver tests (vivid, gpio-sim under QEMU) run only with CI=true or RUN_VMTEST=1;"; \
		echo "test-vm: run 'make vmtest' (first run installs packages with apt as root and fills $(VMTEST_CACHE), ~2 min)"; \
	fi
