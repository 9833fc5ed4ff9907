package api

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/db"
)

// TokenPrefix starts every admin bearer token.
const TokenPrefix = "vk_adm_"

// NewToken returns a fresh admin bearer token and the hash to store.
func NewToken() (token string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	h := sha256.Sum256([]byte(token))
	return token, h[:]
}

// adminHandler is an admin endpoint; it runs with the authenticated admin.
type adminHandler func(w http.ResponseWriter, r *http.Request, a db.Admin, rl *reqlog) error

func (s *Server) adminRoutes() {
	var (
		allRoles    = []db.Role{db.RoleAdmin, db.RoleOperator, db.RoleAuditor}
		writers     = []db.Role{db.RoleAdmin, db.RoleOperator}
		adminOnly   = []db.Role{db.RoleAdmin}
		auditReader = []db.Role{db.RoleAdmin, db.RoleAuditor}
	)
	route := func(pattern, action string, roles []db.Role, h adminHandler) {
		s.routeList = append(s.routeList, pattern)
		s.mux.HandleFunc(pattern, s.handle(action, s.admin(roles, h)))
	}
	route("GET /v1/admin/whoami", "whoami", allRoles, s.whoami)
	route("POST /v1/admin/admins", "admin.create", adminOnly, s.createAdmin)
	route("GET /v1/admin/admins", "admin.list", adminOnly, s.listAdmins)
	route("POST /v1/admin/admins/{id}/revoke", "admin.revoke", adminOnly, s.revokeAdmin)
	route("POST /v1/admin/events", "event.create", writers, s.createEvent)
	route("GET /v1/admin/events", "event.list", allRoles, s.listEvents)
	route("POST /v1/admin/devices", "device.create", writers, s.createDevice)
	route("GET /v1/admin/devices", "device.list", allRoles, s.listDevices)
	route("GET /v1/admin/devices/{id}", "device.get", allRoles, s.getDevice)
	route("POST /v1/admin/devices/{id}/revoke", "device.revoke", adminOnly, s.revokeDevice)
	route("POST /v1/admin/subjects", "subject.create", writers, s.createSubject)
	route("GET /v1/admin/subjects", "subject.list", writers, s.listSubjects)
	route("GET /v1/admin/results", "result.list", allRoles, s.listResults)
	route("GET /v1/admin/gaps", "gap.list", allRoles, s.listGaps)
	route("GET /v1/admin/audit", "audit.list", auditReader, s.listAudit)
	route("GET /v1/admin/export", "export", auditReader, s.export)
}

// admin authenticates the bearer token, applies the admin rate limit and
// checks the role.
func (s *Server) admin(roles []db.Role, h adminHandler) func(http.ResponseWriter, *http.Request, *reqlog) error {
	return func(w http.ResponseWriter, r *http.Request, rl *reqlog) error {
		if err := s.limitAddr(r, rl); err != nil {
			return err
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || !strings.HasPrefix(tok, TokenPrefix) || len(tok) > 128 {
			return problem(http.StatusUnauthorized, syncwire.ReasonUnauthorized, "missing or malformed bearer token")
		}
		sum := sha256.Sum256([]byte(tok))
		a, err := s.db.AdminByTokenHash(r.Context(), sum[:])
		if errors.Is(err, db.ErrNotFound) {
			return problem(http.StatusUnauthorized, syncwire.ReasonUnauthorized, "unknown token")
		}
		if err != nil {
			return err
		}
		rl.org, rl.actor = a.Org, "admin:"+a.ID
		if ok, retry := s.adminRate.Allow(a.ID); !ok {
			rl.retry = retry
			return problem(http.StatusTooManyRequests, syncwire.ReasonRateLimited, "admin rate limit")
		}
		if !slices.Contains(roles, a.Role) {
			return problem(http.StatusForbidden, syncwire.ReasonForbidden, "role %s may not do this", a.Role)
		}
		return h(w, r, a, rl)
	}
}

// decodeJSON reads one JSON object into v, strictly.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := readBody(w, r, s.limits.AdminBody)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return &HTTPError{Status: http.StatusBadRequest, Problem: syncwire.Problem{Reason: syncwire.ReasonMalformed, Message: "malformed JSON: " + err.Error()}, Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return problem(http.StatusBadRequest, syncwire.ReasonMalformed, "trailing data after JSON object")
	}
	return nil
}

// dbError maps storage errors of admin operations to responses.
func dbError(err error) error {
	switch {
	case errors.Is(err, db.ErrNotFound):
		return &HTTPError{Status: http.StatusNotFound, Problem: syncwire.Problem{Reason: syncwire.ReasonNotFound, Message: "not found"}, Err: err}
	case errors.Is(err, db.ErrExists):
		return &HTTPError{Status: http.StatusConflict, Problem: syncwire.Problem{Reason: syncwire.ReasonConflict, Message: "already exists"}, Err: err}
	case errors.Is(err, db.ErrInvalid), errors.Is(err, db.ErrOutOfRange):
		return &HTTPError{Status: http.StatusBadRequest, Problem: syncwire.Problem{Reason: syncwire.ReasonMalformed, Message: err.Error()}, Err: err}
	}
	return err
}

// changed audits a successful admin change and answers it.
func (s *Server) changed(w http.ResponseWriter, r *http.Request, rl *reqlog, action, detail string, v any) error {
	s.audit(r, rl, action, "ok", "", detail)
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (s *Server) whoami(w http.ResponseWriter, _ *http.Request, a db.Admin, _ *reqlog) error {
	writeJSON(w, http.StatusOK, adminJSON(a))
	return nil
}

// AdminJSON is an admin credential as the API shows it.
type AdminJSON struct {
	ID    string `json:"id"`
	Org   string `json:"org"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Token string `json:"token,omitempty"` // only in the response that creates it
}

func adminJSON(a db.Admin) AdminJSON {
	return AdminJSON{ID: a.ID, Org: a.Org, Name: a.Name, Role: string(a.Role)}
}

func (s *Server) createAdmin(w http.ResponseWriter, r *http.Request, a db.Admin, rl *reqlog) error {
	var req struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	tok, hash := NewToken()
	na, err := s.db.CreateAdmin(r.Context(), a.Org, req.Name, db.Role(req.Role), hash)
	if err != nil {
		return dbError(err)
	}
	out := adminJSON(na)
	out.Token = tok
	return s.changed(w, r, rl, "admin.create", fmt.Sprintf("created %s %q as %s", na.ID, na.Name, na.Role), out)
}

func (s *Server) listAdmins(w http.ResponseWriter, r *http.Request, a db.Admin, _ *reqlog) error {
	as, err := s.db.ListAdmins(r.Context(), a.Org)
	return list(w, as, err, adminJSON)
}

func (s *Server) revokeAdmin(w http.ResponseWriter, r *http.Request, a db.Admin, rl *reqlog) error {
	id := r.PathValue("id")
	if id == a.ID {
		return problem(http.StatusConflict, syncwire.ReasonConflict, "a credential cannot revoke itself")
	}
	if err := s.db.DeleteAdmin(r.Context(), a.Org, id); err != nil {
		return dbError(err)
	}
	return s.changed(w, r, rl, "admin.revoke", "revoked "+id, map[string]string{"id": id, "status": "revoked"})
}

// EventJSON is an event as the API shows it.
type EventJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func (s *Server) createEvent(w http.ResponseWriter, r *http.Request, a db.Admin, rl *reqlog) error {
	var req struct {
		Name string `json:"name"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	e, err := s.db.CreateEvent(r.Context(), a.Org, req.Name)
	if err != nil {
		return dbError(err)
	}
	return s.changed(w, r, rl, "event.create", "created "+e.ID, EventJSON{ID: e.ID, Name: e.Name})
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, a db.Admin, _ *reqlog) error {
	p, err := pageQuery(r)
	if err != nil {
		return err
	}
	es, next, err := s.db.ListEvents(r.Context(), a.Org, p)
	return listPage(w, r, p, next, es, err, func(e db.Event) EventJSON { return EventJSON{ID: e.ID, Name: e.Name} })
}

// DeviceJSON is a device as the API shows it.
type DeviceJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Event     string `json:"event,omitempty"`
	PublicKey []byte `json:"public_key"`
	Revoked   bool   `json:"revoked"`
	HeadSeq   uint64 `json:"head_seq"`
	HeadHash  string `json:"head_hash"`
	Missing   uint64 `json:"missing"`
}

func deviceJSON(d db.Device) DeviceJSON {
	return DeviceJSON{ID: d.ID, Name: d.Name, Event: d.Event, PublicKey: d.PublicKey, Revoked: d.Revoked,
		HeadSeq: d.Chain.Head.Seq, HeadHash: fmt.Sprintf("%x", d.Chain.Head.Hash), Missing: d.Chain.Missing}
}

func (s *Server) createDevice(w http.ResponseWriter, r *http.Request, a db.Admin, rl *reqlog) error {
	var req struct {
		PublicKey []byte `json:"public_key"`
		Name      string `json:"name"`
		Event     string `json:"event"`
		ID        string `json:"id"` // optional: checked against the key
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if len(req.PublicKey) != ed25519.PublicKeySize {
		return problem(http.StatusBadRequest, syncwire.ReasonMalformed, "public_key must be %d bytes (base64)", ed25519.PublicKeySize)
	}
	id := result.DeviceID(req.PublicKey)
	if req.ID != "" && req.ID != id {
		return problem(http.StatusBadRequest, syncwire.ReasonMalformed, "id %q does not match the key's device id %q", req.ID, id)
	}
	d, err := s.db.CreateDevice(r.Context(), a.Org, db.Device{ID: id, PublicKey: req.PublicKey, Name: req.Name, Event: req.Event})
	if err != nil {
		return dbError(err)
	}
	return s.changed(w, r, rl, "device.create", "registered "+d.ID, deviceJSON(d))
}

func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, a db.Admin, _ *reqlog) error {
	p, err := pageQuery(r)
	if err != nil {
		return err
	}
	ds, next, err := s.db.ListDevices(r.Context(), a.Org, p)
	return listPage(w, r, p, next, ds, err, deviceJSON)
}

func (s *Server) getDevice(w http.ResponseWriter, r *http.Request, a db.Admin, _ *reqlog) error {
	d, err := s.db.Device(r.Context(), a.Org, r.PathValue("id"))
	if err != nil {
		return dbError(err)
	}
	writeJSON(w, http.StatusOK, deviceJSON(d))
	return nil
}

func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request, a db.Admin, rl *reqlog) error {
	id := r.PathValue("id")
	if err := s.db.RevokeDevice(r.Context(), a.Org, id); err != nil {
		return dbError(err)
	}
	return s.changed(w, r, rl, "device.revoke", "revoked "+id, map[string]string{"id": id, "status": "revoked"})
}

// SubjectJSON is a subject as the API shows it.
type SubjectJSON struct {
	ID       string `json:"id"`
	Ref      string `json:"ref"`
	Event    string `json:"event,omitempty"`
	Envelope []byte `json:"envelope,omitempty"`
}

func (s *Server) createSubject(w http.ResponseWriter, r *http.Request, a db.Admin, rl *reqlog) error {
	var req SubjectJSON
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.ID != "" {
		return problem(http.StatusBadRequest, syncwire.ReasonMalformed, "id is assigned by the platform")
	}
	sub, err := s.db.CreateSubject(r.Context(), a.Org, db.Subject{Ref: req.Ref, Event: req.Event, Envelope: req.Envelope})
	if err != nil {
		return dbError(err)
	}
	return s.changed(w, r, rl, "subject.create", "created "+sub.ID, SubjectJSON{ID: sub.ID, Ref: sub.Ref, Event: sub.Event})
}

func (s *Server) listSubjects(w http.ResponseWriter, r *http.Request, a db.Admin, _ *reqlog) error {
	p, err := pageQuery(r)
	if err != nil {
		return err
	}
	ss, next, err := s.db.ListSubjects(r.Context(), a.Org, r.URL.Query().Get("event"), p)
	return listPage(w, r, p, next, ss, err, func(x db.Subject) SubjectJSON {
		return SubjectJSON{ID: x.ID, Ref: x.Ref, Event: x.Event, Envelope: x.Envelope}
	})
}

// ResultJSON is a stored result as the API shows it.
type ResultJSON struct {
	Device   string `json:"device"`
	Seq      uint64 `json:"seq"`
	Hash     string `json:"hash"`
	Received int64  `json:"received"`
	Record   []byte `json:"record"`
}

// queryUint parses an optional unsigned query parameter.
func queryUint(r *http.Request, name string) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil {
		return 0, problem(http.StatusBadRequest, syncwire.ReasonMalformed, "query parameter %s: %v", name, err)
	}
	return n, nil
}

func (s *Server) listResults(w http.ResponseWriter, r *http.Request, a db.Admin, _ *reqlog) error {
	after, err := queryUint(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryUint(r, "limit")
	if err != nil {
		return err
	}
	rs, err := s.db.Results(r.Context(), a.Org, db.ResultQuery{Device: r.URL.Query().Get("device"), AfterSeq: after, Limit: int(min(limit, db.MaxPage))})
	return list(w, rs, err, func(x db.Result) ResultJSON {
		return ResultJSON{Device: x.Device, Seq: x.Seq, Hash: fmt.Sprintf("%x", x.Hash), Received: x.Received.UnixNano(), Record: x.Record}
	})
}

// GapJSON is a recorded gap as the API shows it.
type GapJSON struct {
	Device   string `json:"device"`
	From     uint64 `json:"from"`
	To       uint64 `json:"to"`
	Detected int64  `json:"detected"`
}

func (s *Server) listGaps(w http.ResponseWriter, r *http.Request, a db.Admin, _ *reqlog) error {
	gs, err := s.db.Gaps(r.Context(), a.Org, r.URL.Query().Get("device"))
	return list(w, gs, err, func(g db.Gap) GapJSON {
		return GapJSON{Device: g.Device, From: g.From, To: g.To, Detected: g.Detected.UnixNano()}
	})
}

// AuditJSON is an audit entry as the API shows it.
type AuditJSON struct {
	ID      int64  `json:"id"`
	At      int64  `json:"at"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Remote  string `json:"remote"`
	Detail  string `json:"detail,omitempty"`
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, a db.Admin, _ *reqlog) error {
	after, err := queryUint(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryUint(r, "limit")
	if err != nil {
		return err
	}
	es, err := s.db.AuditLog(r.Context(), a.Org, int64(after), int(min(limit, db.MaxPage)))
	return list(w, es, err, func(e db.AuditEntry) AuditJSON {
		return AuditJSON{ID: e.ID, At: e.At.UnixNano(), Actor: e.Actor, Action: e.Action, Outcome: e.Outcome, Reason: e.Reason, Remote: e.Remote, Detail: e.Detail}
	})
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// list answers a list query: the rows converted to their API form.
func list[T, J any](w http.ResponseWriter, rows []T, err error, conv func(T) J) error {
	if err != nil {
		return dbError(err)
	}
	out := make([]J, len(rows))
	for i, r := range rows {
		out[i] = conv(r)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pageQuery reads the optional limit (at most db.MaxListPage, the default)
// and after (the cursor a previous page's Link header named) parameters of
// a paginated list.
func pageQuery(r *http.Request) (db.Page, error) {
	limit, err := queryUint(r, "limit")
	if err != nil {
		return db.Page{}, err
	}
	return db.Page{After: r.URL.Query().Get("after"), Limit: int(min(limit, db.MaxListPage))}, nil
}

// listPage writes one page of a paginated list as a JSON array and, when
// more follow, a Link header (RFC 8288) with rel="next" naming the next
// page's URL with the same query and the cursor next.
func listPage[T, J any](w http.ResponseWriter, r *http.Request, p db.Page, next string, rows []T, err error, conv func(T) J) error {
	if err == nil && next != "" {
		q := r.URL.Query()
		q.Set("after", next)
		if p.Limit > 0 {
			q.Set("limit", strconv.Itoa(p.Limit))
		}
		w.Header().Set("Link", "<"+(&url.URL{Path: r.URL.Path, RawQuery: q.Encode()}).String()+`>; rel="next"`)
	}
	return list(w, rows, err, conv)
}
