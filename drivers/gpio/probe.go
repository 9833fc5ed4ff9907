package gpio

import (
	"fmt"
	"github.com/vouchkiosk/vouch/drivers/probe"
	"strings"

	"periph.io/x/conn/v3/driver/driverreg"
)

// ProbeState is the outcome of a Probe.
type ProbeState = probe.State

// Probe outcomes.
const (
	ProbeOK      = probe.OK      // every configured pin exists
	ProbeSkipped = probe.Skipped // no pins configured, or no GPIO chip on this machine
	ProbeFailed  = probe.Failed  // a configured pin is missing or the driver failed
)

// ProbeResult reports what Probe found, for /healthz and diagnostics.
type ProbeResult struct {
	State  ProbeState
	Reason string
}

// Probe checks that every pin cfg names exists, without requesting or
// driving any line.
func Probe(cfg Config, o *Options) ProbeResult {
	names := cfg.pinNames()
	if len(names) == 0 {
		return ProbeResult{State: ProbeSkipped, Reason: "no GPIO pins configured"}
	}
	var reg Registry
	if o != nil && o.Registry != nil {
		reg = o.Registry
	} else {
		st, err := driverreg.Init()
		if err != nil {
			return ProbeResult{State: ProbeFailed, Reason: fmt.Sprintf("periph init: %v", err)}
		}
		if len(st.Loaded) == 0 {
			reason := "no GPIO driver loaded"
			for _, f := range st.Skipped {
				reason += fmt.Sprintf("; %s: %v", f.D, f.Err)
			}
			return ProbeResult{State: ProbeSkipped, Reason: reason}
		}
		reg = periphRegistry{}
	}
	var missing []string
	for _, n := range names {
		if reg.ByName(n) == nil {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return ProbeResult{State: ProbeFailed, Reason: fmt.Sprintf("%v: %s", ErrNoPin, strings.Join(missing, ", "))}
	}
	return ProbeResult{State: ProbeOK, Reason: fmt.Sprintf("%d pins: %s", len(names), strings.Join(names, ", "))}
}

// pinNames lists the configured pin names in a stable order.
func (c Config) pinNames() []string {
	var n []string
	for _, p := range []string{c.Relay.Pin, c.Wake.Pin, c.Buzzer.Pin} {
		if p != "" {
			n = append(n, p)
		}
	}
	for _, role := range sortedRoles(c.LEDs) {
		if p := c.LEDs[role].Pin; p != "" {
			n = append(n, p)
		}
	}
	return n
}
