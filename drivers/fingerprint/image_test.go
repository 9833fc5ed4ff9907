package fingerprint_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

func TestUnpackImage(t *testing.T) {
	im, err := fingerprint.UnpackImage([]byte{0x0F, 0xA5}, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint8{0, 255, 170, 85}; string(im.Pix) != string(want) {
		t.Fatalf("pixels %v, want %v (high nibble = left pixel)", im.Pix, want)
	}
	for _, tc := range []struct{ n, w, h int }{{3, 4, 1}, {2, 3, 1}, {2, 0, 4}} {
		if _, err := fingerprint.UnpackImage(make([]byte, tc.n), tc.w, tc.h); err == nil {
			t.Errorf("UnpackImage(%d bytes, %dx%d) accepted", tc.n, tc.w, tc.h)
		}
	}
}

// TestImageQualitySeparatesMessyCaptures: a clean simulated capture scores
// well, a messy one (the simulator's FaultMessyImage) and an empty one do
// not.
func TestImageQualitySeparatesMessyCaptures(t *testing.T) {
	s := sim.New(sim.Config{Profile: sim.R503()})
	d := openSim(t, s)
	ctx := context.Background()
	capture := func() fingerprint.Quality {
		s.Place(sim.NewFinger("ivan"))
		defer s.Lift()
		if err := d.Capture(ctx); err != nil {
			t.Fatal(err)
		}
		raw, err := d.UpImage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		im, err := fingerprint.UnpackImage(raw, 192, 192)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		if err := im.ASCII(&sb, 48); err != nil || strings.Count(sb.String(), "\n") != 24 {
			t.Fatalf("ASCII preview: %v\n%s", err, sb.String())
		}
		defer im.Clear()
		return im.Quality()
	}
	good := capture()
	s.Inject(sim.FaultMessyImage, 1)
	messy := capture()
	if good.Score < 60 || messy.Score > 20 {
		t.Fatalf("quality good=%+v messy=%+v", good, messy)
	}
	blank := (&fingerprint.Image{W: 2, H: 1, Pix: []uint8{255, 255}}).Quality()
	if blank.Score != 0 {
		t.Fatalf("blank image quality %+v", blank)
	}
}
