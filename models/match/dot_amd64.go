//go:build amd64 && !purego

package match

import "golang.org/x/sys/cpu"

// haveSIMD selects the AVX2 kernel.
var haveSIMD = cpu.X86.HasAVX2

// dotsInt8AVX2 is, for i < n:
//
//	var s int32
//	for j := 0; j < stride; j++ { s += int32(q[j]) * int32(gal[i*stride+j]) }
//	out[i] = s
//
// stride must be a positive multiple of 32.
//
//go:noescape
func dotsInt8AVX2(q, gal *int8, stride, n int, out *int32)

func dotsInt8SIMD(q, g []int8, stride int, out []int32) {
	dotsInt8AVX2(&q[0], &g[0], stride, len(out), &out[0])
}
