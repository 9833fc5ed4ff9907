package sync

import "time"

// State is what the Syncer is doing.
type State int

// States.
const (
	StateStarting  State = iota // Run not yet started, or loading the store
	StateIdle                   // outbox empty (or waiting for the next interval)
	StateUploading              // a batch is in flight
	StateBackoff                // waiting after a failure
	StateStopped                // Run returned
)

// String returns the state's name.
func (s State) String() string {
	switch s {
	case StateStarting:
		return "starting"
	case StateIdle:
		return "idle"
	case StateUploading:
		return "uploading"
	case StateBackoff:
		return "backoff"
	case StateStopped:
		return "stopped"
	}
	return "unknown"
}

// Status is a snapshot for the UI and metrics.
type Status struct {
	State State
	// Pending is the outbox length at the last look.
	Pending int
	// AckedSeq is the platform's acknowledged high-water mark.
	AckedSeq uint64
	// PlatformMissing is how many of this device's sequence numbers the
	// platform recorded as gaps.
	PlatformMissing uint64
	// Uploaded counts records the platform newly stored for this process;
	// Batches counts successful uploads.
	Uploaded, Batches uint64
	// Failures counts consecutive failed attempts; LastError describes the
	// last one.
	Failures  int
	LastError string
	// Permanent is set when the platform refused the queue's head for a
	// reason retrying cannot fix (a rejected record, a fork, a revoked
	// device); the Syncer keeps retrying at MaxBackoff.
	Permanent bool
	// LastAttempt and LastSuccess are device-clock times; NextAttempt is
	// when a backing-off Syncer tries again.
	LastAttempt, LastSuccess, NextAttempt time.Time
	// QueueAlarm is set while Pending >= Config.QueueAlarm.
	QueueAlarm bool
	// ClockSkew is the platform's clock minus the device's (positive: the
	// device is slow); SkewAlarm is set when it exceeds SkewTolerance.
	ClockSkew time.Duration
	SkewAlarm bool
	// AckAlarm is set when an acknowledgement contradicts the local store:
	// the local chain ends below the acknowledged mark (truncated), the ack
	// names a hash this device did not sign, or the platform's mark went
	// backwards. Nothing is deleted while it is set.
	AckAlarm bool
	// AckProblem describes the AckAlarm.
	AckProblem string
}

// Alarm reports whether any alarm is raised.
func (s Status) Alarm() bool { return s.QueueAlarm || s.SkewAlarm || s.AckAlarm || s.Permanent }

// Metric is one sample of a Status in Prometheus terms: a gauge or, for
// names ending in _total, a counter.
type Metric struct {
	Name, Help string
	Value      float64
}

// Metrics returns s as samples for a /metrics endpoint.
func (s Status) Metrics() []Metric {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	var last float64
	if !s.LastSuccess.IsZero() {
		last = float64(s.LastSuccess.UnixNano()) / 1e9
	}
	return []Metric{
		{"vouch_sync_pending", "Results waiting in the outbox.", float64(s.Pending)},
		{"vouch_sync_acked_seq", "Platform's acknowledged high-water mark.", float64(s.AckedSeq)},
		{"vouch_sync_platform_missing", "Sequence numbers the platform recorded as gaps.", float64(s.PlatformMissing)},
		{"vouch_sync_uploaded_total", "Results newly stored by the platform since start.", float64(s.Uploaded)},
		{"vouch_sync_batches_total", "Successful uploads since start.", float64(s.Batches)},
		{"vouch_sync_failures", "Consecutive failed attempts.", float64(s.Failures)},
		{"vouch_sync_last_success_timestamp_seconds", "Device time of the last successful upload (0 = never).", last},
		{"vouch_sync_clock_skew_seconds", "Platform clock minus device clock.", s.ClockSkew.Seconds()},
		{"vouch_sync_queue_alarm", "1 while the outbox is at or above its alarm length.", b(s.QueueAlarm)},
		{"vouch_sync_skew_alarm", "1 while the clock skew exceeds the tolerance.", b(s.SkewAlarm)},
		{"vouch_sync_ack_alarm", "1 while an acknowledgement contradicts the local store.", b(s.AckAlarm)},
		{"vouch_sync_permanent_error", "1 while the platform refuses the queue head for good.", b(s.Permanent)},
	}
}
