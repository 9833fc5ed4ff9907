package api

import (
	"context"
	"crypto"
	"crypto/ed25519"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/ingest"
	"github.com/vouchkiosk/vouch/tools/platform/ratelimit"
)

// Limits bound what one client may send. Zero fields take the defaults
// shown.
type Limits struct {
	IngestBody  int64   // bytes of an upload; default syncwire.MaxBatchBytes
	AdminBody   int64   // bytes of an admin JSON request; default 256 KiB
	DeviceRate  float64 // requests per second per device; default 20
	DeviceBurst int     // default 40
	AdminRate   float64 // requests per second per admin credential; default 50
	AdminBurst  int     // default 100
	AddrRate    float64 // unauthenticated requests per second per client address; default 200
	AddrBurst   int     // default 400
}

func (l Limits) withDefaults() Limits {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	defi := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	if l.IngestBody == 0 {
		l.IngestBody = syncwire.MaxBatchBytes
	}
	if l.AdminBody == 0 {
		l.AdminBody = 256 << 10
	}
	def(&l.DeviceRate, 20)
	defi(&l.DeviceBurst, 40)
	def(&l.AdminRate, 50)
	defi(&l.AdminBurst, 100)
	def(&l.AddrRate, 200)
	defi(&l.AddrBurst, 400)
	return l
}

// Options configures New.
type Options struct {
	// DB is the platform database (required).
	DB *db.DB
	// Key is the platform's Ed25519 signing key for acknowledgements
	// (required).
	Key crypto.Signer
	// Limits bounds request sizes and rates.
	Limits Limits
	// Now is the platform clock; nil means time.Now.
	Now func() time.Time
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
}

// Server serves the platform API. It is safe for concurrent use.
type Server struct {
	db     *db.DB
	ingest *ingest.Ingester
	pub    ed25519.PublicKey
	limits Limits
	now    func() time.Time
	log    *slog.Logger
	mux    *http.ServeMux

	routeList []string // admin route patterns, for Routes

	deviceRate, adminRate, addrRate *ratelimit.Limiter
}

// New returns a server over opts.DB.
func New(opts Options) (*Server, error) {
	if opts.DB == nil || opts.Key == nil {
		return nil, errors.New("api: Options.DB and Options.Key are required")
	}
	pub, ok := opts.Key.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("api: platform key is %T, want Ed25519", opts.Key.Public())
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	in, err := ingest.New(opts.DB, opts.Key, &ingest.Options{Now: opts.Now, Logger: opts.Logger})
	if err != nil {
		return nil, err
	}
	l := opts.Limits.withDefaults()
	s := &Server{
		db: opts.DB, ingest: in, pub: pub, limits: l, now: opts.Now, log: opts.Logger, mux: http.NewServeMux(),
		deviceRate: ratelimit.New(l.DeviceRate, l.DeviceBurst, opts.Now),
		adminRate:  ratelimit.New(l.AdminRate, l.AdminBurst, opts.Now),
		addrRate:   ratelimit.New(l.AddrRate, l.AddrBurst, opts.Now),
	}
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(syncwire.HeaderTime, strconv.FormatInt(s.now().UnixNano(), 10))
	w.Header().Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.handle("health", s.health))
	s.mux.HandleFunc("GET /v1/platform", s.handle("platform", s.platform))
	s.mux.HandleFunc("POST "+syncwire.PathResults, s.handle("ingest", s.postResults))
	s.mux.HandleFunc("GET "+syncwire.PathAck, s.handle("ack", s.getAck))
	s.adminRoutes()
	s.mux.HandleFunc("/", s.handle("unknown", s.notFound))
}

// AdminRoutes returns the patterns of every admin endpoint.
func (s *Server) AdminRoutes() []string { return slices.Clone(s.routeList) }

// notFound answers requests no route took: 405 with Allow when the path
// exists for other methods, 404 otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, _ *reqlog) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return problem(http.StatusMethodNotAllowed, syncwire.ReasonMethod, "method %s not allowed", r.Method)
	}
	return problem(http.StatusNotFound, syncwire.ReasonNotFound, "no such endpoint")
}

// HTTPError is an error with a public status, reason and message.
type HTTPError struct {
	Status  int
	Problem syncwire.Problem
	Err     error // internal cause: logged; audited only below 500; never sent
}

// Error implements error.
func (e *HTTPError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %s: %v", e.Status, e.Problem.Reason, e.Problem.Message, e.Err)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Problem.Reason, e.Problem.Message)
}

// Unwrap returns the internal cause.
func (e *HTTPError) Unwrap() error { return e.Err }

func problem(status int, reason, format string, args ...any) *HTTPError {
	return &HTTPError{Status: status, Problem: syncwire.Problem{Reason: reason, Message: fmt.Sprintf(format, args...)}}
}

// reqlog collects who made a request, for the audit entry.
type reqlog struct {
	org, actor string
	retry      time.Duration // Retry-After for 429
}

// handle adapts an error-returning handler: errors become Problem responses,
// and every rejection is audited before it is answered.
func (s *Server) handle(action string, h func(http.ResponseWriter, *http.Request, *reqlog) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rl := &reqlog{actor: "anonymous"}
		err := h(w, r, rl)
		if err == nil {
			return
		}
		var he *HTTPError
		if !errors.As(err, &he) {
			he = &HTTPError{Status: http.StatusInternalServerError, Problem: syncwire.Problem{Reason: syncwire.ReasonInternal, Message: "internal error"}, Err: err}
		}
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			return // the client went away; nothing to answer
		}
		p, detail := he.Problem, he.Error()
		lvl, attrs := slog.LevelInfo, []any{"action", action, "actor", rl.actor, "status", he.Status, "err", he}
		if he.Status >= 500 {
			// The cause (SQL, file paths, peer addresses) is for the
			// operator's log only; the tenant's audit log and the client
			// get the public problem and a reference to find the log line.
			ref := incidentRef()
			lvl, attrs = slog.LevelError, append(attrs, "ref", ref)
			p.Message += " ref=" + ref
			detail = fmt.Sprintf("%d %s: %s", he.Status, p.Reason, p.Message)
		}
		s.log.Log(r.Context(), lvl, "api: request rejected", attrs...)
		if action != "health" {
			s.audit(r, rl, action, "rejected", p.Reason, detail)
		}
		if rl.retry > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(rl.retry.Seconds())+1))
		}
		writeJSON(w, he.Status, p)
	}
}

// incidentRef returns a random reference tying a server error's audit entry
// and response to its log line.
func incidentRef() string {
	var b [6]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// audit writes an audit entry; a failure to audit is logged, since the
// response must still be sent.
func (s *Server) audit(r *http.Request, rl *reqlog, action, outcome, reason, detail string) {
	if len(detail) > 1000 {
		detail = detail[:1000]
	}
	e := db.AuditEntry{Org: rl.org, At: s.now(), Actor: rl.actor, Action: action, Outcome: outcome, Reason: reason, Remote: remoteHost(r), Detail: detail}
	if err := s.db.Audit(context.WithoutCancel(r.Context()), e); err != nil {
		s.log.ErrorContext(r.Context(), "api: audit write failed", "err", err, "action", action)
	}
}

func remoteHost(r *http.Request) string {
	h, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return h
}

// readBody reads at most limit bytes, answering 413 beyond it.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, problem(http.StatusRequestEntityTooLarge, syncwire.ReasonTooLarge, "body of %d bytes exceeds %d", r.ContentLength, limit)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, problem(http.StatusRequestEntityTooLarge, syncwire.ReasonTooLarge, "body exceeds %d bytes", limit)
	}
	if err != nil {
		return nil, &HTTPError{Status: http.StatusBadRequest, Problem: syncwire.Problem{Reason: syncwire.ReasonMalformed, Message: "cannot read body"}, Err: err}
	}
	return b, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", syncwire.ContentTypeJSON)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	_ = enc.Encode(v) // the client may be gone; nothing else to do
}

func (s *Server) health(w http.ResponseWriter, r *http.Request, _ *reqlog) error {
	if _, err := s.db.SchemaVersion(r.Context()); err != nil {
		return &HTTPError{Status: http.StatusServiceUnavailable, Problem: syncwire.Problem{Reason: syncwire.ReasonUnavailable, Message: "database unavailable"}, Err: err}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "db": s.db.Dialect().String()})
	return nil
}

// platformInfo is what GET /v1/platform returns: the key a device pins
// (to be compared out of band, e.g. by provisioning) and the clock.
type platformInfo struct {
	PublicKey []byte `json:"public_key"`
	Time      int64  `json:"time"`
}

func (s *Server) platform(w http.ResponseWriter, r *http.Request, _ *reqlog) error {
	writeJSON(w, http.StatusOK, platformInfo{PublicKey: s.pub, Time: s.now().UnixNano()})
	return nil
}

// PruneNonces forgets expired request nonces every interval until ctx ends.
func (s *Server) PruneNonces(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.db.PruneNonces(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "api: prune nonces", "err", err)
			}
		}
	}
}
