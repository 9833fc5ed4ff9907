package tflite

import (
	"fmt"
	"math"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// Quantised execution: operators whose output is INT8 or UINT8, QUANTIZE,
// and DEQUANTIZE of an activation run the integer kernels of the q_*.go
// files with TFLite's arithmetic (see q_math.go). Everything else stays on
// the float32 path.

// isQuantType reports whether t is an 8-bit quantised activation type.
func isQuantType(t DType) bool { return t == Int8 || t == Uint8 }

// isQuantOp reports whether od belongs to the quantised path.
func isQuantOp(m *Model, od *opDef) bool {
	switch {
	case od.code == tfschema.BuiltinOperatorQUANTIZE:
		return true
	case od.code == tfschema.BuiltinOperatorDEQUANTIZE:
		return len(od.inputs) > 0 && od.inputs[0] >= 0 && !m.tensors[od.inputs[0]].constant
	}
	return len(od.outputs) > 0 && od.outputs[0] >= 0 && isQuantType(m.tensors[od.outputs[0]].typ)
}

// quantOp checks one quantised operator's operands and infers its output
// shape; it is shapeEnv.op for the quantised path.
func (e *shapeEnv) quantOp(od *opDef) error {
	minIn, maxIn := 1, 1
	var infer func(e *shapeEnv, od *opDef, in [][]int) ([]int, error)
	switch od.code {
	case tfschema.BuiltinOperatorQUANTIZE, tfschema.BuiltinOperatorDEQUANTIZE:
		infer = inferSame
	case tfschema.BuiltinOperatorCONV_2D:
		minIn, maxIn, infer = 2, 3, inferConv
	case tfschema.BuiltinOperatorDEPTHWISE_CONV_2D:
		minIn, maxIn, infer = 2, 3, inferDepthwise
	case tfschema.BuiltinOperatorFULLY_CONNECTED:
		minIn, maxIn, infer = 2, 3, inferFullyConnected
	case tfschema.BuiltinOperatorADD:
		minIn, maxIn, infer = 2, 2, inferBroadcast
	default:
		return fmt.Errorf("%w: quantized operator not implemented", ErrUnsupported)
	}
	if n := len(od.inputs); n < minIn || n > maxIn {
		return fmt.Errorf("%w: %d inputs, want %d to %d", ErrMalformed, n, minIn, maxIn)
	}
	if len(od.outputs) != 1 || od.outputs[0] < 0 {
		return fmt.Errorf("%w: want exactly one output", ErrMalformed)
	}
	in := make([][]int, len(od.inputs))
	for j, ti := range od.inputs {
		if ti < 0 {
			if j < minIn {
				return fmt.Errorf("%w: input %d is required", ErrMalformed, j)
			}
			continue
		}
		if e.shapes[ti] == nil {
			return e.tensorErr(ti, "%w: used before it is produced", ErrMalformed)
		}
		in[j] = e.shapes[ti]
	}
	out := od.outputs[0]
	if e.shapes[out] != nil || e.m.tensors[out].constant {
		return e.tensorErr(out, "%w: output is already defined (constant, model input or produced twice)", ErrMalformed)
	}
	if err := checkAct(od.opts.act); err != nil {
		return err
	}
	if err := e.quantTypes(od); err != nil {
		return err
	}
	s, err := infer(e, od, in)
	if err != nil {
		return err
	}
	if n, ok := checkedElements(s); !ok || n > maxElements {
		return e.tensorErr(out, "%w: inferred shape %v is too large", ErrShape, s)
	}
	e.shapes[out] = s
	return nil
}

// quantTypes checks operand types and quantisation parameters as TFLite's
// integer kernels require them: activations per tensor; INT8 weights
// symmetric (zero point 0), per tensor or per output channel; UINT8 weights
// per tensor; INT32 bias.
func (e *shapeEnv) quantTypes(od *opDef) error {
	m := e.m
	out := od.outputs[0]
	ot := m.tensors[out].typ
	in0 := od.inputs[0]
	switch od.code {
	case tfschema.BuiltinOperatorQUANTIZE:
		return e.quantizeTypes(in0, out)
	case tfschema.BuiltinOperatorDEQUANTIZE:
		if !isQuantType(m.tensors[in0].typ) || ot != Float32 {
			return e.tensorErr(in0, "%w: DEQUANTIZE of a %v activation to %v", ErrUnsupported, m.tensors[in0].typ, ot)
		}
		return e.perTensor(in0)
	}
	for j, ti := range od.inputs {
		if ti < 0 {
			continue
		}
		want := ot
		if j == 2 {
			want = Int32
		}
		if m.tensors[ti].typ != want {
			return e.tensorErr(ti, "%w: input %d has type %v, want %v", ErrUnsupported, j, m.tensors[ti].typ, want)
		}
	}
	if err := e.perTensor(in0); err != nil {
		return err
	}
	if err := e.perTensor(out); err != nil {
		return err
	}
	if od.code == tfschema.BuiltinOperatorADD {
		if err := e.perTensor(od.inputs[1]); err != nil {
			return err
		}
		if _, _, _, _, _, _, err := addParams(&m.tensors[in0], &m.tensors[od.inputs[1]], &m.tensors[out]); err != nil {
			return err
		}
		return nil
	}
	dim := 0
	if od.code == tfschema.BuiltinOperatorDEPTHWISE_CONV_2D {
		dim = 3
	}
	if err := e.weights(od.inputs[1], dim); err != nil {
		return err
	}
	if len(od.inputs) < 3 || od.inputs[2] < 0 {
		return nil
	}
	b := &m.tensors[od.inputs[2]]
	if !b.constant {
		return e.tensorErr(od.inputs[2], "%w: bias must be a constant", ErrUnsupported)
	}
	if ot == Uint8 {
		// TFLite's UINT8 kernels require bias scale ≈ input · filter scale.
		var bs float64
		if len(b.quant.Scale) > 0 {
			bs = float64(b.quant.Scale[0])
		}
		ps := float64(m.tensors[in0].quant.Scale[0]) * float64(m.tensors[od.inputs[1]].quant.Scale[0])
		if math.Abs(ps-bs)/float64(m.tensors[out].quant.Scale[0]) > 0.02 {
			return e.tensorErr(od.inputs[2], "%w: bias scale %g, input·filter scale %g", ErrMalformed, bs, ps)
		}
	}
	return nil
}

// quantizeTypes checks QUANTIZE: from FLOAT32, INT8 or UINT8 to INT8 or
// UINT8, both sides per tensor. The official runtime (measured) also
// requantises INT16 to INT8, INT16 or INT32 and INT32 to INT8 or INT16, and
// rejects INT8 or UINT8 to INT16 and INT16 to UINT8. This package has no
// INT16 tensors and no INT32 activations, so it rejects all of those.
func (e *shapeEnv) quantizeTypes(in, out int) error {
	it, ot := e.m.tensors[in].typ, e.m.tensors[out].typ
	if it != Float32 && !isQuantType(it) {
		return e.tensorErr(in, "%w: QUANTIZE from %v to %v (input must be FLOAT32, INT8 or UINT8)", ErrUnsupported, it, ot)
	}
	if !isQuantType(ot) {
		return e.tensorErr(out, "%w: QUANTIZE from %v to %v (output must be INT8 or UINT8)", ErrUnsupported, it, ot)
	}
	if err := e.perTensor(out); err != nil {
		return err
	}
	if it == Float32 {
		return nil
	}
	if err := e.perTensor(in); err != nil {
		return err
	}
	if _, _, err := requantizeParams(&e.m.tensors[in], &e.m.tensors[out]); err != nil {
		return e.tensorErr(out, "%w", err)
	}
	return nil
}

// perTensor checks that tensor i has one valid scale and zero point.
func (e *shapeEnv) perTensor(i int) error {
	t := &e.m.tensors[i]
	q := &t.quant
	if len(q.Scale) != 1 || len(q.ZeroPoint) > 1 {
		return e.tensorErr(i, "%w: want per-tensor quantization, have %d scales and %d zero points", ErrUnsupported, len(q.Scale), len(q.ZeroPoint))
	}
	if err := checkScale(q.Scale[0]); err != nil {
		return e.tensorErr(i, "%w", err)
	}
	lo, hi := qRange(t.typ)
	if zp := zeroPoint(q, 0); t.typ != Float32 && (zp < int64(lo) || zp > int64(hi)) {
		return e.tensorErr(i, "%w: zero point %d outside %v", ErrMalformed, zp, t.typ)
	}
	return nil
}

// weights checks a filter's quantisation: UINT8 per tensor (any zero
// point); INT8 symmetric, per tensor or with one scale per channel of dim.
func (e *shapeEnv) weights(i, dim int) error {
	t := &e.m.tensors[i]
	q := &t.quant
	if t.typ == Uint8 {
		return e.perTensor(i)
	}
	if len(q.Scale) != 1 && (len(t.shape) <= dim || q.Dim != dim || len(q.Scale) != t.shape[dim]) {
		return e.tensorErr(i, "%w: %d scales along dimension %d of %v, want 1 or one per channel of dimension %d",
			ErrUnsupported, len(q.Scale), q.Dim, t.shape, dim)
	}
	if len(q.ZeroPoint) > 1 && len(q.ZeroPoint) != len(q.Scale) {
		return e.tensorErr(i, "%w: %d zero points for %d scales", ErrMalformed, len(q.ZeroPoint), len(q.Scale))
	}
	for c, s := range q.Scale {
		if err := checkScale(s); err != nil {
			return e.tensorErr(i, "%w", err)
		}
		if zp := zeroPoint(q, c); zp != 0 {
			return e.tensorErr(i, "%w: INT8 weights with zero point %d in channel %d (must be symmetric)", ErrUnsupported, zp, c)
		}
	}
	return nil
}

func checkScale(s float32) error {
	if !(s > 0) || math.IsInf(float64(s), 0) {
		return fmt.Errorf("%w: quantization scale %v", ErrMalformed, s)
	}
	return nil
}

// zeroPoint returns the zero point of channel c (0 when absent).
func zeroPoint(q *Quantization, c int) int64 {
	switch {
	case len(q.ZeroPoint) == 0:
		return 0
	case len(q.ZeroPoint) == 1:
		return q.ZeroPoint[0]
	}
	return q.ZeroPoint[c]
}
