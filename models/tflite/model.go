package tflite

import (
	"fmt"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// Model is a parsed and validated TFLite model (subgraph 0). It is
// immutable and safe for concurrent use by any number of Interpreters.
type Model struct {
	version     uint32
	description string
	tensors     []tensorDef
	ops         []opDef
	inputs      []int
	outputs     []int
}

// tensorDef is one tensor as declared in the file.
type tensorDef struct {
	name     string
	typ      DType
	shape    []int
	quant    Quantization
	constant bool
	f32      []float32 // FLOAT32 constant
	i32      []int32   // INT32 constant
	f16      []uint16  // FLOAT16 constant, raw IEEE half bits
	raw      []byte    // INT8/UINT8/INT64 constant
}

// opDef is one operator as declared in the file.
type opDef struct {
	code    tfschema.BuiltinOperator
	version int32
	inputs  []int // -1 marks an omitted optional operand
	outputs []int
	opts    opOptions
}

func (o *opDef) name() string {
	if s, ok := tfschema.EnumNamesBuiltinOperator[o.code]; ok {
		return s
	}
	return fmt.Sprintf("BUILTIN(%d)", int32(o.code))
}

// Description returns the model's description string.
func (m *Model) Description() string { return m.description }

// NumTensors returns the number of tensors in subgraph 0.
func (m *Model) NumTensors() int { return len(m.tensors) }

// NumOps returns the number of operators in subgraph 0.
func (m *Model) NumOps() int { return len(m.ops) }

// OpNames returns the builtin operator name of every operator, in execution
// order.
func (m *Model) OpNames() []string {
	out := make([]string, len(m.ops))
	for i := range m.ops {
		out[i] = m.ops[i].name()
	}
	return out
}

// InputIndices returns the tensor indices of the subgraph's inputs.
func (m *Model) InputIndices() []int { return append([]int(nil), m.inputs...) }

// OutputIndices returns the tensor indices of the subgraph's outputs.
func (m *Model) OutputIndices() []int { return append([]int(nil), m.outputs...) }

// validate checks the graph structure, operator support and types, and that
// the shapes declared in the file agree with the shapes the operators
// produce.
func (m *Model) validate() error {
	for _, i := range m.inputs {
		t := &m.tensors[i]
		if i < 0 {
			return fmt.Errorf("%w: subgraph input is an omitted operand", ErrMalformed)
		}
		if t.typ != Float32 && !isQuantType(t.typ) {
			return &TensorError{Index: i, Name: t.name, Err: fmt.Errorf("%w: model input of type %v", ErrUnsupported, t.typ)}
		}
		if t.constant {
			return &TensorError{Index: i, Name: t.name, Err: fmt.Errorf("%w: model input has constant data", ErrMalformed)}
		}
	}
	for _, i := range m.outputs {
		if i < 0 {
			return fmt.Errorf("%w: subgraph output is an omitted operand", ErrMalformed)
		}
	}
	shapes, err := m.inferShapes(0)
	if err != nil {
		return err
	}
	for i, s := range shapes {
		t := &m.tensors[i]
		if s != nil && !equalShape(s, t.shape) {
			return &TensorError{Index: i, Name: t.name,
				Err: fmt.Errorf("%w: declared shape %v, operators produce %v", ErrShape, t.shape, s)}
		}
	}
	for _, i := range m.outputs {
		if shapes[i] == nil {
			t := &m.tensors[i]
			return &TensorError{Index: i, Name: t.name, Err: fmt.Errorf("%w: model output is never produced", ErrMalformed)}
		}
	}
	return nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
