package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
)

// Finger is a deterministic synthetic fingerprint: a set of minutiae and a
// ridge pattern derived from an id. Two impressions of one Finger differ by
// noise (shift, jitter, lost and spurious minutiae) yet match each other;
// impressions of different Fingers do not match.
type Finger struct {
	ID       string
	seed     uint64
	minutiae []minutia
	coreX    float64
	coreY    float64
	freq     float64
}

// minutia is a ridge ending or bifurcation: position on a 256×288 sensor
// and direction in 1/256 turns.
type minutia struct{ X, Y, A uint8 }

const (
	fingerMinutiae = 40
	sensorW        = 256
	sensorH        = 288
)

// NewFinger derives the finger for id. The same id always gives the same
// finger, on every machine.
func NewFinger(id string) Finger {
	h := sha256.Sum256([]byte("vouch/sim/finger\x00" + id))
	seed := binary.LittleEndian.Uint64(h[:8])
	rng := rand.New(rand.NewPCG(seed, binary.LittleEndian.Uint64(h[8:16])))
	f := Finger{ID: id, seed: seed,
		coreX: 96 + 64*rng.Float64(), coreY: 110 + 70*rng.Float64(), freq: 0.28 + 0.1*rng.Float64()}
	for len(f.minutiae) < fingerMinutiae {
		m := minutia{X: uint8(24 + rng.IntN(208)), Y: uint8(24 + rng.IntN(200)), A: uint8(rng.IntN(256))}
		if !f.crowded(m) {
			f.minutiae = append(f.minutiae, m)
		}
	}
	return f
}

// crowded keeps true minutiae apart so matching tolerances stay meaningful.
func (f *Finger) crowded(m minutia) bool {
	for _, o := range f.minutiae {
		if absDiff(m.X, o.X) < 10 && absDiff(m.Y, o.Y) < 10 {
			return true
		}
	}
	return false
}

func absDiff(a, b uint8) int {
	d := int(a) - int(b)
	if d < 0 {
		return -d
	}
	return d
}

// impression is one capture of a finger: its minutiae after noise, and the
// parameters used to render the image.
type impression struct {
	finger   *Finger
	minutiae []minutia
	dx, dy   int
	messy    bool
}

// impress makes the n-th noisy impression of f.
func (f *Finger) impress(n uint64, messy bool) impression {
	rng := rand.New(rand.NewPCG(f.seed^0x9E3779B97F4A7C15, n))
	im := impression{finger: f, dx: rng.IntN(5) - 2, dy: rng.IntN(5) - 2, messy: messy}
	for _, m := range f.minutiae {
		if rng.Float64() < 0.12 { // lost in this impression
			continue
		}
		im.minutiae = append(im.minutiae, minutia{
			X: clamp8(int(m.X) + im.dx + rng.IntN(3) - 1),
			Y: clamp8(int(m.Y) + im.dy + rng.IntN(3) - 1),
			A: m.A + uint8(rng.IntN(7)-3),
		})
	}
	for range 2 + rng.IntN(3) { // spurious minutiae
		im.minutiae = append(im.minutiae, minutia{X: uint8(rng.IntN(256)), Y: uint8(rng.IntN(256)), A: uint8(rng.IntN(256))})
	}
	return im
}

func clamp8(v int) uint8 { return uint8(max(0, min(255, v))) }

// render draws the impression as 4-bit grey levels (0 dark … 15 white),
// packed two pixels per byte, high nibble first, as UpImage sends them.
func (im impression) render(w, h int) []byte {
	out := make([]byte, w*h/2)
	f := im.finger
	cx, cy := f.coreX*float64(w)/sensorW+float64(im.dx), f.coreY*float64(h)/sensorH+float64(im.dy)
	rng := rand.New(rand.NewPCG(f.seed, uint64(im.dx+7)<<8|uint64(im.dy+7)))
	for y := range h {
		for x := range w {
			ex, ey := (float64(x)-cx)/(0.42*float64(w)), (float64(y)-cy)/(0.48*float64(h))
			v := 15.0
			if ex*ex+ey*ey < 1 {
				r := math.Hypot(float64(x)-cx, 0.85*(float64(y)-cy))
				v = 7.5 + 7.5*math.Sin(f.freq*r+0.6*math.Atan2(float64(y)-cy, float64(x)-cx))
				if im.messy {
					v = float64(rng.IntN(16))
				}
			}
			p := uint8(max(0, min(15, int(v+0.5))))
			if x%2 == 0 {
				out[(y*w+x)/2] |= p << 4
			} else {
				out[(y*w+x)/2] |= p
			}
		}
	}
	return out
}
