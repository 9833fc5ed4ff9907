package fingerprint_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

// memVault is an in-memory TemplateVault. It copies on Put and Get, as a
// sealing store does, so the caller clearing its slice is harmless.
type memVault struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (v *memVault) Put(_ context.Context, id string, tmpl []byte) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = map[string][]byte{}
	}
	v.m[id] = bytes.Clone(tmpl)
	return nil
}

func (v *memVault) Get(_ context.Context, id string) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	t, ok := v.m[id]
	if !ok {
		return nil, fmt.Errorf("vault: %q: %w", id, fingerprint.ErrNotFound)
	}
	return bytes.Clone(t), nil
}

var _ fingerprint.TemplateVault = (*memVault)(nil)

func openSim(t *testing.T, s *sim.Sensor) *r30x.Device {
	t.Helper()
	p, err := sim.StartPTY(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	d, err := r30x.Open(context.Background(), p.Path, &r30x.Options{Wake: s.Wake(), CaptureTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestHostIsSystemOfRecord: enroll → UpChar → seal → empty sensor →
// DownChar → match in RAM; an impostor is rejected; the module's flash
// never keeps a template.
func TestHostIsSystemOfRecord(t *testing.T) {
	s := sim.New(sim.Config{Profile: sim.R503()})
	d := openSim(t, s)
	ctx := context.Background()
	vault := &memVault{}
	rec := fingerprint.Records{Sensor: d, Vault: vault}

	// A stale template in flash (e.g. from a factory test) must be gone
	// after the first enrolment.
	if _, err := d.Enroll(ctx, s.Presenter(sim.NewFinger("factory"))); err != nil {
		t.Fatal(err)
	}
	if err := d.Store(ctx, 1, 7); err != nil {
		t.Fatal(err)
	}

	alice, mallory := sim.NewFinger("alice"), sim.NewFinger("mallory")
	if err := rec.Enroll(ctx, "subject-alice", s.Presenter(alice)); err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	if n := s.Templates(); n != 0 {
		t.Fatalf("module flash holds %d templates after enrolment", n)
	}
	if sealed, _ := vault.Get(ctx, "subject-alice"); len(sealed) != 1536 {
		t.Fatalf("vault holds %d bytes, want the 1536-byte R503 template", len(sealed))
	}

	s.Place(alice)
	m, err := rec.Verify(ctx, "subject-alice")
	s.Lift()
	if err != nil || !m.Matched || m.Score <= 0 {
		t.Fatalf("genuine Verify = %+v, %v", m, err)
	}
	s.Place(mallory)
	m, err = rec.Verify(ctx, "subject-alice")
	s.Lift()
	if !errors.Is(err, fingerprint.ErrNoMatch) || m.Matched {
		t.Fatalf("impostor Verify = %+v, %v; want ErrNoMatch", m, err)
	}
	if _, err := rec.Verify(ctx, "subject-nobody"); !errors.Is(err, fingerprint.ErrNotFound) {
		t.Fatalf("Verify of unknown subject: %v", err)
	}
	if n := s.Templates(); n != 0 {
		t.Fatalf("module flash holds %d templates after verification", n)
	}
}

// failingVault fails Put; Enroll must then leave the module alone and
// report the vault error.
type failingVault struct{ memVault }

var errSealed = errors.New("seal: disk full")

func (*failingVault) Put(context.Context, string, []byte) error { return errSealed }

func TestEnrollReportsVaultFailure(t *testing.T) {
	s := sim.New(sim.Config{})
	d := openSim(t, s)
	rec := fingerprint.Records{Sensor: d, Vault: &failingVault{}}
	if err := rec.Enroll(context.Background(), "x", s.Presenter(sim.NewFinger("x"))); !errors.Is(err, errSealed) {
		t.Fatalf("Enroll with failing vault: %v", err)
	}
	if err := rec.Enroll(context.Background(), "", nil); err == nil {
		t.Fatal("Enroll accepted an empty subject id")
	}
}
