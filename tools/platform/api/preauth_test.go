package api_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/api"
)

// watchedBody is an upload body that records whether the server read it.
type watchedBody struct {
	r    io.Reader
	read atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.r.Read(p)
}

func (b *watchedBody) Close() error { return nil }

// TestUploadAuthBeforeBody checks that an upload whose Authorization header
// is malformed, stale or names an unknown device is refused before a byte
// of its body is read, so unauthenticated slow uploads cannot pin memory,
// and that a well-formed request from a known device still is read.
func TestUploadAuthBeforeBody(t *testing.T) {
	e := newEnv(t, "sqlite:"+t.TempDir()+"/p.db", api.Limits{DeviceRate: 1000, DeviceBurst: 1000})
	dev := e.orgs[0].dev
	body, err := syncwire.EncodeBatch(syncwire.Batch{Records: dev.Records(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)
	header := func(key ed25519.PrivateKey, id string, at time.Time) string {
		var nonce [syncwire.NonceSize]byte
		rand.Read(nonce[:])
		h, err := syncwire.SignRequest(key, id, "POST", syncwire.PathResults, at, nonce, body)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, tc := range []struct {
		name     string
		auth     string
		status   int
		reason   string
		wantRead bool
	}{
		{"missing", "", http.StatusUnauthorized, syncwire.ReasonUnauthorized, false},
		{"malformed", syncwire.AuthScheme + " device=x", http.StatusUnauthorized, syncwire.ReasonUnauthorized, false},
		{"unknown device", header(stranger, "dev-unknown", time.Now()), http.StatusUnauthorized, syncwire.ReasonUnknownDevice, false},
		{"stale", header(dev.Key, dev.ID, time.Now().Add(-time.Hour)), http.StatusUnauthorized, syncwire.ReasonStale, false},
		{"future", header(dev.Key, dev.ID, time.Now().Add(time.Hour)), http.StatusUnauthorized, syncwire.ReasonStale, false},
		{"valid", header(dev.Key, dev.ID, time.Now()), http.StatusOK, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wb := &watchedBody{r: strings.NewReader(string(body))}
			req := httptest.NewRequest("POST", syncwire.PathResults, wb)
			req.ContentLength = int64(len(body))
			req.Header.Set("Content-Type", syncwire.ContentTypeCBOR)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.reason != "" && !strings.Contains(rec.Body.String(), `"`+tc.reason+`"`) {
				t.Errorf("answer %s, want reason %q", rec.Body, tc.reason)
			}
			if wb.read.Load() != tc.wantRead {
				t.Errorf("body read = %v, want %v", wb.read.Load(), tc.wantRead)
			}
		})
	}
}
