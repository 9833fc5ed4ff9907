package api_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/internal/testenv"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/internal/devicetest"
	"github.com/vouchkiosk/vouch/tools/platform/internal/pgtest"
)

var pg pgtest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := pg.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// env is a running platform with two organisations.
type env struct {
	t      *testing.T
	db     *db.DB
	srv    *api.Server
	hs     *httptest.Server
	pub    ed25519.PublicKey
	orgs   [2]tenant
	limits api.Limits
}

// tenant is one organisation with a token per role and one device.
type tenant struct {
	org    db.Org
	tokens map[db.Role]string
	dev    *devicetest.Device
	event  db.Event
}

func forEachBackend(t *testing.T, limits api.Limits, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) {
		fn(t, newEnv(t, "sqlite:"+filepath.Join(t.TempDir(), "p.db"), limits))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn, err := pg.Database(t.Context())
		if errors.Is(err, pgtest.ErrUnavailable) {
			testenv.Missing(t, "%v", err)
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(t, newEnv(t, dsn, limits))
	})
}

func newEnv(t *testing.T, dsn string, limits api.Limits) *env {
	t.Helper()
	ctx := context.Background()
	d, err := db.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	srv, err := api.New(api.Options{DB: d, Key: key, Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	e := &env{t: t, db: d, srv: srv, hs: hs, pub: pub, limits: limits}
	for i := range e.orgs {
		o, err := d.CreateOrg(ctx, fmt.Sprintf("org%d", i))
		if err != nil {
			t.Fatal(err)
		}
		tn := tenant{org: o, tokens: map[db.Role]string{}, dev: devicetest.New(uint64(100 + i))}
		for _, r := range []db.Role{db.RoleAdmin, db.RoleOperator, db.RoleAuditor} {
			tok, hash := api.NewToken()
			if _, err := d.CreateAdmin(ctx, o.ID, string(r), r, hash); err != nil {
				t.Fatal(err)
			}
			tn.tokens[r] = tok
		}
		if tn.event, err = d.CreateEvent(ctx, o.ID, "event"); err != nil {
			t.Fatal(err)
		}
		if _, err := d.CreateDevice(ctx, o.ID, db.Device{ID: tn.dev.ID, PublicKey: tn.dev.Pub, Event: tn.event.ID}); err != nil {
			t.Fatal(err)
		}
		e.orgs[i] = tn
	}
	return e
}

// response is a decoded reply.
type response struct {
	status  int
	body    []byte
	problem syncwire.Problem
}

func (e *env) do(req *http.Request) response {
	e.t.Helper()
	res, err := e.hs.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, body: b}
	if res.StatusCode >= 400 {
		if err := json.Unmarshal(b, &r.problem); err != nil {
			e.t.Fatalf("error body %q is not a Problem: %v", b, err)
		}
	}
	return r
}

// admin sends an admin request with token; body is JSON-encoded unless it
// is already []byte.
func (e *env) admin(token, method, path string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.hs.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return e.do(req)
}

// signed builds a device request signed by key as device id.
func (e *env) signed(key ed25519.PrivateKey, id, method, path string, body []byte, now time.Time) *http.Request {
	e.t.Helper()
	var nonce [syncwire.NonceSize]byte
	rand.Read(nonce[:])
	h, err := syncwire.SignRequest(key, id, method, path, now, nonce, body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest(method, e.hs.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", h)
	req.Header.Set("Content-Type", syncwire.ContentTypeCBOR)
	return req
}

// upload posts records as dev.
func (e *env) upload(dev *devicetest.Device, records [][]byte) response {
	e.t.Helper()
	body, err := syncwire.EncodeBatch(syncwire.Batch{Records: records})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(e.signed(dev.Key, dev.ID, "POST", syncwire.PathResults, body, time.Now()))
}

func (e *env) count(org string) int64 {
	e.t.Helper()
	n, err := e.db.CountResults(context.Background(), org, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// lastAudit returns the newest audit entry of org ("" = unattributed).
func (e *env) lastAudit(org string) db.AuditEntry {
	e.t.Helper()
	log, err := e.db.AuditLog(context.Background(), org, 0, 0)
	if err != nil || len(log) == 0 {
		e.t.Fatalf("no audit entries for org %q (%v)", org, err)
	}
	return log[len(log)-1]
}
