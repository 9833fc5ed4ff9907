// Package probe holds the three outcomes a driver's Probe reports, after
// periph's driver model: a driver either found usable hardware (OK), has
// nothing to drive on this machine (Skipped, with the reason), or found
// hardware it cannot use (Failed, with the reason). /healthz and
// `vouchctl diag` print these.
package probe

import "fmt"

// State is the outcome of a driver's Probe.
type State int

// Probe outcomes.
const (
	OK      State = iota // usable hardware was found
	Skipped              // nothing to drive here (not configured, absent, or unsupported OS)
	Failed               // hardware exists or is configured but cannot be used
)

// String returns "ok", "skipped" or "failed".
func (s State) String() string {
	switch s {
	case OK:
		return "ok"
	case Skipped:
		return "skipped"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("probe.State(%d)", int(s))
}
