package camera

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"testing"
)

// testImage draws a w×h gradient with some edges, so JPEG keeps detail.
func testImage(w, h, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{byte(x*255/w + seed), byte(y*255/h + 2*seed), byte((x ^ y) + seed), 255}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// segments splits a JPEG's header into whole marker segments until SOS and
// returns the offset of the SOS.
func segments(j []byte) (segs [][]byte, sos int, err error) {
	i := 2
	for i+4 <= len(j) {
		if j[i] != 0xff {
			return nil, 0, fmt.Errorf("no marker at %d", i)
		}
		if j[i+1] == mSOS {
			return segs, i, nil
		}
		n := int(j[i+2])<<8 | int(j[i+3])
		segs = append(segs, j[i:i+2+n])
		i += 2 + n
	}
	return nil, 0, errors.New("no SOS")
}

// dropDHT removes every DHT segment, as UVC cameras send MJPEG.
func dropDHT(j []byte) ([]byte, error) {
	segs, sos, err := segments(j)
	if err != nil {
		return nil, err
	}
	out := []byte{0xff, mSOI}
	for _, s := range segs {
		if s[1] != mDHT {
			out = append(out, s...)
		}
	}
	return append(out, j[sos:]...), nil
}

func stripDHT(t testing.TB, j []byte) []byte {
	t.Helper()
	out, err := dropDHT(j)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStandardDHTMatchesEncoder: image/jpeg's encoder writes the Annex K
// tables; our inserted segment must be byte-identical to its DHT.
func TestStandardDHTMatchesEncoder(t *testing.T) {
	segs, _, err := segments(encodeJPEG(t, testImage(16, 16, 0)))
	if err != nil {
		t.Fatal(err)
	}
	var dht [][]byte
	for _, s := range segs {
		if s[1] == mDHT {
			dht = append(dht, s)
		}
	}
	if len(dht) != 1 {
		t.Fatalf("encoder wrote %d DHT segments, want 1", len(dht))
	}
	if got := appendStandardDHT(nil); !bytes.Equal(got, dht[0]) {
		t.Fatalf("standard DHT differs from image/jpeg's:\n got %x\nwant %x", got, dht[0])
	}
}

func TestJPEGWithoutHuffmanTables(t *testing.T) {
	full := encodeJPEG(t, testImage(64, 48, 3))
	bare := stripDHT(t, full)
	if bytes.Contains(bare[:100], []byte{0xff, mDHT}) || len(bare) >= len(full) {
		t.Fatal("DHT not stripped")
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("image/jpeg decoded a frame without Huffman tables; the test proves nothing")
	}
	var d JPEGDecoder
	want, got := &Frame{}, &Frame{}
	if err := d.Decode(want, full, 64, 48); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(got, bare, 64, 48); err != nil {
		t.Fatalf("decode without DHT: %v", err)
	}
	if !bytes.Equal(got.Pix, want.Pix) {
		t.Fatal("frame without DHT decodes differently")
	}
	// and the colours are right: compare with image/jpeg's own RGBA
	ref, _ := jpeg.Decode(bytes.NewReader(full))
	for _, p := range []image.Point{{0, 0}, {31, 20}, {63, 47}} {
		r, g, b, _ := ref.At(p.X, p.Y).RGBA()
		gr, gg, gb := got.RGB(p.X, p.Y)
		for i, pair := range [][2]int{{int(r >> 8), int(gr)}, {int(g >> 8), int(gg)}, {int(b >> 8), int(gb)}} {
			if d := pair[0] - pair[1]; d < -1 || d > 1 {
				t.Errorf("pixel %v channel %d: %d, image/jpeg %d", p, i, pair[1], pair[0])
			}
		}
	}
}

func TestJPEGDecodeErrors(t *testing.T) {
	good := encodeJPEG(t, testImage(32, 32, 0))
	for _, c := range []struct {
		name string
		data []byte
		w, h int
		max  int
		want error
	}{
		{"empty", nil, 0, 0, 0, ErrJPEG},
		{"no SOI", []byte{0, 1, 2, 3}, 0, 0, 0, ErrJPEG},
		{"truncated header", good[:20], 0, 0, 0, ErrJPEG},
		{"truncated scan", good[:len(good)/2], 0, 0, 0, ErrJPEG},
		{"wrong size", good, 64, 32, 0, ErrSize},
		{"too large", good, 0, 0, 100, ErrTooLarge},
		{"EOI first", []byte{0xff, mSOI, 0xff, mEOI}, 0, 0, 0, ErrJPEG},
	} {
		d := JPEGDecoder{MaxBytes: c.max}
		err := d.Decode(&Frame{}, c.data, c.w, c.h)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// withAPP inserts an APP1 segment (as an EXIF thumbnail would) containing
// the bytes of an EOI marker into a JPEG.
func withAPP(j []byte) []byte {
	app := []byte{0xff, 0xe1, 0, 8, 0xff, mSOI, 0xff, mEOI, 0xff, 0}
	return append(append(append([]byte{}, j[:2]...), app...), j[2:]...)
}

func TestReadJPEGStream(t *testing.T) {
	a := encodeJPEG(t, testImage(16, 16, 1))
	b := withAPP(encodeJPEG(t, testImage(16, 16, 2)))
	stream := append(append(append([]byte("junk"), a...), b...), a...)
	r := bufio.NewReader(bytes.NewReader(stream))
	for i, want := range [][]byte{a, b, a} {
		got, err := readJPEG(r, nil, 1<<20)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("frame %d: %d bytes, want %d", i, len(got), len(want))
		}
	}
	if _, err := readJPEG(r, nil, 1<<20); err != io.EOF {
		t.Fatalf("after last frame: %v, want io.EOF", err)
	}
	// truncated, oversized
	if _, err := readJPEG(bufio.NewReader(bytes.NewReader(a[:len(a)-5])), nil, 1<<20); !errors.Is(err, ErrJPEG) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated: %v", err)
	}
	if _, err := readJPEG(bufio.NewReader(bytes.NewReader(a)), nil, 100); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
}

func BenchmarkMJPEGDecode(b *testing.B) {
	full := encodeJPEG(b, testImage(640, 480, 5))
	bare := stripDHT(b, full)
	f := &Frame{}
	var d JPEGDecoder
	b.Run("ours/640x480", func(b *testing.B) {
		b.SetBytes(int64(len(bare)))
		for b.Loop() {
			if err := d.Decode(f, bare, 640, 480); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("image-jpeg-only/640x480", func(b *testing.B) { // reference: the decode alone, no RGB
		b.SetBytes(int64(len(full)))
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(full)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func FuzzMJPEG(f *testing.F) {
	good := encodeJPEG(f, testImage(16, 8, 0))
	f.Add(good)
	f.Add(stripDHT(f, good))
	f.Add(withAPP(good))
	f.Add(good[:len(good)/2])
	f.Add([]byte{0xff, mSOI, 0xff, mSOS})
	f.Add([]byte{0xff, mSOI, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := JPEGDecoder{MaxBytes: 1 << 16}
		fr := &Frame{}
		if err := d.Decode(fr, data, 0, 0); err != nil {
			if !errors.Is(err, ErrJPEG) && !errors.Is(err, ErrSize) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("unclassified error: %v", err)
			}
		} else if len(fr.Pix) != 3*fr.Width*fr.Height {
			t.Fatalf("frame %dx%d with %d bytes", fr.Width, fr.Height, len(fr.Pix))
		}
		r := bufio.NewReader(bytes.NewReader(data))
		for range 4 {
			out, err := readJPEG(r, nil, 1<<16)
			if err != nil {
				if err != io.EOF && !errors.Is(err, ErrJPEG) && !errors.Is(err, ErrTooLarge) {
					t.Fatalf("unclassified stream error: %v", err)
				}
				break
			}
			if len(out) < 4 || out[0] != 0xff || out[1] != mSOI || out[len(out)-2] != 0xff || out[len(out)-1] != mEOI {
				t.Fatalf("frame not SOI..EOI: % x", out)
			}
		}
	})
}
