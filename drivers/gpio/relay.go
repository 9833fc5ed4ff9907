package gpio

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// RelayConfig configures a Relay.
type RelayConfig struct {
	// Pin is the periph name of the line; used by Open.
	Pin string
	// ActiveLow makes "energised" drive the line low (common on relay
	// boards with an optocoupler to ground).
	ActiveLow bool
	// MaxOn is the longest the coil may stay energised in one go; 0 means
	// 5 s. It is capped at 60 s.
	MaxOn time.Duration
}

// MaxRelayOn is the upper bound for RelayConfig.MaxOn.
const MaxRelayOn = 60 * time.Second

// Relay drives a door relay that can only be pulsed: every energise ends
// after at most MaxOn, enforced by a timer owned by the Relay, whatever
// the caller does.
//
// A Relay is safe for concurrent use.
type Relay struct {
	mu        sync.Mutex
	pin       gpio.PinOut
	activeLow bool
	maxOn     time.Duration
	log       *slog.Logger
	on        bool
	since     time.Time   // when the current energise began
	off       *time.Timer // releases at the current deadline
	gen       uint64      // identifies the armed timer
	closed    bool
}

// NewRelay drives p to the released level and returns it as a Relay. log
// receives release failures from the timer; nil discards.
func NewRelay(p gpio.PinOut, cfg RelayConfig, log *slog.Logger) (*Relay, error) {
	if p == nil {
		return nil, fmt.Errorf("%w: nil relay pin", ErrConfig)
	}
	if cfg.MaxOn == 0 {
		cfg.MaxOn = 5 * time.Second
	}
	if cfg.MaxOn < 0 || cfg.MaxOn > MaxRelayOn {
		return nil, fmt.Errorf("%w: relay MaxOn %v (want 0 < MaxOn <= %v)", ErrConfig, cfg.MaxOn, MaxRelayOn)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Relay{pin: p, activeLow: cfg.ActiveLow, maxOn: cfg.MaxOn, log: log}
	if err := r.drive(false); err != nil {
		return nil, err
	}
	return r, nil
}

// MaxOn returns the enforced maximum on-time.
func (r *Relay) MaxOn() time.Duration { return r.maxOn }

func (r *Relay) drive(on bool) error {
	if err := r.pin.Out(gpio.Level(on != r.activeLow)); err != nil {
		return fmt.Errorf("gpio: relay %s: %w", r.pin, err)
	}
	r.on = on
	return nil
}

// Energise switches the relay on for d and returns at once; the Relay
// releases it after d. Energising an energised relay moves the release to
// d from now, but never past MaxOn after the energise began. d must be in
// (0, MaxOn].
func (r *Relay) Energise(d time.Duration) error {
	if d <= 0 || d > r.maxOn {
		return fmt.Errorf("%w: %v (max %v)", ErrTooLong, d, r.maxOn)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	now := time.Now()
	if !r.on {
		if err := r.drive(true); err != nil {
			_ = r.drive(false)
			return err
		}
		r.since = now
	}
	until := now.Add(d)
	if limit := r.since.Add(r.maxOn); until.After(limit) {
		until = limit
	}
	if r.off != nil {
		r.off.Stop()
	}
	r.gen++
	gen := r.gen
	r.off = time.AfterFunc(time.Until(until), func() { r.expire(gen) })
	return nil
}

// expire is the timer's release. A timer that fired while Energise was
// re-arming (stale gen) does nothing.
func (r *Relay) expire(gen uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if gen != r.gen {
		return
	}
	if err := r.releaseLocked(); err != nil {
		r.log.Error("gpio: relay release failed", "pin", r.pin.String(), "err", err)
	}
}

// Release switches the relay off now.
func (r *Relay) Release() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.releaseLocked()
}

func (r *Relay) releaseLocked() error {
	if r.off != nil {
		r.off.Stop()
		r.off = nil
	}
	r.gen++
	// drive even if we think it is off: a release must never be skipped
	return r.drive(false)
}

// Energised reports whether the relay is on.
func (r *Relay) Energised() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.on
}

// Pulse energises the relay for d (at most MaxOn) and releases it before
// returning: after d, when ctx ends (returning ctx.Err()), or when the
// goroutine panics.
func (r *Relay) Pulse(ctx context.Context, d time.Duration) (err error) {
	if err := r.Energise(d); err != nil {
		return err
	}
	defer func() {
		if rerr := r.Release(); rerr != nil && err == nil {
			err = rerr
		}
	}()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Guard releases the relay if the calling goroutine is panicking, then
// lets the panic continue. Use it as `defer relay.Guard()` in goroutines
// that energise the relay.
func (r *Relay) Guard() {
	if p := recover(); p != nil {
		_ = r.Release()
		panic(p)
	}
}

// Close releases the relay; later energises return ErrClosed.
func (r *Relay) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	return r.releaseLocked()
}
