package tflite

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// The official TFLite runtime (npm @tensorflow/tfjs-tflite, WebAssembly)
// run by tools/bench/ref/runner.js under Node: one JSON request per line
// (the protocol is documented in runner.js). This package may import
// nothing else of the module, so the test speaks the protocol itself.
//
// Both WebAssembly builds apply the XNNPACK delegate by default, and the
// runner exposes no option to turn it off. XNNPACK requantises with float32
// arithmetic, not with TFLite's fixed-point rules, and takes every 8-bit
// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, QUANTIZE and DEQUANTIZE
// whose weights are constant. Cases that check TFLite's own integer kernels
// therefore feed the weights as model inputs: XNNPACK leaves such nodes to
// the builtin kernels, and the reference's profile confirms which ran.
// QUANTIZE and DEQUANTIZE have no weights; XNNPACK leaves them alone on
// rank-7 tensors (TestQuantizeAgainstBuiltin).

type refRuntime struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr bytes.Buffer
}

// startRef starts the runner, or skips (fails under CI=true) when node or
// the npm package (make bench-ref) is absent.
func startRef(t *testing.T) *refRuntime {
	t.Helper()
	node := testenv.Tool(t, "node", "apt-get install nodejs")
	bench := filepath.Join(testenv.RepoRoot(t), "tools", "bench")
	wasm := filepath.Join(bench, "node_modules", "@tensorflow", "tfjs-tflite", "wasm")
	if _, err := os.Stat(filepath.Join(wasm, "tflite_web_api_cc_simd.wasm")); err != nil {
		testenv.Missing(t, "reference runtime absent (%v): run make bench-ref", err)
	}
	r := &refRuntime{cmd: exec.Command(node, filepath.Join(bench, "ref", "runner.js"), wasm, "simd")}
	r.cmd.Stderr = &r.stderr
	var err error
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.out = bufio.NewReaderSize(stdout, 1<<20)
	t.Cleanup(func() {
		r.stdin.Close()
		r.cmd.Wait()
	})
	var ready struct{ Ready string }
	if err := r.read(&ready); err != nil {
		t.Fatalf("reference runner did not start: %v", err)
	}
	return r
}

func (r *refRuntime) read(v any) error {
	line, err := r.out.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("%w (stderr: %s)", err, r.stderr.String())
	}
	var e struct{ Error string }
	if err := json.Unmarshal(line, &e); err != nil {
		return err
	}
	if e.Error != "" {
		return fmt.Errorf("reference: %s", e.Error)
	}
	return json.Unmarshal(line, v)
}

func (r *refRuntime) call(req map[string]any, reply any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if _, err := r.stdin.Write(append(b, '\n')); err != nil {
		return err
	}
	return r.read(reply)
}

// run loads model, sets the inputs, infers once and returns the outputs'
// raw bytes and the node types of the reference's profile.
func (r *refRuntime) run(model []byte, inputs [][]byte) (outs [][]byte, kernels []string, err error) {
	var info struct{ Outputs []struct{ Type string } }
	if err := r.call(map[string]any{"op": "load", "model": base64.StdEncoding.EncodeToString(model), "threads": 1, "profile": true}, &info); err != nil {
		return nil, nil, err
	}
	for i, in := range inputs {
		if err := r.call(map[string]any{"op": "set", "index": i, "data": base64.StdEncoding.EncodeToString(in)}, &struct{}{}); err != nil {
			return nil, nil, err
		}
	}
	if err := r.call(map[string]any{"op": "infer", "runs": 1}, &struct{}{}); err != nil {
		return nil, nil, err
	}
	for i := range info.Outputs {
		var o struct{ Data []byte }
		if err := r.call(map[string]any{"op": "get", "index": i}, &o); err != nil {
			return nil, nil, err
		}
		outs = append(outs, o.Data)
	}
	var prof struct{ Ops []struct{ Type string } }
	if err := r.call(map[string]any{"op": "profile"}, &prof); err != nil {
		return nil, nil, err
	}
	for _, p := range prof.Ops {
		kernels = append(kernels, p.Type)
	}
	return outs, kernels, nil
}

// runOurs runs a case in this package's interpreter and returns the
// outputs' raw bytes.
func runOurs(t *testing.T, model []byte, inputs [][]byte) [][]byte {
	t.Helper()
	ip := mustInterp(t, model, nil)
	for i, b := range inputs {
		in := ip.Input(i)
		switch {
		case isQuantType(in.typ):
			copy(in.q, b)
		case in.typ == Float32:
			for j := range in.f32 {
				in.f32[j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
			}
		}
	}
	invoke(t, ip)
	var outs [][]byte
	for i := range ip.OutputCount() {
		o := ip.Output(i)
		if isQuantType(o.typ) {
			outs = append(outs, bytes.Clone(o.q))
			continue
		}
		outs = append(outs, f32Bytes(o.f32))
	}
	return outs
}

func f32Bytes(x []float32) []byte {
	b := make([]byte, 0, 4*len(x))
	for _, v := range x {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// diffBytes describes the first differences between two outputs.
func diffBytes(got, want []byte, typ DType) string {
	if len(got) != len(want) {
		return fmt.Sprintf("length %d, want %d", len(got), len(want))
	}
	var s []string
	n := 0
	for i := range got {
		if got[i] != want[i] {
			if n < 5 {
				g, w := int(got[i]), int(want[i])
				if typ == Int8 {
					g, w = int(int8(got[i])), int(int8(want[i]))
				}
				s = append(s, fmt.Sprintf("[%d] %d want %d", i, g, w))
			}
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d bytes differ: %s", n, len(got), strings.Join(s, ", "))
}

// quantRefCases are the models checked bit-exactly against the reference.
func quantRefCases() []qCase {
	const (
		conv = tfschema.BuiltinOperatorCONV_2D
		dw   = tfschema.BuiltinOperatorDEPTHWISE_CONV_2D
	)
	return []qCase{
		convCase("conv/int8/per-channel/same", conv, Int8, true, []int{1, 9, 9, 5}, 3, 3, 6, paddingSame, 1, 1, 0, actNone, 1),
		convCase("conv/int8/per-channel/stride2-relu6", conv, Int8, true, []int{2, 10, 7, 3}, 3, 3, 8, paddingSame, 2, 1, 0, actRelu6, 2),
		convCase("conv/int8/per-tensor/valid-dilated", conv, Int8, false, []int{1, 11, 11, 4}, 3, 2, 5, paddingValid, 1, 2, 0, actRelu, 3),
		convCase("conv/int8/per-channel/1x1", conv, Int8, true, []int{1, 6, 6, 16}, 1, 1, 12, paddingValid, 1, 1, 0, actRelu1, 4),
		convCase("conv/uint8/same-stride2", conv, Uint8, false, []int{1, 9, 8, 4}, 3, 3, 7, paddingSame, 2, 1, 0, actRelu, 5),
		convCase("conv/uint8/valid", conv, Uint8, false, []int{1, 7, 7, 3}, 5, 5, 4, paddingValid, 1, 1, 0, actNone, 6),
		convCase("dw/int8/per-channel/same", dw, Int8, true, []int{1, 9, 9, 8}, 3, 3, 0, paddingSame, 1, 1, 1, actNone, 7),
		convCase("dw/int8/per-channel/stride2-relu6", dw, Int8, true, []int{1, 10, 10, 6}, 3, 3, 0, paddingSame, 2, 1, 1, actRelu6, 8),
		convCase("dw/int8/per-tensor/mult2-valid", dw, Int8, false, []int{1, 8, 8, 3}, 3, 3, 0, paddingValid, 1, 1, 2, actNone, 9),
		convCase("dw/uint8/same", dw, Uint8, false, []int{1, 8, 8, 5}, 3, 3, 0, paddingSame, 1, 1, 1, actRelu, 10),
		fcCase("fc/int8/per-tensor", Int8, false, 3, 40, 10, actNone, 11),
		fcCase("fc/int8/per-tensor-relu", Int8, false, 1, 64, 17, actRelu, 12),
		fcCase("fc/uint8", Uint8, false, 2, 33, 9, actNone, 13),
		fcCase("fc/int8/per-channel", Int8, true, 2, 24, 8, actNone, 14),
		// Larger cases: about 0.2% of outputs sit where one and two
		// roundings disagree, so these pin the rounding mode per kernel.
		convCase("conv/int8/per-tensor/large", conv, Int8, false, []int{1, 24, 24, 8}, 3, 3, 16, paddingSame, 1, 1, 0, actNone, 15),
		convCase("conv/int8/per-channel/large", conv, Int8, true, []int{1, 24, 24, 8}, 3, 3, 16, paddingSame, 1, 1, 0, actNone, 16),
		convCase("conv/uint8/large", conv, Uint8, false, []int{1, 24, 24, 8}, 3, 3, 16, paddingSame, 1, 1, 0, actNone, 17),
		convCase("dw/int8/per-channel/large", dw, Int8, true, []int{1, 32, 32, 16}, 3, 3, 0, paddingSame, 1, 1, 1, actNone, 18),
		convCase("dw/uint8/large", dw, Uint8, false, []int{1, 32, 32, 16}, 3, 3, 0, paddingSame, 1, 1, 1, actNone, 19),
		fcCase("fc/int8/per-channel/large", Int8, true, 64, 64, 64, actNone, 20),
		fcCase("fc/uint8/large", Uint8, false, 64, 64, 64, actNone, 21),
		// ADD runs in XNNPACK unless an input-to-output scale ratio is
		// outside [2^-10, 2^8); both paths match TFLite's arithmetic. The
		// scales are irregular so that sums land near rounding ties.
		addCase("add/int8", Int8, []int{1, 16, 16, 8}, []int{1, 16, 16, 8}, 0.0517, 0.0331, 0.0713, actNone, 22),
		addCase("add/int8/broadcast-relu6", Int8, []int{1, 16, 16, 8}, []int{8}, 0.0461, 0.0297, 0.0689, actRelu6, 23),
		addCase("add/uint8/relu", Uint8, []int{1, 16, 16, 8}, []int{1, 16, 16, 8}, 0.0523, 0.0389, 0.0677, actRelu, 24),
		addCase("add/int8/builtin-small-ratio", Int8, []int{1, 16, 16, 8}, []int{1, 16, 16, 8}, 0.0531, 0.0000311, 0.0743, actNone, 25),
		addCase("add/int8/builtin-large-ratio", Int8, []int{2, 8, 8, 8}, []int{1, 1, 8, 8}, 0.0509, 0.0313, 0.000157, actRelu1, 26),
		quantizeCase("quantize-dequantize/int8", Int8, 5, 27),
		quantizeCase("quantize-dequantize/uint8", Uint8, 130, 28),
		chainCase(29),
		requantizeChainCase(30),
	}
}

// TestQuantAgainstReference runs every case in this interpreter and in the
// official runtime and requires identical output bytes. For dynamic-weight
// cases it also requires that the reference ran its builtin kernels.
func TestQuantAgainstReference(t *testing.T) {
	r := startRef(t)
	for _, c := range quantRefCases() {
		t.Run(c.name, func(t *testing.T) {
			model := c.model.build()
			want, kernels, err := r.run(model, c.inputs)
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			if c.dynamicWeights {
				for _, op := range c.model.ops {
					name := tfschema.EnumNamesBuiltinOperator[op.code]
					if (op.code == tfschema.BuiltinOperatorCONV_2D || op.code == tfschema.BuiltinOperatorDEPTHWISE_CONV_2D ||
						op.code == tfschema.BuiltinOperatorFULLY_CONNECTED) && !slices.Contains(kernels, name) {
						t.Fatalf("reference kernels %v: %s did not run as TFLite's builtin kernel", kernels, name)
					}
				}
			}
			got := runOurs(t, model, c.inputs)
			for i := range want {
				typ := c.model.tensors[c.model.outputs[i]].typ
				if d := diffBytes(got[i], want[i], typ); d != "" {
					t.Errorf("output %d (reference kernels %v): %s", i, kernels, d)
				}
			}
		})
	}
}

// TestQuantWithConstantWeights runs cases with their weights turned into
// constants, so the reference may delegate them to XNNPACK. XNNPACK
// requantises in float32, so where it runs, int8 outputs may differ from
// TFLite's integer kernels (and ours) by one step, never more; where the
// reference keeps its builtin kernels, outputs must be identical.
func TestQuantWithConstantWeights(t *testing.T) {
	r := startRef(t)
	const conv, dw = tfschema.BuiltinOperatorCONV_2D, tfschema.BuiltinOperatorDEPTHWISE_CONV_2D
	for _, c := range []qCase{
		convCase("conv/int8/per-channel", conv, Int8, true, []int{1, 24, 24, 8}, 3, 3, 16, paddingSame, 1, 1, 0, actRelu6, 31),
		convCase("dw/int8/per-channel", dw, Int8, true, []int{1, 32, 32, 16}, 3, 3, 0, paddingSame, 2, 1, 1, actNone, 32),
		fcCase("fc/int8/per-tensor", Int8, false, 64, 64, 64, actNone, 33),
		chainCase(34),
	} {
		t.Run(c.name, func(t *testing.T) {
			c := constWeights(c)
			model := c.model.build()
			want, kernels, err := r.run(model, c.inputs)
			if err != nil {
				t.Fatal(err)
			}
			got := runOurs(t, model, c.inputs)
			tol := 0
			if slices.Contains(kernels, "TfLiteXNNPackDelegate") {
				tol = 1
			}
			q, w := got[0], want[0]
			if len(q) != len(w) {
				t.Fatalf("output length %d, want %d", len(q), len(w))
			}
			n := 0
			for i := range q {
				d := int(int8(q[i])) - int(int8(w[i]))
				if d < -tol || d > tol {
					t.Fatalf("reference kernels %v: element %d is %d, reference %d", kernels, i, int8(q[i]), int8(w[i]))
				}
				if d != 0 {
					n++
				}
			}
			t.Logf("reference kernels %v: %d of %d int8 outputs differ by one step", kernels, n, len(q))
		})
	}
}

// TestQuantizeAgainstBuiltin checks QUANTIZE and DEQUANTIZE against TFLite's
// builtin kernels, including exact ties, NaN, ±Inf and quotients beyond
// int32. XNNPACK takes these nodes up to rank 6, so the reference runs them
// on rank-7 tensors, where it leaves them to the builtin kernels; both ops
// are elementwise, so the data is the same as in our rank-1 model.
func TestQuantizeAgainstBuiltin(t *testing.T) {
	r := startRef(t)
	const scale = 0.015625 // a power of two: (k + 0.5)·scale divides to exact ties
	var vals []float32
	for k := -140; k < 140; k++ {
		vals = append(vals, (float32(k)+0.5)*scale, float32(k)*scale*1.37)
	}
	inf := float32(math.Inf(1))
	vals = append(vals, float32(math.NaN()), inf, -inf, 3e7, -3e7, 3.3e7, 2e7, -2e7, 0, float32(math.Copysign(0, -1)))
	in := f32Bytes(vals)
	n := len(vals)
	for _, tc := range []struct {
		typ DType
		zp  int64
	}{{Int8, 5}, {Int8, -7}, {Int8, 127}, {Uint8, 130}, {Uint8, 0}, {Uint8, 255}} {
		build := func(shape []int) []byte {
			m := tModel{
				tensors: []tTensor{{name: "x", typ: Float32, shape: shape}, qTensor("q", tc.typ, shape, scale, tc.zp),
					{name: "y", typ: Float32, shape: shape}},
				ops: []tOp{{code: tfschema.BuiltinOperatorQUANTIZE, in: []int{0}, out: []int{1}},
					{code: tfschema.BuiltinOperatorDEQUANTIZE, in: []int{1}, out: []int{2}}},
				inputs: []int{0}, outputs: []int{1, 2},
			}
			return m.build()
		}
		want, kernels, err := r.run(build([]int{1, 1, 1, 1, 1, 1, n}), [][]byte{in})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(kernels, []string{"QUANTIZE", "DEQUANTIZE"}) {
			t.Fatalf("reference kernels %v, want the builtin QUANTIZE and DEQUANTIZE", kernels)
		}
		got := runOurs(t, build([]int{n}), [][]byte{in})
		for i := range want {
			if d := diffBytes(got[i], want[i], tc.typ); d != "" {
				t.Errorf("%v zero point %d, output %d: %s", tc.typ, tc.zp, i, d)
			}
		}
	}
}

// TestRequantizeAgainstBuiltin checks QUANTIZE between 8-bit types against
// TFLite's builtin kernel on every input byte value. XNNPACK takes INT8 to
// INT8 up to rank 6, so the reference runs rank-7 tensors (the op is
// elementwise; ours runs rank 1) and its profile must show the builtin
// QUANTIZE.
func TestRequantizeAgainstBuiltin(t *testing.T) {
	r := startRef(t)
	in := make([]byte, 256)
	for i := range in {
		in[i] = byte(i)
	}
	for _, c := range requantizeCases() {
		t.Run(c.name, func(t *testing.T) {
			ref := c.model([]int{1, 1, 1, 1, 2, 2, 64})
			want, kernels, err := r.run(ref.build(), [][]byte{in})
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			if !slices.Equal(kernels, []string{"QUANTIZE"}) {
				t.Fatalf("reference kernels %v, want the builtin QUANTIZE", kernels)
			}
			ours := c.model([]int{len(in)})
			got := runOurs(t, ours.build(), [][]byte{in})
			if d := diffBytes(got[0], want[0], c.ot); d != "" {
				t.Errorf("%s", d)
			}
		})
	}
}

// TestQuantRejectionsMatchReference checks that models this package
// rejects are rejected by the official runtime too. (An ADD whose output
// scale overflows TFLite's rescaling is left out: it aborts the WebAssembly
// module instead of failing to load.)
func TestQuantRejectionsMatchReference(t *testing.T) {
	r := startRef(t)
	conv := func() qCase {
		return convCase("c", tfschema.BuiltinOperatorCONV_2D, Int8, true, []int{1, 5, 5, 2}, 3, 3, 3, paddingSame, 1, 1, 0, actNone, 1)
	}
	uint8PerChannel := conv()
	for i := range uint8PerChannel.model.tensors {
		if uint8PerChannel.model.tensors[i].typ == Int8 {
			uint8PerChannel.model.tensors[i].typ = Uint8
		}
	}
	asymmetric := conv()
	asymmetric.model.tensors[1].quant.ZeroPoint[1] = 3
	// The runtime's QUANTIZE requantises 8-bit tensors only to 8 bits.
	s8to16 := requantizeCase{"", Int8, 0.02, 3, int16Type, 0.0001, 0}.model([]int{1, 2, 8})
	u8to16 := requantizeCase{"", Uint8, 0.02, 128, int16Type, 0.0001, 0}.model([]int{1, 2, 8})
	for name, c := range map[string]qCase{"uint8 per-channel weights": uint8PerChannel, "asymmetric int8 weights": asymmetric,
		"QUANTIZE INT8 to INT16":  {model: s8to16, inputs: [][]byte{make([]byte, 16)}},
		"QUANTIZE UINT8 to INT16": {model: u8to16, inputs: [][]byte{make([]byte, 16)}}} {
		model := c.model.build()
		if _, err := Load(model); err == nil {
			t.Errorf("%s: Load succeeded", name)
		}
		if _, _, err := r.run(model, c.inputs); err == nil {
			t.Errorf("%s: the reference accepted the model", name)
		}
	}
}
