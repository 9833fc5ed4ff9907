package tflite

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// Structural limits applied while parsing. They bound work and memory for a
// hostile file far below what a real model reaches.
const (
	maxRank        = 6       // dimensions per tensor
	maxOpInputs    = 16      // inputs or outputs per operator
	maxDim         = 1 << 24 // one dimension
	maxElements    = 1 << 28 // elements in one tensor
	minFileSize    = 8       // root offset + file identifier
	fileIdentifier = "TFL3"
)

// parser reads a flatbuffer through the generated accessors. The accessors
// do no bounds checking, so every vector length is checked against the
// buffer before it is walked, and parse turns any residual out-of-range
// access into ErrMalformed naming the element being read.
type parser struct {
	buf   []byte
	where string // what is being read, for errors
}

// Load parses and validates a .tflite model. The model keeps no reference to
// data, so the caller may reuse it afterwards.
func Load(data []byte) (*Model, error) {
	m, err := parse(data)
	if err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

func parse(data []byte) (m *Model, err error) {
	if len(data) < minFileSize {
		return nil, fmt.Errorf("%w: %d bytes is too short for a flatbuffer", ErrMalformed, len(data))
	}
	if uint64(len(data)) > math.MaxUint32 {
		return nil, fmt.Errorf("%w: %d bytes exceeds the flatbuffer size limit", ErrMalformed, len(data))
	}
	if string(data[4:8]) != fileIdentifier {
		return nil, fmt.Errorf("%w: file identifier %q, want %q", ErrMalformed, data[4:8], fileIdentifier)
	}
	p := &parser{buf: data, where: "model"}
	defer func() {
		if r := recover(); r != nil {
			var re interface{ RuntimeError() }
			if e, ok := r.(error); ok && errors.As(e, &re) {
				m, err = nil, fmt.Errorf("%w: %s: offset out of range (%v)", ErrMalformed, p.where, e)
				return
			}
			panic(r)
		}
	}()
	return p.model()
}

// vec checks that a vector of n elements of size elem can fit in the buffer.
func (p *parser) vec(n, elem int, what string) error {
	if n < 0 || n > len(p.buf)/elem {
		return fmt.Errorf("%w: %s: vector length %d exceeds the file", ErrMalformed, what, n)
	}
	return nil
}

func (p *parser) model() (*Model, error) {
	root := tfschema.GetRootAsModel(p.buf, 0)
	m := &Model{version: root.Version(), description: string(root.Description())}
	if m.version != 3 {
		return nil, fmt.Errorf("%w: schema version %d, want 3", ErrUnsupported, m.version)
	}

	n := root.SubgraphsLength()
	if err := p.vec(n, 4, "subgraphs"); err != nil {
		return nil, err
	}
	if n < 1 {
		return nil, fmt.Errorf("%w: no subgraph", ErrMalformed)
	}
	var sg tfschema.SubGraph
	p.where = "subgraph 0"
	root.Subgraphs(&sg, 0)

	bufs, err := p.buffers(root)
	if err != nil {
		return nil, err
	}
	codes, err := p.opcodes(root)
	if err != nil {
		return nil, err
	}
	if m.tensors, err = p.tensors(&sg, bufs); err != nil {
		return nil, err
	}
	if m.inputs, err = p.indices(sg.InputsLength(), sg.Inputs, len(m.tensors), "subgraph inputs"); err != nil {
		return nil, err
	}
	if m.outputs, err = p.indices(sg.OutputsLength(), sg.Outputs, len(m.tensors), "subgraph outputs"); err != nil {
		return nil, err
	}
	if m.ops, err = p.operators(&sg, codes, len(m.tensors)); err != nil {
		return nil, err
	}
	return m, nil
}

// buffers returns each buffer's bytes, embedded or at an offset in the file.
func (p *parser) buffers(root *tfschema.Model) ([][]byte, error) {
	n := root.BuffersLength()
	if err := p.vec(n, 4, "buffers"); err != nil {
		return nil, err
	}
	out := make([][]byte, n)
	var b tfschema.Buffer
	for i := range out {
		p.where = fmt.Sprintf("buffer %d", i)
		root.Buffers(&b, i)
		if off, size := b.Offset(), b.Size(); off > 1 {
			if off > uint64(len(p.buf)) || size > uint64(len(p.buf))-off {
				return nil, fmt.Errorf("%w: buffer %d: external data [%d, +%d) outside the %d-byte file",
					ErrMalformed, i, off, size, len(p.buf))
			}
			out[i] = p.buf[off : off+size]
			continue
		}
		if err := p.vec(b.DataLength(), 1, p.where); err != nil {
			return nil, err
		}
		out[i] = b.DataBytes()
	}
	return out, nil
}

type opcode struct {
	code    tfschema.BuiltinOperator
	version int32
	custom  string
}

func (p *parser) opcodes(root *tfschema.Model) ([]opcode, error) {
	n := root.OperatorCodesLength()
	if err := p.vec(n, 4, "operator codes"); err != nil {
		return nil, err
	}
	out := make([]opcode, n)
	var oc tfschema.OperatorCode
	for i := range out {
		p.where = fmt.Sprintf("operator code %d", i)
		root.OperatorCodes(&oc, i)
		// TFLite reads the larger of the deprecated 8-bit field and the
		// 32-bit field, which is how files from either era agree.
		code := tfschema.BuiltinOperator(max(int32(oc.DeprecatedBuiltinCode()), int32(oc.BuiltinCode())))
		out[i] = opcode{code: code, version: oc.Version()}
		if code == tfschema.BuiltinOperatorCUSTOM {
			out[i].custom = string(oc.CustomCode())
		}
	}
	return out, nil
}

func (p *parser) tensors(sg *tfschema.SubGraph, bufs [][]byte) ([]tensorDef, error) {
	n := sg.TensorsLength()
	if err := p.vec(n, 4, "tensors"); err != nil {
		return nil, err
	}
	out := make([]tensorDef, n)
	var t tfschema.Tensor
	var q tfschema.QuantizationParameters
	for i := range out {
		p.where = fmt.Sprintf("tensor %d", i)
		sg.Tensors(&t, i)
		td := &out[i]
		td.name = string(t.Name())
		td.typ = DType(t.Type())
		terr := func(format string, args ...any) error {
			return &TensorError{Index: i, Name: td.name, Err: fmt.Errorf(format, args...)}
		}
		rank := t.ShapeLength()
		if rank < 0 || rank > maxRank {
			return nil, terr("%w: rank %d (max %d)", ErrUnsupported, rank, maxRank)
		}
		td.shape = make([]int, rank)
		elems := 1
		for j := range td.shape {
			d := int(t.Shape(j))
			if d < 0 || d > maxDim {
				return nil, terr("%w: dimension %d is %d", ErrShape, j, d)
			}
			td.shape[j] = d
			if elems *= d; elems > maxElements {
				return nil, terr("%w: more than %d elements", ErrShape, maxElements)
			}
		}
		if t.Sparsity(nil) != nil {
			return nil, terr("%w: sparse tensors", ErrUnsupported)
		}
		if t.IsVariable() {
			return nil, terr("%w: variable tensors", ErrUnsupported)
		}
		if t.Quantization(&q) != nil {
			var err error
			if td.quant, err = p.quantization(&q); err != nil {
				return nil, terr("%w", err)
			}
		}
		b := int(t.Buffer())
		if b < 0 || b >= len(bufs) {
			return nil, terr("%w: buffer index %d of %d", ErrMalformed, b, len(bufs))
		}
		if len(bufs[b]) == 0 {
			continue
		}
		if err := td.setData(bufs[b], elems); err != nil {
			return nil, terr("%w", err)
		}
	}
	return out, nil
}

func (p *parser) quantization(q *tfschema.QuantizationParameters) (Quantization, error) {
	var out Quantization
	ns, nz := q.ScaleLength(), q.ZeroPointLength()
	if err := p.vec(ns, 4, "quantization scale"); err != nil {
		return out, err
	}
	if err := p.vec(nz, 8, "quantization zero point"); err != nil {
		return out, err
	}
	if ns == 0 {
		return out, nil
	}
	out.Scale = make([]float32, ns)
	for i := range out.Scale {
		out.Scale[i] = q.Scale(i)
	}
	out.ZeroPoint = make([]int64, nz)
	for i := range out.ZeroPoint {
		out.ZeroPoint[i] = q.ZeroPoint(i)
	}
	out.Dim = int(q.QuantizedDimension())
	return out, nil
}

// setData copies constant bytes into typed storage owned by the model.
func (td *tensorDef) setData(b []byte, elems int) error {
	size := td.typ.size()
	if size == 0 {
		return fmt.Errorf("%w: constant of type %v", ErrUnsupported, td.typ)
	}
	if len(b) != elems*size {
		return fmt.Errorf("%w: buffer holds %d bytes, shape %v of %v needs %d", ErrShape, len(b), td.shape, td.typ, elems*size)
	}
	td.constant = true
	switch td.typ {
	case Float32:
		td.f32 = make([]float32, elems)
		for i := range td.f32 {
			td.f32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case Int32:
		td.i32 = make([]int32, elems)
		for i := range td.i32 {
			td.i32[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case Float16:
		td.f16 = make([]uint16, elems)
		for i := range td.f16 {
			td.f16[i] = binary.LittleEndian.Uint16(b[2*i:])
		}
	default:
		td.raw = append([]byte(nil), b...)
	}
	return nil
}

// indices reads a vector of tensor indices; -1 (an omitted optional operand)
// is kept only when optional is true.
func (p *parser) indices(n int, at func(int) int32, ntensors int, what string) ([]int, error) {
	if n > maxOpInputs*64 {
		return nil, fmt.Errorf("%w: %s: %d entries", ErrMalformed, what, n)
	}
	if err := p.vec(n, 4, what); err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i := range out {
		v := int(at(i))
		if v < -1 || v >= ntensors {
			return nil, fmt.Errorf("%w: %s: tensor index %d of %d", ErrMalformed, what, v, ntensors)
		}
		out[i] = v
	}
	return out, nil
}

func (p *parser) operators(sg *tfschema.SubGraph, codes []opcode, ntensors int) ([]opDef, error) {
	n := sg.OperatorsLength()
	if err := p.vec(n, 4, "operators"); err != nil {
		return nil, err
	}
	out := make([]opDef, n)
	var o tfschema.Operator
	for i := range out {
		p.where = fmt.Sprintf("operator %d", i)
		sg.Operators(&o, i)
		ci := int(o.OpcodeIndex())
		if ci < 0 || ci >= len(codes) {
			return nil, &OpError{Index: i, Op: "?", Err: fmt.Errorf("%w: opcode index %d of %d", ErrMalformed, ci, len(codes))}
		}
		od := &out[i]
		od.code, od.version = codes[ci].code, codes[ci].version
		oerr := func(err error) error { return &OpError{Index: i, Op: od.name(), Err: err} }
		if codes[ci].custom != "" || od.code == tfschema.BuiltinOperatorCUSTOM {
			return nil, oerr(fmt.Errorf("%w: custom operator %q", ErrUnsupported, codes[ci].custom))
		}
		if o.InputsLength() > maxOpInputs || o.OutputsLength() > maxOpInputs {
			return nil, oerr(fmt.Errorf("%w: %d inputs, %d outputs", ErrMalformed, o.InputsLength(), o.OutputsLength()))
		}
		var err error
		if od.inputs, err = p.indices(o.InputsLength(), o.Inputs, ntensors, "inputs"); err != nil {
			return nil, oerr(err)
		}
		if od.outputs, err = p.indices(o.OutputsLength(), o.Outputs, ntensors, "outputs"); err != nil {
			return nil, oerr(err)
		}
		if err := p.options(&o, od); err != nil {
			return nil, oerr(err)
		}
	}
	return out, nil
}

// table returns the operator's builtin options table if it has the wanted
// type; ok is false when the options are absent (defaults apply).
func (p *parser) table(o *tfschema.Operator, want tfschema.BuiltinOptions) (t flatbuffers.Table, ok bool, err error) {
	got := o.BuiltinOptionsType()
	if got == tfschema.BuiltinOptionsNONE {
		return t, false, nil
	}
	if got != want {
		return t, false, fmt.Errorf("%w: options of type %v, want %v", ErrMalformed, got, want)
	}
	if !o.BuiltinOptions(&t) {
		return t, false, nil
	}
	return t, true, nil
}
