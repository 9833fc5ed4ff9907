//go:build !purego && (amd64 || arm64)

package tflite

import (
	"math"
	"math/rand/v2"
	"testing"
)

// gemmTileAsm runs the assembly GEMM tile kernel for an nr-wide panel
// (gemmNR or gemmNR/2).
func gemmTileAsm(nr, k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int) {
	if nr == gemmNR {
		gemm6x16SIMD(k, a, lda, b, bias, c, ldc, lo, hi, clamp)
	} else {
		gemm6x8SIMD(k, a, lda, b, bias, c, ldc, lo, hi, clamp)
	}
}

// The assembly kernels (AVX2+FMA on amd64, NEON on arm64) against their
// portable references. gemmTileAsm, in gemm_<arch>_test.go, runs the
// architecture's GEMM tile kernel; the others go through the dispatchers
// (dwRow, prelu, addClamp, dw3x3, max2x2) with simd set.

// specialFloats are the inputs every kernel test mixes in: NaN, ±Inf,
// ±0, a subnormal and values on the activation bounds.
var specialFloats = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)),
	float32(math.Copysign(0, -1)), 0, math.SmallestNonzeroFloat32, 6, -1, 1, 7, -7,
}

// sameBits reports whether got is want bit for bit, any NaN matching any
// NaN (the kernels need not keep NaN payloads).
func sameBits(want, got float32) bool {
	return math.Float32bits(want) == math.Float32bits(got) ||
		math.IsNaN(float64(want)) && math.IsNaN(float64(got))
}

// near reports whether got is within tol·max(1, |want|) of want; NaN must
// meet NaN and an infinity the same infinity.
func near(want, got float32, tol float64) bool {
	w, g := float64(want), float64(got)
	switch {
	case math.IsNaN(w) || math.IsNaN(g):
		return math.IsNaN(w) && math.IsNaN(g)
	case math.IsInf(w, 0) || math.IsInf(g, 0):
		return w == g
	}
	return math.Abs(w-g) <= tol*math.Max(1, math.Abs(w))
}

// sprinkle overwrites about one element in every `every` of s with a
// special value.
func sprinkle(r *rand.Rand, s []float32, every int) {
	for i := range s {
		if r.IntN(every) == 0 {
			s[i] = specialFloats[r.IntN(len(specialFloats))]
		}
	}
}

// TestGemmTileSIMD checks the assembly micro-kernels (16- and 8-wide
// panels) against gemmTileGo for random depths, every alignment offset 0–7
// of A, B and C, and leading dimensions wider than the tile, with guard
// bands around every buffer.
func TestGemmTileSIMD(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no SIMD GEMM kernel on this CPU")
	}
	r := rand.New(rand.NewPCG(21, 22))
	for _, nr := range []int{gemmNR, gemmNR / 2} {
		for _, k := range []int{0, 1, 2, 3, 7, 8, 16, 27, 64, 129} {
			for off := 0; off < 8; off++ {
				testGemmTile(t, r, nr, k, off)
			}
		}
	}
}

func testGemmTile(t *testing.T, r *rand.Rand, nr, k, off int) {
	t.Helper()
	lda := k + r.IntN(5)
	ldc := nr + r.IntN(9)
	a, b, bias, c, check := tileBuffers(t, r, nr, k, lda, ldc, off, 1)
	want := make([]float32, len(c))
	for i := range want {
		want[i] = float32(math.NaN())
	}
	gemmTileGo(k, gemmMR, nr, a, lda, b, bias, want, ldc)
	var cp0 *float32
	if len(a) > 0 {
		cp0 = &a[0]
	}
	var bp0 *float32
	if len(b) > 0 {
		bp0 = &b[0]
	}
	if cp0 == nil || bp0 == nil {
		// k == 0: the kernel must not touch A or B; pass valid pointers.
		cp0, bp0 = &bias[0], &bias[0]
	}
	gemmTileAsm(nr, k, cp0, lda, bp0, &bias[0], &c[0], ldc, 0, 0, 0)
	for i := range want {
		if !near(want[i], c[i], 1e-5*float64(max(k, 1))) {
			t.Fatalf("nr=%d k=%d off=%d lda=%d ldc=%d: c[%d] = %g, want %g", nr, k, off, lda, ldc, i, c[i], want[i])
		}
	}
	check()
}

// TestDwRowSIMD checks the assembly dwRow against dwRowGo for channel
// counts up to 2·16+7, pixel strides of one and two pixels, alignment
// offsets 0–7 and inputs with NaN, ±Inf and ±0, with guard bands around
// every buffer.
func TestDwRowSIMD(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no SIMD kernels on this CPU")
	}
	r := rand.New(rand.NewPCG(27, 28))
	for c := 1; c <= 39; c++ {
		for _, npix := range []int{0, 1, 3, 8} {
			for _, step := range []int{1, 2} {
				for off := 0; off < 8; off++ {
					xstride := c * step
					dst, checkD := guarded(t, npix*c, off)
					x, checkX := guarded(t, max(0, (npix-1)*xstride+c), (off+3)%8)
					w, checkW := guarded(t, c, (off+5)%8)
					for _, s := range [][]float32{dst, x, w} {
						for i := range s {
							s[i] = r.Float32()*2 - 1
						}
						sprinkle(r, s, 16)
					}
					want := append([]float32(nil), dst...)
					dwRowGo(want, x, w, npix, c, xstride)
					dwRow(true, dst, x, w, npix, c, xstride)
					for i := range want {
						if !near(want[i], dst[i], 1e-6) {
							t.Fatalf("c=%d npix=%d stride=%d off=%d: dst[%d] = %g, want %g", c, npix, xstride, off, i, dst[i], want[i])
						}
					}
					checkD()
					checkX()
					checkW()
				}
			}
		}
	}
}

// TestPReLUSIMD checks the assembly prelu bit for bit against preluGo for
// channel counts up to 2·8+7, alignment offsets 0–7 and inputs with NaN,
// ±Inf and ±0 (alpha too), with guard bands.
func TestPReLUSIMD(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no SIMD kernels on this CPU")
	}
	r := rand.New(rand.NewPCG(33, 34))
	for c := 1; c <= 23; c++ {
		for off := 0; off < 8; off++ {
			npix := 1 + r.IntN(4)
			out, checkO := guarded(t, npix*c, off)
			x, checkX := guarded(t, npix*c, (off+3)%8)
			alpha, checkA := guarded(t, c, (off+5)%8)
			for i := range x {
				x[i] = r.Float32()*4 - 2
			}
			sprinkle(r, x, 4)
			x[0] = float32(math.Copysign(0, -1))
			for i := range alpha {
				alpha[i] = r.Float32()*2 - 1
			}
			sprinkle(r, alpha, 8)
			want := make([]float32, len(out))
			preluGo(want, x, alpha)
			prelu(true, out, x, alpha)
			for i := range want {
				if !sameBits(want[i], out[i]) {
					t.Fatalf("c=%d off=%d: out[%d] = %g (x %g), want %g", c, off, i, out[i], x[i], want[i])
				}
			}
			checkO()
			checkX()
			checkA()
		}
	}
}

// TestAddClampSIMD checks the assembly addClamp bit for bit against
// addClampGo for lengths up to 2·16+7, alignment offsets 0–7, every
// activation range (and clamps with one or both bounds infinite), and
// inputs with NaN, ±Inf, ±0 and values on the clamp bounds, with guard
// bands.
func TestAddClampSIMD(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no SIMD kernels on this CPU")
	}
	r := rand.New(rand.NewPCG(35, 36))
	inf := float32(math.Inf(1))
	type bounds struct {
		lo, hi  float32
		doClamp bool
	}
	var cases []bounds
	for _, act := range []activation{actNone, actRelu, actRelu1, actRelu6} {
		lo, hi := actRange(act)
		cases = append(cases, bounds{lo, hi, act != actNone})
	}
	cases = append(cases, bounds{-inf, inf, true}, bounds{-inf, 6, true}, bounds{-1, inf, true})
	for _, bc := range cases {
		for n := 0; n <= 39; n++ {
			for off := 0; off < 8; off++ {
				out, checkO := guarded(t, n, off)
				a, checkA := guarded(t, n, (off+3)%8)
				b, checkB := guarded(t, n, (off+5)%8)
				for i := 0; i < n; i++ {
					a[i], b[i] = r.Float32()*16-8, 0
					if r.IntN(3) == 0 {
						a[i] = specialFloats[r.IntN(len(specialFloats))]
					}
					if r.IntN(4) != 0 {
						b[i] = r.Float32()*4 - 2
					}
				}
				want := make([]float32, n)
				addClampGo(want, a, b, bc.lo, bc.hi, bc.doClamp)
				addClamp(true, out, a, b, bc.lo, bc.hi, bc.doClamp)
				for i := range want {
					if !sameBits(want[i], out[i]) {
						t.Fatalf("bounds=%v n=%d off=%d: out[%d] = %g (a %g, b %g), want %g", bc, n, off, i, out[i], a[i], b[i], want[i])
					}
				}
				checkO()
				checkA()
				checkB()
			}
		}
	}
}

// TestGemmTileSIMDClamp checks the fused clamp of the assembly
// micro-kernels (16- and 8-wide) bit for bit against the unclamped kernel
// followed by clamp, including NaN and infinite sums (NaN becomes lo).
func TestGemmTileSIMDClamp(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no SIMD GEMM kernel on this CPU")
	}
	r := rand.New(rand.NewPCG(43, 44))
	inf := float32(math.Inf(1))
	for _, nr := range []int{gemmNR, gemmNR / 2} {
		for _, k := range []int{1, 5, 16, 33} {
			for _, bounds := range [][2]float32{{0, inf}, {0, 6}, {-1, 1}, {-inf, 6}, {-inf, inf}} {
				a, b, bias := make([]float32, gemmMR*k), make([]float32, k*nr), make([]float32, nr)
				for _, s := range [][]float32{a, b, bias} {
					for i := range s {
						s[i] = r.Float32()*8 - 4
					}
				}
				a[r.IntN(len(a))] = float32(math.NaN())
				a[r.IntN(len(a))] = inf
				bias[r.IntN(nr)] = -inf
				raw, got := make([]float32, gemmMR*nr), make([]float32, gemmMR*nr)
				gemmTileAsm(nr, k, &a[0], k, &b[0], &bias[0], &raw[0], nr, 0, 0, 0)
				gemmTileAsm(nr, k, &a[0], k, &b[0], &bias[0], &got[0], nr, bounds[0], bounds[1], 1)
				for i, v := range raw {
					if want := clamp(v, bounds[0], bounds[1]); math.Float32bits(got[i]) != math.Float32bits(want) {
						t.Fatalf("nr=%d k=%d bounds=%v: [%d] = %g, want clamp(%g) = %g", nr, k, bounds, i, got[i], v, want)
					}
				}
			}
		}
	}
}

// FuzzKernelsSIMD compares every assembly kernel (GEMM 16- and 8-wide,
// depthwise row and 3x3, PReLU, ADD+clamp, 2x2 max pool) with its portable
// reference on fuzzer-chosen sizes and values; the bytes −128, 127, −127
// and −126 stand for NaN, +Inf, −Inf and −0.
func FuzzKernelsSIMD(f *testing.F) {
	f.Add(uint8(5), uint8(3), uint8(1), []byte("seed values for the kernels"))
	f.Add(uint8(40), uint8(17), uint8(2), make([]byte, 64))
	f.Add(uint8(9), uint8(23), uint8(0), []byte{0x80, 0x7f, 0x81, 0x82, 1, 2, 3, 0xf0, 0x10, 0x40, 5})
	f.Fuzz(func(t *testing.T, k, c, step uint8, vals []byte) {
		if !haveGemmSIMD() {
			t.Skip("no SIMD kernels on this CPU")
		}
		val := func(i int) float32 {
			if len(vals) == 0 {
				return 0
			}
			switch v := int8(vals[i%len(vals)]); v {
			case -128:
				return float32(math.NaN())
			case 127:
				return float32(math.Inf(1))
			case -127:
				return float32(math.Inf(-1))
			case -126:
				return float32(math.Copysign(0, -1))
			default:
				return float32(v) / 16
			}
		}
		fill := func(s []float32, seed int) {
			for i := range s {
				s[i] = val(i*7 + seed)
			}
		}
		kk, cc, st := int(k)%97, 1+int(c)%40, 1+int(step)%3
		tol := 1e-4 * float64(max(kk, 1))
		// GEMM tile.
		a, b, bias := make([]float32, gemmMR*kk+1), make([]float32, kk*gemmNR+1), make([]float32, gemmNR)
		fill(a, 1)
		fill(b, 2)
		fill(bias, 3)
		got, want := make([]float32, gemmMR*gemmNR), make([]float32, gemmMR*gemmNR)
		gemmTileGo(kk, gemmMR, gemmNR, a, kk, b, bias, want, gemmNR)
		gemmTileAsm(gemmNR, kk, &a[0], kk, &b[0], &bias[0], &got[0], gemmNR, 0, 0, 0)
		for i := range want {
			if !near(want[i], got[i], tol) {
				t.Fatalf("gemm k=%d: [%d] %g vs %g", kk, i, got[i], want[i])
			}
		}
		// Depthwise row, PReLU, ADD+clamp.
		npix := 1 + kk%5
		x, w := make([]float32, (npix-1)*cc*st+cc), make([]float32, cc)
		fill(x, 4)
		fill(w, 5)
		d1, d2 := make([]float32, npix*cc), make([]float32, npix*cc)
		fill(d1, 6)
		copy(d2, d1)
		dwRowGo(d1, x, w, npix, cc, cc*st)
		dwRow(true, d2, x, w, npix, cc, cc*st)
		for i := range d1 {
			if !near(d1[i], d2[i], 1e-4) {
				t.Fatalf("dwRow: [%d] %g vs %g", i, d2[i], d1[i])
			}
		}
		xs := x[:npix*cc]
		preluGo(d1, xs, w)
		prelu(true, d2, xs, w)
		for i := range d1 {
			if !sameBits(d1[i], d2[i]) {
				t.Fatalf("prelu: [%d] %g vs %g", i, d2[i], d1[i])
			}
		}
		addClampGo(d1[:len(xs)], xs, d1, 0, 6, true)
		addClamp(true, d2[:len(xs)], xs, d2, 0, 6, true)
		for i := range d1 {
			if !sameBits(d1[i], d2[i]) {
				t.Fatalf("add: [%d] %g vs %g", i, d2[i], d1[i])
			}
		}
		// 8-wide GEMM tile with the fused clamp.
		b8 := b[:kk*gemmNR/2+1]
		got8, want8 := make([]float32, gemmMR*gemmNR/2), make([]float32, gemmMR*gemmNR/2)
		gemmTileGo(kk, gemmMR, gemmNR/2, a, kk, b8, bias, want8, gemmNR/2)
		gemmTileAsm(gemmNR/2, kk, &a[0], kk, &b8[0], &bias[0], &got8[0], gemmNR/2, 0, 6, 1)
		for i := range want8 {
			if w := clamp(want8[i], 0, 6); !near(w, got8[i], tol) {
				t.Fatalf("gemm8 k=%d: [%d] %g vs %g", kk, i, got8[i], w)
			}
		}
		// 3x3 depthwise over npix pixels with stride st.
		rs := ((npix-1)*st + 3) * cc
		in, w9, b9 := make([]float32, 3*rs), make([]float32, 9*cc), make([]float32, cc)
		fill(in, 7)
		fill(w9, 8)
		fill(b9, 9)
		o1, o2 := make([]float32, npix*cc), make([]float32, npix*cc)
		dw3x3Go(o1, in, w9, b9, npix, cc, 0, st*cc, rs, 0, 6, true)
		dw3x3(true, o2, in, w9, b9, npix, cc, st*cc, rs, 0, 6, true)
		for i := range o1 {
			if !near(o1[i], o2[i], 1e-4) {
				t.Fatalf("dw3x3 c=%d npix=%d: [%d] %g vs %g", cc, npix, i, o2[i], o1[i])
			}
		}
		// 2x2 max pool over npix output pixels.
		p0, p1 := make([]float32, 2*npix*cc), make([]float32, 2*npix*cc)
		fill(p0, 10)
		fill(p1, 11)
		m1, m2 := make([]float32, npix*cc), make([]float32, npix*cc)
		max2x2Go(m1, p0, p1, npix, cc)
		max2x2(true, m2, p0, p1, npix, cc)
		for i := range m1 {
			if !sameBits(m1[i], m2[i]) {
				t.Fatalf("max2x2 c=%d: [%d] %g vs %g", cc, i, m2[i], m1[i])
			}
		}
	})
}

// BenchmarkKernelsSIMD times each assembly kernel against its portable
// reference on one MobileNet-like row (112 pixels of 32 channels).
func BenchmarkKernelsSIMD(b *testing.B) {
	const npix, c = 112, 32
	r := rand.New(rand.NewPCG(71, 72))
	rnd := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = r.Float32()*2 - 1
		}
		return s
	}
	x, x2, w, out := rnd(2*npix*c), rnd(2*npix*c), rnd(c), rnd(npix*c)
	ka, kb, kbias, kc := rnd(gemmMR*64), rnd(64*gemmNR), rnd(gemmNR), rnd(gemmMR*gemmNR)
	kernels := []struct {
		name string
		run  func(simd bool)
	}{
		{"dwRow", func(simd bool) { dwRow(simd, out, x, w, npix, c, c) }},
		{"prelu", func(simd bool) { prelu(simd, out, x[:npix*c], w) }},
		{"addClamp", func(simd bool) { addClamp(simd, out, x[:npix*c], x2[:npix*c], 0, 6, true) }},
		{"max2x2", func(simd bool) { max2x2(simd, out, x, x2, npix, c) }},
		{"gemm6x16", func(simd bool) {
			if simd {
				gemmTileAsm(gemmNR, 64, &ka[0], 64, &kb[0], &kbias[0], &kc[0], gemmNR, 0, 6, 1)
				return
			}
			gemmTileGo(64, gemmMR, gemmNR, ka, 64, kb, kbias, kc, gemmNR)
			clampSlice(kc, 0, 6)
		}},
	}
	for _, k := range kernels {
		for _, simd := range []bool{true, false} {
			name := k.name + "/go"
			if simd {
				if !haveGemmSIMD() {
					continue
				}
				name = k.name + "/asm"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					k.run(simd)
				}
			})
		}
	}
}
