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

// qConv is CONV_2D on 8-bit tensors: filter [oc, kh, kw, ic].
type qConv[T qelem] struct {
	g                convGeom
	in, filter, out  []T
	bias             []int32
	inOff, filterOff int32 // −zero point of input and filter
	rq               requant
}

func (k *qConv[T]) run() {
	g := &k.g
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				o := k.out[((b*g.oh+oy)*g.ow+ox)*g.oc:][:g.oc]
				for co := range o {
					var acc int32
					for ky := 0; ky < g.kh; ky++ {
						iy := oy*g.sh - g.padT + ky*g.dh
						if iy < 0 || iy >= g.ih {
							continue
						}
						for kx := 0; kx < g.kw; kx++ {
							ix := ox*g.sw - g.padL + kx*g.dw
							if ix < 0 || ix >= g.iw {
								continue
							}
							px := k.in[((b*g.ih+iy)*g.iw+ix)*g.ic:][:g.ic]
							w := k.filter[((co*g.kh+ky)*g.kw+kx)*g.ic:][:g.ic]
							for ci, x := range px {
								acc += (int32(x) + k.inOff) * (int32(w[ci]) + k.filterOff)
							}
						}
					}
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
// with oc = ic · mult; output channel c reads input channel c / mult.
type qDepthwise[T qelem] struct {
	g                convGeom
	mult             int
	in, filter, out  []T
	bias             []int32
	inOff, filterOff int32
	rq               requant
}

func (k *qDepthwise[T]) run() {
	g := &k.g
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				o := k.out[((b*g.oh+oy)*g.ow+ox)*g.oc:][:g.oc]
				for c := range o {
					var acc int32
					for ky := 0; ky < g.kh; ky++ {
						iy := oy*g.sh - g.padT + ky*g.dh
						if iy < 0 || iy >= g.ih {
							continue
						}
						for kx := 0; kx < g.kw; kx++ {
							ix := ox*g.sw - g.padL + kx*g.dw
							if ix < 0 || ix >= g.iw {
								continue
							}
							x := int32(k.in[((b*g.ih+iy)*g.iw+ix)*g.ic+c/k.mult])
							w := int32(k.filter[(ky*g.kw+kx)*g.oc+c])
							acc += (x + k.inOff) * (w + k.filterOff)
						}
					}
					if k.bias != nil {
						acc += k.bias[c]
					}
					o[c] = T(k.rq.apply(acc, c))
				}
			}
		}
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
}

func (k *qFullyConnected[T]) run() {
	for r := 0; r < k.rows; r++ {
		x := k.in[r*k.depth:][:k.depth]
		o := k.out[r*k.units:][:k.units]
		for u := range o {
			w := k.weights[u*k.depth:][:k.depth]
			var acc int32
			for i, v := range x {
				acc += (int32(v) + k.inOff) * (int32(w[i]) + k.filterOff)
			}
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
