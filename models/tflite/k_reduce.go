package tflite

import "math"

// mean is MEAN over a set of axes. Every input element is added to the
// output element its non-reduced coordinates select; sums are kept in
// float64 and divided once.
type mean struct {
	in, out []float32
	acc     []float64
	rank    int
	shape   [maxRank]int
	ostr    [maxRank]int // output stride per input axis (0 on reduced axes)
	count   float64
}

func newMean(in, out *Tensor, mask []bool) *mean {
	k := &mean{in: in.f32, out: out.f32, rank: len(in.shape), acc: make([]float64, out.Len())}
	copy(k.shape[:], in.shape)
	stride := 1
	k.count = 1
	for i := k.rank - 1; i >= 0; i-- {
		if mask[i] {
			k.count *= float64(in.shape[i])
			continue
		}
		k.ostr[i] = stride
		stride *= in.shape[i]
	}
	return k
}

func (k *mean) run() {
	clear(k.acc)
	if k.rank == 0 {
		k.acc[0] = float64(k.in[0])
	} else {
		var idx [maxRank]int
		o := 0
		last := k.rank - 1
		for i, v := range k.in {
			k.acc[o] += float64(v)
			_ = i
			for d := last; d >= 0; d-- {
				idx[d]++
				o += k.ostr[d]
				if idx[d] < k.shape[d] {
					break
				}
				o -= k.ostr[d] * k.shape[d]
				idx[d] = 0
			}
		}
	}
	for i, s := range k.acc {
		k.out[i] = float32(s / k.count)
	}
}

// lastAxis is SOFTMAX or L2_NORMALIZATION over the innermost axis.
type lastAxis struct {
	softmax bool
	beta    float32
	depth   int
	in, out []float32
	lo, hi  float32
}

func (k *lastAxis) run() {
	if k.depth == 0 {
		return
	}
	for r := 0; r < len(k.out); r += k.depth {
		x := k.in[r : r+k.depth]
		o := k.out[r : r+k.depth]
		if k.softmax {
			m := x[0]
			for _, v := range x {
				m = max(m, v)
			}
			var sum float32
			for i, v := range x {
				e := float32(math.Exp(float64((v - m) * k.beta)))
				o[i] = e
				sum += e
			}
			inv := 1 / sum
			for i := range o {
				o[i] *= inv
			}
			continue
		}
		var ss float32
		for _, v := range x {
			ss += v * v
		}
		norm := max(float32(math.Sqrt(float64(ss))), 1e-6)
		for i, v := range x {
			o[i] = v / norm
		}
		clampSlice(o, k.lo, k.hi)
	}
}

// dequantize expands a constant FLOAT16, INT8 or UINT8 tensor to float32:
// halves exactly, integers as scale·(q − zero_point), per tensor or per
// channel along the quantised dimension.
func dequantize(dst []float32, t *tensorDef) {
	if t.typ == Float16 {
		for i, h := range t.f16 {
			dst[i] = halfToFloat(h)
		}
		return
	}
	q := &t.quant
	inner, channels := 1, 1
	if len(q.Scale) > 1 {
		channels = t.shape[q.Dim]
		for _, d := range t.shape[q.Dim+1:] {
			inner *= d
		}
	}
	for i, b := range t.raw {
		c := (i / inner) % channels
		v := int64(int8(b))
		if t.typ == Uint8 {
			v = int64(b)
		}
		var zp int64
		if c < len(q.ZeroPoint) {
			zp = q.ZeroPoint[c]
		}
		dst[i] = q.Scale[c] * float32(v-zp)
	}
}

// halfToFloat converts IEEE 754 binary16 bits to float32, exactly,
// including subnormals, infinities and NaN.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0: // ±0
		return math.Float32frombits(sign)
	}
	// Subnormal half: value = mant · 2^-24, exactly representable.
	f := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		f = -f
	}
	return f
}
