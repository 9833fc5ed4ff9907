//go:build !(amd64 || arm64) || purego

package tflite

// haveGemmSIMD is false: this build has only the portable kernels.
func haveGemmSIMD() bool { return false }

func (c *gemmConv) tileKernel(rows, nr int, a []float32, lda int, b, bias, dst []float32, ldc int) {
	c.tileGo(rows, nr, a, lda, b, bias, dst, ldc)
}

func dwRow(_ bool, dst, x, w []float32, npix, c, xstride int) { dwRowGo(dst, x, w, npix, c, xstride) }

func prelu(_ bool, out, x, alpha []float32) { preluGo(out, x, alpha) }

func addClamp(_ bool, out, a, b []float32, lo, hi float32, doClamp bool) {
	addClampGo(out, a, b, lo, hi, doClamp)
}

func dw3x3(_ bool, out, in, w, bias []float32, npix, c, xstep, rs int, lo, hi float32, doClamp bool) {
	dw3x3Go(out, in, w, bias, npix, c, 0, xstep, rs, lo, hi, doClamp)
}

func max2x2(_ bool, out, r0, r1 []float32, ow, c int) { max2x2Go(out, r0, r1, ow, c) }
