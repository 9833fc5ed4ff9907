package tflite

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
)

// goldenFile is the part of ../shared/testdata/golden/golden.json the
// interpreter tests read.
type goldenFile struct {
	Cases []goldenCase `json:"cases"`
}

type goldenCase struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Model string `json:"model"`
	Input struct {
		File  string `json:"file"`
		Shape []int  `json:"shape"`
	} `json:"input"`
	Outputs []struct {
		Name  string `json:"name"`
		File  string `json:"file"`
		Shape []int  `json:"shape"`
	} `json:"outputs"`
}

func loadGolden(t *testing.T) (dir string, g goldenFile) {
	t.Helper()
	dir = testenv.Shared(t, "testdata", "golden")
	b, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("golden.json: %v", err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("golden.json has no cases")
	}
	return dir, g
}

// modelBytes reads a fetched model file, skipping (failing under CI) when
// `make models` has not run.
func modelBytes(tb testing.TB, id string) []byte {
	tb.Helper()
	p := filepath.Join(testenv.RepoRoot(tb), "models", "assets", "weights", id+".tflite")
	b, err := os.ReadFile(p)
	if err != nil {
		testenv.Missing(tb, "model %s is absent (%v): run `make models`", id, err)
	}
	return b
}

func readF32(t *testing.T, path string, n int) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 4*n {
		t.Fatalf("%s: %d bytes, want %d", path, len(b), 4*n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// goldenSubset says which cases run: all of them, except under the race
// detector with -short, where one case per model keeps the portable
// (instrumented) kernels within the time budget on small machines.
func goldenSubset(c goldenCase, seen map[string]int) bool {
	if !raceEnabled || !testing.Short() {
		return true
	}
	seen[c.Model]++
	return seen[c.Model] <= 1
}

// TestGolden runs every case of golden.json and compares each output
// element with |got − want| ≤ 1e-3·max(1, |want|) and, for embeddings,
// cosine(got, want) ≥ 0.99999 per row. It logs the largest errors seen.
func TestGolden(t *testing.T) {
	dir, g := loadGolden(t)
	interps := map[string]*Interpreter{}
	seen := map[string]int{}
	worst := map[string]float64{}
	for _, c := range g.Cases {
		if !goldenSubset(c, seen) {
			continue
		}
		ip := interps[c.Model]
		if ip == nil {
			m, err := Load(modelBytes(t, c.Model))
			if err != nil {
				t.Fatalf("%s: Load: %v", c.Model, err)
			}
			if ip, err = NewInterpreter(m, nil); err != nil {
				t.Fatalf("%s: NewInterpreter: %v", c.Model, err)
			}
			interps[c.Model] = ip
		}
		t.Run(c.ID, func(t *testing.T) {
			in := ip.Input(0)
			if !equalShape(in.Shape(), c.Input.Shape) {
				t.Fatalf("input shape %v, golden %v", in.Shape(), c.Input.Shape)
			}
			copy(in.Float32s(), readF32(t, filepath.Join(dir, c.Input.File), in.Len()))
			if err := ip.Invoke(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, o := range c.Outputs {
				out, err := ip.OutputByName(o.Name)
				if err != nil {
					t.Fatal(err)
				}
				if !equalShape(out.Shape(), o.Shape) {
					t.Fatalf("%s: shape %v, golden %v", o.Name, out.Shape(), o.Shape)
				}
				want := readF32(t, filepath.Join(dir, o.File), out.Len())
				rel := compareClose(t, o.Name, out.Float32s(), want)
				worst[c.Model] = max(worst[c.Model], rel)
				if c.Kind == "embedder" {
					row := o.Shape[len(o.Shape)-1]
					for r := 0; r < len(want)/row; r++ {
						cos := cosine(out.Float32s()[r*row:(r+1)*row], want[r*row:(r+1)*row])
						t.Logf("%s row %d: cosine %.9f (1 − cos = %.2g)", o.Name, r, cos, 1-cos)
						if cos < 0.99999 {
							t.Errorf("%s row %d: cosine %.8f < 0.99999", o.Name, r, cos)
						}
					}
				}
			}
		})
	}
	for m, w := range worst {
		t.Logf("%s: largest error %.3g × max(1, |want|) (limit 1e-3)", m, w)
	}
}

// compareClose checks every element and returns the largest
// |got − want| / max(1, |want|).
func compareClose(t *testing.T, name string, got, want []float32) float64 {
	t.Helper()
	worst, at, bad := 0.0, 0, 0
	for i := range want {
		w := float64(want[i])
		e := math.Abs(float64(got[i])-w) / math.Max(1, math.Abs(w))
		if e > worst || math.IsNaN(e) {
			worst, at = e, i
		}
		if !(e <= 1e-3) {
			bad++
		}
	}
	t.Logf("%s: largest error %.3g at %d (got %g, want %g)", name, worst, at, got[at], want[at])
	if bad > 0 {
		t.Errorf("%s: %d of %d elements outside 1e-3·max(1,|want|); worst %.3g at %d (got %g, want %g)",
			name, bad, len(want), worst, at, got[at], want[at])
	}
	return worst
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}
