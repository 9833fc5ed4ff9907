package match

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// CalibrationVersion is the calibration file format this package writes.
const CalibrationVersion = 1

// MaxCalibrationSize bounds a calibration file (bytes).
const MaxCalibrationSize = 64 << 10

// OperatingPoint is one threshold with its error rates measured on
// identities that were left out when the threshold was chosen.
type OperatingPoint struct {
	TargetFMR float64 `json:"target_fmr"`
	Threshold float32 `json:"threshold"`
	FMR       float64 `json:"heldout_fmr"`
	FNMR      float64 `json:"heldout_fnmr"`
}

// Calibration holds the decision thresholds for one embedder.
type Calibration struct {
	Version     int    `json:"version"`
	Model       string `json:"model"`                  // embedder model id
	ModelSHA256 string `json:"model_sha256,omitempty"` // of the weights file
	Dim         int    `json:"dim"`                    // template length
	// Verify is the 1:1 threshold (ticket and document modes).
	Verify float32 `json:"verify_threshold"`
	// Identify is the 1:N threshold: the best roster hit must reach it.
	Identify float32 `json:"identify_threshold"`
	// RosterCap is the largest roster for which the expected number of
	// false matches per search at Identify stays ≤ 1e-3 under the measured
	// impostor distribution. 0 means no cap.
	RosterCap int              `json:"roster_cap"`
	Points    []OperatingPoint `json:"operating_points"`
	Method    string           `json:"method"` // how thresholds were chosen
	Data      string           `json:"data"`   // what they were chosen on
}

// ParseCalibration decodes and validates a calibration file. Unknown fields
// are rejected so that a typo cannot silently leave a default threshold.
func ParseCalibration(b []byte) (*Calibration, error) {
	if len(b) > MaxCalibrationSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrBadCalibration, len(b), MaxCalibrationSize)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c Calibration
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCalibration, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: trailing data after the object", ErrBadCalibration)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Validate checks ranges: thresholds in [−1, 1], rates in [0, 1].
func (c *Calibration) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadCalibration}, args...)...)
	}
	switch {
	case c.Version != CalibrationVersion:
		return bad("version %d, want %d", c.Version, CalibrationVersion)
	case c.Model == "":
		return bad("no model")
	case c.Dim <= 0 || c.Dim > MaxDim:
		return bad("dim %d", c.Dim)
	case !threshOK(c.Verify) || !threshOK(c.Identify):
		return bad("thresholds %v, %v outside [-1, 1]", c.Verify, c.Identify)
	case c.RosterCap < 0:
		return bad("roster cap %d", c.RosterCap)
	case len(c.Points) > 64:
		return bad("%d operating points", len(c.Points))
	}
	for _, p := range c.Points {
		if !threshOK(p.Threshold) || !rateOK(p.TargetFMR) || !rateOK(p.FMR) || !rateOK(p.FNMR) {
			return bad("operating point %+v", p)
		}
	}
	return nil
}

func threshOK(t float32) bool { return t >= -1 && t <= 1 }
func rateOK(r float64) bool   { return r >= 0 && r <= 1 && !math.IsNaN(r) }

// Marshal encodes c as indented JSON after validating it.
func (c *Calibration) Marshal() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
