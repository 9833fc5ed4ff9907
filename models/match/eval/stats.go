package eval

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/vouchkiosk/vouch/models/match"
)

// ErrTooFew is returned when a set cannot support the statistic asked for
// (fewer than two identities, no genuine pairs).
var ErrTooFew = errors.New("eval: too few samples")

// Sample is one labelled template.
type Sample struct {
	Identity string
	Template []float32
}

// Set holds the all-pairs score matrix of a labelled sample set.
type Set struct {
	identities []string // distinct, in first-seen order
	ident      []int    // identity index per sample
	members    [][]int  // samples per identity
	score      []float32
	n          int
}

// NewSet scores every pair of samples (cosine similarity).
func NewSet(samples []Sample) (*Set, error) {
	s := &Set{n: len(samples), ident: make([]int, len(samples))}
	idx := map[string]int{}
	for i, smp := range samples {
		k, ok := idx[smp.Identity]
		if !ok {
			k = len(s.identities)
			idx[smp.Identity] = k
			s.identities = append(s.identities, smp.Identity)
			s.members = append(s.members, nil)
		}
		s.ident[i] = k
		s.members[k] = append(s.members[k], i)
	}
	if len(s.identities) < 2 {
		return nil, fmt.Errorf("%w: %d identities", ErrTooFew, len(s.identities))
	}
	s.score = make([]float32, s.n*s.n)
	for i := range samples {
		for j := range i {
			c, err := match.Cosine(samples[i].Template, samples[j].Template)
			if err != nil {
				return nil, fmt.Errorf("eval: samples %d and %d: %w", j, i, err)
			}
			s.score[i*s.n+j], s.score[j*s.n+i] = c, c
		}
	}
	return s, nil
}

// Identities is the number of distinct identities.
func (s *Set) Identities() int { return len(s.identities) }

// Samples is the number of samples.
func (s *Set) Samples() int { return s.n }

// Scores are genuine and impostor comparison scores, each sorted ascending.
type Scores struct {
	Genuine, Impostor []float64
}

// Scores returns every genuine and impostor pair score. keep, when not
// nil, selects identities: genuine pairs of kept identities and impostor
// pairs with both sides kept.
func (s *Set) Scores(keep func(identity int) bool) Scores {
	var sc Scores
	for i := 0; i < s.n; i++ {
		if keep != nil && !keep(s.ident[i]) {
			continue
		}
		for j := 0; j < i; j++ {
			if keep != nil && !keep(s.ident[j]) {
				continue
			}
			v := float64(s.score[i*s.n+j])
			if s.ident[i] == s.ident[j] {
				sc.Genuine = append(sc.Genuine, v)
			} else {
				sc.Impostor = append(sc.Impostor, v)
			}
		}
	}
	slices.Sort(sc.Genuine)
	slices.Sort(sc.Impostor)
	return sc
}

// FMR is the fraction of impostor scores ≥ t.
func (sc Scores) FMR(t float64) float64 { return fracAtLeast(sc.Impostor, t) }

// FNMR is the fraction of genuine scores < t.
func (sc Scores) FNMR(t float64) float64 { return 1 - fracAtLeast(sc.Genuine, t) }

// fracAtLeast is the fraction of the ascending slice v that is ≥ t.
func fracAtLeast(v []float64, t float64) float64 {
	if len(v) == 0 {
		return 0
	}
	i, _ := slices.BinarySearch(v, t) // first index with v[i] >= t
	return float64(len(v)-i) / float64(len(v))
}

// ThresholdAtFMR is the lowest threshold whose FMR is ≤ target: just above
// the (⌊target·n⌋+1)-th highest impostor score.
func (sc Scores) ThresholdAtFMR(target float64) float64 {
	n := len(sc.Impostor)
	allowed := int(math.Floor(target * float64(n)))
	if allowed >= n {
		return math.Inf(-1)
	}
	return math.Nextafter(sc.Impostor[n-1-allowed], math.Inf(1))
}

// EER returns the equal error rate and its threshold: over every candidate
// threshold (each observed score), the point where FMR and FNMR are
// closest, reported as their mean.
func (sc Scores) EER() (eer, threshold float64) {
	best := math.Inf(1)
	try := func(t float64) {
		fmr, fnmr := sc.FMR(t), sc.FNMR(t)
		if d := math.Abs(fmr - fnmr); d < best || (d == best && (fmr+fnmr)/2 < eer) {
			best, eer, threshold = d, (fmr+fnmr)/2, t
		}
	}
	for _, v := range sc.Genuine {
		try(v)
	}
	for _, v := range sc.Impostor {
		try(math.Nextafter(v, math.Inf(1)))
	}
	return eer, threshold
}

// Summary is the headline numbers of one score set.
type Summary struct {
	Genuine, Impostor int
	EER, EERThreshold float64
	Points            []Point // one per target FMR
}

// Point is FNMR at the threshold giving a target FMR.
type Point struct {
	TargetFMR, Threshold, FMR, FNMR float64
}

// Summarize computes EER and FNMR at each target FMR.
func (sc Scores) Summarize(targets []float64) (Summary, error) {
	if len(sc.Genuine) == 0 || len(sc.Impostor) == 0 {
		return Summary{}, fmt.Errorf("%w: %d genuine and %d impostor pairs", ErrTooFew, len(sc.Genuine), len(sc.Impostor))
	}
	s := Summary{Genuine: len(sc.Genuine), Impostor: len(sc.Impostor)}
	s.EER, s.EERThreshold = sc.EER()
	for _, f := range targets {
		t := sc.ThresholdAtFMR(f)
		s.Points = append(s.Points, Point{TargetFMR: f, Threshold: t, FMR: sc.FMR(t), FNMR: sc.FNMR(t)})
	}
	return s, nil
}
