package seal

import "errors"

// Errors returned by key backends.
var (
	// ErrNoKey is returned (wrapped, naming the file) by Get when the named
	// secret does not exist.
	ErrNoKey = errors.New("seal: key not found")

	// ErrKeyExists is returned by Put when the named secret already exists.
	// Secrets are never overwritten; delete one explicitly first.
	ErrKeyExists = errors.New("seal: key already exists")

	// ErrCorruptKey is returned when a stored secret fails its format or
	// checksum validation (truncated, bit-rotted or foreign file).
	ErrCorruptKey = errors.New("seal: key file corrupt")

	// ErrKeySize is returned when a secret has the wrong length for its use.
	ErrKeySize = errors.New("seal: wrong key size")

	// ErrInsecure is returned when a key file or key directory is accessible
	// by group or others, or is not a regular file or directory.
	ErrInsecure = errors.New("seal: insecure key storage")

	// ErrKeyName is returned for a secret name outside [a-z0-9._-]{1,64} or
	// starting with a dot.
	ErrKeyName = errors.New("seal: invalid key name")
)

// Errors returned by Sealer and SealedRecord.
var (
	// ErrMalformed is returned when sealed bytes cannot be parsed.
	ErrMalformed = errors.New("seal: malformed sealed record")

	// ErrWrongKEK is returned when a record was sealed under a different
	// key-encryption key than the one offered.
	ErrWrongKEK = errors.New("seal: record sealed under another key-encryption key")

	// ErrAuth is returned when authentication fails: the ciphertext, wrapped
	// key or record id was altered, or the record belongs to another id.
	ErrAuth = errors.New("seal: authentication failed")

	// ErrRecordID is returned when Seal or Open gets an empty record id,
	// which would bind the ciphertext to nothing.
	ErrRecordID = errors.New("seal: empty record id")

	// ErrTooLarge is returned when a plaintext exceeds MaxPlaintext.
	ErrTooLarge = errors.New("seal: plaintext too large")
)
