// Package detcbor builds the CBOR modes every Vouch wire and storage format
// uses: Core Deterministic Encoding (RFC 8949 §4.2.1) for writing, and a
// strict decoder for reading that rejects duplicate map keys, indefinite
// lengths, tags, unknown fields and invalid UTF-8, and bounds nesting and
// container sizes, so a hostile input cannot make the decoder allocate much.
package detcbor

import (
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Limits bound what the strict decoder accepts, and choose how nil
// containers encode.
type Limits struct {
	MaxNested  int // maximum nesting depth (cbor's minimum is 4)
	MaxArray   int // maximum elements in one array (cbor's minimum is 16)
	MaxMapKeys int // maximum pairs in one map (cbor's minimum is 16)
	// NilAsEmpty encodes nil slices and maps as empty containers instead of
	// null, so a value round-trips to the same bytes whether or not it was
	// decoded first.
	NilAsEmpty bool
}

// Modes pairs a deterministic encoder with a strict decoder. Both are
// immutable and safe for concurrent use.
type Modes struct {
	Enc cbor.EncMode
	Dec cbor.DecMode
}

// New returns the modes for lim. Zero limits take cbor's minimums.
func New(lim Limits) (Modes, error) {
	eo := cbor.CoreDetEncOptions()
	if lim.NilAsEmpty {
		eo.NilContainers = cbor.NilContainerAsEmpty
	}
	enc, err := eo.EncMode()
	if err != nil {
		return Modes{}, fmt.Errorf("detcbor: encode options: %w", err)
	}
	dec, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		MaxNestedLevels:   max(lim.MaxNested, 4),
		MaxArrayElements:  max(lim.MaxArray, 16),
		MaxMapPairs:       max(lim.MaxMapKeys, 16),
		UTF8:              cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		return Modes{}, fmt.Errorf("detcbor: decode options: %w", err)
	}
	return Modes{Enc: enc, Dec: dec}, nil
}

// MustNew is New for limits fixed at compile time; it panics only if lim is
// out of cbor's accepted range, which a test of the caller catches.
func MustNew(lim Limits) Modes {
	m, err := New(lim)
	if err != nil {
		panic(err)
	}
	return m
}
