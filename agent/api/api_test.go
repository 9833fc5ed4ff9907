package api

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type fakeStatus struct {
	h Health
	m []Metric
}

func (f fakeStatus) Health(context.Context) Health    { return f.h }
func (f fakeStatus) Metrics(context.Context) []Metric { return f.m }

func get(t *testing.T, s *Server, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	// As an http.Server on 127.0.0.1:8080 would pass a local client's request.
	req := httptest.NewRequest(method, path, nil)
	req.Host = "127.0.0.1:8080"
	req = req.WithContext(context.WithValue(req.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}))
	s.ServeHTTP(w, req)
	return w
}

func TestHealthz(t *testing.T) {
	for _, tc := range []struct {
		h    Health
		code int
	}{
		{Health{Device: "VK-ABC", Dev: true, Store: "ok", ChainHeadSeq: 7}, http.StatusOK},
		{Health{Device: "VK-ABC", Store: "store: closed"}, http.StatusServiceUnavailable},
	} {
		s, err := New(Options{Status: fakeStatus{h: tc.h}})
		if err != nil {
			t.Fatal(err)
		}
		w := get(t, s, "GET", "/healthz")
		if w.Code != tc.code || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("GET /healthz = %d %q, want %d JSON", w.Code, w.Header().Get("Content-Type"), tc.code)
		}
		var got map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"device": tc.h.Device, "dev": tc.h.Dev, "store": tc.h.Store, "chain_head_seq": float64(tc.h.ChainHeadSeq)}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("healthz[%s] = %v, want %v", k, got[k], v)
			}
		}
	}
}

func TestMetrics(t *testing.T) {
	s, _ := New(Options{Status: fakeStatus{m: []Metric{
		{Name: "vouch_up", Help: "1 while running", Type: Gauge, Samples: []Sample{{Value: 1}}},
		{Name: "vouch_device_info", Help: "device\nidentity", Type: Gauge, Samples: []Sample{
			{Labels: []Label{{"device", `VK-"x"\`}, {"dev", "true"}}, Value: 1},
		}},
		{Name: "vouch_x_total", Help: "h", Type: Counter, Samples: []Sample{{Value: 12345678901}, {Value: math.Inf(1)}}},
	}}})
	w := get(t, s, "GET", "/metrics")
	want := `# HELP vouch_up 1 while running
# TYPE vouch_up gauge
vouch_up 1
# HELP vouch_device_info device\nidentity
# TYPE vouch_device_info gauge
vouch_device_info{device="VK-\"x\"\\",dev="true"} 1
# HELP vouch_x_total h
# TYPE vouch_x_total counter
vouch_x_total 1.2345678901e+10
vouch_x_total +Inf
`
	if w.Code != http.StatusOK || w.Body.String() != want || w.Header().Get("Content-Type") != TextContentType {
		t.Errorf("GET /metrics = %d %q\n%s\nwant\n%s", w.Code, w.Header().Get("Content-Type"), w.Body, want)
	}
}

func TestBadRequests(t *testing.T) {
	s, _ := New(Options{Status: fakeStatus{m: []Metric{{Name: "bad name", Type: Gauge}}}})
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"POST", "/healthz", http.StatusMethodNotAllowed},
		{"GET", "/nope", http.StatusNotFound},
		{"GET", "/metrics", http.StatusInternalServerError},
	} {
		if w := get(t, s, tc.method, tc.path); w.Code != tc.code {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, w.Code, tc.code)
		} else if tc.code == 500 && strings.Contains(w.Body.String(), "bad name") {
			t.Errorf("internal error detail leaked to client: %q", w.Body)
		}
	}
	if _, err := New(Options{}); err == nil {
		t.Error("New without Status succeeded")
	}
}

func TestWriteTextRejectsBadLabel(t *testing.T) {
	var b strings.Builder
	err := WriteText(&b, []Metric{{Name: "ok", Type: Gauge, Samples: []Sample{{Labels: []Label{{"__reserved", "x"}}}}}})
	if !errors.Is(err, ErrMetricName) {
		t.Errorf("WriteText = %v, want ErrMetricName", err)
	}
}
