package r30x

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/fptest"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

func loadVectors(t testing.TB) []fptest.Vector {
	t.Helper()
	vs, err := fptest.LoadVectors(testenv.Shared(t, "docs", "fingerprint-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

func r30xVectors(t testing.TB) []fptest.Vector {
	var out []fptest.Vector
	for _, v := range loadVectors(t) {
		if v.Family == "R30x" {
			out = append(out, v)
		}
	}
	if len(out) != 93 {
		t.Fatalf("got %d R30x vectors, want 93", len(out))
	}
	return out
}

// readAll runs a Reader over b delivered in chunks of chunk bytes and
// returns every frame (payload copied) until the stream times out.
func readAll(t *testing.T, b []byte, chunk int, addr uint32) ([]Frame, *Reader) {
	t.Helper()
	p := &fptest.Port{Chunk: chunk, NoWait: true}
	p.Feed(b)
	rd := NewReader(p, addr)
	var frames []Frame
	for {
		f, err := rd.ReadFrame(context.Background(), time.Now())
		if errors.Is(err, fingerprint.ErrTimeout) {
			return frames, rd
		}
		if err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
		f.Payload = bytes.Clone(f.Payload)
		frames = append(frames, f)
	}
}

// TestVectors runs every R30x vector through the parser, the encoder and
// the streaming reader (whole, byte by byte, and in odd chunks).
func TestVectors(t *testing.T) {
	for _, v := range r30xVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			b, err := v.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			switch v.Expect {
			case "valid", "reject-in-context":
				f, n, err := ParseFrame(b)
				if err != nil {
					t.Fatalf("ParseFrame: %v", err)
				}
				enc, err := AppendFrame(nil, f)
				if err != nil || !bytes.Equal(enc, b[:n]) {
					t.Fatalf("re-encode = % X, %v; want % X", enc, err, b[:n])
				}
				wantPID := PIDAck
				if v.Dir == "H>M" {
					wantPID = PIDCommand
				}
				if f.PID != wantPID && f.PID != PIDData && f.PID != PIDEndData && v.Expect == "valid" {
					t.Errorf("PID %s, want %s or data", f.PID, wantPID)
				}
				for _, chunk := range []int{0, 1, 2, 5} {
					frames, rd := readAll(t, b, chunk, f.Address)
					if len(frames) != 1 || frames[0].PID != f.PID || !bytes.Equal(frames[0].Payload, f.Payload) {
						t.Fatalf("chunk %d: reader delivered %v, want exactly %v", chunk, frames, f)
					}
					if rd.Skipped() != int64(len(b)-n) {
						t.Errorf("chunk %d: skipped %d trailing bytes, want %d", chunk, rd.Skipped(), len(b)-n)
					}
				}
			case "reject":
				if _, _, err := ParseFrame(b); err == nil && binary.BigEndian.Uint32(b[2:6]) == DefaultAddress {
					t.Fatalf("ParseFrame accepted a reject vector")
				}
				for _, chunk := range []int{0, 1, 3} {
					if frames, _ := readAll(t, b, chunk, DefaultAddress); len(frames) != 0 {
						t.Fatalf("chunk %d: reader delivered %v from a reject vector", chunk, frames)
					}
				}
			case "accept-after-resync":
				frames, rd := readAll(t, b, 1, DefaultAddress)
				if len(frames) != 1 || frames[0].PID != PIDAck || Code(frames[0].Payload[0]) != CodeOK {
					t.Fatalf("reader delivered %v, want one success ack", frames)
				}
				if want := int64(len(b) - 12); rd.Skipped() != want {
					t.Errorf("skipped %d bytes, want %d", rd.Skipped(), want)
				}
			default:
				t.Fatalf("unknown expectation %q", v.Expect)
			}
		})
	}
}

// TestReaderConcatenated feeds every M>H vector back to back (with the
// reject vectors in between) and checks that the reader yields exactly the
// valid frames, in order: a false or broken frame never swallows the next.
func TestReaderConcatenated(t *testing.T) {
	var stream []byte
	var want [][]byte
	for _, v := range r30xVectors(t) {
		b, _ := v.Bytes()
		if v.Dir != "M>H" || bytes.HasPrefix(b, []byte{0xEF, 0x01, 0xC0}) {
			continue
		}
		stream = append(stream, b...)
		switch v.Expect {
		case "valid", "reject-in-context", "accept-after-resync":
			f, _, err := ParseFrame(b[bytes.Index(b, []byte{0xEF, 0x01, 0xFF}):])
			if err != nil {
				t.Fatalf("%s: %v", v.ID, err)
			}
			want = append(want, bytes.Clone(f.Payload))
		}
	}
	for _, chunk := range []int{0, 1, 7} {
		frames, _ := readAll(t, stream, chunk, DefaultAddress)
		// M06 (truncated) is followed by M07; its missing checksum byte is
		// the 0x00 that starts nothing, so no frame may be lost or invented.
		if len(frames) != len(want) {
			t.Fatalf("chunk %d: %d frames, want %d", chunk, len(frames), len(want))
		}
		for i := range want {
			if !bytes.Equal(frames[i].Payload, want[i]) {
				t.Fatalf("chunk %d: frame %d payload % X, want % X", chunk, i, frames[i].Payload, want[i])
			}
		}
	}
}

func TestAppendFrameErrors(t *testing.T) {
	tests := []struct {
		name string
		f    Frame
		want error
	}{
		{"empty payload", Frame{PID: PIDAck}, ErrLength},
		{"payload too long", Frame{PID: PIDData, Payload: make([]byte, MaxPayload+1)}, ErrLength},
		{"bad pid", Frame{PID: 0x09, Payload: []byte{0}}, ErrPID},
	}
	for _, tt := range tests {
		if _, err := AppendFrame(nil, tt.f); !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestParseFrameErrors(t *testing.T) {
	good := []byte{0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x03, 0x00, 0x00, 0x0A}
	mut := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"short header", good[:8], ErrShort},
		{"short body", good[:11], ErrShort},
		{"header", mut(0, 0xEE), ErrHeader},
		{"pid", mut(6, 0x09), ErrPID},
		{"length low", mut(8, 0x02), ErrLength},
		{"length high", mut(7, 0x01), ErrLength},
		{"checksum", mut(11, 0x0B), ErrChecksum},
	}
	for _, tt := range tests {
		if _, _, err := ParseFrame(tt.b); !errors.Is(err, tt.want) {
			t.Errorf("%s: err %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestChecksumNoOverflowAtMax(t *testing.T) {
	// D08: 256 x 0xFF in an end packet sums to 0xFF0B, the largest value.
	if got := Checksum(PIDEndData, bytes.Repeat([]byte{0xFF}, 256)); got != 0xFF0B {
		t.Fatalf("Checksum = 0x%04X, want 0xFF0B", got)
	}
}

func TestReaderDoesNotAllocate(t *testing.T) {
	frame := []byte{0x00, 0xFF, 0x55, 0xEF, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x03, 0x00, 0x00, 0x0A}
	src := &loopPort{data: frame}
	rd := NewReader(src, DefaultAddress)
	ctx := context.Background()
	deadline := time.Now().Add(time.Hour)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := rd.ReadFrame(ctx, deadline); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ReadFrame allocates %.1f times per frame", allocs)
	}
}

// loopPort returns data forever, one copy per Read, without allocating.
type loopPort struct{ data []byte }

func (p *loopPort) Read(b []byte) (int, error)         { return copy(b, p.data), nil }
func (p *loopPort) Write(b []byte) (int, error)        { return len(b), nil }
func (p *loopPort) SetReadTimeout(time.Duration) error { return nil }
func (p *loopPort) ResetInputBuffer() error            { return nil }
func (p *loopPort) Close() error                       { return nil }

func FuzzReader(f *testing.F) {
	for _, v := range r30xVectors(f) {
		b, _ := v.Bytes()
		f.Add(b, uint8(0))
		f.Add(b, uint8(3))
	}
	f.Fuzz(func(t *testing.T, b []byte, chunk uint8) {
		p := &fptest.Port{Chunk: int(chunk), NoWait: true}
		p.Feed(b)
		rd := NewReader(p, DefaultAddress)
		for {
			fr, err := rd.ReadFrame(context.Background(), time.Now())
			if err != nil {
				if !errors.Is(err, fingerprint.ErrTimeout) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			// Every delivered frame must re-encode to bytes present in the input.
			enc, err := AppendFrame(nil, fr)
			if err != nil || !bytes.Contains(b, enc) {
				t.Fatalf("delivered frame %v not in input (%v)", fr, err)
			}
		}
	})
}

func FuzzParseFrame(f *testing.F) {
	for _, v := range r30xVectors(f) {
		b, _ := v.Bytes()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := ParseFrame(b)
		if err != nil {
			return
		}
		enc, err := AppendFrame(nil, fr)
		if err != nil || !bytes.Equal(enc, b[:n]) {
			t.Fatalf("round trip: % X vs % X (%v)", enc, b[:n], err)
		}
	})
}
