package tflite

// Data-movement kernels: PAD, CONCATENATION, RESIZE_BILINEAR.

// pad is PAD with zeros. Input rows along the last axis are copied into a
// zeroed output.
type pad struct {
	in, out []float32
	rank    int
	inShape [maxRank]int
	outStr  [maxRank]int // output strides
	before  [maxRank]int
}

func newPad(in, out *Tensor, paddings []int32) *pad {
	k := &pad{in: in.f32, out: out.f32, rank: len(in.shape)}
	copy(k.inShape[:], in.shape)
	stride := 1
	for i := k.rank - 1; i >= 0; i-- {
		k.outStr[i] = stride
		stride *= out.shape[i]
		k.before[i] = int(paddings[2*i])
	}
	return k
}

func (k *pad) run() {
	clear(k.out)
	if len(k.in) == 0 {
		return
	}
	if k.rank == 0 {
		k.out[0] = k.in[0]
		return
	}
	last := k.rank - 1
	row := k.inShape[last]
	base := 0
	for d := 0; d < k.rank; d++ {
		base += k.before[d] * k.outStr[d]
	}
	var idx [maxRank]int
	o := base
	for i := 0; i < len(k.in); i += row {
		copy(k.out[o:o+row], k.in[i:i+row])
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			o += k.outStr[d]
			if idx[d] < k.inShape[d] {
				break
			}
			o -= k.outStr[d] * k.inShape[d]
			idx[d] = 0
		}
	}
}

// concat is CONCATENATION: for each of outer blocks, each input contributes
// a contiguous chunk of its axis-and-inner size.
type concat struct {
	ins    [][]float32
	chunks []int
	outer  int
	out    []float32
	lo, hi float32
}

func (k *concat) run() {
	o := 0
	for b := 0; b < k.outer; b++ {
		for j, in := range k.ins {
			c := k.chunks[j]
			copy(k.out[o:o+c], in[b*c:(b+1)*c])
			o += c
		}
	}
	clampSlice(k.out, k.lo, k.hi)
}

// resizeBilinear is RESIZE_BILINEAR with TFLite's coordinate rules:
// align_corners scales by (in−1)/(out−1); half_pixel_centers samples at
// (dst+0.5)·in/out − 0.5; the lower neighbour is max(floor(src), 0), the
// upper min(ceil(src), in−1), and the weight is src − lower.
type resizeBilinear struct {
	n, ih, iw, c, oh, ow int
	in, out              []float32
	// Precomputed per output row and column.
	y0, y1, x0, x1 []int
	dy, dx         []float32
}

func newResizeBilinear(in, out *Tensor, alignCorners, halfPixel bool) *resizeBilinear {
	k := &resizeBilinear{n: in.shape[0], ih: in.shape[1], iw: in.shape[2], c: in.shape[3],
		oh: out.shape[1], ow: out.shape[2], in: in.f32, out: out.f32}
	k.y0, k.y1, k.dy = resizeAxis(k.ih, k.oh, alignCorners, halfPixel)
	k.x0, k.x1, k.dx = resizeAxis(k.iw, k.ow, alignCorners, halfPixel)
	return k
}

func resizeAxis(in, out int, alignCorners, halfPixel bool) (lo, hi []int, w []float32) {
	scale := float32(in) / float32(out)
	if alignCorners && out > 1 {
		scale = float32(in-1) / float32(out-1)
	}
	lo, hi, w = make([]int, out), make([]int, out), make([]float32, out)
	for d := range out {
		var src float32
		if halfPixel {
			src = (float32(d)+0.5)*scale - 0.5
		} else {
			src = float32(d) * scale
		}
		f := floor32(src)
		lo[d] = max(int(f), 0)
		hi[d] = min(int(ceil32(src)), in-1)
		w[d] = src - float32(lo[d])
	}
	return lo, hi, w
}

func floor32(x float32) float32 {
	t := float32(int(x))
	if t > x {
		t--
	}
	return t
}

func ceil32(x float32) float32 {
	t := float32(int(x))
	if t < x {
		t++
	}
	return t
}

func (k *resizeBilinear) run() {
	c := k.c
	for b := 0; b < k.n; b++ {
		img := k.in[b*k.ih*k.iw*c:]
		for oy := 0; oy < k.oh; oy++ {
			dy := k.dy[oy]
			r0 := img[k.y0[oy]*k.iw*c:]
			r1 := img[k.y1[oy]*k.iw*c:]
			for ox := 0; ox < k.ow; ox++ {
				dx := k.dx[ox]
				p00 := r0[k.x0[ox]*c:][:c]
				p01 := r0[k.x1[ox]*c:][:c]
				p10 := r1[k.x0[ox]*c:][:c]
				p11 := r1[k.x1[ox]*c:][:c]
				o := k.out[((b*k.oh+oy)*k.ow+ox)*c:][:c]
				for i := range o {
					o[i] = p00[i]*(1-dy)*(1-dx) + p10[i]*dy*(1-dx) + p01[i]*(1-dy)*dx + p11[i]*dy*dx
				}
			}
		}
	}
}
