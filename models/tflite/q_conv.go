package tflite

// Integer convolution kernels (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED)
// with TFLite's semantics: int32 accumulation of (input − input zero point)
// · (weight − weight zero point), plus the int32 bias, requantised per output
// channel with multiplyByQuantizedMultiplier, plus the output zero point,
// clamped to the activation range. Taps in the padding are skipped, which
// equals padding with the input zero point.

// qelem is the storage type of an 8-bit quantised tensor.
type qelem interface{ ~int8 | ~uint8 }

// requant is the output stage shared by the integer kernels.
type requant struct {
	mult   []int32 // per output channel (one entry repeated for per-tensor)
	shift  []int
	outZP  int32
	lo, hi int32
	single bool // one rounding (multiplyByQuantizedMultiplierSingle)
}

func (r *requant) apply(acc int32, c int) int32 {
	var v int32
	if r.single {
		v = multiplyByQuantizedMultiplierSingle(acc, r.mult[c], r.shift[c])
	} else {
		v = multiplyByQuantizedMultiplier(acc, r.mult[c], r.shift[c])
	}
	v += r.outZP
	return min(max(v, r.lo), r.hi)
}

// packWeights converts 8-bit weights to int32 with the weight offset
// added, so the inner loops are plain int32 dot products.
func packWeights[T qelem](dst []int32, w []T, off int32) {
	for i, v := range w {
		dst[i] = int32(v) + off
	}
}

// qConv is CONV_2D on 8-bit tensors: filter [oc, kh, kw, ic]. Each output
// pixel gathers its patch of (input − zero point) once, with zeros for taps
// in the padding, and takes one dot product per output channel.
type qConv[T qelem] struct {
	g                convGeom
	in, filter, out  []T
	bias             []int32
	inOff, filterOff int32 // −zero point of input and filter
	rq               requant
	w32              []int32 // [oc][kh·kw·ic] filter + filterOff
	packed           bool    // w32 filled at prepare (constant filter)
	patch            []int32 // [kh·kw·ic] scratch
}

func newQConv[T qelem](g convGeom, in, filter, out []T, bias []int32, inOff, filterOff int32, rq requant, constant bool) *qConv[T] {
	k := &qConv[T]{g: g, in: in, filter: filter, out: out, bias: bias, inOff: inOff, filterOff: filterOff, rq: rq,
		w32: make([]int32, len(filter)), patch: make([]int32, g.kh*g.kw*g.ic)}
	if constant {
		packWeights(k.w32, filter, filterOff)
		k.packed = true
	}
	return k
}

func (k *qConv[T]) run() {
	g := &k.g
	if !k.packed {
		packWeights(k.w32, k.filter, k.filterOff)
	}
	kk := len(k.patch)
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				p := k.patch[:0]
				for ky := 0; ky < g.kh; ky++ {
					iy := oy*g.sh - g.padT + ky*g.dh
					for kx := 0; kx < g.kw; kx++ {
						ix := ox*g.sw - g.padL + kx*g.dw
						if iy < 0 || iy >= g.ih || ix < 0 || ix >= g.iw {
							for range g.ic {
								p = append(p, 0) // padding equals the zero point
							}
							continue
						}
						for _, x := range k.in[((b*g.ih+iy)*g.iw+ix)*g.ic:][:g.ic] {
							p = append(p, int32(x)+k.inOff)
						}
					}
				}
				o := k.out[((b*g.oh+oy)*g.ow+ox)*g.oc:][:g.oc]
				for co := range o {
					acc := dot(p, k.w32[co*kk:])
					if k.bias != nil {
						acc += k.bias[co]
					}
					o[co] = T(k.rq.apply(acc, co))
				}
			}
		}
	}
}

// qDepthwise is DEPTHWISE_CONV_2D on 8-bit tensors: filter [1, kh, kw, oc]
// with oc = ic · mult; output channel c reads input channel c / mult. Each
// output pixel accumulates whole channel rows tap by tap.
type qDepthwise[T qelem] struct {
	g                convGeom
	mult             int
	in, filter, out  []T
	bias             []int32
	inOff, filterOff int32
	rq               requant
	w32              []int32 // [kh·kw][oc] filter + filterOff
	packed           bool
	acc              []int32 // [oc] scratch
}

func newQDepthwise[T qelem](g convGeom, in, filter, out []T, bias []int32, inOff, filterOff int32, rq requant, constant bool) *qDepthwise[T] {
	k := &qDepthwise[T]{g: g, mult: g.oc / g.ic, in: in, filter: filter, out: out, bias: bias, inOff: inOff, filterOff: filterOff,
		rq: rq, w32: make([]int32, len(filter)), acc: make([]int32, g.oc)}
	if constant {
		packWeights(k.w32, filter, filterOff)
		k.packed = true
	}
	return k
}

func (k *qDepthwise[T]) run() {
	g := &k.g
	if !k.packed {
		packWeights(k.w32, k.filter, k.filterOff)
	}
	acc, mult, inOff := k.acc, k.mult, k.inOff
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				seedBias(acc, k.bias)
				for ky := 0; ky < g.kh; ky++ {
					for kx := 0; kx < g.kw; kx++ {
						off, ok := g.tapOffset(b, oy, ox, ky, kx)
						if !ok {
							continue
						}
						x := k.in[off:][:g.ic]
						w := k.w32[(ky*g.kw+kx)*g.oc:][:g.oc]
						if mult == 1 {
							dwTap(acc, x, w, inOff)
							continue
						}
						for c := range acc {
							acc[c] += (int32(x[c/mult]) + inOff) * w[c]
						}
					}
				}
				o := k.out[((b*g.oh+oy)*g.ow+ox)*g.oc:][:g.oc]
				for c := range o {
					o[c] = T(k.rq.apply(acc[c], c))
				}
			}
		}
	}
}

// dwTap adds one depthwise tap over a row of channels:
// acc[c] += (x[c] + inOff) · w[c].
func dwTap[T qelem](acc []int32, x []T, w []int32, inOff int32) {
	acc = acc[:len(x)]
	w = w[:len(x)]
	for c, v := range x {
		acc[c] += (int32(v) + inOff) * w[c]
	}
}

// qFullyConnected is FULLY_CONNECTED on 8-bit tensors: rows of depth
// inputs times weights [units, depth].
type qFullyConnected[T qelem] struct {
	rows, depth, units int
	in, weights, out   []T
	bias               []int32
	inOff, filterOff   int32
	rq                 requant
	w32                []int32 // [units][depth] weights + filterOff
	packed             bool
	x32                []int32 // [depth] scratch: one input row − zero point
}

func newQFullyConnected[T qelem](rows, depth, units int, in, weights, out []T, bias []int32, inOff, filterOff int32, rq requant, constant bool) *qFullyConnected[T] {
	k := &qFullyConnected[T]{rows: rows, depth: depth, units: units, in: in, weights: weights, out: out, bias: bias,
		inOff: inOff, filterOff: filterOff, rq: rq, w32: make([]int32, len(weights)), x32: make([]int32, depth)}
	if constant {
		packWeights(k.w32, weights, filterOff)
		k.packed = true
	}
	return k
}

func (k *qFullyConnected[T]) run() {
	if !k.packed {
		packWeights(k.w32, k.weights, k.filterOff)
	}
	for r := 0; r < k.rows; r++ {
		for i, v := range k.in[r*k.depth:][:k.depth] {
			k.x32[i] = int32(v) + k.inOff
		}
		o := k.out[r*k.units:][:k.units]
		for u := range o {
			acc := dot(k.x32, k.w32[u*k.depth:])
			if k.bias != nil {
				acc += k.bias[u]
			}
			o[u] = T(k.rq.apply(acc, u))
		}
	}
}

func (k *qConv[T]) macs() int64 {
	g := &k.g
	return int64(g.n) * int64(g.oh*g.ow) * int64(g.oc) * int64(g.kh*g.kw*g.ic)
}

func (k *qDepthwise[T]) macs() int64 {
	g := &k.g
	return int64(g.n) * int64(g.oh*g.ow) * int64(g.oc) * int64(g.kh*g.kw)
}

func (k *qFullyConnected[T]) macs() int64 { return int64(k.rows) * int64(k.depth) * int64(k.units) }
