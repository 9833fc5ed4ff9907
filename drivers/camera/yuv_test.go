package camera

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// refLimited is the float BT.601 limited-range conversion the fixed-point
// code must match within one level.
func refLimited(y, u, v byte) [3]float64 {
	Y, U, V := 1.164383*(float64(y)-16), float64(u)-128, float64(v)-128
	return [3]float64{Y + 1.596027*V, Y - 0.391762*U - 0.812968*V, Y + 2.017232*U}
}

func refFull(y, u, v byte) [3]float64 {
	Y, U, V := float64(y), float64(u)-128, float64(v)-128
	return [3]float64{Y + 1.402*V, Y - 0.344136*U - 0.714136*V, Y + 1.772*U}
}

func clampRound(x float64) float64 { return math.Max(0, math.Min(255, math.Round(x))) }

func checkPixel(t *testing.T, what string, got []byte, want [3]float64) {
	t.Helper()
	for c := range 3 {
		if d := math.Abs(float64(got[c]) - clampRound(want[c])); d > 1 {
			t.Fatalf("%s: channel %d = %d, float reference %.3f", what, c, got[c], want[c])
		}
	}
}

// TestYUYVExact compares every (U, V) pair, and every Y on a grid of
// (U, V), against the float reference.
func TestYUYVExact(t *testing.T) {
	type triple struct{ y0, y1, u, v byte }
	var cases []triple
	for u := range 256 {
		for v := range 256 {
			y := byte(u*7 + v*13)
			cases = append(cases, triple{y, 255 - y, byte(u), byte(v)})
		}
	}
	step := 15
	if testing.Short() { // e.g. in the emulated vmtest guests
		step = 51
	}
	for u := 0; u < 256; u += step {
		for v := 0; v < 256; v += step {
			for y := range 256 {
				cases = append(cases, triple{byte(y), byte(y ^ 0x55), byte(u), byte(v)})
			}
		}
	}
	for len(cases)%256 != 0 {
		cases = append(cases, triple{})
	}
	const w = 512 // 256 pairs per row
	h := len(cases) / 256
	src := make([]byte, 0, 2*w*h)
	for _, c := range cases {
		src = append(src, c.y0, c.u, c.y1, c.v)
	}
	dst := make([]byte, 3*w*h)
	if err := YUYVToRGB(dst, 3*w, src, 2*w, w, h); err != nil {
		t.Fatal(err)
	}
	maxErr := 0.0
	for i, c := range cases {
		checkPixel(t, "Y0", dst[6*i:], refLimited(c.y0, c.u, c.v))
		checkPixel(t, "Y1", dst[6*i+3:], refLimited(c.y1, c.u, c.v))
		for c2, want := range refLimited(c.y0, c.u, c.v) {
			maxErr = math.Max(maxErr, math.Abs(float64(dst[6*i+c2])-math.Max(0, math.Min(255, want))))
		}
	}
	t.Logf("%d pixels, max |fixed - float| = %.3f levels", w*h, maxErr)
}

func TestFullRangeExact(t *testing.T) {
	step := 3
	if testing.Short() {
		step = 17
	}
	for y := 0; y < 256; y += step {
		for u := range 256 {
			for v := 0; v < 256; v += 5 {
				r, g, b := fullYCbCr(byte(y), byte(u), byte(v))
				checkPixel(t, "full", []byte{r, g, b}, refFull(byte(y), byte(u), byte(v)))
			}
		}
	}
}

func TestI420MatchesYUYV(t *testing.T) {
	// The same chroma per 2x2 block must give the same RGB as YUYV with
	// that chroma per pair, whatever the odd sizes and stride padding.
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []struct{ w, h, stride int }{{2, 2, 2}, {5, 3, 5}, {7, 7, 64}, {640, 480, 640}}
	if testing.Short() {
		sizes = sizes[:3]
	}
	for _, sz := range sizes {
		src := make([]byte, I420Size(sz.w, sz.h, sz.stride))
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		got := make([]byte, 3*sz.w*sz.h)
		if err := I420ToRGB(got, 3*sz.w, src, sz.stride, sz.w, sz.h); err != nil {
			t.Fatal(err)
		}
		cs, ch := (sz.stride+1)/2, (sz.h+1)/2
		for y := range sz.h {
			for x := range sz.w {
				yy := src[y*sz.stride+x]
				u := src[sz.stride*sz.h+(y/2)*cs+x/2]
				v := src[sz.stride*sz.h+cs*ch+(y/2)*cs+x/2]
				checkPixel(t, "I420", got[3*(y*sz.w+x):], refLimited(yy, u, v))
			}
		}
	}
}

func TestConvertErrors(t *testing.T) {
	buf := make([]byte, 4096)
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"zero width", YUYVToRGB(buf, 0, buf, 0, 0, 1), ErrSize},
		{"huge", YUYVToRGB(buf, 3*9000, buf, 2*9000, 9000, 1), ErrSize},
		{"short src", YUYVToRGB(buf, 30, buf[:39], 20, 10, 2), ErrShortFrame},
		{"short dst", YUYVToRGB(buf[:50], 30, buf, 20, 10, 2), ErrSize},
		{"small stride", YUYVToRGB(buf, 30, buf, 18, 10, 2), ErrSize},
		{"odd width fits", YUYVToRGB(buf, 9, buf[:12], 12, 3, 1), nil},
		{"i420 short", I420ToRGB(buf, 12, buf[:I420Size(4, 4, 4)-1], 4, 4, 4), ErrShortFrame},
		{"i420 stride", I420ToRGB(buf, 12, buf, 3, 4, 4), ErrSize},
	} {
		if !errors.Is(c.err, c.want) || (c.want == nil) != (c.err == nil) {
			t.Errorf("%s: err %v, want %v", c.name, c.err, c.want)
		}
	}
}

// yuyvRef is the plain float conversion the fast path is benchmarked against.
func yuyvRef(dst, src []byte, w, h int) {
	for i := 0; i < w*h/2; i++ {
		s := src[4*i:]
		for k, y := range []byte{s[0], s[2]} {
			p := refLimited(y, s[1], s[3])
			for c := range 3 {
				dst[6*i+3*k+c] = byte(clampRound(p[c]))
			}
		}
	}
}

func BenchmarkYUYVToRGB(b *testing.B) {
	const w, h = 640, 480
	src := make([]byte, 2*w*h)
	for i := range src {
		src[i] = byte(i * 31)
	}
	dst := make([]byte, 3*w*h)
	b.Run("fixed/640x480", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			if err := YUYVToRGB(dst, 3*w, src, 2*w, w, h); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("floatref/640x480", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			yuyvRef(dst, src, w, h)
		}
	})
}

func BenchmarkI420ToRGB(b *testing.B) {
	const w, h = 640, 480
	src := make([]byte, I420Size(w, h, w))
	dst := make([]byte, 3*w*h)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if err := I420ToRGB(dst, 3*w, src, w, w, h); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzYUYV(f *testing.F) {
	f.Add([]byte{16, 128, 235, 128}, 2, 1, 4)
	f.Add([]byte{0, 0, 0}, 1, 1, 4)
	f.Add(make([]byte, 64), 5, 3, 12)
	f.Add([]byte{}, 0, 0, 0)
	f.Fuzz(func(t *testing.T, src []byte, w, h, stride int) {
		if w > 64 || h > 64 {
			w, h = w%64, h%64
		}
		dst := make([]byte, 3*64*64)
		err := YUYVToRGB(dst, 3*64, src, stride, w, h)
		if err != nil && !errors.Is(err, ErrSize) && !errors.Is(err, ErrShortFrame) {
			t.Fatalf("unexpected error class: %v", err)
		}
		err = I420ToRGB(dst, 3*64, src, stride, w, h)
		if err != nil && !errors.Is(err, ErrSize) && !errors.Is(err, ErrShortFrame) {
			t.Fatalf("unexpected error class: %v", err)
		}
	})
}
