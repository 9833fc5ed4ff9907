// Package storetest opens throwaway stores for tests of packages built on
// agent/store. Only _test.go files import it.
package storetest

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/vouchkiosk/vouch/agent/store"
)

// Open opens a new store in a temporary directory. On cleanup it runs the
// store's full consistency check, failing the test if the code under test
// left the file inconsistent, and closes the store.
func Open(tb testing.TB, opts *store.Options) *store.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "vouch.db")
	db, err := store.Open(path, opts)
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", path, err)
	}
	tb.Cleanup(func() {
		err := db.Check()
		if errors.Is(err, store.ErrClosed) {
			return // the test closed it itself
		}
		if err != nil {
			tb.Errorf("storetest: store inconsistent after test: %v", err)
		}
		if err := db.Close(); err != nil {
			tb.Errorf("storetest: close: %v", err)
		}
	})
	return db
}
