package tflite

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// operand is one input of a single-operator test model: a model input fed
// with data at run time, or a constant baked into the file.
type operand struct {
	shape    []int
	data     []float32
	i32      []int32 // INT32 constant
	constant bool
}

func randData(r *rand.Rand, shape []int) []float32 {
	v := make([]float32, numElements(shape))
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// runOp builds a one-operator model, loads it, runs it and returns the
// output with its planned shape.
func runOp(t *testing.T, code tfschema.BuiltinOperator, opts func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT),
	ops []operand, outShape []int) []float32 {
	t.Helper()
	var m tModel
	var in []int
	for i, o := range ops {
		if o.shape == nil && o.data == nil && o.i32 == nil {
			in = append(in, -1)
			continue
		}
		tt := tTensor{name: "in" + string(rune('0'+i)), typ: Float32, shape: o.shape}
		switch {
		case o.i32 != nil:
			tt.typ, tt.i32 = Int32, o.i32
		case o.constant:
			tt.f32 = o.data
		default:
			m.inputs = append(m.inputs, len(m.tensors))
		}
		in = append(in, len(m.tensors))
		m.tensors = append(m.tensors, tt)
	}
	m.tensors = append(m.tensors, tTensor{name: "out", typ: Float32, shape: outShape})
	m.outputs = []int{len(m.tensors) - 1}
	m.ops = []tOp{{code: code, in: in, out: m.outputs, opts: opts}}
	model, err := Load(m.build())
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ip, err := NewInterpreter(model, nil)
	if err != nil {
		t.Fatalf("NewInterpreter: %v", err)
	}
	k := 0
	for _, o := range ops {
		if o.data != nil && !o.constant {
			copy(ip.Input(k).Float32s(), o.data)
			k++
		}
	}
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ip.Output(0).Shape(); !equalShape(got, outShape) {
		t.Fatalf("output shape %v, want %v", got, outShape)
	}
	return ip.Output(0).Float32s()
}

func checkNear(t *testing.T, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("len %d, want %d", len(got), len(want))
	}
	for i := range want {
		if d := math.Abs(float64(got[i]) - float64(want[i])); !(d <= tol*math.Max(1, math.Abs(float64(want[i])))) {
			t.Fatalf("element %d: got %g, want %g (|diff| %g)", i, got[i], want[i], d)
		}
	}
}

func TestConv2D(t *testing.T) {
	cases := []struct {
		name           string
		in, w          []int
		sh, sw, dh, dw int
		same, bias     bool
		act            activation
	}{
		{"1x1", []int{1, 5, 6, 8}, []int{4, 1, 1, 8}, 1, 1, 1, 1, false, true, actNone},
		{"3x3 same", []int{1, 7, 7, 3}, []int{5, 3, 3, 3}, 1, 1, 1, 1, true, true, actNone},
		{"3x3 same stride 2 even input", []int{2, 8, 8, 4}, []int{6, 3, 3, 4}, 2, 2, 1, 1, true, true, actRelu},
		{"3x3 valid", []int{1, 6, 9, 2}, []int{3, 3, 3, 2}, 1, 1, 1, 1, false, false, actNone},
		{"2x3 valid strides 2,1", []int{1, 9, 7, 3}, []int{2, 2, 3, 3}, 2, 1, 1, 1, false, true, actRelu6},
		{"3x3 same dilation 2", []int{1, 9, 10, 3}, []int{4, 3, 3, 3}, 1, 1, 2, 2, true, true, actRelu1},
		{"5x5 same stride 3 pads both edges", []int{1, 7, 11, 2}, []int{3, 5, 5, 2}, 3, 3, 1, 1, true, true, actNone},
		// 800 output pixels in im2col blocks of 432 rows: a block starts
		// mid-image and spans the next.
		{"5x5 same stride 2 batch 2 several blocks", []int{2, 40, 40, 3}, []int{24, 5, 5, 3}, 2, 2, 1, 1, true, true, actRelu},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := refConvArgs{in: randData(r, c.in), inS: c.in, w: randData(r, c.w), wS: c.w,
				sh: c.sh, sw: c.sw, dh: c.dh, dw: c.dw, same: c.same, act: c.act}
			if c.bias {
				a.bias = randData(r, []int{c.w[0]})
			}
			want, ws := refConv(a)
			pad := paddingValid
			if c.same {
				pad = paddingSame
			}
			// A constant filter runs on the GEMM path, one fed at run time
			// on the direct loop.
			for _, constW := range []bool{true, false} {
				ops := []operand{{shape: c.in, data: a.in}, {shape: c.w, data: a.w, constant: constW}}
				if c.bias {
					ops = append(ops, operand{shape: []int{c.w[0]}, data: a.bias, constant: true})
				}
				got := runOp(t, tfschema.BuiltinOperatorCONV_2D, convOpts(pad, c.sh, c.sw, c.dh, c.dw, c.act), ops, ws)
				checkNear(t, got, want, 1e-5)
			}
		})
	}
}

func TestDepthwiseConv2D(t *testing.T) {
	cases := []struct {
		name           string
		in, w          []int
		sh, sw, dh, dw int
		same           bool
		act            activation
	}{
		{"7x7 valid global", []int{2, 7, 7, 16}, []int{1, 7, 7, 16}, 1, 1, 1, 1, false, actNone},
		{"3x3 same", []int{1, 6, 6, 8}, []int{1, 3, 3, 8}, 1, 1, 1, 1, true, actRelu},
		{"3x3 same stride 2", []int{1, 8, 9, 5}, []int{1, 3, 3, 5}, 2, 2, 1, 1, true, actNone},
		{"multiplier 3", []int{1, 5, 5, 2}, []int{1, 3, 3, 6}, 1, 1, 1, 1, true, actRelu6},
		{"dilation 2 valid", []int{1, 9, 8, 4}, []int{1, 3, 3, 4}, 1, 1, 2, 2, false, actNone},
		{"5x5 same pads edges", []int{1, 4, 4, 3}, []int{1, 5, 5, 3}, 1, 1, 1, 1, true, actNone},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := refConvArgs{in: randData(r, c.in), inS: c.in, w: randData(r, c.w), wS: c.w, bias: randData(r, c.w[3:]),
				sh: c.sh, sw: c.sw, dh: c.dh, dw: c.dw, same: c.same, act: c.act, depth: true}
			want, ws := refConv(a)
			pad := paddingValid
			if c.same {
				pad = paddingSame
			}
			got := runOp(t, tfschema.BuiltinOperatorDEPTHWISE_CONV_2D, dwOpts(pad, c.sh, c.sw, c.dh, c.dw, c.w[3]/c.in[3], c.act),
				[]operand{{shape: c.in, data: a.in}, {shape: c.w, data: a.w, constant: true}, {shape: c.w[3:], data: a.bias, constant: true}}, ws)
			checkNear(t, got, want, 1e-5)
		})
	}
}

func TestPool(t *testing.T) {
	cases := []struct {
		name           string
		in             []int
		fh, fw, sh, sw int
		same, isMax    bool
	}{
		{"max 2x2 s2 same odd", []int{1, 7, 5, 3}, 2, 2, 2, 2, true, true},
		{"max 2x2 s2 same even (2x2 kernel)", []int{2, 8, 6, 3}, 2, 2, 2, 2, true, true},
		{"max 2x2 s2 valid odd (2x2 kernel)", []int{1, 7, 9, 5}, 2, 2, 2, 2, false, true},
		{"max 3x3 s2 valid", []int{2, 9, 9, 2}, 3, 3, 2, 2, false, true},
		{"avg 3x3 s1 same counts real cells", []int{1, 5, 6, 4}, 3, 3, 1, 1, true, false},
		{"avg 2x3 s2,1 valid", []int{1, 6, 6, 2}, 2, 3, 2, 1, false, false},
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := randData(r, c.in)
			for i := range in {
				in[i] -= 2 // all negative: a max that counted padding as 0 would show
			}
			want, ws := refPool(in, c.in, c.fh, c.fw, c.sh, c.sw, c.same, c.isMax)
			code := tfschema.BuiltinOperatorAVERAGE_POOL_2D
			if c.isMax {
				code = tfschema.BuiltinOperatorMAX_POOL_2D
			}
			pad := paddingValid
			if c.same {
				pad = paddingSame
			}
			got := runOp(t, code, poolOpts(pad, c.fh, c.fw, c.sh, c.sw, actNone), []operand{{shape: c.in, data: in}}, ws)
			checkNear(t, got, want, 1e-6)
		})
	}
}

func TestBroadcastBinary(t *testing.T) {
	ops := []struct {
		code tfschema.BuiltinOperator
		f    func(x, y float64) float64
	}{
		{tfschema.BuiltinOperatorADD, func(x, y float64) float64 { return x + y }},
		{tfschema.BuiltinOperatorSUB, func(x, y float64) float64 { return x - y }},
		{tfschema.BuiltinOperatorMUL, func(x, y float64) float64 { return x * y }},
		{tfschema.BuiltinOperatorPRELU, func(x, y float64) float64 {
			if x >= 0 {
				return x
			}
			return x * y
		}},
	}
	shapes := []struct {
		name   string
		a, b   []int
		aConst bool
	}{
		{"same", []int{2, 3, 4, 5}, []int{2, 3, 4, 5}, false},
		{"channel constant first", []int{5}, []int{2, 3, 4, 5}, true},
		{"channel second", []int{2, 3, 4, 5}, []int{5}, false},
		{"scalar", []int{2, 3, 4}, []int{}, false},
		{"both broadcast", []int{2, 1, 4, 1}, []int{3, 1, 5}, false},
		{"middle axis", []int{2, 3, 4}, []int{3, 1}, false},
	}
	r := rand.New(rand.NewPCG(7, 8))
	for _, op := range ops {
		for _, s := range shapes {
			name := tfschema.EnumNamesBuiltinOperator[op.code] + " " + s.name
			t.Run(name, func(t *testing.T) {
				a, b := randData(r, s.a), randData(r, s.b)
				want, ws := refBroadcast(a, s.a, b, s.b, op.f)
				var opts func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT)
				if op.code != tfschema.BuiltinOperatorPRELU {
					opts = actOpts(op.code, actNone)
				}
				got := runOp(t, op.code, opts, []operand{{shape: s.a, data: a, constant: s.aConst}, {shape: s.b, data: b}}, ws)
				checkNear(t, got, want, 1e-6)
			})
		}
	}
	t.Run("ADD fused relu6", func(t *testing.T) {
		s := []int{3, 7}
		a, b := randData(r, s), randData(r, s)
		for i := range a {
			a[i] *= 8
		}
		want, _ := refBroadcast(a, s, b, s, func(x, y float64) float64 { return refAct(x+y, actRelu6) })
		got := runOp(t, tfschema.BuiltinOperatorADD, actOpts(tfschema.BuiltinOperatorADD, actRelu6), []operand{{shape: s, data: a}, {shape: s, data: b}}, s)
		checkNear(t, got, want, 1e-6)
	})
}

func TestUnary(t *testing.T) {
	cases := []struct {
		code tfschema.BuiltinOperator
		f    func(float64) float64
	}{
		{tfschema.BuiltinOperatorABS, math.Abs},
		{tfschema.BuiltinOperatorRELU, func(x float64) float64 { return math.Max(x, 0) }},
		{tfschema.BuiltinOperatorRELU6, func(x float64) float64 { return math.Min(math.Max(x, 0), 6) }},
		{tfschema.BuiltinOperatorLOGISTIC, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{tfschema.BuiltinOperatorTANH, math.Tanh},
	}
	r := rand.New(rand.NewPCG(9, 10))
	s := []int{2, 3, 17}
	for _, c := range cases {
		t.Run(tfschema.EnumNamesBuiltinOperator[c.code], func(t *testing.T) {
			in := randData(r, s)
			for i := range in {
				in[i] *= 10
			}
			want := make([]float32, len(in))
			for i, v := range in {
				want[i] = float32(c.f(float64(v)))
			}
			checkNear(t, runOp(t, c.code, nil, []operand{{shape: s, data: in}}, s), want, 1e-6)
		})
	}
}
