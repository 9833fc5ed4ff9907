package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/internal/devicetest"
)

// fuzzServer is a platform with one organisation, an admin token and a
// registered device, served in-process (no sockets).
func fuzzServer(f *testing.F) (*api.Server, *db.DB, string, string, *devicetest.Device) {
	ctx := context.Background()
	d, err := db.Open(ctx, "sqlite:"+filepath.Join(f.TempDir(), "p.db"), nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { d.Close() })
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	srv, err := api.New(api.Options{DB: d, Key: key, Limits: api.Limits{DeviceRate: 1e9, DeviceBurst: 1e9, AdminRate: 1e9, AdminBurst: 1e9, AddrRate: 1e9, AddrBurst: 1e9}})
	if err != nil {
		f.Fatal(err)
	}
	o, _ := d.CreateOrg(ctx, "o")
	tok, hash := api.NewToken()
	if _, err := d.CreateAdmin(ctx, o.ID, "root", db.RoleAdmin, hash); err != nil {
		f.Fatal(err)
	}
	dev := devicetest.New(1)
	if _, err := d.CreateDevice(ctx, o.ID, db.Device{ID: dev.ID, PublicKey: dev.Pub}); err != nil {
		f.Fatal(err)
	}
	return srv, d, o.ID, tok, dev
}

// FuzzIngestBody posts arbitrary bodies, correctly signed by a registered
// device: the answer is 200 only for a valid batch and never a 5xx.
func FuzzIngestBody(f *testing.F) {
	srv, d, org, _, dev := fuzzServer(f)
	good, _ := syncwire.EncodeBatch(syncwire.Batch{Records: devicetest.New(1).Records(2)})
	f.Add(good)
	f.Add([]byte{0xa1, 0x01, 0x81, 0x40})
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var nonce [syncwire.NonceSize]byte
		rand.Read(nonce[:])
		auth, err := syncwire.SignRequest(dev.Key, dev.ID, "POST", syncwire.PathResults, time.Now(), nonce, body)
		if err != nil {
			t.Fatal(err)
		}
		before, _ := d.CountResults(context.Background(), org, "")
		req := httptest.NewRequest("POST", syncwire.PathResults, bytes.NewReader(body))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", syncwire.ContentTypeCBOR)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		after, _ := d.CountResults(context.Background(), org, "")
		switch {
		case w.Code >= 500:
			t.Fatalf("status %d: %s", w.Code, w.Body)
		case w.Code != http.StatusOK && after != before:
			t.Fatalf("status %d but %d records stored", w.Code, after-before)
		}
	})
}

// FuzzAdminJSON posts arbitrary bodies to every admin endpoint that takes
// JSON: never a 5xx.
func FuzzAdminJSON(f *testing.F) {
	srv, _, _, tok, _ := fuzzServer(f)
	for _, s := range []string{`{"name":"e"}`, `{"public_key":"AAAA"}`, `{"ref":"r","envelope":"AQI="}`, `{"name":"a","role":"auditor"}`, `[`, `{"name":1}`} {
		for p := range 4 {
			f.Add(uint8(p), []byte(s))
		}
	}
	paths := []string{"/v1/admin/events", "/v1/admin/devices", "/v1/admin/subjects", "/v1/admin/admins"}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		req := httptest.NewRequest("POST", paths[int(which)%len(paths)], bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
	})
}
