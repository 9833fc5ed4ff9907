//go:build !purego

package tflite

import "golang.org/x/sys/cpu"

// haveGemmSIMD reports whether the NEON micro-kernels can run (Advanced
// SIMD is part of every ARMv8-A core, but the feature bit is checked).
func haveGemmSIMD() bool { return cpu.ARM64.HasASIMD }
