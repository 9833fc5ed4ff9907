package gt521

import "fmt"

// Command codes.
const (
	CmdOpen              uint16 = 0x01
	CmdClose             uint16 = 0x02
	CmdChangeBaudRate    uint16 = 0x04
	CmdCmosLed           uint16 = 0x12
	CmdGetEnrollCount    uint16 = 0x20
	CmdCheckEnrolled     uint16 = 0x21
	CmdEnrollStart       uint16 = 0x22
	CmdEnroll1           uint16 = 0x23
	CmdEnroll2           uint16 = 0x24
	CmdEnroll3           uint16 = 0x25
	CmdIsPressFinger     uint16 = 0x26
	CmdDeleteID          uint16 = 0x40
	CmdDeleteAll         uint16 = 0x41
	CmdVerify1_1         uint16 = 0x50
	CmdIdentify1_N       uint16 = 0x51
	CmdVerifyTemplate1_1 uint16 = 0x52
	CmdCaptureFinger     uint16 = 0x60
	CmdMakeTemplate      uint16 = 0x61
	CmdGetTemplate       uint16 = 0x70
	CmdSetTemplate       uint16 = 0x71
)

// Nack is the error code carried by a NACK response. It is an error, so
// callers test with errors.Is(err, gt521.NackVerifyFailed).
type Nack uint32

// NACK error codes (fingerprint-protocol.md §6.3).
const (
	NackTimeout        Nack = 0x1001
	NackInvalidBaud    Nack = 0x1002
	NackInvalidPos     Nack = 0x1003
	NackNotUsed        Nack = 0x1004
	NackAlreadyUsed    Nack = 0x1005
	NackCommErr        Nack = 0x1006
	NackVerifyFailed   Nack = 0x1007
	NackIdentifyFailed Nack = 0x1008
	NackDBFull         Nack = 0x1009
	NackDBEmpty        Nack = 0x100A
	NackTurnErr        Nack = 0x100B
	NackBadFinger      Nack = 0x100C
	NackEnrollFailed   Nack = 0x100D
	NackNotSupported   Nack = 0x100E
	NackDevErr         Nack = 0x100F
	NackCaptureCancel  Nack = 0x1010
	NackInvalidParam   Nack = 0x1011
	NackFingerNotPress Nack = 0x1012
)

var nackText = map[Nack]string{
	NackTimeout: "capture timeout", NackInvalidBaud: "invalid baud rate", NackInvalidPos: "ID out of range",
	NackNotUsed: "ID not used", NackAlreadyUsed: "ID already used", NackCommErr: "communication error",
	NackVerifyFailed: "1:1 verification failed", NackIdentifyFailed: "1:N identification failed",
	NackDBFull: "database full", NackDBEmpty: "database empty", NackTurnErr: "enrolment steps out of order",
	NackBadFinger: "bad finger", NackEnrollFailed: "enrolment failed", NackNotSupported: "command not supported",
	NackDevErr: "device error", NackCaptureCancel: "capture cancelled", NackInvalidParam: "invalid parameter",
	NackFingerNotPress: "finger not pressed",
}

// Error implements error. A NACK to Enroll3 whose parameter is below the
// capacity means "duplicate of that ID".
func (n Nack) Error() string {
	if s, ok := nackText[n]; ok {
		return fmt.Sprintf("gt521: NACK 0x%04X (%s)", uint32(n), s)
	}
	if n < 0x1000 {
		return fmt.Sprintf("gt521: NACK: duplicate of ID %d", uint32(n))
	}
	return fmt.Sprintf("gt521: NACK 0x%04X", uint32(n))
}

// NackError is a NACK in answer to a command; it unwraps to its Nack.
type NackError struct {
	Cmd  uint16
	Code Nack
}

// Error implements error.
func (e *NackError) Error() string { return fmt.Sprintf("gt521: command 0x%02X: %v", e.Cmd, e.Code) }

// Unwrap returns the NACK code.
func (e *NackError) Unwrap() error { return e.Code }
