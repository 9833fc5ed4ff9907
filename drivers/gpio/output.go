package gpio

import (
	"context"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// OutputConfig configures an Output (LED, buzzer).
type OutputConfig struct {
	// Pin is the periph name of the line; used by Open.
	Pin string
	// ActiveLow makes "on" drive the line low.
	ActiveLow bool
}

// Output is an on/off line such as an LED or a buzzer. It is driven off
// when created and by Close.
//
// An Output is safe for concurrent use.
type Output struct {
	mu        sync.Mutex
	pin       gpio.PinOut
	activeLow bool
	on        bool
	closed    bool
}

// NewOutput drives p to its off level and returns it as an Output.
func NewOutput(p gpio.PinOut, cfg OutputConfig) (*Output, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: nil output pin", ErrConfig)
	}
	o := &Output{pin: p, activeLow: cfg.ActiveLow}
	if err := o.drive(false); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *Output) drive(on bool) error {
	if err := o.pin.Out(gpio.Level(on != o.activeLow)); err != nil {
		return fmt.Errorf("gpio: drive %s: %w", o.pin, err)
	}
	o.on = on
	return nil
}

// Set switches the output on or off.
func (o *Output) Set(on bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return ErrClosed
	}
	return o.drive(on)
}

// On reports the last level set.
func (o *Output) On() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.on
}

// Pulse switches the output on for d (a beep, a blink), then off; it is
// switched off early, and ctx.Err() returned, if ctx ends first.
func (o *Output) Pulse(ctx context.Context, d time.Duration) error {
	if err := o.Set(true); err != nil {
		return err
	}
	t := time.NewTimer(d)
	defer t.Stop()
	var cerr error
	select {
	case <-ctx.Done():
		cerr = ctx.Err()
	case <-t.C:
	}
	if err := o.Set(false); err != nil {
		return err
	}
	return cerr
}

// Close switches the output off; later calls return ErrClosed.
func (o *Output) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return nil
	}
	o.closed = true
	return o.drive(false)
}
