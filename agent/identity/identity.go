package identity

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/hpke"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/seal"
)

// KeyName is the backend name of the identity secret.
const KeyName = "device-identity"

// Errors.
var (
	// ErrNoIdentity is returned by Load when the device has no identity
	// (it was never provisioned). The error also wraps seal.ErrNoKey.
	ErrNoIdentity = errors.New("identity: device has no identity (provision it, or run the agent with --dev)")
	// ErrCorrupt is returned when the stored secret is not a valid identity.
	ErrCorrupt = errors.New("identity: identity secret is corrupt")
	// ErrKind is returned by LoadOrCreateDev when the stored identity is a
	// production identity, and by callers that refuse a dev identity.
	ErrKind = errors.New("identity: wrong kind of identity")
	// ErrEnvelope is returned when an envelope cannot be opened.
	ErrEnvelope = errors.New("identity: cannot open envelope")
)

// Secret layout (version 1), 66 bytes:
//
//	version 0x01 | flags (bit 0 = dev) | Ed25519 seed (32) | X25519 private key (32)
const (
	secretVersion = 1
	flagDev       = 1 << 0
	secretSize    = 2 + ed25519.SeedSize + 32
)

// Identity is a device identity loaded into memory.
type Identity struct {
	sign ed25519.PrivateKey
	env  *ecdh.PrivateKey
	hpk  hpke.PrivateKey
	id   string
	dev  bool
}

// Create generates a new identity, stores it in b and returns it. It fails
// (wrapping seal.ErrKeyExists) if the device already has one: an identity is
// never replaced in place.
func Create(b seal.KeyBackend, dev bool) (*Identity, error) {
	secret := make([]byte, secretSize)
	defer clear(secret)
	secret[0] = secretVersion
	if dev {
		secret[1] = flagDev
	}
	rand.Read(secret[2:]) // never fails; X25519 accepts any 32 bytes (RFC 7748 clamping)
	id, err := parse(secret)
	if err != nil {
		return nil, err
	}
	if err := b.Put(KeyName, secret); err != nil {
		return nil, fmt.Errorf("identity: store %s: %w", where(b), err)
	}
	return id, nil
}

// Load reads the identity from b. A missing secret gives an error wrapping
// both ErrNoIdentity and seal.ErrNoKey; an invalid one wraps ErrCorrupt and
// names where it is stored.
func Load(b seal.KeyBackend) (*Identity, error) {
	secret, err := b.Get(KeyName)
	if errors.Is(err, seal.ErrNoKey) {
		return nil, fmt.Errorf("%w: %w", ErrNoIdentity, err)
	}
	if err != nil {
		return nil, fmt.Errorf("identity: load %s: %w", where(b), err)
	}
	defer clear(secret)
	id, err := parse(secret)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", err, where(b))
	}
	return id, nil
}

// LoadOrCreateDev loads a development identity from b, creating one if the
// device has none. It refuses a production identity with ErrKind: a
// provisioned device must not sign dev records.
func LoadOrCreateDev(b seal.KeyBackend) (id *Identity, created bool, err error) {
	id, err = Load(b)
	if errors.Is(err, ErrNoIdentity) {
		id, err = Create(b, true)
		return id, err == nil, err
	}
	if err != nil {
		return nil, false, err
	}
	if !id.dev {
		return nil, false, fmt.Errorf("%w: %s holds a provisioned identity (%s); refusing to use it in dev mode", ErrKind, where(b), id.id)
	}
	return id, false, nil
}

func parse(secret []byte) (*Identity, error) {
	if len(secret) != secretSize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrCorrupt, len(secret), secretSize)
	}
	if secret[0] != secretVersion {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrCorrupt, secret[0], secretVersion)
	}
	if secret[1]&^flagDev != 0 {
		return nil, fmt.Errorf("%w: unknown flags %#x", ErrCorrupt, secret[1])
	}
	env, err := ecdh.X25519().NewPrivateKey(secret[2+ed25519.SeedSize:])
	if err != nil {
		return nil, fmt.Errorf("%w: envelope key: %v", ErrCorrupt, err)
	}
	hpk, err := hpke.NewDHKEMPrivateKey(env)
	if err != nil {
		return nil, fmt.Errorf("%w: envelope key: %v", ErrCorrupt, err)
	}
	sign := ed25519.NewKeyFromSeed(secret[2 : 2+ed25519.SeedSize])
	return &Identity{
		sign: sign,
		env:  env,
		hpk:  hpk,
		id:   result.DeviceID(sign.Public().(ed25519.PublicKey)),
		dev:  secret[1]&flagDev != 0,
	}, nil
}

// where names the identity secret for error messages, using the backend's
// locator (a file path for seal.FileBackend) when it has one.
func where(b seal.KeyBackend) string {
	if l, ok := b.(interface{ Where(string) string }); ok {
		return l.Where(KeyName)
	}
	return fmt.Sprintf("key %q", KeyName)
}

// DeviceID returns the device id, derived from the signing public key.
func (id *Identity) DeviceID() string { return id.id }

// Dev reports whether this is a development identity.
func (id *Identity) Dev() bool { return id.dev }

// Signer returns the record-signing key as a crypto.Signer (for result.Sign).
func (id *Identity) Signer() crypto.Signer { return id.sign }

// SigningPublicKey returns the raw 32-byte Ed25519 public key.
func (id *Identity) SigningPublicKey() ed25519.PublicKey {
	return id.sign.Public().(ed25519.PublicKey)
}

// EnvelopePublicKey returns the X25519 public key that senders seal
// envelopes to (see SealEnvelope).
func (id *Identity) EnvelopePublicKey() *ecdh.PublicKey { return id.env.PublicKey() }

// Public is the shareable part of an identity, as printed by
// `vouchctl identity`.
type Public struct {
	DeviceID    string `json:"device_id"`
	Dev         bool   `json:"dev"`
	SigningKey  []byte `json:"signing_key"`  // raw Ed25519 public key (32 bytes)
	EnvelopeKey []byte `json:"envelope_key"` // raw X25519 public key (32 bytes)
}

// Public returns the identity's public keys and device id.
func (id *Identity) Public() Public {
	return Public{
		DeviceID:    id.id,
		Dev:         id.dev,
		SigningKey:  append([]byte(nil), id.SigningPublicKey()...),
		EnvelopeKey: id.env.PublicKey().Bytes(),
	}
}
