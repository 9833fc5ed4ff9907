package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/internal/pgtest"
)

// pg is started on first use by a PostgreSQL subtest and stopped by TestMain.
var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := pg.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// forEachBackend runs fn against a fresh SQLite file and a fresh PostgreSQL
// database. The PostgreSQL run is skipped (failed under CI=true) when the
// server binaries are missing.
func forEachBackend(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, openDB(t, "sqlite:"+filepath.Join(t.TempDir(), "p.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, err := pg.Database(t.Context())
		if errors.Is(err, pgtest.ErrUnavailable) {
			testenv.Missing(t, "%v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(t, openDB(t, dsn))
	})
}

func openDB(t *testing.T, dsn string) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), dsn, nil)
	if err != nil {
		t.Fatalf("Open(%s): %v", dsn, err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}
