package tflite

import "math"

// Convolution kernels: the portable reference path.

// convGeom is the geometry shared by CONV_2D, DEPTHWISE_CONV_2D and the
// pooling operators. Input is NHWC [n, ih, iw, ic], output [n, oh, ow, oc].
type convGeom struct {
	n, ih, iw, ic  int
	oh, ow, oc     int
	kh, kw         int
	sh, sw, dh, dw int
	padT, padL     int
}

// tapOffset returns the offset in the NHWC input of the pixel under
// filter tap (ky, kx) of output pixel (b, oy, ox), and false when the tap
// falls in the padding.
func (g *convGeom) tapOffset(b, oy, ox, ky, kx int) (int, bool) {
	iy := oy*g.sh - g.padT + ky*g.dh
	ix := ox*g.sw - g.padL + kx*g.dw
	if iy < 0 || iy >= g.ih || ix < 0 || ix >= g.iw {
		return 0, false
	}
	return ((b*g.ih+iy)*g.iw + ix) * g.ic, true
}

func newGeom(in, out []int, kh, kw int, o *opOptions) convGeom {
	g := convGeom{n: in[0], ih: in[1], iw: in[2], ic: in[3], oh: out[1], ow: out[2], oc: out[3],
		kh: kh, kw: kw, sh: o.strideH, sw: o.strideW, dh: o.dilH, dw: o.dilW}
	_, g.padT, _ = windowOut(g.ih, kh, g.sh, g.dh, o.padding)
	_, g.padL, _ = windowOut(g.iw, kw, g.sw, g.dw, o.padding)
	return g
}

// conv2D is CONV_2D with filter [oc, kh, kw, ic] and optional bias [oc].
type conv2D struct {
	g                     convGeom
	in, filter, bias, out []float32
	lo, hi                float32
}

// run computes, for every output pixel and channel co,
//
//	out = act(bias[co] + Σ_{ky,kx,ci} in[iy, ix, ci] · filter[co, ky, kx, ci])
//
// with iy = oy·sh − padT + ky·dh (likewise ix), skipping taps that fall in
// the padding.
func (k *conv2D) run() {
	g := &k.g
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				o := k.out[((b*g.oh+oy)*g.ow+ox)*g.oc:][:g.oc]
				seedBias(o, k.bias)
				for ky := 0; ky < g.kh; ky++ {
					for kx := 0; kx < g.kw; kx++ {
						off, ok := g.tapOffset(b, oy, ox, ky, kx)
						if !ok {
							continue
						}
						px := k.in[off:][:g.ic]
						for co := range o {
							o[co] += dot(px, k.filter[((co*g.kh+ky)*g.kw+kx)*g.ic:][:g.ic])
						}
					}
				}
				clampSlice(o, k.lo, k.hi)
			}
		}
	}
}

// depthwiseConv2D is DEPTHWISE_CONV_2D with filter [1, kh, kw, oc],
// oc = ic · mult, and optional bias [oc]. Filter taps are channel-contiguous
// rows, so with mult = 1 each tap is one multiply-accumulate over a row of
// channels (dwRow, SIMD where available). A 3x3, dilation-1 filter has its
// own kernel for the pixels whose taps are all inside the input (dw3x3).
type depthwiseConv2D struct {
	g                     convGeom
	mult                  int
	in, filter, bias, out []float32
	zeros                 []float32 // bias for dw3x3 when the op has none
	lo, hi                float32
	simd                  bool
}

func newDepthwise(g convGeom, in, filter, bias, out []float32, lo, hi float32, simd bool) *depthwiseConv2D {
	k := &depthwiseConv2D{g: g, mult: g.oc / max(g.ic, 1), in: in, filter: filter, bias: bias, out: out, lo: lo, hi: hi, simd: simd}
	if bias == nil {
		k.zeros = make([]float32, g.oc)
	}
	return k
}

// interior3x3 returns the output columns [xa, xb) whose 3x3 taps are all
// inside the input, or an empty range if the 3x3 kernel does not apply.
func (k *depthwiseConv2D) interior3x3() (xa, xb int) {
	g := &k.g
	if k.mult != 1 || g.kh != 3 || g.kw != 3 || g.dh != 1 || g.dw != 1 {
		return 0, 0
	}
	xa = (g.padL + g.sw - 1) / g.sw
	if g.iw-3+g.padL < 0 {
		return xa, xa
	}
	xb = min(g.ow, (g.iw-3+g.padL)/g.sw+1)
	return xa, max(xa, xb)
}

// run computes out[oy, ox, c·mult+m] = act(bias + Σ_{ky,kx} in[iy, ix, c] ·
// filter[ky, kx, c·mult+m]), skipping padding taps, summing in ky, kx order.
func (k *depthwiseConv2D) run() { k.rows(0, k.g.n*k.g.oh) }

// split returns the number of chunks of output rows for nw workers, or 0
// if the operator is too small to split; chunks need no scratch.
func (k *depthwiseConv2D) split(nw int) int {
	g := &k.g
	if g.n*g.oh < 2 || int64(g.n*g.oh*g.ow)*int64(g.oc)*int64(g.kh*g.kw) < splitMinMACs {
		return 0
	}
	return chunkCount(g.n*g.oh, nw)
}

// runChunk computes chunk i of n of the output rows.
func (k *depthwiseConv2D) runChunk(_, i, n int) { k.rows(chunkRange(k.g.n*k.g.oh, i, n)) }

// rows computes output rows [r0, r1) of all images, row r being row r mod
// oh of image r / oh. Each row is computed the same way whatever the range.
func (k *depthwiseConv2D) rows(r0, r1 int) {
	g := &k.g
	if k.mult != 1 {
		k.runMult(r0, r1)
		return
	}
	c := g.oc
	xa, xb := k.interior3x3()
	bias := k.bias
	if bias == nil {
		bias = k.zeros
	}
	doClamp := !(math.IsInf(float64(k.lo), -1) && math.IsInf(float64(k.hi), 1))
	for r := r0; r < r1; r++ {
		b, oy := r/g.oh, r%g.oh
		iy := oy*g.sh - g.padT
		if xa >= xb || iy < 0 || iy+2 >= g.ih {
			k.rowRange(b, oy, 0, g.ow)
			continue
		}
		k.rowRange(b, oy, 0, xa)
		out := k.out[((b*g.oh+oy)*g.ow+xa)*c:]
		in := k.in[((b*g.ih+iy)*g.iw+xa*g.sw-g.padL)*c:]
		dw3x3(k.simd, out, in, k.filter, bias, xb-xa, c, g.sw*c, g.iw*c, k.lo, k.hi, doClamp)
		k.rowRange(b, oy, xb, g.ow)
	}
}

// rowRange computes output pixels [xa, xb) of row oy of image b a tap at a
// time: each filter tap is accumulated over the run of those pixels whose
// input pixel is inside the image (dwRow).
func (k *depthwiseConv2D) rowRange(b, oy, xa, xb int) {
	g := &k.g
	c := g.oc
	if xa >= xb {
		return
	}
	row := k.out[((b*g.oh+oy)*g.ow)*c:][:g.ow*c]
	if k.bias != nil {
		for ox := xa; ox < xb; ox++ {
			copy(row[ox*c:(ox+1)*c], k.bias)
		}
	} else {
		clear(row[xa*c : xb*c])
	}
	for ky := 0; ky < g.kh; ky++ {
		iy := oy*g.sh - g.padT + ky*g.dh
		if iy < 0 || iy >= g.ih {
			continue
		}
		in := k.in[((b*g.ih+iy)*g.iw)*c:][:g.iw*c]
		for kx := 0; kx < g.kw; kx++ {
			// Output pixels ox whose input ix = ox·sw − padL + kx·dw is inside [0, iw).
			shift := g.padL - kx*g.dw
			ox0 := max(0, (shift+g.sw-1)/g.sw)
			if shift < 0 {
				ox0 = 0
			}
			ox1 := min(g.ow, (g.iw-1+shift)/g.sw+1)
			if g.iw-1+shift < 0 {
				continue
			}
			ox0, ox1 = max(ox0, xa), min(ox1, xb)
			if ox0 >= ox1 {
				continue
			}
			ix0 := ox0*g.sw - shift
			dwRow(k.simd, row[ox0*c:], in[ix0*c:], k.filter[(ky*g.kw+kx)*c:][:c], ox1-ox0, c, g.sw*c)
		}
	}
	clampSlice(row[xa*c:xb*c], k.lo, k.hi)
}

// runMult is the general depthwise loop for a depth multiplier above 1,
// over output rows [r0, r1) as in rows.
func (k *depthwiseConv2D) runMult(r0, r1 int) {
	g := &k.g
	for r := r0; r < r1; r++ {
		b, oy := r/g.oh, r%g.oh
		for ox := 0; ox < g.ow; ox++ {
			o := k.out[((b*g.oh+oy)*g.ow+ox)*g.oc:][:g.oc]
			seedBias(o, k.bias)
			for ky := 0; ky < g.kh; ky++ {
				for kx := 0; kx < g.kw; kx++ {
					off, ok := g.tapOffset(b, oy, ox, ky, kx)
					if !ok {
						continue
					}
					px := k.in[off:][:g.ic]
					w := k.filter[(ky*g.kw+kx)*g.oc:][:g.oc]
					for c, v := range px {
						oc := o[c*k.mult:][:k.mult]
						wc := w[c*k.mult:][:k.mult]
						for m := range oc {
							oc[m] += v * wc[m]
						}
					}
				}
			}
			clampSlice(o, k.lo, k.hi)
		}
	}
}

// fullyConnected is FULLY_CONNECTED: out[r, m] = act(bias[m] + Σ_k in[r, k]
// · weights[m, k]).
type fullyConnected struct {
	rows, depth, nUnits    int
	in, weights, bias, out []float32
	lo, hi                 float32
}

func (k *fullyConnected) run() { k.units(0, k.nUnits) }

// split returns the number of chunks of output units for nw workers, or 0
// if the operator is too small to split; chunks need no scratch.
func (k *fullyConnected) split(nw int) int {
	if k.nUnits < 2 || int64(k.rows)*int64(k.depth)*int64(k.nUnits) < splitMinMACs {
		return 0
	}
	return chunkCount(k.nUnits, nw)
}

// runChunk computes chunk i of n of the output units, for every row.
func (k *fullyConnected) runChunk(_, i, n int) { k.units(chunkRange(k.nUnits, i, n)) }

// units computes output units [u0, u1) of every row.
func (k *fullyConnected) units(u0, u1 int) {
	for r := 0; r < k.rows; r++ {
		x := k.in[r*k.depth:][:k.depth]
		o := k.out[r*k.nUnits+u0 : r*k.nUnits+u1]
		for i := range o {
			m := u0 + i
			v := dot(x, k.weights[m*k.depth:][:k.depth])
			if k.bias != nil {
				v += k.bias[m]
			}
			o[i] = v
		}
		clampSlice(o, k.lo, k.hi)
	}
}

// dot returns Σ a[i]·b[i] over len(a) elements; b must be at least as
// long. For int32 the sums wrap like TFLite's int32 accumulators.
func dot[T int32 | float32](a, b []T) T {
	b = b[:len(a)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// seedBias sets dst to bias, or to zeros when there is no bias.
func seedBias[T int32 | float32](dst, bias []T) {
	if bias == nil {
		clear(dst)
		return
	}
	copy(dst, bias)
}
