package r30x

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// Timeouts bound each phase of a transaction. Zero fields take the defaults
// from fingerprint-protocol.md §5.3.
type Timeouts struct {
	Reply  time.Duration // to the end of an ordinary ack; default 2 s
	Flash  time.Duration // ack of a flash write (Store, Empty, …); default 3 s
	Packet time.Duration // each data packet of a transfer; default 1 s
	Quiet  time.Duration // line silence that ends a drain after an error; default 100 ms
}

func (t Timeouts) withDefaults() Timeouts {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&t.Reply, 2*time.Second)
	def(&t.Flash, 3*time.Second)
	def(&t.Packet, time.Second)
	def(&t.Quiet, 100*time.Millisecond)
	return t
}

// Options configures a Device. A nil *Options means all defaults.
type Options struct {
	// Address is the module address; 0 means DefaultAddress (0xFFFFFFFF).
	Address uint32
	// Password is sent with VfyPwd during Init; 0 is the factory value.
	Password uint32
	// Baud is the line rate used by Open; 0 means 57600.
	Baud int
	// Wake signals a touch; nil polls GenImg every 150 ms.
	Wake fingerprint.WakeSource
	// CaptureTimeout is how long Capture waits for a finger; 0 means 10 s.
	CaptureTimeout time.Duration
	// EnrollCaptures is the number of captures merged by Enroll, one per
	// char buffer: 2 (default) on classic modules, up to 6 on an R503.
	EnrollCaptures int
	// CaptureRetries is how many extra captures Enroll and Verify take when
	// the module finds the image too poor for features; 0 means 2.
	CaptureRetries int
	// Timeouts bounds each transaction phase.
	Timeouts Timeouts
	// Logger receives diagnostics (never template or image bytes); nil
	// discards.
	Logger *slog.Logger
}

// Transfer caps (fingerprint-protocol.md §4.1): a stream of garbage data
// packets cannot grow memory beyond these.
const (
	MaxCharBytes  = 4 << 10
	MaxImageBytes = 64 << 10
	MaxInfoBytes  = 1 << 10
)

// Device drives one R30x-family module (R305/R307/R503/AS608 and clones).
// All methods are safe for concurrent use; transactions are serialised so
// only one command is ever in flight on the port. Multi-command sequences
// (Capture, Enroll, VerifyTemplate) use the module's image and char buffers
// between commands: run one sequence at a time.
type Device struct {
	mu   sync.Mutex
	port fingerprint.Port
	rd   *Reader
	opt  Options
	to   Timeouts
	log  *slog.Logger
	wake fingerprint.WakeSource

	packetSize int // data payload bytes per packet; 0 until ReadSysParams
	wbuf       [MaxFrameSize]byte
	pbuf       [MaxPayload]byte
}

var _ fingerprint.TemplateSensor = (*Device)(nil)

// New returns a Device on an already configured port. It does no I/O; call
// Init to probe the module.
func New(port fingerprint.Port, opts *Options) *Device {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Address == 0 {
		o.Address = DefaultAddress
	}
	if o.CaptureTimeout <= 0 {
		o.CaptureTimeout = 10 * time.Second
	}
	if o.EnrollCaptures <= 0 {
		o.EnrollCaptures = 2
	}
	if o.CaptureRetries <= 0 {
		o.CaptureRetries = 2
	}
	d := &Device{port: port, opt: o, to: o.Timeouts.withDefaults(), log: o.Logger, wake: o.Wake}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.wake == nil {
		d.wake = fingerprint.PollWake{}
	}
	d.rd = NewReader(port, o.Address)
	return d
}

// Open opens the serial device at path, then runs Init. The caller closes
// the Device.
func Open(ctx context.Context, path string, opts *Options) (*Device, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	p, err := fingerprint.OpenSerial(path, fingerprint.SerialConfig{Baud: o.Baud, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	d := New(p, &o)
	if err := d.Init(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return d, nil
}

// Probe tries each baud rate in turn (57600, 115200, 9600, 19200, 38400 when
// bauds is empty) and returns the first Device whose module answers, with
// the rate that worked.
func Probe(ctx context.Context, path string, bauds []int, opts *Options) (*Device, int, error) {
	if len(bauds) == 0 {
		bauds = []int{57600, 115200, 9600, 19200, 38400}
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	var errs []error
	for _, b := range bauds {
		o.Baud = b
		d, err := Open(ctx, path, &o)
		if err == nil {
			return d, b, nil
		}
		if ctx.Err() != nil {
			return nil, 0, ctx.Err()
		}
		errs = append(errs, fmt.Errorf("%d baud: %w", b, err))
	}
	return nil, 0, fmt.Errorf("r30x: no module answered on %s: %w", path, errors.Join(errs...))
}

// Close closes the port.
func (d *Device) Close() error { return d.port.Close() }

// Init discards start-up noise (an R503 sends 0x55 when ready), verifies
// the password (retrying three times, 200 ms apart) and reads the system
// parameters so transfers use the module's packet size.
func (d *Device) Init(ctx context.Context) error {
	d.mu.Lock()
	_, err := fingerprint.Drain(ctx, d.port, d.to.Quiet, time.Second)
	d.rd.Reset()
	d.mu.Unlock()
	if err != nil {
		return fmt.Errorf("r30x: init: %w", err)
	}
	for try := 0; ; try++ {
		err = d.VerifyPassword(ctx, d.opt.Password)
		if err == nil || try == 2 || !errors.Is(err, fingerprint.ErrTimeout) {
			break
		}
		if err := (fingerprint.PollWake{Interval: 200 * time.Millisecond}).WaitTouch(ctx); err != nil {
			return err
		}
	}
	if err != nil {
		return fmt.Errorf("r30x: init: %w", err)
	}
	if _, err := d.ReadSysParams(ctx); err != nil {
		return fmt.Errorf("r30x: init: %w", err)
	}
	return nil
}

// call runs one command and returns the ack payload after the confirmation
// code, which must hold at least min bytes on success. The returned slice
// aliases the reader buffer: copy what you keep before the next read.
// d.mu must be held.
func (d *Device) call(ctx context.Context, timeout time.Duration, min int, instr Instr, params ...byte) ([]byte, error) {
	if err := d.send(instr, params); err != nil {
		return nil, err
	}
	return d.ack(ctx, timeout, min, instr)
}

// send flushes stale input and writes one command frame.
func (d *Device) send(instr Instr, params []byte) error {
	if err := d.port.ResetInputBuffer(); err != nil {
		return fmt.Errorf("r30x: %s: flush: %w", instr, err)
	}
	d.rd.Reset()
	p := append(d.pbuf[:0], byte(instr))
	p = append(p, params...)
	b, err := AppendFrame(d.wbuf[:0], Frame{Address: d.opt.Address, PID: PIDCommand, Payload: p})
	if err != nil {
		return fmt.Errorf("r30x: %s: %w", instr, err)
	}
	if _, err := d.port.Write(b); err != nil {
		return fmt.Errorf("r30x: %s: write: %w", instr, err)
	}
	return nil
}

// ack reads the acknowledgement of instr.
func (d *Device) ack(ctx context.Context, timeout time.Duration, min int, instr Instr) ([]byte, error) {
	f, err := d.rd.ReadFrame(ctx, time.Now().Add(timeout))
	if err != nil {
		return nil, d.fail(ctx, instr, "ack", err)
	}
	if f.PID != PIDAck {
		return nil, d.fail(ctx, instr, "ack", fmt.Errorf("%w: %s packet instead of an ack", fingerprint.ErrProtocol, f.PID))
	}
	if c := Code(f.Payload[0]); c != CodeOK {
		return f.Payload[1:], &ModuleError{Instr: instr, Code: c}
	}
	if len(f.Payload)-1 < min {
		return nil, d.fail(ctx, instr, "ack", fmt.Errorf("%w: ack carries %d bytes, want %d", fingerprint.ErrProtocol, len(f.Payload)-1, min))
	}
	return f.Payload[1:], nil
}

// fail drains the line after a transport or protocol error, so a late
// reply cannot be read as the answer to the next command.
func (d *Device) fail(ctx context.Context, instr Instr, phase string, err error) error {
	n, derr := fingerprint.Drain(context.WithoutCancel(ctx), d.port, d.to.Quiet, 4*d.to.Quiet+time.Second)
	d.rd.Reset()
	d.log.Debug("r30x: resynchronised after error", "instr", instr.String(), "phase", phase, "err", err, "discarded", n)
	if derr != nil {
		return fmt.Errorf("r30x: %s: %s: %w (drain: %w)", instr, phase, err, derr)
	}
	return fmt.Errorf("r30x: %s: %s: %w", instr, phase, err)
}

// readData collects data packets until the end-data packet.
func (d *Device) readData(ctx context.Context, instr Instr, limit int) ([]byte, error) {
	var out []byte
	for {
		f, err := d.rd.ReadFrame(ctx, time.Now().Add(d.to.Packet))
		if err != nil {
			clear(out)
			return nil, d.fail(ctx, instr, "data", err)
		}
		if f.PID != PIDData && f.PID != PIDEndData {
			clear(out)
			return nil, d.fail(ctx, instr, "data", fmt.Errorf("%w: %s packet inside a transfer", fingerprint.ErrProtocol, f.PID))
		}
		if len(out)+len(f.Payload) > limit {
			clear(out)
			return nil, d.fail(ctx, instr, "data", fmt.Errorf("%w: more than %d bytes", fingerprint.ErrTooLarge, limit))
		}
		out = append(out, f.Payload...)
		if f.PID == PIDEndData {
			return out, nil
		}
	}
}

// writeData sends data as packets of the module's packet size.
func (d *Device) writeData(instr Instr, data []byte) error {
	size := d.packetSize
	for len(data) > 0 {
		n, pid := min(size, len(data)), PIDData
		if n == len(data) {
			pid = PIDEndData
		}
		b, err := AppendFrame(d.wbuf[:0], Frame{Address: d.opt.Address, PID: pid, Payload: data[:n]})
		if err != nil {
			return fmt.Errorf("r30x: %s: %w", instr, err)
		}
		_, err = d.port.Write(b)
		clear(d.wbuf[:])
		if err != nil {
			return fmt.Errorf("r30x: %s: write data: %w", instr, err)
		}
		data = data[n:]
	}
	return nil
}

// ensurePacketSize reads the system parameters once. d.mu must be held.
func (d *Device) ensurePacketSize(ctx context.Context) error {
	if d.packetSize != 0 {
		return nil
	}
	_, err := d.readSysParams(ctx)
	return err
}

func be16(b []byte) int { return int(binary.BigEndian.Uint16(b)) }
