package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Interval is a two-sided confidence interval.
type Interval struct{ Lo, Hi float64 }

// CI holds 95% intervals for the Summary statistics.
type CI struct {
	Replicates int
	EER        Interval
	FNMR       []Interval // per target FMR, same order as Summary.Points
	Threshold  []Interval
}

// Bootstrap resamples identities with replacement reps times (seeded, so
// reruns agree) and returns percentile 95% intervals. In a replicate, every
// drawn copy of an identity contributes its genuine pairs, and every pair
// of drawn copies of different identities contributes its impostor pairs.
// progress, if not nil, is called after each replicate.
func (s *Set) Bootstrap(ctx context.Context, targets []float64, reps int, seed uint64, progress func(done, total int)) (CI, error) {
	if reps < 1 {
		return CI{}, fmt.Errorf("%w: %d replicates", ErrTooFew, reps)
	}
	r := rand.New(rand.NewPCG(seed, 0x5eedb007))
	m := len(s.identities)
	eers := make([]float64, 0, reps)
	fnmr := make([][]float64, len(targets))
	thr := make([][]float64, len(targets))
	draw := make([]int, m)
	var sc Scores
	redraws := 0
	for rep := 0; rep < reps; rep++ {
		if err := ctx.Err(); err != nil {
			return CI{}, err
		}
		for i := range draw {
			draw[i] = r.IntN(m)
		}
		sc.Genuine, sc.Impostor = sc.Genuine[:0], sc.Impostor[:0]
		for a, ia := range draw {
			ms := s.members[ia]
			for x := range ms {
				for y := range x {
					sc.Genuine = append(sc.Genuine, float64(s.score[ms[x]*s.n+ms[y]]))
				}
			}
			for _, ib := range draw[:a] {
				if ib == ia {
					continue
				}
				for _, i := range ms {
					for _, j := range s.members[ib] {
						sc.Impostor = append(sc.Impostor, float64(s.score[i*s.n+j]))
					}
				}
			}
		}
		if len(sc.Genuine) == 0 || len(sc.Impostor) == 0 {
			// A draw of singletons or of one identity only: redraw, but not
			// forever on a set that can never give both kinds of pair.
			if redraws++; redraws > 10*reps+100 {
				return CI{}, fmt.Errorf("%w: resamples keep lacking genuine or impostor pairs", ErrTooFew)
			}
			rep--
			continue
		}
		slices.Sort(sc.Genuine)
		slices.Sort(sc.Impostor)
		e, _ := sc.EER()
		eers = append(eers, e)
		for k, f := range targets {
			t := sc.ThresholdAtFMR(f)
			thr[k] = append(thr[k], t)
			fnmr[k] = append(fnmr[k], sc.FNMR(t))
		}
		if progress != nil {
			progress(rep+1, reps)
		}
	}
	ci := CI{Replicates: reps, EER: percentile95(eers)}
	for k := range targets {
		ci.FNMR = append(ci.FNMR, percentile95(fnmr[k]))
		ci.Threshold = append(ci.Threshold, percentile95(thr[k]))
	}
	return ci, nil
}

// percentile95 returns the 2.5% and 97.5% percentiles (nearest rank).
func percentile95(v []float64) Interval {
	if len(v) == 0 {
		return Interval{}
	}
	slices.Sort(v)
	at := func(p float64) float64 {
		i := int(p * float64(len(v)-1))
		return v[i]
	}
	return Interval{at(0.025), at(0.975)}
}
