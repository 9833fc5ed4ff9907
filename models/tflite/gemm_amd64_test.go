//go:build !purego

package tflite

// gemmTileAsm runs the AVX2 GEMM tile kernel for an nr-wide panel (gemmNR
// or gemmNR/2) for the shared assembly tests in simd_test.go.
func gemmTileAsm(nr, k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int) {
	if nr == gemmNR {
		gemm6x16AVX2(k, a, lda, b, bias, c, ldc, lo, hi, clamp)
	} else {
		gemm6x8AVX2(k, a, lda, b, bias, c, ldc, lo, hi, clamp)
	}
}
