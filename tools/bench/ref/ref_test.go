package ref

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
)

func start(t *testing.T) *Runner {
	t.Helper()
	bench := filepath.Join(testenv.RepoRoot(t), "tools", "bench")
	testenv.Tool(t, "node", "apt-get install nodejs")
	if _, err := os.Stat(filepath.Join(WasmDir(bench), "tflite_web_api_cc_simd.wasm")); err != nil {
		testenv.Missing(t, "reference runtime absent (%v): run make bench-ref", err)
	}
	r, err := Start(context.Background(), Config{BenchDir: bench})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// TestErrorsKeepRunnerUsable sends requests the runtime must refuse and
// checks each fails with the runtime's reason while the child keeps
// serving.
func TestErrorsKeepRunnerUsable(t *testing.T) {
	r := start(t)
	if _, err := r.Infer(1); err == nil || !strings.Contains(err.Error(), "no model loaded") {
		t.Errorf("Infer before Load: err = %v", err)
	}
	if _, err := r.Load([]byte("not a flatbuffer"), 1, false); err == nil {
		t.Error("Load of garbage succeeded")
	}
	p := filepath.Join(testenv.RepoRoot(t), "models", "assets", "weights", "face_detection_short_range.tflite")
	model, err := os.ReadFile(p)
	if err != nil {
		testenv.Missing(t, "model weights absent (%v): run make models", err)
	}
	mi, err := r.Load(model, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(mi.Inputs) != 1 || mi.Inputs[0].Type != "float32" || len(mi.Outputs) != 2 {
		t.Fatalf("model info %+v", mi)
	}
	if err := r.SetInput(0, make([]byte, 7)); err == nil {
		t.Error("SetInput with the wrong byte count succeeded")
	}
	if err := r.SetInput(0, make([]byte, 4*128*128*3)); err != nil {
		t.Fatal(err)
	}
	d, err := r.Infer(2)
	if err != nil || len(d) != 2 || d[0] <= 0 {
		t.Fatalf("Infer: %v, %v", d, err)
	}
	if _, err := r.Output(5); err == nil {
		t.Error("Output(5) of a two-output model succeeded")
	}
	out, err := r.Output(0)
	if err != nil || len(out) != 4*896*16 {
		t.Fatalf("Output(0): %d bytes, %v", len(out), err)
	}
	prof, err := r.Profile()
	if err != nil || len(prof) == 0 {
		t.Fatalf("Profile: %v, %v", prof, err)
	}
}
