// Package result produces and verifies the kiosk's signed verification
// records.
//
// # Concepts
//
// A [Record] describes one verification: which device, when (boot id,
// monotonic time since boot, wall time with a [TimeQuality] flag), how
// ([Mode]), the [Decision], the score rounded to 0.01, the thresholds and
// model ids used, and the liveness outcome. Records are encoded as
// deterministic CBOR with small integer keys and signed as a tagged
// COSE_Sign1 message (RFC 9052) with the device's Ed25519 key ([Sign]).
// Anyone holding the device's public key can check them with [Open], or with
// any other RFC 9052 implementation.
//
// Records form a hash chain: record n carries the SHA-256 ([Hash]) of the
// exact signed bytes of record n-1 in PrevHash, and sequence numbers start
// at 1 and increase by one. [VerifyChain] checks signatures, continuity and
// gaps and reports the first break as a [*ChainError] naming the index, the
// sequence number and one sentinel error ([ErrSignature], [ErrDecode],
// [ErrGap], [ErrBrokenLink], [ErrReplay], [ErrReorder], [ErrFork],
// [ErrWrongDevice]).
//
// A [Log] appends records to the device's bbolt store: it fills in the
// device id, sequence number, times and previous hash, signs, and writes the
// record and its outbox entry in one durable transaction.
//
// # Caveats
//
// The device id inside a record is derived from the signing public key
// ([DeviceID]); verifiers compare it against the key they were given, so a
// record cannot be re-attributed to another device.
//
// Truncating the tail of a chain cannot be detected from the chain alone;
// the platform's signed acknowledged high-water mark catches it.
package result
