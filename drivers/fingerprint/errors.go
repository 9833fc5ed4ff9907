package fingerprint

import "errors"

// Transport errors. Module answers (confirmation codes) are never folded into
// these; each protocol package has its own typed codes.
var (
	// ErrTimeout is returned when the peer stayed silent for the whole
	// deadline of a read, or a frame did not complete in time.
	ErrTimeout = errors.New("fingerprint: timeout")
	// ErrClosed is returned by operations on a closed Port or device.
	ErrClosed = errors.New("fingerprint: port closed")
	// ErrDisconnected is returned when the serial device vanished and could
	// not be reopened.
	ErrDisconnected = errors.New("fingerprint: device disconnected")
	// ErrProtocol marks a well-formed reply that makes no sense for the
	// command that was sent (wrong packet type, too short, unannounced data).
	ErrProtocol = errors.New("fingerprint: protocol error")
	// ErrTooLarge is returned when a transfer exceeds its documented maximum.
	ErrTooLarge = errors.New("fingerprint: transfer too large")
	// ErrNoMatch is returned by verification when the live finger does not
	// match the template.
	ErrNoMatch = errors.New("fingerprint: finger does not match")
	// ErrNotFound is returned by a TemplateVault that holds no template for
	// the subject.
	ErrNotFound = errors.New("fingerprint: no template for subject")
)
