//go:build !purego

package tflite

import "golang.org/x/sys/cpu"

// haveGemmSIMD reports whether the AVX2+FMA micro-kernel can run.
func haveGemmSIMD() bool { return cpu.X86.HasAVX2 && cpu.X86.HasFMA }
