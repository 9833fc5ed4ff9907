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
// It works on eight columns at a time (gemmRow8): their sums fit in
// registers next to the A element, where sixteen would spill (amd64 Go
// code has 15 usable X registers).
func gemmTileGo(k, rows, nr int, a []float32, lda int, b, bias, c []float32, ldc int) {
	b = b[:k*nr]
	for r := 0; r < rows; r++ {
		ar := a[r*lda : r*lda+k]
		o := c[r*ldc : r*ldc+nr]
		for j := 0; j < nr; j += 8 {
			gemmRow8(ar, b, j, nr, bias[j:j+8], o[j:j+8])
		}
	}
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
	if npix <= 0 {
		return
	}
	w = w[:9*c]
	bias = bias[:c]
	in = in[:2*rs+(npix-1)*xstep+3*c]
	for p := 0; p < npix; p++ {
		o := out[p*c : p*c+c]
		r0 := in[p*xstep:]
		r1 := in[rs+p*xstep:]
		r2 := in[2*rs+p*xstep:]
		for ch := c0; ch < c; ch++ {
			s := bias[ch]
			s += r0[ch] * w[ch]
			s += r0[c+ch] * w[c+ch]
			s += r0[2*c+ch] * w[2*c+ch]
			s += r1[ch] * w[3*c+ch]
			s += r1[c+ch] * w[4*c+ch]
			s += r1[2*c+ch] * w[5*c+ch]
			s += r2[ch] * w[6*c+ch]
			s += r2[c+ch] * w[7*c+ch]
			s += r2[2*c+ch] * w[8*c+ch]
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
		for i := range out {
			out[i] = a[i] + b[i]
		}
		clampZeroTo(out, out, hi)
		return
	}
	for i := range out {
		out[i] = clamp(a[i]+b[i], lo, hi)
	}
}
