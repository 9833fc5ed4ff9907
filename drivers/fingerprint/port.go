package fingerprint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Port is the byte pipe a protocol driver talks through. Implementations
// are NOT safe for concurrent use; a driver serialises its transactions.
type Port interface {
	// Read reads up to len(p) bytes, waiting at most the duration set by
	// SetReadTimeout. When nothing arrives it returns (0, ErrTimeout).
	Read(p []byte) (int, error)
	// Write writes all of p or returns an error.
	Write(p []byte) (int, error)
	// SetReadTimeout sets how long one Read may wait (must be > 0).
	SetReadTimeout(d time.Duration) error
	// ResetInputBuffer discards bytes received but not yet read.
	ResetInputBuffer() error
	// Close releases the port. Pending and later calls fail with ErrClosed.
	Close() error
}

// maxReadSlice bounds one blocking Read so that context cancellation is
// noticed promptly even when the peer is silent.
const maxReadSlice = 50 * time.Millisecond

// lastPoll is how long the final read after a passed deadline waits: bytes
// that arrived in time are taken even if this goroutine ran late (a loaded
// single-core board, the race detector).
const lastPoll = time.Millisecond

// ReadSome reads into p from port, waiting until at least one byte arrives,
// ctx is done or deadline passes (ErrTimeout). It wraps ctx.Err() when the
// context ends first.
func ReadSome(ctx context.Context, port Port, p []byte, deadline time.Time) (int, error) {
	for last := false; ; {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			if last {
				return 0, ErrTimeout
			}
			left, last = lastPoll, true
		}
		if err := port.SetReadTimeout(min(left, maxReadSlice)); err != nil {
			return 0, fmt.Errorf("fingerprint: set read timeout: %w", err)
		}
		n, err := port.Read(p)
		if n > 0 {
			return n, nil
		}
		if err != nil && !errors.Is(err, ErrTimeout) {
			return 0, err
		}
	}
}

// Drain reads and discards input until the line has been quiet for quiet,
// ctx ends, or limit passes; then it flushes the input queue. Drivers call it
// after a timeout or framing error so that a late reply is not taken for the
// answer to the next command. It returns the number of bytes discarded.
func Drain(ctx context.Context, port Port, quiet, limit time.Duration) (int, error) {
	var buf [256]byte
	total := 0
	end := time.Now().Add(limit)
	for time.Now().Before(end) {
		until := time.Now().Add(quiet)
		if until.After(end) {
			until = end
		}
		n, err := ReadSome(ctx, port, buf[:], until)
		total += n
		if errors.Is(err, ErrTimeout) {
			break
		}
		if err != nil {
			return total, err
		}
	}
	return total, port.ResetInputBuffer()
}

// Counter wraps a Port and counts the bytes that cross it, for wire-cost
// accounting (benchmarks, `vouchctl fp`). NOT safe for concurrent use.
type Counter struct {
	Port
	// In and Out are the bytes read from and written to the wrapped port.
	In, Out int64
}

var _ Port = (*Counter)(nil)

// Read reads from the wrapped port and counts the bytes.
func (c *Counter) Read(p []byte) (int, error) {
	n, err := c.Port.Read(p)
	c.In += int64(n)
	return n, err
}

// Write writes to the wrapped port and counts the bytes.
func (c *Counter) Write(p []byte) (int, error) {
	n, err := c.Port.Write(p)
	c.Out += int64(n)
	return n, err
}

// Reset zeroes both counters.
func (c *Counter) Reset() { c.In, c.Out = 0, 0 }

// WireTime is how long bytes take on an 8N1 UART at baud: ten bit times each
// (start bit, eight data bits, stop bit).
func WireTime(bytes int64, baud int) time.Duration {
	if baud <= 0 {
		return 0
	}
	return time.Duration(bytes * 10 * int64(time.Second) / int64(baud))
}

// writeAll is io.Writer semantics for ports that may write short.
func writeAll(w io.Writer, p []byte) error {
	for len(p) > 0 {
		n, err := w.Write(p)
		if err != nil {
			return err
		}
		if n == 0 {
			return io.ErrShortWrite
		}
		p = p[n:]
	}
	return nil
}
