package faultproxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	var hits atomic.Int64 // requests that reached the server whole
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, err := io.Copy(io.Discard, r.Body); err != nil || n != 5000 {
			return
		}
		hits.Add(1)
		io.WriteString(w, strings.Repeat("x", 10000))
	}))
	defer up.Close()
	tests := []struct {
		name     string
		f        Faults
		wantOK   bool
		wantHits int64
	}{
		{"pass", Faults{}, true, 1},
		{"cut request", Faults{CutRequest: 1}, false, 0},
		{"drop response", Faults{DropResponse: 1}, false, 1},
		{"cut response", Faults{CutResponse: 1}, false, 1},
		{"delay", Faults{DelayResponse: 1, MaxDelay: 300 * time.Millisecond}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			p, err := Start(strings.TrimPrefix(up.URL, "http://"), tt.f, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
			// The request body is larger than any cut, so a cut request
			// never reaches the handler.
			res, err := c.Post("http://"+p.Addr()+"/", "text/plain", strings.NewReader(strings.Repeat("y", 5000)))
			ok := err == nil
			if ok {
				b, rerr := io.ReadAll(res.Body)
				res.Body.Close()
				ok = rerr == nil && len(b) == 10000
			}
			if ok != tt.wantOK || hits.Load() != tt.wantHits {
				t.Errorf("ok=%v hits=%d (err %v), want ok=%v hits=%d", ok, hits.Load(), err, tt.wantOK, tt.wantHits)
			}
		})
	}
}
