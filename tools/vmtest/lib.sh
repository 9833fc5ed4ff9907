# shellcheck shell=bash disable=SC2034
# Helpers shared by the vmtest scripts. Sourced, never executed.

# The kernel, its unpacked module tree, the out-of-tree gpio-sim modules and
# busybox live here and survive between runs (CI keeps $HOME/.cache).
VMTEST_CACHE=${VMTEST_CACHE:-$HOME/.cache/vouch-vmtest}
VMTEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf '[vmtest] %s\n' "$*" >&2; }
die() { printf '[vmtest] error: %s\n' "$*" >&2; exit 1; }

# guest_vars ARCH sets the QEMU binary and Debian kernel flavour of a guest.
guest_vars() {
	case "$1" in
	amd64) QEMU_BIN=qemu-system-x86_64 KFLAVOUR=amd64 ;;
	arm64) QEMU_BIN=qemu-system-aarch64 KFLAVOUR=arm64 ;;
	*) die "unknown guest arch '$1' (want amd64 or arm64)" ;;
	esac
}

# load_env ARCH reads what setup-host.sh recorded: KREL, KDIR, KERNEL,
# BUSYBOX, HEADERS, SRC_TARBALL, KPKGVER.
load_env() {
	local f="$VMTEST_CACHE/$1.env"
	[ -r "$f" ] || die "no $f: run tools/vmtest/setup-host.sh $1 first"
	# shellcheck disable=SC1090
	. "$f"
	guest_vars "$1"
}
