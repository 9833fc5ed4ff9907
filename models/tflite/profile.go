package tflite

import (
	"context"
	"time"
)

// OpTime is the cost of one executed step in a profiled Invoke.
type OpTime struct {
	Op   int    // operator index (the first of a fused group)
	Name string // builtin name; "PRELU(fused)" for the fused PReLU spelling
	MACs int64
	Time time.Duration
}

// Profile runs the model once like Invoke, timing every step. It allocates
// the result and is meant for diagnostics and benchmarks, not for the hot
// path.
func (ip *Interpreter) Profile(ctx context.Context) ([]OpTime, error) {
	out := make([]OpTime, len(ip.steps))
	for i := range ip.steps {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := &ip.steps[i]
		name := ip.model.ops[s.op].name()
		if _, ok := s.k.(*preluFused); ok {
			name = "PRELU(fused)"
		}
		start := time.Now()
		ip.runStep(i)
		out[i] = OpTime{Op: s.op, Name: name, MACs: s.macs, Time: time.Since(start)}
	}
	return out, nil
}
