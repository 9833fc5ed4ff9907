// Package identity holds a kiosk's device identity: an Ed25519 key that
// signs result records and an X25519 key that receives HPKE envelopes
// (RFC 9180, via crypto/hpke) such as templates sent from an enrolment
// station, which the platform relays but cannot open.
//
// # Concepts
//
// Both private keys live in one secret, [KeyName], stored through a
// [seal.KeyBackend] (a 0600 file for now; a TPM-sealed backend later). The
// device id is derived from the signing public key ([result.DeviceID]), so
// anyone holding the public key can check which device signed a record.
//
// An identity is either a production identity, created once by
// provisioning ([Create] with dev=false), or a development identity that
// the agent creates for itself only when run with an explicit dev flag
// ([LoadOrCreateDev]). A development identity marks every record it signs
// as dev, so dev records can never pass for evidence.
//
// # Caveats
//
// The private keys never leave the process: [Identity] exposes a
// crypto.Signer and an envelope opener, not key bytes. An Identity is
// immutable and safe for concurrent use.
package identity
