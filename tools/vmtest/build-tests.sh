#!/usr/bin/env bash
# build-tests.sh OUTDIR [PACKAGES...]
#
# Builds the VM test binaries. Every package (default: ./...) that has a
# _test.go file whose //go:build line names the vmtest tag is compiled with
# `go test -c -tags vmtest` as a static binary for the guest
# (CGO_ENABLED=0 GOOS=linux GOARCH=$GOARCH, GOARM=7 for arm) into
#   OUTDIR/<package path in the module>/<name>.test
# next to a copy of the package's testdata/, so relative paths work as under
# `go test` (the guest runs each binary from its own directory).
#
# VMTEST_EXTRA_PKGS (space-separated patterns) adds packages without vmtest
# files, to run their ordinary tests in the guest too (e.g. pure-compute
# packages on the arm64 guest).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || die "usage: build-tests.sh OUTDIR [PACKAGES...]"
out=$1
shift
[ $# -gt 0 ] || set -- ./...
export CGO_ENABLED=0 GOOS=linux GOARCH=${GOARCH:-$(go env GOARCH)} GOARM=${GOARM:-7}

module=$(go list -m)
declare -A want=()
# one line per package: dir, import path, test files (list with the tag
# and the guest's GOOS/GOARCH, so linux-only files count)
while IFS=$'\t' read -r dir pkg files; do
	for f in $files; do
		if sed -n '1,/^package /p' "$dir/$f" | grep -Eq '^//go:build .*\bvmtest\b'; then
			want[$pkg]=$dir
			break
		fi
	done
done < <(go list -e -tags vmtest -f '{{.Dir}}{{"\t"}}{{.ImportPath}}{{"\t"}}{{join .TestGoFiles " "}} {{join .XTestGoFiles " "}}' "$@")
if [ -n "${VMTEST_EXTRA_PKGS:-}" ]; then
	# shellcheck disable=SC2086 # a list of patterns
	while IFS=$'\t' read -r dir pkg; do
		want[$pkg]=$dir
	done < <(go list -e -f '{{.Dir}}{{"\t"}}{{.ImportPath}}' $VMTEST_EXTRA_PKGS)
fi
[ ${#want[@]} -gt 0 ] || die "no package with vmtest-tagged tests in: $*"

rm -rf "$out"
mkdir -p "$out"
for pkg in $(printf '%s\n' "${!want[@]}" | LC_ALL=C sort); do
	rel=${pkg#"$module"/}
	dest="$out/$rel"
	mkdir -p "$dest"
	go test -c -tags vmtest -trimpath -o "$dest/$(basename "$pkg").test" "$pkg"
	if [ -d "${want[$pkg]}/testdata" ]; then
		cp -a "${want[$pkg]}/testdata" "$dest/"
	fi
	log "$GOARCH: built $rel/$(basename "$pkg").test"
done
