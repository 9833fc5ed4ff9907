// Package sync uploads the device's signed result records to the central
// platform: it drains the store's outbox in order, in batches, and keeps the
// platform's signed acknowledgement.
//
// # Concepts
//
// The outbox (agent/store) is the queue; this package keeps no state of its
// own beyond what it writes to the store, so it resumes after a restart or
// power cut exactly where the last durable acknowledgement left it.
// Delivery is at least once: a batch whose answer was lost is sent again,
// and the platform, idempotent on (device, seq), answers with the same
// acknowledgement.
//
// An acknowledgement (syncwire.Ack, signed by the platform key the device
// pins) names the platform's high-water mark for this device: seq and
// record hash. The Syncer checks it against the records it sent, then in one
// store transaction saves it under MetaAck, deletes the outbox up to it and,
// with Config.PruneAcked, prunes acknowledged results. Evidence of
// tampering is never acted on: an ack for a hash the device did not sign,
// an ack beyond the device's last record, or a local chain that ends below
// the acknowledged mark (a truncated store) raise an alarm in Status and
// delete nothing. The store's own acknowledged mark, which gates deleting
// and pruning, is trusted only while it equals the seq of the stored signed
// acknowledgement (verified again with the pinned key, and the record at
// that seq having its hash): a mark edited in the file raises the same
// alarm, on load and before every deletion.
//
// Failures back off exponentially with jitter between Config.MinBackoff
// and Config.MaxBackoff; a refusal retrying cannot fix (Status.Permanent)
// waits the maximum. The platform's clock, sent with
// every response, gives the device's clock skew; requests are signed with
// the corrected time so a kiosk without an RTC can still authenticate.
// Status reports state, queue length, the queue alarm (Config.QueueAlarm),
// skew, and counters for the UI and metrics.
//
// # Caveats
//
// One Syncer per store. It never blocks the flow: recording a result only
// writes the outbox; Kick merely shortens the wait.
package sync
