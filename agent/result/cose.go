package result

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"

	"github.com/veraison/go-cose"
)

// ContentType is the COSE content type (protected header 3) of the payload.
const ContentType = "application/vnd.vouch.result+cbor"

// DeviceID derives a device's id from its Ed25519 signing public key:
// "VK-" followed by the unpadded base32 of the first 10 bytes of the
// key's SHA-256 (80 bits; upper case, so it fits a QR code's alphanumeric
// mode).
func DeviceID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "VK-" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:10])
}

// Hash returns the SHA-256 of a signed record's exact bytes: the value the
// next record carries as PrevHash.
func Hash(signed []byte) [32]byte { return sha256.Sum256(signed) }

// Sign encodes rec as deterministic CBOR and signs it as a tagged COSE_Sign1
// message with protected headers alg=EdDSA, content type [ContentType] and
// kid = the device id. signer must hold an Ed25519 key (an
// ed25519.PrivateKey, or a hardware-backed crypto.Signer), and rec.Device
// must be DeviceID of its public key. rec is not modified.
//
// Errors wrap ErrInvalid (a field out of range) or ErrKey.
func Sign(rec *Record, signer crypto.Signer) ([]byte, error) {
	pub, ok := signer.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: signer holds %T", ErrKey, signer.Public())
	}
	if id := DeviceID(pub); rec.Device != id {
		return nil, fmt.Errorf("%w: device %q is not %q, the id of the signing key", ErrInvalid, rec.Device, id)
	}
	payload, err := encodePayload(rec)
	if err != nil {
		return nil, err
	}
	s, err := cose.NewSigner(cose.AlgorithmEdDSA, signer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	msg := cose.Sign1Message{
		Headers: cose.Headers{
			Protected: cose.ProtectedHeader{
				cose.HeaderLabelAlgorithm:   cose.AlgorithmEdDSA,
				cose.HeaderLabelContentType: ContentType,
				cose.HeaderLabelKeyID:       []byte(rec.Device),
			},
			Unprotected: cose.UnprotectedHeader{},
		},
		Payload: payload,
	}
	if err := msg.Sign(rand.Reader, nil, s); err != nil {
		return nil, fmt.Errorf("result: sign: %w", err)
	}
	out, err := msg.MarshalCBOR()
	if err != nil {
		return nil, fmt.Errorf("result: encode COSE_Sign1: %w", err)
	}
	return out, nil
}

// Open verifies a signed record against the device's public key and decodes
// it strictly. Errors wrap ErrDecode (not a canonical tagged COSE_Sign1 Vouch
// record), ErrWrongDevice (the record names another device), ErrSignature or
// ErrKey (pub is not 32 bytes).
func Open(pub ed25519.PublicKey, signed []byte) (*Record, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key is %d bytes", ErrKey, len(pub))
	}
	if len(signed) > MaxRecordSize {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrDecode, len(signed), MaxRecordSize)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(signed); err != nil {
		return nil, fmt.Errorf("%w: COSE_Sign1: %v", ErrDecode, err)
	}
	kid, err := checkHeaders(&msg.Headers)
	if err != nil {
		return nil, err
	}
	if again, err := msg.MarshalCBOR(); err != nil || !bytes.Equal(again, signed) {
		return nil, fmt.Errorf("%w: COSE_Sign1 is not in canonical encoding", ErrDecode)
	}
	id := DeviceID(pub)
	if kid != id {
		return nil, fmt.Errorf("%w: record names %q, key is %q's", ErrWrongDevice, kid, id)
	}
	v, err := cose.NewVerifier(cose.AlgorithmEdDSA, pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	if err := msg.Verify(nil, v); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	rec, err := decodePayload(msg.Payload)
	if err != nil {
		return nil, err
	}
	if rec.Device != kid {
		return nil, fmt.Errorf("%w: payload names %q, header %q", ErrWrongDevice, rec.Device, kid)
	}
	return rec, nil
}

// checkHeaders accepts exactly the headers Sign writes and returns the kid.
func checkHeaders(h *cose.Headers) (string, error) {
	if len(h.Unprotected) != 0 {
		return "", fmt.Errorf("%w: unexpected unprotected headers", ErrDecode)
	}
	if len(h.Protected) != 3 {
		return "", fmt.Errorf("%w: %d protected headers, want alg, content type and kid", ErrDecode, len(h.Protected))
	}
	alg, err := h.Protected.Algorithm()
	if err != nil || alg != cose.AlgorithmEdDSA {
		return "", fmt.Errorf("%w: algorithm is not EdDSA", ErrDecode)
	}
	if ct, ok := h.Protected[cose.HeaderLabelContentType].(string); !ok || ct != ContentType {
		return "", fmt.Errorf("%w: content type is not %s", ErrDecode, ContentType)
	}
	kid, ok := h.Protected[cose.HeaderLabelKeyID].([]byte)
	if !ok || len(kid) == 0 || len(kid) > MaxTextLen {
		return "", fmt.Errorf("%w: missing or oversized kid", ErrDecode)
	}
	return string(kid), nil
}
