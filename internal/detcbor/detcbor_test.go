package detcbor

import (
	"bytes"
	"testing"
)

func TestStrictDecoding(t *testing.T) {
	m := MustNew(Limits{MaxArray: 20})
	type rec struct {
		A int    `cbor:"1,keyasint"`
		B string `cbor:"2,keyasint"`
	}
	good, err := m.Enc.Marshal(rec{A: 1, B: "x"})
	if err != nil {
		t.Fatal(err)
	}
	again, _ := m.Enc.Marshal(rec{A: 1, B: "x"})
	if !bytes.Equal(good, again) {
		t.Fatal("encoding is not deterministic")
	}
	var r rec
	if err := m.Dec.Unmarshal(good, &r); err != nil || r.A != 1 || r.B != "x" {
		t.Fatalf("round trip: %+v, %v", r, err)
	}
	for name, in := range map[string][]byte{
		"duplicate key":  {0xa2, 0x01, 0x01, 0x01, 0x02},
		"unknown field":  {0xa1, 0x03, 0x01},
		"indefinite map": {0xbf, 0x01, 0x01, 0xff},
		"tag":            {0xc1, 0x01},
		"bad utf8":       {0xa1, 0x02, 0x61, 0xff},
		"array too long": append([]byte{0x98, 21}, make([]byte, 21)...),
	} {
		var v any = &r
		if name == "tag" || name == "array too long" {
			var a any
			v = &a
		}
		if err := m.Dec.Unmarshal(in, v); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLimitsOutOfRange(t *testing.T) {
	if _, err := New(Limits{MaxNested: 1 << 20}); err == nil {
		t.Fatal("absurd nesting limit accepted")
	}
}
