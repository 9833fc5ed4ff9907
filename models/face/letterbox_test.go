package face

import (
	"errors"
	"image"
	"path/filepath"
	"strings"
	"testing"
)

// TestLetterboxGoldens renders the detector input from the original image
// and compares it with the reference letterbox. PNG sources decode exactly,
// so they must match to the bit; JPEG decoders differ by a few grey levels,
// so those get a tolerance on the mean and the largest difference.
func TestLetterboxGoldens(t *testing.T) {
	dir := goldenDir(t)
	for i, c := range loadGoldenCases(t) {
		if c.Kind != "detector" || c.Letterbox == nil || (raceEnabled || testing.Short()) && i%4 != 1 && !strings.HasSuffix(c.Source, ".png") {
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			f := readFrame(t, filepath.Join(dir, "..", c.Source))
			lb, err := NewLetterbox(f.W, f.H, c.Letterbox.Target)
			if err != nil {
				t.Fatal(err)
			}
			var l letterboxer
			got := make([]float32, lb.Size*lb.Size*3)
			if err := l.render(f, lb, got); err != nil {
				t.Fatal(err)
			}
			want := readF32(t, filepath.Join(dir, c.Input.File))
			ref := readImage(t, filepath.Join(dir, c.Input.PNG))
			var maxDiff, sumDiff, nDiff int
			for i := range got {
				w := want[i]
				if pix := refU8(ref, lb.Size, i); detectorValue(pix) != w {
					t.Fatalf("reference png and input.f32 disagree at %d", i)
				}
				d := absInt(int(l.u8[i]) - int(refU8(ref, lb.Size, i)))
				maxDiff = max(maxDiff, d)
				sumDiff += d
				if d != 0 {
					nDiff++
				}
			}
			mean := float64(sumDiff) / float64(len(got))
			exact := strings.HasSuffix(c.Source, ".png")
			t.Logf("max |diff| %d grey levels, mean %.3f, %d of %d values differ", maxDiff, mean, nDiff, len(got))
			if exact && maxDiff > 0 {
				t.Errorf("PNG source: letterbox differs from reference (max %d)", maxDiff)
			}
			if !exact && (maxDiff > 12 || mean > 1.0) {
				t.Errorf("JPEG source: letterbox too far from reference (max %d, mean %.3f)", maxDiff, mean)
			}
		})
	}
}

func refU8(img image.Image, size, i int) uint8 {
	px := i / 3
	x, y := px%size, px/size
	r, g, b, _ := img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y).RGBA()
	return uint8([3]uint32{r, g, b}[i%3] >> 8)
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func TestFrameValidate(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    Frame
		ok   bool
	}{
		{"zero", Frame{}, false},
		{"negative", Frame{W: -1, H: 2, Stride: 3}, false},
		{"short stride", Frame{W: 4, H: 2, Stride: 11, Pix: make([]byte, 24)}, false},
		{"short pix", Frame{W: 4, H: 2, Stride: 12, Pix: make([]byte, 23)}, false},
		{"huge", Frame{W: MaxFrameSide + 1, H: 1, Stride: 3 * (MaxFrameSide + 1)}, false},
		{"exact", Frame{W: 4, H: 2, Stride: 12, Pix: make([]byte, 24)}, true},
		{"padded rows, short last row", Frame{W: 4, H: 2, Stride: 16, Pix: make([]byte, 28)}, true},
		{"1x1", Frame{W: 1, H: 1, Stride: 3, Pix: make([]byte, 3)}, true},
	} {
		err := tt.f.Validate()
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrBadFrame)) {
			t.Errorf("%s: Validate() = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestLetterboxDegenerate renders frames of extreme shapes without panics
// and with the padding where it belongs.
func TestLetterboxDegenerate(t *testing.T) {
	for _, wh := range [][2]int{{1, 1}, {1, 1000}, {1000, 1}, {3, 2}, {127, 129}, {640, 480}, {2000, 7}} {
		f := Frame{W: wh[0], H: wh[1], Stride: 3 * wh[0], Pix: make([]byte, 3*wh[0]*wh[1])}
		for i := range f.Pix {
			f.Pix[i] = 200
		}
		lb, err := NewLetterbox(f.W, f.H, 128)
		if err != nil {
			t.Fatalf("%v: %v", wh, err)
		}
		var l letterboxer
		dst := make([]float32, 128*128*3)
		if err := l.render(f, lb, dst); err != nil {
			t.Fatalf("%v: %v", wh, err)
		}
		inside := 0
		for _, v := range l.u8 {
			switch v {
			case 200:
				inside++
			case 0:
			default:
				t.Fatalf("%v: value %d in a flat frame", wh, v)
			}
		}
		if want := lb.ContentW * lb.ContentH * 3; inside != want {
			t.Errorf("%v: %d content values, want %d", wh, inside, want)
		}
		if err := l.render(f, lb, dst[:10]); !errors.Is(err, ErrModelShape) {
			t.Errorf("short dst: %v", err)
		}
	}
}

// FuzzLetterbox renders frames of arbitrary size, stride and content: a
// valid frame must render, an invalid one must be rejected with
// ErrBadFrame; nothing may panic.
func FuzzLetterbox(f *testing.F) {
	f.Add(uint16(640), uint16(480), uint16(1920), []byte{1, 2, 3})
	f.Add(uint16(1), uint16(1), uint16(3), []byte{255, 0, 255})
	f.Add(uint16(7), uint16(300), uint16(20), []byte{})
	f.Fuzz(func(t *testing.T, w, h, stride uint16, seed []byte) {
		fr := Frame{W: int(w % 700), H: int(h % 700), Stride: int(stride % 2200)}
		fr.Pix = make([]byte, max(0, (fr.H-1)*fr.Stride+3*fr.W-len(seed)%3))
		for i := range fr.Pix {
			if len(seed) > 0 {
				fr.Pix[i] = seed[i%len(seed)] ^ byte(i)
			}
		}
		var l letterboxer
		for _, size := range []int{128, 192} {
			lb, err := NewLetterbox(fr.W, fr.H, size)
			if err != nil {
				if !errors.Is(err, ErrBadFrame) {
					t.Fatal(err)
				}
				continue
			}
			err = l.render(fr, lb, make([]float32, size*size*3))
			if err != nil && !errors.Is(err, ErrBadFrame) {
				t.Fatal(err)
			}
			if err == nil && fr.Validate() != nil {
				t.Fatal("rendered an invalid frame")
			}
		}
	})
}
