package gpio

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// InputConfig configures an Input.
type InputConfig struct {
	// Pin is the periph name of the line, e.g. "GPIO17"; used by Open.
	Pin string
	// ActiveLow makes a low level the active one (a button to ground).
	ActiveLow bool
	// Pull selects the line bias; gpio.PullNoChange (the zero value) leaves
	// it as the board configured it.
	Pull gpio.Pull
	// Debounce is how long a level must hold to count; 0 means 20 ms,
	// negative disables debouncing.
	Debounce time.Duration
}

// edgeSlice bounds one WaitForEdge call, so a cancelled context is noticed
// within this time even on drivers whose Halt cannot interrupt a wait.
const edgeSlice = 50 * time.Millisecond

// Input is a debounced digital input with edge wait, such as a touch
// sensor's wake line or a door button.
//
// An Input is safe for concurrent use; concurrent waits are serialised.
type Input struct {
	mu        sync.Mutex
	pin       gpio.PinIn
	activeLow bool
	debounce  time.Duration
	closed    atomic.Bool
}

// NewInput configures p as an input with both edges enabled.
func NewInput(p gpio.PinIn, cfg InputConfig) (*Input, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: nil input pin", ErrConfig)
	}
	d := cfg.Debounce
	switch {
	case d == 0:
		d = 20 * time.Millisecond
	case d < 0:
		d = 0
	case d > 10*time.Second:
		return nil, fmt.Errorf("%w: debounce %v", ErrConfig, d)
	}
	if err := p.In(cfg.Pull, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("gpio: %s as input: %w", p, err)
	}
	return &Input{pin: p, activeLow: cfg.ActiveLow, debounce: d}, nil
}

// Active reports the current raw (not debounced) level, polarity applied.
func (in *Input) Active() bool {
	return bool(in.pin.Read()) != in.activeLow
}

// WaitFor blocks until the debounced input is active (want true) or
// inactive (want false); it returns at once if it already is. It returns
// ctx.Err() if ctx ends first.
func (in *Input) WaitFor(ctx context.Context, want bool) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if in.closed.Load() {
			return ErrClosed
		}
		if in.Active() != want {
			if _, err := in.waitEdge(ctx, 0); err != nil {
				return err
			}
			continue
		}
		if in.debounce == 0 {
			return nil
		}
		// the level is right: it counts if no edge comes within the
		// debounce time and it still reads the same afterwards
		edge, err := in.waitEdge(ctx, in.debounce)
		if err != nil {
			return err
		}
		if !edge && in.Active() == want {
			return nil
		}
	}
}

// waitEdge waits up to d (0: forever) for an edge, in slices so ctx is
// honoured. It reports whether an edge arrived.
func (in *Input) waitEdge(ctx context.Context, d time.Duration) (bool, error) {
	var end time.Time
	if d > 0 {
		end = time.Now().Add(d)
	}
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		slice := edgeSlice
		if !end.IsZero() {
			left := time.Until(end)
			if left <= 0 {
				return false, nil
			}
			slice = min(slice, left)
		}
		if in.closed.Load() {
			return false, ErrClosed
		}
		start := time.Now()
		if in.pin.WaitForEdge(slice) {
			return true, nil
		}
		// a driver that fails fast (line freed, read error) must not turn
		// this loop into a busy spin: sit out the rest of the slice
		if rest := slice - time.Since(start); rest > slice/2 {
			t := time.NewTimer(rest)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
	}
}

// Close makes pending and later waits return ErrClosed (within one slice,
// 50 ms). It does not free the line; Board.Close does.
func (in *Input) Close() error {
	in.closed.Store(true)
	return nil
}

// String names the pin.
func (in *Input) String() string { return in.pin.String() }
