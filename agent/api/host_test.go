package api

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

// TestHostCheck serves on a real loopback listener and sends requests with
// forged Host headers, as a page that rebound its own name to 127.0.0.1
// would: only loopback literals and localhost with the listening port are
// answered.
func TestHostCheck(t *testing.T) {
	s, err := New(Options{Status: fakeStatus{h: Health{Device: "VK-ABC", Store: "ok"}}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	port := strconv.Itoa(hs.Listener.Addr().(*net.TCPAddr).Port)
	other := "1"
	if port == other {
		other = "2"
	}
	for _, tc := range []struct {
		host string
		ok   bool
	}{
		{"127.0.0.1:" + port, true},
		{"localhost:" + port, true},
		{"LocalHost:" + port, true},
		{"[::1]:" + port, true},
		{"127.0.0.2:" + port, true},
		{"evil.example:" + port, false},
		{"127.0.0.1.nip.io:" + port, false},
		{"localhost.:" + port, false},
		{"localhost:" + other, false},
		{"127.0.0.1", false}, // default port 80 is not the listening port
		{"10.0.0.1:" + port, false},
		{"[::ffff:127.0.0.1]:" + port, false},
	} {
		for _, path := range []string{"/healthz", "/metrics"} {
			req, _ := http.NewRequest("GET", hs.URL+path, nil)
			req.Host = tc.host
			res, err := hs.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if ok := res.StatusCode == http.StatusOK; ok != tc.ok {
				t.Errorf("GET %s with Host %q: %d, want ok=%v", path, tc.host, res.StatusCode, tc.ok)
			}
			if !tc.ok && res.StatusCode != http.StatusMisdirectedRequest {
				t.Errorf("GET %s with Host %q: %d, want 421", path, tc.host, res.StatusCode)
			}
		}
	}
}

// TestHostCheckNeedsLocalAddr: a request that did not come through an
// http.Server (no local address to compare the port with) is refused.
func TestHostCheckNeedsLocalAddr(t *testing.T) {
	s, err := New(Options{Status: fakeStatus{h: Health{Store: "ok"}}})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Host = "localhost:80"
	s.ServeHTTP(w, req)
	if w.Code != http.StatusMisdirectedRequest {
		t.Errorf("GET /healthz without a local address = %d, want 421", w.Code)
	}
}
