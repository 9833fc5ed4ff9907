package result

import (
	"testing"
	"time"
)

func TestSystemClock(t *testing.T) {
	c, err := NewSystemClock()
	if err != nil {
		t.Fatal(err)
	}
	a := c.Now()
	time.Sleep(2 * time.Millisecond)
	b := c.Now()
	if a.BootID == "" || a.BootID != b.BootID {
		t.Errorf("boot ids %q, %q: want one non-empty id per boot", a.BootID, b.BootID)
	}
	if a.Mono <= 0 || b.Mono-a.Mono < time.Millisecond {
		t.Errorf("monotonic times %v then %v: want positive and advancing", a.Mono, b.Mono)
	}
	if d := time.Since(b.Wall); d < 0 || d > time.Minute || b.Wall.Location() != time.UTC {
		t.Errorf("wall %v is not now (UTC)", b.Wall)
	}
	if tq := timeQualityNames(); !enumValid(tq[:], uint8(a.Quality)) {
		t.Errorf("quality %v", a.Quality)
	}
	t.Logf("boot %s, mono %v, quality %v", a.BootID, a.Mono, a.Quality)
}
