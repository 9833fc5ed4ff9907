// Package export writes an organisation's results for offline
// re-verification and reads such exports back.
//
// An export holds every stored record exactly as the device signed it
// (COSE_Sign1 bytes) together with each device's public key, so a third
// party can re-check signatures and hash chains without trusting the
// platform (Verify, used by `vouchctl verify`). Two formats:
//
//   - JSON: one object {"format": FormatJSON, "org", "exported",
//     "platform_key", "devices": [...], "gaps": [...], "results": [...]},
//     written as a stream so exports of any size need constant memory.
//   - CSV: a header line, then one row per result:
//     device,public_key,seq,hash,prev_hash,received,record — public_key and
//     record in standard base64, hashes in hex, received in RFC 3339.
//
// Recorded gaps are part of the JSON export. Verify reports every sequence
// jump it finds, and in JSON exports whether the platform had recorded it.
// JSON exports also carry, per device, the platform's signed acknowledgement
// of the stored head, so an export whose tail was cut off fails to verify
// (provided the verifier checks platform_key against the key it trusts).
package export
