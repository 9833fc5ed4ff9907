package store

import (
	"sync"
	"testing"
	"time"
)

// TestEraseExpiredSparesRenewed races EraseExpired against a renewal of the
// expired subject. Whichever commits first, the renewed subject must exist
// afterwards: an expiry sweep may only erase what is expired when it erases.
func TestEraseExpiredSparesRenewed(t *testing.T) {
	db := openTest(t, nil)
	for i := range 300 {
		if err := db.Update(func(tx *Tx) error { return tx.PutSubject(Subject{ID: "s", Expires: t0.Add(-time.Hour)}) }); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, _, err := db.EraseExpired(t0); err != nil {
				t.Error(err)
			}
		})
		wg.Go(func() {
			if err := db.Update(func(tx *Tx) error { return tx.PutSubject(Subject{ID: "s", Expires: t0.Add(time.Hour)}) }); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		err := db.View(func(tx *Tx) error {
			_, err := tx.Subject("s")
			return err
		})
		if err != nil {
			t.Fatalf("trial %d: renewed subject erased: %v", i, err)
		}
	}
}
