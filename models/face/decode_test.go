package face

import (
	"math"
	"path/filepath"
	"strings"
	"testing"
)

func TestAnchorCounts(t *testing.T) {
	for _, tt := range []struct {
		spec DetectorSpec
		n    int
		last anchor
	}{
		{ShortRange(), 896, anchor{15.0 / 16, 15.0 / 16}},
		{FullRange(), 2304, anchor{95.0 / 96, 95.0 / 96}},
	} {
		d, err := NewDecoder(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if d.NumAnchors() != tt.n {
			t.Errorf("%s: %d anchors, want %d", tt.spec.Name, d.NumAnchors(), tt.n)
		}
		if got := d.anchors[len(d.anchors)-1]; got != tt.last {
			t.Errorf("%s: last anchor %v, want %v", tt.spec.Name, got, tt.last)
		}
	}
	// Short range: 16x16 cells x2 first (cell (0,0) twice), then 8x8 x6.
	d, _ := NewDecoder(ShortRange())
	if d.anchors[0] != d.anchors[1] || d.anchors[2].x != 1.5/16 || d.anchors[512] != (anchor{1.0 / 16, 1.0 / 16}) || d.anchors[517] != d.anchors[512] || d.anchors[518].x != 3.0/16 {
		t.Errorf("short-range anchor layout wrong: %v %v %v %v", d.anchors[0], d.anchors[2], d.anchors[512], d.anchors[518])
	}
}

// TestDecodeGoldens decodes the reference runtime's raw detector outputs and
// compares with the reference post-processing: box IoU >= 0.9 and keypoints
// within 2 px at model resolution (in practice both are exact to float
// rounding, since the inputs are the same tensors).
func TestDecodeGoldens(t *testing.T) {
	dir := goldenDir(t)
	var worstIoU, worstKP = 1.0, 0.0
	n := 0
	for _, c := range loadGoldenCases(t) {
		if c.Kind != "detector" || c.Letterbox == nil {
			continue
		}
		n++
		t.Run(c.ID, func(t *testing.T) {
			dec, err := NewDecoder(specFor(t, c.Model))
			if err != nil {
				t.Fatal(err)
			}
			var reg, cls []float32
			for _, o := range c.Outputs {
				v := readF32(t, filepath.Join(dir, o.File))
				if strings.Contains(o.Name, "regress") {
					reg = v
				} else {
					cls = v
				}
			}
			lb, err := NewLetterbox(c.Letterbox.SrcW, c.Letterbox.SrcH, c.Letterbox.Target)
			if err != nil {
				t.Fatal(err)
			}
			if lb.ContentW != c.Letterbox.ContentW || lb.ContentH != c.Letterbox.ContentH || lb.PadX != c.Letterbox.PadX || lb.PadY != c.Letterbox.PadY || lb.PrefilterK != c.Letterbox.PrefilterK {
				t.Errorf("letterbox %+v, want %+v", lb, *c.Letterbox)
			}
			dets, err := dec.Decode(nil, reg, cls)
			if err != nil {
				t.Fatal(err)
			}
			if len(dets) != len(c.Detections) {
				t.Fatalf("%d detections, want %d", len(dets), len(c.Detections))
			}
			for i, want := range c.Detections {
				got := lb.MapDetection(dets[i])
				iou, kp := detAgreement(got, want, lb.Scale())
				worstIoU, worstKP = min(worstIoU, iou), max(worstKP, kp)
				if iou < 0.9 || kp > 2 || math.Abs(float64(got.Score)-want.Score) > 1e-5 || got.Merged != want.Merged {
					t.Errorf("det %d: IoU %.4f, keypoint error %.3f px, score %v/%v, merged %d/%d", i, iou, kp, got.Score, want.Score, got.Merged, want.Merged)
				}
			}
		})
	}
	if n == 0 {
		t.Fatal("no detector cases in golden.json")
	}
	t.Logf("%d cases: worst IoU %.6f, worst keypoint error %.2g model px", n, worstIoU, worstKP)
}

func TestDecodeBadShapes(t *testing.T) {
	d, _ := NewDecoder(ShortRange())
	for _, tt := range []struct{ reg, cls int }{{0, 0}, {896 * 16, 895}, {2304 * 16, 2304}, {896 * 15, 896}} {
		_, err := d.Decode(nil, make([]float32, tt.reg), make([]float32, tt.cls))
		if err == nil || !isErr(err, ErrModelShape) {
			t.Errorf("Decode(%d, %d) = %v, want ErrModelShape", tt.reg, tt.cls, err)
		}
	}
}

func TestDecodeNonFinite(t *testing.T) {
	d, _ := NewDecoder(ShortRange())
	reg := make([]float32, 896*16)
	cls := make([]float32, 896)
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	for i := range cls {
		cls[i] = 50 // every anchor above threshold
		for j := 0; j < 16; j++ {
			reg[i*16+j] = 10
		}
	}
	cls[0], cls[1], cls[2] = nan, inf, -inf
	reg[16*5+2] = nan
	reg[16*6+7] = inf
	reg[16*7+3] = -5 // negative height
	dets, err := d.Decode(nil, reg, cls)
	if err != nil {
		t.Fatal(err)
	}
	if len(dets) == 0 {
		t.Fatal("no detections from a tensor full of confident boxes")
	}
	for _, det := range dets {
		checkFiniteDet(t, det)
	}
}

func checkFiniteDet(t testing.TB, d Detection) {
	t.Helper()
	v := []float64{d.Box.X0, d.Box.Y0, d.Box.X1, d.Box.Y1, float64(d.Score)}
	for _, p := range d.Keypoints {
		v = append(v, p.X, p.Y)
	}
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("non-finite detection %+v", d)
		}
	}
	if !(d.Score >= 0 && d.Score <= 1) || d.Merged < 1 || !(d.Box.W() > 0 && d.Box.H() > 0) {
		t.Fatalf("invalid detection %+v", d)
	}
}

// FuzzDecode feeds arbitrary tensors (including NaN and ±Inf bit patterns)
// to the decoder: it must never panic and never return a non-finite box.
func FuzzDecode(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte{0x00, 0x00, 0xc0, 0x7f, 0x00, 0x00, 0x80, 0x7f, 0x00, 0x00, 0x80, 0xff, 0x00, 0x00, 0x20, 0x41}, uint8(1))
	f.Add([]byte{0xff, 0xff, 0x7f, 0x7f, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80}, uint8(2))
	short, _ := NewDecoder(ShortRange())
	full, _ := NewDecoder(FullRange())
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		d := short
		if which&1 == 1 {
			d = full
		}
		n := d.NumAnchors()
		reg := make([]float32, n*16)
		cls := make([]float32, n)
		if len(data) >= 4 {
			// Tile the fuzz bytes over both tensors; bias some logits high so
			// decoding and NMS actually run.
			for i := range reg {
				o := (4 * i) % (len(data) - len(data)%4)
				reg[i] = math.Float32frombits(uint32(data[o]) | uint32(data[o+1])<<8 | uint32(data[o+2])<<16 | uint32(data[o+3])<<24)
			}
			for i := range cls {
				cls[i] = reg[(i*7)%len(reg)]
				if which&2 == 2 {
					cls[i] = float32(int(data[i%len(data)]) - 100)
				}
			}
		}
		dets, err := d.Decode(nil, reg, cls)
		if err != nil {
			t.Fatal(err)
		}
		for _, det := range dets {
			checkFiniteDet(t, det)
		}
	})
}
