package camera

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

type slotState uint8

const (
	slotFree    slotState = iota
	slotWriting           // owned by the producer
	slotReady             // published, not yet taken
	slotHeld              // handed to the consumer
)

// Ring is a newest-frame-wins exchange between one producer and any number
// of consumers. The producer fills a free slot (Acquire, Publish) without
// ever blocking; a published frame replaces the previous unconsumed one,
// which is zeroed and counted as dropped. Next hands out the newest
// published frame and never the same frame twice.
//
// A Ring is safe for concurrent use.
type Ring struct {
	mu      sync.Mutex
	slots   []*Frame
	state   []slotState
	ready   int // index of the ready slot, -1 if none
	seq     uint64
	dropped uint64
	wake    chan struct{} // closed and replaced when a frame is published or the ring closes
	err     error         // non-nil once closed
}

// NewRing returns a ring with n frame slots. n must be at least 2: one for
// the producer to fill while one waits for the consumer; 3 lets the
// consumer hold a frame while capture continues at full rate.
func NewRing(n int) (*Ring, error) {
	if n < 2 || n > 64 {
		return nil, fmt.Errorf("camera: ring needs 2..64 slots, not %d", n)
	}
	r := &Ring{ready: -1, wake: make(chan struct{})}
	for i := range n {
		r.slots = append(r.slots, &Frame{ring: r, slot: i})
		r.state = append(r.state, slotFree)
	}
	return r, nil
}

// Acquire returns a zeroed free w×h frame for the producer to fill, or nil
// if every slot is held by consumers or the ring is closed: the producer
// then drops its frame instead of waiting.
func (r *Ring) Acquire(w, h int) (*Frame, error) {
	if err := checkSize(w, h); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, nil
	}
	for i, s := range r.state {
		if s == slotFree {
			r.state[i] = slotWriting
			f := r.slots[i]
			f.resize(w, h)
			return f, nil
		}
	}
	r.dropped++
	return nil, nil
}

// Publish makes f, obtained from Acquire, the newest frame, stamped with t
// and the next sequence number. An unconsumed older frame is dropped.
func (r *Ring) Publish(f *Frame, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustOwn(f, slotWriting)
	if r.err != nil {
		r.freeLocked(f.slot)
		return
	}
	if r.ready >= 0 {
		r.freeLocked(r.ready)
		r.dropped++
	}
	r.seq++
	f.Seq, f.Time = r.seq, t
	r.state[f.slot] = slotReady
	r.ready = f.slot
	close(r.wake)
	r.wake = make(chan struct{})
}

// Abort returns a frame from Acquire unpublished, e.g. after a decode error.
func (r *Ring) Abort(f *Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustOwn(f, slotWriting)
	r.freeLocked(f.slot)
}

// Next waits for a frame newer than any Next returned before and hands it
// to the caller, who must Release it. It returns the ring's close error
// (ErrClosed by default) once closed, and ctx.Err() when ctx ends first.
func (r *Ring) Next(ctx context.Context) (*Frame, error) {
	for {
		r.mu.Lock()
		if r.ready >= 0 {
			f := r.slots[r.ready]
			r.state[r.ready] = slotHeld
			r.ready = -1
			r.mu.Unlock()
			return f, nil
		}
		if r.err != nil {
			err := r.err
			r.mu.Unlock()
			return nil, err
		}
		wake := r.wake
		r.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Close ends the ring: Next returns err (ErrClosed if err is nil) once the
// last published frame has been taken. Held frames stay valid until
// released. Closing twice keeps the first error.
func (r *Ring) Close(err error) {
	if err == nil {
		err = ErrClosed
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	r.err = err
	close(r.wake)
	r.wake = make(chan struct{})
}

// discardReady frees an unconsumed published frame (after Close, so that
// Next reports the close instead of a stale frame).
func (r *Ring) discardReady() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ready >= 0 {
		r.freeLocked(r.ready)
		r.ready = -1
	}
}

// Dropped returns how many frames were discarded unseen, either replaced by
// a newer one or not captured because every slot was held.
func (r *Ring) Dropped() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dropped
}

func (r *Ring) release(f *Frame) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mustOwn(f, slotHeld)
	r.freeLocked(f.slot)
}

func (r *Ring) freeLocked(i int) {
	f := r.slots[i]
	clear(f.Pix)
	f.Seq, f.Time = 0, time.Time{}
	r.state[i] = slotFree
}

// errForeignFrame reports a Release/Publish of a frame in the wrong state,
// a bug in the caller that would otherwise corrupt another consumer's frame.
var errForeignFrame = errors.New("camera: frame released twice or not owned by this ring")

func (r *Ring) mustOwn(f *Frame, want slotState) {
	if f == nil || f.ring != r || f.slot < 0 || f.slot >= len(r.slots) || r.slots[f.slot] != f || r.state[f.slot] != want {
		panic(errForeignFrame) // deferred unlocks run while unwinding
	}
}
