package result

import (
	"fmt"
	"time"
)

// Record is one verification result. The zero value is not a valid record:
// Mode, Decision and Liveness must be set. See [Sign] for the ranges each
// field must respect, and [Log.Append] for the fields it fills in itself.
type Record struct {
	Device      string        // device id, derived from the signing key (see DeviceID)
	Seq         uint64        // position in the device's chain, from 1, never reused
	BootID      string        // kernel boot id of the boot that produced the record
	Mono        time.Duration // monotonic time since boot; encoded with microsecond precision
	Wall        time.Time     // wall-clock time; encoded with microsecond precision
	TimeQuality TimeQuality   // how far Wall can be trusted
	Mode        Mode          // verification mode
	Decision    Decision      // outcome shown to the person and acted on
	Score       float64       // match score, rounded to 0.01 when encoded; never shown on the kiosk
	Thresholds  Thresholds    // thresholds the decision was taken with
	Models      []string      // ids of the models involved (detector, embedder, ...)
	Liveness    Liveness      // liveness challenge outcome
	Dev         bool          // signed by a development identity: not evidence of anything
	PrevHash    [32]byte      // Hash of the previous signed record; zero for seq 1
}

// Thresholds are the calibrated thresholds in force for a decision. Both are
// rounded to 0.01 when encoded.
type Thresholds struct {
	Match    float64 // minimum score for a match
	Liveness float64 // minimum liveness score for a pass
}

// Limits on variable-length fields, enforced by Sign and Open.
const (
	MaxModels     = 8   // entries in Record.Models
	MaxTextLen    = 128 // bytes in Device, BootID and each model id
	MaxScore      = 1e6 // absolute bound on Score and thresholds
	MaxRecordSize = 4096
)

// TimeQuality says where the wall clock got its time from. Most kiosk boards
// have no battery-backed clock, so a record's wall time may be meaningless
// until NTP has synchronised; the monotonic time and boot id still order
// records within a boot.
type TimeQuality uint8

// Time qualities.
const (
	TimeUnknown TimeQuality = iota // no known source: the clock may be far off
	TimeRTC                        // set from a hardware real-time clock
	TimeNTP                        // synchronised by NTP
)

// Mode is the verification mode of design.md §2.
type Mode uint8

// Modes. The zero value is invalid.
const (
	_            Mode = iota
	ModeRoster        // 1:N search in an event roster
	ModeTicket        // 1:1 against the template a ticket names
	ModeDocument      // 1:1 against an ID-document portrait, verify-and-forget
)

// Decision is the outcome of one verification.
type Decision uint8

// Decisions. The zero value is invalid.
const (
	_                Decision = iota
	DecisionAccept            // identity confirmed, door opened
	DecisionReject            // no match, or liveness failed
	DecisionFallback          // person chose, or was sent to, the staff check
	DecisionAbandon           // person left before a decision
)

// Liveness is the outcome of the liveness challenge.
type Liveness uint8

// Liveness outcomes. The zero value is invalid.
const (
	_              Liveness = iota
	LivenessPass            // challenge passed
	LivenessFail            // challenge failed (e.g. a printed photo)
	LivenessNotRun          // no challenge ran (fallback or abandon before it)
)

// Enum tables: index = value, entry = wire name ("" = invalid value). They
// are functions returning arrays so that no package-level state is mutable.
func timeQualityNames() [3]string { return [...]string{"unknown", "rtc", "ntp"} }
func modeNames() [4]string        { return [...]string{"", "roster", "ticket", "document"} }
func decisionNames() [5]string    { return [...]string{"", "accept", "reject", "fallback", "abandon"} }
func livenessNames() [4]string    { return [...]string{"", "pass", "fail", "not-run"} }

func enumName(names []string, v uint8) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("invalid(%d)", v)
}

func enumParse(names []string, kind, s string) (uint8, error) {
	for i, n := range names {
		if n != "" && n == s {
			return uint8(i), nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q", kind, s)
}

func enumValid(names []string, v uint8) bool { return int(v) < len(names) && names[v] != "" }

// String returns the wire name ("unknown", "rtc", "ntp").
func (q TimeQuality) String() string { n := timeQualityNames(); return enumName(n[:], uint8(q)) }

// String returns the wire name ("roster", "ticket", "document").
func (m Mode) String() string { n := modeNames(); return enumName(n[:], uint8(m)) }

// String returns the wire name ("accept", "reject", "fallback", "abandon").
func (d Decision) String() string { n := decisionNames(); return enumName(n[:], uint8(d)) }

// String returns the wire name ("pass", "fail", "not-run").
func (l Liveness) String() string { n := livenessNames(); return enumName(n[:], uint8(l)) }
