package devicetest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
)

// Device is a simulated kiosk identity with its chain head. It is not safe
// for concurrent use.
type Device struct {
	Key  ed25519.PrivateKey
	Pub  ed25519.PublicKey
	ID   string
	Head result.ChainState
}

// New returns a device whose key is derived from seed, so tests are
// reproducible.
func New(seed uint64) *Device {
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], seed)
	sum := sha256.Sum256(append([]byte("vouch-devicetest"), s[:]...))
	key := ed25519.NewKeyFromSeed(sum[:])
	pub := key.Public().(ed25519.PublicKey)
	return &Device{Key: key, Pub: pub, ID: result.DeviceID(pub)}
}

// Record returns a valid unsigned record continuing the chain.
func (d *Device) Record() *result.Record {
	seq, prev := d.Head.Next()
	return &result.Record{
		Device: d.ID, Seq: seq, PrevHash: prev, BootID: "boot-1",
		Mono: time.Duration(seq) * time.Second, Wall: time.Unix(1_800_000_000+int64(seq), 0),
		Mode: result.ModeTicket, Decision: result.DecisionAccept, Liveness: result.LivenessPass,
		Score: 0.87, Thresholds: result.Thresholds{Match: 0.6, Liveness: 0.5}, Models: []string{"blazeface-short", "mfn-112"},
	}
}

// Sign signs rec with the device key and, if it continues the chain,
// advances the head.
func (d *Device) Sign(rec *result.Record) []byte {
	b, err := result.Sign(rec, d.Key)
	if err != nil {
		panic(fmt.Sprintf("devicetest: sign: %v", err)) // the records built here are valid by construction
	}
	if seq, prev := d.Head.Next(); rec.Seq == seq && rec.PrevHash == prev {
		d.Head = result.ChainState{Seq: rec.Seq, Hash: result.Hash(b)}
	}
	return b
}

// Next signs the next record of the chain.
func (d *Device) Next() []byte { return d.Sign(d.Record()) }

// Records signs the next n records.
func (d *Device) Records(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = d.Next()
	}
	return out
}
