// Package tflite runs TensorFlow Lite models (.tflite flatbuffers, schema v3)
// in pure Go, without cgo.
//
// # Concepts
//
// Load parses and validates a model file: every tensor and buffer index,
// shape, byte size, operator code and option is checked before anything runs,
// and a malformed or hostile file gives an error (errors.Is ErrMalformed,
// ErrUnsupported or ErrShape; errors.As *OpError or *TensorError names the
// operator or tensor) instead of a panic or an oversized allocation.
//
// NewInterpreter plans execution for subgraph 0: it infers every tensor's
// shape, folds DEQUANTIZE of constants into constants, and places all
// intermediate tensors in one float32 arena where tensors whose lifetimes do
// not overlap share memory. Invoke then runs the operators in file order
// without heap allocations.
//
// Inputs and outputs are the subgraph's own tensor indices in their declared
// order: Input(0) of MobileFaceNet is tensor 368, not tensor 0.
//
// # Kernels
//
// CONV_2D runs as a GEMM over filters packed into 16-column panels at
// NewInterpreter (an 8-column last panel when N mod 16 ≤ 8; 1×1 stride-1
// convolutions read the input directly; convolutions with fewer than 8
// input channels, such as the first layers on an RGB image, read
// overlapping rows of A in place from a window of the input gathered once
// per output row; others gather patches a block of rows at a time, each
// filter row as one contiguous copy), with the fused activation applied in
// the micro-kernel. DEPTHWISE_CONV_2D has a 3×3
// kernel for the pixels whose taps are all inside the input (weights held
// in registers, each output written once) and accumulates one filter tap
// over a row of pixels elsewhere. amd64 has AVX2+FMA micro-kernels for the
// GEMM, both depthwise paths, fused PReLU, ADD with clamp and the 2×2
// stride-2 max pool; arm64 has NEON kernels for the same operations. They
// are chosen at run time with golang.org/x/sys/cpu; the portable Go kernels
// (kernels_go.go: 2×4 register-blocked GEMM tiles, a 3×3 depthwise kernel
// that computes four neighbouring pixels per filter row at stride 1) are
// always compiled, used everywhere else (armv7 among them), tested against
// the assembly in the same test binary, and forced with the purego build
// tag. Two exact graph rewrites run before
// planning: the five-operator PReLU spelling RELU/ABS/SUB/MUL/ADD becomes
// one kernel, and a RELU or RELU6 whose input comes only from an operator
// with an empty fused-activation slot is folded into that operator. Neither
// changes a single bit of the results.
//
// # Threads
//
// Options.Threads = N > 1 starts N−1 worker goroutines (stop them with
// Close). CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and large
// element-wise operators are cut into chunks that the caller and the
// workers claim; every output element is computed by the same arithmetic as
// with one thread, so results are bit-identical. Small operators are not
// split. The kiosk runs one thread: a second one only pays when a core is
// free.
//
// # Batch
//
// Options.Batch = 1 re-plans a model exported with a fixed batch (MobileFaceNet
// has 2) for one sample. Input batch dimensions become 1, shapes are
// re-inferred op by op, and a RESHAPE whose target's leading dimension equals
// the original batch gets the new batch instead. Any op whose shape cannot be
// re-inferred that way fails NewInterpreter with ErrShape; nothing is guessed.
//
// # Caveats
//
// Tensor data returned by Float32s is a view into the interpreter's arena:
// inputs stay valid across Invoke (write them, then Invoke), outputs are valid
// until the next Invoke. An Interpreter is NOT safe for concurrent use; a
// Model is immutable and may be shared by any number of interpreters.
//
// Activations are FLOAT32, except on the quantised path: CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED and ADD on INT8 or UINT8 tensors
// (INT8 weights symmetric, per tensor or per channel; UINT8 per tensor;
// INT32 bias), QUANTIZE from FLOAT32, INT8 or UINT8 and DEQUANTIZE to FLOAT32. Model inputs
// and outputs may be INT8 or UINT8 (Int8s, Uint8s). The integer arithmetic
// is the official TFLite runtime's, bit for bit (q_math.go): fixed-point
// requantisation with two roundings, except INT8 CONV_2D and
// FULLY_CONNECTED, whose optimized kernels round once. Other constants may
// be FLOAT32, FLOAT16, INT8 or UINT8 (the latter three as DEQUANTIZE
// inputs) and INT32 (shape, padding and axis operands).
package tflite
