package tflite

import (
	"errors"
	"fmt"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// DType is a tensor element type, numbered as TFLite's TensorType.
type DType int8

// Tensor element types used by the supported operators.
const (
	Float32 DType = 0
	Float16 DType = 1
	Int32   DType = 2
	Uint8   DType = 3
	Int64   DType = 4
	Int8    DType = 9
)

// String returns the TFLite name of the type, such as "FLOAT32".
func (d DType) String() string {
	switch d {
	case Float32:
		return "FLOAT32"
	case Float16:
		return "FLOAT16"
	case Int32:
		return "INT32"
	case Uint8:
		return "UINT8"
	case Int64:
		return "INT64"
	case Int8:
		return "INT8"
	}
	if name, ok := tfschema.EnumNamesTensorType[tfschema.TensorType(d)]; ok {
		return name
	}
	return fmt.Sprintf("DType(%d)", int8(d))
}

// size returns the element size in bytes, or 0 for types this package
// cannot hold.
func (d DType) size() int {
	switch d {
	case Float32, Int32:
		return 4
	case Float16:
		return 2
	case Uint8, Int8:
		return 1
	case Int64:
		return 8
	}
	return 0
}

// Quantization holds a tensor's affine quantisation: real = Scale *
// (q - ZeroPoint), per tensor (one scale) or per channel along Dim.
type Quantization struct {
	Scale     []float32
	ZeroPoint []int64
	Dim       int
}

// Errors returned by Load and NewInterpreter. They are wrapped in *OpError
// or *TensorError when the fault belongs to one operator or tensor.
var (
	// ErrMalformed means the file is not a well-formed TFLite flatbuffer or
	// refers to tensors, buffers or operator codes that do not exist.
	ErrMalformed = errors.New("tflite: malformed model")
	// ErrUnsupported means the model is well-formed but uses an operator,
	// type or option this interpreter does not implement.
	ErrUnsupported = errors.New("tflite: unsupported")
	// ErrShape means tensor shapes or sizes are inconsistent with each other
	// or with the operators, or exceed the configured limits.
	ErrShape = errors.New("tflite: bad shape")
	// ErrNotFound is returned by InputByName and OutputByName.
	ErrNotFound = errors.New("tflite: no such tensor")
)

// OpError reports a fault in one operator of subgraph 0.
type OpError struct {
	Index int    // operator index in execution order
	Op    string // builtin operator name, such as "CONV_2D"
	Err   error
}

func (e *OpError) Error() string { return fmt.Sprintf("op %d (%s): %v", e.Index, e.Op, e.Err) }

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

// TensorError reports a fault in one tensor of subgraph 0.
type TensorError struct {
	Index int
	Name  string
	Err   error
}

func (e *TensorError) Error() string { return fmt.Sprintf("tensor %d %q: %v", e.Index, e.Name, e.Err) }

// Unwrap returns the underlying error.
func (e *TensorError) Unwrap() error { return e.Err }

// Tensor is a typed view of one tensor of an Interpreter.
type Tensor struct {
	index int
	name  string
	typ   DType
	shape []int
	quant Quantization
	f32   []float32 // FLOAT32 data (arena view or constant)
	i32   []int32   // INT32 constant data
	q     []byte    // INT8/UINT8 data (quantised arena view or constant); see Int8s

	constant bool // data fixed at NewInterpreter (file constant or folded)
}

// Name returns the tensor's name in the model file.
func (t *Tensor) Name() string { return t.name }

// Index returns the tensor's index in subgraph 0.
func (t *Tensor) Index() int { return t.index }

// Shape returns a copy of the tensor's shape as planned.
func (t *Tensor) Shape() []int { return cloneShape(t.shape) }

// Type returns the tensor's element type.
func (t *Tensor) Type() DType { return t.typ }

// Quantization returns the tensor's quantisation parameters (empty for float
// tensors).
func (t *Tensor) Quantization() Quantization { return t.quant }

// Len returns the number of elements.
func (t *Tensor) Len() int { return numElements(t.shape) }

// Float32s returns the tensor's data if it is FLOAT32, else nil. The slice
// is a view into the interpreter: write model inputs through it, and read
// outputs before the next Invoke.
func (t *Tensor) Float32s() []float32 { return t.f32 }

// Int32s returns the data of a constant INT32 tensor, else nil. Do not
// modify it.
func (t *Tensor) Int32s() []int32 { return t.i32 }

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// cloneShape copies a shape; a scalar's shape stays non-nil, since nil
// means "unknown" during shape inference.
func cloneShape(s []int) []int { return append(make([]int, 0, len(s)), s...) }
