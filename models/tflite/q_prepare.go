package tflite

import (
	"fmt"
	"unsafe"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// qAlign aligns every quantised tensor in its arena to a cache line.
const qAlign = 64

// planQuant gives every non-constant INT8 or UINT8 tensor with a known
// shape its own place in one byte arena, and binds constant ones to the
// model's data. The float arena already holds limit's share; the two
// together stay within limit bytes.
func (ip *Interpreter) planQuant(shapes [][]int, limit int64) error {
	m := ip.model
	total := 0
	for i := range m.tensors {
		if !isQuantType(m.tensors[i].typ) || m.tensors[i].constant || shapes[i] == nil {
			continue
		}
		total += (ip.tensors[i].Len() + qAlign - 1) / qAlign * qAlign
		if int64(total)+ip.ArenaBytes() > limit {
			return fmt.Errorf("%w: activation arena exceeds %d bytes", ErrShape, limit)
		}
	}
	arena := make([]byte, total)
	off := 0
	for i := range m.tensors {
		td, t := &m.tensors[i], &ip.tensors[i]
		switch {
		case !isQuantType(td.typ):
		case td.constant:
			t.q = td.raw
		case shapes[i] != nil:
			n := t.Len()
			t.q = arena[off : off+n : off+n]
			off += (n + qAlign - 1) / qAlign * qAlign
		}
	}
	return nil
}

// Int8s returns the tensor's data if it is INT8, else nil. Like Float32s it
// is a view: inputs stay valid across Invoke, outputs until the next one.
func (t *Tensor) Int8s() []int8 {
	if t.typ != Int8 {
		return nil
	}
	return view[int8](t.q)
}

// Uint8s returns the tensor's data if it is UINT8, else nil.
func (t *Tensor) Uint8s() []uint8 {
	if t.typ != Uint8 {
		return nil
	}
	return t.q
}

// view reinterprets bytes as 8-bit elements (same size and alignment).
func view[T qelem](b []byte) []T {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

// prepareQuant binds one quantised operator (see isQuantOp); operand types
// and quantisation were checked by shapeEnv.quantOp.
func (ip *Interpreter) prepareQuant(od *opDef) (kernel, error) {
	in, out := &ip.tensors[od.inputs[0]], &ip.tensors[od.outputs[0]]
	switch od.code {
	case tfschema.BuiltinOperatorQUANTIZE:
		if isQuantType(in.typ) {
			return prepareRequantize(ip, in, out)
		}
		if out.typ == Uint8 {
			return newQuantize[uint8](in, out), nil
		}
		return newQuantize[int8](in, out), nil
	case tfschema.BuiltinOperatorDEQUANTIZE:
		if in.typ == Uint8 {
			return &qDequantize[uint8]{in: view[uint8](in.q), out: out.f32, scale: float64(in.quant.Scale[0]), zp: int32(zeroPoint(&in.quant, 0))}, nil
		}
		return &qDequantize[int8]{in: view[int8](in.q), out: out.f32, scale: float64(in.quant.Scale[0]), zp: int32(zeroPoint(&in.quant, 0))}, nil
	}
	if out.typ == Uint8 {
		return prepareQuantTyped[uint8](ip, od)
	}
	return prepareQuantTyped[int8](ip, od)
}

func newQuantize[T qelem](in, out *Tensor) kernel {
	lo, hi := qRange(out.typ)
	return &qQuantize[T]{in: in.f32, out: view[T](out.q), scale: out.quant.Scale[0], zp: int32(zeroPoint(&out.quant, 0)), lo: lo, hi: hi}
}

// prepareRequantize binds QUANTIZE from an 8-bit tensor to an 8-bit tensor.
func prepareRequantize(ip *Interpreter, in, out *Tensor) (kernel, error) {
	for _, x := range []*Tensor{in, out} {
		if x.q == nil && x.Len() > 0 {
			return nil, fmt.Errorf("%w: tensor %d has no storage", ErrMalformed, x.index)
		}
	}
	mult, shift, err := requantizeParams(&ip.model.tensors[in.index], &ip.model.tensors[out.index])
	if err != nil {
		return nil, err
	}
	switch {
	case in.typ == Int8 && out.typ == Int8:
		return newRequantize[int8, int8](in, out, mult, shift), nil
	case in.typ == Int8:
		return newRequantize[int8, uint8](in, out, mult, shift), nil
	case out.typ == Int8:
		return newRequantize[uint8, int8](in, out, mult, shift), nil
	}
	return newRequantize[uint8, uint8](in, out, mult, shift), nil
}

func prepareQuantTyped[T qelem](ip *Interpreter, od *opDef) (kernel, error) {
	t := func(j int) *Tensor {
		if j >= len(od.inputs) || od.inputs[j] < 0 {
			return nil
		}
		return &ip.tensors[od.inputs[j]]
	}
	in, out := t(0), &ip.tensors[od.outputs[0]]
	for _, x := range []*Tensor{in, t(1), out} {
		if x != nil && x.q == nil && x.Len() > 0 {
			return nil, fmt.Errorf("%w: tensor %d has no storage", ErrMalformed, x.index)
		}
	}
	o := &od.opts
	inOff := -int32(zeroPoint(&in.quant, 0))
	outZP := int32(zeroPoint(&out.quant, 0))
	lo, hi := qActRange(o.act, out.typ, out.quant.Scale[0], outZP)
	if od.code == tfschema.BuiltinOperatorADD {
		b := t(1)
		k := &qAdd[T]{a: view[T](in.q), b: view[T](b.q), out: view[T](out.q), aOff: inOff,
			bOff: -int32(zeroPoint(&b.quant, 0)), rank: len(out.shape)}
		var err error
		var mo int32
		var so int
		a, bd, od := &ip.model.tensors[in.index], &ip.model.tensors[b.index], &ip.model.tensors[out.index]
		if k.m1, k.s1, k.m2, k.s2, mo, so, err = addParams(a, bd, od); err != nil {
			return nil, err
		}
		k.rq = requant{mult: []int32{mo}, shift: []int{so}, outZP: outZP, lo: lo, hi: hi}
		copy(k.shape[:], out.shape)
		k.sa = broadcastStrides(in.shape, out.shape)
		k.sb = broadcastStrides(b.shape, out.shape)
		k.flat = in.Len() == out.Len() && b.Len() == out.Len()
		return k, nil
	}
	w := t(1)
	var bias []int32
	if b := t(2); b != nil {
		if bias = b.i32; bias == nil {
			return nil, fmt.Errorf("%w: bias %d must be a constant", ErrUnsupported, b.index)
		}
	}
	filterOff := -int32(zeroPoint(&w.quant, 0))
	var channels int
	switch od.code {
	case tfschema.BuiltinOperatorCONV_2D, tfschema.BuiltinOperatorFULLY_CONNECTED:
		channels = w.shape[0]
	default:
		channels = w.shape[3]
	}
	// The official runtime's INT8 CONV_2D and FULLY_CONNECTED run on its
	// optimized GEMM, which requantises with one rounding; its UINT8 ones
	// and every DEPTHWISE_CONV_2D round twice like the reference kernels.
	// The results differ by one step on about 0.2% of outputs; this
	// package matches the runtime (checked bit for bit in q_ref_test.go).
	single := out.typ == Int8 && od.code != tfschema.BuiltinOperatorDEPTHWISE_CONV_2D
	rq := requant{mult: make([]int32, channels), shift: make([]int, channels), outZP: outZP, lo: lo, hi: hi, single: single}
	for c := range channels {
		fs := w.quant.Scale[0]
		if len(w.quant.Scale) > 1 {
			fs = w.quant.Scale[c]
		}
		// TFLite: double(input scale) · double(filter scale) / double(output scale).
		rq.mult[c], rq.shift[c] = quantizeMultiplier(float64(in.quant.Scale[0]) * float64(fs) / float64(out.quant.Scale[0]))
	}
	switch od.code {
	case tfschema.BuiltinOperatorCONV_2D:
		g := newGeom(in.shape, out.shape, w.shape[1], w.shape[2], o)
		return newQConv(g, view[T](in.q), view[T](w.q), view[T](out.q), bias, inOff, filterOff, rq, w.constant), nil
	case tfschema.BuiltinOperatorDEPTHWISE_CONV_2D:
		g := newGeom(in.shape, out.shape, w.shape[1], w.shape[2], o)
		return newQDepthwise(g, view[T](in.q), view[T](w.q), view[T](out.q), bias, inOff, filterOff, rq, w.constant), nil
	}
	depth := w.shape[1]
	return newQFullyConnected(in.Len()/depth, depth, w.shape[0], view[T](in.q), view[T](w.q), view[T](out.q),
		bias, inOff, filterOff, rq, w.constant), nil
}
