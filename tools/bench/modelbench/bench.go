package modelbench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"time"

	"github.com/vouchkiosk/vouch/models/tflite"
	"github.com/vouchkiosk/vouch/tools/bench/ref"
)

// Model names one model file under Config.Weights.
type Model struct {
	ID   string // short name in reports
	File string // file name under Config.Weights
}

// Models returns the models `make bench-models` times, as models.md lists
// them. MobileFaceNet runs with the file's batch of 2.
func Models() []Model {
	return []Model{
		{ID: "blazeface-short", File: "face_detection_short_range.tflite"},
		{ID: "blazeface-full", File: "face_detection_full_range.tflite"},
		{ID: "mobilefacenet-b2", File: "mobilefacenet.tflite"},
	}
}

// Config sets up Run.
type Config struct {
	Weights    string // directory holding the .tflite files
	BenchDir   string // tools/bench (reference runner and node_modules)
	Models     []Model
	Warmup     int           // untimed invokes of each runtime before timing, at least
	WarmupTime time.Duration // and at least this long per runtime
	Runs       int           // timed invokes of each runtime (medians are reported)
	Seed       uint64        // seed of the random input
	NoRef      bool          // time only models/tflite
	// Threads is tflite.Options.Threads for our interpreter (0 or 1:
	// single-threaded). The reference always runs with one thread: its
	// WASM SIMD build is not the threaded one.
	Threads int
}

// OpSum is the profile of all steps of one operator type in one Invoke.
type OpSum struct {
	Name  string        `json:"name"`
	Count int           `json:"count"`
	MACs  int64         `json:"macs"`
	Time  time.Duration `json:"time"` // median over the profiled invokes of the summed step times
}

// Result is one model measured in one build.
type Result struct {
	Model   string `json:"model"`
	Variant string `json:"variant"` // build tags and GOAMD64 of the measured binary
	Threads int    `json:"threads"` // our Options.Threads (0 or 1: single-threaded)

	Ours time.Duration `json:"ours"` // median Invoke time
	Ref  time.Duration `json:"ref"`  // median reference Infer time (0 with NoRef)
	// Fastest runs: on a shared machine noise only adds time, so the
	// minima show what each runtime can do.
	OursMin time.Duration `json:"ours_min"`
	RefMin  time.Duration `json:"ref_min"`
	Runs    int           `json:"runs"`

	MACs           int64   `json:"macs"`
	AllocsPerRun   float64 `json:"allocs_per_run"`
	BytesPerRun    float64 `json:"bytes_per_run"`
	MaxErr         float64 `json:"max_err"` // worst |ours−ref| / max(1,|ref|) over all outputs
	OutputsChecked int     `json:"outputs_checked"`

	Profile []OpSum `json:"profile"` // by time, largest first
}

// Ratio is Ours/Ref, or NaN without a reference time.
func (r *Result) Ratio() float64 {
	if r.Ref <= 0 {
		return math.NaN()
	}
	return float64(r.Ours) / float64(r.Ref)
}

// GMACs is the achieved multiply-accumulate rate of our interpreter.
func (r *Result) GMACs() float64 {
	if r.Ours <= 0 {
		return 0
	}
	return float64(r.MACs) / r.Ours.Seconds() / 1e9
}

// Tolerance bounds |ours−ref| / max(1, |ref|) per output element, as the
// goldens do.
const Tolerance = 1e-3

// ErrMismatch reports outputs of the two runtimes that disagree beyond
// Tolerance.
var ErrMismatch = errors.New("modelbench: outputs differ from the reference")

// Run measures every model in c.Models.
func Run(ctx context.Context, c Config) ([]Result, error) {
	if c.Runs < 1 {
		return nil, fmt.Errorf("modelbench: runs %d < 1", c.Runs)
	}
	if c.Threads < 0 || c.Threads > tflite.MaxThreads {
		return nil, fmt.Errorf("modelbench: threads %d outside 0 to %d", c.Threads, tflite.MaxThreads)
	}
	var rr *ref.Runner
	if !c.NoRef {
		var err error
		if rr, err = ref.Start(ctx, ref.Config{BenchDir: c.BenchDir}); err != nil {
			return nil, err
		}
		defer rr.Close()
	}
	var out []Result
	for _, m := range c.Models {
		r, err := runModel(ctx, c, m, rr)
		if err != nil {
			return out, fmt.Errorf("%s: %w", m.ID, err)
		}
		out = append(out, *r)
	}
	return out, nil
}

func runModel(ctx context.Context, c Config, m Model, rr *ref.Runner) (*Result, error) {
	data, err := os.ReadFile(filepath.Join(c.Weights, m.File))
	if err != nil {
		return nil, err
	}
	model, err := tflite.Load(data)
	if err != nil {
		return nil, err
	}
	ip, err := tflite.NewInterpreter(model, &tflite.Options{Threads: c.Threads})
	if err != nil {
		return nil, err
	}
	defer ip.Close()
	res := &Result{Model: m.ID, Variant: Variant(), Threads: max(c.Threads, 1), Runs: c.Runs, MACs: ip.MACs()}
	rng := rand.New(rand.NewPCG(c.Seed, 0x5eed))
	for i := range ip.InputCount() {
		x := ip.Input(i).Float32s()
		for j := range x {
			x[j] = rng.Float32()*2 - 1 // the detectors expect [-1, 1]
		}
	}
	if rr != nil {
		if err := loadRef(rr, data, ip); err != nil {
			return nil, err
		}
	}
	if err := ip.Invoke(ctx); err != nil {
		return nil, err
	}
	if rr != nil {
		if _, err := rr.Infer(1); err != nil {
			return nil, err
		}
		if res.MaxErr, res.OutputsChecked, err = compare(rr, ip); err != nil {
			return nil, err
		}
	}
	ours, refs, err := timeBoth(ctx, c, ip, rr)
	if err != nil {
		return nil, err
	}
	res.Ours, res.Ref = median(ours), median(refs)
	if len(refs) > 0 {
		res.RefMin = slices.Min(refs)
	}
	res.OursMin = slices.Min(ours)
	res.AllocsPerRun, res.BytesPerRun, err = allocs(ctx, ip, 10)
	if err != nil {
		return nil, err
	}
	res.Profile, err = profile(ctx, ip, 15)
	return res, err
}

// loadRef loads the model into the reference and gives it our inputs.
func loadRef(rr *ref.Runner, data []byte, ip *tflite.Interpreter) error {
	mi, err := rr.Load(data, 1, false)
	if err != nil {
		return err
	}
	if len(mi.Inputs) != ip.InputCount() || len(mi.Outputs) != ip.OutputCount() {
		return fmt.Errorf("reference sees %d inputs/%d outputs, we see %d/%d", len(mi.Inputs), len(mi.Outputs), ip.InputCount(), ip.OutputCount())
	}
	for i, ti := range mi.Inputs {
		in := ip.Input(i)
		if ti.Type != "float32" || !slices.Equal(ti.Shape, in.Shape()) {
			return fmt.Errorf("input %d: reference %s%v, ours %v%v", i, ti.Type, ti.Shape, in.Type(), in.Shape())
		}
		if err := rr.SetInput(i, f32Bytes(in.Float32s())); err != nil {
			return err
		}
	}
	return nil
}

// compare checks every output element against the reference's.
func compare(rr *ref.Runner, ip *tflite.Interpreter) (worst float64, n int, err error) {
	for i := range ip.OutputCount() {
		got := ip.Output(i).Float32s()
		b, err := rr.Output(i)
		if err != nil {
			return 0, 0, err
		}
		if len(b) != 4*len(got) {
			return 0, 0, fmt.Errorf("output %d: reference has %d bytes, ours %d floats", i, len(b), len(got))
		}
		for j, g := range got {
			w := math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
			e := math.Abs(float64(g)-float64(w)) / math.Max(1, math.Abs(float64(w)))
			if !(e <= worst) { // NaN propagates as the worst error
				worst = e
			}
		}
		n += len(got)
	}
	if !(worst <= Tolerance) {
		return worst, n, fmt.Errorf("%w: worst %.3g × max(1,|ref|) > %g", ErrMismatch, worst, Tolerance)
	}
	return worst, n, nil
}

// timeBoth warms both runtimes up, then alternates single invokes. The
// warm-up runs at least c.Warmup invokes and c.WarmupTime per runtime: V8
// compiles the WebAssembly in tiers, and the optimised tier arrives in the
// background after a (load-dependent) delay.
func timeBoth(ctx context.Context, c Config, ip *tflite.Interpreter, rr *ref.Runner) (ours, refs []time.Duration, err error) {
	for i, start := 0, time.Now(); i < c.Warmup || time.Since(start) < c.WarmupTime; i++ {
		if err := ip.Invoke(ctx); err != nil {
			return nil, nil, err
		}
	}
	for i, start := 0, time.Now(); rr != nil && (i < c.Warmup || time.Since(start) < c.WarmupTime); i++ {
		if _, err := rr.Infer(1); err != nil {
			return nil, nil, err
		}
	}
	for range c.Runs {
		start := time.Now()
		if err := ip.Invoke(ctx); err != nil {
			return nil, nil, err
		}
		ours = append(ours, time.Since(start))
		if rr != nil {
			d, err := rr.Infer(1)
			if err != nil {
				return nil, nil, err
			}
			refs = append(refs, d[0])
		}
	}
	return ours, refs, nil
}

// allocs measures heap allocations per Invoke: the least of three windows
// of n invokes. The counters are process-wide, so like testing.AllocsPerRun
// it runs with GOMAXPROCS 1, and taking the least window keeps a stray
// allocation of the Go runtime or of another goroutine out of the figure.
func allocs(ctx context.Context, ip *tflite.Interpreter, n int) (count, bytes float64, err error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	count, bytes = math.Inf(1), math.Inf(1)
	for range 3 {
		var a, b runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&a)
		for range n {
			if err := ip.Invoke(ctx); err != nil {
				return 0, 0, err
			}
		}
		runtime.ReadMemStats(&b)
		count = min(count, float64(b.Mallocs-a.Mallocs)/float64(n))
		bytes = min(bytes, float64(b.TotalAlloc-a.TotalAlloc)/float64(n))
	}
	return count, bytes, nil
}

// profile sums step times per operator name in each of n profiled invokes
// and keeps each name's median.
func profile(ctx context.Context, ip *tflite.Interpreter, n int) ([]OpSum, error) {
	times := map[string][]time.Duration{}
	sums := map[string]*OpSum{}
	for k := range n {
		ops, err := ip.Profile(ctx)
		if err != nil {
			return nil, err
		}
		per := map[string]time.Duration{}
		for _, o := range ops {
			per[o.Name] += o.Time
			if k == 0 {
				s := sums[o.Name]
				if s == nil {
					s = &OpSum{Name: o.Name}
					sums[o.Name] = s
				}
				s.Count++
				s.MACs += o.MACs
			}
		}
		for name, d := range per {
			times[name] = append(times[name], d)
		}
	}
	var out []OpSum
	for name, s := range sums {
		s.Time = median(times[name])
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time > out[j].Time
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func f32Bytes(x []float32) []byte {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

// Variant describes the running binary's build: its tags and GOAMD64 level
// (from the build info the go command records).
func Variant() string {
	tags, level := "", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "-tags":
				tags = s.Value
			case "GOAMD64":
				level = s.Value
			}
		}
	}
	v := runtime.GOARCH
	if level != "" {
		v += "/" + level
	}
	if tags != "" {
		v += " -tags " + tags
	}
	return v
}
