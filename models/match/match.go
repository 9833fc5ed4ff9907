package match

import (
	"errors"
	"fmt"
	"math"
)

// Sentinel errors.
var (
	// ErrBadTemplate is returned for a template with the wrong length, NaN or
	// ±Inf values, or zero norm.
	ErrBadTemplate = errors.New("match: bad template")
	// ErrBadCalibration is returned when a calibration file is malformed or
	// its values are out of range.
	ErrBadCalibration = errors.New("match: bad calibration")
	// ErrRosterFull is returned by Index.Add beyond the roster cap.
	ErrRosterFull = errors.New("match: roster full")
	// ErrDuplicateID is returned by Index.Add for an ID already enrolled.
	ErrDuplicateID = errors.New("match: duplicate subject id")
	// ErrBadKey is returned for a renewal key that is too short.
	ErrBadKey = errors.New("match: bad renewal key")
)

// MaxDim bounds template dimensionality.
const MaxDim = 4096

// Normalize writes v/|v| to dst (grown as needed) and returns it. It fails
// with ErrBadTemplate for empty, non-finite or zero vectors. dst may be v.
func Normalize(dst, v []float32) ([]float32, error) {
	if len(v) == 0 || len(v) > MaxDim {
		return nil, fmt.Errorf("%w: length %d", ErrBadTemplate, len(v))
	}
	var ss float64
	for i, x := range v {
		f := float64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: value %v at %d", ErrBadTemplate, x, i)
		}
		ss += f * f
	}
	if !(ss > 0) || math.IsInf(ss, 0) {
		return nil, fmt.Errorf("%w: norm² %v", ErrBadTemplate, ss)
	}
	inv := 1 / math.Sqrt(ss)
	if cap(dst) < len(v) {
		dst = make([]float32, len(v))
	}
	dst = dst[:len(v)]
	for i, x := range v {
		dst[i] = float32(float64(x) * inv)
	}
	return dst, nil
}

// Cosine is the cosine similarity of a and b, accumulated in float64. For
// unit templates it is their dot product. It fails with ErrBadTemplate on a
// length mismatch or a zero or non-finite vector.
func Cosine(a, b []float32) (float32, error) {
	if len(a) != len(b) || len(a) == 0 {
		return 0, fmt.Errorf("%w: lengths %d and %d", ErrBadTemplate, len(a), len(b))
	}
	var ab, aa, bb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		ab += x * y
		aa += x * x
		bb += y * y
	}
	d := math.Sqrt(aa * bb)
	if !(d > 0) || math.IsInf(d, 0) || math.IsNaN(ab) {
		return 0, fmt.Errorf("%w: zero or non-finite vector", ErrBadTemplate)
	}
	return float32(min(max(ab/d, -1), 1)), nil
}

// dotF32 is the float32 dot product of two equal-length slices, accumulated
// in float64 so that the index's exact re-rank is independent of order.
func dotF32(a, b []float32) float32 {
	var s float64
	b = b[:len(a)]
	for i, x := range a {
		s += float64(x) * float64(b[i])
	}
	return float32(s)
}

// Decision is the outcome of a 1:1 comparison.
type Decision struct {
	Match     bool
	Score     float32
	Threshold float32
}

// Verify compares a probe with one reference template (1:1) at threshold:
// a match when the cosine score is at least the threshold.
func Verify(probe, ref []float32, threshold float32) (Decision, error) {
	s, err := Cosine(probe, ref)
	if err != nil {
		return Decision{}, err
	}
	return Decision{Match: s >= threshold, Score: s, Threshold: threshold}, nil
}
