package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchkiosk/vouch/agent/daemon"
	"github.com/vouchkiosk/vouch/agent/identity"
	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/seal"
	"github.com/vouchkiosk/vouch/agent/store"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

// newDevice creates a data directory with an identity and n appended
// records, as the agent would leave it.
func newDevice(t *testing.T, n int, dev bool) (string, *identity.Identity) {
	t.Helper()
	lay := daemon.Layout{Dir: t.TempDir()}
	kb, err := seal.NewFileBackend(lay.Keys())
	if err != nil {
		t.Fatal(err)
	}
	id, err := identity.Create(kb, dev)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(lay.DB(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	l, err := result.NewLog(db, id.Signer(), &result.LogOptions{Dev: dev})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		_, err := l.Append(context.Background(), &result.Record{Mode: result.ModeTicket, Decision: result.DecisionAccept,
			Liveness: result.LivenessPass, Score: 0.5 + float64(i)/100, Models: []string{"test-model"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return lay.Dir, id
}

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, Env{Stdout: &out, Stderr: &errb})
	return out.String(), err
}

func TestIdentityCommand(t *testing.T) {
	dir, id := newDevice(t, 0, true)
	out, err := run(t, "identity", "--data", dir)
	if err != nil || !strings.Contains(out, id.DeviceID()) || !strings.Contains(out, "development") {
		t.Errorf("identity = %q, %v", out, err)
	}
	out, err = run(t, "identity", "--data", dir, "--json")
	if err != nil || !strings.Contains(out, `"device_id": "`+id.DeviceID()+`"`) || !strings.Contains(out, `"dev": true`) {
		t.Errorf("identity --json = %q, %v", out, err)
	}
	empty := t.TempDir()
	if _, err := run(t, "identity", "--data", empty); !errors.Is(err, identity.ErrNoIdentity) || !strings.Contains(err.Error(), empty) {
		t.Errorf("identity on an unprovisioned dir = %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, "keys")); err == nil {
		t.Error("vouchctl identity created a key directory")
	}
	if _, err := run(t, "identity"); !errors.Is(err, ErrUsage) {
		t.Errorf("identity without --data = %v, want ErrUsage", err)
	}
}

func TestVerifyCommand(t *testing.T) {
	dir, id := newDevice(t, 5, false)
	out, err := run(t, "verify", "--data", dir)
	if err != nil || !strings.Contains(out, "chain OK up to seq 5") {
		t.Fatalf("verify = %q, %v", out, err)
	}
	exp := filepath.Join(t.TempDir(), "export")
	if _, err := run(t, "verify", "--data", dir, "--export", exp); err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(filepath.Join(exp, exportPubName))
	if err != nil || !bytes.Equal(pub, id.SigningPublicKey()) {
		t.Fatalf("exported key %x (%v), want %x", pub, err, id.SigningPublicKey())
	}
	files, _ := filepath.Glob(filepath.Join(exp, "*.cose"))
	if len(files) != 5 {
		t.Fatalf("exported %d records, want 5", len(files))
	}
	// The exported key alone verifies the chain (third-party view).
	if out, err := run(t, "verify", "--data", dir, "--pubkey", filepath.Join(exp, exportPubName)); err != nil || !strings.Contains(out, "seq 5") {
		t.Errorf("verify --pubkey = %q, %v", out, err)
	}
	// Another device's key does not.
	other, _ := newDevice(t, 0, false)
	otherExp := filepath.Join(t.TempDir(), "x")
	run(t, "verify", "--data", other, "--export", otherExp)
	if _, err := run(t, "verify", "--data", dir, "--pubkey", filepath.Join(otherExp, exportPubName)); !errors.Is(err, result.ErrWrongDevice) {
		t.Errorf("verify with another key = %v, want ErrWrongDevice", err)
	}
	if _, err := run(t, "verify", "--data", dir, "--pubkey", filepath.Join(exp, "0000000001.cose")); err == nil || !strings.Contains(err.Error(), "0000000001.cose") {
		t.Errorf("verify with a non-key file = %v, want an error naming it", err)
	}
}

// TestExportVerifiesWithNode checks the exported COSE_Sign1 files with an
// independent implementation (testdata/verify_cose.mjs: its own CBOR
// decoder and Sig_structure, Ed25519 from node:crypto), and that the same
// script rejects a tampered file, so it can fail.
func TestExportVerifiesWithNode(t *testing.T) {
	node := testenv.Tool(t, "node", "apt-get install nodejs")
	dir, _ := newDevice(t, 4, true)
	exp := t.TempDir()
	if _, err := run(t, "verify", "--data", dir, "--export", exp); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "verify_cose.mjs"))
	nodeVerify := func(dir string) (string, error) {
		out, err := exec.Command(node, script, dir).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := nodeVerify(exp); err != nil || out != "ok 4" {
		t.Fatalf("node verification: %q, %v", out, err)
	}
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
		want string
	}{
		{"flipped signature byte", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "0000000002.cose")
			b, _ := os.ReadFile(p)
			b[len(b)-1] ^= 1
			os.WriteFile(p, b, 0o644)
		}, "signature does not verify"},
		{"deleted middle record", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "0000000002.cose")) }, "want 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tampered := t.TempDir()
			copyDir(t, exp, tampered)
			tc.edit(t, tampered)
			if out, err := nodeVerify(tampered); err == nil || !strings.Contains(out, tc.want) {
				t.Errorf("node on a tampered export: %q, %v; want failure %q", out, err, tc.want)
			}
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyDetectsTamperedStore(t *testing.T) {
	dir, _ := newDevice(t, 3, false)
	lay := daemon.Layout{Dir: dir}
	db, err := store.Open(lay.DB(), nil)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the chain in a fresh store with record 2 missing: an attacker
	// with file access can drop records but cannot re-sign.
	var recs [][]byte
	db.View(func(tx *store.Tx) error {
		return tx.ForEachResult(1, func(_ uint64, b []byte) error { recs = append(recs, bytes.Clone(b)); return nil })
	})
	db.Close()
	os.Remove(lay.DB())
	db, err = store.Open(lay.DB(), nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *store.Tx) error {
		if err := tx.AppendResult(1, recs[0]); err != nil {
			return err
		}
		return tx.AppendResult(2, recs[2])
	})
	db.Close()
	_, err = run(t, "verify", "--data", dir)
	var ce *result.ChainError
	if !errors.As(err, &ce) || ce.Err != result.ErrGap || ce.Seq != 3 || !strings.Contains(err.Error(), lay.DB()) {
		t.Errorf("verify on a store missing seq 2 = %v, want ErrGap at seq 3 naming %s", err, lay.DB())
	}
}

func TestVerifyWhileAgentRuns(t *testing.T) {
	dir, _ := newDevice(t, 1, false)
	db, err := store.Open(daemon.Layout{Dir: dir}.DB(), nil) // holds the exclusive lock, as the agent does
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := run(t, "verify", "--data", dir); !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), "stop the agent") {
		t.Errorf("verify on a locked store = %v, want ErrLocked telling to stop the agent", err)
	}
}
