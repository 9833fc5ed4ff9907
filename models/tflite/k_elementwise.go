package tflite

import "math"

// actRange returns the clamp bounds of a fused activation.
func actRange(a activation) (lo, hi float32) {
	inf := float32(math.Inf(1))
	switch a {
	case actRelu:
		return 0, inf
	case actRelu1:
		return -1, 1
	case actRelu6:
		return 0, 6
	}
	return -inf, inf
}

// clampSlice clamps every element of x to [lo, hi] as TFLite's activations
// do (min(max(lo, v), hi) with std::max): NaN and −0 become lo when lo = 0.
// With infinite bounds (no activation) it does nothing.
func clampSlice(x []float32, lo, hi float32) {
	if math.IsInf(float64(lo), -1) && math.IsInf(float64(hi), 1) {
		return
	}
	if lo == 0 && !math.Signbit(float64(lo)) && hi > 0 {
		clampZeroTo(x, x, hi)
		return
	}
	for i, v := range x {
		x[i] = clamp(v, lo, hi)
	}
}

// clampZeroTo sets out[i] = clamp(x[i], +0, hi) for hi > 0 (RELU, RELU6)
// without branches: the sign of activations is unpredictable, and a
// mispredicted branch per element costs more than the arithmetic. It works
// on the bit patterns, which for non-negative floats order like integers.
func clampZeroTo(out, x []float32, hi float32) {
	hb := int64(math.Float32bits(hi))
	x = x[:len(out)]
	for i, v := range x {
		out[i] = clampZeroBits(v, hb)
	}
}

// clampZeroBits is one element of clampZeroTo, hb being the bit pattern of
// hi.
func clampZeroBits(v float32, hb int64) float32 {
	b := math.Float32bits(relu(v))
	// b < hb: keep b; else hi.
	m := uint32((int64(b) - hb) >> 63)
	return math.Float32frombits(b&m | uint32(hb)&^m)
}

// relu returns v if v > 0, else +0 (also for NaN), without a branch: the
// bit pattern is kept iff 1 ≤ bits ≤ +Inf's pattern.
func relu(v float32) float32 {
	b := math.Float32bits(v)
	return math.Float32frombits(b & uint32((int64(b-1)-0x7f800000)>>63))
}

// clamp is one element of clampSlice.
func clamp(v, lo, hi float32) float32 {
	if !(v > lo) {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

type binOp int8

const (
	binAdd binOp = iota
	binSub
	binMul
	binPrelu // x ≥ 0 ? x : alpha·x, with x = a and alpha = b
)

func (op binOp) apply(a, b float32) float32 {
	switch op {
	case binAdd:
		return a + b
	case binSub:
		return a - b
	case binMul:
		return a * b
	default:
		if a >= 0 {
			return a
		}
		return a * b
	}
}

// binaryFlat computes out[i] = op(a[i], b[i]) for equal-length slices.
func binaryFlat(op binOp, out, a, b []float32) {
	a, b = a[:len(out)], b[:len(out)]
	switch op {
	case binAdd:
		for i := range out {
			out[i] = a[i] + b[i]
		}
	case binSub:
		for i := range out {
			out[i] = a[i] - b[i]
		}
	case binMul:
		for i := range out {
			out[i] = a[i] * b[i]
		}
	default:
		for i := range out {
			out[i] = op.apply(a[i], b[i])
		}
	}
}

// binaryOp is ADD, SUB, MUL or PRELU with NumPy broadcasting.
//
// The operands are described by strides in the output's index space (0 on
// broadcast axes). Runs of the innermost axes where both operands are either
// contiguous or constant-over-the-run use flat loops.
type binaryOp struct {
	op        binOp
	a, b, out []float32
	lo, hi    float32
	rank      int
	shape     [maxRank]int
	sa, sb    [maxRank]int
	simd      bool
}

func newBinary(op binOp, a, b, out *Tensor, act activation, simd bool) *binaryOp {
	k := &binaryOp{op: op, a: a.f32, b: b.f32, out: out.f32, rank: len(out.shape), simd: simd}
	k.lo, k.hi = actRange(act)
	copy(k.shape[:], out.shape)
	k.sa = broadcastStrides(a.shape, out.shape)
	k.sb = broadcastStrides(b.shape, out.shape)
	return k
}

// broadcastStrides returns the element strides of shape s viewed in the
// index space of the (broadcast) shape out.
func broadcastStrides(s, out []int) [maxRank]int {
	var st [maxRank]int
	stride := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := i - (len(out) - len(s))
		if j >= 0 && s[j] != 1 {
			st[i] = stride
			stride *= s[j]
		}
	}
	return st
}

func (k *binaryOp) run() {
	n := len(k.out)
	switch {
	case n == 0:
		return
	case k.op == binAdd && len(k.a) == n && len(k.b) == n:
		addClamp(k.simd, k.out, k.a, k.b, k.lo, k.hi, !math.IsInf(float64(k.lo), -1) || !math.IsInf(float64(k.hi), 1))
		return
	case len(k.a) == n && len(k.b) == n:
		binaryFlat(k.op, k.out, k.a, k.b)
	case len(k.b) == n && n%len(k.a) == 0 && k.trailing(k.sa, len(k.a)):
		// a repeats with period len(a) (e.g. per-channel constants [C] over NHWC).
		for off := 0; off < n; off += len(k.a) {
			binaryFlat(k.op, k.out[off:off+len(k.a)], k.a, k.b[off:])
		}
	case len(k.a) == n && n%len(k.b) == 0 && k.trailing(k.sb, len(k.b)):
		for off := 0; off < n; off += len(k.b) {
			binaryFlat(k.op, k.out[off:off+len(k.b)], k.a[off:], k.b)
		}
	default:
		k.general()
	}
	clampSlice(k.out, k.lo, k.hi)
}

// trailing reports whether an operand with strides st and m elements covers
// exactly the innermost axes of the output, contiguously.
func (k *binaryOp) trailing(st [maxRank]int, m int) bool {
	prod := 1
	for i := k.rank - 1; i >= 0 && prod < m; i-- {
		if st[i] != prod {
			return false
		}
		prod *= k.shape[i]
	}
	return prod == m
}

// general walks the output with an odometer over all but the last axis.
func (k *binaryOp) general() {
	if k.rank == 0 {
		k.out[0] = k.op.apply(k.a[0], k.b[0])
		return
	}
	last := k.rank - 1
	inner := k.shape[last]
	var idx [maxRank]int
	ia, ib := 0, 0
	for o := 0; o < len(k.out); o += inner {
		sa, sb := k.sa[last], k.sb[last]
		for x := 0; x < inner; x++ {
			k.out[o+x] = k.op.apply(k.a[ia+x*sa], k.b[ib+x*sb])
		}
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			ia += k.sa[d]
			ib += k.sb[d]
			if idx[d] < k.shape[d] {
				break
			}
			ia -= k.sa[d] * k.shape[d]
			ib -= k.sb[d] * k.shape[d]
			idx[d] = 0
		}
	}
}

type unOp int8

const (
	unAbs unOp = iota
	unRelu
	unRelu6
	unLogistic
	unTanh
	unCopy
)

// unary is ABS, RELU, RELU6, LOGISTIC, TANH, or a plain copy (RESHAPE).
type unary struct {
	op      unOp
	in, out []float32
}

func (k *unary) run() {
	in := k.in[:len(k.out)]
	switch k.op {
	case unAbs:
		for i, v := range in {
			k.out[i] = math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
		}
	case unRelu:
		clampZeroTo(k.out, in, float32(math.Inf(1)))
	case unRelu6:
		clampZeroTo(k.out, in, 6)
	case unLogistic:
		for i, v := range in {
			k.out[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
	case unTanh:
		for i, v := range in {
			k.out[i] = float32(math.Tanh(float64(v)))
		}
	case unCopy:
		copy(k.out, in)
	}
}
