package sim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
)

// errSilence reports that the host sent nothing within a transfer timeout.
var errSilence = errors.New("sim: host silent")

// conn reads the host's bytes in a goroutine so that the simulator can wait
// with timeouts on any io.ReadWriter, and scans them for frames.
type conn struct {
	rw   io.ReadWriter
	data chan []byte
	errc chan error
	buf  []byte
}

func newConn(ctx context.Context, rw io.ReadWriter) *conn {
	c := &conn{rw: rw, data: make(chan []byte), errc: make(chan error, 1)}
	go func() {
		for {
			b := make([]byte, 512)
			n, err := rw.Read(b)
			if n > 0 {
				select {
				case c.data <- b[:n]:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				c.errc <- err
				return
			}
		}
	}()
	return c
}

// more waits for bytes from the host. timeout 0 waits forever.
func (c *conn) more(ctx context.Context, timeout time.Duration) error {
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	select {
	case b := <-c.data:
		c.buf = append(c.buf, b...)
		return nil
	case err := <-c.errc:
		return err
	case <-expire:
		return errSilence
	case <-ctx.Done():
		return ctx.Err()
	}
}

// frame returns the next frame addressed to addr. Frames for other
// addresses are dropped without a word (the documented behaviour); a frame
// whose only fault is its checksum is returned with bad = true so the
// simulator can answer 0x01. The payload is a private copy.
func (c *conn) frame(ctx context.Context, timeout time.Duration, addr uint32) (f r30x.Frame, bad bool, err error) {
	for {
		if f, bad, ok := c.scan(addr); ok {
			return f, bad, nil
		}
		if err := c.more(ctx, timeout); err != nil {
			return r30x.Frame{}, false, err
		}
	}
}

func (c *conn) scan(addr uint32) (r30x.Frame, bool, bool) {
	for {
		i := bytes.Index(c.buf, []byte{0xEF, 0x01})
		if i < 0 {
			if n := len(c.buf); n > 0 && c.buf[n-1] == 0xEF {
				c.buf = append(c.buf[:0], 0xEF)
			} else {
				c.buf = c.buf[:0]
			}
			return r30x.Frame{}, false, false
		}
		c.buf = c.buf[i:]
		f, n, err := r30x.ParseFrame(c.buf)
		switch {
		case errors.Is(err, r30x.ErrShort):
			return r30x.Frame{}, false, false
		case errors.Is(err, r30x.ErrChecksum) && addrOf(c.buf) == addr:
			total := r30x.HeaderSize + (int(c.buf[7])<<8 | int(c.buf[8]))
			f = r30x.Frame{Address: addr, PID: r30x.PID(c.buf[6]), Payload: bytes.Clone(c.buf[r30x.HeaderSize : total-2])}
			c.buf = c.buf[total:]
			return f, true, true
		case err != nil:
			c.buf = c.buf[1:]
		case f.Address != addr:
			c.buf = c.buf[n:]
		default:
			f.Payload = bytes.Clone(f.Payload)
			c.buf = c.buf[n:]
			return f, false, true
		}
	}
}

func addrOf(b []byte) uint32 {
	return uint32(b[2])<<24 | uint32(b[3])<<16 | uint32(b[4])<<8 | uint32(b[5])
}
