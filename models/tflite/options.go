package tflite

import (
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// padding is a convolution or pooling padding scheme.
type padding int8

const (
	paddingSame  padding = padding(tfschema.PaddingSAME)
	paddingValid padding = padding(tfschema.PaddingVALID)
)

// activation is a fused activation function.
type activation int8

const (
	actNone  activation = activation(tfschema.ActivationFunctionTypeNONE)
	actRelu  activation = activation(tfschema.ActivationFunctionTypeRELU)
	actRelu1 activation = activation(tfschema.ActivationFunctionTypeRELU_N1_TO_1)
	actRelu6 activation = activation(tfschema.ActivationFunctionTypeRELU6)
)

// opOptions holds the builtin options of every supported operator; each
// operator reads only its own fields.
type opOptions struct {
	padding          padding
	strideW, strideH int
	dilW, dilH       int
	filterW, filterH int
	depthMultiplier  int
	act              activation
	axis             int
	keepDims         bool
	newShape         []int // RESHAPE options; nil if absent
	alignCorners     bool
	halfPixel        bool
	beta             float32
}

// options reads and range-checks the builtin options of one operator.
func (p *parser) options(o *tfschema.Operator, od *opDef) error {
	op := &od.opts
	op.strideW, op.strideH, op.dilW, op.dilH, op.beta = 1, 1, 1, 1, 1
	switch od.code {
	case tfschema.BuiltinOperatorCONV_2D:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsConv2DOptions)
		if err != nil || !ok {
			return missing(err)
		}
		var c tfschema.Conv2DOptions
		c.Init(t.Bytes, t.Pos)
		op.padding, op.act = padding(c.Padding()), activation(c.FusedActivationFunction())
		op.strideW, op.strideH = int(c.StrideW()), int(c.StrideH())
		op.dilW, op.dilH = int(c.DilationWFactor()), int(c.DilationHFactor())
	case tfschema.BuiltinOperatorDEPTHWISE_CONV_2D:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsDepthwiseConv2DOptions)
		if err != nil || !ok {
			return missing(err)
		}
		var c tfschema.DepthwiseConv2DOptions
		c.Init(t.Bytes, t.Pos)
		op.padding, op.act = padding(c.Padding()), activation(c.FusedActivationFunction())
		op.strideW, op.strideH = int(c.StrideW()), int(c.StrideH())
		op.dilW, op.dilH = int(c.DilationWFactor()), int(c.DilationHFactor())
		op.depthMultiplier = int(c.DepthMultiplier())
	case tfschema.BuiltinOperatorMAX_POOL_2D, tfschema.BuiltinOperatorAVERAGE_POOL_2D:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsPool2DOptions)
		if err != nil || !ok {
			return missing(err)
		}
		var c tfschema.Pool2DOptions
		c.Init(t.Bytes, t.Pos)
		op.padding, op.act = padding(c.Padding()), activation(c.FusedActivationFunction())
		op.strideW, op.strideH = int(c.StrideW()), int(c.StrideH())
		op.filterW, op.filterH = int(c.FilterWidth()), int(c.FilterHeight())
	case tfschema.BuiltinOperatorADD:
		return fusedActivationOnly[tfschema.AddOptions](p, o, tfschema.BuiltinOptionsAddOptions, op)
	case tfschema.BuiltinOperatorSUB:
		return fusedActivationOnly[tfschema.SubOptions](p, o, tfschema.BuiltinOptionsSubOptions, op)
	case tfschema.BuiltinOperatorMUL:
		return fusedActivationOnly[tfschema.MulOptions](p, o, tfschema.BuiltinOptionsMulOptions, op)
	case tfschema.BuiltinOperatorL2_NORMALIZATION:
		return fusedActivationOnly[tfschema.L2NormOptions](p, o, tfschema.BuiltinOptionsL2NormOptions, op)
	case tfschema.BuiltinOperatorFULLY_CONNECTED:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsFullyConnectedOptions)
		if ok {
			var c tfschema.FullyConnectedOptions
			c.Init(t.Bytes, t.Pos)
			op.act = activation(c.FusedActivationFunction())
			op.keepDims = c.KeepNumDims()
			if c.WeightsFormat() != tfschema.FullyConnectedOptionsWeightsFormatDEFAULT {
				return fmt.Errorf("%w: weights format %v", ErrUnsupported, c.WeightsFormat())
			}
		}
		return err
	case tfschema.BuiltinOperatorCONCATENATION:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsConcatenationOptions)
		if err != nil || !ok {
			return missing(err)
		}
		var c tfschema.ConcatenationOptions
		c.Init(t.Bytes, t.Pos)
		op.axis, op.act = int(c.Axis()), activation(c.FusedActivationFunction())
	case tfschema.BuiltinOperatorRESHAPE:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsReshapeOptions)
		if ok {
			var c tfschema.ReshapeOptions
			c.Init(t.Bytes, t.Pos)
			n := c.NewShapeLength()
			if n > maxRank {
				return fmt.Errorf("%w: new_shape has %d dimensions", ErrUnsupported, n)
			}
			op.newShape = make([]int, n)
			for i := range op.newShape {
				op.newShape[i] = int(c.NewShape(i))
			}
		}
		return err
	case tfschema.BuiltinOperatorRESIZE_BILINEAR:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsResizeBilinearOptions)
		if ok {
			var c tfschema.ResizeBilinearOptions
			c.Init(t.Bytes, t.Pos)
			op.alignCorners, op.halfPixel = c.AlignCorners(), c.HalfPixelCenters()
		}
		return err
	case tfschema.BuiltinOperatorMEAN:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsReducerOptions)
		if ok {
			var c tfschema.ReducerOptions
			c.Init(t.Bytes, t.Pos)
			op.keepDims = c.KeepDims()
		}
		return err
	case tfschema.BuiltinOperatorSOFTMAX:
		t, ok, err := p.table(o, tfschema.BuiltinOptionsSoftmaxOptions)
		if ok {
			var c tfschema.SoftmaxOptions
			c.Init(t.Bytes, t.Pos)
			op.beta = c.Beta()
		}
		return err
	}
	return nil
}

// missing turns absent mandatory options into an error.
func missing(err error) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: builtin options are missing", ErrMalformed)
}

// activationOptions is a generated options table whose only field a kernel
// reads is its fused activation.
type activationOptions[T any] interface {
	*T
	Init(buf []byte, i flatbuffers.UOffsetT)
	FusedActivationFunction() tfschema.ActivationFunctionType
}

// fusedActivationOnly reads the fused activation of an operator whose
// options table holds nothing else of interest (ADD, SUB, MUL,
// L2_NORMALIZATION). Absent options mean no activation.
func fusedActivationOnly[T any, P activationOptions[T]](p *parser, o *tfschema.Operator, kind tfschema.BuiltinOptions, op *opOptions) error {
	t, ok, err := p.table(o, kind)
	if ok {
		var c T
		P(&c).Init(t.Bytes, t.Pos)
		op.act = activation(P(&c).FusedActivationFunction())
	}
	return err
}
