package r30x

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// Capture waits for a finger and takes an image into the image buffer. It
// blocks on the wake source (a touch-pin edge, or a poll timer) and lets
// GenImg decide: "no finger" after a wake sends it back to waiting. After
// CaptureTimeout it fails with an error matching both CodeNoFinger and
// fingerprint.ErrTimeout.
func (d *Device) Capture(ctx context.Context) error {
	ctx, cancel := context.WithTimeoutCause(ctx, d.opt.CaptureTimeout, errWindow)
	defer cancel()
	for {
		err := d.GenImage(ctx)
		if err == nil || !errors.Is(err, CodeNoFinger) {
			return timeoutAsNoFinger(ctx, err, d.opt.CaptureTimeout)
		}
		if err := d.wake.WaitTouch(ctx); err != nil {
			return timeoutAsNoFinger(ctx, err, d.opt.CaptureTimeout)
		}
	}
}

// WaitLift polls GenImg until the module sees no finger.
func (d *Device) WaitLift(ctx context.Context) error {
	ctx, cancel := context.WithTimeoutCause(ctx, d.opt.CaptureTimeout, errWindow)
	defer cancel()
	poll := fingerprint.PollWake{}
	for {
		err := d.GenImage(ctx)
		if errors.Is(err, CodeNoFinger) {
			return nil
		}
		if err != nil && !errors.Is(err, CodeCaptureFailed) {
			return timeoutAsNoFinger(ctx, err, d.opt.CaptureTimeout)
		}
		if err := poll.WaitTouch(ctx); err != nil {
			return fmt.Errorf("r30x: finger not lifted: %w", err)
		}
	}
}

// errWindow is the cause of a capture window's expiry.
var errWindow = errors.New("r30x: capture window expired")

// timeoutAsNoFinger turns the expiry of the capture window (not of the
// caller's context) into a precise error.
func timeoutAsNoFinger(ctx context.Context, err error, window time.Duration) error {
	if err != nil && errors.Is(err, context.DeadlineExceeded) && errors.Is(context.Cause(ctx), errWindow) {
		return fmt.Errorf("r30x: capture: %w within %v (%w)", CodeNoFinger, window, fingerprint.ErrTimeout)
	}
	return err
}

// poorImage reports module answers that another capture may cure.
func poorImage(err error) bool {
	return errors.Is(err, CodeMessy) || errors.Is(err, CodeFewFeatures) || errors.Is(err, CodeTooDry) ||
		errors.Is(err, CodeTooWet) || errors.Is(err, CodeCaptureFailed) || errors.Is(err, CodeNoImage)
}

// captureFeatures captures until the module extracts features into buf,
// retrying poor images CaptureRetries times.
func (d *Device) captureFeatures(ctx context.Context, buf int, step fingerprint.Step, progress func(fingerprint.Step)) error {
	for try := 0; ; try++ {
		step.Event = fingerprint.StepPlaceFinger
		progress(step)
		err := d.Capture(ctx)
		if err == nil {
			step.Event = fingerprint.StepCaptured
			progress(step)
			err = d.Image2Tz(ctx, buf)
		}
		if err == nil {
			step.Event = fingerprint.StepFeatures
			progress(step)
			return nil
		}
		if !poorImage(err) || try >= d.opt.CaptureRetries {
			return err
		}
		step.Event = fingerprint.StepRetry
		progress(step)
		if err := d.WaitLift(ctx); err != nil {
			return err
		}
	}
}

// Enroll captures the finger EnrollCaptures times (lifting in between),
// merges the features on the module and returns the template read back with
// UpChar. Nothing is written to the module's flash. progress may be nil.
func (d *Device) Enroll(ctx context.Context, progress func(fingerprint.Step)) ([]byte, error) {
	if progress == nil {
		progress = func(fingerprint.Step) {}
	}
	n := d.opt.EnrollCaptures
	for i := 1; i <= n; i++ {
		step := fingerprint.Step{Capture: i, Of: n}
		if err := d.captureFeatures(ctx, i, step, progress); err != nil {
			return nil, fmt.Errorf("r30x: enroll capture %d/%d: %w", i, n, err)
		}
		if i < n {
			step.Event = fingerprint.StepLiftFinger
			progress(step)
			if err := d.WaitLift(ctx); err != nil {
				return nil, fmt.Errorf("r30x: enroll capture %d/%d: %w", i, n, err)
			}
		}
	}
	if err := d.RegModel(ctx); err != nil {
		return nil, fmt.Errorf("r30x: enroll: %w", err)
	}
	progress(fingerprint.Step{Capture: n, Of: n, Event: fingerprint.StepMerged})
	tmpl, err := d.UpChar(ctx, 1)
	if err != nil {
		return nil, fmt.Errorf("r30x: enroll: %w", err)
	}
	return tmpl, nil
}

// EnrollTemplate implements fingerprint.TemplateSensor.
func (d *Device) EnrollTemplate(ctx context.Context, progress func(fingerprint.Step)) ([]byte, error) {
	return d.Enroll(ctx, progress)
}

// VerifyTemplate implements fingerprint.TemplateSensor: DownChar(2) loads
// the template into RAM, a live capture goes to buffer 1, Match compares.
func (d *Device) VerifyTemplate(ctx context.Context, tmpl []byte) (fingerprint.Match, error) {
	if err := d.DownChar(ctx, 2, tmpl); err != nil {
		return fingerprint.Match{}, err
	}
	step := fingerprint.Step{Capture: 1, Of: 1}
	if err := d.captureFeatures(ctx, 1, step, func(fingerprint.Step) {}); err != nil {
		return fingerprint.Match{}, err
	}
	ok, score, err := d.Match(ctx)
	if err != nil {
		return fingerprint.Match{}, err
	}
	return fingerprint.Match{Matched: ok, Score: score}, nil
}

// EmptyLibrary implements fingerprint.TemplateSensor.
func (d *Device) EmptyLibrary(ctx context.Context) error { return d.Empty(ctx) }
