package face

import (
	"fmt"
	"image"
	"image/draw"
)

// MaxFrameSide bounds the width and height of a frame (pixels). It keeps the
// size arithmetic far from overflow and rejects nonsense from broken sources.
const MaxFrameSide = 1 << 14

// Frame is an 8-bit RGB image: pixel (x, y) is Pix[y*Stride+3*x : +3] in
// R, G, B order. It is a view; the caller owns Pix.
type Frame struct {
	W, H   int
	Stride int // bytes per row, at least 3*W
	Pix    []byte
}

// Validate reports ErrBadFrame when f cannot be read safely.
func (f Frame) Validate() error {
	switch {
	case f.W <= 0 || f.H <= 0:
		return fmt.Errorf("%w: size %dx%d", ErrBadFrame, f.W, f.H)
	case f.W > MaxFrameSide || f.H > MaxFrameSide:
		return fmt.Errorf("%w: size %dx%d exceeds %d", ErrBadFrame, f.W, f.H, MaxFrameSide)
	case f.Stride < 3*f.W:
		return fmt.Errorf("%w: stride %d < 3*width %d", ErrBadFrame, f.Stride, 3*f.W)
	case len(f.Pix) < (f.H-1)*f.Stride+3*f.W:
		return fmt.Errorf("%w: %d pixel bytes, need %d", ErrBadFrame, len(f.Pix), (f.H-1)*f.Stride+3*f.W)
	}
	return nil
}

// FrameFromImage converts any image to a packed RGB Frame (alpha dropped,
// grey replicated). It allocates; camera paths should build a Frame directly.
func FrameFromImage(img image.Image) (Frame, error) {
	b := img.Bounds()
	f := Frame{W: b.Dx(), H: b.Dy(), Stride: 3 * b.Dx()}
	if f.W <= 0 || f.H <= 0 || f.W > MaxFrameSide || f.H > MaxFrameSide {
		return Frame{}, fmt.Errorf("%w: image size %dx%d", ErrBadFrame, f.W, f.H)
	}
	f.Pix = make([]byte, f.Stride*f.H)
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < f.H; y++ {
			row := src.Pix[y*src.Stride:]
			for x := 0; x < f.W; x++ {
				v := row[x]
				o := y*f.Stride + 3*x
				f.Pix[o], f.Pix[o+1], f.Pix[o+2] = v, v, v
			}
		}
	default:
		rgba, ok := img.(*image.RGBA)
		if !ok || rgba.Rect.Min != (image.Point{}) {
			rgba = image.NewRGBA(image.Rect(0, 0, f.W, f.H))
			draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
		}
		for y := 0; y < f.H; y++ {
			row := rgba.Pix[y*rgba.Stride:]
			for x := 0; x < f.W; x++ {
				o := y*f.Stride + 3*x
				copy(f.Pix[o:o+3], row[4*x:4*x+3])
			}
		}
	}
	return f, nil
}
