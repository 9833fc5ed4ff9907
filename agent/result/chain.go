package result

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
)

// ChainState is the verified head of a chain: the sequence number and Hash
// of the last accepted record. The zero value is an empty chain, whose next
// record must be seq 1 with a zero PrevHash.
type ChainState struct {
	Seq  uint64
	Hash [32]byte
}

// Next reports the sequence number and PrevHash the next record must carry.
func (s ChainState) Next() (seq uint64, prev [32]byte) { return s.Seq + 1, s.Hash }

// VerifyChain checks that signed continues the chain whose verified head is
// from: every record verifies with pub and names its device, sequence
// numbers increase by exactly one, and every PrevHash is the Hash of the
// record before it. It returns the new head.
//
// On failure it returns the head as of the last good record and a
// [*ChainError] for the first record that breaks the chain; its Err is one of
// ErrSignature, ErrDecode, ErrWrongDevice, ErrGap, ErrReorder, ErrReplay,
// ErrFork or ErrBrokenLink. A record whose seq is at or below from.Seq is
// reported as ErrReplay, since it was accepted before.
//
// VerifyChain holds all of signed in memory and decodes every record once;
// verify long chains in batches, passing each batch's head to the next.
func VerifyChain(pub ed25519.PublicKey, from ChainState, signed [][]byte) (ChainState, error) {
	if len(pub) != ed25519.PublicKeySize {
		return from, fmt.Errorf("%w: public key is %d bytes", ErrKey, len(pub))
	}
	recs := make([]*Record, len(signed))
	errs := make([]error, len(signed))
	for i, b := range signed {
		recs[i], errs[i] = Open(pub, b)
	}
	state := from
	seen := make(map[uint64][32]byte, len(signed)) // accepted in this call
	for i, b := range signed {
		if errs[i] != nil {
			s := sentinel(errs[i])
			return state, &ChainError{Index: i, Err: s, Detail: strings.TrimPrefix(errs[i].Error(), s.Error()+": ")}
		}
		rec, h := recs[i], Hash(b)
		want, prev := state.Next()
		fail := func(err error, format string, args ...any) (ChainState, error) {
			return state, &ChainError{Index: i, Seq: rec.Seq, Err: err, Detail: fmt.Sprintf(format, args...)}
		}
		switch {
		case rec.Seq == want && rec.PrevHash != prev:
			return fail(ErrBrokenLink, "prev-hash %x is not the hash of seq %d (%x)", rec.PrevHash[:8], state.Seq, prev[:8])
		case rec.Seq == want:
			// continues the chain
		case rec.Seq < want:
			old, ok := seen[rec.Seq]
			switch {
			case !ok:
				return fail(ErrReplay, "seq %d is at or below the verified head %d", rec.Seq, from.Seq)
			case old == h:
				return fail(ErrReplay, "seq %d appears again; expected seq %d", rec.Seq, want)
			default:
				return fail(ErrFork, "a different record with seq %d was accepted earlier", rec.Seq)
			}
		default:
			for j := i + 1; j < len(recs); j++ {
				if recs[j] != nil && recs[j].Seq == want {
					return fail(ErrReorder, "expected seq %d, which comes later at index %d", want, j)
				}
			}
			if rec.Seq-1 == want {
				return fail(ErrGap, "seq %d is missing", want)
			}
			return fail(ErrGap, "seqs %d..%d are missing", want, rec.Seq-1)
		}
		seen[rec.Seq] = h
		state = ChainState{Seq: rec.Seq, Hash: h}
	}
	return state, nil
}

// sentinel maps an error from Open to the chain sentinel it wraps.
func sentinel(err error) error {
	for _, s := range []error{ErrSignature, ErrWrongDevice, ErrDecode} {
		if errors.Is(err, s) {
			return s
		}
	}
	return ErrDecode
}
