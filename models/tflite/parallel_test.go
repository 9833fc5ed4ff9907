package tflite

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// equalBits fails unless got and want are bit for bit equal.
func equalBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: element %d of %d is %g (%#08x), single-threaded %g (%#08x)",
				what, i, len(want), got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// threadCounts are the Options.Threads values compared with 1: 2 (this
// machine's cores) and, outside the race detector, 3 (uneven chunks).
func threadCounts() []int {
	if raceEnabled {
		return []int{2}
	}
	return []int{2, 3}
}

// TestThreadsGolden runs the golden cases of the three real models with
// Threads 1 and N and requires bit-identical outputs (and Threads 1 within
// the golden tolerance).
func TestThreadsGolden(t *testing.T) {
	dir, g := loadGolden(t)
	type pair struct{ one, many *Interpreter }
	interps := map[string]map[int]pair{}
	seen := map[string]int{}
	for _, c := range g.Cases {
		if !goldenSubset(c, seen) {
			continue
		}
		if interps[c.Model] == nil {
			m, err := Load(modelBytes(t, c.Model))
			if err != nil {
				t.Fatalf("%s: Load: %v", c.Model, err)
			}
			interps[c.Model] = map[int]pair{}
			for _, n := range threadCounts() {
				one, err := NewInterpreter(m, nil)
				if err != nil {
					t.Fatal(err)
				}
				many, err := NewInterpreter(m, &Options{Threads: n})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { many.Close() })
				if splitSteps(many) == 0 {
					t.Fatalf("%s: no operator splits with %d threads", c.Model, n)
				}
				interps[c.Model][n] = pair{one, many}
			}
		}
		for n, p := range interps[c.Model] {
			t.Run(fmt.Sprintf("%s/threads=%d", c.ID, n), func(t *testing.T) {
				in := readF32(t, filepath.Join(dir, c.Input.File), p.one.Input(0).Len())
				copy(p.one.Input(0).Float32s(), in)
				copy(p.many.Input(0).Float32s(), in)
				invoke(t, p.one)
				invoke(t, p.many)
				for _, o := range c.Outputs {
					want, err := p.one.OutputByName(o.Name)
					if err != nil {
						t.Fatal(err)
					}
					got, _ := p.many.OutputByName(o.Name)
					equalBits(t, o.Name, got.Float32s(), want.Float32s())
					compareClose(t, o.Name, want.Float32s(), readF32(t, filepath.Join(dir, o.File), want.Len()))
				}
			})
		}
	}
}

// splitSteps counts the steps of ip that run on its worker pool.
func splitSteps(ip *Interpreter) int {
	n := 0
	for _, s := range ip.steps {
		if s.job >= 0 {
			n++
		}
	}
	return n
}

// randOp is a random single-operator model: the file, its input data,
// the operator's work in multiply-accumulates and whether it should split.
type randOp struct {
	name  string
	model []byte
	in    []float32
	macs  int64
	split bool
}

func randConvOp(r *rand.Rand, depthwise bool) randOp {
	for {
		n, h, w, ic := 1+r.IntN(2), 4+r.IntN(36), 4+r.IntN(36), 1+r.IntN(16)
		kh, kw := 1+r.IntN(5), 1+r.IntN(5)
		if r.IntN(3) == 0 {
			kh, kw = 3, 3
		}
		sh, sw, dh, dw := 1+r.IntN(2), 1+r.IntN(2), 1, 1
		if r.IntN(4) == 0 {
			dh, dw = 1+r.IntN(2), 1+r.IntN(2)
		}
		pad := padding([]padding{paddingSame, paddingValid}[r.IntN(2)])
		act := activation([]activation{actNone, actRelu, actRelu6, actRelu1}[r.IntN(4)])
		oc, mult := 1+r.IntN(48), 1
		if !depthwise && r.IntN(5) == 0 {
			// A few output pixels and many channels: the GEMM splits panels.
			h, w, ic, oc = 1+r.IntN(3), 1+r.IntN(3), 32+r.IntN(200), 32+r.IntN(160)
		}
		if depthwise {
			ic, h, w = 1+r.IntN(64), 8+r.IntN(40), 8+r.IntN(40)
			if r.IntN(4) == 0 {
				mult = 1 + r.IntN(3)
			}
			oc = ic * mult
		}
		oh, _, _ := windowOut(h, kh, sh, dh, pad)
		ow, _, _ := windowOut(w, kw, sw, dw, pad)
		if oh < 1 || ow < 1 {
			continue
		}
		wS := []int{oc, kh, kw, ic}
		code, opts := tfschema.BuiltinOperatorCONV_2D, convOpts(pad, sh, sw, dh, dw, act)
		macs := int64(n*oh*ow) * int64(oc) * int64(kh*kw*ic)
		if depthwise {
			wS = []int{1, kh, kw, oc}
			code, opts = tfschema.BuiltinOperatorDEPTHWISE_CONV_2D, dwOpts(pad, sh, sw, dh, dw, mult, act)
			macs = int64(n*oh*ow) * int64(oc) * int64(kh*kw)
		}
		inS := []int{n, h, w, ic}
		m := tModel{inputs: []int{0}, outputs: []int{3}, tensors: []tTensor{
			{name: "in", typ: Float32, shape: inS},
			{name: "w", typ: Float32, shape: wS, f32: randData(r, wS)},
			{name: "b", typ: Float32, shape: []int{oc}, f32: randData(r, []int{oc})},
			{name: "out", typ: Float32, shape: []int{n, oh, ow, oc}},
		}}
		bias := 2
		if r.IntN(4) == 0 {
			bias = -1
		}
		m.ops = []tOp{{code: code, in: []int{0, 1, bias}, out: []int{3}, opts: opts}}
		return randOp{name: fmt.Sprintf("%v in %v w %v s %d,%d d %d,%d pad %d act %d", code, inS, wS, sh, sw, dh, dw, pad, act),
			model: m.build(), in: randData(r, inS), macs: macs, split: macs >= splitMinMACs}
	}
}

func randFCOp(r *rand.Rand) randOp {
	rows, depth, units := 1+r.IntN(3), 1+r.IntN(800), 1+r.IntN(400)
	act := activation([]activation{actNone, actRelu, actRelu6}[r.IntN(3)])
	m := tModel{inputs: []int{0}, outputs: []int{3}, tensors: []tTensor{
		{name: "in", typ: Float32, shape: []int{rows, depth}},
		{name: "w", typ: Float32, shape: []int{units, depth}, f32: randData(r, []int{units, depth})},
		{name: "b", typ: Float32, shape: []int{units}, f32: randData(r, []int{units})},
		{name: "out", typ: Float32, shape: []int{rows, units}},
	}}
	m.ops = []tOp{{code: tfschema.BuiltinOperatorFULLY_CONNECTED, in: []int{0, 1, 2}, out: []int{3}, opts: fcOpts(act, false)}}
	macs := int64(rows) * int64(depth) * int64(units)
	return randOp{name: fmt.Sprintf("FULLY_CONNECTED %dx%d units %d act %d", rows, depth, units, act),
		model: m.build(), in: randData(r, []int{rows, depth}), macs: macs, split: macs >= splitMinMACs && units >= 2}
}

// randElementwiseOp is ADD, SUB or MUL of two equal-shape inputs (the
// second a constant) or RELU, RELU6, TANH or LOGISTIC, on [1, h, w, c].
func randElementwiseOp(r *rand.Rand) randOp {
	s := []int{1, 8 + r.IntN(128), 8 + r.IntN(128), 1 + r.IntN(32)}
	n := numElements(s)
	m := tModel{inputs: []int{0}, tensors: []tTensor{{name: "in", typ: Float32, shape: s}}}
	codes := []tfschema.BuiltinOperator{tfschema.BuiltinOperatorADD, tfschema.BuiltinOperatorSUB, tfschema.BuiltinOperatorMUL,
		tfschema.BuiltinOperatorRELU, tfschema.BuiltinOperatorRELU6, tfschema.BuiltinOperatorTANH, tfschema.BuiltinOperatorLOGISTIC}
	code := codes[r.IntN(len(codes))]
	act := activation([]activation{actNone, actRelu, actRelu6, actRelu1}[r.IntN(4)])
	op := tOp{code: code, in: []int{0}}
	if code == tfschema.BuiltinOperatorADD || code == tfschema.BuiltinOperatorSUB || code == tfschema.BuiltinOperatorMUL {
		m.tensors = append(m.tensors, tTensor{name: "c", typ: Float32, shape: s, f32: randData(r, s)})
		op.in, op.opts = []int{0, 1}, actOpts(code, act)
	}
	m.tensors = append(m.tensors, tTensor{name: "out", typ: Float32, shape: s})
	m.outputs = []int{len(m.tensors) - 1}
	op.out = m.outputs
	m.ops = []tOp{op}
	in := randData(r, s)
	for i := range in {
		in[i] *= 8 // past the RELU6 and RELU1 bounds
	}
	return randOp{name: fmt.Sprintf("%v %v act %d", code, s, act), model: m.build(), in: in, macs: int64(n), split: n >= splitMinElems}
}

// TestThreadsRandomOps compares random CONV_2D, DEPTHWISE_CONV_2D,
// FULLY_CONNECTED and element-wise operators run with Threads 1 and N, on the SIMD and the
// portable kernels, bit for bit, and checks that exactly the operators
// with enough work split.
func TestThreadsRandomOps(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	perKind := 40
	if testing.Short() {
		perKind = 12
	}
	var ops []randOp
	for range perKind {
		ops = append(ops, randConvOp(r, false), randConvOp(r, true), randFCOp(r), randElementwiseOp(r))
	}
	split := [4]int{} // operators that split, by kind
	for i, op := range ops {
		m, err := Load(op.model)
		if err != nil {
			t.Fatalf("%d %s: Load: %v", i, op.name, err)
		}
		for _, portable := range []bool{false, true} {
			one, err := newInterpreter(m, nil, portable)
			if err != nil {
				t.Fatalf("%d %s: %v", i, op.name, err)
			}
			copy(one.Input(0).Float32s(), op.in)
			invoke(t, one)
			for _, n := range threadCounts() {
				many, err := newInterpreter(m, &Options{Threads: n}, portable)
				if err != nil {
					t.Fatalf("%d %s: %v", i, op.name, err)
				}
				if got := splitSteps(many) == 1; got != op.split {
					t.Errorf("%d %s: %d MACs, split %v", i, op.name, op.macs, got)
				}
				if op.split && !portable && n == 2 {
					split[i%len(split)]++
				}
				copy(many.Input(0).Float32s(), op.in)
				invoke(t, many)
				equalBits(t, fmt.Sprintf("%d %s portable=%v threads=%d", i, op.name, portable, n),
					many.Output(0).Float32s(), one.Output(0).Float32s())
				many.Close()
			}
		}
	}
	for kind, n := range split {
		if n < perKind/4 {
			t.Errorf("only %d of %d operators of kind %d split: the shapes are too small to test splitting", n, perKind, kind)
		}
	}
}

func TestThreadsInvokeAllocs(t *testing.T) {
	ip := mustInterp(t, modelBytes(t, "face_detection_short_range"), &Options{Threads: 2})
	defer ip.Close()
	if splitSteps(ip) == 0 {
		t.Fatal("no operator splits")
	}
	ctx := context.Background()
	invoke(t, ip)
	if n := testing.AllocsPerRun(5, func() { _ = ip.Invoke(ctx) }); n != 0 {
		t.Fatalf("Invoke with 2 threads allocates %v times per run, want 0", n)
	}
}

func TestThreadsOption(t *testing.T) {
	cm := convModel()
	m, err := Load(cm.build())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{-1, MaxThreads + 1} {
		if _, err := NewInterpreter(m, &Options{Threads: n}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("Threads %d: err %v, want ErrUnsupported", n, err)
		}
	}
	for _, n := range []int{0, 1, MaxThreads} {
		ip, err := NewInterpreter(m, &Options{Threads: n})
		if err != nil {
			t.Fatalf("Threads %d: %v", n, err)
		}
		// convModel is too small to split: no workers are started.
		if ip.pool != nil {
			t.Errorf("Threads %d: a worker pool for an operator below the split threshold", n)
		}
		if err := ip.Close(); err != nil {
			t.Error(err)
		}
	}
}

// settledGoroutines returns the goroutine count once earlier tests'
// dropped interpreters have been collected and their workers have exited
// (the count holds still for a few polls), so that a count taken before an
// operation can be compared with one taken after it.
func settledGoroutines() int {
	n, still := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(5 * time.Second); still < 3 && time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if m := runtime.NumGoroutine(); m == n {
			still++
		} else {
			n, still = m, 0
		}
	}
	return n
}

// waitGoroutines waits up to a few seconds (collecting garbage) for the
// goroutine count to drop to want.
func waitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want %d", runtime.NumGoroutine(), want)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// TestThreadsClose checks that Close stops the workers, is idempotent, and
// leaves an Interpreter that still computes the same bits; and that a
// dropped Interpreter's workers stop once it is collected.
func TestThreadsClose(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var op randOp
	for op.macs < 4*splitMinMACs {
		op = randConvOp(r, false)
	}
	m, err := Load(op.model)
	if err != nil {
		t.Fatal(err)
	}
	base := settledGoroutines()
	ip, err := NewInterpreter(m, &Options{Threads: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got := runtime.NumGoroutine(); got != base+3 {
		t.Fatalf("%d goroutines with a 4-thread interpreter, want %d", got, base+3)
	}
	copy(ip.Input(0).Float32s(), op.in)
	invoke(t, ip)
	want := append([]float32(nil), ip.Output(0).Float32s()...)
	for range 2 {
		if err := ip.Close(); err != nil {
			t.Fatal(err)
		}
	}
	waitGoroutines(t, base)
	clear(ip.Output(0).Float32s())
	invoke(t, ip)
	equalBits(t, "after Close", ip.Output(0).Float32s(), want)

	func() {
		dropped, err := NewInterpreter(m, &Options{Threads: 3})
		if err != nil {
			t.Fatal(err)
		}
		invoke(t, dropped)
	}()
	waitGoroutines(t, base)
}

// TestThreadsInvokeCancelled checks that a cancelled context stops a
// multi-threaded Invoke as it does a single-threaded one.
func TestThreadsInvokeCancelled(t *testing.T) {
	ip := mustInterp(t, modelBytes(t, "face_detection_short_range"), &Options{Threads: 2})
	defer ip.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ip.Invoke(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Invoke(cancelled) = %v", err)
	}
	invoke(t, ip)
}

func TestChunkRange(t *testing.T) {
	for _, c := range []struct{ units, n int }{{1, 1}, {7, 2}, {16, 16}, {100, 3}, {2731, 16}, {5, 5}} {
		next := 0
		for i := range c.n {
			lo, hi := chunkRange(c.units, i, c.n)
			if lo != next || hi < lo || hi-lo > (c.units+c.n-1)/c.n {
				t.Fatalf("%d units, chunk %d of %d: [%d, %d) after %d", c.units, i, c.n, lo, hi, next)
			}
			next = hi
		}
		if next != c.units {
			t.Fatalf("%d units in %d chunks cover %d", c.units, c.n, next)
		}
	}
}

// countChunks is a splitter that counts how often each chunk runs.
type countChunks struct {
	n    int
	runs []atomic.Int32
}

func (c *countChunks) run()          {}
func (c *countChunks) split(int) int { return c.n }
func (c *countChunks) runChunk(w, i, n int) {
	if n != c.n {
		panic("wrong chunk count")
	}
	c.runs[i].Add(1)
}

// TestWorkerPoolStress runs jobs of 1 to 64 chunks back to back and after
// pauses longer than spinWait (so that workers park and are woken), and
// checks that every chunk of every run ran exactly once before run
// returned.
func TestWorkerPoolStress(t *testing.T) {
	for _, nw := range []int{2, 3, 5} {
		var jobs []poolJob
		var ks []*countChunks
		for _, n := range []int{1, 2, 7, 64} {
			k := &countChunks{n: n, runs: make([]atomic.Int32, n)}
			ks = append(ks, k)
			jobs = append(jobs, poolJob{k: k, chunks: n})
		}
		p := newWorkerPool(nw, jobs)
		r := rand.New(rand.NewPCG(uint64(nw), 1))
		for rep := 1; rep <= 300; rep++ {
			j := r.IntN(len(jobs))
			if r.IntN(20) == 0 {
				time.Sleep(2 * spinWait)
			}
			p.run(j)
			for i := range ks[j].runs {
				if got := ks[j].runs[i].Swap(0); got != 1 {
					p.close()
					t.Fatalf("%d workers, run %d, job of %d chunks: chunk %d ran %d times", nw, rep, ks[j].n, i, got)
				}
			}
		}
		p.close()
	}
}
