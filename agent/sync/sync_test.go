package sync_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/store"
	vsync "github.com/vouchkiosk/vouch/agent/sync"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
)

// platform is a real platform (API over SQLite) on loopback.
type platform struct {
	db  *db.DB
	hs  *httptest.Server
	pub ed25519.PublicKey
	org string
}

func newPlatform(t *testing.T, now func() time.Time) *platform {
	return newPlatformLimits(t, now, api.Limits{DeviceRate: 1000, DeviceBurst: 1000})
}

func newPlatformLimits(t *testing.T, now func() time.Time, limits api.Limits) *platform {
	t.Helper()
	d, err := db.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "p.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	pub, key, _ := ed25519.GenerateKey(nil)
	srv, err := api.New(api.Options{DB: d, Key: key, Now: now, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	o, err := d.CreateOrg(context.Background(), "o")
	if err != nil {
		t.Fatal(err)
	}
	return &platform{db: d, hs: hs, pub: pub, org: o.ID}
}

// device is a kiosk: key, store, result log.
type device struct {
	key ed25519.PrivateKey
	id  string
	db  *store.DB
	log *result.Log
}

func newDevice(t *testing.T, p *platform, seed byte) *device {
	t.Helper()
	seedb := make([]byte, ed25519.SeedSize)
	seedb[0] = seed
	key := ed25519.NewKeyFromSeed(seedb)
	pub := key.Public().(ed25519.PublicKey)
	d := &device{key: key, id: result.DeviceID(pub)}
	d.open(t, filepath.Join(t.TempDir(), "agent.db"))
	if p != nil {
		if _, err := p.db.CreateDevice(context.Background(), p.org, db.Device{ID: d.id, PublicKey: pub}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func (d *device) open(t *testing.T, path string) {
	t.Helper()
	var err error
	if d.db, err = store.Open(path, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.db.Close() })
	if d.log, err = result.NewLog(d.db, d.key, nil); err != nil {
		t.Fatal(err)
	}
}

func (d *device) record(t *testing.T, n int) {
	t.Helper()
	for range n {
		if _, err := d.log.Append(context.Background(), &result.Record{Mode: result.ModeRoster, Decision: result.DecisionAccept, Liveness: result.LivenessPass, Score: 0.9}); err != nil {
			t.Fatal(err)
		}
	}
}

func (d *device) pending(t *testing.T) int {
	t.Helper()
	var n int
	if err := d.db.View(func(tx *store.Tx) error {
		var err error
		n, err = tx.OutboxLen()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func (d *device) syncer(t *testing.T, p *platform, mod func(*vsync.Config)) *vsync.Syncer {
	t.Helper()
	cfg := vsync.Config{URL: p.hs.URL, Device: d.id, Signer: d.key, PlatformKey: p.pub, BatchRecords: 4, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	s, err := vsync.New(d.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func drain(t *testing.T, s *vsync.Syncer) {
	t.Helper()
	for range 100 {
		n, err := s.SyncOnce(context.Background())
		if err != nil {
			t.Fatalf("SyncOnce: %v", err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("outbox did not drain")
}

func (p *platform) verify(t *testing.T, d *device, want int) {
	t.Helper()
	rs, err := p.db.Results(context.Background(), p.org, db.ResultQuery{Device: d.id})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != want {
		t.Fatalf("platform holds %d records of %s, want %d", len(rs), d.id, want)
	}
	var signed [][]byte
	for _, r := range rs {
		signed = append(signed, r.Record)
	}
	if _, err := result.VerifyChain(d.key.Public().(ed25519.PublicKey), result.ChainState{}, signed); err != nil {
		t.Fatalf("platform chain: %v", err)
	}
}

func TestDrainAndAck(t *testing.T) {
	p := newPlatform(t, nil)
	d := newDevice(t, p, 1)
	d.record(t, 10)
	s := d.syncer(t, p, nil)
	drain(t, s)
	p.verify(t, d, 10)
	if n := d.pending(t); n != 0 {
		t.Errorf("outbox holds %d", n)
	}
	st := s.Status()
	if st.AckedSeq != 10 || st.Uploaded != 10 || st.Batches != 3 || st.Alarm() {
		t.Errorf("status %+v", st)
	}
	var signed []byte
	d.db.View(func(tx *store.Tx) error { signed, _ = tx.Meta(vsync.MetaAck); return nil })
	if a, err := syncwire.OpenAck(p.pub, signed); err != nil || a.Seq != 10 {
		t.Errorf("stored ack %+v, %v", a, err)
	}
}

// lossy performs requests but loses the answer of every n-th one.
type lossy struct {
	n, calls atomic.Int64
}

func (l *lossy) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && l.calls.Add(1)%l.n.Load() == 0 {
		res.Body.Close()
		return nil, errors.New("answer lost")
	}
	return res, err
}

// TestLostAnswersAndRestart loses answers (the platform stored the batch,
// the device never heard) and restarts the device mid-way: nothing is lost
// or stored twice.
func TestLostAnswersAndRestart(t *testing.T) {
	p := newPlatform(t, nil)
	d := newDevice(t, p, 2)
	d.record(t, 9)
	rt := &lossy{}
	rt.n.Store(2)
	s := d.syncer(t, p, func(c *vsync.Config) { c.HTTP = &http.Client{Transport: rt} })
	if _, err := s.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SyncOnce(context.Background()); err == nil {
		t.Fatal("lost answer reported success")
	}
	if n := d.pending(t); n != 5 {
		t.Fatalf("outbox %d, want 5 (second batch unacknowledged)", n)
	}
	// Restart: reopen the store, new Syncer.
	path := d.db.Path()
	d.db.Close()
	d.open(t, path)
	d.record(t, 3)
	drain(t, d.syncer(t, p, nil))
	p.verify(t, d, 12)
}

func TestRejectsForeignAck(t *testing.T) {
	p := newPlatform(t, nil)
	d := newDevice(t, p, 3)
	d.record(t, 2)
	other, _, _ := ed25519.GenerateKey(nil)
	s := d.syncer(t, p, func(c *vsync.Config) { c.PlatformKey = other })
	if _, err := s.SyncOnce(context.Background()); !errors.Is(err, syncwire.ErrAckSignature) {
		t.Fatalf("SyncOnce with wrong pinned key: %v", err)
	}
	if n := d.pending(t); n != 2 {
		t.Errorf("outbox %d after an unverifiable ack", n)
	}
}

func TestTruncationDetected(t *testing.T) {
	p := newPlatform(t, nil)
	d := newDevice(t, p, 4)
	d.record(t, 5)
	drain(t, d.syncer(t, p, nil))
	var ack []byte
	d.db.View(func(tx *store.Tx) error { ack, _ = tx.Meta(vsync.MetaAck); return nil })

	// The same device restored from an older backup: 3 records, newer ack.
	d.db.Close()
	d.open(t, filepath.Join(t.TempDir(), "restored.db"))
	d.record(t, 3)
	d.db.Update(func(tx *store.Tx) error { return tx.SetMeta(vsync.MetaAck, ack) })
	s := d.syncer(t, p, nil)
	st := runUntil(t, s, func(st vsync.Status) bool { return st.Permanent })
	if !st.AckAlarm || st.AckProblem == "" {
		t.Fatalf("truncation not detected: %+v", st)
	}
	if !st.Permanent {
		t.Errorf("re-sent forked records not refused permanently: %+v", st)
	}
	p.verify(t, d, 5)
}

func TestClockSkew(t *testing.T) {
	p := newPlatform(t, nil)
	d := newDevice(t, p, 5)
	d.record(t, 3)
	slow := func() time.Time { return time.Now().Add(-10 * time.Minute) }
	s := d.syncer(t, p, func(c *vsync.Config) { c.Now = slow })
	drain(t, s)
	st := s.Status()
	if !st.SkewAlarm || st.ClockSkew < 9*time.Minute || st.ClockSkew > 11*time.Minute {
		t.Fatalf("skew %v alarm %v", st.ClockSkew, st.SkewAlarm)
	}
	p.verify(t, d, 3)
}

func TestBackoffAndQueueAlarm(t *testing.T) {
	d := newDevice(t, nil, 6)
	d.record(t, 5)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"unavailable","message":"down"}`, http.StatusServiceUnavailable)
	}))
	defer down.Close()
	var mu gosync.Mutex
	var ceilings []time.Duration // backoff ceilings, recovered from the jitter calls
	pub, _, _ := ed25519.GenerateKey(nil)
	cfg := vsync.Config{URL: down.URL, Device: d.id, Signer: d.key, PlatformKey: pub, QueueAlarm: 5,
		MinBackoff: 8 * time.Millisecond, MaxBackoff: 64 * time.Millisecond,
		Jitter: func(half time.Duration) time.Duration {
			mu.Lock()
			ceilings = append(ceilings, 2*(half-1))
			mu.Unlock()
			return half - 1 // worst case: wait the whole ceiling
		}}
	s, err := vsync.New(d.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	s.Run(ctx)
	st := s.Status()
	if !st.QueueAlarm || st.Pending != 5 || st.Failures < 4 || st.Permanent || st.LastError == "" {
		t.Fatalf("status %+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{8, 16, 32, 64, 64}
	if len(ceilings) < len(want) {
		t.Fatalf("only %d backoffs: %v", len(ceilings), ceilings)
	}
	for i, w := range want {
		if ceilings[i] != w*time.Millisecond {
			t.Errorf("backoff %d ceiling %v, want %dms (all: %v)", i, ceilings[i], w, ceilings)
		}
	}
	if fmt.Sprint(st.State) != "stopped" {
		t.Errorf("state %v after Run", st.State)
	}
}

// TestPruneAcked prunes acknowledged results, keeping the chain head, and a
// restarted Syncer still finds its acknowledgement consistent.
func TestPruneAcked(t *testing.T) {
	p := newPlatform(t, nil)
	d := newDevice(t, p, 7)
	d.record(t, 6)
	drain(t, d.syncer(t, p, func(c *vsync.Config) { c.PruneAcked = true }))
	var kept []uint64
	d.db.View(func(tx *store.Tx) error {
		return tx.ForEachResult(0, func(seq uint64, _ []byte) error { kept = append(kept, seq); return nil })
	})
	if len(kept) != 1 || kept[0] != 6 {
		t.Fatalf("results kept after pruning: %v, want [6]", kept)
	}
	d.record(t, 2)
	s := d.syncer(t, p, nil)
	if st := runUntil(t, s, func(st vsync.Status) bool { return st.AckedSeq == 8 }); st.AckAlarm || st.AckedSeq != 8 {
		t.Fatalf("after restart: %+v", st)
	}
	p.verify(t, d, 8)
}

// runUntil runs s until cond holds for its status (or 20 s pass), stops it
// and returns the last status.
func runUntil(t *testing.T, s *vsync.Syncer, cond func(vsync.Status) bool) vsync.Status {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	for deadline := time.Now().Add(20 * time.Second); !cond(s.Status()) && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	return s.Status()
}

// TestShrinksOversizedBatches: a platform with a smaller body limit answers
// 413; the Syncer halves its batches until they fit.
func TestShrinksOversizedBatches(t *testing.T) {
	p := newPlatformLimits(t, nil, api.Limits{IngestBody: 2000, DeviceRate: 1000, DeviceBurst: 1000})
	d := newDevice(t, p, 8)
	d.record(t, 12)
	s := d.syncer(t, p, func(c *vsync.Config) { c.BatchRecords = 16 })
	st := runUntil(t, s, func(st vsync.Status) bool { return st.AckedSeq == 12 })
	if st.AckedSeq != 12 || st.Permanent {
		t.Fatalf("status %+v", st)
	}
	p.verify(t, d, 12)
}
