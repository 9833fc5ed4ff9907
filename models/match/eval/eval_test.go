package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
)

func TestRates(t *testing.T) {
	sc := Scores{Genuine: []float64{0.3, 0.6, 0.7, 0.8}, Impostor: []float64{0.0, 0.1, 0.2, 0.35, 0.5}}
	for _, tt := range []struct{ t, fmr, fnmr float64 }{
		{0.35, 0.4, 0.25}, {0.36, 0.2, 0.25}, {0.6, 0, 0.25}, {0.61, 0, 0.5}, {-1, 1, 0},
	} {
		if got := sc.FMR(tt.t); got != tt.fmr {
			t.Errorf("FMR(%v) = %v, want %v", tt.t, got, tt.fmr)
		}
		if got := sc.FNMR(tt.t); got != tt.fnmr {
			t.Errorf("FNMR(%v) = %v, want %v", tt.t, got, tt.fnmr)
		}
	}
	// 5 impostors: FMR ≤ 0.2 allows one impostor at or above the threshold.
	if th := sc.ThresholdAtFMR(0.2); !(th > 0.35 && th < 0.36) || sc.FMR(th) != 0.2 {
		t.Errorf("ThresholdAtFMR(0.2) = %v (FMR %v)", th, sc.FMR(th))
	}
	if th := sc.ThresholdAtFMR(0.01); !(th > 0.5) || sc.FMR(th) != 0 {
		t.Errorf("ThresholdAtFMR(0.01) = %v", th)
	}
	eer, th := sc.EER()
	// At t just above 0.2: FMR 0.4, FNMR 0; at 0.3: FMR .4 FNMR 0; just above 0.35: FMR .2, FNMR .25.
	if math.Abs(eer-0.225) > 1e-12 || !(th > 0.35 && th <= 0.6) {
		t.Errorf("EER = %v at %v, want 0.225", eer, th)
	}
	sep := Scores{Genuine: []float64{0.8, 0.9}, Impostor: []float64{0.1, 0.2}}
	if e, th := sep.EER(); e != 0 || !(th > 0.2 && th <= 0.8) {
		t.Errorf("separable EER = %v at %v", e, th)
	}
}

// synthSet: identities with genuine scores ≈ 0.4 and impostors ≈ 0 ± 0.12 (overlapping).
func synthSet(t testing.TB, ids, per int, seed uint64) *Set {
	r := rand.New(rand.NewPCG(seed, 1))
	const dim = 64
	var samples []Sample
	for i := range ids {
		c := make([]float64, dim)
		for k := range c {
			c[k] = r.NormFloat64()
		}
		for range per {
			v := make([]float32, dim)
			for k := range v {
				v[k] = float32(c[k] + 1.2*r.NormFloat64())
			}
			samples = append(samples, Sample{Identity: string(rune('A' + i)), Template: v})
		}
	}
	s, err := NewSet(samples)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBootstrapAndLOIO(t *testing.T) {
	s := synthSet(t, 20, 4, 1)
	sc := s.Scores(nil)
	if len(sc.Genuine) != 20*6 || len(sc.Impostor) != 80*79/2-120 {
		t.Fatalf("%d genuine, %d impostor pairs", len(sc.Genuine), len(sc.Impostor))
	}
	targets := []float64{1e-2, 1e-3}
	sum, err := sc.Summarize(targets)
	if err != nil {
		t.Fatal(err)
	}
	ci, err := s.Bootstrap(context.Background(), targets, 300, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	ci2, _ := s.Bootstrap(context.Background(), targets, 300, 1, nil)
	if ci.EER != ci2.EER {
		t.Errorf("bootstrap not reproducible with the same seed: %v vs %v", ci.EER, ci2.EER)
	}
	if !(ci.EER.Lo <= sum.EER && sum.EER <= ci.EER.Hi) || ci.EER.Lo == ci.EER.Hi {
		t.Errorf("EER %v outside or degenerate CI %v", sum.EER, ci.EER)
	}
	for k := range targets {
		if !(ci.FNMR[k].Lo <= sum.Points[k].FNMR && sum.Points[k].FNMR <= ci.FNMR[k].Hi) {
			t.Errorf("FNMR@%v %v outside CI %v", targets[k], sum.Points[k].FNMR, ci.FNMR[k])
		}
	}
	ho, err := s.LeaveOneIdentityOut(targets)
	if err != nil {
		t.Fatal(err)
	}
	for k, h := range ho {
		if len(h.Thresholds) != 20 || h.FMR > 5*targets[k]+0.005 {
			t.Errorf("LOIO@%v: %d thresholds, held-out FMR %v", targets[k], len(h.Thresholds), h.FMR)
		}
		t.Logf("target %v: threshold %.3f (in-sample %.3f) held-out FMR %.4f FNMR %.4f; in-sample FNMR %.4f", targets[k], h.Threshold, sum.Points[k].Threshold, h.FMR, h.FNMR, sum.Points[k].FNMR)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Bootstrap(ctx, targets, 10, 1, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled bootstrap: %v", err)
	}
}

func TestTooFew(t *testing.T) {
	if _, err := NewSet([]Sample{{"a", []float32{1}}, {"a", []float32{1}}}); !errors.Is(err, ErrTooFew) {
		t.Errorf("one identity: %v", err)
	}
	s, err := NewSet([]Sample{{"a", []float32{1, 0}}, {"b", []float32{0, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Scores(nil).Summarize([]float64{1e-3}); !errors.Is(err, ErrTooFew) {
		t.Errorf("no genuine pairs: %v", err)
	}
	if _, err := s.Bootstrap(context.Background(), nil, 5, 1, nil); !errors.Is(err, ErrTooFew) {
		t.Errorf("bootstrap without genuine pairs: %v", err)
	}
	if _, err := NewSet([]Sample{{"a", []float32{0, 0}}, {"b", []float32{0, 1}}}); err == nil {
		t.Error("zero template accepted")
	}
}

func TestTailModel(t *testing.T) {
	m := TailModel{Mean: 0.03, SD: 0.15}
	for _, p := range []float64{1e-2, 1e-3, 1e-6} {
		if got := m.FMR(m.Threshold(p)); math.Abs(got-p)/p > 1e-9 {
			t.Errorf("FMR(Threshold(%g)) = %g", p, got)
		}
	}
	if c := m.RosterCap(m.Threshold(1e-5), 1e-3); c != 100 {
		t.Errorf("RosterCap at p=1e-5 = %d, want 100", c)
	}
	if c := m.RosterCap(0.03, 1e-3); c != 0 {
		t.Errorf("RosterCap at the mean = %d, want 0", c)
	}
}

func TestWriteDET(t *testing.T) {
	s := synthSet(t, 10, 4, 2)
	var buf bytes.Buffer
	if err := WriteDET(&buf, s.Scores(nil), "test", []Point{{FMR: 1e-3, FNMR: 0.1}}); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != detW || b.Dy() != detH {
		t.Fatalf("plot %v", b)
	}
	blue := 0
	for y := 0; y < detH; y++ {
		for x := 0; x < detW; x++ {
			if r, g, b, _ := img.At(x, y).RGBA(); r>>8 == 20 && g>>8 == 80 && b>>8 == 200 {
				blue++
			}
		}
	}
	if blue < 200 {
		t.Errorf("only %d curve pixels", blue)
	}
	if err := WriteDET(&buf, Scores{}, "", nil); !errors.Is(err, ErrTooFew) {
		t.Errorf("empty scores: %v", err)
	}
}

// TestRealEmbeddings runs the statistics on the reference embeddings of
// the shared face set (no interpreter needed) and holds the bar:
// EER ≤ 1%.
func TestRealEmbeddings(t *testing.T) {
	b, err := os.ReadFile(testenv.Shared(t, "testdata", "golden", "pipeline.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		Identity  string    `json:"identity"`
		Embedding []float32 `json:"embedding"`
	}
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	var samples []Sample
	for _, e := range entries {
		if len(e.Embedding) > 0 {
			samples = append(samples, Sample{e.Identity, e.Embedding})
		}
	}
	s, err := NewSet(samples)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Scores(nil).Summarize([]float64{1e-2, 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d samples, %d identities: %d genuine, %d impostor; EER %.4f at %.3f; FNMR@1e-3 %.4f at %.3f",
		s.Samples(), s.Identities(), sum.Genuine, sum.Impostor, sum.EER, sum.EERThreshold, sum.Points[1].FNMR, sum.Points[1].Threshold)
	if sum.Genuine != 159 || sum.Impostor != 2256 {
		t.Errorf("pair counts %d/%d, want 159/2256 (README)", sum.Genuine, sum.Impostor)
	}
	if sum.EER > 0.01 {
		t.Errorf("EER %.4f > 1%%", sum.EER)
	}
}
