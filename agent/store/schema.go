package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Top-level buckets.
var (
	bucketMeta      = []byte("meta")
	bucketSubjects  = []byte("subjects")
	bucketTemplates = []byte("templates")
	bucketConsents  = []byte("consents")
	bucketResults   = []byte("results")
	bucketOutbox    = []byte("outbox")
	bucketAudit     = []byte("audit")
	// bucketExpiry indexes subjects by expiry (schema 2): key is the expiry
	// in Unix nanoseconds (uint64 BE) followed by the subject id.
	bucketExpiry = []byte("subject-expiry")
)

// Reserved meta keys. Caller meta keys may not start with reservedPrefix.
const reservedPrefix = "store."

var (
	metaSchema     = []byte(reservedPrefix + "schema")
	metaResultLast = []byte(reservedPrefix + "result-last")
)

// currentSchema is the version this build writes. Each schema version N > 1
// has migrations[N-2], which upgrades a version N-1 file in place.
const currentSchema = 2

// migration upgrades a file by one schema version, to version to.
type migration struct {
	to   uint32
	what string
	run  func(*bolt.Tx) error
}

// migrations lists the upgrade steps in order.
func migrations() []migration {
	return []migration{
		{to: 2, what: "index subjects by expiry", run: migrateExpiryIndex},
	}
}

// baseBuckets are the buckets of schema 1.
var baseBuckets = [][]byte{bucketMeta, bucketSubjects, bucketTemplates, bucketConsents, bucketResults, bucketOutbox, bucketAudit}

// schemaVersion reads the schema version of an initialised file; a file
// with no buckets at all reports 0.
func schemaVersion(btx *bolt.Tx) (uint32, error) {
	meta := btx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		btx.ForEach(func([]byte, *bolt.Bucket) error { empty = false; return nil })
		if empty {
			return 0, nil
		}
		return 0, fmt.Errorf("%w: buckets present but no meta bucket", ErrCorrupt)
	}
	v := meta.Get(metaSchema)
	if len(v) != 4 {
		return 0, fmt.Errorf("%w: schema version is %d bytes, want 4", ErrCorrupt, len(v))
	}
	n := binary.BigEndian.Uint32(v)
	if n == 0 {
		return 0, fmt.Errorf("%w: schema version 0", ErrCorrupt)
	}
	return n, nil
}

func (db *DB) compareSchema(v uint32) error {
	switch {
	case v == 0:
		return fmt.Errorf("%w: file is not initialised", ErrNeedsMigration)
	case v > currentSchema:
		return fmt.Errorf("%w: file has schema %d, this build supports up to %d", ErrSchemaTooNew, v, currentSchema)
	case v < db.opts.schema:
		return fmt.Errorf("%w: file has schema %d, current is %d", ErrNeedsMigration, v, db.opts.schema)
	}
	return nil
}

func putSchema(btx *bolt.Tx, v uint32) error {
	return btx.Bucket(bucketMeta).Put(metaSchema, binary.BigEndian.AppendUint32(nil, v))
}

// migrate initialises an empty file or upgrades an older one, all inside
// btx, so a crash leaves the file at its old version.
func (db *DB) migrate(btx *bolt.Tx) error {
	v, err := schemaVersion(btx)
	if err != nil {
		return err
	}
	if v > currentSchema {
		return fmt.Errorf("%w: file has schema %d, this build supports up to %d", ErrSchemaTooNew, v, currentSchema)
	}
	if v == 0 {
		for _, name := range baseBuckets {
			if _, err := btx.CreateBucket(name); err != nil {
				return fmt.Errorf("store: create bucket %q: %w", name, err)
			}
		}
		v = 1
		if err := putSchema(btx, v); err != nil {
			return err
		}
		db.log.Info("store: initialised", "file", db.path, "schema", v)
	}
	for _, m := range migrations() {
		if m.to <= v || m.to > db.opts.schema {
			continue
		}
		if err := m.run(btx); err != nil {
			return fmt.Errorf("store: migration to schema %d (%s): %w", m.to, m.what, err)
		}
		if err := putSchema(btx, m.to); err != nil {
			return err
		}
		db.log.Info("store: migrated", "file", db.path, "from", v, "to", m.to, "what", m.what)
		v = m.to
	}
	return nil
}

// migrateExpiryIndex builds the subject-expiry index from existing subjects.
func migrateExpiryIndex(btx *bolt.Tx) error {
	idx, err := btx.CreateBucket(bucketExpiry)
	if err != nil {
		return err
	}
	subjects := btx.Bucket(bucketSubjects)
	if subjects == nil {
		return fmt.Errorf("%w: bucket %q missing", ErrCorrupt, bucketSubjects)
	}
	return subjects.ForEach(func(k, v []byte) error {
		s, err := decodeSubject(k, v)
		if err != nil {
			return err
		}
		if s.Expires.IsZero() {
			return nil
		}
		return idx.Put(expiryKey(s.Expires, s.ID), nil)
	})
}
