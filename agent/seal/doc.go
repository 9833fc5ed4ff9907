// Package seal encrypts biometric templates at rest and keeps the secrets
// that protect them.
//
// # Concepts
//
// Every template is sealed with its own random 256-bit data key using
// AES-256-GCM, with the caller's record id as associated data, so a sealed
// record copied to another record id fails to open. The data key is wrapped
// by a key-encryption key (KEK) behind the [KeyWrapper] interface; [AESKEK]
// is the software implementation whose 32-byte secret is stored through a
// [KeyBackend]. Hardware backends (TPM, secure element) implement
// [KeyWrapper] without ever exposing the KEK.
//
// A [SealedRecord] carries the KEK identifier, the wrapped data key, the
// nonce and the ciphertext. Destroying the record destroys the only copy of
// its wrapped data key: the template cannot be recovered even by someone who
// holds the KEK, provided the bytes are also gone from the storage medium
// (see agent/store's Compact).
//
// [KeyBackend] stores named secrets generically; identity keys use it too.
// [FileBackend] keeps each secret in its own 0600 file inside a 0700
// directory, written atomically and never overwritten.
//
// # Caveats
//
// Plaintexts returned by [Sealer.Open] belong to the caller, who should
// clear them when done. Data keys are cleared after use; Go cannot promise
// that no copy survives in freed memory.
package seal
