package db

import "errors"

// Errors returned by this package. Backend errors are wrapped, so these are
// checked with errors.Is.
var (
	// ErrNotFound is returned when the row does not exist in the caller's
	// organisation (whether or not it exists in another).
	ErrNotFound = errors.New("db: not found")
	// ErrExists is returned when a create would violate a uniqueness rule.
	ErrExists = errors.New("db: already exists")
	// ErrHeadMoved is returned by AppendResults when the device's chain head
	// is no longer the one the caller verified against.
	ErrHeadMoved = errors.New("db: chain head moved")
	// ErrNonceReused is returned by UseNonce for a nonce already seen.
	ErrNonceReused = errors.New("db: nonce reused")
	// ErrSchemaTooNew is returned by Open when the database was migrated by a
	// newer binary.
	ErrSchemaTooNew = errors.New("db: schema newer than this binary")
	// ErrOutOfRange is returned for sequence numbers that do not fit BIGINT.
	ErrOutOfRange = errors.New("db: sequence number out of range")
	// ErrInvalid is returned for arguments that can never be stored.
	ErrInvalid = errors.New("db: invalid argument")
)
