package syncwire

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"
)

func testKey(t testing.TB, seed byte) ed25519.PrivateKey {
	t.Helper()
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
}

func TestBatchRoundTrip(t *testing.T) {
	b := Batch{Records: [][]byte{{1, 2, 3}, bytes.Repeat([]byte{7}, 100)}}
	enc, err := EncodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBatch(enc)
	if err != nil || len(got.Records) != 2 || !bytes.Equal(got.Records[1], b.Records[1]) {
		t.Fatalf("DecodeBatch = %v, %v", got, err)
	}
}

func TestDecodeBatchRejects(t *testing.T) {
	big := make([][]byte, MaxBatchRecords+1)
	for i := range big {
		big[i] = []byte{1}
	}
	tooMany, _ := cb.Enc.Marshal(Batch{Records: big})
	empty, _ := cb.Enc.Marshal(Batch{})
	unknown, _ := cb.Enc.Marshal(map[int]any{1: [][]byte{{1}}, 9: 1})
	huge, _ := cb.Enc.Marshal(Batch{Records: [][]byte{make([]byte, 5000)}})
	for name, in := range map[string][]byte{
		"garbage":       []byte("not cbor"),
		"json":          []byte(`{"records":[]}`),
		"empty batch":   empty,
		"too many":      tooMany,
		"unknown field": unknown,
		"huge record":   huge,
		"trailing":      append(append([]byte{}, unknown[:len(unknown)-3]...), 0xff),
	} {
		if _, err := DecodeBatch(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func TestAckSignVerify(t *testing.T) {
	k := testKey(t, 1)
	a := Ack{Device: "VK-X", Seq: 42, Hash: bytes.Repeat([]byte{9}, 32), Received: 5, Time: 6, Stored: 3}
	s, err := SignAck(a, k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenAck(k.Public().(ed25519.PublicKey), s)
	if err != nil || got.Seq != 42 || got.Device != "VK-X" || got.HashArray()[0] != 9 {
		t.Fatalf("OpenAck = %+v, %v", got, err)
	}
	if _, err := OpenAck(testKey(t, 2).Public().(ed25519.PublicKey), s); !errors.Is(err, ErrAckSignature) {
		t.Errorf("other key: %v", err)
	}
	for i := range s {
		c := bytes.Clone(s)
		c[i] ^= 0x01
		if _, err := OpenAck(k.Public().(ed25519.PublicKey), c); err == nil {
			t.Fatalf("flipping byte %d still verifies", i)
		}
	}
}

func TestRequestAuth(t *testing.T) {
	k := testKey(t, 3)
	pub := k.Public().(ed25519.PublicKey)
	now := time.Unix(1_800_000_000, 0)
	nonce := [NonceSize]byte{1, 2, 3}
	body := []byte("body")
	h, err := SignRequest(k, "VK-A", "POST", PathResults, now, nonce, body)
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseAuth(h)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Verify(pub, "POST", PathResults, body, now.Add(10*time.Second)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	tests := []struct {
		name         string
		method, path string
		body         []byte
		now          time.Time
		pub          ed25519.PublicKey
		want         error
	}{
		{"other body", "POST", PathResults, []byte("bodz"), now, pub, ErrAuthSignature},
		{"other path", "POST", PathAck, body, now, pub, ErrAuthSignature},
		{"other method", "GET", PathResults, body, now, pub, ErrAuthSignature},
		{"other key", "POST", PathResults, body, now, testKey(t, 4).Public().(ed25519.PublicKey), ErrAuthSignature},
		{"expired", "POST", PathResults, body, now.Add(RequestLifetime + time.Second), pub, ErrAuthExpired},
		{"future", "POST", PathResults, body, now.Add(-RequestLifetime - time.Second), pub, ErrAuthExpired},
	}
	for _, tt := range tests {
		if err := a.Verify(tt.pub, tt.method, tt.path, tt.body, tt.now); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	other := strings.Replace(h, "device=VK-A", "device=VK-B", 1)
	if b, err := ParseAuth(other); err != nil || b.Verify(pub, "POST", PathResults, body, now) == nil {
		t.Errorf("re-attributed header verifies")
	}
}

func TestParseAuthRejects(t *testing.T) {
	for _, h := range []string{
		"",
		"Bearer x",
		"Vouch-Ed25519 device=a, ts=1, nonce=AAAAAAAAAAAAAAAAAAAAAA",
		"Vouch-Ed25519 device=a, ts=x, nonce=AAAAAAAAAAAAAAAAAAAAAA, sig=" + strings.Repeat("A", 86),
		"Vouch-Ed25519 device=a, ts=1, nonce=AAAA, sig=" + strings.Repeat("A", 86),
		"Vouch-Ed25519 device=a, ts=1, nonce=AAAAAAAAAAAAAAAAAAAAAA, sig=AAAA",
		"Vouch-Ed25519 device=a, device=b, ts=1, nonce=AAAAAAAAAAAAAAAAAAAAAA, sig=" + strings.Repeat("A", 86),
		"Vouch-Ed25519 device=a, ts=1, nonce=AAAAAAAAAAAAAAAAAAAAAA, sig=" + strings.Repeat("A", 86) + ", x=1",
	} {
		if _, err := ParseAuth(h); !errors.Is(err, ErrAuthMalformed) {
			t.Errorf("ParseAuth(%q) = %v, want ErrAuthMalformed", h, err)
		}
	}
}

func FuzzDecodeBatch(f *testing.F) {
	enc, _ := EncodeBatch(Batch{Records: [][]byte{{0xd2, 0x84}, {1}}})
	f.Add(enc)
	f.Add([]byte{0xa1, 0x01, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBatch(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		re, err := EncodeBatch(b)
		if err != nil {
			t.Fatalf("decoded batch does not re-encode: %v", err)
		}
		if _, err := DecodeBatch(re); err != nil {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
	})
}

func FuzzOpenAck(f *testing.F) {
	k := testKey(f, 5)
	s, _ := SignAck(Ack{Device: "VK-F", Seq: 1, Hash: make([]byte, 32)}, k)
	f.Add(s)
	f.Add([]byte{0xa0})
	pub := k.Public().(ed25519.PublicKey)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := OpenAck(pub, data)
		if err == nil && (len(a.Hash) != 32 || a.Device == "") {
			t.Fatalf("accepted invalid ack %+v", a)
		}
	})
}

func FuzzParseAuth(f *testing.F) {
	k := testKey(f, 6)
	h, _ := SignRequest(k, "VK-Z", "POST", PathResults, time.Unix(1_800_000_000, 0), [NonceSize]byte{}, nil)
	f.Add(h)
	f.Add("Vouch-Ed25519 device=,")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := ParseAuth(h)
		if err != nil {
			if !errors.Is(err, ErrAuthMalformed) {
				t.Fatalf("error %v does not wrap ErrAuthMalformed", err)
			}
			return
		}
		if len(a.Sig) != 64 || a.Time <= 0 {
			t.Fatalf("accepted %+v", a)
		}
	})
}
