package match

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
)

func randUnit(r *rand.Rand, dim int) []float32 {
	v := make([]float32, dim)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	u, _ := Normalize(v, v)
	return u
}

// near returns a unit vector at cosine ≈ c from v (a "re-capture").
func near(r *rand.Rand, v []float32, c float64) []float32 {
	n := randUnit(r, len(v))
	out := make([]float32, len(v))
	s := math.Sqrt(1 - c*c)
	for i := range v {
		out[i] = float32(c*float64(v[i]) + s*float64(n[i]))
	}
	u, _ := Normalize(out, out)
	return u
}

func sameHits(t *testing.T, what string, got, want []Hit) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d hits, want %d", what, len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: hit %d = %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

// TestSearchMatchesExactRandom: top-k of the int8 scan + re-rank equals the
// exhaustive float search, for random galleries, random probes and probes
// close to an enrolled template, across sizes that exercise block tails.
func TestSearchMatchesExactRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	sizes := []struct{ n, dim int }{{1, 192}, {3, 5}, {511, 192}, {513, 192}, {5000, 192}, {2000, 512}, {700, 33}}
	if raceEnabled {
		sizes = sizes[:4]
	}
	for _, tt := range sizes {
		x, err := NewIndex(tt.dim, 0)
		if err != nil {
			t.Fatal(err)
		}
		var enrolled [][]float32
		for i := range tt.n {
			v := randUnit(r, tt.dim)
			enrolled = append(enrolled, v)
			if err := x.Add(fmt.Sprint("s", i), v); err != nil {
				t.Fatal(err)
			}
		}
		for p := range 40 {
			probe := randUnit(r, tt.dim)
			if p%2 == 1 {
				probe = near(r, enrolled[r.IntN(len(enrolled))], 0.6)
			}
			for _, k := range []int{1, 5, 50} {
				got, err := x.Search(probe, k)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := x.SearchExact(probe, k)
				sameHits(t, fmt.Sprintf("n=%d dim=%d probe %d k=%d", tt.n, tt.dim, p, k), got, want)
			}
		}
	}
}

// TestSearchMatchesExactReal uses the real 192-d embeddings of the shared
// face set: every image is a probe against the gallery of all the others.
func TestSearchMatchesExactReal(t *testing.T) {
	embs := loadRealEmbeddings(t)
	x, _ := NewIndex(192, 0)
	for name, v := range embs {
		if err := x.Add(name, v); err != nil {
			t.Fatal(err)
		}
	}
	for name, v := range embs {
		x.Remove(name)
		for _, k := range []int{1, 3} {
			got, _ := x.Search(v, k)
			want, _ := x.SearchExact(v, k)
			sameHits(t, name, got, want)
		}
		if err := x.Add(name, v); err != nil {
			t.Fatal(err)
		}
	}
}

func loadRealEmbeddings(t testing.TB) map[string][]float32 {
	p := testenv.Shared(t, "testdata", "golden", "pipeline.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		File      string    `json:"file"`
		Embedding []float32 `json:"embedding"`
	}
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for _, e := range entries {
		if len(e.Embedding) > 0 {
			out[filepath.Base(e.File)] = e.Embedding
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d embeddings in pipeline.json", len(out))
	}
	return out
}

func TestIndexAddRemove(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	x, _ := NewIndex(16, 3)
	a, b, c := randUnit(r, 16), randUnit(r, 16), randUnit(r, 16)
	for _, tt := range []struct {
		id   string
		v    []float32
		want error
	}{
		{"a", a, nil}, {"a", b, ErrDuplicateID}, {"b", b, nil},
		{"short", a[:15], ErrBadTemplate}, {"zero", make([]float32, 16), ErrBadTemplate},
		{"nan", append(append([]float32{}, a[:15]...), float32(math.NaN())), ErrBadTemplate},
		{"c", c, nil}, {"d", a, ErrRosterFull},
	} {
		if err := x.Add(tt.id, tt.v); !errors.Is(err, tt.want) {
			t.Errorf("Add(%s) = %v, want %v", tt.id, err, tt.want)
		}
	}
	if x.Len() != 3 {
		t.Fatalf("Len %d", x.Len())
	}
	if !x.Remove("a") || x.Remove("a") {
		t.Fatal("Remove(a) twice")
	}
	hits, err := x.Search(c, 5)
	if err != nil || len(hits) != 2 || hits[0].ID != "c" || math.Abs(float64(hits[0].Score)-1) > 1e-6 {
		t.Fatalf("after remove: %+v %v", hits, err)
	}
	if _, err := x.Search(make([]float32, 16), 1); !errors.Is(err, ErrBadTemplate) {
		t.Errorf("zero probe: %v", err)
	}
	empty, _ := NewIndex(16, 0)
	if h, err := empty.Search(a, 3); err != nil || len(h) != 0 {
		t.Errorf("empty index: %v %v", h, err)
	}
}

func benchIndex(b *testing.B, n int) {
	r := rand.New(rand.NewPCG(42, uint64(n)))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	x, _ := NewIndex(192, 0)
	for i := range n {
		if err := x.Add(fmt.Sprintf("subject-%09d", i), randUnit(r, 192)); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	probes := make([][]float32, 64)
	for i := range probes {
		probes[i] = randUnit(r, 192)
	}
	heap := float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
	report := func(b *testing.B) {
		b.ReportMetric(heap, "heapB/subject")
		b.ReportMetric(float64(x.BytesPerSubject()), "rowB/subject")
	}
	b.Run("int8-simd+rerank", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := x.Search(probes[i%len(probes)], 1); err != nil {
				b.Fatal(err)
			}
			i++
		}
		report(b)
	})
	b.Run("float32-exact", func(b *testing.B) {
		i := 0
		for b.Loop() {
			x.SearchExact(probes[i%len(probes)], 1)
			i++
		}
	})
	runtime.KeepAlive(x)
}

func BenchmarkSearch100k(b *testing.B) { benchIndex(b, 100_000) }
func BenchmarkSearch1M(b *testing.B)   { benchIndex(b, 1_000_000) }

func TestRosterIndexAndIdentify(t *testing.T) {
	c := validCalibration()
	c.Dim, c.RosterCap = 8, 2
	x, err := NewRosterIndex(c)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 5))
	a := randUnit(r, 8)
	_ = x.Add("a", a)
	_ = x.Add("b", randUnit(r, 8))
	if err := x.Add("c", randUnit(r, 8)); !errors.Is(err, ErrRosterFull) {
		t.Errorf("third subject with cap 2: %v", err)
	}
	if h, ok, err := x.Identify(a, c.Identify); err != nil || !ok || h.ID != "a" {
		t.Errorf("Identify(a) = %+v %v %v", h, ok, err)
	}
	if _, ok, _ := x.Identify(near(r, a, 0.2), 0.9); ok {
		t.Error("weak hit accepted at threshold 0.9")
	}
	c.Version = 0
	if _, err := NewRosterIndex(c); !errors.Is(err, ErrBadCalibration) {
		t.Errorf("invalid calibration: %v", err)
	}
}
