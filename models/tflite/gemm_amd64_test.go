//go:build !purego

package tflite

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmTileSIMD checks the assembly micro-kernels (16- and 8-wide
// panels) against gemmTileGo for random depths, every alignment offset 0–7
// of A, B and C, and leading dimensions wider than the tile, with guard
// bands around every buffer.
func TestGemmTileSIMD(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no SIMD GEMM kernel on this CPU/build (purego or not amd64 AVX2+FMA)")
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
	a, checkA := guarded(t, (gemmMR-1)*lda+k, off)
	b, checkB := guarded(t, k*nr, (off*3)%8)
	bias, checkBias := guarded(t, nr, (off*5)%8)
	c, checkC := guarded(t, (gemmMR-1)*ldc+nr, (off*7)%8)
	for _, s := range [][]float32{a, b, bias} {
		for i := range s {
			s[i] = r.Float32()*2 - 1
		}
	}
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
	if nr == gemmNR {
		gemm6x16AVX2(k, cp0, lda, bp0, &bias[0], &c[0], ldc, 0, 0, 0)
	} else {
		gemm6x8AVX2(k, cp0, lda, bp0, &bias[0], &c[0], ldc, 0, 0, 0)
	}
	for i := range want {
		w, g := want[i], c[i]
		if math.IsNaN(float64(w)) != math.IsNaN(float64(g)) ||
			!math.IsNaN(float64(w)) && math.Abs(float64(w-g)) > 1e-5*math.Max(1, math.Abs(float64(w)))*float64(max(k, 1)) {
			t.Fatalf("nr=%d k=%d off=%d lda=%d ldc=%d: c[%d] = %g, want %g", nr, k, off, lda, ldc, i, g, w)
		}
	}
	checkA()
	checkB()
	checkBias()
	checkC()
}

// TestDwRowSIMD checks dwRowAVX2 against dwRowGo for channel counts up
// to 2·8+7, pixel strides of one and two pixels, and alignment offsets 0–7,
// with guard bands around every buffer.
func TestDwRowSIMD(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no AVX2+FMA")
	}
	r := rand.New(rand.NewPCG(27, 28))
	for c := 1; c <= 23; c++ {
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
					}
					want := append([]float32(nil), dst...)
					dwRowGo(want, x, w, npix, c, xstride)
					dwRow(true, dst, x, w, npix, c, xstride)
					for i := range want {
						if math.Abs(float64(dst[i]-want[i])) > 1e-6 {
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

// TestPReLUSIMD checks preluAVX2 bit for bit against preluGo for channel
// counts up to 2·8+7, alignment offsets 0–7 and inputs including ±0, with
// guard bands.
func TestPReLUSIMD(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no AVX2+FMA")
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
			x[0] = float32(math.Copysign(0, -1))
			for i := range alpha {
				alpha[i] = r.Float32()*2 - 1
			}
			want := make([]float32, len(out))
			preluGo(want, x, alpha)
			prelu(true, out, x, alpha)
			for i := range want {
				if math.Float32bits(out[i]) != math.Float32bits(want[i]) {
					t.Fatalf("c=%d off=%d: out[%d] = %g, want %g", c, off, i, out[i], want[i])
				}
			}
			checkO()
			checkX()
			checkA()
		}
	}
}

// TestAddClampSIMD checks addClampAVX2 bit for bit against addClampGo for
// lengths up to 2·8+7, alignment offsets 0–7, every activation range, and
// inputs with NaN, ±0 and values on the clamp bounds, with guard bands.
func TestAddClampSIMD(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no AVX2+FMA")
	}
	r := rand.New(rand.NewPCG(35, 36))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), 0, 6, -1, 1, 7, -7}
	for _, act := range []activation{actNone, actRelu, actRelu1, actRelu6} {
		lo, hi := actRange(act)
		for n := 0; n <= 23; n++ {
			for off := 0; off < 8; off++ {
				out, checkO := guarded(t, n, off)
				a, checkA := guarded(t, n, (off+3)%8)
				b, checkB := guarded(t, n, (off+5)%8)
				for i := 0; i < n; i++ {
					a[i], b[i] = r.Float32()*16-8, 0
					if r.IntN(3) == 0 {
						a[i] = special[r.IntN(len(special))]
					}
					if r.IntN(4) != 0 {
						b[i] = r.Float32()*4 - 2
					}
				}
				want := make([]float32, n)
				doClamp := act != actNone
				addClampGo(want, a, b, lo, hi, doClamp)
				addClamp(true, out, a, b, lo, hi, doClamp)
				for i := range want {
					same := math.Float32bits(out[i]) == math.Float32bits(want[i]) ||
						math.IsNaN(float64(out[i])) && math.IsNaN(float64(want[i]))
					if !same {
						t.Fatalf("act=%d n=%d off=%d: out[%d] = %g (a %g, b %g), want %g", act, n, off, i, out[i], a[i], b[i], want[i])
					}
				}
				checkO()
				checkA()
				checkB()
			}
		}
	}
}

// FuzzKernelsSIMD compares every assembly kernel (GEMM 16- and 8-wide,
// depthwise row and 3x3, PReLU, ADD+clamp, 2x2 max pool) with its portable
// reference on fuzzer-chosen sizes and values (no NaN: val is finite).
func FuzzKernelsSIMD(f *testing.F) {
	f.Add(uint8(5), uint8(3), uint8(1), []byte("seed values for the kernels"))
	f.Add(uint8(40), uint8(17), uint8(2), make([]byte, 64))
	f.Fuzz(func(t *testing.T, k, c, step uint8, vals []byte) {
		if !haveGemmSIMD() {
			t.Skip("no AVX2+FMA")
		}
		val := func(i int) float32 {
			if len(vals) == 0 {
				return 0
			}
			return float32(int8(vals[i%len(vals)])) / 16
		}
		fill := func(s []float32, seed int) {
			for i := range s {
				s[i] = val(i*7 + seed)
			}
		}
		kk, cc, st := int(k)%97, 1+int(c)%40, 1+int(step)%3
		// GEMM tile.
		a, b, bias := make([]float32, gemmMR*kk+1), make([]float32, kk*gemmNR+1), make([]float32, gemmNR)
		fill(a, 1)
		fill(b, 2)
		fill(bias, 3)
		got, want := make([]float32, gemmMR*gemmNR), make([]float32, gemmMR*gemmNR)
		gemmTileGo(kk, gemmMR, gemmNR, a, kk, b, bias, want, gemmNR)
		gemm6x16AVX2(kk, &a[0], kk, &b[0], &bias[0], &got[0], gemmNR, 0, 0, 0)
		for i := range want {
			if math.Abs(float64(got[i]-want[i])) > 1e-4*math.Max(1, math.Abs(float64(want[i])))*float64(max(kk, 1)) {
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
			if math.Abs(float64(d1[i]-d2[i])) > 1e-4*math.Max(1, math.Abs(float64(d1[i]))) {
				t.Fatalf("dwRow: [%d] %g vs %g", i, d2[i], d1[i])
			}
		}
		xs := x[:npix*cc]
		preluGo(d1, xs, w)
		prelu(true, d2, xs, w)
		addClampGo(d1[:len(xs)], xs, d1, 0, 6, true)
		addClamp(true, d2[:len(xs)], xs, d2, 0, 6, true)
		for i := range d1 {
			if math.Float32bits(d1[i]) != math.Float32bits(d2[i]) {
				t.Fatalf("prelu/add: [%d] %g vs %g", i, d2[i], d1[i])
			}
		}
		// 8-wide GEMM tile with the fused clamp.
		b8 := b[:kk*gemmNR/2+1]
		got8, want8 := make([]float32, gemmMR*gemmNR/2), make([]float32, gemmMR*gemmNR/2)
		gemmTileGo(kk, gemmMR, gemmNR/2, a, kk, b8, bias, want8, gemmNR/2)
		gemm6x8AVX2(kk, &a[0], kk, &b8[0], &bias[0], &got8[0], gemmNR/2, 0, 6, 1)
		for i := range want8 {
			if w := clamp(want8[i], 0, 6); math.Abs(float64(got8[i]-w)) > 1e-4*math.Max(1, math.Abs(float64(w)))*float64(max(kk, 1)) {
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
			if math.Abs(float64(o1[i]-o2[i])) > 1e-4*math.Max(1, math.Abs(float64(o1[i]))) {
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
			if math.Float32bits(m1[i]) != math.Float32bits(m2[i]) {
				t.Fatalf("max2x2 c=%d: [%d] %g vs %g", cc, i, m2[i], m1[i])
			}
		}
	})
}

// TestGemmTileSIMDClamp checks the fused clamp of the assembly
// micro-kernel bit for bit against the unclamped kernel followed by
// clamp, including NaN sums (which become lo).
func TestGemmTileSIMDClamp(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no AVX2+FMA")
	}
	r := rand.New(rand.NewPCG(43, 44))
	for _, k := range []int{1, 5, 16, 33} {
		for _, bounds := range [][2]float32{{0, float32(math.Inf(1))}, {0, 6}, {-1, 1}} {
			a, b, bias := make([]float32, gemmMR*k), make([]float32, k*gemmNR), make([]float32, gemmNR)
			for _, s := range [][]float32{a, b, bias} {
				for i := range s {
					s[i] = r.Float32()*8 - 4
				}
			}
			a[r.IntN(len(a))] = float32(math.NaN())
			raw, got := make([]float32, gemmMR*gemmNR), make([]float32, gemmMR*gemmNR)
			gemm6x16AVX2(k, &a[0], k, &b[0], &bias[0], &raw[0], gemmNR, 0, 0, 0)
			gemm6x16AVX2(k, &a[0], k, &b[0], &bias[0], &got[0], gemmNR, bounds[0], bounds[1], 1)
			for i, v := range raw {
				if want := clamp(v, bounds[0], bounds[1]); math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("k=%d bounds=%v: [%d] = %g, want clamp(%g) = %g", k, bounds, i, got[i], v, want)
				}
			}
		}
	}
}
