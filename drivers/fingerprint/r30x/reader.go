package r30x

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// Reader extracts frames from a byte stream. It searches for the header with
// a sliding window, bounds LENGTH before waiting for the body, verifies the
// checksum and the address, and after any mismatch discards only the 0xEF
// that started the false frame and rescans the bytes it already holds (the
// real header may lie inside them). It reads into a fixed buffer and does
// not allocate.
//
// A Reader is NOT safe for concurrent use.
type Reader struct {
	port fingerprint.Port
	// Address is the module address frames must carry; others are skipped.
	Address uint32
	rx      fingerprint.RxBuffer
}

// NewReader returns a Reader on port expecting frames from address.
func NewReader(port fingerprint.Port, address uint32) *Reader {
	return &Reader{port: port, Address: address, rx: fingerprint.NewRxBuffer(2 * MaxFrameSize)}
}

// Reset drops buffered bytes (after the port's input queue was flushed).
func (rd *Reader) Reset() { rd.rx.Reset() }

// Buffered returns the number of bytes read from the port but not consumed.
func (rd *Reader) Buffered() int { return len(rd.rx.Bytes()) }

// Skipped returns the number of bytes discarded while resynchronising.
func (rd *Reader) Skipped() int64 { return rd.rx.Skipped }

// ReadFrame returns the next valid frame, waiting until deadline
// (fingerprint.ErrTimeout) or the end of ctx. The payload aliases the
// Reader's buffer and is valid only until the next call.
func (rd *Reader) ReadFrame(ctx context.Context, deadline time.Time) (Frame, error) {
	for {
		f, ok := rd.scan()
		if ok {
			return f, nil
		}
		if err := rd.rx.Fill(ctx, rd.port, deadline); err != nil {
			return Frame{}, err
		}
	}
}

// scan looks for a complete valid frame in the buffered bytes, discarding
// bytes that cannot start one.
func (rd *Reader) scan() (Frame, bool) {
	for {
		b := rd.rx.Bytes()
		i := 0
		for ; i+1 < len(b); i++ {
			if b[i] == header0 && b[i+1] == header1 {
				break
			}
		}
		if i+1 >= len(b) {
			// Keep a trailing 0xEF: it may be the first half of a header.
			keep := 0
			if len(b) > 0 && b[len(b)-1] == header0 {
				keep = 1
			}
			rd.rx.Skip(len(b) - keep)
			return Frame{}, false
		}
		rd.rx.Skip(i)
		b = rd.rx.Bytes()
		if len(b) < HeaderSize {
			return Frame{}, false
		}
		n, err := checkHead(b)
		if err != nil {
			rd.rx.Skip(1)
			continue
		}
		if len(b) < HeaderSize+n {
			return Frame{}, false
		}
		f, total, err := ParseFrame(b)
		if err != nil || binary.BigEndian.Uint32(b[2:6]) != rd.Address {
			rd.rx.Skip(1)
			continue
		}
		rd.rx.Consume(total)
		return f, true
	}
}
