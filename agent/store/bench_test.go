package store

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkAppendResult measures durable result commits (AppendResult plus
// outbox entry, one fsynced bbolt transaction each) against the reference
// of appending the same bytes to a plain file with one fdatasync, measured
// in the same run on the same filesystem. bbolt needs two syncs per commit
// (data pages, then the meta page), so about half the reference rate is the
// expected ceiling.
func BenchmarkAppendResult(b *testing.B) {
	record := make([]byte, 400) // a signed COSE result record is ~300-500 bytes
	b.Run("reference-fdatasync", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "ref"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		for b.Loop() {
			if _, err := f.Write(record); err != nil {
				b.Fatal(err)
			}
			if err := fdatasync(f); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
	})
	b.Run("store", func(b *testing.B) {
		db := openTest(b, &Options{SkipCheck: true})
		var seq uint64
		for b.Loop() {
			seq++
			if err := db.Update(func(tx *Tx) error { return tx.AppendResult(seq, record) }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
	})
}

// BenchmarkOpen measures Open of a store with 10,000 results, including the
// full consistency check run at boot.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "vouch.db")
	db, err := Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	record := make([]byte, 400)
	if err := db.Update(func(tx *Tx) error {
		for s := uint64(1); s <= 10000; s++ {
			if err := tx.AppendResult(s, record); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	db.Close()
	for b.Loop() {
		db, err := Open(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}
