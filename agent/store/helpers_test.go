package store

import (
	"path/filepath"
	"testing"
	"time"
)

// openTest opens a fresh store in a temporary directory and, on cleanup,
// checks its consistency and closes it.
func openTest(tb testing.TB, opts *Options) *DB {
	tb.Helper()
	return openAt(tb, filepath.Join(tb.TempDir(), "vouch.db"), opts)
}

func openAt(tb testing.TB, path string, opts *Options) *DB {
	tb.Helper()
	db, err := Open(path, opts)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Check(); err != nil && err != ErrClosed {
			tb.Errorf("Check after test: %v", err)
		}
		db.Close()
	})
	return db
}

// fixedClock returns a clock that reports t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func mustUpdate(tb testing.TB, db *DB, fn func(*Tx) error) {
	tb.Helper()
	if err := db.Update(fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

func mustView(tb testing.TB, db *DB, fn func(*Tx) error) {
	tb.Helper()
	if err := db.View(fn); err != nil {
		tb.Fatalf("View: %v", err)
	}
}
