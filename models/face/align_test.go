package face

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestAlignGoldens checks the alignment matrices against pipeline.json and
// the warped crops against crops_all (bit-exact for PNG sources, a few grey
// levels for JPEG sources whose decoders differ).
func TestAlignGoldens(t *testing.T) {
	dir := goldenDir(t)
	var worstM float64
	n := 0
	for i, e := range loadPipeline(t) {
		if e.Alignment == nil || !sampled(i, e) && !strings.HasSuffix(e.File, "1.png") {
			continue
		}
		n++
		t.Run(filepath.Base(e.File), func(t *testing.T) {
			var d Detection
			best := e.Detections[e.Alignment.Detector][0]
			for k, p := range best.Keypoints {
				d.Keypoints[k] = Point{p[0], p[1]}
			}
			var a Aligner
			f := readFrame(t, filepath.Join(dir, "..", e.File))
			fwd, err := a.Align(f, d, AlignEyes)
			if err != nil {
				t.Fatal(err)
			}
			inv, _ := fwd.Inverse()
			for _, pair := range []struct {
				got  [2][3]float64
				want [2][3]float64
			}{{fwd.Matrix(), e.Alignment.CropFromImage}, {inv.Matrix(), e.Alignment.ImageFromCrop}} {
				for i := range 2 {
					for j := range 3 {
						d := math.Abs(pair.got[i][j]-pair.want[i][j]) / max(1, math.Abs(pair.want[i][j]))
						worstM = max(worstM, d)
						if d > 1e-8 { // goldens are printed with 9 decimals
							t.Errorf("matrix [%d][%d] = %v, want %v", i, j, pair.got[i][j], pair.want[i][j])
						}
					}
				}
			}
			if k := int(math.Floor(1 / fwd.Scale())); max(k, 1) != max(e.Alignment.PrefilterK, 1) {
				t.Errorf("prefilter %d, want %d", k, e.Alignment.PrefilterK)
			}
			ref := readImage(t, filepath.Join(dir, e.Crop))
			var maxDiff, sum int
			for i, v := range a.Crop() {
				dd := absInt(int(v) - int(refU8(ref, CropSize, i)))
				maxDiff = max(maxDiff, dd)
				sum += dd
			}
			mean := float64(sum) / float64(len(a.Crop()))
			if strings.HasSuffix(e.File, ".png") && maxDiff != 0 {
				t.Errorf("PNG source: crop differs from reference (max %d, mean %.3f)", maxDiff, mean)
			}
			if maxDiff > 32 || mean > 1.0 {
				t.Errorf("crop too far from reference (max %d, mean %.3f)", maxDiff, mean)
			}
		})
	}
	t.Logf("%d crops, worst matrix relative error %.2g", n, worstM)
}

func TestFitSimilarity(t *testing.T) {
	want := Similarity{A: 0.8, B: -0.3, TX: 12, TY: -7}
	src := []Point{{10, 20}, {50, 22}, {30, 40}, {31, 60}}
	dst := make([]Point, len(src))
	for i, p := range src {
		dst[i] = want.Apply(p)
	}
	for n := 2; n <= 4; n++ {
		got, err := FitSimilarity(src[:n], dst[:n])
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got.A-want.A)+math.Abs(got.B-want.B)+math.Abs(got.TX-want.TX)+math.Abs(got.TY-want.TY) > 1e-9 {
			t.Errorf("%d points: got %+v, want %+v", n, got, want)
		}
		inv, _ := got.Inverse()
		if p := inv.Apply(got.Apply(src[0])); math.Hypot(p.X-src[0].X, p.Y-src[0].Y) > 1e-9 {
			t.Errorf("inverse does not invert: %v", p)
		}
	}
	for _, bad := range [][]Point{{{1, 1}}, {{1, 1}, {1, 1}}, {{math.NaN(), 0}, {1, 1}}, {{math.Inf(1), 0}, {1, 1}}} {
		if _, err := FitSimilarity(bad, dst[:len(bad)]); err == nil {
			t.Errorf("FitSimilarity(%v) accepted degenerate points", bad)
		}
	}
}

// TestAlignBorderAndDegenerate aligns faces partly or wholly outside the
// frame and on tiny frames: black where there is no frame, never a panic.
func TestAlignBorderAndDegenerate(t *testing.T) {
	f := Frame{W: 64, H: 48, Stride: 192, Pix: make([]byte, 192*48)}
	for i := range f.Pix {
		f.Pix[i] = 100
	}
	mk := func(lx, ly, rx, ry float64) Detection {
		var d Detection
		d.Keypoints[RightEye] = Point{lx, ly}
		d.Keypoints[LeftEye] = Point{rx, ry}
		d.Keypoints[NoseTip] = Point{(lx + rx) / 2, ly + 10}
		d.Keypoints[Mouth] = Point{(lx + rx) / 2, ly + 20}
		return d
	}
	for _, tt := range []struct {
		name  string
		d     Detection
		ok    bool
		black bool
	}{
		{"inside", mk(20, 20, 40, 20), true, false},
		{"left border", mk(-5, 20, 10, 20), true, false},
		{"far outside", mk(-500, -500, -480, -500), true, true},
		{"same eyes", mk(10, 10, 10, 10), false, false},
		{"nan", mk(math.NaN(), 10, 20, 10), false, false},
		{"huge", mk(0, 0, 1e12, 0), false, false},
	} {
		for _, mode := range []AlignMode{AlignEyes, AlignDocument} {
			var a Aligner
			_, err := a.Align(f, tt.d, mode)
			if (err == nil) != tt.ok {
				t.Errorf("%s/%d: err %v, want ok=%v", tt.name, mode, err, tt.ok)
				continue
			}
			if err != nil {
				continue
			}
			zeros := 0
			for _, v := range a.Crop() {
				if v == 0 {
					zeros++
				}
			}
			if tt.black != (zeros == len(a.Crop())) {
				t.Errorf("%s/%d: %d of %d crop values black", tt.name, mode, zeros, len(a.Crop()))
			}
		}
	}
	var a Aligner
	if _, err := a.Align(Frame{}, mk(1, 1, 2, 2), AlignEyes); !isErr(err, ErrBadFrame) {
		t.Errorf("empty frame: %v", err)
	}
}
