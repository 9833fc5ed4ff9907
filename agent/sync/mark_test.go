package sync_test

import (
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/vouchkiosk/vouch/agent/store"
	vsync "github.com/vouchkiosk/vouch/agent/sync"
)

// setStoredMark closes d's store, writes mark as its acknowledged
// high-water mark directly into the bbolt file and drops the outbox up to it
// (so the store's own consistency check passes), as someone editing the
// file would, and reopens it.
func (d *device) setStoredMark(t *testing.T, mark uint64) {
	t.Helper()
	path := d.db.Path()
	if err := d.db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for seq := uint64(1); seq <= mark; seq++ {
			if err := tx.Bucket([]byte("outbox")).Delete(binary.BigEndian.AppendUint64(nil, seq)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("store.result-acked"), binary.BigEndian.AppendUint64(nil, mark))
	})
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	d.open(t, path)
}

func (d *device) resultSeqs(t *testing.T) []uint64 {
	t.Helper()
	var seqs []uint64
	if err := d.db.View(func(tx *store.Tx) error {
		return tx.ForEachResult(0, func(seq uint64, _ []byte) error { seqs = append(seqs, seq); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// TestEditedMarkNotTrusted raises the stored acknowledged mark above the
// stored signed acknowledgement (or sets one with no acknowledgement at
// all): the Syncer must raise the ack alarm on load and neither prune nor
// drop anything, even when the platform later acknowledges more.
func TestEditedMarkNotTrusted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		synced int // records acknowledged before the edit
	}{
		{"above signed ack", 3},
		{"without signed ack", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlatform(t, nil)
			d := newDevice(t, p, 20+byte(tc.synced))
			prune := func(c *vsync.Config) { c.PruneAcked = true }
			if tc.synced > 0 {
				d.record(t, tc.synced)
				drain(t, d.syncer(t, p, prune))
			}
			d.record(t, 3)
			before := d.resultSeqs(t)
			last := before[len(before)-1]
			d.setStoredMark(t, last)

			s := d.syncer(t, p, prune)
			st := runUntil(t, s, func(st vsync.Status) bool { return st.AckAlarm })
			if !st.AckAlarm || st.AckProblem == "" {
				t.Fatalf("edited mark not detected: %+v", st)
			}
			d.record(t, 1)
			if _, err := s.SyncOnce(context.Background()); !errors.Is(err, vsync.ErrAck) {
				t.Fatalf("SyncOnce with an edited mark: %v, want ErrAck", err)
			}
			if got := d.resultSeqs(t); len(got) != len(before)+1 {
				t.Errorf("results %v after an edited mark, want %v and %d kept", got, before, last+1)
			}
			if n := d.pending(t); n != 1 {
				t.Errorf("outbox %d after an edited mark, want 1", n)
			}
			if st := s.Status(); !st.AckAlarm {
				t.Errorf("alarm cleared: %+v", st)
			}
		})
	}
}

// TestMarkBoundAcrossRestart checks that an honest store, pruned and
// reopened, is not mistaken for an edited one.
func TestMarkBoundAcrossRestart(t *testing.T) {
	p := newPlatform(t, nil)
	d := newDevice(t, p, 30)
	d.record(t, 5)
	drain(t, d.syncer(t, p, func(c *vsync.Config) { c.PruneAcked = true }))
	path := d.db.Path()
	d.db.Close()
	d.open(t, filepath.Clean(path))
	d.record(t, 2)
	s := d.syncer(t, p, func(c *vsync.Config) { c.PruneAcked = true })
	if st := runUntil(t, s, func(st vsync.Status) bool { return st.AckedSeq == 7 }); st.AckAlarm {
		t.Fatalf("honest store raised the alarm: %+v", st)
	}
}
