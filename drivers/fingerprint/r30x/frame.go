package r30x

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Packet layout (all fields big-endian):
//
//	EF 01 | address (4) | PID (1) | LENGTH (2) | payload (LENGTH-2) | SUM (2)
//
// SUM is the 16-bit sum of PID, both LENGTH bytes and every payload byte.
const (
	header0 = 0xEF
	header1 = 0x01
	// HeaderSize is the number of bytes before the payload.
	HeaderSize = 9
	// MaxPayload is the largest payload of any packet (packet-size code 3).
	MaxPayload = 256
	// MinLength and MaxLength bound the LENGTH field (payload + checksum).
	MinLength = 1 + 2
	MaxLength = MaxPayload + 2
	// MaxFrameSize is the largest frame on the wire.
	MaxFrameSize = HeaderSize + MaxLength
	// DefaultAddress is the factory module address.
	DefaultAddress uint32 = 0xFFFFFFFF
)

// PID is the package identifier (byte 6).
type PID byte

// Package identifiers.
const (
	PIDCommand PID = 0x01 // host → module command
	PIDData    PID = 0x02 // data packet, more follow
	PIDAck     PID = 0x07 // module → host acknowledgement
	PIDEndData PID = 0x08 // last data packet
)

// Valid reports whether p is one of the four defined identifiers.
func (p PID) Valid() bool {
	return p == PIDCommand || p == PIDData || p == PIDAck || p == PIDEndData
}

// String names the PID.
func (p PID) String() string {
	switch p {
	case PIDCommand:
		return "command"
	case PIDData:
		return "data"
	case PIDAck:
		return "ack"
	case PIDEndData:
		return "end-data"
	}
	return fmt.Sprintf("PID(0x%02X)", byte(p))
}

// Framing errors. A frame reader never delivers a frame with any of them;
// they surface from ParseFrame and AppendFrame.
var (
	ErrHeader   = errors.New("r30x: bad header")
	ErrPID      = errors.New("r30x: undefined packet identifier")
	ErrLength   = errors.New("r30x: LENGTH out of range")
	ErrChecksum = errors.New("r30x: checksum mismatch")
	ErrShort    = errors.New("r30x: frame truncated")
	ErrAddress  = errors.New("r30x: frame from another address")
)

// Frame is one decoded packet. Payload excludes instruction-independent
// framing; for a command it starts with the instruction code, for an ack
// with the confirmation code.
type Frame struct {
	Address uint32
	PID     PID
	Payload []byte
}

// Checksum computes SUM over pid, the LENGTH field implied by the payload and
// the payload bytes, modulo 65536.
func Checksum(pid PID, payload []byte) uint16 {
	length := len(payload) + 2
	sum := uint32(pid) + uint32(length>>8&0xFF) + uint32(length&0xFF)
	for _, b := range payload {
		sum += uint32(b)
	}
	return uint16(sum)
}

// AppendFrame appends the wire form of f to dst.
func AppendFrame(dst []byte, f Frame) ([]byte, error) {
	if !f.PID.Valid() {
		return dst, fmt.Errorf("%w: 0x%02X", ErrPID, byte(f.PID))
	}
	if len(f.Payload) < 1 || len(f.Payload) > MaxPayload {
		return dst, fmt.Errorf("%w: payload of %d bytes", ErrLength, len(f.Payload))
	}
	dst = append(dst, header0, header1)
	dst = binary.BigEndian.AppendUint32(dst, f.Address)
	dst = append(dst, byte(f.PID))
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(f.Payload)+2))
	dst = append(dst, f.Payload...)
	return binary.BigEndian.AppendUint16(dst, Checksum(f.PID, f.Payload)), nil
}

// checkHead validates the first HeaderSize bytes of b and returns the LENGTH.
func checkHead(b []byte) (int, error) {
	if b[0] != header0 || b[1] != header1 {
		return 0, fmt.Errorf("%w: % X", ErrHeader, b[:2])
	}
	if pid := PID(b[6]); !pid.Valid() {
		return 0, fmt.Errorf("%w: 0x%02X", ErrPID, b[6])
	}
	n := int(binary.BigEndian.Uint16(b[7:9]))
	if n < MinLength || n > MaxLength {
		return 0, fmt.Errorf("%w: %d", ErrLength, n)
	}
	return n, nil
}

// ParseFrame decodes the frame at the start of b and returns it with the
// number of bytes it occupied. It does not search for the header; use a
// Reader on a stream. The payload aliases b.
func ParseFrame(b []byte) (Frame, int, error) {
	if len(b) < HeaderSize {
		return Frame{}, 0, ErrShort
	}
	n, err := checkHead(b)
	if err != nil {
		return Frame{}, 0, err
	}
	total := HeaderSize + n
	if len(b) < total {
		return Frame{}, 0, ErrShort
	}
	f := Frame{
		Address: binary.BigEndian.Uint32(b[2:6]),
		PID:     PID(b[6]),
		Payload: b[HeaderSize : total-2],
	}
	if got, want := binary.BigEndian.Uint16(b[total-2:total]), Checksum(f.PID, f.Payload); got != want {
		return Frame{}, 0, fmt.Errorf("%w: got 0x%04X, want 0x%04X", ErrChecksum, got, want)
	}
	return f, total, nil
}
