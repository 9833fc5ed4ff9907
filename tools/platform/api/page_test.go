package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/db"
)

var nextLink = regexp.MustCompile(`^<(/v1/admin/[a-z]+\?[^>]+)>; rel="next"$`)

// TestListPages pages through the events, subjects and devices endpoints
// with a small limit by following the Link headers: each page respects the
// limit, the pages together hold exactly the organisation's rows, and a
// malformed cursor or limit is a 400.
func TestListPages(t *testing.T) {
	forEachBackend(t, api.Limits{}, func(t *testing.T, e *env) {
		tn := e.orgs[0]
		tok := tn.tokens[db.RoleAdmin]
		for i := range 4 {
			if r := e.admin(tok, "POST", "/v1/admin/events", map[string]string{"name": fmt.Sprintf("extra%d", i)}); r.status != http.StatusCreated && r.status != http.StatusOK {
				t.Fatalf("create event: %d %s", r.status, r.body)
			}
			if r := e.admin(tok, "POST", "/v1/admin/subjects", map[string]string{"ref": fmt.Sprintf("ref%d", i)}); r.status != http.StatusCreated && r.status != http.StatusOK {
				t.Fatalf("create subject: %d %s", r.status, r.body)
			}
		}
		for _, tc := range []struct {
			path string
			want int
		}{
			{"/v1/admin/events", 5},   // "event" and 4 extra
			{"/v1/admin/subjects", 4}, // 4 refs
			{"/v1/admin/devices", 1},  // the tenant's device
		} {
			t.Run(tc.path, func(t *testing.T) {
				e.t = t
				seen := map[string]bool{}
				path, pages := tc.path+"?limit=2", 0
				for path != "" {
					req, _ := http.NewRequest("GET", e.hs.URL+path, nil)
					req.Header.Set("Authorization", "Bearer "+tok)
					res, err := e.hs.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					var rows []struct {
						ID string `json:"id"`
					}
					err = json.NewDecoder(res.Body).Decode(&rows)
					res.Body.Close()
					if res.StatusCode != http.StatusOK || err != nil {
						t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
					}
					if len(rows) > 2 {
						t.Fatalf("GET %s: %d rows, limit 2", path, len(rows))
					}
					for _, r := range rows {
						if seen[r.ID] {
							t.Errorf("row %s on two pages", r.ID)
						}
						seen[r.ID] = true
					}
					path = ""
					if l := res.Header.Get("Link"); l != "" {
						m := nextLink.FindStringSubmatch(l)
						if m == nil {
							t.Fatalf("Link header %q", l)
						}
						path = m[1]
					}
					if pages++; pages > 10 {
						t.Fatal("pagination did not end")
					}
				}
				if len(seen) != tc.want {
					t.Errorf("%d rows over %d pages, want %d", len(seen), pages, tc.want)
				}
				for _, q := range []string{"?after=!!", "?limit=-1", "?limit=x"} {
					if r := e.admin(tok, "GET", tc.path+q, nil); r.status != http.StatusBadRequest || r.problem.Reason != syncwire.ReasonMalformed {
						t.Errorf("GET %s%s: %d %+v, want 400", tc.path, q, r.status, r.problem)
					}
				}
			})
		}
	})
}
