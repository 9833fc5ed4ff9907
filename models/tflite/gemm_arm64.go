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
// (see gemmTileGo). All pointers must cover the whole tile.
//
//go:noescape
func gemm6x16NEON(k int, a *float32, lda int, b, bias, c *float32, ldc int)

// gemm6x8NEON is gemm6x16NEON for an 8-wide panel (b[kk·8 + j], j < 8).
//
//go:noescape
func gemm6x8NEON(k int, a *float32, lda int, b, bias, c *float32, ldc int)

// tileKernel computes rows (≤ gemmMR) rows of one tile of a panel nr
// (gemmNR or 8) wide, clamped. The NEON kernels only run on full tiles; run
// routes partial ones through a zero-padded copy of A. The clamp is the
// portable one, applied to the tile just written.
func (c *gemmConv) tileKernel(rows, nr int, a, b, bias, dst []float32, ldc int) {
	if !c.simd || rows != gemmMR || c.k == 0 {
		c.tileGo(rows, nr, a, b, bias, dst, ldc)
		return
	}
	_ = a[(gemmMR-1)*c.k+c.k-1]
	_ = dst[(gemmMR-1)*ldc+nr-1]
	_ = b[c.k*nr-1]
	_ = bias[nr-1]
	if nr == gemmNR {
		gemm6x16NEON(c.k, &a[0], c.k, &b[0], &bias[0], &dst[0], ldc)
	} else {
		gemm6x8NEON(c.k, &a[0], c.k, &b[0], &bias[0], &dst[0], ldc)
	}
	if c.clamp {
		for r := 0; r < gemmMR; r++ {
			clampSlice(dst[r*ldc:r*ldc+nr], c.lo, c.hi)
		}
	}
}

func dwRow(_ bool, dst, x, w []float32, npix, c, xstride int) { dwRowGo(dst, x, w, npix, c, xstride) }

func prelu(_ bool, out, x, alpha []float32) { preluGo(out, x, alpha) }

func addClamp(_ bool, out, a, b []float32, lo, hi float32, doClamp bool) {
	addClampGo(out, a, b, lo, hi, doClamp)
}

// dw3x3NEON is dw3x3Go, without the clamp, for the channels below c4 (a
// multiple of 4).
//
//go:noescape
func dw3x3NEON(out, in, w, bias *float32, npix, c, c4, xstep, rs int)

// dw3x3 computes npix output pixels of a 3x3 depthwise convolution whose
// taps are all inside the input (see dw3x3Go): NEON for whole 4-channel
// slices, then the portable clamp; the portable kernel for the rest.
func dw3x3(simd bool, out, in, w, bias []float32, npix, c, xstep, rs int, lo, hi float32, doClamp bool) {
	c4 := c &^ 3
	if !simd || npix <= 0 || c4 == 0 {
		dw3x3Go(out, in, w, bias, npix, c, 0, xstep, rs, lo, hi, doClamp)
		return
	}
	_, _ = out[(npix-1)*c+c-1], in[2*rs+(npix-1)*xstep+3*c-1]
	_, _ = w[9*c-1], bias[c-1]
	dw3x3NEON(&out[0], &in[0], &w[0], &bias[0], npix, c, c4, xstep, rs)
	if doClamp {
		for p := 0; p < npix; p++ {
			clampSlice(out[p*c:p*c+c4], lo, hi)
		}
	}
	if c4 < c {
		dw3x3Go(out, in, w, bias, npix, c, c4, xstep, rs, lo, hi, doClamp)
	}
}

func max2x2(_ bool, out, r0, r1 []float32, ow, c int) { max2x2Go(out, r0, r1, ow, c) }
