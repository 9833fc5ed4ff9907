package fingerprint

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"go.bug.st/serial"
)

// DefaultBaud is the factory rate of the R30x family (57600, 8N1).
const DefaultBaud = 57600

// SerialConfig configures OpenSerial. The zero value is usable.
type SerialConfig struct {
	// Baud is the line rate; 0 means DefaultBaud.
	Baud int
	// Logger receives reopen events; nil discards.
	Logger *slog.Logger
}

// SerialPort is a Port on a UART device node (e.g. /dev/serial0), opened in
// raw 8N1 mode with exclusive access. A read timeout is reported as
// ErrTimeout. When the device vanishes (USB adapter unplugged) the next
// operation tries to reopen the same path once and otherwise fails with
// ErrDisconnected, so a driver survives a replug without being rebuilt.
//
// Close may be called from any goroutine and wakes a blocked Read; the other
// methods are NOT safe for concurrent use.
type SerialPort struct {
	path string
	log  *slog.Logger

	mu      sync.Mutex
	port    serial.Port // nil while disconnected
	mode    serial.Mode
	timeout time.Duration
	closed  bool
}

var _ Port = (*SerialPort)(nil)

// OpenSerial opens path as a raw 8N1 serial port.
func OpenSerial(path string, cfg SerialConfig) (*SerialPort, error) {
	baud := cfg.Baud
	if baud == 0 {
		baud = DefaultBaud
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &SerialPort{path: path, log: log, timeout: time.Second,
		mode: serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit}}
	p, err := s.open()
	if err != nil {
		return nil, err
	}
	s.port = p
	return s, nil
}

// Path returns the device node the port was opened on.
func (s *SerialPort) Path() string { return s.path }

// Baud returns the current line rate.
func (s *SerialPort) Baud() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mode.BaudRate
}

// SetBaud changes the line rate of the open port.
func (s *SerialPort) SetBaud(baud int) error {
	p, err := s.current()
	if err != nil {
		return err
	}
	s.mu.Lock()
	m := s.mode
	m.BaudRate = baud
	s.mu.Unlock()
	if err := p.SetMode(&m); err != nil {
		return fmt.Errorf("fingerprint: set %d baud on %s: %w", baud, s.path, err)
	}
	s.mu.Lock()
	s.mode = m
	s.mu.Unlock()
	return nil
}

func (s *SerialPort) open() (serial.Port, error) {
	s.mu.Lock()
	m := s.mode
	s.mu.Unlock()
	p, err := serial.Open(s.path, &m)
	if err != nil {
		return nil, fmt.Errorf("fingerprint: open %s: %w", s.path, err)
	}
	return p, nil
}

// current returns the live port, reopening it after a disconnect.
func (s *SerialPort) current() (serial.Port, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	p := s.port
	s.mu.Unlock()
	if p != nil {
		return p, nil
	}
	p, err := s.open()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDisconnected, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		p.Close()
		return nil, ErrClosed
	}
	s.port = p
	s.log.Info("fingerprint: serial port reopened", "path", s.path)
	return p, nil
}

// fail drops a port that returned an I/O error, so the next call reopens it.
func (s *SerialPort) fail(p serial.Port, op string, err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.port == p {
		s.port = nil
		p.Close()
		s.log.Warn("fingerprint: serial port lost", "path", s.path, "op", op, "err", err)
	}
	return fmt.Errorf("%w: %s %s: %w", ErrDisconnected, op, s.path, err)
}

// Read implements Port.
func (s *SerialPort) Read(b []byte) (int, error) {
	p, err := s.current()
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	t := s.timeout
	s.mu.Unlock()
	if err := p.SetReadTimeout(t); err != nil {
		return 0, s.fail(p, "set timeout", err)
	}
	n, err := p.Read(b)
	switch {
	case n > 0:
		return n, nil
	case err == nil:
		return 0, ErrTimeout // go.bug.st/serial reports a timeout as (0, nil)
	default:
		var pe *serial.PortError
		if errors.As(err, &pe) && pe.Code() == serial.PortClosed {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return 0, ErrClosed
			}
		}
		return 0, s.fail(p, "read", err)
	}
}

// Write implements Port.
func (s *SerialPort) Write(b []byte) (int, error) {
	p, err := s.current()
	if err != nil {
		return 0, err
	}
	if err := writeAll(p, b); err != nil {
		return 0, s.fail(p, "write", err)
	}
	return len(b), nil
}

// SetReadTimeout implements Port.
func (s *SerialPort) SetReadTimeout(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("fingerprint: read timeout %v must be positive", d)
	}
	s.mu.Lock()
	s.timeout = d
	s.mu.Unlock()
	return nil
}

// ResetInputBuffer implements Port.
func (s *SerialPort) ResetInputBuffer() error {
	p, err := s.current()
	if err != nil {
		return err
	}
	if err := p.ResetInputBuffer(); err != nil {
		return s.fail(p, "flush", err)
	}
	return nil
}

// Close implements Port. It is idempotent.
func (s *SerialPort) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.port == nil {
		return nil
	}
	err := s.port.Close()
	s.port = nil
	return err
}
