//go:build !amd64.v3

package tflite

// gemmSplitBlock is true where float32 multiply-adds are not fused (amd64
// below GOAMD64=v3); see gemmBlock2x4.
const gemmSplitBlock = true
