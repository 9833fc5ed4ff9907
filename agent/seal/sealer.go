package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// KeySize is the size of data keys and of the AES KEK, in bytes.
const KeySize = 32

// MaxPlaintext is the largest plaintext a Sealer seals (64 KiB: far above
// any face or fingerprint template).
const MaxPlaintext = 64 << 10

// KeyIDSize is the size of a KEK identifier.
const KeyIDSize = 8

// KeyWrapper wraps and unwraps data keys with a key-encryption key it never
// reveals. aad binds a wrapped key to its record. Implementations must be
// safe for concurrent use.
type KeyWrapper interface {
	// KeyID identifies the KEK. It is stored in every sealed record so that
	// opening with the wrong KEK fails with ErrWrongKEK rather than ErrAuth.
	KeyID() [KeyIDSize]byte
	// Wrap encrypts and authenticates dataKey.
	Wrap(dataKey, aad []byte) ([]byte, error)
	// Unwrap reverses Wrap; altered input fails with an error wrapping ErrAuth.
	Unwrap(wrapped, aad []byte) ([]byte, error)
}

// AESKEK is a software KeyWrapper: AES-256-GCM under a 32-byte secret. It is
// safe for concurrent use.
type AESKEK struct {
	aead cipher.AEAD
	id   [KeyIDSize]byte
}

var _ KeyWrapper = (*AESKEK)(nil)

// NewAESKEK returns a KeyWrapper for the 32-byte secret kek. The caller may
// clear kek afterwards.
func NewAESKEK(kek []byte) (*AESKEK, error) {
	if len(kek) != KeySize {
		return nil, fmt.Errorf("%w: KEK is %d bytes, want %d", ErrKeySize, len(kek), KeySize)
	}
	aead, err := newGCM(kek)
	if err != nil {
		return nil, err
	}
	// The id is a one-way, domain-separated digest of the KEK: it identifies
	// the key without helping anyone find it.
	h := sha256.New()
	h.Write([]byte("vouch/seal/v1 kek-id\x00"))
	h.Write(kek)
	var k AESKEK
	k.aead = aead
	copy(k.id[:], h.Sum(nil))
	return &k, nil
}

// KEKName is the conventional KeyBackend name of the template KEK.
const KEKName = "template-kek"

// LoadKEK reads the named 32-byte KEK from b.
func LoadKEK(b KeyBackend, name string) (*AESKEK, error) {
	secret, err := b.Get(name)
	if err != nil {
		return nil, err
	}
	defer clear(secret)
	if len(secret) != KeySize {
		return nil, fmt.Errorf("%w: key %s is %d bytes, want %d", ErrKeySize, where(b, name), len(secret), KeySize)
	}
	return NewAESKEK(secret)
}

// CreateKEK generates a random 32-byte KEK, stores it in b under name (which
// must not exist) and returns it. Provisioning calls this once per device.
func CreateKEK(b KeyBackend, name string) (*AESKEK, error) {
	secret := make([]byte, KeySize)
	defer clear(secret)
	rand.Read(secret)
	if err := b.Put(name, secret); err != nil {
		return nil, err
	}
	return NewAESKEK(secret)
}

// where names a secret for error messages, using the backend's locator when
// it has one.
func where(b KeyBackend, name string) string {
	if l, ok := b.(interface{ Where(string) string }); ok {
		return l.Where(name)
	}
	return fmt.Sprintf("%q", name)
}

// KeyID implements KeyWrapper.
func (k *AESKEK) KeyID() [KeyIDSize]byte { return k.id }

// Wrap implements KeyWrapper. The output is nonce || ciphertext || tag.
func (k *AESKEK) Wrap(dataKey, aad []byte) ([]byte, error) {
	out := make([]byte, gcmNonce, gcmNonce+len(dataKey)+gcmTag)
	rand.Read(out)
	return k.aead.Seal(out, out[:gcmNonce], dataKey, aad), nil
}

// Unwrap implements KeyWrapper.
func (k *AESKEK) Unwrap(wrapped, aad []byte) ([]byte, error) {
	if len(wrapped) < gcmNonce+gcmTag {
		return nil, fmt.Errorf("%w: wrapped key is %d bytes", ErrMalformed, len(wrapped))
	}
	dk, err := k.aead.Open(nil, wrapped[:gcmNonce], wrapped[gcmNonce:], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: wrapped data key rejected", ErrAuth)
	}
	return dk, nil
}

const (
	gcmNonce = 12
	gcmTag   = 16
)

func newGCM(key []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return cipher.NewGCM(blk)
}

// Sealer seals and opens records with per-record data keys wrapped by a
// KeyWrapper. It is safe for concurrent use.
type Sealer struct {
	kek KeyWrapper
}

// NewSealer returns a Sealer wrapping data keys with kek.
func NewSealer(kek KeyWrapper) *Sealer { return &Sealer{kek: kek} }

// Domain-separation prefixes for the two associated-data strings.
const (
	aadKey  = "vouch/seal/v1 data-key\x00"
	aadData = "vouch/seal/v1 data\x00"
)

func aad(prefix string, recordID []byte) []byte {
	a := make([]byte, 0, len(prefix)+len(recordID))
	return append(append(a, prefix...), recordID...)
}

// Seal encrypts plaintext under a fresh random data key bound to recordID.
// The data key exists only wrapped inside the returned record.
func (s *Sealer) Seal(recordID, plaintext []byte) (SealedRecord, error) {
	if len(recordID) == 0 {
		return SealedRecord{}, ErrRecordID
	}
	if len(plaintext) > MaxPlaintext {
		return SealedRecord{}, fmt.Errorf("%w: %d bytes, max %d", ErrTooLarge, len(plaintext), MaxPlaintext)
	}
	dk := make([]byte, KeySize)
	defer clear(dk)
	rand.Read(dk)
	wrapped, err := s.kek.Wrap(dk, aad(aadKey, recordID))
	if err != nil {
		return SealedRecord{}, fmt.Errorf("seal: wrap data key: %w", err)
	}
	aead, err := newGCM(dk)
	if err != nil {
		return SealedRecord{}, err
	}
	r := SealedRecord{KeyID: s.kek.KeyID(), WrappedKey: wrapped}
	rand.Read(r.Nonce[:])
	r.Ciphertext = aead.Seal(nil, r.Nonce[:], plaintext, aad(aadData, recordID))
	return r, nil
}

// Open authenticates and decrypts r, which must have been sealed for
// recordID under this Sealer's KEK.
func (s *Sealer) Open(recordID []byte, r SealedRecord) ([]byte, error) {
	if len(recordID) == 0 {
		return nil, ErrRecordID
	}
	if r.KeyID != s.kek.KeyID() {
		return nil, fmt.Errorf("%w: record key id %x, have %x", ErrWrongKEK, r.KeyID, s.kek.KeyID())
	}
	if len(r.Ciphertext) < gcmTag {
		return nil, fmt.Errorf("%w: ciphertext is %d bytes", ErrMalformed, len(r.Ciphertext))
	}
	dk, err := s.kek.Unwrap(r.WrappedKey, aad(aadKey, recordID))
	if err != nil {
		return nil, fmt.Errorf("%w (record %q)", err, recordID)
	}
	defer clear(dk)
	if len(dk) != KeySize {
		return nil, fmt.Errorf("%w: data key is %d bytes", ErrMalformed, len(dk))
	}
	aead, err := newGCM(dk)
	if err != nil {
		return nil, err
	}
	pt, err := aead.Open(nil, r.Nonce[:], r.Ciphertext, aad(aadData, recordID))
	if err != nil {
		return nil, fmt.Errorf("%w: ciphertext rejected (record %q)", ErrAuth, recordID)
	}
	return pt, nil
}

// SealedRecord is one sealed template. Its binary form (version 1) is
//
//	0x01 | key id [8] | wrapped-key length uint16 BE | wrapped key | nonce [12] | ciphertext+tag
type SealedRecord struct {
	KeyID      [KeyIDSize]byte
	WrappedKey []byte
	Nonce      [gcmNonce]byte
	Ciphertext []byte
}

const (
	sealedVersion = 1
	maxWrapped    = 512
	sealedFixed   = 1 + KeyIDSize + 2 + gcmNonce
)

// MarshalBinary encodes r in its version-1 binary form.
func (r SealedRecord) MarshalBinary() ([]byte, error) {
	if len(r.WrappedKey) == 0 || len(r.WrappedKey) > maxWrapped {
		return nil, fmt.Errorf("%w: wrapped key is %d bytes", ErrMalformed, len(r.WrappedKey))
	}
	if len(r.Ciphertext) < gcmTag || len(r.Ciphertext) > MaxPlaintext+gcmTag {
		return nil, fmt.Errorf("%w: ciphertext is %d bytes", ErrMalformed, len(r.Ciphertext))
	}
	out := make([]byte, 0, sealedFixed+len(r.WrappedKey)+len(r.Ciphertext))
	out = append(out, sealedVersion)
	out = append(out, r.KeyID[:]...)
	out = binary.BigEndian.AppendUint16(out, uint16(len(r.WrappedKey)))
	out = append(out, r.WrappedKey...)
	out = append(out, r.Nonce[:]...)
	return append(out, r.Ciphertext...), nil
}

// UnmarshalBinary decodes the binary form, copying the variable-length
// fields out of b. Any deviation from the format returns ErrMalformed.
func (r *SealedRecord) UnmarshalBinary(b []byte) error {
	if len(b) < sealedFixed+1+gcmTag {
		return fmt.Errorf("%w: %d bytes is too short", ErrMalformed, len(b))
	}
	if b[0] != sealedVersion {
		return fmt.Errorf("%w: unsupported version %d", ErrMalformed, b[0])
	}
	var out SealedRecord
	copy(out.KeyID[:], b[1:1+KeyIDSize])
	p := b[1+KeyIDSize:]
	n := int(binary.BigEndian.Uint16(p))
	p = p[2:]
	if n == 0 || n > maxWrapped || len(p) < n+gcmNonce+gcmTag {
		return fmt.Errorf("%w: wrapped-key length %d does not fit %d remaining bytes", ErrMalformed, n, len(p))
	}
	out.WrappedKey = append([]byte(nil), p[:n]...)
	p = p[n:]
	copy(out.Nonce[:], p[:gcmNonce])
	p = p[gcmNonce:]
	if len(p) > MaxPlaintext+gcmTag {
		return fmt.Errorf("%w: ciphertext is %d bytes", ErrMalformed, len(p))
	}
	out.Ciphertext = append([]byte(nil), p...)
	*r = out
	return nil
}
