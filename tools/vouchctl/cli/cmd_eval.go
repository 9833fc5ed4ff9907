package cli

import (
	"bytes"
	"context"
	"fmt"
	"github.com/vouchkiosk/vouch/internal/atomicfile"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vouchkiosk/vouch/models/assets"
	"github.com/vouchkiosk/vouch/models/face"
	"github.com/vouchkiosk/vouch/models/face/facedata"
	"github.com/vouchkiosk/vouch/models/match"
	"github.com/vouchkiosk/vouch/models/match/eval"
	"github.com/vouchkiosk/vouch/models/tflite"
)

func evalCmd() Command {
	return Command{
		Name:    "eval",
		Summary: "evaluate the face pipeline on a labelled folder (eval faces DIR)",
		Run:     runEval,
	}
}

func runEval(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "faces" {
		return usageError("eval: want 'eval faces [flags] DIR'")
	}
	fs := newFlags(env, "eval faces", "[flags] DIR   (DIR holds identities.csv: file,identity)")
	weights := fs.String("weights", assets.WeightsDir, "directory of the .tflite files fetched by `make models`")
	detPath := fs.String("det", "eval-det.png", "where to write the DET plot (PNG)")
	calPath := fs.String("calibration", "calibration.json", "where to write the calibration file")
	reps := fs.Int("bootstrap", 1000, "bootstrap replicates (identities resampled)")
	seed := fs.Uint64("seed", 1, "bootstrap seed")
	roster := fs.Int("roster", 100, "roster size the 1:N threshold is chosen for")
	budget := fs.Float64("budget", 1e-3, "expected false matches per 1:N search allowed")
	kiosk := fs.Bool("kiosk-gates", false, "apply the kiosk framing gate (off-centre) too; photos are not framed")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError("%v", err)
	}
	if fs.NArg() != 1 {
		return usageError("eval faces: want exactly one DIR")
	}
	if *reps < 10 || *roster < 1 || !(*budget > 0 && *budget < 1) {
		return usageError("eval faces: -bootstrap ≥ 10, -roster ≥ 1, 0 < -budget < 1")
	}
	dir := fs.Arg(0)
	evalTargets := []float64{1e-2, 1e-3} // FMRs reported and calibrated; the last is the 1:1 point
	idx, err := os.Open(filepath.Join(dir, "identities.csv"))
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	entries, err := facedata.ParseIdentities(idx)
	idx.Close()
	if err != nil {
		return err
	}
	q := face.DefaultQuality()
	if !*kiosk {
		q.MaxCentreOffset = 0
	}
	p, embSHA, err := evalLoadPipeline(*weights, &q, env)
	if err != nil {
		return err
	}
	start := time.Now()
	bar := evalProgressBar(env.Stderr, "faces")
	outs, err := facedata.Run(ctx, p, dir, entries, bar)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "\n")
	w := env.Stdout
	samples, fte, controls := evalSummarize(w, outs)
	fmt.Fprintf(w, "pipeline time: %v for %d images\n", time.Since(start).Round(time.Millisecond), len(outs))
	set, err := eval.NewSet(samples)
	if err != nil {
		return err
	}
	sc := set.Scores(nil)
	sum, err := sc.Summarize(evalTargets)
	if err != nil {
		return err
	}
	ci, err := set.Bootstrap(ctx, evalTargets, *reps, *seed, evalProgressBar(env.Stderr, "bootstrap"))
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "\n")
	fmt.Fprintf(w, "pairs: %d genuine, %d impostor (%d identities, %d templates; %d control images)\n",
		sum.Genuine, sum.Impostor, set.Identities(), set.Samples(), controls)
	fmt.Fprintf(w, "failure to enrol: %d/%d = %.2f%%\n", fte, len(outs)-controls, 100*float64(fte)/float64(max(1, len(outs)-controls)))
	fmt.Fprintf(w, "EER %.2f%% [95%% CI %.2f%%, %.2f%%] at threshold %.3f\n", 100*sum.EER, 100*ci.EER.Lo, 100*ci.EER.Hi, sum.EERThreshold)
	for k, pt := range sum.Points {
		fmt.Fprintf(w, "FMR=%g: threshold %.3f [%.3f, %.3f], FNMR %.2f%% [95%% CI %.2f%%, %.2f%%] (observed FMR %.4f)\n",
			pt.TargetFMR, pt.Threshold, ci.Threshold[k].Lo, ci.Threshold[k].Hi, 100*pt.FNMR, 100*ci.FNMR[k].Lo, 100*ci.FNMR[k].Hi, pt.FMR)
	}
	fmt.Fprintf(w, "(CIs: %d bootstrap replicates resampling identities, seed %d)\n", ci.Replicates, *seed)

	held, err := set.LeaveOneIdentityOut(evalTargets)
	if err != nil {
		return err
	}
	for _, h := range held {
		fmt.Fprintf(w, "leave-one-identity-out FMR=%g: threshold %.3f (median of %d), held-out FMR %.4f, FNMR %.2f%%\n",
			h.TargetFMR, h.Threshold, len(h.Thresholds), h.FMR, 100*h.FNMR)
	}
	verify := held[len(held)-1] // the 1e-3 point is the 1:1 threshold
	tail, err := eval.FitTail(sc.Impostor)
	if err != nil {
		return err
	}
	identify := max(verify.Threshold, tail.Threshold(*budget/float64(*roster)))
	capAtVerify := tail.RosterCap(verify.Threshold, *budget)
	rosterCap := max(1, tail.RosterCap(identify, *budget))
	fmt.Fprintf(w, "impostor scores: normal fit mean %.3f sd %.3f (n=%d); modelled FMR at %.3f = %.2g (observed %.2g)\n",
		tail.Mean, tail.SD, tail.N, verify.Threshold, tail.FMR(verify.Threshold), sc.FMR(verify.Threshold))
	fmt.Fprintf(w, "1:N at the 1:1 threshold %.3f: largest roster with ≤ %g expected false matches per search = %d\n", verify.Threshold, *budget, capAtVerify)
	fmt.Fprintf(w, "1:N threshold for a roster of %d: %.3f (FNMR %.2f%% there); roster cap %d\n", *roster, identify, 100*sc.FNMR(identify), rosterCap)

	cal := &match.Calibration{
		Version: match.CalibrationVersion, Model: assets.MobileFaceNet, ModelSHA256: embSHA, Dim: len(samples[0].Template),
		Verify: float32(verify.Threshold), Identify: float32(identify), RosterCap: rosterCap,
		Method: fmt.Sprintf("thresholds: median of leave-one-identity-out thresholds at the target FMR (error rates pooled on held-out identities); "+
			"identify: normal fit to impostor scores, expected false matches per search ≤ %g for a roster of %d", *budget, *roster),
		Data: fmt.Sprintf("%s: %d templates, %d identities, %d genuine / %d impostor pairs", filepath.Base(filepath.Clean(dir)), set.Samples(), set.Identities(), sum.Genuine, sum.Impostor),
	}
	for _, h := range held {
		cal.Points = append(cal.Points, match.OperatingPoint{TargetFMR: h.TargetFMR, Threshold: float32(h.Threshold), FMR: h.FMR, FNMR: h.FNMR})
	}
	calBytes, err := cal.Marshal()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(*calPath, calBytes, 0o644); err != nil {
		return err
	}
	var png bytes.Buffer
	marks := make([]eval.Point, 0, len(sum.Points))
	for _, pt := range sum.Points {
		marks = append(marks, eval.Point{FMR: pt.FMR, FNMR: pt.FNMR})
	}
	title := fmt.Sprintf("DET %s  EER %.2f%%  n=%d/%d", filepath.Base(filepath.Clean(dir)), 100*sum.EER, sum.Genuine, sum.Impostor)
	if err := eval.WriteDET(&png, sc, title, marks); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(*detPath, png.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s and %s\n", *calPath, *detPath)
	return nil
}

// evalLoadPipeline loads and verifies the three models and builds the pipeline.
func evalLoadPipeline(weights string, q *face.QualityConfig, env Env) (*face.Pipeline, string, error) {
	models := map[string]*tflite.Model{}
	var embSHA string
	for _, id := range []string{assets.FaceDetectionShortRange, assets.FaceDetectionFullRange, assets.MobileFaceNet} {
		e, err := assets.Lookup(id)
		if err != nil {
			return nil, "", err
		}
		path := filepath.Join(weights, e.File)
		if err := assets.Verify(path, e); err != nil {
			return nil, "", fmt.Errorf("eval: %w (run `make models`)", err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, "", err
		}
		if models[id], err = tflite.Load(b); err != nil {
			return nil, "", fmt.Errorf("eval: %s: %w", id, err)
		}
		if id == assets.MobileFaceNet {
			embSHA = e.SHA256
		}
	}
	short, err := face.NewDetector(models[assets.FaceDetectionShortRange], face.ShortRange())
	if err != nil {
		return nil, "", err
	}
	full, err := face.NewDetector(models[assets.FaceDetectionFullRange], face.FullRange())
	if err != nil {
		return nil, "", err
	}
	emb, err := face.NewEmbedder(models[assets.MobileFaceNet])
	if err != nil {
		return nil, "", err
	}
	p, err := face.NewPipeline(short, full, emb, &face.PipelineOptions{Quality: q, Logger: env.Logger()})
	return p, embSHA, err
}

// evalSummarize prints every image without a template and returns the
// labelled samples, the failure-to-enrol count and the control count.
func evalSummarize(w io.Writer, outs []facedata.Outcome) (samples []eval.Sample, fte, controls int) {
	for _, o := range outs {
		switch {
		case o.Control():
			controls++
			verdict := "rejected as expected"
			if o.Reason == nil {
				verdict = "UNEXPECTED template"
			}
			fmt.Fprintf(w, "control %s (%s): %s: %v\n", o.File, o.Identity, verdict, evalReasonText(o.Reason))
		case o.Reason != nil:
			fte++
			fmt.Fprintf(w, "no template for %s (%s): %v\n", o.File, o.Identity, evalReasonText(o.Reason))
		default:
			samples = append(samples, eval.Sample{Identity: o.Identity, Template: o.Template})
		}
	}
	fmt.Fprintf(w, "templates: %d of %d images\n", len(samples), len(outs))
	return samples, fte, controls
}

func evalReasonText(err error) string {
	if err == nil {
		return "template"
	}
	return err.Error()
}

// evalProgressBar returns a progress callback drawing a bar on w (a terminal's
// stderr; the bar is plain text, so a log file just gets a few lines).
func evalProgressBar(w io.Writer, label string) func(done, total int) {
	last := -1
	return func(done, total int) {
		pct := 100 * done / max(total, 1)
		if pct == last {
			return
		}
		last = pct
		n := 30 * done / max(total, 1)
		fmt.Fprintf(w, "\r%-9s [%s%s] %3d%% %d/%d", label, strings.Repeat("#", n), strings.Repeat(".", 30-n), pct, done, total)
	}
}
