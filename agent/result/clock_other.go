//go:build !linux

package result

import (
	"crypto/rand"
	"time"
)

func bootID() (string, error) { return "process-" + rand.Text(), nil }

func sinceBoot(start time.Time) time.Duration { return time.Since(start) }

func timeQuality() TimeQuality { return TimeUnknown }
