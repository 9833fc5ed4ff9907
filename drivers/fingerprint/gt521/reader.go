package gt521

import (
	"context"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// reader finds packets in the byte stream: it scans for the start bytes
// with a sliding window, validates the fixed-size packet, and on any
// mismatch discards only the first start byte and rescans. It reads into a
// fixed buffer and does not allocate. NOT safe for concurrent use.
type reader struct {
	port    fingerprint.Port
	skipped int64
	buf     [2 * (MaxData + DataOverhead)]byte
	r, w    int
}

func (rd *reader) reset() { rd.r, rd.w = 0, 0 }

// response returns the next valid response packet.
func (rd *reader) response(ctx context.Context, deadline time.Time) (Packet, error) {
	for {
		if b, ok := rd.scan(cmdStart0, cmdStart1, PacketSize); ok {
			p, err := ParsePacket(b, true)
			if err == nil {
				rd.r += PacketSize
				return p, nil
			}
			rd.discard(1)
			continue
		}
		if err := rd.fill(ctx, deadline); err != nil {
			return Packet{}, err
		}
	}
}

// data returns the payload of the next valid n-byte data packet; it
// aliases the reader's buffer until the next call.
func (rd *reader) data(ctx context.Context, deadline time.Time, n int) ([]byte, error) {
	for {
		if b, ok := rd.scan(dataStart0, dataStart1, n+DataOverhead); ok {
			d, err := ParseData(b, n)
			if err == nil {
				rd.r += n + DataOverhead
				return d, nil
			}
			rd.discard(1)
			continue
		}
		if err := rd.fill(ctx, deadline); err != nil {
			return nil, err
		}
	}
}

// scan positions the buffer at the first s0 s1 pair and reports whether
// size bytes from there are buffered.
func (rd *reader) scan(s0, s1 byte, size int) ([]byte, bool) {
	b := rd.buf[rd.r:rd.w]
	i := 0
	for ; i+1 < len(b); i++ {
		if b[i] == s0 && b[i+1] == s1 {
			break
		}
	}
	if i+1 >= len(b) {
		if len(b) > 0 && b[len(b)-1] == s0 {
			i = len(b) - 1
		} else {
			i = len(b)
		}
	}
	rd.discard(i)
	b = rd.buf[rd.r:rd.w]
	if len(b) < size {
		return nil, false
	}
	return b[:size], true
}

func (rd *reader) discard(n int) {
	rd.r += n
	rd.skipped += int64(n)
}

func (rd *reader) fill(ctx context.Context, deadline time.Time) error {
	if rd.r > 0 {
		rd.w = copy(rd.buf[:], rd.buf[rd.r:rd.w])
		rd.r = 0
	}
	n, err := fingerprint.ReadSome(ctx, rd.port, rd.buf[rd.w:], deadline)
	rd.w += n
	return err
}
