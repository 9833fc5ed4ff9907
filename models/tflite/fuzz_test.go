package tflite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
)

// Fuzz limits keep one iteration to milliseconds.
const (
	fuzzMaxArena = 16 << 20
	fuzzMaxMACs  = 20_000_000
)

// FuzzLoadInvoke feeds mutated model files to Load, NewInterpreter and
// Invoke. Any panic fails; errors must wrap one of the package sentinels.
// Seeds: every test model the builder makes, plus the short-range detector
// when `make models` has run (it is small enough to mutate quickly).
func FuzzLoadInvoke(f *testing.F) {
	base := convModel()
	f.Add(base.build())
	for _, c := range quantRefCases() { // the quantised kernels (q_*.go)
		f.Add(c.model.build())
	}
	for _, code := range []int{0, 18, 41} { // ADD, MUL, SUB with broadcasting
		m := tModel{
			tensors: []tTensor{{name: "a", typ: Float32, shape: []int{1, 2, 2, 3}}, {name: "c", typ: Float32, shape: []int{3}, f32: []float32{1, 2, 3}},
				{name: "o", typ: Float32, shape: []int{1, 2, 2, 3}}},
			ops:    []tOp{{code: toOp(code), in: []int{1, 0}, out: []int{2}}},
			inputs: []int{0}, outputs: []int{2},
		}
		f.Add(m.build())
	}
	p := filepath.Join(testenv.RepoRoot(f), "models", "assets", "weights", "face_detection_short_range.tflite")
	if b, err := os.ReadFile(p); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(data)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		ip, err := NewInterpreter(m, &Options{MaxArenaBytes: fuzzMaxArena})
		if err != nil {
			checkSentinel(t, err)
			return
		}
		if ip.MACs() > fuzzMaxMACs {
			return
		}
		for i := 0; i < ip.InputCount(); i++ {
			in := ip.Input(i).Float32s()
			for j := range in {
				in[j] = float32(j%7) - 3
			}
		}
		if err := ip.Invoke(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func checkSentinel(t *testing.T, err error) {
	if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrShape) {
		t.Fatalf("error wraps no sentinel: %v", err)
	}
}
