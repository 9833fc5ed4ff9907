package tflite

import (
	"encoding/binary"
	"math"
	"math/rand/v2"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// Builders for small quantised models (see builder_test.go for tModel).

// qTensor is an activation or weight tensor with per-tensor quantisation.
func qTensor(name string, typ DType, shape []int, scale float32, zp int64) tTensor {
	return tTensor{name: name, typ: typ, shape: shape, quant: &Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}}
}

// qPerChannel is an INT8 weight tensor with one scale per channel of dim.
func qPerChannel(name string, shape []int, dim int, rng *rand.Rand) tTensor {
	n := shape[dim]
	q := &Quantization{Scale: make([]float32, n), ZeroPoint: make([]int64, n), Dim: dim}
	for i := range q.Scale {
		q.Scale[i] = 0.002 + 0.02*rng.Float32()
	}
	return tTensor{name: name, typ: Int8, shape: shape, quant: q}
}

// qBias is an INT32 bias constant with values in ±limit.
func qBias(name string, n int, limit int32, rng *rand.Rand) tTensor {
	b := make([]int32, n)
	for i := range b {
		b[i] = rng.Int32N(2*limit+1) - limit
	}
	return tTensor{name: name, typ: Int32, shape: []int{n}, i32: b, quant: &Quantization{Scale: []float32{1e-4}, ZeroPoint: []int64{0}}}
}

// randBytes fills n bytes for an INT8 or UINT8 tensor.
func randBytes(n int, rng *rand.Rand) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}

// qCase is one quantised model with its inputs given as raw bytes (float32
// inputs little-endian), so both runtimes can be fed the same data.
type qCase struct {
	name   string
	model  tModel
	inputs [][]byte
	// dynamicWeights marks a case whose weights are model inputs: the
	// reference runtime then runs TFLite's builtin integer kernels instead
	// of delegating to XNNPACK (see q_ref_test.go).
	dynamicWeights bool
}

// convCase builds input → CONV_2D or DEPTHWISE_CONV_2D → output on 8-bit
// tensors with the filter (and input) as model inputs.
func convCase(name string, code tfschema.BuiltinOperator, typ DType, perChannel bool, in []int, kh, kw, oc int,
	pad padding, stride, dil, mult int, act activation, seed uint64) qCase {
	rng := rand.New(rand.NewPCG(seed, 1))
	zp := func(c int64) int64 {
		if typ == Uint8 {
			return 128 + c
		}
		return c
	}
	wShape, dim := []int{oc, kh, kw, in[3]}, 0
	if code == tfschema.BuiltinOperatorDEPTHWISE_CONV_2D {
		oc = in[3] * mult
		wShape, dim = []int{1, kh, kw, oc}, 3
	}
	var w tTensor
	switch {
	case perChannel:
		w = qPerChannel("w", wShape, dim, rng)
	case typ == Uint8:
		w = qTensor("w", typ, wShape, 0.01, 120+rng.Int64N(16))
	default:
		w = qTensor("w", typ, wShape, 0.01, 0)
	}
	x := qTensor("x", typ, in, 0.03, zp(int64(rng.IntN(21)-10)))
	m := tModel{tensors: []tTensor{x, w, qBias("b", oc, 3000, rng), {}}}
	var opts tOp
	if code == tfschema.BuiltinOperatorDEPTHWISE_CONV_2D {
		opts = tOp{code: code, opts: dwOpts(pad, stride, stride, dil, dil, mult, act)}
	} else {
		opts = tOp{code: code, opts: convOpts(pad, stride, stride, dil, dil, act)}
	}
	out := outShape(in, kh, kw, oc, pad, stride, dil)
	m.tensors[3] = qTensor("y", typ, out, 0.05+0.1*rng.Float32(), zp(int64(rng.IntN(41)-20)))
	opts.in, opts.out = []int{0, 1, 2}, []int{3}
	m.ops = []tOp{opts}
	m.inputs, m.outputs = []int{0, 1}, []int{3}
	return qCase{name: name, model: m, dynamicWeights: true,
		inputs: [][]byte{randBytes(numElements(in), rng), randBytes(numElements(wShape), rng)}}
}

// outShape is the NHWC output shape of a convolution (TFLite's SAME/VALID).
func outShape(in []int, kh, kw, oc int, pad padding, stride, dil int) []int {
	o := func(n, k int) int {
		ek := (k-1)*dil + 1
		if pad == paddingSame {
			return (n + stride - 1) / stride
		}
		return (n-ek)/stride + 1
	}
	return []int{in[0], o(in[1], kh), o(in[2], kw), oc}
}

// fcCase builds input → FULLY_CONNECTED → output with the weights as an input.
func fcCase(name string, typ DType, perChannel bool, rows, depth, units int, act activation, seed uint64) qCase {
	rng := rand.New(rand.NewPCG(seed, 2))
	zp := int64(0)
	if typ == Uint8 {
		zp = 128
	}
	w := qTensor("w", typ, []int{units, depth}, 0.01, zp)
	if perChannel {
		w = qPerChannel("w", []int{units, depth}, 0, rng)
	}
	m := tModel{
		tensors: []tTensor{
			qTensor("x", typ, []int{rows, depth}, 0.02, zp+3),
			w, qBias("b", units, 2000, rng),
			qTensor("y", typ, []int{rows, units}, 0.08, zp-5),
		},
		ops:    []tOp{{code: tfschema.BuiltinOperatorFULLY_CONNECTED, in: []int{0, 1, 2}, out: []int{3}, opts: fcOpts(act, false)}},
		inputs: []int{0, 1}, outputs: []int{3},
	}
	return qCase{name: name, model: m, dynamicWeights: true,
		inputs: [][]byte{randBytes(rows*depth, rng), randBytes(units*depth, rng)}}
}

// addCase builds a + b → output on 8-bit tensors (b may broadcast).
func addCase(name string, typ DType, aShape, bShape []int, sa, sb, so float32, act activation, seed uint64) qCase {
	rng := rand.New(rand.NewPCG(seed, 3))
	zp := int64(0)
	if typ == Uint8 {
		zp = 128
	}
	out := aShape
	if numElements(bShape) > numElements(aShape) {
		out = bShape
	}
	m := tModel{
		tensors: []tTensor{qTensor("a", typ, aShape, sa, zp-7), qTensor("b", typ, bShape, sb, zp+11), qTensor("y", typ, out, so, zp+2)},
		ops:     []tOp{{code: tfschema.BuiltinOperatorADD, in: []int{0, 1}, out: []int{2}, opts: actOpts(tfschema.BuiltinOperatorADD, act)}},
		inputs:  []int{0, 1}, outputs: []int{2},
	}
	return qCase{name: name, model: m, inputs: [][]byte{randBytes(numElements(aShape), rng), randBytes(numElements(bShape), rng)}}
}

// quantizeCase builds float → QUANTIZE → DEQUANTIZE → float with both the
// quantised and the float tensor as outputs. The inputs avoid exact ties
// of x/scale: TFLite rounds them away from zero, XNNPACK (which the
// reference uses for these nodes) to even; q_ops_test.go checks ties.
func quantizeCase(name string, typ DType, zp int64, seed uint64) qCase {
	rng := rand.New(rand.NewPCG(seed, 4))
	const n, scale = 4096, 0.01
	m := tModel{
		tensors: []tTensor{{name: "x", typ: Float32, shape: []int{2, n / 2}}, qTensor("q", typ, []int{2, n / 2}, scale, zp),
			{name: "y", typ: Float32, shape: []int{2, n / 2}}},
		ops: []tOp{{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{0}, out: []int{1}},
			{code: tfschema.BuiltinOperatorDEQUANTIZE, in: []int{1}, out: []int{2}}},
		inputs: []int{0}, outputs: []int{1, 2},
	}
	in := make([]byte, 0, 4*n)
	for len(in) < 4*n {
		v := float32(rng.NormFloat64() * 1.5) // some saturate
		if f := float64(v / scale); math.Abs(f-math.Trunc(f)) > 0.499 && math.Abs(f-math.Trunc(f)) < 0.501 {
			continue
		}
		in = binary.LittleEndian.AppendUint32(in, math.Float32bits(v))
	}
	return qCase{name: name, model: m, inputs: [][]byte{in}}
}

// chainCase is a small INT8 network: QUANTIZE, CONV_2D (per channel,
// stride 2, RELU6), DEPTHWISE_CONV_2D (per channel), residual ADD,
// FULLY_CONNECTED (per tensor), DEQUANTIZE; weights are model inputs 1..3.
func chainCase(seed uint64) qCase {
	rng := rand.New(rand.NewPCG(seed, 5))
	w1 := qPerChannel("w1", []int{8, 3, 3, 3}, 0, rng)
	w2 := qPerChannel("w2", []int{1, 3, 3, 8}, 3, rng)
	w3 := qTensor("w3", Int8, []int{10, 6 * 6 * 8}, 0.004, 0)
	m := tModel{
		tensors: []tTensor{
			{name: "x", typ: Float32, shape: []int{1, 12, 12, 3}}, // 0
			w1, w2, w3, // 1..3
			qTensor("xq", Int8, []int{1, 12, 12, 3}, 0.02, -3), // 4
			qBias("b1", 8, 500, rng),                           // 5
			qTensor("c1", Int8, []int{1, 6, 6, 8}, 0.03, -128), // 6 (RELU6 output)
			qBias("b2", 8, 500, rng),                           // 7
			qTensor("d2", Int8, []int{1, 6, 6, 8}, 0.04, 4),    // 8
			qTensor("s", Int8, []int{1, 6, 6, 8}, 0.05, -2),    // 9
			qBias("b3", 10, 1000, rng),                         // 10
			qTensor("f", Int8, []int{1, 10}, 0.1, 1),           // 11
			{name: "y", typ: Float32, shape: []int{1, 10}},     // 12
		},
		ops: []tOp{
			{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{0}, out: []int{4}},
			{code: tfschema.BuiltinOperatorCONV_2D, in: []int{4, 1, 5}, out: []int{6}, opts: convOpts(paddingSame, 2, 2, 1, 1, actRelu6)},
			{code: tfschema.BuiltinOperatorDEPTHWISE_CONV_2D, in: []int{6, 2, 7}, out: []int{8}, opts: dwOpts(paddingSame, 1, 1, 1, 1, 1, actNone)},
			{code: tfschema.BuiltinOperatorADD, in: []int{6, 8}, out: []int{9}, opts: actOpts(tfschema.BuiltinOperatorADD, actNone)},
			{code: tfschema.BuiltinOperatorFULLY_CONNECTED, in: []int{9, 3, 10}, out: []int{11}, opts: fcOpts(actNone, false)},
			{code: tfschema.BuiltinOperatorDEQUANTIZE, in: []int{11}, out: []int{12}},
		},
		inputs: []int{0, 1, 2, 3}, outputs: []int{11, 12},
	}
	x := make([]byte, 0, 4*12*12*3)
	for len(x) < cap(x) {
		x = binary.LittleEndian.AppendUint32(x, math.Float32bits(float32(rng.NormFloat64())))
	}
	return qCase{name: "chain/int8", model: m, dynamicWeights: true, inputs: [][]byte{x,
		randBytes(8*3*3*3, rng), randBytes(3*3*8, rng), randBytes(10*6*6*8, rng)}}
}

// constWeights turns a case's weight inputs (all inputs after the first)
// into constants, as in a real model.
func constWeights(c qCase) qCase {
	m := c.model
	m.tensors = append([]tTensor(nil), m.tensors...)
	for i := len(m.inputs) - 1; i >= 1; i-- {
		m.tensors[m.inputs[i]].raw = c.inputs[i]
	}
	m.inputs = m.inputs[:1]
	return qCase{name: c.name, model: m, inputs: c.inputs[:1]}
}

// requantizeCase is QUANTIZE from one quantised tensor to another: the
// types, scales and zero points of input and output.
type requantizeCase struct {
	name string
	it   DType
	si   float32
	zi   int64
	ot   DType
	so   float32
	zo   int64
}

// model builds x → QUANTIZE → y on tensors of the given shape.
func (c requantizeCase) model(shape []int) tModel {
	return tModel{
		tensors: []tTensor{qTensor("x", c.it, shape, c.si, c.zi), qTensor("y", c.ot, shape, c.so, c.zo)},
		ops:     []tOp{{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{0}, out: []int{1}}},
		inputs:  []int{0}, outputs: []int{1},
	}
}

// requantizeCases cover every 8-bit type pair, scale ratios below and above
// one (exact powers of two, whose products land on rounding ties, and
// irregular ones), saturation, TFLite's INT8↔UINT8 fast path and its near
// misses, multipliers that flush to zero, and left shifts up to 31 (where
// TFLite's int32 product wraps).
func requantizeCases() []requantizeCase {
	return []requantizeCase{
		{"int8/half", Int8, 0.02, 3, Int8, 0.04, -4},
		{"int8/quarter", Int8, 0.01, -1, Int8, 0.04, 2},
		{"int8/eighth-ties", Int8, 0.005, 0, Int8, 0.04, 0},
		{"int8/one-and-half", Int8, 0.06, 7, Int8, 0.04, -9},
		{"int8/irregular-down", Int8, 0.0517, -13, Int8, 0.0713, 21},
		{"int8/irregular-up", Int8, 0.0713, 5, Int8, 0.0517, -3},
		{"int8/same-scale-saturating", Int8, 0.05, 100, Int8, 0.05, -100},
		{"uint8/irregular", Uint8, 0.031, 128, Uint8, 0.047, 100},
		{"uint8/double", Uint8, 0.02, 10, Uint8, 0.01, 250},
		{"int8-uint8/fast-path", Int8, 0.05, -5, Uint8, 0.05, 123},
		{"int8-uint8/fast-path-zero", Int8, 0.25, 0, Uint8, 0.25, 128},
		{"uint8-int8/fast-path", Uint8, 0.05, 200, Int8, 0.05, 72},
		{"uint8-int8/fast-path-128", Uint8, 0.0039, 128, Int8, 0.0039, 0},
		{"int8-uint8/equal-scale-zp-127-apart", Int8, 0.05, 0, Uint8, 0.05, 127},
		{"uint8-int8/fast-path-zero", Uint8, 0.05, 0, Int8, 0.05, -128},
		{"uint8-int8/scale-one-ulp-apart", Uint8, 0.05, 128, Int8, math.Nextafter32(0.05, 1), 0},
		{"int8-uint8/irregular", Int8, 0.0417, -20, Uint8, 0.0291, 140},
		{"uint8-int8/irregular", Uint8, 0.0291, 140, Int8, 0.0417, -20},
		{"int8/ratio-2^20", Int8, 1 << 20, 1, Int8, 1, -1},
		{"int8/ratio-2^27", Int8, 1 << 27, 0, Int8, 1, 0},
		{"int8/ratio-1.7*2^30-wraps", Int8, 1.7 * (1 << 30), 3, Int8, 1, 0},
		{"uint8/ratio-1.3*2^29-wraps", Uint8, 1.3 * (1 << 29), 128, Uint8, 1, 128},
		{"int8/ratio-2^-31", Int8, 1.5 / (1 << 31), 0, Int8, 1, 0},
		{"int8/ratio-2^-40-flushes", Int8, 1.0 / (1 << 40), 9, Int8, 1, -7},
	}
}

// int16Type is TFLite's INT16, which this package has no tensors for.
const int16Type = DType(tfschema.TensorTypeINT16)

// requantizeChainCase is float → QUANTIZE (INT8) → QUANTIZE (UINT8, equal
// scale, zero point 128 higher: TFLite's fast path) → QUANTIZE (INT8,
// another scale) → DEQUANTIZE → float, with the last two as outputs. As in
// quantizeCase, inputs avoid exact ties of the first QUANTIZE, which
// XNNPACK may take (it leaves the 8-bit to 8-bit ones with mixed types to
// the builtin kernel, checked in TestRequantizeAgainstBuiltin).
func requantizeChainCase(seed uint64) qCase {
	rng := rand.New(rand.NewPCG(seed, 6))
	shape := []int{4, 256}
	const n, scale = 1024, 0.02
	m := tModel{
		tensors: []tTensor{{name: "x", typ: Float32, shape: shape}, qTensor("q8", Int8, shape, scale, -3),
			qTensor("u8", Uint8, shape, scale, 125), qTensor("r8", Int8, shape, 0.0291, 7), {name: "y", typ: Float32, shape: shape}},
		ops: []tOp{{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{0}, out: []int{1}},
			{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{1}, out: []int{2}},
			{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{2}, out: []int{3}},
			{code: tfschema.BuiltinOperatorDEQUANTIZE, in: []int{3}, out: []int{4}}},
		inputs: []int{0}, outputs: []int{3, 4},
	}
	in := make([]byte, 0, 4*n)
	for len(in) < 4*n {
		v := float32(rng.NormFloat64() * 1.5)
		if f := float64(v / scale); math.Abs(f-math.Trunc(f)) > 0.499 && math.Abs(f-math.Trunc(f)) < 0.501 {
			continue
		}
		in = binary.LittleEndian.AppendUint32(in, math.Float32bits(v))
	}
	return qCase{name: "requantize-chain", model: m, inputs: [][]byte{in}}
}
