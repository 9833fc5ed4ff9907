package match

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Index is a 1:N roster. Each template is kept int8-quantised (one
// contiguous slice, rows padded to 32 bytes, scanned by a SIMD kernel) and
// as float32 for the exact re-rank.
//
// Search may run concurrently with other Searches; Add and Remove need
// exclusive access (the caller's lock).
type Index struct {
	dim, stride int
	maxSize     int
	q           []int8    // len = n*stride
	scale       []float32 // x ≈ scale·q per row
	hatNorm     []float32 // |scale·q|
	errNorm     []float32 // |x − scale·q|
	vec         []float32 // len = n*dim, the unit templates
	ids         []string
	slot        map[string]int
	maxHat      float32 // upper bounds over all rows ever added
	maxErr      float32
}

// Hit is one search result.
type Hit struct {
	ID    string
	Score float32 // exact cosine similarity
}

// NewIndex returns an empty roster for dim-dimensional templates holding at
// most maxSize subjects (0 = unlimited; see Calibration.RosterCap).
func NewIndex(dim, maxSize int) (*Index, error) {
	if dim <= 0 || dim > MaxDim {
		return nil, fmt.Errorf("%w: dim %d", ErrBadTemplate, dim)
	}
	if maxSize < 0 {
		return nil, fmt.Errorf("%w: roster cap %d", ErrBadCalibration, maxSize)
	}
	return &Index{
		dim: dim, stride: (dim + laneBytes - 1) / laneBytes * laneBytes,
		maxSize: maxSize, slot: map[string]int{},
	}, nil
}

// Len is the number of enrolled subjects.
func (x *Index) Len() int { return len(x.ids) }

// Dim is the template length.
func (x *Index) Dim() int { return x.dim }

// quantize writes the symmetric int8 quantisation of the unit vector v into
// dst (len stride, zero padded) and returns its scale and the norms of the
// reconstruction and of the error.
func quantize(dst []int8, v []float32) (scale, hatNorm, errNorm float32) {
	var amax float64
	for _, f := range v {
		amax = max(amax, math.Abs(float64(f)))
	}
	clear(dst)
	if amax == 0 {
		return 0, 0, 0
	}
	s := amax / 127
	var hh, ee float64
	for i, f := range v {
		qi := math.Round(float64(f) / s)
		qi = min(max(qi, -127), 127)
		dst[i] = int8(qi)
		h := qi * s
		e := float64(f) - h
		hh += h * h
		ee += e * e
	}
	return float32(s), float32(math.Sqrt(hh)), float32(math.Sqrt(ee))
}

// Add enrols a template under id. The template is normalised; it fails
// with ErrBadTemplate, ErrDuplicateID or ErrRosterFull.
func (x *Index) Add(id string, template []float32) error {
	if len(template) != x.dim {
		return fmt.Errorf("%w: length %d, index dim %d", ErrBadTemplate, len(template), x.dim)
	}
	if _, ok := x.slot[id]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicateID, id)
	}
	if x.maxSize > 0 && len(x.ids) >= x.maxSize {
		return fmt.Errorf("%w: %d subjects (cap %d)", ErrRosterFull, len(x.ids), x.maxSize)
	}
	n := len(x.ids)
	x.vec = slices.Grow(x.vec, x.dim)[:(n+1)*x.dim]
	u, err := Normalize(x.vec[n*x.dim:], template)
	if err != nil {
		x.vec = x.vec[:n*x.dim]
		return err
	}
	x.q = slices.Grow(x.q, x.stride)[:(n+1)*x.stride]
	s, h, e := quantize(x.q[n*x.stride:], u)
	x.scale = append(x.scale, s)
	x.hatNorm = append(x.hatNorm, h)
	x.errNorm = append(x.errNorm, e)
	x.maxHat, x.maxErr = max(x.maxHat, h), max(x.maxErr, e)
	x.ids = append(x.ids, id)
	x.slot[id] = n
	return nil
}

// Remove deletes id (moving the last subject into its slot) and zeroes the
// vacated row. It reports whether id was enrolled.
func (x *Index) Remove(id string) bool {
	i, ok := x.slot[id]
	if !ok {
		return false
	}
	last := len(x.ids) - 1
	if i != last {
		copy(x.q[i*x.stride:(i+1)*x.stride], x.q[last*x.stride:])
		copy(x.vec[i*x.dim:(i+1)*x.dim], x.vec[last*x.dim:])
		x.scale[i], x.hatNorm[i], x.errNorm[i] = x.scale[last], x.hatNorm[last], x.errNorm[last]
		x.ids[i] = x.ids[last]
		x.slot[x.ids[i]] = i
	}
	clear(x.q[last*x.stride:])
	clear(x.vec[last*x.dim:])
	x.q, x.vec = x.q[:last*x.stride], x.vec[:last*x.dim]
	x.scale, x.hatNorm, x.errNorm = x.scale[:last], x.hatNorm[:last], x.errNorm[:last]
	x.ids = x.ids[:last]
	delete(x.slot, id)
	return true
}

// searchBlock is the number of rows scored per kernel call.
const searchBlock = 512

type cand struct {
	i      int
	approx float32
}

// Search returns the k enrolled templates most similar to probe, best
// first, with exact float scores. The result is the same as an exhaustive
// float32 search: the int8 scan only discards rows whose score provably
// cannot reach the k-th best (|exact − approx| is bounded per row by the
// norms of the quantisation errors).
func (x *Index) Search(probe []float32, k int) ([]Hit, error) {
	if len(probe) != x.dim {
		return nil, fmt.Errorf("%w: probe length %d, index dim %d", ErrBadTemplate, len(probe), x.dim)
	}
	u, err := Normalize(nil, probe)
	if err != nil {
		return nil, err
	}
	n := len(x.ids)
	k = min(k, n)
	if k <= 0 {
		return nil, nil
	}
	qq := make([]int8, x.stride)
	qs, qh, qe := quantize(qq, u)
	// |x·y − x̂·ŷ| ≤ |x̂||e_y| + |e_x||ŷ| + |e_x||e_y|, plus float rounding.
	bound := qh*x.maxErr + qe*x.maxHat + qe*x.maxErr + 1e-5

	top := make([]float32, 0, k) // k best approx scores, descending
	cands := make([]cand, 0, 4*k+64)
	floor := float32(math.Inf(-1)) // keep rows with approx ≥ floor
	var dots [searchBlock]int32
	for b := 0; b < n; b += searchBlock {
		m := min(searchBlock, n-b)
		dotsInt8(qq, x.q[b*x.stride:(b+m)*x.stride], x.stride, dots[:m])
		for j, d := range dots[:m] {
			a := float32(d) * qs * x.scale[b+j]
			if a < floor {
				continue
			}
			cands = append(cands, cand{b + j, a})
			if len(top) < k || a > top[k-1] {
				top = insertDesc(top, a, k)
				if len(top) == k {
					floor = top[k-1] - 2*bound
				}
			}
		}
		if len(cands) > 8*k+256 {
			cands = slices.DeleteFunc(cands, func(c cand) bool { return c.approx < floor })
		}
	}
	hits := make([]Hit, 0, len(cands))
	for _, c := range cands {
		if c.approx < floor {
			continue
		}
		hits = append(hits, Hit{ID: x.ids[c.i], Score: dotF32(u, x.vec[c.i*x.dim:(c.i+1)*x.dim])})
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return hits[:k], nil
}

// insertDesc inserts v into the descending slice s, keeping at most k.
func insertDesc(s []float32, v float32, k int) []float32 {
	i, _ := slices.BinarySearchFunc(s, v, func(e, t float32) int { return cmp.Compare(t, e) })
	if len(s) < k {
		s = append(s, 0)
	}
	copy(s[i+1:], s[i:len(s)-1])
	s[i] = v
	return s
}

// SearchExact is the exhaustive float32 search Search must agree with.
// It is slow (no SIMD, every row) and meant for tests and audits.
func (x *Index) SearchExact(probe []float32, k int) ([]Hit, error) {
	if len(probe) != x.dim {
		return nil, fmt.Errorf("%w: probe length %d, index dim %d", ErrBadTemplate, len(probe), x.dim)
	}
	u, err := Normalize(nil, probe)
	if err != nil {
		return nil, err
	}
	hits := make([]Hit, len(x.ids))
	for i, id := range x.ids {
		hits[i] = Hit{ID: id, Score: dotF32(u, x.vec[i*x.dim:(i+1)*x.dim])}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return hits[:min(k, len(hits))], nil
}

// BytesPerSubject is the index's own storage per enrolled subject, not
// counting the ID strings' bytes and map overhead: the padded int8 row, the
// float32 template and three float32 row constants.
func (x *Index) BytesPerSubject() int { return x.stride + 4*x.dim + 3*4 }

// NewRosterIndex returns an empty index sized by a calibration: its
// template length and its roster cap (the largest roster whose expected
// false matches per search stay within the budget it was computed for).
func NewRosterIndex(c *Calibration) (*Index, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return NewIndex(c.Dim, c.RosterCap)
}

// Identify searches the roster (1:N) and reports the best hit and whether
// it reaches threshold (Calibration.Identify).
func (x *Index) Identify(probe []float32, threshold float32) (Hit, bool, error) {
	hits, err := x.Search(probe, 1)
	if err != nil || len(hits) == 0 {
		return Hit{}, false, err
	}
	return hits[0], hits[0].Score >= threshold, nil
}
