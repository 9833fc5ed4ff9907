package store

import (
	"fmt"
	"os"
)

// Stats is a snapshot of the store's size and queues, for health reports
// and metrics.
type Stats struct {
	FileBytes   int64  // size of the file on disk
	Schema      uint32 // schema version of the file
	Subjects    int
	Templates   int
	Consents    int
	Results     int    // results still stored (after pruning)
	LastResult  uint64 // highest appended seq
	Acked       uint64 // highest seq acknowledged by the platform
	Outbox      int    // results waiting to be sent
	AuditEvents int
}

// Stats returns counts of every kind of record. It walks each bucket's
// pages once and takes no write lock.
func (db *DB) Stats() (Stats, error) {
	var st Stats
	err := db.View(func(tx *Tx) error {
		v, err := schemaVersion(tx.btx)
		if err != nil {
			return err
		}
		st.Schema = v
		for _, c := range []struct {
			bucket []byte
			n      *int
		}{
			{bucketSubjects, &st.Subjects},
			{bucketTemplates, &st.Templates},
			{bucketConsents, &st.Consents},
			{bucketResults, &st.Results},
			{bucketAudit, &st.AuditEvents},
		} {
			b, err := tx.bucket(c.bucket)
			if err != nil {
				return err
			}
			*c.n = b.Stats().KeyN
		}
		if st.LastResult, err = tx.metaSeq(metaResultLast); err != nil {
			return err
		}
		if st.Acked, err = tx.metaSeq(metaAcked); err != nil {
			return err
		}
		st.Outbox, err = tx.OutboxLen()
		return err
	})
	if err != nil {
		return Stats{}, err
	}
	fi, err := os.Stat(db.path)
	if err != nil {
		return Stats{}, fmt.Errorf("store: stats: %w", err)
	}
	st.FileBytes = fi.Size()
	return st, nil
}
