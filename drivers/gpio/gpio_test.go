package gpio

import (
	"context"
	"errors"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

func newPin(name string) *gpiotest.Pin {
	return &gpiotest.Pin{N: name, EdgesChan: make(chan gpio.Level, 16)}
}

func level(p *gpiotest.Pin) gpio.Level {
	p.Lock()
	defer p.Unlock()
	return p.L
}

// eventually polls cond for up to 2 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestInputWaitFor feeds bounce sequences through the pin's edge queue.
// Edges are queued before the clock starts, and the input consumes them
// only afterwards, so the debounce bounds below hold however the
// scheduler runs the goroutines.
func TestInputWaitFor(t *testing.T) {
	const debounce = 30 * time.Millisecond
	for _, activeLow := range []bool{false, true} {
		p := newPin("wake")
		in, err := NewInput(p, InputConfig{ActiveLow: activeLow, Pull: gpio.PullNoChange, Debounce: debounce})
		if err != nil {
			t.Fatal(err)
		}
		idle, pressed := gpio.Level(activeLow), gpio.Level(!activeLow)
		p.Out(idle)
		if in.Active() {
			t.Fatalf("activeLow=%v: idle level reads active", activeLow)
		}
		// a bounce that settles back to idle is not a press
		p.EdgesChan <- pressed
		p.EdgesChan <- idle
		ctx, cancel := context.WithTimeout(context.Background(), 4*debounce)
		err = in.WaitFor(ctx, true)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("activeLow=%v: a bounce back to idle counted as a press (%v)", activeLow, err)
		}
		// press, bounce, press: counts once the level held for debounce
		p.EdgesChan <- pressed
		p.EdgesChan <- idle
		p.EdgesChan <- pressed
		queued := time.Now()
		if err := in.WaitFor(context.Background(), true); err != nil {
			t.Fatal(err)
		}
		if held := time.Since(queued); held < debounce {
			t.Fatalf("activeLow=%v: returned %v after the last bounce, before the debounce time", activeLow, held)
		}
		if len(p.EdgesChan) != 0 {
			t.Fatalf("activeLow=%v: %d edges left unconsumed", activeLow, len(p.EdgesChan))
		}
		// already active: returns (after the debounce check) without edges
		if err := in.WaitFor(context.Background(), true); err != nil {
			t.Fatal(err)
		}
		// and the release
		p.EdgesChan <- idle
		if err := in.WaitFor(context.Background(), false); err != nil || in.Active() {
			t.Fatalf("release: %v, active %v", err, in.Active())
		}
	}
}

func TestInputWaitForCancelAndClose(t *testing.T) {
	p := newPin("wake")
	in, err := NewInput(p, InputConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := in.WaitFor(ctx, true); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("cancel took %v", d)
	}
	done := make(chan error, 1)
	go func() { done <- in.WaitFor(context.Background(), true) }()
	time.Sleep(10 * time.Millisecond)
	in.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("after Close: %v", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Close did not end WaitFor")
	}
	if _, err := NewInput(p, InputConfig{Debounce: time.Minute}); !errors.Is(err, ErrConfig) {
		t.Fatalf("debounce 1m: %v", err)
	}
	if _, err := NewInput(&gpiotest.Pin{N: "noedges"}, InputConfig{}); err == nil {
		t.Fatal("pin without edge support accepted")
	}
}

func TestOutput(t *testing.T) {
	p := newPin("led")
	p.L = gpio.Low
	o, err := NewOutput(p, OutputConfig{ActiveLow: true})
	if err != nil {
		t.Fatal(err)
	}
	if level(p) != gpio.High {
		t.Fatal("active-low output not driven off (high) at start")
	}
	if err := o.Set(true); err != nil || level(p) != gpio.Low || !o.On() {
		t.Fatalf("Set(true): %v, level %v", err, level(p))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := o.Pulse(ctx, time.Hour); !errors.Is(err, context.Canceled) || level(p) != gpio.High {
		t.Fatalf("cancelled pulse: %v, level %v", err, level(p))
	}
	if err := o.Pulse(context.Background(), time.Millisecond); err != nil || level(p) != gpio.High {
		t.Fatalf("pulse: %v, level %v", err, level(p))
	}
	o.Set(true)
	if err := o.Close(); err != nil || level(p) != gpio.High {
		t.Fatalf("Close: %v, level %v", err, level(p))
	}
	if err := o.Set(true); !errors.Is(err, ErrClosed) {
		t.Fatalf("Set after Close: %v", err)
	}
}

func TestRelayMaxOn(t *testing.T) {
	p := newPin("relay")
	p.L = gpio.High
	r, err := NewRelay(p, RelayConfig{MaxOn: 80 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if level(p) != gpio.Low {
		t.Fatal("relay not released at start")
	}
	if err := r.Energise(81 * time.Millisecond); !errors.Is(err, ErrTooLong) || level(p) != gpio.Low {
		t.Fatalf("over-long energise: %v, level %v", err, level(p))
	}
	for _, d := range []time.Duration{0, -time.Second} {
		if err := r.Energise(d); !errors.Is(err, ErrTooLong) {
			t.Fatalf("Energise(%v): %v", d, err)
		}
	}
	// keep extending: the relay must still drop after MaxOn in total
	start := time.Now()
	if err := r.Energise(60 * time.Millisecond); err != nil || level(p) != gpio.High {
		t.Fatalf("energise: %v, level %v", err, level(p))
	}
	for time.Since(start) < 2*time.Second && level(p) == gpio.High {
		r.Energise(60 * time.Millisecond) // returns nil; cannot pass MaxOn
		time.Sleep(5 * time.Millisecond)
	}
	onFor := time.Since(start)
	if level(p) != gpio.Low || r.Energised() {
		t.Fatal("relay still on after being extended past MaxOn")
	}
	if onFor < 80*time.Millisecond {
		t.Fatalf("released after %v, before MaxOn", onFor)
	}
	t.Logf("kept extending; released after %v (MaxOn 80ms)", onFor)
}

func TestRelayPulseReleases(t *testing.T) {
	p := newPin("relay")
	r, err := NewRelay(p, RelayConfig{ActiveLow: true, MaxOn: time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if level(p) != gpio.High {
		t.Fatal("active-low relay not released (high) at start")
	}
	if err := r.Pulse(context.Background(), 5*time.Millisecond); err != nil || level(p) != gpio.High {
		t.Fatalf("pulse: %v, level %v", err, level(p))
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		eventually(t, "relay energised", func() bool { return level(p) == gpio.Low })
		cancel()
	}()
	if err := r.Pulse(ctx, 900*time.Millisecond); !errors.Is(err, context.Canceled) || level(p) != gpio.High {
		t.Fatalf("cancelled pulse: %v, level %v", err, level(p))
	}
	// a panicking goroutine releases through Guard
	func() {
		defer func() {
			if recover() != "boom" {
				t.Fatal("panic not propagated")
			}
		}()
		defer r.Guard()
		if err := r.Energise(500 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		panic("boom")
	}()
	if level(p) != gpio.High {
		t.Fatal("relay still energised after a panic")
	}
	r.Energise(500 * time.Millisecond)
	if err := r.Close(); err != nil || level(p) != gpio.High {
		t.Fatalf("Close: %v, level %v", err, level(p))
	}
	if err := r.Energise(time.Millisecond); !errors.Is(err, ErrClosed) {
		t.Fatalf("Energise after Close: %v", err)
	}
	if _, err := NewRelay(p, RelayConfig{MaxOn: 2 * MaxRelayOn}, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("MaxOn too long: %v", err)
	}
}

type fakeRegistry map[string]*gpiotest.Pin

func (f fakeRegistry) ByName(n string) gpio.PinIO {
	if p, ok := f[n]; ok {
		return p
	}
	return nil
}

func TestOpenBoard(t *testing.T) {
	reg := fakeRegistry{"GPIO17": newPin("GPIO17"), "GPIO22": newPin("GPIO22"), "GPIO23": newPin("GPIO23"), "GPIO27": newPin("GPIO27")}
	reg["GPIO27"].L = gpio.High // relay line high before Open
	cfg := Config{
		Wake:  InputConfig{Pin: "GPIO17", ActiveLow: true},
		LEDs:  map[string]OutputConfig{"green": {Pin: "GPIO22"}, "unused": {}},
		Relay: RelayConfig{Pin: "GPIO27", MaxOn: time.Second},
	}
	b, err := Open(cfg, &Options{Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	if b.Wake == nil || b.Relay == nil || b.LEDs["green"] == nil || b.Buzzer != nil || len(b.LEDs) != 1 {
		t.Fatalf("board %+v", b)
	}
	if level(reg["GPIO27"]) != gpio.Low {
		t.Fatal("relay not released by Open")
	}
	b.Relay.Energise(time.Second)
	b.LEDs["green"].Set(true)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if level(reg["GPIO27"]) != gpio.Low || level(reg["GPIO22"]) != gpio.Low {
		t.Fatal("Close left an output on")
	}

	for _, c := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"unknown pin", Config{Relay: RelayConfig{Pin: "GPIO99"}}, ErrNoPin},
		{"shared pin", Config{Relay: RelayConfig{Pin: "GPIO27"}, Buzzer: OutputConfig{Pin: "GPIO27"}}, ErrConfig},
		{"bad relay", Config{Relay: RelayConfig{Pin: "GPIO27", MaxOn: time.Hour}}, ErrConfig},
		{"unknown led after relay", Config{Relay: RelayConfig{Pin: "GPIO23"}, LEDs: map[string]OutputConfig{"red": {Pin: "nope"}}}, ErrNoPin},
	} {
		b, err := Open(c.cfg, &Options{Registry: reg})
		if !errors.Is(err, c.want) || b != nil {
			t.Errorf("%s: %v, %v; want %v", c.name, b, err, c.want)
		}
	}
}

func TestProbe(t *testing.T) {
	reg := fakeRegistry{"GPIO17": newPin("GPIO17"), "GPIO27": newPin("GPIO27")}
	for _, c := range []struct {
		cfg  Config
		want ProbeState
	}{
		{Config{}, ProbeSkipped},
		{Config{Wake: InputConfig{Pin: "GPIO17"}, Relay: RelayConfig{Pin: "GPIO27"}}, ProbeOK},
		{Config{Wake: InputConfig{Pin: "GPIO17"}, LEDs: map[string]OutputConfig{"red": {Pin: "GPIO5"}}}, ProbeFailed},
	} {
		r := Probe(c.cfg, &Options{Registry: reg})
		if r.State != c.want || r.Reason == "" {
			t.Errorf("Probe(%+v) = %+v, want %v", c.cfg, r, c.want)
		}
	}
	if level(reg["GPIO27"]) != gpio.Low || reg["GPIO17"].P != gpio.PullNoChange {
		t.Fatal("Probe touched a line")
	}
}
