package identity

import (
	"crypto/ecdh"
	"crypto/hpke"
	"fmt"
)

// Envelopes use the HPKE suite DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
// ChaCha20-Poly1305 in base mode (RFC 9180). ChaCha20-Poly1305 is chosen
// because Raspberry Pi-class CPUs lack AES instructions. An envelope is the
// encapsulated key followed by the ciphertext; info binds it to its purpose
// (for example "vouch template v1" plus the subject id), so an envelope made
// for one purpose does not open for another.

// MaxEnvelope bounds the envelopes OpenEnvelope accepts.
const MaxEnvelope = 1 << 20

func suite() (hpke.KDF, hpke.AEAD) { return hpke.HKDFSHA256(), hpke.ChaCha20Poly1305() }

// SealEnvelope encrypts plaintext to a device's envelope public key. It is
// what an enrolment station runs; the kiosk only opens.
func SealEnvelope(to *ecdh.PublicKey, info, plaintext []byte) ([]byte, error) {
	pk, err := hpke.NewDHKEMPublicKey(to)
	if err != nil {
		return nil, fmt.Errorf("identity: envelope recipient key: %w", err)
	}
	kdf, aead := suite()
	out, err := hpke.Seal(pk, kdf, aead, info, plaintext)
	if err != nil {
		return nil, fmt.Errorf("identity: seal envelope: %w", err)
	}
	return out, nil
}

// OpenEnvelope decrypts an envelope sealed to this device with the same
// info. Any tampering, a wrong recipient or a wrong info gives ErrEnvelope.
func (id *Identity) OpenEnvelope(info, envelope []byte) ([]byte, error) {
	if len(envelope) > MaxEnvelope {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrEnvelope, len(envelope), MaxEnvelope)
	}
	kdf, aead := suite()
	pt, err := hpke.Open(id.hpk, kdf, aead, info, envelope)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEnvelope, err)
	}
	return pt, nil
}
