package store

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func rec(seq uint64) []byte { return []byte(fmt.Sprintf("record-%d", seq)) }

func appendN(tb testing.TB, db *DB, from, to uint64) {
	tb.Helper()
	mustUpdate(tb, db, func(tx *Tx) error {
		for s := from; s <= to; s++ {
			if err := tx.AppendResult(s, rec(s)); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestAppendResultOrder(t *testing.T) {
	db := openTest(t, nil)
	mustView(t, db, func(tx *Tx) error {
		seq, r, err := tx.LastResult()
		if seq != 0 || r != nil || err != nil {
			t.Errorf("empty LastResult = %d, %q, %v; want 0, nil, nil", seq, r, err)
		}
		return nil
	})
	tests := []struct {
		seq  uint64
		want error
	}{
		{0, ErrSeqOrder},
		{2, ErrSeqOrder},
		{1, nil},
		{1, ErrSeqOrder}, // replay
		{3, ErrSeqOrder}, // gap
		{2, nil},
	}
	for _, tc := range tests {
		err := db.Update(func(tx *Tx) error { return tx.AppendResult(tc.seq, rec(tc.seq)) })
		if !errors.Is(err, tc.want) {
			t.Errorf("AppendResult(%d) = %v, want %v", tc.seq, err, tc.want)
		}
	}
	mustView(t, db, func(tx *Tx) error {
		seq, r, err := tx.LastResult()
		if err != nil || seq != 2 || !bytes.Equal(r, rec(2)) {
			t.Errorf("LastResult = %d, %q, %v; want 2, %q", seq, r, err, rec(2))
		}
		if n, err := tx.OutboxLen(); n != 2 || err != nil {
			t.Errorf("OutboxLen = %d, %v; want 2", n, err)
		}
		return nil
	})
}

func TestAppendResultRollback(t *testing.T) {
	db := openTest(t, nil)
	boom := errors.New("boom")
	err := db.Update(func(tx *Tx) error {
		if err := tx.AppendResult(1, rec(1)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	mustView(t, db, func(tx *Tx) error {
		if seq, _, _ := tx.LastResult(); seq != 0 {
			t.Errorf("rolled-back append is visible: last seq %d", seq)
		}
		if n, _ := tx.OutboxLen(); n != 0 {
			t.Errorf("rolled-back outbox entry is visible: len %d", n)
		}
		return nil
	})
}

func TestRecordLimits(t *testing.T) {
	db := openTest(t, nil)
	for _, r := range [][]byte{nil, {}, make([]byte, MaxBlob+1)} {
		err := db.Update(func(tx *Tx) error { return tx.AppendResult(1, r) })
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("AppendResult(%d bytes) = %v, want ErrInvalid", len(r), err)
		}
	}
}

func TestOutboxAckAndPrune(t *testing.T) {
	db := openTest(t, nil)
	appendN(t, db, 1, 10)

	outbox := func() []uint64 {
		var got []uint64
		mustView(t, db, func(tx *Tx) error {
			return tx.ForEachOutbox(func(seq uint64, r []byte) error {
				if !bytes.Equal(r, rec(seq)) {
					t.Errorf("outbox %d holds %q", seq, r)
				}
				got = append(got, seq)
				return nil
			})
		})
		return got
	}
	if got := outbox(); len(got) != 10 || got[0] != 1 || got[9] != 10 {
		t.Fatalf("outbox = %v, want 1..10", got)
	}

	// Pruning unacknowledged results is refused and changes nothing.
	if err := db.Update(func(tx *Tx) error { return tx.PruneResults(5) }); !errors.Is(err, ErrUnacknowledged) {
		t.Errorf("PruneResults(5) before ack = %v, want ErrUnacknowledged", err)
	}
	if err := db.Update(func(tx *Tx) error { return tx.DeleteOutbox(11) }); !errors.Is(err, ErrAckAhead) {
		t.Errorf("DeleteOutbox(11) = %v, want ErrAckAhead", err)
	}
	mustUpdate(t, db, func(tx *Tx) error { return tx.DeleteOutbox(6) })
	mustUpdate(t, db, func(tx *Tx) error { return tx.DeleteOutbox(3) }) // stale ack: no-op
	if got := outbox(); len(got) != 4 || got[0] != 7 {
		t.Fatalf("outbox after ack 6 = %v, want 7..10", got)
	}
	if err := db.Update(func(tx *Tx) error { return tx.PruneResults(8) }); !errors.Is(err, ErrUnacknowledged) {
		t.Errorf("PruneResults(8) with ack 6 = %v, want ErrUnacknowledged", err)
	}
	mustUpdate(t, db, func(tx *Tx) error { return tx.PruneResults(7) })
	mustView(t, db, func(tx *Tx) error {
		if _, err := tx.Result(6); !errors.Is(err, ErrNotFound) {
			t.Errorf("Result(6) after prune = %v, want ErrNotFound", err)
		}
		if r, err := tx.Result(7); err != nil || !bytes.Equal(r, rec(7)) {
			t.Errorf("Result(7) = %q, %v", r, err)
		}
		var seqs []uint64
		tx.ForEachResult(0, func(seq uint64, _ []byte) error { seqs = append(seqs, seq); return nil })
		if len(seqs) != 4 || seqs[0] != 7 {
			t.Errorf("results after prune = %v, want 7..10", seqs)
		}
		return nil
	})

	// Ack everything: the latest result must survive pruning.
	mustUpdate(t, db, func(tx *Tx) error { return tx.DeleteOutbox(10) })
	if err := db.Update(func(tx *Tx) error { return tx.PruneResults(11) }); !errors.Is(err, ErrUnacknowledged) {
		t.Errorf("PruneResults(11) = %v, want ErrUnacknowledged (keeps latest)", err)
	}
	mustUpdate(t, db, func(tx *Tx) error { return tx.PruneResults(10) })
	appendN(t, db, 11, 11)
	mustView(t, db, func(tx *Tx) error {
		seq, r, err := tx.LastResult()
		if seq != 11 || !bytes.Equal(r, rec(11)) || err != nil {
			t.Errorf("LastResult = %d, %q, %v", seq, r, err)
		}
		if n, _ := tx.OutboxLen(); n != 1 {
			t.Errorf("OutboxLen = %d, want 1", n)
		}
		return nil
	})
}

func TestForEachStop(t *testing.T) {
	db := openTest(t, nil)
	appendN(t, db, 1, 5)
	mustView(t, db, func(tx *Tx) error {
		n := 0
		err := tx.ForEachOutbox(func(uint64, []byte) error {
			n++
			if n == 2 {
				return ErrStop
			}
			return nil
		})
		if err != nil || n != 2 {
			t.Errorf("ForEachOutbox with ErrStop = %v after %d, want nil after 2", err, n)
		}
		boom := errors.New("boom")
		if err := tx.ForEachResult(3, func(uint64, []byte) error { return boom }); !errors.Is(err, boom) {
			t.Errorf("ForEachResult error = %v, want boom", err)
		}
		return nil
	})
}

func TestReturnedBytesAreCopies(t *testing.T) {
	db := openTest(t, nil)
	appendN(t, db, 1, 1)
	var r []byte
	mustView(t, db, func(tx *Tx) (err error) { _, r, err = tx.LastResult(); return })
	mustUpdate(t, db, func(tx *Tx) error { return tx.SetMeta("k", []byte("v")) })
	// Touching the bytes after the transaction must be safe and must not
	// change the store.
	for i := range r {
		r[i] = 'x'
	}
	mustView(t, db, func(tx *Tx) error {
		got, _ := tx.Result(1)
		if !bytes.Equal(got, rec(1)) {
			t.Errorf("store changed through returned slice: %q", got)
		}
		return nil
	})
}

func TestStats(t *testing.T) {
	db := openTest(t, nil)
	appendN(t, db, 1, 6)
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.DeleteOutbox(4); err != nil {
			return err
		}
		if err := tx.PruneResults(3); err != nil {
			return err
		}
		if err := tx.PutSubject(Subject{ID: "s"}); err != nil {
			return err
		}
		return tx.AppendAudit([]byte("e"))
	})
	st, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{FileBytes: st.FileBytes, Schema: currentSchema, Subjects: 1, Results: 4, LastResult: 6, Acked: 4, Outbox: 2, AuditEvents: 1}
	if st != want || st.FileBytes <= 0 {
		t.Errorf("Stats = %+v, want %+v", st, want)
	}
}
