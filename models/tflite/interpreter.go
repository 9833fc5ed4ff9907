package tflite

import (
	"context"
	"fmt"
	"runtime"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// MaxThreads is the largest Options.Threads.
const MaxThreads = 64

// DefaultMaxArenaBytes bounds the activation arena when Options leaves
// MaxArenaBytes zero.
const DefaultMaxArenaBytes = 1 << 30

// Options configures NewInterpreter. The zero value (or a nil *Options)
// runs the model as declared in the file, single-threaded.
type Options struct {
	// Batch is the leading dimension of every model input: 0 keeps the
	// file's shapes; N > 0 re-plans for batch N where the graph allows it
	// (see the package doc) and fails with ErrShape where it does not.
	Batch int
	// Threads is the number of goroutines an operator may use. 0 and 1 mean
	// single-threaded, the kiosk default: Invoke runs on the calling
	// goroutine only. N > 1 starts N−1 worker goroutines owned by the
	// Interpreter (stop them with Close); CONV_2D, DEPTHWISE_CONV_2D,
	// FULLY_CONNECTED and large element-wise operators (fused PReLU,
	// same-shape ADD/SUB/MUL, RELU, RELU6, ABS, LOGISTIC, TANH) are split
	// into chunks that the caller and the workers share; small operators
	// run on the caller alone. Results are bit-identical to a
	// single-threaded run. Idle workers poll for 50µs before sleeping, so
	// more threads cost CPU time and pay only when that many cores are
	// free: on a busy machine Invoke can be slower than single-threaded.
	// At most MaxThreads.
	Threads int
	// MaxArenaBytes bounds the memory planned for intermediate tensors;
	// 0 means DefaultMaxArenaBytes.
	MaxArenaBytes int64
}

// kernel is one prepared operator: all operands are bound to their storage,
// so run does no allocation.
type kernel interface {
	run()
}

// Interpreter runs one Model. It is NOT safe for concurrent use; create one
// Interpreter per goroutine (they may share the Model). One created with
// Options.Threads > 1 owns worker goroutines: Close it when done.
type Interpreter struct {
	model   *Model
	tensors []Tensor
	arena   []float32
	steps   []step
	inputs  []int
	outputs []int
	pool    *workerPool     // nil when single-threaded or closed
	cleanup runtime.Cleanup // stops the pool of an unclosed, dropped Interpreter

	portable bool // use only the portable kernels (tests compare both paths)
}

type step struct {
	op   int // operator index, for errors and profiles
	k    kernel
	job  int   // index of k in the worker pool's jobs when it runs split, else -1
	macs int64 // multiply-accumulates (or elements for non-arithmetic ops)
}

// NewInterpreter plans memory and prepares every operator of m.
func NewInterpreter(m *Model, opts *Options) (*Interpreter, error) {
	return newInterpreter(m, opts, false)
}

// newInterpreter is NewInterpreter with the option of using only the
// portable kernels, so tests compare both paths in one binary.
func newInterpreter(m *Model, opts *Options, portable bool) (*Interpreter, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Batch < 0 || o.Batch > maxDim {
		return nil, fmt.Errorf("%w: batch %d", ErrShape, o.Batch)
	}
	if o.Threads < 0 || o.Threads > MaxThreads {
		return nil, fmt.Errorf("%w: %d threads (0 to %d)", ErrUnsupported, o.Threads, MaxThreads)
	}
	if o.MaxArenaBytes == 0 {
		o.MaxArenaBytes = DefaultMaxArenaBytes
	}
	shapes, err := m.inferShapes(o.Batch)
	if err != nil {
		return nil, err
	}
	ip := &Interpreter{model: m, portable: portable, inputs: m.inputs, outputs: m.outputs, tensors: make([]Tensor, len(m.tensors))}
	for i := range m.tensors {
		td := &m.tensors[i]
		ip.tensors[i] = Tensor{index: i, name: td.name, typ: td.typ, shape: shapes[i], quant: td.quant, f32: td.f32, i32: td.i32, constant: td.constant}
	}
	plan := ip.fuse(ip.foldConstants())
	if err := ip.plan(plan, o.MaxArenaBytes); err != nil {
		return nil, err
	}
	if err := ip.planQuant(shapes, o.MaxArenaBytes); err != nil {
		return nil, err
	}
	for _, ps := range plan {
		od := &m.ops[ps.op]
		if ps.def != nil {
			od = ps.def
		}
		var kn kernel
		if ps.prelu {
			kn = &preluFused{x: ip.tensors[ps.inputs[0]].f32, alpha: ip.tensors[ps.inputs[1]].f32, out: ip.tensors[ps.outputs[0]].f32,
				simd: haveGemmSIMD() && !ip.portable}
		} else if kn, err = ip.prepare(od); err != nil {
			return nil, &OpError{Index: ps.op, Op: od.name(), Err: err}
		}
		ip.steps = append(ip.steps, step{op: ps.op, k: kn, job: -1, macs: opMACs(kn, ip.tensors[ps.outputs[0]].Len())})
	}
	ip.startWorkers(o.Threads)
	return ip, nil
}

// foldConstants evaluates DEQUANTIZE of constants once, here, instead of at
// every Invoke, and returns the operators left to run.
func (ip *Interpreter) foldConstants() []int {
	var live []int
	for k := range ip.model.ops {
		od := &ip.model.ops[k]
		if od.code == tfschema.BuiltinOperatorDEQUANTIZE && ip.model.tensors[od.inputs[0]].constant {
			in := &ip.model.tensors[od.inputs[0]]
			out := &ip.tensors[od.outputs[0]]
			out.f32 = make([]float32, out.Len())
			out.constant = true
			dequantize(out.f32, in)
			continue
		}
		live = append(live, k)
	}
	return live
}

// Invoke runs the model once. It checks ctx between operators and returns
// ctx.Err() if it is cancelled; the outputs are then unspecified. Invoke
// does not allocate, whatever Options.Threads.
func (ip *Interpreter) Invoke(ctx context.Context) error {
	done := ctx.Done()
	for i := range ip.steps {
		if done != nil {
			select {
			case <-done:
				return ctx.Err()
			default:
			}
		}
		ip.runStep(i)
	}
	return nil
}

// InputCount returns the number of model inputs.
func (ip *Interpreter) InputCount() int { return len(ip.inputs) }

// OutputCount returns the number of model outputs.
func (ip *Interpreter) OutputCount() int { return len(ip.outputs) }

// Input returns the i-th model input in the subgraph's declared order, or
// nil if i is out of range.
func (ip *Interpreter) Input(i int) *Tensor {
	if i < 0 || i >= len(ip.inputs) {
		return nil
	}
	return &ip.tensors[ip.inputs[i]]
}

// Output returns the i-th model output in the subgraph's declared order, or
// nil if i is out of range.
func (ip *Interpreter) Output(i int) *Tensor {
	if i < 0 || i >= len(ip.outputs) {
		return nil
	}
	return &ip.tensors[ip.outputs[i]]
}

// InputByName returns the model input with the given tensor name.
func (ip *Interpreter) InputByName(name string) (*Tensor, error) {
	return ip.byName(ip.inputs, name, "input")
}

// OutputByName returns the model output with the given tensor name.
func (ip *Interpreter) OutputByName(name string) (*Tensor, error) {
	return ip.byName(ip.outputs, name, "output")
}

func (ip *Interpreter) byName(idx []int, name, what string) (*Tensor, error) {
	for _, i := range idx {
		if ip.tensors[i].name == name {
			return &ip.tensors[i], nil
		}
	}
	return nil, fmt.Errorf("%w: no model %s named %q", ErrNotFound, what, name)
}

// ArenaBytes returns the size of the planned activation arena in bytes.
func (ip *Interpreter) ArenaBytes() int64 { return int64(len(ip.arena)) * 4 }

// MACs returns the multiply-accumulate count of one Invoke: exact for
// convolutions and fully connected layers, one per output element for the
// other operators.
func (ip *Interpreter) MACs() int64 {
	var n int64
	for _, s := range ip.steps {
		n += s.macs
	}
	return n
}

func opMACs(k kernel, outLen int) int64 {
	switch k := k.(type) {
	case interface{ macs() int64 }: // quantised kernels
		return k.macs()
	case *gemmConv:
		g := &k.g
		return int64(g.n) * int64(g.oh*g.ow) * int64(g.oc) * int64(g.kh*g.kw*g.ic)
	case *conv2D:
		g := &k.g
		return int64(g.n) * int64(g.oh*g.ow) * int64(g.oc) * int64(g.kh*g.kw*g.ic)
	case *depthwiseConv2D:
		g := &k.g
		return int64(g.n) * int64(g.oh*g.ow) * int64(g.oc) * int64(g.kh*g.kw)
	case *fullyConnected:
		return int64(k.rows) * int64(k.depth) * int64(k.nUnits)
	case *pool2D:
		return int64(outLen) * int64(k.g.kh*k.g.kw)
	}
	return int64(outLen)
}
