package result

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testKey returns a deterministic key; n selects among several.
func testKey(n byte) ed25519.PrivateKey {
	seed := bytes.Repeat([]byte{n + 1}, ed25519.SeedSize)
	return ed25519.NewKeyFromSeed(seed)
}

func pubOf(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// sampleRecord returns a valid record for key k with the given seq and prev.
func sampleRecord(k ed25519.PrivateKey, seq uint64, prev [32]byte) *Record {
	return &Record{
		Device:      DeviceID(pubOf(k)),
		Seq:         seq,
		BootID:      "8c1c5a1e-3f0b-4d6b-9a53-1d7f3c2e9b10",
		Mono:        time.Duration(seq)*time.Second + 1234*time.Microsecond,
		Wall:        time.Date(2026, 11, 23, 13, 0, int(seq%60), 5000, time.UTC),
		TimeQuality: TimeNTP,
		Mode:        ModeTicket,
		Decision:    DecisionAccept,
		Score:       0.87,
		Thresholds:  Thresholds{Match: 0.62, Liveness: 0.5},
		Models:      []string{"blazeface-short@1", "mobilefacenet@2"},
		Liveness:    LivenessPass,
		PrevHash:    prev,
	}
}

// makeChain signs n consecutive records.
func makeChain(t testing.TB, k ed25519.PrivateKey, n int) [][]byte {
	t.Helper()
	var out [][]byte
	var st ChainState
	for range n {
		seq, prev := st.Next()
		b, err := Sign(sampleRecord(k, seq, prev), k)
		if err != nil {
			t.Fatalf("Sign seq %d: %v", seq, err)
		}
		out = append(out, b)
		st = ChainState{Seq: seq, Hash: Hash(b)}
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	k := testKey(0)
	want := sampleRecord(k, 7, [32]byte{1, 2, 3})
	want.Dev = true
	want.Score = -0.123 // rounds to -0.12
	signed, err := Sign(want, k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(pubOf(k), signed)
	if err != nil {
		t.Fatal(err)
	}
	want.Score = -0.12
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}
	again, err := Sign(got, k)
	if err != nil || !bytes.Equal(again, signed) {
		t.Errorf("re-signing the decoded record gives different bytes (err %v): Ed25519 and the encoding must be deterministic", err)
	}
}

func TestSignRejectsInvalid(t *testing.T) {
	k := testKey(0)
	for _, tc := range []struct {
		name string
		edit func(r *Record)
		want string
	}{
		{"seq zero", func(r *Record) { r.Seq = 0 }, "seq is 0"},
		{"other device", func(r *Record) { r.Device = DeviceID(pubOf(testKey(1))) }, "not"},
		{"no mode", func(r *Record) { r.Mode = 0 }, "mode"},
		{"bad decision", func(r *Record) { r.Decision = 99 }, "decision"},
		{"no liveness", func(r *Record) { r.Liveness = 0 }, "liveness"},
		{"bad time quality", func(r *Record) { r.TimeQuality = 3 }, "time quality"},
		{"NaN score", func(r *Record) { r.Score = math.NaN() }, "score"},
		{"infinite threshold", func(r *Record) { r.Thresholds.Match = math.Inf(1) }, "match threshold"},
		{"negative mono", func(r *Record) { r.Mono = -time.Second }, "monotonic"},
		{"zero wall", func(r *Record) { r.Wall = time.Time{} }, "wall"},
		{"too many models", func(r *Record) { r.Models = make([]string, MaxModels+1) }, "model ids"},
		{"empty model id", func(r *Record) { r.Models = []string{""} }, "model id 0"},
		{"long boot id", func(r *Record) { r.BootID = strings.Repeat("x", MaxTextLen+1) }, "boot id"},
		{"invalid utf-8", func(r *Record) { r.Models = []string{"\xff"} }, "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sampleRecord(k, 1, [32]byte{})
			tc.edit(r)
			_, err := Sign(r, k)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Sign = %v, want ErrInvalid mentioning %q", err, tc.want)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	k := testKey(0)
	signed := makeChain(t, k, 1)[0]
	other := makeChain(t, testKey(1), 1)[0]
	untagged := append([]byte(nil), signed[1:]...)
	for _, tc := range []struct {
		name string
		pub  ed25519.PublicKey
		in   []byte
		want error
	}{
		{"empty", pubOf(k), nil, ErrDecode},
		{"short key", pubOf(k)[:31], signed, ErrKey},
		{"other device's record", pubOf(k), other, ErrWrongDevice},
		{"wrong key for kid", pubOf(testKey(1)), signed, ErrWrongDevice},
		{"untagged", pubOf(k), untagged, ErrDecode},
		{"trailing byte", pubOf(k), append(append([]byte(nil), signed...), 0), ErrDecode},
		{"oversized", pubOf(k), make([]byte, MaxRecordSize+1), ErrDecode},
		{"truncated", pubOf(k), signed[:len(signed)-1], ErrDecode},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Open(tc.pub, tc.in); !errors.Is(err, tc.want) {
				t.Errorf("Open = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestEveryByteFlipDetected flips each bit position's byte of a signed
// record; no variant may open, and each must fail as a signature or decode
// error (or wrong device when the kid is hit).
func TestEveryByteFlipDetected(t *testing.T) {
	k := testKey(0)
	signed := makeChain(t, k, 1)[0]
	for i := range signed {
		for _, mask := range []byte{0x01, 0x80} {
			b := append([]byte(nil), signed...)
			b[i] ^= mask
			_, err := Open(pubOf(k), b)
			if err == nil {
				t.Fatalf("byte %d ^ %#x: tampered record opened", i, mask)
			}
			if !errors.Is(err, ErrSignature) && !errors.Is(err, ErrDecode) && !errors.Is(err, ErrWrongDevice) {
				t.Fatalf("byte %d ^ %#x: unexpected error class %v", i, mask, err)
			}
		}
	}
}

func TestDeviceID(t *testing.T) {
	a, b := DeviceID(pubOf(testKey(0))), DeviceID(pubOf(testKey(1)))
	if a == b || len(a) != 19 || !strings.HasPrefix(a, "VK-") || strings.ToUpper(a) != a {
		t.Errorf("DeviceID = %q, %q; want distinct upper-case VK- ids of 19 chars", a, b)
	}
	if DeviceID(pubOf(testKey(0))) != a {
		t.Error("DeviceID is not deterministic")
	}
}

func TestEnumStrings(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{TimeNTP.String(), "ntp"}, {ModeDocument.String(), "document"},
		{DecisionAbandon.String(), "abandon"}, {LivenessNotRun.String(), "not-run"},
		{Mode(0).String(), "invalid(0)"}, {Decision(42).String(), "invalid(42)"},
	} {
		if tc.got != tc.want {
			t.Errorf("String() = %q, want %q", tc.got, tc.want)
		}
	}
}
