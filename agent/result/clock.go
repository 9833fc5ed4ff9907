package result

import "time"

// Stamp is the time information a record carries.
type Stamp struct {
	BootID  string        // identifies the boot; Mono restarts at each boot
	Mono    time.Duration // monotonic time since boot, including suspend
	Wall    time.Time     // wall-clock time
	Quality TimeQuality   // how Wall was set
}

// Clock supplies record timestamps. Implementations must be safe for
// concurrent use.
type Clock interface {
	Now() Stamp
}

// SystemClock reads the kernel's clocks: CLOCK_BOOTTIME for Mono, the
// kernel boot id, and the NTP synchronisation state (adjtimex) or the RTC
// that set the clock at boot (hctosys) for the quality flag. On systems
// other than Linux the boot id is random per process, Mono counts from
// process start and the quality is always TimeUnknown.
//
// A SystemClock is immutable and safe for concurrent use.
type SystemClock struct {
	bootID string
	start  time.Time // process start, for the portable fallback
}

var _ Clock = (*SystemClock)(nil)

// NewSystemClock reads the boot id and returns the system clock.
func NewSystemClock() (*SystemClock, error) {
	id, err := bootID()
	if err != nil {
		return nil, err
	}
	return &SystemClock{bootID: id, start: time.Now()}, nil
}

// Now implements Clock. Wall is truncated to microseconds, the precision
// records carry.
func (c *SystemClock) Now() Stamp {
	mono, q := sinceBoot(c.start), timeQuality()
	return Stamp{
		BootID:  c.bootID,
		Mono:    mono.Truncate(time.Microsecond),
		Wall:    time.Now().Round(0).Truncate(time.Microsecond).UTC(),
		Quality: q,
	}
}
