package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/ingest"
)

// authDevice authenticates a signed device request over body and returns
// the device.
func (s *Server) authDevice(r *http.Request, rl *reqlog, body []byte) (db.Device, error) {
	a, dev, err := s.claimDevice(r, rl)
	if err != nil {
		return db.Device{}, err
	}
	return s.proveDevice(r, rl, a, dev, body)
}

// claimDevice checks what a device request's Authorization header can show
// before the body is read: its form, its timestamp and that the device it
// names exists. An upload that fails here is refused unread. It fills rl as
// soon as the device is known, so a rejection is audited under the right
// organisation.
func (s *Server) claimDevice(r *http.Request, rl *reqlog) (syncwire.Auth, db.Device, error) {
	a, err := syncwire.ParseAuth(r.Header.Get("Authorization"))
	if err != nil {
		return a, db.Device{}, &HTTPError{Status: http.StatusUnauthorized, Problem: syncwire.Problem{Reason: syncwire.ReasonUnauthorized, Message: "missing or malformed device authorization"}, Err: err}
	}
	dev, err := s.db.DeviceForAuth(r.Context(), a.Device)
	if errors.Is(err, db.ErrNotFound) {
		rl.actor = "unknown-device:" + truncate(a.Device, 64)
		return a, db.Device{}, problem(http.StatusUnauthorized, syncwire.ReasonUnknownDevice, "unknown device")
	}
	if err != nil {
		return a, db.Device{}, err
	}
	// The claimed device is not proven yet: audit under its organisation
	// (the owner should see attempts against its devices) but as a claim.
	rl.org, rl.actor = dev.Org, "claimed-device:"+dev.ID
	if err := a.CheckTime(s.now()); err != nil {
		return a, db.Device{}, &HTTPError{Status: http.StatusUnauthorized, Problem: syncwire.Problem{Reason: syncwire.ReasonStale, Message: err.Error()}, Err: err}
	}
	return a, dev, nil
}

// proveDevice verifies a claimed device's request signature over body,
// then its standing, rate and nonce.
func (s *Server) proveDevice(r *http.Request, rl *reqlog, a syncwire.Auth, dev db.Device, body []byte) (db.Device, error) {
	if err := a.Verify(dev.PublicKey, r.Method, r.URL.RequestURI(), body, s.now()); err != nil {
		reason := syncwire.ReasonBadRequestSig
		if errors.Is(err, syncwire.ErrAuthExpired) {
			reason = syncwire.ReasonStale
		}
		return db.Device{}, &HTTPError{Status: http.StatusUnauthorized, Problem: syncwire.Problem{Reason: reason, Message: err.Error()}, Err: err}
	}
	rl.org, rl.actor = dev.Org, "device:"+dev.ID
	if dev.Revoked {
		return db.Device{}, problem(http.StatusForbidden, syncwire.ReasonRevoked, "device revoked")
	}
	if ok, retry := s.deviceRate.Allow(dev.ID); !ok {
		rl.retry = retry
		return db.Device{}, problem(http.StatusTooManyRequests, syncwire.ReasonRateLimited, "device rate limit")
	}
	if err := s.db.UseNonce(r.Context(), dev.ID, a.Nonce[:], a.Expires()); err != nil {
		if errors.Is(err, db.ErrNonceReused) {
			return db.Device{}, problem(http.StatusUnauthorized, syncwire.ReasonReplayed, "request nonce already used")
		}
		return db.Device{}, err
	}
	return dev, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// limitAddr applies the pre-authentication per-address limit.
func (s *Server) limitAddr(r *http.Request, rl *reqlog) error {
	if ok, retry := s.addrRate.Allow(remoteHost(r)); !ok {
		rl.retry = retry
		return problem(http.StatusTooManyRequests, syncwire.ReasonRateLimited, "address rate limit")
	}
	return nil
}

// postResults is POST /v1/device/results: a CBOR Batch in, a SignedAck out.
func (s *Server) postResults(w http.ResponseWriter, r *http.Request, rl *reqlog) error {
	if err := s.limitAddr(r, rl); err != nil {
		return err
	}
	// Up to IngestBody bytes are read only for a well-formed, fresh request
	// from a known device; the signature over them is checked after.
	a, dev, err := s.claimDevice(r, rl)
	if err != nil {
		return err
	}
	body, err := readBody(w, r, s.limits.IngestBody)
	if err != nil {
		return err
	}
	if dev, err = s.proveDevice(r, rl, a, dev, body); err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, syncwire.ContentTypeCBOR) {
		return problem(http.StatusUnsupportedMediaType, syncwire.ReasonMalformed, "content type %q, want %s", ct, syncwire.ContentTypeCBOR)
	}
	batch, err := syncwire.DecodeBatch(body)
	if err != nil {
		return &HTTPError{Status: http.StatusBadRequest, Problem: syncwire.Problem{Reason: syncwire.ReasonMalformed, Message: err.Error()}, Err: err}
	}
	out, err := s.ingest.Ingest(r.Context(), dev, batch.Records)
	var re *ingest.RejectError
	switch {
	case errors.As(err, &re):
		p := syncwire.Problem{Reason: re.Reason, Message: re.Error(), Index: &re.Index}
		if re.Seq != 0 {
			p.Seq = &re.Seq
		}
		return &HTTPError{Status: re.Status, Problem: p, Err: err}
	case errors.Is(err, ingest.ErrRevoked):
		return problem(http.StatusForbidden, syncwire.ReasonRevoked, "device revoked")
	case errors.Is(err, ingest.ErrBusy):
		rl.retry = time.Second
		return &HTTPError{Status: http.StatusServiceUnavailable, Problem: syncwire.Problem{Reason: syncwire.ReasonUnavailable, Message: "concurrent uploads of this device; retry"}, Err: err}
	case err != nil:
		return err
	}
	if out.Gap != nil {
		s.audit(r, rl, "ingest", "ok", syncwire.ReasonGap, "gap recorded: seq "+u64(out.Gap.From)+".."+u64(out.Gap.To))
	}
	writeCBOR(w, out.Signed)
	return nil
}

// getAck is GET /v1/device/ack: the current SignedAck, for a device that
// lost its copy or wants to resynchronise after a restore.
func (s *Server) getAck(w http.ResponseWriter, r *http.Request, rl *reqlog) error {
	if err := s.limitAddr(r, rl); err != nil {
		return err
	}
	dev, err := s.authDevice(r, rl, nil)
	if err != nil {
		return err
	}
	out, err := s.ingest.Current(dev)
	if err != nil {
		return err
	}
	writeCBOR(w, out.Signed)
	return nil
}

func writeCBOR(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", syncwire.ContentTypeCBOR)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b) // the client may be gone
}
