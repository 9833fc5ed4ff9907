package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/export"
	"github.com/vouchkiosk/vouch/tools/platform/internal/devicetest"
)

func TestUploadAckExport(t *testing.T) {
	forEachBackend(t, api.Limits{}, func(t *testing.T, e *env) {
		tn := e.orgs[0]
		recs := tn.dev.Records(5)
		res := e.upload(tn.dev, recs)
		if res.status != http.StatusOK {
			t.Fatalf("upload: %d %+v", res.status, res.problem)
		}
		ack, err := syncwire.OpenAck(e.pub, res.body)
		if err != nil || ack.Seq != 5 || ack.HashArray() != result.Hash(recs[4]) || ack.Stored != 5 {
			t.Fatalf("ack %+v, %v", ack, err)
		}
		// The device may ask for its ack again (e.g. after losing it).
		res = e.do(e.signed(tn.dev.Key, tn.dev.ID, "GET", syncwire.PathAck, nil, time.Now()))
		if got, err := syncwire.OpenAck(e.pub, res.body); err != nil || got.Seq != 5 {
			t.Fatalf("GET ack: %d %+v %v", res.status, got, err)
		}
		for _, format := range []string{"json", "csv"} {
			res := e.admin(tn.tokens[db.RoleAuditor], "GET", "/v1/admin/export?format="+format, nil)
			if res.status != http.StatusOK {
				t.Fatalf("export %s: %d %+v", format, res.status, res.problem)
			}
			f, err := export.Read(strings.NewReader(string(res.body)))
			if err != nil {
				t.Fatalf("read %s export: %v", format, err)
			}
			if rep := export.Verify(f); !rep.OK() || rep.Records != 5 || rep.Devices != 1 {
				t.Fatalf("%s export verify: %+v", format, rep)
			}
		}
	})
}

func TestAdminFlow(t *testing.T) {
	forEachBackend(t, api.Limits{}, func(t *testing.T, e *env) {
		tn := e.orgs[0]
		adm := tn.tokens[db.RoleAdmin]
		res := e.admin(adm, "POST", "/v1/admin/admins", map[string]string{"name": "eve", "role": "auditor"})
		var created api.AdminJSON
		if res.status != http.StatusCreated || json.Unmarshal(res.body, &created) != nil || !strings.HasPrefix(created.Token, api.TokenPrefix) {
			t.Fatalf("create admin: %d %s", res.status, res.body)
		}
		res = e.admin(created.Token, "GET", "/v1/admin/whoami", nil)
		var who api.AdminJSON
		if json.Unmarshal(res.body, &who); who.Role != "auditor" || who.Org != tn.org.ID {
			t.Fatalf("whoami = %s", res.body)
		}
		// A revoked credential stops working; a credential cannot revoke itself.
		if res := e.admin(adm, "POST", "/v1/admin/admins/"+who.ID+"/revoke", nil); res.status != http.StatusCreated {
			t.Fatalf("revoke admin: %d %s", res.status, res.body)
		}
		if res := e.admin(created.Token, "GET", "/v1/admin/whoami", nil); res.status != http.StatusUnauthorized {
			t.Errorf("revoked token: %d", res.status)
		}
		var me api.AdminJSON
		json.Unmarshal(e.admin(adm, "GET", "/v1/admin/whoami", nil).body, &me)
		if res := e.admin(adm, "POST", "/v1/admin/admins/"+me.ID+"/revoke", nil); res.status != http.StatusConflict {
			t.Errorf("self-revocation: %d", res.status)
		}
		res = e.admin(adm, "POST", "/v1/admin/admins", map[string]string{"name": "eve2", "role": "auditor"})
		json.Unmarshal(res.body, &created)
		// Auditors are read-only; operators cannot revoke.
		if res := e.admin(created.Token, "POST", "/v1/admin/events", map[string]string{"name": "x"}); res.status != http.StatusForbidden || res.problem.Reason != syncwire.ReasonForbidden {
			t.Errorf("auditor creates event: %d %+v", res.status, res.problem)
		}
		if a := e.lastAudit(tn.org.ID); a.Outcome != "rejected" || a.Reason != syncwire.ReasonForbidden {
			t.Errorf("forbidden not audited: %+v", a)
		}
		if res := e.admin(tn.tokens[db.RoleOperator], "POST", "/v1/admin/devices/"+tn.dev.ID+"/revoke", nil); res.status != http.StatusForbidden {
			t.Errorf("operator revokes: %d", res.status)
		}
		if res := e.admin(tn.tokens[db.RoleAuditor], "GET", "/v1/admin/subjects", nil); res.status != http.StatusForbidden {
			t.Errorf("auditor reads subjects: %d", res.status)
		}
		// Operator registers a device; the id is derived from the key.
		nd := devicetest.New(7)
		res = e.admin(tn.tokens[db.RoleOperator], "POST", "/v1/admin/devices", map[string]any{"public_key": []byte(nd.Pub), "name": "door 2"})
		var dj api.DeviceJSON
		if res.status != http.StatusCreated || json.Unmarshal(res.body, &dj) != nil || dj.ID != nd.ID {
			t.Fatalf("create device: %d %s", res.status, res.body)
		}
		if res := e.admin(adm, "POST", "/v1/admin/devices", map[string]any{"public_key": []byte(nd.Pub)}); res.status != http.StatusConflict {
			t.Errorf("duplicate device: %d", res.status)
		}
		if res := e.admin(adm, "POST", "/v1/admin/devices", map[string]any{"public_key": []byte(nd.Pub[:31])}); res.status != http.StatusBadRequest {
			t.Errorf("short key: %d", res.status)
		}
		if res := e.upload(nd, nd.Records(2)); res.status != http.StatusOK {
			t.Fatalf("new device upload: %d %+v", res.status, res.problem)
		}
		// Revocation stops the device.
		if res := e.admin(adm, "POST", "/v1/admin/devices/"+nd.ID+"/revoke", nil); res.status != http.StatusCreated {
			t.Fatalf("revoke: %d %s", res.status, res.body)
		}
		if res := e.upload(nd, nd.Records(1)); res.status != http.StatusForbidden || res.problem.Reason != syncwire.ReasonRevoked {
			t.Errorf("revoked upload: %d %+v", res.status, res.problem)
		}
		if res := e.admin(adm, "POST", "/v1/admin/subjects", map[string]any{"ref": "alice", "event": tn.event.ID, "envelope": []byte{1, 2}}); res.status != http.StatusCreated {
			t.Errorf("create subject: %d %s", res.status, res.body)
		}
		if res := e.admin(adm, "GET", "/v1/admin/audit", nil); res.status != http.StatusOK || !strings.Contains(string(res.body), "device.revoke") {
			t.Errorf("audit log lacks the revocation: %s", res.body)
		}
	})
}

func TestRateLimit(t *testing.T) {
	forEachBackend(t, api.Limits{DeviceRate: 0.001, DeviceBurst: 2}, func(t *testing.T, e *env) {
		tn := e.orgs[0]
		for i := range 2 {
			if res := e.upload(tn.dev, tn.dev.Records(1)); res.status != http.StatusOK {
				t.Fatalf("request %d: %d", i, res.status)
			}
		}
		res := e.upload(tn.dev, tn.dev.Records(1))
		if res.status != http.StatusTooManyRequests || res.problem.Reason != syncwire.ReasonRateLimited {
			t.Fatalf("3rd request: %d %+v", res.status, res.problem)
		}
		if a := e.lastAudit(tn.org.ID); a.Reason != syncwire.ReasonRateLimited {
			t.Errorf("rate limit not audited: %+v", a)
		}
	})
}
