package result

import (
	"bytes"
	"fmt"
	"github.com/vouchkiosk/vouch/internal/detcbor"
	"math"
	"time"
	"unicode/utf8"
)

// formatVersion is the value of payload key 0. Decoders reject any other.
const formatVersion = 1

// wireRecord is the CBOR payload of a signed record: a map with small
// integer keys, every key always present, encoded with the core
// deterministic rules of RFC 8949 §4.2.1.
type wireRecord struct {
	V          uint64         `cbor:"0,keyasint"`
	Device     string         `cbor:"1,keyasint"`
	Seq        uint64         `cbor:"2,keyasint"`
	BootID     string         `cbor:"3,keyasint"`
	MonoMicros int64          `cbor:"4,keyasint"` // since boot
	WallMicros int64          `cbor:"5,keyasint"` // since the Unix epoch
	TimeQ      string         `cbor:"6,keyasint"`
	Mode       string         `cbor:"7,keyasint"`
	Decision   string         `cbor:"8,keyasint"`
	ScoreCenti int64          `cbor:"9,keyasint"` // score × 100, rounded
	Thresholds wireThresholds `cbor:"10,keyasint"`
	Models     []string       `cbor:"11,keyasint"`
	Liveness   string         `cbor:"12,keyasint"`
	Dev        bool           `cbor:"13,keyasint"`
	PrevHash   []byte         `cbor:"14,keyasint"` // 32 bytes
}

type wireThresholds struct {
	MatchCenti    int64 `cbor:"1,keyasint"`
	LivenessCenti int64 `cbor:"2,keyasint"`
}

// modes is built once; cbor modes are immutable and safe for concurrent use.
var modes = detcbor.MustNew(detcbor.Limits{MaxArray: 16, NilAsEmpty: true})

// centi rounds v to hundredths, as an integer.
func centi(v float64) int64 { return int64(math.Round(v * 100)) }

func checkText(field, s string, allowEmpty bool) error {
	switch {
	case s == "" && !allowEmpty:
		return fmt.Errorf("%s is empty", field)
	case len(s) > MaxTextLen:
		return fmt.Errorf("%s is %d bytes, limit %d", field, len(s), MaxTextLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("%s is not valid UTF-8", field)
	}
	return nil
}

func checkNumber(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxScore {
		return fmt.Errorf("%s %v is not a finite number within ±%g", field, v, float64(MaxScore))
	}
	return nil
}

// validate checks the ranges documented on Record. It does not check chain
// properties (PrevHash against the previous record).
func validate(r *Record) error {
	if r.Seq == 0 {
		return fmt.Errorf("seq is 0; chains start at 1")
	}
	if err := checkText("device", r.Device, false); err != nil {
		return err
	}
	if err := checkText("boot id", r.BootID, true); err != nil {
		return err
	}
	if r.Mono < 0 {
		return fmt.Errorf("monotonic time %v is negative", r.Mono)
	}
	if r.Wall.IsZero() {
		return fmt.Errorf("wall time is not set")
	}
	if tq := timeQualityNames(); !enumValid(tq[:], uint8(r.TimeQuality)) {
		return fmt.Errorf("time quality %v", r.TimeQuality)
	}
	if m := modeNames(); !enumValid(m[:], uint8(r.Mode)) {
		return fmt.Errorf("mode %v", r.Mode)
	}
	if d := decisionNames(); !enumValid(d[:], uint8(r.Decision)) {
		return fmt.Errorf("decision %v", r.Decision)
	}
	if l := livenessNames(); !enumValid(l[:], uint8(r.Liveness)) {
		return fmt.Errorf("liveness %v", r.Liveness)
	}
	for _, n := range []struct {
		field string
		v     float64
	}{{"score", r.Score}, {"match threshold", r.Thresholds.Match}, {"liveness threshold", r.Thresholds.Liveness}} {
		if err := checkNumber(n.field, n.v); err != nil {
			return err
		}
	}
	if len(r.Models) > MaxModels {
		return fmt.Errorf("%d model ids, limit %d", len(r.Models), MaxModels)
	}
	for i, m := range r.Models {
		if err := checkText(fmt.Sprintf("model id %d", i), m, false); err != nil {
			return err
		}
	}
	return nil
}

// encodePayload validates r and returns its deterministic CBOR encoding.
// Errors wrap ErrInvalid.
func encodePayload(r *Record) ([]byte, error) {
	if err := validate(r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	w := wireRecord{
		V:          formatVersion,
		Device:     r.Device,
		Seq:        r.Seq,
		BootID:     r.BootID,
		MonoMicros: r.Mono.Microseconds(),
		WallMicros: r.Wall.UnixMicro(),
		TimeQ:      r.TimeQuality.String(),
		Mode:       r.Mode.String(),
		Decision:   r.Decision.String(),
		ScoreCenti: centi(r.Score),
		Thresholds: wireThresholds{MatchCenti: centi(r.Thresholds.Match), LivenessCenti: centi(r.Thresholds.Liveness)},
		Models:     r.Models,
		Liveness:   r.Liveness.String(),
		Dev:        r.Dev,
		PrevHash:   r.PrevHash[:],
	}
	b, err := modes.Enc.Marshal(&w)
	if err != nil {
		return nil, fmt.Errorf("%w: encode: %v", ErrInvalid, err)
	}
	return b, nil
}

// decodePayload strictly decodes a payload: unknown or duplicate keys,
// missing keys, tags, indefinite lengths and any encoding other than the
// deterministic one are rejected. Errors wrap ErrDecode.
func decodePayload(b []byte) (*Record, error) {
	var w wireRecord
	if err := modes.Dec.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrDecode, err)
	}
	if w.V != formatVersion {
		return nil, fmt.Errorf("%w: payload format version %d, want %d", ErrDecode, w.V, formatVersion)
	}
	if len(w.PrevHash) != 32 {
		return nil, fmt.Errorf("%w: prev-hash is %d bytes, want 32", ErrDecode, len(w.PrevHash))
	}
	if w.MonoMicros > math.MaxInt64/int64(time.Microsecond) || w.MonoMicros < 0 {
		return nil, fmt.Errorf("%w: monotonic time %dµs out of range", ErrDecode, w.MonoMicros)
	}
	r := &Record{
		Device:     w.Device,
		Seq:        w.Seq,
		BootID:     w.BootID,
		Mono:       time.Duration(w.MonoMicros) * time.Microsecond,
		Wall:       time.UnixMicro(w.WallMicros).UTC(),
		Score:      float64(w.ScoreCenti) / 100,
		Thresholds: Thresholds{Match: float64(w.Thresholds.MatchCenti) / 100, Liveness: float64(w.Thresholds.LivenessCenti) / 100},
		Dev:        w.Dev,
	}
	if len(w.Models) > 0 {
		r.Models = w.Models
	}
	copy(r.PrevHash[:], w.PrevHash)
	tq, m, d, l := timeQualityNames(), modeNames(), decisionNames(), livenessNames()
	for _, e := range []struct {
		names []string
		kind  string
		in    string
		out   *uint8
	}{
		{tq[:], "time quality", w.TimeQ, (*uint8)(&r.TimeQuality)},
		{m[:], "mode", w.Mode, (*uint8)(&r.Mode)},
		{d[:], "decision", w.Decision, (*uint8)(&r.Decision)},
		{l[:], "liveness", w.Liveness, (*uint8)(&r.Liveness)},
	} {
		v, err := enumParse(e.names, e.kind, e.in)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrDecode, err)
		}
		*e.out = v
	}
	if err := validate(r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	// Every valid record has exactly one encoding; anything else (missing
	// keys, non-minimal integers, unsorted maps, out-of-range numbers) is
	// rejected here.
	again, err := modes.Enc.Marshal(&w)
	if err != nil || !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: payload is not in deterministic encoding", ErrDecode)
	}
	return r, nil
}
