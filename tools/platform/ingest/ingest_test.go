package ingest_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"math"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/ingest"
	"github.com/vouchkiosk/vouch/tools/platform/internal/devicetest"
)

type fixture struct {
	db  *db.DB
	in  *ingest.Ingester
	org string
	dev *devicetest.Device
	pk  ed25519.PublicKey
	ctx context.Context
	t   *testing.T
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	o, _ := d.CreateOrg(ctx, "o")
	dev := devicetest.New(1)
	if _, err := d.CreateDevice(ctx, o.ID, db.Device{ID: dev.ID, PublicKey: dev.Pub}); err != nil {
		t.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(nil)
	in, err := ingest.New(d, priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: d, in: in, org: o.ID, dev: dev, pk: pub, ctx: ctx, t: t}
}

func (f *fixture) ingest(records [][]byte) (ingest.Outcome, error) {
	f.t.Helper()
	dv, err := f.db.Device(f.ctx, f.org, f.dev.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return f.in.Ingest(f.ctx, dv, records)
}

func (f *fixture) count() int64 {
	n, err := f.db.CountResults(f.ctx, f.org, f.dev.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestIngestAckAndIdempotence(t *testing.T) {
	f := newFixture(t)
	recs := f.dev.Records(10)
	out, err := f.ingest(recs[:6])
	if err != nil {
		t.Fatal(err)
	}
	a, err := syncwire.OpenAck(f.pk, out.Signed)
	if err != nil || a.Seq != 6 || a.Stored != 6 || a.HashArray() != result.Hash(recs[5]) || a.Device != f.dev.ID {
		t.Fatalf("ack = %+v, %v", a, err)
	}
	// Overlapping resend: 4..10 → 3 duplicates, 4 new.
	out, err = f.ingest(recs[3:])
	if err != nil {
		t.Fatal(err)
	}
	if out.Ack.Seq != 10 || out.Ack.Stored != 4 || out.Ack.Duplicates != 3 {
		t.Fatalf("ack = %+v", out.Ack)
	}
	// Full resend: all duplicates.
	if out, err = f.ingest(recs); err != nil || out.Ack.Stored != 0 || out.Ack.Duplicates != 10 || out.Ack.Seq != 10 {
		t.Fatalf("resend: %+v, %v", out.Ack, err)
	}
	if n := f.count(); n != 10 {
		t.Fatalf("stored %d, want 10", n)
	}
	rs, _ := f.db.Results(f.ctx, f.org, db.ResultQuery{Device: f.dev.ID})
	var signed [][]byte
	for _, r := range rs {
		signed = append(signed, r.Record)
	}
	if h, err := result.VerifyChain(f.dev.Pub, result.ChainState{}, signed); err != nil || h.Seq != 10 {
		t.Fatalf("stored chain: %v", err)
	}
}

func TestIngestGap(t *testing.T) {
	f := newFixture(t)
	recs := f.dev.Records(8)
	if _, err := f.ingest(recs[:2]); err != nil {
		t.Fatal(err)
	}
	out, err := f.ingest(recs[5:])
	if err != nil {
		t.Fatal(err)
	}
	if out.Gap == nil || out.Gap.From != 3 || out.Gap.To != 5 || out.Ack.Missing != 3 || out.Ack.Seq != 8 {
		t.Fatalf("gap = %+v ack = %+v", out.Gap, out.Ack)
	}
	gs, _ := f.db.Gaps(f.ctx, f.org, f.dev.ID)
	if len(gs) != 1 {
		t.Fatalf("gaps = %+v", gs)
	}
	// The missing records can no longer be slipped in.
	_, err = f.ingest(recs[2:5])
	var re *ingest.RejectError
	if !errors.As(err, &re) || re.Reason != syncwire.ReasonFork {
		t.Fatalf("gap fill: %v", err)
	}
	if out, _ := f.in.Current(mustDevice(t, f)); out.Ack.Missing != 3 {
		t.Errorf("current ack forgets the gap: %+v", out.Ack)
	}
}

func mustDevice(t *testing.T, f *fixture) db.Device {
	dv, err := f.db.Device(f.ctx, f.org, f.dev.ID)
	if err != nil {
		t.Fatal(err)
	}
	return dv
}

func TestIngestRejects(t *testing.T) {
	tests := []struct {
		name   string
		batch  func(f *fixture) [][]byte
		reason string
		index  int
	}{
		{"forged signature", func(f *fixture) [][]byte {
			r := f.dev.Records(3)
			r[1] = bytes.Clone(r[1])
			r[1][len(r[1])-1] ^= 1
			return r
		}, syncwire.ReasonBadSignature, 1},
		{"foreign key", func(f *fixture) [][]byte {
			other := devicetest.New(99)
			return other.Records(2)
		}, syncwire.ReasonWrongDevice, 0},
		{"reordered", func(f *fixture) [][]byte {
			r := f.dev.Records(3)
			return [][]byte{r[0], r[2], r[1]}
		}, syncwire.ReasonReordered, 1},
		{"replayed in batch", func(f *fixture) [][]byte {
			r := f.dev.Records(2)
			return [][]byte{r[0], r[1], r[1]}
		}, syncwire.ReasonReplayedRecord, 2},
		{"gap inside batch", func(f *fixture) [][]byte {
			r := f.dev.Records(4)
			return [][]byte{r[0], r[1], r[3]}
		}, syncwire.ReasonGap, 2},
		{"not a record", func(f *fixture) [][]byte {
			return [][]byte{[]byte("garbage")}
		}, syncwire.ReasonBadRecord, 0},
		{"broken link", func(f *fixture) [][]byte {
			r := f.dev.Records(1)
			rec := f.dev.Record()
			rec.PrevHash[0] ^= 1
			return append(r, f.dev.Sign(rec))
		}, syncwire.ReasonBrokenLink, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.ingest(tt.batch(f))
			var re *ingest.RejectError
			if !errors.As(err, &re) || re.Reason != tt.reason || re.Index != tt.index {
				t.Fatalf("err = %v (%+v), want reason %s at %d", err, re, tt.reason, tt.index)
			}
			if n := f.count(); n != 0 {
				t.Errorf("%d records stored from a rejected batch", n)
			}
		})
	}
}

func TestIngestFork(t *testing.T) {
	f := newFixture(t)
	recs := f.dev.Records(3)
	if _, err := f.ingest(recs); err != nil {
		t.Fatal(err)
	}
	// A different record 2, validly signed: the device rewrote history.
	alt := devicetest.New(1)
	alt.Head = result.ChainState{Seq: 1, Hash: result.Hash(recs[0])}
	rec := alt.Record()
	rec.Decision = result.DecisionReject
	_, err := f.ingest([][]byte{recs[0], alt.Sign(rec)})
	var re *ingest.RejectError
	if !errors.As(err, &re) || re.Reason != syncwire.ReasonFork || re.Status != 409 || re.Index != 1 {
		t.Fatalf("fork: %v", err)
	}
	if n := f.count(); n != 3 {
		t.Errorf("stored %d", n)
	}
}

// TestIngestConcurrentSameDevice races overlapping batches of one device
// (as a retrying device and a slow first attempt would): every call
// succeeds, and each record is stored once.
func TestIngestConcurrentSameDevice(t *testing.T) {
	f := newFixture(t)
	recs := f.dev.Records(40)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			dv := mustDevice(t, f) // all start from the same stale head
			_, err := f.in.Ingest(f.ctx, dv, recs[:10+i*4])
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Ingest: %v", err)
		}
	}
	if n := f.count(); n != 38 {
		t.Errorf("stored %d, want 38", n)
	}
}

// TestIngestSeqBeyondRange checks that a validly signed record whose seq the
// platform cannot store (above math.MaxInt64) is a content rejection with
// nothing stored, not a storage failure the device would retry forever.
func TestIngestSeqBeyondRange(t *testing.T) {
	for _, seq := range []uint64{math.MaxInt64 + 1, math.MaxUint64} {
		f := newFixture(t)
		if _, err := f.ingest(f.dev.Records(2)); err != nil {
			t.Fatal(err)
		}
		rec := f.dev.Record()
		rec.Seq = seq
		_, err := f.ingest([][]byte{f.dev.Sign(rec)})
		var re *ingest.RejectError
		if !errors.As(err, &re) || re.Status != http.StatusUnprocessableEntity || re.Reason != syncwire.ReasonBadRecord || re.Index != 0 || re.Seq != seq {
			t.Errorf("seq %d: Ingest = %v, want a 422 bad-record rejection of record 0", seq, err)
		}
		if n := f.count(); n != 2 {
			t.Errorf("seq %d: stored %d, want 2", seq, n)
		}
		if gs, _ := f.db.Gaps(f.ctx, f.org, f.dev.ID); len(gs) != 0 {
			t.Errorf("seq %d: gaps recorded: %+v", seq, gs)
		}
	}
}
