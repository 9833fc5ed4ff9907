package tflite

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestClampZeroTo checks the branch-free RELU/RELU6 clamp bit for bit
// against clamp on the special values (±0, ±Inf, NaNs of both signs,
// subnormals, the bounds and their neighbours) and on random bit patterns.
func TestClampZeroTo(t *testing.T) {
	special := []uint32{0, 1 << 31, 1, 1<<31 | 1, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
		0x7f800001, 0xff800001, 0x7fffffff, 0xffffffff, 0x007fffff, 0x807fffff, 0x3f800000, 0xbf800000}
	for _, hi := range []float32{6, 1, float32(math.Inf(1)), math.SmallestNonzeroFloat32, math.MaxFloat32} {
		hb := math.Float32bits(hi)
		x := make([]float32, 0, len(special)+4+1000)
		for _, b := range special {
			x = append(x, math.Float32frombits(b))
		}
		for _, b := range []uint32{hb - 1, hb, hb + 1, hb | 1<<31} {
			x = append(x, math.Float32frombits(b))
		}
		r := rand.New(rand.NewPCG(51, uint64(hb)))
		for range 1000 {
			x = append(x, math.Float32frombits(r.Uint32()))
		}
		got := make([]float32, len(x))
		clampZeroTo(got, x, hi)
		for i, v := range x {
			if want := clamp(v, 0, hi); math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("hi=%g: clamp(%#08x) = %#08x, want %#08x", hi, math.Float32bits(v), math.Float32bits(got[i]), math.Float32bits(want))
			}
		}
	}
}
