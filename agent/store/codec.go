package store

import (
	"encoding/binary"
	"fmt"
	"github.com/vouchkiosk/vouch/internal/detcbor"
)

// recordVersion is the format byte in front of every typed record.
const recordVersion = 1

// Limits on typed records; decoding enforces them too.
const (
	// MaxIDLen bounds subject, consent and model ids, roster and purpose names.
	MaxIDLen = 128
	// MaxRosters bounds the rosters one subject belongs to.
	MaxRosters = 64
	// MaxBlob bounds opaque payloads: sealed templates, consent receipts,
	// audit events and result records.
	MaxBlob = 64 << 10
)

// records is the package's codec. It is never modified after initialisation.
var records = detcbor.MustNew(detcbor.Limits{MaxArray: MaxRosters + 8})

// marshal encodes v as a versioned record.
func marshal(v any) ([]byte, error) {
	b, err := records.Enc.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: encode: %w", err)
	}
	return append([]byte{recordVersion}, b...), nil
}

// unmarshal decodes a versioned record into v; what names it in errors.
func unmarshal(what string, key, b []byte, v any) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: %s %q: empty value", ErrCorrupt, what, key)
	}
	if b[0] != recordVersion {
		return fmt.Errorf("%w: %s %q: unknown record version %d", ErrCorrupt, what, key, b[0])
	}
	if err := records.Dec.Unmarshal(b[1:], v); err != nil {
		return fmt.Errorf("%w: %s %q: %v", ErrCorrupt, what, key, err)
	}
	return nil
}

// seqKey encodes a sequence number as a sortable key.
func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// parseSeq decodes a sequence key.
func parseSeq(what string, k []byte) (uint64, error) {
	if len(k) != 8 {
		return 0, fmt.Errorf("%w: %s key is %d bytes, want 8", ErrCorrupt, what, len(k))
	}
	return binary.BigEndian.Uint64(k), nil
}

// checkID validates an identifier: 1..MaxIDLen bytes of printable ASCII
// without spaces.
func checkID(what, id string) error {
	if id == "" || len(id) > MaxIDLen {
		return fmt.Errorf("%w: %s length %d, want 1..%d", ErrInvalid, what, len(id), MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: %s %q has byte 0x%02x at %d", ErrInvalid, what, id, c, i)
		}
	}
	return nil
}
