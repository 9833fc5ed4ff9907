package seal

import (
	"bytes"
	"errors"
	"testing"
)

func testSealer(tb testing.TB) *Sealer {
	tb.Helper()
	kek, err := NewAESKEK(bytes.Repeat([]byte{7}, KeySize))
	if err != nil {
		tb.Fatal(err)
	}
	return NewSealer(kek)
}

func TestSealRoundTrip(t *testing.T) {
	s := testSealer(t)
	for _, pt := range [][]byte{{}, []byte("x"), bytes.Repeat([]byte{0xab}, 768), make([]byte, MaxPlaintext)} {
		r, err := s.Seal([]byte("rec-1"), pt)
		if err != nil {
			t.Fatalf("Seal(%d bytes): %v", len(pt), err)
		}
		b, err := r.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary: %v", err)
		}
		var back SealedRecord
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatalf("UnmarshalBinary: %v", err)
		}
		got, err := s.Open([]byte("rec-1"), back)
		if err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("Open = %d bytes, %v; want %d bytes", len(got), err, len(pt))
		}
		if len(pt) > 16 && bytes.Contains(b, pt[:16]) {
			t.Errorf("sealed bytes contain plaintext")
		}
	}
}

func TestSealFreshKeys(t *testing.T) {
	s := testSealer(t)
	a, _ := s.Seal([]byte("r"), []byte("same plaintext"))
	b, _ := s.Seal([]byte("r"), []byte("same plaintext"))
	if bytes.Equal(a.WrappedKey, b.WrappedKey) || bytes.Equal(a.Ciphertext, b.Ciphertext) || a.Nonce == b.Nonce {
		t.Error("two seals of the same plaintext share key, nonce or ciphertext")
	}
}

func TestOpenRejects(t *testing.T) {
	s := testSealer(t)
	id := []byte("subject-1/face")
	good, err := s.Seal(id, []byte("template bytes"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewAESKEK(bytes.Repeat([]byte{8}, KeySize))
	flip := func(b []byte, i int) []byte { c := bytes.Clone(b); c[i] ^= 1; return c }
	tests := []struct {
		name   string
		sealer *Sealer
		id     []byte
		mod    func(r SealedRecord) SealedRecord
		want   error
	}{
		{"other record id", s, []byte("subject-2/face"), nil, ErrAuth},
		{"other KEK", NewSealer(other), id, nil, ErrWrongKEK},
		{"ciphertext bit", s, id, func(r SealedRecord) SealedRecord { r.Ciphertext = flip(r.Ciphertext, 0); return r }, ErrAuth},
		{"tag bit", s, id, func(r SealedRecord) SealedRecord { r.Ciphertext = flip(r.Ciphertext, len(r.Ciphertext)-1); return r }, ErrAuth},
		{"nonce bit", s, id, func(r SealedRecord) SealedRecord { r.Nonce[3] ^= 1; return r }, ErrAuth},
		{"wrapped key bit", s, id, func(r SealedRecord) SealedRecord { r.WrappedKey = flip(r.WrappedKey, 20); return r }, ErrAuth},
		{"key id bit", s, id, func(r SealedRecord) SealedRecord { r.KeyID[0] ^= 1; return r }, ErrWrongKEK},
		{"short ciphertext", s, id, func(r SealedRecord) SealedRecord { r.Ciphertext = r.Ciphertext[:5]; return r }, ErrMalformed},
		{"short wrapped key", s, id, func(r SealedRecord) SealedRecord { r.WrappedKey = r.WrappedKey[:4]; return r }, ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := good
			r.WrappedKey = bytes.Clone(good.WrappedKey)
			r.Ciphertext = bytes.Clone(good.Ciphertext)
			if tc.mod != nil {
				r = tc.mod(r)
			}
			pt, err := tc.sealer.Open(tc.id, r)
			if !errors.Is(err, tc.want) || pt != nil {
				t.Errorf("Open = %q, %v; want %v", pt, err, tc.want)
			}
		})
	}
}

func TestEmptyRecordID(t *testing.T) {
	s := testSealer(t)
	if _, err := s.Seal(nil, []byte("pt")); !errors.Is(err, ErrRecordID) {
		t.Errorf("Seal(nil id) = %v, want ErrRecordID", err)
	}
	r, _ := s.Seal([]byte("id"), []byte("pt"))
	if _, err := s.Open([]byte{}, r); !errors.Is(err, ErrRecordID) {
		t.Errorf("Open(empty id) = %v, want ErrRecordID", err)
	}
}

func TestSealTooLarge(t *testing.T) {
	s := testSealer(t)
	if _, err := s.Seal([]byte("r"), make([]byte, MaxPlaintext+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Seal(MaxPlaintext+1) = %v, want ErrTooLarge", err)
	}
}

func TestNewAESKEKSize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewAESKEK(make([]byte, n)); !errors.Is(err, ErrKeySize) {
			t.Errorf("NewAESKEK(%d bytes) = %v, want ErrKeySize", n, err)
		}
	}
}
