package api

import (
	"net/http"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/db"
	"github.com/vouchkiosk/vouch/tools/platform/export"
)

// export is GET /v1/admin/export?format=json|csv[&device=ID]: every record
// of the organisation with its signatures, streamed.
func (s *Server) export(w http.ResponseWriter, r *http.Request, a db.Admin, rl *reqlog) error {
	o := export.Options{Org: a.Org, Device: r.URL.Query().Get("device"), PlatformKey: s.pub, Now: s.now(),
		Ack: func(d db.Device) ([]byte, error) {
			out, err := s.ingest.Current(d)
			return out.Signed, err
		}}
	if o.Device != "" {
		if _, err := s.db.Device(r.Context(), a.Org, o.Device); err != nil {
			return dbError(err)
		}
	}
	write := export.WriteJSON
	ct := syncwire.ContentTypeJSON
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
	case "csv":
		write, ct = export.WriteCSV, "text/csv"
	default:
		return problem(http.StatusBadRequest, syncwire.ReasonMalformed, "format %q, want json or csv", f)
	}
	s.audit(r, rl, "export", "ok", "", "device="+o.Device)
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	if err := write(r.Context(), w, s.db, o); err != nil {
		// The status line is sent; a truncated export fails to parse, which
		// is all a client can be told now.
		s.log.WarnContext(r.Context(), "api: export aborted", "err", err)
	}
	return nil
}
