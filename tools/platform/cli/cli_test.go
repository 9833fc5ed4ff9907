package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb})
	return out.String() + errb.String(), err
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "p.db")
	if out, err := run(t, "keygen", "-out", filepath.Join(dir, "k.pem")); err != nil || !strings.Contains(out, "public key") {
		t.Fatalf("keygen: %v %s", err, out)
	}
	if _, err := run(t, "keygen", "-out", filepath.Join(dir, "k.pem")); err == nil {
		t.Error("keygen overwrote a key")
	}
	if out, err := run(t, "migrate", "-db", dbPath); err != nil || !strings.Contains(out, "schema version 1 (sqlite)") {
		t.Fatalf("migrate: %v %s", err, out)
	}
	out, err := run(t, "org", "-db", dbPath, "-name", "acme")
	if err != nil || !strings.Contains(out, "vk_adm_") {
		t.Fatalf("org: %v %s", err, out)
	}
	if _, err := run(t, "org", "-db", dbPath, "-name", "acme"); err == nil {
		t.Error("duplicate org accepted")
	}
	if _, err := run(t, "devca", "-dir", dir, "-hosts", "localhost"); err != nil {
		t.Fatalf("devca: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ca.pem")); err != nil {
		t.Error(err)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"bogus"}, {"org"}, {"migrate", "extra"}, {"serve", "-nope"}} {
		_, err := run(t, args...)
		if !errors.Is(err, ErrUsage) || ExitCode(err) != 2 {
			t.Errorf("%q: %v (exit %d), want a usage error", args, err, ExitCode(err))
		}
	}
	if out, err := run(t, "help"); err != nil || !strings.Contains(out, "serve") {
		t.Errorf("help: %v %s", err, out)
	}
}
