package gpio

import "errors"

// Errors returned by this package; test with errors.Is.
var (
	// ErrNoPin is returned by Open for a pin name periph does not know.
	ErrNoPin = errors.New("gpio: no such pin")
	// ErrConfig is returned for an invalid configuration.
	ErrConfig = errors.New("gpio: invalid configuration")
	// ErrTooLong is returned for a relay pulse longer than its MaxOn.
	ErrTooLong = errors.New("gpio: relay pulse exceeds the maximum on-time")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("gpio: closed")
)
