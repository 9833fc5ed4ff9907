package camera

import (
	"os"
	"runtime"
	"testing"
)

// On a host without video devices Probe must skip, never fail.
func TestProbeWithoutDevices(t *testing.T) {
	if _, err := os.Stat("/dev/video0"); err == nil && runtime.GOOS == "linux" {
		t.Log("this machine has a video device; TestVMProbe covers Probe against vivid")
		return
	}
	if r := Probe(DeviceConfig{}); r.State != ProbeSkipped || r.Reason == "" {
		t.Fatalf("Probe = %+v, want skipped with a reason", r)
	}
	if r := Probe(DeviceConfig{Path: "/dev/video7"}); runtime.GOOS == "linux" && r.State != ProbeFailed {
		t.Fatalf("Probe of a named missing device = %+v, want failed", r)
	}
}
