package face

import (
	"fmt"
	"math"
)

// Letterbox describes how a frame was fitted into the square detector input:
// the content is Content×ContentH pixels placed at (PadX, PadY) on a black
// Size×Size canvas.
type Letterbox struct {
	Size       int // side of the square input
	SrcW, SrcH int // frame size
	ContentW   int // width of the scaled frame inside the square
	ContentH   int // height of the scaled frame inside the square
	PadX, PadY int // offset of the content
	PrefilterK int // box prefilter factor used (1 = none)
}

// NewLetterbox computes the geometry for fitting a w×h frame into size×size.
func NewLetterbox(w, h, size int) (Letterbox, error) {
	if w <= 0 || h <= 0 || w > MaxFrameSide || h > MaxFrameSide {
		return Letterbox{}, fmt.Errorf("%w: size %dx%d", ErrBadFrame, w, h)
	}
	if size <= 0 || size > 4096 {
		return Letterbox{}, fmt.Errorf("%w: letterbox size %d", ErrBadConfig, size)
	}
	scale := float64(size) / float64(max(w, h))
	// Round half to even, as the reference (Python round) does.
	nw := max(1, min(size, int(math.RoundToEven(float64(w)*scale))))
	nh := max(1, min(size, int(math.RoundToEven(float64(h)*scale))))
	k := int(math.Floor(min(float64(w)/float64(nw), float64(h)/float64(nh))))
	return Letterbox{
		Size: size, SrcW: w, SrcH: h,
		ContentW: nw, ContentH: nh,
		PadX: (size - nw) / 2, PadY: (size - nh) / 2,
		PrefilterK: max(k, 1),
	}, nil
}

// ToFrame maps a point in normalised input coordinates (0..1 over the
// square) to frame pixels.
func (lb Letterbox) ToFrame(x, y float64) (float64, float64) {
	return (x*float64(lb.Size) - float64(lb.PadX)) * float64(lb.SrcW) / float64(lb.ContentW),
		(y*float64(lb.Size) - float64(lb.PadY)) * float64(lb.SrcH) / float64(lb.ContentH)
}

// FromFrame maps frame pixels to input pixels (0..Size).
func (lb Letterbox) FromFrame(x, y float64) (float64, float64) {
	return x*float64(lb.ContentW)/float64(lb.SrcW) + float64(lb.PadX),
		y*float64(lb.ContentH)/float64(lb.SrcH) + float64(lb.PadY)
}

// Scale is input pixels per frame pixel.
func (lb Letterbox) Scale() float64 { return float64(lb.ContentW) / float64(lb.SrcW) }

// letterboxer renders letterboxed detector inputs into reused buffers.
type letterboxer struct {
	s  sampler
	u8 []byte // Size*Size*3 canvas, kept for tests and quality checks
}

// render fills dst (Size*Size*3 float32, NHWC) with the letterboxed frame,
// scaled to [-1, 1] as x/127.5 − 1 in float32 arithmetic (padding = −1).
func (l *letterboxer) render(f Frame, lb Letterbox, dst []float32) error {
	if err := f.Validate(); err != nil {
		return err
	}
	n := lb.Size * lb.Size * 3
	if len(dst) != n {
		return fmt.Errorf("%w: detector input has %d values, want %d", ErrModelShape, len(dst), n)
	}
	if cap(l.u8) < n {
		l.u8 = make([]byte, n)
	}
	l.u8 = l.u8[:n]
	clear(l.u8)
	l.s.reset(f, lb.PrefilterK)
	sx := float64(lb.SrcW) / float64(lb.ContentW)
	sy := float64(lb.SrcH) / float64(lb.ContentH)
	for v := 0; v < lb.ContentH; v++ {
		row := l.u8[((v+lb.PadY)*lb.Size+lb.PadX)*3:]
		y := (float64(v) + 0.5) * sy
		for u := 0; u < lb.ContentW; u++ {
			r, g, b := l.s.at((float64(u)+0.5)*sx, y)
			row[3*u], row[3*u+1], row[3*u+2] = toU8(r), toU8(g), toU8(b)
		}
	}
	for i, v := range l.u8 {
		dst[i] = detectorValue(v)
	}
	return nil
}

// detectorValue is float32(v)/127.5 − 1 evaluated in float32.
func detectorValue(v uint8) float32 {
	x := float32(v) / float32(127.5)
	return x - 1
}

// wipe zeroes the canvas and the prefilter buffer.
func (l *letterboxer) wipe() {
	clear(l.u8)
	clear(l.s.box)
	l.s.src = Frame{}
}
