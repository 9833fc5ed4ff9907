package result

import (
	"errors"
	"fmt"
)

// Errors returned when building or signing a record.
var (
	// ErrInvalid is returned by Sign when a record field is missing or out
	// of range (unset mode or decision, non-finite score, seq 0, ...).
	ErrInvalid = errors.New("result: invalid record")
	// ErrKey is returned when a key is not an Ed25519 key.
	ErrKey = errors.New("result: not an Ed25519 key")
)

// Errors that locate a chain break. A [*ChainError] holds exactly one of
// them in its Err field; errors returned by [Open] wrap ErrSignature or
// ErrDecode.
var (
	// ErrSignature: the COSE_Sign1 signature does not verify with the
	// device's public key (the record or its signature was altered, or it was
	// signed by another key).
	ErrSignature = errors.New("result: bad signature")
	// ErrDecode: the bytes are not a well-formed, deterministically encoded
	// Vouch record inside a tagged COSE_Sign1 message.
	ErrDecode = errors.New("result: malformed record")
	// ErrWrongDevice: the record names a device other than the one whose
	// key verified it.
	ErrWrongDevice = errors.New("result: record belongs to another device")
	// ErrGap: a sequence number is missing and does not appear later in the
	// chain (a record was deleted).
	ErrGap = errors.New("result: sequence gap")
	// ErrReorder: a record appears before one with a lower sequence number
	// that is still to come (records were swapped or moved).
	ErrReorder = errors.New("result: records out of order")
	// ErrReplay: a record with an already accepted sequence number and
	// identical content appears again.
	ErrReplay = errors.New("result: replayed record")
	// ErrFork: two different records carry the same sequence number.
	ErrFork = errors.New("result: two records with the same sequence number")
	// ErrBrokenLink: the record's PrevHash is not the hash of the record
	// before it (a record was replaced or the chain was spliced).
	ErrBrokenLink = errors.New("result: broken hash link")
)

// ChainError reports where and why a chain fails to verify.
type ChainError struct {
	Index  int    // position of the offending record in the slice given to VerifyChain
	Seq    uint64 // its sequence number, or 0 if it could not be decoded
	Err    error  // one of the chain sentinel errors
	Detail string // human-readable specifics (expected vs found)
}

// Error implements error.
func (e *ChainError) Error() string {
	s := fmt.Sprintf("result: chain breaks at index %d", e.Index)
	if e.Seq != 0 {
		s += fmt.Sprintf(" (seq %d)", e.Seq)
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel error, so errors.Is(err, ErrGap) works.
func (e *ChainError) Unwrap() error { return e.Err }
