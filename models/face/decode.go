package face

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// NumKeypoints is the number of BlazeFace keypoints.
const NumKeypoints = 6

// Keypoint indices (the subject's right/left: in a non-mirrored photo the
// right eye appears on the image's left).
const (
	RightEye = iota
	LeftEye
	NoseTip
	Mouth
	RightEar
	LeftEar
)

// Point is a position in pixels.
type Point struct{ X, Y float64 }

// Rect is an axis-aligned box in pixels, [X0, X1) × [Y0, Y1).
type Rect struct{ X0, Y0, X1, Y1 float64 }

// W is the box width.
func (r Rect) W() float64 { return r.X1 - r.X0 }

// H is the box height.
func (r Rect) H() float64 { return r.Y1 - r.Y0 }

// IoU is the intersection over union of two boxes (0 when either is empty).
func IoU(a, b Rect) float64 {
	iw := min(a.X1, b.X1) - max(a.X0, b.X0)
	ih := min(a.Y1, b.Y1) - max(a.Y0, b.Y0)
	if !(iw > 0 && ih > 0) {
		return 0
	}
	inter := iw * ih
	union := a.W()*a.H() + b.W()*b.H() - inter
	if !(union > 0) {
		return 0
	}
	return inter / union
}

// Detection is one face.
type Detection struct {
	Score     float32
	Box       Rect
	Keypoints [NumKeypoints]Point
	Merged    int // raw detections combined by weighted NMS
}

// EyeDistance is the distance between the eye keypoints.
func (d Detection) EyeDistance() float64 {
	return math.Hypot(d.Keypoints[LeftEye].X-d.Keypoints[RightEye].X, d.Keypoints[LeftEye].Y-d.Keypoints[RightEye].Y)
}

// Decoder turns raw detector outputs into detections. It owns scratch
// buffers; it is not safe for concurrent use.
type Decoder struct {
	spec    DetectorSpec
	anchors []anchor
	cand    []Detection
	used    []bool
}

// NewDecoder validates spec and precomputes its anchors.
func NewDecoder(spec DetectorSpec) (*Decoder, error) {
	a, err := spec.anchors()
	if err != nil {
		return nil, err
	}
	if spec.MaxDetections == 0 {
		spec.MaxDetections = 16
	}
	return &Decoder{spec: spec, anchors: a}, nil
}

// NumAnchors is the number of anchors, the N of the [1, N, 16] regressors.
func (d *Decoder) NumAnchors() int { return len(d.anchors) }

// Spec returns the detector description.
func (d *Decoder) Spec() DetectorSpec { return d.spec }

// Decode decodes regressors [N*16] and logits [N] into detections in
// normalised input coordinates (0..1 over the square), after weighted
// non-maximum suppression, best first, appended to dst. Anchors whose
// values are not finite or whose box is degenerate are skipped, so
// arbitrary tensors never produce NaN detections.
func (d *Decoder) Decode(dst []Detection, regressors, logits []float32) ([]Detection, error) {
	n := len(d.anchors)
	if len(regressors) != n*16 || len(logits) != n {
		return dst, fmt.Errorf("%w: %s wants regressors [%d,16] and logits [%d,1], got %d and %d values",
			ErrModelShape, d.spec.Name, n, n, len(regressors), len(logits))
	}
	S := float64(d.spec.Size)
	d.cand = d.cand[:0]
	for i, a := range d.anchors {
		score := sigmoid(logits[i])
		if !(score >= d.spec.ScoreThreshold) {
			continue
		}
		r := regressors[i*16 : i*16+16]
		if !allFinite(r) {
			continue
		}
		cx, cy := float64(r[0])/S+a.x, float64(r[1])/S+a.y
		w, h := float64(r[2])/S, float64(r[3])/S
		if !plausible(cx, cy, w, h) || w < d.spec.MinSizeNormInput {
			continue
		}
		det := Detection{Score: score, Merged: 1, Box: Rect{cx - w/2, cy - h/2, cx + w/2, cy + h/2}}
		for k := range NumKeypoints {
			det.Keypoints[k] = Point{float64(r[4+2*k])/S + a.x, float64(r[5+2*k])/S + a.y}
		}
		if !keypointsPlausible(&det) {
			continue
		}
		d.cand = append(d.cand, det)
	}
	return d.weightedNMS(dst), nil
}

// weightedNMS repeatedly takes the best remaining candidate, merges every
// remaining candidate whose IoU with it exceeds the threshold into a
// score-weighted mean of boxes and keypoints (keeping the best score), and
// removes them.
func (d *Decoder) weightedNMS(dst []Detection) []Detection {
	slices.SortStableFunc(d.cand, func(a, b Detection) int { return cmp.Compare(b.Score, a.Score) })
	if cap(d.used) < len(d.cand) {
		d.used = make([]bool, len(d.cand))
	}
	d.used = d.used[:len(d.cand)]
	clear(d.used)
	found := 0
	for i := range d.cand {
		if d.used[i] || found >= d.spec.MaxDetections {
			continue
		}
		best := d.cand[i]
		var sw float64
		var acc Detection
		for j := i; j < len(d.cand); j++ {
			if d.used[j] || (j != i && IoU(best.Box, d.cand[j].Box) <= d.spec.IoUThreshold) {
				continue
			}
			d.used[j] = true
			c := &d.cand[j]
			w := float64(c.Score)
			sw += w
			acc.Merged++
			acc.Box.X0 += w * c.Box.X0
			acc.Box.Y0 += w * c.Box.Y0
			acc.Box.X1 += w * c.Box.X1
			acc.Box.Y1 += w * c.Box.Y1
			for k := range NumKeypoints {
				acc.Keypoints[k].X += w * c.Keypoints[k].X
				acc.Keypoints[k].Y += w * c.Keypoints[k].Y
			}
		}
		acc.Score = best.Score
		acc.Box = Rect{acc.Box.X0 / sw, acc.Box.Y0 / sw, acc.Box.X1 / sw, acc.Box.Y1 / sw}
		for k := range NumKeypoints {
			acc.Keypoints[k] = Point{acc.Keypoints[k].X / sw, acc.Keypoints[k].Y / sw}
		}
		dst = append(dst, acc)
		found++
	}
	return dst
}

// MapDetection maps a detection from normalised input coordinates to frame pixels.
func (lb Letterbox) MapDetection(d Detection) Detection {
	d.Box.X0, d.Box.Y0 = lb.ToFrame(d.Box.X0, d.Box.Y0)
	d.Box.X1, d.Box.Y1 = lb.ToFrame(d.Box.X1, d.Box.Y1)
	for k := range d.Keypoints {
		d.Keypoints[k].X, d.Keypoints[k].Y = lb.ToFrame(d.Keypoints[k].X, d.Keypoints[k].Y)
	}
	return d
}

// sigmoid of a logit clipped to ±100; NaN stays NaN (and is then rejected).
func sigmoid(x float32) float32 {
	if x != x {
		return x
	}
	x = min(max(x, -100), 100)
	return float32(1 / (1 + math.Exp(-float64(x))))
}

func allFinite(v []float32) bool {
	for _, x := range v {
		if f := float64(x); math.IsNaN(f) || math.IsInf(f, 0) {
			return false
		}
	}
	return true
}

// Limits on decoded geometry in normalised input units. Real faces lie well
// inside them; values beyond come from garbage tensors and are dropped
// instead of being propagated as absurd boxes.
const (
	minBoxSide = 1e-4 // about 1/80 of a pixel at 128×128
	maxBoxSide = 4
	maxCoord   = 4
)

func plausible(cx, cy, w, h float64) bool {
	return w >= minBoxSide && h >= minBoxSide && w <= maxBoxSide && h <= maxBoxSide &&
		math.Abs(cx) <= maxCoord && math.Abs(cy) <= maxCoord
}

func keypointsPlausible(d *Detection) bool {
	for _, p := range d.Keypoints {
		if !(math.Abs(p.X) <= maxCoord && math.Abs(p.Y) <= maxCoord) {
			return false
		}
	}
	return true
}
