package face

import (
	"fmt"
	"math"
)

// CropSize is the side of the aligned face crop the embedder takes.
const CropSize = 112

// Canonical positions in the 112×112 crop (the ArcFace template): the eyes
// as they appear in the image (image-left eye first), nose tip and mouth
// centre (mean of the template's mouth corners).
const (
	templateLeftEyeX, templateLeftEyeY   = 38.2946, 51.6963
	templateRightEyeX, templateRightEyeY = 73.5318, 51.5014
	templateNoseX, templateNoseY         = 56.0252, 71.7366
	templateMouthX, templateMouthY       = 56.1396, 92.2848
)

// Similarity is the map p ↦ (A·x − B·y + TX, B·x + A·y + TY): rotation,
// uniform scale and translation.
type Similarity struct{ A, B, TX, TY float64 }

// Apply maps p.
func (s Similarity) Apply(p Point) Point {
	return Point{s.A*p.X - s.B*p.Y + s.TX, s.B*p.X + s.A*p.Y + s.TY}
}

// Scale is the uniform scale factor.
func (s Similarity) Scale() float64 { return math.Hypot(s.A, s.B) }

// Inverse returns the inverse map; ok is false when s is singular.
func (s Similarity) Inverse() (Similarity, bool) {
	d := s.A*s.A + s.B*s.B
	if !(d > 0) || math.IsInf(d, 0) {
		return Similarity{}, false
	}
	a, b := s.A/d, -s.B/d
	return Similarity{A: a, B: b, TX: -(a*s.TX - b*s.TY), TY: -(b*s.TX + a*s.TY)}, true
}

// Matrix returns s as a 2×3 affine matrix.
func (s Similarity) Matrix() [2][3]float64 {
	return [2][3]float64{{s.A, -s.B, s.TX}, {s.B, s.A, s.TY}}
}

// FitSimilarity returns the similarity minimising Σ|s(src[i]) − dst[i]|²
// (closed form: with complex numbers, s = Σ(q−q̄)·conj(p−p̄) / Σ|p−p̄|²).
// With two points it maps them exactly.
func FitSimilarity(src, dst []Point) (Similarity, error) {
	if len(src) != len(dst) || len(src) < 2 {
		return Similarity{}, fmt.Errorf("%w: need matching point lists of at least 2, got %d and %d", ErrBadConfig, len(src), len(dst))
	}
	var ps, qs Point
	for i := range src {
		ps.X += src[i].X
		ps.Y += src[i].Y
		qs.X += dst[i].X
		qs.Y += dst[i].Y
	}
	n := float64(len(src))
	ps = Point{ps.X / n, ps.Y / n}
	qs = Point{qs.X / n, qs.Y / n}
	var re, im, den float64
	for i := range src {
		px, py := src[i].X-ps.X, src[i].Y-ps.Y
		qx, qy := dst[i].X-qs.X, dst[i].Y-qs.Y
		re += qx*px + qy*py
		im += qy*px - qx*py
		den += px*px + py*py
	}
	if !(den > 1e-9) || math.IsNaN(re) || math.IsNaN(im) || math.IsInf(den, 0) {
		return Similarity{}, fmt.Errorf("%w: degenerate keypoints (spread %g)", ErrBadTensor, den)
	}
	s := Similarity{A: re / den, B: im / den}
	s.TX = qs.X - (s.A*ps.X - s.B*ps.Y)
	s.TY = qs.Y - (s.B*ps.X + s.A*ps.Y)
	return s, nil
}

// AlignMode chooses which keypoints drive the alignment.
type AlignMode int

const (
	// AlignEyes maps the two eyes exactly onto the template eyes (the
	// reference behaviour the embedder goldens were made with).
	AlignEyes AlignMode = iota
	// AlignDocument fits eyes, nose tip and mouth by least squares. Keypoints
	// on small printed portraits (ID documents) are noisy by a pixel or two;
	// averaging four points halves the effect of one bad eye.
	AlignDocument
)

// CropTransform returns the similarity mapping frame pixels of d to crop
// pixels for the given mode.
func CropTransform(d Detection, mode AlignMode) (Similarity, error) {
	le, re := d.Keypoints[RightEye], d.Keypoints[LeftEye]
	if le.X > re.X { // order by image x: the image-left eye first
		le, re = re, le
	}
	if eye := math.Hypot(re.X-le.X, re.Y-le.Y); !(eye > 1e-6) || math.IsInf(eye, 0) {
		return Similarity{}, fmt.Errorf("%w: eye distance %g", ErrBadTensor, eye)
	}
	switch mode {
	case AlignEyes:
		return FitSimilarity([]Point{le, re}, []Point{{templateLeftEyeX, templateLeftEyeY}, {templateRightEyeX, templateRightEyeY}})
	case AlignDocument:
		return FitSimilarity(
			[]Point{le, re, d.Keypoints[NoseTip], d.Keypoints[Mouth]},
			[]Point{{templateLeftEyeX, templateLeftEyeY}, {templateRightEyeX, templateRightEyeY}, {templateNoseX, templateNoseY}, {templateMouthX, templateMouthY}})
	}
	return Similarity{}, fmt.Errorf("%w: align mode %d", ErrBadConfig, mode)
}

// Aligner warps faces into a reused CropSize×CropSize RGB buffer. It is not
// safe for concurrent use.
type Aligner struct {
	s    sampler
	crop []byte
}

// Crop is the last aligned crop (CropSize*CropSize*3 bytes, RGB). It is
// overwritten by the next Align and zeroed by Wipe.
func (a *Aligner) Crop() []byte { return a.crop }

// Align warps the face of d in f into the crop: crop pixel (u, v) samples
// the frame at the inverse transform of (u+0.5, v+0.5), after a box
// prefilter of floor(1/scale) when the face is downscaled by 2 or more;
// points outside the frame are black. It returns the crop-from-frame map.
func (a *Aligner) Align(f Frame, d Detection, mode AlignMode) (Similarity, error) {
	if err := f.Validate(); err != nil {
		return Similarity{}, err
	}
	fwd, err := CropTransform(d, mode)
	if err != nil {
		return Similarity{}, err
	}
	inv, ok := fwd.Inverse()
	if !ok || fwd.Scale() < 1e-4 || fwd.Scale() > 1e4 {
		return Similarity{}, fmt.Errorf("%w: alignment scale %g", ErrBadTensor, fwd.Scale())
	}
	k := 1
	if sc := fwd.Scale(); sc <= 0.5 {
		k = int(math.Floor(1 / sc))
	}
	a.s.reset(f, k)
	if a.crop == nil {
		a.crop = make([]byte, CropSize*CropSize*3)
	}
	w, h := float64(f.W), float64(f.H)
	for v := 0; v < CropSize; v++ {
		for u := 0; u < CropSize; u++ {
			p := inv.Apply(Point{float64(u) + 0.5, float64(v) + 0.5})
			o := (v*CropSize + u) * 3
			if !(p.X >= 0 && p.Y >= 0 && p.X < w && p.Y < h) {
				a.crop[o], a.crop[o+1], a.crop[o+2] = 0, 0, 0
				continue
			}
			r, g, b := a.s.at(p.X, p.Y)
			a.crop[o], a.crop[o+1], a.crop[o+2] = toU8(r), toU8(g), toU8(b)
		}
	}
	return fwd, nil
}

// Wipe zeroes the crop and the prefilter buffer.
func (a *Aligner) Wipe() {
	clear(a.crop)
	clear(a.s.box)
	a.s.src = Frame{}
}
