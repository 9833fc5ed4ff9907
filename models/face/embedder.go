package face

import (
	"context"
	"fmt"
	"math"

	"github.com/vouchkiosk/vouch/models/tflite"
)

// Embedder maps aligned 112×112 RGB crops to L2-normalised templates with
// any TFLite model taking [N,112,112,3] and giving [N,D]. It is not safe
// for concurrent use.
//
// One face per frame is the common case, so the model is re-planned for a
// batch of one. If the graph cannot be re-planned (tflite.ErrShape), the
// file's fixed batch is kept and the crop is copied into every slot; the
// slots are identical, so any row is the embedding — this costs N× the
// compute and is reported by Batch.
type Embedder struct {
	ip         *tflite.Interpreter
	in, out    *tflite.Tensor
	batch, dim int
}

// NewEmbedder plans m and checks its tensors.
func NewEmbedder(m *tflite.Model) (*Embedder, error) {
	ip, err := tflite.NewInterpreter(m, &tflite.Options{Batch: 1, Threads: 1})
	if isShapeErr(err) {
		ip, err = tflite.NewInterpreter(m, &tflite.Options{Threads: 1})
	}
	if err != nil {
		return nil, fmt.Errorf("face: embedder: %w", err)
	}
	if ip.InputCount() != 1 || ip.OutputCount() != 1 {
		return nil, fmt.Errorf("%w: embedder has %d inputs and %d outputs, want 1 and 1", ErrModelShape, ip.InputCount(), ip.OutputCount())
	}
	e := &Embedder{ip: ip, in: ip.Input(0), out: ip.Output(0)}
	is, os := e.in.Shape(), e.out.Shape()
	if len(is) != 4 || is[0] < 1 || is[1] != CropSize || is[2] != CropSize || is[3] != 3 || e.in.Type() != tflite.Float32 {
		return nil, fmt.Errorf("%w: embedder input %v, want [N,%d,%d,3] float32", ErrModelShape, is, CropSize, CropSize)
	}
	if len(os) != 2 || os[0] != is[0] || os[1] < 1 || os[1] > 4096 || e.out.Type() != tflite.Float32 {
		return nil, fmt.Errorf("%w: embedder output %v, want [%d,D] float32", ErrModelShape, os, is[0])
	}
	e.batch, e.dim = is[0], os[1]
	return e, nil
}

// Dim is the template length D.
func (e *Embedder) Dim() int { return e.dim }

// Batch is the batch the model runs with (1 unless the fallback applies).
func (e *Embedder) Batch() int { return e.batch }

// embedValue is the reference input scaling (u8 − 127.5)/128, exact in float32.
func embedValue(v uint8) float32 { return (float32(v) - 127.5) / 128 }

// Embed computes the normalised template of a CropSize×CropSize RGB crop
// and appends it to dst[:0]. It fails with ErrBadTensor when the model
// output is not finite or is zero.
func (e *Embedder) Embed(ctx context.Context, crop []byte, dst []float32) ([]float32, error) {
	if len(crop) != CropSize*CropSize*3 {
		return nil, fmt.Errorf("%w: crop has %d bytes, want %d", ErrBadFrame, len(crop), CropSize*CropSize*3)
	}
	in := e.in.Float32s()
	per := len(in) / e.batch
	for i, v := range crop {
		in[i] = embedValue(v)
	}
	for b := 1; b < e.batch; b++ {
		copy(in[b*per:(b+1)*per], in[:per])
	}
	err := e.ip.Invoke(ctx)
	clear(in)
	if err != nil {
		return nil, fmt.Errorf("face: embedder: %w", err)
	}
	return normalizeRow(dst[:0], e.out.Float32s()[:e.dim])
}

// normalizeRow appends v/|v| to dst.
func normalizeRow(dst, v []float32) ([]float32, error) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if !(ss > 0) || math.IsInf(ss, 0) || math.IsNaN(ss) {
		return nil, fmt.Errorf("%w: embedding norm² %v", ErrBadTensor, ss)
	}
	inv := 1 / math.Sqrt(ss)
	for _, x := range v {
		dst = append(dst, float32(float64(x)*inv))
	}
	return dst, nil
}
