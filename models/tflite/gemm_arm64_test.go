//go:build !purego

package tflite

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomBits returns n floats with random bit patterns: every class
// (NaNs of both kinds and signs, infinities, subnormals, ±0) occurs, and
// a third are ordinary values in [−4, 4) so that sums stay finite often.
func randomBits(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		switch r.IntN(6) {
		case 0:
			s[i] = math.Float32frombits(r.Uint32())
		case 1:
			s[i] = specialFloats[r.IntN(len(specialFloats))]
		case 2:
			s[i] = math.Float32frombits(0x7f800001 + r.Uint32N(0x3fffff) | r.Uint32N(2)<<31) // signalling NaN
		default:
			s[i] = r.Float32()*8 - 4
		}
	}
	return s
}

// TestKernelsNEONExact checks that on arm64 the NEON kernels give the
// portable kernels' results bit for bit, any NaN matching any NaN: Go fuses
// the multiply-adds of gemmTileGo, dwRowGo and dw3x3Go into FMADD as FMLA
// does, and its max is FMAX. (NaN payloads are not compared: which operand
// of an FMADD or FMAX Go makes the first, and so whose NaN wins, depends
// on its register allocation.) The inputs are random bit patterns.
func TestKernelsNEONExact(t *testing.T) {
	if !haveGemmSIMD() {
		t.Skip("no ASIMD")
	}
	r := rand.New(rand.NewPCG(61, 62))
	exact := func(what string, want, got []float32) {
		t.Helper()
		for i := range want {
			if !sameBits(want[i], got[i]) {
				t.Fatalf("%s: [%d] = %#08x, want %#08x", what, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
			}
		}
	}
	for iter := 0; iter < 200; iter++ {
		c := 1 + r.IntN(40)
		npix := 1 + r.IntN(6)
		st := 1 + r.IntN(2)
		// dwRow
		x, w := randomBits(r, (npix-1)*st*c+c), randomBits(r, c)
		d1 := randomBits(r, npix*c)
		d2 := append([]float32(nil), d1...)
		dwRowGo(d1, x, w, npix, c, st*c)
		dwRow(true, d2, x, w, npix, c, st*c)
		exact("dwRow", d1, d2)
		// prelu
		xs := x[:npix*c]
		preluGo(d1, xs, w)
		prelu(true, d2, xs, w)
		exact("prelu", d1, d2)
		// addClamp, every activation
		b := randomBits(r, npix*c)
		for _, act := range []activation{actNone, actRelu, actRelu1, actRelu6} {
			lo, hi := actRange(act)
			addClampGo(d1, xs, b, lo, hi, act != actNone)
			addClamp(true, d2, xs, b, lo, hi, act != actNone)
			exact("addClamp", d1, d2)
		}
		// max2x2
		p0, p1 := randomBits(r, 2*npix*c), randomBits(r, 2*npix*c)
		max2x2Go(d1, p0, p1, npix, c)
		max2x2(true, d2, p0, p1, npix, c)
		exact("max2x2", d1, d2)
		// dw3x3
		rs := ((npix-1)*st + 3) * c
		in, w9, b9 := randomBits(r, 3*rs), randomBits(r, 9*c), randomBits(r, c)
		for _, doClamp := range []bool{false, true} {
			dw3x3Go(d1, in, w9, b9, npix, c, 0, st*c, rs, 0, 6, doClamp)
			dw3x3(true, d2, in, w9, b9, npix, c, st*c, rs, 0, 6, doClamp)
			exact("dw3x3", d1, d2)
		}
		// GEMM tiles, plain and clamped
		k := r.IntN(20)
		for _, nr := range []int{gemmNR, gemmNR / 2} {
			a, bp, bias := randomBits(r, gemmMR*k+1), randomBits(r, k*nr+1), randomBits(r, nr)
			g1, g2 := make([]float32, gemmMR*nr), make([]float32, gemmMR*nr)
			gemmTileGo(k, gemmMR, nr, a, k, bp, bias, g1, nr)
			gemmTileAsm(nr, k, &a[0], k, &bp[0], &bias[0], &g2[0], nr, 0, 0, 0)
			exact("gemm", g1, g2)
			clampSlice(g1, -1, 1)
			gemmTileAsm(nr, k, &a[0], k, &bp[0], &bias[0], &g2[0], nr, -1, 1, 1)
			exact("gemm clamped", g1, g2)
		}
	}
}
