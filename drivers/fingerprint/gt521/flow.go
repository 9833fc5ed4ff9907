package gt521

import (
	"context"
	"errors"
	"fmt"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// errWindow is the cause of an expired finger wait.
var errWindow = errors.New("gt521: finger wait expired")

// waitFinger blocks until IsPressFinger reports want, woken by the wake
// source (or its poll interval when lifting).
func (d *Device) waitFinger(ctx context.Context, want bool) error {
	ctx, cancel := context.WithTimeoutCause(ctx, d.opt.CaptureTimeout, errWindow)
	defer cancel()
	var poll fingerprint.WakeSource = fingerprint.PollWake{}
	if want {
		poll = d.wake
	}
	for {
		pressed, err := d.IsPressFinger(ctx)
		if err == nil && pressed == want {
			return nil
		}
		if err == nil {
			err = poll.WaitTouch(ctx)
		}
		if err != nil {
			if errors.Is(context.Cause(ctx), errWindow) {
				return fmt.Errorf("gt521: %w within %v (%w)", NackFingerNotPress, d.opt.CaptureTimeout, fingerprint.ErrTimeout)
			}
			return err
		}
	}
}

// EnrollTemplate implements fingerprint.TemplateSensor: three captures into
// the scratch slot, read out, then the slot is deleted.
func (d *Device) EnrollTemplate(ctx context.Context, progress func(fingerprint.Step)) (tmpl []byte, err error) {
	if progress == nil {
		progress = func(fingerprint.Step) {}
	}
	id := d.opt.ScratchID
	if err := d.DeleteID(ctx, id); err != nil && !errors.Is(err, NackNotUsed) {
		return nil, err
	}
	if err := d.SetLED(ctx, true); err != nil {
		return nil, err
	}
	defer func() {
		if lerr := d.SetLED(context.WithoutCancel(ctx), false); err == nil && lerr != nil {
			err = lerr
		}
	}()
	if err := d.EnrollStart(ctx, id); err != nil {
		return nil, err
	}
	for i := 1; i <= 3; i++ {
		st := fingerprint.Step{Capture: i, Of: 3, Event: fingerprint.StepPlaceFinger}
		progress(st)
		if err := d.waitFinger(ctx, true); err != nil {
			return nil, err
		}
		if err := d.CaptureFinger(ctx, true); err != nil {
			return nil, err
		}
		st.Event = fingerprint.StepCaptured
		progress(st)
		if err := d.EnrollStep(ctx, i); err != nil {
			return nil, fmt.Errorf("gt521: enroll capture %d/3: %w", i, err)
		}
		st.Event = fingerprint.StepFeatures
		progress(st)
		if i < 3 {
			st.Event = fingerprint.StepLiftFinger
			progress(st)
			if err := d.waitFinger(ctx, false); err != nil {
				return nil, err
			}
		}
	}
	progress(fingerprint.Step{Capture: 3, Of: 3, Event: fingerprint.StepMerged})
	tmpl, err = d.GetTemplate(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := d.DeleteID(ctx, id); err != nil {
		clear(tmpl)
		return nil, err
	}
	return tmpl, nil
}

// VerifyTemplate implements fingerprint.TemplateSensor.
func (d *Device) VerifyTemplate(ctx context.Context, tmpl []byte) (m fingerprint.Match, err error) {
	if err := d.SetLED(ctx, true); err != nil {
		return m, err
	}
	defer func() {
		if lerr := d.SetLED(context.WithoutCancel(ctx), false); err == nil && lerr != nil {
			err = lerr
		}
	}()
	if err := d.waitFinger(ctx, true); err != nil {
		return m, err
	}
	if err := d.CaptureFinger(ctx, false); err != nil {
		return m, err
	}
	ok, err := d.VerifyWithTemplate(ctx, tmpl)
	return fingerprint.Match{Matched: ok}, err
}

// EmptyLibrary implements fingerprint.TemplateSensor.
func (d *Device) EmptyLibrary(ctx context.Context) error { return d.DeleteAll(ctx) }
