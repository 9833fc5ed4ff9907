package gt521

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

// DefaultBaud is the module's factory rate.
const DefaultBaud = 9600

// Options configures a Device. A nil *Options means all defaults.
type Options struct {
	// Baud is the line rate used by Open; 0 means 9600.
	Baud int
	// Capacity is the number of template slots: 200 (GT-521F32, default)
	// or 3000 (GT-521F52).
	Capacity int
	// ScratchID is the slot enrolment uses before the template is read out
	// and deleted; 0 means Capacity-1.
	ScratchID int
	// TemplateSize is the template length in bytes; 0 means 498.
	TemplateSize int
	// Wake signals a touch; nil polls IsPressFinger every 150 ms.
	Wake fingerprint.WakeSource
	// CaptureTimeout bounds each wait for a finger; 0 means 10 s.
	CaptureTimeout time.Duration
	// Reply bounds each response; 0 means 2 s (enrol steps and 1:N need
	// up to ≈0.75 s on hardware).
	Reply time.Duration
	// Quiet is the silence that ends a drain after an error; 0 means 100 ms.
	Quiet time.Duration
	// Logger receives diagnostics; nil discards.
	Logger *slog.Logger
}

// Info is what Open(1) returns.
type Info struct {
	FirmwareVersion uint32
	IsoAreaMaxSize  uint32
	Serial          [16]byte
}

// Device drives one GT-521Fxx module. Safe for concurrent use.
type Device struct {
	mu   sync.Mutex
	port fingerprint.Port
	rd   reader
	opt  Options
	log  *slog.Logger
	wake fingerprint.WakeSource
	wbuf [MaxData + DataOverhead]byte
}

var _ fingerprint.TemplateSensor = (*Device)(nil)

// New returns a Device on a configured port. It does no I/O.
func New(port fingerprint.Port, opts *Options) *Device {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Capacity <= 0 {
		o.Capacity = 200
	}
	if o.ScratchID <= 0 {
		o.ScratchID = o.Capacity - 1
	}
	if o.TemplateSize <= 0 {
		o.TemplateSize = TemplateSize
	}
	if o.CaptureTimeout <= 0 {
		o.CaptureTimeout = 10 * time.Second
	}
	if o.Reply <= 0 {
		o.Reply = 2 * time.Second
	}
	if o.Quiet <= 0 {
		o.Quiet = 100 * time.Millisecond
	}
	d := &Device{port: port, rd: newReader(port), opt: o, log: o.Logger, wake: o.Wake}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.wake == nil {
		d.wake = fingerprint.PollWake{}
	}
	return d
}

// Open opens the serial device at path and sends the module's Open.
func Open(ctx context.Context, path string, opts *Options) (*Device, Info, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	baud := o.Baud
	if baud == 0 {
		baud = DefaultBaud
	}
	p, err := fingerprint.OpenSerial(path, fingerprint.SerialConfig{Baud: baud, Logger: o.Logger})
	if err != nil {
		return nil, Info{}, err
	}
	d := New(p, &o)
	info, err := d.Open(ctx)
	if err != nil {
		p.Close()
		return nil, Info{}, err
	}
	return d, info, nil
}

// Close sends the module's Close and closes the port.
func (d *Device) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), d.opt.Reply)
	defer cancel()
	d.mu.Lock()
	_, err := d.call(ctx, CmdClose, 0)
	d.mu.Unlock()
	if cerr := d.port.Close(); err == nil {
		err = cerr
	}
	return err
}

// call sends one command and returns the ACK parameter. d.mu must be held.
func (d *Device) call(ctx context.Context, cmd uint16, param uint32) (uint32, error) {
	if err := d.port.ResetInputBuffer(); err != nil {
		return 0, fmt.Errorf("gt521: flush: %w", err)
	}
	d.rd.reset()
	if _, err := d.port.Write(AppendPacket(d.wbuf[:0], Packet{Param: param, Code: cmd})); err != nil {
		return 0, fmt.Errorf("gt521: command 0x%02X: write: %w", cmd, err)
	}
	return d.result(ctx, cmd)
}

// result reads one response to cmd.
func (d *Device) result(ctx context.Context, cmd uint16) (uint32, error) {
	p, err := d.rd.response(ctx, time.Now().Add(d.opt.Reply))
	if err != nil {
		return 0, d.fail(ctx, cmd, err)
	}
	if !p.Ack() {
		return p.Param, &NackError{Cmd: cmd, Code: Nack(p.Param)}
	}
	return p.Param, nil
}

// fail drains the line so a late response is not taken for the next one.
func (d *Device) fail(ctx context.Context, cmd uint16, err error) error {
	n, derr := fingerprint.Drain(context.WithoutCancel(ctx), d.port, d.opt.Quiet, 4*d.opt.Quiet+time.Second)
	d.rd.reset()
	d.log.Debug("gt521: resynchronised after error", "cmd", cmd, "err", err, "discarded", n)
	if derr != nil {
		return fmt.Errorf("gt521: command 0x%02X: %w (drain: %w)", cmd, err, derr)
	}
	return fmt.Errorf("gt521: command 0x%02X: %w", cmd, err)
}

// Open sends Open(1) and returns the device information packet.
func (d *Device) Open(ctx context.Context) (Info, error) {
	defer d.lock()()
	if _, err := d.call(ctx, CmdOpen, 1); err != nil {
		return Info{}, err
	}
	b, err := d.rd.data(ctx, time.Now().Add(d.opt.Reply), DeviceInfoSize)
	if err != nil {
		return Info{}, d.fail(ctx, CmdOpen, err)
	}
	info := Info{FirmwareVersion: binary.LittleEndian.Uint32(b[0:4]), IsoAreaMaxSize: binary.LittleEndian.Uint32(b[4:8])}
	copy(info.Serial[:], b[8:24])
	return info, nil
}

func (d *Device) lock() func() {
	d.mu.Lock()
	return d.mu.Unlock
}

// simple runs a command whose ACK parameter is the result.
func (d *Device) simple(ctx context.Context, cmd uint16, param uint32) (uint32, error) {
	defer d.lock()()
	return d.call(ctx, cmd, param)
}

// SetLED switches the capture backlight; it must be on to capture.
func (d *Device) SetLED(ctx context.Context, on bool) error {
	var p uint32
	if on {
		p = 1
	}
	_, err := d.simple(ctx, CmdCmosLed, p)
	return err
}

// IsPressFinger reports whether a finger is on the sensor (ACK parameter 0).
func (d *Device) IsPressFinger(ctx context.Context) (bool, error) {
	p, err := d.simple(ctx, CmdIsPressFinger, 0)
	return err == nil && p == 0, err
}

// EnrollCount returns the number of enrolled IDs.
func (d *Device) EnrollCount(ctx context.Context) (int, error) {
	p, err := d.simple(ctx, CmdGetEnrollCount, 0)
	return int(p), err
}

// CheckEnrolled reports whether slot id holds a template.
func (d *Device) CheckEnrolled(ctx context.Context, id int) (bool, error) {
	_, err := d.simple(ctx, CmdCheckEnrolled, uint32(id))
	if errors.Is(err, NackNotUsed) {
		return false, nil
	}
	return err == nil, err
}

// EnrollStart begins enrolment into slot id.
func (d *Device) EnrollStart(ctx context.Context, id int) error {
	_, err := d.simple(ctx, CmdEnrollStart, uint32(id))
	return err
}

// EnrollStep runs Enroll1, Enroll2 or Enroll3 (step 1…3) on the last
// capture; Enroll3 merges and stores.
func (d *Device) EnrollStep(ctx context.Context, step int) error {
	if step < 1 || step > 3 {
		return fmt.Errorf("gt521: enroll step %d out of 1…3", step)
	}
	_, err := d.simple(ctx, CmdEnroll1+uint16(step-1), 0)
	return err
}

// CaptureFinger takes an image; best quality is slower and meant for
// enrolment. Without a finger it fails with NackFingerNotPress.
func (d *Device) CaptureFinger(ctx context.Context, best bool) error {
	var p uint32
	if best {
		p = 1
	}
	_, err := d.simple(ctx, CmdCaptureFinger, p)
	return err
}

// Identify searches the captured finger in the module's database.
func (d *Device) Identify(ctx context.Context) (id int, found bool, err error) {
	p, err := d.simple(ctx, CmdIdentify1_N, 0)
	if errors.Is(err, NackIdentifyFailed) || errors.Is(err, NackDBEmpty) {
		return 0, false, nil
	}
	return int(p), err == nil, err
}

// Verify compares the captured finger with slot id.
func (d *Device) Verify(ctx context.Context, id int) (bool, error) {
	_, err := d.simple(ctx, CmdVerify1_1, uint32(id))
	if errors.Is(err, NackVerifyFailed) {
		return false, nil
	}
	return err == nil, err
}

// DeleteID deletes slot id.
func (d *Device) DeleteID(ctx context.Context, id int) error {
	_, err := d.simple(ctx, CmdDeleteID, uint32(id))
	return err
}

// DeleteAll empties the database; an already empty one is not an error.
func (d *Device) DeleteAll(ctx context.Context) error {
	_, err := d.simple(ctx, CmdDeleteAll, 0)
	if errors.Is(err, NackDBEmpty) {
		return nil
	}
	return err
}

// GetTemplate reads the template in slot id.
func (d *Device) GetTemplate(ctx context.Context, id int) ([]byte, error) {
	defer d.lock()()
	if _, err := d.call(ctx, CmdGetTemplate, uint32(id)); err != nil {
		return nil, err
	}
	b, err := d.rd.data(ctx, time.Now().Add(d.opt.Reply), d.opt.TemplateSize)
	if err != nil {
		return nil, d.fail(ctx, CmdGetTemplate, err)
	}
	return append([]byte(nil), b...), nil
}

// sendTemplate runs a command that is followed by a template data packet
// and a second response, returning that response's parameter.
func (d *Device) sendTemplate(ctx context.Context, cmd uint16, param uint32, tmpl []byte) (uint32, error) {
	if len(tmpl) != d.opt.TemplateSize {
		return 0, fmt.Errorf("gt521: template of %d bytes, want %d: %w", len(tmpl), d.opt.TemplateSize, fingerprint.ErrProtocol)
	}
	defer d.lock()()
	if _, err := d.call(ctx, cmd, param); err != nil {
		return 0, err
	}
	_, err := d.port.Write(AppendData(d.wbuf[:0], tmpl))
	clear(d.wbuf[:])
	if err != nil {
		return 0, fmt.Errorf("gt521: command 0x%02X: write data: %w", cmd, err)
	}
	return d.result(ctx, cmd)
}

// SetTemplate writes tmpl into slot id (skipping the duplicate check).
func (d *Device) SetTemplate(ctx context.Context, id int, tmpl []byte) error {
	_, err := d.sendTemplate(ctx, CmdSetTemplate, 0xFFFF0000|uint32(id), tmpl)
	return err
}

// VerifyWithTemplate compares the last capture with tmpl, which stays in
// module RAM. A different finger is (false, nil).
func (d *Device) VerifyWithTemplate(ctx context.Context, tmpl []byte) (bool, error) {
	_, err := d.sendTemplate(ctx, CmdVerifyTemplate1_1, uint32(d.opt.ScratchID), tmpl)
	if errors.Is(err, NackVerifyFailed) {
		return false, nil
	}
	return err == nil, err
}

// ChangeBaud switches the module to baud (9600, 19200, 38400, 57600 or
// 115200) and then the port, which must be a *fingerprint.SerialPort or
// another Port with SetBaud.
func (d *Device) ChangeBaud(ctx context.Context, baud int) error {
	bs, ok := d.port.(interface{ SetBaud(int) error })
	if !ok {
		return fmt.Errorf("gt521: port %T cannot change its rate", d.port)
	}
	if _, err := d.simple(ctx, CmdChangeBaudRate, uint32(baud)); err != nil {
		return err
	}
	return bs.SetBaud(baud)
}
