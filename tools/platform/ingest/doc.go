// Package ingest accepts batches of signed result records from a device and
// answers with the platform's signed acknowledgement.
//
// # Rules
//
// A batch is checked against the device's stored chain head with
// result.VerifyChain, the verifier the device itself uses: every record must
// verify with the device's pinned key, name the device, and link to the one
// before it.
//
//   - Records at or below the stored head are duplicates (at-least-once
//     delivery): each must be byte-identical to the stored record, else the
//     batch is a fork and rejected. Duplicates are never stored twice.
//   - If the first new record starts above head+1 the missing run is a gap:
//     the batch is accepted from the first record's own link, and the gap is
//     recorded and counted in every later acknowledgement, so it stays
//     visible. A gap inside a batch is rejected.
//   - Anything else that breaks the chain rejects the whole batch with a
//     *RejectError naming the record; nothing is stored.
//
// Storing is a compare-and-swap on the device's head, so concurrent requests
// of one device, or several platform nodes, cannot interleave a chain.
package ingest
