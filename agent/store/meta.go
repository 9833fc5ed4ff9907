package store

import (
	"bytes"
	"fmt"
	"strings"
	"time"
)

func checkMetaKey(key string) error {
	if err := checkID("meta key", key); err != nil {
		return err
	}
	if strings.HasPrefix(key, reservedPrefix) {
		return fmt.Errorf("%w: meta key %q uses the reserved prefix %q", ErrInvalid, key, reservedPrefix)
	}
	return nil
}

// Meta returns a copy of the caller-defined metadata value under key, or
// ErrNotFound.
func (tx *Tx) Meta(key string) ([]byte, error) {
	if err := checkMetaKey(key); err != nil {
		return nil, err
	}
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return nil, err
	}
	v := meta.Get([]byte(key))
	if v == nil {
		return nil, fmt.Errorf("%w: meta %q", ErrNotFound, key)
	}
	return bytes.Clone(v), nil
}

// SetMeta stores a caller-defined metadata value (at most MaxBlob bytes).
// Keys starting with "store." are reserved.
func (tx *Tx) SetMeta(key string, val []byte) error {
	if err := checkMetaKey(key); err != nil {
		return err
	}
	if len(val) > MaxBlob {
		return fmt.Errorf("%w: meta %q value is %d bytes, max %d", ErrInvalid, key, len(val), MaxBlob)
	}
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put([]byte(key), bytes.Clone(val))
}

// DeleteMeta removes a caller-defined metadata value; absent keys are fine.
func (tx *Tx) DeleteMeta(key string) error {
	if err := checkMetaKey(key); err != nil {
		return err
	}
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Delete([]byte(key))
}

// AuditEvent is one entry of the audit trail.
type AuditEvent struct {
	Seq   uint64
	Time  time.Time
	Event []byte
}

type auditWire struct {
	_     struct{} `cbor:",toarray"`
	Time  int64
	Event []byte
}

func decodeAudit(k, v []byte) (AuditEvent, error) {
	seq, err := parseSeq("audit", k)
	if err != nil {
		return AuditEvent{}, err
	}
	var w auditWire
	if err := unmarshal("audit", k, v, &w); err != nil {
		return AuditEvent{}, err
	}
	if w.Time < 0 {
		return AuditEvent{}, fmt.Errorf("%w: audit %d: negative time", ErrCorrupt, seq)
	}
	if len(w.Event) == 0 || len(w.Event) > MaxBlob {
		return AuditEvent{}, fmt.Errorf("%w: audit %d: event is %d bytes", ErrCorrupt, seq, len(w.Event))
	}
	return AuditEvent{Seq: seq, Time: fromUnixNano(w.Time), Event: w.Event}, nil
}

// AppendAudit appends an event (1..MaxBlob opaque bytes, typically JSON or
// CBOR) to the audit trail, stamped with the store's clock.
func (tx *Tx) AppendAudit(event []byte) error {
	if len(event) == 0 || len(event) > MaxBlob {
		return fmt.Errorf("%w: audit event is %d bytes, want 1..%d", ErrInvalid, len(event), MaxBlob)
	}
	b, err := tx.bucket(bucketAudit)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	v, err := marshal(auditWire{Time: unixNano(tx.db.now()), Event: event})
	if err != nil {
		return err
	}
	return b.Put(seqKey(seq), v)
}

// ForEachAudit calls fn for every audit event with Seq >= from, in order.
// Returning ErrStop ends the iteration without error.
func (tx *Tx) ForEachAudit(from uint64, fn func(AuditEvent) error) error {
	b, err := tx.bucket(bucketAudit)
	if err != nil {
		return err
	}
	c := b.Cursor()
	for k, v := c.Seek(seqKey(from)); k != nil; k, v = c.Next() {
		e, err := decodeAudit(k, v)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return stopOK(err)
		}
	}
	return nil
}

// PruneAudit deletes audit events with Seq < belowSeq (after they were
// exported).
func (tx *Tx) PruneAudit(belowSeq uint64) error {
	b, err := tx.bucket(bucketAudit)
	if err != nil {
		return err
	}
	return deleteBelow(b, "audit", belowSeq)
}
