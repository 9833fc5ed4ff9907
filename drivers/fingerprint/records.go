package fingerprint

import (
	"context"
	"errors"
	"fmt"
)

// Step reports enrolment progress so a UI can prompt the user.
type Step struct {
	// Capture is the 1-based number of the capture in progress.
	Capture int
	// Of is the total number of captures the enrolment needs.
	Of int
	// Event says what just happened.
	Event StepEvent
}

// StepEvent is one phase of an enrolment capture.
type StepEvent int

// Enrolment events, in the order they occur for each capture.
const (
	StepPlaceFinger StepEvent = iota + 1 // waiting for a touch
	StepCaptured                         // image taken
	StepFeatures                         // features extracted
	StepLiftFinger                       // waiting for the finger to leave
	StepMerged                           // all captures merged into a template
	StepRetry                            // image too poor for features: place again
)

var stepNames = [...]string{"", "place finger", "captured", "features extracted", "lift finger", "merged", "poor image, place again"}

// String returns a short prompt-like name.
func (e StepEvent) String() string {
	if e > 0 && int(e) < len(stepNames) {
		return stepNames[e]
	}
	return fmt.Sprintf("StepEvent(%d)", int(e))
}

// Match is the outcome of a 1:1 comparison done by the module.
type Match struct {
	// Matched reports whether the module accepted the finger.
	Matched bool
	// Score is the module's similarity score (scale is module-specific;
	// 0 when the module reports none).
	Score int
}

// TemplateSensor is what Records needs from a fingerprint module. The r30x
// and gt521 drivers implement it.
type TemplateSensor interface {
	// EnrollTemplate captures the finger the required number of times,
	// merges the captures and returns the template read off the module,
	// without storing it in the module's flash.
	EnrollTemplate(ctx context.Context, progress func(Step)) ([]byte, error)
	// VerifyTemplate loads tmpl into module RAM, captures a live finger and
	// compares the two on the module. A finger that does not match yields
	// Match{Matched: false} and a nil error.
	VerifyTemplate(ctx context.Context, tmpl []byte) (Match, error)
	// EmptyLibrary deletes every template from the module's flash.
	EmptyLibrary(ctx context.Context) error
}

// TemplateVault keeps templates on the host, sealed at rest. The agent's
// sealed store adapts to it; tests use an in-memory map.
type TemplateVault interface {
	// Put seals and stores tmpl for subjectID, replacing any earlier one.
	// It must not retain tmpl after returning.
	Put(ctx context.Context, subjectID string, tmpl []byte) error
	// Get returns the unsealed template for subjectID, or an error wrapping
	// ErrNotFound. The caller owns (and clears) the returned slice.
	Get(ctx context.Context, subjectID string) ([]byte, error)
}

// Records makes the host the system of record for fingerprint templates:
// the module's flash never holds a gallery, and the template exists in the
// clear only in host memory for the length of one call and in module RAM.
//
// Records is safe for concurrent use only if its Sensor and Vault are.
type Records struct {
	Sensor TemplateSensor
	Vault  TemplateVault
}

// Enroll captures subjectID's finger, seals the template in the vault and
// then empties the module's flash library. The vault write comes before the
// erase, so a crash between the two leaves a stale module library (emptied
// by the next enrolment) but never loses the committed template.
func (r Records) Enroll(ctx context.Context, subjectID string, progress func(Step)) error {
	if subjectID == "" {
		return errors.New("fingerprint: enroll: empty subject id")
	}
	tmpl, err := r.Sensor.EnrollTemplate(ctx, progress)
	if err != nil {
		return fmt.Errorf("fingerprint: enroll %q: %w", subjectID, err)
	}
	defer clear(tmpl)
	if err := r.Vault.Put(ctx, subjectID, tmpl); err != nil {
		return fmt.Errorf("fingerprint: enroll %q: seal template: %w", subjectID, err)
	}
	if err := r.Sensor.EmptyLibrary(ctx); err != nil {
		return fmt.Errorf("fingerprint: enroll %q: empty module library: %w", subjectID, err)
	}
	return nil
}

// Verify matches the live finger against subjectID's sealed template in
// module RAM. It returns ErrNoMatch (wrapped) for a different finger, so
// callers can branch with errors.Is; the Match is returned either way.
func (r Records) Verify(ctx context.Context, subjectID string) (Match, error) {
	tmpl, err := r.Vault.Get(ctx, subjectID)
	if err != nil {
		return Match{}, fmt.Errorf("fingerprint: verify %q: %w", subjectID, err)
	}
	defer clear(tmpl)
	m, err := r.Sensor.VerifyTemplate(ctx, tmpl)
	if err != nil {
		return m, fmt.Errorf("fingerprint: verify %q: %w", subjectID, err)
	}
	if !m.Matched {
		return m, fmt.Errorf("fingerprint: verify %q: %w (score %d)", subjectID, ErrNoMatch, m.Score)
	}
	return m, nil
}
