package syncwire

// Problem is the JSON body of every error response, for devices and admins.
type Problem struct {
	// Reason is a stable machine-readable code (the Reason… constants).
	Reason string `json:"error"`
	// Message is human-readable detail.
	Message string `json:"message"`
	// Index and Seq locate the offending record of a rejected batch.
	Index *int    `json:"index,omitempty"`
	Seq   *uint64 `json:"seq,omitempty"`
}

// Reasons reported in Problem.Reason.
const (
	ReasonMalformed      = "malformed"          // 400: body is not valid CBOR/JSON of the expected shape
	ReasonTooLarge       = "too-large"          // 413: body larger than the endpoint's limit
	ReasonUnauthorized   = "unauthorized"       // 401: missing or malformed credentials
	ReasonUnknownDevice  = "unknown-device"     // 401: no such device
	ReasonBadRequestSig  = "bad-request-sig"    // 401: request signature does not verify
	ReasonStale          = "stale-request"      // 401: timestamp outside RequestLifetime (check HeaderTime)
	ReasonReplayed       = "replayed-request"   // 401: nonce already used
	ReasonRevoked        = "device-revoked"     // 403: the device was revoked
	ReasonForbidden      = "forbidden"          // 403: role may not do this
	ReasonNotFound       = "not-found"          // 404
	ReasonConflict       = "conflict"           // 409: already exists
	ReasonFork           = "fork"               // 409: a record differs from the stored one with the same seq
	ReasonBadSignature   = "bad-signature"      // 422: a record's signature does not verify
	ReasonBadRecord      = "malformed-record"   // 422: a record does not decode
	ReasonWrongDevice    = "wrong-device"       // 422: a record names another device
	ReasonReordered      = "reordered"          // 422: records out of order
	ReasonReplayedRecord = "replayed-record"    // 422: the same record twice in one batch
	ReasonBrokenLink     = "broken-link"        // 422: PrevHash does not link
	ReasonGap            = "gap"                // 422: a sequence number is missing inside the batch
	ReasonRateLimited    = "rate-limited"       // 429: slow down (Retry-After)
	ReasonMethod         = "method-not-allowed" // 405
	ReasonInternal       = "internal"           // 500
	ReasonUnavailable    = "unavailable"        // 503: shutting down or overloaded
)
