package store

import (
	"bytes"
	"sync"
	"testing"
)

// TestConcurrentUse runs writers, readers and compactions at once (under
// -race in CI): every append lands exactly once, readers always see a
// consistent snapshot, and compaction never loses a commit.
func TestConcurrentUse(t *testing.T) {
	db := openTest(t, nil)
	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range writers {
		wg.Go(func() {
			for range perWriter {
				if err := db.Update(func(tx *Tx) error {
					last, _, err := tx.LastResult()
					if err != nil {
						return err
					}
					return tx.AppendResult(last+1, rec(last+1))
				}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := db.View(func(tx *Tx) error {
				last, r, err := tx.LastResult()
				if err != nil || (last > 0 && !bytes.Equal(r, rec(last))) {
					t.Errorf("reader: LastResult = %d, %q, %v", last, r, err)
				}
				n, err := tx.OutboxLen()
				if err != nil || n != int(last) {
					t.Errorf("reader: outbox %d, %v at last %d", n, err, last)
				}
				return nil
			}); err != nil {
				errs <- err
				return
			}
		}
	})
	bg.Go(func() {
		for range 5 {
			if err := db.Compact(); err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	bg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	mustView(t, db, func(tx *Tx) error {
		if last, _, _ := tx.LastResult(); last != writers*perWriter {
			t.Errorf("last = %d, want %d", last, writers*perWriter)
		}
		return nil
	})
}
