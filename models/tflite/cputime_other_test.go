//go:build !unix

package tflite

import "time"

func processCPU() time.Duration { return 0 }
