package tflite

import (
	"os"
	"testing"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

func TestZZDump(t *testing.T) {
	w := make([]byte, 4*3*3*2)
	for i := range w {
		w[i] = byte(int8(i*7%23 - 11))
	}
	m := tModel{
		tensors: []tTensor{
			{name: "in", typ: Float32, shape: []int{1, 5, 5, 2}},
			{name: "q", typ: Int8, shape: []int{1, 5, 5, 2}, quant: &Quantization{Scale: []float32{0.02}, ZeroPoint: []int64{3}}},
			{name: "w", typ: Int8, shape: []int{4, 3, 3, 2}, raw: w, quant: &Quantization{Scale: []float32{0.01, 0.02, 0.03, 0.015}, ZeroPoint: []int64{0, 0, 0, 0}}},
			{name: "b", typ: Int32, shape: []int{4}, i32: []int32{10, -20, 30, 5}, quant: &Quantization{Scale: []float32{0.0002, 0.0004, 0.0006, 0.0003}, ZeroPoint: []int64{0, 0, 0, 0}}},
			{name: "c", typ: Int8, shape: []int{1, 5, 5, 4}, quant: &Quantization{Scale: []float32{0.05}, ZeroPoint: []int64{-2}}},
			{name: "out", typ: Float32, shape: []int{1, 5, 5, 4}},
		},
		ops: []tOp{
			{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{0}, out: []int{1}},
			{code: tfschema.BuiltinOperatorCONV_2D, in: []int{1, 2, 3}, out: []int{4}, opts: convOpts(paddingSame, 1, 1, 1, 1, actNone)},
			{code: tfschema.BuiltinOperatorDEQUANTIZE, in: []int{4}, out: []int{5}},
		},
		inputs: []int{0}, outputs: []int{5},
	}
	os.WriteFile("/tmp/q1.tflite", m.build(), 0o644)
	m.outputs = []int{4}
	m.ops = m.ops[:2]
	m.tensors[0] = tTensor{name: "in", typ: Int8, shape: []int{1, 5, 5, 2}, quant: &Quantization{Scale: []float32{0.02}, ZeroPoint: []int64{3}}}
	m.ops = m.ops[1:]
	m.inputs = []int{0}
	m.ops[0].in = []int{0, 2, 3}
	os.WriteFile("/tmp/q2.tflite", m.build(), 0o644)
}
