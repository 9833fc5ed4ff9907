package tflite

import "math"

// pool2D is MAX_POOL_2D or AVERAGE_POOL_2D. Padding cells never take part:
// a max ignores them and an average divides by the number of real cells.
type pool2D struct {
	g       convGeom
	isMax   bool
	in, out []float32
	lo, hi  float32
}

func (k *pool2D) run() {
	g := &k.g
	c := g.ic
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
