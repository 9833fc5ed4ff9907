package export

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vouchkiosk/vouch/tools/platform/db"
)

// FormatJSON names the JSON export format and version.
const FormatJSON = "vouch-export-v1"

// CSVHeader is the first line of a CSV export.
const CSVHeader = "device,public_key,seq,hash,prev_hash,received,record"

func csvHeader() []string { return strings.Split(CSVHeader, ",") }

// Source is the storage an export reads; *db.DB implements it.
type Source interface {
	ListDevices(ctx context.Context, org string, p db.Page) ([]db.Device, string, error)
	Results(ctx context.Context, org string, q db.ResultQuery) ([]db.Result, error)
	Gaps(ctx context.Context, org, device string) ([]db.Gap, error)
}

var _ Source = (*db.DB)(nil)

// Device is a device entry of a JSON export.
type Device struct {
	ID        string `json:"id"`
	PublicKey []byte `json:"public_key"`
	HeadSeq   uint64 `json:"head_seq"`
	HeadHash  string `json:"head_hash"`
	Missing   uint64 `json:"missing"`
	// Ack is the platform's signed acknowledgement of HeadSeq/HeadHash
	// (a syncwire SignedAck): the platform's own attestation of how far the
	// chain reached, so a copy of the export cut short is detectable.
	Ack []byte `json:"ack,omitempty"`
}

// Gap is a recorded gap of a JSON export.
type Gap struct {
	Device   string    `json:"device"`
	From     uint64    `json:"from"`
	To       uint64    `json:"to"`
	Detected time.Time `json:"detected"`
}

// Result is one exported record.
type Result struct {
	Device   string    `json:"device"`
	Seq      uint64    `json:"seq"`
	Hash     string    `json:"hash"`
	PrevHash string    `json:"prev_hash"`
	Received time.Time `json:"received"`
	Record   []byte    `json:"record"`
}

// File is a whole export, as Read returns it.
type File struct {
	Format      string    `json:"format"`
	Org         string    `json:"org"`
	Exported    time.Time `json:"exported"`
	PlatformKey []byte    `json:"platform_key"`
	Devices     []Device  `json:"devices"`
	Gaps        []Gap     `json:"gaps"`
	Results     []Result  `json:"results"`
}

// Options selects what to export.
type Options struct {
	Org         string
	Device      string // "" = every device of Org
	PlatformKey ed25519.PublicKey
	Now         time.Time
	// Ack, if set, returns the platform's signed acknowledgement of a
	// device's stored head; JSON exports carry it per device.
	Ack func(db.Device) ([]byte, error)
}

// pageSize is how many results are read per query while streaming.
const pageSize = 5000

// devices returns the devices selected by o.
func devices(ctx context.Context, src Source, o Options) ([]db.Device, error) {
	var all []db.Device
	for p := (db.Page{}); ; {
		ds, next, err := src.ListDevices(ctx, o.Org, p)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if o.Device == "" {
				all = append(all, d)
			} else if d.ID == o.Device {
				return []db.Device{d}, nil
			}
		}
		if next == "" {
			break
		}
		p.After = next
	}
	if o.Device != "" {
		return nil, fmt.Errorf("%w: device %q", db.ErrNotFound, o.Device)
	}
	return all, nil
}

// eachResult pages through the results of dev in sequence order, up to
// dev's head as read with the device list: records stored later belong to a
// later export (the head and its acknowledgement describe this one).
func eachResult(ctx context.Context, src Source, org string, dev db.Device, fn func(db.Result) error) error {
	var after uint64
	for after < dev.Chain.Head.Seq {
		rs, err := src.Results(ctx, org, db.ResultQuery{Device: dev.ID, AfterSeq: after, Limit: pageSize})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.Seq > dev.Chain.Head.Seq {
				return nil
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rs) < pageSize {
			return nil
		}
		after = rs[len(rs)-1].Seq
	}
	return nil
}

func resultOf(r db.Result) Result {
	return Result{Device: r.Device, Seq: r.Seq, Hash: hex.EncodeToString(r.Hash[:]), PrevHash: hex.EncodeToString(r.PrevHash[:]), Received: r.Received, Record: r.Record}
}

// WriteJSON streams a JSON export to w.
func WriteJSON(ctx context.Context, w io.Writer, src Source, o Options) error {
	ds, err := devices(ctx, src, o)
	if err != nil {
		return err
	}
	head := File{Format: FormatJSON, Org: o.Org, Exported: o.Now.UTC(), PlatformKey: o.PlatformKey, Devices: []Device{}, Gaps: []Gap{}}
	for _, d := range ds {
		dev := Device{ID: d.ID, PublicKey: d.PublicKey, HeadSeq: d.Chain.Head.Seq, HeadHash: hex.EncodeToString(d.Chain.Head.Hash[:]), Missing: d.Chain.Missing}
		if o.Ack != nil {
			if dev.Ack, err = o.Ack(d); err != nil {
				return fmt.Errorf("export: ack of %s: %w", d.ID, err)
			}
		}
		head.Devices = append(head.Devices, dev)
		gs, err := src.Gaps(ctx, o.Org, d.ID)
		if err != nil {
			return err
		}
		for _, g := range gs {
			head.Gaps = append(head.Gaps, Gap{Device: g.Device, From: g.From, To: g.To, Detected: g.Detected})
		}
	}
	b, err := json.Marshal(head)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	// Reopen the object to stream "results": drop the closing "null}" of the
	// nil Results field and write the array element by element.
	const tail = `"results":null}`
	if len(b) < len(tail) || string(b[len(b)-len(tail):]) != tail {
		return fmt.Errorf("export: unexpected header encoding")
	}
	if _, err := w.Write(append(b[:len(b)-len(tail)], `"results":[`...)); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	first := true
	for _, d := range ds {
		err := eachResult(ctx, src, o.Org, d, func(r db.Result) error {
			rb, err := json.Marshal(resultOf(r))
			if err != nil {
				return err
			}
			if !first {
				rb = append([]byte{','}, rb...)
			}
			first = false
			_, err = w.Write(append(rb, '\n'))
			return err
		})
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if _, err := io.WriteString(w, "]}\n"); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// WriteCSV streams a CSV export to w.
func WriteCSV(ctx context.Context, w io.Writer, src Source, o Options) error {
	ds, err := devices(ctx, src, o)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader()); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	for _, d := range ds {
		pub := base64.StdEncoding.EncodeToString(d.PublicKey)
		err := eachResult(ctx, src, o.Org, d, func(r db.Result) error {
			x := resultOf(r)
			return cw.Write([]string{x.Device, pub, strconv.FormatUint(x.Seq, 10), x.Hash, x.PrevHash,
				x.Received.UTC().Format(time.RFC3339Nano), base64.StdEncoding.EncodeToString(x.Record)})
		})
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}
