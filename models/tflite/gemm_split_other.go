//go:build !amd64 || amd64.v3

package tflite

// gemmSplitBlock is false where the compiler fuses float32 multiply-adds
// (arm64, armv7's VMLA, amd64 from GOAMD64=v3); see gemmBlock2x4.
const gemmSplitBlock = false
