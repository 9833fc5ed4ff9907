package tflite

import (
	"encoding/binary"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// tModel describes a small TFLite model that tests serialise with the
// flatbuffers builder, so every test goes through Load like a real file.
type tModel struct {
	tensors         []tTensor
	ops             []tOp
	inputs, outputs []int
}

type tTensor struct {
	name  string
	typ   DType
	shape []int
	f32   []float32 // constant data, by type
	i32   []int32
	f16   []uint16
	raw   []byte
	quant *Quantization
}

type tOp struct {
	code    tfschema.BuiltinOperator
	in, out []int
	opts    func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT)
}

func (t *tTensor) data() []byte {
	var out []byte
	switch {
	case t.f32 != nil:
		for _, v := range t.f32 {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	case t.i32 != nil:
		for _, v := range t.i32 {
			out = binary.LittleEndian.AppendUint32(out, uint32(v))
		}
	case t.f16 != nil:
		for _, v := range t.f16 {
			out = binary.LittleEndian.AppendUint16(out, v)
		}
	default:
		out = t.raw
	}
	return out
}

func ints32(b *flatbuffers.Builder, start func(*flatbuffers.Builder, int) flatbuffers.UOffsetT, v []int) flatbuffers.UOffsetT {
	start(b, len(v))
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(int32(v[i]))
	}
	return b.EndVector(len(v))
}

func (m *tModel) build() []byte {
	b := flatbuffers.NewBuilder(1024)
	// Buffers: 0 is the empty buffer; each constant tensor gets its own.
	bufOf := make([]int, len(m.tensors))
	var bufs []flatbuffers.UOffsetT
	tfschema.BufferStart(b)
	bufs = append(bufs, tfschema.BufferEnd(b))
	for i := range m.tensors {
		d := m.tensors[i].data()
		if d == nil {
			continue
		}
		b.StartVector(1, len(d), 16)
		for j := len(d) - 1; j >= 0; j-- {
			b.PrependByte(d[j])
		}
		vec := b.EndVector(len(d))
		tfschema.BufferStart(b)
		tfschema.BufferAddData(b, vec)
		bufOf[i] = len(bufs)
		bufs = append(bufs, tfschema.BufferEnd(b))
	}
	tensors := make([]flatbuffers.UOffsetT, len(m.tensors))
	for i := range m.tensors {
		t := &m.tensors[i]
		name := b.CreateString(t.name)
		shape := ints32(b, tfschema.TensorStartShapeVector, t.shape)
		var q flatbuffers.UOffsetT
		if t.quant != nil {
			tfschema.QuantizationParametersStartScaleVector(b, len(t.quant.Scale))
			for j := len(t.quant.Scale) - 1; j >= 0; j-- {
				b.PrependFloat32(t.quant.Scale[j])
			}
			sc := b.EndVector(len(t.quant.Scale))
			tfschema.QuantizationParametersStartZeroPointVector(b, len(t.quant.ZeroPoint))
			for j := len(t.quant.ZeroPoint) - 1; j >= 0; j-- {
				b.PrependInt64(t.quant.ZeroPoint[j])
			}
			zp := b.EndVector(len(t.quant.ZeroPoint))
			tfschema.QuantizationParametersStart(b)
			tfschema.QuantizationParametersAddScale(b, sc)
			tfschema.QuantizationParametersAddZeroPoint(b, zp)
			tfschema.QuantizationParametersAddQuantizedDimension(b, int32(t.quant.Dim))
			q = tfschema.QuantizationParametersEnd(b)
		}
		tfschema.TensorStart(b)
		tfschema.TensorAddShape(b, shape)
		tfschema.TensorAddType(b, tfschema.TensorType(t.typ))
		tfschema.TensorAddBuffer(b, uint32(bufOf[i]))
		tfschema.TensorAddName(b, name)
		if q != 0 {
			tfschema.TensorAddQuantization(b, q)
		}
		tensors[i] = tfschema.TensorEnd(b)
	}
	// One operator code per distinct builtin.
	codeIdx := map[tfschema.BuiltinOperator]int{}
	var codes []flatbuffers.UOffsetT
	ops := make([]flatbuffers.UOffsetT, len(m.ops))
	for i, o := range m.ops {
		if _, ok := codeIdx[o.code]; !ok {
			tfschema.OperatorCodeStart(b)
			tfschema.OperatorCodeAddBuiltinCode(b, o.code)
			tfschema.OperatorCodeAddDeprecatedBuiltinCode(b, int8(min(int32(o.code), 127)))
			tfschema.OperatorCodeAddVersion(b, 1)
			codeIdx[o.code] = len(codes)
			codes = append(codes, tfschema.OperatorCodeEnd(b))
		}
		in := ints32(b, tfschema.OperatorStartInputsVector, o.in)
		out := ints32(b, tfschema.OperatorStartOutputsVector, o.out)
		var ot tfschema.BuiltinOptions
		var ov flatbuffers.UOffsetT
		if o.opts != nil {
			ot, ov = o.opts(b)
		}
		tfschema.OperatorStart(b)
		tfschema.OperatorAddOpcodeIndex(b, uint32(codeIdx[o.code]))
		tfschema.OperatorAddInputs(b, in)
		tfschema.OperatorAddOutputs(b, out)
		if ov != 0 {
			tfschema.OperatorAddBuiltinOptionsType(b, ot)
			tfschema.OperatorAddBuiltinOptions(b, ov)
		}
		ops[i] = tfschema.OperatorEnd(b)
	}
	offsets := func(start func(*flatbuffers.Builder, int) flatbuffers.UOffsetT, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
		start(b, len(v))
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependUOffsetT(v[i])
		}
		return b.EndVector(len(v))
	}
	tv := offsets(tfschema.SubGraphStartTensorsVector, tensors)
	ov := offsets(tfschema.SubGraphStartOperatorsVector, ops)
	iv := ints32(b, tfschema.SubGraphStartInputsVector, m.inputs)
	outv := ints32(b, tfschema.SubGraphStartOutputsVector, m.outputs)
	tfschema.SubGraphStart(b)
	tfschema.SubGraphAddTensors(b, tv)
	tfschema.SubGraphAddOperators(b, ov)
	tfschema.SubGraphAddInputs(b, iv)
	tfschema.SubGraphAddOutputs(b, outv)
	sg := tfschema.SubGraphEnd(b)
	sgv := offsets(tfschema.ModelStartSubgraphsVector, []flatbuffers.UOffsetT{sg})
	cv := offsets(tfschema.ModelStartOperatorCodesVector, codes)
	bv := offsets(tfschema.ModelStartBuffersVector, bufs)
	desc := b.CreateString("vouch test model")
	tfschema.ModelStart(b)
	tfschema.ModelAddVersion(b, 3)
	tfschema.ModelAddOperatorCodes(b, cv)
	tfschema.ModelAddSubgraphs(b, sgv)
	tfschema.ModelAddBuffers(b, bv)
	tfschema.ModelAddDescription(b, desc)
	b.FinishWithFileIdentifier(tfschema.ModelEnd(b), []byte(fileIdentifier))
	return b.FinishedBytes()
}

// Option builders.

func convOpts(pad padding, sh, sw, dh, dw int, act activation) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		tfschema.Conv2DOptionsStart(b)
		tfschema.Conv2DOptionsAddPadding(b, tfschema.Padding(pad))
		tfschema.Conv2DOptionsAddStrideH(b, int32(sh))
		tfschema.Conv2DOptionsAddStrideW(b, int32(sw))
		tfschema.Conv2DOptionsAddDilationHFactor(b, int32(dh))
		tfschema.Conv2DOptionsAddDilationWFactor(b, int32(dw))
		tfschema.Conv2DOptionsAddFusedActivationFunction(b, tfschema.ActivationFunctionType(act))
		return tfschema.BuiltinOptionsConv2DOptions, tfschema.Conv2DOptionsEnd(b)
	}
}

func dwOpts(pad padding, sh, sw, dh, dw, mult int, act activation) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		tfschema.DepthwiseConv2DOptionsStart(b)
		tfschema.DepthwiseConv2DOptionsAddPadding(b, tfschema.Padding(pad))
		tfschema.DepthwiseConv2DOptionsAddStrideH(b, int32(sh))
		tfschema.DepthwiseConv2DOptionsAddStrideW(b, int32(sw))
		tfschema.DepthwiseConv2DOptionsAddDilationHFactor(b, int32(dh))
		tfschema.DepthwiseConv2DOptionsAddDilationWFactor(b, int32(dw))
		tfschema.DepthwiseConv2DOptionsAddDepthMultiplier(b, int32(mult))
		tfschema.DepthwiseConv2DOptionsAddFusedActivationFunction(b, tfschema.ActivationFunctionType(act))
		return tfschema.BuiltinOptionsDepthwiseConv2DOptions, tfschema.DepthwiseConv2DOptionsEnd(b)
	}
}

func poolOpts(pad padding, fh, fw, sh, sw int, act activation) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		tfschema.Pool2DOptionsStart(b)
		tfschema.Pool2DOptionsAddPadding(b, tfschema.Padding(pad))
		tfschema.Pool2DOptionsAddFilterHeight(b, int32(fh))
		tfschema.Pool2DOptionsAddFilterWidth(b, int32(fw))
		tfschema.Pool2DOptionsAddStrideH(b, int32(sh))
		tfschema.Pool2DOptionsAddStrideW(b, int32(sw))
		tfschema.Pool2DOptionsAddFusedActivationFunction(b, tfschema.ActivationFunctionType(act))
		return tfschema.BuiltinOptionsPool2DOptions, tfschema.Pool2DOptionsEnd(b)
	}
}

func actOpts(code tfschema.BuiltinOperator, act activation) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		a := tfschema.ActivationFunctionType(act)
		switch code {
		case tfschema.BuiltinOperatorADD:
			tfschema.AddOptionsStart(b)
			tfschema.AddOptionsAddFusedActivationFunction(b, a)
			return tfschema.BuiltinOptionsAddOptions, tfschema.AddOptionsEnd(b)
		case tfschema.BuiltinOperatorSUB:
			tfschema.SubOptionsStart(b)
			tfschema.SubOptionsAddFusedActivationFunction(b, a)
			return tfschema.BuiltinOptionsSubOptions, tfschema.SubOptionsEnd(b)
		case tfschema.BuiltinOperatorMUL:
			tfschema.MulOptionsStart(b)
			tfschema.MulOptionsAddFusedActivationFunction(b, a)
			return tfschema.BuiltinOptionsMulOptions, tfschema.MulOptionsEnd(b)
		case tfschema.BuiltinOperatorL2_NORMALIZATION:
			tfschema.L2NormOptionsStart(b)
			tfschema.L2NormOptionsAddFusedActivationFunction(b, a)
			return tfschema.BuiltinOptionsL2NormOptions, tfschema.L2NormOptionsEnd(b)
		}
		panic("actOpts: unsupported op")
	}
}

func fcOpts(act activation, keepDims bool) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		tfschema.FullyConnectedOptionsStart(b)
		tfschema.FullyConnectedOptionsAddFusedActivationFunction(b, tfschema.ActivationFunctionType(act))
		tfschema.FullyConnectedOptionsAddKeepNumDims(b, keepDims)
		return tfschema.BuiltinOptionsFullyConnectedOptions, tfschema.FullyConnectedOptionsEnd(b)
	}
}

func concatOpts(axis int, act activation) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		tfschema.ConcatenationOptionsStart(b)
		tfschema.ConcatenationOptionsAddAxis(b, int32(axis))
		tfschema.ConcatenationOptionsAddFusedActivationFunction(b, tfschema.ActivationFunctionType(act))
		return tfschema.BuiltinOptionsConcatenationOptions, tfschema.ConcatenationOptionsEnd(b)
	}
}

func resizeOpts(alignCorners, halfPixel bool) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		tfschema.ResizeBilinearOptionsStart(b)
		tfschema.ResizeBilinearOptionsAddAlignCorners(b, alignCorners)
		tfschema.ResizeBilinearOptionsAddHalfPixelCenters(b, halfPixel)
		return tfschema.BuiltinOptionsResizeBilinearOptions, tfschema.ResizeBilinearOptionsEnd(b)
	}
}

func reducerOpts(keepDims bool) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		tfschema.ReducerOptionsStart(b)
		tfschema.ReducerOptionsAddKeepDims(b, keepDims)
		return tfschema.BuiltinOptionsReducerOptions, tfschema.ReducerOptionsEnd(b)
	}
}

func softmaxOpts(beta float32) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		tfschema.SoftmaxOptionsStart(b)
		tfschema.SoftmaxOptionsAddBeta(b, beta)
		return tfschema.BuiltinOptionsSoftmaxOptions, tfschema.SoftmaxOptionsEnd(b)
	}
}

func reshapeOpts(shape []int) func(*flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
	return func(b *flatbuffers.Builder) (tfschema.BuiltinOptions, flatbuffers.UOffsetT) {
		v := ints32(b, tfschema.ReshapeOptionsStartNewShapeVector, shape)
		tfschema.ReshapeOptionsStart(b)
		tfschema.ReshapeOptionsAddNewShape(b, v)
		return tfschema.BuiltinOptionsReshapeOptions, tfschema.ReshapeOptionsEnd(b)
	}
}

func toOp(code int) tfschema.BuiltinOperator { return tfschema.BuiltinOperator(code) }
