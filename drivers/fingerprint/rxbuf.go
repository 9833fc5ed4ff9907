package fingerprint

import (
	"context"
	"time"
)

// RxBuffer is the fixed receive window a frame reader scans: bytes read
// from a Port and not yet consumed. Fill compacts before reading, so a
// window twice the largest frame never overflows. It does not allocate
// after NewRxBuffer. NOT safe for concurrent use.
type RxBuffer struct {
	buf  []byte
	r, w int
	// Skipped counts bytes discarded while resynchronising.
	Skipped int64
}

// NewRxBuffer returns a window of size bytes.
func NewRxBuffer(size int) RxBuffer { return RxBuffer{buf: make([]byte, size)} }

// Bytes returns the unconsumed bytes; they alias the window.
func (b *RxBuffer) Bytes() []byte { return b.buf[b.r:b.w] }

// Consume drops n bytes that formed a frame.
func (b *RxBuffer) Consume(n int) { b.r += n }

// Skip drops n bytes of noise and counts them.
func (b *RxBuffer) Skip(n int) {
	b.r += n
	b.Skipped += int64(n)
}

// Reset forgets every buffered byte (after the port's input was flushed).
func (b *RxBuffer) Reset() { b.r, b.w = 0, 0 }

// Fill reads more bytes from port, waiting until deadline.
func (b *RxBuffer) Fill(ctx context.Context, port Port, deadline time.Time) error {
	if b.r > 0 {
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
	}
	n, err := ReadSome(ctx, port, b.buf[b.w:], deadline)
	b.w += n
	return err
}
