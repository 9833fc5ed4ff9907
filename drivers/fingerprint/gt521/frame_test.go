package gt521

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/fptest"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

func gtVectors(t testing.TB) []fptest.Vector {
	t.Helper()
	vs, err := fptest.LoadVectors(testenv.Shared(t, "docs", "fingerprint-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []fptest.Vector
	for _, v := range vs {
		if v.Family == "GT521" {
			out = append(out, v)
		}
	}
	if len(out) != 16 {
		t.Fatalf("got %d GT521 vectors, want 16", len(out))
	}
	return out
}

func TestVectors(t *testing.T) {
	for _, v := range gtVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			b, err := v.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			isData := b[0] == dataStart0
			for _, chunk := range []int{0, 1, 5} {
				p := &fptest.Port{Chunk: chunk}
				p.Feed(append([]byte{0x00, 0x55, 0x5A}, b...)) // leading noise
				rd := newReader(p)
				deadline := time.Now().Add(5 * time.Millisecond)
				var err error
				var got []byte
				switch {
				case isData:
					var d []byte
					d, err = rd.data(context.Background(), deadline, len(b)-DataOverhead)
					got = AppendData(nil, d)
				case v.Dir == "M>H":
					var pk Packet
					pk, err = rd.response(context.Background(), deadline)
					got = AppendPacket(nil, pk)
				default:
					var pk Packet
					pk, err = ParsePacket(b, false)
					got = AppendPacket(nil, pk)
				}
				if v.Expect == "reject" {
					if !errors.Is(err, fingerprint.ErrTimeout) {
						t.Fatalf("chunk %d: reject vector gave %v", chunk, err)
					}
					continue
				}
				if err != nil || !bytes.Equal(got, b) {
					t.Fatalf("chunk %d: got % X, %v; want % X", chunk, got, err, b)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	good := AppendPacket(nil, Packet{Code: codeAck})
	mut := func(i int, v byte) []byte { b := bytes.Clone(good); b[i] = v; return b }
	tests := []struct {
		b    []byte
		want error
	}{
		{good[:11], ErrShort}, {mut(0, 0x54), ErrStart}, {mut(2, 2), ErrDevice},
		{mut(11, 0), ErrChecksum}, {AppendPacket(nil, Packet{Code: 0x32}), ErrCode},
	}
	for i, tt := range tests {
		if _, err := ParsePacket(tt.b, true); !errors.Is(err, tt.want) {
			t.Errorf("%d: %v, want %v", i, err, tt.want)
		}
	}
	if _, err := ParseData(AppendData(nil, []byte{1, 2}), 3); !errors.Is(err, ErrShort) {
		t.Errorf("short data: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, v := range gtVectors(f) {
		b, _ := v.Bytes()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if p, err := ParsePacket(b, false); err == nil && !bytes.Equal(AppendPacket(nil, p), b[:PacketSize]) {
			t.Fatal("packet round trip differs")
		}
		if len(b) >= DataOverhead {
			if d, err := ParseData(b, len(b)-DataOverhead); err == nil && !bytes.Equal(AppendData(nil, d), b) {
				t.Fatal("data round trip differs")
			}
		}
		p := &fptest.Port{NoWait: true}
		p.Feed(b)
		rd := newReader(p)
		for {
			pk, err := rd.response(context.Background(), time.Now())
			if err != nil {
				return
			}
			if !bytes.Contains(b, AppendPacket(nil, pk)) {
				t.Fatal("reader invented a packet")
			}
		}
	})
}
