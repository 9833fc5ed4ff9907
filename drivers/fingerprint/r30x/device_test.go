package r30x_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

// rig is a driver talking to a simulated module over a raw pty pair.
type rig struct {
	s   *sim.Sensor
	pty *sim.PTY
	d   *r30x.Device
}

func fastTimeouts() r30x.Timeouts {
	return r30x.Timeouts{Reply: 300 * time.Millisecond, Flash: 300 * time.Millisecond, Packet: 300 * time.Millisecond, Quiet: 60 * time.Millisecond}
}

func newRig(t *testing.T, cfg sim.Config, opts *r30x.Options) *rig {
	t.Helper()
	s := sim.New(cfg)
	ctx := context.Background()
	p, err := sim.StartPTY(ctx, s, filepath.Join(t.TempDir(), "fp0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if opts == nil {
		opts = &r30x.Options{}
	}
	if opts.Timeouts == (r30x.Timeouts{}) {
		opts.Timeouts = fastTimeouts()
	}
	if opts.Wake == nil {
		opts.Wake = s.Wake()
	}
	if opts.CaptureTimeout == 0 {
		opts.CaptureTimeout = 2 * time.Second
	}
	d, err := r30x.Open(ctx, p.Path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return &rig{s: s, pty: p, d: d}
}

func TestSystemParameters(t *testing.T) {
	for _, prof := range []sim.Profile{sim.R307(), sim.R503(), sim.AS608()} {
		t.Run(prof.Name, func(t *testing.T) {
			r := newRig(t, sim.Config{Profile: prof}, nil)
			p, err := r.d.ReadSysParams(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if p.Capacity != prof.Capacity || p.PacketSize != 32<<prof.PacketSizeCode || p.Address != r30x.DefaultAddress || p.Baud != 57600 {
				t.Fatalf("params %+v do not describe %+v", p, prof)
			}
		})
	}
}

func TestEnrollUploadDownloadMatch(t *testing.T) {
	for _, prof := range []sim.Profile{sim.R307(), sim.R503(), sim.AS608()} {
		t.Run(prof.Name, func(t *testing.T) {
			r := newRig(t, sim.Config{Profile: prof}, nil)
			ctx := context.Background()
			alice, bob := sim.NewFinger("alice"), sim.NewFinger("bob")
			var events []fingerprint.StepEvent
			present := r.s.Presenter(alice)
			tmpl, err := r.d.Enroll(ctx, func(st fingerprint.Step) { events = append(events, st.Event); present(st) })
			if err != nil {
				t.Fatalf("Enroll: %v", err)
			}
			if len(tmpl) != prof.TemplateSize {
				t.Fatalf("template of %d bytes, want %d (read until the end packet)", len(tmpl), prof.TemplateSize)
			}
			want := []fingerprint.StepEvent{fingerprint.StepPlaceFinger, fingerprint.StepCaptured, fingerprint.StepFeatures,
				fingerprint.StepLiftFinger, fingerprint.StepPlaceFinger, fingerprint.StepCaptured, fingerprint.StepFeatures, fingerprint.StepMerged}
			if !equalEvents(events, want) {
				t.Fatalf("progress %v, want %v", events, want)
			}
			if r.s.Templates() != 0 {
				t.Fatal("enrolment wrote to the module's flash")
			}
			for _, tc := range []struct {
				finger sim.Finger
				match  bool
			}{{alice, true}, {bob, false}, {alice, true}} {
				r.s.Place(tc.finger)
				m, err := r.d.VerifyTemplate(ctx, tmpl)
				r.s.Lift()
				if err != nil {
					t.Fatalf("VerifyTemplate(%s): %v", tc.finger.ID, err)
				}
				if m.Matched != tc.match {
					t.Fatalf("VerifyTemplate(%s) = %+v, want matched=%v", tc.finger.ID, m, tc.match)
				}
			}
		})
	}
}

func equalEvents(a, b []fingerprint.StepEvent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLibraryCommands(t *testing.T) {
	r := newRig(t, sim.Config{}, nil)
	ctx := context.Background()
	alice := sim.NewFinger("alice")
	if _, err := r.d.Enroll(ctx, r.s.Presenter(alice)); err != nil {
		t.Fatal(err)
	}
	for _, page := range []int{3, 260} {
		if err := r.d.Store(ctx, 1, page); err != nil {
			t.Fatalf("Store %d: %v", page, err)
		}
	}
	if err := r.d.Store(ctx, 1, 5000); !errors.Is(err, r30x.CodeBadPage) {
		t.Fatalf("Store beyond capacity: %v, want CodeBadPage", err)
	}
	if n, err := r.d.TemplateCount(ctx); err != nil || n != 2 {
		t.Fatalf("TemplateCount = %d, %v", n, err)
	}
	if ids, err := r.d.IndexTable(ctx, 1); err != nil || len(ids) != 1 || ids[0] != 260 {
		t.Fatalf("IndexTable(1) = %v, %v", ids, err)
	}
	r.s.Place(alice)
	if err := r.d.Capture(ctx); err != nil {
		t.Fatal(err)
	}
	r.s.Lift()
	if err := r.d.Image2Tz(ctx, 1); err != nil {
		t.Fatal(err)
	}
	page, score, found, err := r.d.Search(ctx, 1, 0, 1000)
	if err != nil || !found || (page != 3 && page != 260) || score <= 0 {
		t.Fatalf("Search = %d, %d, %v, %v", page, score, found, err)
	}
	if err := r.d.LoadChar(ctx, 2, 260); err != nil {
		t.Fatal(err)
	}
	if err := r.d.LoadChar(ctx, 2, 7); !errors.Is(err, r30x.CodeBadTemplate) {
		t.Fatalf("LoadChar of empty slot: %v", err)
	}
	if err := r.d.Delete(ctx, 3, 1); err != nil {
		t.Fatal(err)
	}
	if err := r.d.Empty(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, found, err := r.d.Search(ctx, 1, 0, 1000); err != nil || found {
		t.Fatalf("Search after Empty: found=%v, %v", found, err)
	}
	if _, err := r.d.RandomCode(ctx); err != nil {
		t.Fatal(err)
	}
	img, err := r.d.UpImage(ctx)
	if err != nil || len(img) != 256*288/2 {
		t.Fatalf("UpImage: %d bytes, %v", len(img), err)
	}
	if err := r.d.SetSysParam(ctx, r30x.RegPacketSize, 0); err != nil {
		t.Fatal(err)
	}
	up, err := r.d.UpChar(ctx, 1)
	if err != nil || len(up) != 256 {
		t.Fatalf("UpChar with 32-byte packets: %d bytes, %v", len(up), err)
	}
	if err := r.d.DownChar(ctx, 2, up); err != nil {
		t.Fatal(err)
	}
	back, err := r.d.UpChar(ctx, 2)
	if err != nil || !bytes.Equal(back, up) {
		t.Fatalf("DownChar/UpChar read-back differs (%v)", err)
	}
	if err := r.d.SetSysParam(ctx, 9, 1); !errors.Is(err, r30x.CodeBadRegister) {
		t.Fatalf("SetSysParam(9): %v", err)
	}
	if err := r.d.SetAddress(ctx, 0xC0FFEE01); err != nil {
		t.Fatal(err)
	}
	if p, err := r.d.ReadSysParams(ctx); err != nil || p.Address != 0xC0FFEE01 {
		t.Fatalf("after SetAddress: %+v, %v", p, err)
	}
}

func TestR503Commands(t *testing.T) {
	r := newRig(t, sim.Config{Profile: sim.R503()}, nil)
	ctx := context.Background()
	info, err := r.d.ProductInfo(ctx)
	if err != nil || info.Model != "R503" || info.TemplateSize != 1536 || info.LibraryEntries != 200 || info.SensorWidth != 192 {
		t.Fatalf("ProductInfo = %+v, %v", info, err)
	}
	if err := r.d.HandShake(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.d.CheckSensor(ctx); err != nil {
		t.Fatal(err)
	}
	a := r30x.Aura{Mode: r30x.AuraBreathing, Speed: 0x80, Color: r30x.AuraBlue}
	if err := r.d.SetAura(ctx, a); err != nil {
		t.Fatal(err)
	}
	if got := r.s.Aura(); got != [4]byte{1, 0x80, 2, 0} {
		t.Fatalf("aura state %v", got)
	}
	if err := r.d.SetAura(ctx, r30x.Aura{Mode: 9, Color: 1}); !errors.Is(err, r30x.CodeBadRegContent) {
		t.Fatalf("bad aura mode: %v", err)
	}
	if err := r.d.SoftReset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.d.HandShake(ctx); err != nil {
		t.Fatalf("after SoftReset: %v", err)
	}
	// Classic modules refuse R503 commands with a module error, not a hang.
	c := newRig(t, sim.Config{}, nil)
	if _, err := c.d.ProductInfo(ctx); !errors.Is(err, r30x.CodeRecvError) {
		t.Fatalf("ProductInfo on R307: %v", err)
	}
}

func TestPassword(t *testing.T) {
	s := sim.New(sim.Config{Password: 0x12345678})
	p, err := sim.StartPTY(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	_, err = r30x.Open(ctx, p.Path, &r30x.Options{Timeouts: fastTimeouts()})
	if !errors.Is(err, r30x.CodeWrongPassword) {
		t.Fatalf("Open with wrong password: %v", err)
	}
	var me *r30x.ModuleError
	if !errors.As(err, &me) || me.Instr != r30x.InstrVfyPwd {
		t.Fatalf("error %v is not a VfyPwd ModuleError", err)
	}
	d, err := r30x.Open(ctx, p.Path, &r30x.Options{Password: 0x12345678, Timeouts: fastTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
}

func TestWrongAddressTimesOut(t *testing.T) {
	s := sim.New(sim.Config{})
	p, err := sim.StartPTY(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = r30x.Open(context.Background(), p.Path, &r30x.Options{Address: 0x12345678, Timeouts: fastTimeouts()})
	if !errors.Is(err, fingerprint.ErrTimeout) {
		t.Fatalf("Open at wrong address: %v, want timeout", err)
	}
}

func TestProbeFindsModule(t *testing.T) {
	s := sim.New(sim.Config{})
	p, err := sim.StartPTY(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d, baud, err := r30x.Probe(context.Background(), p.Path, []int{115200, 57600}, &r30x.Options{Timeouts: fastTimeouts()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if baud != 115200 { // a pty accepts any rate; the first answering one wins
		t.Fatalf("baud %d", baud)
	}
	if _, _, err := r30x.Probe(context.Background(), filepath.Join(t.TempDir(), "absent"), nil, nil); err == nil {
		t.Fatal("Probe of a missing device succeeded")
	}
}
