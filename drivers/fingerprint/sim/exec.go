package sim

import (
	"encoding/binary"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
)

// exec runs one instruction against the module state. s.mu is held.
func (s *Sensor) exec(in r30x.Instr, p []byte) reply {
	prof := s.cfg.Profile
	if !s.verified && in != r30x.InstrVfyPwd {
		return fail(r30x.CodeMustVerifyPwd)
	}
	need := func(n int) bool { return len(p) >= n }
	switch in {
	case r30x.InstrVfyPwd:
		if !need(4) {
			return fail(r30x.CodeRecvError)
		}
		if binary.BigEndian.Uint32(p) != s.pwd {
			return fail(r30x.CodeWrongPassword)
		}
		s.verified = true
		return ok()
	case r30x.InstrSetPwd:
		if !need(4) {
			return fail(r30x.CodeRecvError)
		}
		s.pwd = binary.BigEndian.Uint32(p)
		return ok()
	case r30x.InstrGenImg, r30x.InstrGetImageEx:
		return s.genImg()
	case r30x.InstrImg2Tz:
		return s.img2Tz(p)
	case r30x.InstrRegModel:
		return s.regModel()
	case r30x.InstrMatch:
		a, b := s.charMinutiae(1), s.charMinutiae(2)
		if sc := score(a, b); a != nil && b != nil && sc >= threshold(s.level) {
			return reply{params: u16(sc), wait: 20 * time.Millisecond}
		}
		return reply{code: r30x.CodeNoMatch, params: u16(0), wait: 20 * time.Millisecond}
	case r30x.InstrSearch, r30x.InstrHighSpeedSearch:
		return s.search(p)
	case r30x.InstrStore:
		if !need(3) || !s.validBuf(int(p[0])) {
			return fail(r30x.CodeRecvError)
		}
		page := be(p, 1)
		if page >= prof.Capacity {
			return fail(r30x.CodeBadPage)
		}
		if s.chars[p[0]] == nil {
			return fail(r30x.CodeRecvError)
		}
		s.library[page] = append([]byte(nil), s.chars[p[0]]...)
		return reply{wait: 40 * time.Millisecond}
	case r30x.InstrLoadChar:
		if !need(3) || !s.validBuf(int(p[0])) {
			return fail(r30x.CodeRecvError)
		}
		page := be(p, 1)
		if page >= prof.Capacity {
			return fail(r30x.CodeBadPage)
		}
		t, found := s.library[page]
		if !found {
			return fail(r30x.CodeBadTemplate)
		}
		s.chars[p[0]] = append([]byte(nil), t...)
		return ok()
	case r30x.InstrUpChar:
		if !need(1) || !s.validBuf(int(p[0])) || s.chars[p[0]] == nil {
			return fail(r30x.CodeUploadFailed)
		}
		return reply{up: append([]byte(nil), s.chars[p[0]]...)}
	case r30x.InstrDownChar:
		if !need(1) || !s.validBuf(int(p[0])) {
			return fail(r30x.CodeCannotReceive)
		}
		return reply{down: int(p[0])}
	case r30x.InstrUpImage:
		if s.image == nil {
			return fail(r30x.CodeImageUpload)
		}
		return reply{up: s.image.render(prof.ImageW, prof.ImageH)}
	case r30x.InstrDownImage:
		return reply{down: -1}
	case r30x.InstrDeletChar:
		if !need(4) {
			return fail(r30x.CodeRecvError)
		}
		start, n := be(p, 0), be(p, 2)
		if start+n > prof.Capacity {
			return fail(r30x.CodeBadPage)
		}
		for i := start; i < start+n; i++ {
			delete(s.library, i)
		}
		return reply{wait: 40 * time.Millisecond}
	case r30x.InstrEmpty:
		clear(s.library)
		return reply{wait: 100 * time.Millisecond}
	case r30x.InstrSetSysPara:
		return s.setSysPara(p)
	case r30x.InstrReadSysPara:
		return ok(s.sysPara()...)
	case r30x.InstrTemplateNum:
		return ok(u16(len(s.library))...)
	case r30x.InstrReadIndexTable:
		if !need(1) || p[0] > 3 {
			return fail(r30x.CodeRecvError)
		}
		bm := make([]byte, 32)
		for id := range s.library {
			if id/256 == int(p[0]) {
				bm[id%256/8] |= 1 << (id % 8)
			}
		}
		return ok(bm...)
	case r30x.InstrGetRandomCode:
		return ok(binary.BigEndian.AppendUint32(nil, s.rng.Uint32())...)
	case r30x.InstrSetAdder:
		if !need(4) {
			return fail(r30x.CodeRecvError)
		}
		s.addr = binary.BigEndian.Uint32(p) // the ack already carries it
		return ok()
	case r30x.InstrReadInfPage:
		return reply{up: s.infoPage()}
	case r30x.InstrWriteNotepad:
		if !need(33) {
			return fail(r30x.CodeRecvError)
		}
		if p[0] > 15 {
			return fail(r30x.CodeBadNotepadPage)
		}
		copy(s.notepad[p[0]][:], p[1:33])
		return ok()
	case r30x.InstrReadNotepad:
		if !need(1) {
			return fail(r30x.CodeRecvError)
		}
		if p[0] > 15 {
			return fail(r30x.CodeBadNotepadPage)
		}
		return ok(s.notepad[p[0]][:]...)
	case r30x.InstrGetEcho:
		return fail(r30x.CodeEchoOK)
	}
	if prof.R503 {
		if r, handled := s.execR503(in, p); handled {
			return r
		}
		return fail(r30x.CodeUnsupported)
	}
	return fail(r30x.CodeRecvError)
}

func (s *Sensor) validBuf(b int) bool { return b >= 1 && b < len(s.chars) }

// charMinutiae decodes char buffer b, or returns nil if it holds nothing
// valid.
func (s *Sensor) charMinutiae(b int) []minutia {
	_, ms, valid := decodeChar(s.chars[b])
	if !valid {
		return nil
	}
	return ms
}

func (s *Sensor) genImg() reply {
	wait := 150 * time.Millisecond
	f, n := s.pad.press()
	if f == nil {
		return reply{code: r30x.CodeNoFinger, wait: wait / 3}
	}
	if s.take(FaultCaptureFail) {
		return reply{code: r30x.CodeCaptureFailed, wait: wait}
	}
	im := f.impress(n, s.take(FaultMessyImage))
	s.image = &im
	return reply{wait: wait}
}

func (s *Sensor) img2Tz(p []byte) reply {
	if len(p) < 1 || !s.validBuf(int(p[0])) {
		return fail(r30x.CodeRecvError)
	}
	wait := 250 * time.Millisecond
	switch {
	case s.image == nil:
		return fail(r30x.CodeNoImage)
	case s.image.messy:
		return reply{code: r30x.CodeMessy, wait: wait}
	case s.take(FaultFewFeatures):
		return reply{code: r30x.CodeFewFeatures, wait: wait}
	}
	s.chars[p[0]] = encodeChar(kindFeature, s.image.minutiae, s.cfg.Profile.FeatureSize)
	return reply{wait: wait}
}

// regModel merges every char buffer that holds a feature file (buffers 1
// and 2 on classic modules, up to 6 on an R503) into a template placed in
// buffers 1 and 2.
func (s *Sensor) regModel() reply {
	var sets [][]minutia
	for b := 1; b < len(s.chars); b++ {
		if kind, ms, valid := decodeChar(s.chars[b]); valid && kind == kindFeature {
			sets = append(sets, ms)
		}
	}
	if len(sets) < 2 {
		return fail(r30x.CodeMergeFailed)
	}
	merged, same := merge(s.level, sets...)
	if !same {
		return reply{code: r30x.CodeMergeFailed, wait: 100 * time.Millisecond}
	}
	t := encodeChar(kindTemplate, merged, s.cfg.Profile.TemplateSize)
	s.chars[1], s.chars[2] = t, append([]byte(nil), t...)
	return reply{wait: 100 * time.Millisecond}
}

func (s *Sensor) search(p []byte) reply {
	if len(p) < 5 || !s.validBuf(int(p[0])) {
		return fail(r30x.CodeRecvError)
	}
	probe := s.charMinutiae(int(p[0]))
	start, n := be(p, 1), be(p, 3)
	best, bestPage := 0, 0
	for page := start; page < min(start+n, s.cfg.Profile.Capacity); page++ {
		t, found := s.library[page]
		if !found {
			continue
		}
		if _, ms, valid := decodeChar(t); valid {
			if sc := score(probe, ms); sc > best {
				best, bestPage = sc, page
			}
		}
	}
	wait := time.Duration(len(s.library)) * 10 * time.Millisecond
	if probe == nil || best < threshold(s.level) {
		return reply{code: r30x.CodeNotFound, params: make([]byte, 4), wait: wait}
	}
	return reply{params: append(u16(bestPage), u16(best)...), wait: wait}
}

func (s *Sensor) setSysPara(p []byte) reply {
	if len(p) < 2 {
		return fail(r30x.CodeRecvError)
	}
	reg, v := p[0], p[1]
	switch {
	case reg == r30x.RegBaud && v >= 1 && v <= 12:
		s.baudN = int(v)
	case reg == r30x.RegSecurity && v >= 1 && v <= 5:
		s.level = int(v)
	case reg == r30x.RegPacketSize && v <= 3:
		s.pktCode = v
	case reg == r30x.RegBaud || reg == r30x.RegSecurity || reg == r30x.RegPacketSize:
		return fail(r30x.CodeBadRegContent)
	default:
		return fail(r30x.CodeBadRegister)
	}
	return reply{wait: 40 * time.Millisecond}
}

func (s *Sensor) sysPara() []byte {
	var status uint16
	if s.verified && s.pwd != 0 {
		status |= 1 << 2 // a real R503 at the default password reports 0
	}
	if s.image != nil {
		status |= 1 << 3
	}
	b := binary.BigEndian.AppendUint16(nil, status)
	b = binary.BigEndian.AppendUint16(b, s.cfg.Profile.SystemID)
	b = append(b, u16(s.cfg.Profile.Capacity)...)
	b = append(b, u16(s.level)...)
	b = binary.BigEndian.AppendUint32(b, s.addr)
	b = append(b, u16(int(s.pktCode))...)
	return append(b, u16(s.baudN)...)
}

// infoPage is the 512-byte information page (AS608 layout: serial number
// at 28, firmware version at 36, manufacturer at 44, sensor name at 52).
func (s *Sensor) infoPage() []byte {
	b := make([]byte, 512)
	copy(b[28:], "SIM00001")
	copy(b[36:], "1.0")
	copy(b[44:], "vouch")
	copy(b[52:], s.cfg.Profile.Name)
	return b
}

// execR503 handles the R503-only instructions.
func (s *Sensor) execR503(in r30x.Instr, p []byte) (reply, bool) {
	switch in {
	case r30x.InstrAuraLedConfig:
		if len(p) < 4 {
			return fail(r30x.CodeRecvError), true
		}
		if p[0] < 1 || p[0] > 6 || p[2] < 1 || p[2] > 7 {
			return fail(r30x.CodeBadRegContent), true
		}
		copy(s.aura[:], p)
		return ok(), true
	case r30x.InstrCheckSensor, r30x.InstrHandShake, r30x.InstrCancel:
		return ok(), true
	case r30x.InstrReadProdInfo:
		return ok(s.prodInfo()...), true
	case r30x.InstrGetAlgVer, r30x.InstrGetFwVer:
		v := make([]byte, 32)
		copy(v, "vouch-sim 1.0")
		return ok(v...), true
	case r30x.InstrSoftRst:
		s.powerOn()
		return reply{ready: true, wait: 50 * time.Millisecond}, true
	}
	return reply{}, false
}

func (s *Sensor) prodInfo() []byte {
	prof := s.cfg.Profile
	b := make([]byte, 0, 46)
	str := func(v string, n int) { f := make([]byte, n); copy(f, v); b = append(b, f...) }
	str(prof.Name, 16)
	str("0001", 4)
	str("SIM00001", 8)
	b = append(b, 1, 2)
	str("SIMSENS", 8)
	b = append(b, u16(prof.ImageW)...)
	b = append(b, u16(prof.ImageH)...)
	b = append(b, u16(prof.TemplateSize)...)
	return append(b, u16(prof.Capacity)...)
}

// Aura returns the last R503 ring LED configuration (mode, speed, colour,
// cycles), for tests and the demo.
func (s *Sensor) Aura() [4]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aura
}
