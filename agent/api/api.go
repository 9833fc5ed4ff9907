package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Health is the body of /healthz.
type Health struct {
	Device       string `json:"device"`         // device id
	Dev          bool   `json:"dev"`            // running with a development identity
	Store        string `json:"store"`          // "ok", or why the store is unusable
	ChainHeadSeq uint64 `json:"chain_head_seq"` // seq of the newest signed result (0: none yet)
}

// OK reports whether every component is healthy.
func (h Health) OK() bool { return h.Store == "ok" }

// Status is the agent state the endpoints present. Implementations must be
// safe for concurrent use and return promptly; ctx ends with the request.
type Status interface {
	Health(ctx context.Context) Health
	Metrics(ctx context.Context) []Metric
}

// Options configures New.
type Options struct {
	Status Status       // required
	Logger *slog.Logger // nil discards
}

// Server routes the endpoints. It is safe for concurrent use.
type Server struct {
	st  Status
	log *slog.Logger
	mux *http.ServeMux
	h   http.Handler // mux behind the Host check
}

// New returns a Server for opts.Status.
func New(opts Options) (*Server, error) {
	if opts.Status == nil {
		return nil, errors.New("api: Options.Status is nil")
	}
	s := &Server{st: opts.Status, log: opts.Logger, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.mux.Handle("GET /healthz", s.handle(s.healthz))
	s.mux.Handle("GET /metrics", s.handle(s.metrics))
	s.h = checkHost(s.mux)
	return s, nil
}

// ServeHTTP implements http.Handler. It answers only requests whose Host
// is "localhost" or a loopback IP literal with the port they arrived on
// (421 otherwise), so a DNS-rebinding page cannot read the endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.h.ServeHTTP(w, r) }

// HTTPError is an error with a status code and a message safe to show to
// the client. Handlers' other errors become a bare 500.
type HTTPError struct {
	Code int
	Msg  string
	Err  error // logged, not sent
}

func (e *HTTPError) Error() string { return fmt.Sprintf("%d %s: %v", e.Code, e.Msg, e.Err) }

// Unwrap returns the underlying error.
func (e *HTTPError) Unwrap() error { return e.Err }

type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var he *HTTPError
		if !errors.As(err, &he) {
			he = &HTTPError{Code: http.StatusInternalServerError, Msg: "internal error", Err: err}
		}
		s.log.Warn("api: request failed", "path", r.URL.Path, "code", he.Code, "err", err)
		http.Error(w, he.Msg, he.Code)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	h := s.st.Health(r.Context())
	body, err := json.Marshal(h)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !h.OK() {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, err = w.Write(append(body, '\n'))
	return err
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	var buf bytes.Buffer
	if err := WriteText(&buf, s.st.Metrics(r.Context())); err != nil {
		return err
	}
	w.Header().Set("Content-Type", TextContentType)
	_, err := w.Write(buf.Bytes())
	return err
}
