package sim

import (
	"context"
	"encoding/binary"
	"errors"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
)

// reply is what one command produces: an ack, optionally followed by data
// packets (module → host) or by a data reception (host → module).
type reply struct {
	code    r30x.Code
	params  []byte
	up      []byte        // data sent after a success ack
	down    int           // buffer to fill from host data packets (DownChar), -1 DownImage
	ready   bool          // send the R503 ready byte after the ack (SoftRst)
	silence bool          // no answer at all
	wait    time.Duration // module processing time (Config.Latency)
}

func ok(params ...byte) reply     { return reply{params: params} }
func fail(c r30x.Code) reply      { return reply{code: c} }
func u16(v int) []byte            { return binary.BigEndian.AppendUint16(nil, uint16(v)) }
func be(b []byte, i int) int      { return int(binary.BigEndian.Uint16(b[i:])) }
func (s *Sensor) packetSize() int { return 32 << s.pktCode }

// handle answers one frame from the host.
func (s *Sensor) handle(ctx context.Context, c *conn, f r30x.Frame, bad bool) error {
	if f.PID != r30x.PIDCommand {
		return nil // stray data packets are ignored
	}
	if in := r30x.Instr(f.Payload[0]); !bad && s.cfg.Profile.R503 && (in == r30x.InstrAutoEnroll || in == r30x.InstrAutoIdentify) {
		return s.auto(ctx, c, in, f.Payload[1:])
	}
	s.mu.Lock()
	if s.take(FaultDisconnect) {
		s.mu.Unlock()
		return ErrDisconnected
	}
	var r reply
	switch {
	case bad:
		r = fail(r30x.CodeRecvError)
	default:
		r = s.exec(r30x.Instr(f.Payload[0]), f.Payload[1:])
	}
	s.commands++
	drop, garbage, corrupt, delay := s.take(FaultDrop), s.take(FaultGarbage), s.take(FaultChecksum), s.take(FaultDelay)
	addr := s.addr
	s.mu.Unlock()
	s.log.Debug("sim: command", "instr", r30x.Instr(f.Payload[0]).String(), "code", byte(r.code))
	s.pause(ctx, r.wait)
	if drop || r.silence {
		return nil
	}
	if delay {
		t := time.NewTimer(s.cfg.FaultDelay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	out := make([]byte, 0, r30x.MaxFrameSize)
	if garbage {
		out = append(out, 0x00, 0xEF, 0x55, 0xEF, 0xEF)
	}
	out, _ = r30x.AppendFrame(out, r30x.Frame{Address: addr, PID: r30x.PIDAck, Payload: append([]byte{byte(r.code)}, r.params...)})
	if corrupt {
		out[len(out)-1] ^= 0x5A
	}
	if r.code == r30x.CodeOK {
		out = s.appendData(out, addr, r.up)
	}
	if r.ready {
		out = append(out, 0x55)
	}
	if err := s.write(ctx, c, out); err != nil {
		return err
	}
	if r.code == r30x.CodeOK && r.down != 0 {
		return s.receive(ctx, c, r.down)
	}
	return nil
}

// appendData splits data into packets of the current packet size: 0x02
// packets, the last one 0x08.
func (s *Sensor) appendData(out []byte, addr uint32, data []byte) []byte {
	p := s.packetSize()
	for len(data) > 0 {
		n, pid := min(p, len(data)), r30x.PIDData
		if n == len(data) {
			pid = r30x.PIDEndData
		}
		out, _ = r30x.AppendFrame(out, r30x.Frame{Address: addr, PID: pid, Payload: data[:n]})
		data = data[n:]
	}
	return out
}

// receive consumes host data packets until the end packet and stores them
// in char buffer buf (or discards them for DownImage, buf < 0). A command
// frame, a bad checksum or a second of silence abandons the transfer; a
// command that interrupts it is then answered normally. No ack follows.
func (s *Sensor) receive(ctx context.Context, c *conn, buf int) error {
	var data []byte
	for {
		f, bad, err := c.frame(ctx, time.Second, s.Address())
		if errors.Is(err, errSilence) {
			return nil
		}
		if err != nil {
			return err
		}
		if bad || (f.PID != r30x.PIDData && f.PID != r30x.PIDEndData) || len(data)+len(f.Payload) > r30x.MaxCharBytes && buf > 0 {
			s.log.Debug("sim: transfer abandoned", "pid", f.PID.String(), "bad", bad)
			return s.handle(ctx, c, f, bad)
		}
		s.line(ctx, f)
		data = append(data, f.Payload...)
		if f.PID == r30x.PIDEndData {
			s.mu.Lock()
			if buf > 0 {
				s.chars[buf] = data
			} else {
				s.image = nil // host images carry no minutiae the simulator can use
			}
			s.mu.Unlock()
			return nil
		}
	}
}
