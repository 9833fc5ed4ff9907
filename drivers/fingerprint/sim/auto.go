package sim

import (
	"context"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
)

// AutoEnroll / AutoIdentify (R503): the module drives the whole procedure
// and reports steps with one ack each (fingerprint-protocol.md §2.3).
// Capture n is step 2n-1 (image) and 2n (features); then 0x0D duplicate
// check, 0x0E merge, 0x0F stored.
const (
	autoCaptures  = 6
	stepDupCheck  = 0x0D
	stepMerge     = 0x0E
	stepStored    = 0x0F
	freeSlotFirst = 0xC8
)

// auto runs an automatic procedure; the module is busy (reads no
// commands) until it ends.
func (s *Sensor) auto(ctx context.Context, c *conn, in r30x.Instr, p []byte) error {
	s.mu.Lock()
	s.commands++
	verified, addr := s.verified, s.addr
	s.mu.Unlock()
	send := func(code r30x.Code, params ...byte) error {
		out, _ := r30x.AppendFrame(nil, r30x.Frame{Address: addr, PID: r30x.PIDAck, Payload: append([]byte{byte(code)}, params...)})
		return s.write(ctx, c, out)
	}
	if !verified {
		return send(r30x.CodeMustVerifyPwd)
	}
	if len(p) < 5 {
		return send(r30x.CodeRecvError)
	}
	if in == r30x.InstrAutoEnroll {
		return s.autoEnroll(ctx, p, send)
	}
	return s.autoIdentify(ctx, p, send)
}

// waitPad polls the pad until cond holds or the finger timeout passes.
func (s *Sensor) waitPad(ctx context.Context, cond func() bool) bool {
	end := time.Now().Add(s.cfg.FingerTimeout)
	for !cond() {
		if time.Now().After(end) || ctx.Err() != nil {
			return false
		}
		t := time.NewTimer(10 * time.Millisecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	return true
}

func (s *Sensor) autoEnroll(ctx context.Context, p []byte, send func(r30x.Code, ...byte) error) error {
	id, overwrite, dup, report, lift := int(p[0]), p[1] == 1, p[2] == 1, p[3] == 1, p[4] == 1
	s.mu.Lock()
	capacity := s.cfg.Profile.Capacity
	if id >= freeSlotFirst {
		id = -1
		for i := range capacity {
			if _, used := s.library[i]; !used {
				id = i
				break
			}
		}
	}
	_, used := s.library[id]
	s.mu.Unlock()
	switch {
	case id < 0:
		return send(r30x.CodeLibraryFull, 0, 0)
	case id >= capacity || (used && !overwrite):
		return send(r30x.CodeBadPage, 0, byte(id))
	}
	step := func(n byte) error {
		if report {
			return send(r30x.CodeOK, n, byte(id))
		}
		return nil
	}
	var sets [][]minutia
	for n := 1; n <= autoCaptures; n++ {
		lifted := s.pad.liftCount()
		if !s.waitPad(ctx, s.pad.down) {
			return send(r30x.CodeTimeout, byte(2*n-1), byte(id))
		}
		f, k := s.pad.press()
		if f == nil { // lifted between the check and the capture
			n--
			continue
		}
		sets = append(sets, f.impress(k, false).minutiae)
		s.pause(ctx, 400*time.Millisecond)
		if err := step(byte(2*n - 1)); err != nil {
			return err
		}
		if err := step(byte(2 * n)); err != nil {
			return err
		}
		if lift && n < autoCaptures && !s.waitPad(ctx, func() bool { return s.pad.liftCount() > lifted }) {
			return send(r30x.CodeTimeout, byte(2*n), byte(id))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	merged, same := merge(s.level, sets...)
	if !same {
		return send(r30x.CodeMergeFailed, stepMerge, byte(id))
	}
	if !dup {
		for _, t := range s.library {
			if _, ms, ok := decodeChar(t); ok && score(merged, ms) >= threshold(s.level) {
				return send(r30x.CodeAlreadyEnrolled, stepDupCheck, byte(id))
			}
		}
	}
	if report {
		if err := send(r30x.CodeOK, stepDupCheck, byte(id)); err != nil {
			return err
		}
		if err := send(r30x.CodeOK, stepMerge, byte(id)); err != nil {
			return err
		}
	}
	s.library[id] = encodeChar(kindTemplate, merged, s.cfg.Profile.TemplateSize)
	return send(r30x.CodeOK, stepStored, byte(id))
}

func (s *Sensor) autoIdentify(ctx context.Context, p []byte, send func(r30x.Code, ...byte) error) error {
	level, start, count, report, attempts := int(p[0]), int(p[1]), int(p[2]), p[3] == 1, int(p[4])
	if level < 1 || level > 5 {
		return send(r30x.CodeBadRegContent, 0, 0, 0, 0, 0)
	}
	zero := []byte{0, 0, 0, 0}
	if s.Templates() == 0 {
		return send(r30x.CodeLibraryEmpty, append([]byte{0}, zero...)...)
	}
	for try := 1; attempts == 0 || try <= attempts; try++ {
		if !s.waitPad(ctx, s.pad.down) {
			return send(r30x.CodeTimeout, append([]byte{1}, zero...)...)
		}
		f, k := s.pad.press()
		if f == nil {
			try--
			continue
		}
		probe := f.impress(k, false).minutiae
		if report {
			if err := send(r30x.CodeOK, append([]byte{1}, zero...)...); err != nil {
				return err
			}
			if err := send(r30x.CodeOK, append([]byte{2}, zero...)...); err != nil {
				return err
			}
		}
		s.mu.Lock()
		best, bestID := 0, 0
		for page := start; page < min(start+count, s.cfg.Profile.Capacity); page++ {
			if _, ms, ok := decodeChar(s.library[page]); ok {
				if sc := score(probe, ms); sc > best {
					best, bestID = sc, page
				}
			}
		}
		s.mu.Unlock()
		if best >= threshold(level) {
			return send(r30x.CodeOK, append([]byte{3}, append(u16(bestID), u16(best)...)...)...)
		}
		if attempts != 0 && try == attempts {
			break
		}
		lifted := s.pad.liftCount()
		if !s.waitPad(ctx, func() bool { return s.pad.liftCount() > lifted }) {
			return send(r30x.CodeTimeout, append([]byte{3}, zero...)...)
		}
	}
	return send(r30x.CodeNotFound, append([]byte{3}, zero...)...)
}
