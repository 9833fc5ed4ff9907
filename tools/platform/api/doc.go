// Package api is the platform's HTTP interface: the device endpoints
// (signed requests, result upload, acknowledgement) and the tenant-scoped
// admin API with roles.
//
// # Authentication
//
// Devices sign every request with their Ed25519 key (syncwire.SignRequest);
// the platform verifies it with the key pinned at registration, accepts the
// timestamp within syncwire.RequestLifetime and each nonce once. An upload's
// body is read only after its Authorization header has the right form, a
// fresh timestamp and names a registered device; the signature over the
// body is checked after reading it. Admins
// present a bearer token; only its SHA-256 is stored. A credential belongs to
// one organisation and carries one role:
//
//	admin     everything in the organisation, including credentials and revocation
//	operator  devices, events, subjects; reads results and gaps
//	auditor   read-only: devices, events, results, gaps, audit log, export
//
// Neither kind of credential can name another organisation: the organisation
// is taken from the credential, never from the request, and lookups of
// foreign IDs answer 404 exactly like absent ones.
//
// # Errors and audit
//
// Every error is a JSON syncwire.Problem with a stable reason code and a
// specific status (400 malformed, 401 unauthenticated, 403 forbidden or
// revoked, 404, 409 fork or duplicate, 413 too large, 422 rejected record,
// 429 rate limited). Every rejected request, and every admin change, is
// written to the audit log before the response is sent. A server error's
// cause is logged (slog) only: its audit entry and response carry the
// generic problem and a random ref= that finds the log line.
//
// # Limits
//
// Bodies are bounded per endpoint (Limits), read through
// http.MaxBytesReader; requests are rate limited per device, per admin
// credential and, before authentication, per client address. The device,
// event and subject lists are paginated: at most ?limit= rows (default and
// maximum db.MaxListPage) per page, and while more follow a Link header with
// rel="next" names the next page (an opaque ?after= cursor).
package api
