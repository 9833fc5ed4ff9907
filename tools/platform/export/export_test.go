package export_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/export"
	"github.com/vouchkiosk/vouch/tools/platform/internal/devicetest"
)

// fixture stores two devices' chains, one with a recorded gap, and returns
// both exports.
func fixture(t testing.TB) (jsonExp, csvExp []byte, devs []*devicetest.Device) {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	o, _ := d.CreateOrg(ctx, "o")
	other, _ := d.CreateOrg(ctx, "other")
	for i, skip := range []int{0, 3} {
		dev := devicetest.New(uint64(i + 1))
		devs = append(devs, dev)
		if _, err := d.CreateDevice(ctx, o.ID, db.Device{ID: dev.ID, PublicKey: dev.Pub}); err != nil {
			t.Fatal(err)
		}
		recs := dev.Records(8)
		var head db.Head
		var rows []db.Result
		var gap *db.Gap
		for s, r := range recs {
			seq := uint64(s + 1)
			if skip > 0 && seq >= 4 && seq < 4+uint64(skip)-1 {
				continue // records 4..5 never reach the platform
			}
			if skip > 0 && seq == 6 {
				gap = &db.Gap{From: 4, To: 5, Detected: time.Now()}
			}
			rec, _ := result.Open(dev.Pub, r)
			rows = append(rows, db.Result{Seq: seq, Hash: result.Hash(r), PrevHash: rec.PrevHash, Received: time.Now(), Record: r})
			head = db.Head{Seq: seq, Hash: result.Hash(r)}
		}
		if err := d.AppendResults(ctx, o.ID, dev.ID, db.Append{Head: head, Results: rows, Gap: gap, Received: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	// Another tenant's device must never appear.
	od := devicetest.New(9)
	d.CreateDevice(ctx, other.ID, db.Device{ID: od.ID, PublicKey: od.Pub})
	r := od.Records(1)
	d.AppendResults(ctx, other.ID, od.ID, db.Append{Head: db.Head{Seq: 1, Hash: result.Hash(r[0])}, Results: []db.Result{{Seq: 1, Hash: result.Hash(r[0]), Record: r[0]}}})

	var jb, cb bytes.Buffer
	platPub, platKey, _ := ed25519.GenerateKey(nil)
	opts := export.Options{Org: o.ID, Now: time.Now(), PlatformKey: platPub, Ack: func(d db.Device) ([]byte, error) {
		return syncwire.SignAck(syncwire.Ack{Device: d.ID, Seq: d.Chain.Head.Seq, Hash: d.Chain.Head.Hash[:], Missing: d.Chain.Missing}, platKey)
	}}
	if err := export.WriteJSON(ctx, &jb, d, opts); err != nil {
		t.Fatal(err)
	}
	if err := export.WriteCSV(ctx, &cb, d, opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(jb.String(), od.ID) || strings.Contains(cb.String(), od.ID) {
		t.Fatal("export contains another organisation's device")
	}
	return jb.Bytes(), cb.Bytes(), devs
}

func TestVerifyExports(t *testing.T) {
	j, c, _ := fixture(t)
	for name, b := range map[string][]byte{"json": j, "csv": c} {
		f, err := export.Read(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep := export.Verify(f)
		if !rep.OK() || rep.Devices != 2 || rep.Records != 14 || len(rep.Gaps) != 1 || rep.Gaps[0].From != 4 || rep.Gaps[0].To != 5 {
			t.Errorf("%s: report %+v", name, rep)
		}
		if name == "json" && rep.Gaps[0].Detected.IsZero() {
			t.Errorf("json: the recorded gap is not recognised")
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	j, _, devs := fixture(t)
	f, err := export.Read(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(f *export.File){
		"flipped record byte": func(f *export.File) { f.Results[2].Record[len(f.Results[2].Record)-3] ^= 1 },
		"deleted record":      func(f *export.File) { f.Results = append(f.Results[:3], f.Results[4:]...) },
		"swapped records":     func(f *export.File) { f.Results[1], f.Results[2] = f.Results[2], f.Results[1] },
		"forgotten gap":       func(f *export.File) { f.Gaps = nil },
		"tail cut off":        func(f *export.File) { f.Results = f.Results[:len(f.Results)-1] },
		"other platform key":  func(f *export.File) { f.PlatformKey = devicetest.New(78).Pub },
		"edited hash column":  func(f *export.File) { f.Results[0].Hash = strings.Repeat("0", 64) },
		"foreign key":         func(f *export.File) { f.Devices[0].PublicKey = devicetest.New(77).Pub },
		"missing key":         func(f *export.File) { f.Devices = f.Devices[1:] },
		"relabelled device":   func(f *export.File) { relabel(f, f.Devices[0].ID, devicetest.New(77).ID) },
	}
	for name, mutate := range tests {
		g, _ := export.Read(bytes.NewReader(j))
		mutate(g)
		if rep := export.Verify(g); rep.OK() {
			t.Errorf("%s: verifies", name)
		}
	}
	if rep := export.Verify(f); !rep.OK() {
		t.Fatalf("untouched export fails: %v", rep.Problems)
	}
	_ = devs
}

func TestReadRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"wrong format": `{"format":"other"}`,
		"unknown key":  `{"format":"vouch-export-v1","x":1}`,
		"bad header":   "a,b,c\n",
		"bad base64":   export.CSVHeader + "\nd,!!,1,00,00,2020-01-01T00:00:00Z,AA==\n",
		"short row":    export.CSVHeader + "\nd,AA==,1\n",
		"two keys": export.CSVHeader + "\nd," + base64.StdEncoding.EncodeToString([]byte{1}) + ",1,00,00,x,AA==\n" +
			"d," + base64.StdEncoding.EncodeToString([]byte{2}) + ",2,00,00,x,AA==\n",
	} {
		if _, err := export.Read(strings.NewReader(in)); !errors.Is(err, export.ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
}

func FuzzRead(f *testing.F) {
	j, c, _ := fixture(f)
	f.Add(j)
	f.Add(c)
	f.Fuzz(func(t *testing.T, b []byte) {
		ef, err := export.Read(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, export.ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		export.Verify(ef) // must not panic on any parsed input
	})
}

// relabel renames device from to to throughout f and drops its ack: records
// and key stay those of from, so the label no longer names their key.
func relabel(f *export.File, from, to string) {
	for i := range f.Devices {
		if f.Devices[i].ID == from {
			f.Devices[i].ID, f.Devices[i].Ack = to, nil
		}
	}
	for i := range f.Results {
		if f.Results[i].Device == from {
			f.Results[i].Device = to
		}
	}
	for i := range f.Gaps {
		if f.Gaps[i].Device == from {
			f.Gaps[i].Device = to
		}
	}
}

// racingSource lands an upload of the device after the export read the
// device list, as a live platform does.
type racingSource struct {
	*db.DB
	upload func()
	done   bool
}

func (s *racingSource) Results(ctx context.Context, org string, q db.ResultQuery) ([]db.Result, error) {
	if !s.done {
		s.done = true
		s.upload()
	}
	return s.DB.Results(ctx, org, q)
}

// TestExportDuringUpload checks that an export taken while a device uploads
// is a consistent snapshot: its records end at the acknowledged head, so it
// verifies.
func TestExportDuringUpload(t *testing.T) {
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	o, _ := d.CreateOrg(ctx, "o")
	dev := devicetest.New(1)
	if _, err := d.CreateDevice(ctx, o.ID, db.Device{ID: dev.ID, PublicKey: dev.Pub}); err != nil {
		t.Fatal(err)
	}
	var head db.Head
	store := func(recs [][]byte) {
		t.Helper()
		a := db.Append{Expect: head, Received: time.Now()}
		for _, r := range recs {
			rec, _ := result.Open(dev.Pub, r)
			a.Results = append(a.Results, db.Result{Seq: rec.Seq, Hash: result.Hash(r), PrevHash: rec.PrevHash, Received: a.Received, Record: r})
			a.Head = db.Head{Seq: rec.Seq, Hash: result.Hash(r)}
		}
		if err := d.AppendResults(ctx, o.ID, dev.ID, a); err != nil {
			t.Fatal(err)
		}
		head = a.Head
	}
	store(dev.Records(3))
	platPub, platKey, _ := ed25519.GenerateKey(nil)
	opts := export.Options{Org: o.ID, Now: time.Now(), PlatformKey: platPub, Ack: func(d db.Device) ([]byte, error) {
		return syncwire.SignAck(syncwire.Ack{Device: d.ID, Seq: d.Chain.Head.Seq, Hash: d.Chain.Head.Hash[:]}, platKey)
	}}
	var b bytes.Buffer
	src := &racingSource{DB: d, upload: func() { store(dev.Records(2)) }}
	if err := export.WriteJSON(ctx, &b, src, opts); err != nil {
		t.Fatal(err)
	}
	f, err := export.Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if rep := export.Verify(f); !rep.OK() || rep.Records != 3 {
		t.Errorf("export taken during an upload: %d records, problems %v; want the 3 acknowledged records", rep.Records, rep.Problems)
	}
}

// TestVerifyChecksColumns checks that the seq and prev-hash columns, which
// readers of an export see without decoding the records, must match the
// signed records, in either format.
func TestVerifyChecksColumns(t *testing.T) {
	j, c, _ := fixture(t)
	tests := map[string]func(f *export.File){
		"edited seq column":       func(f *export.File) { f.Results[len(f.Results)-1].Seq += 100 },
		"edited prev-hash column": func(f *export.File) { f.Results[2].PrevHash = strings.Repeat("0", 64) },
	}
	for format, b := range map[string][]byte{"json": j, "csv": c} {
		for name, mutate := range tests {
			f, err := export.Read(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			mutate(f)
			if rep := export.Verify(f); rep.OK() {
				t.Errorf("%s, %s: verifies", format, name)
			}
		}
	}
}
