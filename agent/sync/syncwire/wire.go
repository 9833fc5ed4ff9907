package syncwire

import (
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"github.com/vouchkiosk/vouch/internal/detcbor"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
)

// HTTP surface shared by client and platform.
const (
	PathResults     = "/v1/device/results" // POST a Batch, answered by a SignedAck
	PathAck         = "/v1/device/ack"     // GET the current SignedAck
	ContentTypeCBOR = "application/cbor"
	ContentTypeJSON = "application/json"
	HeaderTime      = "X-Vouch-Time" // platform clock, Unix nanoseconds, on every response
)

// Limits of the upload protocol.
const (
	// MaxBatchRecords bounds the records in one Batch.
	MaxBatchRecords = 1000
	// MaxBatchBytes bounds an encoded Batch.
	MaxBatchBytes = MaxBatchRecords*(result.MaxRecordSize+8) + 64
	// MaxAckBytes bounds an encoded SignedAck.
	MaxAckBytes = 1024
)

// Errors returned when decoding or verifying protocol messages.
var (
	// ErrMalformed: the bytes are not a well-formed message of the expected
	// type, or break a documented limit.
	ErrMalformed = errors.New("syncwire: malformed message")
	// ErrAckSignature: the acknowledgement is not signed by the pinned
	// platform key.
	ErrAckSignature = errors.New("syncwire: acknowledgement signature invalid")
)

// Batch is an upload: signed records of one device, in sequence order.
type Batch struct {
	Records [][]byte `cbor:"1,keyasint"`
}

// Ack is the platform's statement about one device's chain.
type Ack struct {
	Device     string `cbor:"1,keyasint"`
	Seq        uint64 `cbor:"2,keyasint"` // acknowledged high-water mark: every record up to Seq is stored or a recorded gap
	Hash       []byte `cbor:"3,keyasint"` // result.Hash of the record at Seq (32 bytes; zeros when Seq is 0)
	Received   int64  `cbor:"4,keyasint"` // platform clock when Seq was stored, Unix nanoseconds
	Time       int64  `cbor:"5,keyasint"` // platform clock when the Ack was signed, Unix nanoseconds
	Stored     uint32 `cbor:"6,keyasint"` // records newly stored by this request
	Duplicates uint32 `cbor:"7,keyasint"` // records of this request already stored
	Missing    uint64 `cbor:"8,keyasint"` // sequence numbers the platform recorded as gaps for this device, in total
}

// HashArray returns Hash as an array (zero if it is not 32 bytes).
func (a *Ack) HashArray() [32]byte {
	var h [32]byte
	if len(a.Hash) == len(h) {
		copy(h[:], a.Hash)
	}
	return h
}

// signedAck is the envelope of a SignedAck.
type signedAck struct {
	Payload []byte `cbor:"1,keyasint"`
	Sig     []byte `cbor:"2,keyasint"`
}

// ackDomain separates acknowledgement signatures from every other use of the
// platform key.
const ackDomain = "vouch-ack-v1\x00"

// cb is immutable after initialisation; cbor modes are safe for concurrent use.
var cb = detcbor.MustNew(detcbor.Limits{MaxArray: MaxBatchRecords})

// EncodeBatch encodes b, checking the limits DecodeBatch enforces.
func EncodeBatch(b Batch) ([]byte, error) {
	if err := b.check(); err != nil {
		return nil, err
	}
	return cb.Enc.Marshal(b)
}

// DecodeBatch decodes an upload. It does not verify the records.
func DecodeBatch(data []byte) (Batch, error) {
	if len(data) > MaxBatchBytes {
		return Batch{}, fmt.Errorf("%w: batch of %d bytes exceeds %d", ErrMalformed, len(data), MaxBatchBytes)
	}
	var b Batch
	if err := cb.Dec.Unmarshal(data, &b); err != nil {
		return Batch{}, fmt.Errorf("%w: batch: %v", ErrMalformed, err)
	}
	if err := b.check(); err != nil {
		return Batch{}, err
	}
	return b, nil
}

func (b Batch) check() error {
	if len(b.Records) == 0 || len(b.Records) > MaxBatchRecords {
		return fmt.Errorf("%w: batch holds %d records, want 1..%d", ErrMalformed, len(b.Records), MaxBatchRecords)
	}
	for i, r := range b.Records {
		if len(r) == 0 || len(r) > result.MaxRecordSize {
			return fmt.Errorf("%w: record %d is %d bytes, want 1..%d", ErrMalformed, i, len(r), result.MaxRecordSize)
		}
	}
	return nil
}

// SignAck encodes a and signs it with the platform key.
func SignAck(a Ack, key crypto.Signer) ([]byte, error) {
	if len(a.Hash) != 32 || a.Device == "" {
		return nil, fmt.Errorf("%w: ack needs a device and a 32-byte hash", ErrMalformed)
	}
	payload, err := cb.Enc.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("syncwire: encode ack: %w", err)
	}
	sig, err := key.Sign(nil, append([]byte(ackDomain), payload...), crypto.Hash(0))
	if err != nil {
		return nil, fmt.Errorf("syncwire: sign ack: %w", err)
	}
	return cb.Enc.Marshal(signedAck{Payload: payload, Sig: sig})
}

// OpenAck verifies a SignedAck with the pinned platform key and decodes it.
func OpenAck(platform ed25519.PublicKey, data []byte) (Ack, error) {
	if len(data) > MaxAckBytes {
		return Ack{}, fmt.Errorf("%w: ack of %d bytes", ErrMalformed, len(data))
	}
	var env signedAck
	if err := cb.Dec.Unmarshal(data, &env); err != nil {
		return Ack{}, fmt.Errorf("%w: ack envelope: %v", ErrMalformed, err)
	}
	if len(platform) != ed25519.PublicKeySize {
		return Ack{}, fmt.Errorf("%w: platform key is %d bytes", ErrAckSignature, len(platform))
	}
	if !ed25519.Verify(platform, append([]byte(ackDomain), env.Payload...), env.Sig) {
		return Ack{}, ErrAckSignature
	}
	var a Ack
	if err := cb.Dec.Unmarshal(env.Payload, &a); err != nil {
		return Ack{}, fmt.Errorf("%w: ack: %v", ErrMalformed, err)
	}
	if len(a.Hash) != 32 || a.Device == "" {
		return Ack{}, fmt.Errorf("%w: ack without device or 32-byte hash", ErrMalformed)
	}
	return a, nil
}

// PlatformTime parses a HeaderTime value; ok is false if it is malformed.
func PlatformTime(v string) (t time.Time, ok bool) {
	var n int64
	if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}
