package ref

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// Package is the npm package, pinned by exact version, that holds the
// runtime; Integrity is its registry tarball's sha512.
const (
	Package   = "@tensorflow/tfjs-tflite@0.0.1-alpha.10"
	Integrity = "sha512-/qmqsRBTg+XCWgNomJ/gdZIKFMpGiTEAwMhqk/7cOZEp/fTV69GuknOoSQjloYGWasQIDIriQO3bpi6T4PTEnA=="
)

// ErrNotInstalled reports that node or the npm package is missing.
var ErrNotInstalled = errors.New("ref: reference runtime not installed")

// WasmDir returns where `make bench-ref` puts the runtime's .js/.wasm files,
// given the tools/bench directory.
func WasmDir(benchDir string) string {
	return filepath.Join(benchDir, "node_modules", "@tensorflow", "tfjs-tflite", "wasm")
}

// Config selects the runtime build.
type Config struct {
	// BenchDir is the tools/bench directory (holds ref/runner.js and
	// node_modules).
	BenchDir string
	// Scalar selects the build without WebAssembly SIMD; the default is
	// the SIMD build (tflite_web_api_cc_simd), which uses XNNPACK.
	Scalar bool
	// Node is the node executable; empty means "node" from PATH.
	Node string
}

// TensorInfo describes one model input or output as the runtime sees it.
type TensorInfo struct {
	Name  string `json:"name"`
	Type  string `json:"type"` // "float32", "int8", "uint8", "int32", ...
	Shape []int  `json:"shape"`
}

// ModelInfo lists a loaded model's inputs and outputs in the runtime's order.
type ModelInfo struct {
	Inputs  []TensorInfo `json:"inputs"`
	Outputs []TensorInfo `json:"outputs"`
}

// OpTime is one entry of the runtime's own per-node profile.
type OpTime struct {
	Type string  `json:"type"` // e.g. "CONV_2D" or "TfLiteXNNPackDelegate"
	Name string  `json:"name"`
	Ms   float64 `json:"ms"`
}

// Runner is one Node child process. It is not safe for concurrent use.
type Runner struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *lockedBuffer
}

// Start launches node with the runtime. ctx bounds the child's lifetime.
func Start(ctx context.Context, c Config) (*Runner, error) {
	node := c.Node
	if node == "" {
		node = "node"
	}
	bin, err := exec.LookPath(node)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotInstalled, err)
	}
	wasm := WasmDir(c.BenchDir)
	flavour, stem := "simd", "tflite_web_api_cc_simd"
	if c.Scalar {
		flavour, stem = "scalar", "tflite_web_api_cc"
	}
	for _, f := range []string{stem + ".js", stem + ".wasm"} {
		if _, err := os.Stat(filepath.Join(wasm, f)); err != nil {
			return nil, fmt.Errorf("%w: %v (run make bench-ref)", ErrNotInstalled, err)
		}
	}
	cmd := exec.CommandContext(ctx, bin, filepath.Join(c.BenchDir, "ref", "runner.js"), wasm, flavour)
	r := &Runner{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = r.stderr
	if r.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r.out = bufio.NewReaderSize(stdout, 1<<20)
	var ready struct {
		Ready string `json:"ready"`
	}
	if err := r.read(&ready); err != nil {
		r.Close()
		return nil, fmt.Errorf("ref: runner did not start: %w", err)
	}
	return r, nil
}

// Close ends the child process.
func (r *Runner) Close() error {
	r.stdin.Close()
	err := r.cmd.Wait()
	if err != nil {
		return fmt.Errorf("ref: runner: %w: %s", err, r.stderr.String())
	}
	return nil
}

func (r *Runner) read(v any) error {
	line, err := r.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("ref: reading reply: %w (stderr: %s)", err, r.stderr.String())
	}
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(line, &e); err != nil {
		return fmt.Errorf("ref: bad reply %.80q: %w", line, err)
	}
	if e.Error != "" {
		return fmt.Errorf("ref: runtime: %s", e.Error)
	}
	return json.Unmarshal(line, v)
}

func (r *Runner) call(req map[string]any, reply any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := r.stdin.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("ref: writing request: %w (stderr: %s)", err, r.stderr.String())
	}
	return r.read(reply)
}

// Load replaces the loaded model. threads is the runtime's thread count;
// profile enables its per-node profiler (see Profile).
func (r *Runner) Load(model []byte, threads int, profile bool) (*ModelInfo, error) {
	var mi ModelInfo
	err := r.call(map[string]any{"op": "load", "model": base64.StdEncoding.EncodeToString(model), "threads": threads, "profile": profile}, &mi)
	if err != nil {
		return nil, err
	}
	return &mi, nil
}

// SetInput copies raw little-endian tensor bytes into input i.
func (r *Runner) SetInput(i int, data []byte) error {
	return r.call(map[string]any{"op": "set", "index": i, "data": base64.StdEncoding.EncodeToString(data)}, &struct{}{})
}

// Infer runs the model n times and returns each run's duration, measured
// inside Node.
func (r *Runner) Infer(n int) ([]time.Duration, error) {
	var rep struct {
		NS []int64 `json:"ns"`
	}
	if err := r.call(map[string]any{"op": "infer", "runs": n}, &rep); err != nil {
		return nil, err
	}
	if len(rep.NS) != n {
		return nil, fmt.Errorf("ref: asked for %d runs, got %d durations", n, len(rep.NS))
	}
	d := make([]time.Duration, n)
	for i, ns := range rep.NS {
		d[i] = time.Duration(ns)
	}
	return d, nil
}

// Output returns output i's raw little-endian bytes after the last Infer.
func (r *Runner) Output(i int) ([]byte, error) {
	var rep struct {
		Data []byte `json:"data"` // encoding/json decodes base64 into []byte
	}
	if err := r.call(map[string]any{"op": "get", "index": i}, &rep); err != nil {
		return nil, err
	}
	return rep.Data, nil
}

// Profile returns the runtime's profile entries collected since Load (only
// with profiling enabled). With XNNPACK the delegated part of the graph is
// one entry named TfLiteXNNPackDelegate.
func (r *Runner) Profile() ([]OpTime, error) {
	var rep struct {
		Ops []OpTime `json:"ops"`
	}
	if err := r.call(map[string]any{"op": "profile"}, &rep); err != nil {
		return nil, err
	}
	return rep.Ops, nil
}

// lockedBuffer collects the child's stderr (written by exec's copier
// goroutine, read by error paths).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil // keep the first 64 KiB: enough to diagnose
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
