package tflite

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

const guard = 64 // floats of guard band around every buffer

// guarded returns a slice of n floats inside a larger buffer whose bands
// hold a sentinel, and a check that the bands are untouched.
func guarded(t *testing.T, n, offset int) ([]float32, func()) {
	buf := make([]float32, guard+offset+n+guard)
	sentinel := float32(math.NaN())
	for i := range buf {
		buf[i] = sentinel
	}
	s := buf[guard+offset : guard+offset+n : guard+offset+n]
	return s, func() {
		t.Helper()
		for i, v := range buf {
			if (i < guard+offset || i >= guard+offset+n) && !math.IsNaN(float64(v)) {
				t.Fatalf("write outside the buffer at %d (offset %d, len %d)", i-guard-offset, offset, n)
			}
		}
	}
}

// TestConvPaths runs the same CONV_2D models with the SIMD and the portable
// kernels and compares both with the float64 reference.
func TestConvPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	shapes := []struct{ in, w []int }{
		{[]int{1, 7, 5, 16}, []int{32, 1, 1, 16}}, // direct 1x1, full panels, row tail
		{[]int{2, 6, 6, 3}, []int{17, 3, 3, 3}},   // im2col, column tail
		{[]int{1, 13, 11, 8}, []int{5, 3, 3, 8}},  // single partial panel
		{[]int{1, 9, 7, 12}, []int{24, 1, 1, 12}}, // 16-wide then full 8-wide panel
		{[]int{1, 9, 8, 6}, []int{8, 3, 3, 6}},    // one full 8-wide panel
		{[]int{1, 40, 40, 4}, []int{16, 5, 5, 4}}, // several im2col blocks
	}
	for _, s := range shapes {
		a := refConvArgs{in: randData(r, s.in), inS: s.in, w: randData(r, s.w), wS: s.w, bias: randData(r, s.w[:1]),
			sh: 1, sw: 1, dh: 1, dw: 1, same: true}
		want, ws := refConv(a)
		for _, portable := range []bool{false, true} {
			m := tModel{
				tensors: []tTensor{{name: "x", typ: Float32, shape: s.in}, {name: "w", typ: Float32, shape: s.w, f32: a.w},
					{name: "b", typ: Float32, shape: s.w[:1], f32: a.bias}, {name: "y", typ: Float32, shape: ws}},
				ops:    []tOp{{code: 3, in: []int{0, 1, 2}, out: []int{3}, opts: convOpts(paddingSame, 1, 1, 1, 1, actNone)}},
				inputs: []int{0}, outputs: []int{3},
			}
			model, err := Load(m.build())
			if err != nil {
				t.Fatal(err)
			}
			ip, err := newInterpreter(model, nil, portable)
			if err != nil {
				t.Fatal(err)
			}
			copy(ip.Input(0).Float32s(), a.in)
			invoke(t, ip)
			checkNear(t, ip.Output(0).Float32s(), want, 1e-5)
		}
	}
}

// TestDepthwisePaths compares the SIMD and portable depthwise kernels with
// the float64 reference.
func TestDepthwisePaths(t *testing.T) {
	r := rand.New(rand.NewPCG(29, 30))
	for _, s := range []struct {
		in, w  []int
		stride int
		same   bool
	}{
		{[]int{1, 9, 9, 37}, []int{1, 3, 3, 37}, 1, true},
		{[]int{2, 7, 7, 64}, []int{1, 7, 7, 64}, 1, true},
		{[]int{1, 5, 6, 3}, []int{1, 3, 3, 3}, 1, true},
		{[]int{2, 11, 10, 20}, []int{1, 3, 3, 20}, 2, false}, // 3x3 kernel, stride 2, channel tail
		{[]int{1, 12, 9, 16}, []int{1, 3, 3, 16}, 2, true},
		{[]int{1, 2, 2, 8}, []int{1, 3, 3, 8}, 1, true}, // no interior pixel
	} {
		a := refConvArgs{in: randData(r, s.in), inS: s.in, w: randData(r, s.w), wS: s.w, bias: randData(r, s.w[3:]),
			sh: s.stride, sw: s.stride, dh: 1, dw: 1, same: s.same, depth: true}
		pad := paddingValid
		if s.same {
			pad = paddingSame
		}
		want, ws := refConv(a)
		for _, portable := range []bool{false, true} {
			m := tModel{
				tensors: []tTensor{{name: "x", typ: Float32, shape: s.in}, {name: "w", typ: Float32, shape: s.w, f32: a.w},
					{name: "b", typ: Float32, shape: s.w[3:], f32: a.bias}, {name: "y", typ: Float32, shape: ws}},
				ops:    []tOp{{code: 4, in: []int{0, 1, 2}, out: []int{3}, opts: dwOpts(pad, s.stride, s.stride, 1, 1, 1, actNone)}},
				inputs: []int{0}, outputs: []int{3},
			}
			model, err := Load(m.build())
			if err != nil {
				t.Fatal(err)
			}
			ip, err := newInterpreter(model, nil, portable)
			if err != nil {
				t.Fatal(err)
			}
			copy(ip.Input(0).Float32s(), a.in)
			invoke(t, ip)
			checkNear(t, ip.Output(0).Float32s(), want, 1e-5)
		}
	}
}

// TestGemmTileKernel checks the micro-kernel this build dispatches to (the
// assembly one on amd64 AVX2+FMA and arm64 NEON, the portable one
// otherwise) against gemmTileGo followed by clamp, for 16- and 8-wide
// panels, depths around the unroll, alignment offsets 0–7, rows of A
// packed, apart and overlapping, leading dimensions of C wider than the
// tile, with and without a clamp, and with guard bands around every buffer.
func TestGemmTileKernel(t *testing.T) {
	t.Logf("assembly micro-kernel: %v", haveGemmSIMD())
	r := rand.New(rand.NewPCG(45, 46))
	for _, nr := range []int{gemmNR, gemmNR / 2} {
		for _, k := range []int{1, 2, 3, 7, 8, 16, 27, 75} {
			for off := 0; off < 8; off++ {
				c := &gemmConv{k: k, simd: haveGemmSIMD(), lo: float32(math.Inf(-1)), hi: float32(math.Inf(1))}
				if off%2 == 1 {
					c.lo, c.hi, c.clamp = 0, 6, true
				}
				ldc := nr + r.IntN(9)
				// Rows of A packed (lda = k), apart, or overlapping as a
				// window convolution reads them (lda < k).
				lda := []int{k, k + 1 + r.IntN(5), max(1, k/3)}[off%3]
				a, b, bias, dst, check := tileBuffers(t, r, nr, k, lda, ldc, off, 2)
				want := make([]float32, len(dst))
				gemmTileGo(k, gemmMR, nr, a, lda, b, bias, want, ldc)
				c.tileKernel(gemmMR, nr, a, lda, b, bias, dst, ldc)
				for row := 0; row < gemmMR; row++ {
					for j := 0; j < nr; j++ {
						i := row*ldc + j
						w := want[i]
						if c.clamp {
							w = clamp(w, c.lo, c.hi)
						}
						if math.Abs(float64(dst[i]-w)) > 1e-5*math.Max(1, math.Abs(float64(w)))*float64(k) {
							t.Fatalf("nr=%d k=%d lda=%d off=%d clamp=%v: c[%d] = %g, want %g", nr, k, lda, off, c.clamp, i, dst[i], w)
						}
					}
				}
				check()
			}
		}
	}
}

// tileBuffers returns guard-banded A, B, bias and C for one gemmMR×nr tile
// of depth k (rows of A lda apart, of C ldc apart) at alignment offsets
// derived from off, with A, B and bias random in [−scale, scale), and a
// function that checks every guard band.
func tileBuffers(t *testing.T, r *rand.Rand, nr, k, lda, ldc, off int, scale float32) (a, b, bias, c []float32, check func()) {
	t.Helper()
	a, checkA := guarded(t, (gemmMR-1)*lda+k, off)
	b, checkB := guarded(t, k*nr, (off*3)%8)
	bias, checkBias := guarded(t, nr, (off*5)%8)
	c, checkC := guarded(t, (gemmMR-1)*ldc+nr, (off*7)%8)
	for _, s := range [][]float32{a, b, bias} {
		for i := range s {
			s[i] = (r.Float32()*2 - 1) * scale
		}
	}
	return a, b, bias, c, func() {
		checkA()
		checkB()
		checkBias()
		checkC()
	}
}

// TestDw3x3Kernel checks the dw3x3 this build dispatches to (AVX2 for
// 8-channel slices on amd64, NEON for 4-channel slices on arm64, Go for the
// rest) against dw3x3Go for channel counts up to 3·8+7, pixel counts
// around the four-pixel step, strides one and two, alignment offsets 0–7,
// with and without a clamp, and with guard bands around every buffer.
func TestDw3x3Kernel(t *testing.T) {
	simd := haveGemmSIMD()
	r := rand.New(rand.NewPCG(41, 42))
	for c := 1; c <= 31; c++ {
		for _, npix := range []int{1, 3, 4, 5, 9} {
			for _, sw := range []int{1, 2} {
				for off := 0; off < 8; off++ {
					doClamp := off%2 == 1
					xstep := sw * c
					rs := (npix-1)*xstep + 3*c + r.IntN(3)*c
					out, checkO := guarded(t, npix*c, off)
					in, checkI := guarded(t, 2*rs+(npix-1)*xstep+3*c, (off+3)%8)
					w, checkW := guarded(t, 9*c, (off+5)%8)
					bias, checkB := guarded(t, c, (off+1)%8)
					for _, s := range [][]float32{in, w, bias} {
						for i := range s {
							s[i] = r.Float32()*2 - 1
						}
					}
					in[r.IntN(len(in))] = float32(math.NaN())
					want := make([]float32, len(out))
					dw3x3Go(want, in, w, bias, npix, c, 0, xstep, rs, 0, 0.5, doClamp)
					dw3x3(simd, out, in, w, bias, npix, c, xstep, rs, 0, 0.5, doClamp)
					for i := range want {
						wv, g := float64(want[i]), float64(out[i])
						if math.IsNaN(wv) != math.IsNaN(g) || !math.IsNaN(wv) && math.Abs(wv-g) > 1e-5 {
							t.Fatalf("c=%d npix=%d sw=%d off=%d clamp=%v: out[%d] = %g, want %g", c, npix, sw, off, doClamp, i, g, wv)
						}
					}
					checkO()
					checkI()
					checkW()
					checkB()
				}
			}
		}
	}
}

// TestMax2x2Kernel checks the max2x2 this build dispatches to against
// max2x2Go: bit for bit on ordinary values and ±0 pairs, NaN for NaN, for
// channel counts up to 3·8+7, with guard bands around every buffer.
func TestMax2x2Kernel(t *testing.T) {
	simd := haveGemmSIMD()
	r := rand.New(rand.NewPCG(47, 48))
	nan := float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	for c := 1; c <= 31; c++ {
		for _, ow := range []int{1, 2, 5} {
			off := (c + ow) % 8
			out, checkO := guarded(t, ow*c, off)
			r0, check0 := guarded(t, 2*ow*c, (off+3)%8)
			r1, check1 := guarded(t, 2*ow*c, (off+5)%8)
			for _, s := range [][]float32{r0, r1} {
				for i := range s {
					switch r.IntN(8) {
					case 0:
						s[i] = nan
					case 1:
						s[i] = negZero
					case 2:
						s[i] = 0
					default:
						s[i] = r.Float32()*4 - 2
					}
				}
			}
			want := make([]float32, len(out))
			max2x2Go(want, r0, r1, ow, c)
			max2x2(simd, out, r0, r1, ow, c)
			for i := range want {
				w, g := want[i], out[i]
				if math.IsNaN(float64(w)) != math.IsNaN(float64(g)) || !math.IsNaN(float64(w)) && math.Float32bits(w) != math.Float32bits(g) {
					t.Fatalf("c=%d ow=%d: out[%d] = %g (%#x), want %g (%#x)", c, ow, i, g, math.Float32bits(g), w, math.Float32bits(w))
				}
			}
			checkO()
			check0()
			check1()
		}
	}
}

// TestConvRandomGeometry compares CONV_2D on the GEMM paths (window for
// fewer than 8 input channels, im2col otherwise, direct for 1×1) with the
// float64 reference over random geometries: batch, input sizes down to
// one pixel, filters larger than the input, strides 1–3, SAME and VALID
// padding, with the SIMD and the portable kernels and with two threads.
func TestConvRandomGeometry(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	runs := 150
	if testing.Short() {
		runs = 40
	}
	for i := 0; i < runs; i++ {
		n, ih, iw := 1+r.IntN(2), 1+r.IntN(12), 1+r.IntN(12)
		ic := 1 + r.IntN(10)
		kh, kw := 1+r.IntN(5), 1+r.IntN(5)
		sh, sw := 1+r.IntN(3), 1+r.IntN(3)
		same := r.IntN(2) == 0
		if !same && (kh > ih || kw > iw) {
			same = true // VALID needs the filter to fit
		}
		oc := 1 + r.IntN(20)
		in, w := []int{n, ih, iw, ic}, []int{oc, kh, kw, ic}
		a := refConvArgs{in: randData(r, in), inS: in, w: randData(r, w), wS: w, bias: randData(r, w[:1]),
			sh: sh, sw: sw, dh: 1, dw: 1, same: same, act: actRelu6}
		want, ws := refConv(a)
		pad := paddingValid
		if same {
			pad = paddingSame
		}
		m := tModel{
			tensors: []tTensor{{name: "x", typ: Float32, shape: in}, {name: "w", typ: Float32, shape: w, f32: a.w},
				{name: "b", typ: Float32, shape: w[:1], f32: a.bias}, {name: "y", typ: Float32, shape: ws}},
			ops:    []tOp{{code: 3, in: []int{0, 1, 2}, out: []int{3}, opts: convOpts(pad, sh, sw, 1, 1, actRelu6)}},
			inputs: []int{0}, outputs: []int{3},
		}
		model, err := Load(m.build())
		if err != nil {
			t.Fatalf("case %d %v %v: %v", i, in, w, err)
		}
		name := fmt.Sprintf("%d/in%v/w%v/s%d,%d/same=%v", i, in, w, sh, sw, same)
		for _, o := range []struct {
			portable bool
			threads  int
		}{{false, 1}, {true, 1}, {false, 2}} {
			ip, err := newInterpreter(model, &Options{Threads: o.threads}, o.portable)
			if err != nil {
				t.Fatal(err)
			}
			copy(ip.Input(0).Float32s(), a.in)
			invoke(t, ip)
			t.Run(fmt.Sprintf("%s/portable=%v/threads=%d", name, o.portable, o.threads), func(t *testing.T) {
				checkNear(t, ip.Output(0).Float32s(), want, 1e-5)
			})
			ip.Close()
		}
	}
}
