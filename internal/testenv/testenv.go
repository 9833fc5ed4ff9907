// Package testenv locates the project's shared test data and external tools
// for tests, and decides what happens when they are missing.
//
// Outside CI a missing resource skips the test with a message that says what
// is missing and how to get it. Under CI=true the same condition fails the
// test, so CI can never go green by skipping.
//
// Only _test.go files import this package.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// InCI reports whether the environment variable CI is "true".
func InCI() bool { return os.Getenv("CI") == "true" }

// RepoRoot returns the directory holding go.mod, found by walking up from the
// test's working directory.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("testenv: getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("testenv: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Shared returns the path of elem inside ../shared (relative to the repo
// root). If it does not exist the test is skipped, or failed under CI=true.
func Shared(tb testing.TB, elem ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{RepoRoot(tb), "..", "shared"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		Missing(tb, "shared test data %s is absent (%v); it lives in ../shared beside the repository", p, err)
	}
	return p
}

// Tool returns the path of an executable on PATH, or skips (fails under CI)
// naming the package that provides it.
func Tool(tb testing.TB, name, hint string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "tool %q not found on PATH (%s)", name, hint)
	}
	return p
}

// Missing skips the test with the formatted reason, or fails it under CI=true.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if InCI() {
		tb.Fatalf("CI=true: "+format, args...)
	}
	tb.Skipf("skipped: "+format, args...)
}
