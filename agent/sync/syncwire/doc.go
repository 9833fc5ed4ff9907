// Package syncwire is the protocol between a kiosk's sync client and the
// central platform: the request signature that authenticates a device, the
// upload batch, the platform's signed acknowledgement and the error body.
// It does no I/O, so both ends (agent/sync and tools/platform) share it.
//
// # Request authentication
//
// Every device request carries
//
//	Authorization: Vouch-Ed25519 device=<id>, ts=<unix seconds>, nonce=<base64url>, sig=<base64url>
//
// where sig is the device's Ed25519 signature over a domain-separated
// message binding the method, the request path, the device id, ts, the
// 16-byte nonce and the SHA-256 of the body (see RequestMessage). The
// platform accepts ts within RequestLifetime of its own clock and each nonce
// once, so a captured request cannot be replayed and expires quickly. Every
// response carries the platform's clock in HeaderTime, which lets a device
// detect and correct clock skew.
//
// # Acknowledgement
//
// A successful upload returns a SignedAck: the deterministic CBOR of an Ack,
// signed with the platform's Ed25519 key, which the device pins. The Ack
// names the device's acknowledged high-water mark (seq and record hash).
// The device keeps the latest SignedAck; with it, a chain later truncated
// below the mark is provably incomplete, and records up to the mark may be
// pruned.
//
// # Limits
//
// DecodeBatch accepts at most MaxBatchRecords records of at most
// result.MaxRecordSize bytes; the platform rejects larger bodies than
// MaxBatchBytes before decoding.
package syncwire
