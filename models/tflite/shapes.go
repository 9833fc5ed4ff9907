package tflite

import (
	"fmt"
	"math"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// shapeEnv is the state of shape inference over subgraph 0.
type shapeEnv struct {
	m         *Model
	shapes    [][]int // inferred shape per tensor; nil = not (yet) available
	batch     int     // requested batch, 0 = as in the file
	origBatch int     // leading dimension of the first input in the file
}

// inferShapes computes every tensor's shape from the model inputs (with the
// leading dimension replaced by batch when batch > 0) and the constants,
// running each operator's shape rule in execution order. It also enforces
// the structural rules: operands exist before use, each tensor is produced
// at most once, and types fit the operator.
func (m *Model) inferShapes(batch int) ([][]int, error) {
	env := &shapeEnv{m: m, shapes: make([][]int, len(m.tensors)), batch: batch}
	for i := range m.tensors {
		if m.tensors[i].constant {
			env.shapes[i] = m.tensors[i].shape
		}
	}
	for k, i := range m.inputs {
		s := cloneShape(m.tensors[i].shape)
		if k == 0 && len(s) > 0 {
			env.origBatch = s[0]
		}
		if batch > 0 {
			if len(s) == 0 {
				return nil, &TensorError{Index: i, Name: m.tensors[i].name, Err: fmt.Errorf("%w: scalar input has no batch dimension", ErrShape)}
			}
			s[0] = batch
		}
		env.shapes[i] = s
	}
	for k := range m.ops {
		od := &m.ops[k]
		if err := env.op(od); err != nil {
			return nil, &OpError{Index: k, Op: od.name(), Err: err}
		}
	}
	return env.shapes, nil
}

func (e *shapeEnv) op(od *opDef) error {
	if isQuantOp(e.m, od) {
		return e.quantOp(od) // q_shapes.go
	}
	spec, ok := specFor(od.code)
	if !ok {
		return fmt.Errorf("%w: operator not implemented", ErrUnsupported)
	}
	if n := len(od.inputs); n < spec.minIn || n > spec.maxIn {
		return fmt.Errorf("%w: %d inputs, want %d to %d", ErrMalformed, n, spec.minIn, spec.maxIn)
	}
	if len(od.outputs) != 1 {
		return fmt.Errorf("%w: %d outputs, want 1", ErrMalformed, len(od.outputs))
	}
	in := make([][]int, len(od.inputs))
	for j, ti := range od.inputs {
		if ti < 0 {
			if j < spec.minIn {
				return fmt.Errorf("%w: input %d is required", ErrMalformed, j)
			}
			continue
		}
		if e.shapes[ti] == nil {
			return e.tensorErr(ti, "%w: used before it is produced", ErrMalformed)
		}
		t := &e.m.tensors[ti]
		want := Float32
		if j < len(spec.inTypes) && spec.inTypes[j] != Float32 {
			want = spec.inTypes[j]
			if !t.constant {
				return e.tensorErr(ti, "%w: input %d must be a constant", ErrUnsupported, j)
			}
		}
		if od.code == tfschema.BuiltinOperatorDEQUANTIZE {
			if t.typ != Float16 && t.typ != Int8 && t.typ != Uint8 || !t.constant {
				return e.tensorErr(ti, "%w: DEQUANTIZE of a %v %s", ErrUnsupported, t.typ, map[bool]string{true: "constant", false: "activation"}[t.constant])
			}
			if err := checkQuant(t); err != nil {
				return e.tensorErr(ti, "%w", err)
			}
		} else if t.typ != want {
			return e.tensorErr(ti, "%w: input %d has type %v, want %v", ErrUnsupported, j, t.typ, want)
		}
		in[j] = e.shapes[ti]
	}
	out := od.outputs[0]
	if out < 0 {
		return fmt.Errorf("%w: output is an omitted operand", ErrMalformed)
	}
	ot := &e.m.tensors[out]
	if e.shapes[out] != nil || ot.constant {
		return e.tensorErr(out, "%w: output is already defined (constant, model input or produced twice)", ErrMalformed)
	}
	if ot.typ != Float32 {
		return e.tensorErr(out, "%w: output type %v", ErrUnsupported, ot.typ)
	}
	if err := checkAct(od.opts.act); err != nil {
		return err
	}
	s, err := spec.infer(e, od, in)
	if err != nil {
		return err
	}
	if n, ok := checkedElements(s); !ok || n > maxElements {
		return e.tensorErr(out, "%w: inferred shape %v is too large", ErrShape, s)
	}
	e.shapes[out] = s
	return nil
}

func (e *shapeEnv) tensorErr(i int, format string, args ...any) error {
	return &TensorError{Index: i, Name: e.m.tensors[i].name, Err: fmt.Errorf(format, args...)}
}

func checkAct(a activation) error {
	switch a {
	case actNone, actRelu, actRelu1, actRelu6:
		return nil
	}
	return fmt.Errorf("%w: fused activation %v", ErrUnsupported, tfschema.ActivationFunctionType(a))
}

// checkedElements multiplies the dimensions, reporting false on overflow
// past maxElements or a negative dimension.
func checkedElements(s []int) (int, bool) {
	n := 1
	for _, d := range s {
		if d < 0 || (d > 0 && n > maxElements/d) {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// opSpec describes how an operator's operands are checked and its output
// shape inferred.
type opSpec struct {
	minIn, maxIn int
	inTypes      []DType // per input; missing entries are FLOAT32
	infer        func(e *shapeEnv, od *opDef, in [][]int) ([]int, error)
}

// specFor returns how an operator's operands are checked and its output
// shape inferred; ok is false for operators this package does not run.
func specFor(code tfschema.BuiltinOperator) (spec opSpec, ok bool) {
	switch code {
	case tfschema.BuiltinOperatorCONV_2D:
		return opSpec{2, 3, nil, inferConv}, true
	case tfschema.BuiltinOperatorDEPTHWISE_CONV_2D:
		return opSpec{2, 3, nil, inferDepthwise}, true
	case tfschema.BuiltinOperatorFULLY_CONNECTED:
		return opSpec{2, 3, nil, inferFullyConnected}, true
	case tfschema.BuiltinOperatorADD:
		return opSpec{2, 2, nil, inferBroadcast}, true
	case tfschema.BuiltinOperatorSUB:
		return opSpec{2, 2, nil, inferBroadcast}, true
	case tfschema.BuiltinOperatorMUL:
		return opSpec{2, 2, nil, inferBroadcast}, true
	case tfschema.BuiltinOperatorPRELU:
		return opSpec{2, 2, nil, inferBroadcast}, true
	case tfschema.BuiltinOperatorABS:
		return opSpec{1, 1, nil, inferSame}, true
	case tfschema.BuiltinOperatorRELU:
		return opSpec{1, 1, nil, inferSame}, true
	case tfschema.BuiltinOperatorRELU6:
		return opSpec{1, 1, nil, inferSame}, true
	case tfschema.BuiltinOperatorLOGISTIC:
		return opSpec{1, 1, nil, inferSame}, true
	case tfschema.BuiltinOperatorTANH:
		return opSpec{1, 1, nil, inferSame}, true
	case tfschema.BuiltinOperatorDEQUANTIZE:
		return opSpec{1, 1, nil, inferSame}, true
	case tfschema.BuiltinOperatorSOFTMAX:
		return opSpec{1, 1, nil, inferSoftmax}, true
	case tfschema.BuiltinOperatorL2_NORMALIZATION:
		return opSpec{1, 1, nil, inferSoftmax}, true
	case tfschema.BuiltinOperatorMAX_POOL_2D:
		return opSpec{1, 1, nil, inferPool}, true
	case tfschema.BuiltinOperatorAVERAGE_POOL_2D:
		return opSpec{1, 1, nil, inferPool}, true
	case tfschema.BuiltinOperatorPAD:
		return opSpec{2, 2, []DType{Float32, Int32}, inferPad}, true
	case tfschema.BuiltinOperatorRESHAPE:
		return opSpec{1, 2, []DType{Float32, Int32}, inferReshape}, true
	case tfschema.BuiltinOperatorCONCATENATION:
		return opSpec{1, maxOpInputs, nil, inferConcat}, true
	case tfschema.BuiltinOperatorRESIZE_BILINEAR:
		return opSpec{2, 2, []DType{Float32, Int32}, inferResize}, true
	case tfschema.BuiltinOperatorMEAN:
		return opSpec{2, 2, []DType{Float32, Int32}, inferMean}, true
	}
	return opSpec{}, false
}

func inferSame(_ *shapeEnv, _ *opDef, in [][]int) ([]int, error) {
	return cloneShape(in[0]), nil
}

func inferSoftmax(_ *shapeEnv, _ *opDef, in [][]int) ([]int, error) {
	if len(in[0]) == 0 {
		return nil, fmt.Errorf("%w: scalar input", ErrShape)
	}
	return cloneShape(in[0]), nil
}

// broadcastShape applies NumPy broadcasting to two shapes.
func broadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range out {
		da, db := 1, 1
		if k := i - (n - len(a)); k >= 0 {
			da = a[k]
		}
		if k := i - (n - len(b)); k >= 0 {
			db = b[k]
		}
		switch {
		case da == db:
			out[i] = da
		case da == 1:
			out[i] = db
		case db == 1:
			out[i] = da
		default:
			return nil, fmt.Errorf("%w: cannot broadcast %v with %v", ErrShape, a, b)
		}
	}
	return out, nil
}

func inferBroadcast(_ *shapeEnv, _ *opDef, in [][]int) ([]int, error) {
	return broadcastShape(in[0], in[1])
}

// windowOut returns the output size and the padding placed before the first
// element for one spatial axis, following TFLite: SAME gives
// ceil(in/stride) with the smaller half of the total padding first; VALID
// gives ceil((in - effective_filter + 1)/stride).
func windowOut(in, filter, stride, dilation int, pad padding) (out, before int, err error) {
	if filter < 1 || stride < 1 || dilation < 1 || filter > maxDim || stride > maxDim || dilation > maxDim {
		return 0, 0, fmt.Errorf("%w: filter %d, stride %d, dilation %d", ErrMalformed, filter, stride, dilation)
	}
	eff := (filter-1)*dilation + 1
	switch pad {
	case paddingSame:
		out = (in + stride - 1) / stride
	case paddingValid:
		out = (in - eff + stride) / stride
	default:
		return 0, 0, fmt.Errorf("%w: padding %d", ErrMalformed, pad)
	}
	if out < 1 || in < 1 {
		return 0, 0, fmt.Errorf("%w: input %d, filter %d (dilation %d) gives no output", ErrShape, in, filter, dilation)
	}
	total := max((out-1)*stride+eff-in, 0)
	return out, total / 2, nil
}

func rank4(s []int, what string) error {
	if len(s) != 4 {
		return fmt.Errorf("%w: %s has shape %v, want rank 4", ErrShape, what, s)
	}
	return nil
}

func checkBias(in [][]int, n int) error {
	if len(in) > 2 && in[2] != nil && (len(in[2]) != 1 || in[2][0] != n) {
		return fmt.Errorf("%w: bias shape %v, want [%d]", ErrShape, in[2], n)
	}
	return nil
}

func inferConv(_ *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	x, w := in[0], in[1]
	if err := rank4(x, "input"); err != nil {
		return nil, err
	}
	if err := rank4(w, "filter"); err != nil {
		return nil, err
	}
	if w[3] != x[3] {
		return nil, fmt.Errorf("%w: filter %v does not match %d input channels", ErrShape, w, x[3])
	}
	if err := checkBias(in, w[0]); err != nil {
		return nil, err
	}
	o := &od.opts
	oh, _, err := windowOut(x[1], w[1], o.strideH, o.dilH, o.padding)
	if err != nil {
		return nil, err
	}
	ow, _, err := windowOut(x[2], w[2], o.strideW, o.dilW, o.padding)
	if err != nil {
		return nil, err
	}
	return []int{x[0], oh, ow, w[0]}, nil
}

func inferDepthwise(_ *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	x, w := in[0], in[1]
	if err := rank4(x, "input"); err != nil {
		return nil, err
	}
	if err := rank4(w, "filter"); err != nil {
		return nil, err
	}
	if w[0] != 1 || x[3] == 0 || w[3]%x[3] != 0 {
		return nil, fmt.Errorf("%w: filter %v does not fit %d input channels", ErrShape, w, x[3])
	}
	if m := od.opts.depthMultiplier; m != 0 && m != w[3]/x[3] {
		return nil, fmt.Errorf("%w: depth_multiplier %d, filter implies %d", ErrShape, m, w[3]/x[3])
	}
	if err := checkBias(in, w[3]); err != nil {
		return nil, err
	}
	o := &od.opts
	oh, _, err := windowOut(x[1], w[1], o.strideH, o.dilH, o.padding)
	if err != nil {
		return nil, err
	}
	ow, _, err := windowOut(x[2], w[2], o.strideW, o.dilW, o.padding)
	if err != nil {
		return nil, err
	}
	return []int{x[0], oh, ow, w[3]}, nil
}

func inferFullyConnected(_ *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	x, w := in[0], in[1]
	if len(w) != 2 || w[1] == 0 || len(x) == 0 {
		return nil, fmt.Errorf("%w: weights %v for input %v", ErrShape, w, x)
	}
	n := numElements(x)
	if n%w[1] != 0 {
		return nil, fmt.Errorf("%w: input %v is not a multiple of %d features", ErrShape, x, w[1])
	}
	if err := checkBias(in, w[0]); err != nil {
		return nil, err
	}
	if od.opts.keepDims {
		if x[len(x)-1] != w[1] {
			return nil, fmt.Errorf("%w: keep_num_dims with input %v and weights %v", ErrShape, x, w)
		}
		return append(append([]int(nil), x[:len(x)-1]...), w[0]), nil
	}
	return []int{n / w[1], w[0]}, nil
}

func inferPool(_ *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	x := in[0]
	if err := rank4(x, "input"); err != nil {
		return nil, err
	}
	o := &od.opts
	oh, _, err := windowOut(x[1], o.filterH, o.strideH, 1, o.padding)
	if err != nil {
		return nil, err
	}
	ow, _, err := windowOut(x[2], o.filterW, o.strideW, 1, o.padding)
	if err != nil {
		return nil, err
	}
	return []int{x[0], oh, ow, x[3]}, nil
}

// checkQuant validates the quantisation of a constant DEQUANTIZE operand.
func checkQuant(t *tensorDef) error {
	if t.typ == Float16 {
		return nil
	}
	q := &t.quant
	switch ns := len(q.Scale); {
	case ns == 0:
		return fmt.Errorf("%w: quantized constant without scale", ErrMalformed)
	case ns > 1 && (q.Dim < 0 || q.Dim >= len(t.shape) || t.shape[q.Dim] != ns):
		return fmt.Errorf("%w: %d scales for dimension %d of %v", ErrMalformed, ns, q.Dim, t.shape)
	case len(q.ZeroPoint) > 1 && len(q.ZeroPoint) != ns:
		return fmt.Errorf("%w: %d zero points for %d scales", ErrMalformed, len(q.ZeroPoint), ns)
	}
	for _, s := range q.Scale {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("%w: quantization scale %v", ErrMalformed, s)
		}
	}
	return nil
}
