package probe

import "testing"

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{OK: "ok", Skipped: "skipped", Failed: "failed", 7: "probe.State(7)"} {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}
