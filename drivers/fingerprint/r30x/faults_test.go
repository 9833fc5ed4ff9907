package r30x_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

// TestFaults injects every simulator fault and checks the driver's answer
// and that the very next command gets its own, correct reply (the driver
// regained sync).
func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault sim.Fault
		op    func(ctx context.Context, r *rig) error
		want  error // nil: the operation must succeed despite the fault
	}{
		{"garbage before reply", sim.FaultGarbage, verifyPwd, nil},
		{"checksum error", sim.FaultChecksum, verifyPwd, fingerprint.ErrTimeout},
		{"dropped reply", sim.FaultDrop, verifyPwd, fingerprint.ErrTimeout},
		{"late reply", sim.FaultDelay, verifyPwd, fingerprint.ErrTimeout},
		{"capture failed", sim.FaultCaptureFail, genImgWithFinger, r30x.CodeCaptureFailed},
		{"messy image", sim.FaultMessyImage, img2TzWithFinger, r30x.CodeMessy},
		{"too few features", sim.FaultFewFeatures, img2TzWithFinger, r30x.CodeFewFeatures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The late reply comes 100 ms after the driver gives up and
			// inside its 200 ms quiet-line drain, which must swallow it.
			r := newRig(t, sim.Config{FaultDelay: 300 * time.Millisecond}, &r30x.Options{Timeouts: r30x.Timeouts{
				Reply: 200 * time.Millisecond, Flash: 200 * time.Millisecond, Packet: 200 * time.Millisecond, Quiet: 200 * time.Millisecond}})
			ctx := context.Background()
			r.s.Inject(tt.fault, 1)
			err := tt.op(ctx, r)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("with %s: err = %v, want %v", tt.name, err, tt.want)
			}
			// A command with a distinct reply shape: a stale ack left on
			// the line would fail its length check.
			if n, err := r.d.TemplateCount(ctx); err != nil || n != 0 {
				t.Fatalf("next command after %s: %d, %v", tt.name, n, err)
			}
		})
	}
}

func verifyPwd(ctx context.Context, r *rig) error { return r.d.VerifyPassword(ctx, 0) }

func genImgWithFinger(ctx context.Context, r *rig) error {
	r.s.Place(sim.NewFinger("dave"))
	defer r.s.Lift()
	return r.d.GenImage(ctx)
}

func img2TzWithFinger(ctx context.Context, r *rig) error {
	if err := genImgWithFinger(ctx, r); err != nil {
		return err
	}
	return r.d.Image2Tz(ctx, 1)
}

func TestCaptureWithoutFingerTimesOut(t *testing.T) {
	r := newRig(t, sim.Config{}, &r30x.Options{CaptureTimeout: 200 * time.Millisecond})
	err := r.d.Capture(context.Background())
	if !errors.Is(err, r30x.CodeNoFinger) || !errors.Is(err, fingerprint.ErrTimeout) {
		t.Fatalf("Capture without finger: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.d.Capture(ctx); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, r30x.CodeNoFinger) {
		t.Fatalf("Capture with caller deadline: %v, want the caller's context error", err)
	}
}

func TestEnrollRetriesPoorImages(t *testing.T) {
	r := newRig(t, sim.Config{}, nil)
	r.s.Inject(sim.FaultMessyImage, 1)
	r.s.Inject(sim.FaultFewFeatures, 1)
	var retries int
	present := r.s.Presenter(sim.NewFinger("erin"))
	_, err := r.d.Enroll(context.Background(), func(st fingerprint.Step) {
		if st.Event == fingerprint.StepRetry {
			retries++
		}
		present(st)
	})
	if err != nil {
		t.Fatal(err)
	}
	if retries != 2 {
		t.Fatalf("%d retries, want 2", retries)
	}
}

func TestEnrollTwoFingersFailsMerge(t *testing.T) {
	r := newRig(t, sim.Config{}, nil)
	fingers := []sim.Finger{sim.NewFinger("frank"), sim.NewFinger("grace")}
	n := 0
	_, err := r.d.Enroll(context.Background(), func(st fingerprint.Step) {
		switch st.Event {
		case fingerprint.StepPlaceFinger:
			r.s.Place(fingers[n%2])
			n++
		case fingerprint.StepLiftFinger:
			r.s.Lift()
		}
	})
	if !errors.Is(err, r30x.CodeMergeFailed) {
		t.Fatalf("enrolment with two different fingers: %v, want CodeMergeFailed", err)
	}
}

func TestModuleDisconnectAndReplug(t *testing.T) {
	r := newRig(t, sim.Config{}, nil)
	ctx := context.Background()
	r.s.Inject(sim.FaultDisconnect, 1)
	if err := r.d.VerifyPassword(ctx, 0); !errors.Is(err, fingerprint.ErrTimeout) {
		t.Fatalf("after module power loss: %v, want timeout", err)
	}
	if err := r.pty.Unplug(); err != nil {
		t.Fatal(err)
	}
	if err := r.d.VerifyPassword(ctx, 0); err == nil {
		t.Fatal("command succeeded with the device unplugged")
	}
	if err := r.pty.Replug(ctx); err != nil {
		t.Fatal(err)
	}
	var err error
	for range 3 { // the first command may still hit the old node
		if err = r.d.VerifyPassword(ctx, 0); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("after replug: %v", err)
	}
}

func TestProtocolErrorsInContext(t *testing.T) {
	v := map[string][]byte{}
	for _, vec := range r30xVectorsExt(t) {
		v[vec.ID], _ = vec.Bytes()
	}
	tests := []struct {
		name  string
		reply []byte
		op    func(context.Context, *r30x.Device) error
	}{
		{"M05 command where ack expected", v["M05"], func(ctx context.Context, d *r30x.Device) error { return d.VerifyPassword(ctx, 0) }},
		{"M11 short Search success", v["M11"], func(ctx context.Context, d *r30x.Device) error {
			_, _, _, err := d.Search(ctx, 1, 0, 163)
			return err
		}},
		{"data packet inside UpChar is not an ack", v["D02"], func(ctx context.Context, d *r30x.Device) error {
			_, err := d.UpChar(ctx, 1)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := fakeDevice(func([]byte) []byte { return tt.reply })
			if err := tt.op(context.Background(), d); !errors.Is(err, fingerprint.ErrProtocol) {
				t.Fatalf("err = %v, want ErrProtocol", err)
			}
		})
	}
}

func TestChangeBaud(t *testing.T) {
	r := newRig(t, sim.Config{Profile: sim.R503()}, nil)
	ctx := context.Background()
	if err := r.d.ChangeBaud(ctx, 115200, true); err != nil {
		t.Fatal(err)
	}
	if p, err := r.d.ReadSysParams(ctx); err != nil || p.Baud != 115200 {
		t.Fatalf("after ChangeBaud: %+v, %v", p, err)
	}
	if err := r.d.ChangeBaud(ctx, 100000, true); err == nil {
		t.Fatal("100000 baud accepted")
	}
}
