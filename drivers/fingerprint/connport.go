package fingerprint

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// DeadlineConn is a byte stream with read deadlines: a net.Conn (a raw TCP
// serial server such as ser2net), a net.Pipe end, or an *os.File opened
// non-blocking.
type DeadlineConn interface {
	io.ReadWriteCloser
	SetReadDeadline(t time.Time) error
}

// ConnPort is a Port over a DeadlineConn. NOT safe for concurrent use,
// except Close.
type ConnPort struct {
	c       DeadlineConn
	timeout time.Duration
	closed  atomic.Bool
}

var _ Port = (*ConnPort)(nil)

// NewConnPort wraps c; the read timeout starts at one second.
func NewConnPort(c DeadlineConn) *ConnPort { return &ConnPort{c: c, timeout: time.Second} }

// Read implements Port.
func (p *ConnPort) Read(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, ErrClosed
	}
	if err := p.c.SetReadDeadline(time.Now().Add(p.timeout)); err != nil {
		return 0, p.wrap("set deadline", err)
	}
	n, err := p.c.Read(b)
	if n > 0 {
		return n, nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return 0, ErrTimeout
	}
	if err == nil {
		return 0, ErrTimeout
	}
	return 0, p.wrap("read", err)
}

// Write implements Port.
func (p *ConnPort) Write(b []byte) (int, error) {
	if p.closed.Load() {
		return 0, ErrClosed
	}
	if err := writeAll(p.c, b); err != nil {
		return 0, p.wrap("write", err)
	}
	return len(b), nil
}

func (p *ConnPort) wrap(op string, err error) error {
	if p.closed.Load() {
		return ErrClosed
	}
	return fmt.Errorf("%w: %s: %w", ErrDisconnected, op, err)
}

// SetReadTimeout implements Port.
func (p *ConnPort) SetReadTimeout(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("fingerprint: read timeout %v must be positive", d)
	}
	p.timeout = d
	return nil
}

// ResetInputBuffer implements Port: it reads and discards whatever is
// already pending (a stream has no flush).
func (p *ConnPort) ResetInputBuffer() error {
	var buf [256]byte
	for {
		if err := p.c.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			return p.wrap("set deadline", err)
		}
		n, err := p.c.Read(buf[:])
		if n > 0 {
			continue
		}
		if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		return p.wrap("flush", err)
	}
}

// Close implements Port.
func (p *ConnPort) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	return p.c.Close()
}
