package r30x

import "fmt"

// Code is a confirmation code: byte 0 of every acknowledgement. A non-zero
// Code is an error, so callers can test a module answer with
// errors.Is(err, r30x.CodeNoFinger) or extract it with errors.As.
type Code byte

// Confirmation codes (fingerprint-protocol.md §3).
const (
	CodeOK              Code = 0x00 // success
	CodeRecvError       Code = 0x01 // error receiving the packet / generic failure
	CodeNoFinger        Code = 0x02 // no finger on the sensor
	CodeCaptureFailed   Code = 0x03 // image capture or enrolment failed
	CodeTooDry          Code = 0x04 // image too dry/faint (AS608)
	CodeTooWet          Code = 0x05 // image too wet/smudged (AS608)
	CodeMessy           Code = 0x06 // image too disordered for features
	CodeFewFeatures     Code = 0x07 // too few feature points / poor image
	CodeNoMatch         Code = 0x08 // fingerprints do not match
	CodeNotFound        Code = 0x09 // no matching fingerprint in the library
	CodeMergeFailed     Code = 0x0A // feature files are not from one finger
	CodeBadPage         Code = 0x0B // page ID outside the library
	CodeBadTemplate     Code = 0x0C // reading the template failed / invalid
	CodeUploadFailed    Code = 0x0D // uploading features/template failed
	CodeCannotReceive   Code = 0x0E // module cannot receive data packets
	CodeImageUpload     Code = 0x0F // uploading the image failed
	CodeDeleteFailed    Code = 0x10 // deleting the template failed
	CodeClearFailed     Code = 0x11 // clearing the library failed
	CodeNoLowPower      Code = 0x12 // cannot enter low-power state (AS608)
	CodeWrongPassword   Code = 0x13 // wrong password
	CodeResetFailed     Code = 0x14 // system reset failed (AS608)
	CodeNoImage         Code = 0x15 // no valid image in the buffer
	CodeUpgradeFailed   Code = 0x16 // online upgrade failed (AS608)
	CodeNoMove          Code = 0x17 // finger not moved between captures (AS608)
	CodeFlashError      Code = 0x18 // flash write error
	CodeUndefined       Code = 0x19 // undefined error
	CodeBadRegister     Code = 0x1A // invalid register number
	CodeBadRegContent   Code = 0x1B // register content invalid
	CodeBadNotepadPage  Code = 0x1C // notepad page invalid
	CodePortOpFailed    Code = 0x1D // communication-port operation failed
	CodeAutoEnrollFail  Code = 0x1E // automatic enrolment failed (AS608)
	CodeLibraryFull     Code = 0x1F // fingerprint library full
	CodeBadAddress      Code = 0x20 // address code incorrect
	CodeMustVerifyPwd   Code = 0x21 // password must be verified first
	CodeTemplateEmpty   Code = 0x22 // template empty (R503)
	CodeLibraryEmpty    Code = 0x24 // library empty (R503)
	CodeTimeout         Code = 0x26 // no finger within ≈10 s (R503)
	CodeAlreadyEnrolled Code = 0x27 // fingerprint already enrolled (R503)
	CodeSensorFault     Code = 0x29 // sensor hardware error (R503)
	CodeEchoOK          Code = 0x55 // GetEcho: module OK (not an error for 0x53)
	CodeUnsupported     Code = 0xFC // unsupported command (R503)
	CodeHardware        Code = 0xFD // hardware error (R503)
	CodeExecFailed      Code = 0xFE // command execution failed (R503)
)

var codeText = map[Code]string{
	CodeOK: "success", CodeRecvError: "error receiving packet", CodeNoFinger: "no finger",
	CodeCaptureFailed: "image capture failed", CodeTooDry: "image too dry", CodeTooWet: "image too wet",
	CodeMessy: "image too messy", CodeFewFeatures: "too few feature points", CodeNoMatch: "fingerprints do not match",
	CodeNotFound: "no match in library", CodeMergeFailed: "features not from one finger", CodeBadPage: "page ID out of range",
	CodeBadTemplate: "template read error or invalid", CodeUploadFailed: "template upload failed",
	CodeCannotReceive: "cannot receive data", CodeImageUpload: "image upload failed", CodeDeleteFailed: "delete failed",
	CodeClearFailed: "clearing library failed", CodeNoLowPower: "cannot enter low-power state",
	CodeWrongPassword: "wrong password", CodeResetFailed: "reset failed", CodeNoImage: "no valid image in buffer",
	CodeUpgradeFailed: "firmware upgrade failed", CodeNoMove: "finger not moved", CodeFlashError: "flash write error",
	CodeUndefined: "undefined error", CodeBadRegister: "invalid register", CodeBadRegContent: "invalid register content",
	CodeBadNotepadPage: "invalid notepad page", CodePortOpFailed: "port operation failed",
	CodeAutoEnrollFail: "automatic enrolment failed", CodeLibraryFull: "library full", CodeBadAddress: "address incorrect",
	CodeMustVerifyPwd: "password must be verified", CodeTemplateEmpty: "template empty", CodeLibraryEmpty: "library empty",
	CodeTimeout: "timeout waiting for finger", CodeAlreadyEnrolled: "fingerprint already enrolled",
	CodeSensorFault: "sensor hardware error", CodeEchoOK: "module OK", CodeUnsupported: "unsupported command",
	CodeHardware: "hardware error", CodeExecFailed: "command execution failed",
}

// String describes the code.
func (c Code) String() string {
	if s, ok := codeText[c]; ok {
		return s
	}
	return "reserved"
}

// Error implements error.
func (c Code) Error() string {
	return fmt.Sprintf("r30x: module answered 0x%02X (%s)", byte(c), c.String())
}

// ModuleError is a non-zero confirmation code in answer to an instruction.
// It unwraps to its Code.
type ModuleError struct {
	Instr Instr
	Code  Code
}

// Error implements error.
func (e *ModuleError) Error() string {
	return fmt.Sprintf("r30x: %s: module answered 0x%02X (%s)", e.Instr, byte(e.Code), e.Code.String())
}

// Unwrap returns the confirmation code.
func (e *ModuleError) Unwrap() error { return e.Code }
