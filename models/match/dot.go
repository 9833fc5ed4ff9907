package match

// laneBytes is the padding unit of quantised rows: every row length is a
// multiple of it, which is what the SIMD kernel consumes per iteration.
const laneBytes = 32

// dotsInt8Generic computes out[i] = Σ_j q[j]·g[i*stride+j] for i < len(out),
// j < stride, in int32. It is the reference for the SIMD kernels.
func dotsInt8Generic(q, g []int8, stride int, out []int32) {
	q = q[:stride]
	for i := range out {
		row := g[i*stride : i*stride+stride]
		var s int32
		for j, x := range q {
			s += int32(x) * int32(row[j])
		}
		out[i] = s
	}
}

// dotsInt8 computes the same as dotsInt8Generic with the fastest kernel
// available. stride must be a positive multiple of laneBytes and g must hold
// len(out)*stride values.
func dotsInt8(q, g []int8, stride int, out []int32) {
	if len(out) == 0 {
		return
	}
	_ = q[stride-1]
	_ = g[len(out)*stride-1]
	if haveSIMD {
		dotsInt8SIMD(q, g, stride, out)
		return
	}
	dotsInt8Generic(q, g, stride, out)
}
