//go:build linux

package result

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

const (
	bootIDPath  = "/proc/sys/kernel/random/boot_id"
	hctosysPath = "/sys/class/rtc/rtc0/hctosys"
)

func bootID() (string, error) {
	b, err := os.ReadFile(bootIDPath)
	if err != nil {
		return "", fmt.Errorf("result: boot id: %w", err)
	}
	id := strings.TrimSpace(string(b))
	if id == "" || len(id) > MaxTextLen {
		return "", fmt.Errorf("result: boot id in %s is malformed", bootIDPath)
	}
	return id, nil
}

func sinceBoot(time.Time) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		// CLOCK_BOOTTIME exists since Linux 2.6.39; fall back to MONOTONIC.
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
			return 0
		}
	}
	return time.Duration(ts.Nano())
}

// timeQuality asks the kernel whether NTP has synchronised the clock, then
// whether an RTC set it at boot.
func timeQuality() TimeQuality {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err == nil && state != unix.TIME_ERROR && tx.Status&unix.STA_UNSYNC == 0 {
		return TimeNTP
	}
	if b, err := os.ReadFile(hctosysPath); err == nil && strings.TrimSpace(string(b)) == "1" {
		return TimeRTC
	}
	return TimeUnknown
}
