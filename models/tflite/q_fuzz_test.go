package tflite

import (
	"context"
	"testing"
)

// FuzzQuantModel mutates the quantised test models (every kernel, both
// types, per-tensor and per-channel weights) through Load, NewInterpreter
// and Invoke: any panic fails, errors must wrap a package sentinel.
func FuzzQuantModel(f *testing.F) {
	for _, c := range quantRefCases() {
		f.Add(c.model.build())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(data)
		if err != nil {
			checkSentinel(t, err)
			return
		}
		ip, err := NewInterpreter(m, &Options{MaxArenaBytes: fuzzMaxArena})
		if err != nil {
			checkSentinel(t, err)
			return
		}
		if ip.MACs() > fuzzMaxMACs {
			return
		}
		for i := range ip.InputCount() {
			in := ip.Input(i)
			for j := range in.q {
				in.q[j] = byte(j * 37)
			}
			for j := range in.f32 {
				in.f32[j] = float32(j%7) - 3
			}
		}
		if err := ip.Invoke(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
