//go:build (amd64 || arm64) && !purego

package tflite

// The assembly kernels (gemm_amd64.s: AVX2 and FMA; gemm_arm64.s: NEON) share
// their names, contracts and Go wrappers; haveGemmSIMD, per architecture,
// says whether this CPU can run them.

// gemm6x16SIMD computes a full gemmMR×gemmNR tile with AVX2 and FMA
// (amd64) or NEON FMLA (arm64):
//
//	for r < 6, j < 16: c[r·ldc + j] = bias[j] + Σ_{kk<k} a[r·lda + kk] · b[kk·16 + j]
//
// (see gemmTileGo), then clamps it as clampSlice does when clamp is 1.
// All pointers must cover the whole tile.
//
//go:noescape
func gemm6x16SIMD(k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int)

// gemm6x8SIMD is gemm6x16SIMD for an 8-wide panel (b[kk·8 + j], j < 8).
//
//go:noescape
func gemm6x8SIMD(k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int)

// tileKernel computes rows (≤ gemmMR) rows of one tile of a panel nr
// (gemmNR or 8) wide, clamped. The SIMD kernels only run on full tiles;
// run routes partial ones through a zero-padded copy of A. Row r of A
// starts at a[r·lda].
func (c *gemmConv) tileKernel(rows, nr int, a []float32, lda int, b, bias, dst []float32, ldc int) {
	if c.simd && rows == gemmMR && c.k > 0 {
		_ = a[(gemmMR-1)*lda+c.k-1]
		_ = dst[(gemmMR-1)*ldc+nr-1]
		_ = b[c.k*nr-1]
		_ = bias[nr-1]
		cl := 0
		if c.clamp {
			cl = 1
		}
		if nr == gemmNR {
			gemm6x16SIMD(c.k, &a[0], lda, &b[0], &bias[0], &dst[0], ldc, c.lo, c.hi, cl)
		} else {
			gemm6x8SIMD(c.k, &a[0], lda, &b[0], &bias[0], &dst[0], ldc, c.lo, c.hi, cl)
		}
		return
	}
	c.tileGo(rows, nr, a, lda, b, bias, dst, ldc)
}

// dwRowSIMD is dwRowGo with AVX2 and FMA, or NEON FMLA.
//
//go:noescape
func dwRowSIMD(dst, x, w *float32, npix, c, xstride int)

// dwRow accumulates one depthwise filter tap over a run of npix output
// pixels (see dwRowGo).
func dwRow(simd bool, dst, x, w []float32, npix, c, xstride int) {
	if simd && npix > 0 && c > 0 {
		_, _, _ = dst[npix*c-1], x[(npix-1)*xstride+c-1], w[c-1]
		dwRowSIMD(&dst[0], &x[0], &w[0], npix, c, xstride)
		return
	}
	dwRowGo(dst, x, w, npix, c, xstride)
}

// preluSIMD is preluGo with AVX2 or NEON (see preluFused).
//
//go:noescape
func preluSIMD(out, x, alpha *float32, npix, c int)

func prelu(simd bool, out, x, alpha []float32) {
	c := len(alpha)
	if simd && c > 0 && len(out) >= c {
		npix := len(out) / c
		_ = x[npix*c-1]
		preluSIMD(&out[0], &x[0], &alpha[0], npix, c)
		return
	}
	preluGo(out, x, alpha)
}

// addClampSIMD is addClampGo with AVX2 or NEON; clamp is 0 or 1.
//
//go:noescape
func addClampSIMD(out, a, b *float32, n int, lo, hi float32, clamp int)

func addClamp(simd bool, out, a, b []float32, lo, hi float32, doClamp bool) {
	if simd && len(out) > 0 {
		_, _ = a[len(out)-1], b[len(out)-1]
		c := 0
		if doClamp {
			c = 1
		}
		addClampSIMD(&out[0], &a[0], &b[0], len(out), lo, hi, c)
		return
	}
	addClampGo(out, a, b, lo, hi, doClamp)
}

// dw3x3SIMD is dw3x3Go for the channels below cv (a multiple of 4); clamp
// is 0 or 1.
//
//go:noescape
func dw3x3SIMD(out, in, w, bias *float32, npix, c, cv, xstep, rs int, lo, hi float32, clamp int)

// dw3x3 computes npix output pixels of a 3x3 depthwise convolution whose
// taps are all inside the input (see dw3x3Go): assembly for whole 4-channel
// slices (AVX2 in 8-channel steps where it can), the portable kernel for up
// to three last channels.
func dw3x3(simd bool, out, in, w, bias []float32, npix, c, xstep, rs int, lo, hi float32, doClamp bool) {
	cv := c &^ 3
	if simd && npix > 0 && cv > 0 {
		_, _ = out[(npix-1)*c+c-1], in[2*rs+(npix-1)*xstep+3*c-1]
		_, _ = w[9*c-1], bias[c-1]
		cl := 0
		if doClamp {
			cl = 1
		}
		dw3x3SIMD(&out[0], &in[0], &w[0], &bias[0], npix, c, cv, xstep, rs, lo, hi, cl)
		if cv == c {
			return
		}
	} else {
		cv = 0
	}
	dw3x3Go(out, in, w, bias, npix, c, cv, xstep, rs, lo, hi, doClamp)
}

// max2x2SIMD is max2x2Go with AVX2 or NEON.
//
//go:noescape
func max2x2SIMD(out, r0, r1 *float32, ow, c int)

// max2x2 computes one output row of a 2x2, stride-2 max pool (see
// max2x2Go).
func max2x2(simd bool, out, r0, r1 []float32, ow, c int) {
	if simd && ow > 0 && c > 0 {
		_, _, _ = out[ow*c-1], r0[2*ow*c-1], r1[2*ow*c-1]
		max2x2SIMD(&out[0], &r0[0], &r1[0], ow, c)
		return
	}
	max2x2Go(out, r0, r1, ow, c)
}
