package eval

import (
	"fmt"
	"math"
	"slices"
)

// HeldOut is an operating point chosen leaving each identity out: for
// identity i the threshold is fitted at the target FMR on the pairs not
// involving i, then applied to i's own genuine pairs and to the impostor
// pairs involving i. The error rates pool those held-out decisions, so no
// rate is measured on the scores its threshold was fitted on.
type HeldOut struct {
	TargetFMR  float64
	Threshold  float64   // median of the per-identity thresholds: the one to deploy
	Thresholds []float64 // per identity, in Set order
	FMR, FNMR  float64   // pooled held-out rates
}

// LeaveOneIdentityOut calibrates a threshold for each target FMR.
func (s *Set) LeaveOneIdentityOut(targets []float64) ([]HeldOut, error) {
	out := make([]HeldOut, len(targets))
	for k, f := range targets {
		out[k].TargetFMR = f
	}
	type tally struct{ miss, gen, fm, imp int }
	tallies := make([]tally, len(targets))
	for id := range s.identities {
		train := s.Scores(func(x int) bool { return x != id })
		if len(train.Impostor) == 0 {
			return nil, fmt.Errorf("%w: no impostor pairs without identity %q", ErrTooFew, s.identities[id])
		}
		for k, f := range targets {
			t := train.ThresholdAtFMR(f)
			out[k].Thresholds = append(out[k].Thresholds, t)
			tl := &tallies[k]
			for _, i := range s.members[id] {
				for j := 0; j < s.n; j++ {
					if j == i {
						continue
					}
					v := float64(s.score[i*s.n+j])
					switch {
					case s.ident[j] == id && j < i:
						tl.gen++
						if v < t {
							tl.miss++
						}
					case s.ident[j] != id:
						tl.imp++
						if v >= t {
							tl.fm++
						}
					}
				}
			}
		}
	}
	for k := range out {
		tl := tallies[k]
		if tl.gen == 0 {
			return nil, fmt.Errorf("%w: no genuine pairs", ErrTooFew)
		}
		out[k].FNMR = float64(tl.miss) / float64(tl.gen)
		out[k].FMR = float64(tl.fm) / float64(tl.imp)
		out[k].Threshold = median(out[k].Thresholds)
	}
	return out, nil
}

func median(v []float64) float64 {
	c := slices.Clone(v)
	slices.Sort(c)
	n := len(c)
	if n%2 == 1 {
		return c[n/2]
	}
	return (c[n/2-1] + c[n/2]) / 2
}

// TailModel is a normal fit to the impostor scores, used to extrapolate the
// false-match probability of one comparison beyond what a small set can
// observe. On the shared face set it is conservative where it can be
// checked (it predicts more impostors above 0.45 than were seen).
type TailModel struct {
	Mean, SD float64
	N        int
}

// FitTail fits the impostor scores.
func FitTail(impostor []float64) (TailModel, error) {
	if len(impostor) < 2 {
		return TailModel{}, fmt.Errorf("%w: %d impostor scores", ErrTooFew, len(impostor))
	}
	var m, ss float64
	for _, v := range impostor {
		m += v
	}
	m /= float64(len(impostor))
	for _, v := range impostor {
		ss += (v - m) * (v - m)
	}
	sd := math.Sqrt(ss / float64(len(impostor)-1))
	if !(sd > 0) {
		return TailModel{}, fmt.Errorf("%w: impostor scores have no spread", ErrTooFew)
	}
	return TailModel{Mean: m, SD: sd, N: len(impostor)}, nil
}

// FMR is the modelled probability that one impostor comparison scores ≥ t.
func (m TailModel) FMR(t float64) float64 {
	return 0.5 * math.Erfc((t-m.Mean)/(m.SD*math.Sqrt2))
}

// Threshold is the score at which the modelled FMR equals p.
func (m TailModel) Threshold(p float64) float64 {
	return m.Mean + m.SD*math.Sqrt2*math.Erfinv(1-2*p)
}

// RosterCap is the largest roster N for which the expected number of false
// matches in one search of an unenrolled person, N·FMR(t), stays ≤ budget
// (e.g. 1e-3). 0 means even one comparison exceeds the budget.
func (m TailModel) RosterCap(t, budget float64) int {
	p := m.FMR(t)
	if p <= 0 {
		return math.MaxInt32
	}
	// The relative slack keeps an exact ratio (budget/p = 100 at a threshold
	// computed for 100) from flooring to 99 through rounding.
	return int(min(math.Floor(budget/p*(1+1e-9)), math.MaxInt32))
}
