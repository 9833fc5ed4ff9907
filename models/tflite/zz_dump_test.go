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
	mk := func(typ DType, zp int64, perch bool, dyn bool) tModel {
		wq := &Quantization{Scale: []float32{0.01, 0.02, 0.03, 0.015}, ZeroPoint: []int64{0, 0, 0, 0}}
		bq := &Quantization{Scale: []float32{0.0002, 0.0004, 0.0006, 0.0003}, ZeroPoint: []int64{0, 0, 0, 0}}
		if !perch {
			wq = &Quantization{Scale: []float32{0.01}, ZeroPoint: []int64{zp}}
			bq = &Quantization{Scale: []float32{0.0002}, ZeroPoint: []int64{0}}
		}
		m := tModel{
			tensors: []tTensor{
				{name: "in", typ: typ, shape: []int{1, 5, 5, 2}, quant: &Quantization{Scale: []float32{0.02}, ZeroPoint: []int64{3 + zp}}},
				{name: "w", typ: typ, shape: []int{4, 3, 3, 2}, raw: w, quant: wq},
				{name: "b", typ: Int32, shape: []int{4}, i32: []int32{10, -20, 30, 5}, quant: bq},
				{name: "c", typ: typ, shape: []int{1, 5, 5, 4}, quant: &Quantization{Scale: []float32{0.05}, ZeroPoint: []int64{-2 + zp}}},
			},
			ops: []tOp{
				{code: tfschema.BuiltinOperatorCONV_2D, in: []int{0, 1, 2}, out: []int{3}, opts: convOpts(paddingSame, 1, 1, 1, 1, actNone)},
			},
			inputs: []int{0}, outputs: []int{3},
		}
		if dyn {
			m.tensors[1].raw = nil
			m.inputs = []int{0, 1}
		}
		return m
	}
	for name, m := range map[string]tModel{
		"i8pc": mk(Int8, 0, true, false), "i8pt": mk(Int8, 0, false, false), "u8": mk(Uint8, 128, false, false),
		"i8dyn": mk(Int8, 0, true, true), "u8dyn": mk(Uint8, 128, false, true),
	} {
		os.WriteFile("/tmp/q_"+name+".tflite", m.build(), 0o644)
	}
}
