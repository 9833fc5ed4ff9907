package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

var metaAcked = []byte(reservedPrefix + "result-acked")

// metaSeq reads a uint64 meta entry; absent means 0.
func (tx *Tx) metaSeq(key []byte) (uint64, error) {
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return 0, err
	}
	v := meta.Get(key)
	if v == nil {
		return 0, nil
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: meta %q is %d bytes, want 8", ErrCorrupt, key, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

func (tx *Tx) putMetaSeq(key []byte, seq uint64) error {
	meta, err := tx.bucket(bucketMeta)
	if err != nil {
		return err
	}
	return meta.Put(key, seqKey(seq))
}

// AppendResult appends a signed result record and enqueues it in the
// outbox, in this transaction. seq must be exactly one more than the last
// appended seq (1 for the first), even after pruning; otherwise it returns
// ErrSeqOrder. record is opaque to the store (1..MaxBlob bytes).
func (tx *Tx) AppendResult(seq uint64, record []byte) error {
	if len(record) == 0 || len(record) > MaxBlob {
		return fmt.Errorf("%w: result record is %d bytes, want 1..%d", ErrInvalid, len(record), MaxBlob)
	}
	last, err := tx.metaSeq(metaResultLast)
	if err != nil {
		return err
	}
	if seq == 0 || seq != last+1 {
		return fmt.Errorf("%w: got seq %d, want %d", ErrSeqOrder, seq, last+1)
	}
	results, err := tx.bucket(bucketResults)
	if err != nil {
		return err
	}
	outbox, err := tx.bucket(bucketOutbox)
	if err != nil {
		return err
	}
	k := seqKey(seq)
	if err := results.Put(k, record); err != nil {
		return err
	}
	if err := outbox.Put(k, []byte{}); err != nil {
		return err
	}
	return tx.putMetaSeq(metaResultLast, seq)
}

// LastResult returns the highest appended seq and a copy of its record, or
// 0, nil, nil when nothing was ever appended.
func (tx *Tx) LastResult() (uint64, []byte, error) {
	last, err := tx.metaSeq(metaResultLast)
	if err != nil || last == 0 {
		return 0, nil, err
	}
	rec, err := tx.Result(last)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: last result %d is missing", ErrCorrupt, last)
	}
	return last, rec, nil
}

// Result returns a copy of the record with the given seq, or ErrNotFound
// (never appended, or pruned).
func (tx *Tx) Result(seq uint64) ([]byte, error) {
	results, err := tx.bucket(bucketResults)
	if err != nil {
		return nil, err
	}
	v := results.Get(seqKey(seq))
	if v == nil {
		return nil, fmt.Errorf("%w: result %d", ErrNotFound, seq)
	}
	return bytes.Clone(v), nil
}

// ForEachResult calls fn for every stored result with seq >= from, in
// order. The record slice is valid only during the call. Returning ErrStop
// ends the iteration without error.
func (tx *Tx) ForEachResult(from uint64, fn func(seq uint64, record []byte) error) error {
	results, err := tx.bucket(bucketResults)
	if err != nil {
		return err
	}
	c := results.Cursor()
	for k, v := c.Seek(seqKey(from)); k != nil; k, v = c.Next() {
		seq, err := parseSeq("result", k)
		if err != nil {
			return err
		}
		if err := fn(seq, v); err != nil {
			return stopOK(err)
		}
	}
	return nil
}

// ForEachOutbox calls fn for every result not yet acknowledged, oldest
// first. The record slice is valid only during the call. Returning ErrStop
// ends the iteration without error.
func (tx *Tx) ForEachOutbox(fn func(seq uint64, record []byte) error) error {
	outbox, err := tx.bucket(bucketOutbox)
	if err != nil {
		return err
	}
	results, err := tx.bucket(bucketResults)
	if err != nil {
		return err
	}
	c := outbox.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		seq, err := parseSeq("outbox", k)
		if err != nil {
			return err
		}
		rec := results.Get(k)
		if rec == nil {
			return fmt.Errorf("%w: outbox entry %d has no result", ErrCorrupt, seq)
		}
		if err := fn(seq, rec); err != nil {
			return stopOK(err)
		}
	}
	return nil
}

// outboxFirst returns the oldest unacknowledged seq, or 0 if the outbox is
// empty.
func outboxFirst(outbox *bolt.Bucket) (uint64, error) {
	k, _ := outbox.Cursor().First()
	if k == nil {
		return 0, nil
	}
	return parseSeq("outbox", k)
}

// OutboxLen returns the number of unacknowledged results. The outbox is
// always the contiguous range from its first entry to the last result.
func (tx *Tx) OutboxLen() (int, error) {
	outbox, err := tx.bucket(bucketOutbox)
	if err != nil {
		return 0, err
	}
	first, err := outboxFirst(outbox)
	if err != nil || first == 0 {
		return 0, err
	}
	last, err := tx.metaSeq(metaResultLast)
	if err != nil {
		return 0, err
	}
	if last < first {
		return 0, fmt.Errorf("%w: outbox starts at %d beyond last result %d", ErrCorrupt, first, last)
	}
	return int(last - first + 1), nil
}

// Acked returns the highest seq the platform acknowledged (0 if none).
func (tx *Tx) Acked() (uint64, error) { return tx.metaSeq(metaAcked) }

// DeleteOutbox removes outbox entries up to and including uptoSeq, after
// the platform acknowledged them, and raises the acknowledged mark. An
// acknowledgement at or below the current mark is a no-op (acks are
// idempotent); one beyond the last result fails with ErrAckAhead.
func (tx *Tx) DeleteOutbox(uptoSeq uint64) error {
	last, err := tx.metaSeq(metaResultLast)
	if err != nil {
		return err
	}
	if uptoSeq > last {
		return fmt.Errorf("%w: ack %d, last result %d", ErrAckAhead, uptoSeq, last)
	}
	acked, err := tx.metaSeq(metaAcked)
	if err != nil {
		return err
	}
	if uptoSeq <= acked {
		return nil
	}
	outbox, err := tx.bucket(bucketOutbox)
	if err != nil {
		return err
	}
	if err := deleteBelow(outbox, "outbox", uptoSeq+1); err != nil {
		return err
	}
	return tx.putMetaSeq(metaAcked, uptoSeq)
}

// PruneResults deletes stored results with seq < belowSeq. Only
// acknowledged results may go, and the latest result always stays (the next
// record chains to it); otherwise it returns ErrUnacknowledged and deletes
// nothing.
func (tx *Tx) PruneResults(belowSeq uint64) error {
	if belowSeq <= 1 {
		return nil
	}
	acked, err := tx.metaSeq(metaAcked)
	if err != nil {
		return err
	}
	last, err := tx.metaSeq(metaResultLast)
	if err != nil {
		return err
	}
	if belowSeq-1 > acked {
		return fmt.Errorf("%w: prune below %d, acknowledged up to %d", ErrUnacknowledged, belowSeq, acked)
	}
	if belowSeq > last {
		return fmt.Errorf("%w: prune below %d would drop the latest result %d", ErrUnacknowledged, belowSeq, last)
	}
	results, err := tx.bucket(bucketResults)
	if err != nil {
		return err
	}
	return deleteBelow(results, "result", belowSeq)
}

// deleteBelow deletes the entries of a sequence-keyed bucket with seq <
// below.
func deleteBelow(b *bolt.Bucket, what string, below uint64) error {
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.First() {
		seq, err := parseSeq(what, k)
		if err != nil {
			return err
		}
		if seq >= below {
			break
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}
