package modelbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// Build is one way of compiling and running the interpreter.
type Build struct {
	Name    string // label in reports
	Tags    string // go build -tags
	GOAMD64 string // empty keeps the environment's level
	Threads int    // passed to the child as -threads when above 1
}

// Variants returns the builds `make bench-models` compares: the default
// (assembly kernels where the CPU has them) and the portable Go path at the
// baseline and at the AVX2-era instruction level.
func Variants() []Build {
	return []Build{
		{Name: "default"},
		{Name: "purego v1", Tags: "purego", GOAMD64: "v1"},
		{Name: "purego v3", Tags: "purego", GOAMD64: "v3"},
	}
}

// ThreadedDefault is the default build run with our interpreter on threads
// goroutines (tflite.Options.Threads); the reference still runs one thread.
func ThreadedDefault(threads int) Build {
	return Build{Name: fmt.Sprintf("default, %d threads (ref 1)", threads), Threads: threads}
}

// RunVariant builds pkg (the benchmodels command) as b into dir with goTool
// and runs it with args plus -child (and -threads for b.Threads > 1); the
// child prints its results as JSON on stdout. The child's stderr goes to
// stderr.
func RunVariant(ctx context.Context, goTool, pkg, dir string, b Build, args []string, stderr io.Writer) ([]Result, error) {
	bin := filepath.Join(dir, "benchmodels-"+filepath.Base(fmt.Sprintf("%s-%s", b.Tags, b.GOAMD64)))
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin)
	if b.Tags != "" {
		build.Args = append(build.Args, "-tags", b.Tags)
	}
	build.Args = append(build.Args, pkg)
	build.Env = os.Environ()
	if b.GOAMD64 != "" {
		build.Env = append(build.Env, "GOAMD64="+b.GOAMD64)
	}
	build.Stderr = stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("building %s: %w", b.Name, err)
	}
	var out bytes.Buffer
	args = append(append([]string(nil), args...), "-child")
	if b.Threads > 1 {
		args = append(args, "-threads", strconv.Itoa(b.Threads))
	}
	run := exec.CommandContext(ctx, bin, args...)
	run.Stdout, run.Stderr = &out, stderr
	if err := run.Run(); err != nil {
		return nil, fmt.Errorf("running %s: %w", b.Name, err)
	}
	var res []Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("%s: child output: %w", b.Name, err)
	}
	for i := range res {
		res[i].Variant = b.Name + " (" + res[i].Variant + ")"
	}
	return res, nil
}
