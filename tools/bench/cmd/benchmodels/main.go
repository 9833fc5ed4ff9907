// Command benchmodels times the face models with models/tflite and with the
// official TFLite runtime (WebAssembly under Node), alternating the two, for
// the default build and the portable Go path. With -threads N > 1 it also
// times the default build with tflite.Options.Threads = N (an
// informational row: the reference still runs one thread). See package
// modelbench.
//
//	go run ./tools/bench/cmd/benchmodels -weights models/assets/weights -bench tools/bench -threads 2
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/vouchkiosk/vouch/tools/bench/modelbench"
	"github.com/vouchkiosk/vouch/tools/bench/ref"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchmodels:", err)
		os.Exit(1)
	}
}

func run() error {
	var c modelbench.Config
	flag.StringVar(&c.Weights, "weights", "models/assets/weights", "directory holding the .tflite files")
	flag.StringVar(&c.BenchDir, "bench", "tools/bench", "tools/bench directory (reference runner, node_modules)")
	flag.IntVar(&c.Warmup, "warmup", 10, "untimed invokes per runtime before timing")
	flag.DurationVar(&c.WarmupTime, "warmuptime", 3*time.Second, "minimum warm-up time per runtime and model")
	flag.IntVar(&c.Runs, "runs", 31, "timed invokes per runtime")
	flag.Uint64Var(&c.Seed, "seed", 1, "seed of the random input")
	flag.BoolVar(&c.NoRef, "noref", false, "time models/tflite only")
	flag.IntVar(&c.Threads, "threads", 1, "also time the default build with this many threads (Options.Threads; the reference keeps 1)")
	child := flag.Bool("child", false, "measure this binary only and print JSON (used by the parent)")
	top := flag.Int("top", 8, "profile lines per model")
	goTool := flag.String("go", "go", "go command used to build the variants")
	flag.Parse()
	c.Models = modelbench.Models()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	if *child {
		rs, err := modelbench.Run(ctx, c)
		if err != nil {
			return err
		}
		return json.NewEncoder(os.Stdout).Encode(rs)
	}
	dir, err := os.MkdirTemp("", "benchmodels")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	args := []string{"-weights", c.Weights, "-bench", c.BenchDir, "-warmup", strconv.Itoa(c.Warmup),
		"-warmuptime", c.WarmupTime.String(), "-runs", strconv.Itoa(c.Runs), "-seed", strconv.FormatUint(c.Seed, 10), "-noref=" + strconv.FormatBool(c.NoRef)}
	builds := modelbench.Variants()
	if c.Threads > 1 {
		builds = append(builds, modelbench.ThreadedDefault(c.Threads))
	}
	var all []modelbench.Result
	for _, b := range builds {
		fmt.Fprintf(os.Stderr, "benchmodels: %s ...\n", b.Name)
		rs, err := modelbench.RunVariant(ctx, *goTool, "github.com/vouchkiosk/vouch/tools/bench/cmd/benchmodels", dir, b, args, os.Stderr)
		if err != nil {
			return err
		}
		all = append(all, rs...)
	}
	if err := modelbench.WriteHeader(os.Stdout, ref.Package); err != nil {
		return err
	}
	if err := modelbench.WriteSummary(os.Stdout, all); err != nil {
		return err
	}
	for i := range all {
		if err := modelbench.WriteProfile(os.Stdout, &all[i], *top); err != nil {
			return err
		}
	}
	return nil
}
