package tflite

import (
	"math"
	"math/rand/v2"
	"testing"
)

// preluModel spells PReLU as five operators; extraOut adds an intermediate
// to the model outputs, which must disable the fusion.
func preluModel(alpha []float32, mulSwapped, extraOut bool) []byte {
	s := []int{1, 3, 2, len(alpha)}
	ts := []tTensor{{name: "x", typ: Float32, shape: s}, {name: "alpha", typ: Float32, shape: []int{len(alpha)}, f32: alpha}}
	for _, n := range []string{"r", "a", "d", "p", "y"} {
		ts = append(ts, tTensor{name: n, typ: Float32, shape: s})
	}
	mulIn := []int{1, 4}
	if mulSwapped {
		mulIn = []int{4, 1}
	}
	m := tModel{tensors: ts, inputs: []int{0}, outputs: []int{6},
		ops: []tOp{
			{code: 19, in: []int{0}, out: []int{2}},                                // RELU
			{code: 101, in: []int{0}, out: []int{3}},                               // ABS
			{code: 41, in: []int{0, 3}, out: []int{4}, opts: actOpts(41, actNone)}, // SUB
			{code: 18, in: mulIn, out: []int{5}, opts: actOpts(18, actNone)},       // MUL
			{code: 0, in: []int{5, 2}, out: []int{6}, opts: actOpts(0, actNone)},   // ADD
		}}
	if extraOut {
		m.outputs = append(m.outputs, 2)
	}
	return m.build()
}

func TestPReLUFusionExact(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	alpha := randData(r, []int{5})
	for _, swapped := range []bool{false, true} {
		fused := mustInterp(t, preluModel(alpha, swapped, false), nil)
		plain := mustInterp(t, preluModel(alpha, swapped, true), nil)
		if len(fused.steps) != 1 || len(plain.steps) != 5 {
			t.Fatalf("steps: fused %d, unfused %d; want 1 and 5", len(fused.steps), len(plain.steps))
		}
		x := randData(r, []int{1, 3, 2, 5})
		x[0], x[1] = float32(math.Copysign(0, -1)), 0
		copy(fused.Input(0).Float32s(), x)
		copy(plain.Input(0).Float32s(), x)
		invoke(t, fused)
		invoke(t, plain)
		for i, v := range fused.Output(0).Float32s() {
			if w := plain.Output(0).Float32s()[i]; math.Float32bits(v) != math.Float32bits(w) {
				t.Fatalf("element %d: fused %g, unfused %g", i, v, w)
			}
		}
	}
}

// TestActivationFolding checks that CONV_2D → RELU6 and ADD → RELU run as
// one step each and give the same bits as the unfused pair.
func TestActivationFolding(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	s := []int{1, 5, 5, 8}
	w := randData(r, []int{8, 3, 3, 8})
	for i := range w {
		w[i] *= 4
	}
	build := func(extraOut bool) []byte {
		m := tModel{
			tensors: []tTensor{{name: "x", typ: Float32, shape: s}, {name: "w", typ: Float32, shape: []int{8, 3, 3, 8}, f32: w},
				{name: "c", typ: Float32, shape: s}, {name: "r6", typ: Float32, shape: s}, {name: "a", typ: Float32, shape: s},
				{name: "y", typ: Float32, shape: s}},
			ops: []tOp{
				{code: 3, in: []int{0, 1, -1}, out: []int{2}, opts: convOpts(paddingSame, 1, 1, 1, 1, actNone)},
				{code: 21, in: []int{2}, out: []int{3}},                              // RELU6
				{code: 0, in: []int{3, 0}, out: []int{4}, opts: actOpts(0, actNone)}, // ADD
				{code: 19, in: []int{4}, out: []int{5}},                              // RELU
			},
			inputs: []int{0}, outputs: []int{5},
		}
		if extraOut {
			m.outputs = append(m.outputs, 2, 4)
		}
		return m.build()
	}
	checkFolding(t, build, 2, 4, randData(r, s))
}

// checkFolding builds a graph with build(false) and, with the producers'
// outputs made model outputs (so nothing folds), build(true); checks the
// step counts and that both give the same bits for input x.
func checkFolding(t *testing.T, build func(extraOut bool) []byte, wantFolded, wantPlain int, x []float32) {
	t.Helper()
	folded, plain := mustInterp(t, build(false), nil), mustInterp(t, build(true), nil)
	if len(folded.steps) != wantFolded || len(plain.steps) != wantPlain {
		t.Fatalf("steps: folded %d, plain %d; want %d and %d", len(folded.steps), len(plain.steps), wantFolded, wantPlain)
	}
	copy(folded.Input(0).Float32s(), x)
	copy(plain.Input(0).Float32s(), x)
	invoke(t, folded)
	invoke(t, plain)
	for i, v := range folded.Output(0).Float32s() {
		if w := plain.Output(0).Float32s()[i]; math.Float32bits(v) != math.Float32bits(w) {
			t.Fatalf("element %d: folded %g, unfused %g", i, v, w)
		}
	}
}

// TestActivationFoldingAcrossOps checks that a RELU is folded into the
// CONV_2D producing its input when another operator runs between them (the
// full-range face detector's order), with the bits of the unfused graph.
func TestActivationFoldingAcrossOps(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	s := []int{1, 6, 6, 4}
	w := randData(r, []int{4, 1, 1, 4})
	build := func(extraOut bool) []byte {
		m := tModel{
			tensors: []tTensor{{name: "x", typ: Float32, shape: s}, {name: "w", typ: Float32, shape: []int{4, 1, 1, 4}, f32: w},
				{name: "c", typ: Float32, shape: s}, {name: "a", typ: Float32, shape: s}, {name: "r", typ: Float32, shape: s},
				{name: "y", typ: Float32, shape: s}},
			ops: []tOp{
				{code: 3, in: []int{0, 1, -1}, out: []int{2}, opts: convOpts(paddingSame, 1, 1, 1, 1, actNone)},
				{code: 0, in: []int{0, 0}, out: []int{3}, opts: actOpts(0, actNone)}, // ADD, in between
				{code: 19, in: []int{2}, out: []int{4}},                              // RELU of the CONV
				{code: 0, in: []int{4, 3}, out: []int{5}, opts: actOpts(0, actNone)}, // ADD
			},
			inputs: []int{0}, outputs: []int{5},
		}
		if extraOut {
			m.outputs = append(m.outputs, 2)
		}
		return m.build()
	}
	checkFolding(t, build, 3, 4, randData(r, s))
}
