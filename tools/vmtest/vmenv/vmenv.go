// Package vmenv decides what a vmtest-tagged test does when the device it
// needs is missing: outside the test VM it skips, inside the VM (whose
// /init sets VMTEST=1) it fails, so a broken VM image can never turn into a
// quiet row of skipped tests.
//
// Only _test.go files import this package.
package vmenv

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// InVM reports whether the test runs inside the vmtest VM.
func InVM() bool { return os.Getenv("VMTEST") == "1" }

// Need skips (outside the VM) or fails (inside it) when path is missing.
func Need(tb testing.TB, path string) {
	tb.Helper()
	if _, err := os.Stat(path); err != nil {
		if InVM() {
			tb.Fatalf("%s missing inside the test VM: %v", path, err)
		}
		tb.Skipf("%s not present (run these tests with `make vmtest`)", path)
	}
}

// Env returns the environment variable, with the same rule as Need.
func Env(tb testing.TB, name string) string {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		if InVM() {
			tb.Fatalf("%s not set inside the test VM", name)
		}
		tb.Skipf("%s not set (run these tests with `make vmtest`)", name)
	}
	return v
}

// Module returns the initramfs path of a kernel module and the parameters
// /init loaded it with, for tests that unload and reload a driver (e.g.
// "rmmod vivid" then "insmod PATH PARAMS..."). It skips outside the VM.
func Module(tb testing.TB, name string) (path string, params []string) {
	tb.Helper()
	if !InVM() {
		tb.Skip("kernel modules can only be reloaded inside the test VM")
	}
	f, err := os.Open("/etc/vmtest/modules")
	if err != nil {
		tb.Fatalf("module list: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		base := fields[0][strings.LastIndex(fields[0], "/")+1:]
		if strings.TrimSuffix(base, ".ko") == name {
			return "/lib/modules/" + fields[0], fields[1:]
		}
	}
	tb.Fatalf("module %s not in /etc/vmtest/modules", name)
	return "", nil
}
