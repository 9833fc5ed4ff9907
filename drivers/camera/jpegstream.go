package camera

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
)

// readJPEG reads one complete JPEG image (SOI … EOI) from r into buf[:0]
// and returns it. Bytes before the SOI are skipped (up to max). Marker
// segments are skipped by their length, entropy-coded data is scanned for
// the next marker, so EOI bytes inside an EXIF thumbnail or APP segment do
// not end the frame early. io.EOF means r ended cleanly between frames.
func readJPEG(r *bufio.Reader, buf []byte, max int) ([]byte, error) {
	out := buf[:0]
	put := func(b ...byte) error {
		if len(out)+len(b) > max {
			return fmt.Errorf("%w: JPEG frame over %d bytes", ErrTooLarge, max)
		}
		out = append(out, b...)
		return nil
	}
	// find SOI
	skipped := 0
	prev := byte(0)
	for {
		c, err := r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) && skipped == 0 {
				return out, io.EOF
			}
			return out, fmt.Errorf("%w: stream ended before SOI: %w", ErrJPEG, unexpected(err))
		}
		if prev == 0xff && c == mSOI {
			break
		}
		prev = c
		if skipped++; skipped > max {
			return out, fmt.Errorf("%w: no SOI in %d bytes", ErrJPEG, max)
		}
	}
	if err := put(0xff, mSOI); err != nil {
		return out, err
	}
	inScan := false
	for {
		c, err := r.ReadByte()
		if err != nil {
			return out, fmt.Errorf("%w: stream ended inside a frame: %w", ErrJPEG, unexpected(err))
		}
		if c != 0xff {
			if !inScan {
				return out, fmt.Errorf("%w: expected a marker, got 0x%02x", ErrJPEG, c)
			}
			if err := put(c); err != nil {
				return out, err
			}
			continue
		}
		// 0xff: fill bytes, then the marker code
		m := byte(0xff)
		for m == 0xff {
			if m, err = r.ReadByte(); err != nil {
				return out, fmt.Errorf("%w: stream ended inside a frame: %w", ErrJPEG, unexpected(err))
			}
		}
		if err := put(0xff, m); err != nil {
			return out, err
		}
		switch {
		case m == 0x00 && inScan, m >= mRST && m <= mRST+7 && inScan:
			continue // stuffed 0xff or restart marker inside scan data
		case m == 0x00:
			return out, fmt.Errorf("%w: stuffed byte outside scan data", ErrJPEG)
		case m == mEOI:
			return out, nil
		case m == mSOI:
			return out, fmt.Errorf("%w: SOI inside a frame", ErrJPEG)
		case m == mTEM || (m >= mRST && m <= mRST+7):
			continue
		}
		// a segment with a 16-bit length (including itself)
		var hdr [2]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return out, fmt.Errorf("%w: truncated segment: %w", ErrJPEG, unexpected(err))
		}
		n := int(hdr[0])<<8 | int(hdr[1])
		if n < 2 {
			return out, fmt.Errorf("%w: segment 0x%02x has length %d", ErrJPEG, m, n)
		}
		if len(out)+n > max {
			return out, fmt.Errorf("%w: JPEG frame over %d bytes", ErrTooLarge, max)
		}
		out = append(out, hdr[0], hdr[1])
		start := len(out)
		out = slices.Grow(out, n-2)[:start+n-2]
		if _, err := io.ReadFull(r, out[start:]); err != nil {
			return out, fmt.Errorf("%w: truncated segment: %w", ErrJPEG, unexpected(err))
		}
		inScan = m == mSOS
	}
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
