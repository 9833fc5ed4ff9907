package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	gosync "sync"
	"testing"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
)

// lockedBuffer is a log sink safe for the server's goroutines.
type lockedBuffer struct {
	mu gosync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestInternalErrorNotAudited breaks the events table under a running
// server: the 500's internal cause (SQL details) goes to the operator's
// slog, while the tenant-visible audit entry and the response carry only a
// generic reason and a reference that matches the log line.
func TestInternalErrorNotAudited(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "p.db")
	d, err := db.Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	var logs lockedBuffer
	srv, err := api.New(api.Options{DB: d, Key: key, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	o, err := d.CreateOrg(ctx, "o")
	if err != nil {
		t.Fatal(err)
	}
	tok, hash := api.NewToken()
	if _, err := d.CreateAdmin(ctx, o.ID, "a", db.RoleAdmin, hash); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("DROP TABLE events"); err != nil {
		t.Fatal(err)
	}

	req := httptest.NewRequest("GET", "/v1/admin/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	const secret = "no such table"
	if !strings.Contains(logs.String(), secret) {
		t.Errorf("log lacks the internal cause:\n%s", logs.String())
	}
	log, err := d.AuditLog(ctx, o.ID, 0, 0)
	if err != nil || len(log) == 0 {
		t.Fatalf("audit log: %v %v", log, err)
	}
	a := log[len(log)-1]
	if a.Outcome != "rejected" || a.Reason != syncwire.ReasonInternal {
		t.Fatalf("audit entry %+v, want an internal rejection", a)
	}
	if strings.Contains(a.Detail, secret) || strings.Contains(a.Detail, "events") {
		t.Errorf("audit detail leaks the internal cause: %q", a.Detail)
	}
	if strings.Contains(rec.Body.String(), secret) {
		t.Errorf("response leaks the internal cause: %s", rec.Body)
	}
	ref, ok := strings.CutPrefix(a.Detail[strings.LastIndex(a.Detail, " ")+1:], "ref=")
	if !ok || len(ref) < 8 || !strings.Contains(logs.String(), ref) || !strings.Contains(rec.Body.String(), ref) {
		t.Errorf("audit detail %q has no reference shared with the log and the response:\nlog: %s\nbody: %s", a.Detail, logs.String(), rec.Body)
	}
}
