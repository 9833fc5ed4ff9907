package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"math"
	"testing"
)

// template192 is a 192-float32 template, the embedder's output size.
func template192() []byte {
	b := make([]byte, 0, 192*4)
	for i := range 192 {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(i)/192))
	}
	return b
}

// BenchmarkSeal192 compares sealing a 192-float template (fresh data key,
// key wrap, AES-256-GCM) with the reference of one AES-256-GCM seal under a
// ready key, measured in the same run.
func BenchmarkSeal192(b *testing.B) {
	pt := template192()
	id := []byte("vouch/store/template\x00subject\x00\x01")
	b.Run("reference-gcm", func(b *testing.B) {
		blk, _ := aes.NewCipher(make([]byte, 32))
		aead, _ := cipher.NewGCM(blk)
		nonce := make([]byte, 12)
		b.SetBytes(int64(len(pt)))
		for b.Loop() {
			aead.Seal(nil, nonce, pt, id)
		}
	})
	b.Run("seal", func(b *testing.B) {
		s := testSealer(b)
		b.SetBytes(int64(len(pt)))
		for b.Loop() {
			if _, err := s.Seal(id, pt); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("open", func(b *testing.B) {
		s := testSealer(b)
		r, _ := s.Seal(id, pt)
		b.SetBytes(int64(len(pt)))
		for b.Loop() {
			if _, err := s.Open(id, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
