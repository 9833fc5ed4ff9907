package fingerprint

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Image is a fingerprint image in 8-bit grey (0 black … 255 white). It is
// biometric data: keep it in memory only and Clear it after use.
type Image struct {
	W, H int
	Pix  []uint8 // row-major, len W*H
}

// UnpackImage expands the 4-bit format the modules send (two pixels per
// byte, high nibble = left pixel) to 8 bits, scaling v to v*17.
func UnpackImage(packed []byte, w, h int) (*Image, error) {
	if w <= 0 || h <= 0 || w%2 != 0 || len(packed) != w*h/2 {
		return nil, fmt.Errorf("fingerprint: %d image bytes do not make a %dx%d 4-bit image", len(packed), w, h)
	}
	im := &Image{W: w, H: h, Pix: make([]uint8, w*h)}
	for i, b := range packed {
		im.Pix[2*i] = (b >> 4) * 17
		im.Pix[2*i+1] = (b & 0x0F) * 17
	}
	return im, nil
}

// Clear zeroes the pixels.
func (im *Image) Clear() { clear(im.Pix) }

// Quality summarises how usable an image is, for operator feedback.
type Quality struct {
	// Coverage is the fraction of the image covered by the finger (pixels
	// darker than the background).
	Coverage float64
	// Contrast is the standard deviation of the grey level inside the
	// finger area, scaled to 0…1 (ridges against valleys).
	Contrast float64
	// Noise is the mean difference between horizontal neighbours inside
	// the finger relative to the contrast: about 1 for a random (smudged,
	// "messy") image, well below for continuous ridges.
	Noise float64
	// Score combines the three into 0…100; below about 40 a capture is
	// likely to fail feature extraction.
	Score int
}

// Quality computes coverage and ridge contrast.
func (im *Image) Quality() Quality {
	const background = 232
	var n, sum, sq, diff, pairs float64
	for i, p := range im.Pix {
		if p >= background {
			continue
		}
		n++
		sum += float64(p)
		sq += float64(p) * float64(p)
		if (i+1)%im.W != 0 && im.Pix[i+1] < background {
			diff += math.Abs(float64(p) - float64(im.Pix[i+1]))
			pairs++
		}
	}
	if n == 0 {
		return Quality{}
	}
	mean := sum / n
	sd := math.Sqrt(max(0, sq/n-mean*mean))
	q := Quality{Coverage: n / float64(len(im.Pix)), Contrast: min(1, sd/90)}
	if pairs > 0 && sd > 0 {
		q.Noise = diff / pairs / (1.13 * sd) // 1.13·sd: mean |a-b| of independent samples
	}
	q.Score = int(math.Round(100 * math.Sqrt(min(1, q.Coverage/0.5)*q.Contrast) * (1 - min(1, q.Noise))))
	return q
}

// ASCII writes a preview cols characters wide (rows are halved to keep the
// aspect of terminal cells), darkest pixels as '#'.
func (im *Image) ASCII(w io.Writer, cols int) error {
	const ramp = "#%*+=-:. "
	if cols <= 0 || cols > im.W {
		cols = im.W
	}
	cell := float64(im.W) / float64(cols)
	rows := int(float64(im.H) / (2 * cell))
	var sb strings.Builder
	for r := range rows {
		for c := range cols {
			x0, y0 := int(float64(c)*cell), int(float64(r)*2*cell)
			x1, y1 := max(x0+1, int(float64(c+1)*cell)), max(y0+1, int(float64(r+1)*2*cell))
			var s, k int
			for y := y0; y < min(y1, im.H); y++ {
				for x := x0; x < min(x1, im.W); x++ {
					s += int(im.Pix[y*im.W+x])
					k++
				}
			}
			sb.WriteByte(ramp[s/max(k, 1)*(len(ramp)-1)/255])
		}
		sb.WriteByte('\n')
	}
	_, err := io.WriteString(w, sb.String())
	return err
}
