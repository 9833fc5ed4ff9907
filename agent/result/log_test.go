package result

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/store"
)

// stepClock is a deterministic Clock: every call advances by one second.
type stepClock struct{ n atomic.Int64 }

func (c *stepClock) Now() Stamp {
	n := c.n.Add(1)
	return Stamp{
		BootID:  "test-boot",
		Mono:    time.Duration(n) * time.Second,
		Wall:    time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second),
		Quality: TimeRTC,
	}
}

func openStore(tb testing.TB, path string) *store.DB {
	tb.Helper()
	db, err := store.Open(path, nil)
	if err != nil {
		tb.Fatalf("store.Open(%s): %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func newTestLog(tb testing.TB, db *store.DB, opts *LogOptions) *Log {
	tb.Helper()
	if opts == nil {
		opts = &LogOptions{}
	}
	if opts.Clock == nil {
		opts.Clock = &stepClock{}
	}
	l, err := NewLog(db, testKey(0), opts)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// request returns the caller-supplied part of a record.
func request() *Record {
	return &Record{Mode: ModeRoster, Decision: DecisionAccept, Score: 0.734, Liveness: LivenessPass,
		Thresholds: Thresholds{Match: 0.6, Liveness: 0.5}, Models: []string{"m1"}}
}

func TestLogAppend(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "vouch.db"))
	l := newTestLog(t, db, &LogOptions{Dev: true})
	var prev [32]byte
	for i := uint64(1); i <= 5; i++ {
		r := request()
		seq, err := l.Append(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if seq != i || r.Seq != i || r.Device != DeviceID(pubOf(testKey(0))) || !r.Dev || r.BootID != "test-boot" ||
			r.TimeQuality != TimeRTC || r.PrevHash != prev {
			t.Fatalf("append %d: seq %d, record %+v", i, seq, r)
		}
		head, err := l.Head()
		if err != nil || head.Seq != i {
			t.Fatalf("Head = %v, %v", head, err)
		}
		prev = head.Hash
	}
	head, err := l.Verify(context.Background())
	if err != nil || head.Seq != 5 || head.Hash != prev {
		t.Errorf("Verify = %v, %v", head, err)
	}
	var outbox int
	if err := db.View(func(tx *store.Tx) error { var err error; outbox, err = tx.OutboxLen(); return err }); err != nil || outbox != 5 {
		t.Errorf("outbox holds %d (%v), want 5: record and outbox entry are written together", outbox, err)
	}
}

func TestLogAppendErrors(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "vouch.db"))
	l := newTestLog(t, db, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Append(ctx, request()); !errors.Is(err, context.Canceled) {
		t.Errorf("Append with cancelled ctx = %v", err)
	}
	bad := request()
	bad.Mode = 0
	if _, err := l.Append(context.Background(), bad); !errors.Is(err, ErrInvalid) {
		t.Errorf("Append invalid = %v, want ErrInvalid", err)
	}
	if head, _ := l.Head(); head.Seq != 0 {
		t.Errorf("failed appends wrote something: head %d", head.Seq)
	}
}

func TestNewLogRefusesForeignStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vouch.db")
	db := openStore(t, path)
	if _, err := newTestLog(t, db, nil).Append(context.Background(), request()); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLog(db, testKey(1), &LogOptions{Clock: &stepClock{}}); !errors.Is(err, ErrWrongDevice) {
		t.Errorf("NewLog with another device's key = %v, want ErrWrongDevice", err)
	}
}

func TestLogConcurrentAppends(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "vouch.db"))
	l := newTestLog(t, db, nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 5 {
				if _, err := l.Append(context.Background(), request()); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if head, err := l.Verify(context.Background()); err != nil || head.Seq != 20 {
		t.Errorf("Verify after concurrent appends = %v, %v", head, err)
	}
}

func TestVerifyStoredDetectsTamper(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "vouch.db"))
	l := newTestLog(t, db, nil)
	for range 4 {
		if _, err := l.Append(context.Background(), request()); err != nil {
			t.Fatal(err)
		}
	}
	// Swap the values stored under seq 2 and 3 by rebuilding a store that
	// holds them in the wrong order.
	var recs [][]byte
	db.View(func(tx *store.Tx) error {
		return tx.ForEachResult(1, func(_ uint64, b []byte) error { recs = append(recs, append([]byte(nil), b...)); return nil })
	})
	db2 := openStore(t, filepath.Join(t.TempDir(), "swapped.db"))
	err := db2.Update(func(tx *store.Tx) error {
		for i, j := range []int{0, 2, 1, 3} {
			if err := tx.AppendResult(uint64(i+1), recs[j]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = VerifyStored(context.Background(), db2, pubOf(testKey(0)))
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Err != ErrReorder || ce.Index != 1 {
		t.Errorf("VerifyStored on swapped store = %v, want ErrReorder at index 1", err)
	}
}

// BenchmarkAppend measures a full durable append (sign + chain + fsynced
// bbolt commit of record and outbox entry) against its two parts measured
// in the same run: signing alone and a durable commit of pre-signed bytes.
func BenchmarkAppend(b *testing.B) {
	b.Run("sign-only", func(b *testing.B) {
		k := testKey(0)
		r := sampleRecord(k, 1, [32]byte{})
		for b.Loop() {
			if _, err := Sign(r, k); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("commit-only", func(b *testing.B) {
		db := openStore(b, filepath.Join(b.TempDir(), "vouch.db"))
		signed := makeChain(b, testKey(0), 1)[0]
		var seq uint64
		for b.Loop() {
			seq++
			if err := db.Update(func(tx *store.Tx) error { return tx.AppendResult(seq, signed) }); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("append", func(b *testing.B) {
		db := openStore(b, filepath.Join(b.TempDir(), "vouch.db"))
		l := newTestLog(b, db, nil)
		ctx := context.Background()
		for b.Loop() {
			if _, err := l.Append(ctx, request()); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	})
}

func openChildStore(path string) (*store.DB, error) { return store.Open(path, nil) }

func TestVerifyStoredAfterPrune(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "vouch.db"))
	l := newTestLog(t, db, nil)
	for range 6 {
		if _, err := l.Append(context.Background(), request()); err != nil {
			t.Fatal(err)
		}
	}
	err := db.Update(func(tx *store.Tx) error {
		if err := tx.DeleteOutbox(4); err != nil {
			return err
		}
		return tx.PruneResults(4)
	})
	if err != nil {
		t.Fatal(err)
	}
	head, err := l.Verify(context.Background())
	if err != nil || head.Seq != 6 {
		t.Errorf("Verify after pruning seqs 1-3 = %v, %v; want head 6", head, err)
	}
	if _, err := l.Append(context.Background(), request()); err != nil {
		t.Errorf("append after prune: %v", err)
	}
	if head, err := l.Verify(context.Background()); err != nil || head.Seq != 7 {
		t.Errorf("Verify = %v, %v; want head 7", head, err)
	}
}

// TestVerifyStoredBatches checks chains longer than one verification batch,
// and that a break in a later batch is reported at its global index.
func TestVerifyStoredBatches(t *testing.T) {
	const batch = 16
	chain := makeChain(t, testKey(0), 2*batch+10)
	fill := func(recs [][]byte) *store.DB {
		db := openStore(t, filepath.Join(t.TempDir(), "vouch.db"))
		err := db.Update(func(tx *store.Tx) error {
			for i, r := range recs {
				if err := tx.AppendResult(uint64(i+1), r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	head, err := verifyStored(context.Background(), fill(chain), pubOf(testKey(0)), batch)
	if err != nil || head.Seq != uint64(len(chain)) {
		t.Fatalf("VerifyStored = %v, %v", head, err)
	}
	gap := batch + 5 // index of the deleted record, in the second batch
	cut := append(append([][]byte(nil), chain[:gap]...), chain[gap+1:]...)
	_, err = verifyStored(context.Background(), fill(cut), pubOf(testKey(0)), batch)
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Err != ErrGap || ce.Index != gap || ce.Seq != uint64(gap+2) {
		t.Errorf("VerifyStored with seq %d deleted = %v, want ErrGap at index %d", gap+1, err, gap)
	}
}

// stallClock stamps like stepClock, but its first stamp waits (up to a
// timeout) for a second caller and then lets that caller run ahead: the
// interleaving of two appends whose stamps race their transactions.
type stallClock struct {
	stepClock
	calls  atomic.Int32
	second chan struct{}
}

func (c *stallClock) Now() Stamp {
	s := c.stepClock.Now()
	switch c.calls.Add(1) {
	case 1:
		select {
		case <-c.second:
			time.Sleep(50 * time.Millisecond)
		case <-time.After(200 * time.Millisecond):
		}
	case 2:
		close(c.second)
	}
	return s
}

// TestLogStampsFollowSeq checks that a record's monotonic and wall times
// are never earlier than those of the record before it in the chain, even
// when appends run concurrently.
func TestLogStampsFollowSeq(t *testing.T) {
	db := openStore(t, filepath.Join(t.TempDir(), "vouch.db"))
	l := newTestLog(t, db, &LogOptions{Clock: &stallClock{second: make(chan struct{})}})
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
			if _, err := l.Append(context.Background(), request()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var prev *Record
	err := db.View(func(tx *store.Tx) error {
		return tx.ForEachResult(1, func(seq uint64, b []byte) error {
			rec, err := Open(pubOf(testKey(0)), b)
			if err != nil {
				return err
			}
			if prev != nil && (rec.Mono < prev.Mono || rec.Wall.Before(prev.Wall)) {
				t.Errorf("seq %d stamped %v/%v, before seq %d's %v/%v", seq, rec.Mono, rec.Wall, prev.Seq, prev.Mono, prev.Wall)
			}
			prev = rec
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
}
