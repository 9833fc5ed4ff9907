package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
)

// TestTenantIsolation gives org 0 data (results, a gap, a subject, audit
// entries) and then lets org 1's admin — the most privileged role — try
// every admin endpoint against it, and org 1's device try every device
// endpoint. Nothing of org 0 may be read or written.
func TestTenantIsolation(t *testing.T) {
	forEachBackend(t, api.Limits{}, func(t *testing.T, e *env) {
		a, b := e.orgs[0], e.orgs[1]
		recs := a.dev.Records(6)
		if res := e.upload(a.dev, recs[:2]); res.status != http.StatusOK {
			t.Fatalf("seed upload: %d", res.status)
		}
		if res := e.upload(a.dev, recs[4:]); res.status != http.StatusOK { // leaves a gap 3..4
			t.Fatalf("seed upload: %d", res.status)
		}
		if res := e.admin(a.tokens[db.RoleAdmin], "POST", "/v1/admin/subjects", map[string]any{"ref": "secret-subject", "event": a.event.ID}); res.status != http.StatusCreated {
			t.Fatalf("seed subject: %d", res.status)
		}
		// Marks that must never show up in org 1's answers.
		// The record hash and key encodings are never typed by org 1, so they
		// catch a leak even where org 1's own audit log echoes the IDs it sent.
		secrets := []string{a.dev.ID, a.org.ID, a.event.ID, "secret-subject",
			fmt.Sprintf("%x", result.Hash(recs[0])), base64.StdEncoding.EncodeToString(a.dev.Pub), base64.StdEncoding.EncodeToString(recs[0][:24])}
		tok := b.tokens[db.RoleAdmin]
		admins, err := e.db.ListAdmins(t.Context(), a.org.ID)
		if err != nil || len(admins) == 0 {
			t.Fatal(err)
		}
		aAdmin := admins[0].ID
		secrets = append(secrets, aAdmin)

		type check struct {
			method, path string
			body         any
			status       int // expected status
		}
		checks := []check{
			{"GET", "/v1/admin/whoami", nil, 200},
			{"POST", "/v1/admin/admins", map[string]string{"name": "x", "role": "auditor"}, 201},
			{"GET", "/v1/admin/admins", nil, 200},
			{"POST", "/v1/admin/admins/" + aAdmin + "/revoke", nil, 404},
			{"POST", "/v1/admin/events", map[string]string{"name": "b-event"}, 201},
			{"GET", "/v1/admin/events", nil, 200},
			{"POST", "/v1/admin/devices", map[string]any{"public_key": []byte(b.dev.Pub), "event": a.event.ID}, 404},
			{"GET", "/v1/admin/devices", nil, 200},
			{"GET", "/v1/admin/devices/" + a.dev.ID, nil, 404},
			{"POST", "/v1/admin/devices/" + a.dev.ID + "/revoke", nil, 404},
			{"POST", "/v1/admin/subjects", map[string]any{"ref": "s", "event": a.event.ID}, 404},
			{"GET", "/v1/admin/subjects", nil, 200},
			{"GET", "/v1/admin/subjects?event=" + a.event.ID, nil, 200},
			{"GET", "/v1/admin/results", nil, 200},
			{"GET", "/v1/admin/results?device=" + a.dev.ID, nil, 200},
			{"GET", "/v1/admin/gaps", nil, 200},
			{"GET", "/v1/admin/gaps?device=" + a.dev.ID, nil, 200},
			{"GET", "/v1/admin/audit", nil, 200},
			{"GET", "/v1/admin/export", nil, 200},
			{"GET", "/v1/admin/export?format=csv", nil, 200},
			{"GET", "/v1/admin/export?device=" + a.dev.ID, nil, 404},
		}
		covered := map[string]bool{}
		var sent strings.Builder // what org 1 typed itself may come back (e.g. in its audit log)
		for _, c := range checks {
			j, _ := json.Marshal(c.body)
			sent.WriteString(c.path + string(j))
			res := e.admin(tok, c.method, c.path, c.body)
			if res.status != c.status {
				t.Errorf("%s %s: status %d (%s), want %d", c.method, c.path, res.status, res.body, c.status)
			}
			for _, s := range secrets {
				if strings.Contains(string(res.body), s) && !strings.Contains(sent.String(), s) {
					t.Errorf("%s %s leaks %q: %s", c.method, c.path, s, res.body)
				}
			}
			covered[c.method+" "+routeOf(c.path)] = true
		}
		for _, r := range e.srv.AdminRoutes() {
			if !covered[r] {
				t.Errorf("admin route %s has no isolation check", r)
			}
		}

		// Device endpoints: org 1's device cannot act as org 0's device,
		// nor upload its records, nor see its ack.
		body, _ := syncwire.EncodeBatch(syncwire.Batch{Records: a.dev.Records(1)})
		if res := e.do(e.signed(b.dev.Key, a.dev.ID, "POST", syncwire.PathResults, body, time.Now())); res.status != 401 || res.problem.Reason != syncwire.ReasonBadRequestSig {
			t.Errorf("impersonation: %d %+v", res.status, res.problem)
		}
		if res := e.do(e.signed(b.dev.Key, b.dev.ID, "POST", syncwire.PathResults, body, time.Now())); res.status != 422 || res.problem.Reason != syncwire.ReasonWrongDevice {
			t.Errorf("foreign records: %d %+v", res.status, res.problem)
		}
		res := e.do(e.signed(b.dev.Key, b.dev.ID, "GET", syncwire.PathAck, nil, time.Now()))
		ack, err := syncwire.OpenAck(e.pub, res.body)
		if err != nil || ack.Device != b.dev.ID || ack.Seq != 0 {
			t.Errorf("org 1 ack = %+v, %v", ack, err)
		}

		// Org 0 is untouched.
		dv, err := e.db.Device(t.Context(), a.org.ID, a.dev.ID)
		if err != nil || dv.Revoked || dv.Chain.Head.Seq != 6 {
			t.Errorf("org 0 device changed: %+v, %v", dv, err)
		}
		if n := e.count(a.org.ID); n != 4 {
			t.Errorf("org 0 holds %d results, want 4", n)
		}
		if after, _ := e.db.ListAdmins(t.Context(), a.org.ID); len(after) != len(admins) {
			t.Errorf("org 0 lost credentials")
		}
		if subs, _, _ := e.db.ListSubjects(t.Context(), a.org.ID, "", db.Page{}); len(subs) != 1 {
			t.Errorf("org 0 subjects: %d", len(subs))
		}
	})
}

// routeOf maps a concrete path back to its route pattern.
func routeOf(p string) string {
	p, _, _ = strings.Cut(p, "?")
	parts := strings.Split(p, "/")
	if len(parts) >= 5 && (parts[3] == "devices" || parts[3] == "admins") {
		parts[4] = "{id}"
	}
	return strings.Join(parts, "/")
}
