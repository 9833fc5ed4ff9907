package gt521

import (
	"context"
	"fmt"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// reader finds packets in the byte stream: it scans for the start bytes
// with a sliding window, validates the fixed-size packet, and on any
// mismatch discards only the first start byte and rescans. It reads into a
// fixed buffer and does not allocate. NOT safe for concurrent use.
type reader struct {
	port fingerprint.Port
	rx   fingerprint.RxBuffer
}

func newReader(port fingerprint.Port) reader {
	return reader{port: port, rx: fingerprint.NewRxBuffer(2 * (MaxData + DataOverhead))}
}

func (rd *reader) reset() { rd.rx.Reset() }

// response returns the next valid response packet.
func (rd *reader) response(ctx context.Context, deadline time.Time) (Packet, error) {
	for {
		if b, ok := rd.scan(cmdStart0, cmdStart1, PacketSize); ok {
			p, err := ParsePacket(b, true)
			if err == nil {
				rd.rx.Consume(PacketSize)
				return p, nil
			}
			rd.rx.Skip(1)
			continue
		}
		if err := rd.rx.Fill(ctx, rd.port, deadline); err != nil {
			return Packet{}, err
		}
	}
}

// data returns the payload of the next valid n-byte data packet; it
// aliases the reader's buffer until the next call.
func (rd *reader) data(ctx context.Context, deadline time.Time, n int) ([]byte, error) {
	if n > MaxData {
		return nil, fmt.Errorf("gt521: %w: data packet of %d bytes", fingerprint.ErrTooLarge, n)
	}
	for {
		if b, ok := rd.scan(dataStart0, dataStart1, n+DataOverhead); ok {
			d, err := ParseData(b, n)
			if err == nil {
				rd.rx.Consume(n + DataOverhead)
				return d, nil
			}
			rd.rx.Skip(1)
			continue
		}
		if err := rd.rx.Fill(ctx, rd.port, deadline); err != nil {
			return nil, err
		}
	}
}

// scan positions the window at the first s0 s1 pair and reports whether
// size bytes from there are buffered.
func (rd *reader) scan(s0, s1 byte, size int) ([]byte, bool) {
	b := rd.rx.Bytes()
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
	rd.rx.Skip(i)
	b = rd.rx.Bytes()
	if len(b) < size {
		return nil, false
	}
	return b[:size], true
}
