package tflite

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestQuantizeMultiplier(t *testing.T) {
	for _, tc := range []struct {
		m     float64
		q     int32
		shift int
	}{
		{0, 0, 0},
		{0.5, 1 << 30, 0},
		{1, 1 << 30, 1},
		{0.75, 3 << 29, 0},
		{0.25, 1 << 30, -1},
		{3, 3 << 29, 2},
		{1 - 1e-12, 1 << 30, 1},              // rounds up to 2^31: halved, exponent bumped
		{math.Ldexp(0.5, -31), 1 << 30, -31}, // smallest kept
		{math.Ldexp(0.5, -32), 0, 0},         // flushed to zero
		{0.1, 1717986918, -3},
	} {
		q, s := quantizeMultiplier(tc.m)
		if q != tc.q || s != tc.shift {
			t.Errorf("quantizeMultiplier(%g) = (%d, %d), want (%d, %d)", tc.m, q, s, tc.q, tc.shift)
		}
	}
}

func TestRoundingPrimitives(t *testing.T) {
	for _, tc := range []struct{ a, b, want int32 }{
		{math.MinInt32, math.MinInt32, math.MaxInt32}, // the one overflow saturates
		{1 << 30, 1 << 30, 1 << 29},
		{3, 1 << 30, 2},   // 1.5 → 2 (ties away from zero)
		{-3, 1 << 30, -1}, // −1.5 → −1: gemmlowp's negative nudge is 1 − 2^30
		{5, 1 << 29, 1},   // 1.25 → 1
		{-5, 1 << 29, -1},
	} {
		if got := roundingDoublingHighMul(tc.a, tc.b); got != tc.want {
			t.Errorf("roundingDoublingHighMul(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	for _, tc := range []struct {
		x    int32
		exp  int
		want int32
	}{
		{5, 1, 3}, {-5, 1, -3}, {4, 1, 2}, {7, 2, 2}, {-7, 2, -2}, {6, 2, 2}, {-6, 2, -2},
		{math.MaxInt32, 31, 1}, {math.MinInt32, 31, -1}, {12345, 0, 12345},
	} {
		if got := roundingDivideByPOT(tc.x, tc.exp); got != tc.want {
			t.Errorf("roundingDivideByPOT(%d, %d) = %d, want %d", tc.x, tc.exp, got, tc.want)
		}
	}
}

// TestMultiplyByQuantizedMultiplier checks both rounding forms against
// exact rational arithmetic: one rounding is the nearest integer (ties up);
// two roundings may be off by one only where the exact value is within one
// first-stage step of a tie.
func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	// A double-rounding case seen against the official runtime: x·m =
	// 27.4988…, the first rounding lands on 27.5 and the second rounds up.
	if got, want := multiplyByQuantizedMultiplier(6992, 1081064656, -7), int32(28); got != want {
		t.Errorf("double rounding: got %d, want %d", got, want)
	}
	if got, want := multiplyByQuantizedMultiplierSingle(6992, 1081064656, -7), int32(27); got != want {
		t.Errorf("single rounding: got %d, want %d", got, want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		x := rng.Int32N(1<<22) - 1<<21
		q := 1<<30 + rng.Int32N(1<<30)
		shift := -rng.IntN(20)
		exact := float64(x) * float64(q) / math.Ldexp(1, 31-shift)
		single := multiplyByQuantizedMultiplierSingle(x, q, shift)
		if want := int32(math.Floor(exact + 0.5)); single != want {
			t.Fatalf("single(%d, %d, %d) = %d, want %d (exact %.6f)", x, q, shift, single, want, exact)
		}
		double := multiplyByQuantizedMultiplier(x, q, shift)
		if d := double - single; d < -1 || d > 1 {
			t.Fatalf("double(%d, %d, %d) = %d, single %d", x, q, shift, double, single)
		} else if d != 0 {
			frac := exact - math.Floor(exact)
			if math.Abs(frac-0.5) > math.Ldexp(1, shift)+1e-9 {
				t.Fatalf("double(%d, %d, %d) = %d, single %d, but exact %.9f is no near-tie", x, q, shift, double, single, exact)
			}
		}
	}
	// Positive exponents shift left first (TFLite wraps like int32).
	if got := multiplyByQuantizedMultiplier(100, 1<<30, 3); got != 400 {
		t.Errorf("left shift: got %d, want 400", got)
	}
	if got := multiplyByQuantizedMultiplierSingle(100, 1<<30, 3); got != 400 {
		t.Errorf("single left shift: got %d, want 400", got)
	}
}

func TestQActRange(t *testing.T) {
	for _, tc := range []struct {
		a      activation
		typ    DType
		scale  float32
		zp     int32
		lo, hi int32
	}{
		{actNone, Int8, 0.1, 3, -128, 127},
		{actRelu, Int8, 0.1, 3, 3, 127},
		{actRelu6, Int8, 0.1, -128, -128, -68},
		{actRelu1, Uint8, 0.01, 128, 28, 228},
		{actRelu6, Uint8, 1e-6, 0, 0, 255},    // 6/scale far outside: clamped before conversion
		{actRelu1, Int8, 0.004, 0, -128, 127}, // ±250 saturates at the type range
	} {
		lo, hi := qActRange(tc.a, tc.typ, tc.scale, tc.zp)
		if lo != tc.lo || hi != tc.hi {
			t.Errorf("qActRange(%v, %v, %g, %d) = [%d, %d], want [%d, %d]", tc.a, tc.typ, tc.scale, tc.zp, lo, hi, tc.lo, tc.hi)
		}
	}
}
