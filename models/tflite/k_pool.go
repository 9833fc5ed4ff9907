package tflite

import "math"

// pool2D is MAX_POOL_2D or AVERAGE_POOL_2D. Padding cells never take part:
// a max ignores them and an average divides by the number of real cells.
type pool2D struct {
	g       convGeom
	isMax   bool
	in, out []float32
	lo, hi  float32
	simd    bool
}

func (k *pool2D) run() {
	g := &k.g
	c := g.ic
	if k.isMax && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.padT == 0 && g.padL == 0 &&
		2*g.oh <= g.ih && 2*g.ow <= g.iw {
		k.runMax2x2()
		return
	}
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			y0 := oy*g.sh - g.padT
			y1 := min(y0+g.kh, g.ih)
			y0 = max(y0, 0)
			for ox := 0; ox < g.ow; ox++ {
				x0 := ox*g.sw - g.padL
				x1 := min(x0+g.kw, g.iw)
				x0 = max(x0, 0)
				o := k.out[((b*g.oh+oy)*g.ow+ox)*c:][:c]
				if k.isMax {
					for i := range o {
						o[i] = float32(math.Inf(-1))
					}
				} else {
					clear(o)
				}
				for iy := y0; iy < y1; iy++ {
					for ix := x0; ix < x1; ix++ {
						px := k.in[((b*g.ih+iy)*g.iw+ix)*c:][:c]
						if k.isMax {
							for i, v := range px {
								o[i] = max(o[i], v)
							}
						} else {
							for i, v := range px {
								o[i] += v
							}
						}
					}
				}
				if !k.isMax {
					if cnt := (y1 - y0) * (x1 - x0); cnt > 0 {
						inv := float32(cnt)
						for i := range o {
							o[i] /= inv
						}
					}
				}
				clampSlice(o, k.lo, k.hi)
			}
		}
	}
}

// runMax2x2 is run for the 2x2, stride-2 max pool without padding, as the
// BlazeFace detectors use it: each output row comes from two input rows
// (max2x2).
func (k *pool2D) runMax2x2() {
	g := &k.g
	c := g.ic
	for b := 0; b < g.n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			r0 := k.in[((b*g.ih+2*oy)*g.iw)*c:][:2*g.ow*c]
			r1 := k.in[((b*g.ih+2*oy+1)*g.iw)*c:][:2*g.ow*c]
			orow := k.out[((b*g.oh+oy)*g.ow)*c:][:g.ow*c]
			max2x2(k.simd, orow, r0, r1, g.ow, c)
			clampSlice(orow, k.lo, k.hi)
		}
	}
}

// max2x2Go sets out[ox·c + ch] to the maximum of r0 and r1 at input pixels
// 2·ox and 2·ox+1, channel ch, for ox < ow. Go's max is commutative and
// associative (NaN wins, +0 beats −0), so the order does not matter. It is
// the portable kernel and the reference for the assembly one.
func max2x2Go(out, r0, r1 []float32, ow, c int) {
	for ox := 0; ox < ow; ox++ {
		o := out[ox*c : ox*c+c]
		a0, a1 := r0[2*ox*c:][:c], r0[(2*ox+1)*c:][:c]
		b0, b1 := r1[2*ox*c:][:c], r1[(2*ox+1)*c:][:c]
		for i := range o {
			o[i] = max(max(a0[i], a1[i]), max(b0[i], b1[i]))
		}
	}
}
