package gt521

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Packet sizes and markers.
const (
	PacketSize     = 12     // command and response packets
	DataOverhead   = 6      // 5A A5 01 00 … checksum(2)
	DeviceID       = 0x0001 // the only device id in use
	MaxData        = 1024   // largest data payload the driver accepts
	cmdStart0      = 0x55
	cmdStart1      = 0xAA
	dataStart0     = 0x5A
	dataStart1     = 0xA5
	codeAck        = 0x30
	codeNack       = 0x31
	TemplateSize   = 498 // GT-521F32/F52, GT-511C3
	DeviceInfoSize = 24  // Open(1): firmware(4), ISO area max(4), serial(16)
)

// Framing errors.
var (
	ErrStart    = errors.New("gt521: bad start bytes")
	ErrDevice   = errors.New("gt521: bad device id")
	ErrCode     = errors.New("gt521: response code is neither ACK nor NACK")
	ErrChecksum = errors.New("gt521: checksum mismatch")
	ErrShort    = errors.New("gt521: packet truncated")
)

// Packet is a command (Code = command) or a response (Code = 0x30 ACK,
// 0x31 NACK).
type Packet struct {
	Param uint32
	Code  uint16
}

// Ack reports whether a response is an ACK.
func (p Packet) Ack() bool { return p.Code == codeAck }

func sum(b []byte) uint16 {
	var s uint16
	for _, v := range b {
		s += uint16(v)
	}
	return s
}

// AppendPacket appends the 12-byte wire form of p.
func AppendPacket(dst []byte, p Packet) []byte {
	start := len(dst)
	dst = append(dst, cmdStart0, cmdStart1, DeviceID&0xFF, DeviceID>>8)
	dst = binary.LittleEndian.AppendUint32(dst, p.Param)
	dst = binary.LittleEndian.AppendUint16(dst, p.Code)
	return binary.LittleEndian.AppendUint16(dst, sum(dst[start:]))
}

// ParsePacket decodes a 12-byte packet. If response is true the code must
// be ACK or NACK.
func ParsePacket(b []byte, response bool) (Packet, error) {
	if len(b) < PacketSize {
		return Packet{}, ErrShort
	}
	if b[0] != cmdStart0 || b[1] != cmdStart1 {
		return Packet{}, fmt.Errorf("%w: % X", ErrStart, b[:2])
	}
	if id := binary.LittleEndian.Uint16(b[2:4]); id != DeviceID {
		return Packet{}, fmt.Errorf("%w: 0x%04X", ErrDevice, id)
	}
	if got, want := binary.LittleEndian.Uint16(b[10:12]), sum(b[:10]); got != want {
		return Packet{}, fmt.Errorf("%w: got 0x%04X, want 0x%04X", ErrChecksum, got, want)
	}
	p := Packet{Param: binary.LittleEndian.Uint32(b[4:8]), Code: binary.LittleEndian.Uint16(b[8:10])}
	if response && p.Code != codeAck && p.Code != codeNack {
		return Packet{}, fmt.Errorf("%w: 0x%04X", ErrCode, p.Code)
	}
	return p, nil
}

// AppendData appends a data packet carrying data.
func AppendData(dst, data []byte) []byte {
	start := len(dst)
	dst = append(dst, dataStart0, dataStart1, DeviceID&0xFF, DeviceID>>8)
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint16(dst, sum(dst[start:]))
}

// ParseData decodes a data packet of exactly n payload bytes at the start
// of b. The payload aliases b.
func ParseData(b []byte, n int) ([]byte, error) {
	if len(b) < n+DataOverhead {
		return nil, ErrShort
	}
	if b[0] != dataStart0 || b[1] != dataStart1 {
		return nil, fmt.Errorf("%w: % X", ErrStart, b[:2])
	}
	if id := binary.LittleEndian.Uint16(b[2:4]); id != DeviceID {
		return nil, fmt.Errorf("%w: 0x%04X", ErrDevice, id)
	}
	if got, want := binary.LittleEndian.Uint16(b[4+n:6+n]), sum(b[:4+n]); got != want {
		return nil, fmt.Errorf("%w: got 0x%04X, want 0x%04X", ErrChecksum, got, want)
	}
	return b[4 : 4+n], nil
}
