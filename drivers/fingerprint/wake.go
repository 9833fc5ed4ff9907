package fingerprint

import (
	"context"
	"fmt"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// WakeSource blocks until a finger (probably) touches the sensor. A wake is a
// hint, never proof: drivers always let the module's own capture decide.
type WakeSource interface {
	// WaitTouch returns nil when a touch was detected, or ctx.Err().
	WaitTouch(ctx context.Context) error
}

// PollWake is a WakeSource for modules without a wired touch line: it
// returns after Interval (default 150 ms), so the driver polls its capture
// command at that rate. Poll no faster than every 100 ms: optical modules
// flash their backlight on each capture.
type PollWake struct {
	Interval time.Duration
}

// WaitTouch implements WakeSource.
func (w PollWake) WaitTouch(ctx context.Context) error {
	d := w.Interval
	if d <= 0 {
		d = 150 * time.Millisecond
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// EdgePin is the part of periph's gpio.PinIn that PinWake uses; every
// gpio.PinIn satisfies it.
type EdgePin interface {
	In(pull gpio.Pull, edge gpio.Edge) error
	Read() gpio.Level
	WaitForEdge(timeout time.Duration) bool
}

// PinWake is a WakeSource on the module's touch/wake output (R503 WAKEUP,
// R307 touch, AS608 WAK). The output polarity differs between modules, so
// it is configuration: R503 and R307 pull the line low while touched
// (ActiveLow), AS608 and ZFM-708 drive it high.
//
// PinWake is NOT safe for concurrent use.
type PinWake struct {
	// Pin is the GPIO line wired to the module's touch output.
	Pin EdgePin
	// ActiveLow selects a falling edge / low level as "touched".
	ActiveLow bool
	// Pull is applied when arming the pin; the zero value (gpio.Float)
	// leaves the line floating. PullUp is harmless on push-pull outputs.
	Pull gpio.Pull
	// Debounce is how long after an edge the level is re-read to confirm
	// the touch; 0 means 20 ms.
	Debounce time.Duration
	// Slice bounds each blocking wait so ctx is honoured; 0 means 100 ms.
	Slice time.Duration
}

// WaitTouch implements WakeSource: it arms the edge, returns at once if the
// line already shows a touch, and otherwise waits for the edge and confirms
// the level after the debounce time.
func (w *PinWake) WaitTouch(ctx context.Context) error {
	edge, active := gpio.RisingEdge, gpio.High
	if w.ActiveLow {
		edge, active = gpio.FallingEdge, gpio.Low
	}
	if err := w.Pin.In(w.Pull, edge); err != nil {
		return fmt.Errorf("fingerprint: arm touch pin: %w", err)
	}
	debounce, slice := w.Debounce, w.Slice
	if debounce <= 0 {
		debounce = 20 * time.Millisecond
	}
	if slice <= 0 {
		slice = 100 * time.Millisecond
	}
	if w.Pin.Read() == active {
		return nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !w.Pin.WaitForEdge(slice) {
			continue
		}
		t := time.NewTimer(debounce)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		if w.Pin.Read() == active {
			return nil
		}
	}
}
