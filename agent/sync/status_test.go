package sync

import (
	"testing"
	"time"
)

func TestStatusMetrics(t *testing.T) {
	st := Status{Pending: 7, AckedSeq: 42, QueueAlarm: true, ClockSkew: -1500 * time.Millisecond, LastSuccess: time.Unix(10, 0)}
	got := map[string]float64{}
	for _, m := range st.Metrics() {
		if m.Help == "" {
			t.Errorf("%s has no help", m.Name)
		}
		got[m.Name] = m.Value
	}
	for name, want := range map[string]float64{
		"vouch_sync_pending": 7, "vouch_sync_acked_seq": 42, "vouch_sync_queue_alarm": 1, "vouch_sync_skew_alarm": 0,
		"vouch_sync_clock_skew_seconds": -1.5, "vouch_sync_last_success_timestamp_seconds": 10,
	} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v", name, got[name], want)
		}
	}
	if !st.Alarm() || (Status{}).Alarm() {
		t.Error("Alarm() wrong")
	}
	for s := StateStarting; s <= StateStopped; s++ {
		if s.String() == "unknown" {
			t.Errorf("state %d has no name", s)
		}
	}
}
