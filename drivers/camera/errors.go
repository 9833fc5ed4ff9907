package camera

import "errors"

// Errors returned by sources and conversions. They are wrapped with context;
// test with errors.Is.
var (
	// ErrClosed is returned by Next after Close.
	ErrClosed = errors.New("camera: source closed")
	// ErrUnsupported is returned where the platform lacks the capture API
	// (V4L2 outside Linux).
	ErrUnsupported = errors.New("camera: not supported on this platform")
	// ErrNoDevice is returned when no usable capture device exists.
	ErrNoDevice = errors.New("camera: no capture device")
	// ErrNoMode is returned by Choose when a device offers no format that
	// is both wanted and decodable.
	ErrNoMode = errors.New("camera: no usable capture mode")
	// ErrDisconnected is returned when a device went away while in use
	// (ENODEV); streams reopen it.
	ErrDisconnected = errors.New("camera: device disconnected")
	// ErrStalled is returned when a source delivers no frame in time.
	ErrStalled = errors.New("camera: no frame within the timeout")
	// ErrEnded is returned when a producer process or file ends.
	ErrEnded = errors.New("camera: source ended")
	// ErrFormat is returned for a pixel format this package cannot convert.
	ErrFormat = errors.New("camera: unsupported pixel format")
	// ErrSize is returned for invalid or mismatched frame dimensions.
	ErrSize = errors.New("camera: invalid frame size")
	// ErrShortFrame is returned when raw data is shorter than its format
	// requires.
	ErrShortFrame = errors.New("camera: frame data too short")
	// ErrJPEG is returned for a corrupt or unsupported JPEG frame.
	ErrJPEG = errors.New("camera: bad JPEG frame")
	// ErrConfig is returned for an invalid source configuration.
	ErrConfig = errors.New("camera: invalid configuration")
	// ErrTooLarge is returned when a frame exceeds the configured byte or
	// pixel limit.
	ErrTooLarge = errors.New("camera: frame too large")
)

// permanentError marks an error after which a stream does not reopen its
// capturer (bad configuration rather than a device that may come back).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}
