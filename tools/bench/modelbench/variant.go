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
)

// Build is one way of compiling the interpreter.
type Build struct {
	Name    string // label in reports
	Tags    string // go build -tags
	GOAMD64 string // empty keeps the environment's level
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

// RunVariant builds pkg (the benchmodels command) as b into dir with goTool
// and runs it with args plus -child; the child prints its results as JSON
// on stdout. The child's stderr goes to stderr.
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
	run := exec.CommandContext(ctx, bin, append(append([]string(nil), args...), "-child")...)
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
