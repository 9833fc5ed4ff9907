package result

import (
	"bytes"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to Open. Whatever it accepts must be a
// record that re-signs to exactly the same bytes (one encoding per record).
func FuzzOpen(f *testing.F) {
	k := testKey(0)
	for _, b := range makeChain(f, k, 3) {
		f.Add(b)
	}
	f.Add([]byte{0xd2, 0x84, 0x40, 0xa0, 0x40, 0x40})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := Open(pubOf(k), b)
		if err != nil {
			return
		}
		again, err := Sign(rec, k)
		if err != nil {
			t.Fatalf("accepted record does not re-sign: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted record has a second encoding:\n in  %x\n out %x", b, again)
		}
	})
}

// FuzzDecodePayload feeds arbitrary CBOR to the payload decoder directly
// (signatures would stop the fuzzer before it). Accepted payloads must
// re-encode to the same bytes.
func FuzzDecodePayload(f *testing.F) {
	k := testKey(0)
	for seq := uint64(1); seq <= 3; seq++ {
		p, err := encodePayload(sampleRecord(k, seq, [32]byte{byte(seq)}))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	f.Add([]byte{0xa0})
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodePayload(b)
		if err != nil {
			return
		}
		again, err := encodePayload(rec)
		if err != nil {
			t.Fatalf("accepted payload does not re-encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted payload has a second encoding:\n in  %x\n out %x", b, again)
		}
	})
}
