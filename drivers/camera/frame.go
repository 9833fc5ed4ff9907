package camera

import (
	"fmt"
	"time"
)

// PixelFormat is a V4L2 fourcc code naming a raw frame layout.
type PixelFormat uint32

// fourcc packs four ASCII characters the way V4L2 does (little-endian).
func fourcc(a, b, c, d byte) PixelFormat {
	return PixelFormat(a) | PixelFormat(b)<<8 | PixelFormat(c)<<16 | PixelFormat(d)<<24
}

// Raw pixel formats this package converts to RGB.
var (
	// YUYV is packed 4:2:2 Y0 U Y1 V (V4L2_PIX_FMT_YUYV), BT.601 limited range.
	YUYV = fourcc('Y', 'U', 'Y', 'V')
	// MJPEG is one JPEG image per frame (V4L2_PIX_FMT_MJPEG).
	MJPEG = fourcc('M', 'J', 'P', 'G')
	// JPEG is what some drivers call MJPEG (V4L2_PIX_FMT_JPEG).
	JPEG = fourcc('J', 'P', 'E', 'G')
	// I420 is planar 4:2:0 Y, U, V (V4L2_PIX_FMT_YUV420), as written by
	// rpicam-vid --codec yuv420, BT.601 limited range.
	I420 = fourcc('Y', 'U', '1', '2')
	// RGB24 is packed R, G, B (V4L2_PIX_FMT_RGB24).
	RGB24 = fourcc('R', 'G', 'B', '3')
)

// String returns the fourcc as text, e.g. "YUYV". The big-endian flag (bit
// 31) is shown as a "-BE" suffix rather than as a garbage character.
func (p PixelFormat) String() string {
	v := uint32(p)
	suffix := ""
	if v&(1<<31) != 0 {
		v &^= 1 << 31
		suffix = "-BE"
	}
	b := []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)}
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b) + suffix
}

// Decodable reports whether this package can convert p to RGB.
func (p PixelFormat) Decodable() bool {
	switch p {
	case YUYV, MJPEG, JPEG, I420, RGB24:
		return true
	}
	return false
}

// Format describes raw frames: pixel layout and dimensions.
type Format struct {
	Pixel  PixelFormat
	Width  int
	Height int
	// Stride is the byte length of a row of the first plane (YUYV, I420
	// luma, RGB24); 0 means tightly packed.
	Stride int
}

func (f Format) String() string {
	return fmt.Sprintf("%v %dx%d", f.Pixel, f.Width, f.Height)
}

// MaxDimension bounds the width and height of any frame this package
// allocates for, so a corrupt header cannot request gigabytes.
const MaxDimension = 8192

// checkSize validates frame dimensions.
func checkSize(w, h int) error {
	if w <= 0 || h <= 0 || w > MaxDimension || h > MaxDimension {
		return fmt.Errorf("%w: %dx%d", ErrSize, w, h)
	}
	return nil
}

// Frame is one 8-bit RGB image: pixel (x, y) is Pix[y*Stride+3*x:][:3] as
// R, G, B. Frames obtained from a Source belong to its ring: the consumer
// must call Release when done, after which Pix is zeroed and reused.
//
// A Frame is not safe for concurrent use; hand it to one goroutine at a time.
type Frame struct {
	Width  int
	Height int
	Stride int
	Pix    []byte
	// Seq numbers the frames a stream published, from 1 and without
	// reuse; a gap means frames were dropped (newest-frame-wins).
	Seq uint64
	// Time is when the frame was captured, with a monotonic reading.
	Time time.Time

	ring *Ring
	slot int
}

// NewFrame allocates a standalone w×h frame (not part of a ring).
func NewFrame(w, h int) (*Frame, error) {
	if err := checkSize(w, h); err != nil {
		return nil, err
	}
	f := &Frame{slot: -1}
	f.resize(w, h)
	return f, nil
}

// resize makes f a w×h frame, reusing Pix when it is large enough. The
// caller has checked the size.
func (f *Frame) resize(w, h int) {
	n := w * 3 * h
	if cap(f.Pix) < n {
		clear(f.Pix[:cap(f.Pix)])
		f.Pix = make([]byte, n)
	}
	f.Pix = f.Pix[:n]
	f.Width, f.Height, f.Stride = w, h, 3*w
}

// RGB returns the colour of pixel (x, y); it panics outside the frame like
// a slice index would.
func (f *Frame) RGB(x, y int) (r, g, b uint8) {
	if x < 0 || y < 0 || x >= f.Width || y >= f.Height {
		panic(fmt.Sprintf("camera: pixel (%d,%d) outside %dx%d frame", x, y, f.Width, f.Height))
	}
	p := f.Pix[y*f.Stride+3*x:]
	return p[0], p[1], p[2]
}

// Release zeroes the pixels and returns the buffer to the ring it came
// from. It is a no-op for frames made with NewFrame other than zeroing, and
// must be called exactly once per frame obtained from a Source.
func (f *Frame) Release() {
	if f.ring != nil {
		f.ring.release(f)
		return
	}
	clear(f.Pix)
}
