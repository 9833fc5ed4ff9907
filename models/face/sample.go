package face

import "math"

// sampler reads a frame at real-valued coordinates the way the reference
// preprocessing does: an optional box prefilter by an integer factor k (means
// of k×k blocks, trailing partial blocks dropped), then bilinear interpolation
// with pixel centres at i+0.5 and neighbour indices clamped to the image.
// The box image lives in a buffer reused across calls.
type sampler struct {
	src    Frame
	k      int
	bw, bh int
	box    []float64 // bw*bh*3 block means when k >= 2
	acc    []int32   // bw*3 block sums of one block row
}

// reset prepares s to sample src after prefiltering by k (k < 2: none).
func (s *sampler) reset(src Frame, k int) {
	s.src = src
	if k < 2 {
		s.k, s.bw, s.bh = 1, src.W, src.H
		return
	}
	bw, bh := src.W/k, src.H/k
	if bw < 1 || bh < 1 {
		// The frame is smaller than one block: prefiltering would leave nothing.
		s.k, s.bw, s.bh = 1, src.W, src.H
		return
	}
	s.k, s.bw, s.bh = k, bw, bh
	n := bw * bh * 3
	if cap(s.box) < n {
		s.box = make([]float64, n)
	}
	s.box = s.box[:n]
	if cap(s.acc) < bw*3 {
		s.acc = make([]int32, bw*3)
	}
	acc := s.acc[:bw*3]
	inv := 1 / float64(k*k)
	for by := 0; by < bh; by++ {
		clear(acc)
		for y := by * k; y < (by+1)*k; y++ {
			row := src.Pix[y*src.Stride : y*src.Stride+3*bw*k]
			for bx := 0; bx < bw; bx++ {
				var r, g, b int32
				blk := row[3*bx*k : 3*(bx+1)*k]
				for i := 0; i+2 < len(blk); i += 3 {
					r += int32(blk[i])
					g += int32(blk[i+1])
					b += int32(blk[i+2])
				}
				a := acc[3*bx : 3*bx+3]
				a[0] += r
				a[1] += g
				a[2] += b
			}
		}
		out := s.box[by*bw*3 : (by+1)*bw*3]
		for i, v := range acc {
			out[i] = float64(v) * inv
		}
	}
}

// at returns the bilinear sample at (x, y) in original-frame pixel
// coordinates.
func (s *sampler) at(x, y float64) (r, g, b float64) {
	fx := x/float64(s.k) - 0.5
	fy := y/float64(s.k) - 0.5
	x0f, y0f := math.Floor(fx), math.Floor(fy)
	wx, wy := fx-x0f, fy-y0f
	x0, y0 := clampInt(int(x0f), s.bw-1), clampInt(int(y0f), s.bh-1)
	x1, y1 := clampInt(int(x0f)+1, s.bw-1), clampInt(int(y0f)+1, s.bh-1)
	if s.k == 1 {
		p, st := s.src.Pix, s.src.Stride
		o00, o01 := y0*st+3*x0, y0*st+3*x1
		o10, o11 := y1*st+3*x0, y1*st+3*x1
		// Same association as the reference: rows first, then columns.
		r = (float64(p[o00])*(1-wx)+float64(p[o01])*wx)*(1-wy) + (float64(p[o10])*(1-wx)+float64(p[o11])*wx)*wy
		g = (float64(p[o00+1])*(1-wx)+float64(p[o01+1])*wx)*(1-wy) + (float64(p[o10+1])*(1-wx)+float64(p[o11+1])*wx)*wy
		b = (float64(p[o00+2])*(1-wx)+float64(p[o01+2])*wx)*(1-wy) + (float64(p[o10+2])*(1-wx)+float64(p[o11+2])*wx)*wy
		return r, g, b
	}
	p, st := s.box, 3*s.bw
	o00, o01 := y0*st+3*x0, y0*st+3*x1
	o10, o11 := y1*st+3*x0, y1*st+3*x1
	r = (p[o00]*(1-wx)+p[o01]*wx)*(1-wy) + (p[o10]*(1-wx)+p[o11]*wx)*wy
	g = (p[o00+1]*(1-wx)+p[o01+1]*wx)*(1-wy) + (p[o10+1]*(1-wx)+p[o11+1]*wx)*wy
	b = (p[o00+2]*(1-wx)+p[o01+2]*wx)*(1-wy) + (p[o10+2]*(1-wx)+p[o11+2]*wx)*wy
	return r, g, b
}

// clampInt clamps v to [0, hi].
func clampInt(v, hi int) int {
	if v < 0 {
		return 0
	}
	if v > hi {
		return hi
	}
	return v
}

// toU8 rounds half up and saturates to 0..255.
func toU8(v float64) uint8 {
	v = math.Floor(v + 0.5)
	switch {
	case v <= 0 || v != v:
		return 0
	case v >= 255:
		return 255
	}
	return uint8(v)
}
