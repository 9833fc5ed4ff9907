package r30x

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// SysParams is the ReadSysPara answer, with the codes converted to values.
type SysParams struct {
	Status        uint16 // bit 0 busy, 1 pass, 2 password verified, 3 image buffer valid
	SystemID      uint16 // 0x0009 per the manuals; real R503s answer 0 (not validated)
	Capacity      int    // library slots
	SecurityLevel int    // 1 (permissive) … 5 (strict)
	Address       uint32
	PacketSize    int // data packet payload bytes: 32, 64, 128 or 256
	Baud          int // bits per second (9600 × N)
}

// Registers for SetSysParam.
const (
	RegBaud       byte = 4 // value N: baud = 9600 × N
	RegSecurity   byte = 5 // value 1…5
	RegPacketSize byte = 6 // value 0…3: 32 << value bytes
)

func (d *Device) lock() func() {
	d.mu.Lock()
	return d.mu.Unlock
}

// VerifyPassword sends VfyPwd. A wrong password yields CodeWrongPassword.
func (d *Device) VerifyPassword(ctx context.Context, password uint32) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Reply, 0, InstrVfyPwd, binary.BigEndian.AppendUint32(nil, password)...)
	return err
}

// HandShake sends the R503 HandShake (0x40); 0x00 means ready.
func (d *Device) HandShake(ctx context.Context) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Reply, 0, InstrHandShake)
	return err
}

// ReadSysParams reads the system parameters and adopts the packet size.
func (d *Device) ReadSysParams(ctx context.Context) (SysParams, error) {
	defer d.lock()()
	return d.readSysParams(ctx)
}

func (d *Device) readSysParams(ctx context.Context) (SysParams, error) {
	b, err := d.call(ctx, d.to.Reply, 16, InstrReadSysPara)
	if err != nil {
		return SysParams{}, err
	}
	code := be16(b[12:14])
	if code > 3 {
		return SysParams{}, fmt.Errorf("r30x: ReadSysPara: %w: packet-size code %d", fingerprint.ErrProtocol, code)
	}
	p := SysParams{
		Status:        binary.BigEndian.Uint16(b[0:2]),
		SystemID:      binary.BigEndian.Uint16(b[2:4]),
		Capacity:      be16(b[4:6]),
		SecurityLevel: be16(b[6:8]),
		Address:       binary.BigEndian.Uint32(b[8:12]),
		PacketSize:    32 << code,
		Baud:          9600 * be16(b[14:16]),
	}
	d.packetSize = p.PacketSize
	return p, nil
}

// SetSysParam writes one system register. A new packet size is adopted at
// once; a new baud rate takes effect only after the module restarts.
func (d *Device) SetSysParam(ctx context.Context, reg, value byte) error {
	defer d.lock()()
	if _, err := d.call(ctx, d.to.Flash, 0, InstrSetSysPara, reg, value); err != nil {
		return err
	}
	if reg == RegPacketSize && value <= 3 {
		d.packetSize = 32 << value
	}
	return nil
}

// TemplateCount returns the number of templates in the module's library.
func (d *Device) TemplateCount(ctx context.Context) (int, error) {
	defer d.lock()()
	b, err := d.call(ctx, d.to.Reply, 2, InstrTemplateNum)
	if err != nil {
		return 0, err
	}
	return be16(b), nil
}

// IndexTable returns the occupied library IDs in 256·page … 256·page+255.
func (d *Device) IndexTable(ctx context.Context, page int) ([]int, error) {
	if page < 0 || page > 3 {
		return nil, fmt.Errorf("r30x: ReadIndexTable: page %d out of 0…3", page)
	}
	defer d.lock()()
	b, err := d.call(ctx, d.to.Reply, 32, InstrReadIndexTable, byte(page))
	if err != nil {
		return nil, err
	}
	return decodeIndex(page, b[:32]), nil
}

func decodeIndex(page int, bitmap []byte) []int {
	var ids []int
	for i, v := range bitmap {
		for k := range 8 {
			if v&(1<<k) != 0 {
				ids = append(ids, 256*page+8*i+k)
			}
		}
	}
	return ids
}

// GenImage takes one image (GenImg). Without a finger it returns an error
// that errors.Is CodeNoFinger.
func (d *Device) GenImage(ctx context.Context) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Reply, 0, InstrGenImg)
	return err
}

// Image2Tz extracts features of the image buffer into char buffer buf.
func (d *Device) Image2Tz(ctx context.Context, buf int) error {
	if buf < 1 || buf > 6 {
		return fmt.Errorf("r30x: Img2Tz: buffer %d out of 1…6", buf)
	}
	defer d.lock()()
	_, err := d.call(ctx, d.to.Reply, 0, InstrImg2Tz, byte(buf))
	return err
}

// RegModel merges the char buffers into a template (in buffers 1 and 2).
func (d *Device) RegModel(ctx context.Context) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Reply, 0, InstrRegModel)
	return err
}

// Store writes char buffer buf to library slot page (flash).
func (d *Device) Store(ctx context.Context, buf, page int) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Flash, 0, InstrStore, byte(buf), byte(page>>8), byte(page))
	return err
}

// LoadChar reads library slot page into char buffer buf.
func (d *Device) LoadChar(ctx context.Context, buf, page int) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Reply, 0, InstrLoadChar, byte(buf), byte(page>>8), byte(page))
	return err
}

// UpChar reads char buffer buf off the module. The size is whatever the
// module sends up to the end-data packet (256 … 1536 bytes by model).
func (d *Device) UpChar(ctx context.Context, buf int) ([]byte, error) {
	defer d.lock()()
	if _, err := d.call(ctx, d.to.Reply, 0, InstrUpChar, byte(buf)); err != nil {
		return nil, err
	}
	return d.readData(ctx, InstrUpChar, MaxCharBytes)
}

// DownChar writes tmpl into char buffer buf (module RAM only). The module
// sends no acknowledgement after the data; the next command shows success.
func (d *Device) DownChar(ctx context.Context, buf int, tmpl []byte) error {
	if len(tmpl) == 0 || len(tmpl) > MaxCharBytes {
		return fmt.Errorf("r30x: DownChar: %w: template of %d bytes", fingerprint.ErrTooLarge, len(tmpl))
	}
	defer d.lock()()
	if err := d.ensurePacketSize(ctx); err != nil {
		return err
	}
	if _, err := d.call(ctx, d.to.Reply, 0, InstrDownChar, byte(buf)); err != nil {
		return err
	}
	return d.writeData(InstrDownChar, tmpl)
}

// UpImage reads the image buffer: 4 bits per pixel, two pixels per byte,
// high nibble first. It is never logged or stored by this package.
func (d *Device) UpImage(ctx context.Context) ([]byte, error) {
	defer d.lock()()
	if _, err := d.call(ctx, d.to.Reply, 0, InstrUpImage); err != nil {
		return nil, err
	}
	return d.readData(ctx, InstrUpImage, MaxImageBytes)
}

// Match compares char buffers 1 and 2. A non-matching finger is a result,
// not an error: Matched is false.
func (d *Device) Match(ctx context.Context) (matched bool, score int, err error) {
	defer d.lock()()
	b, err := d.call(ctx, d.to.Reply, 2, InstrMatch)
	if errors.Is(err, CodeNoMatch) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	return true, be16(b), nil
}

// Search looks for char buffer buf in library slots start … start+count-1.
// found is false (and err nil) when nothing matches.
func (d *Device) Search(ctx context.Context, buf, start, count int) (page, score int, found bool, err error) {
	defer d.lock()()
	b, err := d.call(ctx, d.to.Reply, 4, InstrSearch, byte(buf), byte(start>>8), byte(start), byte(count>>8), byte(count))
	if errors.Is(err, CodeNotFound) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	return be16(b[0:2]), be16(b[2:4]), true, nil
}

// Delete removes count templates starting at library slot start.
func (d *Device) Delete(ctx context.Context, start, count int) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Flash, 0, InstrDeletChar, byte(start>>8), byte(start), byte(count>>8), byte(count))
	return err
}

// Empty deletes every template in the library.
func (d *Device) Empty(ctx context.Context) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Flash, 0, InstrEmpty)
	return err
}

// RandomCode returns the module's hardware random number.
func (d *Device) RandomCode(ctx context.Context) (uint32, error) {
	defer d.lock()()
	b, err := d.call(ctx, d.to.Reply, 4, InstrGetRandomCode)
	if err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b), nil
}

// SetAddress changes the module address (stored in flash). The ack already
// carries the new address, and so does every later frame.
func (d *Device) SetAddress(ctx context.Context, addr uint32) error {
	defer d.lock()()
	if err := d.send(InstrSetAdder, binary.BigEndian.AppendUint32(nil, addr)); err != nil {
		return err
	}
	old := d.rd.Address
	d.rd.Address = addr
	if _, err := d.ack(ctx, d.to.Flash, 0, InstrSetAdder); err != nil {
		d.rd.Address = old
		return err
	}
	d.opt.Address = addr
	return nil
}

// baudSetter is a Port whose line rate can change (fingerprint.SerialPort).
type baudSetter interface {
	Baud() int
	SetBaud(baud int) error
}

// ChangeBaud moves the module and the port to baud (9600 × N, N = 1…12;
// on an R503 only 57600 and 115200 are reliable). The module stores the rate
// and uses it after a restart: an R503 is soft-reset here, other modules
// must be power-cycled by the caller before the next command. The port is
// then switched and the module probed; if it does not answer, the port goes
// back to the old rate and the error is returned.
func (d *Device) ChangeBaud(ctx context.Context, baud int, softReset bool) error {
	if baud%9600 != 0 || baud/9600 < 1 || baud/9600 > 12 {
		return fmt.Errorf("r30x: baud %d is not 9600 × 1…12", baud)
	}
	bs, ok := d.port.(baudSetter)
	if !ok {
		return fmt.Errorf("r30x: port %T cannot change its rate", d.port)
	}
	if err := d.SetSysParam(ctx, RegBaud, byte(baud/9600)); err != nil {
		return err
	}
	if softReset {
		if err := d.SoftReset(ctx); err != nil {
			return err
		}
	}
	old := bs.Baud()
	if err := bs.SetBaud(baud); err != nil {
		return err
	}
	if err := d.VerifyPassword(ctx, d.opt.Password); err != nil {
		return errors.Join(fmt.Errorf("r30x: no answer at %d baud: %w", baud, err), bs.SetBaud(old))
	}
	return nil
}
