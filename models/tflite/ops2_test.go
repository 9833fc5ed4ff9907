package tflite

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

func TestPad(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	s := []int{1, 3, 4, 5}
	pads := []int32{0, 0, 1, 2, 0, 3, 0, 4} // the detectors pad channels only; check every axis
	in := randData(r, s)
	os := []int{1, 6, 7, 9}
	want := make([]float32, numElements(os))
	for y := 0; y < 3; y++ {
		for x := 0; x < 4; x++ {
			for c := 0; c < 5; c++ {
				want[((y+1)*7+x)*9+c] = in[(y*4+x)*5+c]
			}
		}
	}
	got := runOp(t, tfschema.BuiltinOperatorPAD, nil, []operand{{shape: s, data: in}, {shape: []int{4, 2}, i32: pads}}, os)
	checkNear(t, got, want, 0)
}

func TestReshapeAndConcat(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	in := randData(r, []int{2, 3, 4})
	t.Run("shape operand with -1", func(t *testing.T) {
		got := runOp(t, tfschema.BuiltinOperatorRESHAPE, nil, []operand{{shape: []int{2, 3, 4}, data: in}, {shape: []int{2}, i32: []int32{-1, 4}}}, []int{6, 4})
		checkNear(t, got, in, 0)
	})
	t.Run("options", func(t *testing.T) {
		got := runOp(t, tfschema.BuiltinOperatorRESHAPE, reshapeOpts([]int{4, 6}), []operand{{shape: []int{2, 3, 4}, data: in}}, []int{4, 6})
		checkNear(t, got, in, 0)
	})
	a, b := randData(r, []int{2, 3, 2}), randData(r, []int{2, 1, 2})
	for _, axis := range []int{1, -2} {
		got := runOp(t, tfschema.BuiltinOperatorCONCATENATION, concatOpts(axis, actNone),
			[]operand{{shape: []int{2, 3, 2}, data: a}, {shape: []int{2, 1, 2}, data: b, constant: true}}, []int{2, 4, 2})
		want := append(append(append(append([]float32{}, a[:6]...), b[:2]...), a[6:]...), b[2:]...)
		checkNear(t, got, want, 0)
	}
}

func TestResizeBilinear(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	cases := []struct {
		name        string
		in          []int
		oh, ow      int
		align, half bool
	}{
		{"half pixel up x2", []int{1, 3, 4, 2}, 6, 8, false, true},
		{"half pixel odd", []int{2, 5, 3, 3}, 7, 4, false, true},
		{"align corners", []int{1, 4, 4, 2}, 7, 9, true, false},
		{"legacy", []int{1, 4, 5, 1}, 6, 3, false, false},
		{"half pixel down", []int{1, 8, 8, 2}, 3, 5, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := randData(r, c.in)
			want := refResize(in, c.in, c.oh, c.ow, c.align, c.half)
			got := runOp(t, tfschema.BuiltinOperatorRESIZE_BILINEAR, resizeOpts(c.align, c.half),
				[]operand{{shape: c.in, data: in}, {shape: []int{2}, i32: []int32{int32(c.oh), int32(c.ow)}}},
				[]int{c.in[0], c.oh, c.ow, c.in[3]})
			checkNear(t, got, want, 1e-5)
		})
	}
}

func TestMean(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	s := []int{2, 3, 4, 5}
	in := randData(r, s)
	sum := func(b, c int) float64 {
		var v float64
		for y := 0; y < 3; y++ {
			for x := 0; x < 4; x++ {
				v += float64(in[((b*3+y)*4+x)*5+c])
			}
		}
		return v / 12
	}
	want := make([]float32, 10)
	for b := 0; b < 2; b++ {
		for c := 0; c < 5; c++ {
			want[b*5+c] = float32(sum(b, c))
		}
	}
	got := runOp(t, tfschema.BuiltinOperatorMEAN, reducerOpts(true), []operand{{shape: s, data: in}, {shape: []int{2}, i32: []int32{1, -2}}}, []int{2, 1, 1, 5})
	checkNear(t, got, want, 1e-6)
	got = runOp(t, tfschema.BuiltinOperatorMEAN, reducerOpts(false), []operand{{shape: s, data: in}, {shape: []int{2}, i32: []int32{2, 1}}}, []int{2, 5})
	checkNear(t, got, want, 1e-6)
}

func TestSoftmaxL2FullyConnected(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	s := []int{3, 7}
	in := randData(r, s)
	for i := range in {
		in[i] *= 5
	}
	soft := make([]float32, len(in))
	l2 := make([]float32, len(in))
	for row := 0; row < 3; row++ {
		x := in[row*7 : row*7+7]
		var m, z, ss float64 = math.Inf(-1), 0, 0
		for _, v := range x {
			m = math.Max(m, float64(v))
			ss += float64(v) * float64(v)
		}
		for _, v := range x {
			z += math.Exp(0.5 * (float64(v) - m))
		}
		for i, v := range x {
			soft[row*7+i] = float32(math.Exp(0.5*(float64(v)-m)) / z)
			l2[row*7+i] = float32(float64(v) / math.Sqrt(ss))
		}
	}
	checkNear(t, runOp(t, tfschema.BuiltinOperatorSOFTMAX, softmaxOpts(0.5), []operand{{shape: s, data: in}}, s), soft, 1e-6)
	checkNear(t, runOp(t, tfschema.BuiltinOperatorL2_NORMALIZATION, actOpts(tfschema.BuiltinOperatorL2_NORMALIZATION, actNone), []operand{{shape: s, data: in}}, s), l2, 1e-6)

	w, bias := randData(r, []int{4, 7}), randData(r, []int{4})
	fc := make([]float32, 12)
	for row := 0; row < 3; row++ {
		for u := 0; u < 4; u++ {
			v := float64(bias[u])
			for k := 0; k < 7; k++ {
				v += float64(in[row*7+k]) * float64(w[u*7+k])
			}
			fc[row*4+u] = float32(refAct(v, actRelu))
		}
	}
	ops := []operand{{shape: s, data: in}, {shape: []int{4, 7}, data: w, constant: true}, {shape: []int{4}, data: bias, constant: true}}
	checkNear(t, runOp(t, tfschema.BuiltinOperatorFULLY_CONNECTED, fcOpts(actRelu, false), ops, []int{3, 4}), fc, 1e-5)
	ops[0].shape = []int{1, 3, 7}
	checkNear(t, runOp(t, tfschema.BuiltinOperatorFULLY_CONNECTED, fcOpts(actRelu, true), ops, []int{1, 3, 4}), fc, 1e-5)
}

func TestHalfToFloat(t *testing.T) {
	cases := []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 5.960464477539063e-08},
		{0x03ff, 6.097555160522461e-05}, {0x0400, 6.103515625e-05}, {0x3555, 0.333251953125},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))}, {0x8001, -5.960464477539063e-08},
	}
	for _, c := range cases {
		if got := halfToFloat(c.h); got != c.want {
			t.Errorf("halfToFloat(%#04x) = %g, want %g", c.h, got, c.want)
		}
	}
	if got := halfToFloat(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("halfToFloat(NaN) = %g", got)
	}
	if got := halfToFloat(0x8000); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("halfToFloat(-0) = %g", got)
	}
}

// TestDequantize runs DEQUANTIZE (folded at plan time) feeding an ADD, for
// FLOAT16 and per-channel INT8 constants.
func TestDequantize(t *testing.T) {
	cases := []struct {
		name string
		c    tTensor
		want []float32
	}{
		{"float16", tTensor{typ: Float16, shape: []int{2, 2}, f16: []uint16{0x3c00, 0xc000, 0x0001, 0x3555}},
			[]float32{1, -2, 5.960464477539063e-08, 0.333251953125}},
		{"int8 per channel", tTensor{typ: Int8, shape: []int{2, 2}, raw: []byte{0x02, 0xfe, 0x05, 0x7f},
			quant: &Quantization{Scale: []float32{0.5, 0.25}, ZeroPoint: []int64{0, 1}, Dim: 0}},
			[]float32{1, -1, 1, 31.5}},
		{"uint8 per tensor", tTensor{typ: Uint8, shape: []int{2, 2}, raw: []byte{0, 128, 255, 130},
			quant: &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{128}}},
			[]float32{-64, 0, 63.5, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.c.name = "q"
			m := tModel{
				tensors: []tTensor{c.c, {name: "dq", typ: Float32, shape: []int{2, 2}},
					{name: "x", typ: Float32, shape: []int{2, 2}}, {name: "y", typ: Float32, shape: []int{2, 2}}},
				ops: []tOp{{code: tfschema.BuiltinOperatorDEQUANTIZE, in: []int{0}, out: []int{1}},
					{code: tfschema.BuiltinOperatorADD, in: []int{1, 2}, out: []int{3}}},
				inputs: []int{2}, outputs: []int{3},
			}
			ip := mustInterp(t, m.build(), nil)
			invoke(t, ip)
			checkNear(t, ip.Output(0).Float32s(), c.want, 0)
		})
	}
}
