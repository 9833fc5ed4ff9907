// Package store is the agent's durable state: sealed templates, subjects,
// consent receipts, the append-only result log with its outbox, an audit
// trail and metadata, all in one bbolt file.
//
// # Concepts
//
// A [DB] wraps one bbolt file opened with fsync on every commit. Work happens
// in closures passed to [DB.Update] (one durable read-write transaction) and
// [DB.View] (a consistent read-only snapshot); a [Tx] offers typed accessors,
// so a multi-record change such as "append result and enqueue it" or "erase
// a subject with all its templates and consents" is all-or-nothing.
//
// The file carries a schema version in its meta bucket. Open upgrades older
// files with forward migrations inside one transaction, and refuses files
// from a newer schema ([ErrSchemaTooNew]) or files that fail validation
// ([ErrCorrupt]); it never re-initialises an existing file.
//
// Results are opaque signed records (see agent/result) keyed by sequence
// number. [Tx.AppendResult] enforces seq = last+1 and writes the result and
// its outbox entry in the same transaction. The outbox shrinks when the
// platform acknowledges ([Tx.DeleteOutbox]); acknowledged results may then be
// pruned, always keeping the latest one for the hash chain.
//
// # Schema
//
// Version 1 has the buckets meta, subjects, templates, consents, results,
// outbox and audit. Version 2 adds subject-expiry, an index of subjects by
// expiry built from the existing subjects when a version 1 file is opened.
// Keys: subjects and consents by id; templates by subject id, NUL,
// modality; results, outbox and audit by big-endian uint64 sequence number.
//
// Typed records are stored as a one-byte format version followed by
// deterministic CBOR, decoded strictly (unknown versions, trailing bytes,
// duplicate keys and out-of-range values are errors wrapping [ErrCorrupt]).
//
// # Caveats
//
// Byte slices passed to callbacks are valid only during the callback; all
// other returned slices are copies. bbolt reuses freed pages without zeroing
// them, so after erasing templates call [DB.Compact], which rewrites the file
// with only live data. Compaction cannot reach copies the storage medium
// keeps on its own (flash wear levelling, filesystem snapshots); that is why
// templates are also sealed, each under its own data key.
//
// A DB is safe for concurrent use by multiple goroutines; one process at a
// time may open a file (a second Open waits for Options.Timeout, then fails
// with [ErrLocked]).
package store
