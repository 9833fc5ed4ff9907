package camera

import (
	"errors"
	"fmt"
	"github.com/vouchkiosk/vouch/drivers/probe"
)

// ProbeState is the outcome of a Probe.
type ProbeState = probe.State

// Probe outcomes.
const (
	ProbeOK      = probe.OK      // a usable device was found
	ProbeSkipped = probe.Skipped // nothing to drive here (no device, not Linux)
	ProbeFailed  = probe.Failed  // devices exist but none is usable
)

// ProbeResult reports what Probe found, for /healthz and diagnostics.
type ProbeResult struct {
	State  ProbeState
	Reason string // why skipped or failed; the chosen mode when ok
	Device DeviceInfo
	Mode   Mode
}

// Probe looks for a V4L2 device that cfg can capture from, without
// streaming: ok with the device and mode Choose picks, skipped when there
// is no capture device (or no V4L2), failed when devices exist but none
// offers a wanted format, or cfg.Path names a missing device.
func Probe(cfg DeviceConfig) ProbeResult {
	cfg.defaults()
	devs, err := listDevices(cfg.Formats)
	if errors.Is(err, ErrUnsupported) {
		return ProbeResult{State: ProbeSkipped, Reason: err.Error()}
	}
	if err != nil {
		return ProbeResult{State: ProbeFailed, Reason: err.Error()}
	}
	if len(devs) == 0 {
		if cfg.Path != "" {
			return ProbeResult{State: ProbeFailed, Reason: fmt.Sprintf("%s: no such capture device", cfg.Path)}
		}
		return ProbeResult{State: ProbeSkipped, Reason: "no V4L2 capture device"}
	}
	var reasons []string
	for _, d := range devs {
		if cfg.Path != "" && d.Path != cfg.Path {
			continue
		}
		m, err := Choose(d, cfg)
		if err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		return ProbeResult{State: ProbeOK, Reason: fmt.Sprintf("%s (%s): %v at %g fps", d.Path, d.Name, m.Format, m.FPS), Device: d, Mode: m}
	}
	if len(reasons) == 0 {
		return ProbeResult{State: ProbeFailed, Reason: fmt.Sprintf("%s: no such capture device", cfg.Path)}
	}
	return ProbeResult{State: ProbeFailed, Reason: fmt.Sprint(reasons)}
}
