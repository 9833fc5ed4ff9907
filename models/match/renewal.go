package match

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
)

// MinKeyBytes is the shortest renewal key accepted.
const MinKeyBytes = 32

// renewalInfo domain-separates the key derivation; bump the version if the
// construction ever changes (old templates then need the old transform).
const renewalInfo = "vouch template renewal v1: orthogonal"

// Renewal is a keyed random orthogonal transform of templates. Applying it
// to every template of a deployment leaves all scores unchanged (cosine is
// invariant under rotation), while templates of deployments with different
// keys are no longer directly comparable: the same face gives unrelated
// vectors. Re-keying maps every stored template to a new key without the
// face (Rekey), so a leaked gallery can be revoked.
//
// Limit: pairwise distances are preserved, so two whole galleries of the same
// people can be linked by their distance structure; see the package Caveats.
//
// A Renewal is immutable and safe for concurrent use.
type Renewal struct {
	dim int
	q   []float64 // dim×dim, row-major, orthogonal
}

// NewRenewal derives the transform for dim-dimensional templates from key
// (at least MinKeyBytes of secret randomness): HKDF-SHA256 seeds a ChaCha8
// stream, Box–Muller turns it into a Gaussian matrix, and Householder QR
// with the sign of R's diagonal fixed gives a Haar-random orthogonal Q. The
// construction uses only fixed algorithms, so the same key gives the same
// transform on every device and Go version.
func NewRenewal(key []byte, dim int) (*Renewal, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("%w: %d bytes, need %d", ErrBadKey, len(key), MinKeyBytes)
	}
	if dim <= 0 || dim > 1024 {
		return nil, fmt.Errorf("%w: dim %d", ErrBadTemplate, dim)
	}
	seed, err := hkdf.Key(sha256.New, key, nil, fmt.Sprintf("%s dim=%d", renewalInfo, dim), 32)
	if err != nil {
		return nil, fmt.Errorf("match: renewal key derivation: %w", err)
	}
	src := rand.NewChaCha8([32]byte(seed))
	clear(seed)
	a := make([]float64, dim*dim)
	for i := 0; i < len(a); i += 2 {
		z0, z1 := boxMuller(src)
		a[i] = z0
		if i+1 < len(a) {
			a[i+1] = z1
		}
	}
	return &Renewal{dim: dim, q: orthogonalQ(a, dim)}, nil
}

// boxMuller returns two independent standard normal values from 2×53
// uniform bits.
func boxMuller(src *rand.ChaCha8) (float64, float64) {
	u1 := (float64(src.Uint64()>>11) + 0.5) / (1 << 53) // (0, 1)
	u2 := float64(src.Uint64()>>11) / (1 << 53)         // [0, 1)
	r := math.Sqrt(-2 * math.Log(u1))
	s, c := math.Sincos(2 * math.Pi * u2)
	return r * c, r * s
}

// orthogonalQ returns Q of the QR decomposition of the n×n matrix a
// (row-major, overwritten), with columns negated so that R's diagonal is
// positive — which makes Q Haar-distributed for Gaussian a.
func orthogonalQ(a []float64, n int) []float64 {
	vs := make([][]float64, n)
	diagSign := make([]float64, n)
	for k := 0; k < n; k++ {
		// Householder vector for column k, rows k..n-1.
		var norm float64
		for i := k; i < n; i++ {
			norm += a[i*n+k] * a[i*n+k]
		}
		norm = math.Sqrt(norm)
		alpha := -math.Copysign(norm, a[k*n+k])
		v := make([]float64, n-k)
		for i := k; i < n; i++ {
			v[i-k] = a[i*n+k]
		}
		v[0] -= alpha
		var vv float64
		for _, x := range v {
			vv += x * x
		}
		vs[k] = v
		diagSign[k] = math.Copysign(1, alpha)
		if vv == 0 {
			continue
		}
		for j := k; j < n; j++ {
			var d float64
			for i := k; i < n; i++ {
				d += v[i-k] * a[i*n+j]
			}
			f := 2 * d / vv
			for i := k; i < n; i++ {
				a[i*n+j] -= f * v[i-k]
			}
		}
	}
	// Q = H0·H1·…·H(n−1)·I, applied from the right end.
	q := make([]float64, n*n)
	for i := range n {
		q[i*n+i] = 1
	}
	for k := n - 1; k >= 0; k-- {
		v := vs[k]
		var vv float64
		for _, x := range v {
			vv += x * x
		}
		if vv == 0 {
			continue
		}
		for j := 0; j < n; j++ {
			var d float64
			for i := k; i < n; i++ {
				d += v[i-k] * q[i*n+j]
			}
			f := 2 * d / vv
			for i := k; i < n; i++ {
				q[i*n+j] -= f * v[i-k]
			}
		}
	}
	for j := range n { // make diag(R) positive
		if diagSign[j] < 0 {
			for i := range n {
				q[i*n+j] = -q[i*n+j]
			}
		}
	}
	return q
}

// Dim is the template length the transform applies to.
func (r *Renewal) Dim() int { return r.dim }

// Apply writes Q·v to dst (grown as needed) and returns it; dst must not
// overlap v.
func (r *Renewal) Apply(dst, v []float32) ([]float32, error) {
	return r.mul(dst, v, false)
}

// Undo writes Qᵀ·v, the inverse of Apply.
func (r *Renewal) Undo(dst, v []float32) ([]float32, error) {
	return r.mul(dst, v, true)
}

func (r *Renewal) mul(dst, v []float32, transpose bool) ([]float32, error) {
	if len(v) != r.dim {
		return nil, fmt.Errorf("%w: length %d, renewal dim %d", ErrBadTemplate, len(v), r.dim)
	}
	if cap(dst) < r.dim {
		dst = make([]float32, r.dim)
	}
	dst = dst[:r.dim]
	n := r.dim
	for i := range n {
		var s float64
		for j, x := range v {
			if transpose {
				s += r.q[j*n+i] * float64(x)
			} else {
				s += r.q[i*n+j] * float64(x)
			}
		}
		dst[i] = float32(s)
	}
	return dst, nil
}

// Rekey moves a template stored under from to the key of to, without
// access to the face: to.Apply(from.Undo(v)).
func Rekey(from, to *Renewal, dst, v []float32) ([]float32, error) {
	if from.dim != to.dim {
		return nil, fmt.Errorf("%w: renewal dims %d and %d", ErrBadTemplate, from.dim, to.dim)
	}
	tmp, err := from.Undo(make([]float32, 0, from.dim), v)
	if err != nil {
		return nil, err
	}
	return to.Apply(dst, tmp)
}

// Fingerprint is a short non-secret identifier of the transform (first 8
// bytes of SHA-256 over Q), to record which key a stored template is under.
func (r *Renewal) Fingerprint() uint64 {
	h := sha256.New()
	var b [8]byte
	for _, x := range r.q {
		binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
		h.Write(b[:])
	}
	return binary.LittleEndian.Uint64(h.Sum(nil))
}
