package face

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/vouchkiosk/vouch/models/tflite"
)

// Detector runs a BlazeFace model on frames. It is not safe for concurrent
// use; create one per goroutine (they may share the *tflite.Model).
type Detector struct {
	dec      *Decoder
	ip       *tflite.Interpreter
	in       *tflite.Tensor
	reg, cls *tflite.Tensor
	lbx      letterboxer
	dets     []Detection
}

// NewDetector plans m for spec and checks the tensors: input [1,S,S,3],
// outputs spec.Regressors [1,N,16] and spec.Classifiers [1,N,1] with N the
// anchor count. A model that does not fit fails with ErrModelShape.
func NewDetector(m *tflite.Model, spec DetectorSpec) (*Detector, error) {
	dec, err := NewDecoder(spec)
	if err != nil {
		return nil, err
	}
	ip, err := tflite.NewInterpreter(m, &tflite.Options{Threads: 1})
	if err != nil {
		return nil, fmt.Errorf("face: detector %s: %w", spec.Name, err)
	}
	d := &Detector{dec: dec, ip: ip}
	if ip.InputCount() != 1 {
		return nil, fmt.Errorf("%w: detector %s has %d inputs, want 1", ErrModelShape, spec.Name, ip.InputCount())
	}
	d.in = ip.Input(0)
	if err := wantShape(d.in, 1, spec.Size, spec.Size, 3); err != nil {
		return nil, fmt.Errorf("face: detector %s input: %w", spec.Name, err)
	}
	if d.reg, err = ip.OutputByName(spec.Regressors); err != nil {
		return nil, fmt.Errorf("%w: detector %s: %w", ErrModelShape, spec.Name, err)
	}
	if d.cls, err = ip.OutputByName(spec.Classifiers); err != nil {
		return nil, fmt.Errorf("%w: detector %s: %w", ErrModelShape, spec.Name, err)
	}
	n := dec.NumAnchors()
	if err := wantShape(d.reg, 1, n, 16); err != nil {
		return nil, fmt.Errorf("face: detector %s regressors: %w", spec.Name, err)
	}
	if err := wantShape(d.cls, 1, n, 1); err != nil {
		return nil, fmt.Errorf("face: detector %s classifiers: %w", spec.Name, err)
	}
	return d, nil
}

// wantShape reports ErrModelShape unless t is float32 with exactly shape.
func wantShape(t *tflite.Tensor, shape ...int) error {
	if t == nil {
		return fmt.Errorf("%w: missing tensor", ErrModelShape)
	}
	if t.Type() != tflite.Float32 || !slices.Equal(t.Shape(), shape) {
		return fmt.Errorf("%w: tensor %q is %v %v, want float32 %v", ErrModelShape, t.Name(), t.Type(), t.Shape(), shape)
	}
	return nil
}

// Spec returns the detector description.
func (d *Detector) Spec() DetectorSpec { return d.dec.Spec() }

// Detect finds faces in f, best first, in frame pixels. The returned slice
// is reused by the next call. No face is an empty slice, not an error.
func (d *Detector) Detect(ctx context.Context, f Frame) ([]Detection, Letterbox, error) {
	if err := f.Validate(); err != nil {
		return nil, Letterbox{}, err
	}
	lb, err := NewLetterbox(f.W, f.H, d.dec.spec.Size)
	if err != nil {
		return nil, Letterbox{}, err
	}
	in := d.in.Float32s()
	if err := d.lbx.render(f, lb, in); err != nil {
		return nil, Letterbox{}, err
	}
	err = d.ip.Invoke(ctx)
	clear(in)
	d.lbx.wipe()
	if err != nil {
		return nil, Letterbox{}, fmt.Errorf("face: detector %s: %w", d.dec.spec.Name, err)
	}
	d.dets, err = d.dec.Decode(d.dets[:0], d.reg.Float32s(), d.cls.Float32s())
	if err != nil {
		return nil, Letterbox{}, err
	}
	for i := range d.dets {
		d.dets[i] = lb.MapDetection(d.dets[i])
	}
	return d.dets, lb, nil
}

// isShapeErr reports whether err is a tflite re-planning shape failure.
func isShapeErr(err error) bool { return errors.Is(err, tflite.ErrShape) }
