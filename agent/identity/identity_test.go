package identity

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/seal"
)

func newBackend(t *testing.T) (*seal.FileBackend, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "keys")
	b, err := seal.NewFileBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b, filepath.Join(dir, KeyName)
}

func TestCreateLoad(t *testing.T) {
	for _, dev := range []bool{false, true} {
		b, path := newBackend(t)
		id, err := Create(b, dev)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("identity file %s: %v, mode %v; want 0600", path, err, fi.Mode().Perm())
		}
		got, err := Load(b)
		if err != nil {
			t.Fatal(err)
		}
		if got.DeviceID() != id.DeviceID() || got.Dev() != dev || !got.SigningPublicKey().Equal(id.SigningPublicKey()) ||
			!got.EnvelopePublicKey().Equal(id.EnvelopePublicKey()) {
			t.Errorf("loaded identity differs: %+v vs %+v", got.Public(), id.Public())
		}
		if got.DeviceID() != result.DeviceID(got.SigningPublicKey()) {
			t.Errorf("device id %s is not derived from the signing key", got.DeviceID())
		}
		if _, err := Create(b, dev); !errors.Is(err, seal.ErrKeyExists) {
			t.Errorf("second Create = %v, want seal.ErrKeyExists", err)
		}
	}
}

func TestTwoIdentitiesDiffer(t *testing.T) {
	b1, _ := newBackend(t)
	b2, _ := newBackend(t)
	a, err1 := Create(b1, false)
	c, err2 := Create(b2, false)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if a.DeviceID() == c.DeviceID() || a.EnvelopePublicKey().Equal(c.EnvelopePublicKey()) {
		t.Error("two fresh identities share keys")
	}
}

func TestLoadErrors(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		b, path := newBackend(t)
		_, err := Load(b)
		if !errors.Is(err, ErrNoIdentity) || !errors.Is(err, seal.ErrNoKey) || !strings.Contains(err.Error(), path) {
			t.Errorf("Load = %v; want ErrNoIdentity and seal.ErrNoKey naming %s", err, path)
		}
	})
	t.Run("corrupt file", func(t *testing.T) {
		b, path := newBackend(t)
		if _, err := Create(b, false); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		raw[len(raw)/2] ^= 0xff
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(b); !errors.Is(err, seal.ErrCorruptKey) || !strings.Contains(err.Error(), path) {
			t.Errorf("Load = %v; want seal.ErrCorruptKey naming %s", err, path)
		}
	})
	for _, tc := range []struct {
		name   string
		secret []byte
	}{
		{"short", make([]byte, secretSize-1)},
		{"version", append([]byte{2, 0}, make([]byte, secretSize-2)...)},
		{"flags", append([]byte{1, 0x80}, make([]byte, secretSize-2)...)},
	} {
		t.Run("invalid secret "+tc.name, func(t *testing.T) {
			b, path := newBackend(t)
			if err := b.Put(KeyName, tc.secret); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(b); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
				t.Errorf("Load = %v; want ErrCorrupt naming %s", err, path)
			}
		})
	}
}

func TestLoadOrCreateDev(t *testing.T) {
	b, _ := newBackend(t)
	id, created, err := LoadOrCreateDev(b)
	if err != nil || !created || !id.Dev() {
		t.Fatalf("first LoadOrCreateDev = %v, created %v, dev %v", err, created, id != nil && id.Dev())
	}
	again, created, err := LoadOrCreateDev(b)
	if err != nil || created || again.DeviceID() != id.DeviceID() {
		t.Fatalf("second LoadOrCreateDev = %v, created %v; want the same identity", err, created)
	}
	prod, _ := newBackend(t)
	if _, err := Create(prod, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateDev(prod); !errors.Is(err, ErrKind) {
		t.Errorf("LoadOrCreateDev on a provisioned device = %v, want ErrKind", err)
	}
}

func TestSignsVerifiableRecords(t *testing.T) {
	b, _ := newBackend(t)
	id, err := Create(b, true)
	if err != nil {
		t.Fatal(err)
	}
	rec := &result.Record{Device: id.DeviceID(), Seq: 1, Wall: time.Now(), Mode: result.ModeRoster,
		Decision: result.DecisionReject, Liveness: result.LivenessFail, Dev: id.Dev()}
	signed, err := result.Sign(rec, id.Signer())
	if err != nil {
		t.Fatal(err)
	}
	got, err := result.Open(ed25519.PublicKey(id.Public().SigningKey), signed)
	if err != nil || !got.Dev {
		t.Errorf("Open = %v (dev %v)", err, got != nil && got.Dev)
	}
}

func TestEnvelope(t *testing.T) {
	b1, _ := newBackend(t)
	b2, _ := newBackend(t)
	id, _ := Create(b1, false)
	other, _ := Create(b2, false)
	info := []byte("vouch template v1 subject-42")
	msg := []byte("template bytes")
	env, err := SealEnvelope(id.EnvelopePublicKey(), info, msg)
	if err != nil {
		t.Fatal(err)
	}
	if pt, err := id.OpenEnvelope(info, env); err != nil || !bytes.Equal(pt, msg) {
		t.Fatalf("OpenEnvelope = %q, %v", pt, err)
	}
	tampered := append([]byte(nil), env...)
	tampered[len(tampered)-1] ^= 1
	for _, tc := range []struct {
		name string
		id   *Identity
		info []byte
		env  []byte
	}{
		{"wrong info", id, []byte("vouch template v1 subject-43"), env},
		{"other device", other, info, env},
		{"tampered", id, info, tampered},
		{"truncated", id, info, env[:20]},
		{"oversized", id, info, make([]byte, MaxEnvelope+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.id.OpenEnvelope(tc.info, tc.env); !errors.Is(err, ErrEnvelope) {
				t.Errorf("OpenEnvelope = %v, want ErrEnvelope", err)
			}
		})
	}
}

// FuzzParse checks that no secret crashes the parser, and that accepted
// secrets are exactly the well-formed ones.
func FuzzParse(f *testing.F) {
	f.Add(append([]byte{1, 1}, make([]byte, secretSize-2)...))
	f.Add(append([]byte{1, 0}, bytes.Repeat([]byte{0xa5}, secretSize-2)...))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, secret []byte) {
		id, err := parse(secret)
		if err != nil {
			return
		}
		if len(secret) != secretSize || secret[0] != secretVersion || id.Dev() != (secret[1] == flagDev) {
			t.Fatalf("accepted malformed secret %x", secret)
		}
	})
}

// fullBackend fails every Put, like a full disk under the key directory.
type fullBackend struct{ seal.KeyBackend }

func (fullBackend) Put(string, []byte) error { return syscall.ENOSPC }

func TestCreateStoreFailure(t *testing.T) {
	b, path := newBackend(t)
	_, err := Create(fullBackend{b}, false)
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), KeyName) {
		t.Errorf("Create on a full backend = %v; want ENOSPC naming %s", err, KeyName)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a failed Create left an identity file")
	}
}
