package tflite

import (
	"fmt"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// prepare binds one operator to its tensors' storage. Shapes were checked
// by inferShapes; prepare only derives kernel parameters.
func (ip *Interpreter) prepare(od *opDef) (kernel, error) {
	t := func(j int) *Tensor {
		if j >= len(od.inputs) || od.inputs[j] < 0 {
			return nil
		}
		return &ip.tensors[od.inputs[j]]
	}
	in, out := t(0), &ip.tensors[od.outputs[0]]
	simd := haveGemmSIMD() && !ip.portable
	o := &od.opts
	lo, hi := actRange(o.act)
	for j, ti := range od.inputs {
		if ti >= 0 && ip.tensors[ti].typ == Float32 && ip.tensors[ti].f32 == nil {
			return nil, fmt.Errorf("%w: input %d has no storage", ErrMalformed, j)
		}
	}
	var bias []float32
	if b := t(2); b != nil {
		bias = b.f32
	}
	if isQuantOp(ip.model, od) {
		return ip.prepareQuant(od) // q_prepare.go
	}
	switch od.code {
	case tfschema.BuiltinOperatorCONV_2D:
		w := t(1)
		g := newGeom(in.shape, out.shape, w.shape[1], w.shape[2], o)
		if w.constant {
			return newGemmConv(g, in.f32, w.f32, bias, out.f32, lo, hi, simd), nil
		}
		return &conv2D{g: g, in: in.f32, filter: w.f32, bias: bias, out: out.f32, lo: lo, hi: hi}, nil
	case tfschema.BuiltinOperatorDEPTHWISE_CONV_2D:
		w := t(1)
		g := newGeom(in.shape, out.shape, w.shape[1], w.shape[2], o)
		return newDepthwise(g, in.f32, w.f32, bias, out.f32, lo, hi, simd), nil
	case tfschema.BuiltinOperatorFULLY_CONNECTED:
		w := t(1)
		depth := w.shape[1]
		return &fullyConnected{rows: in.Len() / depth, depth: depth, nUnits: w.shape[0],
			in: in.f32, weights: w.f32, bias: bias, out: out.f32, lo: lo, hi: hi}, nil
	case tfschema.BuiltinOperatorADD:
		return newBinary(binAdd, in, t(1), out, o.act, simd), nil
	case tfschema.BuiltinOperatorSUB:
		return newBinary(binSub, in, t(1), out, o.act, simd), nil
	case tfschema.BuiltinOperatorMUL:
		return newBinary(binMul, in, t(1), out, o.act, simd), nil
	case tfschema.BuiltinOperatorPRELU:
		return newBinary(binPrelu, in, t(1), out, actNone, simd), nil
	case tfschema.BuiltinOperatorABS:
		return &unary{op: unAbs, in: in.f32, out: out.f32}, nil
	case tfschema.BuiltinOperatorRELU:
		return &unary{op: unRelu, in: in.f32, out: out.f32}, nil
	case tfschema.BuiltinOperatorRELU6:
		return &unary{op: unRelu6, in: in.f32, out: out.f32}, nil
	case tfschema.BuiltinOperatorLOGISTIC:
		return &unary{op: unLogistic, in: in.f32, out: out.f32}, nil
	case tfschema.BuiltinOperatorTANH:
		return &unary{op: unTanh, in: in.f32, out: out.f32}, nil
	case tfschema.BuiltinOperatorRESHAPE:
		return &unary{op: unCopy, in: in.f32, out: out.f32}, nil
	case tfschema.BuiltinOperatorMAX_POOL_2D, tfschema.BuiltinOperatorAVERAGE_POOL_2D:
		g := newGeom(in.shape, out.shape, o.filterH, o.filterW, o)
		return &pool2D{g: g, isMax: od.code == tfschema.BuiltinOperatorMAX_POOL_2D, in: in.f32, out: out.f32, lo: lo, hi: hi,
			simd: simd}, nil
	case tfschema.BuiltinOperatorPAD:
		return newPad(in, out, t(1).i32), nil
	case tfschema.BuiltinOperatorCONCATENATION:
		axis, _ := normAxis(o.axis, len(out.shape))
		k := &concat{outer: numElements(out.shape[:axis]), out: out.f32, lo: lo, hi: hi}
		for j := range od.inputs {
			x := t(j)
			k.ins = append(k.ins, x.f32)
			k.chunks = append(k.chunks, numElements(x.shape[axis:]))
		}
		return k, nil
	case tfschema.BuiltinOperatorRESIZE_BILINEAR:
		return newResizeBilinear(in, out, o.alignCorners, o.halfPixel), nil
	case tfschema.BuiltinOperatorMEAN:
		mask, err := meanAxes(t(1).i32, len(in.shape))
		if err != nil {
			return nil, err
		}
		return newMean(in, out, mask), nil
	case tfschema.BuiltinOperatorSOFTMAX, tfschema.BuiltinOperatorL2_NORMALIZATION:
		depth := 0
		if len(in.shape) > 0 {
			depth = in.shape[len(in.shape)-1]
		}
		return &lastAxis{softmax: od.code == tfschema.BuiltinOperatorSOFTMAX, beta: o.beta, depth: depth,
			in: in.f32, out: out.f32, lo: lo, hi: hi}, nil
	}
	return nil, fmt.Errorf("%w: operator not implemented", ErrUnsupported)
}
