package store

import "errors"

// Errors returned when opening a store.
var (
	// ErrCorrupt is returned when the file or a record in it fails
	// validation. The store never re-initialises a corrupt file.
	ErrCorrupt = errors.New("store: corrupt database")

	// ErrSchemaTooNew is returned when the file was written by a newer
	// schema than this build understands.
	ErrSchemaTooNew = errors.New("store: schema version newer than supported")

	// ErrNeedsMigration is returned when a read-only open meets an older
	// schema that would have to be migrated first.
	ErrNeedsMigration = errors.New("store: schema needs migration (open read-write once)")

	// ErrLocked is returned when another process holds the database lock
	// beyond Options.Timeout.
	ErrLocked = errors.New("store: database locked by another process")

	// ErrClosed is returned by operations on a closed DB.
	ErrClosed = errors.New("store: database closed")
)

// Errors returned by transactions.
var (
	// ErrNotFound is returned when a requested record does not exist.
	ErrNotFound = errors.New("store: not found")

	// ErrSeqOrder is returned by AppendResult when seq is not exactly one
	// more than the last appended result.
	ErrSeqOrder = errors.New("store: result sequence out of order")

	// ErrUnacknowledged is returned by PruneResults when asked to drop a
	// result still waiting in the outbox, or the latest result (which the
	// next record's hash chain needs).
	ErrUnacknowledged = errors.New("store: result not acknowledged")

	// ErrAckAhead is returned by DeleteOutbox for an acknowledgement beyond
	// the last appended result.
	ErrAckAhead = errors.New("store: acknowledgement beyond last result")

	// ErrInvalid is returned for arguments that violate a documented limit
	// (empty or oversized ids, values, reserved meta keys).
	ErrInvalid = errors.New("store: invalid argument")

	// ErrStop may be returned by a ForEach callback to end the iteration
	// early; the ForEach call then returns nil.
	ErrStop = errors.New("store: stop iteration")
)
