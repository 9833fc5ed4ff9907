package tflite

import "github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"

// planStep is one unit of execution: a single operator, or a fused group of
// consecutive operators that together read inputs and write outputs, with
// intermediates that never reach memory.
type planStep struct {
	op      int // operator index (the first of a fused group)
	inputs  []int
	outputs []int
	prelu   bool   // the five-operator PReLU spelling, inputs = {x, alpha}
	def     *opDef // operator to prepare when it differs from the file's (folded activation)
}

// fuse turns the live operators into plan steps, fusing every PReLU written
// as five operators (MobileFaceNet's export has no PRELU op):
//
//	r = RELU(x); a = ABS(x); d = SUB(x, a); p = MUL(alpha, d); y = ADD(r, p)
//
// MUL and ADD may take their operands in either order; alpha must be a
// constant per-channel vector and no intermediate may be used elsewhere. The
// fused kernel performs the same float32 operations with the same roundings,
// so results are bit-identical to running the five operators.
func (ip *Interpreter) fuse(live []int) []planStep {
	m := ip.model
	uses := make([]int, len(m.tensors))
	for _, k := range live {
		for _, t := range m.ops[k].inputs {
			if t >= 0 {
				uses[t]++
			}
		}
	}
	for _, t := range m.outputs {
		uses[t] += 2 // a model output is never an internal intermediate
	}
	// consumer[t] is the position in live of the only operator reading
	// tensor t (uses[t] == 1).
	consumer := make(map[int]int)
	for i, k := range live {
		for _, t := range m.ops[k].inputs {
			if t >= 0 && uses[t] == 1 {
				consumer[t] = i
			}
		}
	}
	folded := make([]bool, len(live)) // activations merged into an earlier step
	var steps []planStep
	for s := 0; s < len(live); s++ {
		if folded[s] {
			continue
		}
		if s+5 <= len(live) {
			if x, alpha, y, ok := ip.matchPReLU(live[s:s+5], uses); ok {
				steps = append(steps, planStep{op: live[s], inputs: []int{x, alpha}, outputs: []int{y}, prelu: true})
				s += 4
				continue
			}
		}
		od := &m.ops[live[s]]
		if j, ok := consumer[od.outputs[0]]; ok && len(od.outputs) == 1 && j > s && !folded[j] {
			if def, ok := ip.foldActivation(od, &m.ops[live[j]], uses); ok {
				steps = append(steps, planStep{op: live[s], inputs: def.inputs, outputs: def.outputs, def: def})
				folded[j] = true
				continue
			}
		}
		steps = append(steps, planStep{op: live[s], inputs: od.inputs, outputs: od.outputs})
	}
	return steps
}

// foldActivation merges a RELU or RELU6 into the operator that produces its
// input when that operator has a fused-activation slot left empty and its
// output feeds only the activation, whether or not other operators run in
// between (they cannot read either tensor): the pair becomes the first
// operator with the activation fused, writing the activation's output.
// max(v, 0) and min(max(v, 0), 6) give the same float32 values either way.
func (ip *Interpreter) foldActivation(od, next *opDef, uses []int) (*opDef, bool) {
	switch od.code {
	case tfschema.BuiltinOperatorADD, tfschema.BuiltinOperatorSUB, tfschema.BuiltinOperatorMUL,
		tfschema.BuiltinOperatorCONV_2D, tfschema.BuiltinOperatorDEPTHWISE_CONV_2D,
		tfschema.BuiltinOperatorFULLY_CONNECTED, tfschema.BuiltinOperatorMAX_POOL_2D,
		tfschema.BuiltinOperatorAVERAGE_POOL_2D, tfschema.BuiltinOperatorCONCATENATION:
	default:
		return nil, false
	}
	act := actNone
	switch next.code {
	case tfschema.BuiltinOperatorRELU:
		act = actRelu
	case tfschema.BuiltinOperatorRELU6:
		act = actRelu6
	default:
		return nil, false
	}
	y := od.outputs[0]
	if od.opts.act != actNone || next.inputs[0] != y || uses[y] != 1 {
		return nil, false
	}
	def := *od
	def.opts.act = act
	def.outputs = next.outputs
	return &def, true
}

func (ip *Interpreter) matchPReLU(ks []int, uses []int) (x, alpha, y int, ok bool) {
	m := ip.model
	op := func(i int, code tfschema.BuiltinOperator) *opDef {
		od := &m.ops[ks[i]]
		if od.code != code || od.opts.act != actNone || len(od.inputs) != arity(code) {
			return nil
		}
		return od
	}
	relu, abs := op(0, tfschema.BuiltinOperatorRELU), op(1, tfschema.BuiltinOperatorABS)
	sub, mul := op(2, tfschema.BuiltinOperatorSUB), op(3, tfschema.BuiltinOperatorMUL)
	add := op(4, tfschema.BuiltinOperatorADD)
	if relu == nil || abs == nil || sub == nil || mul == nil || add == nil {
		return 0, 0, 0, false
	}
	x = relu.inputs[0]
	r, a, d, p := relu.outputs[0], abs.outputs[0], sub.outputs[0], mul.outputs[0]
	if abs.inputs[0] != x || sub.inputs[0] != x || sub.inputs[1] != a {
		return 0, 0, 0, false
	}
	switch d {
	case mul.inputs[1]:
		alpha = mul.inputs[0]
	case mul.inputs[0]:
		alpha = mul.inputs[1]
	default:
		return 0, 0, 0, false
	}
	if !(add.inputs[0] == r && add.inputs[1] == p || add.inputs[0] == p && add.inputs[1] == r) {
		return 0, 0, 0, false
	}
	if uses[r] != 1 || uses[a] != 1 || uses[d] != 1 || uses[p] != 1 {
		return 0, 0, 0, false
	}
	xt, at := &ip.tensors[x], &ip.tensors[alpha]
	if !at.constant || at.f32 == nil || len(xt.shape) == 0 || x == alpha {
		return 0, 0, 0, false
	}
	c := xt.shape[len(xt.shape)-1]
	if at.Len() != c || c == 0 {
		return 0, 0, 0, false
	}
	for _, dim := range at.shape[:max(len(at.shape)-1, 0)] {
		if dim != 1 {
			return 0, 0, 0, false
		}
	}
	if len(at.shape) > len(xt.shape) {
		return 0, 0, 0, false
	}
	return x, alpha, add.outputs[0], true
}

// arity is the operand count the PReLU pattern expects for code.
func arity(code tfschema.BuiltinOperator) int {
	if code == tfschema.BuiltinOperatorRELU || code == tfschema.BuiltinOperatorABS {
		return 1
	}
	return 2
}

// preluFused computes y = relu(x) + alpha[c]·(x − |x|) per channel c,
// rounding each step to float32 as the five separate operators do.
type preluFused struct {
	x, alpha, out []float32
	simd          bool
}

func (k *preluFused) run() { prelu(k.simd, k.out, k.x, k.alpha) }
