//go:build vmtest && linux

package fpvmtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	_ "periph.io/x/host/v3/gpioioctl" // Linux GPIO character-device driver

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
	"github.com/vouchkiosk/vouch/tools/vmtest/vmenv"
)

const touchLine = 0 // lines 3–6 belong to drivers/gpio's VM tests

func setPull(t *testing.T, sysfs, pull string) {
	t.Helper()
	p := filepath.Join(sysfs, fmt.Sprintf("sim_gpio%d", touchLine), "pull")
	if err := os.WriteFile(p, []byte(pull), 0); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}

// TestVMTouchEdgeWakesCapture: the driver blocks on a real GPIO line
// without polling the module; a falling edge on the line (finger down on an
// active-low touch output) starts the capture, which then succeeds.
func TestVMTouchEdgeWakesCapture(t *testing.T) {
	vmenv.Need(t, vmenv.Env(t, "VMTEST_GPIO_CHIP"))
	sysfs := vmenv.Env(t, "VMTEST_GPIO_SYSFS")
	setPull(t, sysfs, "pull-up") // idle: no finger
	if _, err := driverreg.Init(); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("vmtest-line%d", touchLine)
	pin := gpioreg.ByName(name)
	if pin == nil {
		t.Fatalf("no GPIO line %q", name)
	}

	s := sim.New(sim.Config{Profile: sim.R503()})
	a, b := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx, b)
	defer b.Close()
	port := fingerprint.NewConnPort(a)
	d := r30x.New(port, &r30x.Options{
		Wake:           &fingerprint.PinWake{Pin: pin, ActiveLow: true, Pull: gpio.PullNoChange},
		CaptureTimeout: 20 * time.Second,
	})
	defer d.Close()
	if err := d.Init(ctx); err != nil {
		t.Fatal(err)
	}

	c0 := s.Commands()
	done := make(chan error, 1)
	go func() { done <- d.Capture(ctx) }()
	// One GenImg ("no finger"), then the driver must block on the line.
	for deadline := time.Now().Add(5 * time.Second); s.Commands() < c0+1; {
		if time.Now().After(deadline) {
			t.Fatal("capture never sent its first GenImg")
		}
		time.Sleep(5 * time.Millisecond)
	}
	before := s.Commands()
	time.Sleep(500 * time.Millisecond)
	if n := s.Commands() - before; n != 0 {
		t.Fatalf("driver polled the module %d times while waiting for the touch edge", n)
	}
	select {
	case err := <-done:
		t.Fatalf("capture returned before the touch: %v", err)
	default:
	}

	s.Place(sim.NewFinger("vm"))
	start := time.Now()
	setPull(t, sysfs, "pull-down") // finger down: the line falls
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Capture: %v", err)
		}
		t.Logf("capture completed %v after the edge", time.Since(start))
	case <-time.After(10 * time.Second):
		t.Fatal("the touch edge did not wake the capture")
	}
	setPull(t, sysfs, "pull-up")
}
