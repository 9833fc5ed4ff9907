package fingerprint_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

// simOverPipe serves s on one end of an in-memory pipe and returns a
// driver on the other: no pty needed (the VM guest has no devpts).
func simOverPipe(t testing.TB, s *sim.Sensor, opts *r30x.Options) (*r30x.Device, *fingerprint.ConnPort) {
	t.Helper()
	a, b := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, b) }()
	port := fingerprint.NewConnPort(a)
	t.Cleanup(func() {
		cancel()
		port.Close()
		b.Close()
		<-done
	})
	d := r30x.New(port, opts)
	if err := d.Init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d, port
}

func TestConnPort(t *testing.T) {
	s := sim.New(sim.Config{Profile: sim.R503()})
	d, port := simOverPipe(t, s, &r30x.Options{Wake: s.Wake()})
	ctx := context.Background()
	tmpl, err := d.Enroll(ctx, s.Presenter(sim.NewFinger("judy")))
	if err != nil || len(tmpl) != 1536 {
		t.Fatalf("Enroll over a pipe: %d bytes, %v", len(tmpl), err)
	}
	if err := port.SetReadTimeout(10 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := port.Read(b[:]); !errors.Is(err, fingerprint.ErrTimeout) {
		t.Fatalf("Read on a silent pipe: %v", err)
	}
	port.Close()
	if _, err := port.Write([]byte{1}); !errors.Is(err, fingerprint.ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	if err := port.SetReadTimeout(0); err == nil {
		t.Fatal("zero timeout accepted")
	}
}
