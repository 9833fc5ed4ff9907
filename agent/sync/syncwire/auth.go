package syncwire

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuthScheme is the Authorization scheme of device requests.
const AuthScheme = "Vouch-Ed25519"

// RequestLifetime is how far a request's timestamp may be from the
// platform's clock, in either direction.
const RequestLifetime = 60 * time.Second

// NonceSize is the length of a request nonce.
const NonceSize = 16

// Errors returned by ParseAuth and Auth.Verify.
var (
	// ErrAuthMalformed: the Authorization header is missing or not of the
	// documented form.
	ErrAuthMalformed = errors.New("syncwire: malformed device authorization")
	// ErrAuthSignature: the request signature does not verify.
	ErrAuthSignature = errors.New("syncwire: bad request signature")
	// ErrAuthExpired: the request timestamp is outside RequestLifetime.
	ErrAuthExpired = errors.New("syncwire: request timestamp outside the accepted window")
)

// Auth is a parsed device Authorization header.
type Auth struct {
	Device string
	Time   int64 // Unix seconds
	Nonce  [NonceSize]byte
	Sig    []byte
}

// requestDomain separates request signatures from record signatures made
// with the same device key (those are COSE_Sign1 structures, never this
// prefix).
const requestDomain = "vouch-request-v1\n"

// RequestMessage returns the bytes a device signs for a request.
func RequestMessage(method, path, device string, ts int64, nonce [NonceSize]byte, body []byte) []byte {
	sum := sha256.Sum256(body)
	var b strings.Builder
	b.WriteString(requestDomain)
	for _, f := range []string{method, path, device, strconv.FormatInt(ts, 10), base64.RawURLEncoding.EncodeToString(nonce[:]), base64.RawURLEncoding.EncodeToString(sum[:])} {
		b.WriteString(f)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// SignRequest returns the Authorization header value for a request.
func SignRequest(signer crypto.Signer, device, method, path string, now time.Time, nonce [NonceSize]byte, body []byte) (string, error) {
	ts := now.Unix()
	sig, err := signer.Sign(nil, RequestMessage(method, path, device, ts, nonce, body), crypto.Hash(0))
	if err != nil {
		return "", fmt.Errorf("syncwire: sign request: %w", err)
	}
	return fmt.Sprintf("%s device=%s, ts=%d, nonce=%s, sig=%s", AuthScheme, device, ts,
		base64.RawURLEncoding.EncodeToString(nonce[:]), base64.RawURLEncoding.EncodeToString(sig)), nil
}

// ParseAuth parses an Authorization header value. It checks the form only;
// call Verify with the device's pinned key.
func ParseAuth(h string) (Auth, error) {
	rest, ok := strings.CutPrefix(h, AuthScheme+" ")
	if !ok || len(h) > 512 {
		return Auth{}, fmt.Errorf("%w: want scheme %s", ErrAuthMalformed, AuthScheme)
	}
	var a Auth
	seen := map[string]bool{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" || seen[k] {
			return Auth{}, fmt.Errorf("%w: parameter %q", ErrAuthMalformed, part)
		}
		seen[k] = true
		switch k {
		case "device":
			a.Device = v
		case "ts":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return Auth{}, fmt.Errorf("%w: ts %q", ErrAuthMalformed, v)
			}
			a.Time = n
		case "nonce":
			b, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil || len(b) != NonceSize {
				return Auth{}, fmt.Errorf("%w: nonce", ErrAuthMalformed)
			}
			copy(a.Nonce[:], b)
		case "sig":
			b, err := base64.RawURLEncoding.DecodeString(v)
			if err != nil || len(b) != ed25519.SignatureSize {
				return Auth{}, fmt.Errorf("%w: sig", ErrAuthMalformed)
			}
			a.Sig = b
		default:
			return Auth{}, fmt.Errorf("%w: unknown parameter %q", ErrAuthMalformed, k)
		}
	}
	if len(seen) != 4 {
		return Auth{}, fmt.Errorf("%w: want device, ts, nonce and sig", ErrAuthMalformed)
	}
	return a, nil
}

// Verify checks the signature with the device's pinned key and the
// timestamp against now. Nonce uniqueness is the caller's job.
func (a Auth) Verify(pub ed25519.PublicKey, method, path string, body []byte, now time.Time) error {
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, RequestMessage(method, path, a.Device, a.Time, a.Nonce, body), a.Sig) {
		return ErrAuthSignature
	}
	return a.CheckTime(now)
}

// CheckTime checks the timestamp alone against now (within
// RequestLifetime either way). A server calls it before reading a request's
// body, so a stale request costs nothing; Verify calls it too.
func (a Auth) CheckTime(now time.Time) error {
	if d := now.Sub(time.Unix(a.Time, 0)); d > RequestLifetime || d < -RequestLifetime {
		return fmt.Errorf("%w: off by %v", ErrAuthExpired, d.Round(time.Second))
	}
	return nil
}

// Expires returns when a request signed at a.Time stops being accepted:
// its nonce need not be remembered after that.
func (a Auth) Expires() time.Time { return time.Unix(a.Time, 0).Add(RequestLifetime + time.Second) }
