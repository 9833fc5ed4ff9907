package modelbench

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/internal/testenv"
	"github.com/vouchkiosk/vouch/tools/bench/ref"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 3, 2}, 2},
	} {
		in := append([]time.Duration(nil), tc.in...)
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Fatalf("median reordered its input")
			}
		}
	}
}

func TestRatio(t *testing.T) {
	r := Result{Ours: 3 * time.Millisecond, Ref: 6 * time.Millisecond, MACs: 6e6}
	if got := r.Ratio(); got != 0.5 {
		t.Errorf("Ratio = %v, want 0.5", got)
	}
	if got := r.GMACs(); math.Abs(got-2) > 1e-9 {
		t.Errorf("GMACs = %v, want 2", got)
	}
	if got := (&Result{Ours: 1}).Ratio(); !math.IsNaN(got) {
		t.Errorf("Ratio without reference = %v, want NaN", got)
	}
}

// setup returns a Config for the short-range detector, or skips (fails under
// CI=true) when the weights or the reference runtime are absent.
func setup(t *testing.T) Config {
	root := testenv.RepoRoot(t)
	weights := filepath.Join(root, "models", "assets", "weights")
	if _, err := os.Stat(filepath.Join(weights, Models()[0].File)); err != nil {
		testenv.Missing(t, "model weights absent (%v): run make models", err)
	}
	bench := filepath.Join(root, "tools", "bench")
	testenv.Tool(t, "node", "apt-get install nodejs")
	if _, err := os.Stat(filepath.Join(ref.WasmDir(bench), "tflite_web_api_cc_simd.wasm")); err != nil {
		testenv.Missing(t, "reference runtime absent (%v): run make bench-ref", err)
	}
	return Config{Weights: weights, BenchDir: bench, Models: Models()[:1], Warmup: 1, Runs: 3, Seed: 7}
}

// TestRunAgainstReference runs the whole measurement once, small: both
// runtimes must agree on the random input and report sane numbers.
func TestRunAgainstReference(t *testing.T) {
	c := setup(t)
	rs, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	r := rs[0]
	if r.Ours <= 0 || r.Ref <= 0 || r.MACs <= 0 || r.OutputsChecked != 896*16+896 || len(r.Profile) == 0 {
		t.Errorf("implausible result %+v", r)
	}
	if r.MaxErr > Tolerance {
		t.Errorf("max error %g", r.MaxErr)
	}
}

// TestCompareDetectsMismatch corrupts our output after a matching run and
// expects ErrMismatch.
func TestCompareDetectsMismatch(t *testing.T) {
	c := setup(t)
	rr, err := ref.Start(context.Background(), ref.Config{BenchDir: c.BenchDir})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.Close()
	data, err := os.ReadFile(filepath.Join(c.Weights, c.Models[0].File))
	if err != nil {
		t.Fatal(err)
	}
	ip := mustInterpreter(t, data)
	if err := loadRef(rr, data, ip); err != nil {
		t.Fatal(err)
	}
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := rr.Infer(1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := compare(rr, ip); err != nil {
		t.Fatalf("zero input: %v", err)
	}
	ip.Output(1).Float32s()[10] += 0.5
	if _, _, err := compare(rr, ip); !errors.Is(err, ErrMismatch) {
		t.Fatalf("corrupted output: err = %v, want ErrMismatch", err)
	}
}

// TestRunThreads measures the short-range detector with two threads and no
// reference: the result must say so and Invoke must still not allocate.
func TestRunThreads(t *testing.T) {
	root := testenv.RepoRoot(t)
	weights := filepath.Join(root, "models", "assets", "weights")
	if _, err := os.Stat(filepath.Join(weights, Models()[0].File)); err != nil {
		testenv.Missing(t, "model weights absent (%v): run make models", err)
	}
	c := Config{Weights: weights, Models: Models()[:1], Warmup: 1, Runs: 3, Seed: 7, NoRef: true, Threads: 2}
	rs, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if r := rs[0]; r.Threads != 2 || r.Ours <= 0 || r.AllocsPerRun != 0 || r.Ref != 0 {
		t.Errorf("implausible result %+v", r)
	}
	c.Threads = -1
	if _, err := Run(context.Background(), c); err == nil {
		t.Error("Run with -1 threads succeeded")
	}
}

func TestThreadedDefault(t *testing.T) {
	b := ThreadedDefault(2)
	if b.Threads != 2 || b.Tags != "" || b.GOAMD64 != "" || !strings.Contains(b.Name, "2 threads") {
		t.Errorf("ThreadedDefault(2) = %+v", b)
	}
}
