package export

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
)

// ErrFormat is returned by Read for input that is not an export.
var ErrFormat = errors.New("export: not a Vouch export")

// MaxRead bounds the input Read accepts.
const MaxRead = 1 << 30

// Read parses a JSON or CSV export (told apart by the first byte).
func Read(r io.Reader) (*File, error) {
	br := bufio.NewReader(io.LimitReader(r, MaxRead+1))
	b, err := br.Peek(1)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if b[0] == '{' {
		var f File
		dec := json.NewDecoder(br)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		if f.Format != FormatJSON {
			return nil, fmt.Errorf("%w: format %q", ErrFormat, f.Format)
		}
		return &f, nil
	}
	return readCSV(br)
}

func readCSV(r io.Reader) (*File, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(csvHeader())
	cr.ReuseRecord = true
	hdr, err := cr.Read()
	if err != nil || !slices.Equal(hdr, csvHeader()) {
		return nil, fmt.Errorf("%w: bad CSV header (%v)", ErrFormat, err)
	}
	f := &File{Format: "csv"}
	keys := map[string][]byte{}
	for line := 2; ; line++ {
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFormat, err)
		}
		pub, err1 := base64.StdEncoding.DecodeString(row[1])
		seq, err2 := strconv.ParseUint(row[2], 10, 64)
		rec, err3 := base64.StdEncoding.DecodeString(row[6])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrFormat, line, err)
		}
		if k, ok := keys[row[0]]; !ok {
			keys[row[0]] = pub
			f.Devices = append(f.Devices, Device{ID: row[0], PublicKey: pub})
		} else if !bytes.Equal(k, pub) {
			return nil, fmt.Errorf("%w: line %d: device %s with two public keys", ErrFormat, line, row[0])
		}
		f.Results = append(f.Results, Result{Device: row[0], Seq: seq, Hash: row[3], PrevHash: row[4], Record: rec})
	}
	return f, nil
}

// Report is the outcome of Verify.
//
// Acknowledgements are checked against File.PlatformKey, which the export
// itself declares: a verifier must compare it with the platform key it
// trusts (the one devices pin) for the check to mean anything.
type Report struct {
	Devices  int
	Records  int
	Gaps     []Gap    // sequence jumps found (Detected is zero for jumps the platform had not recorded)
	Problems []string // anything that fails verification; empty means the export verifies
}

// OK reports whether the export verified without problems.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Verify re-checks every record of f against its device's public key and
// hash chain. Results must be grouped by device in sequence order, as the
// writers produce them. Sequence jumps are accepted only when the JSON
// export lists them as recorded gaps (CSV exports carry no gap list: every
// jump is reported as a gap, not a problem). Each run after a jump is
// verified from its first record's own link.
func Verify(f *File) Report {
	var rep Report
	keys := map[string]ed25519.PublicKey{}
	for _, d := range f.Devices {
		keys[d.ID] = d.PublicKey
	}
	recorded := map[string]map[uint64]Gap{}
	for _, g := range f.Gaps {
		if recorded[g.Device] == nil {
			recorded[g.Device] = map[uint64]Gap{}
		}
		recorded[g.Device][g.From] = g
	}
	seen := map[string]bool{}
	heads := map[string]result.ChainState{}
	for i := 0; i < len(f.Results); {
		dev := f.Results[i].Device
		j := i
		for j < len(f.Results) && f.Results[j].Device == dev {
			j++
		}
		if seen[dev] {
			rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: results not grouped", dev))
		}
		seen[dev] = true
		rep.Devices++
		rep.Records += j - i
		heads[dev] = verifyDevice(&rep, f, keys[dev], recorded[dev], f.Results[i:j])
		i = j
	}
	if f.Format == FormatJSON {
		for _, d := range f.Devices {
			checkAck(&rep, f, d, heads[d.ID])
		}
	}
	return rep
}

// checkAck compares a device's signed acknowledgement with the head its
// exported records reached.
func checkAck(rep *Report, f *File, d Device, head result.ChainState) {
	if d.Ack == nil {
		return
	}
	a, err := syncwire.OpenAck(f.PlatformKey, d.Ack)
	switch {
	case err != nil:
		rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: acknowledgement: %v", d.ID, err))
	case a.Device != d.ID:
		rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: acknowledgement names %s", d.ID, a.Device))
	case a.Seq != head.Seq || a.HashArray() != head.Hash:
		rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: records end at seq %d but the platform acknowledged seq %d", d.ID, head.Seq, a.Seq))
	}
}

// verifyDevice verifies one device's records and returns the head reached
// (zero on failure).
func verifyDevice(rep *Report, f *File, pub ed25519.PublicKey, recorded map[uint64]Gap, rs []Result) result.ChainState {
	dev := rs[0].Device
	if pub == nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: no public key in export", dev))
		return result.ChainState{}
	}
	// Records verify against the key they are listed with; the id, which is
	// derived from the key, is what binds them to a device.
	if len(pub) != ed25519.PublicKeySize {
		rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: public key is %d bytes", dev, len(pub)))
		return result.ChainState{}
	}
	if id := result.DeviceID(pub); id != dev {
		rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: listed public key belongs to device %s", dev, id))
		return result.ChainState{}
	}
	var state result.ChainState
	for k := 0; k < len(rs); {
		// A run of consecutive sequence numbers.
		end := k + 1
		for end < len(rs) && rs[end].Seq == rs[end-1].Seq+1 {
			end++
		}
		if rs[k].Seq != state.Seq+1 {
			first, err := result.Open(pub, rs[k].Record)
			if err != nil {
				rep.Problems = append(rep.Problems, fmt.Sprintf("device %s seq %d: %v", dev, rs[k].Seq, err))
				return result.ChainState{}
			}
			if first.Seq <= state.Seq {
				rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: seq %d after %d", dev, first.Seq, state.Seq))
				return result.ChainState{}
			}
			g, ok := recorded[state.Seq+1]
			if !ok || g.To != first.Seq-1 {
				if f.Format == FormatJSON {
					rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: seq %d..%d missing and not recorded as a gap", dev, state.Seq+1, first.Seq-1))
				}
				g = Gap{Device: dev, From: state.Seq + 1, To: first.Seq - 1}
			}
			rep.Gaps = append(rep.Gaps, g)
			state = result.ChainState{Seq: first.Seq - 1, Hash: first.PrevHash}
		}
		signed := make([][]byte, end-k)
		for n := range signed {
			signed[n] = rs[k+n].Record
			if h := result.Hash(signed[n]); rs[k+n].Hash != hex.EncodeToString(h[:]) {
				rep.Problems = append(rep.Problems, fmt.Sprintf("device %s seq %d: hash column does not match the record", dev, rs[k+n].Seq))
				return result.ChainState{}
			}
		}
		next, err := result.VerifyChain(pub, state, signed)
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("device %s: %v", dev, err))
			return result.ChainState{}
		}
		// The chain verified from state, so record n carries seq
		// state.Seq+1+n and links to the record before it: the columns
		// shown beside the records must say the same.
		seq, prev := state.Next()
		for n := range signed {
			if r := rs[k+n]; r.Seq != seq || r.PrevHash != hex.EncodeToString(prev[:]) {
				rep.Problems = append(rep.Problems, fmt.Sprintf("device %s seq %d: seq or prev-hash column does not match the record", dev, seq))
				return result.ChainState{}
			}
			seq, prev = seq+1, result.Hash(signed[n])
		}
		state = next
		k = end
	}
	return state
}
