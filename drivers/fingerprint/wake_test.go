package fingerprint_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

// fakePin is a GPIO input whose level and edges the test drives, like the
// kernel's gpio-sim does for the VM test.
type fakePin struct {
	mu    sync.Mutex
	level gpio.Level
	edge  gpio.Edge
	pull  gpio.Pull
	edges chan struct{}
}

func newFakePin(level gpio.Level) *fakePin {
	return &fakePin{level: level, edges: make(chan struct{}, 16)}
}

func (p *fakePin) In(pull gpio.Pull, edge gpio.Edge) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pull, p.edge = pull, edge
	return nil
}

func (p *fakePin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.level
}

func (p *fakePin) WaitForEdge(timeout time.Duration) bool {
	select {
	case <-p.edges:
		return true
	case <-time.After(timeout):
		return false
	}
}

// set drives the line; a change in the armed direction is an edge.
func (p *fakePin) set(l gpio.Level) {
	p.mu.Lock()
	old, edge := p.level, p.edge
	p.level = l
	p.mu.Unlock()
	if old != l && (edge == gpio.BothEdges || (edge == gpio.FallingEdge) == (l == gpio.Low)) {
		p.edges <- struct{}{}
	}
}

func TestPinWake(t *testing.T) {
	for _, activeLow := range []bool{true, false} {
		idle, active := gpio.High, gpio.Low
		if !activeLow {
			idle, active = gpio.Low, gpio.High
		}
		pin := newFakePin(idle)
		// Debounce is set before WaitTouch starts: PinWake's fields are
		// configuration, not to be changed while a wait is in progress.
		w := &fingerprint.PinWake{Pin: pin, ActiveLow: activeLow, Pull: gpio.PullUp, Debounce: 30 * time.Millisecond, Slice: 10 * time.Millisecond}
		done := make(chan error, 1)
		go func() { done <- w.WaitTouch(context.Background()) }()
		select {
		case err := <-done:
			t.Fatalf("activeLow=%v: WaitTouch returned %v before any edge", activeLow, err)
		case <-time.After(50 * time.Millisecond):
		}
		// A glitch (edge, then back to idle before the debounce re-read)
		// must not count as a touch.
		pin.set(active)
		pin.set(idle)
		select {
		case err := <-done:
			t.Fatalf("activeLow=%v: glitch woke the capture (%v)", activeLow, err)
		case <-time.After(80 * time.Millisecond):
		}
		pin.set(active)
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(time.Second):
			t.Fatalf("activeLow=%v: edge did not wake", activeLow)
		}
		if wantEdge := map[bool]gpio.Edge{true: gpio.FallingEdge, false: gpio.RisingEdge}[activeLow]; pin.edge != wantEdge || pin.pull != gpio.PullUp {
			t.Fatalf("pin armed with edge %v pull %v", pin.edge, pin.pull)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	w := &fingerprint.PinWake{Pin: newFakePin(gpio.High), ActiveLow: true}
	if err := w.WaitTouch(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitTouch without touch: %v", err)
	}
}

// TestTouchEdgeWakesCapture: with a touch pin the driver does not poll;
// the capture starts on the edge.
func TestTouchEdgeWakesCapture(t *testing.T) {
	s := sim.New(sim.Config{})
	p, err := sim.StartPTY(context.Background(), s, "")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pin := newFakePin(gpio.High)
	d, err := r30x.Open(context.Background(), p.Path, &r30x.Options{
		Wake: &fingerprint.PinWake{Pin: pin, ActiveLow: true, Debounce: time.Millisecond, Slice: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c0 := s.Commands()
	done := make(chan error, 1)
	go func() { done <- d.Capture(context.Background()) }()
	// One GenImg ("no finger"), then the driver must block on the line.
	for deadline := time.Now().Add(5 * time.Second); s.Commands() < c0+1; {
		if time.Now().After(deadline) {
			t.Fatal("capture never sent its first GenImg")
		}
		time.Sleep(5 * time.Millisecond)
	}
	before := s.Commands()
	time.Sleep(300 * time.Millisecond)
	if n := s.Commands() - before; n != 0 {
		t.Fatalf("driver sent %d commands while waiting for the touch edge", n)
	}
	s.Place(sim.NewFinger("heidi"))
	pin.set(gpio.Low)
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Capture: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("touch edge did not wake the capture")
	}
}
