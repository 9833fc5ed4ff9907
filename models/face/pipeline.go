package face

import (
	"context"
	"fmt"
	"log/slog"
)

// PipelineOptions configures a Pipeline. The zero value means: default
// quality gates, eye alignment, no logging.
type PipelineOptions struct {
	// Quality gates; nil means DefaultQuality().
	Quality *QualityConfig
	// Align chooses the alignment (AlignDocument for ID-card portraits).
	Align AlignMode
	// Logger receives debug events (counts, scores, reasons — never
	// pixels); nil discards.
	Logger *slog.Logger
}

// Pipeline turns a frame into a template: short-range detection (full-range
// when short-range finds nothing and a full-range detector is given),
// geometry gates, alignment, crop gates and embedding. It is not safe for
// concurrent use.
type Pipeline struct {
	short, full *Detector
	emb         *Embedder
	quality     QualityConfig
	align       AlignMode
	log         *slog.Logger
	aligner     Aligner
}

// NewPipeline wires detectors and an embedder. full may be nil.
func NewPipeline(short, full *Detector, emb *Embedder, opts *PipelineOptions) (*Pipeline, error) {
	if short == nil || emb == nil {
		return nil, fmt.Errorf("%w: pipeline needs a detector and an embedder", ErrBadConfig)
	}
	var o PipelineOptions
	if opts != nil {
		o = *opts
	}
	q := DefaultQuality()
	if o.Quality != nil {
		q = *o.Quality
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Pipeline{short: short, full: full, emb: emb, quality: q, align: o.Align, log: o.Logger}, nil
}

// Result is what Process learned about a frame.
type Result struct {
	Detector   string      // model that found the faces
	Detections []Detection // best first, frame pixels; valid until the next Process
	Quality    Quality
	Template   []float32 // L2-normalised; nil when a gate failed; owned by the caller
}

// Process runs the pipeline on one frame. A frame whose face fails a gate
// returns the Result (with Quality filled in) and a *QualityError; no face
// at all is a *QualityError with IssueNoFace that also matches ErrNoFace.
// The crop and the network inputs are zeroed before Process returns.
func (p *Pipeline) Process(ctx context.Context, f Frame) (Result, error) {
	var res Result
	dets, _, err := p.short.Detect(ctx, f)
	if err != nil {
		return res, err
	}
	res.Detector = p.short.Spec().Name
	if len(dets) == 0 && p.full != nil {
		if dets, _, err = p.full.Detect(ctx, f); err != nil {
			return res, err
		}
		res.Detector = p.full.Spec().Name
	}
	res.Detections = dets
	res.Quality = p.quality.CheckGeometry(dets, f.W, f.H)
	if len(dets) == 0 {
		p.log.Debug("face: no face", "detector", res.Detector)
		return res, res.Quality.Err()
	}
	defer p.aligner.Wipe()
	if _, err := p.aligner.Align(f, dets[0], p.align); err != nil {
		return res, err
	}
	if err := p.quality.CheckCrop(&res.Quality, p.aligner.Crop()); err != nil {
		return res, err
	}
	if err := res.Quality.Err(); err != nil {
		p.log.Debug("face: quality gates failed", "issues", err, "faces", len(dets))
		return res, err
	}
	res.Template, err = p.emb.Embed(ctx, p.aligner.Crop(), nil)
	if err != nil {
		return res, err
	}
	p.log.Debug("face: template", "detector", res.Detector, "score", dets[0].Score, "eye_px", dets[0].EyeDistance())
	return res, nil
}

// Is lets errors.Is(err, ErrNoFace) hold for a QualityError listing
// IssueNoFace.
func (e *QualityError) Is(target error) bool {
	return target == ErrNoFace && e.Has(IssueNoFace)
}

var _ error = (*QualityError)(nil)
