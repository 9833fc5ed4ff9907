package tflite

import (
	"errors"
	"strings"
	"testing"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// convModel is a valid two-operator model the error cases mutate.
func convModel() tModel {
	return tModel{
		tensors: []tTensor{
			{name: "input", typ: Float32, shape: []int{1, 4, 4, 2}},
			{name: "filter", typ: Float32, shape: []int{3, 1, 1, 2}, f32: make([]float32, 6)},
			{name: "conv", typ: Float32, shape: []int{1, 4, 4, 3}},
			{name: "output", typ: Float32, shape: []int{1, 4, 4, 3}},
		},
		ops: []tOp{
			{code: tfschema.BuiltinOperatorCONV_2D, in: []int{0, 1, -1}, out: []int{2}, opts: convOpts(paddingSame, 1, 1, 1, 1, actNone)},
			{code: tfschema.BuiltinOperatorRELU, in: []int{2}, out: []int{3}},
		},
		inputs: []int{0}, outputs: []int{3},
	}
}

func TestLoadErrors(t *testing.T) {
	valid := convModel()
	if _, err := Load(valid.build()); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	cases := []struct {
		name    string
		mutate  func(m *tModel)
		raw     []byte
		want    error
		mention string // substring naming the op or tensor
	}{
		{name: "too short", raw: []byte{1, 2, 3}, want: ErrMalformed},
		{name: "wrong identifier", raw: []byte{8, 0, 0, 0, 'X', 'Y', 'Z', '3', 0, 0, 0, 0}, want: ErrMalformed},
		{name: "op input out of range", mutate: func(m *tModel) { m.ops[1].in = []int{9} }, want: ErrMalformed, mention: "op 1 (RELU)"},
		{name: "unsupported op", mutate: func(m *tModel) { m.ops[1].code = tfschema.BuiltinOperatorSQRT }, want: ErrUnsupported, mention: "SQRT"},
		{name: "declared shape disagrees", mutate: func(m *tModel) { m.tensors[3].shape = []int{1, 4, 4, 4} }, want: ErrShape, mention: `"output"`},
		{name: "constant size", mutate: func(m *tModel) { m.tensors[1].f32 = make([]float32, 5) }, want: ErrShape, mention: `"filter"`},
		{name: "filter channels", mutate: func(m *tModel) {
			m.tensors[1].shape, m.tensors[1].f32 = []int{3, 1, 1, 1}, make([]float32, 3)
		}, want: ErrShape, mention: "CONV_2D"},
		{name: "used before produced", mutate: func(m *tModel) { m.ops[0], m.ops[1] = m.ops[1], m.ops[0] }, want: ErrMalformed, mention: `"conv"`},
		{name: "produced twice", mutate: func(m *tModel) { m.ops[1].out = []int{2} }, want: ErrMalformed, mention: "RELU"},
		{name: "zero stride", mutate: func(m *tModel) { m.ops[0].opts = convOpts(paddingSame, 0, 1, 1, 1, actNone) }, want: ErrMalformed, mention: "CONV_2D"},
		{name: "missing options", mutate: func(m *tModel) { m.ops[0].opts = nil }, want: ErrMalformed, mention: "CONV_2D"},
		{name: "wrong options type", mutate: func(m *tModel) { m.ops[0].opts = poolOpts(paddingSame, 1, 1, 1, 1, actNone) }, want: ErrMalformed, mention: "CONV_2D"},
		{name: "unsupported activation", mutate: func(m *tModel) { m.ops[0].opts = convOpts(paddingSame, 1, 1, 1, 1, activation(4)) }, want: ErrUnsupported, mention: "TANH"},
		{name: "int32 input", mutate: func(m *tModel) { m.tensors[0].typ = Int32 }, want: ErrUnsupported, mention: `"input"`},
		{name: "huge dimension", mutate: func(m *tModel) { m.tensors[3].shape = []int{1, 1 << 25, 1, 1} }, want: ErrShape, mention: `"output"`},
		{name: "output never produced", mutate: func(m *tModel) { m.outputs = []int{3}; m.ops = m.ops[:1] }, want: ErrMalformed, mention: `"output"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.raw
			if b == nil {
				m := convModel()
				c.mutate(&m)
				b = m.build()
			}
			_, err := Load(b)
			if !errors.Is(err, c.want) {
				t.Fatalf("Load: err = %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Fatalf("Load: error %q does not mention %q", err, c.mention)
			}
		})
	}
}

func TestLoadTruncatedRealModel(t *testing.T) {
	b := modelBytes(t, "face_detection_short_range")
	for _, n := range []int{8, 64, 1000, len(b) / 2, len(b) - 1} {
		if _, err := Load(b[:n]); !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrShape) {
			t.Errorf("Load(first %d bytes): err = %v, want ErrMalformed", n, err)
		}
	}
}

func TestOpErrorAs(t *testing.T) {
	m := convModel()
	m.ops[1].code = tfschema.BuiltinOperatorSQRT
	_, err := Load(m.build())
	var oe *OpError
	if !errors.As(err, &oe) || oe.Index != 1 || oe.Op != "SQRT" {
		t.Fatalf("errors.As(*OpError) on %v = %+v", err, oe)
	}
}

func TestArenaLimit(t *testing.T) {
	m := convModel()
	model, err := Load(m.build())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewInterpreter(model, &Options{MaxArenaBytes: 64}); !errors.Is(err, ErrShape) {
		t.Fatalf("NewInterpreter with a 64-byte arena: err = %v, want ErrShape", err)
	}
	if _, err := NewInterpreter(model, &Options{Batch: -1}); !errors.Is(err, ErrShape) {
		t.Fatalf("Batch -1: err = %v", err)
	}
}
