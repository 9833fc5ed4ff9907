//go:build race

package face

// raceEnabled: the race detector slows the pure-Go interpreter ~10×, so
// model tests run on a sample of the images (every sampleStride-th).
const raceEnabled = true
