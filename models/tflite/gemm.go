package tflite

import "math"

// Convolution as matrix multiplication. A CONV_2D computes C = A·B where
// A [M×K] holds one row per output pixel (the input patch under the filter,
// K = kh·kw·ic, ordered ky, kx, ci), B [K×N] is the filter transposed
// (N = output channels) and C [M×N] is the NHWC output. A 1×1, stride-1,
// unpadded convolution reads A straight from the input; any other is
// gathered (im2col) a block of rows at a time into scratch memory.
//
// B is packed once, at NewInterpreter, into column panels of gemmNR floats:
// panel p holds B[k][p·gemmNR + j] at [(p·K + k)·gemmNR + j], zero past N.
// When N mod gemmNR is between 1 and 8 the last panel is only 8 wide
// (stride 8), so small channel counts such as 24 or 8 do not run a
// half-empty panel. A micro-kernel computes a gemmMR×(panel width) tile of
// C from one panel.

const (
	gemmMR = 6  // rows of C per micro-kernel call
	gemmNR = 16 // columns of C per full panel
)

// panelWidth returns the width of panel p of an n-column B.
func panelWidth(p, n int) int {
	if rem := n - p*gemmNR; rem <= gemmNR/2 {
		return gemmNR / 2
	}
	return gemmNR
}

// packFilter packs a CONV_2D filter [n][k] (row per output channel) into
// column panels.
func packFilter(w []float32, n, k int) []float32 {
	panels := (n + gemmNR - 1) / gemmNR
	out := make([]float32, panels*k*gemmNR)
	for col := 0; col < n; col++ {
		p, j := col/gemmNR, col%gemmNR
		nr := panelWidth(p, n)
		row := w[col*k : (col+1)*k]
		for kk, v := range row {
			out[p*k*gemmNR+kk*nr+j] = v
		}
	}
	return out
}

// padBias returns the bias (or zeros) padded to whole panels.
func padBias(bias []float32, n int) []float32 {
	out := make([]float32, (n+gemmNR-1)/gemmNR*gemmNR)
	copy(out, bias)
	return out
}

// gemmConv is CONV_2D on the GEMM path.
type gemmConv struct {
	g      convGeom
	k      int  // kh·kw·ic
	m      int  // rows of A and C: output pixels
	direct bool // A is the input itself
	// window: A's rows are read in place from a window of the input
	// gathered once per output row (see window); wlda is the stride between
	// the rows of A there.
	window bool
	wlda   int
	in     []float32 // NHWC input
	out    []float32 // NHWC output
	packed []float32 // B in panels
	bias   []float32 // padded to panels
	block  int       // rows of A gathered at a time (multiple of gemmMR)
	lo, hi float32
	clamp  bool // the activation is not the identity
	simd   bool
	// ws holds one scratch set per worker; ws[0] serves run. It has more
	// than one entry only after split.
	ws []gemmScratch
	// byPanel says that split's chunks are ranges of panels (all rows)
	// instead of ranges of row tiles (all panels): for small M, where
	// whole tiles do not divide evenly.
	byPanel bool
}

// gemmScratch is one worker's private memory for gemmConv.
type gemmScratch struct {
	a     []float32 // im2col rows, block·k floats, or the window (nil when direct)
	tailA []float32 // SIMD path: the last m mod gemmMR rows of A, zero-padded to gemmMR rows
	tile  [gemmMR * gemmNR]float32
	_     [64]byte // keep workers' tiles off each other's cache lines
}

// tileGo is tileKernel with the portable micro-kernel: the tile, then its
// clamp.
func (c *gemmConv) tileGo(rows, nr int, a []float32, lda int, b, bias, dst []float32, ldc int) {
	gemmTileGo(c.k, rows, nr, a, lda, b, bias, dst, ldc)
	if c.clamp {
		for r := 0; r < rows; r++ {
			clampSlice(dst[r*ldc:r*ldc+nr], c.lo, c.hi)
		}
	}
}

// gemmBlockFloats bounds the im2col scratch: about 128 KiB of A per block.
const gemmBlockFloats = 32 << 10

func newGemmConv(g convGeom, in, filter, bias, out []float32, lo, hi float32, simd bool) *gemmConv {
	k := g.kh * g.kw * g.ic
	c := &gemmConv{g: g, k: k, m: g.n * g.oh * g.ow, in: in, out: out, lo: lo, hi: hi, simd: simd,
		clamp: !(math.IsInf(float64(lo), -1) && math.IsInf(float64(hi), 1)),
		bias:  padBias(bias, g.oc)}
	c.direct = g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.padT == 0 && g.padL == 0 && g.oh == g.ih && g.ow == g.iw
	c.window = !c.direct && g.dh == 1 && g.dw == 1 && g.ic < windowMaxChannels
	if c.window {
		c.wlda = g.sw * g.kh * g.ic
		filter = windowOrder(filter, g)
	}
	c.packed = packFilter(filter, g.oc, k)
	c.block = max(gemmMR, gemmBlockFloats/max(k, 1)/gemmMR*gemmMR)
	if c.direct {
		c.block = c.m
	} else {
		c.block = min(c.block, (c.m+gemmMR-1)/gemmMR*gemmMR)
	}
	c.ws = []gemmScratch{c.newScratch()}
	return c
}

// newScratch allocates one worker's scratch set.
func (c *gemmConv) newScratch() gemmScratch {
	var s gemmScratch
	switch {
	case c.window:
		s.a = make([]float32, c.windowCols()*c.g.kh*c.g.ic)
	case !c.direct:
		s.a = make([]float32, c.block*c.k)
	}
	if c.simd && (c.window || c.m%gemmMR != 0) {
		s.tailA = make([]float32, gemmMR*c.k)
	}
	return s
}

// panels returns the number of column panels of B.
func (c *gemmConv) panels() int { return (c.g.oc + gemmNR - 1) / gemmNR }

func (c *gemmConv) run() { c.compute(&c.ws[0], 0, c.m, 0, c.panels()) }

// split prepares chunks for nw workers: ranges of row tiles (multiples of
// gemmMR rows, so that the row tail, if any, stays the last rows of the
// last chunk) or, when there are too few tiles to go round, ranges of
// panels. A row chunk keeps the cache behaviour of run (a block of A and
// the panels of B, in turn); a panel chunk streams all of A, which only
// pays when A is a few rows. It returns 0 when the product is too small
// to be worth waking workers for.
func (c *gemmConv) split(nw int) int {
	tiles, panels := (c.m+gemmMR-1)/gemmMR, c.panels()
	if int64(c.m)*int64(c.g.oc)*int64(c.k) < splitMinMACs || max(tiles, panels) < 2 {
		return 0
	}
	n := chunkCount(tiles, nw)
	if tiles < 2*nw && panels > tiles {
		c.byPanel, n = true, chunkCount(panels, nw)
	}
	for len(c.ws) < nw {
		c.ws = append(c.ws, c.newScratch())
	}
	return n
}

// runChunk computes chunk i of n (see split) with worker w's scratch.
func (c *gemmConv) runChunk(w, i, n int) {
	if c.byPanel {
		p0, p1 := chunkRange(c.panels(), i, n)
		c.compute(&c.ws[w], 0, c.m, p0, p1)
		return
	}
	t0, t1 := chunkRange((c.m+gemmMR-1)/gemmMR, i, n)
	c.compute(&c.ws[w], t0*gemmMR, min(t1*gemmMR, c.m), 0, c.panels())
}

// compute computes rows [r0, r1) of C in panels [p0, p1) with scratch s;
// r0 is a multiple of gemmMR. Every element of C is computed by the same
// micro-kernel call whatever the range, so shares give the bits of run.
func (c *gemmConv) compute(s *gemmScratch, r0, r1, p0, p1 int) {
	if c.window {
		c.computeWindow(s, r0, r1, p0, p1)
		return
	}
	for m0 := r0; m0 < r1; m0 += c.block {
		rows := min(c.block, r1-m0)
		a := s.a
		if c.direct {
			a = c.in[m0*c.k:]
		} else {
			c.im2col(a, m0, rows)
		}
		for r := 0; r < rows; r += gemmMR {
			c.rowTile(s, a[r*c.k:], c.k, min(gemmMR, rows-r), m0+r, p0, p1)
		}
	}
}

// rowTile computes rows m0 … m0+tr−1 of C (tr ≤ gemmMR) in panels
// [p0, p1), row r of A starting at a[r·lda]. The SIMD kernels compute
// whole tiles: a row tail runs on a zero-padded copy of its rows of A, and
// a panel that C only partly covers goes through the scratch tile.
func (c *gemmConv) rowTile(s *gemmScratch, a []float32, lda, tr, m0, p0, p1 int) {
	n := c.g.oc
	if tr < gemmMR && s.tailA != nil {
		for i := 0; i < tr; i++ {
			copy(s.tailA[i*c.k:(i+1)*c.k], a[i*lda:])
		}
		a, lda = s.tailA, c.k
	}
	kr := tr
	if s.tailA != nil {
		kr = gemmMR
	}
	for p := p0; p < p1; p++ {
		nr := panelWidth(p, n)
		b := c.packed[p*c.k*gemmNR : p*c.k*gemmNR+c.k*nr]
		bias := c.bias[p*gemmNR : p*gemmNR+nr]
		cols := min(nr, n-p*gemmNR)
		dst := c.out[m0*n+p*gemmNR:]
		if cols == nr && kr == tr {
			c.tileKernel(tr, nr, a, lda, b, bias, dst, n)
			continue
		}
		c.tileKernel(kr, nr, a, lda, b, bias, s.tile[:], nr)
		for i := 0; i < tr; i++ {
			copy(dst[i*n:i*n+cols], s.tile[i*nr:i*nr+cols])
		}
	}
}

// windowMaxChannels bounds the input channels of a convolution that reads
// A from a window instead of gathering it: with few channels the gather's
// copies are a few floats each, and cost more than the products.
const windowMaxChannels = 8

// windowCols is the width of the window: the input columns, padding
// included, under one output row.
func (c *gemmConv) windowCols() int { return (c.g.ow-1)*c.g.sw + c.g.kw }

// windowOrder reorders a filter [oc][kh][kw][ic] to [oc][kw][kh][ic], the
// order of A's columns when it is read from a window.
func windowOrder(filter []float32, g convGeom) []float32 {
	out := make([]float32, len(filter))
	for o := 0; o < g.oc; o++ {
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				src := filter[((o*g.kh+ky)*g.kw+kx)*g.ic:][:g.ic]
				copy(out[((o*g.kw+kx)*g.kh+ky)*g.ic:], src)
			}
		}
	}
	return out
}

// computeWindow is compute for a convolution read through windows. The
// window of output row (b, oy) holds, for each input column j of the row's
// receptive field (padding included) and each filter row ky, the ic input
// values at (oy·sh − padT + ky, j − padL), zeros in the padding:
//
//	win[(j·kh + ky)·ic + ci]
//
// so the patch of output pixel ox, in (kx, ky, ci) order, is the kw·kh·ic
// floats from win[ox·sw·kh·ic]: A's rows overlap in place, at stride
// sw·kh·ic, and nothing is gathered per pixel.
func (c *gemmConv) computeWindow(s *gemmScratch, r0, r1, p0, p1 int) {
	g := &c.g
	for m := r0; m < r1; {
		ox, row := m%g.ow, m/g.ow
		end := min(r1, m-ox+g.ow) // the end of this output row
		c.fillWindow(s.a, row/g.oh, row%g.oh)
		for ; m < end; m += gemmMR {
			c.rowTile(s, s.a[ox*c.wlda:], c.wlda, min(gemmMR, end-m), m, p0, p1)
			ox += gemmMR
		}
		m = end
	}
}

// fillWindow gathers the window of output row oy of image b (see
// computeWindow).
func (c *gemmConv) fillWindow(win []float32, b, oy int) {
	g := &c.g
	ic, step := g.ic, g.kh*g.ic
	cols := c.windowCols()
	win = win[:cols*step]
	// Input columns j − padL inside the image: [j0, j1).
	j0, j1 := min(g.padL, cols), max(min(g.padL+g.iw, cols), min(g.padL, cols))
	for ky := 0; ky < g.kh; ky++ {
		iy := oy*g.sh - g.padT + ky
		if iy < 0 || iy >= g.ih {
			for j := 0; j < cols; j++ {
				clear(win[j*step+ky*ic:][:ic])
			}
			continue
		}
		for j := 0; j < j0; j++ {
			clear(win[j*step+ky*ic:][:ic])
		}
		for j := j1; j < cols; j++ {
			clear(win[j*step+ky*ic:][:ic])
		}
		src := c.in[((b*g.ih+iy)*g.iw+j0-g.padL)*ic:][:(j1-j0)*ic]
		pos := j0*step + ky*ic
		if ic == 3 { // an image: the first layer
			for s := 0; s+3 <= len(src); s += 3 {
				d, v := win[pos:pos+3:pos+3], src[s:s+3:s+3]
				d[0], d[1], d[2] = v[0], v[1], v[2]
				pos += step
			}
			continue
		}
		for s := 0; s+ic <= len(src); s += ic {
			copy(win[pos:pos+ic], src[s:])
			pos += step
		}
	}
}

// im2col gathers rows m0 … m0+rows−1 of A into dst, writing
// zeros for filter taps that fall in the padding. With no column dilation
// the taps of one filter row are adjacent input pixels, so each filter row
// is at most one zero run, one contiguous copy and another zero run (one
// copy of kw·ic floats instead of kw copies of ic, which matters for the
// 3-channel first layers).
func (c *gemmConv) im2col(dst []float32, m0, rows int) {
	g := &c.g
	rowLen := g.kw * g.ic
	rs := g.iw * g.ic // input row stride
	// Output pixel m0 + r is (b, oy, ox); step it rather than divide per row.
	ox, oy, b := m0%g.ow, (m0/g.ow)%g.oh, m0/(g.ow*g.oh)
	for r := 0; r < rows; r++ {
		row := dst[r*c.k : (r+1)*c.k]
		ix0 := ox*g.sw - g.padL
		iy0 := oy*g.sh - g.padT
		if g.dw == 1 && g.dh == 1 && ix0 >= 0 && ix0+g.kw <= g.iw && iy0 >= 0 && iy0+g.kh <= g.ih {
			// All taps inside the input: one run of kw·ic floats per filter
			// row, nothing to clear.
			src := c.in[((b*g.ih+iy0)*g.iw+ix0)*g.ic:]
			for ky := 0; ky < g.kh; ky++ {
				copy(row[ky*rowLen:(ky+1)*rowLen], src[ky*rs:])
			}
		} else {
			c.im2colEdge(row, b, ix0, iy0)
		}
		if ox++; ox == g.ow {
			ox = 0
			if oy++; oy == g.oh {
				oy = 0
				b++
			}
		}
	}
}

// im2colEdge gathers one row of A for an output pixel whose filter window,
// starting at input (iy0, ix0) of image b, reaches into the padding (or
// that is dilated): zeros for the taps outside the input.
func (c *gemmConv) im2colEdge(row []float32, b, ix0, iy0 int) {
	g := &c.g
	rowLen := g.kw * g.ic
	for ky := 0; ky < g.kh; ky++ {
		iy := iy0 + ky*g.dh
		seg := row[ky*rowLen : (ky+1)*rowLen]
		if iy < 0 || iy >= g.ih {
			clear(seg)
			continue
		}
		src := c.in[(b*g.ih+iy)*g.iw*g.ic : (b*g.ih+iy+1)*g.iw*g.ic]
		if g.dw != 1 {
			for kx := 0; kx < g.kw; kx++ {
				ix := ix0 + kx*g.dw
				tap := seg[kx*g.ic : (kx+1)*g.ic]
				if ix < 0 || ix >= g.iw {
					clear(tap)
				} else {
					copy(tap, src[ix*g.ic:])
				}
			}
			continue
		}
		kx0 := min(max(0, -ix0), g.kw)
		kx1 := max(min(g.kw, g.iw-ix0), kx0)
		clear(seg[:kx0*g.ic])
		copy(seg[kx0*g.ic:kx1*g.ic], src[(ix0+kx0)*g.ic:])
		clear(seg[kx1*g.ic:])
	}
}
