package api_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/internal/devicetest"
)

// TestBadInput sends each kind of bad request and checks the specific
// status and reason, an audit entry, and that nothing was stored.
func TestBadInput(t *testing.T) {
	type tc struct {
		name   string
		req    func(e *env) *http.Request
		status int
		reason string
		org    int // audit org: index into e.orgs, or -1 for unattributed
	}
	batch := func(e *env, recs [][]byte) []byte {
		b, err := syncwire.EncodeBatch(syncwire.Batch{Records: recs})
		if err != nil {
			e.t.Fatal(err)
		}
		return b
	}
	post := func(e *env, d *devicetest.Device, body []byte) *http.Request {
		return e.signed(d.Key, d.ID, "POST", syncwire.PathResults, body, time.Now())
	}
	tests := []tc{
		{"forged record signature", func(e *env) *http.Request {
			d := e.orgs[0].dev
			recs := d.Records(3)
			recs[2] = bytes.Clone(recs[2])
			recs[2][len(recs[2])-5] ^= 0x40
			return post(e, d, batch(e, recs))
		}, 422, syncwire.ReasonBadSignature, 0},
		{"forged request signature", func(e *env) *http.Request {
			d := e.orgs[0].dev
			other := devicetest.New(555)
			return e.signed(other.Key, d.ID, "POST", syncwire.PathResults, batch(e, d.Records(1)), time.Now())
		}, 401, syncwire.ReasonBadRequestSig, 0},
		{"unknown device", func(e *env) *http.Request {
			d := devicetest.New(556)
			return post(e, d, batch(e, d.Records(1)))
		}, 401, syncwire.ReasonUnknownDevice, -1},
		{"stale request", func(e *env) *http.Request {
			d := e.orgs[0].dev
			return e.signed(d.Key, d.ID, "POST", syncwire.PathResults, batch(e, d.Records(1)), time.Now().Add(-5*time.Minute))
		}, 401, syncwire.ReasonStale, 0},
		{"no authorization", func(e *env) *http.Request {
			req, _ := http.NewRequest("POST", e.hs.URL+syncwire.PathResults, bytes.NewReader([]byte{0xa0}))
			return req
		}, 401, syncwire.ReasonUnauthorized, -1},
		{"reordered records", func(e *env) *http.Request {
			d := e.orgs[0].dev
			r := d.Records(3)
			return post(e, d, batch(e, [][]byte{r[0], r[2], r[1]}))
		}, 422, syncwire.ReasonReordered, 0},
		{"other device's records", func(e *env) *http.Request {
			return post(e, e.orgs[0].dev, batch(e, e.orgs[1].dev.Records(1)))
		}, 422, syncwire.ReasonWrongDevice, 0},
		{"malformed CBOR", func(e *env) *http.Request {
			return post(e, e.orgs[0].dev, []byte{0xa1, 0x01, 0x9f, 0xff, 0x00})
		}, 400, syncwire.ReasonMalformed, 0},
		{"JSON instead of CBOR", func(e *env) *http.Request {
			return post(e, e.orgs[0].dev, []byte(`{"records":[]}`))
		}, 400, syncwire.ReasonMalformed, 0},
		{"oversized body", func(e *env) *http.Request {
			// The header is checked first, so the refusal is audited under
			// the claimed device's organisation.
			return post(e, e.orgs[0].dev, make([]byte, e.limits.IngestBody+1))
		}, 413, syncwire.ReasonTooLarge, 0},
		{"malformed admin JSON", func(e *env) *http.Request {
			req, _ := http.NewRequest("POST", e.hs.URL+"/v1/admin/events", bytes.NewReader([]byte(`{"name": "x"`)))
			req.Header.Set("Authorization", "Bearer "+e.orgs[0].tokens[db.RoleAdmin])
			return req
		}, 400, syncwire.ReasonMalformed, 0},
		{"unknown admin JSON field", func(e *env) *http.Request {
			req, _ := http.NewRequest("POST", e.hs.URL+"/v1/admin/events", bytes.NewReader([]byte(`{"name": "x", "org": "y"}`)))
			req.Header.Set("Authorization", "Bearer "+e.orgs[0].tokens[db.RoleAdmin])
			return req
		}, 400, syncwire.ReasonMalformed, 0},
		{"oversized admin JSON", func(e *env) *http.Request {
			req, _ := http.NewRequest("POST", e.hs.URL+"/v1/admin/events", bytes.NewReader(make([]byte, e.limits.AdminBody+1)))
			req.Header.Set("Authorization", "Bearer "+e.orgs[0].tokens[db.RoleAdmin])
			return req
		}, 413, syncwire.ReasonTooLarge, 0},
		{"wrong method", func(e *env) *http.Request {
			req, _ := http.NewRequest("PUT", e.hs.URL+syncwire.PathResults, nil)
			return req
		}, 405, syncwire.ReasonMethod, -1},
		{"unknown endpoint", func(e *env) *http.Request {
			req, _ := http.NewRequest("GET", e.hs.URL+"/v1/device/secrets", nil)
			return req
		}, 404, syncwire.ReasonNotFound, -1},
		{"bad admin token", func(e *env) *http.Request {
			req, _ := http.NewRequest("GET", e.hs.URL+"/v1/admin/devices", nil)
			req.Header.Set("Authorization", "Bearer "+api.TokenPrefix+"guess")
			return req
		}, 401, syncwire.ReasonUnauthorized, -1},
	}
	limits := api.Limits{IngestBody: 64 << 10, AdminBody: 1 << 10}
	forEachBackend(t, limits, func(t *testing.T, e *env) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.t = t
				org := ""
				if tt.org >= 0 {
					org = e.orgs[tt.org].org.ID
				}
				res := e.do(tt.req(e))
				if res.status != tt.status || res.problem.Reason != tt.reason {
					t.Fatalf("got %d %+v, want %d %s", res.status, res.problem, tt.status, tt.reason)
				}
				if a := e.lastAudit(org); a.Outcome != "rejected" || a.Reason != tt.reason {
					t.Errorf("last audit entry %+v, want a rejection for %s", a, tt.reason)
				}
				for _, tn := range e.orgs {
					if n := e.count(tn.org.ID); n != 0 {
						t.Errorf("org %s holds %d results after a bad request", tn.org.Name, n)
					}
				}
				if evs, _, _ := e.db.ListEvents(t.Context(), e.orgs[0].org.ID, db.Page{}); len(evs) != 1 {
					t.Errorf("bad admin request created an event")
				}
			})
		}
	})
}

// TestReplayedBatch resends an accepted request byte for byte: the nonce
// was used, so it is refused (and nothing is stored twice).
func TestReplayedBatch(t *testing.T) {
	forEachBackend(t, api.Limits{}, func(t *testing.T, e *env) {
		d := e.orgs[0].dev
		body, _ := syncwire.EncodeBatch(syncwire.Batch{Records: d.Records(3)})
		req := e.signed(d.Key, d.ID, "POST", syncwire.PathResults, body, time.Now())
		replay, _ := http.NewRequest("POST", req.URL.String(), bytes.NewReader(body))
		replay.Header = req.Header.Clone()
		if res := e.do(req); res.status != http.StatusOK {
			t.Fatalf("first: %d %+v", res.status, res.problem)
		}
		res := e.do(replay)
		if res.status != http.StatusUnauthorized || res.problem.Reason != syncwire.ReasonReplayed {
			t.Fatalf("replay: %d %+v", res.status, res.problem)
		}
		if a := e.lastAudit(e.orgs[0].org.ID); a.Reason != syncwire.ReasonReplayed {
			t.Errorf("replay not audited: %+v", a)
		}
		if n := e.count(e.orgs[0].org.ID); n != 3 {
			t.Errorf("stored %d, want 3", n)
		}
	})
}
