//go:build !purego

package tflite

import "golang.org/x/sys/cpu"

// haveGemmSIMD reports whether the AVX2+FMA micro-kernel can run.
func haveGemmSIMD() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }

// gemm6x16AVX2 computes a full gemmMR×gemmNR tile with AVX2 and FMA:
//
//	for r < 6, j < 16: c[r·ldc + j] = bias[j] + Σ_{kk<k} a[r·lda + kk] · b[kk·16 + j]
//
// (see gemmTileGo). All pointers must cover the whole tile.
//
//go:noescape
func gemm6x16AVX2(k int, a *float32, lda int, b, bias, c *float32, ldc int)

// tileKernel computes rows (≤ gemmMR) rows of one tile. The SIMD kernel
// only runs on full tiles; run routes partial ones through the Go kernel.
func (c *gemmConv) tileKernel(rows int, a, b, bias, dst []float32, ldc int) {
	if c.simd && rows == gemmMR && c.k > 0 {
		_ = a[(gemmMR-1)*c.k+c.k-1]
		_ = dst[(gemmMR-1)*ldc+gemmNR-1]
		_ = b[c.k*gemmNR-1]
		gemm6x16AVX2(c.k, &a[0], c.k, &b[0], &bias[0], &dst[0], ldc)
		return
	}
	gemmTileGo(c.k, rows, a, c.k, b, bias, dst, ldc)
}

// fmaAccAVX2 is fmaAccGo with AVX2 and FMA: dst[i] += x[i]·w[i], i < n.
//
//go:noescape
func fmaAccAVX2(dst, x, w *float32, n int)

// fmaAcc adds x[i]·w[i] to dst[i] for every i < len(dst); x and w must be
// at least as long as dst.
func fmaAcc(simd bool, dst, x, w []float32) {
	if simd && len(dst) > 0 {
		_, _ = x[len(dst)-1], w[len(dst)-1]
		fmaAccAVX2(&dst[0], &x[0], &w[0], len(dst))
		return
	}
	fmaAccGo(dst, x, w)
}
