//go:build vmtest && linux

package gpio

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/tools/vmtest/vmenv"
)

// These tests run against gpio-sim in the vmtest VM (make vmtest): /init
// creates one chip whose lines are named vmtest-line0..7. A test plays the
// hardware through sysfs: sim_gpioN/pull sets the level an input sees,
// sim_gpioN/value shows what an output drives.

const (
	lineWake  = 3
	lineRelay = 4
	lineLED   = 5
	lineKill  = 6
)

func lineName(n int) string { return fmt.Sprintf("vmtest-line%d", n) }

func simSysfs(t *testing.T) string {
	t.Helper()
	vmenv.Need(t, vmenv.Env(t, "VMTEST_GPIO_CHIP"))
	return vmenv.Env(t, "VMTEST_GPIO_SYSFS")
}

func setPull(t *testing.T, sysfs string, line int, pull string) {
	t.Helper()
	p := filepath.Join(sysfs, fmt.Sprintf("sim_gpio%d", line), "pull")
	if err := os.WriteFile(p, []byte(pull), 0); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}

func simValue(t *testing.T, sysfs string, line int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sysfs, fmt.Sprintf("sim_gpio%d", line), "value"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestVMWakeEdge presses and releases a simulated button and expects the
// debounced edge waits to return, through periph's gpioioctl driver.
func TestVMWakeEdge(t *testing.T) {
	sysfs := simSysfs(t)
	setPull(t, sysfs, lineWake, "pull-down")
	b, err := Open(Config{Wake: InputConfig{Pin: lineName(lineWake), Debounce: 10 * time.Millisecond}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Wake.Active() {
		t.Fatal("wake active while pulled down")
	}
	for _, step := range []struct {
		pull string
		want bool
	}{{"pull-up", true}, {"pull-down", false}, {"pull-up", true}} {
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			done <- b.Wake.WaitFor(ctx, step.want)
		}()
		time.Sleep(50 * time.Millisecond) // the waiter is blocked on the edge
		start := time.Now()
		setPull(t, sysfs, lineWake, step.pull)
		if err := <-done; err != nil {
			t.Fatalf("%s: %v", step.pull, err)
		}
		t.Logf("%s: WaitFor(%v) returned %v after the edge", step.pull, step.want, time.Since(start))
	}
	// cancellation while nothing happens
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := b.Wake.WaitFor(ctx, false); err != context.DeadlineExceeded {
		t.Fatalf("WaitFor with no edge: %v", err)
	}
}

// TestVMRelayMaxOn energises the relay line and keeps asking for more; the
// line (as gpio-sim sees it) must drop after MaxOn.
func TestVMRelayMaxOn(t *testing.T) {
	sysfs := simSysfs(t)
	b, err := Open(Config{
		Relay: RelayConfig{Pin: lineName(lineRelay), MaxOn: 300 * time.Millisecond},
		LEDs:  map[string]OutputConfig{"green": {Pin: lineName(lineLED), ActiveLow: true}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if v := simValue(t, sysfs, lineRelay); v != "0" {
		t.Fatalf("relay line %s after Open, want 0", v)
	}
	if v := simValue(t, sysfs, lineLED); v != "1" {
		t.Fatalf("active-low LED line %s when off, want 1", v)
	}
	b.LEDs["green"].Set(true)
	if v := simValue(t, sysfs, lineLED); v != "0" {
		t.Fatalf("active-low LED line %s when on, want 0", v)
	}
	start := time.Now()
	if err := b.Relay.Energise(200 * time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if v := simValue(t, sysfs, lineRelay); v != "1" {
		t.Fatalf("relay line %s when energised", v)
	}
	for simValue(t, sysfs, lineRelay) == "1" && time.Since(start) < 3*time.Second {
		_ = b.Relay.Energise(200 * time.Millisecond)
		time.Sleep(10 * time.Millisecond)
	}
	on := time.Since(start)
	if v := simValue(t, sysfs, lineRelay); v != "0" || on < 300*time.Millisecond {
		t.Fatalf("relay line %s after %v (MaxOn 300ms)", v, on)
	}
	t.Logf("relay held for %v against MaxOn 300ms while being re-energised every 10ms", on)
	if err := b.Relay.Pulse(context.Background(), time.Second); err == nil {
		t.Fatal("pulse longer than MaxOn accepted")
	}
}

// TestVMRelayAfterSIGKILL records what happens to an energised relay line
// when its process is killed: a child process (this binary) energises the
// line and is SIGKILLed; the kernel frees the line request and gpio-sim
// returns the line to its pull. Real GPIO controllers may instead keep the
// last level: see the package documentation for the fail-safe wiring.
func TestVMRelayAfterSIGKILL(t *testing.T) {
	if os.Getenv("VMTEST_RELAY_CHILD") == "1" {
		relayChild()
		return
	}
	sysfs := simSysfs(t)
	setPull(t, sysfs, lineKill, "pull-down")
	cmd := exec.Command(os.Args[0], "-test.run=^TestVMRelayAfterSIGKILL$", "-test.v")
	cmd.Env = append(os.Environ(), "VMTEST_RELAY_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	ready := false
	for sc.Scan() {
		if sc.Text() == "relay energised" {
			ready = true
			break
		}
	}
	if !ready {
		t.Fatalf("child never energised the relay (%v)", sc.Err())
	}
	if v := simValue(t, sysfs, lineKill); v != "1" {
		t.Fatalf("relay line %s while the child holds it energised", v)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	werr := cmd.Wait()
	after := simValue(t, sysfs, lineKill)
	t.Logf("RECORDED: relay line energised (1) by a process that was SIGKILLed (%v): line value afterwards %s with gpio-sim pull-down", werr, after)
	if after != "0" {
		t.Fatalf("line value %s after SIGKILL; gpio-sim should return it to its pull (0)", after)
	}
	// the kernel freed the request: the line can be requested again
	b, err := Open(Config{Relay: RelayConfig{Pin: lineName(lineKill)}}, nil)
	if err != nil {
		t.Fatalf("line still held after SIGKILL: %v", err)
	}
	b.Close()
	setPull(t, sysfs, lineKill, "pull-up")
	t.Logf("RECORDED: with pull-up the freed line reads %s: an unclaimed line follows its bias on gpio-sim", simValue(t, sysfs, lineKill))
	setPull(t, sysfs, lineKill, "pull-down")
}

// relayChild energises the relay for far longer than the test lasts and
// waits to be killed.
func relayChild() {
	b, err := Open(Config{Relay: RelayConfig{Pin: lineName(lineKill), MaxOn: MaxRelayOn}}, nil)
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	if err := b.Relay.Energise(MaxRelayOn); err != nil {
		fmt.Println("energise:", err)
		os.Exit(1)
	}
	fmt.Println("relay energised")
	time.Sleep(time.Minute)
	os.Exit(1)
}

func TestVMProbe(t *testing.T) {
	simSysfs(t)
	ok := Probe(Config{Wake: InputConfig{Pin: lineName(lineWake)}, Relay: RelayConfig{Pin: lineName(lineRelay)}}, nil)
	bad := Probe(Config{Relay: RelayConfig{Pin: "GPIO27"}}, nil)
	t.Logf("ok: %v: %s; bad: %v: %s", ok.State, ok.Reason, bad.State, bad.Reason)
	if ok.State != ProbeOK || bad.State != ProbeFailed {
		t.Fatalf("probe states %v, %v", ok.State, bad.State)
	}
}
