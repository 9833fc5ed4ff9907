package camera

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
)

// JPEG markers used here.
const (
	mSOI = 0xd8
	mEOI = 0xd9
	mSOS = 0xda
	mDHT = 0xc4
	mTEM = 0x01
	mRST = 0xd0 // RST0..RST7 = 0xd0..0xd7
)

// DefaultMaxJPEGBytes bounds one compressed frame.
const DefaultMaxJPEGBytes = 8 << 20

// JPEGDecoder decodes MJPEG frames to RGB. It inserts the standard Huffman
// tables into frames that lack them, checks dimensions before decoding
// (no decompression bombs) and zeroes its intermediate buffers after each
// frame.
//
// A JPEGDecoder is not safe for concurrent use; the zero value is ready.
type JPEGDecoder struct {
	// MaxBytes bounds the compressed frame; 0 means DefaultMaxJPEGBytes.
	MaxBytes int
	buf      []byte // frame with tables inserted
}

// Decode decodes one JPEG frame into dst, resizing dst to the image size.
// If want is non-zero the image must have exactly that size.
func (d *JPEGDecoder) Decode(dst *Frame, src []byte, wantW, wantH int) error {
	max := d.MaxBytes
	if max <= 0 {
		max = DefaultMaxJPEGBytes
	}
	if len(src) > max {
		return fmt.Errorf("%w: JPEG frame of %d bytes exceeds %d", ErrTooLarge, len(src), max)
	}
	data, err := d.withHuffman(src)
	if err != nil {
		return err
	}
	defer clear(d.buf) // the compressed copy is image data too
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrJPEG, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return err
	}
	if (wantW != 0 || wantH != 0) && (cfg.Width != wantW || cfg.Height != wantH) {
		return fmt.Errorf("%w: JPEG is %dx%d, stream is %dx%d", ErrSize, cfg.Width, cfg.Height, wantW, wantH)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrJPEG, err)
	}
	defer zeroImage(img)
	b := img.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return fmt.Errorf("%w: decoded %v, header says %dx%d", ErrJPEG, b, cfg.Width, cfg.Height)
	}
	dst.resize(b.Dx(), b.Dy())
	return imageToRGB(dst, img)
}

// withHuffman returns src, or a copy with the standard Huffman tables
// inserted before the first SOS if src defines none. Only the marker
// segments before SOS are parsed; entropy-coded data is left to image/jpeg.
func (d *JPEGDecoder) withHuffman(src []byte) ([]byte, error) {
	if len(src) < 4 || src[0] != 0xff || src[1] != mSOI {
		return nil, fmt.Errorf("%w: no SOI marker", ErrJPEG)
	}
	i := 2
	for {
		// skip fill bytes, then read a marker
		if i >= len(src) || src[i] != 0xff {
			return nil, fmt.Errorf("%w: expected marker at offset %d", ErrJPEG, i)
		}
		for i < len(src) && src[i] == 0xff {
			i++
		}
		if i >= len(src) {
			return nil, fmt.Errorf("%w: truncated before SOS", ErrJPEG)
		}
		m := src[i]
		i++
		switch {
		case m == mDHT:
			return src, nil
		case m == mSOS:
			at := i - 2 // the 0xff of this SOS
			d.buf = append(d.buf[:0], src[:at]...)
			d.buf = appendStandardDHT(d.buf)
			d.buf = append(d.buf, src[at:]...)
			return d.buf, nil
		case m == mEOI:
			return nil, fmt.Errorf("%w: EOI before SOS", ErrJPEG)
		case m == mTEM || (m >= mRST && m <= mRST+7):
			continue // markers without a length
		}
		if i+2 > len(src) {
			return nil, fmt.Errorf("%w: truncated segment header", ErrJPEG)
		}
		n := int(binary.BigEndian.Uint16(src[i:]))
		if n < 2 || i+n > len(src) {
			return nil, fmt.Errorf("%w: segment 0x%02x length %d overruns frame", ErrJPEG, m, n)
		}
		i += n
	}
}

// imageToRGB converts a decoded JPEG (YCbCr, gray or CMYK) into dst, which
// has the image's size.
func imageToRGB(dst *Frame, img image.Image) error {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		hs, vs, ok := chromaShift(m.SubsampleRatio)
		if !ok || b.Min != (image.Point{}) {
			return genericToRGB(dst, img)
		}
		w := b.Dx()
		for y := range b.Dy() {
			yrow := m.Y[y*m.YStride:][:w]
			co := (y >> vs) * m.CStride
			cb, cr := m.Cb[co:], m.Cr[co:]
			d := dst.Pix[y*dst.Stride:][:3*w]
			for x, yy := range yrow {
				p := d[3*x : 3*x+3]
				p[0], p[1], p[2] = fullYCbCr(yy, cb[x>>hs], cr[x>>hs])
			}
		}
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := m.Pix[(y-b.Min.Y)*m.Stride:][:b.Dx()]
			d := dst.Pix[(y-b.Min.Y)*dst.Stride:]
			for x, v := range row {
				d[3*x], d[3*x+1], d[3*x+2] = v, v, v
			}
		}
	default: // CMYK and anything else image/jpeg may return
		return genericToRGB(dst, img)
	}
	return nil
}

// chromaShift returns log2 of the horizontal and vertical chroma subsampling.
func chromaShift(r image.YCbCrSubsampleRatio) (h, v uint, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 0, 0, true
	case image.YCbCrSubsampleRatio422:
		return 1, 0, true
	case image.YCbCrSubsampleRatio420:
		return 1, 1, true
	case image.YCbCrSubsampleRatio440:
		return 0, 1, true
	case image.YCbCrSubsampleRatio411:
		return 2, 0, true
	case image.YCbCrSubsampleRatio410:
		return 2, 1, true
	}
	return 0, 0, false
}

// genericToRGB is the slow exact path through image.Image.At.
func genericToRGB(dst *Frame, img image.Image) error {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		d := dst.Pix[(y-b.Min.Y)*dst.Stride:]
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			i := 3 * (x - b.Min.X)
			d[i], d[i+1], d[i+2] = byte(r>>8), byte(g>>8), byte(bl>>8)
		}
	}
	return nil
}

// zeroImage clears a decoded image's pixel buffers.
func zeroImage(img image.Image) {
	switch m := img.(type) {
	case *image.YCbCr:
		clear(m.Y)
		clear(m.Cb)
		clear(m.Cr)
	case *image.Gray:
		clear(m.Pix)
	case *image.CMYK:
		clear(m.Pix)
	case *image.RGBA:
		clear(m.Pix)
	case *image.NRGBA:
		clear(m.Pix)
	}
}
