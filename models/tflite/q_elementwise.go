package tflite

import (
	"fmt"
	"math"
)

// addLeftShift is the headroom TFLite's 8-bit ADD gives both operands
// before rescaling them to a common scale.
const addLeftShift = 20

// addParams derives TFLite's 8-bit ADD rescaling: each input is brought to
// twice the larger input scale, the sum to the output scale. Every real
// multiplier must be below 1 (TFLite rejects the model otherwise).
func addParams(a, b, out *tensorDef) (m1 int32, s1 int, m2 int32, s2 int, mo int32, so int, err error) {
	sa, sb, sout := a.quant.Scale[0], b.quant.Scale[0], out.quant.Scale[0]
	twiceMax := 2 * float64(max(sa, sb))
	m1, s1 = quantizeMultiplier(float64(sa) / twiceMax)
	m2, s2 = quantizeMultiplier(float64(sb) / twiceMax)
	mo, so = quantizeMultiplier(twiceMax / float64(float32(1<<addLeftShift)*sout))
	if s1 > 0 || s2 > 0 || so > 0 {
		return 0, 0, 0, 0, 0, 0, fmt.Errorf("%w: ADD output scale %g too small for input scales %g and %g", ErrUnsupported, sout, sa, sb)
	}
	return m1, s1, m2, s2, mo, so, nil
}

// qAdd is ADD on 8-bit tensors with broadcasting.
type qAdd[T qelem] struct {
	a, b, out  []T
	aOff, bOff int32 // −zero points
	m1, m2     int32
	s1, s2     int
	rq         requant // one channel
	rank       int
	shape      [maxRank]int
	sa, sb     [maxRank]int
	flat       bool // same shapes: no index arithmetic
}

func (k *qAdd[T]) elem(x, y T) T {
	v1 := multiplyByQuantizedMultiplier((int32(x)+k.aOff)*(1<<addLeftShift), k.m1, k.s1)
	v2 := multiplyByQuantizedMultiplier((int32(y)+k.bOff)*(1<<addLeftShift), k.m2, k.s2)
	return T(k.rq.apply(v1+v2, 0))
}

func (k *qAdd[T]) run() {
	if k.flat {
		for i := range k.out {
			k.out[i] = k.elem(k.a[i], k.b[i])
		}
		return
	}
	var idx [maxRank]int
	ia, ib := 0, 0
	for i := range k.out {
		k.out[i] = k.elem(k.a[ia], k.b[ib])
		// Advance the multi-index, innermost axis first.
		for d := k.rank - 1; d >= 0; d-- {
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

// qQuantize is QUANTIZE from float32: round(x / scale) with ties away from
// zero, converted to int32, plus the zero point, saturated to the type's
// range. Like the official runtime on x86 and WebAssembly, a quotient that
// is NaN or outside the int32 range converts to MinInt32 (the C++ cast is
// undefined there; those targets produce the "integer indefinite"), and the
// zero-point addition wraps, so NaN, ±Inf and huge inputs give the
// type's minimum.
type qQuantize[T qelem] struct {
	in     []float32
	out    []T
	scale  float32
	zp     int32
	lo, hi int32
}

func (k *qQuantize[T]) run() {
	for i, x := range k.in {
		r := roundHalfAway(x / k.scale)
		v := int32(math.MinInt32)
		if r >= -(1<<31) && r < 1<<31 { // false for NaN
			v = int32(r)
		}
		v += k.zp // wraps like the runtime
		k.out[i] = T(min(max(v, k.lo), k.hi))
	}
}

// qDequantize is DEQUANTIZE of an 8-bit activation: scale · (q − zero
// point), rounded once to float32.
type qDequantize[T qelem] struct {
	in    []T
	out   []float32
	scale float64
	zp    int32
}

func (k *qDequantize[T]) run() {
	for i, q := range k.in {
		k.out[i] = float32(k.scale * float64(int32(q)-k.zp))
	}
}

// requantizeParams derives TFLite's requantising QUANTIZE (8-bit input):
// the effective scale input/output scale, in double precision, as a
// quantized multiplier and shift. TFLite applies a shift s > 0 as x·2^s in
// int32 (wrapping); from s = 32 on, the C++ shift is undefined, so such
// scale ratios (≥ 2^31) are rejected.
func requantizeParams(in, out *tensorDef) (mult int32, shift int, err error) {
	si, so := in.quant.Scale[0], out.quant.Scale[0]
	mult, shift = quantizeMultiplier(float64(si) / float64(so))
	if shift > 31 {
		return 0, 0, fmt.Errorf("%w: QUANTIZE input scale %g / output scale %g = %g is 2^31 or more (TFLite's fixed-point multiplier cannot hold it)",
			ErrUnsupported, si, so, float64(si)/float64(so))
	}
	return mult, shift, nil
}

// qRequantize is QUANTIZE from INT8 or UINT8 to INT8 or UINT8 (TFLite's
// Requantize): (x − input zero point) times the effective scale with
// TFLite's double rounding (multiplyByQuantizedMultiplier), plus the
// output zero point (wrapping), saturated to the output type's range.
//
// TFLite has a fast path for INT8 to UINT8 and back when the scales are
// equal (multiplier 2^30, shift 1) and the UINT8 zero point is the INT8 one
// plus 128: flipping the sign bit. The general path gives the same
// bytes there (the multiplier is then exact and nothing saturates);
// TestRequantizeFastPath checks it.
type qRequantize[I, O qelem] struct {
	in          []I
	out         []O
	mult        int32
	shift       int
	inZP, outZP int32
	lo, hi      int32
	flip        bool // the fast path: out = in XOR 0x80
}

func newRequantize[I, O qelem](in, out *Tensor, mult int32, shift int) *qRequantize[I, O] {
	k := &qRequantize[I, O]{in: view[I](in.q), out: view[O](out.q), mult: mult, shift: shift,
		inZP: int32(zeroPoint(&in.quant, 0)), outZP: int32(zeroPoint(&out.quant, 0))}
	k.lo, k.hi = qRange(out.typ)
	if mult == 1<<30 && shift == 1 && in.typ != out.typ {
		d := k.inZP - k.outZP
		k.flip = (in.typ == Int8 && d == -128) || (in.typ == Uint8 && d == 128)
	}
	return k
}

func (k *qRequantize[I, O]) run() {
	if k.flip {
		for i, x := range k.in {
			k.out[i] = O(uint8(x) ^ 0x80)
		}
		return
	}
	for i, x := range k.in {
		v := multiplyByQuantizedMultiplier(int32(x)-k.inZP, k.mult, k.shift) + k.outZP
		k.out[i] = O(min(max(v, k.lo), k.hi))
	}
}
