package tflite

import "math"

// The portable micro-kernels: every build compiles them, the purego build
// and architectures without assembly run them, and the assembly kernels are
// tested against them.

// gemmTileGo computes, for r < rows (≤ gemmMR) and j < nr (gemmNR or 8),
//
//	c[r·ldc + j] = bias[j] + Σ_{kk<k} a[r·lda + kk] · b[kk·nr + j]
//
// It is the portable micro-kernel and the reference for the assembly ones.
// Rows go in pairs over four columns at a time (gemmBlock2x4); an odd last
// row runs eight columns at a time (gemmRow8). The block size is set by the
// register file and by the Go compiler's scheduling, which within a basic
// block issues every load and product before the additions: a 2×4 block
// keeps its eight sums, two A and four B values in registers on amd64 (15
// usable X registers), arm64 and armv7, where larger blocks spill.
func gemmTileGo(k, rows, nr int, a []float32, lda int, b, bias, c []float32, ldc int) {
	b = b[:k*nr]
	if k == 0 {
		for r := 0; r < rows; r++ {
			copy(c[r*ldc:r*ldc+nr], bias[:nr])
		}
		return
	}
	r := 0
	for ; r+2 <= rows; r += 2 {
		a0 := a[r*lda : r*lda+k]
		a1 := a[(r+1)*lda : (r+1)*lda+k]
		o0 := c[r*ldc : r*ldc+nr]
		o1 := c[(r+1)*ldc : (r+1)*ldc+nr]
		for j := 0; j < nr; j += 4 {
			gemmBlock2x4(a0, a1, b[j:], b[j+2:], nr, bias[j:j+4], o0[j:j+4], o1[j:j+4])
		}
	}
	if r < rows {
		ar := a[r*lda : r*lda+k]
		o := c[r*ldc : r*ldc+nr]
		for j := 0; j < nr; j += 8 {
			gemmRow8(ar, b, j, nr, bias[j:j+8], o[j:j+8])
		}
	}
}

// gemmBlock2x4 sets o0[j] = bias[j] + Σ_kk a0[kk] · b[kk·nr + j] and o1
// likewise from a1, for j < 4; bh is b[2:].
//
// Where the multiply-adds are not fused (gemmSplitBlock: amd64 below v3),
// columns 2 and 3 are read through bh: its bounds check, which the
// compiler cannot prove redundant, ends a basic block between the two
// column pairs, so an iteration holds four products at a time instead of
// eight, and none spills beside the eight sums (in isolation 22 % faster
// on GOAMD64=v1). With fused multiply-adds there are no products to hold,
// so the split is kept to the case it was made for: in isolation it also
// measured 11 % faster on v3, but in the models the v3 difference stayed
// inside this machine's noise (two builds of identical code differed by 8 %).
func gemmBlock2x4(a0, a1, b, bh []float32, nr int, bias, o0, o1 []float32) {
	bias, o0, o1 = bias[:4], o0[:4], o1[:4]
	a1 = a1[:len(a0)]
	c00, c01, c02, c03 := bias[0], bias[1], bias[2], bias[3]
	c10, c11, c12, c13 := c00, c01, c02, c03
	off := 0
	for kk, x0 := range a0 {
		x1 := a1[kk]
		var b0, b1, b2, b3 float32
		if gemmSplitBlock {
			bl := b[off : off+2 : off+2]
			b0, b1 = bl[0], bl[1]
		} else {
			bl := b[off : off+4 : off+4]
			b0, b1, b2, b3 = bl[0], bl[1], bl[2], bl[3]
		}
		c00 += x0 * b0
		c10 += x1 * b0
		c01 += x0 * b1
		c11 += x1 * b1
		if gemmSplitBlock {
			br := bh[off : off+2 : off+2]
			b2, b3 = br[0], br[1]
		}
		c02 += x0 * b2
		c12 += x1 * b2
		c03 += x0 * b3
		c13 += x1 * b3
		off += nr
	}
	o0[0], o0[1], o0[2], o0[3] = c00, c01, c02, c03
	o1[0], o1[1], o1[2], o1[3] = c10, c11, c12, c13
}

// gemmRow8 sets o[j] = bias[j] + Σ_kk ar[kk] · b[kk·nr + j0 + j] for j < 8.
func gemmRow8(ar, b []float32, j0, nr int, bias, o []float32) {
	bias, o = bias[:8], o[:8]
	c0, c1, c2, c3 := bias[0], bias[1], bias[2], bias[3]
	c4, c5, c6, c7 := bias[4], bias[5], bias[6], bias[7]
	for kk, av := range ar {
		i := kk*nr + j0
		br := b[i : i+8 : i+8]
		c0 += av * br[0]
		c1 += av * br[1]
		c2 += av * br[2]
		c3 += av * br[3]
		c4 += av * br[4]
		c5 += av * br[5]
		c6 += av * br[6]
		c7 += av * br[7]
	}
	o[0], o[1], o[2], o[3] = c0, c1, c2, c3
	o[4], o[5], o[6], o[7] = c4, c5, c6, c7
}

// dw3x3Go computes, for p < npix and c0 ≤ ch < c,
//
//	out[p·c + ch] = act(bias[ch] + Σ_{ky,kx<3} in[ky·rs + p·xstep + kx·c + ch] · w[(ky·3+kx)·c + ch])
//
// summed in ky, kx order: a 3x3 depthwise convolution over output pixels
// whose taps are all inside the input, rs being the input row stride and
// xstep the input step between output pixels. It is the portable kernel
// and the reference for the assembly one.
func dw3x3Go(out, in, w, bias []float32, npix, c, c0, xstep, rs int, lo, hi float32, doClamp bool) {
	if npix <= 0 || c0 >= c {
		return
	}
	p := 0
	if xstep == c {
		p = dw3x3Quads(out, in, w, bias, npix, c, c0, rs, lo, hi, doClamp)
	}
	dw3x3Pixels(out[p*c:], in[p*xstep:], w, bias, npix-p, c, c0, xstep, rs, lo, hi, doClamp)
}

// dw3x3Quads is dw3x3Go at stride 1 (xstep = c) for the first npix &^ 3
// pixels, which it returns. Four neighbouring output pixels share six
// input columns per filter row, so each row pass loads six input values
// and three weights for twelve multiply-adds, where a pixel at a time
// loads eighteen values for nine; the sums are seeded with the bias and
// accumulated in the output, in the same order as dw3x3Pixels.
func dw3x3Quads(out, in, w, bias []float32, npix, c, c0, rs int, lo, hi float32, doClamp bool) int {
	n := c - c0
	w = w[:9*c]
	bias = bias[c0:c]
	quads := npix &^ 3
	for p := 0; p < quads; p += 4 {
		o := out[p*c : (p+4)*c]
		o0, o1, o2, o3 := o[c0:c], o[c+c0:2*c], o[2*c+c0:3*c], o[3*c+c0:4*c]
		copy(o0, bias)
		copy(o1, bias)
		copy(o2, bias)
		copy(o3, bias)
		for ky := 0; ky < 3; ky++ {
			r := in[ky*rs+p*c+c0:]
			wk := w[3*ky*c+c0:]
			dw3Quad(o0, o1, o2, o3, r[:n], r[c:][:n], r[2*c:][:n], r[3*c:][:n], r[4*c:][:n], r[5*c:][:n],
				wk[:n], wk[c:][:n], wk[2*c:][:n])
		}
		if doClamp {
			clampSlice(o0, lo, hi)
			clampSlice(o1, lo, hi)
			clampSlice(o2, lo, hi)
			clampSlice(o3, lo, hi)
		}
	}
	return quads
}

// dw3Quad adds one filter row to four neighbouring output pixels:
// o0[i] += x0[i]·w0[i] + x1[i]·w1[i] + x2[i]·w2[i], o1 from x1…x3, o2
// from x2…x4 and o3 from x3…x5, each sum rounded left to right.
func dw3Quad(o0, o1, o2, o3, x0, x1, x2, x3, x4, x5, w0, w1, w2 []float32) {
	n := len(o0)
	o1, o2, o3 = o1[:n], o2[:n], o3[:n]
	x0, x1, x2, x3, x4, x5 = x0[:n], x1[:n], x2[:n], x3[:n], x4[:n], x5[:n]
	w0, w1, w2 = w0[:n], w1[:n], w2[:n]
	for i := range o0 {
		u0, u1, u2 := w0[i], w1[i], w2[i]
		a, b, c, d, e, f := x0[i], x1[i], x2[i], x3[i], x4[i], x5[i]
		o0[i] = o0[i] + a*u0 + b*u1 + c*u2
		o1[i] = o1[i] + b*u0 + c*u1 + d*u2
		o2[i] = o2[i] + c*u0 + d*u1 + e*u2
		o3[i] = o3[i] + d*u0 + e*u1 + f*u2
	}
}

// dw3x3Pixels is dw3x3Go a pixel at a time, any stride.
func dw3x3Pixels(out, in, w, bias []float32, npix, c, c0, xstep, rs int, lo, hi float32, doClamp bool) {
	if npix <= 0 || c0 >= c {
		return
	}
	// One slice per filter tap, cut to the channels computed here, so the
	// channel loop runs without bounds checks.
	n := c - c0
	w = w[:9*c]
	w0, w1, w2 := w[c0:][:n], w[c+c0:][:n], w[2*c+c0:][:n]
	w3, w4, w5 := w[3*c+c0:][:n], w[4*c+c0:][:n], w[5*c+c0:][:n]
	w6, w7, w8 := w[6*c+c0:][:n], w[7*c+c0:][:n], w[8*c+c0:][:n]
	bias = bias[c0:c]
	in = in[:2*rs+(npix-1)*xstep+3*c]
	for p := 0; p < npix; p++ {
		o := out[p*c+c0 : p*c+c]
		r0 := in[p*xstep+c0:]
		r1 := in[rs+p*xstep+c0:]
		r2 := in[2*rs+p*xstep+c0:]
		x0, x1, x2 := r0[:n], r0[c:][:n], r0[2*c:][:n]
		x3, x4, x5 := r1[:n], r1[c:][:n], r1[2*c:][:n]
		x6, x7, x8 := r2[:n], r2[c:][:n], r2[2*c:][:n]
		for ch, s := range bias {
			s += x0[ch] * w0[ch]
			s += x1[ch] * w1[ch]
			s += x2[ch] * w2[ch]
			s += x3[ch] * w3[ch]
			s += x4[ch] * w4[ch]
			s += x5[ch] * w5[ch]
			s += x6[ch] * w6[ch]
			s += x7[ch] * w7[ch]
			s += x8[ch] * w8[ch]
			if doClamp {
				s = clamp(s, lo, hi)
			}
			o[ch] = s
		}
	}
}

// dwRowGo computes dst[p·c + ch] += x[p·xstride + ch] · w[ch] for p < npix,
// ch < c. It is the portable kernel and the reference for the assembly one.
func dwRowGo(dst, x, w []float32, npix, c, xstride int) {
	w = w[:c]
	for p := 0; p < npix; p++ {
		d := dst[p*c : p*c+c]
		xs := x[p*xstride : p*xstride+c]
		for i, wv := range w {
			d[i] += xs[i] * wv
		}
	}
}

// preluGo is the portable PReLU loop and the reference for the assembly:
// relu(v) is v for v > 0 and +0 otherwise (max(v, 0), except that a NaN
// input gives +0 here; the sum is NaN either way).
func preluGo(out, x, alpha []float32) {
	c := len(alpha)
	if c == 0 {
		return
	}
	for off := 0; off+c <= len(out); off += c {
		xs := x[off : off+c]
		o := out[off : off+c]
		for i, v := range xs {
			r := relu(v)
			a := math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
			d := v - a
			p := float32(alpha[i] * d)
			o[i] = r + p
		}
	}
}

// addClampGo computes out[i] = a[i] + b[i], clamped with clamp when
// doClamp is set. It is the portable kernel and the reference for the
// assembly one.
func addClampGo(out, a, b []float32, lo, hi float32, doClamp bool) {
	a, b = a[:len(out)], b[:len(out)]
	if !doClamp {
		for i := range out {
			out[i] = a[i] + b[i]
		}
		return
	}
	if lo == 0 && !math.Signbit(float64(lo)) && hi > 0 {
		hb := int64(math.Float32bits(hi))
		for i := range out {
			out[i] = clampZeroBits(a[i]+b[i], hb)
		}
		return
	}
	for i := range out {
		out[i] = clamp(a[i]+b[i], lo, hi)
	}
}
