package sim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/fptest"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

func vectors(t *testing.T) map[string][]byte {
	t.Helper()
	vs, err := fptest.LoadVectors(testenv.Shared(t, "docs", "fingerprint-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]byte{}
	for _, v := range vs {
		if m[v.ID], err = v.Bytes(); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// host is the test's end of an in-memory link to a simulator.
type host struct {
	t    *testing.T
	conn net.Conn
}

func serve(t *testing.T, s *Sensor) *host {
	t.Helper()
	a, b := net.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, b) }()
	t.Cleanup(func() {
		cancel()
		a.Close()
		b.Close()
		<-done
	})
	return &host{t: t, conn: a}
}

func (h *host) send(b []byte) {
	h.t.Helper()
	if _, err := h.conn.Write(b); err != nil {
		h.t.Fatal(err)
	}
}

// expect reads exactly len(want) bytes and compares them.
func (h *host) expect(want []byte) {
	h.t.Helper()
	got := make([]byte, len(want))
	h.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.ReadFull(h.conn, got); err != nil {
		h.t.Fatalf("reading %d bytes: %v (got % X)", len(want), err, got)
	}
	if !bytes.Equal(got, want) {
		h.t.Fatalf("module sent\n% X\nwant\n% X", got, want)
	}
}

// silent checks that nothing arrives for a while.
func (h *host) silent() {
	h.t.Helper()
	h.conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var b [1]byte
	if n, err := h.conn.Read(b[:]); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		h.t.Fatalf("expected silence, got % X, %v", b[:n], err)
	}
}

func cmd(t *testing.T, addr uint32, payload ...byte) []byte {
	b, err := r30x.AppendFrame(nil, r30x.Frame{Address: addr, PID: r30x.PIDCommand, Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVectorExchanges feeds the H>M vectors to the simulator in the state
// each exchange describes and compares its answer with the M>H vector.
func TestVectorExchanges(t *testing.T) {
	v := vectors(t)
	t.Run("password ok", func(t *testing.T) {
		h := serve(t, New(Config{}))
		h.send(v["C01"])
		h.expect(v["A01"])
	})
	t.Run("wrong password", func(t *testing.T) {
		h := serve(t, New(Config{Password: 0x12345678}))
		h.send(v["C01"])
		h.expect(v["A12"])
		h.send(v["C08"])
		h.expect(v["A15"]) // locked until VfyPwd
		h.send(v["C02"])
		h.expect(v["A01"])
	})
	t.Run("no finger then finger", func(t *testing.T) {
		s := New(Config{})
		h := serve(t, s)
		h.send(v["C11"])
		h.expect(v["A03"])
		s.Place(NewFinger("alice"))
		h.send(v["C11"])
		h.expect(v["A01"])
	})
	t.Run("R503 system parameters and ready byte", func(t *testing.T) {
		h := serve(t, New(Config{Profile: R503()}))
		h.expect([]byte{0x55})
		h.send(v["C08"])
		h.expect(v["A16"])
		h.send(v["C30"])
		h.expect(v["A31"])
		h.send(v["C31"])
		h.expect(v["A01"])
		h.send(v["C33"])
		h.expect(v["A01"])
	})
	t.Run("template count and index table", func(t *testing.T) {
		s := New(Config{})
		for _, id := range []int{0, 2, 5, 300, 301} {
			s.library[id] = []byte{1}
		}
		h := serve(t, s)
		h.send(v["C09"])
		h.expect(v["A18"])
		h.send(v["C10"])
		h.expect(v["A22"])
	})
	t.Run("match with empty buffers", func(t *testing.T) {
		h := serve(t, New(Config{}))
		h.send(v["C23"])
		h.expect(v["A07"])
		h.send(v["C24"])
		h.expect(v["A08"])
	})
	t.Run("echo", func(t *testing.T) {
		h := serve(t, New(Config{}))
		h.send(v["C32"])
		h.expect(v["A24"])
	})
	t.Run("set address", func(t *testing.T) {
		h := serve(t, New(Config{}))
		h.send(v["C04"])
		h.expect(v["A30"])
		h.send(v["C08"]) // old address: silence
		h.silent()
		h.send(v["C41"])
		reply := make([]byte, 28)
		h.conn.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := io.ReadFull(h.conn, reply); err != nil || !bytes.Equal(reply[:10], []byte{0xEF, 0x01, 0xC0, 0xFF, 0xEE, 0x01, 0x07, 0x00, 0x13, 0x00}) {
			t.Fatalf("ReadSysPara at new address: % X, %v", reply, err)
		}
	})
	t.Run("DownChar then UpChar with 32-byte packets", func(t *testing.T) {
		h := serve(t, New(Config{}))
		h.send(cmd(t, r30x.DefaultAddress, byte(r30x.InstrSetSysPara), r30x.RegPacketSize, 0))
		h.expect(v["A01"])
		h.send(v["C18"])
		h.expect(v["A01"])
		h.send(v["D05"])
		mid := bytes.Clone(v["D03"]) // the middle packet, host → module
		h.send(mid)
		h.send(v["D06"])
		h.silent() // no ack after host data
		h.send(v["C17"])
		h.expect(bytes.Join([][]byte{v["D01"], v["D02"], v["D03"], v["D04"]}, nil))
	})
	t.Run("bad checksum answers 0x01", func(t *testing.T) {
		h := serve(t, New(Config{}))
		bad := bytes.Clone(v["C01"])
		bad[len(bad)-1] ^= 1
		h.send(bad)
		h.expect(v["A02"])
	})
	t.Run("wrong address is ignored", func(t *testing.T) {
		h := serve(t, New(Config{}))
		h.send(cmd(t, 0x12345678, byte(r30x.InstrGenImg)))
		h.silent()
		h.send(append([]byte{0x00, 0xEF}, v["C01"]...)) // noise before a command
		h.expect(v["A01"])
	})
	t.Run("unknown instruction", func(t *testing.T) {
		h := serve(t, New(Config{}))
		h.send(cmd(t, r30x.DefaultAddress, 0x1A, 0)) // BurnCode is refused
		h.expect(v["A02"])
		h2 := serve(t, New(Config{Profile: R503()}))
		h2.expect([]byte{0x55})
		h2.send(cmd(t, r30x.DefaultAddress, 0x1A, 0))
		want, _ := r30x.AppendFrame(nil, r30x.Frame{Address: r30x.DefaultAddress, PID: r30x.PIDAck, Payload: []byte{0xFC}})
		h2.expect(want)
	})
}

func TestFingersAreDeterministicAndDistinct(t *testing.T) {
	a1, a2, b := NewFinger("alice"), NewFinger("alice"), NewFinger("bob")
	ia, ia2 := a1.impress(1, false), a2.impress(1, false)
	if !bytes.Equal(encodeChar(kindFeature, ia.minutiae, 256), encodeChar(kindFeature, ia2.minutiae, 256)) {
		t.Fatal("same id and capture number gave different impressions")
	}
	th := threshold(3)
	for n := uint64(1); n < 40; n++ {
		x, y := a1.impress(n, false), a1.impress(n+100, false)
		if sc := score(x.minutiae, y.minutiae); sc < th {
			t.Errorf("genuine pair %d scored %d < %d", n, sc, th)
		}
		z := b.impress(n, false)
		if sc := score(x.minutiae, z.minutiae); sc >= th {
			t.Errorf("impostor pair %d scored %d >= %d", n, sc, th)
		}
	}
}

func TestCharFormatRejectsCorruption(t *testing.T) {
	carol := NewFinger("carol")
	im := carol.impress(1, false)
	b := encodeChar(kindTemplate, im.minutiae, 512)
	if _, ms, ok := decodeChar(b); !ok || len(ms) != len(im.minutiae) {
		t.Fatalf("round trip failed: %v %d", ok, len(ms))
	}
	b[10] ^= 0xFF
	if _, _, ok := decodeChar(b); ok {
		t.Fatal("corrupted buffer decoded as valid")
	}
}

func FuzzSensor(f *testing.F) {
	vs, err := fptest.LoadVectors(testenv.Shared(f, "docs", "fingerprint-vectors.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, v := range vs {
		if v.Family == "R30x" && v.Dir == "H>M" {
			b, _ := v.Bytes()
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := New(Config{Profile: R503(), FingerTimeout: 5 * time.Millisecond})
		s.Place(NewFinger("fuzz"))
		var out bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c := &conn{rw: &out, data: make(chan []byte), errc: make(chan error, 1), buf: bytes.Clone(in)}
		for {
			fr, bad, ok := c.scan(s.Address())
			if !ok {
				return
			}
			if fr.PID != r30x.PIDCommand {
				continue
			}
			if r30x.Instr(fr.Payload[0]) == r30x.InstrDownChar || r30x.Instr(fr.Payload[0]) == r30x.InstrDownImage {
				continue // would wait for host data
			}
			if err := s.handle(ctx, c, fr, bad); err != nil {
				t.Fatalf("handle: %v", err)
			}
		}
	})
}
