package fingerprint_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/fptest"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/gt521"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

// TestAllVectors runs every one of the 109 shared vectors through the
// framing layer of its family and checks the stated expectation. The
// family packages test the same vectors in more depth (chunked streams,
// encoders, command-layer refusals, simulator exchanges).
func TestAllVectors(t *testing.T) {
	vs, err := fptest.LoadVectors(testenv.Shared(t, "docs", "fingerprint-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, v := range vs {
		b, err := v.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		counts[v.Expect]++
		accepted := false
		switch v.Family {
		case "R30x":
			accepted = r30xAccepts(b)
		case "GT521":
			if b[0] == 0x5A {
				_, err = gt521.ParseData(b, len(b)-gt521.DataOverhead)
			} else {
				_, err = gt521.ParsePacket(b, v.Dir == "M>H")
			}
			accepted = err == nil
		default:
			t.Fatalf("%s: unknown family %q", v.ID, v.Family)
		}
		if want := v.Expect != "reject"; accepted != want {
			t.Errorf("%s (%s, %s): framing accepted=%v, want %v", v.ID, v.Expect, v.Note, accepted, want)
		}
	}
	want := map[string]int{"valid": 95, "reject": 10, "reject-in-context": 2, "accept-after-resync": 2}
	if len(vs) != 109 {
		t.Fatalf("%d vectors, want 109", len(vs))
	}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d %q vectors, want %d", counts[k], k, n)
		}
	}
}

// r30xAccepts reports whether the streaming reader delivers exactly one
// frame from b (addressed as its own header says, or the factory address
// when the header is damaged).
func r30xAccepts(b []byte) bool {
	addr := r30x.DefaultAddress
	if f, _, err := r30x.ParseFrame(b); err == nil && f.Address == 0xC0FFEE01 {
		addr = f.Address
	}
	p := &fptest.Port{NoWait: true}
	p.Feed(b)
	rd := r30x.NewReader(p, addr)
	n := 0
	for {
		_, err := rd.ReadFrame(context.Background(), time.Now())
		if errors.Is(err, fingerprint.ErrTimeout) {
			return n == 1
		}
		if err != nil {
			return false
		}
		n++
	}
}
