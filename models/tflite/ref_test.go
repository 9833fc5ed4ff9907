package tflite

import "math"

// Naive float64 reference implementations, written from the TFLite operator
// definitions independently of the kernels under test.

func refOut(in, k, s, d int, same bool) (out, before int) {
	eff := (k-1)*d + 1
	if same {
		out = (in + s - 1) / s
	} else {
		out = (in-eff)/s + 1
	}
	total := (out-1)*s + eff - in
	if total < 0 {
		total = 0
	}
	return out, total / 2
}

func refAct(v float64, a activation) float64 {
	switch a {
	case actRelu:
		return math.Max(v, 0)
	case actRelu6:
		return math.Min(math.Max(v, 0), 6)
	case actRelu1:
		return math.Min(math.Max(v, -1), 1)
	}
	return v
}

type refConvArgs struct {
	in     []float32
	inS    []int // NHWC
	w      []float32
	wS     []int // conv: [O,KH,KW,I]; depthwise: [1,KH,KW,O]
	bias   []float32
	sh, sw int
	dh, dw int
	same   bool
	act    activation
	depth  bool
}

func refConv(a refConvArgs) ([]float32, []int) {
	n, ih, iw, ic := a.inS[0], a.inS[1], a.inS[2], a.inS[3]
	kh, kw := a.wS[1], a.wS[2]
	oc := a.wS[0]
	if a.depth {
		oc = a.wS[3]
	}
	oh, pt := refOut(ih, kh, a.sh, a.dh, a.same)
	ow, pl := refOut(iw, kw, a.sw, a.dw, a.same)
	out := make([]float32, n*oh*ow*oc)
	for b := 0; b < n; b++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for o := 0; o < oc; o++ {
					var s float64
					if a.bias != nil {
						s = float64(a.bias[o])
					}
					for ky := 0; ky < kh; ky++ {
						for kx := 0; kx < kw; kx++ {
							iy, ix := y*a.sh-pt+ky*a.dh, x*a.sw-pl+kx*a.dw
							if iy < 0 || iy >= ih || ix < 0 || ix >= iw {
								continue
							}
							if a.depth {
								c := o / (oc / ic)
								s += float64(a.in[((b*ih+iy)*iw+ix)*ic+c]) * float64(a.w[(ky*kw+kx)*oc+o])
								continue
							}
							for c := 0; c < ic; c++ {
								s += float64(a.in[((b*ih+iy)*iw+ix)*ic+c]) * float64(a.w[((o*kh+ky)*kw+kx)*ic+c])
							}
						}
					}
					out[((b*oh+y)*ow+x)*oc+o] = float32(refAct(s, a.act))
				}
			}
		}
	}
	return out, []int{n, oh, ow, oc}
}

func refPool(in []float32, s []int, fh, fw, sh, sw int, same, isMax bool) ([]float32, []int) {
	n, ih, iw, c := s[0], s[1], s[2], s[3]
	oh, pt := refOut(ih, fh, sh, 1, same)
	ow, pl := refOut(iw, fw, sw, 1, same)
	out := make([]float32, n*oh*ow*c)
	for b := 0; b < n; b++ {
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				for ch := 0; ch < c; ch++ {
					acc, cnt := math.Inf(-1), 0
					if !isMax {
						acc = 0
					}
					for ky := 0; ky < fh; ky++ {
						for kx := 0; kx < fw; kx++ {
							iy, ix := y*sh-pt+ky, x*sw-pl+kx
							if iy < 0 || iy >= ih || ix < 0 || ix >= iw {
								continue
							}
							v := float64(in[((b*ih+iy)*iw+ix)*c+ch])
							if isMax {
								acc = math.Max(acc, v)
							} else {
								acc += v
							}
							cnt++
						}
					}
					if !isMax {
						acc /= float64(cnt)
					}
					out[((b*oh+y)*ow+x)*c+ch] = float32(acc)
				}
			}
		}
	}
	return out, []int{n, oh, ow, c}
}

// refIndex converts a flat index in shape out to a flat index in shape s
// under NumPy broadcasting.
func refIndex(i int, out, s []int) int {
	idx := make([]int, len(out))
	for d := len(out) - 1; d >= 0; d-- {
		idx[d] = i % out[d]
		i /= out[d]
	}
	j := 0
	for d := range s {
		od := d + len(out) - len(s)
		v := idx[od]
		if s[d] == 1 {
			v = 0
		}
		j = j*s[d] + v
	}
	return j
}

func refBroadcast(a []float32, as []int, b []float32, bs []int, f func(x, y float64) float64) ([]float32, []int) {
	n := max(len(as), len(bs))
	out := make([]int, n)
	for i := range out {
		da, db := 1, 1
		if k := i - (n - len(as)); k >= 0 {
			da = as[k]
		}
		if k := i - (n - len(bs)); k >= 0 {
			db = bs[k]
		}
		out[i] = max(da, db)
	}
	res := make([]float32, numElements(out))
	for i := range res {
		res[i] = float32(f(float64(a[refIndex(i, out, as)]), float64(b[refIndex(i, out, bs)])))
	}
	return res, out
}

func refResize(in []float32, s []int, oh, ow int, align, half bool) []float32 {
	n, ih, iw, c := s[0], s[1], s[2], s[3]
	scale := func(i, o int) float64 {
		if align && o > 1 {
			return float64(i-1) / float64(o-1)
		}
		return float64(i) / float64(o)
	}
	sy, sx := scale(ih, oh), scale(iw, ow)
	out := make([]float32, n*oh*ow*c)
	src := func(d int, sc float64) float64 {
		if half {
			return (float64(d)+0.5)*sc - 0.5
		}
		return float64(d) * sc
	}
	for b := 0; b < n; b++ {
		for y := 0; y < oh; y++ {
			fy := src(y, sy)
			y0, y1 := max(int(math.Floor(fy)), 0), min(int(math.Ceil(fy)), ih-1)
			dy := fy - float64(y0)
			for x := 0; x < ow; x++ {
				fx := src(x, sx)
				x0, x1 := max(int(math.Floor(fx)), 0), min(int(math.Ceil(fx)), iw-1)
				dx := fx - float64(x0)
				for ch := 0; ch < c; ch++ {
					at := func(yy, xx int) float64 { return float64(in[((b*ih+yy)*iw+xx)*c+ch]) }
					v := at(y0, x0)*(1-dy)*(1-dx) + at(y1, x0)*dy*(1-dx) + at(y0, x1)*(1-dy)*dx + at(y1, x1)*dy*dx
					out[((b*oh+y)*ow+x)*c+ch] = float32(v)
				}
			}
		}
	}
	return out
}
