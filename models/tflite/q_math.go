package tflite

import (
	"math"
)

// Fixed-point arithmetic of TFLite's integer kernels (the gemmlowp rules its
// reference kernels use, in the default double-rounding form): a real
// multiplier m is held as a Q0.31 significand and a power-of-two exponent,
// and applied to an int32 accumulator with two roundings, first a rounding
// doubling high multiply, then a rounding right shift.

// quantizeMultiplier splits m ≥ 0 into a Q0.31 significand in [2^30, 2^31)
// and an exponent with m ≈ q·2^(shift−31). Multipliers below about 2^-31
// flush to zero, as in TFLite.
func quantizeMultiplier(m float64) (q int32, shift int) {
	if m == 0 {
		return 0, 0
	}
	frac, exp := math.Frexp(m)
	qf := int64(math.Round(frac * (1 << 31))) // math.Round: half away from zero, like std::round
	if qf == 1<<31 {
		qf /= 2
		exp++
	}
	if exp < -31 {
		return 0, 0
	}
	return int32(qf), exp
}

// roundingDoublingHighMul returns the high 32 bits of 2·a·b, rounded to
// nearest with ties away from zero, saturating the one overflowing case.
func roundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - 1<<30
	}
	return int32((ab + nudge) / (1 << 31)) // Go's / truncates toward zero, like C++
}

// roundingDivideByPOT returns x / 2^exp rounded to nearest, ties away from
// zero (0 ≤ exp ≤ 31).
func roundingDivideByPOT(x int32, exp int) int32 {
	mask := int32(1)<<exp - 1 // wraps to MaxInt32 for exp = 31
	rem := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> exp
	if rem > threshold {
		r++
	}
	return r
}

// multiplyByQuantizedMultiplier returns x·q·2^(shift−31) with TFLite's
// double rounding: a left shift (for shift > 0) with int32 wrap-around, the
// rounding doubling high multiply, then a rounding right shift.
func multiplyByQuantizedMultiplier(x, q int32, shift int) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return roundingDivideByPOT(roundingDoublingHighMul(x*(1<<left), q), right)
}

// multiplyByQuantizedMultiplierSingle returns x·q·2^(shift−31) rounded
// once, to nearest with ties upward (TFLite's TFLITE_SINGLE_ROUNDING form).
func multiplyByQuantizedMultiplierSingle(x, q int32, shift int) int32 {
	total := 31 - shift
	if total <= 0 {
		return int32(int64(x) * int64(q) << -total)
	}
	return int32((int64(x)*int64(q) + 1<<(total-1)) >> total)
}

// roundHalfAway rounds to the nearest integer with ties away from zero
// (TfLiteRound, std::round).
func roundHalfAway(x float32) float32 {
	return float32(math.Round(float64(x)))
}

// qRange returns the representable range of a quantised type.
func qRange(t DType) (lo, hi int32) {
	if t == Uint8 {
		return 0, 255
	}
	return -128, 127
}

// qActRange returns the clamp range of a fused activation on the output's
// quantised grid: TFLite quantises 0, 6 and ±1 with the output's scale and
// zero point (rounding half away from zero) and intersects with the type's
// range.
func qActRange(a activation, t DType, scale float32, zp int32) (lo, hi int32) {
	lo, hi = qRange(t)
	quant := func(f float32) int32 {
		v := float64(zp) + float64(roundHalfAway(f/scale))
		return int32(min(max(v, float64(lo)), float64(hi))) // bounded before the conversion
	}
	switch a {
	case actRelu:
		lo = max(lo, quant(0))
	case actRelu6:
		lo, hi = max(lo, quant(0)), min(hi, quant(6))
	case actRelu1:
		lo, hi = max(lo, quant(-1)), min(hi, quant(1))
	}
	return lo, hi
}
