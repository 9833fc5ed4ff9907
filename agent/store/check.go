package store

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Check verifies the whole file: bbolt's page structure, then every record's
// encoding and the store's invariants (schema present, outbox contiguous and
// backed by results, expiry index matching subjects, templates owned by
// existing subjects). Errors wrap ErrCorrupt.
func (db *DB) Check() error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.bolt == nil {
		return ErrClosed
	}
	return db.check()
}

func (db *DB) check() (err error) {
	defer func() {
		// bbolt's checker recovers its own panics; this guards our
		// walk over pages the checker has not vouched for.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s: %v", ErrCorrupt, db.path, r)
		}
	}()
	return db.bolt.View(func(btx *bolt.Tx) error {
		// Drain the checker completely: it runs in its own goroutine
		// over this transaction and must finish before View returns.
		var errs []error
		for e := range btx.Check() {
			if len(errs) < 10 {
				errs = append(errs, e)
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("%w: %s: %w", ErrCorrupt, db.path, errors.Join(errs...))
		}
		v, err := schemaVersion(btx)
		if err != nil {
			return db.pathErr(err)
		}
		if v == 0 {
			return nil // new file, initialised by migrate
		}
		if v > currentSchema {
			return nil // refused with ErrSchemaTooNew by the caller
		}
		if err := (&Tx{btx: btx, db: db}).checkRecords(v); err != nil {
			return db.pathErr(err)
		}
		return nil
	})
}

// checkRecords decodes every record and checks cross-bucket invariants of a
// file at schema v.
func (tx *Tx) checkRecords(v uint32) error {
	for _, name := range baseBuckets {
		if _, err := tx.bucket(name); err != nil {
			return err
		}
	}
	indexed := v >= 2
	expiries := map[string]bool{}
	if err := tx.ForEachSubject(func(s Subject) error {
		if !s.Expires.IsZero() {
			expiries[string(expiryKey(s.Expires, s.ID))] = true
		}
		return nil
	}); err != nil {
		return err
	}
	if indexed {
		idx, err := tx.bucket(bucketExpiry)
		if err != nil {
			return err
		}
		n := 0
		if err := idx.ForEach(func(k, _ []byte) error {
			if !expiries[string(k)] {
				return fmt.Errorf("%w: expiry index entry %x has no subject", ErrCorrupt, k)
			}
			n++
			return nil
		}); err != nil {
			return err
		}
		if n != len(expiries) {
			return fmt.Errorf("%w: expiry index has %d entries, subjects have %d expiries", ErrCorrupt, n, len(expiries))
		}
	}
	if err := tx.ForEachTemplate(func(t Template) error {
		if _, err := tx.Subject(t.Key.Subject); err != nil {
			return fmt.Errorf("%w: template %s/%v has no subject", ErrCorrupt, t.Key.Subject, t.Key.Modality)
		}
		return nil
	}); err != nil {
		return err
	}
	if err := tx.ForEachConsent(func(Consent) error { return nil }); err != nil {
		return err
	}
	if err := tx.ForEachAudit(0, func(AuditEvent) error { return nil }); err != nil {
		return err
	}
	return tx.checkResults()
}

// checkResults verifies the result log and outbox invariants: results are
// contiguous up to the last appended seq, the outbox is the contiguous range
// after the acknowledged mark, and every outbox entry has its result.
func (tx *Tx) checkResults() error {
	last, err := tx.metaSeq(metaResultLast)
	if err != nil {
		return err
	}
	acked, err := tx.metaSeq(metaAcked)
	if err != nil {
		return err
	}
	if acked > last {
		return fmt.Errorf("%w: acknowledged %d beyond last result %d", ErrCorrupt, acked, last)
	}
	var prev uint64
	n := 0
	if err := tx.ForEachResult(0, func(seq uint64, rec []byte) error {
		if n > 0 && seq != prev+1 {
			return fmt.Errorf("%w: results jump from %d to %d", ErrCorrupt, prev, seq)
		}
		if len(rec) == 0 {
			return fmt.Errorf("%w: result %d is empty", ErrCorrupt, seq)
		}
		prev = seq
		n++
		return nil
	}); err != nil {
		return err
	}
	if last > 0 && prev != last {
		return fmt.Errorf("%w: last result is %d, meta says %d", ErrCorrupt, prev, last)
	}
	if last == 0 && n > 0 {
		return fmt.Errorf("%w: %d results but no last seq", ErrCorrupt, n)
	}
	want := acked + 1
	if err := tx.ForEachOutbox(func(seq uint64, _ []byte) error {
		if seq != want {
			return fmt.Errorf("%w: outbox has %d, want %d", ErrCorrupt, seq, want)
		}
		want++
		return nil
	}); err != nil {
		return err
	}
	if want != last+1 {
		return fmt.Errorf("%w: outbox ends at %d, last result is %d", ErrCorrupt, want-1, last)
	}
	return nil
}
