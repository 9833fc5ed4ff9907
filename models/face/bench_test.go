package face

import "testing"

// BenchmarkPreprocess is this package's own share of frame → template on a
// 640×480 frame: letterbox to 128×128 (box prefilter 5, bilinear), decode
// of the detector outputs, alignment to 112×112 and the crop statistics.
// The rest is the TFLite interpreter.
func BenchmarkPreprocess(b *testing.B) {
	f := kioskFrame(b)
	lb, _ := NewLetterbox(f.W, f.H, 128)
	var l letterboxer
	in := make([]float32, 128*128*3)
	dec, _ := NewDecoder(ShortRange())
	reg, cls := make([]float32, 896*16), make([]float32, 896)
	for i := range cls {
		cls[i] = -5
	}
	cls[600], reg[600*16+2], reg[600*16+3] = 3, 40, 40
	var a Aligner
	d := Detection{}
	d.Keypoints[RightEye] = Point{290, 200}
	d.Keypoints[LeftEye] = Point{350, 200}
	d.Keypoints[NoseTip] = Point{320, 240}
	d.Keypoints[Mouth] = Point{320, 270}
	var dets []Detection
	for b.Loop() {
		if err := l.render(f, lb, in); err != nil {
			b.Fatal(err)
		}
		dets, _ = dec.Decode(dets[:0], reg, cls)
		if _, err := a.Align(f, d, AlignEyes); err != nil {
			b.Fatal(err)
		}
		if _, err := MeasureCrop(a.Crop()); err != nil {
			b.Fatal(err)
		}
	}
}
