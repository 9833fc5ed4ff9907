package tflite

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// floatTwin turns a single-operator quantised case into the same operator
// on float32: inputs and weights dequantised, bias scaled by input ·
// weight scale. The float path is checked against the goldens, so the
// quantised result must be its requantisation to within one step.
func floatTwin(c qCase) (tModel, [][]byte) {
	m := c.model
	m.tensors = append([]tTensor(nil), m.tensors...)
	deq := func(t *tTensor, b []byte) []float32 {
		f := make([]float32, len(b))
		q := t.quant
		inner := 1
		for _, d := range t.shape[q.Dim+1:] {
			inner *= d
		}
		for i, v := range b {
			c := 0
			if len(q.Scale) > 1 {
				c = i / inner % len(q.Scale)
			}
			x := float64(int8(v))
			if t.typ == Uint8 {
				x = float64(v)
			}
			f[i] = float32(float64(q.Scale[c]) * (x - float64(zeroPoint(q, c))))
		}
		return f
	}
	in0 := &c.model.tensors[m.inputs[0]]
	var inputs [][]byte
	for k, ti := range m.inputs {
		t := &m.tensors[ti]
		f := deq(t, c.inputs[k])
		if k == 0 || m.ops[0].code == tfschema.BuiltinOperatorADD {
			inputs = append(inputs, f32Bytes(f))
		} else {
			t.f32 = f // weights become constants
		}
	}
	if m.ops[0].code != tfschema.BuiltinOperatorADD {
		w := &c.model.tensors[m.ops[0].in[1]]
		m.inputs = m.inputs[:1]
		if len(m.ops[0].in) > 2 {
			b := &m.tensors[m.ops[0].in[2]]
			f := make([]float32, len(b.i32))
			for i, v := range b.i32 {
				s := w.quant.Scale[0]
				if len(w.quant.Scale) > 1 {
					s = w.quant.Scale[i]
				}
				f[i] = float32(float64(v) * float64(in0.quant.Scale[0]) * float64(s))
			}
			b.f32, b.i32 = f, nil
		}
	}
	for i := range m.tensors {
		if m.tensors[i].typ != Int32 || m.tensors[i].f32 != nil {
			m.tensors[i].typ = Float32
		}
		m.tensors[i].quant, m.tensors[i].raw = nil, nil
	}
	return m, inputs
}

func TestQuantKernelsMatchFloat(t *testing.T) {
	for _, c := range quantRefCases() {
		switch c.model.ops[0].code {
		case tfschema.BuiltinOperatorQUANTIZE:
			continue // chain and QUANTIZE cases: TestQuantizeDequantize
		}
		t.Run(c.name, func(t *testing.T) {
			got := runOurs(t, c.model.build(), c.inputs)[0]
			fm, fin := floatTwin(c)
			want := runOurs(t, fm.build(), fin)[0]
			out := &c.model.tensors[c.model.outputs[0]]
			lo, hi := qRange(out.typ)
			zp := float64(zeroPoint(out.quant, 0))
			for i, g := range got {
				f := float64(math.Float32frombits(binary.LittleEndian.Uint32(want[4*i:])))
				w := min(max(math.Round(f/float64(out.quant.Scale[0]))+zp, float64(lo)), float64(hi))
				q := float64(int8(g))
				if out.typ == Uint8 {
					q = float64(g)
				}
				if math.Abs(q-w) > 1 {
					t.Fatalf("element %d: %v, float path requantised %v (real %g)", i, q, w, f)
				}
			}
		})
	}
}

func TestQuantizeDequantize(t *testing.T) {
	m := tModel{
		tensors: []tTensor{{name: "x", typ: Float32, shape: []int{12}}, qTensor("q", Int8, []int{12}, 0.5, -1),
			{name: "y", typ: Float32, shape: []int{12}}},
		ops: []tOp{{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{0}, out: []int{1}},
			{code: tfschema.BuiltinOperatorDEQUANTIZE, in: []int{1}, out: []int{2}}},
		inputs: []int{0}, outputs: []int{1, 2},
	}
	ip := mustInterp(t, m.build(), nil)
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	copy(ip.Input(0).Float32s(), []float32{0.25, -0.25, 0.75, -0.75, 1.0, 63, 64, -64, -65, nan, inf, -inf})
	invoke(t, ip)
	// x/0.5 = 0.5, −0.5, 1.5, −1.5 round away from zero; then − 1,
	// saturated. NaN and ±Inf convert to MinInt32 and adding the zero point
	// −1 wraps to MaxInt32, as in the official runtime.
	wantQ := []int8{0, -2, 1, -3, 1, 125, 127, -128, -128, 127, 127, 127}
	for i, w := range wantQ {
		if g := ip.Output(0).Int8s()[i]; g != w {
			t.Errorf("QUANTIZE element %d = %d, want %d", i, g, w)
		}
		if g, w := ip.Output(1).Float32s()[i], 0.5*float32(int32(w)+1); g != w {
			t.Errorf("DEQUANTIZE element %d = %g, want %g", i, g, w)
		}
	}
	if ip.Output(0).Uint8s() != nil || ip.Output(1).Int8s() != nil {
		t.Error("typed accessors must return nil for other types")
	}
}

func TestQuantInvokeDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c := chainCase(1)
	ip := mustInterp(t, c.model.build(), nil)
	ctx := context.Background()
	if n := testing.AllocsPerRun(5, func() { _ = ip.Invoke(ctx) }); n != 0 {
		t.Errorf("Invoke allocates %v times", n)
	}
	if ip.MACs() < 6*6*8*3*3*3 {
		t.Errorf("MACs = %d: quantised kernels not counted", ip.MACs())
	}
}

// TestQuantValidation feeds models TFLite's integer kernels reject and
// expects the matching sentinel, never a panic.
func TestQuantValidation(t *testing.T) {
	base := func() qCase {
		return convCase("c", tfschema.BuiltinOperatorCONV_2D, Int8, true, []int{1, 5, 5, 2}, 3, 3, 3, paddingSame, 1, 1, 0, actNone, 1)
	}
	for _, tc := range []struct {
		name string
		edit func(m *tModel)
		want error
	}{
		{"uint8 per-channel weights", func(m *tModel) {
			for i := range m.tensors {
				if m.tensors[i].typ == Int8 {
					m.tensors[i].typ = Uint8
				}
			}
		}, ErrUnsupported},
		{"asymmetric int8 weights", func(m *tModel) { m.tensors[1].quant.ZeroPoint[1] = 3 }, ErrUnsupported},
		{"scales along the wrong axis", func(m *tModel) { m.tensors[1].quant.Dim = 3 }, ErrUnsupported},
		{"per-channel activation", func(m *tModel) {
			m.tensors[0].quant = &Quantization{Scale: []float32{1, 1}, ZeroPoint: []int64{0, 0}, Dim: 3}
		}, ErrUnsupported},
		{"zero scale", func(m *tModel) { m.tensors[3].quant.Scale[0] = 0 }, ErrMalformed},
		{"NaN scale", func(m *tModel) { m.tensors[1].quant.Scale[2] = float32(math.NaN()) }, ErrMalformed},
		{"zero point outside int8", func(m *tModel) { m.tensors[0].quant.ZeroPoint[0] = 200 }, ErrMalformed},
		{"no quantisation", func(m *tModel) { m.tensors[3].quant = nil }, ErrUnsupported},
		{"mixed types", func(m *tModel) { m.tensors[0].typ = Uint8 }, ErrUnsupported},
		{"float bias", func(m *tModel) {
			m.tensors[2].typ = Float32
			m.tensors[2].f32 = make([]float32, 3)
			m.tensors[2].i32 = nil
		}, ErrUnsupported},
		{"int8 RELU", func(m *tModel) {
			m.ops[0].code = tfschema.BuiltinOperatorRELU
			m.ops[0].in = m.ops[0].in[:1]
			m.ops[0].opts = nil
		}, ErrUnsupported},
		{"fused TANH", func(m *tModel) {
			m.ops[0].opts = convOpts(paddingSame, 1, 1, 1, 1, activation(tfschema.ActivationFunctionTypeTANH))
		}, ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			for i := range c.model.tensors {
				if q := c.model.tensors[i].quant; q != nil {
					cp := *q
					cp.Scale = append([]float32(nil), q.Scale...)
					cp.ZeroPoint = append([]int64(nil), q.ZeroPoint...)
					c.model.tensors[i].quant = &cp
				}
			}
			tc.edit(&c.model)
			_, err := Load(c.model.build())
			if !errors.Is(err, tc.want) {
				t.Fatalf("Load: err = %v, want %v", err, tc.want)
			}
		})
	}
	// UINT8 bias whose scale is not input · filter scale.
	c := convCase("u", tfschema.BuiltinOperatorCONV_2D, Uint8, false, []int{1, 5, 5, 2}, 3, 3, 3, paddingSame, 1, 1, 0, actNone, 1)
	c.model.tensors[2].quant = &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{0}}
	if _, err := Load(c.model.build()); !errors.Is(err, ErrMalformed) {
		t.Errorf("UINT8 bias scale mismatch: err = %v, want ErrMalformed", err)
	}
	// ADD whose output scale is so small that TFLite's rescaling overflows.
	c = addCase("a", Int8, []int{4}, []int{4}, 1, 1, 1e-7, actNone, 1)
	if _, err := Load(c.model.build()); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ADD with tiny output scale: err = %v, want ErrUnsupported", err)
	}
}

// TestRequantize pins QUANTIZE between 8-bit types to hand-computed values
// of TFLite's arithmetic, including its double rounding (a quarter of 1
// and 2, and 5/4, round up to 1, 1 and 2) and ties (−1.5 → −1 in the high
// multiply, −0.5 → −1 in the rounding shift).
func TestRequantize(t *testing.T) {
	for _, tc := range []struct {
		c    requantizeCase
		in   []int
		want []int
	}{
		{requantizeCase{"half", Int8, 0.02, 3, Int8, 0.04, -4}, []int{3, 4, 2, 6, 0, 127, -128}, []int{-4, -3, -4, -2, -5, 58, -69}},
		{requantizeCase{"quarter", Int8, 0.01, 0, Int8, 0.04, 0}, []int{1, 2, -1, -2, 5, 127, -128}, []int{1, 1, 0, -1, 2, 32, -32}},
		{requantizeCase{"saturating", Int8, 0.05, 100, Int8, 0.05, -100}, []int{127, 100, -128}, []int{-73, -100, -128}},
		{requantizeCase{"uint8-double", Uint8, 0.02, 10, Uint8, 0.01, 250}, []int{10, 11, 13, 0}, []int{250, 252, 255, 230}},
		{requantizeCase{"int8-uint8-fast-path", Int8, 0.05, -5, Uint8, 0.05, 123}, []int{-128, 127, 0, -5}, []int{0, 255, 128, 123}},
		{requantizeCase{"uint8-int8-fast-path", Uint8, 0.05, 200, Int8, 0.05, 72}, []int{0, 255, 200, 128}, []int{-128, 127, 72, 0}},
		{requantizeCase{"uint8-int8-general", Uint8, 0.05, 0, Int8, 0.025, -128}, []int{0, 1, 127, 128, 255}, []int{-128, -126, 126, 127, 127}},
		{requantizeCase{"flushes-to-zero-point", Int8, 1.0 / (1 << 40), 9, Int8, 1, -7}, []int{-128, 0, 127}, []int{-7, -7, -7}},
	} {
		t.Run(tc.c.name, func(t *testing.T) {
			in := make([]byte, len(tc.in))
			for i, v := range tc.in {
				in[i] = byte(v)
			}
			m := tc.c.model([]int{len(in)})
			got := runOurs(t, m.build(), [][]byte{in})[0]
			for i, w := range tc.want {
				g := int(got[i])
				if tc.c.ot == Int8 {
					g = int(int8(got[i]))
				}
				if g != w {
					t.Errorf("input %d → %d, want %d", tc.in[i], g, w)
				}
			}
		})
	}
}

// TestRequantizeFastPath checks that TFLite's INT8↔UINT8 fast path (equal
// scales, zero points 128 apart) is taken exactly where TFLite takes it,
// and that it gives the general path's bytes for every zero point and
// input.
func TestRequantizeFastPath(t *testing.T) {
	tensor := func(typ DType, scale float32, zp int64, b []byte) *Tensor {
		return &Tensor{typ: typ, shape: []int{len(b)}, q: b, quant: Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}}
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	// Both directions: every INT8 zero point with the UINT8 one 128 higher.
	for z := int64(-128); z < 128; z++ {
		for _, dir := range []struct{ it, ot DType }{{Int8, Uint8}, {Uint8, Int8}} {
			zi, zo := z, z+128
			if dir.it == Uint8 {
				zi, zo = zo, zi
			}
			in := tensor(dir.it, 0.07, zi, all)
			fast, slow := make([]byte, 256), make([]byte, 256)
			var flip bool
			mult, shift := quantizeMultiplier(1)
			if dir.it == Int8 {
				k := newRequantize[int8, uint8](in, tensor(dir.ot, 0.07, zo, fast), mult, shift)
				flip = k.flip
				k.run()
				k.out, k.flip = view[uint8](slow), false
				k.run()
			} else {
				k := newRequantize[uint8, int8](in, tensor(dir.ot, 0.07, zo, fast), mult, shift)
				flip = k.flip
				k.run()
				k.out, k.flip = view[int8](slow), false
				k.run()
			}
			if !flip {
				t.Fatalf("%v zp %d → %v zp %d: fast path not taken", dir.it, zi, dir.ot, zo)
			}
			if !bytes.Equal(fast, slow) {
				t.Fatalf("%v zp %d → %v zp %d: fast path %v, general path %v", dir.it, zi, dir.ot, zo, fast, slow)
			}
		}
	}
	for _, tc := range []struct {
		name   string
		it     DType
		zi     int64
		ot     DType
		zo     int64
		so     float32
		expect bool
	}{
		{"int8 to uint8", Int8, 0, Uint8, 128, 0.07, true},
		{"uint8 to int8", Uint8, 128, Int8, 0, 0.07, true},
		{"zero points 127 apart", Int8, 0, Uint8, 127, 0.07, false},
		{"uint8 zero point 0 to int8 -128", Uint8, 0, Int8, -128, 0.07, true},
		{"scales differ", Int8, 0, Uint8, 128, 0.071, false},
		{"same type", Int8, 0, Int8, 0, 0.07, false},
	} {
		out := tensor(tc.ot, tc.so, tc.zo, make([]byte, 256))
		mult, shift := quantizeMultiplier(float64(float32(0.07)) / float64(tc.so))
		var flip bool
		switch {
		case tc.it == Int8 && tc.ot == Uint8:
			flip = newRequantize[int8, uint8](tensor(tc.it, 0.07, tc.zi, all), out, mult, shift).flip
		case tc.it == Uint8:
			flip = newRequantize[uint8, int8](tensor(tc.it, 0.07, tc.zi, all), out, mult, shift).flip
		default:
			flip = newRequantize[int8, int8](tensor(tc.it, 0.07, tc.zi, all), out, mult, shift).flip
		}
		if flip != tc.expect {
			t.Errorf("%s: fast path %v, want %v", tc.name, flip, tc.expect)
		}
	}
}

// TestRequantizeValidation feeds QUANTIZE models with unsupported type
// pairs or broken quantisation parameters and expects the sentinel and a
// message naming the problem, at Load and never as a panic.
func TestRequantizeValidation(t *testing.T) {
	base := requantizeCase{"", Int8, 0.02, 3, Uint8, 0.03, 128}
	nan := float32(math.NaN())
	for _, tc := range []struct {
		name string
		edit func(m *tModel)
		want error
		msg  string
	}{
		{"zero input scale", func(m *tModel) { m.tensors[0].quant.Scale[0] = 0 }, ErrMalformed, "quantization scale 0"},
		{"negative output scale", func(m *tModel) { m.tensors[1].quant.Scale[0] = -0.5 }, ErrMalformed, "quantization scale -0.5"},
		{"NaN input scale", func(m *tModel) { m.tensors[0].quant.Scale[0] = nan }, ErrMalformed, "quantization scale NaN"},
		{"infinite output scale", func(m *tModel) { m.tensors[1].quant.Scale[0] = float32(math.Inf(1)) }, ErrMalformed, "quantization scale +Inf"},
		{"input zero point outside int8", func(m *tModel) { m.tensors[0].quant.ZeroPoint[0] = 200 }, ErrMalformed, "zero point 200 outside INT8"},
		{"output zero point outside uint8", func(m *tModel) { m.tensors[1].quant.ZeroPoint[0] = -1 }, ErrMalformed, "zero point -1 outside UINT8"},
		{"per-channel input", func(m *tModel) {
			m.tensors[0].quant = &Quantization{Scale: []float32{0.1, 0.2}, ZeroPoint: []int64{0, 0}, Dim: 0}
		}, ErrUnsupported, "want per-tensor quantization, have 2 scales"},
		{"unquantised input", func(m *tModel) { m.tensors[0].quant = nil }, ErrUnsupported, "have 0 scales"},
		{"scale ratio 2^31", func(m *tModel) {
			m.tensors[0].quant.Scale[0] = 1 << 31
			m.tensors[1].quant.Scale[0] = 1
		},
			ErrUnsupported, "is 2^31 or more"},
		{"INT8 to INT16", func(m *tModel) { m.tensors[1].typ = int16Type; m.tensors[1].quant.ZeroPoint[0] = 0 },
			ErrUnsupported, "QUANTIZE from INT8 to INT16 (output must be INT8 or UINT8)"},
		{"INT8 to INT32", func(m *tModel) { m.tensors[1].typ = Int32 }, ErrUnsupported, "QUANTIZE from INT8 to INT32"},
		{"UINT8 to FLOAT32", func(m *tModel) { m.tensors[0].typ, m.tensors[1].typ = Uint8, Float32 },
			ErrUnsupported, "QUANTIZE from UINT8 to FLOAT32"},
		{"INT32 to INT8", func(m *tModel) {
			m.tensors[0].typ, m.tensors[1].typ = Int32, Int8
			m.tensors[1].quant.ZeroPoint[0] = 0
			m.tensors[0].i32 = make([]int32, 4)
			m.inputs = nil
		}, ErrUnsupported, "QUANTIZE from INT32 to INT8 (input must be FLOAT32, INT8 or UINT8)"},
		{"constant INT16 input", func(m *tModel) {
			m.tensors[0].typ = int16Type
			m.tensors[0].raw = make([]byte, 8)
			m.inputs = nil
		}, ErrUnsupported, "constant of type INT16"},
		{"INT16 model input", func(m *tModel) { m.tensors[0].typ = int16Type }, ErrUnsupported, "model input of type INT16"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base.model([]int{4})
			tc.edit(&m)
			_, err := Load(m.build())
			if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.msg) {
				t.Fatalf("Load: err = %v, want %v containing %q", err, tc.want, tc.msg)
			}
		})
	}
}
