//go:build !amd64 || purego

package match

// haveSIMD is false: no assembly kernel on this platform or with purego.
const haveSIMD = false

func dotsInt8SIMD(q, g []int8, stride int, out []int32) { dotsInt8Generic(q, g, stride, out) }
