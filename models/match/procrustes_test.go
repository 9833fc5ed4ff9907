package match

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// polar returns the orthogonal polar factor of the n×n matrix m (row-major)
// by Newton's iteration X ← (X + X⁻ᵀ)/2, or false if m is singular.
func polar(m []float64, n int) ([]float64, bool) {
	x := make([]float64, len(m))
	var fro float64
	for _, v := range m {
		fro += v * v
	}
	fro = math.Sqrt(fro)
	for i, v := range m {
		x[i] = v / fro
	}
	for iter := 0; iter < 60; iter++ {
		inv, ok := invert(x, n)
		if !ok {
			return nil, false
		}
		var delta float64
		for i := range n {
			for j := range n {
				nv := 0.5 * (x[i*n+j] + inv[j*n+i])
				delta = max(delta, math.Abs(nv-x[i*n+j]))
				x[i*n+j] = nv
			}
		}
		if delta < 1e-12 {
			return x, true
		}
	}
	return x, true
}

// invert is Gauss–Jordan elimination with partial pivoting.
func invert(a []float64, n int) ([]float64, bool) {
	m := make([]float64, n*2*n)
	for i := range n {
		copy(m[i*2*n:], a[i*n:(i+1)*n])
		m[i*2*n+n+i] = 1
	}
	w := 2 * n
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r*w+c]) > math.Abs(m[p*w+c]) {
				p = r
			}
		}
		if math.Abs(m[p*w+c]) < 1e-12 {
			return nil, false
		}
		for k := range w {
			m[c*w+k], m[p*w+k] = m[p*w+k], m[c*w+k]
		}
		piv := m[c*w+c]
		for k := range w {
			m[c*w+k] /= piv
		}
		for r := range n {
			if r == c || m[r*w+c] == 0 {
				continue
			}
			f := m[r*w+c]
			for k := range w {
				m[r*w+k] -= f * m[c*w+k]
			}
		}
	}
	out := make([]float64, n*n)
	for i := range n {
		copy(out[i*n:], m[i*w+n:(i+1)*w])
	}
	return out, true
}

// TestProcrustesLinkage is the stronger gallery-linkage attack: an
// attacker who knows which templates belong together for m subjects of
// two deployments (e.g. insiders enrolled at both) fits the orthogonal map
// between the keys (orthogonal Procrustes: the polar factor of Σ bᵢaᵢᵀ)
// and then compares every other template directly. Both sites enrolled
// independent re-captures (genuine cosine ≈ 0.7). The test requires the
// attack to link most subjects once m exceeds the dimension — that is the
// documented limit of renewal — and logs the rates.
func TestProcrustesLinkage(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("O(dim³) attack; runs without -race and -short")
	}
	const dim, others = 192, 200 // the template length of the default embedder
	r := rand.New(rand.NewPCG(11, 12))
	ka, _ := NewRenewal(key(21), dim)
	kb, _ := NewRenewal(key(22), dim)
	for _, m := range []int{dim / 2, dim + dim/2, 4 * dim} {
		n := m + others
		a, b := make([][]float32, n), make([][]float32, n)
		for i := range n {
			base := randUnit(r, dim)
			a[i], _ = ka.Apply(nil, near(r, base, 0.85))
			b[i], _ = kb.Apply(nil, near(r, base, 0.85))
		}
		// M = Σ_known b aᵀ
		mm := make([]float64, dim*dim)
		for k := range m {
			for i := range dim {
				for j := range dim {
					mm[i*dim+j] += float64(b[k][i]) * float64(a[k][j])
				}
			}
		}
		rot, ok := polar(mm, dim)
		linked, above := 0, 0
		if ok {
			for i := m; i < n; i++ {
				ra := make([]float32, dim)
				for p := range dim {
					var s float64
					for q := range dim {
						s += rot[p*dim+q] * float64(a[i][q])
					}
					ra[p] = float32(s)
				}
				best, bestJ := float32(-2), -1
				for j := m; j < n; j++ {
					if c, _ := Cosine(ra, b[j]); c > best {
						best, bestJ = c, j
					}
				}
				if bestJ == i {
					linked++
				}
				if c, _ := Cosine(ra, b[i]); c >= 0.463 {
					above++
				}
			}
		}
		msg := fmt.Sprintf("dim %d, %d known pairs: fit ok=%v; links %d/%d unknown subjects, %d of them score ≥ 0.463 against their own template", dim, m, ok, linked, others, above)
		t.Log(msg)
		if m >= 2*dim && linked < others*9/10 {
			t.Errorf("%s: expected the attack to succeed", msg)
		}
	}
}
