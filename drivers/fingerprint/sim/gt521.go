package sim

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/gt521"
)

// GT521Config configures a simulated GT-521Fxx module. The zero value is a
// GT-521F32 (200 slots, 498-byte templates) answering instantly.
type GT521Config struct {
	// Capacity is the number of slots; 0 means 200.
	Capacity int
	// TemplateSize is the template length; 0 means 498.
	TemplateSize int
	// Logger receives one debug line per command; nil discards.
	Logger *slog.Logger
}

// GT521 is a simulated GT-521Fxx module: LED, enrolment state machine,
// template database and 1:1/1:N matching on synthetic fingers. Safe for
// concurrent use; one Serve at a time.
type GT521 struct {
	cfg GT521Config
	log *slog.Logger
	pad pad

	mu       sync.Mutex
	led      bool
	db       map[int][]byte
	enrollID int
	step     int
	sets     [][]minutia
	captured []minutia
	commands int
}

// NewGT521 returns a powered-on simulated GT-521Fxx.
func NewGT521(cfg GT521Config) *GT521 {
	if cfg.Capacity <= 0 {
		cfg.Capacity = 200
	}
	if cfg.TemplateSize <= 0 {
		cfg.TemplateSize = gt521.TemplateSize
	}
	g := &GT521{cfg: cfg, log: cfg.Logger, db: map[int][]byte{}, enrollID: -1}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	return g
}

// Place puts f on the sensor until Lift.
func (g *GT521) Place(f Finger) { g.pad.place(f) }

// Lift removes the finger.
func (g *GT521) Lift() { g.pad.lift() }

// Wake returns the simulated touch line.
func (g *GT521) Wake() *Wake { return &Wake{p: &g.pad} }

// Templates returns the number of templates in the database.
func (g *GT521) Templates() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.db)
}

// gtReply is one response, optionally followed by a data packet, or a
// request for a host data packet (want > 0) answered by then.
type gtReply struct {
	ack   bool
	param uint32
	data  []byte
	want  int
	then  func(data []byte) gtReply
}

func gtAck(p uint32) gtReply              { return gtReply{ack: true, param: p} }
func gtNack(n gt521.Nack) gtReply         { return gtReply{param: uint32(n)} }
func (g *GT521) tmpl(ms []minutia) []byte { return encodeChar(kindTemplate, ms, g.cfg.TemplateSize) }

// Serve speaks the GT-521F protocol on rw until ctx ends or rw fails.
func (g *GT521) Serve(ctx context.Context, rw io.ReadWriter) error {
	c := newConn(ctx, rw)
	for {
		p, err := g.next(ctx, c, 0)
		if err != nil {
			return err
		}
		g.mu.Lock()
		r := g.exec(p)
		g.commands++
		g.mu.Unlock()
		g.log.Debug("sim: gt521 command", "cmd", p.Code, "ack", r.ack)
		for {
			out := gt521.AppendPacket(nil, gt521.Packet{Param: r.param, Code: map[bool]uint16{true: 0x30, false: 0x31}[r.ack]})
			if r.ack && r.data != nil {
				out = gt521.AppendData(out, r.data)
			}
			if _, err := rw.Write(out); err != nil {
				return err
			}
			if !r.ack || r.want == 0 {
				break
			}
			data, err := g.nextData(ctx, c, r.want)
			if errors.Is(err, errSilence) {
				break
			}
			if err != nil {
				return err
			}
			g.mu.Lock()
			r = r.then(data)
			g.mu.Unlock()
		}
	}
}

// next returns the next valid command packet (a corrupt one is answered
// with NACK_COMM_ERR, noise is skipped).
func (g *GT521) next(ctx context.Context, c *conn, timeout time.Duration) (gt521.Packet, error) {
	for {
		i := bytes.Index(c.buf, []byte{0x55, 0xAA})
		if i >= 0 && len(c.buf)-i >= gt521.PacketSize {
			c.buf = c.buf[i:]
			p, err := gt521.ParsePacket(c.buf, false)
			if err == nil {
				c.buf = c.buf[gt521.PacketSize:]
				return p, nil
			}
			if errors.Is(err, gt521.ErrChecksum) {
				c.buf = c.buf[gt521.PacketSize:]
				nack := gt521.AppendPacket(nil, gt521.Packet{Param: uint32(gt521.NackCommErr), Code: 0x31})
				if _, err := c.rw.Write(nack); err != nil {
					return gt521.Packet{}, err
				}
				continue
			}
			c.buf = c.buf[1:]
			continue
		}
		if err := c.more(ctx, timeout); err != nil {
			return gt521.Packet{}, err
		}
	}
}

// nextData reads one n-byte host data packet within a second.
func (g *GT521) nextData(ctx context.Context, c *conn, n int) ([]byte, error) {
	for {
		i := bytes.Index(c.buf, []byte{0x5A, 0xA5})
		if i >= 0 && len(c.buf)-i >= n+gt521.DataOverhead {
			c.buf = c.buf[i:]
			d, err := gt521.ParseData(c.buf, n)
			if err != nil {
				c.buf = c.buf[1:]
				continue
			}
			d = bytes.Clone(d)
			c.buf = c.buf[n+gt521.DataOverhead:]
			return d, nil
		}
		if err := c.more(ctx, time.Second); err != nil {
			return nil, err
		}
	}
}

// exec runs one command. g.mu is held.
func (g *GT521) exec(p gt521.Packet) gtReply {
	id := int(p.Param)
	inRange := id >= 0 && id < g.cfg.Capacity
	switch p.Code {
	case gt521.CmdOpen:
		if p.Param != 0 {
			info := make([]byte, gt521.DeviceInfoSize)
			info[0], info[4] = 0x20, 0x80
			copy(info[8:], "VOUCHSIMGT521F32")
			return gtReply{ack: true, data: info}
		}
		return gtAck(0)
	case gt521.CmdClose:
		return gtAck(0)
	case gt521.CmdChangeBaudRate:
		switch p.Param {
		case 9600, 19200, 38400, 57600, 115200:
			return gtAck(0)
		}
		return gtNack(gt521.NackInvalidBaud)
	case gt521.CmdCmosLed:
		g.led = p.Param != 0
		return gtAck(0)
	case gt521.CmdGetEnrollCount:
		return gtAck(uint32(len(g.db)))
	case gt521.CmdCheckEnrolled, gt521.CmdDeleteID, gt521.CmdGetTemplate:
		if !inRange {
			return gtNack(gt521.NackInvalidPos)
		}
		t, used := g.db[id]
		if !used {
			return gtNack(gt521.NackNotUsed)
		}
		switch p.Code {
		case gt521.CmdDeleteID:
			delete(g.db, id)
		case gt521.CmdGetTemplate:
			return gtReply{ack: true, data: bytes.Clone(t)}
		}
		return gtAck(0)
	case gt521.CmdDeleteAll:
		if len(g.db) == 0 {
			return gtNack(gt521.NackDBEmpty)
		}
		clear(g.db)
		return gtAck(0)
	case gt521.CmdEnrollStart:
		switch {
		case !inRange:
			return gtNack(gt521.NackInvalidPos)
		case len(g.db) >= g.cfg.Capacity:
			return gtNack(gt521.NackDBFull)
		case g.db[id] != nil:
			return gtNack(gt521.NackAlreadyUsed)
		}
		g.enrollID, g.step, g.sets = id, 0, nil
		return gtAck(0)
	case gt521.CmdEnroll1, gt521.CmdEnroll2, gt521.CmdEnroll3:
		return g.enroll(int(p.Code-gt521.CmdEnroll1) + 1)
	case gt521.CmdIsPressFinger:
		if g.pad.down() {
			return gtAck(0)
		}
		return gtAck(1)
	case gt521.CmdCaptureFinger:
		f, n := g.pad.press()
		if f == nil || !g.led {
			g.captured = nil
			return gtNack(gt521.NackFingerNotPress)
		}
		g.captured = f.impress(n, false).minutiae
		return gtAck(0)
	case gt521.CmdMakeTemplate:
		if g.captured == nil {
			return gtNack(gt521.NackBadFinger)
		}
		return gtReply{ack: true, data: g.tmpl(g.captured)}
	case gt521.CmdVerify1_1:
		t, used := g.db[id]
		if !inRange || !used {
			return gtNack(gt521.NackNotUsed)
		}
		return g.verify(t)
	case gt521.CmdIdentify1_N:
		if len(g.db) == 0 {
			return gtNack(gt521.NackDBEmpty)
		}
		best, bestID := 0, -1
		for i, t := range g.db {
			if _, ms, ok := decodeChar(t); ok && g.captured != nil {
				if sc := score(g.captured, ms); sc > best {
					best, bestID = sc, i
				}
			}
		}
		if bestID < 0 || best < threshold(3) {
			return gtNack(gt521.NackIdentifyFailed)
		}
		return gtAck(uint32(bestID))
	case gt521.CmdVerifyTemplate1_1:
		return gtReply{ack: true, want: g.cfg.TemplateSize, then: g.verify}
	case gt521.CmdSetTemplate:
		slot := int(p.Param & 0xFFFF)
		if slot >= g.cfg.Capacity {
			return gtNack(gt521.NackInvalidPos)
		}
		return gtReply{ack: true, want: g.cfg.TemplateSize, then: func(d []byte) gtReply {
			g.db[slot] = d
			return gtAck(0)
		}}
	}
	return gtNack(gt521.NackNotSupported)
}

func (g *GT521) verify(t []byte) gtReply {
	_, ms, ok := decodeChar(t)
	if !ok {
		return gtNack(gt521.NackInvalidParam)
	}
	if g.captured == nil {
		return gtNack(gt521.NackBadFinger)
	}
	if score(g.captured, ms) < threshold(3) {
		return gtNack(gt521.NackVerifyFailed)
	}
	return gtAck(0)
}

func (g *GT521) enroll(step int) gtReply {
	if g.enrollID < 0 || step != g.step+1 {
		return gtNack(gt521.NackTurnErr)
	}
	if g.captured == nil {
		return gtNack(gt521.NackBadFinger)
	}
	g.sets = append(g.sets, g.captured)
	g.step = step
	if step < 3 {
		return gtAck(0)
	}
	id := g.enrollID
	g.enrollID = -1
	merged, same := merge(3, g.sets...)
	if !same {
		return gtNack(gt521.NackEnrollFailed)
	}
	for other, t := range g.db {
		if _, ms, ok := decodeChar(t); ok && score(merged, ms) >= threshold(3) {
			return gtReply{param: uint32(other)} // duplicate of that ID
		}
	}
	g.db[id] = g.tmpl(merged)
	return gtAck(0)
}
