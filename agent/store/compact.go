package store

import (
	"errors"
	"fmt"
	"github.com/vouchkiosk/vouch/internal/atomicfile"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// compactTxSize bounds the bytes copied per transaction while compacting.
const compactTxSize = 4 << 20

// Compact rewrites the store into a fresh file holding only live records,
// then atomically replaces the old file. Run it after erasing templates:
// bbolt reuses freed pages without zeroing them, so deleted ciphertexts and
// wrapped keys otherwise linger in the file.
//
// The new file is written beside the old one, fsynced, renamed over it and
// the directory fsynced, so a crash at any point leaves either the old or
// the new file, both complete. Transactions wait while Compact runs. If the
// reopen after the rename fails the DB is closed and the error returned.
func (db *DB) Compact() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.bolt == nil {
		return ErrClosed
	}
	if db.opts.ReadOnly {
		return fmt.Errorf("store: compact %s: read-only", db.path)
	}
	tmp := db.path + compactSuffix
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: compact: %w", err)
	}
	before, _ := os.Stat(db.path)
	if err := db.compactInto(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("store: compact %s: %w", db.path, err)
	}
	if err := db.bolt.Close(); err != nil {
		os.Remove(tmp)
		db.bolt = nil
		return fmt.Errorf("store: compact %s: close: %w", db.path, err)
	}
	db.bolt = nil
	if err := os.Rename(tmp, db.path); err != nil {
		os.Remove(tmp)
		if rerr := db.openBolt(); rerr != nil {
			return fmt.Errorf("store: compact %s: %w (reopen: %w)", db.path, err, rerr)
		}
		return fmt.Errorf("store: compact %s: %w", db.path, err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(db.path)); err != nil {
		// The rename happened; durability of the directory entry is
		// uncertain but either file is complete. Reopen and report.
		db.log.Warn("store: compact: directory fsync failed", "file", db.path, "err", err)
	}
	if err := db.openBolt(); err != nil {
		return fmt.Errorf("store: compact %s: reopen: %w", db.path, err)
	}
	if after, err := os.Stat(db.path); err == nil && before != nil {
		db.log.Info("store: compacted", "file", db.path, "before", before.Size(), "after", after.Size())
	}
	return nil
}

// compactInto copies every live key into a new bbolt file at dst and syncs it.
func (db *DB) compactInto(dst string) error {
	opts := db.boltOptions()
	opts.Timeout = 0
	out, err := bolt.Open(dst, 0o600, opts)
	if err != nil {
		return err
	}
	if err := bolt.Compact(out, db.bolt, compactTxSize); err != nil {
		out.Close()
		return err
	}
	// Every Compact transaction committed with fsync; Sync once more covers
	// the file size change on filesystems that need it.
	err = out.Sync()
	if err == nil {
		err = sameContents(db.bolt, out)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// sameContents checks, before the copy replaces the original, that it
// passes bbolt's consistency check and holds the same buckets with the same
// number of keys and sequence counters.
func sameContents(src, dst *bolt.DB) error {
	type count struct {
		keys int
		seq  uint64
	}
	counts := func(db *bolt.DB) (map[string]count, error) {
		m := map[string]count{}
		err := db.View(func(btx *bolt.Tx) error {
			var bad error
			for e := range btx.Check() {
				if bad == nil {
					bad = e
				}
			}
			if bad != nil {
				return bad
			}
			return btx.ForEach(func(name []byte, b *bolt.Bucket) error {
				m[string(name)] = count{keys: b.Stats().KeyN, seq: b.Sequence()}
				return nil
			})
		})
		return m, err
	}
	want, err := counts(src)
	if err != nil {
		return err
	}
	got, err := counts(dst)
	if err != nil {
		return fmt.Errorf("compacted copy: %w", err)
	}
	if !maps.Equal(want, got) {
		return fmt.Errorf("compacted copy differs from the original: %v, want %v", got, want)
	}
	return nil
}

// EraseSubjects erases the given subjects with all their templates and
// consent receipts in one transaction, then compacts the file so none of
// their bytes remain in it. It returns the combined counts. If the erasure
// commits but compaction fails, the records are gone from the store (a retry
// of Compact finishes the job) and the error says so.
func (db *DB) EraseSubjects(ids ...string) (Erasure, error) {
	_, e, err := db.erase(func(*Tx) ([]string, error) { return ids, nil })
	return e, err
}

// EraseExpired erases every subject whose expiry is at or before now, with
// their templates and consent receipts, and compacts the file. It returns
// the erased ids (earliest expiry first) and the counts. The subjects are
// chosen in the erasing transaction, so one renewed meanwhile is spared.
func (db *DB) EraseExpired(now time.Time) ([]string, Erasure, error) {
	var ids []string
	if err := db.View(func(tx *Tx) (err error) {
		ids, err = tx.ExpiredSubjects(now)
		return err
	}); err != nil || len(ids) == 0 {
		return nil, Erasure{}, err // nothing due: no write
	}
	return db.erase(func(tx *Tx) ([]string, error) { return tx.ExpiredSubjects(now) })
}

// erase erases the subjects pick chooses, in the same transaction, then
// compacts.
func (db *DB) erase(pick func(*Tx) ([]string, error)) ([]string, Erasure, error) {
	var (
		ids   []string
		total Erasure
	)
	if err := db.Update(func(tx *Tx) error {
		var err error
		if ids, err = pick(tx); err != nil {
			return err
		}
		for _, id := range ids {
			e, err := tx.EraseSubject(id)
			if err != nil {
				return fmt.Errorf("store: erase %q: %w", id, err)
			}
			total.add(e)
		}
		return nil
	}); err != nil {
		return nil, Erasure{}, err
	}
	if total == (Erasure{}) {
		return ids, total, nil
	}
	if err := db.Compact(); err != nil {
		return ids, total, fmt.Errorf("store: erased but not yet scrubbed from the file: %w", err)
	}
	return ids, total, nil
}
