package tflite

import (
	"fmt"
)

// Shape rules of operators that take constant INT32 operands.

func (e *shapeEnv) int32s(od *opDef, j int) []int32 { return e.m.tensors[od.inputs[j]].i32 }

func inferPad(e *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	x, p := in[0], in[1]
	if len(p) != 2 || p[0] != len(x) || p[1] != 2 {
		return nil, fmt.Errorf("%w: paddings %v for input rank %d, want [%d 2]", ErrShape, p, len(x), len(x))
	}
	v := e.int32s(od, 1)
	out := make([]int, len(x))
	for i := range out {
		b, a := int(v[2*i]), int(v[2*i+1])
		if b < 0 || a < 0 || b > maxDim || a > maxDim {
			return nil, fmt.Errorf("%w: negative or huge padding %d,%d on axis %d", ErrShape, b, a, i)
		}
		out[i] = x[i] + b + a
	}
	return out, nil
}

// inferReshape resolves the target shape (operand 1, else the options) with
// at most one -1. With a changed batch, a target whose leading dimension is
// the file's batch is rewritten to the new batch (see the package doc).
func inferReshape(e *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	target := []int{}
	switch {
	case len(in) > 1 && in[1] != nil:
		if len(in[1]) > 1 || numElements(in[1]) > maxRank {
			return nil, fmt.Errorf("%w: shape operand %v", ErrShape, in[1])
		}
		for _, v := range e.int32s(od, 1) {
			target = append(target, int(v))
		}
	case od.opts.newShape != nil:
		target = append(target, od.opts.newShape...)
	default:
		return nil, fmt.Errorf("%w: no target shape", ErrMalformed)
	}
	n := numElements(in[0])
	if e.batch > 0 && len(target) > 0 && target[0] == e.origBatch && e.origBatch > 0 && len(in[0]) > 0 && in[0][0] == e.batch {
		target[0] = e.batch
	}
	unknown, known := -1, 1
	for i, d := range target {
		switch {
		case d == -1 && unknown < 0:
			unknown = i
		case d < 0 || d > maxDim:
			return nil, fmt.Errorf("%w: target dimension %d", ErrShape, d)
		default:
			if known *= d; known > maxElements {
				return nil, fmt.Errorf("%w: target %v too large", ErrShape, target)
			}
		}
	}
	if unknown >= 0 {
		if known == 0 || n%known != 0 {
			return nil, fmt.Errorf("%w: cannot reshape %v to %v", ErrShape, in[0], target)
		}
		target[unknown] = n / known
		known = n
	}
	if known != n {
		return nil, fmt.Errorf("%w: cannot reshape %v (%d elements) to %v", ErrShape, in[0], n, target)
	}
	return target, nil
}

func normAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("%w: axis %d for rank %d", ErrShape, axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

func inferConcat(_ *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	first := in[0]
	axis, err := normAxis(od.opts.axis, len(first))
	if err != nil {
		return nil, err
	}
	out := cloneShape(first)
	for _, s := range in[1:] {
		if s == nil || len(s) != len(first) {
			return nil, fmt.Errorf("%w: concatenating %v with %v", ErrShape, first, s)
		}
		for i := range s {
			if i != axis && s[i] != first[i] {
				return nil, fmt.Errorf("%w: concatenating %v with %v on axis %d", ErrShape, first, s, axis)
			}
		}
		if out[axis] += s[axis]; out[axis] > maxDim {
			return nil, fmt.Errorf("%w: concatenated axis too large", ErrShape)
		}
	}
	return out, nil
}

func inferResize(e *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	x := in[0]
	if err := rank4(x, "input"); err != nil {
		return nil, err
	}
	if len(in[1]) != 1 || in[1][0] != 2 {
		return nil, fmt.Errorf("%w: size operand %v, want [2]", ErrShape, in[1])
	}
	if od.opts.alignCorners && od.opts.halfPixel {
		return nil, fmt.Errorf("%w: align_corners and half_pixel_centers together", ErrMalformed)
	}
	v := e.int32s(od, 1)
	h, w := int(v[0]), int(v[1])
	if h < 1 || w < 1 || h > maxDim || w > maxDim {
		return nil, fmt.Errorf("%w: output size %dx%d", ErrShape, h, w)
	}
	return []int{x[0], h, w, x[3]}, nil
}

// meanAxes returns a mask of the reduced axes.
func meanAxes(axes []int32, rank int) ([]bool, error) {
	mask := make([]bool, rank)
	for _, a := range axes {
		ax, err := normAxis(int(a), rank)
		if err != nil {
			return nil, err
		}
		mask[ax] = true
	}
	return mask, nil
}

func inferMean(e *shapeEnv, od *opDef, in [][]int) ([]int, error) {
	x := in[0]
	if len(in[1]) > 1 {
		return nil, fmt.Errorf("%w: axis operand %v", ErrShape, in[1])
	}
	mask, err := meanAxes(e.int32s(od, 1), len(x))
	if err != nil {
		return nil, err
	}
	out := []int{}
	for i, d := range x {
		switch {
		case !mask[i]:
			out = append(out, d)
		case od.opts.keepDims:
			out = append(out, 1)
		}
	}
	return out, nil
}
