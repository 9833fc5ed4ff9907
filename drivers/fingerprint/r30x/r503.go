package r30x

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// AuraMode is the R503 ring LED control code.
type AuraMode byte

// Aura LED modes.
const (
	AuraBreathing AuraMode = 1
	AuraFlashing  AuraMode = 2
	AuraOn        AuraMode = 3
	AuraOff       AuraMode = 4
	AuraFadeIn    AuraMode = 5
	AuraFadeOut   AuraMode = 6
)

// AuraColor is the R503 ring LED colour (4…7 only on newer rings).
type AuraColor byte

// Aura LED colours.
const (
	AuraRed    AuraColor = 1
	AuraBlue   AuraColor = 2
	AuraPurple AuraColor = 3
	AuraGreen  AuraColor = 4
	AuraYellow AuraColor = 5
	AuraCyan   AuraColor = 6
	AuraWhite  AuraColor = 7
)

// Aura configures the R503 ring LED. Speed applies to breathing, flashing
// and fading; Cycles (0 = forever) to breathing and flashing.
type Aura struct {
	Mode   AuraMode
	Speed  byte
	Color  AuraColor
	Cycles byte
}

// SetAura configures the R503 ring LED (AuraLedConfig 0x35).
func (d *Device) SetAura(ctx context.Context, a Aura) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Reply, 0, InstrAuraLedConfig, byte(a.Mode), a.Speed, byte(a.Color), a.Cycles)
	return err
}

// ProductInfo is the R503 ReadProdInfo answer.
type ProductInfo struct {
	Model          string
	Batch          string
	Serial         string
	HardwareMajor  int
	HardwareMinor  int
	SensorModel    string
	SensorWidth    int
	SensorHeight   int
	TemplateSize   int
	LibraryEntries int
}

// ProductInfo reads the module identification (R503 ReadProdInfo 0x3C).
// Classic modules answer with an error code; use ReadSysParams there.
func (d *Device) ProductInfo(ctx context.Context) (ProductInfo, error) {
	defer d.lock()()
	b, err := d.call(ctx, d.to.Reply, 46, InstrReadProdInfo)
	if err != nil {
		return ProductInfo{}, err
	}
	return parseProductInfo(b), nil
}

func parseProductInfo(b []byte) ProductInfo {
	str := func(s []byte) string { return string(bytes.TrimRight(s, "\x00 ")) }
	u16 := func(s []byte) int { return int(binary.BigEndian.Uint16(s)) }
	return ProductInfo{
		Model: str(b[0:16]), Batch: str(b[16:20]), Serial: str(b[20:28]),
		HardwareMajor: int(b[28]), HardwareMinor: int(b[29]), SensorModel: str(b[30:38]),
		SensorWidth: u16(b[38:40]), SensorHeight: u16(b[40:42]), TemplateSize: u16(b[42:44]), LibraryEntries: u16(b[44:46]),
	}
}

// CheckSensor asks an R503 to self-test its sensor (CodeSensorFault on failure).
func (d *Device) CheckSensor(ctx context.Context) error {
	defer d.lock()()
	_, err := d.call(ctx, d.to.Reply, 0, InstrCheckSensor)
	return err
}

// SoftReset restarts an R503 and waits up to 500 ms for its ready byte 0x55.
// A missing ready byte is not an error.
func (d *Device) SoftReset(ctx context.Context) error {
	defer d.lock()()
	if _, err := d.call(ctx, d.to.Reply, 0, InstrSoftRst); err != nil {
		return err
	}
	var b [1]byte
	deadline := time.Now().Add(500 * time.Millisecond)
	for {
		n, err := fingerprint.ReadSome(ctx, d.port, b[:], deadline)
		if err != nil || (n == 1 && b[0] == 0x55) {
			d.rd.Reset()
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return nil
		}
	}
}
