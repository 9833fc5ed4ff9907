package gt521_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/fptest"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/gt521"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

func rig(t *testing.T) (*sim.GT521, *gt521.Device) {
	t.Helper()
	g := sim.NewGT521(sim.GT521Config{})
	p, err := sim.StartPTY(context.Background(), g, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	d, info, err := gt521.Open(context.Background(), p.Path, &gt521.Options{Wake: g.Wake(), CaptureTimeout: 2 * time.Second,
		Reply: 300 * time.Millisecond, Quiet: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(info.Serial[:], []byte("VOUCHSIM")) {
		t.Fatalf("Open info %+v", info)
	}
	t.Cleanup(func() { d.Close() })
	return g, d
}

func TestHostRecordOnGT521(t *testing.T) {
	g, d := rig(t)
	ctx := context.Background()
	alice, bob := sim.NewFinger("alice"), sim.NewFinger("bob")
	var steps int
	tmpl, err := d.EnrollTemplate(ctx, func(st fingerprint.Step) {
		steps++
		switch st.Event {
		case fingerprint.StepPlaceFinger:
			g.Place(alice)
		case fingerprint.StepLiftFinger, fingerprint.StepMerged:
			g.Lift()
		}
	})
	if err != nil {
		t.Fatalf("EnrollTemplate: %v", err)
	}
	if len(tmpl) != gt521.TemplateSize || g.Templates() != 0 || steps != 3*4-1+1 {
		t.Fatalf("template %d bytes, %d left in module, %d steps", len(tmpl), g.Templates(), steps)
	}
	for _, tc := range []struct {
		f    sim.Finger
		want bool
	}{{alice, true}, {bob, false}} {
		g.Place(tc.f)
		m, err := d.VerifyTemplate(ctx, tmpl)
		g.Lift()
		if err != nil || m.Matched != tc.want {
			t.Fatalf("VerifyTemplate(%s) = %+v, %v", tc.f.ID, m, err)
		}
	}
}

func TestCommands(t *testing.T) {
	g, d := rig(t)
	ctx := context.Background()
	if n, err := d.EnrollCount(ctx); err != nil || n != 0 {
		t.Fatalf("EnrollCount = %d, %v", n, err)
	}
	if err := d.DeleteAll(ctx); err != nil {
		t.Fatalf("DeleteAll on empty db: %v", err)
	}
	if pressed, err := d.IsPressFinger(ctx); err != nil || pressed {
		t.Fatalf("IsPressFinger = %v, %v", pressed, err)
	}
	if err := d.CaptureFinger(ctx, false); !errors.Is(err, gt521.NackFingerNotPress) {
		t.Fatalf("CaptureFinger without finger: %v", err)
	}
	carol := sim.NewFinger("carol")
	g.Place(carol)
	if err := d.SetLED(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := d.EnrollStep(ctx, 2); !errors.Is(err, gt521.NackTurnErr) {
		t.Fatalf("Enroll2 without EnrollStart: %v", err)
	}
	if err := d.EnrollStart(ctx, 5); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if err := d.CaptureFinger(ctx, true); err != nil {
			t.Fatal(err)
		}
		if err := d.EnrollStep(ctx, i); err != nil {
			t.Fatalf("Enroll%d: %v", i, err)
		}
	}
	if err := d.EnrollStart(ctx, 5); !errors.Is(err, gt521.NackAlreadyUsed) {
		t.Fatalf("EnrollStart on used slot: %v", err)
	}
	if used, err := d.CheckEnrolled(ctx, 5); err != nil || !used {
		t.Fatalf("CheckEnrolled(5) = %v, %v", used, err)
	}
	if used, err := d.CheckEnrolled(ctx, 6); err != nil || used {
		t.Fatalf("CheckEnrolled(6) = %v, %v", used, err)
	}
	if err := d.CaptureFinger(ctx, false); err != nil {
		t.Fatal(err)
	}
	if id, found, err := d.Identify(ctx); err != nil || !found || id != 5 {
		t.Fatalf("Identify = %d, %v, %v", id, found, err)
	}
	if ok, err := d.Verify(ctx, 5); err != nil || !ok {
		t.Fatalf("Verify(5) = %v, %v", ok, err)
	}
	tmpl, err := d.GetTemplate(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SetTemplate(ctx, 9, tmpl); err != nil {
		t.Fatal(err)
	}
	if n, err := d.EnrollCount(ctx); err != nil || n != 2 {
		t.Fatalf("EnrollCount after SetTemplate = %d, %v", n, err)
	}
	if err := d.DeleteID(ctx, 9); err != nil {
		t.Fatal(err)
	}
	if err := d.DeleteID(ctx, 9); !errors.Is(err, gt521.NackNotUsed) {
		t.Fatalf("second DeleteID: %v", err)
	}
	if err := d.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.SetTemplate(ctx, 1, []byte{1, 2, 3}); !errors.Is(err, fingerprint.ErrProtocol) {
		t.Fatalf("short template: %v", err)
	}
	var ne *gt521.NackError
	if err := d.DeleteID(ctx, 4000); !errors.As(err, &ne) || ne.Code != gt521.NackInvalidPos || ne.Cmd != gt521.CmdDeleteID {
		t.Fatalf("DeleteID out of range: %v", err)
	}
}

// TestEncoderMatchesVectors checks the driver's bytes for the G vectors
// that name a driver call.
func TestEncoderMatchesVectors(t *testing.T) {
	vs, err := fptest.LoadVectors(testenv.Shared(t, "docs", "fingerprint-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	v := map[string][]byte{}
	for _, vec := range vs {
		v[vec.ID], _ = vec.Bytes()
	}
	ack := v["G10"]
	calls := map[string]func(context.Context, *gt521.Device){
		"G03": func(ctx context.Context, d *gt521.Device) { d.SetLED(ctx, true) },
		"G04": func(ctx context.Context, d *gt521.Device) { d.SetLED(ctx, false) },
		"G05": func(ctx context.Context, d *gt521.Device) { d.IsPressFinger(ctx) },
		"G06": func(ctx context.Context, d *gt521.Device) { d.EnrollStart(ctx, 23) },
		"G08": func(ctx context.Context, d *gt521.Device) { d.Identify(ctx) },
		"G09": func(ctx context.Context, d *gt521.Device) { d.CaptureFinger(ctx, true) },
	}
	for id, call := range calls {
		p := &fptest.Port{Reply: func([]byte) []byte { return ack }}
		d := gt521.New(p, &gt521.Options{Reply: 50 * time.Millisecond})
		call(context.Background(), d)
		if got := p.Written(); !bytes.Equal(got, v[id]) {
			t.Errorf("%s: wrote % X, want % X", id, got, v[id])
		}
	}
	// G14: IsPressFinger's ACK with parameter 1 means "no finger".
	p := &fptest.Port{Reply: func([]byte) []byte { return v["G14"] }}
	if pressed, err := gt521.New(p, nil).IsPressFinger(context.Background()); err != nil || pressed {
		t.Fatalf("G14 read as pressed=%v, %v", pressed, err)
	}
	// G12: a NACK carries its error code.
	p = &fptest.Port{Reply: func([]byte) []byte { return v["G12"] }}
	if _, found, err := gt521.New(p, nil).Identify(context.Background()); err != nil || found {
		t.Fatalf("G12: found=%v, %v", found, err)
	}
	// G16 (bad checksum) is never taken for an answer.
	p = &fptest.Port{Reply: func([]byte) []byte { return v["G16"] }}
	d := gt521.New(p, &gt521.Options{Reply: 50 * time.Millisecond, Quiet: 10 * time.Millisecond})
	if _, err := d.IsPressFinger(context.Background()); !errors.Is(err, fingerprint.ErrTimeout) {
		t.Fatalf("G16: %v", err)
	}
}

func TestChangeBaud(t *testing.T) {
	_, d := rig(t)
	ctx := context.Background()
	if err := d.ChangeBaud(ctx, 115200); err != nil {
		t.Fatal(err)
	}
	if err := d.ChangeBaud(ctx, 12345); !errors.Is(err, gt521.NackInvalidBaud) {
		t.Fatalf("ChangeBaud(12345): %v", err)
	}
	if _, err := d.EnrollCount(ctx); err != nil {
		t.Fatalf("after ChangeBaud: %v", err)
	}
}
