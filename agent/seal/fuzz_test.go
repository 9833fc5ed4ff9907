package seal

import (
	"bytes"
	"testing"
)

func FuzzSealedRecord(f *testing.F) {
	s := testSealer(f)
	for _, pt := range [][]byte{nil, []byte("t"), make([]byte, 768)} {
		r, err := s.Seal([]byte("id"), pt)
		if err != nil {
			f.Fatal(err)
		}
		b, _ := r.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte{1})
	f.Add([]byte{2, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var r SealedRecord
		if err := r.UnmarshalBinary(data); err != nil {
			return
		}
		again, err := r.MarshalBinary()
		if err != nil {
			t.Fatalf("decoded record does not re-encode: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("re-encoding differs:\n in %x\nout %x", data, again)
		}
		// Opening arbitrary records must fail cleanly (or succeed only for
		// genuine ones), never panic.
		s.Open([]byte("id"), r)
	})
}

func FuzzKeyFile(f *testing.F) {
	f.Add(encodeKeyFile(bytes.Repeat([]byte{1}, 32)))
	f.Add(encodeKeyFile([]byte{0}))
	f.Add([]byte("VKEY\x01\x00\x20"))
	f.Fuzz(func(t *testing.T, data []byte) {
		secret, err := decodeKeyFile(data)
		if err != nil {
			return
		}
		if !bytes.Equal(encodeKeyFile(secret), data) {
			t.Fatalf("accepted key file does not round-trip: %x", data)
		}
	})
}
