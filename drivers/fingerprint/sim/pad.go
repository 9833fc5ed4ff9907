package sim

import (
	"context"
	"sync"
)

// pad is the sensing surface shared by the simulated modules: which finger
// is down, how many impressions were taken, and the touch line.
type pad struct {
	mu      sync.Mutex
	finger  *Finger
	presses uint64
	lifts   uint64
	touch   chan struct{}
}

func (p *pad) ch() chan struct{} {
	if p.touch == nil {
		p.touch = make(chan struct{}, 1)
	}
	return p.touch
}

func (p *pad) place(f Finger) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finger = &f
	select {
	case p.ch() <- struct{}{}:
	default:
	}
}

func (p *pad) lift() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finger != nil {
		p.lifts++
	}
	p.finger = nil
	select {
	case <-p.ch():
	default:
	}
}

// down reports whether a finger is on the pad.
func (p *pad) down() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.finger != nil
}

// liftCount returns how many times a finger was lifted.
func (p *pad) liftCount() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lifts
}

// press returns the finger (nil if none) and the number of this impression.
func (p *pad) press() (*Finger, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finger == nil {
		return nil, 0
	}
	p.presses++
	return p.finger, p.presses
}

// Wake is the simulated touch line of a module (a
// fingerprint.WakeSource): it fires when a finger is placed.
type Wake struct{ p *pad }

// WaitTouch returns at once while a finger is down; otherwise it blocks
// until one is placed or ctx ends.
func (w *Wake) WaitTouch(ctx context.Context) error {
	if w.p.down() {
		return nil
	}
	w.p.mu.Lock()
	ch := w.p.ch()
	w.p.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
