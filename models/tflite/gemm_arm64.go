//go:build !purego

package tflite

import "golang.org/x/sys/cpu"

// haveGemmSIMD reports whether the NEON micro-kernels can run (Advanced
// SIMD is part of every ARMv8-A core, but the feature bit is checked).
func haveGemmSIMD() bool { return cpu.ARM64.HasASIMD }

// gemm6x16NEON computes a full gemmMR×gemmNR tile with NEON FMLA:
//
//	for r < 6, j < 16: c[r·ldc + j] = bias[j] + Σ_{kk<k} a[r·lda + kk] · b[kk·16 + j]
//
// (see gemmTileGo), then clamps it as clamp does when clamp is 1. All
// pointers must cover the whole tile.
//
//go:noescape
func gemm6x16NEON(k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int)

// gemm6x8NEON is gemm6x16NEON for an 8-wide panel (b[kk·8 + j], j < 8).
//
//go:noescape
func gemm6x8NEON(k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int)

// tileKernel computes rows (≤ gemmMR) rows of one tile of a panel nr
// (gemmNR or 8) wide, clamped. The NEON kernels only run on full tiles; run
// routes partial ones through a zero-padded copy of A. Row r of A starts
// at a[r·lda].
func (c *gemmConv) tileKernel(rows, nr int, a []float32, lda int, b, bias, dst []float32, ldc int) {
	if !c.simd || rows != gemmMR || c.k == 0 {
		c.tileGo(rows, nr, a, lda, b, bias, dst, ldc)
		return
	}
	_ = a[(gemmMR-1)*lda+c.k-1]
	_ = dst[(gemmMR-1)*ldc+nr-1]
	_ = b[c.k*nr-1]
	_ = bias[nr-1]
	cl := 0
	if c.clamp {
		cl = 1
	}
	if nr == gemmNR {
		gemm6x16NEON(c.k, &a[0], lda, &b[0], &bias[0], &dst[0], ldc, c.lo, c.hi, cl)
	} else {
		gemm6x8NEON(c.k, &a[0], lda, &b[0], &bias[0], &dst[0], ldc, c.lo, c.hi, cl)
	}
}

// dwRowNEON is dwRowGo with NEON FMLA.
//
//go:noescape
func dwRowNEON(dst, x, w *float32, npix, c, xstride int)

// dwRow accumulates one depthwise filter tap over a run of npix output
// pixels (see dwRowGo).
func dwRow(simd bool, dst, x, w []float32, npix, c, xstride int) {
	if simd && npix > 0 && c > 0 {
		_, _, _ = dst[npix*c-1], x[(npix-1)*xstride+c-1], w[c-1]
		dwRowNEON(&dst[0], &x[0], &w[0], npix, c, xstride)
		return
	}
	dwRowGo(dst, x, w, npix, c, xstride)
}

// preluNEON is preluGo with NEON (see preluFused).
//
//go:noescape
func preluNEON(out, x, alpha *float32, npix, c int)

func prelu(simd bool, out, x, alpha []float32) {
	c := len(alpha)
	if simd && c > 0 && len(out) >= c {
		npix := len(out) / c
		_ = x[npix*c-1]
		preluNEON(&out[0], &x[0], &alpha[0], npix, c)
		return
	}
	preluGo(out, x, alpha)
}

// addClampNEON is addClampGo with NEON; clamp is 0 or 1.
//
//go:noescape
func addClampNEON(out, a, b *float32, n int, lo, hi float32, clamp int)

func addClamp(simd bool, out, a, b []float32, lo, hi float32, doClamp bool) {
	if simd && len(out) > 0 {
		_, _ = a[len(out)-1], b[len(out)-1]
		c := 0
		if doClamp {
			c = 1
		}
		addClampNEON(&out[0], &a[0], &b[0], len(out), lo, hi, c)
		return
	}
	addClampGo(out, a, b, lo, hi, doClamp)
}

// dw3x3NEON is dw3x3Go for the channels below c4 (a multiple of 4); clamp
// is 0 or 1.
//
//go:noescape
func dw3x3NEON(out, in, w, bias *float32, npix, c, c4, xstep, rs int, lo, hi float32, clamp int)

// dw3x3 computes npix output pixels of a 3x3 depthwise convolution whose
// taps are all inside the input (see dw3x3Go): NEON for whole 4-channel
// slices, the portable kernel for up to three last channels.
func dw3x3(simd bool, out, in, w, bias []float32, npix, c, xstep, rs int, lo, hi float32, doClamp bool) {
	c4 := c &^ 3
	if !simd || npix <= 0 || c4 == 0 {
		dw3x3Go(out, in, w, bias, npix, c, 0, xstep, rs, lo, hi, doClamp)
		return
	}
	_, _ = out[(npix-1)*c+c-1], in[2*rs+(npix-1)*xstep+3*c-1]
	_, _ = w[9*c-1], bias[c-1]
	cl := 0
	if doClamp {
		cl = 1
	}
	dw3x3NEON(&out[0], &in[0], &w[0], &bias[0], npix, c, c4, xstep, rs, lo, hi, cl)
	if c4 < c {
		dw3x3Go(out, in, w, bias, npix, c, c4, xstep, rs, lo, hi, doClamp)
	}
}

// max2x2NEON is max2x2Go with NEON FMAX.
//
//go:noescape
func max2x2NEON(out, r0, r1 *float32, ow, c int)

// max2x2 computes one output row of a 2x2, stride-2 max pool (see
// max2x2Go).
func max2x2(simd bool, out, r0, r1 []float32, ow, c int) {
	if simd && ow > 0 && c > 0 {
		_, _, _ = out[ow*c-1], r0[2*ow*c-1], r1[2*ow*c-1]
		max2x2NEON(&out[0], &r0[0], &r1[0], ow, c)
		return
	}
	max2x2Go(out, r0, r1, ow, c)
}
